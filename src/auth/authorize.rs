//! The authorize step: builds HubSpot's consent URL (state + PKCE S256) and checks the
//! redirect `chrome.identity.launchWebAuthFlow` hands back (origin, CSRF state, errors, expiry).
//! Layer: core (pure). API-FACTS §1.2; DESIGN §2 and §5.

use super::config::{scope_param, AuthConfig};
use super::pkce::{base64url, challenge_s256, CHALLENGE_METHOD};
use crate::ports::{form_encode, parse_query};
use crate::secret::{AuthCode, CodeVerifier};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How long a sign-in may wait for the rep at HubSpot's consent page.
pub const PENDING_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// A sign-in that was started and waits for its redirect. Stored in `chrome.storage.session`
/// so that it survives the service worker being stopped while the consent window is open.
/// Its `Debug` hides both the state and the verifier.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct PendingSignIn {
    pub state: String,
    pub verifier: CodeVerifier,
    pub redirect_uri: String,
    pub started_at_ms: i64,
}

impl crate::json_write::ToJson for PendingSignIn {
    fn to_json(&self) -> serde_json::Value {
        crate::json_write::Obj::new()
            .put("state", &self.state)
            .put("verifier", self.verifier.expose())
            .put("redirect_uri", &self.redirect_uri)
            .put("started_at_ms", &self.started_at_ms)
            .done()
    }
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("state", &"<redacted>")
            .field("verifier", &self.verifier)
            .field("redirect_uri", &self.redirect_uri)
            .field("started_at_ms", &self.started_at_ms)
            .finish()
    }
}

impl PendingSignIn {
    /// The pending sign-in a stored value holds (serde's derive reads it in tests, the reference).
    pub fn read(value: &serde_json::Value) -> Result<Self, String> {
        let f = crate::json_read::Fields::of("the pending sign-in", value)?;
        Ok(PendingSignIn {
            state: f.must("state", crate::json_read::Fields::text)?,
            verifier: CodeVerifier::new(f.must("verifier", crate::json_read::Fields::text)?),
            redirect_uri: f.must("redirect_uri", crate::json_read::Fields::text)?,
            started_at_ms: f.must("started_at_ms", crate::json_read::Fields::int)?,
        })
    }

    pub fn is_expired(&self, now_ms: i64) -> bool {
        now_ms.saturating_sub(self.started_at_ms) > PENDING_LIFETIME_MS
    }
}

/// Why a sign-in could not start or its redirect was not accepted. No variant carries the
/// code, the state or the verifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignInError {
    /// The redirect URI is not `https://<extension id>.chromiumapp.org/…`.
    InvalidRedirectUri,
    /// The admin-pinned portal is not a portal id (digits).
    InvalidPinnedPortal,
    /// The redirect landed somewhere else than the extension's own redirect URL.
    WrongOrigin { expected: String, got: String },
    /// The rep declined at HubSpot's consent page (`error=access_denied`) or closed it.
    Cancelled,
    /// HubSpot answered with another OAuth error.
    Refused { error: String, description: Option<String> },
    /// `state` did not come back as sent: a possible cross-site request forgery.
    StateMismatch,
    /// The sign-in waited longer than `PENDING_LIFETIME_MS`.
    Expired,
    /// Neither a code nor an error came back.
    MissingCode,
}

impl SignInError {
    /// A stable code for the UI and logs.
    pub fn code(&self) -> &'static str {
        match self {
            SignInError::InvalidRedirectUri => "invalid_redirect_uri",
            SignInError::InvalidPinnedPortal => "invalid_pinned_portal",
            SignInError::WrongOrigin { .. } => "wrong_origin",
            SignInError::Cancelled => "cancelled",
            SignInError::Refused { .. } => "refused",
            SignInError::StateMismatch => "state_mismatch",
            SignInError::Expired => "expired",
            SignInError::MissingCode => "missing_code",
        }
    }
}

