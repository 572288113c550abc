//! Sign-in configuration: the OAuth app, where tokens are exchanged (broker or direct), an
//! optional pinned portal, HubSpot's hosts, and the scopes Spotdial asks for (the one place).
//! Layer: core (pure). Built by the glue from managed policy; nothing here touches the network.

use crate::ids::PortalId;
use crate::secret::ClientSecret;

/// The scopes Spotdial requests, all required (DESIGN §3, API-FACTS §2). Calls and tasks
/// live under the contacts scopes.
pub const SCOPES: [&str; 5] =
    ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.owners.read", "crm.lists.read"];

/// HubSpot's UI host, where the consent page lives.
pub const DEFAULT_APP_HOST: &str = "app.hubspot.com";

/// HubSpot's API origin, where the token endpoints live in direct mode.
pub const DEFAULT_API_BASE: &str = "https://api.hubapi.com";

/// The `scope` parameter: every scope, space-separated (encoded as `%20` in the URL).
pub fn scope_param() -> String {
    SCOPES.join(" ")
}

/// Where the code exchange, refresh, introspection and revocation go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenMode {
    /// The default: Spotdial's token broker holds the client secret (CONTRACTS.md).
    Broker { url: String },
    /// A company that accepts the risk gives the secret through managed policy and the
    /// extension talks to HubSpot's token endpoints itself.
    Direct { secret: ClientSecret },
}

/// Everything sign-in needs to know. `Debug` never shows the client secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    pub client_id: String,
    pub mode: TokenMode,
    /// Set by an admin to skip HubSpot's account chooser (`/oauth/{portal}/authorize`).
    pub pinned_portal: Option<PortalId>,
    /// Host name only, e.g. `app.hubspot.com` (the sandbox serves the same name).
    pub app_host: String,
    /// Origin without a trailing slash, e.g. `https://api.hubapi.com`.
    pub api_base: String,
}

impl AuthConfig {
    /// Broker mode with HubSpot's default hosts.
    pub fn broker(client_id: impl Into<String>, broker_url: impl Into<String>) -> Self {
        Self::with_mode(client_id, TokenMode::Broker { url: broker_url.into() })
    }

    /// Direct mode (the secret comes from managed policy) with HubSpot's default hosts.
    pub fn direct(client_id: impl Into<String>, secret: ClientSecret) -> Self {
        Self::with_mode(client_id, TokenMode::Direct { secret })
    }

    fn with_mode(client_id: impl Into<String>, mode: TokenMode) -> Self {
        Self {
            client_id: client_id.into(),
            mode,
            pinned_portal: None,
            app_host: DEFAULT_APP_HOST.to_string(),
            api_base: DEFAULT_API_BASE.to_string(),
        }
    }

    pub fn with_pinned_portal(mut self, portal: PortalId) -> Self {
        self.pinned_portal = Some(portal);
        self
    }

    pub fn with_hosts(mut self, app_host: impl Into<String>, api_base: impl Into<String>) -> Self {
        self.app_host = app_host.into();
        self.api_base = api_base.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_space_separated_in_one_parameter() {
        assert_eq!(
            scope_param(),
            "oauth crm.objects.contacts.read crm.objects.contacts.write \
             crm.objects.owners.read crm.lists.read"
        );
    }

    #[test]
    fn defaults_point_at_hubspot() {
        let config = AuthConfig::broker("client", "https://broker.example");
        assert_eq!(config.app_host, "app.hubspot.com");
        assert_eq!(config.api_base, "https://api.hubapi.com");
        assert_eq!(config.pinned_portal, None);
    }
}
