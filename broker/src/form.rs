//! What the extension may send on each broker route, parsed into a typed call, and the form
//! HubSpot receives for it. Layer: broker (pure, unit-tested). Only the fields named in
//! docs/CONTRACTS.md are read and forwarded; anything else (including a client_id or
//! client_secret sent by the caller) is dropped, and the broker's own credentials are added.

use crate::config::{ClientSecret, ExtensionId};
use crate::policy::{redirect_allowed, Refusal};
use std::collections::HashMap;
use std::fmt;

// `Endpoint` and `OAUTH_API_VERSION`: the broker's routes and HubSpot's OAuth paths, from the
// one file the extension compiles too, so the two sides cannot name them differently.
include!("../../src/auth/token_routes.rs");

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TokenHint {
    AccessToken,
    RefreshToken,
}

impl TokenHint {
    fn as_str(self) -> &'static str {
        match self {
            TokenHint::AccessToken => "access_token",
            TokenHint::RefreshToken => "refresh_token",
        }
    }
}

/// One call to forward. Every `String` here is secret material (a code, verifier or token),
/// hence the hand-written `Debug` that names only the kind.
#[derive(Clone, PartialEq, Eq)]
pub enum Call {
    ExchangeCode { code: String, redirect_uri: String, code_verifier: String },
    Refresh { refresh_token: String },
    Introspect { token: String, hint: Option<TokenHint> },
    Revoke { token: String, hint: Option<TokenHint> },
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Call::ExchangeCode { .. } => "Call::ExchangeCode(<redacted>)",
            Call::Refresh { .. } => "Call::Refresh(<redacted>)",
            Call::Introspect { .. } => "Call::Introspect(<redacted>)",
            Call::Revoke { .. } => "Call::Revoke(<redacted>)",
        })
    }
}

/// Whether a `Content-Type` header value names a URL-encoded form (parameters allowed).
pub fn is_form_content_type(value: &str) -> bool {
    value.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// RFC 7636 §4.1: `code_verifier = 43*128unreserved`, unreserved = ALPHA / DIGIT / "-" / "." /
/// "_" / "~".
pub fn is_pkce_verifier(value: &str) -> bool {
    (43..=128).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

impl Call {
    /// Parses a form body sent by extension `extension` to `endpoint`.
    pub fn parse(endpoint: Endpoint, body: &[u8], extension: &ExtensionId) -> Result<Call, Refusal> {
        let fields = Fields::parse(body)?;
        match endpoint {
            Endpoint::Token => match fields.get("grant_type") {
                None => Err(Refusal::bad_request("missing field \"grant_type\"")),
                Some("authorization_code") => {
                    let redirect_uri = fields.require("redirect_uri")?;
                    if !redirect_allowed(redirect_uri, extension) {
                        return Err(Refusal::new(
                            403,
                            "redirect_uri_not_allowed",
                            "redirect_uri must be this extension's https://<id>.chromiumapp.org/ address",
                        ));
                    }
                    let code = fields.require("code")?;
                    // Required, in RFC 7636 form: without it a code that leaked (a log, a
                    // referrer) could be exchanged here by anyone who can forge an Origin.
                    let code_verifier = fields.require("code_verifier")?;
                    if !is_pkce_verifier(code_verifier) {
                        return Err(Refusal::bad_request(
                            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)",
                        ));
                    }
                    Ok(Call::ExchangeCode {
                        code: code.to_owned(),
                        redirect_uri: redirect_uri.to_owned(),
                        code_verifier: code_verifier.to_owned(),
                    })
                }
                Some("refresh_token") => {
                    Ok(Call::Refresh { refresh_token: fields.require("refresh_token")?.to_owned() })
                }
                Some(_) => Err(Refusal::new(
                    400,
                    "unsupported_grant_type",
                    "grant_type must be authorization_code or refresh_token",
                )),
            },
            Endpoint::Introspect | Endpoint::Revoke => {
                let token = fields.require("token")?.to_owned();
                let hint = match fields.get("token_type_hint") {
                    None => None,
                    Some("access_token") => Some(TokenHint::AccessToken),
                    Some("refresh_token") => Some(TokenHint::RefreshToken),
                    Some(_) => {
                        return Err(Refusal::bad_request("token_type_hint must be access_token or refresh_token"))
                    }
                };
                Ok(if endpoint == Endpoint::Introspect {
                    Call::Introspect { token, hint }
                } else {
                    Call::Revoke { token, hint }
                })
            }
        }
    }

    pub fn endpoint(&self) -> Endpoint {
        match self {
            Call::ExchangeCode { .. } | Call::Refresh { .. } => Endpoint::Token,
            Call::Introspect { .. } => Endpoint::Introspect,
            Call::Revoke { .. } => Endpoint::Revoke,
        }
    }

    /// The URL-encoded body for HubSpot, with the broker's client credentials added.
    pub fn upstream_form(&self, client_id: &str, client_secret: &ClientSecret) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        match self {
            Call::ExchangeCode { code, redirect_uri, code_verifier } => {
                form.append_pair("grant_type", "authorization_code");
                form.append_pair("code", code);
                form.append_pair("redirect_uri", redirect_uri);
                form.append_pair("code_verifier", code_verifier);
            }
            Call::Refresh { refresh_token } => {
                form.append_pair("grant_type", "refresh_token");
                form.append_pair("refresh_token", refresh_token);
            }
            Call::Introspect { token, hint } | Call::Revoke { token, hint } => {
                form.append_pair("token", token);
                if let Some(hint) = hint {
                    form.append_pair("token_type_hint", hint.as_str());
                }
            }
        }
        form.append_pair("client_id", client_id);
        form.append_pair("client_secret", client_secret.expose());
        form.finish()
    }
}

