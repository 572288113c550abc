//! One contact's card facts as kept in session storage (`keys::CONTACT_CARD`): written by the
//! worker's card service (one contact read) and by its queue service (the queue's batch read),
//! read back by the card and the dial within `CONTACT_CACHE_MS`, and read by "Delete prospect
//! data" (forget and find) as the type that was written. Layer: core (pure).

use crate::ids::{ContactId, TaskId};
use crate::message::views::ContactView;
use serde::{Deserialize, Serialize};

/// How long a contact's cached card facts answer without asking HubSpot again.
pub const CONTACT_CACHE_MS: i64 = 600_000;

/// A contact as cached for cards: the dialing facts and mapped fields only (DESIGN §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedContact {
    pub contact: ContactView,
    /// Admin-mapped fields (not phone numbers), `(property, value)`.
    pub fields: Vec<(String, String)>,
    pub fetched_at_ms: i64,
    /// Where a dial looks for the contact's open call task: the contact's associated tasks
    /// (the card's read, `associations=tasks`), or the rep's open call tasks on it (the task
    /// queue's). `None` when not known: written from a list queue (a batch read cannot return
    /// associations, API-FACTS §12) or by a version before this field.
    #[serde(default)]
    pub tasks: Option<Vec<TaskId>>,
}

/// The session-storage key of `contact`'s cached card facts.
pub fn key(contact: &ContactId) -> String {
    [crate::keys::CONTACT_CARD.key, contact.as_str()].concat()
}

impl CachedContact {
    /// True while the facts are fresh enough to answer a card at `now_ms` (a clock that went
    /// back makes them stale, not fresh for ever).
    pub fn is_fresh(&self, now_ms: i64) -> bool {
        (0..CONTACT_CACHE_MS).contains(&(now_ms - self.fetched_at_ms))
    }
}
