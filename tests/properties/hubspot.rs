//! Properties of the HubSpot answer parsers (`src/hubspot/`): every `parse_*`, the error
//! classifier, `Retry-After` and the rate budget's header reading, on any status, headers and
//! body. Layer: tests (native); no network, the answers are generated.

use super::{config, json, nested, object_with, response, status, success, text};
use proptest::prelude::*;
use serde_json::json;
use spotdial::hubspot::error::{retry_after_ms, ApiError};
use spotdial::hubspot::model::parse_timestamp_ms;
use spotdial::hubspot::{
    account, associations, calls, contacts, lists, outcomes, owners, properties, tasks, Class, Contact, RateBudget,
    Task,
};
use spotdial::ports::HttpResponse;

/// Every parser of a HubSpot body, by name, answering only whether it accepted the answer.
fn every_parser(resp: &HttpResponse) -> Vec<(&'static str, bool)> {
    vec![
        ("account", account::parse_account_details(resp).is_ok()),
        ("associations", associations::parse_task_contacts(resp).is_ok()),
        ("created call", calls::parse_created_call(resp).is_ok()),
        ("call search", calls::parse_call_search(resp, "spotdial-0123456789abcdef0123456789abcdef").is_ok()),
        ("call search all", calls::parse_call_search_all(resp, "spotdial-x").is_ok()),
        ("calls by external id", calls::parse_calls_by_external_id(resp).is_ok()),
        ("contact", contacts::parse_contact(resp).is_ok()),
        ("contact batch", contacts::parse_contact_batch(resp).is_ok()),
        ("list search", lists::parse_list_search(resp).is_ok()),
        ("memberships", lists::parse_memberships(resp).is_ok()),
        ("outcomes", outcomes::parse_outcomes(resp).is_ok()),
        ("owner", owners::parse_owner(resp).is_ok()),
        ("property defs", properties::parse_property_defs(resp).is_ok()),
        ("task page", tasks::parse_task_page(resp).is_ok()),
        ("completed", tasks::parse_completed(resp).is_ok()),
    ]
}

/// An error answer in HubSpot's documented shape (§13): a text `message` (sometimes longer
/// than a panel line), a category, details and a correlation id, each possibly of the wrong type.
fn error_answer() -> impl Strategy<Value = HttpResponse> {
    let fields =
        object_with(&["status", "category", "subCategory", "correlationId", "errors", "context", "policyName"]);
    (status(), text(), fields, response()).prop_map(|(status, message, mut body, mut resp)| {
        if let serde_json::Value::Object(map) = &mut body {
            map.insert("message".into(), message.into());
        }
        resp.status = status;
        resp.body = body.to_string();
        resp
    })
}

proptest! {
    #![proptest_config(config(512))]

    /// Any answer at all: no parser panics, and none accepts an answer that is not a 2xx
    /// (a 4xx/5xx body that happens to look like data must stay an error).
    #[test]
    fn parsers_never_panic_and_refuse_failures(resp in response()) {
        for (name, accepted) in every_parser(&resp) {
            prop_assert!(!accepted || resp.is_success(), "{name} accepted a {} answer", resp.status);
        }
    }

    /// 2xx answers with HubSpot's envelope and hostile values inside: the parsers read the
    /// body (not only the status) and still answer data or an error, never a panic. What they
    /// accept reads back sensibly: ids are never empty.
    #[test]
    fn parsers_read_hostile_success_bodies(resp in success()) {
        every_parser(&resp);
        if let Ok(contact) = contacts::parse_contact(&resp) {
            prop_assert!(!contact.id.as_str().is_empty());
            contact.display_name();
            contact.numbers();
        }
        if let Ok(page) = tasks::parse_task_page(&resp) {
            prop_assert!(page.items.iter().all(|t| !t.id.as_str().is_empty()));
        }
        let outcomes = outcomes::outcomes_or_defaults(outcomes::parse_outcomes(&resp));
        prop_assert!(!outcomes.outcomes.is_empty(), "the rep always has outcomes to choose from");
        if let Ok(defs) = properties::parse_property_defs(&resp) {
            properties::admissible(&["phone".to_string(), "💥".to_string(), String::new()], &defs);
        }
    }

    /// A record object of any shape: the readers of one contact or task never panic.
    #[test]
    fn records_of_any_shape(value in json()) {
        if let Some(contact) = Contact::from_object(&value) {
            prop_assert!(!contact.id.as_str().is_empty());
            contact.numbers();
        }
        Task::from_object(&value);
    }

    /// HubSpot's timestamps are epoch ms or ISO 8601; any other text is `None`, never a panic.
    #[test]
    fn timestamps_of_any_text(value in text()) {
        parse_timestamp_ms(&value);
    }

    /// Every non-2xx answer is classified, with a sentence for the rep; HubSpot's message is
    /// clipped for a panel line; a 429 is dated at or after now; `Retry-After` is bounded.
    #[test]
    fn every_failure_is_classified(resp in prop_oneof![response(), error_answer()], now in 0i64..4_102_444_800_000) {
        let error = ApiError::from_response(&resp, now);
        let failure = error.failure();
        prop_assert!(!failure.code.is_empty() && !failure.message.is_empty());
        if let Some(message) = error.info().and_then(|i| i.message.as_deref()) {
            prop_assert!(message.len() <= 300 + '…'.len_utf8(), "{} bytes", message.len());
        }
        if let ApiError::RateLimited { retry_at_ms, .. } = error {
            prop_assert!(retry_at_ms >= now);
        }
        prop_assert!(retry_after_ms(&resp).map_or(true, |ms| ms <= 3_600_000));
    }
}

