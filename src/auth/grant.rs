//! Token-endpoint requests and answers: code exchange, refresh, introspection, revocation,
//! through the broker (CONTRACTS.md) or straight to HubSpot (direct mode), and the parsing
//! of HubSpot's token, introspection and error bodies into types. Layer: core (pure).
//! API-FACTS §1.3 (token), §1.5 (lifetimes), §1.6 (introspection), §1.7 (revoke),
//! §1.8 (errors).

use super::authorize::PendingSignIn;
use super::config::{AuthConfig, TokenMode, SCOPES};
pub use super::token_routes::Endpoint;
use crate::ids::{PortalId, UserId};
use crate::ports::{HttpRequest, HttpResponse, Method, TransportError};
use crate::secret::{AccessToken, AuthCode, RefreshToken};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

impl Endpoint {
    /// The full URL: the broker's `/v1/...` route, or HubSpot's date-versioned path (both
    /// named in `token_routes`, the file the broker shares).
    pub fn url(self, config: &AuthConfig) -> String {
        match &config.mode {
            TokenMode::Broker { url } => [url.trim_end_matches('/'), self.path()].concat(),
            TokenMode::Direct { .. } => [config.api_base.trim_end_matches('/'), &self.upstream_path()].concat(),
        }
    }
}

/// A form POST to `endpoint`; in direct mode the client credentials are added here and only
/// here, so the secret never reaches a request in broker mode.
fn form_request(config: &AuthConfig, endpoint: Endpoint, fields: &[(&str, &str)]) -> HttpRequest {
    let request = HttpRequest::new(Method::Post, endpoint.url(config));
    match &config.mode {
        TokenMode::Broker { .. } => request.form(fields),
        TokenMode::Direct { secret } => {
            let mut all = fields.to_vec();
            all.push(("client_id", config.client_id.as_str()));
            all.push(("client_secret", secret.expose()));
            request.form(&all)
        }
    }
}

/// Exchanges the authorization code (with the PKCE verifier and the same redirect URI).
pub fn exchange_request(config: &AuthConfig, code: &AuthCode, pending: &PendingSignIn) -> HttpRequest {
    form_request(
        config,
        Endpoint::Token,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", pending.redirect_uri.as_str()),
            ("code_verifier", pending.verifier.expose()),
        ],
    )
}

/// Trades the refresh token for a new access token.
pub fn refresh_request(config: &AuthConfig, refresh: &RefreshToken) -> HttpRequest {
    form_request(config, Endpoint::Token, &[("grant_type", "refresh_token"), ("refresh_token", refresh.expose())])
}

/// Asks who the access token belongs to (portal, user, hublet). The spec's field name
/// `token` is used; the guide's prose disagrees (API-FACTS §1.6, UNSURE).
pub fn introspect_request(config: &AuthConfig, access: &AccessToken) -> HttpRequest {
    form_request(config, Endpoint::Introspect, &[("token", access.expose()), ("token_type_hint", "access_token")])
}

/// Revokes the refresh token (issued access tokens stay valid until they expire, §1.5).
pub fn revoke_request(config: &AuthConfig, refresh: &RefreshToken) -> HttpRequest {
    form_request(config, Endpoint::Revoke, &[("token", refresh.expose()), ("token_type_hint", "refresh_token")])
}

/// What a successful code exchange or refresh gives. `Debug` never shows a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub access: AccessToken,
    /// HubSpot returns one on every grant; whether it rotates is UNSURE (§1.5), so a refresh
    /// that returns a different one replaces the stored one, and one without keeps it.
    pub refresh: Option<RefreshToken>,
    pub expires_at_ms: i64,
    /// `expires_in` in milliseconds: the refresh margin is a share of it.
    pub lifetime_ms: i64,
    pub hub_id: PortalId,
    pub user_id: Option<UserId>,
    /// `None` when HubSpot did not list them (older answers); then nothing can be checked.
    pub scopes: Option<Vec<String>>,
}

impl Grant {
    /// The required scopes HubSpot did not grant, by name.
    pub fn missing_scopes(&self) -> Vec<String> {
        self.scopes.as_deref().map(missing_scopes).unwrap_or_default()
    }
}

/// The required scopes (config `SCOPES`) absent from `granted`.
pub fn missing_scopes(granted: &[String]) -> Vec<String> {
    SCOPES.iter().filter(|wanted| !granted.iter().any(|g| g == *wanted)).map(|s| s.to_string()).collect()
}

