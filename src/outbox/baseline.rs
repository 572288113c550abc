//! The duplicate check's baseline: the calls a contact had before our first create for a log,
//! read with one association batch read (exempt from HubSpot's ten-secondly window, §7) for
//! every contact a drain is about to log a call on. A duplicate made by a resent create carries
//! the same inline association as our call, so the check later needs only the contact's calls
//! that are new since, not a search (`verify`). Layer: core (pure; HubSpot through `Client`).

use crate::hubspot::associations::{
    batch_read_contact_calls, parse_contact_calls, ContactCalls, ASSOCIATION_BATCH_MAX,
};
use crate::hubspot::{ApiError, Class, Client};
use crate::ids::{CallId, ContactId};
use crate::ports::{Clock, Http, TokenSource};
use serde::{Deserialize, Serialize};

/// The most call ids a baseline holds. Each id is about a dozen bytes, and an entry is written
/// to storage several times per log: 200 keep it under 3 KB. A contact with more calls is a
/// rare one (a switchboard, a long-standing customer), and its check falls back to the search.
pub const MAX_BASELINE_CALLS: usize = 200;

/// What an outbox entry knows of its contact's calls before its first create was sent.
/// Serialized with a `kind` tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Baseline {
    /// Every call on the contact before the first create (our own call cannot be among them).
    Taken { calls: Vec<CallId> },
    /// Not read (a failed read, a paged answer, too many calls): the check uses the search.
    Unavailable { reason: String },
}

impl Baseline {
    /// The calls, when the baseline is whole.
    pub fn calls(&self) -> Option<&[CallId]> {
        match self {
            Baseline::Taken { calls } => Some(calls),
            Baseline::Unavailable { .. } => None,
        }
    }
}

/// The calls of each of `contacts` (distinct, at most `ASSOCIATION_BATCH_MAX`), in order, as
/// one exempt request reads them. `None` for a contact whose calls the answer does not hold
/// completely (paged on, or not mentioned), or holds more than `MAX_BASELINE_CALLS` of.
pub async fn read_calls<H: Http, C: Clock, T: TokenSource>(
    client: &Client<'_, H, C, T>,
    contacts: &[ContactId],
) -> Result<Vec<Option<Vec<CallId>>>, ApiError> {
    let contacts = &contacts[..contacts.len().min(ASSOCIATION_BATCH_MAX)];
    let resp = client.send(batch_read_contact_calls(contacts), Class::Exempt).await?;
    Ok(parse_contact_calls(&resp, contacts)?
        .into_iter()
        .map(|calls| match calls {
            ContactCalls::All(calls) if calls.len() <= MAX_BASELINE_CALLS => Some(calls),
            _ => None,
        })
        .collect())
}

/// The baseline of each of `contacts`, in order: one read for all; a failed read leaves every
/// one `Unavailable` with the reason, and never holds a log back.
pub async fn take<H: Http, C: Clock, T: TokenSource>(
    client: &Client<'_, H, C, T>,
    contacts: &[ContactId],
) -> Vec<Baseline> {
    match read_calls(client, contacts).await {
        Ok(read) => read
            .into_iter()
            .map(|calls| match calls {
                Some(calls) => Baseline::Taken { calls },
                None => Baseline::Unavailable { reason: "paged_or_too_many".into() },
            })
            .collect(),
        Err(err) => {
            let reason = err.failure().code;
            contacts.iter().map(|_| Baseline::Unavailable { reason: reason.clone() }).collect()
        }
    }
}
