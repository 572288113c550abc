//! The broker binary over real HTTP, in front of the HubSpot sandbox (tests/sandbox/, HTTPS with
//! its own CA). Layer: broker integration tests. Each test starts its own sandbox and broker,
//! captures the broker's output, and kills both when it ends (on panic too). Needs `node` and
//! `openssl` on PATH, as the rest of the test suite does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const EXT_ID: &str = "mkdjbgeijpdgafhndoplbnmpafegpmnf";
const OTHER_ID: &str = "ponmlkjihgfedcbaponmlkjihgfedcba";
const CLIENT_ID: &str = "spotdial-sandbox-client";
const CLIENT_SECRET: &str = "sandbox-client-secret";
const SCOPES: &str = "oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.owners.read";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn origin() -> String {
    format!("chrome-extension://{EXT_ID}")
}

fn redirect_uri() -> String {
    format!("https://{EXT_ID}.chromiumapp.org/")
}

// ---------------------------------------------------------------- processes and scratch dirs

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("spotdial-broker-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process whose stdout and stderr are collected; killed and reaped on drop.
struct Proc {
    child: Child,
    output: Arc<Mutex<String>>,
    lines: mpsc::Receiver<String>,
    readers: Vec<JoinHandle<()>>,
}

impl Proc {
    fn spawn(mut command: Command) -> Proc {
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let output = Arc::new(Mutex::new(String::new()));
        let (tx, lines) = mpsc::channel();
        let mut readers = Vec::new();
        let stdout: Box<dyn Read + Send> = Box::new(child.stdout.take().unwrap());
        let stderr: Box<dyn Read + Send> = Box::new(child.stderr.take().unwrap());
        for (stream, tx) in [(stdout, Some(tx)), (stderr, None)] {
            let output = Arc::clone(&output);
            readers.push(std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    output.lock().unwrap().push_str(&format!("{line}\n"));
                    if let Some(tx) = &tx {
                        let _ = tx.send(line);
                    }
                }
            }));
        }
        Proc { child, output, lines, readers }
    }

    /// The first stdout line for which `pick` returns something.
    fn wait_for_line<T>(&self, what: &str, pick: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(found) = pick(&line) {
                        return found;
                    }
                }
                Err(_) => panic!("no {what} line; output so far:\n{}", self.output()),
            }
        }
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Kills the process and returns everything it printed.
    fn stop(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        self.output()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Sandbox {
    port: u16,
    ca: PathBuf,
    _proc: Proc,
    _dir: Scratch,
}

impl Sandbox {
    fn start() -> Sandbox {
        let dir = Scratch::new();
        let status = Command::new("bash")
            .arg("tests/sandbox/certs.sh")
            .arg(&dir.0)
            .current_dir(repo_root())
            .stdout(Stdio::null())
            .status()
            .expect("bash tests/sandbox/certs.sh");
        assert!(status.success(), "certs.sh failed");
        let mut node = Command::new("node");
        node.arg("tests/sandbox/server.mjs")
            .args(["--port", "0", "--cert"])
            .arg(dir.0.join("cert.pem"))
            .arg("--key")
            .arg(dir.0.join("key.pem"))
            .current_dir(repo_root());
        let proc = Proc::spawn(node);
        let port = proc.wait_for_line("sandbox {\"listening\":PORT}", |line| {
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            value["listening"].as_u64().map(|p| p as u16)
        });
        Sandbox { port, ca: dir.0.join("ca.pem"), _proc: proc, _dir: dir }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// An HTTPS client that trusts only the sandbox CA and never follows redirects.
    fn client(&self) -> ureq::Agent {
        let pem = std::fs::read(&self.ca).unwrap();
        let ca = ureq::tls::Certificate::from_pem(&pem).unwrap();
        let tls = ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::new_with_certs(&[ca])).build();
        ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .build()
            .into()
    }

    /// Adds a scripted fault (`POST /__sandbox/faults`).
    fn fault(&self, spec: serde_json::Value) {
        let response = self
            .client()
            .post(&format!("{}/__sandbox/faults", self.url()))
            .header("Content-Type", "application/json")
            .send(spec.to_string().as_bytes())
            .unwrap();
        assert!(response.status().is_success(), "fault not accepted: {}", response.status());
    }
}

struct Broker {
    url: String,
    proc: Proc,
}

impl Broker {
    fn env_for(sandbox: &Sandbox) -> Vec<(&'static str, String)> {
        vec![
            ("SPOTDIAL_BROKER_CLIENT_ID", CLIENT_ID.to_owned()),
            ("SPOTDIAL_BROKER_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
            ("SPOTDIAL_BROKER_EXTENSION_IDS", format!("{EXT_ID},{OTHER_ID}")),
            ("SPOTDIAL_BROKER_HUBSPOT_URL", sandbox.url()),
            ("SPOTDIAL_BROKER_EXTRA_CA", sandbox.ca.display().to_string()),
        ]
    }

    fn start(sandbox: &Sandbox) -> Broker {
        Broker::start_with(Broker::env_for(sandbox))
    }

    fn start_with(env: Vec<(&'static str, String)>) -> Broker {
        let mut command = Command::new(env!("CARGO_BIN_EXE_spotdial-broker"));
        command.env_clear().env("SPOTDIAL_BROKER_LISTEN", "127.0.0.1:0");
        for (name, value) in env {
            command.env(name, value);
        }
        let proc = Proc::spawn(command);
        let url = proc.wait_for_line("broker listening", |line| {
            line.strip_prefix("spotdial-broker listening on ").map(str::to_owned)
        });
        Broker { url, proc }
    }

    fn client() -> ureq::Agent {
        ureq::Agent::config_builder().http_status_as_error(false).proxy(None).build().into()
    }

    fn post_raw(&self, path: &str, origin: Option<&str>, content_type: &str, body: &[u8]) -> Answer {
        post_to(&self.url, path, origin, content_type, body)
    }

    fn post(&self, path: &str, origin: Option<&str>, fields: &[(&str, &str)]) -> Answer {
        let body = form(fields);
        self.post_raw(path, origin, "application/x-www-form-urlencoded", body.as_bytes())
    }

    /// Waits until the broker has logged `n` lines containing `needle` (its output is read on other threads).
    fn wait_for_log(&self, needle: &str, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.proc.output().matches(needle).count() < n {
            assert!(Instant::now() < deadline, "log never had {n} x {needle:?}:\n{}", self.proc.output());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A POST to the broker at `base_url` (usable from a thread that holds no `Broker`).
fn post_to(base_url: &str, path: &str, origin: Option<&str>, content_type: &str, body: &[u8]) -> Answer {
    let mut request = Broker::client().post(&format!("{base_url}{path}")).header("Content-Type", content_type);
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    Answer::from(request.send(body).expect("broker answered"))
}

/// The extension's code exchange for `grant`, as it sends it, to the broker at `base_url`.
fn exchange_code(base_url: &str, grant: &Grant) -> Answer {
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", &grant.code),
        ("redirect_uri", &redirect_uri()),
        ("code_verifier", &grant.verifier),
    ]);
    post_to(base_url, "/v1/token", Some(&origin()), "application/x-www-form-urlencoded", body.as_bytes())
}

fn form(fields: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        serializer.append_pair(k, v);
    }
    serializer.finish()
}

#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn from(mut response: ureq::http::Response<ureq::Body>) -> Answer {
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Answer { status, headers, body }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    /// Our refusal shape: `{"error": code, "error_description": text, "source": "broker"}`.
    fn assert_refusal(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        let json = self.json();
        assert_eq!(json["error"], code, "{self:?}");
        assert_eq!(json["source"], "broker", "{self:?}");
        assert!(json["error_description"].as_str().is_some_and(|d| !d.is_empty()), "{self:?}");
    }
}

// ---------------------------------------------------------------- raw TCP clients

/// A TCP connection to the broker from `local_ip` (any 127.x address reaches the loopback
/// listener, so a test can play two clients with two addresses).
fn connect_from(local_ip: &str, broker: &Broker) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let target: std::net::SocketAddr = broker.url.strip_prefix("http://").unwrap().parse().unwrap();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let local: std::net::SocketAddr = format!("{local_ip}:0").parse().unwrap();
    socket.bind(&local.into()).unwrap();
    socket.connect(&target.into()).unwrap();
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream
}

/// A POST as raw bytes, closing after the answer.
fn post_text(path: &str, origin: &str, content_type: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: broker\r\nOrigin: {origin}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Sends `request` from `local_ip` and returns everything the broker answered.
fn raw_request(broker: &Broker, local_ip: &str, request: &str) -> String {
    let mut stream = connect_from(local_ip, broker);
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply
}

/// Reads until the peer closes or `limit` passes; returns what came and whether it closed.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), false)
}

// ---------------------------------------------------------------- the OAuth consent flow

/// PKCE pair: a fixed-per-call random-looking verifier and its S256 challenge.
fn pkce() -> (String, String) {
    use std::hash::{BuildHasher, Hasher};
    let mut verifier = String::new();
    while verifier.len() < 64 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(verifier.len());
        verifier.push_str(&format!("{:016x}", hasher.finish()));
    }
    let challenge = s256_base64url(verifier.as_bytes());
    (verifier, challenge)
}

