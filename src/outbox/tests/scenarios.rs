//! Drain scenarios against the fake portal: the happy path, every way an answer gets lost
//! (with search lagging behind), a worker stopped mid-send, 5xx, 429, sign-in trouble,
//! refusals, task failures, single flight and bounded backoff. Each ends by counting the calls
//! the portal holds. Layer: core tests (native only).

use super::*;
use crate::outbox::timing::{backoff_ms, BACKOFF_CAP_MS, CONFIRM_AFTER_MS, SETTLE_MS, SIGN_IN_RECHECK_MS};
use crate::outbox::{list, resume_after_sign_in, retry_now, Hold, State, Status, TaskResult};
use crate::testing::yield_now;
use futures_util::future::join;
use std::pin::pin;

const RATE_LIMITED: &str = r#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c-429","policyName":"TEN_SECONDLY_ROLLING","requestId":"r"}"#;
const INVALID: &str = r#"{"status":"error","message":"Property values were not valid: hs_call_disposition","correlationId":"c-400","category":"VALIDATION_ERROR","errors":[{"message":"unknown outcome","code":"INVALID_OPTION"}]}"#;
const NOT_FOUND: &str =
    r#"{"status":"error","message":"Object not found.","correlationId":"c-404","category":"OBJECT_NOT_FOUND"}"#;
const UNAUTHORIZED: &str =
    r#"{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}"#;

fn state(h: &Harness, id: &EntryId) -> State {
    h.entry(id).expect("the entry is kept").state
}

fn label(h: &Harness, id: &EntryId) -> (Status, String) {
    let rows = block_on(list(&h.store, h.now(), 0, Some(&account_a()))).expect("list");
    let row = rows.into_iter().find(|r| r.id == id.as_str()).expect("listed");
    (row.status, row.label)
}

