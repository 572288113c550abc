//! Property tests (issue 14): every parser of input from outside the extension (HubSpot's
//! answers, extension messages, admin policy, URLs, phone text) is fed arbitrary and hostile
//! input and must answer without a panic; what is both written and read round-trips.
//! Layer: tests (native). One module per area; the shared input generators live here.

// proptest is a native-only dev-dependency (its OS RNG has no wasm32-unknown-unknown source).
#![cfg(not(target_arch = "wasm32"))]

mod auth;
mod hubspot;
mod messages;
mod phone;
mod settings;
mod urls;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use serde_json::{Map, Value};
use spotdial::ports::HttpResponse;

/// The seed every run starts from, so a failure replays exactly (proptest prints the shrunk
/// input too). `PROPTEST_RNG_SEED=<n>` explores another corner; `PROPTEST_CASES=<n>` runs more.
const SEED: u64 = 0x5907_d1a1;

/// A run of `cases` cases, without writing regression files into the tree (the shrunk failing
/// input is printed; add it to the unit tests beside the parser instead).
pub fn config(cases: u32) -> ProptestConfig {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    ProptestConfig {
        cases: env("PROPTEST_CASES").map_or(cases, |n| n as u32),
        rng_seed: RngSeed::Fixed(env("PROPTEST_RNG_SEED").unwrap_or(SEED)),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Names HubSpot, Chrome and our own wire use, so generated objects often hit the fields a
/// parser reads (with the wrong type, or an absurd value) instead of only unknown ones.
const KNOWN_KEYS: &[&str] = &[
    "id",
    "results",
    "properties",
    "paging",
    "next",
    "after",
    "total",
    "status",
    "message",
    "category",
    "subCategory",
    "correlationId",
    "errors",
    "context",
    "ids",
    "policyName",
    "lists",
    "offset",
    "hasMore",
    "listId",
    "name",
    "size",
    "recordId",
    "from",
    "to",
    "toObjectId",
    "associationTypes",
    "typeId",
    "label",
    "hs_call_external_id",
    "hs_task_subject",
    "hs_task_status",
    "hs_task_priority",
    "hs_timestamp",
    "hubspot_owner_id",
    "firstname",
    "lastname",
    "phone",
    "mobilephone",
    "country",
    "company",
    "hs_timezone",
    "portalId",
    "uiDomain",
    "dataHostingLocation",
    "timeZone",
    "access_token",
    "refresh_token",
    "expires_in",
    "token_type",
    "scopes",
    "hub_id",
    "user_id",
    "user",
    "hublet",
    "error",
    "error_description",
    "source",
    "active",
    "type",
    "fieldType",
    "options",
    "value",
    "displayOrder",
    "hidden",
    "modificationMetadata",
    "readOnlyValue",
    "userId",
    "email",
    "firstName",
    "lastName",
    "archived",
    "createdAt",
    "updatedAt",
    "numErrors",
    "hs_object_id",
    "kind",
    "url",
    "call",
    "contact",
    "number",
    "notes",
    "outcome",
    "complete_task",
    "list",
    "refresh",
    "values",
    "query",
    "links",
    "missingScopes",
    "requiredGranularScopes",
];

/// Text that trips parsers: empty, blank, huge or negative numbers as text, non-ASCII digits,
/// control characters, JSON and URL metacharacters, and anything at all.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => ".{0,40}",
        2 => "[0-9]{0,25}",
        1 => "[ +()0-9.xX#-]{0,30}",
        1 => prop::sample::select(vec![
            "", " ", "-1", "0", "1e400", "-0", "NaN", "Infinity", "９９９", "٣٤٥", "\u{0}", "\u{202e}abc",
            "18446744073709551616", "-9223372036854775809", "9223372036854775807", "null", "{}", "[]",
            "%", "%zz", "%00", "+", "&&&", "==", "?#", "\\", "\"", "é", "💥",
        ])
        .prop_map(String::from),
        1 => prop::sample::select(KNOWN_KEYS.to_vec()).prop_map(String::from),
        // Past the lengths the core clips or refuses at (a panel line is 300 bytes).
        1 => "[a-zé💥 ]{280,320}",
    ]
}

/// A JSON leaf of any type, biased to the edges: huge and negative numbers, floats that are
/// not integers, and the text above.
pub fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => prop::sample::select(vec![u64::MAX as f64, -1.5, 0.5, 1e308, -1e308, 2.5e15]).prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        4 => text().prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => prop::sample::select(KNOWN_KEYS.to_vec()).prop_map(String::from), 1 => text()]
}

