//! Settings: admin policy (`chrome.storage.managed`, key by key), then the rep's own choices
//! (`settings:v1`, only rep-level fields an admin did not set), then defaults. Layer: core (pure).
//! Every value is parsed into a type; an invalid one is ignored (the next layer applies) and
//! reported in `Settings::problems`, so the options page can show an admin what is wrong.

pub mod fields;
pub mod rep;

pub use fields::{describe, AuthMode, BrokerUrl, PolicyError, RetentionDays, SchemeName};
pub use rep::{save_rep, set_queue_list, RepSettings, REP_KEYS};

use crate::auth::config::AuthConfig;
use crate::hubspot::properties::PropertyName;
use crate::ids::{ListId, PortalId};
pub use crate::message::views::{SettingsView, ShownSetting, Source};
use crate::phone::DialScheme;
use crate::ports::{Area, Store};
use crate::secret::ClientSecret;
use serde::Serialize;
use serde_json::{Map, Value};

/// The rep's own settings (never admin policy).
pub const SETTINGS_KEY: &str = crate::keys::SETTINGS.key;

/// Spotdial's hosted token broker, used unless policy names another.
pub const DEFAULT_BROKER_URL: &str = "https://broker.spotdial.app";

/// The HubSpot app's client id. A release build sets the real one through the
/// `SPOTDIAL_CLIENT_ID` environment variable at compile time; without it this placeholder is
/// used, which only the local sandbox accepts. Admins of their own app set policy `clientId`.
pub const SPOTDIAL_CLIENT_ID: &str = match option_env!("SPOTDIAL_CLIENT_ID") {
    Some(id) => id,
    None => "spotdial-development-client-id",
};

/// Calls are offered between these hours unless policy says otherwise.
pub const DEFAULT_CALLING_HOURS: CallingHours = CallingHours { start: 8, end: 21 };

const _: () = assert!(DEFAULT_CALLING_HOURS.start < DEFAULT_CALLING_HOURS.end);

/// Every policy name Spotdial reads from `chrome.storage.managed`.
pub const POLICY_KEYS: [&str; 17] = [
    "brokerUrl",
    "clientId",
    "portalId",
    "authMode",
    "clientSecret",
    "dialScheme",
    "dialTemplate",
    "sipDomain",
    "fromNumber",
    "defaultCountry",
    "callingHoursStart",
    "callingHoursEnd",
    "retentionDays",
    "phoneProperties",
    "mappedProperties",
    "queueHorizonDays",
    "queueListId",
];

/// The hours of the day (local time of the contact) in which calls are offered: `start` up to,
/// not including, `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CallingHours {
    pub start: u8,
    pub end: u8,
}

impl CallingHours {
    pub fn contains_hour(&self, hour: u8) -> bool {
        self.start <= hour && hour < self.end
    }
}

/// What the queue is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QueueSource {
    /// The rep's open call tasks (the default).
    Tasks,
    /// The contacts of a HubSpot list.
    List { id: ListId },
}

/// Every setting, resolved. `Debug` never shows the client secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub broker_url: BrokerUrl,
    pub client_id: String,
    pub portal_id: Option<PortalId>,
    pub auth_mode: AuthMode,
    /// Only in direct mode.
    pub client_secret: Option<ClientSecret>,
    pub dial: DialScheme,
    /// E.164.
    pub from_number: Option<String>,
    /// ISO alpha-2.
    pub default_country: Option<&'static str>,
    pub calling_hours: CallingHours,
    pub retention: RetentionDays,
    /// Extra contact properties offered as numbers.
    pub phone_properties: Vec<PropertyName>,
    /// Extra contact properties shown on the card.
    pub mapped_properties: Vec<PropertyName>,
    /// 0 = today and overdue; at most 30.
    pub queue_horizon_days: u8,
    pub queue_source: QueueSource,
    /// Where each setting (by policy name) came from; rep-level fields with `Admin` are locked.
    pub sources: Vec<(&'static str, Source)>,
    /// One sentence per ignored value, for the options page.
    pub problems: Vec<String>,
}

