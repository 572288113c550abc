//! Privacy and retention: what Spotdial keeps (the inventory), the rep's call history, the
//! daily purge, "Delete prospect data", the sign-out wipe and the storage-layout migration.
//! Layer: core (pure). Everything goes through `ports::Store`; time through `ports::Clock`.

pub mod forget;
pub mod history;
pub mod inventory;
pub mod migrate;
pub mod retention;
pub mod wipe;

pub use forget::{find_contacts, forget_contact, ForgetReport, FoundContact, FORGET_CONFIRMATION};
pub use history::{HistoryEntry, Recorded};
pub use inventory::{classify_key, inventory, is_known_key, readme_section, KeySpec};
pub use migrate::{migrate, MigrationReport, CURRENT_LAYOUT, LAYOUT_VERSION_KEY};
pub use retention::{next_purge_at_ms, purge, PurgeReport, RetentionDays, PURGE_ALARM};
pub use wipe::{wipe_on_sign_out, WipeReport};

/// Calls `f` on every string and number leaf of `value` (numbers as their decimal text).
/// Used wherever a trace of a contact must be looked for in a value of unknown shape.
pub(crate) fn any_leaf(value: &serde_json::Value, f: &mut dyn FnMut(&str) -> bool) -> bool {
    use serde_json::Value;
    match value {
        Value::String(s) => f(s),
        Value::Number(n) => f(&n.to_string()),
        Value::Array(items) => items.iter().any(|v| any_leaf(v, f)),
        Value::Object(map) => map.iter().any(|(k, v)| f(k) || any_leaf(v, f)),
        Value::Bool(_) | Value::Null => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ContactId;
    use crate::ports::Area;
    use crate::testing::{block_on, FakeClock, FakeStore};
    use serde_json::json;

    /// Runs every writer of this module (and settings) and checks that each key left in
    /// storage is in the inventory, in the area the inventory says.
    #[test]
    fn every_key_written_is_in_the_inventory() {
        let store = FakeStore::default();
        let clock = FakeClock::at(1_800_000_000_000);
        let mut seen = Vec::new();
        let mut check = |store: &FakeStore| {
            for area in [Area::Local, Area::Session] {
                for key in store.keys_in(area) {
                    let spec = classify_key(&key).unwrap_or_else(|| panic!("{key} is not in the inventory"));
                    assert_eq!(spec.area, area, "{key}");
                    seen.push(key);
                }
            }
        };
        block_on(async {
            migrate(&store).await.unwrap();
            check(&store);
            crate::settings::save_rep(&store, &json!({"dialScheme": "sip"})).await.unwrap();
            check(&store);
            for (id, contact) in [("log-1", "1"), ("log-2", "2")] {
                history::record(&store, &history::tests::entry(id, contact, clock.now.get())).await.unwrap();
            }
            store.put(
                Area::Local,
                "outbox:v1:log-3",
                json!({"schema": 1, "log": {"external_id": "log-3", "contact": "2"}}),
            );
            forget_contact(&store, &ContactId::new("2")).await.unwrap();
            check(&store);
            // HubSpot has log-3; the outbox drops it and the worker never records it: the
            // purge stamps the lone mark, which must itself be an inventory key.
            store.data.borrow_mut().entry(Area::Local).or_default().remove("outbox:v1:log-3");
            purge(&store, &clock, RetentionDays::default()).await.unwrap();
            check(&store);
            wipe_on_sign_out(&store).await.unwrap();
            check(&store);
        });
        for key in ["storage:version", "settings:v1", "history:v1:log-1", "forget:v1:log-3"] {
            assert!(seen.iter().any(|k| k == key), "{key} was never written: the check proved nothing");
        }
    }
}
