//! Sign-out: removes the tokens, the profile, the rate-budget state, every cache and the call
//! history; keeps the rep's settings and every unsent call log (sent after the next sign-in).
//! Layer: core (pure). Fails closed: any key not on the keep-list goes, whatever its version.
//! Idempotent, and safe to run before or after the auth module's own `sign_out`.

use crate::auth::keeper::{ACCESS_KEY, PENDING_KEY, REFRESH_KEY, STATE_KEY};
use crate::ports::{Area, Store, StoreError};
use serde::Serialize;

/// Key prefixes that survive sign-out: the rep's settings, unsent call logs and their forget
/// marks, calls in progress (each waits for the account it was made under), and the layout
/// version.
pub const KEPT_ON_SIGN_OUT: [&str; 7] =
    ["settings:", "policy:", "outbox:", "verify:", "forget:", "calls:", "storage:version"];

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
/// sign-out, while the new sign-in's tokens and `profile_key` (the new rep's profile, which
/// the account flow owns and names) stay.
pub async fn wipe_previous_account<S: Store>(store: &S, profile_key: &str) -> Result<WipeReport, StoreError> {
    wipe_except(store, &["auth:", profile_key]).await
}

async fn wipe_except<S: Store>(store: &S, also_kept: &[&str]) -> Result<WipeReport, StoreError> {
    let mut report = WipeReport::default();
    let mut first_error = None;
    for area in [Area::Local, Area::Session] {
        let keys = match store.keys(area).await {
            Ok(keys) => keys,
            Err(error) => {
                first_error.get_or_insert(error);
                Vec::new()
            }
        };
        for key in &keys {
            if also_kept.iter().any(|kept| key.starts_with(kept)) {
                continue;
            }
            if KEPT_ON_SIGN_OUT.iter().any(|kept| key.starts_with(kept)) {
                report.unsent_logs_kept += usize::from(key.starts_with(super::forget::OUTBOX_PREFIX));
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
        for key in [ACCESS_KEY, PENDING_KEY, REFRESH_KEY, STATE_KEY, "profile:v1", "budget:v1"] {
            if !keys.iter().any(|k| k == key) && !also_kept.iter().any(|kept| key.starts_with(kept)) {
                if let Err(error) = store.remove(area, key).await {
                    first_error.get_or_insert(error);
                }
            }
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(report),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::inventory::INVENTORY;
    use crate::testing::{block_on, FakeStore};
    use serde_json::json;

    fn full_store() -> FakeStore {
        let store = FakeStore::default();
        for (i, spec) in INVENTORY.iter().enumerate() {
            let key = spec.pattern.replace("<contact id>", "73519").replace("<external id>", "x1");
            store.put(spec.area, &key, json!({"n": i}));
        }
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
    }

    #[test]
    fn the_inventory_agrees_with_the_wipe() {
        for spec in INVENTORY.iter() {
            let kept = KEPT_ON_SIGN_OUT.iter().any(|k| spec.pattern.starts_with(k));
            assert_eq!(kept, !spec.cleared_on_sign_out, "{}", spec.pattern);
        }
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
