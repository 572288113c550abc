//! The broker's HTTP application: routes, the order of checks, CORS, deadlines and one log
//! line per request, as an axum `Router` with tower-http layers. Layer: broker (driven in unit
//! tests with a fake upstream through `tower::ServiceExt::oneshot`; the sockets are
//! `listener.rs`'s). Order: route, method, origin (403), then input (query, content type,
//! body, form, redirect, verifier: 400/403/413), then the rate limit (429), then HubSpot, so a
//! request that could never reach HubSpot costs no one any of their budget.

use crate::config::{Config, ExtensionId};
use crate::form::{is_form_content_type, Call, Endpoint};
use crate::forward::{Answer, Upstream};
use crate::limit::{client_address, Limiter, PeerKey, BURST, MAX_CLIENTS, PER_SECOND};
use crate::policy::{allowed_origin, Refusal};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{ALLOW, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ORIGIN, RETRY_AFTER, VARY};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// Form bodies over this are refused with 413; HubSpot's token requests are well under 1 KiB.
pub const MAX_BODY_BYTES: usize = 8 * 1024;
/// Request line plus headers as the broker counts them (hyper itself stops at
/// `listener::HARD_HEAD_BYTES`), and the number of headers, past which 431.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;
pub const MAX_HEADERS: usize = 32;
/// From the head being read to the answer: body arrival, the queue for an upstream slot and
/// HubSpot's answer (itself cut at `forward::UPSTREAM_TIMEOUT`, 10 s) must fit in it.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(20);

/// The TCP peer of the connection a request came on, put in each request by `listener.rs`.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// Marks an answer that is HubSpot's own, passed through unchanged.
#[derive(Clone, Copy)]
struct FromHubSpot;

/// Marks an answer that is a broker refusal already in our JSON shape; the code is logged.
#[derive(Clone, Copy)]
struct RefusalCode(&'static str);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response =
            (status_of(self.status), [(CONTENT_TYPE, HeaderValue::from_static("application/json"))], self.to_json())
                .into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(RETRY_AFTER, seconds.into());
        }
        response.extensions_mut().insert(RefusalCode(self.code));
        response
    }
}

fn status_of(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY)
}

pub struct App {
    extension_ids: Vec<ExtensionId>,
    limiter: Limiter<PeerKey>,
    upstream: Arc<dyn Upstream>,
    client_ip_header: Option<HeaderName>,
    request_deadline: Duration,
}

impl App {
    pub fn new(config: &Config, upstream: Arc<dyn Upstream>) -> App {
        App {
            extension_ids: config.extension_ids.clone(),
            limiter: Limiter::new(BURST, PER_SECOND, MAX_CLIENTS),
            upstream,
            client_ip_header: config
                .client_ip_header
                .as_deref()
                .and_then(|name| HeaderName::from_bytes(name.as_bytes()).ok()),
            request_deadline: REQUEST_DEADLINE,
        }
    }

    /// The application as a tower service; every connection shares it.
    pub fn router(self) -> Router {
        let origins: Vec<HeaderValue> = self
            .extension_ids
            .iter()
            .filter_map(|id| HeaderValue::from_str(&format!("chrome-extension://{}", id.as_str())).ok())
            .collect();
        // Runs only for requests the gate let through, so it answers allowed origins alone.
        // Retry-After is exposed so the extension can honour a 429 (a CORS response hides
        // every header not on the safelist).
        let cors = CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::POST])
            .allow_headers([CONTENT_TYPE])
            .expose_headers([RETRY_AFTER])
            .max_age(Duration::from_secs(600));
        let deadline = self.request_deadline;
        let app = Arc::new(self);
        let api = Router::new()
            .route(Endpoint::Token.path(), any(api).with_state(Endpoint::Token))
            .route(Endpoint::Introspect.path(), any(api).with_state(Endpoint::Introspect))
            .route(Endpoint::Revoke.path(), any(api).with_state(Endpoint::Revoke))
            .route_layer(cors)
            .route_layer(middleware::from_fn_with_state(Arc::clone(&app), gate));
        Router::new()
            .route("/healthz", get(health))
            .merge(api)
            .fallback(not_found)
            .layer(axum::Extension(app))
            .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
            .layer(middleware::from_fn(bound_head))
            .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, deadline))
            .layer(middleware::from_fn(broker_shape))
            .layer(middleware::from_fn(log_line))
    }
}

