//! The duplicate check's baseline: the calls a contact had before our first create for a log,
//! read with one association batch read (exempt from HubSpot's ten-secondly window, §7) for
//! every contact a drain is about to log a call on. A duplicate made by a resent create carries
//! the same inline association as our call, so the check later needs only the contact's calls
//! that are new since, not a search (`verify`). Layer: core (pure; HubSpot through `Client`).

use crate::hubspot::associations::{batch_read_contact_calls, parse_contact_calls, ASSOCIATION_BATCH_MAX};
use crate::hubspot::{ApiError, Class, Client};
use crate::ids::{CallId, ContactId};
use crate::ports::{Clock, Http, TokenSource};
use serde::{Deserialize, Serialize};

/// The most call ids a baseline holds. Each id is about a dozen bytes, and an entry is written
/// to storage several times per log: 200 keep it under 3 KB. A contact with more calls is a
/// rare one (a switchboard, a long-standing customer), and its check falls back to the search.
pub const MAX_BASELINE_CALLS: usize = 200;

/// What an outbox entry knows of its contact's calls before its first create was sent: the
/// call ids, space-separated (HubSpot's ids are digits), or `UNAVAILABLE` when they could not
/// be read (a failed read, a paged answer, too many calls), and the check then searches.
/// One string, not a tagged enum: the stored shape stays small and so does the wasm that
/// reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Baseline(String);

const UNAVAILABLE: &str = "unavailable";

impl crate::json_write::ToJson for Baseline {
    fn to_json(&self) -> serde_json::Value {
        self.0.to_json()
    }
}

impl Baseline {
    /// Every call on the contact before the first create.
    pub fn taken(calls: &[CallId]) -> Baseline {
        let ids: Vec<&str> = calls.iter().map(CallId::as_str).collect();
        Baseline(ids.join(" "))
    }

    /// As stored in an outbox entry (`stored::read_entry`).
    pub(super) fn from_stored(text: String) -> Baseline {
        Baseline(text)
    }

    pub fn unavailable() -> Baseline {
        Baseline(UNAVAILABLE.into())
    }

    /// The calls, when the baseline is whole; `None` when unavailable or not of our making.
    pub fn calls(&self) -> Option<Vec<CallId>> {
        let ids: Vec<&str> = self.0.split_ascii_whitespace().collect();
        ids.iter().all(|id| id.bytes().all(|b| b.is_ascii_digit())).then(|| ids.into_iter().map(CallId::new).collect())
    }
}

/// The calls of each of `contacts` (distinct, at most `ASSOCIATION_BATCH_MAX`), in order, as
/// one exempt request reads them. `None` for a contact whose calls the answer does not hold
/// completely (paged on, or not mentioned), or holds more than `MAX_BASELINE_CALLS` of.
pub async fn read_calls<H: Http, C: Clock, T: TokenSource>(
    client: &Client<'_, H, C, T>,
    contacts: &[ContactId],
) -> Result<Vec<Option<Vec<CallId>>>, ApiError> {
    // cannot panic: the end is at most the slice's length.
    let contacts = &contacts[..contacts.len().min(ASSOCIATION_BATCH_MAX)];
    let resp = client.send(batch_read_contact_calls(contacts), Class::Exempt).await?;
    let mut read = parse_contact_calls(&resp, contacts)?;
    for calls in read.iter_mut() {
        if calls.as_ref().is_some_and(|c| c.len() > MAX_BASELINE_CALLS) {
            *calls = None;
        }
    }
    Ok(read)
}

/// The baseline of each of `contacts`, in order: one read for all; a failed read leaves every
/// one unavailable, and never holds a log back.
pub async fn take<H: Http, C: Clock, T: TokenSource>(
    client: &Client<'_, H, C, T>,
    contacts: &[ContactId],
) -> Vec<Baseline> {
    let read = read_calls(client, contacts).await.unwrap_or_default();
    (0..contacts.len())
        .map(|i| match read.get(i) {
            Some(Some(calls)) => Baseline::taken(calls),
            _ => Baseline::unavailable(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_baseline_reads_back_its_calls_and_unavailable_reads_as_none() {
        let calls = vec![CallId::new("9001"), CallId::new("9002")];
        assert_eq!(Baseline::taken(&calls).calls(), Some(calls));
        assert_eq!(Baseline::taken(&[]).calls(), Some(vec![]));
        assert_eq!(Baseline::unavailable().calls(), None);
        assert_eq!(serde_json::to_value(Baseline::taken(&[CallId::new("9001")])).unwrap(), "9001");
    }
}
