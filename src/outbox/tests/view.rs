//! View and control tests: the popup label of every state, "Retry now", resuming after
//! sign-in, the unsent count, a contact's entries and the next alarm time.
//! Layer: core tests (native only).

use super::*;
use crate::ids::CallId;
use crate::outbox::view::view;
use crate::outbox::{count_unsent, entries_for_contact, list, resume_after_sign_in, retry_now, Hold, State, Status};

/// A stored entry put into `state` with `hold`, next attempt at `next`.
fn stored(h: &Harness, n: u8, state: State, hold: Option<Hold>, next: i64) -> EntryId {
    let id = h.enqueue(n, None);
    let mut e = h.entry(&id).unwrap();
    e.state = state;
    e.hold = hold;
    e.next_attempt_at_ms = next;
    h.store.put(Area::Local, &id.key(), serde_json::to_value(&e).unwrap());
    id
}

#[test]
fn every_state_has_a_label_a_rep_understands() {
    let h = Harness::new();
    let later = T0 + 90_000; // 14:06:30 UTC
    let failed = State::Failed {
        code: "c".into(),
        reason: "HubSpot refused the change: bad".into(),
        retry: true,
        call_id: None,
    };
    let cases = [
        (State::Waiting, None, T0, Status::Waiting, "waiting"),
        (State::Waiting, None, later, Status::Retrying, "retrying at 16:06"),
        (State::Sending { sent_at_ms: T0 }, None, T0, Status::Sending, "sending"),
        (
            State::Uncertain { since_ms: T0, first_miss_ms: None },
            None,
            later,
            Status::CheckingHubSpot,
            "checking HubSpot",
        ),
        (State::Logged { call_id: CallId::new("1") }, None, T0, Status::CompletingTask, "logged, completing the task"),
        (failed, None, T0, Status::Failed, "failed: HubSpot refused the change: bad"),
        (State::Waiting, Some(Hold::SignedOut), later, Status::WaitingForSignIn, "waiting for sign-in"),
        (
            State::Uncertain { since_ms: T0, first_miss_ms: None },
            Some(Hold::NeedsReconnect),
            later,
            Status::WaitingForSignIn,
            "waiting for sign-in",
        ),
        (
            State::Waiting,
            Some(Hold::RateLimited { until_ms: later, policy: "DAILY".into() }),
            later,
            Status::RateLimited,
            "paused by HubSpot's rate limit",
        ),
        (State::Waiting, Some(Hold::Offline), later, Status::Offline, "offline, retrying at 16:06"),
    ];
    for (n, (state, hold, next, status, label)) in cases.into_iter().enumerate() {
        let id = stored(&h, n as u8, state, hold, next);
        let row = view(&h.entry(&id).unwrap(), T0, 120);
        assert_eq!((row.status, row.label.as_str()), (status, label), "case {n}");
        assert_eq!(row.contact_name, ["Ana ", &n.to_string()].concat());
    }
    let rows = block_on(list(&h.store, T0, 120, Some(&account_a()))).unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows.iter().filter(|r| r.can_retry).count(), 7, "failed, and everything waiting for a later time");
}

#[test]
fn retry_now_makes_a_waiting_entry_due_and_leaves_others_alone() {
    let h = Harness::new();
    let backing_off = stored(&h, 1, State::Waiting, Some(Hold::Offline), T0 + 60_000);
    let sending = stored(&h, 2, State::Sending { sent_at_ms: T0 }, None, T0);
    let due = stored(&h, 3, State::Waiting, None, T0);
    assert_eq!(h.next_wake(), Some(T0), "a due entry wakes the alarm now");

    assert_eq!(block_on(retry_now(&h.store, T0, &backing_off)), Ok(true));
    let e = h.entry(&backing_off).unwrap();
    assert_eq!((e.next_attempt_at_ms, e.hold, e.failures), (T0, None, 0));
    assert_eq!(block_on(retry_now(&h.store, T0, &sending)), Ok(false), "an in-flight create is never touched");
    assert_eq!(block_on(retry_now(&h.store, T0, &due)), Ok(false));
    assert_eq!(block_on(retry_now(&h.store, T0, &EntryId::new("spotdial-nope"))), Ok(false));
}

