//! `ApiError`: every way a HubSpot request can fail, parsed from HubSpot's error bodies
//! (API-FACTS §14 CRM shape, §13 429 shape), and `failure()` turning it into a sentence a rep
//! understands. Layer: core (pure). Bodies are parsed defensively: every field is optional and
//! an HTML error page or truncated JSON still yields a classified error, never a panic.

use crate::failure::Failure;
use crate::ports::{AuthFailure, HttpResponse, TransportError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// HubSpot's own fields from an error body, kept for support and logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub status: u16,
    pub message: Option<String>,
    pub category: Option<String>,
    pub sub_category: Option<String>,
    pub correlation_id: Option<String>,
}

/// Why a HubSpot request failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApiError {
    /// 401 even after one token refresh and one retry: the rep must sign in again.
    Unauthorized { info: Box<ErrorInfo> },
    /// 403 naming scopes the token lacks (§14, `context.missingScopes` or
    /// `errors[].context.requiredScopes|missingScopes`).
    MissingScopes { scopes: Vec<String>, info: Box<ErrorInfo> },
    /// 403 for another reason (portal authentication failed, banned, ...).
    Forbidden { info: Box<ErrorInfo> },
    /// 404: the record was deleted or merged (or the endpoint is gone).
    NotFound { info: Box<ErrorInfo> },
    /// 429, or our own budget is paused: nothing goes out before `retry_at_ms`.
    RateLimited { policy: String, retry_at_ms: i64 },
    /// 400: HubSpot refused the request's content.
    Validation { message: String, errors: Vec<String>, info: Box<ErrorInfo> },
    /// 409.
    Conflict { info: Box<ErrorInfo> },
    /// 423 (locked), 477 (portal migrating) or 5xx: try again later.
    Unavailable { status: u16, retry_after_ms: Option<u64>, info: Box<ErrorInfo> },
    /// Any other non-success status.
    Rejected { info: Box<ErrorInfo> },
    /// A success status whose body is not what the endpoint documents.
    Malformed { what: String },
    /// No HTTP answer. `may_have_reached` is true when the request may have arrived at HubSpot
    /// (a timeout, a dropped connection): a write must then be settled by lookup, not resent.
    Transport { error: TransportError, may_have_reached: bool },
    /// No access token could be had.
    Auth { failure: AuthFailure },
}

impl ApiError {
    /// Classifies a non-success response. `now_ms` dates a 429's `retry_at_ms`; the session
    /// replaces it with the budget's pause, which also counts repeated 429s.
    pub fn from_response(resp: &HttpResponse, now_ms: i64) -> ApiError {
        let body: Option<Value> = serde_json::from_str(&resp.body).ok();
        let body = body.as_ref().filter(|v| v.is_object());
        let info = Box::new(ErrorInfo {
            status: resp.status,
            message: body.and_then(|b| str_field(b, "message")).map(clip),
            category: body.and_then(|b| str_field(b, "category")),
            sub_category: body.and_then(|b| str_field(b, "subCategory")),
            correlation_id: body.and_then(|b| str_field(b, "correlationId")),
        });
        let retry_after_ms = retry_after_ms(resp);
        match resp.status {
            400 => ApiError::Validation {
                message: info.message.clone().unwrap_or_else(|| "invalid request".into()),
                errors: body.map(detail_messages).unwrap_or_default(),
                info,
            },
            401 => ApiError::Unauthorized { info },
            403 => {
                let scopes = body.map(missing_scopes).unwrap_or_default();
                if scopes.is_empty() {
                    ApiError::Forbidden { info }
                } else {
                    ApiError::MissingScopes { scopes, info }
                }
            }
            404 => ApiError::NotFound { info },
            409 => ApiError::Conflict { info },
            429 => ApiError::RateLimited {
                // §13: `policyName` is DAILY or TEN_SECONDLY_ROLLING (SECONDLY in mocks).
                policy: body.and_then(|b| str_field(b, "policyName")).unwrap_or_else(|| "UNKNOWN".into()),
                retry_at_ms: now_ms.saturating_add(retry_after_ms.unwrap_or(10_000) as i64),
            },
            // §13: 423 lock, 477 data-centre migration, 5xx (incl. 521/523/524 from the CDN).
            423 | 477 | 500..=599 => ApiError::Unavailable { status: resp.status, retry_after_ms, info },
            _ => ApiError::Rejected { info },
        }
    }

