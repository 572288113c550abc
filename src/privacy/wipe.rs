//! Sign-out: removes the tokens, the profile, the rate-budget state, every cache and the call
//! history; keeps the rep's settings and every unsent call log (sent after the next sign-in).
//! Layer: core (pure). What stays is what `crate::keys` marks as kept on sign-out, in any layout
//! version of its family; fails closed: every other key goes, known or not.
//! Idempotent, and safe to run before or after the auth module's own `sign_out`.

use crate::keys::{self, StorageKey};
use crate::ports::{Area, Store, StoreError};
use serde::Serialize;

/// True when `key` survives sign-out: a key of the family of a registry entry kept on sign-out
/// (the rep's settings, unsent call logs and their marks, calls in progress, the layout
/// version), whatever its version, so another layout's unsent logs are never lost either.
pub fn kept_on_sign_out(key: &str) -> bool {
    keys::ALL.iter().any(|spec| !spec.cleared_on_sign_out && spec.family() == keys::family(key))
}

/// Registry keys without a suffix that go at sign-out: removed even when a listing missed them.
fn fixed_keys_cleared() -> impl Iterator<Item = &'static StorageKey> {
    keys::ALL.iter().filter(|spec| spec.cleared_on_sign_out && spec.completed_by.is_none())
}

/// What `wipe_on_sign_out` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WipeReport {
    /// Keys removed (present before the wipe).
    pub removed: Vec<String>,
    /// Unsent call logs kept, to be sent after the next sign-in.
    pub unsent_logs_kept: usize,
}

impl WipeReport {
    /// The warning for the popup when unsent logs stay behind, `None` when there are none.
    pub fn warning(&self) -> Option<String> {
        match self.unsent_logs_kept {
            0 => None,
            1 => Some("1 call log is not in HubSpot yet. It stays on this computer and is sent after you sign in again to the same HubSpot account.".into()),
            n => Some(format!(
                "{n} call logs are not in HubSpot yet. They stay on this computer and are sent after you sign in again to the same HubSpot account."
            )),
        }
    }
}

/// Removes everything but the keep-list from local and session storage. Every key is tried
/// even when one fails; the first failure is returned (run it again: it is idempotent).
pub async fn wipe_on_sign_out<S: Store>(store: &S) -> Result<WipeReport, StoreError> {
    wipe_except(store, &[]).await
}

/// A sign-in landed in another HubSpot account or user than the one before, without a
/// sign-out between (a reconnect): the previous account's caches and history go as at
/// sign-out, while the new sign-in's tokens and profile stay.
pub async fn wipe_previous_account<S: Store>(store: &S) -> Result<WipeReport, StoreError> {
    wipe_except(store, &[keys::AUTH_STATE.family(), keys::PROFILE.family()]).await
}

