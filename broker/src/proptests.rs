//! Property tests (issue 14) of what the broker reads from outside: form bodies, the Origin
//! and redirect checks, the client-address header, HubSpot's answers, its environment, and
//! whole requests with any head through the router. No panic on any input; a form the
//! extension writes is the call the broker forwards. Layer: broker tests (native, in-crate).

use crate::config::{ClientSecret, Config, ExtensionId, HubSpotBase};
use crate::form::{is_form_content_type, is_pkce_verifier, Call, Endpoint};
use crate::forward::{answer_from, Answer, Upstream};
use crate::limit::client_address;
use crate::policy::{allowed_origin, redirect_allowed, Refusal};
use crate::server::{App, Peer};
use axum::body::Body;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

const ID: &str = "abcdefghijklmnopabcdefghijklmnop";
const ORIGIN: &str = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";
const REDIRECT: &str = "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/";

/// A fixed seed so a failure replays (`PROPTEST_RNG_SEED` / `PROPTEST_CASES` to explore);
/// no regression files written into the tree.
fn config(cases: u32) -> ProptestConfig {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    ProptestConfig {
        cases: env("PROPTEST_CASES").map_or(cases, |n| n as u32),
        rng_seed: RngSeed::Fixed(env("PROPTEST_RNG_SEED").unwrap_or(0x5907_d1a1)),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn id() -> ExtensionId {
    ExtensionId::parse(ID).unwrap_or_else(|| panic!("{ID} is an extension id"))
}

/// Text near what the broker reads (its field names, origins, redirect URIs, verifiers,
/// escapes) and any text.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => ".{0,30}",
        2 => prop::sample::select(vec![
            "grant_type", "authorization_code", "refresh_token", "code", "redirect_uri", "code_verifier", "token",
            "token_type_hint", "access_token", "client_id", "client_secret", ORIGIN, REDIRECT, "chrome-extension://",
            "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/x", "%", "%zz", "+", "=", "&", "", "null",
            "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
        ])
        .prop_map(String::from),
        1 => "[A-Za-z0-9._~-]{40,130}",
    ]
}

