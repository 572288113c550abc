//! Read-only views of the outbox: the popup's list with a state label per entry, the count of
//! unsent logs (the badge), the entries of one contact (for "Delete prospect data"), when the
//! drain alarm should fire next, and deleting a log held for another account. Layer: core (pure; storage through the `Store` port).

use super::entry::{load_all, Entry, EntryId, Hold, State};
use crate::ids::{Account, ContactId, TaskId};
pub use crate::message::views::{OutboxEntryView as EntryView, OutboxStatus as Status};
use crate::ports::{Store, StoreError};

/// Every entry for the popup, oldest first, unreadable ones last. Times in labels are shown
/// at `utc_offset_minutes` (local time = UTC + offset; in JS, `-new Date().getTimezoneOffset()`).
pub async fn list<S: Store>(
    store: &S,
    now_ms: i64,
    utc_offset_minutes: i32,
    current: Option<&Account>,
) -> Result<Vec<EntryView>, StoreError> {
    let (entries, unreadable) = load_all(store).await?;
    let mut out: Vec<EntryView> = entries
        .iter()
        .map(|e| if e.belongs_to(current) { view(e, now_ms, utc_offset_minutes) } else { held_view(e) })
        .collect();
    out.extend(unreadable.into_iter().map(|u| EntryView {
        id: EntryId::from_key(&u.key).map_or_else(|| u.key.clone(), |id| id.0),
        contact: None,
        contact_name: String::new(),
        created_at_ms: 0,
        status: Status::Unreadable,
        label: ["unreadable, kept: ", &u.reason].concat(),
        at_ms: None,
        can_retry: false,
        account: None,
        other_account: false,
    }));
    Ok(out)
}

/// The popup row of an entry made under another account (or none recorded): it waits, and
/// says for whom.
fn held_view(e: &Entry) -> EntryView {
    let label = match &e.account {
        Some(account) => [
            "waiting for HubSpot account ",
            account.portal.as_str(),
            " (user ",
            account.user.as_str(),
            "): sign in to it to send this log, or delete it",
        ]
        .concat(),
        None => "held: saved before Spotdial recorded which HubSpot account a call belongs to, so it is never \
                 sent on a guess; delete it once you have logged it by hand"
            .to_string(),
    };
    EntryView {
        id: e.id().0,
        contact: Some(e.log.contact.clone()),
        contact_name: e.contact_name.clone(),
        created_at_ms: e.created_at_ms,
        status: Status::OtherAccount,
        label,
        at_ms: None,
        can_retry: false,
        account: e.account.clone(),
        other_account: true,
    }
}

