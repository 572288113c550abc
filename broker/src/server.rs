//! Routing and the listener: which checks run in which order, CORS, and one log line per
//! request. Layer: broker (`App::respond` is unit-tested with a fake upstream; `serve` owns the
//! sockets). Order: route, method, origin (403), rate limit (429), body (413/400), redirect
//! check (403), then HubSpot.

use crate::config::{Config, ExtensionId};
use crate::form::{is_form_content_type, Call, Endpoint};
use crate::forward::Upstream;
use crate::http::{read_body, read_head, DeadlineReader, Head, HeadError, Reply};
use crate::limit::{Limiter, PeerKey, BURST, MAX_CLIENTS, PER_SECOND};
use crate::policy::{allowed_origin, Refusal};
use std::io::{Read, Write};
use std::net::{IpAddr, Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Connections served at once; past it a client gets 503 at once rather than a queue.
pub const MAX_CONNECTIONS: usize = 256;
/// The whole request (head and body) must arrive within this.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Health,
    Api(Endpoint),
    Unknown,
}

impl Route {
    pub fn of(path: &str) -> Route {
        if path == "/healthz" {
            return Route::Health;
        }
        Endpoint::from_path(path).map_or(Route::Unknown, Route::Api)
    }

    /// The name in log lines: fixed strings only, never the requested path (which could carry
    /// a token in a mistaken query string).
    pub fn name(self) -> &'static str {
        match self {
            Route::Health => "/healthz",
            Route::Api(endpoint) => endpoint.path(),
            Route::Unknown => "-",
        }
    }
}

pub struct App<U> {
    extension_ids: Vec<ExtensionId>,
    limiter: Limiter<(usize, PeerKey)>,
    upstream: U,
}

impl<U: Upstream> App<U> {
    pub fn new(config: &Config, upstream: U) -> App<U> {
        App {
            extension_ids: config.extension_ids.clone(),
            limiter: Limiter::new(BURST, PER_SECOND, MAX_CLIENTS),
            upstream,
        }
    }

    /// Answers one request. `body` reads the body when, and only when, the checks before it
    /// have passed.
    pub fn respond(
        &self,
        head: &Head,
        peer: IpAddr,
        now: Instant,
        body: impl FnOnce() -> Result<Vec<u8>, Refusal>,
    ) -> Reply {
        let route = Route::of(head.path());
        let endpoint = match route {
            Route::Health if head.method == "GET" => {
                return Reply::json(200, br#"{"ok":true}"#.to_vec())
            }
            Route::Health => return method_not_allowed("GET"),
            Route::Unknown => {
                return Reply::refusal(&Refusal::new(404, "not_found", "no such route"))
            }
            Route::Api(endpoint) => endpoint,
        };
        if head.method != "POST" && head.method != "OPTIONS" {
            return with_vary(method_not_allowed("POST, OPTIONS"));
        }

        let origin = head.single("origin").unwrap_or(None);
        let extension = match allowed_origin(origin, &self.extension_ids) {
            Ok(id) => id,
            Err(refusal) => return with_vary(Reply::refusal(&refusal)),
        };
        let cors = |mut reply: Reply| {
            reply.headers.push((
                "Access-Control-Allow-Origin",
                format!("chrome-extension://{}", extension.as_str()),
            ));
            with_vary(reply)
        };

        if head.method == "OPTIONS" {
            let mut reply = Reply {
                status: 204,
                headers: Vec::new(),
                body: Vec::new(),
                note: None,
            };
            reply
                .headers
                .push(("Access-Control-Allow-Methods", "POST".to_owned()));
            reply
                .headers
                .push(("Access-Control-Allow-Headers", "Content-Type".to_owned()));
            reply
                .headers
                .push(("Access-Control-Max-Age", "600".to_owned()));
            return cors(reply);
        }

        let index = self
            .extension_ids
            .iter()
            .position(|id| id == extension)
            .unwrap_or(0);
        if let Err(seconds) = self.limiter.check((index, PeerKey::of(peer)), now) {
            let mut refusal = Refusal::new(
                429,
                "rate_limited",
                "too many requests; retry after the given seconds",
            );
            refusal.retry_after = Some(seconds);
            return cors(Reply::refusal(&refusal));
        }

        match self.forward(endpoint, head, extension, body) {
            Ok(reply) => cors(reply),
            Err(refusal) => cors(Reply::refusal(&refusal)),
        }
    }

    fn forward(
        &self,
        endpoint: Endpoint,
        head: &Head,
        extension: &ExtensionId,
        body: impl FnOnce() -> Result<Vec<u8>, Refusal>,
    ) -> Result<Reply, Refusal> {
        if head.has_query() {
            return Err(Refusal::bad_request(
                "parameters belong in the form body, not the URL",
            ));
        }
        let body = body()?;
        if !head
            .single("content-type")
            .ok()
            .flatten()
            .is_some_and(is_form_content_type)
        {
            return Err(Refusal::bad_request(
                "Content-Type must be application/x-www-form-urlencoded",
            ));
        }
        let call = Call::parse(endpoint, &body, extension)?;
        let answer = self.upstream.send(&call)?;
        let mut reply = Reply::json(answer.status, answer.body);
        if reply.body.is_empty() {
            // HubSpot's revoke answers 200 with no body; don't claim JSON for nothing.
            reply.headers.clear();
        }
        if let Some(seconds) = answer.retry_after {
            reply.headers.push(("Retry-After", seconds));
        }
        Ok(reply)
    }
}

fn method_not_allowed(allow: &str) -> Reply {
    let mut reply = Reply::refusal(&Refusal::new(
        405,
        "method_not_allowed",
        format!("use {allow}"),
    ));
    reply.headers.push(("Allow", allow.to_owned()));
    reply
}

fn with_vary(mut reply: Reply) -> Reply {
    reply.headers.push(("Vary", "Origin".to_owned()));
    reply
}

/// Accepts connections until the listener fails; one thread per connection, at most
/// `MAX_CONNECTIONS` at once.
pub fn serve<U: Upstream + 'static>(
    listener: TcpListener,
    app: Arc<App<U>>,
) -> std::io::Result<()> {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // Out of file descriptors and the like: back off instead of spinning.
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            let busy = Refusal::new(503, "busy", "the broker is at capacity; retry shortly");
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = Reply::refusal(&busy).write_to(&mut &stream);
            log_line("-", "-", 503, Duration::ZERO, Some("busy"));
            continue;
        }
        let app = Arc::clone(&app);
        let active_here = Arc::clone(&active);
        let spawned = std::thread::Builder::new()
            .name("conn".into())
            .spawn(move || {
                handle_connection(&app, stream);
                active_here.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            active.fetch_sub(1, Ordering::SeqCst);
        }
    }
    Ok(())
}

