//! Who may use the broker, and how a refusal is worded. Layer: broker (pure, unit-tested).
//! Only this extension's `chrome-extension://<id>` origin is served, and a code is exchanged
//! only for this extension's `https://<id>.chromiumapp.org/` redirect, so a web page cannot use
//! the broker to finish an OAuth flow it started for itself (DESIGN.md §5).

use crate::config::ExtensionId;

/// A refusal the broker makes itself (not one passed through from HubSpot). The wire shape is
/// OAuth's plus a marker: `{"error":"<code>","error_description":"…","source":"broker"}`
/// (docs/CONTRACTS.md), so the extension never mistakes the broker's refusal for HubSpot
/// refusing a grant. No broker code is ever `invalid_grant`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub description: String,
    /// Seconds, for 429.
    pub retry_after: Option<u64>,
}

impl Refusal {
    pub fn new(status: u16, code: &'static str, description: impl Into<String>) -> Self {
        Refusal { status, code, description: description.into(), retry_after: None }
    }

    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", description)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::json!({
            "error": self.code,
            "error_description": self.description,
            "source": "broker",
        })
        .to_string()
        .into_bytes()
    }
}

/// The extension id behind an `Origin` header, if it is one we serve. The header must be
/// exactly `chrome-extension://<id>`: no path, port or trailing slash, matched case-sensitively
/// (Chrome always sends it this way).
pub fn allowed_origin<'a>(origin: Option<&str>, allowed: &'a [ExtensionId]) -> Result<&'a ExtensionId, Refusal> {
    let origin = origin.ok_or_else(|| {
        Refusal::new(403, "origin_not_allowed", "requests must come from the Spotdial extension (no Origin header)")
    })?;
    origin
        .strip_prefix("chrome-extension://")
        .and_then(|id| allowed.iter().find(|a| a.as_str() == id))
        .ok_or_else(|| Refusal::new(403, "origin_not_allowed", "this origin may not use the token broker"))
}

/// Whether `uri` is exactly the extension's own `chrome.identity.getRedirectURL()`:
/// `https://<id>.chromiumapp.org/`, nothing after the slash. Spotdial never uses a path, so
/// allowing one would only widen what a forged request may name.
pub fn redirect_allowed(uri: &str, id: &ExtensionId) -> bool {
    uri.strip_prefix("https://")
        .and_then(|rest| rest.strip_prefix(id.as_str()))
        .is_some_and(|rest| rest == ".chromiumapp.org/")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "abcdefghijklmnopabcdefghijklmnop";
    const OTHER: &str = "ponmlkjihgfedcbaponmlkjihgfedcba";

    fn ids() -> Vec<ExtensionId> {
        vec![ExtensionId::parse(ID).unwrap()]
    }

    #[test]
    fn only_the_configured_extension_origins_pass() {
        let allowed = ids();
        let ok = format!("chrome-extension://{ID}");
        assert_eq!(allowed_origin(Some(&ok), &allowed).unwrap().as_str(), ID);

        let refused = [
            None,
            Some(String::new()),
            Some("null".to_owned()),
            Some(format!("chrome-extension://{OTHER}")),
            Some(format!("chrome-extension://{ID}/")),
            Some(format!("chrome-extension://{ID}:443")),
            Some(format!("Chrome-Extension://{ID}")),
            Some(format!("chrome-extension://{}", ID.to_uppercase())),
            Some(format!("https://{ID}.chromiumapp.org")),
            Some("https://app.hubspot.com".to_owned()),
            Some(format!("moz-extension://{ID}")),
            Some(format!(" chrome-extension://{ID}")),
        ];
        for origin in refused {
            let refusal = allowed_origin(origin.as_deref(), &allowed).unwrap_err();
            assert_eq!((refusal.status, refusal.code), (403, "origin_not_allowed"), "{origin:?}");
        }
    }

    #[test]
    fn several_extension_ids_may_be_allowed() {
        let allowed = vec![ExtensionId::parse(ID).unwrap(), ExtensionId::parse(OTHER).unwrap()];
        let origin = format!("chrome-extension://{OTHER}");
        assert_eq!(allowed_origin(Some(&origin), &allowed).unwrap().as_str(), OTHER);
    }

    #[test]
    fn redirect_must_be_the_extensions_own_chromiumapp_url() {
        let id = ExtensionId::parse(ID).unwrap();
        assert!(redirect_allowed(&format!("https://{ID}.chromiumapp.org/"), &id));
        for bad in [
            format!("https://{ID}.chromiumapp.org/oauth"),
            format!("https://{ID}.chromiumapp.org/oauth/hubspot-cb_1.x~"),
            format!("https://{ID}.chromiumapp.org/a%20b"),
            format!("https://{ID}.chromiumapp.org//"),
            format!("https://{ID}.chromiumapp.org"),
            format!("http://{ID}.chromiumapp.org/"),
            format!("https://{OTHER}.chromiumapp.org/"),
            format!("https://{ID}.chromiumapp.org.evil.com/"),
            format!("https://{ID}.chromiumapp.org:443/"),
            format!("https://{ID}.chromiumapp.org/?code=x"),
            format!("https://{ID}.chromiumapp.org/#x"),
            format!("https://{ID}.chromiumapp.org/../x"),
            format!("https://{ID}.chromiumapp.org/a/./b"),
            format!("https://{ID}.chromiumapp.org/%2"),
            format!("https://{ID}.chromiumapp.org/a b"),
            format!("https://{ID}.chromiumapp.org/\\evil.com"),
            format!("https://x@{ID}.chromiumapp.org/"),
            format!("https://evil.com/{ID}.chromiumapp.org/"),
            format!("https://{}.chromiumapp.org/", ID.to_uppercase()),
            format!("https://www.{ID}.chromiumapp.org/"),
            "https://evil.com/".to_owned(),
            String::new(),
        ] {
            assert!(!redirect_allowed(&bad, &id), "{bad}");
        }
    }

    #[test]
    fn refusals_are_oauth_shaped_json() {
        let body = Refusal::bad_request("missing \"code\"").to_json();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["error"], "invalid_request");
        assert_eq!(value["error_description"], "missing \"code\"");
        assert_eq!(value["source"], "broker");
    }
}
