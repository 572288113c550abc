//! Reads the outbox's stored JSON by hand: an entry into an `Entry`, a duplicate check into a
//! `verify::Check`. Accepts what serde's derive for those types accepts from a JSON object
//! (`the_readers_agree_with_serdes_derive` holds them together over thousands of stored
//! values): unknown fields are ignored, an optional field absent or null is `None`, a field of
//! another type or out of range is refused. Not accepted: the derive's array form of a struct,
//! which Spotdial never writes. Why by hand: the derive's readers for the entry and the eight
//! types inside it were 22 KB of the shipped wasm (issue 12). Layer: core (pure).

use super::baseline::Baseline;
use super::entry::{Entry, Hold, State};
use super::verify::Check;
use crate::hubspot::{CallLog, CallStatus};
use crate::ids::{Account, CallId, ContactId, OwnerId, TaskId};
use crate::json_read::Fields;
use serde_json::Value;

/// The entry a stored value holds, or why it holds none.
pub fn read_entry(value: &Value) -> Result<Entry, String> {
    let f = Fields::of("the entry", value)?;
    Ok(Entry {
        schema: f.must("schema", Fields::small)?,
        account: f.object("account", Account::read)?,
        log: call_log(f.need("log", f.present("log"))?)?,
        task: f.text("task")?.map(TaskId::new),
        contact_name: f.must("contact_name", Fields::text)?,
        created_at_ms: f.must("created_at_ms", Fields::int)?,
        updated_at_ms: f.must("updated_at_ms", Fields::int)?,
        attempts: f.must("attempts", Fields::small)?,
        failures: f.must("failures", Fields::small)?,
        last_sent_at_ms: f.int("last_sent_at_ms")?,
        next_attempt_at_ms: f.must("next_attempt_at_ms", Fields::int)?,
        state: state(f.need("state", f.present("state"))?)?,
        hold: f.present("hold").map(hold).transpose()?,
        baseline: f.text("baseline")?.map(Baseline::from_stored),
        logged_at_ms: f.int("logged_at_ms")?,
        // A plain `bool` with a default: absent is false, but null is refused (as the derive).
        check_scheduled: match f.map.get("check_scheduled") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(f.wrong("check_scheduled", "true or false")),
        },
    })
}

/// The duplicate check a stored value holds, or why it holds none.
pub fn read_check(value: &Value) -> Result<Check, String> {
    let f = Fields::of("the duplicate check", value)?;
    Ok(Check {
        account: f.object("account", Account::read)?,
        external_id: f.must("external_id", Fields::text)?,
        call_id: CallId::new(f.must("call_id", Fields::text)?),
        since_ms: f.must("since_ms", Fields::int)?,
        checks: f.must("checks", Fields::small)?,
        next_at_ms: f.must("next_at_ms", Fields::int)?,
        failures: f.must("failures", Fields::small)?,
        contact: f.text("contact")?.map(ContactId::new),
        baseline: f.text("baseline")?.map(Baseline::from_stored),
    })
}

fn call_log(value: &Value) -> Result<CallLog, String> {
    let f = Fields::of("the entry's log", value)?;
    Ok(CallLog {
        external_id: f.must("external_id", Fields::text)?,
        contact: ContactId::new(f.must("contact", Fields::text)?),
        owner: f.text("owner")?.map(OwnerId::new),
        started_at_ms: f.must("started_at_ms", Fields::int)?,
        duration_ms: f.must("duration_ms", Fields::uint)?,
        title: f.text("title")?,
        notes: f.text("notes")?,
        to_number: f.text("to_number")?,
        from_number: f.text("from_number")?,
        outcome: f.text("outcome")?,
        status: f.one_of(
            "status",
            &[
                ("COMPLETED", CallStatus::Completed),
                ("NO_ANSWER", CallStatus::NoAnswer),
                ("BUSY", CallStatus::Busy),
                ("FAILED", CallStatus::Failed),
                ("CANCELED", CallStatus::Canceled),
            ],
        )?,
    })
}

fn state(value: &Value) -> Result<State, String> {
    let f = Fields::of("the entry's state", value)?;
    let kind = f.must("kind", Fields::text)?;
    // Each kind reads its own fields; another kind's are ignored, as unknown fields are.
    Ok(match kind.as_str() {
        "waiting" => State::Waiting,
        "sending" => State::Sending { sent_at_ms: f.must("sent_at_ms", Fields::int)? },
        "uncertain" => {
            State::Uncertain { since_ms: f.must("since_ms", Fields::int)?, first_miss_ms: f.int("first_miss_ms")? }
        }
        "logged" => State::Logged { call_id: CallId::new(f.must("call_id", Fields::text)?) },
        "failed" => State::Failed {
            code: f.must("code", Fields::text)?,
            reason: f.must("reason", Fields::text)?,
            retry: f.must("retry", Fields::flag)?,
            call_id: f.text("call_id")?.map(CallId::new),
        },
        _ => return Err(["an outbox state of unknown kind \"", &kind, "\""].concat()),
    })
}

fn hold(value: &Value) -> Result<Hold, String> {
    let f = Fields::of("the entry's hold", value)?;
    let kind = f.must("kind", Fields::text)?;
    Ok(match kind.as_str() {
        "signed_out" => Hold::SignedOut,
        "needs_reconnect" => Hold::NeedsReconnect,
        "rate_limited" => {
            Hold::RateLimited { until_ms: f.must("until_ms", Fields::int)?, policy: f.must("policy", Fields::text)? }
        }
        "offline" => Hold::Offline,
        _ => return Err(["not an outbox hold: \"", &kind, "\""].concat()),
    })
}
