//! The broker's configuration, read once from the environment at start-up.
//! Layer: broker (pure: the environment is passed in as a lookup function, so every rule here
//! is unit-tested). Variable names and defaults are fixed by docs/CONTRACTS.md; a bad or missing
//! value stops the broker before it listens, with one line that names every problem.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

pub const ENV_CLIENT_ID: &str = "SPOTDIAL_BROKER_CLIENT_ID";
pub const ENV_CLIENT_SECRET: &str = "SPOTDIAL_BROKER_CLIENT_SECRET";
pub const ENV_EXTENSION_IDS: &str = "SPOTDIAL_BROKER_EXTENSION_IDS";
pub const ENV_HUBSPOT_URL: &str = "SPOTDIAL_BROKER_HUBSPOT_URL";
pub const ENV_LISTEN: &str = "SPOTDIAL_BROKER_LISTEN";
pub const ENV_EXTRA_CA: &str = "SPOTDIAL_BROKER_EXTRA_CA";
pub const ENV_CLIENT_IP_HEADER: &str = "SPOTDIAL_BROKER_CLIENT_IP_HEADER";
pub const ENV_MAX_CONNECTIONS_PER_PEER: &str = "SPOTDIAL_BROKER_MAX_CONNECTIONS_PER_PEER";

pub const DEFAULT_HUBSPOT_URL: &str = "https://api.hubapi.com";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// Open connections one TCP peer may hold. A browser opens a handful; 32 leaves room for a
/// NAT'd office while 300 idle sockets from one address cost that address, not everyone.
pub const DEFAULT_MAX_CONNECTIONS_PER_PEER: usize = 32;
/// Behind a trusted proxy every connection comes from the proxy, so the default is its pool.
pub const DEFAULT_MAX_CONNECTIONS_PER_PROXY: usize = 1024;

/// The OAuth app's client secret. `Debug` is redacted and there is no `Display`, so it cannot
/// reach a log line by formatting; the one place that sends it calls `expose`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

/// A Chrome extension id: 32 letters `a`..=`p` (the hex of a key hash, shifted into letters).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExtensionId(String);