/// A call search answer about one external id: calls carrying it (or it in another case,
/// or another id), with an id that may be missing, empty or a number.
fn call_search_answer(external_id: &'static str) -> impl Strategy<Value = HttpResponse> {
    let call = (
        prop::option::of(prop_oneof![Just(json!("9001")), Just(json!(9002)), Just(json!("")), Just(json!(null))]),
        prop::sample::select(vec![external_id.to_string(), external_id.to_uppercase(), "spotdial-other".into()]),
    )
        .prop_map(|(id, carried)| {
            let mut call = json!({ "properties": { "hs_call_external_id": carried } });
            if let (Some(id), Some(fields)) = (id, call.as_object_mut()) {
                fields.insert("id".into(), id);
            }
            call
        });
    prop::collection::vec(call, 0..4).prop_map(|results| HttpResponse {
        status: 200,
        headers: Vec::new(),
        body: json!({ "total": results.len(), "results": results }).to_string(),
    })
}

proptest! {
    #![proptest_config(config(256))]

    /// The outbox's two questions about one call agree: "is it there?" answers the first of
    /// "every copy of it", so a log is never sent again while HubSpot holds it.
    #[test]
    fn one_call_search_agrees_with_all(resp in call_search_answer("spotdial-7f3a")) {
        let all = calls::parse_call_search_all(&resp, "spotdial-7f3a").map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let one = calls::parse_call_search(&resp, "spotdial-7f3a").map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(one.as_ref(), all.first(), "{}", resp.body);
        let page = calls::parse_calls_by_external_id(&resp).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let exact: Vec<_> = page.found.into_iter().filter(|(x, _)| x == "spotdial-7f3a").map(|(_, id)| id).collect();
        prop_assert_eq!(exact, all);
    }
}

proptest! {
    // Each case is a sequence of up to five answers.
    #![proptest_config(config(192))]

    /// The budget learns from any headers on any answer: what it reports stays within its own
    /// maximum, and a pause never runs past an hour and a bit from now.
    #[test]
    fn the_budget_reads_any_headers(
        answers in prop::collection::vec((response(), prop::sample::select(vec![Class::Read, Class::Search, Class::Write])), 1..6),
        start in 0i64..4_102_444_800_000,
        steps in prop::collection::vec(0i64..20_000, 8),
    ) {
        let mut budget = RateBudget::new();
        let mut now = start;
        for ((resp, class), step) in answers.iter().zip(&steps) {
            now += step;
            budget.admit(*class, now);
            budget.note_sent(*class, now);
            budget.observe(*class, resp, now);
            let usage = budget.usage(now);
            prop_assert!(usage.used <= usage.max && usage.max >= 1, "{usage:?}");
            if let Some((until, _)) = budget.paused(now) {
                prop_assert!(until - now <= 3_600_000 + 86_400_000, "paused {} ms", until - now);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Deep nesting, up to past serde_json's recursion limit, in the body and in `results`.
    #[test]
    fn deep_nesting_is_an_error_not_a_crash(depth in 0usize..300, code in status()) {
        for body in [nested(depth, "1"), ["{\"results\":", &nested(depth, "{\"id\":\"1\"}"), "}"].concat()] {
            let resp = HttpResponse { status: code, headers: Vec::new(), body };
            every_parser(&resp);
            ApiError::from_response(&resp, 0);
        }
    }
}