#[test]
fn happy_path_sends_one_create_completes_the_task_and_removes_the_entry() {
    let h = Harness::new();
    let id = h.enqueue(1, Some("77"));
    let report = h.drain();

    assert_eq!(h.creates(), 1);
    let sent = h.http.sent.borrow();
    assert_eq!(
        (sent[0].url.as_str(), sent[0].body.as_deref()),
        (CONTACT_CALLS, Some(r#"{"inputs":[{"id":"501"}]}"#)),
        "the contact's calls first: the duplicate check's baseline"
    );
    let body: Value = serde_json::from_str(sent[1].body.as_deref().unwrap_or("")).unwrap();
    assert_eq!(body["properties"]["hs_call_external_id"], id.as_str());
    assert_eq!(body["associations"][0]["to"]["id"], "501");
    assert_eq!(
        (sent[2].method, sent[2].url.as_str()),
        (Method::Patch, "https://api.hubapi.com/crm/objects/2026-03/tasks/77")
    );
    assert_eq!(sent.len(), 3, "no lookup when the answer arrived");

    assert_eq!(h.portal.calls_with(id.as_str()), 1);
    assert_eq!(h.portal.calls.borrow()[0].contact, "501");
    assert_eq!(*h.portal.completed_tasks.borrow(), ["77"]);
    assert_eq!(h.entry(&id), None, "settled entries leave the outbox");
    assert_eq!(report.settled.len(), 1);
    let settled = &report.settled[0];
    assert_eq!(
        (settled.id.clone(), settled.call_id.as_str(), settled.task_result),
        (id, "9001", TaskResult::Completed)
    );
    assert_eq!(settled.contact_name, "Ana 1");
    assert_eq!(report.creates_attempted, 1);
    assert_eq!((report.stopped.clone(), report.store_error.clone()), (None, None));
    assert_eq!(h.next_wake(), None);
    assert!(h.clock.sleeps.borrow().is_empty());
}

#[test]
fn answer_lost_after_hubspot_stored_the_call_is_found_by_lookup_despite_the_search_lag() {
    let h = Harness::new();
    h.portal.create_faults.borrow_mut().push_back(Fault::StoreThenDrop);
    let id = h.enqueue(1, Some("77"));

    let report = h.drain();
    assert_eq!(report.stopped, Some(Hold::Offline), "a dropped connection stops the drain");
    assert_eq!(state(&h, &id), State::Uncertain { since_ms: T0, first_miss_ms: None });
    assert_eq!(label(&h, &id), (Status::CheckingHubSpot, "checking HubSpot".to_string()));
    assert_eq!(h.next_wake(), Some(T0 + SETTLE_MS), "no lookup before the search lag");
    assert_eq!(h.searches(), 0);

    // The next drain looks it up; search does not show the call yet (lag of 8 s).
    let report = h.wake_and_drain();
    assert_eq!(h.searches(), 1);
    assert!(report.settled.is_empty());
    assert_eq!(state(&h, &id), State::Uncertain { since_ms: T0, first_miss_ms: Some(T0 + SETTLE_MS) });
    assert_eq!(h.next_wake(), Some(T0 + CONFIRM_AFTER_MS));

    // The confirming lookup finds it: logged, never sent again.
    let report = h.wake_and_drain();
    assert_eq!(h.searches(), 2);
    assert_eq!(report.settled.len(), 1);
    assert_eq!(report.settled[0].call_id.as_str(), "9001");
    assert_eq!(h.creates(), 1);
    assert_eq!(h.portal.calls.borrow().len(), 1, "exactly one call in HubSpot");
    assert_eq!(*h.portal.completed_tasks.borrow(), ["77"]);
    assert_eq!(h.entry(&id), None);
}

#[test]
fn answer_lost_before_hubspot_stored_it_is_resent_once_after_two_spaced_misses() {
    let h = Harness::new();
    h.portal.create_faults.borrow_mut().push_back(Fault::DropBeforeStore);
    let id = h.enqueue(1, None);

    h.drain();
    h.wake_and_drain();
    assert_eq!((h.searches(), h.creates()), (1, 1), "one miss is not enough to resend");
    let report = h.wake_and_drain();

    assert_eq!((h.searches(), h.creates()), (2, 2));
    assert_eq!(*h.portal.search_times.borrow(), [T0 + SETTLE_MS, T0 + CONFIRM_AFTER_MS], "after the lag, spaced");
    assert_eq!(*h.portal.create_times.borrow(), [T0, T0 + CONFIRM_AFTER_MS]);
    assert_eq!(report.settled.len(), 1);
    assert_eq!(h.portal.calls.borrow().len(), 1, "exactly one call in HubSpot");
    assert_eq!(h.entry(&id), None);
}

#[test]
fn worker_stopped_after_the_create_left_settles_by_lookup_without_a_second_create() {
    let h = Harness::new();
    let id = h.enqueue(1, None);
    {
        let client = h.client();
        let mut running = pin!(drain(&h.guard, &h.store, &client, &*h.clock, Some(&h.account)));
        for _ in 0..100 {
            if !h.portal.calls.borrow().is_empty() {
                break;
            }
            assert!(poll_once(running.as_mut()).is_pending());
        }
        assert_eq!(h.portal.calls.borrow().len(), 1, "HubSpot stored the call");
        assert!(h.guard.is_draining());
    } // Chrome stops the worker here: the drain is dropped before it records the answer.
    assert!(!h.guard.is_draining(), "a dropped drain releases the guard");
    assert!(matches!(state(&h, &id), State::Sending { sent_at_ms: T0 }), "Sending was persisted before the request");

    h.clock.advance(2_000);
    let restart = h.now();
    let report = h.drain();
    assert!(report.settled.is_empty());
    assert_eq!(state(&h, &id), State::Uncertain { since_ms: restart, first_miss_ms: Some(restart + SETTLE_MS) });
    assert_eq!(*h.clock.sleeps.borrow(), [SETTLE_MS as u64], "the short settle wait is slept in place");

    let report = h.wake_and_drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!(h.creates(), 1);
    assert_eq!(h.portal.calls.borrow().len(), 1);
}

#[test]
fn a_stale_sending_whose_request_never_left_is_resent_exactly_once() {
    let h = Harness::new();
    let id = h.enqueue(1, None);
    // The worker persisted Sending and was stopped before `fetch` ran.
    let mut stored = h.store.value(Area::Local, &id.key()).unwrap();
    stored["state"] = json!({"kind": "sending", "sent_at_ms": T0});
    stored["attempts"] = json!(1);
    stored["last_sent_at_ms"] = json!(T0);
    h.store.put(Area::Local, &id.key(), stored);

    h.drain();
    assert_eq!((h.searches(), h.creates()), (1, 0));
    let report = h.wake_and_drain();
    assert_eq!((h.searches(), h.creates()), (2, 1));
    assert_eq!(report.settled.len(), 1);
    assert_eq!(h.portal.calls.borrow().len(), 1);
}

#[test]
fn a_5xx_on_create_is_looked_up_and_resent_once() {
    let h = Harness::new();
    h.portal.create_faults.borrow_mut().push_back(Fault::Status(503, "<html>Service Unavailable</html>".into()));
    let id = h.enqueue(1, None);

    let report = h.drain();
    assert_eq!(report.stopped, None, "HubSpot answered: the network is fine");
    assert_eq!(h.searches(), 1, "looked up inside the same drain after a short wait");
    assert!(matches!(state(&h, &id), State::Uncertain { first_miss_ms: Some(_), .. }));

    let report = h.wake_and_drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!((h.creates(), h.searches()), (2, 2));
    assert_eq!(h.portal.calls.borrow().len(), 1);
}

#[test]
fn a_5xx_after_hubspot_stored_the_call_is_not_resent() {
    let h = Harness::new();
    h.portal.create_faults.borrow_mut().push_back(Fault::StoreThenStatus(500));
    h.enqueue(1, None);
    h.drain();
    let report = h.wake_and_drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!(h.creates(), 1);
    assert_eq!(h.portal.calls.borrow().len(), 1);
}

#[test]
fn a_2xx_with_an_unreadable_body_is_settled_by_lookup_not_resent() {
    let h = Harness::new();
    h.portal.create_faults.borrow_mut().push_back(Fault::StoreThenStatus(201));
    h.enqueue(1, None);
    h.drain();
    let report = h.wake_and_drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!((h.creates(), h.portal.calls.borrow().len()), (1, 1));
}

#[test]
fn a_429_holds_every_log_until_retry_at_and_loses_none() {
    let h = Harness::new();
    h.portal.create_faults.borrow_mut().push_back(Fault::Status(429, RATE_LIMITED.into()));
    let first = h.enqueue(1, None);
    h.clock.advance(1);
    let second = h.enqueue(2, None);

    let report = h.drain();
    // One window after the 429, plus up to half of it drawn per browser (`RateBudget`).
    let Some(Hold::RateLimited { until_ms: until, policy }) = report.stopped.clone() else { panic!("{report:?}") };
    assert_eq!(policy, "TEN_SECONDLY_ROLLING");
    assert!((T0 + 1 + 10_000..T0 + 1 + 15_000).contains(&until), "{until}");
    assert_eq!(h.creates(), 1, "draining stops: every request would be refused");
    assert_eq!(state(&h, &first), State::Waiting);
    assert_eq!(h.entry(&second).map(|e| e.next_attempt_at_ms), Some(until), "the others wait too");
    assert_eq!(h.next_wake(), Some(until));
    assert_eq!(label(&h, &second), (Status::RateLimited, "paused by HubSpot's rate limit".to_string()));

    let report = h.wake_and_drain();
    assert_eq!(report.settled.len(), 2);
    assert_eq!(h.creates(), 3);
    assert_eq!((h.portal.calls_with(first.as_str()), h.portal.calls_with(second.as_str())), (1, 1));
    assert_eq!(h.next_wake(), None);
}

#[test]
fn signed_out_keeps_the_log_waiting_for_sign_in_then_sends_it_once() {
    let mut h = Harness::new();
    h.tokens.signed_out = true;
    let id = h.enqueue(1, Some("77"));

    let report = h.drain();
    assert_eq!(report.stopped, Some(Hold::SignedOut));
    assert_eq!(h.http.count(), 0);
    assert_eq!(state(&h, &id), State::Waiting);
    assert_eq!(label(&h, &id), (Status::WaitingForSignIn, "waiting for sign-in".to_string()));
    assert_eq!(h.next_wake(), Some(T0 + SIGN_IN_RECHECK_MS));
    assert_eq!(h.drain().creates_attempted, 0, "not due again before the recheck");

    h.tokens.signed_out = false;
    h.clock.advance(60_000);
    assert_eq!(block_on(resume_after_sign_in(&h.store, h.now())), Ok(1));
    let report = h.drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!(h.creates(), 1);
    assert_eq!(h.portal.calls.borrow().len(), 1);
}

#[test]
fn a_reconnect_that_finishes_while_a_log_is_refused_for_it_sends_the_log_instead_of_holding_it() {
    let h = Harness::new();
    // The drain asks for a token while the rep is reconnecting: for the baseline read (which
    // a log never waits for), then for the first create; the reconnect finishes before the
    // drain would hold the logs (its resume found nothing held).
    h.tokens.reconnected_after.set(2);
    let first = h.enqueue(1, None);
    let second = h.enqueue(2, None);
    let report = h.drain();
    assert_eq!(h.association_reads(), 0, "the first refusal went to the baseline read");
    assert_eq!((report.creates_attempted, h.creates()), (3, 2), "the second to a create, tried again");
    assert_eq!((report.stopped.clone(), report.settled.len()), (None, 2), "{report:?}");
    assert_eq!((h.portal.calls_with(first.as_str()), h.portal.calls_with(second.as_str())), (1, 1));
    // Still reconnecting when asked again: held for it, as before.
    h.tokens.reconnected_after.set(100);
    let third = h.enqueue(3, None);
    let report = h.drain();
    assert_eq!(report.stopped, Some(Hold::NeedsReconnect));
    assert_eq!(label(&h, &third).0, Status::WaitingForSignIn);
    assert_eq!(h.creates(), 2);
}

#[test]
fn a_refused_token_refresh_waits_for_reconnect_and_nothing_is_doubled() {
    let mut h = Harness::new();
    h.tokens.refresh_fails = true;
    h.portal.create_faults.borrow_mut().push_back(Fault::Status(401, UNAUTHORIZED.into()));
    let id = h.enqueue(1, None);

    let report = h.drain();
    assert_eq!(report.stopped, Some(Hold::NeedsReconnect));
    assert_eq!(h.tokens.refreshes.get(), 1);
    assert_eq!(h.portal.calls.borrow().len(), 0, "a 401 stores nothing");
    assert_eq!(label(&h, &id).0, Status::WaitingForSignIn);

    h.tokens.refresh_fails = false;
    block_on(resume_after_sign_in(&h.store, h.now())).unwrap();
    let report = h.drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!(h.portal.calls.borrow().len(), 1);
}

#[test]
fn a_validation_error_fails_with_hubspots_message_is_kept_and_retry_sends_it() {
    let h = Harness::new();
    h.portal.create_faults.borrow_mut().push_back(Fault::Status(400, INVALID.into()));
    let id = h.enqueue(1, None);

    let report = h.drain();
    assert_eq!(report.failed, std::slice::from_ref(&id));
    let State::Failed { code, reason, retry, call_id } = state(&h, &id) else { panic!("not failed") };
    assert_eq!((code.as_str(), retry, call_id), ("hubspot_validation", true, None));
    assert!(reason.contains("Property values were not valid: hs_call_disposition"), "{reason}");
    let (status, text) = label(&h, &id);
    assert_eq!(status, Status::Failed);
    assert!(text.starts_with("failed: HubSpot refused the change: Property values"), "{text}");
    assert_eq!(h.next_wake(), None, "a failed log waits for the rep, not the alarm");
    assert_eq!(block_on(crate::outbox::count_unsent(&h.store)), Ok(1));
    assert_eq!(h.drain().creates_attempted, 0, "never retried on its own");

    assert_eq!(block_on(retry_now(&h.store, h.now(), &id)), Ok(true));
    let report = h.drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!(h.creates(), 2);
    assert_eq!(h.portal.calls.borrow().len(), 1);
}

#[test]
fn a_deleted_contact_fails_the_log_and_keeps_it() {
    let h = Harness::new();
    h.portal.create_faults.borrow_mut().push_back(Fault::Status(404, NOT_FOUND.into()));
    let id = h.enqueue(1, None);
    h.drain();
    let (status, text) = label(&h, &id);
    assert_eq!((status, text.as_str()), (Status::Failed, "failed: This record was deleted or merged in HubSpot."));
    assert!(h.entry(&id).is_some());
}

#[test]
fn a_task_completion_5xx_keeps_the_call_and_completes_the_task_next_time() {
    let h = Harness::new();
    h.portal.task_faults.borrow_mut().push_back(Fault::Status(503, String::new()));
    let id = h.enqueue(1, Some("77"));

    let report = h.drain();
    assert!(report.settled.is_empty());
    assert_eq!(state(&h, &id), State::Logged { call_id: crate::ids::CallId::new("9001") });
    assert_eq!(label(&h, &id), (Status::CompletingTask, "logged, completing the task at 14:05".to_string()));
    assert_eq!(h.next_wake(), Some(T0 + backoff_ms(1)));
    assert_eq!(block_on(crate::outbox::count_unsent(&h.store)), Ok(0), "the call is in HubSpot");

    let report = h.wake_and_drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!(report.settled[0].task_result, TaskResult::Completed);
    assert_eq!((h.creates(), h.task_patches()), (1, 2));
    assert_eq!(h.portal.calls.borrow().len(), 1);
    assert_eq!(*h.portal.completed_tasks.borrow(), ["77"]);
}

#[test]
fn a_deleted_task_counts_as_done() {
    let h = Harness::new();
    h.portal.deleted_tasks.borrow_mut().push("77".into());
    let report = {
        h.enqueue(1, Some("77"));
        h.drain()
    };
    assert_eq!(report.settled.len(), 1);
    assert_eq!(report.settled[0].task_result, TaskResult::AlreadyGone);
    assert_eq!(h.task_patches(), 1);
}

#[test]
fn a_refused_task_completion_fails_and_retry_never_recreates_the_call() {
    let h = Harness::new();
    h.portal.task_faults.borrow_mut().push_back(Fault::Status(400, INVALID.into()));
    let id = h.enqueue(1, Some("77"));
    let report = h.drain();
    assert_eq!(report.failed, std::slice::from_ref(&id));
    assert!(matches!(state(&h, &id), State::Failed { call_id: Some(_), .. }));
    assert_eq!(block_on(crate::outbox::count_unsent(&h.store)), Ok(0));
    assert!(label(&h, &id).1.starts_with("failed: the call is logged, the task is not completed: "));

    assert_eq!(block_on(retry_now(&h.store, h.now(), &id)), Ok(true));
    let report = h.drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!((h.creates(), h.task_patches()), (1, 2));
}

#[test]
fn two_drains_started_together_make_one_create() {
    let h = Harness::new();
    h.enqueue(1, Some("77"));
    let client = h.client();
    let (a, b) = block_on(join(
        drain(&h.guard, &h.store, &client, &*h.clock, Some(&h.account)),
        drain(&h.guard, &h.store, &client, &*h.clock, Some(&h.account)),
    ));
    assert!(!a.already_draining && b.already_draining);
    assert_eq!(a.settled.len() + b.settled.len(), 1);
    assert_eq!(h.creates(), 1);
    assert_eq!(h.portal.calls.borrow().len(), 1);
    assert!(!h.guard.is_draining());
}

#[test]
fn a_log_enqueued_while_a_drain_runs_is_sent_by_that_drain() {
    let h = Harness::new();
    h.enqueue(1, None);
    let client = h.client();
    let later = async {
        yield_now().await;
        enqueue_second(&h).await;
        drain(&h.guard, &h.store, &client, &*h.clock, Some(&h.account)).await
    };
    let (a, b) = block_on(join(drain(&h.guard, &h.store, &client, &*h.clock, Some(&h.account)), later));
    assert!(b.already_draining);
    assert_eq!(a.settled.len(), 2, "the running drain picked up the new log");
    assert_eq!(h.portal.calls.borrow().len(), 2);
    assert_eq!(h.next_wake(), None);
}

#[test]
fn a_log_enqueued_during_the_last_pass_is_not_left_for_the_alarm() {
    let h = Harness::new();
    // A log the rep has not retried yet: not due, but read by every pass.
    h.portal.create_faults.borrow_mut().push_back(Fault::Status(400, INVALID.into()));
    h.enqueue(9, None);
    h.drain();
    let client = h.client();
    let mut running = pin!(drain(&h.guard, &h.store, &client, &*h.clock, Some(&h.account)));
    // First poll: the pass lists the keys; second: it reads the failed entry.
    assert!(poll_once(running.as_mut()).is_pending());
    assert!(poll_once(running.as_mut()).is_pending());
    // Meanwhile "Log call" arrives: it enqueues and asks for a drain, which bounces.
    h.enqueue(1, None);
    assert!(block_on(drain(&h.guard, &h.store, &client, &*h.clock, Some(&h.account))).already_draining);
    let report = block_on(running);
    assert_eq!(report.settled.len(), 1, "the running drain made one more pass");
    assert_eq!(h.portal.calls_with(&external_id(1)), 1);
}

async fn enqueue_second(h: &Harness) {
    enqueue(&h.store, &*h.clock, new_entry(2, None)).await.expect("enqueued");
}

#[test]
fn hubspot_down_for_long_backs_off_to_15_minutes_then_sends_once() {
    let h = Harness::new();
    for _ in 0..9 {
        h.portal.create_faults.borrow_mut().push_back(Fault::Status(503, String::new()));
    }
    let id = h.enqueue(1, None);
    h.drain();
    for _ in 0..40 {
        if h.entry(&id).is_none() {
            break;
        }
        let before = h.http.count();
        h.wake_and_drain();
        assert!(h.http.count() - before <= 3, "a drain sends a bounded number of requests");
    }
    assert_eq!(h.entry(&id), None);
    let times = h.portal.create_times.borrow();
    assert_eq!(times.len(), 10);
    let gaps: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let expected: Vec<i64> = (1..10).map(|n| backoff_ms(n).max(CONFIRM_AFTER_MS)).collect();
    assert_eq!(gaps, expected);
    assert_eq!(gaps.last().copied(), Some(BACKOFF_CAP_MS));
    assert_eq!(h.portal.calls.borrow().len(), 1);
}

#[test]
fn nothing_is_sent_that_could_not_be_persisted_first() {
    let h = Harness::new();
    let id = h.enqueue(1, None);
    h.store.fail_writes.set(true);
    let report = h.drain();
    assert!(report.store_error.is_some());
    // Only the baseline read went out (a read: nothing to persist); no create.
    assert_eq!((h.creates(), h.http.count(), h.association_reads()), (0, 1, 1));
    h.store.fail_writes.set(false);
    assert_eq!(state(&h, &id), State::Waiting);
    assert_eq!(h.drain().settled.len(), 1);
}

#[test]
fn unreadable_entries_are_kept_and_reported_while_the_rest_drains() {
    let h = Harness::new();
    h.store.put(Area::Local, "outbox:v1:spotdial-from-the-future", json!({"schema": 3, "log": {}}));
    h.store.put(Area::Local, "outbox:v1:spotdial-garbled", json!("not an entry"));
    h.store.put(Area::Local, "settings:v1", json!({"unrelated": true}));
    h.enqueue(1, None);

    let report = h.drain();
    assert_eq!(report.settled.len(), 1);
    let keys: Vec<&str> = report.unreadable.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(keys, ["outbox:v1:spotdial-from-the-future", "outbox:v1:spotdial-garbled"]);
    assert!(report.unreadable[0].reason.contains("newer version of Spotdial"));
    assert!(h.store.value(Area::Local, "outbox:v1:spotdial-garbled").is_some(), "never deleted");
    assert_eq!(block_on(crate::outbox::count_unsent(&h.store)), Ok(2));
    assert_eq!(h.next_wake(), None);
}

#[test]
fn an_empty_outbox_drains_to_nothing() {
    let h = Harness::new();
    assert_eq!(h.drain(), DrainReport::default());
    assert_eq!(h.http.count(), 0);
    assert_eq!(h.next_wake(), None);
}

#[test]
fn a_settled_log_leaves_the_outbox_with_its_duplicate_check_already_written() {
    let h = Harness::new();
    let id = h.enqueue(1, Some("77"));
    let report = h.drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!(h.entry(&id), None, "settled entries leave the outbox");
    // Scheduled by the drain itself, not left to the caller: a worker stopped right after the
    // drain cannot leave a resent create's duplicate unchecked.
    let check = h.store.value(Area::Local, &["verify:v1:", id.as_str()].concat()).expect("the check is pending");
    assert_eq!((check["call_id"].as_str(), check["account"]["portal"].as_str()), (Some("9001"), Some("62515")));
    assert_eq!(check["next_at_ms"], h.now() + CONFIRM_AFTER_MS);
}