/// Who an access token belongs to (§1.6). Holds no token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Introspection {
    pub hub_id: PortalId,
    /// A HubSpot *user* id; map it to an owner id before writing `hubspot_owner_id`.
    pub user_id: Option<UserId>,
    /// The user's email (`user`).
    pub user_email: Option<String>,
    pub hub_domain: Option<String>,
    pub scopes: Vec<String>,
    /// `signed_access_token.hublet`: `na1`, `eu1`, …
    pub hublet: Option<String>,
    pub expires_in_s: Option<i64>,
}

/// Why a token-endpoint call failed, sorted by what the caller should do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TokenError {
    /// HubSpot refused the grant itself (`invalid_grant`, `BAD_REFRESH_TOKEN`, an expired
    /// code, an inactive token): retrying cannot help; the rep must reconnect. The only error
    /// that removes tokens.
    Refused { code: String, description: Option<String>, http_status: u16 },
    /// The broker (`"source":"broker"`, CONTRACTS.md), or HubSpot about the app rather than the
    /// grant (`invalid_client`, …), refused the request: a setting for the admin to fix. The
    /// rep's grant may be fine, so tokens are kept.
    NotAccepted { code: String, description: Option<String>, http_status: u16 },
    /// Not reachable or overloaded (network, timeout, 408, 429, 5xx): try again later.
    Temporary { reason: String, retry_after_s: Option<u64> },
    /// An answer that is not what the endpoint promises (a captive portal, a proxy, a bug).
    Malformed { reason: String },
}

impl TokenError {
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Refused { .. } => "refused",
            TokenError::NotAccepted { .. } => "not_accepted",
            TokenError::Temporary { .. } => "temporary",
            TokenError::Malformed { .. } => "malformed",
        }
    }

    pub fn retryable(&self) -> bool {
        !matches!(self, TokenError::Refused { .. } | TokenError::NotAccepted { .. })
    }

    fn malformed(reason: &str) -> Self {
        TokenError::Malformed { reason: reason.to_string() }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Refused { code, description: Some(text), .. } => {
                write!(f, "HubSpot refused the sign-in ({code}): {text}")
            }
            TokenError::Refused { code, description: None, .. } => {
                write!(f, "HubSpot refused the sign-in ({code}).")
            }
            TokenError::NotAccepted { code, description, .. } => {
                write!(f, "Spotdial's sign-in service refused the request ({code})")?;
                if let Some(text) = description {
                    write!(f, ": {text}")?;
                }
                f.write_str(
                    ". Your HubSpot sign-in is kept; ask your admin to check Spotdial's broker and app settings.",
                )
            }
            TokenError::Temporary { reason, .. } => {
                write!(f, "HubSpot sign-in is not reachable right now ({reason}).")
            }
            TokenError::Malformed { reason } => {
                write!(f, "HubSpot's sign-in answer was not understood ({reason}).")
            }
        }
    }
}

/// A request that got no answer.
pub fn transport_error(error: &TransportError) -> TokenError {
    let reason = match error {
        TransportError::Network(detail) => format!("network: {detail}"),
        TransportError::Timeout => "timeout".to_string(),
    };
    TokenError::Temporary { reason, retry_after_s: None }
}

/// A non-2xx answer, sorted. HubSpot's error body (§1.8) is
/// `{error, error_description, status, message}`; the broker's is `{error, error_description}`.
pub fn failure(response: &HttpResponse) -> TokenError {
    let status = response.status;
    if status == 408 || status == 429 || status >= 500 {
        let retry_after_s = response.header("Retry-After").and_then(|v| v.trim().parse().ok());
        return TokenError::Temporary { reason: format!("HTTP {status}"), retry_after_s };
    }
    if !(400..500).contains(&status) {
        return TokenError::Malformed { reason: format!("unexpected HTTP {status}") };
    }
    let Some(body) = json_object(&response.body) else {
        // Not JSON: not an OAuth refusal we can be sure of (a proxy page, say).
        return TokenError::Malformed { reason: format!("HTTP {status} without an OAuth error body") };
    };
    let code = ["error", "status", "category"].iter().filter_map(|k| text_field(&body, k)).find(|c| c != "error");
    let Some(code) = code else {
        return TokenError::Malformed { reason: format!("HTTP {status} without an OAuth error code") };
    };
    let description = ["error_description", "message"]
        .iter()
        .filter_map(|k| text_field(&body, k))
        .find(|d| !d.is_empty())
        .map(|d| d.chars().take(300).collect());
    let from_broker = text_field(&body, "source").as_deref() == Some("broker");
    if from_broker || !GRANT_REFUSALS.contains(&code.as_str()) {
        return TokenError::NotAccepted { code, description, http_status: status };
    }
    TokenError::Refused { code, description, http_status: status }
}

