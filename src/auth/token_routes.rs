// The token endpoints, named once for the extension and the broker: the broker's `/v1/...`
// routes (docs/CONTRACTS.md) and HubSpot's date-versioned OAuth paths behind them.
// Layer: shared wire contract, plain Rust with no imports. The core compiles it as
// `auth::token_routes`; the broker `include!`s it (broker/src/form.rs), because the two crates
// must not depend on each other. Hence `//` comments here: an included file takes no `//!`.

/// HubSpot's date-versioned OAuth API (API-FACTS §0, §1.3): v1 is removed 2027-02-16.
pub const OAUTH_API_VERSION: &str = "2026-03";

/// A token endpoint: the same three on the broker and at HubSpot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    Introspect,
    Revoke,
}

impl Endpoint {
    pub const ALL: [Endpoint; 3] = [Endpoint::Token, Endpoint::Introspect, Endpoint::Revoke];

    /// The broker's route, e.g. `/v1/introspect` (also the route name in its log lines).
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Token => "/v1/token",
            Endpoint::Introspect => "/v1/introspect",
            Endpoint::Revoke => "/v1/revoke",
        }
    }

    /// The endpoint whose broker route is exactly `path`.
    pub fn from_path(path: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|endpoint| endpoint.path() == path)
    }

    /// HubSpot's path for this endpoint, e.g. `/oauth/2026-03/token/introspect`.
    pub fn upstream_path(self) -> String {
        let suffix = match self {
            Endpoint::Token => "",
            Endpoint::Introspect => "/introspect",
            Endpoint::Revoke => "/revoke",
        };
        ["/oauth/", OAUTH_API_VERSION, "/token", suffix].concat()
    }
}
