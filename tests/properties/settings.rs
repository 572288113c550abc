//! Properties of admin policy and rep settings (`src/settings/`): each field's parser on any
//! JSON, `settings::load` over any managed map, and the rep's settings as a round trip through
//! storage. Layer: tests (native), with a store that holds exactly what it is given.

use super::{config, json, leaf, text};
use futures_util::FutureExt;
use proptest::prelude::*;
use serde_json::{Map, Value};
use spotdial::ports::{Area, Store, StoreError};
use spotdial::settings::{self, fields, RepSettings, RetentionDays, POLICY_KEYS, REP_KEYS, SETTINGS_KEY};
use std::collections::BTreeMap;

/// Values near what each setting takes (schemes, URLs, ids, hours, property lists), each
/// possibly of the wrong type, and any JSON.
fn policy_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => prop::sample::select(vec![
            "tel", "callto", "sip", "template", "SIP", "broker", "direct", "https://broker.example/x/",
            "http://localhost:8787", "http://127.0.0.1", "https://UPPER.example/Path", "https://a.example?x=1",
            "https://@evil", "https://host:99999", "javascript:alert(1)", "https://pbx.example/d?n={digits}",
            "+14155550100", "US", "Germany", "a1b2c3d4-0000-1111-2222-333344445555", "62515", "phone",
        ])
        .prop_map(Value::from),
        2 => leaf(),
        1 => prop::collection::vec(prop_oneof![text().prop_map(Value::from), leaf()], 0..5).prop_map(Value::Array),
        1 => json(),
    ]
}

/// A managed-policy map: Spotdial's names and others, with any values.
fn policy() -> impl Strategy<Value = Map<String, Value>> {
    let name = prop_oneof![4 => prop::sample::select(POLICY_KEYS.to_vec()).prop_map(String::from), 1 => text()];
    prop::collection::vec((name, policy_value()), 0..10).prop_map(|fields| fields.into_iter().collect())
}

/// A rep's saved settings: the rep's names with values near theirs, or any JSON.
fn rep_input() -> impl Strategy<Value = Value> {
    let name = prop_oneof![4 => prop::sample::select(REP_KEYS.to_vec()).prop_map(String::from), 1 => text()];
    prop_oneof![
        4 => prop::collection::vec((name, policy_value()), 0..6)
            .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        1 => json(),
    ]
}

/// A store that answers from maps and never fails (the failing paths have unit tests).
#[derive(Default)]
struct MapStore(BTreeMap<(u8, String), Value>);

fn slot(area: Area, key: &str) -> (u8, String) {
    (area as u8, key.to_string())
}

