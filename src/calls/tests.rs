//! Calls in progress natively: the stored list (one read per card, unreadable entries kept),
//! drafts and their bounds, staleness, the account an entry belongs to, the previous layout's
//! migration, and two writers that interleave without losing an entry. Layer: core tests.

use super::*;
use crate::ids::{PortalId, UserId};
use crate::testing::{block_on, FakeStore};
use serde_json::json;

const T0: i64 = 1_795_780_800_000;

fn account(portal: &str, user: &str) -> Account {
    Account { portal: PortalId::new(portal), user: UserId::new(user) }
}

fn entry(id: &str, contact: &str, started: i64) -> CallEntry {
    CallEntry {
        external_id: id.into(),
        contact: ContactId::new(contact),
        contact_name: "Ana Alvarez".into(),
        to_e164: "+14155550132".into(),
        number: "(415) 555-0132".into(),
        uri: "tel:+14155550132".into(),
        started_at_ms: started,
        account: Some(account("62515", "1001")),
        task: None,
        outcome: None,
        notes: String::new(),
    }
}

#[test]
fn entries_are_kept_found_by_id_and_contact_and_removed() {
    let store = FakeStore::default();
    block_on(async {
        put(&store, &entry("spotdial-b", "202", T0 + 5)).await.unwrap();
        put(&store, &entry("spotdial-a", "201", T0)).await.unwrap();
        let listed: Vec<String> = all(&store).await.unwrap().into_iter().map(|c| c.external_id).collect();
        assert_eq!(listed, ["spotdial-a", "spotdial-b"], "oldest first");
        assert_eq!(get(&store, "spotdial-b").await.unwrap().map(|c| c.contact.0), Some("202".into()));
        assert_eq!(
            on_contact(&store, &ContactId::new("201")).await.unwrap().map(|c| c.external_id),
            Some("spotdial-a".into())
        );
        assert_eq!(on_contact(&store, &ContactId::new("999")).await.unwrap(), None);
        assert!(remove(&store, "spotdial-a").await.unwrap());
        assert!(!remove(&store, "spotdial-a").await.unwrap(), "a second removal finds nothing");
        assert!(remove(&store, "spotdial-b").await.unwrap());
    });
    assert_eq!(store.value(Area::Local, KEY), None, "an empty list leaves no key behind");
}

#[test]
fn a_draft_is_replaced_only_while_the_call_is_there() {
    let store = FakeStore::default();
    block_on(async {
        let call = entry("spotdial-a", "201", T0);
        put(&store, &call).await.unwrap();
        let drafted = call
            .with_draft(Some("f240bbac-87c9-4f6e-bf70-924b57d47db7".into()), "Spoke about the renewal".into())
            .unwrap();
        assert!(replace(&store, &drafted).await.unwrap());
        let saved = get(&store, "spotdial-a").await.unwrap().unwrap();
        assert_eq!(saved.notes, "Spoke about the renewal");
        assert_eq!(saved.started_at_ms, T0, "the start never moves");
        remove(&store, "spotdial-a").await.unwrap();
        // A draft that arrives after the log does not bring the call back.
        assert!(!replace(&store, &drafted).await.unwrap());
        assert_eq!(all(&store).await.unwrap(), vec![]);
    });
}

#[test]
fn drafts_are_bounded_and_outcomes_shaped() {
    let call = entry("spotdial-a", "201", T0);
    assert!(call.with_draft(None, "x".repeat(MAX_NOTES_CHARS)).is_ok());
    assert_eq!(call.with_draft(None, "x".repeat(MAX_NOTES_CHARS + 1)), Err(DraftError::NotesTooLong));
    // Characters, not bytes: 10,000 accented letters are within the bound.
    assert!(call.with_draft(None, "é".repeat(MAX_NOTES_CHARS)).is_ok());
    assert_eq!(call.with_draft(Some("<img>".into()), String::new()), Err(DraftError::BadOutcome));
    assert_eq!(call.with_draft(Some("x".repeat(65)), String::new()), Err(DraftError::BadOutcome));
    assert_eq!(
        call.with_draft(Some(String::new()), String::new()).unwrap().outcome,
        None,
        "an empty choice is no outcome"
    );
    assert_eq!(DraftError::NotesTooLong.code(), "notes_too_long");
}

#[test]
fn a_call_is_stale_after_twelve_hours() {
    let call = entry("spotdial-a", "201", T0);
    assert!(!call.is_stale(T0 + STALE_MS));
    assert!(call.is_stale(T0 + STALE_MS + 1));
}

#[test]
fn an_entry_belongs_only_to_its_own_portal_and_user() {
    let call = entry("spotdial-a", "201", T0);
    assert!(call.belongs_to(Some(&account("62515", "1001"))));
    assert!(!call.belongs_to(Some(&account("62515", "1002"))), "another user of the same portal");
    assert!(!call.belongs_to(Some(&account("99999", "1001"))), "the same user id in another portal");
    assert!(!call.belongs_to(None));
    let sentence = call.other_account_sentence();
    assert!(sentence.contains("account 62515") && sentence.contains("user 1001"), "{sentence}");
    let legacy = CallEntry { account: None, ..call };
    assert!(!legacy.belongs_to(Some(&account("62515", "1001"))), "an entry without an account is never logged blind");
    assert!(legacy.other_account_sentence().contains("Discard"));
}

