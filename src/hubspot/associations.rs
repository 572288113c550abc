//! Association batch reads of up to 1,000 ids (API-FACTS §5, §7, §12): task→contact for the
//! queue, contact→call for the outbox's duplicate check. Layer: core (pure). Result shape (§7):
//! `{from:{id}, to:[{toObjectId, associationTypes:[{category,typeId,label}]}], paging?}`; ids
//! with no association come back in `errors[]` of a 207. HubSpot's spec exempts these reads
//! from the ten-secondly limit (`Class::Exempt`).

use super::error::ApiError;
use super::model::{json_body, next_after, results, text};
use super::version;
use crate::ids::{CallId, ContactId, TaskId};
use crate::ports::{HttpRequest, HttpResponse, Method};
use serde_json::{json, Value};

/// Association batch reads take up to 1,000 ids (§12).
pub const ASSOCIATION_BATCH_MAX: usize = 1_000;
/// The HubSpot-defined task→contact type (§7).
pub const TASK_TO_CONTACT: i64 = 204;

/// `POST /crm/associations/2026-03/tasks/contacts/batch/read` for at most 1,000 task ids.
pub fn batch_read_task_contacts(task_ids: &[TaskId]) -> HttpRequest {
    // A caller's bug, caught in tests; shipped, HubSpot answers a longer batch with a 400 that
    // reaches the rep as an error, where an assert would abort the worker (issue 14).
    debug_assert!(
        task_ids.len() <= ASSOCIATION_BATCH_MAX,
        "association batch read takes at most 1,000 ids; chunk first"
    );
    batch_read("/tasks/contacts/batch/read", task_ids.iter().map(TaskId::as_str))
}

/// `POST /crm/associations/2026-03/contacts/calls/batch/read` for at most 1,000 contact ids:
/// the calls on each contact's timeline, for the duplicate check (`outbox::baseline`).
pub fn batch_read_contact_calls(contacts: &[ContactId]) -> HttpRequest {
    // A caller's bug, caught in tests (see `batch_read_task_contacts`).
    debug_assert!(
        contacts.len() <= ASSOCIATION_BATCH_MAX,
        "association batch read takes at most 1,000 ids; chunk first"
    );
    batch_read("/contacts/calls/batch/read", contacts.iter().map(ContactId::as_str))
}

fn batch_read<'a>(pair: &str, ids: impl Iterator<Item = &'a str>) -> HttpRequest {
    let inputs: Vec<Value> = ids.map(|id| json!({ "id": id })).collect();
    HttpRequest::new(Method::Post, version::url("crm/associations", pair)).json(&json!({ "inputs": inputs }))
}

/// What one association batch read says of one contact's calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactCalls {
    /// Every call on the contact: no further page, or HubSpot said it has none.
    All(Vec<CallId>),
    /// Not the whole set: HubSpot has more pages for it (§7 spec: `paging` present only when
    /// there are more), or the answer does not mention the contact at all.
    Partial,
}

/// Each asked contact's calls, in the order asked. Only an answer that accounts for a contact
/// completely gives `All`: a contact in `results` without `paging`, or one a 207 names in an
/// error of "no associations" (`NO_ASSOCIATIONS_FOUND`). Everything else is `Partial`.
pub fn parse_contact_calls(resp: &HttpResponse, asked: &[ContactId]) -> Result<Vec<ContactCalls>, ApiError> {
    let body = json_body(resp)?;
    let items = results(&body, "association batch")?;
    let none_found = |id: &str| {
        body.get("errors").and_then(Value::as_array).is_some_and(|errors| {
            errors.iter().any(|e| {
                let no_associations = text(e.get("subCategory")).is_some_and(|c| c.ends_with("NO_ASSOCIATIONS_FOUND"));
                // The error names the id somewhere in its context (`fromObjectId` in the
                // sandbox; the docs do not fix the key): any context list holding it.
                let names_it = e.get("context").and_then(Value::as_object).is_some_and(|ctx| {
                    ctx.values().filter_map(Value::as_array).flatten().any(|v| text(Some(v)).as_deref() == Some(id))
                });
                no_associations && names_it
            })
        })
    };
    Ok(asked
        .iter()
        .map(|contact| {
            let mine: Vec<&Value> = items
                .iter()
                .filter(|item| text(item.get("from").and_then(|f| f.get("id"))).as_deref() == Some(contact.as_str()))
                .collect();
            if mine.is_empty() {
                return if none_found(contact.as_str()) {
                    ContactCalls::All(Vec::new())
                } else {
                    ContactCalls::Partial
                };
            }
            if mine.iter().any(|item| next_after(item).is_some()) {
                return ContactCalls::Partial;
            }
            let calls = mine
                .iter()
                .filter_map(|item| item.get("to").and_then(Value::as_array))
                .flatten()
                .filter_map(|target| text(target.get("toObjectId")).map(CallId))
                .collect();
            ContactCalls::All(calls)
        })
        .collect())
}

