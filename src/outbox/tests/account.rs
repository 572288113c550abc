//! Account tests: a log is sent only under the HubSpot account and user it was made under;
//! another account's logs wait (no request, no alarm), are listed as waiting for their account
//! and may be deleted, and a log written before accounts were recorded is held, never sent.
//! Layer: core tests (native only).

use super::*;
use crate::ids::{Account, PortalId, UserId};
use crate::outbox::{delete_held, list, Status};

fn account(portal: &str, user: &str) -> Account {
    Account { portal: PortalId::new(portal), user: UserId::new(user) }
}

/// The harness signed in as someone else than the one who logged the calls.
fn as_other(h: &Harness, account: Account) -> DrainReport {
    let client = h.client();
    block_on(drain(&h.guard, &h.store, &client, &*h.clock, Some(&account)))
}

#[test]
fn another_accounts_log_is_never_sent_and_wakes_no_alarm() {
    let h = Harness::new();
    let id = h.enqueue(1, Some("77"));
    for other in [account("26500001", "1003"), account("62515", "1002")] {
        let report = as_other(&h, other.clone());
        assert_eq!(report, DrainReport::default(), "{other:?}");
        assert_eq!(block_on(next_wake_at_ms(&h.store, h.now(), Some(&other))), Ok(None));
    }
    let client = h.client();
    assert_eq!(block_on(drain(&h.guard, &h.store, &client, &*h.clock, None)), DrainReport::default(), "signed out");
    assert_eq!(h.http.count(), 0, "no request under another account or none");
    // Back under its own account, it goes, once.
    assert_eq!(
        h.drain().settled.iter().map(|s| (s.id.clone(), s.account.clone())).collect::<Vec<_>>(),
        [(id, Some(account_a()))]
    );
    assert_eq!(h.portal.calls.borrow().len(), 1);
}

#[test]
fn a_rate_limit_under_one_account_holds_none_of_anothers() {
    let mut h = Harness::new();
    let theirs = h.enqueue(1, None);
    h.account = account("62515", "1002");
    let mut mine = new_entry(2, None);
    mine.account = h.account.clone();
    block_on(enqueue(&h.store, &*h.clock, mine)).expect("enqueued");
    h.portal.create_faults.borrow_mut().push_back(Fault::Status(429, r#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#.into()));
    h.drain();
    assert_eq!(h.entry(&theirs).expect("kept").hold, None, "another account's log is not touched");
}

#[test]
fn the_popup_lists_another_accounts_log_as_waiting_for_it_and_it_can_be_deleted() {
    let h = Harness::new();
    let theirs = h.enqueue(1, None);
    let other = account("26500001", "1003");
    let rows = block_on(list(&h.store, h.now(), 0, Some(&other))).expect("list");
    assert_eq!((rows[0].status, rows[0].other_account, rows[0].can_retry), (Status::OtherAccount, true, false));
    assert!(rows[0].label.contains("waiting for HubSpot account 62515 (user 1001)"), "{}", rows[0].label);
    assert_eq!(rows[0].account, Some(account_a()));
    // Its own account sees it as an ordinary waiting log, which cannot be deleted.
    let own = block_on(list(&h.store, h.now(), 0, Some(&account_a()))).expect("list");
    assert_eq!((own[0].status, own[0].other_account), (Status::Waiting, false));
    assert_eq!(block_on(delete_held(&h.store, &theirs, Some(&account_a()))), Ok(false));
    assert!(h.entry(&theirs).is_some());
    assert_eq!(block_on(delete_held(&h.store, &theirs, Some(&other))), Ok(true));
    assert!(h.entry(&theirs).is_none());
}

#[test]
fn a_log_saved_before_accounts_were_recorded_is_held_for_everyone() {
    let h = Harness::new();
    let id = h.enqueue(1, None);
    let mut legacy = h.store.value(Area::Local, &id.key()).expect("stored");
    legacy["schema"] = json!(1);
    legacy.as_object_mut().expect("object").remove("account");
    h.store.put(Area::Local, &id.key(), legacy);
    assert_eq!(h.drain(), DrainReport::default());
    assert_eq!(h.http.count(), 0, "never sent on a guess");
    let rows = block_on(list(&h.store, h.now(), 0, Some(&account_a()))).expect("list");
    assert_eq!((rows[0].status, rows[0].other_account), (Status::OtherAccount, true));
    assert!(rows[0].label.starts_with("held:"), "{}", rows[0].label);
    assert_eq!(block_on(crate::outbox::count_unsent(&h.store)), Ok(1), "sign-out still warns about it");
    assert_eq!(block_on(delete_held(&h.store, &id, Some(&account_a()))), Ok(true));
}
