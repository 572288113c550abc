//! The duplicate check without search: the baseline read before the first create, the check
//! that compares the contact's calls with it, the batch read of new calls, and every way the
//! baseline can be missing (the check then searches, as before baselines).
//! Layer: core tests (native only), against the fake portal of `tests/mod.rs`.

use super::*;
use crate::ids::CallId;
use crate::outbox::baseline::{Baseline, MAX_BASELINE_CALLS};
use crate::outbox::timing::{CONFIRM_AFTER_MS, SETTLE_MS};
use crate::outbox::verify::{self, VerifyReport};
use crate::outbox::State;
use std::pin::pin;

const RATE_LIMITED: &str = r#"{"status":"error","message":"You have reached your limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#;

fn colleague_call(h: &Harness, id: &str, contact: &str) {
    h.portal.calls.borrow_mut().push(PortalCall {
        id: id.into(),
        external_id: ["other-dialer-", id].concat(),
        contact: contact.into(),
        created_at_ms: h.now(),
    });
}

fn calls_batch_reads(h: &Harness) -> usize {
    h.http.count_where(|r| r.url == CALLS_BATCH)
}

fn check_of(h: &Harness, id: &EntryId) -> Option<verify::Check> {
    h.store
        .value(Area::Local, &["verify:v1:", id.as_str()].concat())
        .map(|v| serde_json::from_value(v).expect("a check"))
}

fn next_check(h: &Harness) -> Option<i64> {
    block_on(verify::next_due_at_ms(&h.store, Some(&h.account))).expect("store")
}

/// Runs a drain until its first create reaches the portal, then drops it (the worker stopped):
/// what the entry held when the create went out stays in the store to look at.
fn stop_at_the_first_create(h: &Harness) {
    let client = h.client();
    let mut running = pin!(drain(&h.guard, &h.store, &client, &*h.clock, Some(&h.account)));
    while h.portal.create_times.borrow().is_empty() {
        assert!(poll_once(running.as_mut()).is_pending(), "the drain ended before any create");
    }
}

/// Drains, then runs the check once it is due.
fn log_and_check(h: &Harness) -> VerifyReport {
    assert_eq!(h.drain().settled.len(), 1);
    h.clock.advance(CONFIRM_AFTER_MS);
    h.verify()
}