impl fmt::Display for SignInError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignInError::InvalidRedirectUri => f.write_str("The extension's sign-in address is not valid."),
            SignInError::InvalidPinnedPortal => {
                f.write_str("The HubSpot account set by your admin is not a valid account id.")
            }
            SignInError::WrongOrigin { .. } => {
                f.write_str("HubSpot sent the sign-in back to an unexpected address. Please try again.")
            }
            SignInError::Cancelled => f.write_str("Sign-in was cancelled."),
            SignInError::Refused { error, description } => match description {
                Some(text) => write!(f, "HubSpot refused the sign-in ({error}): {text}"),
                None => write!(f, "HubSpot refused the sign-in ({error})."),
            },
            SignInError::StateMismatch => {
                f.write_str("The sign-in answer did not match this sign-in. Please try again.")
            }
            SignInError::Expired => f.write_str("The sign-in took too long. Please try again."),
            SignInError::MissingCode => f.write_str("HubSpot did not complete the sign-in. Please try again."),
        }
    }
}

/// Starts a sign-in: the consent URL to open with `launchWebAuthFlow`, and what to keep
/// until the redirect comes back. `random` must come from a CSPRNG: its first half makes
/// the PKCE verifier (43 characters, 256 bits), its second half the `state`.
pub fn begin(
    config: &AuthConfig,
    redirect_uri: &str,
    random: &[u8; 64],
    now_ms: i64,
) -> Result<(String, PendingSignIn), SignInError> {
    split_redirect_uri(redirect_uri).ok_or(SignInError::InvalidRedirectUri)?;
    let (verifier_bytes, state_bytes) = random.split_at(32);
    // 32 bytes give a 43-character verifier, PKCE's minimum, at 256 bits of entropy.
    let verifier = CodeVerifier::new(base64url(verifier_bytes));
    let state = base64url(state_bytes);
    let path = match &config.pinned_portal {
        Some(portal) if portal.is_numeric() => format!("/oauth/{}/authorize", portal.as_str()),
        Some(_) => return Err(SignInError::InvalidPinnedPortal),
        None => "/oauth/authorize".to_string(),
    };
    let challenge = challenge_s256(&verifier);
    let scope = scope_param();
    let query = form_encode(&[
        ("client_id", config.client_id.as_str()),
        ("scope", scope.as_str()),
        ("redirect_uri", redirect_uri),
        ("state", state.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", CHALLENGE_METHOD),
    ]);
    let url = format!("https://{}{}?{}", config.app_host, path, query);
    let pending = PendingSignIn { state, verifier, redirect_uri: redirect_uri.to_string(), started_at_ms: now_ms };
    Ok((url, pending))
}

/// Checks the URL `launchWebAuthFlow` resolved with and takes the authorization code out.
/// Order: where it landed, HubSpot's own error, the CSRF state, the age, the code.
pub fn finish(returned_url: &str, pending: &PendingSignIn, now_ms: i64) -> Result<AuthCode, SignInError> {
    let (expected_origin, expected_path) =
        split_redirect_uri(&pending.redirect_uri).ok_or(SignInError::InvalidRedirectUri)?;
    let wrong_origin = |got: String| SignInError::WrongOrigin { expected: expected_origin.clone(), got };
    let parts = split_https_url(returned_url).ok_or_else(|| wrong_origin("<not an https URL>".into()))?;
    if parts.origin != expected_origin || normal_path(parts.path) != expected_path {
        return Err(wrong_origin(parts.origin));
    }
    let params = parse_query(parts.query);
    let one = |name: &str| -> Result<Option<String>, ()> {
        let mut values = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone());
        let first = values.next();
        // A repeated parameter is ambiguous; ambiguity in a security check is a failure.
        if values.next().is_some() {
            return Err(());
        }
        Ok(first)
    };
    if let Some(error) = one("error").map_err(|_| SignInError::MissingCode)? {
        if error == "access_denied" {
            return Err(SignInError::Cancelled);
        }
        let description = one("error_description").ok().flatten().filter(|d| !d.is_empty());
        return Err(SignInError::Refused { error, description });
    }
    match one("state") {
        Ok(Some(state)) if constant_time_eq(state.as_bytes(), pending.state.as_bytes()) => {}
        _ => return Err(SignInError::StateMismatch),
    }
    if pending.is_expired(now_ms) {
        return Err(SignInError::Expired);
    }
    match one("code") {
        Ok(Some(code)) if !code.is_empty() => Ok(AuthCode::new(code)),
        _ => Err(SignInError::MissingCode),
    }
}