/// Deletes an entry held for another account (or none recorded), at the rep's request. An
/// entry of the account signed in is the drain's and is never deleted here. Returns whether
/// anything was deleted.
pub async fn delete_held<S: Store>(store: &S, id: &EntryId, current: Option<&Account>) -> Result<bool, StoreError> {
    match super::entry::load(store, id).await? {
        Some(Ok(e)) if !e.belongs_to(current) => {
            super::entry::remove(store, id).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// The popup row of one entry.
pub fn view(e: &Entry, now_ms: i64, utc_offset_minutes: i32) -> EntryView {
    let next = e.next_attempt_at_ms;
    let later = next > now_ms;
    let at = |prefix: &str| [prefix, &clock_time(next, utc_offset_minutes)].concat();
    let (status, label, at_ms) = match (&e.state, &e.hold) {
        (State::Failed { reason, call_id: None, .. }, _) => (Status::Failed, ["failed: ", reason].concat(), None),
        (State::Failed { reason, call_id: Some(_), .. }, _) => {
            (Status::Failed, ["failed: the call is logged, the task is not completed: ", reason].concat(), None)
        }
        (_, Some(Hold::SignedOut | Hold::NeedsReconnect)) => {
            (Status::WaitingForSignIn, "waiting for sign-in".to_string(), None)
        }
        (_, Some(Hold::RateLimited { until_ms, .. })) => {
            (Status::RateLimited, "paused by HubSpot's rate limit".to_string(), Some(*until_ms))
        }
        (_, Some(Hold::Offline)) if later => (Status::Offline, at("offline, retrying at "), Some(next)),
        (State::Sending { .. }, _) => (Status::Sending, "sending".to_string(), None),
        (State::Uncertain { .. }, _) => (Status::CheckingHubSpot, "checking HubSpot".to_string(), None),
        (State::Logged { .. }, _) if later => {
            (Status::CompletingTask, at("logged, completing the task at "), Some(next))
        }
        (State::Logged { .. }, _) => (Status::CompletingTask, "logged, completing the task".to_string(), None),
        (State::Waiting, _) if later => (Status::Retrying, at("retrying at "), Some(next)),
        (State::Waiting, _) => (Status::Waiting, "waiting".to_string(), None),
    };
    let can_retry = match &e.state {
        State::Failed { retry, .. } => *retry,
        State::Sending { .. } => false,
        _ => later,
    };
    EntryView {
        id: e.id().0,
        contact: Some(e.log.contact.clone()),
        contact_name: e.contact_name.clone(),
        created_at_ms: e.created_at_ms,
        status,
        label,
        at_ms,
        can_retry,
        account: e.account.clone(),
        other_account: false,
    }
}

/// Logs HubSpot is not known to hold yet (unreadable entries count: they may be such logs).
pub async fn count_unsent<S: Store>(store: &S) -> Result<usize, StoreError> {
    let (entries, unreadable) = load_all(store).await?;
    Ok(entries.iter().filter(|e| e.is_unsent()).count() + unreadable.len())
}

/// The tasks of `account`'s calls in the outbox that the drain is still working on: the rep
/// logged a call for each (its completion may wait while the portal is busy), so the queue
/// leaves them out even when HubSpot still lists them open. A failed completion is not among
/// them: its task stays open in HubSpot, and in the queue.
pub async fn tasks_being_completed<S: Store>(store: &S, account: Option<&Account>) -> Result<Vec<TaskId>, StoreError> {
    let (entries, _) = load_all(store).await?;
    Ok(entries.into_iter().filter(|e| e.belongs_to(account) && e.is_active()).filter_map(|e| e.task).collect())
}

/// Every entry of one contact, whatever its state, oldest first.
pub async fn entries_for_contact<S: Store>(store: &S, contact: &ContactId) -> Result<Vec<Entry>, StoreError> {
    let (entries, _) = load_all(store).await?;
    Ok(entries.into_iter().filter(|e| e.contact() == contact).collect())
}

/// When the drain alarm should fire next: the earliest attempt of an active entry of
/// `account` (`now_ms` if one is due already), or `None` when nothing is left for the drain.
/// Failed entries wait for the rep, another account's for its sign-in, not for the alarm.
pub async fn next_wake_at_ms<S: Store>(
    store: &S,
    now_ms: i64,
    account: Option<&Account>,
) -> Result<Option<i64>, StoreError> {
    let (entries, _) = load_all(store).await?;
    Ok(entries
        .iter()
        .filter(|e| e.is_active() && e.belongs_to(account))
        .map(|e| if e.is_due(now_ms) { now_ms } else { e.next_attempt_at_ms })
        .min())
}

/// `HH:MM` of `ms` at the given offset from UTC.
fn clock_time(ms: i64, utc_offset_minutes: i32) -> String {
    let minutes = (ms.div_euclid(60_000) + utc_offset_minutes as i64).rem_euclid(24 * 60);
    let (h, m) = (minutes / 60, minutes % 60);
    let digit = |d: i64| char::from(b'0' + d as u8);
    [digit(h / 10), digit(h % 10), ':', digit(m / 10), digit(m % 10)].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::clock_time;

    #[test]
    fn clock_time_applies_the_offset_and_wraps_midnight() {
        // 2026-09-28T14:05:00Z
        assert_eq!(clock_time(1_790_604_300_000, 0), "14:05");
        assert_eq!(clock_time(1_790_604_300_000, 120), "16:05");
        assert_eq!(clock_time(1_790_604_300_000, -15 * 60), "23:05");
        assert_eq!(clock_time(1_790_604_300_000, 10 * 60), "00:05");
    }
}
