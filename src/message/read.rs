//! The views Spotdial also keeps in storage (the queue, the rep's profile, the call history,
//! the contact cache's contact, the outcomes), read back by hand, as `json_write` writes them.
//! serde's derives write and read them in tests, as the reference these readers and writers
//! must agree with (`views_read_as_serdes_derive_reads_them`). Layer: core (pure).

use super::views::{
    CallOutcome, ContactView, HistoryEntry, Priority, Profile, QueueEntry, QueueSource, QueueView, TaskView,
};
use crate::ids::{Account, CallId, ContactId, ListId, OwnerId, PortalId, TaskId, UserId};
use crate::json_read::Fields;
use crate::page::Hublet;
use serde_json::Value;

pub fn queue_view(value: &Value) -> Result<QueueView, String> {
    let f = Fields::of("the cached queue", value)?;
    Ok(QueueView {
        source: queue_source(f.need("source", f.present("source"))?)?,
        items: f.need("items", f.list("items", queue_entry)?)?,
        truncated: f.must("truncated", Fields::flag)?,
        fetched_at_ms: f.must("fetched_at_ms", Fields::int)?,
        // Absent (a queue cached by an earlier version) is `false`, as serde's `default` reads
        // it; null is refused as serde refuses it.
        busy_portal: match f.map.get("busy_portal") {
            None => false,
            Some(Value::Bool(busy)) => *busy,
            Some(_) => return Err(f.wrong("busy_portal", "true or false")),
        },
    })
}

pub fn queue_source(value: &Value) -> Result<QueueSource, String> {
    let f = Fields::of("the queue source", value)?;
    let kind = f.must("kind", Fields::text)?;
    match kind.as_str() {
        "tasks" => Ok(QueueSource::Tasks { due_by_ms: f.must("due_by_ms", Fields::int)? }),
        "list" => Ok(QueueSource::List { list: ListId::new(f.must("list", Fields::text)?) }),
        _ => Err("not a queue source: a kind of \"tasks\" with due_by_ms, or \"list\" with list".into()),
    }
}

fn queue_entry(value: &Value) -> Result<QueueEntry, String> {
    let f = Fields::of("a queue line", value)?;
    Ok(QueueEntry {
        task: f.object("task", task_view)?,
        contact: f.object("contact", contact_view)?,
        problem: f.text("problem")?,
        record_url: f.text("record_url")?,
    })
}

pub fn task_view(value: &Value) -> Result<TaskView, String> {
    let f = Fields::of("a task", value)?;
    Ok(TaskView {
        id: TaskId::new(f.must("id", Fields::text)?),
        subject: f.must("subject", Fields::text)?,
        due_ms: f.int("due_ms")?,
        priority: f.one_of(
            "priority",
            &[("high", Priority::High), ("medium", Priority::Medium), ("low", Priority::Low), ("none", Priority::None)],
        )?,
        overdue: f.must("overdue", Fields::flag)?,
    })
}

pub fn contact_view(value: &Value) -> Result<ContactView, String> {
    let f = Fields::of("a contact", value)?;
    Ok(ContactView {
        id: ContactId::new(f.must("id", Fields::text)?),
        name: f.must("name", Fields::text)?,
        company: f.text("company")?,
        title: f.text("title")?,
        numbers: f.need("numbers", f.list("numbers", text_pair)?)?,
        time_zone: f.text("time_zone")?,
        country: f.text("country")?,
    })
}

/// `["property", "value"]`: a pair is a list of exactly two strings.
pub fn text_pair(value: &Value) -> Result<(String, String), String> {
    match value.as_array().map(Vec::as_slice) {
        Some([Value::String(a), Value::String(b)]) => Ok((a.clone(), b.clone())),
        _ => Err("not a pair of strings".into()),
    }
}

pub fn profile(value: &Value) -> Result<Profile, String> {
    let f = Fields::of("the profile", value)?;
    Ok(Profile {
        portal: PortalId::new(f.must("portal", Fields::text)?),
        hub_domain: f.text("hub_domain")?,
        ui_domain: f.must("ui_domain", Fields::text)?,
        hublet: f.one_of("hublet", &[("na1", Hublet::Na1), ("eu1", Hublet::Eu1)])?,
        user_id: f.text("user_id")?.map(UserId::new),
        user_email: f.text("user_email")?,
        owner: f.text("owner")?.map(OwnerId::new),
        owner_name: f.text("owner_name")?,
    })
}