/// Form fields, each given at most once; empty values count as absent.
struct Fields(HashMap<String, String>);

impl Fields {
    fn parse(body: &[u8]) -> Result<Fields, Refusal> {
        if std::str::from_utf8(body).is_err() {
            return Err(Refusal::bad_request("the body is not a URL-encoded form"));
        }
        let mut fields = HashMap::new();
        for (name, value) in form_urlencoded::parse(body) {
            if fields.insert(name.to_string(), value.into_owned()).is_some() {
                return Err(Refusal::bad_request(format!("field {name:?} is given more than once")));
            }
        }
        Ok(Fields(fields))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn require(&self, name: &str) -> Result<&str, Refusal> {
        self.get(name).ok_or_else(|| Refusal::bad_request(format!("missing field {name:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "abcdefghijklmnopabcdefghijklmnop";

    fn id() -> ExtensionId {
        ExtensionId::parse(ID).unwrap()
    }

    fn parse(endpoint: Endpoint, body: &str) -> Result<Call, Refusal> {
        Call::parse(endpoint, body.as_bytes(), &id())
    }

    fn decoded(form: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(form.as_bytes()).into_owned().collect()
    }

    fn secret() -> ClientSecret {
        ClientSecret::new("s3cret&=+")
    }

    #[test]
    fn code_exchange_is_forwarded_with_the_client_credentials() {
        let body = format!(
            "grant_type=authorization_code&code=na1-abc&redirect_uri=https%3A%2F%2F{ID}.chromiumapp.org%2F&code_verifier=v-1.abcdefghijklmnopqrstuvwxyz~ABCDEFGHIJKLMN_&client_secret=forged"
        );
        let call = parse(Endpoint::Token, &body).unwrap();
        assert_eq!(call.endpoint().upstream_path(), "/oauth/2026-03/token");
        let sent = decoded(&call.upstream_form("client-1", &secret()));
        let expected: Vec<(String, String)> = [
            ("grant_type", "authorization_code"),
            ("code", "na1-abc"),
            ("redirect_uri", &format!("https://{ID}.chromiumapp.org/")),
            ("code_verifier", "v-1.abcdefghijklmnopqrstuvwxyz~ABCDEFGHIJKLMN_"),
            ("client_id", "client-1"),
            ("client_secret", "s3cret&=+"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(sent, expected);
    }

    #[test]
    fn code_verifier_is_required_in_rfc_7636_form() {
        let redirect = format!("https%3A%2F%2F{ID}.chromiumapp.org%2F");
        let with = |verifier: &str| {
            parse(Endpoint::Token, &format!("grant_type=authorization_code&code=c&redirect_uri={redirect}{verifier}"))
        };
        let ok = "a".repeat(43);
        assert!(with(&format!("&code_verifier={ok}")).is_ok());
        assert!(with(&format!("&code_verifier={}", "Az09-._~".repeat(16))).is_ok());
        for bad in [
            String::new(),
            "&code_verifier=".to_owned(),
            format!("&code_verifier={}", "a".repeat(42)),
            format!("&code_verifier={}", "a".repeat(129)),
            format!("&code_verifier={}%2B", "a".repeat(43)),
            format!("&code_verifier={}%20", "a".repeat(43)),
        ] {
            let refusal = with(&bad).unwrap_err();
            assert_eq!((refusal.status, refusal.code), (400, "invalid_request"), "{bad}");
        }
    }

    #[test]
    fn refresh_is_forwarded() {
        let call = parse(Endpoint::Token, "grant_type=refresh_token&refresh_token=na1-r&scope=x").unwrap();
        let sent = decoded(&call.upstream_form("client-1", &secret()));
        let names: Vec<&str> = sent.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["grant_type", "refresh_token", "client_id", "client_secret"]);
        assert_eq!(sent[1].1, "na1-r");
    }

    #[test]
    fn introspect_and_revoke_forward_token_and_hint() {
        let call = parse(Endpoint::Introspect, "token=t1&token_type_hint=access_token").unwrap();
        assert_eq!(call.endpoint().upstream_path(), "/oauth/2026-03/token/introspect");
        let sent = decoded(&call.upstream_form("c", &secret()));
        assert_eq!(sent[0], ("token".into(), "t1".into()));
        assert_eq!(sent[1], ("token_type_hint".into(), "access_token".into()));

        let call = parse(Endpoint::Revoke, "token=r1").unwrap();
        assert_eq!(call.endpoint().upstream_path(), "/oauth/2026-03/token/revoke");
        let names: Vec<String> = decoded(&call.upstream_form("c", &secret())).into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["token", "client_id", "client_secret"]);
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        let redirect = format!("https://{ID}.chromiumapp.org/");
        let cases: Vec<(Endpoint, String, u16, &str, &str)> = vec![
            (Endpoint::Token, String::new(), 400, "invalid_request", "grant_type"),
            (Endpoint::Token, "grant_type=client_credentials".into(), 400, "unsupported_grant_type", "grant_type"),
            (Endpoint::Token, "grant_type=password&username=a".into(), 400, "unsupported_grant_type", ""),
            (
                Endpoint::Token,
                format!("grant_type=authorization_code&redirect_uri={redirect}"),
                400,
                "invalid_request",
                "\"code\"",
            ),
            (
                Endpoint::Token,
                "grant_type=authorization_code&code=c".into(),
                400,
                "invalid_request",
                "\"redirect_uri\"",
            ),
            (
                Endpoint::Token,
                "grant_type=authorization_code&code=c&redirect_uri=https://evil.example/".into(),
                403,
                "redirect_uri_not_allowed",
                "",
            ),
            (Endpoint::Token, "grant_type=refresh_token".into(), 400, "invalid_request", "\"refresh_token\""),
            (
                Endpoint::Token,
                "grant_type=refresh_token&refresh_token=".into(),
                400,
                "invalid_request",
                "\"refresh_token\"",
            ),
            (
                Endpoint::Token,
                "grant_type=refresh_token&refresh_token=a&refresh_token=b".into(),
                400,
                "invalid_request",
                "more than once",
            ),
            (Endpoint::Introspect, "token_type_hint=access_token".into(), 400, "invalid_request", "\"token\""),
            (Endpoint::Revoke, "token=t&token_type_hint=id_token".into(), 400, "invalid_request", "token_type_hint"),
        ];
        for (endpoint, body, status, code, words) in cases {
            let refusal = parse(endpoint, &body).unwrap_err();
            assert_eq!((refusal.status, refusal.code), (status, code), "{body}");
            assert!(refusal.description.contains(words), "{body}: {}", refusal.description);
        }
        let refusal = Call::parse(Endpoint::Revoke, b"token=\xff", &id()).unwrap_err();
        assert_eq!(refusal.status, 400);
    }

    #[test]
    fn refusals_never_echo_a_value() {
        let refusal = parse(Endpoint::Token, "grant_type=na1-secret-grant").unwrap_err();
        assert!(!refusal.description.contains("na1-secret"));
        let refusal = parse(Endpoint::Revoke, "token=na1-secret&token_type_hint=na1-hint").unwrap_err();
        assert!(!refusal.description.contains("na1-"));
    }

    #[test]
    fn debug_output_hides_tokens() {
        let call = parse(Endpoint::Token, "grant_type=refresh_token&refresh_token=na1-r").unwrap();
        assert_eq!(format!("{call:?}"), "Call::Refresh(<redacted>)");
    }

    #[test]
    fn content_type_must_be_a_form() {
        assert!(is_form_content_type("application/x-www-form-urlencoded"));
        assert!(is_form_content_type("application/x-www-form-urlencoded;charset=UTF-8"));
        assert!(is_form_content_type("Application/X-WWW-Form-Urlencoded ; charset=utf-8"));
        assert!(!is_form_content_type("application/json"));
        assert!(!is_form_content_type("multipart/form-data; boundary=x"));
        assert!(!is_form_content_type(""));
    }

    #[test]
    fn routes_map_to_hubspot_paths() {
        for endpoint in [Endpoint::Token, Endpoint::Introspect, Endpoint::Revoke] {
            assert_eq!(Endpoint::from_path(endpoint.path()), Some(endpoint));
        }
        assert_eq!(Endpoint::from_path("/v1/token/"), None);
        assert_eq!(Endpoint::from_path("/oauth/2026-03/token"), None);
    }

    /// The shared `token_routes.rs` keeps the code of both sides in step; this keeps it in
    /// step with the contract both were built from: each route's row in docs/CONTRACTS.md
    /// names the broker route and the HubSpot path the broker forwards to.
    #[test]
    fn routes_are_the_ones_the_contract_names() {
        const CONTRACT: &str = include_str!("../../docs/CONTRACTS.md");
        for endpoint in Endpoint::ALL {
            let route = format!("| `POST {}` |", endpoint.path());
            let rows: Vec<&str> = CONTRACT.lines().filter(|line| line.starts_with(&route)).collect();
            assert!(!rows.is_empty(), "docs/CONTRACTS.md has no row for {route}");
            let upstream = format!("| `POST {}` +", endpoint.upstream_path());
            for row in rows {
                assert!(
                    row.contains(&upstream),
                    "docs/CONTRACTS.md forwards {} elsewhere than {}: {row}",
                    endpoint.path(),
                    endpoint.upstream_path()
                );
            }
        }
        assert!(
            CONTRACT.contains(&format!("/oauth/{OAUTH_API_VERSION}/token")),
            "the contract names another OAuth version than {OAUTH_API_VERSION}"
        );
    }
}