#[test]
fn call_ids_are_the_client_made_shape_only() {
    assert!(is_call_id("spotdial-0123456789abcdef0123456789abcdef"));
    for bad in ["", "../x", "a b", "spotdial-1?x", &"a".repeat(101)] {
        assert!(!is_call_id(bad), "{bad}");
    }
}

#[test]
fn an_entry_this_version_cannot_read_survives_a_rewrite() {
    let store = FakeStore::default();
    store.put(Area::Local, KEY, json!({"calls": [{"external_id": "spotdial-future", "shape": "from a newer layout"}]}));
    block_on(async {
        put(&store, &entry("spotdial-a", "201", T0)).await.unwrap();
        assert_eq!(all(&store).await.unwrap().len(), 1);
        remove(&store, "spotdial-a").await.unwrap();
    });
    let kept = store.value(Area::Local, KEY).unwrap();
    assert_eq!(kept["calls"][0]["external_id"], "spotdial-future");
}

#[test]
fn calls_from_the_previous_layout_are_moved_and_held() {
    let store = FakeStore::default();
    store.put(
        Area::Session,
        "call:v1:spotdial-old",
        json!({"external_id": "spotdial-old", "contact": "201",
        "contact_name": "Ana Alvarez", "to_e164": "+14155550132", "started_at_ms": T0}),
    );
    store.put(Area::Session, "cache:v1:outcomes", json!({}));
    let moved = block_on(migrate_legacy(&store)).unwrap();
    assert_eq!(moved, 1);
    assert_eq!(store.keys_in(Area::Session), ["cache:v1:outcomes"]);
    let held = block_on(get(&store, "spotdial-old")).unwrap().unwrap();
    assert_eq!((held.account, held.notes.as_str(), held.started_at_ms), (None, "", T0));
    assert_eq!(block_on(migrate_legacy(&store)).unwrap(), 0, "idempotent");
}

#[test]
fn two_writers_under_the_lock_keep_both_entries() {
    // FakeStore yields at every operation, so without the lock the second read-modify-write
    // would start from the list before the first one's write and drop it.
    let store = FakeStore::default();
    let write = |call: CallEntry| {
        let store = &store;
        async move {
            let _guard = lock().lock().await;
            put(store, &call).await.unwrap();
        }
    };
    block_on(futures_util::future::join(write(entry("spotdial-a", "201", T0)), write(entry("spotdial-b", "202", T0))));
    assert_eq!(block_on(all(&store)).unwrap().len(), 2);
}

#[test]
fn contact_removal_takes_only_that_contacts_calls() {
    let store = FakeStore::default();
    block_on(async {
        put(&store, &entry("spotdial-a", "201", T0)).await.unwrap();
        put(&store, &entry("spotdial-b", "2010", T0)).await.unwrap();
        assert_eq!(
            remove_contact(&store, &ContactId::new("201")).await.unwrap(),
            ContactRemoval { removed: 1, unreadable: 0 }
        );
        let left: Vec<String> = all(&store).await.unwrap().into_iter().map(|c| c.contact.0).collect();
        assert_eq!(left, ["2010"]);
    });
}

#[test]
fn contact_removal_keeps_and_counts_an_entry_it_cannot_read() {
    let store = FakeStore::default();
    block_on(put(&store, &entry("spotdial-a", "201", T0))).unwrap();
    let mut stored = store.value(Area::Local, KEY).unwrap();
    // A newer version's entry: `contact` became an object, so this version cannot read it.
    stored["calls"].as_array_mut().unwrap().push(json!({"external_id": "spotdial-n", "contact": {"id": "201"}}));
    store.put(Area::Local, KEY, stored);
    let removal = block_on(remove_contact(&store, &ContactId::new("201"))).unwrap();
    assert_eq!(removal, ContactRemoval { removed: 1, unreadable: 1 });
    let left = store.value(Area::Local, KEY).unwrap();
    assert_eq!(left["calls"].as_array().map(Vec::len), Some(1), "the unreadable entry is kept: {left}");
}

/// `CallEntry::read` against serde's derive (the reference): every field, the account's and
/// the task's removed or replaced by each kind of JSON value, both read the same call or both
/// refuse (`testing::agree`). `number`, `uri` and `notes` may be absent (empty), not null.
#[test]
fn a_stored_call_reads_as_serdes_derive_reads_it() {
    use crate::testing::{agree, with};
    let call = json!({"external_id": "spotdial-1", "contact": "201", "contact_name": "Ana", "to_e164": "+14155550132",
        "number": "(415) 555-0132", "uri": "tel:+14155550132", "started_at_ms": T0,
        "account": {"portal": "62515", "user": "1001"},
        "task": {"id": "70002", "subject": "Call", "due_ms": null, "priority": "low", "overdue": true},
        "outcome": "f240", "notes": "hi"});
    let old = json!({"external_id": "spotdial-2", "contact": "202", "contact_name": "Ben", "to_e164": "+1", "started_at_ms": 0});
    let bases = [call.clone(), old, with(&call, "task", None)];
    assert!(agree(&bases, CallEntry::read, &["account", "task"], &[]) > 800);
}