pub fn history_entry(value: &Value) -> Result<HistoryEntry, String> {
    let f = Fields::of("a history entry", value)?;
    Ok(HistoryEntry {
        account: f.object("account", Account::read)?,
        external_id: f.must("external_id", Fields::text)?,
        contact: ContactId::new(f.must("contact", Fields::text)?),
        contact_name: f.text("contact_name")?,
        number: f.must("number", Fields::text)?,
        started_at_ms: f.must("started_at_ms", Fields::int)?,
        duration_ms: f.must("duration_ms", Fields::uint)?,
        outcome_label: f.text("outcome_label")?,
        call_id: f.text("call_id")?.map(CallId::new),
    })
}

pub fn call_outcome(value: &Value) -> Result<CallOutcome, String> {
    let f = Fields::of("an outcome", value)?;
    Ok(CallOutcome { id: f.must("id", Fields::text)?, label: f.must("label", Fields::text)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{agree, with};
    use serde_json::json;

    /// Each reader against serde's derive (the reference, kept in tests): every field of each
    /// stored shape removed or replaced by each kind of JSON value, both read the same value or
    /// both refuse (`testing::agree`).
    #[test]
    fn views_read_as_serdes_derive_reads_them() {
        let task = json!({"id": "70002", "subject": "Call Ana", "due_ms": 5, "priority": "high", "overdue": false});
        let contact = json!({"id": "201", "name": "Ana", "company": "Acme", "title": null,
            "numbers": [["phone", "+1 415"], ["mobilephone", "555"]], "time_zone": "Europe/Berlin", "country": null});
        let tasks: Vec<Value> = ["high", "medium", "low", "none"]
            .iter()
            .map(|p| with(&task, "priority", Some(json!(p))))
            .chain([with(&task, "due_ms", None)])
            .collect();
        assert!(agree(&tasks, task_view, &[], &[]) > 400);
        let contacts = [contact.clone(), with(&contact, "numbers", Some(json!([])))];
        assert!(agree(&contacts, contact_view, &[], &[]) > 300);
        let line =
            json!({"task": task, "contact": contact, "problem": null, "record_url": "https://app.hubspot.com/x"});
        let queue = json!({"source": {"kind": "tasks", "due_by_ms": 9}, "items": [line], "truncated": false, "fetched_at_ms": 7});
        let queues = [
            queue.clone(),
            with(&queue, "source", Some(json!({"kind": "list", "list": "12"}))),
            with(
                &queue,
                "items",
                Some(json!([{"task": null, "contact": null, "problem": "No contact", "record_url": null}])),
            ),
            with(&queue, "busy_portal", Some(json!(true))),
        ];
        assert!(agree(&queues, queue_view, &["source"], &["source.due_by_ms", "source.list"]) > 300);
        let sources = [json!({"kind": "tasks", "due_by_ms": 9}), json!({"kind": "list", "list": "12"})];
        agree(&sources, queue_source, &[], &["due_by_ms", "list"]);
        let profile_json = json!({"portal": "62515", "hub_domain": "acme.test", "ui_domain": "app.hubspot.com", "hublet": "na1",
            "user_id": "1001", "user_email": "r@acme.test", "owner": "501", "owner_name": "Riley"});
        let profiles = [profile_json.clone(), with(&profile_json, "hublet", Some(json!("eu1")))];
        assert!(agree(&profiles, profile, &[], &[]) > 300);
        let history = json!({"account": {"portal": "62515", "user": "1001"}, "external_id": "spotdial-1", "contact": "201",
            "contact_name": "Ana", "number": "+14155550132", "started_at_ms": 5, "duration_ms": 60000,
            "outcome_label": "Connected", "call_id": "9001"});
        let histories = [history.clone(), with(&history, "account", None)];
        assert!(agree(&histories, history_entry, &["account"], &[]) > 300);
        agree(&[json!({"id": "f240", "label": "Connected"})], call_outcome, &[], &[]);
    }
}
