//! The durable call-log outbox: a call log is written to `chrome.storage.local` before any
//! request, drained to HubSpot on an alarm, and settled by `hs_call_external_id` whenever an
//! answer is lost, so it is never lost and never doubled (DESIGN §4).
//! Layer: core (pure). One job per file: `entry` (types, storage, enqueue), `drain` (the state
//! machine and its single-flight guard), `view` (popup views), `control` (retry, resume), `timing`,
//! `verify` (the duplicate check after a log) and `baseline` (what it compares against).

pub mod baseline;
pub mod control;
pub mod drain;
pub mod entry;
mod stored;
pub mod timing;
pub mod verify;
pub mod view;

pub use control::{resume_after_sign_in, retry_now};
pub use drain::{drain, DrainGuard, DrainReport, Settled, TaskResult};
pub use entry::{
    enqueue, external_id_from_random, migrate, Entry, EntryId, Hold, NewEntry, State, Unreadable, KEY_PREFIX, SCHEMA,
};
pub use timing::{backoff_ms, CONFIRM_AFTER_MS, SETTLE_MS};
pub use view::{
    count_unsent, delete_held, entries_for_contact, list, next_wake_at_ms, tasks_being_completed, EntryView, Status,
};

#[cfg(test)]
mod tests;
