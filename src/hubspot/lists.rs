//! List requests (API-FACTS §9): search the portal's contact lists, and page through a list's
//! memberships (record ids only, at most 250 per page, cursor `after`). Layer: core (pure).
//! A list can be the queue instead of tasks; its contacts are then batch-read 100 at a time.

use super::error::ApiError;
use super::model::{json_body, next_after, text, ListSummary, Page};
use super::version;
use crate::ids::{ContactId, ListId};
use crate::ports::{form_encode, path_segment, HttpRequest, HttpResponse, Method};
use serde_json::{json, Value};

/// Maximum `limit` of a memberships page (§9).
pub const MEMBERSHIP_PAGE_MAX: u32 = 250;
/// Maximum `count` of a lists search (§9).
pub const LIST_SEARCH_MAX: u32 = 500;

/// `POST /crm/lists/2026-03/search` for contact lists (`objectTypeId` 0-1) whose name matches
/// `query` (empty: all). The spec marks `listIds`, `processingTypes`, `additionalProperties`
/// and `offset` required, so they are always sent (empty means "any").
pub fn search_lists(query: &str, offset: u64, count: u32) -> HttpRequest {
    let mut body = json!({
        "offset": offset,
        "count": count.clamp(1, LIST_SEARCH_MAX),
        "objectTypeId": "0-1",
        "processingTypes": [],
        "listIds": [],
        "additionalProperties": ["hs_list_size"],
    });
    if let (false, Some(map)) = (query.trim().is_empty(), body.as_object_mut()) {
        map.insert("query".into(), Value::String(query.trim().to_string()));
    }
    HttpRequest::new(Method::Post, version::url("crm/lists", "/search")).json(&body)
}

/// The lists found, and the offset of the next page when `hasMore`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSearch {
    pub lists: Vec<ListSummary>,
    pub next_offset: Option<u64>,
}

pub fn parse_list_search(resp: &HttpResponse) -> Result<ListSearch, ApiError> {
    let body = json_body(resp)?;
    let lists =
        body.get("lists").and_then(Value::as_array).ok_or_else(|| ApiError::malformed("no lists in a list search"))?;
    let has_more = body.get("hasMore").and_then(Value::as_bool).unwrap_or(false);
    Ok(ListSearch {
        lists: lists.iter().filter_map(list_from).collect(),
        next_offset: if has_more { body.get("offset").and_then(Value::as_u64) } else { None },
    })
}

fn list_from(v: &Value) -> Option<ListSummary> {
    Some(ListSummary {
        id: ListId(text(v.get("listId"))?),
        name: text(v.get("name")).unwrap_or_default(),
        processing_type: text(v.get("processingType")),
        size: text(v.get("additionalProperties").and_then(|p| p.get("hs_list_size"))).and_then(|s| s.parse().ok()),
    })
}

/// `GET /crm/lists/2026-03/{listId}/memberships?limit=…[&after=…]` (sorted by record id).
pub fn list_memberships(list: &ListId, limit: u32, after: Option<&str>) -> HttpRequest {
    let limit = limit.clamp(1, MEMBERSHIP_PAGE_MAX).to_string();
    let mut query = vec![("limit", limit.as_str())];
    query.extend(after.map(|after| ("after", after)));
    let rest = ["/", &path_segment(list.as_str()), "/memberships?", &form_encode(&query)].concat();
    HttpRequest::new(Method::Get, version::url("crm/lists", &rest))
}

/// One page of member contact ids (`results[].recordId`).
pub fn parse_memberships(resp: &HttpResponse) -> Result<Page<ContactId>, ApiError> {
    let body = json_body(resp)?;
    let results = super::model::results(&body, "list memberships")?;
    Ok(Page {
        items: results.iter().filter_map(|r| text(r.get("recordId")).map(ContactId)).collect(),
        next_after: next_after(&body),
        total: body.get("total").and_then(Value::as_u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> HttpResponse {
        HttpResponse { status: 200, headers: vec![], body: body.into() }
    }

    #[test]
    fn search_request_and_answer() {
        let req = search_lists(" Q3 prospects ", 0, 20);
        assert_eq!(req.url, "https://api.hubapi.com/crm/lists/2026-03/search");
        let body: Value = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"query":"Q3 prospects","offset":0,"count":20,"objectTypeId":"0-1","processingTypes":[],"listIds":[],"additionalProperties":["hs_list_size"]})
        );
        assert!(serde_json::from_str::<Value>(search_lists("", 0, 20).body.as_deref().unwrap())
            .unwrap()
            .get("query")
            .is_none());
        let answer = r#"{"offset":20,"hasMore":true,"total":31,"lists":[
            {"listId":"42","listVersion":3,"name":"Q3 prospects","objectTypeId":"0-1","processingStatus":"COMPLETE","processingType":"DYNAMIC","additionalProperties":{"hs_list_size":"1050"}},
            {"name":"no id"}]}"#;
        let found = parse_list_search(&ok(answer)).unwrap();
        assert_eq!(
            found.lists,
            vec![ListSummary {
                id: ListId::new("42"),
                name: "Q3 prospects".into(),
                processing_type: Some("DYNAMIC".into()),
                size: Some(1050)
            }]
        );
        assert_eq!(found.next_offset, Some(20));
        assert_eq!(parse_list_search(&ok(r#"{"offset":3,"hasMore":false,"lists":[]}"#)).unwrap().next_offset, None);
    }

    #[test]
    fn memberships_page() {
        assert_eq!(
            list_memberships(&ListId::new("42"), 1_000, None).url,
            "https://api.hubapi.com/crm/lists/2026-03/42/memberships?limit=250"
        );
        assert_eq!(
            list_memberships(&ListId::new("42"), 250, Some("AoJ+ab")).url,
            "https://api.hubapi.com/crm/lists/2026-03/42/memberships?limit=250&after=AoJ%2Bab"
        );
        let page = parse_memberships(&ok(r#"{"results":[{"recordId":"1","membershipTimestamp":"2026-01-01T00:00:00Z"},{"recordId":"2"}],"paging":{"next":{"after":"AoJ"}},"total":2}"#)).unwrap();
        assert_eq!(page.items, [ContactId::new("1"), ContactId::new("2")]);
        assert_eq!(page.next_after.as_deref(), Some("AoJ"));
    }
}