impl Settings {
    /// Where `key` (a policy name) came from; `Default` for names not resolved.
    pub fn source(&self, key: &str) -> Source {
        self.sources.iter().find(|(k, _)| *k == key).map_or(Source::Default, |(_, s)| *s)
    }

    /// The sign-in configuration these settings describe.
    pub fn auth_config(&self) -> AuthConfig {
        let config = match (&self.auth_mode, &self.client_secret) {
            (AuthMode::Direct, Some(secret)) => AuthConfig::direct(self.client_id.clone(), secret.clone()),
            _ => AuthConfig::broker(self.client_id.clone(), self.broker_url.as_str()),
        };
        match &self.portal_id {
            Some(portal) => config.with_pinned_portal(portal.clone()),
            None => config,
        }
    }

    /// The settings as the options page shows them: every policy name with its value (the
    /// client secret only as "set") and its source, then the problems.
    pub fn view(&self) -> SettingsView {
        let names = |list: &[PropertyName]| Value::from(list.iter().map(|n| n.as_str()).collect::<Vec<_>>());
        let (scheme, template, sip) = match &self.dial {
            DialScheme::Tel => ("tel", Value::Null, Value::Null),
            DialScheme::Callto => ("callto", Value::Null, Value::Null),
            DialScheme::Sip { domain } => ("sip", Value::Null, domain.clone().map_or(Value::Null, Value::from)),
            DialScheme::Template(t) => ("template", Value::from(t.as_str()), Value::Null),
        };
        let values = [
            ("brokerUrl", Value::from(self.broker_url.as_str())),
            ("clientId", Value::from(self.client_id.as_str())),
            ("portalId", self.portal_id.as_ref().map_or(Value::Null, |p| Value::from(p.as_str()))),
            ("authMode", Value::from(self.auth_mode.as_str())),
            ("clientSecret", if self.client_secret.is_some() { Value::from("set") } else { Value::Null }),
            ("dialScheme", Value::from(scheme)),
            ("dialTemplate", template),
            ("sipDomain", sip),
            ("fromNumber", self.from_number.clone().map_or(Value::Null, Value::from)),
            ("defaultCountry", self.default_country.map_or(Value::Null, Value::from)),
            ("callingHoursStart", Value::from(self.calling_hours.start)),
            ("callingHoursEnd", Value::from(self.calling_hours.end)),
            ("retentionDays", Value::from(self.retention.days())),
            ("phoneProperties", names(&self.phone_properties)),
            ("mappedProperties", names(&self.mapped_properties)),
            ("queueHorizonDays", Value::from(self.queue_horizon_days)),
            (
                "queueListId",
                match &self.queue_source {
                    QueueSource::Tasks => Value::Null,
                    QueueSource::List { id } => Value::from(id.as_str()),
                },
            ),
        ];
        SettingsView {
            settings: values
                .into_iter()
                .map(|(key, value)| ShownSetting {
                    key,
                    value,
                    source: self.source(key),
                    rep_can_change: REP_KEYS.contains(&key) && self.source(key) != Source::Admin,
                })
                .collect(),
            problems: self.problems.clone(),
        }
    }
}

/// Reads admin policy (key by key), the rep's `settings:v1` and resolves them. Never fails:
/// an unreadable layer is reported in `problems` and the next one applies.
pub async fn load<S: Store>(store: &S) -> Settings {
    let mut policy = Map::new();
    let mut unreadable = Vec::new();
    for key in POLICY_KEYS {
        match store.get(Area::Managed, key).await {
            Ok(Some(value)) => {
                policy.insert(key.to_string(), value);
            }
            Ok(None) => {}
            Err(error) => {
                if unreadable.is_empty() {
                    unreadable.push(format!(
                        "The admin policy could not be read ({}); the defaults apply until it can.",
                        error.0
                    ));
                }
            }
        }
    }
    if let Ok(keys) = store.keys(Area::Managed).await {
        for key in keys.into_iter().filter(|k| !POLICY_KEYS.contains(&k.as_str())) {
            policy.insert(key, Value::Null);
        }
    }
    let rep = match store.get(Area::Local, SETTINGS_KEY).await {
        Ok(value) => value.unwrap_or(Value::Null),
        Err(error) => {
            unreadable.push(format!("Your own settings could not be read ({}); the defaults apply.", error.0));
            Value::Null
        }
    };
    let mut settings = resolve(&policy, &rep);
    unreadable.append(&mut settings.problems);
    settings.problems = unreadable;
    settings
}

