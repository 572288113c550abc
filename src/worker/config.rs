//! Which HubSpot app and token endpoint sign-in uses: admin policy first (`brokerUrl`,
//! `clientId`, `portalId`, and `authMode`/`clientSecret` for direct mode), then what a rep
//! without a managed browser set in the options (`settings:v1`), then defaults.
//! Layer: core (pure). Direct mode is policy-only: a secret is never typed into a page.

use crate::auth::AuthConfig;
use crate::ids::{is_digits, PortalId};
use crate::ports::{Area, Store};
use crate::secret::ClientSecret;

/// The production broker. Admins running their own set `brokerUrl` by policy.
pub const DEFAULT_BROKER_URL: &str = "https://broker.spotdial.app";
/// Spotdial's HubSpot app. Admins of a private app set `clientId` by policy.
pub const DEFAULT_CLIENT_ID: &str = "spotdial-sandbox-client";

/// The rep's own settings key (Local).
pub const SETTINGS_KEY: &str = "settings:v1";

fn non_blank(value: Option<&serde_json::Value>) -> Option<String> {
    match value {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// Reads one string from admin policy, ignoring blanks.
async fn policy_string<S: Store>(store: &S, key: &str) -> Option<String> {
    non_blank(store.get(Area::Managed, key).await.ok().flatten().as_ref())
}

/// Reads one string: admin policy first, then the rep's own settings.
async fn setting_string<S: Store>(store: &S, key: &str) -> Option<String> {
    if let Some(value) = policy_string(store, key).await {
        return Some(value);
    }
    let own = store.get(Area::Local, SETTINGS_KEY).await.ok().flatten()?;
    non_blank(own.get(key))
}

/// The sign-in configuration in force.
pub async fn auth_config<S: Store>(store: &S) -> AuthConfig {
    let client_id = setting_string(store, "clientId").await.unwrap_or_else(|| DEFAULT_CLIENT_ID.to_string());
    let direct_secret = match policy_string(store, "authMode").await.as_deref() {
        Some("direct") => policy_string(store, "clientSecret").await,
        _ => None,
    };
    let mut config = match direct_secret {
        Some(secret) => AuthConfig::direct(client_id, ClientSecret::new(secret)),
        None => {
            let broker = setting_string(store, "brokerUrl").await.unwrap_or_else(|| DEFAULT_BROKER_URL.to_string());
            AuthConfig::broker(client_id, broker.trim_end_matches('/'))
        }
    };
    if let Some(portal) = setting_string(store, "portalId").await.filter(|p| is_digits(p)) {
        config = config.with_pinned_portal(PortalId::new(portal));
    }
    config
}
