//! Entry tests: the stored JSON shape (snapshot), `kind` tags, external ids, idempotent and
//! validated `enqueue`, and `migrate` reading old, new and broken values.
//! Layer: core tests (native only).

use super::*;
use crate::ids::CallId;
use crate::outbox::{external_id_from_random, migrate, Hold, State};

#[test]
fn external_ids_are_spotdial_and_32_hex_digits() {
    let bytes: [u8; 16] = [0x00, 0x01, 0x0a, 0x10, 0x7f, 0x80, 0xab, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x42];
    assert_eq!(external_id_from_random(&bytes), "spotdial-00010a107f80abff0000000000000042");
    assert_eq!(external_id_from_random(&[0xff; 16]).len(), "spotdial-".len() + 32);
}

#[test]
fn an_enqueued_entry_is_stored_under_its_own_versioned_key_in_this_shape() {
    let h = Harness::new();
    let id = h.enqueue(1, Some("77"));
    assert_eq!(id.key(), "outbox:v1:spotdial-01010101010101010101010101010101");
    assert_eq!(h.store.keys_in(Area::Local), [id.key()]);
    assert!(h.store.keys_in(Area::Session).is_empty());
    assert_eq!(
        h.store.value(Area::Local, &id.key()).unwrap(),
        json!({
            "schema": 2,
            "account": {"portal": "62515", "user": "1001"},
            "log": {"external_id": "spotdial-01010101010101010101010101010101", "contact": "501",
                    "owner": "41629779", "started_at_ms": T0 - 120_000, "duration_ms": 95_000,
                    "title": "Call with Ana", "notes": "Wants a quote", "to_number": "+13855550111",
                    "from_number": null, "outcome": "f240bbac-87c9-4f6e-bf70-924b57d47db7", "status": "COMPLETED"},
            "task": "77", "contact_name": "Ana 1",
            "created_at_ms": T0, "updated_at_ms": T0, "attempts": 0, "failures": 0,
            "last_sent_at_ms": null, "next_attempt_at_ms": T0,
            "state": {"kind": "waiting"}, "hold": null
        })
    );
    assert_eq!(h.http.count(), 0, "enqueue sends nothing");
}

#[test]
fn states_and_holds_serialize_with_a_kind_tag() {
    let cases = [
        (State::Waiting, json!({"kind": "waiting"})),
        (State::Sending { sent_at_ms: 5 }, json!({"kind": "sending", "sent_at_ms": 5})),
        (
            State::Uncertain { since_ms: 5, first_miss_ms: Some(9) },
            json!({"kind": "uncertain", "since_ms": 5, "first_miss_ms": 9}),
        ),
        (State::Logged { call_id: CallId::new("9001") }, json!({"kind": "logged", "call_id": "9001"})),
        (
            State::Failed { code: "hubspot_validation".into(), reason: "r".into(), retry: true, call_id: None },
            json!({"kind": "failed", "code": "hubspot_validation", "reason": "r", "retry": true, "call_id": null}),
        ),
    ];
    for (state, expected) in cases {
        assert_eq!(serde_json::to_value(&state).unwrap(), expected);
        assert_eq!(serde_json::from_value::<State>(expected).unwrap(), state);
    }
    let holds = [
        (Hold::SignedOut, json!({"kind": "signed_out"})),
        (Hold::NeedsReconnect, json!({"kind": "needs_reconnect"})),
        (
            Hold::RateLimited { until_ms: 7, policy: "DAILY".into() },
            json!({"kind": "rate_limited", "until_ms": 7, "policy": "DAILY"}),
        ),
        (Hold::Offline, json!({"kind": "offline"})),
    ];
    for (hold, expected) in holds {
        assert_eq!(serde_json::to_value(&hold).unwrap(), expected);
    }
}

#[test]
fn enqueue_is_idempotent_per_external_id() {
    let h = Harness::new();
    let first = h.enqueue(1, Some("77"));
    h.clock.advance(1_000);
    let mut again = new_entry(1, None);
    again.log.notes = Some("edited".into());
    let second = block_on(enqueue(&h.store, &*h.clock, again)).unwrap();
    assert_eq!(first, second);
    assert_eq!(h.store.keys_in(Area::Local).len(), 1);
    let kept = h.entry(&first).unwrap();
    assert_eq!(
        (kept.log.notes.as_deref(), kept.task.as_ref().map(|t| t.as_str())),
        (Some("Wants a quote"), Some("77"))
    );

    h.drain();
    assert_eq!(h.portal.calls.borrow().len(), 1, "a double click makes one call");
}