    pub fn malformed(what: impl Into<String>) -> ApiError {
        ApiError::Malformed { what: what.into() }
    }

    /// HubSpot's correlation id, when the error came with one.
    pub fn correlation_id(&self) -> Option<&str> {
        self.info().and_then(|i| i.correlation_id.as_deref())
    }

    pub fn info(&self) -> Option<&ErrorInfo> {
        match self {
            ApiError::Unauthorized { info }
            | ApiError::MissingScopes { info, .. }
            | ApiError::Forbidden { info }
            | ApiError::NotFound { info }
            | ApiError::Validation { info, .. }
            | ApiError::Conflict { info }
            | ApiError::Unavailable { info, .. }
            | ApiError::Rejected { info } => Some(info),
            _ => None,
        }
    }

    /// The error as data for the UI: a stable code, a sentence a rep understands, and whether
    /// trying again later can help.
    pub fn failure(&self) -> Failure {
        match self {
            ApiError::Unauthorized { .. } => Failure::new(
                "hubspot_unauthorized",
                "HubSpot no longer accepts Spotdial's sign-in. Sign in with HubSpot again.",
                false,
            ),
            ApiError::MissingScopes { scopes, .. } => {
                let names = scopes.join(", ");
                Failure::new(
                    "hubspot_missing_scopes",
                    ["Spotdial is missing a HubSpot permission. Reconnect and grant ", &names, "."].concat(),
                    false,
                )
            }
            ApiError::Forbidden { .. } => Failure::new(
                "hubspot_forbidden",
                "HubSpot refused Spotdial access to this. Ask your HubSpot admin to check the app's access.",
                false,
            ),
            ApiError::NotFound { .. } => {
                Failure::new("hubspot_not_found", "This record was deleted or merged in HubSpot.", false)
            }
            ApiError::RateLimited { .. } => Failure::new(
                "hubspot_rate_limited",
                "HubSpot's limit was reached, syncing is paused. It resumes by itself; your call logs are kept.",
                true,
            ),
            ApiError::Validation { message, .. } => {
                Failure::new("hubspot_validation", ["HubSpot refused the change: ", message].concat(), false)
            }
            ApiError::Conflict { .. } => Failure::new(
                "hubspot_conflict",
                "HubSpot reports a conflict with another change. Reload and try again.",
                false,
            ),
            ApiError::Unavailable { .. } => Failure::new(
                "hubspot_unavailable",
                "HubSpot is temporarily unavailable. Spotdial will try again.",
                true,
            ),
            ApiError::Rejected { info } => Failure::new(
                "hubspot_rejected",
                ["HubSpot refused the request (status ", &info.status.to_string(), ")."].concat(),
                false,
            ),
            ApiError::Malformed { what } => Failure::new(
                "hubspot_malformed",
                ["HubSpot sent an answer Spotdial could not read (", what, "). Try again later."].concat(),
                true,
            ),
            ApiError::Transport { error: TransportError::Timeout, .. } => Failure::new(
                "hubspot_timeout",
                "HubSpot did not answer in time. Check your connection; Spotdial will try again.",
                true,
            ),
            ApiError::Transport { .. } => Failure::new(
                "hubspot_unreachable",
                "Spotdial could not reach HubSpot. Check your connection; Spotdial will try again.",
                true,
            ),
            ApiError::Auth { failure } => match failure {
                AuthFailure::SignedOut => Failure::new("signed_out", "Sign in with HubSpot to use Spotdial.", false),
                AuthFailure::NeedsReconnect { .. } => Failure::new(
                    "needs_reconnect",
                    "Your HubSpot connection has ended. Sign in with HubSpot again.",
                    false,
                ),
                AuthFailure::Unreachable { .. } => Failure::new(
                    "auth_unreachable",
                    "Spotdial could not renew its HubSpot sign-in. It will try again.",
                    true,
                ),
            },
        }
    }
}

