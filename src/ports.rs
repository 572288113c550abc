//! The few small traits through which the pure core reaches the world: HTTP, a key-value
//! store, a clock. Layer: core (pure). The wasm glue implements them over `fetch` and
//! `chrome.storage`; native tests implement them with fakes that record what was asked.
//! No `Send` bounds: futures in a service worker are single-threaded.

use percent_encoding::{percent_decode, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

/// HTTP methods the core uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One HTTP request, fully described as data so tests can assert on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl HttpRequest {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self { method, url: url.into(), headers: Vec::new(), body: None }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// A JSON body, with its content type.
    pub fn json(self, body: &serde_json::Value) -> Self {
        let mut req = self.header("Content-Type", "application/json");
        req.body = Some(body.to_string());
        req
    }

    /// An `application/x-www-form-urlencoded` body (OAuth token endpoints take only this).
    pub fn form(self, fields: &[(&str, &str)]) -> Self {
        let mut req = self.header("Content-Type", "application/x-www-form-urlencoded");
        req.body = Some(crate::ports::form_encode(fields));
        req
    }

    /// The value of a request header, matched case-insensitively.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// One HTTP response as the core sees it: status, headers and the body as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// The value of a response header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Why a request got no HTTP answer. Either way the request may or may not have reached
/// the server, which is why call logs are settled by looking their id up before a retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum TransportError {
    /// The connection failed or dropped (offline, DNS, reset, CORS refusal).
    Network(String),
    /// No answer within the time allowed.
    Timeout,
}

/// Sends HTTP requests. Implemented over `fetch` in the extension.
#[allow(async_fn_in_trait)]
pub trait Http {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// Time: milliseconds since the Unix epoch, and waiting. Injected so that expiry, backoff
/// and retention are testable; a fake clock's `sleep` simply moves its time forward.
#[allow(async_fn_in_trait)]
pub trait Clock {
    fn now_ms(&self) -> i64;
    async fn sleep(&self, ms: u64);
    /// The rep's local time minus UTC at `at_ms`, in ms (for "due by the end of today").
    fn utc_offset_ms(&self, _at_ms: i64) -> i64 {
        0
    }
    /// Local time minus UTC in the IANA zone `zone` at `at_ms`, in ms; `None` for an unknown
    /// zone. The browser's time-zone database answers, so the core ships none.
    fn zone_offset_ms(&self, _zone: &str, _at_ms: i64) -> Option<i64> {
        None
    }
}

/// Where HubSpot requests get their access token. Implemented by the sign-in module, which
/// refreshes ahead of expiry and shares one refresh among every concurrent caller.
#[allow(async_fn_in_trait)]
pub trait TokenSource {
    /// A token believed valid now (refreshing first if it is about to expire).
    async fn access_token(&self) -> Result<crate::secret::AccessToken, AuthFailure>;
    /// HubSpot answered 401 to `rejected`: refresh at most once (shared with concurrent
    /// callers that saw the same token rejected) and hand back the new token.
    async fn refresh_after_unauthorized(
        &self,
        rejected: &crate::secret::AccessToken,
    ) -> Result<crate::secret::AccessToken, AuthFailure>;
}

/// Why no access token could be had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuthFailure {
    /// Nobody is signed in.
    SignedOut,
    /// The refresh token was refused (revoked, app uninstalled): the rep must reconnect.
    NeedsReconnect { reason: String },
    /// The broker or HubSpot could not be reached; try again later.
    Unreachable { reason: String },
}

/// The storage areas of `chrome.storage` the core uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Survives restarts; holds the refresh token, the outbox, settings and caches.
    Local,
    /// Cleared when the browser closes; holds the access token.
    Session,
    /// Read-only: what an admin set through Chrome policy (`chrome.storage.managed`).
    Managed,
}

/// A storage failure (quota, a closed context).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreError(pub String);

/// A JSON key-value store, one namespace per area. Implemented over `chrome.storage`.
#[allow(async_fn_in_trait)]
pub trait Store {
    async fn get(&self, area: Area, key: &str) -> Result<Option<serde_json::Value>, StoreError>;
    async fn set(&self, area: Area, key: &str, value: serde_json::Value) -> Result<(), StoreError>;
    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError>;
    /// Every key present in the area, so that wipes and purges can find what they own.
    async fn keys(&self, area: Area) -> Result<Vec<String>, StoreError>;
}

