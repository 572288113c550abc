//! Task completions that ride together while the portal is busy (issue 12: team scale): a busy
//! window holds a logged call's completion back (its duplicate check does not wait), the rep's
//! next log takes it along in one batch update right after its create, nothing waits past its
//! hold, and every way the batch can fail ends with each task completed once and no call touched.
//! Layer: core tests (native only), against the fake portal of `tests/mod.rs`.

use super::*;
use crate::keys::SPELL;
use crate::outbox::drain::TaskResult;
use crate::outbox::timing::{COMPLETION_HOLD_MS, CONFIRM_AFTER_MS};
use crate::outbox::State;

const RATE_LIMITED: &str = r#"{"status":"error","message":"You have reached your limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#;
const VALIDATION: &str = r#"{"status":"error","message":"Invalid input JSON","category":"VALIDATION_ERROR"}"#;

/// The other reps of the portal have used 90 of the window's 110 requests, as they had at this
/// browser's previous completion: a busy spell is under way.
fn busy() -> Harness {
    let h = Harness::new();
    h.portal.remaining.set(Some(20));
    h.store.put(Area::Session, SPELL.key, json!(true));
    h
}

/// The portal turned busy since this browser's previous completion (quiet then).
fn busy_since_the_last_completion() -> Harness {
    let h = Harness::new();
    h.portal.remaining.set(Some(20));
    h.store.put(Area::Session, SPELL.key, json!(false));
    h
}

fn spell(h: &Harness) -> Option<Value> {
    h.store.value(Area::Session, SPELL.key)
}

fn batch_updates(h: &Harness) -> Vec<Vec<String>> {
    h.portal.batch_updates.borrow().clone()
}

/// On a busy portal: call 1 (task 70001) is logged and its completion held; `meanwhile` runs
/// `after_ms` later; then call 2 (task 70002) is logged and drained. Returns both ids and that
/// drain's report.
fn held_then_next(h: &Harness, after_ms: i64, meanwhile: impl FnOnce(&Harness)) -> (EntryId, EntryId, DrainReport) {
    let first = h.enqueue(1, Some("70001"));
    assert_eq!(h.drain().completing, vec![first.clone()]);
    h.clock.advance(after_ms);
    meanwhile(h);
    let second = h.enqueue(2, Some("70002"));
    let report = h.drain();
    (first, second, report)
}

fn check_scheduled(h: &Harness, id: &EntryId) -> bool {
    h.store.value(Area::Local, &["verify:v1:", id.as_str()].concat()).is_some()
}

#[test]
fn a_quiet_portal_completes_the_task_at_once_with_one_patch() {
    let h = Harness::new();
    h.portal.remaining.set(Some(100));
    let id = h.enqueue(1, Some("70001"));
    let report = h.drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!(report.settled[0].task_result, TaskResult::Completed);
    assert!(report.completing.is_empty());
    assert_eq!((h.task_patches(), batch_updates(&h).len()), (1, 0));
    assert!(h.entry(&id).is_none());
}

#[test]
fn a_busy_portal_holds_a_completion_and_the_next_log_takes_it_along_in_one_write() {
    let h = busy();
    let first = h.enqueue(1, Some("70001"));
    let report = h.drain();
    assert!(report.settled.is_empty(), "held, not settled");
    assert_eq!(report.completing, vec![first.clone()]);
    assert_eq!(h.portal.calls_with(&external_id(1)), 1, "the call is in HubSpot");
    assert_eq!(h.task_patches() + batch_updates(&h).len(), 0, "no completion yet");
    let held = h.entry(&first).expect("still in the outbox");
    assert!(matches!(held.state, State::Logged { .. }));
    let logged_at = held.logged_at_ms.expect("logged at");
    assert_eq!(held.next_attempt_at_ms, logged_at + COMPLETION_HOLD_MS);
    assert!(check_scheduled(&h, &first) && held.check_scheduled, "its duplicate check does not wait");
    assert_eq!(h.next_wake(), Some(logged_at + COMPLETION_HOLD_MS));

    // The rep's next call, a minute later: right after its create, one batch update completes
    // both tasks (the window is as busy as before).
    h.clock.advance(60_000);
    let second = h.enqueue(2, Some("70002"));
    let report = h.drain();
    assert!(report.completing.is_empty());
    assert_eq!(batch_updates(&h), vec![vec!["70002".to_string(), "70001".to_string()]]);
    assert_eq!(h.task_patches(), 0);
    let mut settled: Vec<(EntryId, TaskResult)> =
        report.settled.iter().map(|s| (s.id.clone(), s.task_result)).collect();
    settled.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(settled, vec![(first.clone(), TaskResult::Completed), (second.clone(), TaskResult::Completed)]);
    assert_eq!(*h.portal.completed_tasks.borrow(), vec!["70002".to_string(), "70001".to_string()]);
    assert!(h.entry(&first).is_none() && h.entry(&second).is_none());
    assert_eq!(h.creates(), 2, "3 writes for 2 calls, none repeated");
    assert_eq!(h.next_wake(), None);
}