/// Resolves the three layers: `policy` (policy name → value; `null` for a name that is not a
/// Spotdial setting), `rep` (the `settings:v1` value, or null), then the defaults.
pub fn resolve(policy: &Map<String, Value>, rep: &Value) -> Settings {
    let mut r = Resolver { policy, rep: Map::new(), sources: Vec::new(), problems: Vec::new() };
    for (key, _) in policy.iter().filter(|(k, _)| !POLICY_KEYS.contains(&k.as_str())) {
        r.problems.push(format!("Policy \"{key}\" is not a Spotdial setting; it is ignored."));
    }
    match rep {
        Value::Null => {}
        Value::Object(map) => r.rep = map.clone(),
        _ => r.problems.push("Your saved settings could not be read; the defaults apply.".into()),
    }

    // A rep on an unmanaged browser may point Spotdial at their company's own broker and app
    // (the options page's "Connection"); where an admin set them, the admin's values win.
    let broker_url = r.pick("brokerUrl", true, fields::broker_url);
    let client_id = r.pick("clientId", true, fields::client_id);
    let portal_id = r.pick("portalId", true, fields::portal_id);

    // Direct mode needs the company's own app: its client id and secret both from policy.
    let mode = r.pick("authMode", false, fields::auth_mode);
    let secret = r.pick("clientSecret", false, fields::client_secret);
    let mut auth_mode = mode.unwrap_or(AuthMode::Broker);
    if auth_mode == AuthMode::Direct && (secret.is_none() || client_id.is_none()) {
        r.problems.push(
            "Policy \"authMode\": \"direct\" needs a valid clientSecret and clientId in policy; the token broker is \
             used instead."
                .into(),
        );
        r.set_source("authMode", Source::Default);
        auth_mode = AuthMode::Broker;
    }
    let client_secret = match (auth_mode, secret) {
        (AuthMode::Direct, secret) => secret,
        (AuthMode::Broker, Some(_)) => {
            r.problems.push(
                "Policy \"clientSecret\": a client secret is only used when authMode is \"direct\"; it is ignored."
                    .into(),
            );
            r.set_source("clientSecret", Source::Default);
            None
        }
        (AuthMode::Broker, None) => None,
    };

    let dial = r.resolve_dial();
    let default_country = r.pick("defaultCountry", true, fields::country);
    let from_number = r.pick("fromNumber", false, |v| fields::from_number(v, default_country));
    let calling_hours = r.resolve_hours();
    let retention = r.pick("retentionDays", false, RetentionDays::from_policy).unwrap_or_default();
    let phone_properties = r.properties("phoneProperties");
    let mapped_properties = r.properties("mappedProperties");
    let queue_horizon_days = r.pick("queueHorizonDays", false, fields::horizon_days).unwrap_or(0);
    let queue_source = match r.pick("queueListId", true, fields::list_id) {
        Some(id) => QueueSource::List { id },
        None => QueueSource::Tasks,
    };

    Settings {
        broker_url: broker_url.unwrap_or_else(|| BrokerUrl::from_trusted(DEFAULT_BROKER_URL)),
        client_id: client_id.unwrap_or_else(|| SPOTDIAL_CLIENT_ID.to_string()),
        portal_id,
        auth_mode,
        client_secret,
        dial,
        from_number,
        default_country,
        calling_hours,
        retention,
        phone_properties,
        mapped_properties,
        queue_horizon_days,
        queue_source,
        sources: r.sources,
        problems: r.problems,
    }
}