/// The codes with which HubSpot refuses a grant (API-FACTS §1.8: RFC 6749's `invalid_grant`
/// and HubSpot's legacy `status` values). Anything else is about the app or the broker.
const GRANT_REFUSALS: [&str; 5] =
    ["invalid_grant", "BAD_REFRESH_TOKEN", "EXPIRED_AUTH_CODE", "BAD_AUTH_CODE", "inactive_token"];

/// Parses a code-exchange or refresh answer. `sent_at_ms` is when the request left: counting
/// `expires_in` from then errs on the early side by the request's round trip.
pub fn parse_token_response(response: &HttpResponse, sent_at_ms: i64) -> Result<Grant, TokenError> {
    if !response.is_success() {
        return Err(failure(response));
    }
    let body = json_object(&response.body).ok_or_else(|| TokenError::malformed("token answer is not a JSON object"))?;
    let access = text_field(&body, "access_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| TokenError::malformed("token answer has no access_token"))?;
    let refresh = match body.get("refresh_token") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if !t.is_empty() => Some(RefreshToken::new(t.clone())),
        Some(_) => return Err(TokenError::malformed("token answer has a bad refresh_token")),
    };
    // §1.5: trust `expires_in` (it was 6 h once, 30 min now); a year is the sanity bound.
    let expires_in = int_field(&body, "expires_in")
        .filter(|s| (1..=365 * 24 * 3600).contains(s))
        .ok_or_else(|| TokenError::malformed("token answer has no valid expires_in"))?;
    let lifetime_ms = expires_in * 1000;
    let hub_id = id_field(&body, "hub_id")?
        .map(PortalId::new)
        .ok_or_else(|| TokenError::malformed("token answer has no hub_id"))?;
    let user_id = id_field(&body, "user_id")?.map(UserId::new);
    let scopes = scopes_field(&body)?;
    Ok(Grant {
        access: AccessToken::new(access),
        refresh,
        expires_at_ms: sent_at_ms.saturating_add(lifetime_ms),
        lifetime_ms,
        hub_id,
        user_id,
        scopes,
    })
}

/// Parses an introspection answer; an inactive token is a refusal.
pub fn parse_introspection(response: &HttpResponse) -> Result<Introspection, TokenError> {
    if !response.is_success() {
        return Err(failure(response));
    }
    let body = json_object(&response.body)
        .ok_or_else(|| TokenError::malformed("introspection answer is not a JSON object"))?;
    if body.get("active") == Some(&Value::Bool(false)) {
        return Err(TokenError::Refused {
            code: "inactive_token".into(),
            description: None,
            http_status: response.status,
        });
    }
    let hub_id = id_field(&body, "hub_id")?
        .map(PortalId::new)
        .ok_or_else(|| TokenError::malformed("introspection answer has no hub_id"))?;
    let hublet =
        body.get("signed_access_token").and_then(Value::as_object).and_then(|signed| text_field(signed, "hublet"));
    Ok(Introspection {
        hub_id,
        user_id: id_field(&body, "user_id")?.map(UserId::new),
        user_email: text_field(&body, "user"),
        hub_domain: text_field(&body, "hub_domain"),
        scopes: scopes_field(&body)?.unwrap_or_default(),
        hublet,
        expires_in_s: int_field(&body, "expires_in"),
    })
}

/// A revocation answer: any 2xx is done.
pub fn parse_revoke_response(response: &HttpResponse) -> Result<(), TokenError> {
    if response.is_success() {
        Ok(())
    } else {
        Err(failure(response))
    }
}

fn json_object(body: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn text_field(body: &Map<String, Value>, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_string)
}

/// An integer, also when sent as a numeric string.
fn int_field(body: &Map<String, Value>, name: &str) -> Option<i64> {
    match body.get(name)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// HubSpot ids come as JSON numbers here (`"hub_id": 1234567`) but as strings elsewhere;
/// both become the digit string. Present but not an id is malformed.
fn id_field(body: &Map<String, Value>, name: &str) -> Result<Option<String>, TokenError> {
    let text = match body.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(|n| n.to_string()),
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => None,
    };
    match text {
        Some(t) if crate::ids::is_digits(&t) => Ok(Some(t)),
        _ => Err(TokenError::Malformed { reason: format!("{name} is not an id") }),
    }
}