async fn health() -> Response {
    ([(CONTENT_TYPE, HeaderValue::from_static("application/json"))], r#"{"ok":true}"#).into_response()
}

async fn not_found() -> Response {
    Refusal::new(404, "not_found", "no such route").into_response()
}

/// Method and origin, before CORS and before anything is read. A refused origin gets no CORS
/// headers, so a page cannot even read why.
async fn gate(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let mut response = if request.method() != Method::POST && request.method() != Method::OPTIONS {
        let mut response = Refusal::new(405, "method_not_allowed", "use POST, OPTIONS").into_response();
        response.headers_mut().insert(ALLOW, HeaderValue::from_static("POST, OPTIONS"));
        response
    } else {
        match allowed_origin(single(request.headers(), &ORIGIN), &app.extension_ids) {
            Err(refusal) => refusal.into_response(),
            Ok(_) => return next.run(request).await,
        }
    };
    response.headers_mut().insert(VARY, HeaderValue::from_static("origin"));
    response
}

/// The value of a header that must appear at most once, as visible ASCII; `None` otherwise
/// (a repeated Origin is refused like a missing one).
fn single<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok().map(str::trim)
}

/// One of the three OAuth routes, for an allowed origin.
async fn api(
    State(endpoint): State<Endpoint>,
    axum::Extension(app): axum::Extension<Arc<App>>,
    request: Request,
) -> Response {
    match forward(&app, endpoint, request).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn forward(app: &App, endpoint: Endpoint, request: Request) -> Result<Response, Refusal> {
    let extension = allowed_origin(single(request.headers(), &ORIGIN), &app.extension_ids)?;
    if request.uri().query().is_some() {
        return Err(Refusal::bad_request("parameters belong in the form body, not the URL"));
    }
    if !single(request.headers(), &CONTENT_TYPE).is_some_and(is_form_content_type) {
        return Err(Refusal::bad_request("Content-Type must be application/x-www-form-urlencoded"));
    }
    let peer = request.extensions().get::<Peer>().map(|info| info.0.ip());
    let client = match (&app.client_ip_header, peer) {
        (_, None) => None,
        (None, Some(peer)) => Some(peer),
        (Some(name), Some(peer)) => {
            Some(client_address(request.headers().get_all(name).iter().map(HeaderValue::as_bytes), peer))
        }
    };
    let body = read_body(request.into_body()).await?;
    let call = Call::parse(endpoint, &body, extension)?;
    charge(app, client)?;
    let upstream = Arc::clone(&app.upstream);
    // ureq blocks; on the blocking pool it never stalls the runtime that serves other clients.
    let answer = tokio::task::spawn_blocking(move || upstream.send(&call))
        .await
        .map_err(|_| Refusal::new(502, "upstream_unreachable", "HubSpot could not be reached"))??;
    Ok(hubspot_answer(answer))
}

async fn read_body(body: Body) -> Result<Vec<u8>, Refusal> {
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => Ok(bytes.to_vec()),
        Err(error) => {
            let too_large = std::iter::successors(Some(&error as &(dyn std::error::Error + 'static)), |e| e.source())
                .any(|e| e.is::<http_body_util::LengthLimitError>());
            Err(if too_large { too_large_refusal() } else { Refusal::bad_request("the body could not be read") })
        }
    }
}

fn too_large_refusal() -> Refusal {
    Refusal::new(413, "request_too_large", format!("the body is over {MAX_BODY_BYTES} bytes"))
}

/// Takes one token from the client's bucket. A request whose client is unknown (no peer: only
/// in-process tests) is not limited.
fn charge(app: &App, client: Option<IpAddr>) -> Result<(), Refusal> {
    let Some(client) = client else { return Ok(()) };
    app.limiter.check(PeerKey::of(client), Instant::now()).map_err(|seconds| {
        let mut refusal = Refusal::new(429, "rate_limited", "too many requests; retry after the given seconds");
        refusal.retry_after = Some(seconds);
        refusal
    })
}

fn hubspot_answer(answer: Answer) -> Response {
    let mut response = Response::new(Body::from(answer.body.clone()));
    *response.status_mut() = status_of(answer.status);
    if !answer.body.is_empty() {
        // HubSpot's revoke answers 200 with no body; don't claim JSON for nothing.
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if let Some(value) = answer.retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    response.extensions_mut().insert(FromHubSpot);
    response
}

/// 431 for heads over `MAX_HEAD_BYTES` or `MAX_HEADERS`, counted as they arrived (name, value
/// and the request target), in our JSON shape rather than hyper's bare one.
async fn bound_head(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let bytes = request.uri().to_string().len()
        + headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum::<usize>();
    if bytes > MAX_HEAD_BYTES || headers.len() > MAX_HEADERS {
        return Refusal::new(
            431,
            "request_header_too_large",
            format!("the request line and headers must stay under {MAX_HEAD_BYTES} bytes and {MAX_HEADERS} headers"),
        )
        .into_response();
    }
    next.run(request).await
}

/// Every refusal the broker makes carries `"source":"broker"`: answers made by a layer (the
/// deadline's 408, the body limit's 413, the router's 405) get our JSON body here. HubSpot's
/// answers are left exactly as they came. Every answer is `no-store`.
async fn broker_shape(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let ours =
        response.extensions().get::<RefusalCode>().is_some() || response.extensions().get::<FromHubSpot>().is_some();
    if response.status().as_u16() >= 400 && !ours {
        let refusal = match response.status().as_u16() {
            400 => Refusal::bad_request("the request could not be read"),
            405 => Refusal::new(405, "method_not_allowed", "use GET"),
            408 => Refusal::new(
                408,
                "request_timeout",
                format!("the request was not answered within {} s", REQUEST_DEADLINE.as_secs()),
            ),
            413 => too_large_refusal(),
            status => Refusal::new(status, "broker_error", "the broker could not answer"),
        };
        let mut shaped = refusal.into_response();
        for (name, value) in response.headers() {
            if name != CONTENT_TYPE && name != CONTENT_LENGTH {
                shaped.headers_mut().append(name, value.clone());
            }
        }
        response = shaped;
    }
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// One line per request on stderr: time, method, route, status, duration, and our refusal
/// code if any. Never a header, query, body, token, code, verifier, secret or address.
async fn log_line(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = match request.method().as_str() {
        m if m.len() <= 10 && m.bytes().all(|b| b.is_ascii_uppercase()) => m.to_owned(),
        _ => "-".to_owned(),
    };
    let route = route_name(request.uri().path());
    let response = next.run(request).await;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let mut line = format!(
        "spotdial-broker ts={}.{:03} method={method} route={route} status={} ms={}",
        now.as_secs(),
        now.subsec_millis(),
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    if let Some(RefusalCode(code)) = response.extensions().get::<RefusalCode>() {
        line.push_str(" error=");
        line.push_str(code);
    }
    eprintln!("{line}");
    response
}

/// The name in log lines: fixed strings only, never the requested path (which could carry a
/// token in a mistaken query string or path).
fn route_name(path: &str) -> &'static str {
    if path == "/healthz" {
        return "/healthz";
    }
    Endpoint::from_path(path).map_or("-", Endpoint::path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::collections::HashMap;
    use std::sync::Mutex;
    use tower::ServiceExt;

    const ID: &str = "abcdefghijklmnopabcdefghijklmnop";
    const ORIGIN_OK: &str = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";

    /// Records what would have gone to HubSpot and answers with a fixed reply, after `delay`.
    struct FakeHubSpot {
        calls: Mutex<Vec<String>>,
        answer: Result<Answer, Refusal>,
        delay: Duration,
    }

    impl Upstream for FakeHubSpot {
        fn send(&self, call: &Call) -> Result<Answer, Refusal> {
            let secret = crate::config::ClientSecret::new("s");
            self.calls.lock().unwrap().push(call.upstream_form("c", &secret));
            std::thread::sleep(self.delay);
            self.answer.clone()
        }
    }

    struct Harness {
        router: Router,
        fake: Arc<FakeHubSpot>,
    }

    fn harness(answer: Result<Answer, Refusal>, delay: Duration, deadline: Duration) -> Harness {
        let env: HashMap<&str, &str> = [
            ("SPOTDIAL_BROKER_CLIENT_ID", "c"),
            ("SPOTDIAL_BROKER_CLIENT_SECRET", "s"),
            ("SPOTDIAL_BROKER_EXTENSION_IDS", ID),
        ]
        .into();
        let config = Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap();
        let fake = Arc::new(FakeHubSpot { calls: Mutex::new(Vec::new()), answer, delay });
        let mut app = App::new(&config, fake.clone());
        app.request_deadline = deadline;
        Harness { router: app.router(), fake }
    }

    fn ok_harness() -> Harness {
        harness(
            Ok(Answer { status: 200, body: br#"{"access_token":"a"}"#.to_vec(), retry_after: None }),
            Duration::ZERO,
            REQUEST_DEADLINE,
        )
    }

    struct Got {
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
    }

    impl Got {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers.get(name).and_then(|v| v.to_str().ok())
        }
        fn json(&self) -> serde_json::Value {
            serde_json::from_slice(&self.body).unwrap()
        }
        fn refusal(&self) -> (u16, String, String) {
            let json = self.json();
            (self.status, json["error"].as_str().unwrap().to_owned(), json["source"].as_str().unwrap_or("").to_owned())
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread().enable_time().build().unwrap()
    }

    fn send(router: &Router, request: axum::http::Request<Body>) -> Got {
        let rt = rt();
        let got = rt.block_on(async {
            let response = router.clone().oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec();
            Got { status, headers, body }
        });
        // Don't wait for a fake upstream still sleeping on the blocking pool.
        rt.shutdown_background();
        got
    }

    fn post(path: &str, origin: Option<&str>, body: &str) -> axum::http::Request<Body> {
        let mut builder = axum::http::Request::post(path)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .extension(Peer(SocketAddr::from(([192, 0, 2, 1], 5000))));
        if let Some(origin) = origin {
            builder = builder.header(ORIGIN, origin);
        }
        builder.body(Body::from(body.to_owned())).unwrap()
    }

    fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> axum::http::Request<Body> {
        let mut builder = axum::http::Request::builder().method(method).uri(path);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(Body::empty()).unwrap()
    }

    fn verifier() -> String {
        "v".repeat(43)
    }

    #[test]
    fn an_allowed_request_is_forwarded_and_answered_with_cors_headers() {
        let h = ok_harness();
        let got = send(&h.router, post("/v1/introspect", Some(ORIGIN_OK), "token=t"));
        assert_eq!(got.status, 200);
        assert_eq!(got.body, br#"{"access_token":"a"}"#);
        assert_eq!(got.header("access-control-allow-origin"), Some(ORIGIN_OK));
        assert_eq!(got.header("access-control-expose-headers"), Some("retry-after"));
        assert_eq!(got.header("cache-control"), Some("no-store"));
        assert_eq!(h.fake.calls.lock().unwrap().as_slice(), ["token=t&client_id=c&client_secret=s"]);
    }

    #[test]
    fn preflight_is_answered_for_allowed_origins_only() {
        let h = ok_harness();
        let got = send(
            &h.router,
            request(
                "OPTIONS",
                "/v1/token",
                &[
                    ("origin", ORIGIN_OK),
                    ("access-control-request-method", "POST"),
                    ("access-control-request-headers", "content-type"),
                ],
            ),
        );
        assert!((200..300).contains(&got.status), "{}", got.status);
        assert_eq!(got.header("access-control-allow-origin"), Some(ORIGIN_OK));
        assert_eq!(got.header("access-control-allow-methods"), Some("POST"));
        assert_eq!(got.header("access-control-allow-headers"), Some("content-type"));

        let got = send(
            &h.router,
            request(
                "OPTIONS",
                "/v1/token",
                &[("origin", "https://evil.example"), ("access-control-request-method", "POST")],
            ),
        );
        assert_eq!(got.refusal(), (403, "origin_not_allowed".into(), "broker".into()));
        assert_eq!(got.header("access-control-allow-origin"), None);
    }

    #[test]
    fn refused_origins_never_reach_hubspot() {
        let h = ok_harness();
        for origin in [None, Some("https://evil.example"), Some("chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba")]
        {
            let got = send(&h.router, post("/v1/token", origin, "grant_type=refresh_token&refresh_token=r"));
            assert_eq!(got.refusal(), (403, "origin_not_allowed".into(), "broker".into()));
            assert_eq!(got.header("access-control-allow-origin"), None);
        }
        let twice = axum::http::Request::post("/v1/token")
            .header(ORIGIN, ORIGIN_OK)
            .header(ORIGIN, ORIGIN_OK)
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&h.router, twice).status, 403);
        assert!(h.fake.calls.lock().unwrap().is_empty());
    }

    #[test]
    fn routes_and_methods_answer_in_our_shape() {
        let h = ok_harness();
        let health = send(&h.router, request("GET", "/healthz", &[]));
        assert_eq!((health.status, health.body.as_slice()), (200, &br#"{"ok":true}"#[..]));
        let wrong = send(&h.router, request("POST", "/healthz", &[]));
        assert_eq!(wrong.refusal(), (405, "method_not_allowed".into(), "broker".into()));
        let wrong = send(&h.router, request("GET", "/v1/token", &[]));
        assert_eq!(wrong.refusal(), (405, "method_not_allowed".into(), "broker".into()));
        assert_eq!(wrong.header("allow"), Some("POST, OPTIONS"));
        let missing = send(&h.router, request("GET", "/oauth/2026-03/token", &[]));
        assert_eq!(missing.refusal(), (404, "not_found".into(), "broker".into()));
        assert_eq!(send(&h.router, request("GET", "/v1/token/", &[])).status, 404);
    }

    #[test]
    fn input_mistakes_are_broker_refusals_that_never_reach_hubspot() {
        let h = ok_harness();
        let mut json = post("/v1/revoke", Some(ORIGIN_OK), "{}");
        json.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        assert_eq!(send(&h.router, json).refusal(), (400, "invalid_request".into(), "broker".into()));
        let query = send(&h.router, post("/v1/revoke?token=t", Some(ORIGIN_OK), "token=t"));
        assert_eq!(query.status, 400);
        let no_verifier = send(
            &h.router,
            post(
                "/v1/token",
                Some(ORIGIN_OK),
                &format!("grant_type=authorization_code&code=c&redirect_uri=https://{ID}.chromiumapp.org/"),
            ),
        );
        assert_eq!(no_verifier.refusal(), (400, "invalid_request".into(), "broker".into()));
        let path = send(
            &h.router,
            post(
                "/v1/token",
                Some(ORIGIN_OK),
                &format!(
                    "grant_type=authorization_code&code=c&redirect_uri=https://{ID}.chromiumapp.org/cb&code_verifier={}",
                    verifier()
                ),
            ),
        );
        assert_eq!(path.refusal(), (403, "redirect_uri_not_allowed".into(), "broker".into()));
        assert_eq!(path.header("access-control-allow-origin"), Some(ORIGIN_OK));
        assert!(h.fake.calls.lock().unwrap().is_empty());
    }

    #[test]
    fn the_body_limit_answers_413_in_our_shape() {
        let h = ok_harness();
        let big = format!("token={}", "a".repeat(MAX_BODY_BYTES));
        let got = send(&h.router, post("/v1/revoke", Some(ORIGIN_OK), &big));
        assert_eq!(got.refusal(), (413, "request_too_large".into(), "broker".into()));
        assert!(h.fake.calls.lock().unwrap().is_empty());
    }

    #[test]
    fn heads_over_the_limit_answer_431_in_our_shape() {
        let h = ok_harness();
        let filler = "b".repeat(MAX_HEAD_BYTES);
        let got = send(&h.router, request("GET", "/healthz", &[("x-filler", &filler)]));
        assert_eq!(got.refusal(), (431, "request_header_too_large".into(), "broker".into()));
        let many: Vec<(String, String)> = (0..=MAX_HEADERS).map(|i| (format!("x-h{i}"), "1".to_owned())).collect();
        let refs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(send(&h.router, request("GET", "/healthz", &refs)).status, 431);
    }

    #[test]
    fn only_requests_that_would_reach_hubspot_are_charged() {
        let h = ok_harness();
        // Forged or malformed requests from the rep's address: none may cost the rep anything.
        for _ in 0..(BURST * 2) {
            let got = send(&h.router, post("/v1/token", Some(ORIGIN_OK), "grant_type=refresh_token"));
            assert_eq!(got.status, 400);
            let mut plain = post("/v1/token", Some(ORIGIN_OK), "grant_type=refresh_token&refresh_token=r");
            plain.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            assert_eq!(send(&h.router, plain).status, 400);
        }
        for i in 0..BURST {
            let got = send(&h.router, post("/v1/introspect", Some(ORIGIN_OK), "token=t"));
            assert_eq!(got.status, 200, "request {i}");
        }
        let limited = send(&h.router, post("/v1/introspect", Some(ORIGIN_OK), "token=t"));
        assert_eq!(limited.refusal(), (429, "rate_limited".into(), "broker".into()));
        assert_eq!(limited.header("retry-after"), Some("1"));
        assert_eq!(limited.header("access-control-allow-origin"), Some(ORIGIN_OK));
        assert_eq!(limited.header("access-control-expose-headers"), Some("retry-after"));
    }

    #[test]
    fn the_whole_request_deadline_answers_408_in_our_shape() {
        let h = harness(
            Ok(Answer { status: 200, body: b"{}".to_vec(), retry_after: None }),
            Duration::from_millis(800),
            Duration::from_millis(200),
        );
        let started = Instant::now();
        let got = send(&h.router, post("/v1/introspect", Some(ORIGIN_OK), "token=t"));
        assert!(started.elapsed() < Duration::from_millis(700), "{:?}", started.elapsed());
        assert_eq!(got.refusal(), (408, "request_timeout".into(), "broker".into()));
    }

    #[test]
    fn hubspot_answers_pass_through_without_our_marker() {
        let body = br#"{"error":"invalid_grant","status":"BAD_REFRESH_TOKEN"}"#.to_vec();
        let h = harness(
            Ok(Answer { status: 400, body: body.clone(), retry_after: None }),
            Duration::ZERO,
            REQUEST_DEADLINE,
        );
        let got = send(&h.router, post("/v1/token", Some(ORIGIN_OK), "grant_type=refresh_token&refresh_token=r"));
        assert_eq!((got.status, got.body), (400, body));

        let h = harness(Err(Refusal::new(504, "upstream_timeout", "slow")), Duration::ZERO, REQUEST_DEADLINE);
        let got = send(&h.router, post("/v1/token", Some(ORIGIN_OK), "grant_type=refresh_token&refresh_token=r"));
        assert_eq!(got.refusal(), (504, "upstream_timeout".into(), "broker".into()));
        assert_eq!(got.header("access-control-allow-origin"), Some(ORIGIN_OK));
    }

    #[test]
    fn log_route_names_are_fixed_strings() {
        assert_eq!(route_name("/v1/token"), "/v1/token");
        assert_eq!(route_name("/healthz"), "/healthz");
        assert_eq!(route_name("/v1/leak-na1-secret"), "-");
    }
}