/// S256 via openssl (the tests already need it for certs.sh), so no hashing crate is added.
fn s256_base64url(input: &[u8]) -> String {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-binary"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let digest = child.wait_with_output().unwrap().stdout;
    assert_eq!(digest.len(), 32);
    base64url(&digest)
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn html_unescape(text: &str) -> String {
    text.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
}

/// The value of `name="…" value="…"` in a page, or of the first `href` containing `needle`.
fn attribute_after<'a>(page: &'a str, marker: &str, attribute: &str) -> &'a str {
    let from = page.find(marker).unwrap_or_else(|| panic!("{marker:?} not in page:\n{page}"));
    let rest = &page[from..];
    let start = rest.find(&format!("{attribute}=\"")).expect("attribute") + attribute.len() + 2;
    let end = start + rest[start..].find('"').expect("closing quote");
    &rest[start..end]
}

/// GET on a sandbox UI page, addressed by its real host name.
fn ui_get(sandbox: &Sandbox, host: &str, path_and_query: &str) -> Answer {
    let response = sandbox
        .client()
        .get(&format!("{}{path_and_query}", sandbox.url()))
        .header("Host", host)
        .call()
        .expect("sandbox UI answered");
    Answer::from(response)
}

struct Grant {
    code: String,
    verifier: String,
}

