//! One contact's card facts as kept in session storage (`keys::CONTACT_CARD`): written by the
//! worker's card service (one contact read) and by its queue service (the queue's batch read),
//! read back by the card and the dial within `CONTACT_CACHE_MS`, and read by "Delete prospect
//! data" (forget and find) as the type that was written. Layer: core (pure).

use crate::ids::{ContactId, TaskId};
use crate::message::views::ContactView;
#[cfg(test)]
use serde::Deserialize;
use serde::Serialize;

/// How long a contact's cached card facts answer without asking HubSpot again.
pub const CONTACT_CACHE_MS: i64 = 600_000;

/// A contact as cached for cards: the dialing facts and mapped fields only (DESIGN §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
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

impl crate::json_write::ToJson for CachedContact {
    fn to_json(&self) -> serde_json::Value {
        crate::json_write::Obj::new()
            .put("contact", &self.contact)
            .put("fields", &self.fields)
            .put("fetched_at_ms", &self.fetched_at_ms)
            .put("tasks", &self.tasks)
            .done()
    }
}

/// The cached card facts a stored value holds (serde's derive is the reference in tests).
pub fn read(value: &serde_json::Value) -> Result<CachedContact, String> {
    use crate::message::read::{contact_view, text_pair};
    let f = crate::json_read::Fields::of("a cached contact", value)?;
    Ok(CachedContact {
        contact: contact_view(f.need("contact", f.present("contact"))?)?,
        fields: f.need("fields", f.list("fields", text_pair)?)?,
        fetched_at_ms: f.must("fetched_at_ms", crate::json_read::Fields::int)?,
        tasks: f.list("tasks", |v| v.as_str().map(TaskId::new).ok_or_else(|| "not a task id".to_string()))?,
    })
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

#[cfg(test)]
mod tests {
    /// `read` against serde's derive (the reference): every field removed or replaced by each
    /// kind of JSON value, both read the same value or both refuse (`testing::agree`).
    #[test]
    fn read_agrees_with_serdes_derive() {
        use crate::testing::with;
        let cached = serde_json::json!({
            "contact": {"id": "201", "name": "Ana", "company": null, "title": "CEO", "numbers": [["phone", "+1 415"]],
                        "time_zone": null, "country": "DE"},
            "fields": [["industry", "Retail"]], "fetched_at_ms": 5, "tasks": ["70002", "70009"]});
        let bases = [cached.clone(), with(&cached, "tasks", None), with(&cached, "tasks", Some(serde_json::json!([])))];
        assert!(crate::testing::agree(&bases, super::read, &["contact"], &[]) > 500);
    }
}