/// A form body: the route's fields and others, escaped or not, and any bytes.
fn form_body() -> impl Strategy<Value = Vec<u8>> {
    let field = (text(), text())
        .prop_map(|(k, v)| form_urlencoded::Serializer::new(String::new()).append_pair(&k, &v).finish());
    prop_oneof![
        4 => prop::collection::vec(prop_oneof![3 => field, 1 => text()], 0..7).prop_map(|parts| parts.join("&").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

fn endpoint() -> impl Strategy<Value = Endpoint> {
    prop_oneof![Just(Endpoint::Token), Just(Endpoint::Introspect), Just(Endpoint::Revoke)]
}

/// A form the extension writes for one of the routes, in the contract's field order.
fn valid_form() -> impl Strategy<Value = (Endpoint, String)> {
    let secret = "[^\u{0}]{1,40}";
    (
        secret,
        "[A-Za-z0-9._~-]{43,128}",
        secret,
        prop::option::of(prop::sample::select(vec!["access_token", "refresh_token"])),
        0..4u8,
        any::<bool>(),
    )
        .prop_map(|(code, verifier, token, hint, kind, as_extension)| {
            let (route, mut fields): (Endpoint, Vec<(&str, &str)>) = match kind {
                0 => (
                    Endpoint::Token,
                    vec![
                        ("grant_type", "authorization_code"),
                        ("code", &code),
                        ("redirect_uri", REDIRECT),
                        ("code_verifier", &verifier),
                    ],
                ),
                1 => (Endpoint::Token, vec![("grant_type", "refresh_token"), ("refresh_token", &token)]),
                2 => (Endpoint::Introspect, vec![("token", &token)]),
                _ => (Endpoint::Revoke, vec![("token", &token)]),
            };
            if let (true, Some(hint)) = (kind >= 2, hint) {
                fields.push(("token_type_hint", hint));
            }
            let form = if as_extension {
                // The extension's own encoder (src/ports.rs `form_encode`): every byte but
                // `A-Z a-z 0-9 - . _ ~` as %XX, a space as %20 rather than `+`.
                let escape = |text: &str| -> String {
                    text.bytes()
                        .map(|b| {
                            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                                char::from(b).to_string()
                            } else {
                                format!("%{b:02X}")
                            }
                        })
                        .collect()
                };
                fields.iter().map(|(k, v)| [escape(k), escape(v)].join("=")).collect::<Vec<_>>().join("&")
            } else {
                form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
            };
            (route, form)
        })
}

/// The fields of a form as HubSpot would read them.
fn read_form(form: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(form.as_bytes()).into_owned().collect()
}

proptest! {
    #![proptest_config(config(512))]

    /// Any body to any route: a typed call or a refusal in the broker's JSON, never a panic.
    /// What is accepted is forwarded with only the contract's fields plus the broker's own
    /// credentials, each exactly once.
    #[test]
    fn any_form_is_a_call_or_a_refusal(route in endpoint(), body in form_body()) {
        match Call::parse(route, &body, &id()) {
            Ok(call) => {
                prop_assert_eq!(call.endpoint(), route);
                let sent = read_form(&call.upstream_form("client-1", &ClientSecret::new("s3cret")));
                let names: Vec<&str> = sent.iter().map(|(k, _)| k.as_str()).collect();
                prop_assert_eq!(names.iter().filter(|n| **n == "client_secret").count(), 1);
                prop_assert!(sent.contains(&("client_secret".to_string(), "s3cret".to_string())));
                prop_assert!(sent.contains(&("client_id".to_string(), "client-1".to_string())));
                let allowed = ["grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "token", "token_type_hint", "client_id", "client_secret"];
                prop_assert!(names.iter().all(|n| allowed.contains(n)), "{names:?}");
                if let Call::ExchangeCode { redirect_uri, code_verifier, .. } = &call {
                    prop_assert_eq!(redirect_uri.as_str(), REDIRECT);
                    prop_assert!(is_pkce_verifier(code_verifier));
                }
            }
            Err(refusal) => refused_in_our_shape(&refusal)?,
        }
    }

    /// The extension's forms round-trip: what it writes for each call is read back as that
    /// call, and forwarded with the same values.
    #[test]
    fn the_extensions_forms_round_trip((route, form) in valid_form()) {
        let call = Call::parse(route, form.as_bytes(), &id()).map_err(|r| TestCaseError::fail(r.description))?;
        let mut wanted = read_form(&form);
        wanted.push(("client_id".into(), "c".into()));
        wanted.push(("client_secret".into(), "s".into()));
        prop_assert_eq!(read_form(&call.upstream_form("c", &ClientSecret::new("s"))), wanted);
    }

    /// The Origin check accepts exactly `chrome-extension://<allowed id>`, and the redirect
    /// check exactly that extension's `https://<id>.chromiumapp.org/`.
    #[test]
    fn origins_and_redirects_are_exact(origin in prop::option::of(text()), uri in text(), content_type in text()) {
        let allowed = [id()];
        match allowed_origin(origin.as_deref(), &allowed) {
            Ok(found) => prop_assert_eq!(origin.as_deref(), Some(ORIGIN).filter(|_| found.as_str() == ID)),
            Err(refusal) => {
                prop_assert_eq!(refusal.status, 403);
                refused_in_our_shape(&refusal)?;
            }
        }
        prop_assert_eq!(redirect_allowed(&uri, &id()), uri == REDIRECT);
        is_form_content_type(&content_type);
    }

    /// Behind a proxy, the client is the rightmost entry of the last header, else the peer.
    #[test]
    fn client_addresses_from_any_header(values in prop::collection::vec(prop_oneof![
        text().prop_map(String::into_bytes),
        "(([0-9]{1,3}\\.){3}[0-9]{1,3}|\\[?::1\\]?(:[0-9]{1,5})?)( ?, ?[0-9.:a-f]{0,20}){0,3}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..20),
    ], 0..4)) {
        let peer = IpAddr::from([192, 0, 2, 1]);
        let got = client_address(values.iter().map(Vec::as_slice), peer);
        if got != peer {
            let last = values.last().map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
            prop_assert!(last.rsplit(',').next().unwrap_or("").contains(&got.to_string().replace("::ffff:", "")) || last.contains(':'), "{got} from {last}");
        }
    }

    /// Whatever HubSpot answers: JSON passes unchanged, anything else becomes our refusal.
    #[test]
    fn any_upstream_answer_is_passed_or_refused(status in any::<u16>(), body in form_body(), retry in prop::option::of(text())) {
        let is_json = serde_json::from_slice::<serde_json::Value>(&body).is_ok();
        match answer_from(status, body.clone(), retry.clone()) {
            Ok(answer) => {
                prop_assert!(is_json || (body.is_empty() && (200..300).contains(&status)));
                prop_assert_eq!((answer.status, answer.body, answer.retry_after), (status, body, retry));
            }
            Err(refusal) => {
                prop_assert!(!is_json && ((400..600).contains(&refusal.status) || refusal.status == 502));
                refused_in_our_shape(&refusal)?;
            }
        }
    }

    /// The environment: any values start the broker or name every problem, never a panic.
    #[test]
    fn any_environment_is_checked(values in prop::collection::vec(prop::option::of(text()), 9), base in text(), ext in text()) {
        let names = [
            "SPOTDIAL_BROKER_CLIENT_ID", "SPOTDIAL_BROKER_CLIENT_SECRET", "SPOTDIAL_BROKER_EXTENSION_IDS",
            "SPOTDIAL_BROKER_HUBSPOT_URL", "SPOTDIAL_BROKER_LISTEN", "SPOTDIAL_BROKER_EXTRA_CA",
            "SPOTDIAL_BROKER_CLIENT_IP_HEADER", "SPOTDIAL_BROKER_MAX_CONNECTIONS_PER_PEER", "OTHER",
        ];
        let lookup = |name: &str| names.iter().position(|n| *n == name).and_then(|i| values[i].clone());
        match Config::from_lookup(lookup) {
            Ok(config) => prop_assert!(!config.extension_ids.is_empty() && config.hubspot.as_str().starts_with("https://")),
            Err(problems) => prop_assert!(!problems.0.is_empty() && problems.0.iter().all(|p| !p.is_empty())),
        }
        if let Some(parsed) = HubSpotBase::parse(&base) {
            prop_assert_eq!(HubSpotBase::parse(parsed.as_str()), Some(parsed.clone()));
        }
        if let Some(parsed) = ExtensionId::parse(&ext) {
            prop_assert_eq!(parsed.as_str(), ext.as_str());
        }
    }
}

/// An upstream that answers every call the same, counting none: the router's own checks are
/// what is under test.
struct Always;

impl Upstream for Always {
    fn send(&self, _: &Call) -> Result<Answer, Refusal> {
        Ok(Answer { status: 200, body: br#"{"access_token":"a"}"#.to_vec(), retry_after: None })
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

fn router() -> axum::Router {
    let env = |name: &str| match name {
        "SPOTDIAL_BROKER_CLIENT_ID" => Some("c".to_string()),
        "SPOTDIAL_BROKER_CLIENT_SECRET" => Some("s".to_string()),
        "SPOTDIAL_BROKER_EXTENSION_IDS" => Some(ID.to_string()),
        _ => None,
    };
    let config = Config::from_lookup(env).unwrap_or_else(|e| panic!("{e}"));
    App::new(&config, Arc::new(Always)).router()
}

/// A request before it is built: method, path, headers (name, raw value) and body.
type Raw = (String, String, Vec<(String, Vec<u8>)>, Vec<u8>);

/// A request head: a method and path near the routes, headers the broker reads (Origin,
/// Content-Type, Content-Length) with any values, and others; then a body.
fn any_request() -> impl Strategy<Value = Raw> {
    let method = prop::sample::select(vec!["POST", "GET", "OPTIONS", "PUT", "DELETE", "HEAD", "PATCH", "BREW"]);
    let path = prop_oneof![
        3 => prop::sample::select(vec!["/v1/token", "/v1/introspect", "/v1/revoke", "/healthz", "/v1/token?code=x", "/", "/v1/token/", "//v1/token", "/%2e%2e/v1/token"]).prop_map(String::from),
        1 => "/[a-zA-Z0-9/%?=&._-]{0,30}",
    ];
    (method, path, headers(), form_body()).prop_map(|(m, p, headers, body)| (m.to_string(), p, headers, body))
}

fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let name = prop_oneof![
        3 => prop::sample::select(vec!["origin", "content-type", "access-control-request-method", "access-control-request-headers", "x-forwarded-for", "content-length", "transfer-encoding"]).prop_map(String::from),
        1 => "[a-z][a-z0-9-]{0,15}",
    ];
    let value = prop_oneof![
        3 => text().prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..20),
    ];
    prop::collection::vec((name, value), 0..4)
}

/// What the extension sends, then bent: a POST to a token route from the extension's origin
/// with a form body (often a valid one, for a route that may not take it), and extra headers
/// that may repeat or contradict the ones it needs.
fn near_valid_request() -> impl Strategy<Value = Raw> {
    let path = prop::sample::select(vec!["/v1/token", "/v1/introspect", "/v1/revoke"]);
    let origin = prop_oneof![4 => Just(ORIGIN.to_string()), 1 => text()];
    let content_type = prop_oneof![
        4 => Just("application/x-www-form-urlencoded".to_string()),
        1 => text(),
    ];
    let body = prop_oneof![2 => valid_form().prop_map(|(_, form)| form.into_bytes()), 1 => form_body()];
    (path, origin, content_type, headers(), body).prop_map(|(path, origin, content_type, mut extra, body)| {
        extra.insert(0, ("origin".into(), origin.into_bytes()));
        extra.insert(1, ("content-type".into(), content_type.into_bytes()));
        ("POST".to_string(), path.to_string(), extra, body)
    })
}

/// A refusal the extension can read: its status is an error, its body our JSON with a code.
fn refused_in_our_shape(refusal: &Refusal) -> Result<(), TestCaseError> {
    prop_assert!((400..600).contains(&refusal.status), "{}", refusal.status);
    let json: serde_json::Value =
        serde_json::from_slice(&refusal.to_json()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(json.get("source").and_then(|s| s.as_str()), Some("broker"));
    prop_assert!(json.get("error").and_then(|s| s.as_str()).is_some_and(|c| !c.is_empty()));
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    /// Whole requests with any head and body through the router: every one is answered, and
    /// every answer that is not HubSpot's (200 from the fake, or the health check) is our JSON
    /// refusal with `no-store`.
    #[test]
    fn any_request_is_answered((method, path, headers, body) in prop_oneof![any_request(), near_valid_request()]) {
        let mut builder = axum::http::Request::builder().method(method.as_str()).uri(path.as_str());
        for (name, value) in &headers {
            builder = builder.header(name.as_str(), value.as_slice());
        }
        // A head the HTTP layer itself cannot carry (a bad name, value or method) never reaches
        // the router: hyper refuses it on the socket.
        let Ok(request) = builder.extension(Peer(SocketAddr::from(([192, 0, 2, 1], 5000)))).body(Body::from(body)) else {
            return Ok(());
        };
        let app = router();
        let (status, answer) = runtime().block_on(async move {
            let response = app.oneshot(request).await.map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let store = response.headers().get("cache-control").and_then(|v| v.to_str().ok()).map(str::to_string);
            let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.map_err(|e| e.to_string())?;
            Ok::<_, String>((status, (store, body)))
        }).map_err(TestCaseError::fail)?;
        let (store, body) = answer;
        prop_assert_eq!(store.as_deref(), Some("no-store"));
        if method == "HEAD" {
            // HTTP: an answer to HEAD has no body, whatever its status.
            prop_assert!(body.is_empty());
        } else if status >= 400 {
            let json: serde_json::Value = serde_json::from_slice(&body).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(json.get("source").and_then(|s| s.as_str()), Some("broker"), "{} {}", status, json);
        } else {
            prop_assert!(status == 200 || status == 204, "{status}");
        }
    }
}