#[test]
fn enqueue_refuses_ids_that_are_not_external_ids_and_storage_failures_surface() {
    let h = Harness::new();
    for bad in ["", "a:b", "spaced id", &"x".repeat(101)] {
        let mut entry = new_entry(1, None);
        entry.log.external_id = bad.to_string();
        assert!(block_on(enqueue(&h.store, &*h.clock, entry)).is_err(), "{bad:?}");
    }
    assert!(h.store.keys_in(Area::Local).is_empty());
    h.store.fail_writes.set(true);
    assert!(block_on(enqueue(&h.store, &*h.clock, new_entry(1, None))).is_err());
}

#[test]
fn migrate_reads_v1_and_v2_and_explains_what_it_cannot() {
    let h = Harness::new();
    let id = h.enqueue(1, None);
    let stored = h.store.value(Area::Local, &id.key()).unwrap();
    assert_eq!(migrate(&stored).map(|e| (e.id(), e.account)), Ok((id.clone(), Some(account_a()))));
    // A schema-1 entry (no account recorded, whatever else it says) reads as held by no one.
    let mut v1 = stored.clone();
    v1["schema"] = json!(1);
    let read = migrate(&v1).expect("v1 still reads");
    assert_eq!((read.schema, read.account.clone(), read.id()), (2, None, id));

    let mut newer = stored.clone();
    newer["schema"] = json!(3);
    assert!(migrate(&newer).unwrap_err().contains("newer version of Spotdial (schema 3)"));
    let mut zero = stored.clone();
    zero["schema"] = json!(0);
    assert_eq!(migrate(&zero).unwrap_err(), "unknown outbox schema 0");
    assert!(migrate(&json!([1, 2])).unwrap_err().contains("no schema number"));
    let mut broken = stored;
    broken["state"] = json!({"kind": "teleported"});
    assert!(migrate(&broken).unwrap_err().starts_with("not a readable outbox entry"));
}

#[test]
fn an_entry_stored_under_another_id_is_unreadable_not_misfiled() {
    let h = Harness::new();
    let id = h.enqueue(1, None);
    let value = h.store.value(Area::Local, &id.key()).unwrap();
    h.store.put(Area::Local, "outbox:v1:spotdial-elsewhere", value);
    let report = h.drain();
    assert_eq!(report.settled.len(), 1);
    assert_eq!(report.unreadable.len(), 1);
    assert_eq!(report.unreadable[0].key, "outbox:v1:spotdial-elsewhere");
    assert_eq!(h.portal.calls.borrow().len(), 1);
}

#[test]
fn every_state_and_hold_reads_back_as_written() {
    let states = [
        State::Waiting,
        State::Sending { sent_at_ms: T0 },
        State::Uncertain { since_ms: T0, first_miss_ms: None },
        State::Uncertain { since_ms: T0, first_miss_ms: Some(T0 + 5_000) },
        State::Logged { call_id: CallId::new("9001") },
        State::Failed { code: "validation".into(), reason: "No.".into(), retry: true, call_id: None },
        State::Failed {
            code: "forbidden".into(),
            reason: "No.".into(),
            retry: false,
            call_id: Some(CallId::new("9002")),
        },
    ];
    for state in states {
        let written = serde_json::to_value(&state).unwrap();
        assert_eq!(serde_json::from_value::<State>(written.clone()).unwrap(), state, "{written}");
    }
    let holds = [
        Hold::SignedOut,
        Hold::NeedsReconnect,
        Hold::RateLimited { until_ms: T0, policy: "TEN_SECONDLY_ROLLING".into() },
        Hold::Offline,
    ];
    for hold in holds {
        let written = serde_json::to_value(&hold).unwrap();
        assert_eq!(serde_json::from_value::<Hold>(written.clone()).unwrap(), hold, "{written}");
    }
    // The shapes as stored (a value written by an earlier build reads the same).
    assert_eq!(
        serde_json::to_value(State::Logged { call_id: CallId::new("9001") }).unwrap(),
        json!({"kind": "logged", "call_id": "9001"})
    );
    assert_eq!(
        serde_json::from_value::<State>(json!({"kind": "uncertain", "since_ms": 5, "first_miss_ms": null})).unwrap(),
        State::Uncertain { since_ms: 5, first_miss_ms: None }
    );
    for half in [
        json!({"kind": "sending"}),
        json!({"kind": "logged"}),
        json!({"kind": "failed", "code": "x", "reason": "y"}),
        json!({"kind": "sent"}),
        json!("waiting"),
    ] {
        assert!(serde_json::from_value::<State>(half.clone()).is_err(), "{half}");
    }
    for half in [json!({"kind": "rate_limited", "until_ms": 5}), json!({"kind": "paused"})] {
        assert!(serde_json::from_value::<Hold>(half.clone()).is_err(), "{half}");
    }
}

