//! Sign-in: HubSpot OAuth through `chrome.identity.launchWebAuthFlow`, PKCE, the token
//! broker (or direct mode), and the keeper that stores, refreshes and revokes tokens.
//! Layer: core (pure). One job per file: `config`, `pkce`, `authorize`, `grant`, `keeper`.

pub mod authorize;
pub mod config;
pub mod grant;
pub mod keeper;
pub mod pkce;
pub mod token_routes;

pub use authorize::{begin, finish, PendingSignIn, SignInError, PENDING_LIFETIME_MS};
pub use config::{AuthConfig, TokenMode, SCOPES};
pub use grant::{Grant, Introspection, TokenError};
pub use keeper::{AuthState, ConnectError, TokenKeeper};
pub use token_routes::{Endpoint, OAUTH_API_VERSION};
