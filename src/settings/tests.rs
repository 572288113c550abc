//! Tests of settings resolution: each field through the three layers, each refusal reported,
//! and precedence (admin, then rep, then default). Layer: core (pure), tests only.

use super::*;
use crate::ids::PortalId;
use crate::ports::StoreError;
use crate::testing::{block_on, FakeStore};
use serde_json::json;

/// The shared store, with reads of one area failing (a closed context, a policy service down).
struct Unreadable<'a> {
    inner: &'a FakeStore,
    area: Area,
}

impl Store for Unreadable<'_> {
    async fn get(&self, area: Area, key: &str) -> Result<Option<Value>, StoreError> {
        if area == self.area {
            return Err(StoreError("storage is unavailable".into()));
        }
        self.inner.get(area, key).await
    }
    async fn set(&self, area: Area, key: &str, value: Value) -> Result<(), StoreError> {
        self.inner.set(area, key, value).await
    }
    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError> {
        self.inner.remove(area, key).await
    }
    async fn keys(&self, area: Area) -> Result<Vec<String>, StoreError> {
        if area == self.area {
            return Err(StoreError("storage is unavailable".into()));
        }
        self.inner.keys(area).await
    }
}

fn policy(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

fn with(policy_json: Value, rep: Value) -> Settings {
    resolve(&policy(policy_json), &rep)
}

fn defaults() -> Settings {
    with(json!({}), Value::Null)
}

#[test]
fn defaults_when_nothing_is_set() {
    let s = defaults();
    assert_eq!(s.broker_url.as_str(), DEFAULT_BROKER_URL);
    assert_eq!(s.client_id, SPOTDIAL_CLIENT_ID);
    assert_eq!(s.portal_id, None);
    assert_eq!(s.auth_mode, AuthMode::Broker);
    assert_eq!(s.client_secret, None);
    assert_eq!(s.dial, DialScheme::Tel);
    assert_eq!(s.from_number, None);
    assert_eq!(s.default_country, None);
    assert_eq!(s.calling_hours, CallingHours { start: 8, end: 21 });
    assert_eq!(s.retention.days(), 180);
    assert!(s.phone_properties.is_empty() && s.mapped_properties.is_empty());
    assert_eq!(s.queue_horizon_days, 0);
    assert_eq!(s.queue_source, QueueSource::Tasks);
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert!(POLICY_KEYS.iter().all(|k| s.source(k) == Source::Default), "{:?}", s.sources);
}

#[test]
fn the_built_in_defaults_pass_their_own_checks() {
    assert_eq!(
        fields::broker_url(&json!(DEFAULT_BROKER_URL)).map(|u| u.as_str().to_string()),
        Ok(DEFAULT_BROKER_URL.into())
    );
    assert!(fields::client_id(&json!(SPOTDIAL_CLIENT_ID)).is_ok());
}

#[test]
fn every_admin_field_is_read_and_typed() {
    let s = with(
        json!({
            "brokerUrl": "https://broker.acme.example/",
            "clientId": "0a1b2c3d-0000-4000-8000-123456789abc",
            "portalId": "1234567",
            "authMode": "direct",
            "clientSecret": "s3cr3t-value",
            "dialScheme": "sip",
            "sipDomain": "pbx.acme.example",
            "fromNumber": "+1 385 555 0142",
            "defaultCountry": "US",
            "callingHoursStart": 9,
            "callingHoursEnd": 17,
            "retentionDays": 30,
            "phoneProperties": ["direct_line", "assistant_phone"],
            "mappedProperties": ["lifecyclestage"],
            "queueHorizonDays": 7,
            "queueListId": "42"
        }),
        Value::Null,
    );
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert_eq!(s.broker_url.as_str(), "https://broker.acme.example");
    assert_eq!(s.client_id, "0a1b2c3d-0000-4000-8000-123456789abc");
    assert_eq!(s.portal_id, Some(PortalId::new("1234567")));
    assert_eq!(s.auth_mode, AuthMode::Direct);
    assert_eq!(s.client_secret.as_ref().map(|c| c.expose()), Some("s3cr3t-value"));
    assert_eq!(s.dial, DialScheme::Sip { domain: Some("pbx.acme.example".into()) });
    assert_eq!(s.from_number.as_deref(), Some("+13855550142"));
    assert_eq!(s.default_country, Some("US"));
    assert_eq!(s.calling_hours, CallingHours { start: 9, end: 17 });
    assert_eq!(s.retention.days(), 30);
    let names = |l: &[PropertyName]| l.iter().map(|n| n.as_str().to_string()).collect::<Vec<_>>();
    assert_eq!(names(&s.phone_properties), ["direct_line", "assistant_phone"]);
    assert_eq!(names(&s.mapped_properties), ["lifecyclestage"]);
    assert_eq!(s.queue_horizon_days, 7);
    assert_eq!(s.queue_source, QueueSource::List { id: ListId::new("42") });
    // Every name but dialTemplate (not used with sip) came from the admin.
    assert!(
        POLICY_KEYS.iter().filter(|k| **k != "dialTemplate").all(|k| s.source(k) == Source::Admin),
        "{:?}",
        s.sources
    );
    let config = s.auth_config();
    assert_eq!(config.pinned_portal, Some(PortalId::new("1234567")));
    assert!(matches!(config.mode, crate::auth::TokenMode::Direct { .. }));
    assert!(!format!("{s:?}").contains("s3cr3t"), "Debug must not show the secret");
}

#[test]
fn an_admins_value_wins_over_the_reps_and_the_rep_fills_the_rest() {
    let rep = json!({"dialScheme": "callto", "defaultCountry": "DE", "queueListId": "77"});
    let s = with(json!({"defaultCountry": "GB"}), rep.clone());
    assert_eq!(s.default_country, Some("GB"));
    assert_eq!(s.source("defaultCountry"), Source::Admin);
    assert_eq!(s.dial, DialScheme::Callto);
    assert_eq!(s.source("dialScheme"), Source::Rep);
    assert_eq!(s.queue_source, QueueSource::List { id: ListId::new("77") });
    assert_eq!(s.source("queueListId"), Source::Rep);
    assert!(s.problems.is_empty(), "{:?}", s.problems);

    let s = with(json!({"dialScheme": "tel", "queueListId": 5}), rep);
    assert_eq!((s.dial.clone(), s.source("dialScheme")), (DialScheme::Tel, Source::Admin));
    assert_eq!(s.queue_source, QueueSource::List { id: ListId::new("5") });
    assert_eq!(s.default_country, Some("DE"));
}

#[test]
fn a_rep_cannot_set_admin_only_fields() {
    let s = with(
        json!({}),
        json!({"retentionDays": 400, "queueHorizonDays": 30, "authMode": "direct", "clientSecret": "x"}),
    );
    assert_eq!(s.retention.days(), 180);
    assert_eq!(s.queue_horizon_days, 0);
    assert_eq!(s.client_secret, None);
}

#[test]
fn a_rep_sets_the_connection_only_where_no_admin_did() {
    let rep = json!({"brokerUrl": "https://broker.acme.example", "clientId": "acme-app", "portalId": "62515"});
    let s = with(json!({}), rep.clone());
    assert_eq!(s.broker_url.as_str(), "https://broker.acme.example");
    assert_eq!((s.client_id.as_str(), s.source("clientId")), ("acme-app", Source::Rep));
    assert_eq!(s.portal_id, Some(PortalId::new("62515")));
    let s = with(json!({"brokerUrl": "https://broker.spotdial.app", "clientId": "corp-app"}), rep);
    assert_eq!((s.broker_url.as_str(), s.source("brokerUrl")), ("https://broker.spotdial.app", Source::Admin));
    assert_eq!(s.client_id, "corp-app");
    // A rep's broker must still be HTTPS (loopback excepted, for development).
    let s = with(json!({}), json!({"brokerUrl": "http://evil.example"}));
    assert_eq!(s.broker_url.as_str(), DEFAULT_BROKER_URL);
}

#[test]
fn an_invalid_admin_value_falls_back_and_is_reported() {
    let s = with(json!({"retentionDays": 400}), Value::Null);
    assert_eq!(s.retention.days(), 180);
    assert_eq!(
        s.problems,
        ["Policy \"retentionDays\": Call history may be kept at most 180 days; the policy asks for 400. The default applies."]
    );
    assert_eq!(s.source("retentionDays"), Source::Default);

    // For a rep-level field the rep's own choice applies, and the problem says so.
    let s = with(json!({"defaultCountry": "Germany"}), json!({"defaultCountry": "AT"}));
    assert_eq!(s.default_country, Some("AT"));
    assert_eq!(s.source("defaultCountry"), Source::Rep);
    assert_eq!(s.problems.len(), 1);
    assert!(s.problems[0].starts_with("Policy \"defaultCountry\": The default country must be a two-letter ISO code"));
    assert!(s.problems[0].ends_with("The rep's own setting applies."), "{}", s.problems[0]);
}

#[test]
fn each_bad_admin_value_is_named_and_the_default_used() {
    let cases: [(&str, Value, &str); 12] = [
        ("brokerUrl", json!("http://broker.acme.example"), "The broker URL must be an https:// address"),
        ("clientId", json!("not an id!"), "The client id must be"),
        ("portalId", json!("acme"), "The portal id must be"),
        ("authMode", json!("sso"), "The auth mode must be"),
        ("dialScheme", json!("skype"), "The dial scheme must be"),
        ("dialTemplate", json!("javascript:{e164}"), "The dial URL template must start with"),
        ("fromNumber", json!("call me"), "The from number cannot be used"),
        ("defaultCountry", json!("Deutschland"), "The default country must be"),
        ("callingHoursStart", json!(-1), "The calling hours start must be a whole hour"),
        ("retentionDays", json!("ninety"), "The call history retention must be a number of days"),
        ("queueHorizonDays", json!(90), "The queue horizon must be"),
        ("queueListId", json!(true), "The queue list id must be"),
    ];
    let baseline = defaults();
    for (key, value, expected) in cases {
        let s = with(json!({ key: value }), Value::Null);
        assert_eq!(s.problems.len(), 1, "{key}: {:?}", s.problems);
        let want = format!("Policy \"{key}\": {expected}");
        assert!(s.problems[0].starts_with(&want), "{key}: {}", s.problems[0]);
        assert!(s.problems[0].ends_with("The default applies."), "{key}: {}", s.problems[0]);
        assert_eq!(s.source(key), Source::Default, "{key}");
        assert_eq!(s.view().settings, baseline.view().settings, "{key} changed a value");
    }
}

#[test]
fn direct_mode_needs_the_companys_own_app() {
    let s = with(json!({"authMode": "direct", "clientSecret": "s3cr3t-value"}), Value::Null);
    assert_eq!(s.auth_mode, AuthMode::Broker);
    assert_eq!(s.client_secret, None);
    assert!(s
        .problems
        .iter()
        .any(|p| p.starts_with("Policy \"authMode\": \"direct\" needs a valid clientSecret and clientId")));
    assert!(s.problems.iter().any(|p| p.starts_with("Policy \"clientSecret\": a client secret is only used")));
    assert!(s.problems.iter().all(|p| !p.contains("s3cr3t")), "{:?}", s.problems);
    assert!(matches!(s.auth_config().mode, crate::auth::TokenMode::Broker { .. }));

    let s = with(json!({"authMode": "direct", "clientId": "abc-123"}), Value::Null);
    assert_eq!(s.auth_mode, AuthMode::Broker);
    assert_eq!(s.problems.len(), 1);

    let s = with(json!({"clientSecret": "s3cr3t-value", "clientId": "abc-123"}), Value::Null);
    assert_eq!(
        (s.auth_mode, s.client_secret.is_none()),
        (AuthMode::Broker, true),
        "a secret alone never switches modes"
    );
    assert_eq!(s.auth_config().client_id, "abc-123");
    assert_eq!(s.problems.len(), 1);
}

#[test]
fn dial_scheme_template_and_sip_domain_combine() {
    let template = "https://pbx.acme.example/call?to={e164}";
    let s = with(json!({"dialTemplate": template}), json!({"dialScheme": "callto"}));
    assert_eq!(s.dial, DialScheme::Callto, "a rep may choose while the admin only offers a template");
    let s = with(json!({"dialTemplate": template}), Value::Null);
    assert!(matches!(&s.dial, DialScheme::Template(t) if t.as_str() == template));
    assert_eq!(s.source("dialScheme"), Source::Admin);

    let s = with(json!({"dialScheme": "template"}), Value::Null);
    assert_eq!(s.dial, DialScheme::Tel);
    assert_eq!(s.problems, ["Policy \"dialScheme\": \"template\" needs a valid dialTemplate in policy; numbers are dialed with tel: instead."]);

    let s = with(json!({}), json!({"dialScheme": "template"}));
    assert_eq!(s.dial, DialScheme::Tel);
    assert!(s.problems[0].starts_with("Your setting \"dialScheme\""));

    let s = with(json!({"dialScheme": "sip", "dialTemplate": template}), Value::Null);
    assert_eq!(s.dial, DialScheme::Sip { domain: None });
    assert_eq!(s.problems, ["Policy \"dialTemplate\": the template is not used because dialScheme is \"sip\"."]);

    let s = with(json!({"dialScheme": "sip", "sipDomain": "bad domain"}), Value::Null);
    assert_eq!(s.dial, DialScheme::Sip { domain: None });
    assert!(s.problems[0].starts_with("Policy \"sipDomain\": The SIP domain must be a host name"));
}

#[test]
fn from_number_uses_the_default_country_for_national_numbers() {
    let s = with(json!({"fromNumber": "030 901820"}), json!({"defaultCountry": "DE"}));
    assert_eq!(s.from_number.as_deref(), Some("+4930901820"));
    let s = with(json!({"fromNumber": "030 901820"}), Value::Null);
    assert_eq!(s.from_number, None);
    assert!(s.problems[0].contains("no country code"), "{:?}", s.problems);
}

#[test]
fn calling_hours_must_start_before_they_end() {
    let s = with(json!({"callingHoursStart": 21, "callingHoursEnd": 8}), Value::Null);
    assert_eq!(s.calling_hours, DEFAULT_CALLING_HOURS);
    assert_eq!(
        s.problems,
        ["Policy \"callingHoursStart\"/\"callingHoursEnd\": calling hours must start before they end, and they are 21 to 8. The default hours (8 to 21) apply."]
    );
    // One end alone is checked against the other's default.
    let s = with(json!({"callingHoursStart": 22}), Value::Null);
    assert_eq!(s.calling_hours, DEFAULT_CALLING_HOURS);
    assert_eq!(s.problems.len(), 1);
    let s = with(json!({"callingHoursStart": 0, "callingHoursEnd": 24}), Value::Null);
    assert_eq!(s.calling_hours, CallingHours { start: 0, end: 24 });
    assert!(s.calling_hours.contains_hour(0) && s.calling_hours.contains_hour(23));
    assert!(DEFAULT_CALLING_HOURS.contains_hour(8) && !DEFAULT_CALLING_HOURS.contains_hour(21));
}

#[test]
fn property_lists_keep_good_names_and_report_each_bad_one() {
    let s = with(
        json!({"phoneProperties": ["direct_line", "Direct Line"], "mappedProperties": "lifecyclestage"}),
        Value::Null,
    );
    assert_eq!(s.phone_properties, [PropertyName::parse("direct_line").unwrap()]);
    assert!(s.mapped_properties.is_empty());
    assert_eq!(s.problems.len(), 2, "{:?}", s.problems);
    assert!(s.problems[0].starts_with("Policy \"phoneProperties\": Each entry must be"));
    assert!(s.problems[1].starts_with("Policy \"mappedProperties\": The value must be a list"));
    assert_eq!(s.source("phoneProperties"), Source::Admin);
    assert_eq!(s.source("mappedProperties"), Source::Default);
}

#[test]
fn unknown_policy_names_and_unreadable_rep_settings_are_reported() {
    let s = with(json!({"retentiondays": 30}), json!("tel"));
    assert_eq!(
        s.problems,
        [
            "Policy \"retentiondays\" is not a Spotdial setting; it is ignored.",
            "Your saved settings could not be read; the defaults apply."
        ]
    );
    assert_eq!(s.retention.days(), 180);
}

#[test]
fn load_reads_policy_key_by_key_and_the_reps_settings() {
    let store = FakeStore::default();
    store.put(Area::Managed, "retentionDays", json!(30));
    store.put(Area::Managed, "dialScheme", json!("callto"));
    store.put(Area::Managed, "retentionDay", json!(30));
    store.put(Area::Local, "settings:v1", json!({"dialScheme": "sip", "defaultCountry": "FR"}));
    let s = block_on(load(&store));
    assert_eq!(s.retention.days(), 30);
    assert_eq!((s.dial.clone(), s.source("dialScheme")), (DialScheme::Callto, Source::Admin));
    assert_eq!((s.default_country, s.source("defaultCountry")), (Some("FR"), Source::Rep));
    assert_eq!(s.problems, ["Policy \"retentionDay\" is not a Spotdial setting; it is ignored."]);
    assert_eq!(store.writes.get(), 0, "loading writes nothing");
}

#[test]
fn load_survives_unreadable_policy_and_says_so() {
    let store = FakeStore::default();
    store.put(Area::Local, "settings:v1", json!({"defaultCountry": "FR"}));
    let s = block_on(load(&Unreadable { inner: &store, area: Area::Managed }));
    assert_eq!(s.default_country, Some("FR"));
    assert_eq!(
        s.problems,
        ["The admin policy could not be read (storage is unavailable); the defaults apply until it can."]
    );

    let s = block_on(load(&Unreadable { inner: &store, area: Area::Local }));
    assert_eq!(s.default_country, None);
    assert_eq!(s.problems, ["Your own settings could not be read (storage is unavailable); the defaults apply."]);
}

#[test]
fn the_options_page_view_hides_the_secret_and_marks_locked_fields() {
    let s = with(
        json!({"authMode": "direct", "clientId": "abc-123", "clientSecret": "s3cr3t-value", "dialScheme": "callto"}),
        json!({"defaultCountry": "DE"}),
    );
    let view = serde_json::to_value(s.view()).unwrap();
    assert!(!view.to_string().contains("s3cr3t"));
    let field = |key: &str| view["settings"].as_array().unwrap().iter().find(|f| f["key"] == key).cloned().unwrap();
    assert_eq!(field("clientSecret")["value"], "set");
    assert_eq!(
        field("dialScheme"),
        json!({"key": "dialScheme", "value": "callto", "source": "admin", "rep_can_change": false})
    );
    assert_eq!(
        field("defaultCountry"),
        json!({"key": "defaultCountry", "value": "DE", "source": "rep", "rep_can_change": true})
    );
    assert_eq!(
        field("queueListId"),
        json!({"key": "queueListId", "value": null, "source": "default", "rep_can_change": true})
    );
    assert_eq!(field("retentionDays")["value"], 180);
    assert_eq!(view["settings"].as_array().unwrap().len(), POLICY_KEYS.len());
}

#[test]
fn the_reps_settings_are_written_as_serde_writes_them() {
    let all = RepSettings {
        dial_scheme: Some(fields::SchemeName::Callto),
        default_country: Some("DE"),
        queue_list_id: Some(crate::ids::ListId::new("12")),
        broker_url: Some("https://broker.example".into()),
        client_id: Some("c".into()),
        portal_id: Some("9".into()),
    };
    let schemes = [fields::SchemeName::Tel, fields::SchemeName::Sip, fields::SchemeName::Template];
    let mut samples = vec![RepSettings::default(), all.clone()];
    samples.extend(schemes.map(|s| RepSettings { dial_scheme: Some(s), ..RepSettings::default() }));
    assert_eq!(crate::testing::agree_write(&samples), 5);
    assert_eq!(all.to_value()["dialScheme"], json!("callto"));
}