impl Store for MapStore {
    async fn get(&self, area: Area, key: &str) -> Result<Option<Value>, StoreError> {
        Ok(self.0.get(&slot(area, key)).cloned())
    }
    async fn set(&self, _: Area, _: &str, _: Value) -> Result<(), StoreError> {
        Err(StoreError("read-only in this test".into()))
    }
    async fn remove(&self, _: Area, _: &str) -> Result<(), StoreError> {
        Err(StoreError("read-only in this test".into()))
    }
    async fn keys(&self, area: Area) -> Result<Vec<String>, StoreError> {
        Ok(self.0.keys().filter(|(a, _)| *a == area as u8).map(|(_, k)| k.clone()).collect())
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Each policy field's parser answers any JSON with a value or a sentence, and what it
    /// accepts is within the field's range.
    #[test]
    fn every_field_reads_any_value(value in policy_value(), default_country in prop::option::of(prop::sample::select(vec!["US", "DE", "XX"]))) {
        if let Ok(url) = fields::broker_url(&value) {
            let url = url.as_str();
            prop_assert!(url.starts_with("https://") || url.starts_with("http://localhost") || url.starts_with("http://127.0.0.1"), "{url}");
            prop_assert!(!url.contains(['?', '#', '@']) && !url.ends_with('/'), "{url}");
            // Normalising is idempotent: the stored URL reads back as itself.
            prop_assert_eq!(fields::broker_url(&Value::from(url)).map(|u| u.as_str().to_string()), Ok(url.to_string()));
        }
        let _ = fields::client_id(&value);
        if let Ok(portal) = fields::portal_id(&value) {
            prop_assert!(portal.is_numeric());
        }
        let _ = fields::auth_mode(&value);
        let _ = fields::client_secret(&value);
        let _ = fields::dial_scheme(&value);
        let _ = fields::dial_template(&value);
        let _ = fields::sip_domain(&value);
        if let Ok(number) = fields::from_number(&value, default_country) {
            prop_assert!(number.starts_with('+'), "{number}");
        }
        let _ = fields::country(&value);
        if let Ok(hour) = fields::hour(&value, "start") {
            prop_assert!(hour <= 24);
        }
        let (names, problems) = fields::property_names(&value);
        prop_assert!(problems.iter().all(|p| !p.message().is_empty()));
        prop_assert!(names.iter().all(|n| !n.as_str().is_empty()));
        if let Ok(days) = fields::horizon_days(&value) {
            prop_assert!(days <= 30);
        }
        if let Ok(list) = fields::list_id(&value) {
            prop_assert!(list.is_numeric());
        }
        if let Ok(days) = RetentionDays::from_policy(&value) {
            prop_assert_eq!(RetentionDays::new(i64::from(days.days())), Ok(days));
        }
        prop_assert!(!fields::describe(&value).is_empty());
    }

    /// `load` over any managed map and any saved rep settings: settings always come out (the
    /// defaults where a value is refused), they equal resolving the same layers, every problem
    /// is a sentence, and the options page's view of them is built.
    #[test]
    fn any_policy_loads(policy in policy(), rep in rep_input()) {
        let mut store = MapStore::default();
        for (key, value) in &policy {
            store.0.insert(slot(Area::Managed, key), value.clone());
        }
        store.0.insert(slot(Area::Local, SETTINGS_KEY), rep.clone());
        let loaded = settings::load(&store).now_or_never().ok_or_else(|| TestCaseError::fail("load waited on nothing"))?;
        let mut layers: Map<String, Value> = Map::new();
        for (key, value) in &policy {
            let known = POLICY_KEYS.contains(&key.as_str());
            layers.insert(key.clone(), if known { value.clone() } else { Value::Null });
        }
        prop_assert_eq!(&loaded, &settings::resolve(&layers, &rep));
        prop_assert!(loaded.problems.iter().all(|p| !p.trim().is_empty()));
        prop_assert!(loaded.queue_horizon_days <= 30);
        loaded.view();
        loaded.auth_config();
    }

    /// The copy of the policy kept for a fast start never holds the client secret, and stands
    /// in for the real policy only when it resolves to the same settings (direct mode, whose
    /// secret it lacks, waits for the real policy however its name is written).
    #[test]
    fn a_policy_snapshot_stands_in_only_for_the_same_settings(
        policy in policy(),
        mode in prop::sample::select(vec!["direct", "DIRECT", " Direct ", "broker", "Broker", "direct\u{0}"]),
        secret in prop::sample::select(vec!["a-valid-looking-client-secret-0123456789", ""]),
        rep in rep_input(),
    ) {
        let mut policy = policy;
        policy.insert("authMode".into(), Value::from(mode));
        policy.insert("clientSecret".into(), Value::from(secret));
        policy.insert("clientId".into(), Value::from("a1b2c3d4-0000-1111-2222-333344445555"));
        let snapshot = settings::policy_snapshot(&policy);
        prop_assert!(!snapshot.contains_key("clientSecret"));
        if settings::snapshot_can_stand_in(&snapshot) {
            let comparable = |mut s: settings::Settings| {
                s.problems.clear();
                s.sources.clear();
                s
            };
            prop_assert_eq!(
                comparable(settings::resolve(&snapshot, &rep)),
                comparable(settings::resolve(&policy, &rep)),
                "authMode {:?}", mode
            );
        }
    }

    /// What the options page shows is what applies: the values shown, given back as the
    /// rep's own settings (pressing Save without a change) are accepted, and given as an
    /// admin's policy resolve to the same settings.
    #[test]
    fn shown_settings_read_back_as_the_same(policy in policy(), rep in rep_input()) {
        let resolved = settings::resolve(&policy, &rep);
        let shown = resolved.view().settings;
        let value = |keys: &[&str]| -> Value {
            Value::Object(
                shown
                    .iter()
                    .filter(|s| keys.contains(&s.key) && !s.value.is_null())
                    .map(|s| (s.key.to_string(), s.value.clone()))
                    .collect(),
            )
        };
        let changeable: Vec<&str> = shown.iter().filter(|s| s.rep_can_change).map(|s| s.key).collect();
        let saved = value(&changeable);
        prop_assert!(RepSettings::parse(&saved).is_ok(), "{} refused: {:?}", saved, RepSettings::parse(&saved).err());
        let all: Vec<&str> = POLICY_KEYS.iter().copied().filter(|k| !["clientSecret", "authMode"].contains(k)).collect();
        let Value::Object(as_policy) = value(&all) else { return Ok(()) };
        let comparable = |mut s: settings::Settings| {
            s.problems.clear();
            s.sources.clear();
            s.auth_mode = settings::AuthMode::Broker;
            s.client_secret = None;
            s
        };
        prop_assert_eq!(comparable(settings::resolve(&as_policy, &Value::Null)), comparable(resolved));
    }

    /// The rep's settings: any input is accepted or refused with sentences, and what is
    /// accepted is stored in a form that reads back as the same settings.
    #[test]
    fn rep_settings_round_trip(input in rep_input()) {
        match RepSettings::parse(&input) {
            Ok(parsed) => {
                let stored = parsed.to_value();
                prop_assert_eq!(RepSettings::parse(&stored), Ok(parsed));
                // What the options page saved is what applies: with no admin policy, resolving
                // the stored settings raises no problem (a saved choice is never silently dropped).
                let applied = settings::resolve(&Map::new(), &stored);
                prop_assert!(applied.problems.is_empty(), "{:?} from {}", applied.problems, stored);
            }
            Err(problems) => prop_assert!(!problems.is_empty() && problems.iter().all(|p| !p.message().is_empty())),
        }
    }
}