#[test]
fn a_held_completion_goes_alone_when_its_hold_ends_however_busy_the_portal_is() {
    let h = busy();
    let id = h.enqueue(1, Some("70001"));
    assert_eq!(h.drain().completing, vec![id.clone()]);
    let report = h.wake_and_drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!(report.settled[0].task_result, TaskResult::Completed);
    assert_eq!((h.task_patches(), batch_updates(&h).len()), (1, 0), "alone, the usual PATCH");
}

#[test]
fn the_duplicate_check_runs_30_s_after_the_log_while_the_completion_waits_and_only_once() {
    let h = busy();
    let id = h.enqueue(1, Some("70001"));
    h.drain();
    h.clock.advance(CONFIRM_AFTER_MS);
    // The fake clock's own requests keep the window busy; the check is its own business.
    let report = h.verify();
    assert_eq!(report.done, 1, "checked within a minute of the log");
    assert!(!check_scheduled(&h, &id));
    let settled = h.wake_and_drain();
    assert_eq!(settled.settled.len(), 1);
    assert!(!check_scheduled(&h, &id), "settling does not start a finished check again");
}

#[test]
fn a_task_deleted_meanwhile_settles_as_gone_and_the_others_complete() {
    let h = busy();
    let (first, second, report) =
        held_then_next(&h, 30_000, |h| h.portal.deleted_tasks.borrow_mut().push("70001".into()));
    assert_eq!(batch_updates(&h).len(), 1);
    let result = |id: &EntryId| report.settled.iter().find(|s| &s.id == id).map(|s| s.task_result);
    assert_eq!(result(&first), Some(TaskResult::AlreadyGone));
    assert_eq!(result(&second), Some(TaskResult::Completed));
    assert_eq!(h.creates(), 2);
}

#[test]
fn a_refused_batch_falls_back_to_the_task_alone_and_the_rider_keeps_its_own_time() {
    let h = busy();
    let (first, second, report) = held_then_next(&h, 30_000, |h| {
        h.portal.batch_update_faults.borrow_mut().push_back(Fault::Status(400, VALIDATION.into()))
    });
    assert_eq!(report.settled.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), vec![second]);
    assert_eq!(h.task_patches(), 1, "the second went alone");
    let rider = h.entry(&first).expect("the rider waits");
    assert!(matches!(rider.state, State::Logged { .. }));
    // Its own hold ends; alone now, it goes by PATCH.
    let report = h.wake_and_drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!(*h.portal.completed_tasks.borrow(), vec!["70002".to_string(), "70001".to_string()]);
    assert_eq!(h.creates(), 2, "no call was sent again");
}

#[test]
fn a_rate_limited_batch_pauses_and_completes_every_task_once_afterwards() {
    let h = busy();
    let (first, second, report) = held_then_next(&h, 45_000, |h| {
        h.portal.batch_update_faults.borrow_mut().push_back(Fault::Status(429, RATE_LIMITED.into()))
    });
    assert!(report.settled.is_empty());
    assert!(report.stopped.is_some(), "a 429 pauses the outbox");
    assert!(h.entry(&first).is_some() && h.entry(&second).is_some());
    h.portal.remaining.set(Some(100));
    let mut settled = 0;
    for _ in 0..4 {
        if h.next_wake().is_none() {
            break;
        }
        settled += h.wake_and_drain().settled.len();
    }
    assert_eq!(settled, 2);
    let mut done = h.portal.completed_tasks.borrow().clone();
    done.sort();
    assert_eq!(done, vec!["70001".to_string(), "70002".to_string()], "each once");
    assert_eq!(h.creates(), 2);
}

#[test]
fn a_log_without_a_task_is_never_held_and_never_rides() {
    let h = busy();
    let with_task = h.enqueue(1, Some("70001"));
    h.drain();
    let without = h.enqueue(2, None);
    let report = h.drain();
    assert_eq!(report.settled.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), vec![without]);
    assert_eq!(report.settled[0].task_result, TaskResult::NoTask);
    h.wake_and_drain();
    assert!(h.entry(&with_task).is_none());
    assert_eq!((h.task_patches(), batch_updates(&h).len()), (1, 0));
}