struct Resolver<'a> {
    policy: &'a Map<String, Value>,
    rep: Map<String, Value>,
    sources: Vec<(&'static str, Source)>,
    problems: Vec<String>,
}

impl Resolver<'_> {
    fn set_source(&mut self, key: &'static str, source: Source) {
        match self.sources.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = source,
            None => self.sources.push((key, source)),
        }
    }

    /// The admin's value if valid, else (for rep-level fields) the rep's if valid, else `None`
    /// (the default). Each refused value becomes a problem saying what applies instead.
    fn pick<T>(
        &mut self,
        key: &'static str,
        rep_level: bool,
        parse: impl Fn(&Value) -> Result<T, PolicyError>,
    ) -> Option<T> {
        let mut admin_error = None;
        if let Some(value) = self.policy.get(key).filter(|v| !v.is_null()) {
            match parse(value) {
                Ok(parsed) => {
                    self.set_source(key, Source::Admin);
                    return Some(parsed);
                }
                Err(error) => admin_error = Some(error),
            }
        }
        let mut found = None;
        let mut rep_error = None;
        if rep_level {
            if let Some(value) = self.rep.get(key).filter(|v| !v.is_null()) {
                match parse(value) {
                    Ok(parsed) => found = Some(parsed),
                    Err(error) => rep_error = Some(error),
                }
            }
        }
        let source = if found.is_some() { Source::Rep } else { Source::Default };
        self.set_source(key, source);
        if let Some(error) = admin_error {
            let applies = if source == Source::Rep { "The rep's own setting applies." } else { "The default applies." };
            self.problems.push(format!("Policy \"{key}\": {error} {applies}"));
        }
        if let Some(error) = rep_error {
            self.problems.push(format!("Your setting \"{key}\": {error} The default applies."));
        }
        found
    }

    fn resolve_dial(&mut self) -> DialScheme {
        let template = self.pick("dialTemplate", false, fields::dial_template);
        let sip_domain = self.pick("sipDomain", false, fields::sip_domain);
        let chosen = self.pick("dialScheme", true, fields::dial_scheme);
        let source = self.sources.iter().find(|(k, _)| *k == "dialScheme").map_or(Source::Default, |(_, s)| *s);
        let name = match (chosen, &template) {
            (Some(name), _) => name,
            // A template alone says how to dial.
            (None, Some(_)) => {
                self.set_source("dialScheme", Source::Admin);
                SchemeName::Template
            }
            (None, None) => SchemeName::Tel,
        };
        if source == Source::Admin && name != SchemeName::Template && template.is_some() {
            self.problems.push(format!(
                "Policy \"dialTemplate\": the template is not used because dialScheme is \"{}\".",
                name.as_str()
            ));
        }
        match name {
            SchemeName::Tel => DialScheme::Tel,
            SchemeName::Callto => DialScheme::Callto,
            SchemeName::Sip => DialScheme::Sip { domain: sip_domain },
            SchemeName::Template => match template {
                Some(template) => DialScheme::Template(template),
                None => {
                    let whose = if source == Source::Rep { "Your setting" } else { "Policy" };
                    self.problems.push(format!(
                        "{whose} \"dialScheme\": \"template\" needs a valid dialTemplate in policy; numbers are dialed \
                         with tel: instead."
                    ));
                    self.set_source("dialScheme", Source::Default);
                    DialScheme::Tel
                }
            },
        }
    }

    fn resolve_hours(&mut self) -> CallingHours {
        let start = self.pick("callingHoursStart", false, |v| fields::hour(v, "start"));
        let end = self.pick("callingHoursEnd", false, |v| fields::hour(v, "end"));
        let hours = CallingHours {
            start: start.unwrap_or(DEFAULT_CALLING_HOURS.start),
            end: end.unwrap_or(DEFAULT_CALLING_HOURS.end),
        };
        if hours.start < hours.end {
            return hours;
        }
        self.problems.push(format!(
            "Policy \"callingHoursStart\"/\"callingHoursEnd\": calling hours must start before they end, and they \
             are {} to {}. The default hours ({} to {}) apply.",
            hours.start, hours.end, DEFAULT_CALLING_HOURS.start, DEFAULT_CALLING_HOURS.end
        ));
        self.set_source("callingHoursStart", Source::Default);
        self.set_source("callingHoursEnd", Source::Default);
        DEFAULT_CALLING_HOURS
    }

    fn properties(&mut self, key: &'static str) -> Vec<PropertyName> {
        let Some(value) = self.policy.get(key).filter(|v| !v.is_null()) else {
            self.set_source(key, Source::Default);
            return Vec::new();
        };
        let (names, errors) = fields::property_names(value);
        for error in errors {
            self.problems.push(format!("Policy \"{key}\": {error}"));
        }
        self.set_source(key, if names.is_empty() { Source::Default } else { Source::Admin });
        names
    }
}