struct UrlParts<'u> {
    /// `https://host`, host lower-cased.
    origin: String,
    path: &'u str,
    query: &'u str,
}

/// Splits an `https://` URL without user info or port; anything else is `None`.
fn split_https_url(url: &str) -> Option<UrlParts<'_>> {
    let url = url.trim();
    let scheme = url.get(..8)?;
    if !scheme.eq_ignore_ascii_case("https://") {
        return None;
    }
    let rest = url.get(8..)?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    // `https://id.chromiumapp.org@evil.example/` must not pass for the extension's origin.
    if authority.is_empty() || authority.contains(['@', ':', '\\']) {
        return None;
    }
    let before_fragment = after.split('#').next().unwrap_or("");
    let (path, query) = before_fragment.split_once('?').unwrap_or((before_fragment, ""));
    Some(UrlParts { origin: format!("https://{}", authority.to_ascii_lowercase()), path, query })
}

fn normal_path(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

/// The origin and path of a valid extension redirect URI: `https://<id>.chromiumapp.org/…`,
/// no query, no fragment.
fn split_redirect_uri(uri: &str) -> Option<(String, String)> {
    if uri.contains(['?', '#']) {
        return None;
    }
    let parts = split_https_url(uri)?;
    let host = parts.origin.strip_prefix("https://")?;
    let id = host.strip_suffix(".chromiumapp.org")?;
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
        return None;
    }
    Some((parts.origin.clone(), normal_path(parts.path).to_string()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::pkce::verifier_from_random;
    use crate::ids::PortalId;
    use crate::secret::ClientSecret;

    const REDIRECT: &str = "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/";
    const T0: i64 = 1_800_000_000_000;

    fn random() -> [u8; 64] {
        let mut bytes = [0u8; 64];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = i as u8;
        }
        bytes
    }

    fn started() -> PendingSignIn {
        begin(&AuthConfig::broker("client-1", "https://broker.example"), REDIRECT, &random(), T0)
            .expect("valid input")
            .1
    }

    fn redirect_with(query: &str) -> String {
        format!("{REDIRECT}?{query}")
    }

    #[test]
    fn authorize_url_is_exact() {
        let config = AuthConfig::broker("client-1", "https://broker.example");
        let (url, pending) = begin(&config, REDIRECT, &random(), T0).expect("valid input");
        let verifier = verifier_from_random(&random()[..32]).expect("32 bytes");
        let state = base64url(&random()[32..]);
        assert_eq!(pending.verifier, verifier);
        assert_eq!(pending.state, state);
        assert_eq!(
            url,
            format!(
                "https://app.hubspot.com/oauth/authorize?client_id=client-1\
                 &scope=oauth%20crm.objects.contacts.read%20crm.objects.contacts.write\
                 %20crm.objects.owners.read%20crm.lists.read\
                 &redirect_uri=https%3A%2F%2Fabcdefghijklmnopabcdefghijklmnop.chromiumapp.org%2F\
                 &state={state}&code_challenge={}&code_challenge_method=S256",
                challenge_s256(&verifier)
            )
        );
        assert_eq!(pending.redirect_uri, REDIRECT);
        assert_eq!(pending.started_at_ms, T0);
        assert_ne!(pending.state, pending.verifier.expose(), "state and verifier use different bytes");
    }

    #[test]
    fn pinned_portal_goes_into_the_path() {
        let config = AuthConfig::direct("c", ClientSecret::new("s")).with_pinned_portal(PortalId::new("123456"));
        let (url, _) = begin(&config, REDIRECT, &random(), T0).expect("valid input");
        assert!(url.starts_with("https://app.hubspot.com/oauth/123456/authorize?client_id=c&"), "{url}");
        let bad = config.with_pinned_portal(PortalId::new("12/../evil"));
        assert_eq!(begin(&bad, REDIRECT, &random(), T0).map(|_| ()), Err(SignInError::InvalidPinnedPortal));
    }

    #[test]
    fn only_chromiumapp_redirect_uris_are_accepted() {
        let config = AuthConfig::broker("c", "https://b.example");
        for bad in [
            "http://abc.chromiumapp.org/",
            "https://chromiumapp.org/",
            "https://abc.chromiumapp.org.evil.example/",
            "https://abc.chromiumapp.org:444/",
            "https://x@abc.chromiumapp.org/",
            "https://abc.chromiumapp.org/?x=1",
            "chrome-extension://abc/",
        ] {
            assert_eq!(begin(&config, bad, &random(), T0).map(|_| ()), Err(SignInError::InvalidRedirectUri), "{bad}");
        }
        assert!(begin(&config, "https://abc.chromiumapp.org/cb", &random(), T0).is_ok());
        assert!(begin(&config, "https://abc.chromiumapp.org", &random(), T0).is_ok());
    }

    #[test]
    fn good_redirect_gives_the_code() {
        let pending = started();
        let url = redirect_with(&format!("code=na1-code-1&state={}", pending.state));
        assert_eq!(finish(&url, &pending, T0 + 60_000), Ok(AuthCode::new("na1-code-1")));
    }

    #[test]
    fn state_mismatch_is_refused() {
        let pending = started();
        for query in [
            "code=na1-x&state=forged".to_string(),
            "code=na1-x".to_string(),
            format!("code=na1-x&state={0}&state={0}", pending.state),
        ] {
            assert_eq!(finish(&redirect_with(&query), &pending, T0), Err(SignInError::StateMismatch), "{query}");
        }
    }

    #[test]
    fn access_denied_means_the_rep_cancelled() {
        let pending = started();
        let url = redirect_with("error=access_denied&error_description=User%20said%20no");
        assert_eq!(finish(&url, &pending, T0), Err(SignInError::Cancelled));
    }

    #[test]
    fn other_errors_keep_hubspot_text() {
        let pending = started();
        let url = redirect_with("error=invalid_scope&error_description=Scope%20not%20allowed");
        assert_eq!(
            finish(&url, &pending, T0),
            Err(SignInError::Refused { error: "invalid_scope".into(), description: Some("Scope not allowed".into()) })
        );
    }

    #[test]
    fn missing_code_is_an_error() {
        let pending = started();
        let url = redirect_with(&format!("state={}", pending.state));
        assert_eq!(finish(&url, &pending, T0), Err(SignInError::MissingCode));
        let url = redirect_with(&format!("state={}&code=", pending.state));
        assert_eq!(finish(&url, &pending, T0), Err(SignInError::MissingCode));
    }

    #[test]
    fn redirect_to_another_origin_is_refused() {
        let pending = started();
        let query = format!("code=na1-x&state={}", pending.state);
        for url in [
            format!("https://otherextensionidotherextensi.chromiumapp.org/?{query}"),
            format!("http://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/?{query}"),
            format!("https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org@evil.example/?{query}"),
            format!("https://evil.example/?{query}"),
            format!("{REDIRECT}other?{query}"),
            "not a url".to_string(),
        ] {
            assert!(matches!(finish(&url, &pending, T0), Err(SignInError::WrongOrigin { .. })), "{url}");
        }
        // Case differences in the host are still the same origin.
        let upper = format!("https://ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP.chromiumapp.org/?{query}");
        assert!(finish(&upper, &pending, T0).is_ok());
    }

    #[test]
    fn pending_sign_in_expires_after_ten_minutes() {
        let pending = started();
        let url = redirect_with(&format!("code=na1-x&state={}", pending.state));
        assert!(finish(&url, &pending, T0 + PENDING_LIFETIME_MS).is_ok());
        assert_eq!(finish(&url, &pending, T0 + PENDING_LIFETIME_MS + 1), Err(SignInError::Expired));
    }

    #[test]
    fn errors_never_carry_the_code() {
        let pending = started();
        let url = format!("https://evil.example/?code=na1-secret-code&state={}", pending.state);
        let err = finish(&url, &pending, T0).expect_err("wrong origin");
        let shown = format!("{err:?} {err} {}", serde_json::to_string(&err).unwrap_or_default());
        assert!(!shown.contains("na1-secret-code") && !shown.contains(&pending.state), "{shown}");
    }
}