#[test]
fn a_completion_never_rides_with_another_accounts() {
    let h = busy();
    // User 1002 of the same portal logged a call here and signed out with its completion held.
    let b = crate::ids::Account { portal: crate::ids::PortalId::new("62515"), user: crate::ids::UserId::new("1002") };
    let theirs = block_on(enqueue(&h.store, &*h.clock, NewEntry { account: b.clone(), ..new_entry(9, Some("70009")) }))
        .expect("enqueued");
    let client = h.client();
    let report = block_on(drain(&h.guard, &h.store, &client, &*h.clock, Some(&b)));
    assert_eq!(report.completing, vec![theirs.clone()]);
    // The signed-in rep's own log, past its hold: it goes alone.
    let ours = h.enqueue(1, Some("70001"));
    h.drain();
    h.clock.advance(COMPLETION_HOLD_MS);
    let report = h.drain();
    assert_eq!(report.settled.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), vec![ours]);
    assert!(batch_updates(&h).is_empty(), "never in one write with another account's task");
    assert!(!h.portal.completed_tasks.borrow().contains(&"70009".to_string()));
    assert!(matches!(h.entry(&theirs).map(|e| e.state), Some(State::Logged { .. })), "kept for its own account");
}

#[test]
fn two_calls_on_one_task_name_it_once_and_both_settle() {
    let h = busy();
    let first = h.enqueue(1, Some("70001"));
    assert_eq!(h.drain().completing, vec![first.clone()]);
    h.clock.advance(20_000);
    // The rep dialed the same task again while its completion waited.
    let second = h.enqueue(2, Some("70001"));
    let report = h.drain();
    assert_eq!(batch_updates(&h), vec![vec!["70001".to_string()]], "named once");
    assert_eq!(report.settled.len(), 2);
    assert!(h.entry(&first).is_none() && h.entry(&second).is_none());
    assert_eq!(h.task_patches(), 0);
}

#[test]
fn a_busy_spell_splits_the_team_the_first_completion_goes_at_once_for_half_the_calls() {
    // Call 1's id ends in an odd digit (it goes first), call 2's in an even one.
    assert!(crate::outbox::timing::goes_first(&external_id(1)));
    assert!(!crate::outbox::timing::goes_first(&external_id(2)));

    // Goes first: completed at once, alone, though the portal is busy; the spell is recorded,
    // so the next completion waits for the one after it.
    let h = busy_since_the_last_completion();
    let first = h.enqueue(1, Some("70001"));
    let report = h.drain();
    assert_eq!(report.settled.len(), 1);
    assert!(report.completing.is_empty());
    assert_eq!((h.task_patches(), batch_updates(&h).len()), (1, 0));
    assert_eq!(spell(&h), Some(json!(true)));
    h.clock.advance(60_000);
    let next = h.enqueue(3, Some("70003"));
    assert_eq!(h.drain().completing, vec![next.clone()], "inside the spell, every coin holds");
    assert!(h.entry(&first).is_none());

    // Does not go first: held from the start of the spell, as before.
    let h = busy_since_the_last_completion();
    let held = h.enqueue(2, Some("70002"));
    assert_eq!(h.drain().completing, vec![held.clone()]);
    assert_eq!(spell(&h), Some(json!(true)));
}

#[test]
fn a_quiet_window_ends_the_spell_and_the_next_busy_one_starts_anew() {
    let h = busy();
    h.portal.remaining.set(Some(100));
    h.enqueue(2, Some("70002"));
    assert_eq!(h.drain().settled.len(), 1, "quiet: at once");
    assert_eq!(spell(&h), Some(json!(false)));
    // Busy again: call 1 goes first (a new spell), where inside a spell it would have waited.
    h.portal.remaining.set(Some(20));
    h.clock.advance(60_000);
    h.enqueue(1, Some("70001"));
    let report = h.drain();
    assert_eq!((report.settled.len(), report.completing.len()), (1, 0));
    assert_eq!(spell(&h), Some(json!(true)));
}

#[test]
fn an_unreadable_spell_reads_as_quiet_and_is_written_anew() {
    let h = busy();
    h.store.put(Area::Session, SPELL.key, json!("not a flag"));
    h.enqueue(1, Some("70001"));
    let report = h.drain();
    assert_eq!((report.settled.len(), report.completing.len()), (1, 0), "goes first: a spell starts");
    assert_eq!(spell(&h), Some(json!(true)));
}