#[test]
fn retry_now_on_an_uncertain_entry_still_waits_for_the_search_lag() {
    let h = Harness::new();
    h.portal.create_faults.borrow_mut().push_back(Fault::StoreThenDrop);
    let id = h.enqueue(1, None);
    h.drain();
    assert_eq!(block_on(retry_now(&h.store, h.now(), &id)), Ok(true));
    h.drain();
    assert_eq!(h.portal.search_times.borrow().first().copied(), Some(T0 + crate::outbox::SETTLE_MS));
    assert_eq!(h.creates(), 1);
}

#[test]
fn resume_after_sign_in_releases_sign_in_and_offline_holds_only() {
    let h = Harness::new();
    let far = T0 + 900_000;
    let a = stored(&h, 1, State::Waiting, Some(Hold::SignedOut), far);
    let b = stored(&h, 2, State::Logged { call_id: CallId::new("5") }, Some(Hold::NeedsReconnect), far);
    let c = stored(&h, 3, State::Waiting, Some(Hold::RateLimited { until_ms: far, policy: "DAILY".into() }), far);
    assert_eq!(block_on(resume_after_sign_in(&h.store, T0)), Ok(2));
    assert_eq!(h.entry(&a).map(|e| (e.next_attempt_at_ms, e.hold)), Some((T0, None)));
    assert_eq!(
        h.entry(&b).map(|e| (e.next_attempt_at_ms, e.state)),
        Some((T0, State::Logged { call_id: CallId::new("5") }))
    );
    assert_eq!(h.entry(&c).map(|e| e.next_attempt_at_ms), Some(far), "HubSpot's pause stands");
}

#[test]
fn a_drain_with_a_token_in_hand_sends_logs_held_for_a_sign_in_and_leaves_a_lost_connection_its_backoff() {
    // A sign-in finished while a refused request was in flight, after it had resumed the
    // outbox: these holds are stale while the keeper has a token (soak seed 707864256).
    let h = Harness::new();
    let far = T0 + 900_000;
    let a = stored(&h, 1, State::Waiting, Some(Hold::SignedOut), far);
    let b = stored(&h, 2, State::Waiting, Some(Hold::NeedsReconnect), far);
    let c = stored(&h, 3, State::Waiting, Some(Hold::Offline), far);
    let d = stored(&h, 4, State::Waiting, Some(Hold::RateLimited { until_ms: far, policy: "DAILY".into() }), far);
    let report = h.drain();
    let mut settled: Vec<EntryId> = report.settled.iter().map(|s| s.id.clone()).collect();
    settled.sort();
    assert_eq!(settled, vec![a, b], "{report:?}");
    assert_eq!(h.creates(), 2);
    assert_eq!(h.entry(&c).map(|e| (e.next_attempt_at_ms, e.hold)), Some((far, Some(Hold::Offline))));
    assert_eq!(h.entry(&d).map(|e| e.next_attempt_at_ms), Some(far), "HubSpot's pause stands");
}

#[test]
fn unsent_count_and_a_contacts_entries() {
    let h = Harness::new();
    stored(&h, 1, State::Waiting, None, T0);
    stored(&h, 2, State::Logged { call_id: CallId::new("5") }, None, T0);
    let fail = |call_id| State::Failed { code: "c".into(), reason: "r".into(), retry: true, call_id };
    stored(&h, 3, fail(None), None, T0);
    stored(&h, 4, fail(Some(CallId::new("6"))), None, T0);
    assert_eq!(block_on(count_unsent(&h.store)), Ok(2), "waiting and failed-before-HubSpot");

    let mine = block_on(entries_for_contact(&h.store, &ContactId::new("503"))).unwrap();
    assert_eq!(mine.iter().map(|e| e.contact_name.as_str()).collect::<Vec<_>>(), ["Ana 3"]);
    assert!(block_on(entries_for_contact(&h.store, &ContactId::new("999"))).unwrap().is_empty());
}

#[test]
fn next_wake_is_the_earliest_active_attempt() {
    let h = Harness::new();
    assert_eq!(h.next_wake(), None);
    stored(&h, 1, State::Waiting, None, T0 + 60_000);
    stored(&h, 2, State::Logged { call_id: CallId::new("5") }, None, T0 + 30_000);
    stored(&h, 3, State::Failed { code: "c".into(), reason: "r".into(), retry: true, call_id: None }, None, T0 + 1);
    assert_eq!(h.next_wake(), Some(T0 + 30_000));
}