/// Drives the sandbox's consent UI as a rep would: authorize URL → account chooser → consent
/// page → "Approve", and returns the code from the redirect to the extension.
fn authorize(sandbox: &Sandbox, redirect: &str) -> Grant {
    let (verifier, challenge) = pkce();
    let state = "st-4711";
    let query = form(&[
        ("client_id", CLIENT_ID),
        ("redirect_uri", redirect),
        ("scope", SCOPES),
        ("state", state),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    let mut page = ui_get(sandbox, "app.hubspot.com", &format!("/oauth/authorize?{query}"));
    assert_eq!(page.status, 200, "{page:?}");

    if page.body.contains("account-chooser") {
        // Follow the first account, on the host the link names (the sandbox keeps its port).
        let href = html_unescape(attribute_after(&page.body, "aria-label=\"Accounts\"", "href"));
        let after_scheme = href.strip_prefix("https://").expect("https link");
        let (authority, path) = after_scheme.split_at(after_scheme.find('/').unwrap());
        let host = authority.split(':').next().unwrap();
        page = ui_get(sandbox, host, path);
        assert_eq!(page.status, 200, "{page:?}");
    }
    assert!(page.body.contains("oauth-consent"), "not the consent page: {page:?}");
    let action = attribute_after(&page.body, "<form", "action").to_owned();
    let consent_id = attribute_after(&page.body, "name=\"consent_id\"", "value").to_owned();
    assert!(page.body.contains("value=\"approve\">Approve</button>"), "no Approve button: {}", page.body);

    let response = sandbox
        .client()
        .post(&format!("{}{action}", sandbox.url()))
        .header("Host", "app.hubspot.com")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(form(&[("consent_id", &consent_id), ("decision", "approve")]).as_bytes())
        .unwrap();
    let answer = Answer::from(response);
    assert_eq!(answer.status, 302, "{answer:?}");
    let location = answer.header("location").expect("redirect").to_owned();
    assert!(location.starts_with(redirect), "{location}");
    let params: std::collections::HashMap<String, String> =
        form_urlencoded::parse(location.split_once('?').expect("query").1.as_bytes()).into_owned().collect();
    assert_eq!(params.get("state").map(String::as_str), Some(state));
    Grant { code: params["code"].clone(), verifier }
}

/// A signed-in session: the code exchanged through the broker.
fn sign_in(sandbox: &Sandbox, broker: &Broker) -> (Grant, serde_json::Value) {
    let grant = authorize(sandbox, &redirect_uri());
    let answer = exchange_code(&broker.url, &grant);
    assert_eq!(answer.status, 200, "{answer:?}");
    (grant, answer.json())
}

// ---------------------------------------------------------------- tests

#[test]
fn code_exchange_returns_hubspots_tokens_with_cors_headers() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let grant = authorize(&sandbox, &redirect_uri());
    let answer = exchange_code(&broker.url, &grant);
    assert_eq!(answer.status, 200, "{answer:?}");
    let tokens = answer.json();
    assert!(tokens["access_token"].as_str().is_some_and(|t| !t.is_empty()), "{tokens}");
    assert!(tokens["refresh_token"].as_str().is_some_and(|t| !t.is_empty()), "{tokens}");
    assert!(tokens["expires_in"].as_u64().is_some(), "{tokens}");
    assert_eq!(answer.header("access-control-allow-origin"), Some(origin().as_str()));
    assert!(answer.header("vary").is_some_and(|v| v.to_ascii_lowercase().contains("origin")), "{answer:?}");
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    // The extension must be able to read Retry-After (CORS hides unlisted headers).
    assert_eq!(answer.header("access-control-expose-headers"), Some("retry-after"));

    // The code is single-use at HubSpot; the broker passes HubSpot's refusal through.
    let again = exchange_code(&broker.url, &grant);
    assert_eq!(again.status, 400, "{again:?}");
    assert_eq!(again.json()["error"], "invalid_grant");
    assert_eq!(again.json().get("source"), None, "HubSpot's answer, not ours: {again:?}");
}

#[test]
fn a_wrong_pkce_verifier_is_refused_by_hubspot_not_hidden_by_the_broker() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let grant = authorize(&sandbox, &redirect_uri());
    let (other_verifier, _) = pkce();
    let answer = broker.post(
        "/v1/token",
        Some(&origin()),
        &[
            ("grant_type", "authorization_code"),
            ("code", &grant.code),
            ("redirect_uri", &redirect_uri()),
            ("code_verifier", &other_verifier),
        ],
    );
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.json()["error"], "invalid_grant");
}