/// The rest of Chrome the core drives: sign-in windows, alarms, the badge, randomness, tabs.
#[allow(async_fn_in_trait)]
pub trait Browser {
    /// `chrome.identity.getRedirectURL()`: `https://<extension id>.chromiumapp.org/`.
    fn redirect_url(&self) -> String;
    /// `chrome.identity.launchWebAuthFlow({url, interactive: true})`: the URL HubSpot
    /// redirected to, or why the window closed without one.
    async fn launch_web_auth_flow(&self, url: &str) -> Result<String, String>;
    /// Cryptographically strong random bytes (`crypto.getRandomValues`), or why there are
    /// none. Callers use `random_bytes`, which also refuses an all-zero draw.
    fn fill_random(&self, buffer: &mut [u8]) -> Result<(), String>;
    /// Schedules the named alarm at an absolute time (replacing an earlier one of that name).
    fn set_alarm(&self, name: &str, at_ms: i64);
    fn clear_alarm(&self, name: &str);
    /// The toolbar badge: short text (empty clears it) and whether it signals trouble.
    fn set_badge(&self, text: &str, trouble: bool);
}

/// Fills `buffer` from the browser's random source, refusing a failed draw and one that came
/// back all zeros (a source that silently did nothing: 2^-128 for 16 real bytes). OAuth
/// `state`, the PKCE verifier and call ids are only as good as these bytes.
pub fn random_bytes<B: Browser>(browser: &B, buffer: &mut [u8]) -> Result<(), String> {
    buffer.fill(0);
    browser.fill_random(buffer)?;
    if buffer.len() >= 16 && buffer.iter().all(|b| *b == 0) {
        return Err("the random source returned only zeros".into());
    }
    Ok(())
}

/// RFC 3986 §2.3: everything but the unreserved characters `A-Z a-z 0-9 - . _ ~` is escaped.
/// A space becomes `%20` (HubSpot's authorize URL requires it for `scope`, API-FACTS §1.2;
/// form parsers accept it too), and `/ ? # & = +` can never end a path segment or a value early.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// One path segment (an id from HubSpot or the rep), escaped so that it stays one segment.
pub fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(text, &mut out);
    out
}

/// `key=value&…`, every key and value escaped: the `application/x-www-form-urlencoded` bodies
/// of the token endpoints and the query strings of URLs the core builds.
pub fn form_encode(fields: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        push_escaped(key, &mut out);
        out.push('=');
        push_escaped(value, &mut out);
    }
    out
}

/// The one escaping rule, shared by path segments, queries and form bodies.
fn push_escaped(text: &str, out: &mut String) {
    out.extend(utf8_percent_encode(text, COMPONENT));
}

/// Splits a query string (without the `?`) into decoded key-value pairs: `%XX` and `+` (a
/// space) decoded, invalid escapes kept as they are, invalid UTF-8 replaced, never a panic.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        let plus_as_space: Vec<u8> = text.bytes().map(|b| if b == b'+' { b' ' } else { b }).collect();
        let bytes: Vec<u8> = percent_decode(&plus_as_space).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(part), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_escapes_reserved_characters_and_spaces() {
        assert_eq!(
            form_encode(&[("scope", "oauth crm.objects.contacts.read"), ("a&b", "=/?")]),
            "scope=oauth%20crm.objects.contacts.read&a%26b=%3D%2F%3F"
        );
    }

    #[test]
    fn a_path_segment_cannot_become_two() {
        assert_eq!(path_segment("a b/c?d#e&f=g+h~i.j_k-l"), "a%20b%2Fc%3Fd%23e%26f%3Dg%2Bh~i.j_k-l");
        assert_eq!(path_segment("é"), "%C3%A9");
    }

    #[test]
    fn decoding_round_trips_and_survives_bad_escapes() {
        let decoded = |query: &str| parse_query(query).into_iter().map(|(k, v)| [k, v].concat()).collect::<Vec<_>>();
        assert_eq!(parse_query(&form_encode(&[("é ü/?&=", "+%")])), vec![("é ü/?&=".into(), "+%".into())]);
        assert_eq!(decoded("100%"), vec!["100%"]);
        assert_eq!(decoded("%zz%4"), vec!["%zz%4"]);
        assert_eq!(decoded("a+b"), vec!["a b"]);
        assert_eq!(decoded("%ff"), vec!["\u{fffd}"]);
    }

    #[test]
    fn query_pairs_are_decoded() {
        assert_eq!(
            parse_query("code=na1-abc&state=x%2By&flag"),
            vec![("code".into(), "na1-abc".into()), ("state".into(), "x+y".into()), ("flag".into(), String::new())]
        );
    }

    #[test]
    fn headers_match_case_insensitively() {
        let resp = HttpResponse {
            status: 200,
            headers: vec![("x-hubspot-ratelimit-remaining".into(), "9".into())],
            body: String::new(),
        };
        assert_eq!(resp.header("X-HubSpot-RateLimit-Remaining"), Some("9"));
    }
}
