//! Association batch reads of up to 1,000 ids (API-FACTS §5, §7, §12): task→contact for the
//! queue, contact→call for the outbox's duplicate check. Layer: core (pure). Result shape (§7):
//! `{from:{id}, to:[{toObjectId, associationTypes:[{category,typeId,label}]}], paging?}`; ids
//! with no association come back in `errors[]` of a 207. HubSpot's spec exempts these reads
//! from the ten-secondly limit (`Class::Exempt`).

use super::error::ApiError;
use super::model::{batch_read_body, json_body, next_after, results, text};
use super::version;
use crate::ids::{CallId, ContactId, TaskId};
use crate::ports::{HttpRequest, HttpResponse, Method};
use serde_json::Value;

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
    HttpRequest::new(Method::Post, version::url("crm/associations", pair)).json(&batch_read_body(None, ids))
}

/// Each asked contact's calls, in the order asked; `None` where the answer does not account
/// for the contact completely. Only a contact in `results` without `paging` (the spec: present
/// only when there are more pages), or one a 207 names in a "no associations" error
/// (`NO_ASSOCIATIONS_FOUND`), is whole.
pub fn parse_contact_calls(resp: &HttpResponse, asked: &[ContactId]) -> Result<Vec<Option<Vec<CallId>>>, ApiError> {
    let body = json_body(resp)?;
    let items = results(&body, "association batch")?;
    let mut out: Vec<Option<Vec<CallId>>> = vec![None; asked.len()];
    let mut paged = vec![false; asked.len()];
    for item in items {
        let from = text(item.get("from").and_then(|f| f.get("id")));
        let Some(i) = asked.iter().position(|c| Some(c.as_str()) == from.as_deref()) else { continue };
        // cannot panic: `i` is a position in `asked`, and `out` and `paged` are as long.
        paged[i] |= next_after(item).is_some();
        // cannot panic: as above.
        let calls = out[i].get_or_insert_with(Vec::new);
        for target in item.get("to").and_then(Value::as_array).into_iter().flatten() {
            if let Some(id) = text(target.get("toObjectId")) {
                calls.push(CallId(id));
            }
        }
    }
    for error in body.get("errors").and_then(Value::as_array).into_iter().flatten() {
        if !text(error.get("subCategory")).is_some_and(|c| c.ends_with("NO_ASSOCIATIONS_FOUND")) {
            continue;
        }
        // The error names the id in its context (`fromObjectId` in the sandbox; the docs do
        // not fix the key): any context list holding it.
        let named = error.get("context").and_then(Value::as_object).into_iter().flat_map(|ctx| ctx.values());
        for id in named.filter_map(Value::as_array).flatten() {
            if let Some(i) = asked.iter().position(|c| Some(c.as_str()) == text(Some(id)).as_deref()) {
                // cannot panic: `i` is a position in `asked`, and `out` is as long.
                out[i].get_or_insert_with(Vec::new);
            }
        }
    }
    for (calls, paged) in out.iter_mut().zip(paged) {
        if paged {
            *calls = None;
        }
    }
    Ok(out)
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
            vec![Some(vec![CallId::new("9001"), CallId::new("9002")]), Some(vec![]), None, None, None]
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