impl ExtensionId {
    pub fn parse(text: &str) -> Option<Self> {
        let ok = text.len() == 32 && text.bytes().all(|b| (b'a'..=b'p').contains(&b));
        ok.then(|| Self(text.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where HubSpot's API lives: `https://host[:port]`, no path, no trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubSpotBase(String);

impl HubSpotBase {
    /// Only `https`: the client secret travels in every request body.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix("https://")?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        let ok = !authority.is_empty() && authority.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
        ok.then(|| Self(format!("https://{authority}")))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub client_id: String,
    pub client_secret: ClientSecret,
    pub extension_ids: Vec<ExtensionId>,
    pub hubspot: HubSpotBase,
    pub listen: SocketAddr,
    pub extra_ca: Option<PathBuf>,
    /// The header a trusted proxy puts the client's address in (lower case); `None` means the
    /// broker faces clients directly and keys them by the TCP peer.
    pub client_ip_header: Option<String>,
    pub max_connections_per_peer: usize,
}

/// Every problem found, so an operator fixes them all in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub Vec<String>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("; "))
    }
}

impl Config {
    /// Reads the configuration through `var` (in production `std::env::var(..).ok()`).
    /// Empty values count as unset.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut problems = Vec::new();

        let client_id = get(ENV_CLIENT_ID);
        if client_id.is_none() {
            problems.push(format!("{ENV_CLIENT_ID} is not set"));
        }
        // The secret is not trimmed beyond the check: it is sent exactly as given.
        let client_secret = var(ENV_CLIENT_SECRET).filter(|v| !v.trim().is_empty());
        if client_secret.is_none() {
            problems.push(format!("{ENV_CLIENT_SECRET} is not set"));
        }

        let mut extension_ids = Vec::new();
        match get(ENV_EXTENSION_IDS) {
            None => problems.push(format!("{ENV_EXTENSION_IDS} is not set (comma-separated Chrome extension ids)")),
            Some(list) => {
                for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    match ExtensionId::parse(item) {
                        Some(id) => extension_ids.push(id),
                        None => problems.push(format!(
                            "{ENV_EXTENSION_IDS} has {item:?}, which is not a Chrome extension id (32 letters a-p)"
                        )),
                    }
                }
                if extension_ids.is_empty() && !problems.iter().any(|p| p.starts_with(ENV_EXTENSION_IDS)) {
                    problems.push(format!("{ENV_EXTENSION_IDS} names no extension id"));
                }
            }
        }

        let hubspot_text = get(ENV_HUBSPOT_URL).unwrap_or_else(|| DEFAULT_HUBSPOT_URL.to_owned());
        let hubspot = HubSpotBase::parse(&hubspot_text);
        if hubspot.is_none() {
            problems.push(format!("{ENV_HUBSPOT_URL} is {hubspot_text:?}; expected https://host[:port] with no path"));
        }

        let listen_text = get(ENV_LISTEN).unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen = listen_text.parse::<SocketAddr>().ok();
        if listen.is_none() {
            problems
                .push(format!("{ENV_LISTEN} is {listen_text:?}; expected an address and port such as 0.0.0.0:8787"));
        }

        let extra_ca = get(ENV_EXTRA_CA).map(PathBuf::from);

        let client_ip_header = get(ENV_CLIENT_IP_HEADER).map(|name| name.to_ascii_lowercase());
        if let Some(name) = &client_ip_header {
            // An HTTP token (RFC 9110 §5.1), so it is a header name and nothing else.
            let token = name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !token {
                problems.push(format!(
                    "{ENV_CLIENT_IP_HEADER} is {name:?}; expected a header name such as X-Forwarded-For"
                ));
            }
        }

        let default_cap = if client_ip_header.is_some() {
            DEFAULT_MAX_CONNECTIONS_PER_PROXY
        } else {
            DEFAULT_MAX_CONNECTIONS_PER_PEER
        };
        let max_connections_per_peer = match get(ENV_MAX_CONNECTIONS_PER_PEER) {
            None => default_cap,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=1_000_000).contains(&n) => n,
                _ => {
                    problems.push(format!(
                        "{ENV_MAX_CONNECTIONS_PER_PEER} is {text:?}; expected a whole number from 1 to 1000000"
                    ));
                    default_cap
                }
            },
        };

        match (client_id, client_secret, hubspot, listen) {
            (Some(client_id), Some(secret), Some(hubspot), Some(listen)) if problems.is_empty() => Ok(Config {
                client_id,
                client_secret: ClientSecret::new(secret),
                extension_ids,
                hubspot,
                listen,
                extra_ca,
                client_ip_header,
                max_connections_per_peer,
            }),
            _ => Err(ConfigError(problems)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const ID_A: &str = "abcdefghijklmnopabcdefghijklmnop";
    const ID_B: &str = "ponmlkjihgfedcbaponmlkjihgfedcba";

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| env.get(name).cloned())
    }

    fn minimal() -> Vec<(&'static str, &'static str)> {
        vec![(ENV_CLIENT_ID, "client-1"), (ENV_CLIENT_SECRET, "s3cret"), (ENV_EXTENSION_IDS, ID_A)]
    }

    #[test]
    fn minimal_config_takes_the_contract_defaults() {
        let config = load(&minimal()).unwrap();
        assert_eq!(config.client_id, "client-1");
        assert_eq!(config.client_secret.expose(), "s3cret");
        assert_eq!(config.extension_ids, vec![ExtensionId::parse(ID_A).unwrap()]);
        assert_eq!(config.hubspot.as_str(), "https://api.hubapi.com");
        assert_eq!(config.listen, "127.0.0.1:8787".parse().unwrap());
        assert_eq!(config.extra_ca, None);
        assert_eq!(config.client_ip_header, None);
        assert_eq!(config.max_connections_per_peer, 32);
    }

    #[test]
    fn a_trusted_proxy_header_raises_the_per_peer_cap_unless_one_is_given() {
        let mut env = minimal();
        env.push((ENV_CLIENT_IP_HEADER, "X-Forwarded-For"));
        let config = load(&env).unwrap();
        assert_eq!(config.client_ip_header.as_deref(), Some("x-forwarded-for"));
        assert_eq!(config.max_connections_per_peer, 1024);
        env.push((ENV_MAX_CONNECTIONS_PER_PEER, "200"));
        assert_eq!(load(&env).unwrap().max_connections_per_peer, 200);
    }

    #[test]
    fn every_variable_is_read() {
        let mut env = minimal();
        env[2] = (ENV_EXTENSION_IDS, " abcdefghijklmnopabcdefghijklmnop , ponmlkjihgfedcbaponmlkjihgfedcba,");
        env.push((ENV_HUBSPOT_URL, "https://127.0.0.1:8443/"));
        env.push((ENV_LISTEN, "0.0.0.0:9000"));
        env.push((ENV_EXTRA_CA, "/tmp/ca.pem"));
        let config = load(&env).unwrap();
        assert_eq!(config.extension_ids.len(), 2);
        assert_eq!(config.extension_ids[1].as_str(), ID_B);
        assert_eq!(config.hubspot.as_str(), "https://127.0.0.1:8443");
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.extra_ca, Some(PathBuf::from("/tmp/ca.pem")));
    }

    #[test]
    fn nothing_set_names_every_missing_variable_in_one_message() {
        let message = load(&[]).unwrap_err().to_string();
        for name in [ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_EXTENSION_IDS] {
            assert!(message.contains(name), "{message}");
        }
        assert!(!message.contains('\n'));
    }

    #[test]
    fn empty_values_count_as_missing() {
        let mut env = minimal();
        env[1] = (ENV_CLIENT_SECRET, "  ");
        let message = load(&env).unwrap_err().to_string();
        assert_eq!(message, "SPOTDIAL_BROKER_CLIENT_SECRET is not set");
    }

    #[test]
    fn invalid_values_are_named() {
        let cases = [
            (ENV_EXTENSION_IDS, "not-an-id", "\"not-an-id\""),
            (ENV_EXTENSION_IDS, "ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP", "not a Chrome extension id"),
            (ENV_EXTENSION_IDS, " , ", "names no extension id"),
            (ENV_HUBSPOT_URL, "http://api.hubapi.com", ENV_HUBSPOT_URL),
            (ENV_HUBSPOT_URL, "https://api.hubapi.com/oauth", ENV_HUBSPOT_URL),
            (ENV_HUBSPOT_URL, "https://", ENV_HUBSPOT_URL),
            (ENV_LISTEN, "localhost", ENV_LISTEN),
            (ENV_CLIENT_IP_HEADER, "X Forwarded For", ENV_CLIENT_IP_HEADER),
            (ENV_CLIENT_IP_HEADER, "x-ip:", ENV_CLIENT_IP_HEADER),
            (ENV_MAX_CONNECTIONS_PER_PEER, "0", ENV_MAX_CONNECTIONS_PER_PEER),
            (ENV_MAX_CONNECTIONS_PER_PEER, "many", ENV_MAX_CONNECTIONS_PER_PEER),
        ];
        for (name, value, expected) in cases {
            let mut env: Vec<_> = minimal().into_iter().filter(|(k, _)| *k != name).collect();
            env.push((name, value));
            let message = load(&env).unwrap_err().to_string();
            assert!(message.contains(expected), "{name}={value}: {message}");
        }
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let config = load(&minimal()).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn extension_ids_are_32_letters_a_to_p() {
        assert!(ExtensionId::parse(ID_A).is_some());
        assert!(ExtensionId::parse(&ID_A[..31]).is_none());
        assert!(ExtensionId::parse(&format!("{ID_A}a")).is_none());
        assert!(ExtensionId::parse("qbcdefghijklmnopabcdefghijklmnop").is_none());
    }
}