#[test]
fn the_baseline_is_read_once_for_every_log_about_to_be_sent_and_stored_before_the_create_goes_out() {
    let h = Harness::new();
    colleague_call(&h, "8001", "501");
    let first = h.enqueue(1, None);
    let second = h.enqueue(2, None);
    {
        stop_at_the_first_create(&h);
        let sent = h.http.sent.borrow();
        assert_eq!(
            (sent[0].url.as_str(), sent[0].body.as_deref()),
            (CONTACT_CALLS, Some(r#"{"inputs":[{"id":"501"},{"id":"502"}]}"#)),
            "one association read for both logs' contacts"
        );
        assert_eq!((sent[1].url.as_str(), sent.len()), (CALLS, 2), "then the first create");
        // The create is on its way: its entry already holds the baseline.
        let entry = h.entry(&first).expect("kept");
        assert!(matches!(entry.state, State::Sending { .. }));
        assert_eq!(entry.baseline, Some(Baseline::taken(&[CallId::new("8001")])));
        assert_eq!(h.entry(&second).and_then(|e| e.baseline), Some(Baseline::taken(&[])));
    }
    // The drain was dropped mid-create; the entries settle without another baseline read.
    h.clock.advance(2_000);
    h.drain();
    h.wake_and_drain();
    assert_eq!(h.association_reads(), 1, "the baseline is read before the first create only");
}

#[test]
fn a_normal_log_is_checked_with_one_association_read_and_no_search() {
    let h = Harness::new();
    let id = h.enqueue(1, Some("77"));
    let report = log_and_check(&h);
    assert_eq!((report.done, report.archived.len(), report.stopped), (1, 0, None));
    assert_eq!(h.association_reads(), 2, "the baseline, then the check");
    assert_eq!((h.searches(), calls_batch_reads(&h)), (0, 0), "no search, no standard read");
    assert_eq!(check_of(&h, &id), None, "the check is done");
    assert_eq!(next_check(&h), None);
}

#[test]
fn the_duplicate_of_a_resent_create_is_archived_without_a_search_and_ours_kept() {
    let h = Harness::new();
    colleague_call(&h, "8001", "501");
    h.portal.create_faults.borrow_mut().push_back(Fault::StoreTwice);
    let id = h.enqueue(1, None);
    assert_eq!(h.drain().settled[0].call_id.as_str(), "9003", "the outbox saw the second answer only");
    assert_eq!(h.portal.calls_with(id.as_str()), 2, "HubSpot holds the call twice");
    h.clock.advance(CONFIRM_AFTER_MS);
    let report = h.verify();
    assert_eq!(report.archived, vec![CallId::new("9002")]);
    assert_eq!(h.portal.calls_with(id.as_str()), 1);
    assert_eq!(
        h.portal.calls.borrow().iter().find(|c| c.external_id == id.as_str()).map(|c| c.id.clone()),
        Some("9003".into())
    );
    assert_eq!((h.searches(), calls_batch_reads(&h)), (0, 1), "the new call read by id, no search");
    let read = h.http.sent.borrow().iter().find(|r| r.url == CALLS_BATCH).and_then(|r| r.body.clone());
    assert_eq!(
        read.as_deref(),
        Some(r#"{"inputs":[{"id":"9002"}],"properties":["hs_call_external_id"]}"#),
        "the colleague's older call is not read"
    );
    assert_eq!(report.done, 1);
}

#[test]
fn a_colleagues_call_logged_meanwhile_is_read_and_left_alone() {
    let h = Harness::new();
    let id = h.enqueue(1, None);
    assert_eq!(h.drain().settled.len(), 1);
    colleague_call(&h, "8001", "501");
    h.clock.advance(CONFIRM_AFTER_MS);
    let report = h.verify();
    assert_eq!((report.done, report.archived.len()), (1, 0));
    assert_eq!((h.searches(), calls_batch_reads(&h)), (0, 1));
    assert!(h.portal.archived.borrow().is_empty(), "nothing archived");
    assert_eq!((h.portal.calls.borrow().len(), h.portal.calls_with(id.as_str())), (2, 1));
}

#[test]
fn a_baseline_read_that_fails_never_holds_the_log_back_and_its_check_searches() {
    let faults: Vec<(&str, Option<Fault>)> = vec![
        ("429", Some(Fault::Status(429, RATE_LIMITED.into()))),
        ("503", Some(Fault::Status(503, "<html>Service Unavailable</html>".into()))),
        ("transport", Some(Fault::DropBeforeStore)),
        ("paged", None),
    ];
    for (what, fault) in faults {
        let h = Harness::new();
        match fault {
            Some(fault) => h.portal.association_faults.borrow_mut().push_back(fault),
            // More calls on the contact than one answer holds: HubSpot pages on (§7).
            None => (0..ASSOCIATION_PAGE + 1).for_each(|i| colleague_call(&h, &(100_000 + i).to_string(), "501")),
        }
        let id = h.enqueue(1, None);
        let report = h.drain();
        assert_eq!((report.settled.len(), report.stopped.clone(), h.creates()), (1, None, 1), "{what}: sent at once");
        assert_eq!(h.association_reads(), 1, "{what}: not retried in place");
        let check = check_of(&h, &id).expect("scheduled");
        assert_eq!((check.baseline, check.contact), (None, None), "{what}: no baseline");
        h.clock.advance(CONFIRM_AFTER_MS);
        let report = h.verify();
        assert_eq!((report.done, h.searches(), h.association_reads()), (1, 1, 1), "{what}: the search, as before");
    }
}

#[test]
fn a_baseline_too_large_to_keep_is_not_kept() {
    let h = Harness::new();
    (0..MAX_BASELINE_CALLS + 1).for_each(|i| colleague_call(&h, &(100_000 + i).to_string(), "501"));
    let id = h.enqueue(1, None);
    stop_at_the_first_create(&h);
    assert_eq!(h.entry(&id).and_then(|e| e.baseline), Some(Baseline::unavailable()));
}

#[test]
fn an_entry_whose_create_may_have_left_gets_no_baseline() {
    let h = Harness::new();
    let id = h.enqueue(1, None);
    // Written by the previous version, after a create whose answer was lost.
    let mut stored = h.store.value(Area::Local, &id.key()).unwrap();
    stored["state"] = json!({"kind": "uncertain", "since_ms": T0, "first_miss_ms": null});
    stored["attempts"] = json!(1);
    h.store.put(Area::Local, &id.key(), stored);
    h.clock.advance(CONFIRM_AFTER_MS);
    h.drain();
    assert_eq!(h.association_reads(), 0, "a call read now could be our own and hide a duplicate");
}

/// The check of call `call` ("spotdial-a"), logged at T0 on contact 501, which had no calls before.
fn schedule_on_a_contact_without_calls(h: &Harness, call: &str) {
    let baseline = Baseline::taken(&[]);
    block_on(verify::schedule(
        &h.store,
        &h.account,
        "spotdial-a",
        &CallId::new(call),
        Some((&ContactId::new("501"), &baseline)),
        T0,
    ))
    .unwrap();
}

#[test]
fn while_our_call_is_not_on_the_contact_yet_the_check_looks_again_without_a_search() {
    let h = Harness::new();
    schedule_on_a_contact_without_calls(&h, "9009");
    h.clock.advance(CONFIRM_AFTER_MS);
    let report = h.verify();
    assert_eq!(report, VerifyReport::default());
    assert_eq!((h.association_reads(), h.searches()), (1, 0));
    assert_eq!(next_check(&h), Some(T0 + CONFIRM_AFTER_MS + SETTLE_MS));
}

#[test]
fn a_check_with_a_baseline_runs_only_under_its_own_account() {
    let h = Harness::new();
    schedule_on_a_contact_without_calls(&h, "9001");
    h.clock.advance(CONFIRM_AFTER_MS);
    let other =
        crate::ids::Account { portal: crate::ids::PortalId::new("26500001"), user: crate::ids::UserId::new("1003") };
    let client = h.client();
    for account in [None, Some(&other)] {
        let report = block_on(verify::run_due(&h.store, &client, &*h.clock, account)).expect("store");
        assert_eq!(report, VerifyReport::default());
    }
    assert_eq!(h.http.count(), 0, "nothing is sent under another account");
}

#[test]
fn a_failed_read_of_the_new_calls_keeps_the_check_for_later_and_archives_nothing() {
    let h = Harness::new();
    h.portal.create_faults.borrow_mut().push_back(Fault::StoreTwice);
    let id = h.enqueue(1, None);
    h.drain();
    let busy = "<html>Service Unavailable</html>".to_string();
    // The client retries a read three times on a 503 (`READ_RETRIES`): four answers.
    h.portal.batch_read_faults.borrow_mut().extend((0..4).map(|_| Fault::Status(503, busy.clone())));
    h.clock.advance(CONFIRM_AFTER_MS);
    let report = h.verify();
    assert_eq!((report.done, report.archived.len(), h.searches()), (0, 0, 0));
    let check = check_of(&h, &id).expect("kept");
    assert!(check.next_at_ms > h.now(), "looks again later");
    assert_eq!(h.portal.calls_with(id.as_str()), 2, "nothing archived on a guess");
    h.clock.now.set(check.next_at_ms);
    assert_eq!(h.verify().archived.len(), 1, "the next look archives the duplicate");
    assert_eq!((h.portal.calls_with(id.as_str()), h.searches()), (1, 0));
}

#[test]
fn a_contact_whose_calls_no_longer_fit_one_answer_is_checked_by_the_search_in_the_same_run() {
    let h = Harness::new();
    let id = h.enqueue(1, None);
    h.drain();
    // A colleague's campaign logged a page's worth of calls on the contact meanwhile.
    (0..ASSOCIATION_PAGE).for_each(|i| colleague_call(&h, &(100_000 + i).to_string(), "501"));
    h.clock.advance(CONFIRM_AFTER_MS);
    let report = h.verify();
    assert_eq!((report.done, h.association_reads(), h.searches(), calls_batch_reads(&h)), (1, 2, 1, 0));
    assert_eq!(check_of(&h, &id), None);
}

#[test]
fn more_new_calls_than_one_batch_read_takes_are_checked_by_the_search() {
    let h = Harness::new();
    let id = h.enqueue(1, None);
    h.drain();
    (0..101).for_each(|i| colleague_call(&h, &(100_000 + i).to_string(), "501"));
    h.clock.advance(CONFIRM_AFTER_MS);
    let report = h.verify();
    assert_eq!((report.done, h.searches(), calls_batch_reads(&h)), (1, 1, 0), "§12: a batch read takes 100 ids");
    assert_eq!(check_of(&h, &id), None);
}
