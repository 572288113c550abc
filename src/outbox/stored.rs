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
        schema: f.need("schema", f.small("schema")?)?,
        account: f.object("account", Account::read)?,
        log: call_log(f.need("log", f.present("log"))?)?,
        task: f.text("task")?.map(TaskId::new),
        contact_name: f.need("contact_name", f.text("contact_name")?)?,
        created_at_ms: f.need("created_at_ms", f.int("created_at_ms")?)?,
        updated_at_ms: f.need("updated_at_ms", f.int("updated_at_ms")?)?,
        attempts: f.need("attempts", f.small("attempts")?)?,
        failures: f.need("failures", f.small("failures")?)?,
        last_sent_at_ms: f.int("last_sent_at_ms")?,
        next_attempt_at_ms: f.need("next_attempt_at_ms", f.int("next_attempt_at_ms")?)?,
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
        external_id: f.need("external_id", f.text("external_id")?)?,
        call_id: CallId::new(f.need("call_id", f.text("call_id")?)?),
        since_ms: f.need("since_ms", f.int("since_ms")?)?,
        checks: f.need("checks", f.small("checks")?)?,
        next_at_ms: f.need("next_at_ms", f.int("next_at_ms")?)?,
        failures: f.need("failures", f.small("failures")?)?,
        contact: f.text("contact")?.map(ContactId::new),
        baseline: f.text("baseline")?.map(Baseline::from_stored),
    })
}

fn call_log(value: &Value) -> Result<CallLog, String> {
    let f = Fields::of("the entry's log", value)?;
    Ok(CallLog {
        external_id: f.need("external_id", f.text("external_id")?)?,
        contact: ContactId::new(f.need("contact", f.text("contact")?)?),
        owner: f.text("owner")?.map(OwnerId::new),
        started_at_ms: f.need("started_at_ms", f.int("started_at_ms")?)?,
        duration_ms: f.need("duration_ms", f.uint("duration_ms")?)?,
        title: f.text("title")?,
        notes: f.text("notes")?,
        to_number: f.text("to_number")?,
        from_number: f.text("from_number")?,
        outcome: f.text("outcome")?,
        status: match f.text("status")?.as_deref() {
            Some("COMPLETED") => CallStatus::Completed,
            Some("NO_ANSWER") => CallStatus::NoAnswer,
            Some("BUSY") => CallStatus::Busy,
            Some("FAILED") => CallStatus::Failed,
            Some("CANCELED") => CallStatus::Canceled,
            Some(other) => return Err(["the entry's log has an unknown status ", other].concat()),
            None => return Err(f.missing("status")),
        },
    })
}

fn state(value: &Value) -> Result<State, String> {
    let f = Fields::of("the entry's state", value)?;
    let kind = f.need("kind", f.text("kind")?)?;
    // Each kind reads its own fields; another kind's are ignored, as unknown fields are.
    Ok(match kind.as_str() {
        "waiting" => State::Waiting,
        "sending" => State::Sending { sent_at_ms: f.need("sent_at_ms", f.int("sent_at_ms")?)? },
        "uncertain" => State::Uncertain {
            since_ms: f.need("since_ms", f.int("since_ms")?)?,
            first_miss_ms: f.int("first_miss_ms")?,
        },
        "logged" => State::Logged { call_id: CallId::new(f.need("call_id", f.text("call_id")?)?) },
        "failed" => State::Failed {
            code: f.need("code", f.text("code")?)?,
            reason: f.need("reason", f.text("reason")?)?,
            retry: f.need("retry", f.flag("retry")?)?,
            call_id: f.text("call_id")?.map(CallId::new),
        },
        _ => return Err(["an outbox state of unknown kind \"", &kind, "\""].concat()),
    })
}

fn hold(value: &Value) -> Result<Hold, String> {
    let f = Fields::of("the entry's hold", value)?;
    let kind = f.need("kind", f.text("kind")?)?;
    Ok(match kind.as_str() {
        "signed_out" => Hold::SignedOut,
        "needs_reconnect" => Hold::NeedsReconnect,
        "rate_limited" => Hold::RateLimited {
            until_ms: f.need("until_ms", f.int("until_ms")?)?,
            policy: f.need("policy", f.text("policy")?)?,
        },
        "offline" => Hold::Offline,
        _ => return Err(["not an outbox hold: \"", &kind, "\""].concat()),
    })
}