fn handle_connection<U: Upstream>(app: &App<U>, stream: TcpStream) {
    let started = Instant::now();
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let Ok(peer) = stream.peer_addr() else { return };
    let mut reader = DeadlineReader {
        stream: &stream,
        deadline: started + REQUEST_DEADLINE,
    };

    let (method, route, reply) = match read_head(&mut reader) {
        Err(HeadError::Gone) => return,
        Err(HeadError::Refuse(refusal)) => {
            ("-".to_owned(), Route::Unknown, Reply::refusal(&refusal))
        }
        Ok(head) => {
            let reply = app.respond(&head, peer.ip(), Instant::now(), || {
                if head.expect_continue && head.content_length <= crate::http::MAX_BODY_BYTES {
                    let _ = (&stream).write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
                }
                read_body(&head, &mut reader)
            });
            (head.method.clone(), Route::of(head.path()), reply)
        }
    };
    // Logged before the answer leaves, so log lines are in the order clients saw answers.
    log_line(
        &method,
        route.name(),
        reply.status,
        started.elapsed(),
        reply.note,
    );
    let _ = reply.write_to(&mut &stream);
    linger(&stream);
}

/// Closes gently: stop sending, then drain what the client still sends (briefly, boundedly), so
/// the kernel does not reset the connection and destroy our answer before the client reads it
/// (it would, e.g., after a 413 whose body we never read).
fn linger(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0u8; 4096];
    let mut drained = 0usize;
    let mut reader = stream;
    while drained < 256 * 1024 {
        match reader.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// One line per request on stderr: time, method, route, status, duration, and our refusal
/// code if any. Never a header, query, body, token, code, verifier or secret.
fn log_line(method: &str, route: &str, status: u16, took: Duration, note: Option<&str>) {
    let method = if method.len() <= 10 && method.bytes().all(|b| b.is_ascii_uppercase()) {
        method
    } else {
        "-"
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut line = format!(
        "spotdial-broker ts={}.{:03} method={method} route={route} status={status} ms={}",
        now.as_secs(),
        now.subsec_millis(),
        took.as_millis()
    );
    if let Some(note) = note {
        line.push_str(" error=");
        line.push_str(note);
    }
    eprintln!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::forward::Answer;
    use std::collections::HashMap;
    use std::sync::Mutex;

    const ID: &str = "abcdefghijklmnopabcdefghijklmnop";
    const ORIGIN: &str = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";

    /// Records what would have gone to HubSpot and answers with a fixed reply.
    struct FakeHubSpot {
        calls: Mutex<Vec<String>>,
        answer: Result<Answer, Refusal>,
    }

    impl Upstream for FakeHubSpot {
        fn send(&self, call: &Call) -> Result<Answer, Refusal> {
            let secret = crate::config::ClientSecret::new("s");
            self.calls
                .lock()
                .unwrap()
                .push(call.upstream_form("c", &secret));
            self.answer.clone()
        }
    }

    fn app_answering(answer: Result<Answer, Refusal>) -> App<FakeHubSpot> {
        let env: HashMap<&str, &str> = [
            ("SPOTDIAL_BROKER_CLIENT_ID", "c"),
            ("SPOTDIAL_BROKER_CLIENT_SECRET", "s"),
            ("SPOTDIAL_BROKER_EXTENSION_IDS", ID),
        ]
        .into();
        let config = Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap();
        App::new(
            &config,
            FakeHubSpot {
                calls: Mutex::new(Vec::new()),
                answer,
            },
        )
    }

    fn app() -> App<FakeHubSpot> {
        app_answering(Ok(Answer {
            status: 200,
            body: br#"{"access_token":"a"}"#.to_vec(),
            retry_after: None,
        }))
    }

    fn head(text: &str) -> Head {
        read_head(&mut text.as_bytes()).unwrap()
    }

    fn post(path: &str, origin: Option<&str>, body: &str) -> (Head, Vec<u8>) {
        let origin = origin
            .map(|o| format!("Origin: {o}\r\n"))
            .unwrap_or_default();
        let text = format!(
            "POST {path} HTTP/1.1\r\n{origin}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        (head(&text), body.as_bytes().to_vec())
    }

    fn call(app: &App<FakeHubSpot>, request: (Head, Vec<u8>)) -> Reply {
        let (head, body) = request;
        app.respond(&head, "192.0.2.1".parse().unwrap(), Instant::now(), || {
            Ok(body)
        })
    }

    fn error_code(reply: &Reply) -> String {
        let value: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        value["error"].as_str().unwrap().to_owned()
    }

    #[test]
    fn an_allowed_request_is_forwarded_and_answered_with_cors_headers() {
        let app = app();
        let reply = call(&app, post("/v1/introspect", Some(ORIGIN), "token=t"));
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, br#"{"access_token":"a"}"#);
        assert_eq!(reply.header("Access-Control-Allow-Origin"), Some(ORIGIN));
        assert_eq!(reply.header("Vary"), Some("Origin"));
        assert_eq!(
            app.upstream.calls.lock().unwrap().as_slice(),
            ["token=t&client_id=c&client_secret=s"]
        );
    }

    #[test]
    fn preflight_is_answered_for_allowed_origins_only() {
        let app = app();
        let reply = app.respond(
            &head(&format!("OPTIONS /v1/token HTTP/1.1\r\nOrigin: {ORIGIN}\r\nAccess-Control-Request-Method: POST\r\n\r\n")),
            "192.0.2.1".parse().unwrap(),
            Instant::now(),
            || panic!("a preflight has no body to read"),
        );
        assert_eq!(reply.status, 204);
        assert_eq!(reply.header("Access-Control-Allow-Origin"), Some(ORIGIN));
        assert_eq!(reply.header("Access-Control-Allow-Methods"), Some("POST"));
        assert_eq!(
            reply.header("Access-Control-Allow-Headers"),
            Some("Content-Type")
        );
        assert_eq!(reply.header("Vary"), Some("Origin"));

        let reply = app.respond(
            &head("OPTIONS /v1/token HTTP/1.1\r\nOrigin: https://evil.example\r\n\r\n"),
            "192.0.2.1".parse().unwrap(),
            Instant::now(),
            || panic!("no body"),
        );
        assert_eq!(reply.status, 403);
        assert_eq!(reply.header("Access-Control-Allow-Origin"), None);
    }

    #[test]
    fn refused_origins_never_reach_hubspot_nor_read_the_body() {
        let app = app();
        for origin in [
            None,
            Some("https://evil.example"),
            Some("chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba"),
        ] {
            let (head, _) = post(
                "/v1/token",
                origin,
                "grant_type=refresh_token&refresh_token=r",
            );
            let reply = app.respond(&head, "192.0.2.1".parse().unwrap(), Instant::now(), || {
                panic!("body read")
            });
            assert_eq!(
                (reply.status, error_code(&reply).as_str()),
                (403, "origin_not_allowed"),
                "{origin:?}"
            );
            assert_eq!(reply.header("Access-Control-Allow-Origin"), None);
        }
        let twice = head(&format!(
            "POST /v1/token HTTP/1.1\r\nOrigin: {ORIGIN}\r\nOrigin: {ORIGIN}\r\n\r\n"
        ));
        assert_eq!(
            app.respond(&twice, "192.0.2.1".parse().unwrap(), Instant::now(), || Ok(
                Vec::new()
            ))
            .status,
            403
        );
        assert!(app.upstream.calls.lock().unwrap().is_empty());
    }

    #[test]
    fn routes_and_methods() {
        let app = app();
        let get = |text: &str| {
            app.respond(
                &head(text),
                "192.0.2.1".parse().unwrap(),
                Instant::now(),
                || Ok(Vec::new()),
            )
        };
        let health = get("GET /healthz HTTP/1.1\r\n\r\n");
        assert_eq!(
            (health.status, health.body.as_slice()),
            (200, &br#"{"ok":true}"#[..])
        );
        assert_eq!(get("POST /healthz HTTP/1.1\r\n\r\n").status, 405);
        let reply = get("GET /v1/token HTTP/1.1\r\n\r\n");
        assert_eq!(
            (reply.status, reply.header("Allow")),
            (405, Some("POST, OPTIONS"))
        );
        assert_eq!(get("GET /oauth/2026-03/token HTTP/1.1\r\n\r\n").status, 404);
        assert_eq!(get("GET /v1/token/ HTTP/1.1\r\n\r\n").status, 404);
    }

    #[test]
    fn input_mistakes_are_400s_that_never_reach_hubspot() {
        let app = app();
        let wrong_type = head(&format!("POST /v1/revoke HTTP/1.1\r\nOrigin: {ORIGIN}\r\nContent-Type: application/json\r\n\r\n"));
        let reply = app.respond(
            &wrong_type,
            "192.0.2.1".parse().unwrap(),
            Instant::now(),
            || Ok(b"{}".to_vec()),
        );
        assert_eq!(reply.status, 400);
        let reply = call(&app, post("/v1/revoke?token=t", Some(ORIGIN), "token=t"));
        assert_eq!(reply.status, 400);
        let reply = call(
            &app,
            post(
                "/v1/token",
                Some(ORIGIN),
                "grant_type=authorization_code&code=c&redirect_uri=https://evil.example/",
            ),
        );
        assert_eq!(
            (reply.status, error_code(&reply).as_str()),
            (403, "redirect_uri_not_allowed")
        );
        assert_eq!(reply.header("Access-Control-Allow-Origin"), Some(ORIGIN));
        assert!(app.upstream.calls.lock().unwrap().is_empty());
    }

    #[test]
    fn the_body_limit_answers_413() {
        let app = app();
        let (head, _) = post("/v1/revoke", Some(ORIGIN), "");
        let reply = app.respond(&head, "192.0.2.1".parse().unwrap(), Instant::now(), || {
            Err(crate::http::too_large())
        });
        assert_eq!(reply.status, 413);
    }

    #[test]
    fn the_rate_limit_is_per_peer_and_says_when_to_retry() {
        let app = app();
        let t0 = Instant::now();
        let send = |peer: &str, at: Instant| {
            let (head, body) = post("/v1/introspect", Some(ORIGIN), "token=t");
            app.respond(&head, peer.parse().unwrap(), at, || Ok(body))
        };
        for _ in 0..BURST {
            assert_eq!(send("192.0.2.1", t0).status, 200);
        }
        let limited = send("192.0.2.1", t0);
        assert_eq!(
            (limited.status, limited.header("Retry-After")),
            (429, Some("1"))
        );
        assert_eq!(limited.header("Access-Control-Allow-Origin"), Some(ORIGIN));
        assert_eq!(send("192.0.2.2", t0).status, 200);
        assert_eq!(send("192.0.2.1", t0 + Duration::from_secs(1)).status, 200);
    }

    #[test]
    fn hubspot_errors_and_outages_pass_through() {
        let body = br#"{"error":"invalid_grant","status":"BAD_REFRESH_TOKEN"}"#.to_vec();
        let app = app_answering(Ok(Answer {
            status: 400,
            body: body.clone(),
            retry_after: None,
        }));
        let reply = call(
            &app,
            post(
                "/v1/token",
                Some(ORIGIN),
                "grant_type=refresh_token&refresh_token=r",
            ),
        );
        assert_eq!((reply.status, reply.body), (400, body));

        let app = app_answering(Err(Refusal::new(504, "upstream_timeout", "slow")));
        let reply = call(
            &app,
            post(
                "/v1/token",
                Some(ORIGIN),
                "grant_type=refresh_token&refresh_token=r",
            ),
        );
        assert_eq!(
            (reply.status, error_code(&reply).as_str()),
            (504, "upstream_timeout")
        );
        assert_eq!(reply.header("Access-Control-Allow-Origin"), Some(ORIGIN));
    }
}