#[test]
fn refresh_returns_a_new_access_token() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let (_, tokens) = sign_in(&sandbox, &broker);
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let answer =
        broker.post("/v1/token", Some(&origin()), &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]);
    assert_eq!(answer.status, 200, "{answer:?}");
    let refreshed = answer.json();
    let access = refreshed["access_token"].as_str().expect("access_token");
    assert_ne!(access, tokens["access_token"].as_str().unwrap(), "a new access token");
    assert_eq!(refreshed["hub_id"], tokens["hub_id"]);
}

#[test]
fn introspect_describes_access_and_refresh_tokens() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let (_, tokens) = sign_in(&sandbox, &broker);
    let answer = broker.post(
        "/v1/introspect",
        Some(&origin()),
        &[("token", tokens["access_token"].as_str().unwrap()), ("token_type_hint", "access_token")],
    );
    assert_eq!(answer.status, 200, "{answer:?}");
    let info = answer.json();
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["hub_id"], tokens["hub_id"]);
    assert!(info["user_id"].is_number(), "{info}");
    assert_eq!(info["token_use"], "access_token");
    assert!(info["signed_access_token"]["hublet"].is_string(), "{info}");

    let answer =
        broker.post("/v1/introspect", Some(&origin()), &[("token", tokens["refresh_token"].as_str().unwrap())]);
    assert_eq!(answer.json()["token_use"], "refresh_token", "{answer:?}");

    let answer = broker.post("/v1/introspect", Some(&origin()), &[("token", "na1-not-a-token")]);
    assert_eq!((answer.status, answer.json()["active"].clone()), (200, serde_json::json!(false)), "{answer:?}");
}