/// Each task's contacts, the task→contact (204) ones first. Tasks without contacts are absent.
pub fn parse_task_contacts(resp: &HttpResponse) -> Result<Vec<(TaskId, Vec<ContactId>)>, ApiError> {
    let body = json_body(resp)?;
    let mut out = Vec::new();
    for item in results(&body, "association batch")? {
        let Some(from) = text(item.get("from").and_then(|f| f.get("id"))) else { continue };
        let Some(to) = item.get("to").and_then(Value::as_array) else { continue };
        let mut primary = Vec::new();
        let mut other = Vec::new();
        for target in to {
            let Some(id) = text(target.get("toObjectId")) else { continue };
            let typed = target
                .get("associationTypes")
                .and_then(Value::as_array)
                .is_some_and(|ts| ts.iter().any(|t| t.get("typeId").and_then(Value::as_i64) == Some(TASK_TO_CONTACT)));
            if typed {
                primary.push(ContactId(id))
            } else {
                other.push(ContactId(id))
            }
        }
        primary.extend(other);
        if !primary.is_empty() {
            out.push((TaskId(from), primary));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_read_request_is_exact() {
        let req = batch_read_task_contacts(&[TaskId::new("11"), TaskId::new("12")]);
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "https://api.hubapi.com/crm/associations/2026-03/tasks/contacts/batch/read");
        assert_eq!(req.body.as_deref(), Some(r#"{"inputs":[{"id":"11"},{"id":"12"}]}"#));
    }

    #[test]
    #[should_panic(expected = "at most 1,000")]
    fn more_than_1000_is_a_bug() {
        let ids: Vec<TaskId> = (0..1001).map(|i| TaskId::new(i.to_string())).collect();
        batch_read_task_contacts(&ids);
    }

    #[test]
    fn results_prefer_type_204_and_keep_207_partials() {
        let body = r#"{"status":"COMPLETE","results":[
            {"from":{"id":"11"},"to":[
                {"toObjectId":900,"associationTypes":[{"category":"USER_DEFINED","typeId":77,"label":"Assistant"}]},
                {"toObjectId":"500","associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":204,"label":null}]}]},
            {"from":{"id":"12"},"to":[]},
            {"from":{},"to":[{"toObjectId":"1"}]}],
            "numErrors":1,"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"No contacts for task 13","context":{"fromObjectId":["13"]}}],
            "startedAt":"2026-01-01T00:00:00Z","completedAt":"2026-01-01T00:00:00Z"}"#;
        let r = HttpResponse { status: 207, headers: vec![], body: body.into() };
        assert_eq!(
            parse_task_contacts(&r).unwrap(),
            vec![(TaskId::new("11"), vec![ContactId::new("500"), ContactId::new("900")])]
        );
    }

    #[test]
    fn contact_calls_are_whole_only_without_paging_or_when_hubspot_says_there_are_none() {
        let req = batch_read_contact_calls(&[ContactId::new("501"), ContactId::new("502")]);
        assert_eq!(req.url, "https://api.hubapi.com/crm/associations/2026-03/contacts/calls/batch/read");
        assert_eq!(req.body.as_deref(), Some(r#"{"inputs":[{"id":"501"},{"id":"502"}]}"#));
        let body = r#"{"status":"COMPLETE","results":[
            {"from":{"id":"501"},"to":[{"toObjectId":9001,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":193,"label":null}]},{"toObjectId":"9002","associationTypes":[]}]},
            {"from":{"id":"503"},"to":[{"toObjectId":"9003","associationTypes":[]}],"paging":{"next":{"after":"MTA="}}}],
            "numErrors":2,"errors":[
              {"status":"error","category":"OBJECT_NOT_FOUND","subCategory":"crm.associations.NO_ASSOCIATIONS_FOUND","message":"No call is associated with contact 502.","context":{"fromObjectId":["502"]}},
              {"status":"error","category":"OBJECT_NOT_FOUND","message":"something else","context":{"fromObjectId":["504"]}}],
            "startedAt":"2026-01-01T00:00:00Z","completedAt":"2026-01-01T00:00:00Z"}"#;
        let r = HttpResponse { status: 207, headers: vec![], body: body.into() };
        let asked: Vec<ContactId> = ["501", "502", "503", "504", "505"].into_iter().map(ContactId::new).collect();
        assert_eq!(
            parse_contact_calls(&r, &asked).unwrap(),
            vec![
                ContactCalls::All(vec![CallId::new("9001"), CallId::new("9002")]),
                ContactCalls::All(vec![]),
                ContactCalls::Partial,
                ContactCalls::Partial,
                ContactCalls::Partial,
            ]
        );
        let r = HttpResponse { status: 503, headers: vec![], body: "<html>".into() };
        assert!(parse_contact_calls(&r, &asked).is_err());
    }

    #[test]
    fn missing_results_is_malformed() {
        let r = HttpResponse { status: 200, headers: vec![], body: r#"{"status":"COMPLETE"}"#.into() };
        assert!(matches!(parse_task_contacts(&r), Err(ApiError::Malformed { .. })));
    }
}