#[cfg(test)]
mod tests;

/// Local-storage key of the last admin policy seen (`policy:v1`), minus any secret. Chrome's
/// first `chrome.storage.managed` read after the browser starts takes seconds (measured 2.8 s on
/// Chromium 156), so the worker starts from this copy and re-reads the real policy behind it.
pub const POLICY_SNAPSHOT_KEY: &str = crate::keys::POLICY.key;

/// The copy of `policy` that may be kept in local storage: everything but the client secret.
pub fn policy_snapshot(policy: &Map<String, Value>) -> Map<String, Value> {
    // Cloned whole, then the secret removed: collecting into a map would compile a second copy
    // of the standard library's sort into the wasm for its entries (issue 12: size).
    let mut snapshot = policy.clone();
    snapshot.remove("clientSecret");
    snapshot
}

/// Whether a snapshot can stand in for the real policy while it loads: not in direct mode,
/// whose client secret is never copied.
pub fn snapshot_can_stand_in(snapshot: &Map<String, Value>) -> bool {
    // Read as `resolve` reads it: "DIRECT" or " direct " is direct mode too, and a copy without
    // the secret would quietly fall back to the broker until the real policy arrives.
    !matches!(snapshot.get("authMode").map(fields::auth_mode), Some(Ok(AuthMode::Direct)))
}

#[cfg(test)]
mod snapshot_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_snapshot_never_holds_the_secret_and_direct_mode_waits_for_the_real_policy() {
        let policy = json!({"brokerUrl": "https://b.example", "authMode": "direct", "clientSecret": "s3cr3t"});
        let snap = policy_snapshot(policy.as_object().unwrap());
        assert!(!Value::Object(snap.clone()).to_string().contains("s3cr3t"));
        assert_eq!(snap.get("brokerUrl"), Some(&json!("https://b.example")));
        assert!(!snapshot_can_stand_in(&snap));
        assert!(snapshot_can_stand_in(json!({"brokerUrl": "https://b.example"}).as_object().unwrap()));
    }

    /// Found by tests/properties/settings.rs: the admin's "DIRECT" is direct mode to `resolve`,
    /// so its snapshot (no secret, hence broker mode) must not stand in for it either.
    #[test]
    fn direct_mode_waits_for_the_real_policy_however_it_is_written() {
        for mode in ["direct", "DIRECT", " Direct "] {
            assert!(!snapshot_can_stand_in(json!({"authMode": mode}).as_object().unwrap()), "{mode}");
        }
        for mode in ["broker", "BROKER", "direkt", ""] {
            assert!(snapshot_can_stand_in(json!({"authMode": mode}).as_object().unwrap()), "{mode}");
        }
        assert!(snapshot_can_stand_in(json!({"authMode": 1}).as_object().unwrap()));
    }
}