/// `also_kept`: families that stay too.
async fn wipe_except<S: Store>(store: &S, also_kept: &[&str]) -> Result<WipeReport, StoreError> {
    let mut report = WipeReport::default();
    let mut first_error = None;
    for area in [Area::Local, Area::Session] {
        let listed = match store.keys(area).await {
            Ok(keys) => keys,
            Err(error) => {
                first_error.get_or_insert(error);
                Vec::new()
            }
        };
        for key in &listed {
            if also_kept.contains(&keys::family(key)) {
                continue;
            }
            if kept_on_sign_out(key) {
                report.unsent_logs_kept += usize::from(keys::OUTBOX.matches(key));
                continue;
            }
            match store.remove(area, key).await {
                Ok(()) => report.removed.push(key.clone()),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        // The fixed keys go even if a listing missed them (the auth module does the same).
        for spec in fixed_keys_cleared().filter(|spec| spec.area == area) {
            let key = spec.key;
            if !listed.iter().any(|k| k == key) && !also_kept.contains(&spec.family()) {
                if let Err(error) = store.remove(area, key).await {
                    first_error.get_or_insert(error);
                }
            }
        }
    }
    // Duplicate checks are kept (they guard logs already in HubSpot) but may name the contact
    // they read calls of: that goes, and those checks search instead.
    if let Err(error) = crate::outbox::verify::forget_contacts(store, None).await {
        first_error.get_or_insert(error);
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(report),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::ALL;
    use crate::testing::{block_on, FakeStore};
    use serde_json::json;

    fn full_store() -> FakeStore {
        let store = FakeStore::default();
        for (i, spec) in ALL.iter().enumerate() {
            let key = spec.with(if spec.key == keys::CONTACT_CARD.key { "73519" } else { "x1" }).unwrap();
            store.put(spec.area, &key, json!({"n": i}));
        }
        // A pending duplicate check that names its contact (it reads that contact's calls).
        store.put(
            Area::Local,
            "verify:v1:x1",
            json!({"account": {"portal": "62515", "user": "1001"}, "external_id": "x1", "call_id": "9002",
                "since_ms": 0, "checks": 0, "next_at_ms": 30000, "failures": 0, "contact": "73519", "baseline": "9001"}),
        );
        store.put(Area::Local, "outbox:v1:x2", json!({"log": {"contact": "1"}}));
        store.put(Area::Session, "cache:v2:queue", json!({}));
        store.put(Area::Local, "mystery", json!("from a newer build"));
        store
    }

    #[test]
    fn sign_out_keeps_settings_and_unsent_logs_and_removes_the_rest() {
        let store = full_store();
        let report = block_on(wipe_on_sign_out(&store)).unwrap();
        assert_eq!(
            store.keys_in(Area::Local),
            [
                "calls:v1",
                "forget:v1:x1",
                "outbox:v1:x1",
                "outbox:v1:x2",
                "policy:v1",
                "settings:v1",
                "storage:version",
                "verify:v1:x1"
            ]
        );
        assert!(store.keys_in(Area::Session).is_empty());
        assert_eq!(report.unsent_logs_kept, 2);
        assert_eq!(
            report.warning().as_deref(),
            Some("2 call logs are not in HubSpot yet. They stay on this computer and are sent after you sign in again to the same HubSpot account.")
        );
        assert!(report.removed.contains(&"auth:v1:refresh".to_string()));
        assert!(report.removed.contains(&"mystery".to_string()), "fails closed on unknown keys");
        let check = store.value(Area::Local, "verify:v1:x1").unwrap();
        assert_eq!(
            (check.get("contact"), check.get("baseline")),
            (None, None),
            "the kept check names no contact: {check}"
        );
        assert_eq!(check["call_id"], "9002", "and still guards the call");
    }

    #[test]
    fn no_family_holds_both_kept_and_cleared_keys() {
        // Families decide what a sign-out keeps, so one family must not mix the two.
        for spec in ALL.iter() {
            assert_eq!(kept_on_sign_out(&spec.with("x1").unwrap()), !spec.cleared_on_sign_out, "{}", spec.key);
        }
        assert!(kept_on_sign_out("outbox:v2:x"), "a newer layout's unsent log stays");
        assert!(!kept_on_sign_out("cache:v2:queue"));
        assert!(!kept_on_sign_out("mystery"));
    }

    #[test]
    fn wiping_twice_is_harmless_and_reports_nothing_new() {
        let store = full_store();
        block_on(wipe_on_sign_out(&store)).unwrap();
        let again = block_on(wipe_on_sign_out(&store)).unwrap();
        assert!(again.removed.is_empty());
        assert_eq!(again.unsent_logs_kept, 2);
        assert_eq!(block_on(wipe_on_sign_out(&FakeStore::default())).unwrap().warning(), None);
    }

    #[test]
    fn a_failed_wipe_is_reported_and_a_retry_finishes_it() {
        let store = full_store();
        store.fail_writes.set(true);
        assert!(block_on(wipe_on_sign_out(&store)).is_err());
        store.fail_writes.set(false);
        let report = block_on(wipe_on_sign_out(&store)).unwrap();
        assert!(report.removed.contains(&"auth:v1:refresh".to_string()));
        assert!(store.keys_in(Area::Session).is_empty());
        assert!(store.value(Area::Local, "history:v1:x1").is_none());
    }
}
