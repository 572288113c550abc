//! Call outcomes: the portal's own (`GET /calling/v1/dispositions`, API-FACTS §6), or the six
//! HubSpot defaults when that endpoint is unavailable. Layer: core (pure). The legacy v1 path
//! is the only non-beta source (the dated one is allowlisted beta), so a 404 or 403 there must
//! not stop a rep from logging a call: the default GUIDs exist in every portal.

use super::error::ApiError;
use super::model::{json_body, text, CallOutcome};
use super::version;
use crate::ports::{HttpRequest, HttpResponse, Method};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// HubSpot's default outcome GUIDs (§6), used when the portal's list cannot be read.
pub const DEFAULT_OUTCOMES: [(&str, &str); 6] = [
    ("9d9162e7-6cf3-4944-bf63-4dff82258764", "Busy"),
    ("f240bbac-87c9-4f6e-bf70-924b57d47db7", "Connected"),
    ("a4c4c377-d246-4b32-a13b-75a56a4cd0ff", "Left live message"),
    ("b2cf5968-551e-4856-9783-52b3da59a7d0", "Left voicemail"),
    ("73a0d17f-1163-4015-bdd5-ec830791da20", "No answer"),
    ("17b47fee-58de-441e-a44c-c6300d46f273", "Wrong number"),
];

pub fn list_outcomes() -> HttpRequest {
    HttpRequest::new(Method::Get, version::legacy_url("/calling/v1/dispositions"))
}

/// The portal's outcomes: a bare array `[{id, label}]`; entries without both are skipped.
pub fn parse_outcomes(resp: &HttpResponse) -> Result<Vec<CallOutcome>, ApiError> {
    let body = json_body(resp)?;
    let list = body.as_array().ok_or_else(|| ApiError::malformed("dispositions that are not a list"))?;
    Ok(list
        .iter()
        .filter_map(|v: &Value| Some(CallOutcome { id: text(v.get("id"))?, label: text(v.get("label"))? }))
        .collect())
}

/// Where the outcomes came from: a portal list may be cached; defaults should be re-asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeSource {
    Portal,
    Defaults,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
pub struct Outcomes {
    pub outcomes: Vec<CallOutcome>,
    pub source: OutcomeSource,
}

pub fn default_outcomes() -> Vec<CallOutcome> {
    DEFAULT_OUTCOMES.iter().map(|(id, label)| CallOutcome { id: id.to_string(), label: label.to_string() }).collect()
}

/// The portal's outcomes, or the defaults whenever they cannot be had (404, 403, 5xx, a bad
/// body, an empty list, and also offline or rate-limited: a rep mid-call must be able to pick
/// an outcome; the log waits in the outbox either way).
pub fn outcomes_or_defaults(result: Result<Vec<CallOutcome>, ApiError>) -> Outcomes {
    match result {
        Ok(list) if !list.is_empty() => Outcomes { outcomes: list, source: OutcomeSource::Portal },
        _ => Outcomes { outcomes: default_outcomes(), source: OutcomeSource::Defaults },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, headers: vec![], body: body.into() }
    }

    #[test]
    fn portal_outcomes_are_read() {
        assert_eq!(list_outcomes().url, "https://api.hubapi.com/calling/v1/dispositions");
        let body = r#"[{"id":"f240bbac-87c9-4f6e-bf70-924b57d47db7","label":"Connected"},{"id":"0e9f4e4b-custom","label":"Demo booked","deleted":false},{"label":"no id"}]"#;
        let got = outcomes_or_defaults(parse_outcomes(&resp(200, body)));
        assert_eq!(got.source, OutcomeSource::Portal);
        assert_eq!(got.outcomes.len(), 2);
        assert_eq!(got.outcomes[1].label, "Demo booked");
    }

    #[test]
    fn unavailable_endpoint_falls_back_to_the_six_defaults() {
        for r in [
            resp(404, ""),
            resp(403, r#"{"category":"MISSING_SCOPES"}"#),
            resp(503, "<html>"),
            resp(200, "{\"a\":1}"),
            resp(200, "[{\"id\""),
            resp(200, "[]"),
        ] {
            let got = outcomes_or_defaults(parse_outcomes(&r));
            assert_eq!(got.source, OutcomeSource::Defaults, "{r:?}");
            assert_eq!(got.outcomes.len(), 6);
            assert!(got
                .outcomes
                .iter()
                .any(|o| o.id == "73a0d17f-1163-4015-bdd5-ec830791da20" && o.label == "No answer"));
        }
    }
}