/// `scopes` as an array (HubSpot) or `scope` as a space-separated string (RFC 6749).
fn scopes_field(body: &Map<String, Value>) -> Result<Option<Vec<String>>, TokenError> {
    match (body.get("scopes"), body.get("scope")) {
        (Some(Value::Array(items)), _) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| TokenError::malformed("scopes is not a list of strings")),
        (None | Some(Value::Null), Some(Value::String(s))) => {
            Ok(Some(s.split_whitespace().map(str::to_string).collect()))
        }
        (None | Some(Value::Null), None | Some(Value::Null)) => Ok(None),
        _ => Err(TokenError::malformed("scopes is not a list of strings")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{ClientSecret, CodeVerifier};

    const SECRET: &str = "client-secret-xyz";

    fn broker() -> AuthConfig {
        AuthConfig::broker("client-1", "https://broker.example/")
    }

    fn direct() -> AuthConfig {
        AuthConfig::direct("client-1", ClientSecret::new(SECRET))
    }

    fn pending() -> PendingSignIn {
        PendingSignIn {
            state: "st".into(),
            verifier: CodeVerifier::new("verifier-abc"),
            redirect_uri: "https://abc.chromiumapp.org/".into(),
            started_at_ms: 0,
        }
    }

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, headers: vec![], body: body.to_string() }
    }

    fn form_of(request: &HttpRequest) -> (&str, &str, &str) {
        (
            request.url.as_str(),
            request.header_value("content-type").unwrap_or(""),
            request.body.as_deref().unwrap_or(""),
        )
    }

    #[test]
    fn code_exchange_requests_are_exact_in_both_modes() {
        let code = AuthCode::new("na1-code");
        let req = exchange_request(&broker(), &code, &pending());
        assert_eq!(req.method, Method::Post);
        assert_eq!(
            form_of(&req),
            (
                "https://broker.example/v1/token",
                "application/x-www-form-urlencoded",
                "grant_type=authorization_code&code=na1-code\
                 &redirect_uri=https%3A%2F%2Fabc.chromiumapp.org%2F&code_verifier=verifier-abc"
            )
        );
        let req = exchange_request(&direct(), &code, &pending());
        assert_eq!(
            form_of(&req),
            (
                "https://api.hubapi.com/oauth/2026-03/token",
                "application/x-www-form-urlencoded",
                "grant_type=authorization_code&code=na1-code\
                 &redirect_uri=https%3A%2F%2Fabc.chromiumapp.org%2F&code_verifier=verifier-abc\
                 &client_id=client-1&client_secret=client-secret-xyz"
            )
        );
    }

    #[test]
    fn refresh_requests_are_exact_in_both_modes() {
        let refresh = RefreshToken::new("na1-refresh");
        assert_eq!(
            form_of(&refresh_request(&broker(), &refresh)),
            (
                "https://broker.example/v1/token",
                "application/x-www-form-urlencoded",
                "grant_type=refresh_token&refresh_token=na1-refresh"
            )
        );
        assert_eq!(
            form_of(&refresh_request(&direct(), &refresh)),
            (
                "https://api.hubapi.com/oauth/2026-03/token",
                "application/x-www-form-urlencoded",
                "grant_type=refresh_token&refresh_token=na1-refresh\
                 &client_id=client-1&client_secret=client-secret-xyz"
            )
        );
    }

    #[test]
    fn introspect_and_revoke_requests_are_exact_in_both_modes() {
        let access = AccessToken::new("at-1");
        let refresh = RefreshToken::new("rt-1");
        assert_eq!(
            form_of(&introspect_request(&broker(), &access)),
            (
                "https://broker.example/v1/introspect",
                "application/x-www-form-urlencoded",
                "token=at-1&token_type_hint=access_token"
            )
        );
        assert_eq!(
            form_of(&introspect_request(&direct(), &access)),
            (
                "https://api.hubapi.com/oauth/2026-03/token/introspect",
                "application/x-www-form-urlencoded",
                "token=at-1&token_type_hint=access_token&client_id=client-1&client_secret=client-secret-xyz"
            )
        );
        assert_eq!(
            form_of(&revoke_request(&broker(), &refresh)),
            (
                "https://broker.example/v1/revoke",
                "application/x-www-form-urlencoded",
                "token=rt-1&token_type_hint=refresh_token"
            )
        );
        let sandbox = direct().with_hosts("app.hubspot.com", "https://localhost:8443/");
        assert_eq!(
            form_of(&revoke_request(&sandbox, &refresh)),
            (
                "https://localhost:8443/oauth/2026-03/token/revoke",
                "application/x-www-form-urlencoded",
                "token=rt-1&token_type_hint=refresh_token&client_id=client-1&client_secret=client-secret-xyz"
            )
        );
    }

    #[test]
    fn the_secret_appears_only_in_direct_mode() {
        let all = |config: &AuthConfig| {
            [
                exchange_request(config, &AuthCode::new("c"), &pending()),
                refresh_request(config, &RefreshToken::new("r")),
                introspect_request(config, &AccessToken::new("a")),
                revoke_request(config, &RefreshToken::new("r")),
            ]
        };
        for req in all(&broker()) {
            let text = format!("{} {:?} {:?}", req.url, req.headers, req.body);
            assert!(!text.contains(SECRET) && !text.contains("client_secret"), "{text}");
        }
        for req in all(&direct()) {
            assert!(req.body.as_deref().unwrap_or("").ends_with("&client_secret=client-secret-xyz"));
            assert!(!req.url.contains(SECRET));
        }
    }

    #[test]
    fn token_answer_becomes_a_grant_counted_from_the_send_time() {
        let body = r#"{"token_type":"bearer","refresh_token":"na1-r","access_token":"at",
            "hub_id":1234567,"user_id":"293199","scopes":["oauth","crm.objects.contacts.read"],
            "expires_in":1800}"#;
        let grant = parse_token_response(&answer(200, body), 1_000).expect("valid answer");
        assert_eq!(grant.access, AccessToken::new("at"));
        assert_eq!(grant.refresh, Some(RefreshToken::new("na1-r")));
        assert_eq!(grant.expires_at_ms, 1_000 + 1_800_000);
        assert_eq!(grant.lifetime_ms, 1_800_000);
        assert_eq!(grant.hub_id, PortalId::new("1234567"));
        assert_eq!(grant.user_id, Some(UserId::new("293199")));
        assert_eq!(
            grant.missing_scopes(),
            vec!["crm.objects.contacts.write", "crm.objects.owners.read", "crm.lists.read"]
        );
    }

    #[test]
    fn scopes_are_compared_with_the_required_ones() {
        let all: Vec<String> = SCOPES.iter().map(|s| s.to_string()).collect();
        assert!(missing_scopes(&all).is_empty());
        let body = r#"{"access_token":"a","expires_in":60,"hub_id":"1","scope":"oauth crm.lists.read"}"#;
        let grant = parse_token_response(&answer(200, body), 0).expect("valid answer");
        assert_eq!(grant.missing_scopes().len(), 3);
        assert_eq!(grant.refresh, None);
        let unlisted = parse_token_response(&answer(200, r#"{"access_token":"a","expires_in":60,"hub_id":1}"#), 0);
        assert_eq!(unlisted.map(|g| g.missing_scopes()), Ok(vec![]));
    }

    #[test]
    fn bad_token_answers_are_malformed_never_a_panic() {
        for body in [
            "<html>captive portal</html>",
            "[]",
            r#"{"expires_in":1800,"hub_id":1}"#,
            r#"{"access_token":"","expires_in":1800,"hub_id":1}"#,
            r#"{"access_token":"a","hub_id":1}"#,
            r#"{"access_token":"a","expires_in":0,"hub_id":1}"#,
            r#"{"access_token":"a","expires_in":-5,"hub_id":1}"#,
            r#"{"access_token":"a","expires_in":"soon","hub_id":1}"#,
            r#"{"access_token":"a","expires_in":1e30,"hub_id":1}"#,
            r#"{"access_token":"a","expires_in":60}"#,
            r#"{"access_token":"a","expires_in":60,"hub_id":"12ab"}"#,
            r#"{"access_token":"a","expires_in":60,"hub_id":1,"refresh_token":7}"#,
            r#"{"access_token":"a","expires_in":60,"hub_id":1,"scopes":[1]}"#,
        ] {
            let result = parse_token_response(&answer(200, body), 0);
            assert!(matches!(result, Err(TokenError::Malformed { .. })), "{body}: {result:?}");
        }
    }

    #[test]
    fn refusals_mean_reconnect() {
        let body = r#"{"error":"invalid_grant","error_description":"refresh token is invalid, expired or revoked",
            "status":"BAD_REFRESH_TOKEN","message":"refresh token is invalid, expired or revoked"}"#;
        assert_eq!(
            parse_token_response(&answer(400, body), 0),
            Err(TokenError::Refused {
                code: "invalid_grant".into(),
                description: Some("refresh token is invalid, expired or revoked".into()),
                http_status: 400
            })
        );
        let legacy = r#"{"status":"BAD_REFRESH_TOKEN","message":"missing or invalid refresh token"}"#;
        assert!(matches!(
            parse_token_response(&answer(400, legacy), 0),
            Err(TokenError::Refused { code, .. }) if code == "BAD_REFRESH_TOKEN"
        ));
    }

    #[test]
    fn a_refusal_of_the_broker_or_of_the_app_is_not_a_refusal_of_the_grant() {
        let broker = [
            (
                403,
                r#"{"error":"origin_not_allowed","error_description":"this extension is not allowed","source":"broker"}"#,
            ),
            (400, r#"{"error":"invalid_request","error_description":"code_verifier is required","source":"broker"}"#),
            // Even a broker that claims `invalid_grant` in its own voice is not HubSpot.
            (400, r#"{"error":"invalid_grant","source":"broker"}"#),
            // An older broker without `source`: its codes are not grant refusals either.
            (403, r#"{"error":"origin_not_allowed","error_description":"not allowed"}"#),
            (401, r#"{"error":"invalid_client"}"#),
        ];
        for (status, body) in broker {
            let err = parse_token_response(&answer(status, body), 0).expect_err("refused");
            assert!(matches!(err, TokenError::NotAccepted { .. }), "{body}: {err:?}");
            assert!(!err.retryable());
            assert!(err.to_string().contains("Your HubSpot sign-in is kept; ask your admin"), "{err}");
        }
    }

    #[test]
    fn overload_and_outages_are_temporary() {
        let mut limited = answer(429, r#"{"error":"rate_limited"}"#);
        limited.headers.push(("retry-after".into(), "7".into()));
        assert_eq!(
            parse_token_response(&limited, 0),
            Err(TokenError::Temporary { reason: "HTTP 429".into(), retry_after_s: Some(7) })
        );
        for status in [500, 502, 503, 504, 408] {
            let err = parse_token_response(&answer(status, "bad gateway"), 0).expect_err("fails");
            assert!(matches!(err, TokenError::Temporary { .. }) && err.retryable(), "{status}");
        }
        assert!(matches!(transport_error(&TransportError::Timeout), TokenError::Temporary { .. }));
        assert!(matches!(
            transport_error(&TransportError::Network("offline".into())),
            TokenError::Temporary { reason, .. } if reason == "network: offline"
        ));
        // A 4xx whose body is not an OAuth error is not trusted as a refusal.
        assert!(matches!(failure(&answer(403, "<html>proxy</html>")), TokenError::Malformed { .. }));
        assert!(matches!(failure(&answer(302, "")), TokenError::Malformed { .. }));
    }

    #[test]
    fn introspection_answer_is_parsed() {
        let body = r#"{"active":true,"token":"at-1","hub_id":1234567,"user_id":293199,
            "client_id":"c","app_id":111,"user":"rep@example.com","hub_domain":"example.com",
            "scopes":["oauth"],"signed_access_token":{"hublet":"eu1","isUserLevel":false},
            "expires_in":1754,"token_use":"access_token","token_type":"Bearer"}"#;
        let info = parse_introspection(&answer(200, body)).expect("valid answer");
        assert_eq!(
            info,
            Introspection {
                hub_id: PortalId::new("1234567"),
                user_id: Some(UserId::new("293199")),
                user_email: Some("rep@example.com".into()),
                hub_domain: Some("example.com".into()),
                scopes: vec!["oauth".into()],
                hublet: Some("eu1".into()),
                expires_in_s: Some(1754),
            }
        );
        assert!(!format!("{info:?}").contains("at-1"));
        assert!(matches!(
            parse_introspection(&answer(200, r#"{"active":false}"#)),
            Err(TokenError::Refused { code, .. }) if code == "inactive_token"
        ));
        assert!(matches!(parse_introspection(&answer(200, "{}")), Err(TokenError::Malformed { .. })));
    }

    #[test]
    fn revoke_answers() {
        assert_eq!(parse_revoke_response(&answer(204, "")), Ok(()));
        assert!(matches!(parse_revoke_response(&answer(503, "")), Err(TokenError::Temporary { .. })));
    }
}