/// `Retry-After` in milliseconds. HubSpot documents seconds (§13, for 477); an HTTP date is
/// not used by HubSpot and is ignored. Capped at one hour so a bad value cannot stall us.
/// Read by hand, not as an `f64`: core's float parser and its tables weigh ~30 KB of wasm.
pub fn retry_after_ms(resp: &HttpResponse) -> Option<u64> {
    let text = resp.header("Retry-After")?.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if (whole.is_empty() && fraction.is_empty()) || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut ms = whole.bytes().fold(0u64, |acc, b| acc.saturating_mul(10).saturating_add(u64::from(b - b'0')));
    ms = ms.saturating_mul(1000);
    for (b, scale) in fraction.bytes().zip([100, 10, 1]) {
        ms = ms.saturating_add(u64::from(b - b'0') * scale);
    }
    Some(ms.min(3_600_000))
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// HubSpot messages are kept short enough for a panel line.
fn clip(text: String) -> String {
    const MAX: usize = 300;
    if text.len() <= MAX {
        return text;
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    [text.get(..end).unwrap_or_default(), "…"].concat()
}

fn detail_messages(body: &Value) -> Vec<String> {
    let Some(errors) = body.get("errors").and_then(Value::as_array) else { return Vec::new() };
    errors.iter().filter_map(|e| e.get("message").and_then(Value::as_str)).map(|m| clip(m.to_string())).collect()
}

/// Scopes named in `context.missingScopes` and in each `errors[].context.requiredScopes` /
/// `missingScopes` (§14, §2), deduplicated in order.
fn missing_scopes(body: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut take = |ctx: Option<&Value>| {
        for key in ["missingScopes", "requiredScopes"] {
            let Some(list) = ctx.and_then(|c| c.get(key)).and_then(Value::as_array) else { continue };
            for scope in list.iter().filter_map(Value::as_str) {
                if !scope.is_empty() && !out.iter().any(|s| s == scope) {
                    out.push(scope.to_string());
                }
            }
        }
    };
    take(body.get("context"));
    if let Some(errors) = body.get("errors").and_then(Value::as_array) {
        for e in errors {
            take(e.get("context"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, headers: vec![], body: body.into() }
    }

    #[test]
    fn validation_error_keeps_hubspot_fields() {
        let body = r#"{"status":"error","message":"Property values were not valid","correlationId":"aeb5f871-7f07-4993-9211-075dc63e7cbf","category":"VALIDATION_ERROR","subCategory":"x.y","errors":[{"message":"Property \"discount\" is not an integer","code":"INVALID_INTEGER","context":{"propertyName":["discount"]}}],"links":{"knowledge-base":"https://kb"}}"#;
        let err = ApiError::from_response(&resp(400, body), 0);
        let ApiError::Validation { message, errors, info } = &err else { panic!("{err:?}") };
        assert_eq!(message, "Property values were not valid");
        assert_eq!(errors, &["Property \"discount\" is not an integer"]);
        assert_eq!(info.category.as_deref(), Some("VALIDATION_ERROR"));
        assert_eq!(info.sub_category.as_deref(), Some("x.y"));
        assert_eq!(err.correlation_id(), Some("aeb5f871-7f07-4993-9211-075dc63e7cbf"));
        assert!(!err.failure().retryable);
        assert!(err.failure().message.contains("Property values were not valid"));
    }

    #[test]
    fn missing_scopes_are_read_from_both_places() {
        let top = r#"{"status":"error","message":"This app hasn't been granted all required scopes","category":"MISSING_SCOPES","context":{"missingScopes":["crm.lists.read"]}}"#;
        let nested = r#"{"status":"error","message":"missing","category":"MISSING_SCOPES","errors":[{"message":"m","context":{"requiredScopes":["crm.objects.contacts.read","crm.objects.tasks.read"]}},{"context":{"missingScopes":["crm.objects.contacts.read"]}}]}"#;
        match ApiError::from_response(&resp(403, top), 0) {
            ApiError::MissingScopes { scopes, .. } => assert_eq!(scopes, ["crm.lists.read"]),
            other => panic!("{other:?}"),
        }
        let err = ApiError::from_response(&resp(403, nested), 0);
        match &err {
            ApiError::MissingScopes { scopes, .. } => {
                assert_eq!(scopes, &["crm.objects.contacts.read", "crm.objects.tasks.read"])
            }
            other => panic!("{other:?}"),
        }
        let f = err.failure();
        assert!(f.message.starts_with("Spotdial is missing a HubSpot permission. Reconnect and grant "));
        assert!(f.message.contains("crm.objects.tasks.read"));
    }

    #[test]
    fn forbidden_without_scopes_is_not_missing_scopes() {
        let body = r#"{"status":"error","message":"portal auth failed","category":"PORTAL_AUTHENTICATION_FAILED"}"#;
        assert!(matches!(ApiError::from_response(&resp(403, body), 0), ApiError::Forbidden { .. }));
    }

    #[test]
    fn not_found_says_deleted_or_merged() {
        let body = r#"{"status":"error","message":"Object not found.  objectId are usually numeric.","correlationId":"c1","category":"OBJECT_NOT_FOUND"}"#;
        let err = ApiError::from_response(&resp(404, body), 0);
        assert!(matches!(err, ApiError::NotFound { .. }));
        assert_eq!(err.failure().message, "This record was deleted or merged in HubSpot.");
    }

    #[test]
    fn rate_limit_bodies_name_their_policy() {
        for policy in ["TEN_SECONDLY_ROLLING", "DAILY"] {
            let body = [r#"{"status":"error","message":"You have reached your limit.","errorType":"RATE_LIMIT","correlationId":"c","policyName":""#, policy, r#"","requestId":"r"}"#].concat();
            let mut r = resp(429, &body);
            r.headers.push(("Retry-After".into(), "3".into()));
            match ApiError::from_response(&r, 1_000) {
                ApiError::RateLimited { policy: p, retry_at_ms } => {
                    assert_eq!(p, policy);
                    assert_eq!(retry_at_ms, 4_000);
                }
                other => panic!("{other:?}"),
            }
        }
        let err = ApiError::from_response(&resp(429, "<html>slow down</html>"), 0);
        assert!(matches!(&err, ApiError::RateLimited { policy, retry_at_ms: 10_000 } if policy == "UNKNOWN"));
        assert!(err.failure().message.starts_with("HubSpot's limit was reached, syncing is paused"));
        assert!(err.failure().retryable);
    }

    #[test]
    fn html_and_truncated_bodies_still_classify() {
        let html = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>";
        let err = ApiError::from_response(&resp(502, html), 0);
        assert!(matches!(&err, ApiError::Unavailable { status: 502, info, .. } if info.message.is_none()));
        assert!(err.failure().retryable);
        let err = ApiError::from_response(&resp(400, r#"{"status":"error","message":"Inva"#), 0);
        assert!(matches!(&err, ApiError::Validation { message, .. } if message == "invalid request"));
        for status in [423, 477, 500, 503, 524] {
            assert!(matches!(ApiError::from_response(&resp(status, ""), 0), ApiError::Unavailable { .. }));
        }
        assert!(matches!(ApiError::from_response(&resp(409, "[]"), 0), ApiError::Conflict { .. }));
        assert!(matches!(ApiError::from_response(&resp(414, "null"), 0), ApiError::Rejected { .. }));
    }

    #[test]
    fn retry_after_is_seconds_and_bounded() {
        let mut r = resp(477, "");
        r.headers.push(("retry-after".into(), "2".into()));
        assert_eq!(retry_after_ms(&r), Some(2_000));
        r.headers[0].1 = "Wed, 21 Oct 2015 07:28:00 GMT".into();
        assert_eq!(retry_after_ms(&r), None);
        r.headers[0].1 = "999999".into();
        assert_eq!(retry_after_ms(&r), Some(3_600_000));
        for (text, ms) in [(" 1.5 ", Some(1_500)), ("0.0259", Some(25)), (".5", Some(500)), ("3.", Some(3_000))] {
            r.headers[0].1 = text.into();
            assert_eq!(retry_after_ms(&r), ms, "{text}");
        }
        for bad in ["", ".", "-1", "1.2.3", "1e3", "NaN", "inf", "99999999999999999999999"] {
            r.headers[0].1 = bad.into();
            let expected = if bad.starts_with('9') { Some(3_600_000) } else { None };
            assert_eq!(retry_after_ms(&r), expected, "{bad}");
        }
    }

    #[test]
    fn long_messages_are_clipped_on_a_char_boundary() {
        let long = "é".repeat(400);
        let body = serde_json::json!({"message": long}).to_string();
        let err = ApiError::from_response(&resp(409, &body), 0);
        let msg = err.info().and_then(|i| i.message.clone()).unwrap_or_default();
        assert!(msg.len() <= 304 && msg.ends_with('…'));
    }

    #[test]
    fn auth_and_transport_failures_read_well() {
        let e = ApiError::Transport { error: TransportError::Timeout, may_have_reached: true };
        assert_eq!(e.failure().code, "hubspot_timeout");
        assert!(e.failure().retryable);
        let e = ApiError::Auth { failure: AuthFailure::NeedsReconnect { reason: "revoked".into() } };
        assert_eq!(e.failure().code, "needs_reconnect");
        assert!(!e.failure().message.contains("revoked"));
    }
}
