//! What the rep and the sign-in flow can do to waiting entries: "Retry now" on one entry, and
//! resuming everything that waited for sign-in once the rep is signed in again.
//! Layer: core (pure; storage through the `Store` port). Neither sends anything: they make
//! entries due, and the caller then runs a drain.

use super::entry::{load, load_all, save, EntryId, Hold, State};
use crate::ports::{Store, StoreError};

/// Makes one entry due now: a failed entry goes back to `Waiting` (or to `Logged` when only
/// its task completion failed: the call is never created twice), a backing-off one loses its
/// wait. An entry still being checked keeps its settle timing (the drain enforces it). Returns
/// whether anything changed.
pub async fn retry_now<S: Store>(store: &S, now_ms: i64, id: &EntryId) -> Result<bool, StoreError> {
    let Some(Ok(mut e)) = load(store, id).await? else { return Ok(false) };
    match &e.state {
        State::Failed { retry: false, .. } | State::Sending { .. } => return Ok(false),
        State::Failed { call_id: Some(call_id), .. } => e.state = State::Logged { call_id: call_id.clone() },
        State::Failed { call_id: None, .. } => e.state = State::Waiting,
        State::Waiting | State::Uncertain { .. } | State::Logged { .. } if e.next_attempt_at_ms > now_ms => {}
        _ => return Ok(false),
    }
    e.next_attempt_at_ms = now_ms;
    e.failures = 0;
    e.hold = None;
    save(store, &mut e, now_ms).await?;
    Ok(true)
}

/// After a sign-in: every entry held for sign-in, reconnect or a lost connection is due now.
/// Entries paused by HubSpot's rate limit keep their pause. Returns how many were resumed.
pub async fn resume_after_sign_in<S: Store>(store: &S, now_ms: i64) -> Result<usize, StoreError> {
    let (entries, _) = load_all(store).await?;
    let mut resumed = 0;
    for mut e in entries {
        if matches!(e.hold, Some(Hold::SignedOut | Hold::NeedsReconnect | Hold::Offline)) {
            e.hold = None;
            e.next_attempt_at_ms = e.next_attempt_at_ms.min(now_ms);
            save(store, &mut e, now_ms).await?;
            resumed += 1;
        }
    }
    Ok(resumed)
}
