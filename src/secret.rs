//! Secret newtypes: OAuth tokens and the client secret. Layer: core (pure).
//! `Debug` is redacted and there is no `Display`, so a secret cannot slip into a log line or
//! an error message by formatting; reading one is an explicit `.expose()`.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! secret_newtype {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self { Self(value.into()) }
            /// The secret itself, for the one place that must send it.
            pub fn expose(&self) -> &str { &self.0 }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    )*};
}

secret_newtype! {
    /// A HubSpot OAuth access token (30 minutes by default). Lives in `chrome.storage.session`.
    AccessToken,
    /// A HubSpot OAuth refresh token (long-lived). Lives in `chrome.storage.local`.
    RefreshToken,
    /// The OAuth app's client secret: held by the broker, or by the extension in direct mode.
    ClientSecret,
    /// A one-time authorization code from the redirect.
    AuthCode,
    /// The PKCE code verifier, kept only until the code exchange.
    CodeVerifier,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let token = AccessToken::new("na1-very-secret");
        let shown = format!("{token:?} {:?}", Some(RefreshToken::new("na1-refresh")));
        assert!(!shown.contains("secret") && !shown.contains("na1"), "{shown}");
        assert_eq!(token.expose(), "na1-very-secret");
    }
}
