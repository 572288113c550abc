//! From a call in progress to the call log HubSpot receives: title, notes, numbers, outcome
//! and a duration that a tab left open overnight cannot inflate. Layer: core (pure).
//! The worker decides who may log and which draft counts; this decides what the log says.

use super::CallEntry;
use crate::hubspot::calls::{CallLog, CallStatus};
use crate::ids::OwnerId;

/// A call longer than this is logged with this duration (a tab left open overnight).
pub const MAX_CALL_MS: i64 = 4 * 3_600_000;

/// What the rep chose when logging, and who logs it from where.
pub struct Ending {
    pub ended_at_ms: i64,
    /// The rep's CRM owner id (`hubspot_owner_id`), when HubSpot has one.
    pub owner: Option<OwnerId>,
    /// The admin's caller number, if set.
    pub from_number: Option<String>,
    /// An outcome GUID already checked against the portal's outcomes.
    pub outcome: Option<String>,
    pub notes: String,
}

impl CallEntry {
    /// The completed call's log. Blank notes are no notes; the duration is the time since
    /// dial, never negative (a clock set back) and at most `MAX_CALL_MS`.
    pub fn log(&self, ending: Ending) -> CallLog {
        CallLog {
            external_id: self.external_id.clone(),
            contact: self.contact.clone(),
            owner: ending.owner,
            started_at_ms: self.started_at_ms,
            duration_ms: (ending.ended_at_ms - self.started_at_ms).clamp(0, MAX_CALL_MS) as u64,
            title: Some(["Call with ", self.contact_name.as_str()].concat()),
            notes: (!ending.notes.trim().is_empty()).then_some(ending.notes),
            to_number: Some(self.to_e164.clone()),
            from_number: ending.from_number,
            outcome: ending.outcome,
            status: CallStatus::Completed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ContactId;

    fn entry() -> CallEntry {
        CallEntry {
            external_id: "spotdial-000102030405060708090a0b0c0d0e0f".into(),
            contact: ContactId::new("201"),
            contact_name: "Ana Alvarez".into(),
            to_e164: "+14155550132".into(),
            number: "(415) 555-0132".into(),
            uri: "tel:+14155550132".into(),
            started_at_ms: 1_000_000,
            account: None,
            task: None,
            outcome: None,
            notes: String::new(),
        }
    }

    fn ending(ended_at_ms: i64, notes: &str) -> Ending {
        Ending { ended_at_ms, owner: None, from_number: None, outcome: None, notes: notes.into() }
    }

    #[test]
    fn the_duration_is_the_time_since_dial_capped_and_never_negative() {
        assert_eq!(entry().log(ending(1_000_000 + 95_000, "")).duration_ms, 95_000);
        assert_eq!(entry().log(ending(1_000_000 + 20 * 3_600_000, "")).duration_ms, MAX_CALL_MS as u64);
        assert_eq!(entry().log(ending(0, "")).duration_ms, 0);
    }

    #[test]
    fn the_log_names_the_contact_and_keeps_only_real_notes() {
        let owner = Some(OwnerId::new("501"));
        let full = Ending {
            ended_at_ms: 1_060_000,
            owner: owner.clone(),
            from_number: Some("+14155550100".into()),
            outcome: Some("f240bbac-87c9-4f6e-bf70-924b57d47db7".into()),
            notes: "Asked for a demo".into(),
        };
        let log = entry().log(full);
        assert_eq!(log.title.as_deref(), Some("Call with Ana Alvarez"));
        assert_eq!(log.notes.as_deref(), Some("Asked for a demo"));
        assert_eq!(
            (log.to_number.as_deref(), log.from_number.as_deref()),
            (Some("+14155550132"), Some("+14155550100"))
        );
        assert_eq!((log.owner, log.status, log.started_at_ms), (owner, CallStatus::Completed, 1_000_000));
        assert_eq!(entry().log(ending(1_060_000, "  \n ")).notes, None);
    }
}