/// The hand-written readers (`stored::read_entry`, `stored::read_check`) against serde's derive,
/// kept in tests as the reference: over every stored shape Spotdial writes, with each field
/// (of the entry, its log, account, state and hold; of the check and its account) taken out or
/// replaced by each kind of JSON value, both read the same value or both refuse. The derive's
/// array form of a struct is not generated: Spotdial never writes one, and the readers refuse
/// it on purpose.
#[test]
fn the_readers_agree_with_serdes_derive() {
    use crate::outbox::stored::{read_check, read_entry};
    let full = json!({
        "schema": 2, "account": {"portal": "62515", "user": "1001"},
        "log": {"external_id": "spotdial-1", "contact": "501", "owner": "41629779", "started_at_ms": T0,
                "duration_ms": 95_000, "title": "Call with Ana", "notes": "n", "to_number": "+13855550111",
                "from_number": "+13855550100", "outcome": "f240", "status": "NO_ANSWER"},
        "task": "77", "contact_name": "Ana", "created_at_ms": T0, "updated_at_ms": T0 + 1, "attempts": 2,
        "failures": 1, "last_sent_at_ms": T0, "next_attempt_at_ms": T0 + 30_000,
        "state": {"kind": "failed", "code": "c", "reason": "r", "retry": true, "call_id": "9001"},
        "hold": {"kind": "rate_limited", "until_ms": T0, "policy": "DAILY"},
        "baseline": "9001 9002", "logged_at_ms": T0, "check_scheduled": true
    });
    let minimal = json!({
        "schema": 1, "log": {"external_id": "spotdial-2", "contact": "502", "started_at_ms": 0, "duration_ms": 0,
                             "status": "COMPLETED"},
        "contact_name": "", "created_at_ms": -1, "updated_at_ms": 0, "attempts": 0, "failures": 0,
        "next_attempt_at_ms": 0, "state": {"kind": "waiting"}
    });
    let mut entries = vec![full.clone(), minimal];
    let states = [
        json!({"kind": "waiting"}),
        json!({"kind": "sending", "sent_at_ms": 5}),
        json!({"kind": "uncertain", "since_ms": 5, "first_miss_ms": 9}),
        json!({"kind": "uncertain", "since_ms": 5, "first_miss_ms": null}),
        json!({"kind": "logged", "call_id": "9001"}),
        json!({"kind": "failed", "code": "c", "reason": "r", "retry": false, "call_id": null}),
    ];
    for state in states {
        entries.push(crate::testing::with(&full, "state", Some(state)));
    }
    for hold in [json!({"kind": "signed_out"}), json!({"kind": "needs_reconnect"}), json!({"kind": "offline"})] {
        entries.push(crate::testing::with(&full, "hold", Some(hold)));
    }
    for status in ["COMPLETED", "NO_ANSWER", "BUSY", "FAILED", "CANCELED"] {
        entries.push(crate::testing::with(&full, "log.status", Some(json!(status))));
    }
    let extras = [
        "state.sent_at_ms",
        "state.since_ms",
        "state.call_id",
        "state.retry",
        "hold.until_ms",
        "hold.policy",
        "account",
        "hold",
        "baseline",
        "check_scheduled",
        "log.owner",
    ];
    let compared = crate::testing::agree(&entries, read_entry, &["log", "account", "state", "hold"], &extras);
    assert!(compared > 5_000, "{compared}");

    let check = json!({"account": {"portal": "62515", "user": "1001"}, "external_id": "spotdial-1", "call_id": "9001",
        "since_ms": T0, "checks": 1, "next_at_ms": T0 + 30_000, "failures": 0, "contact": "501", "baseline": "9001"});
    let old_check = json!({"external_id": "spotdial-2", "call_id": "9002", "since_ms": 0, "checks": 255,
        "next_at_ms": -5, "failures": 4_294_967_295_u32});
    let compared =
        crate::testing::agree(&[check, old_check], read_check, &["account"], &["account", "contact", "baseline"]);
    assert!(compared > 300, "{compared}");
    // Not an object at all, or the array form: refused, with a reason.
    for refused in [json!(null), json!("x"), json!([2]), json!(7)] {
        assert!(read_entry(&refused).is_err() && read_check(&refused).is_err(), "{refused}");
    }
}