/// Any JSON value, nested up to `depth` levels: objects mostly use the names parsers read.
pub fn json_at(depth: u32) -> impl Strategy<Value = Value> {
    leaf().prop_recursive(depth, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5).prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

pub fn json() -> impl Strategy<Value = Value> {
    json_at(5)
}

/// An object with the given names present (each maybe of the wrong type) and a few others.
pub fn object_with(names: &'static [&'static str]) -> impl Strategy<Value = Value> {
    (prop::collection::vec(json_at(2), names.len()), prop::collection::vec((key(), leaf()), 0..3)).prop_map(
        move |(values, extra)| {
            let mut map: Map<String, Value> = extra.into_iter().collect();
            for (name, value) in names.iter().zip(values) {
                map.insert((*name).to_string(), value);
            }
            Value::Object(map)
        },
    )
}

/// A HubSpot-shaped answer: the envelope every parser reads (`results`, `paging`, batch
/// `errors`, a record's `id` and `properties`), with hostile values inside.
pub fn hubspot_shaped() -> impl Strategy<Value = Value> {
    let record = object_with(&["id", "properties", "createdAt", "archived", "from", "to"]);
    let results = prop_oneof![3 => prop::collection::vec(record, 0..4).prop_map(Value::Array), 1 => json_at(2)];
    let paging = prop_oneof![(leaf()).prop_map(|after| serde_json::json!({ "next": { "after": after } })), json_at(2),];
    (results, paging, object_with(&["total", "status", "message", "category", "errors", "lists", "offset", "hasMore"]))
        .prop_map(|(results, paging, mut rest)| {
            if let Value::Object(map) = &mut rest {
                map.insert("results".into(), results);
                map.insert("paging".into(), paging);
            }
            rest
        })
}

/// Header names the core reads (rate limits, `Retry-After`), in any case, and others.
fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "Retry-After", "retry-after", "RETRY-AFTER", "X-HubSpot-RateLimit-Max", "x-hubspot-ratelimit-remaining",
            "X-HubSpot-RateLimit-Remaining", "X-HubSpot-RateLimit-Interval-Milliseconds",
            "X-HubSpot-RateLimit-Daily", "X-HubSpot-RateLimit-Daily-Remaining", "X-HubSpot-RateLimit-Secondly",
            "Content-Type", "X-HubSpot-Correlation-Id",
        ])
        .prop_map(String::from),
        1 => ".{0,20}",
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => text(),
        2 => any::<u64>().prop_map(|n| n.to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|n| n.to_string()),
        1 => prop::sample::select(vec!["Wed, 21 Oct 2015 07:28:00 GMT", " 10 ", "1.5", "-0.0", "1e19", "inf"])
            .prop_map(String::from),
    ]
}

/// A body as text: HubSpot-shaped JSON, any JSON, JSON cut off anywhere, HTML, or any text.
pub fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => hubspot_shaped().prop_map(|v| v.to_string()),
        2 => json().prop_map(|v| v.to_string()),
        1 => (hubspot_shaped(), any::<prop::sample::Index>()).prop_map(|(v, at)| {
            let text = v.to_string();
            let cut = (0..=at.index(text.len() + 1)).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
            text[..cut].to_string()
        }),
        1 => Just("<html><body>502 Bad Gateway</body></html>".to_string()),
        1 => Just(r#"{"total": 1e400, "results": [{"id": 1e400}]}"#.to_string()),
        1 => ".{0,80}",
    ]
}

/// The statuses HubSpot documents (§13), and any other.
pub fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => prop::sample::select(vec![200u16, 201, 204, 207, 400, 401, 403, 404, 409, 414, 423, 429, 477, 500, 502, 503, 504, 521]),
        1 => any::<u16>(),
    ]
}

/// Any answer: a status, headers that include the ones the core reads, and a body.
pub fn response() -> impl Strategy<Value = HttpResponse> {
    (status(), prop::collection::vec((header_name(), header_value()), 0..6), body())
        .prop_map(|(status, headers, body)| HttpResponse { status, headers, body })
}

/// A 2xx answer, so the parsers get past the status check and read the body.
pub fn success() -> impl Strategy<Value = HttpResponse> {
    (prop::sample::select(vec![200u16, 201, 204, 207]), body()).prop_map(|(status, body)| HttpResponse {
        status,
        headers: Vec::new(),
        body,
    })
}

/// `depth` nested arrays around `inner`: past serde_json's recursion limit (128) at the top.
pub fn nested(depth: usize, inner: &str) -> String {
    ["[".repeat(depth), inner.to_string(), "]".repeat(depth)].concat()
}