#[test]
fn after_revoke_refresh_fails_with_hubspots_own_error() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let (_, tokens) = sign_in(&sandbox, &broker);
    let refresh_token = tokens["refresh_token"].as_str().unwrap();

    let revoked =
        broker.post("/v1/revoke", Some(&origin()), &[("token", refresh_token), ("token_type_hint", "refresh_token")]);
    assert!((200..300).contains(&revoked.status), "{revoked:?}");
    assert_eq!(revoked.header("access-control-allow-origin"), Some(origin().as_str()));

    let refresh = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
    let through_broker = broker.post("/v1/token", Some(&origin()), &refresh);
    assert_eq!(through_broker.status, 400, "{through_broker:?}");
    let error = through_broker.json();
    assert_eq!(error["error"], "invalid_grant", "{error}");
    assert_eq!(error["status"], "BAD_REFRESH_TOKEN", "{error}");
    assert_eq!(error.get("source"), None, "HubSpot's own refusal carries no broker mark");

    // What HubSpot itself says to the same request (bar the per-answer correlationId).
    let direct = sandbox
        .client()
        .post(&format!("{}/oauth/2026-03/token", sandbox.url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(form(&[refresh[0], refresh[1], ("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)]).as_bytes())
        .unwrap();
    let direct = Answer::from(direct);
    let without_correlation = |answer: &Answer| {
        let mut json = answer.json();
        json.as_object_mut().unwrap().remove("correlationId");
        (answer.status, json)
    };
    assert_eq!(without_correlation(&direct), without_correlation(&through_broker));
}

#[test]
fn a_foreign_redirect_uri_is_refused_before_hubspot_sees_the_code() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    // A web page that got a code for its own redirect tries to have the broker finish the flow.
    let evil = "https://evil.example/callback";
    let grant = authorize(&sandbox, evil);
    let exchange = |redirect: &str, origin: &str| {
        broker.post(
            "/v1/token",
            Some(origin),
            &[
                ("grant_type", "authorization_code"),
                ("code", &grant.code),
                ("redirect_uri", redirect),
                ("code_verifier", &grant.verifier),
            ],
        )
    };
    exchange(evil, &origin()).assert_refusal(403, "redirect_uri_not_allowed");
    // Nothing may follow the slash: the extension's redirect is exactly `https://<id>.chromiumapp.org/`.
    exchange(&format!("{}callback", redirect_uri()), &origin()).assert_refusal(403, "redirect_uri_not_allowed");
    // Another allowed extension's redirect under this extension's origin is refused too.
    exchange(&format!("https://{OTHER_ID}.chromiumapp.org/"), &origin())
        .assert_refusal(403, "redirect_uri_not_allowed");

    // Nothing was forwarded: HubSpot burns a code on any exchange attempt, yet this one still
    // works when presented directly with its own redirect.
    let direct = sandbox
        .client()
        .post(&format!("{}/oauth/2026-03/token", sandbox.url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(
            form(&[
                ("grant_type", "authorization_code"),
                ("code", &grant.code),
                ("redirect_uri", evil),
                ("code_verifier", &grant.verifier),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
            ])
            .as_bytes(),
        )
        .unwrap();
    assert_eq!(direct.status().as_u16(), 200);
}

#[test]
fn an_exchange_without_a_pkce_verifier_is_refused_before_hubspot_sees_the_code() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let grant = authorize(&sandbox, &redirect_uri());
    let redirect = redirect_uri();
    for verifier in [None, Some("short"), Some("not a verifier because of spaces and length..")] {
        let mut fields = vec![
            ("grant_type", "authorization_code"),
            ("code", grant.code.as_str()),
            ("redirect_uri", redirect.as_str()),
        ];
        fields.extend(verifier.map(|v| ("code_verifier", v)));
        broker.post("/v1/token", Some(&origin()), &fields).assert_refusal(400, "invalid_request");
    }
    // The code was never forwarded (HubSpot burns a code on any attempt): it still works.
    let answer = exchange_code(&broker.url, &grant);
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[test]
fn wrong_or_missing_origins_are_refused_and_preflights_answered_only_for_the_extension() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let fields = [("grant_type", "refresh_token"), ("refresh_token", "na1-whatever")];
    for origin in [
        Some("https://evil.example".to_owned()),
        Some("chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_owned()),
        Some("null".to_owned()),
        None,
    ] {
        let answer = broker.post("/v1/token", origin.as_deref(), &fields);
        answer.assert_refusal(403, "origin_not_allowed");
        assert_eq!(answer.header("access-control-allow-origin"), None, "{origin:?}");
    }

    let preflight = |origin: &str| {
        let response = Broker::client()
            .run(
                ureq::http::Request::builder()
                    .method("OPTIONS")
                    .uri(format!("{}/v1/token", broker.url))
                    .header("Origin", origin)
                    .header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "content-type")
                    .body(())
                    .unwrap(),
            )
            .unwrap();
        Answer::from(response)
    };
    let ok = preflight(&origin());
    assert!((200..300).contains(&ok.status), "{ok:?}");
    assert_eq!(ok.header("access-control-allow-origin"), Some(origin().as_str()));
    assert_eq!(ok.header("access-control-allow-methods"), Some("POST"));
    assert_eq!(ok.header("access-control-allow-headers"), Some("content-type"));
    assert!(ok.header("vary").is_some_and(|v| v.to_ascii_lowercase().contains("origin")), "{ok:?}");
    let refused = preflight("https://evil.example");
    refused.assert_refusal(403, "origin_not_allowed");
    assert_eq!(refused.header("access-control-allow-origin"), None);

    // The second configured extension is served with its own origin echoed.
    let other = broker.post("/v1/introspect", Some(&format!("chrome-extension://{OTHER_ID}")), &[("token", "x")]);
    assert_eq!(other.status, 200, "{other:?}");
    assert_eq!(other.header("access-control-allow-origin"), Some(format!("chrome-extension://{OTHER_ID}").as_str()));
}

#[test]
fn oversized_bodies_and_heads_are_refused_and_the_broker_stays_up() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let big = format!("token={}", "a".repeat(9 * 1024));
    broker
        .post_raw("/v1/introspect", Some(&origin()), "application/x-www-form-urlencoded", big.as_bytes())
        .assert_refusal(413, "request_too_large");

    // A head over 8 KiB, sent by hand (an HTTP client would not let us).
    let address = broker.url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head =
        format!("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Filler: {}\r\n\r\n", "b".repeat(10 * 1024));
    stream.write_all(head.as_bytes()).unwrap();
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 431 "), "{reply}");
    assert!(reply.contains(r#""source":"broker""#), "{reply}");

    let health = Answer::from(Broker::client().get(&format!("{}/healthz", broker.url)).call().unwrap());
    assert_eq!((health.status, health.json()), (200, serde_json::json!({"ok": true})));
}

#[test]
fn bad_input_is_refused_with_400() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    broker
        .post("/v1/token", Some(&origin()), &[("grant_type", "password")])
        .assert_refusal(400, "unsupported_grant_type");
    broker.post("/v1/revoke", Some(&origin()), &[]).assert_refusal(400, "invalid_request");
    broker
        .post_raw("/v1/introspect", Some(&origin()), "application/json", br#"{"token":"x"}"#)
        .assert_refusal(400, "invalid_request");
    let wrong_method = Answer::from(Broker::client().get(&format!("{}/v1/token", broker.url)).call().unwrap());
    assert_eq!(wrong_method.status, 405);
    let unknown =
        Answer::from(Broker::client().get(&format!("{}/oauth/2026-03/token?code=x", broker.url)).call().unwrap());
    unknown.assert_refusal(404, "not_found");
}

#[test]
fn the_rate_limit_answers_429_with_retry_after_readable_through_cors() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let mut statuses = Vec::new();
    for _ in 0..25 {
        // Each of these reaches HubSpot (an unknown token is `active: false`), so each is charged.
        let answer = broker.post("/v1/introspect", Some(&origin()), &[("token", "na1-x")]);
        if answer.status == 429 {
            answer.assert_refusal(429, "rate_limited");
            let seconds: u64 = answer.header("retry-after").expect("Retry-After").parse().unwrap();
            assert!((1..=2).contains(&seconds), "{answer:?}");
            assert_eq!(answer.header("access-control-allow-origin"), Some(origin().as_str()));
            assert_eq!(
                answer.header("access-control-expose-headers"),
                Some("retry-after"),
                "the extension must be able to read Retry-After"
            );
        }
        statuses.push(answer.status);
    }
    assert!(statuses[..20].iter().all(|s| *s == 200), "the first 20 pass the limiter: {statuses:?}");
    assert!(statuses[20..].iter().all(|s| *s == 429), "{statuses:?}");
    // The bucket is per client address: another address is unaffected.
    let other = raw_request(
        &broker,
        "127.0.0.2",
        &post_text("/v1/introspect", &origin(), "application/x-www-form-urlencoded", "token=na1-x"),
    );
    assert!(other.starts_with("HTTP/1.1 200 "), "{other}");
}

#[test]
fn forged_bad_requests_cost_a_rep_nothing_and_their_refresh_still_succeeds() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let (_, tokens) = sign_in(&sandbox, &broker);
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    // A stranger on the same address (or behind the same proxy) sends requests that can never
    // reach HubSpot: a forged extension Origin with a text/plain body, other origins, bad forms.
    for _ in 0..20 {
        broker
            .post_raw("/v1/token", Some(&origin()), "text/plain", b"grant_type=refresh_token&refresh_token=x")
            .assert_refusal(400, "invalid_request");
        broker
            .post("/v1/token", Some("https://evil.example"), &[("grant_type", "refresh_token")])
            .assert_refusal(403, "origin_not_allowed");
        broker
            .post("/v1/token", Some(&origin()), &[("grant_type", "refresh_token")])
            .assert_refusal(400, "invalid_request");
    }
    let refreshed =
        broker.post("/v1/token", Some(&origin()), &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]);
    assert_eq!(refreshed.status, 200, "{refreshed:?}");
    assert!(refreshed.json()["access_token"].is_string(), "{refreshed:?}");
}

#[test]
fn behind_a_trusted_proxy_each_client_address_has_its_own_bucket() {
    let sandbox = Sandbox::start();
    let mut env = Broker::env_for(&sandbox);
    env.push(("SPOTDIAL_BROKER_CLIENT_IP_HEADER", "X-Forwarded-For".to_owned()));
    let broker = Broker::start_with(env);
    let introspect = |forwarded: &str| {
        let response = Broker::client()
            .post(&format!("{}/v1/introspect", broker.url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", &origin())
            .header("X-Forwarded-For", forwarded)
            .send(b"token=na1-x".as_slice())
            .unwrap();
        Answer::from(response).status
    };
    for _ in 0..20 {
        // A client forging the left of the list is still keyed by what the proxy appended.
        assert_eq!(introspect("9.9.9.9, 203.0.113.1"), 200);
    }
    assert_eq!(introspect("8.8.8.8, 203.0.113.1"), 429);
    assert_eq!(introspect("203.0.113.2"), 200, "another rep behind the same proxy");
}

#[test]
fn hubspot_errors_pass_through_and_outages_become_502() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let body = serde_json::json!({"status": "error", "message": "maintenance", "correlationId": "abc-123", "category": "SERVICE_UNAVAILABLE"});
    sandbox.fault(serde_json::json!({
        "method": "POST", "path": "^/oauth/2026-03/token/introspect$", "status": 503, "body": body,
        "headers": {"retry-after": "7"}, "times": 1
    }));
    let answer = broker.post("/v1/introspect", Some(&origin()), &[("token", "x")]);
    assert_eq!((answer.status, answer.json()), (503, body), "{answer:?}");
    assert_eq!(answer.header("retry-after"), Some("7"));

    // Byte for byte, however HubSpot formats it.
    let odd = "{ \"error\" : \"invalid_grant\",\n  \"status\":\"BAD_AUTH_CODE\", \"n\": 1.50 }";
    sandbox.fault(
        serde_json::json!({"method": "POST", "path": "^/oauth/2026-03/token$", "status": 400, "body": odd, "times": 1}),
    );
    let answer = broker.post("/v1/token", Some(&origin()), &[("grant_type", "refresh_token"), ("refresh_token", "x")]);
    assert_eq!((answer.status, answer.body.as_str()), (400, odd));

    sandbox.fault(
        serde_json::json!({"method": "POST", "path": "^/oauth/2026-03/token/revoke$", "drop": "before", "times": 1}),
    );
    broker.post("/v1/revoke", Some(&origin()), &[("token", "x")]).assert_refusal(502, "upstream_unreachable");

    sandbox.fault(serde_json::json!({"method": "POST", "path": "^/oauth/2026-03/token/revoke$", "status": 500, "body": "<html>oops</html>", "times": 1}));
    broker.post("/v1/revoke", Some(&origin()), &[("token", "x")]).assert_refusal(500, "upstream_error");

    // Nothing listening at all.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut env = Broker::env_for(&sandbox);
    env[3].1 = format!("https://127.0.0.1:{port}");
    let nowhere = Broker::start_with(env);
    nowhere.post("/v1/introspect", Some(&origin()), &[("token", "x")]).assert_refusal(502, "upstream_unreachable");
}

#[test]
fn three_hundred_idle_connections_from_one_address_deny_no_one() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    // The attacker: 300 sockets from 127.0.0.1 that never send a byte.
    let idle: Vec<TcpStream> = (0..300).map(|_| connect_from("127.0.0.1", &broker)).collect();
    std::thread::sleep(Duration::from_millis(300));

    // A rep on another address is answered at once, by HubSpot through the broker.
    let request = post_text("/v1/introspect", &origin(), "application/x-www-form-urlencoded", "token=na1-x");
    let started = Instant::now();
    let reply = raw_request(&broker, "127.0.0.2", &request);
    let took = started.elapsed();
    assert!(reply.starts_with("HTTP/1.1 200 "), "{reply}");
    assert!(reply.contains(r#""active":false"#), "{reply}");
    assert!(took < Duration::from_secs(1), "took {took:?}");

    // The attacker's own address is over its cap: told so at once, without a thread or a wait.
    let refused = raw_request(&broker, "127.0.0.1", &request);
    assert!(refused.starts_with("HTTP/1.1 503 "), "{refused}");
    assert!(refused.contains(r#""error":"too_many_connections""#), "{refused}");
    assert!(refused.contains(r#""source":"broker""#), "{refused}");

    // The idle sockets are closed by the header-read timeout (5 s), after which a real request
    // from that same address is served again.
    let mut first = idle.into_iter().next().unwrap();
    let (_, closed) = read_until_closed(&mut first, Duration::from_secs(8));
    assert!(closed, "an idle connection was never closed");
    std::thread::sleep(Duration::from_millis(300));
    let reply = raw_request(&broker, "127.0.0.1", &request);
    assert!(reply.starts_with("HTTP/1.1 200 "), "{reply}");
}

#[test]
fn a_slowloris_head_is_cut_off_by_the_header_read_timeout() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let mut stream = connect_from("127.0.0.1", &broker);
    let started = Instant::now();
    let head = b"POST /v1/introspect HTTP/1.1\r\nHost: broker\r\nX-Slow: ";
    let mut closed_at = None;
    // One byte a second, as long as the broker lets us (at most 12 s).
    for byte in head.iter().chain(b"a".repeat(20).iter()) {
        if stream.write_all(&[*byte]).is_err() {
            closed_at = Some(started.elapsed());
            break;
        }
        let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(1));
        if closed {
            closed_at = Some(started.elapsed());
            break;
        }
        if started.elapsed() > Duration::from_secs(12) {
            break;
        }
    }
    let closed_at = closed_at.expect("the broker kept a trickling head open");
    assert!(closed_at >= Duration::from_secs(4) && closed_at < Duration::from_secs(8), "closed after {closed_at:?}");
}

#[test]
fn a_slow_body_is_answered_408_at_the_request_deadline() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    let mut stream = connect_from("127.0.0.1", &broker);
    let body = "token=na1-slow-body-that-trickles-in";
    let head = format!(
        "POST /v1/introspect HTTP/1.1\r\nHost: broker\r\nOrigin: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        origin(),
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let started = Instant::now();
    let mut reply = String::new();
    for byte in body.bytes() {
        let _ = stream.write_all(&[byte]);
        let (got, closed) = read_until_closed(&mut stream, Duration::from_secs(1));
        reply.push_str(&got);
        if closed || !reply.is_empty() {
            break;
        }
    }
    let took = started.elapsed();
    assert!(reply.starts_with("HTTP/1.1 408 "), "{reply}");
    assert!(reply.contains(r#""error":"request_timeout""#), "{reply}");
    assert!(reply.contains(r#""source":"broker""#), "{reply}");
    assert!(took >= Duration::from_secs(19) && took < Duration::from_secs(23), "{took:?}");
}

/// Sends `signal` to the broker while a code exchange waits on a slow HubSpot: the exchange
/// still completes with HubSpot's tokens, new connections are no longer accepted, and the
/// process exits 0.
fn stop_during_a_slow_exchange(signal: &str) {
    let sandbox = Sandbox::start();
    let mut broker = Broker::start(&sandbox);
    let grant = authorize(&sandbox, &redirect_uri());
    sandbox.fault(serde_json::json!({"method": "POST", "path": "^/oauth/2026-03/token$", "delayMs": 3000, "times": 1}));
    let url = broker.url.clone();
    let exchange = std::thread::spawn(move || exchange_code(&url, &grant));
    std::thread::sleep(Duration::from_millis(1000));
    let status = Command::new("kill").args([signal, &broker.proc.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));
    let address = broker.url.strip_prefix("http://").unwrap().to_owned();
    assert!(TcpStream::connect(&address).is_err(), "still accepting after {signal}");

    let answer = exchange.join().unwrap();
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.json()["refresh_token"].is_string(), "{answer:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = broker.proc.child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "still running after {signal}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(exit.code(), Some(0), "{}", broker.proc.output());
}

#[test]
fn sigterm_during_a_code_exchange_lets_it_finish_then_exits_0() {
    stop_during_a_slow_exchange("-TERM");
}

#[test]
fn sigint_during_a_code_exchange_lets_it_finish_then_exits_0() {
    stop_during_a_slow_exchange("-INT");
}

#[test]
fn hubspots_certificate_is_verified() {
    let sandbox = Sandbox::start();
    // Without the sandbox CA the sandbox's certificate is not trusted, so nothing is sent.
    let env = Broker::env_for(&sandbox).into_iter().filter(|(k, _)| *k != "SPOTDIAL_BROKER_EXTRA_CA").collect();
    let broker = Broker::start_with(env);
    broker.post("/v1/introspect", Some(&origin()), &[("token", "x")]).assert_refusal(502, "upstream_unreachable");
}

#[test]
fn a_slow_hubspot_becomes_504_after_ten_seconds() {
    let sandbox = Sandbox::start();
    let broker = Broker::start(&sandbox);
    sandbox
        .fault(serde_json::json!({"method": "POST", "path": "^/oauth/2026-03/token$", "delayMs": 12000, "times": 1}));
    let started = Instant::now();
    let answer = broker.post("/v1/token", Some(&origin()), &[("grant_type", "refresh_token"), ("refresh_token", "x")]);
    answer.assert_refusal(504, "upstream_timeout");
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(9) && took < Duration::from_secs(12), "{took:?}");
}

#[test]
fn logs_have_one_line_per_request_and_never_a_secret() {
    let sandbox = Sandbox::start();
    let mut broker = Broker::start(&sandbox);
    let (grant, tokens) = sign_in(&sandbox, &broker);
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let refreshed =
        broker.post("/v1/token", Some(&origin()), &[("grant_type", "refresh_token"), ("refresh_token", &refresh)]);
    let new_access = refreshed.json()["access_token"].as_str().unwrap().to_owned();
    broker.post("/v1/introspect", Some(&origin()), &[("token", &access)]);
    broker.post("/v1/revoke", Some(&origin()), &[("token", &refresh)]);
    broker.post("/v1/token", Some(&origin()), &[("grant_type", "refresh_token"), ("refresh_token", &refresh)]);
    // A token in a query string (a client bug) must not reach the log either.
    let _ = Broker::client().get(&format!("{}/v1/leak?refresh_token={refresh}", broker.url)).call();
    broker.post("/v1/token", Some("https://evil.example"), &[("code", &grant.code)]);

    broker.wait_for_log("spotdial-broker ts=", 7);
    let log = broker.proc.stop();
    for (what, secret) in [
        ("code", grant.code.as_str()),
        ("verifier", grant.verifier.as_str()),
        ("access token", access.as_str()),
        ("refreshed access token", new_access.as_str()),
        ("refresh token", refresh.as_str()),
        ("client secret", CLIENT_SECRET),
    ] {
        assert!(!log.contains(secret), "the log shows the {what}:\n{log}");
    }
    assert!(!log.contains("evil.example") && !log.contains("leak"), "{log}");

    let lines: Vec<&str> = log.lines().filter(|l| l.starts_with("spotdial-broker ts=")).collect();
    assert_eq!(lines.len(), 7, "{log}");
    let expected = [
        ("POST", "/v1/token", 200),
        ("POST", "/v1/token", 200),
        ("POST", "/v1/introspect", 200),
        ("POST", "/v1/revoke", 200),
        ("POST", "/v1/token", 400),
        ("GET", "-", 404),
        ("POST", "/v1/token", 403),
    ];
    for (line, (method, route, status)) in lines.iter().zip(expected) {
        assert!(line.contains(&format!(" method={method} route={route} status={status} ms=")), "{line}");
    }
    assert!(lines[6].ends_with(" error=origin_not_allowed"), "{}", lines[6]);
}

#[test]
fn missing_or_invalid_config_refuses_to_start_with_one_line() {
    let run = |env: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_spotdial-broker"));
        command.env_clear().env("SPOTDIAL_BROKER_LISTEN", "127.0.0.1:0");
        for (k, v) in env {
            command.env(k, v);
        }
        let output = command.output().unwrap();
        (output.status.code(), String::from_utf8(output.stderr).unwrap(), output.stdout)
    };

    let (code, stderr, stdout) = run(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for name in ["SPOTDIAL_BROKER_CLIENT_ID", "SPOTDIAL_BROKER_CLIENT_SECRET", "SPOTDIAL_BROKER_EXTENSION_IDS"] {
        assert!(stderr.contains(name), "{stderr}");
    }
    assert!(stdout.is_empty(), "it must not claim to listen");

    let good = [
        ("SPOTDIAL_BROKER_CLIENT_ID", CLIENT_ID),
        ("SPOTDIAL_BROKER_CLIENT_SECRET", CLIENT_SECRET),
        ("SPOTDIAL_BROKER_EXTENSION_IDS", EXT_ID),
    ];
    let with = |name: &'static str, value: &'static str| {
        let mut env: Vec<(&str, &str)> = good.iter().copied().filter(|(k, _)| *k != name).collect();
        env.push((name, value));
        env
    };
    for (name, value) in [
        ("SPOTDIAL_BROKER_CLIENT_SECRET", ""),
        ("SPOTDIAL_BROKER_EXTENSION_IDS", "not-an-extension-id"),
        ("SPOTDIAL_BROKER_HUBSPOT_URL", "http://api.hubapi.com"),
        ("SPOTDIAL_BROKER_LISTEN", "everywhere"),
        ("SPOTDIAL_BROKER_EXTRA_CA", "/nonexistent/ca.pem"),
        ("SPOTDIAL_BROKER_EXTRA_CA", concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")),
    ] {
        let (code, stderr, _) = run(&with(name, value));
        assert_eq!(code, Some(2), "{name}={value}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(name), "{name}={value}: {stderr}");
        assert!(!stderr.contains(CLIENT_SECRET), "{stderr}");
    }
}
