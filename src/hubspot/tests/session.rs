//! Session tests: the exact request sent, the 401 refresh-and-retry rule, bounded read retries,
//! writes never retried, and the budget pausing on 429 and resuming after the window.
//! Layer: core tests (native only).

use super::*;
use crate::hubspot::budget::Class;
use crate::hubspot::{contacts, outcomes, tasks, ApiError, Client, RateBudget};
use crate::ids::{ContactId, TaskId};
use crate::ports::Method;

const OK: &str = r#"{"id":"1","properties":{}}"#;

fn read_req() -> HttpRequest {
    contacts::get_contact(&ContactId::new("1"), &crate::hubspot::dialing_properties(&[]))
}

#[test]
fn adds_the_bearer_token_and_sends_the_builder_request_unchanged() {
    let http = FakeHttp::scripted(vec![Ok(response(200, OK))]);
    let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    let req = read_req();
    block_on(client.send(req.clone(), Class::Read)).expect("ok");
    let sent = http.sent.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, req.method);
    assert_eq!(sent[0].url, req.url);
    assert_eq!(sent[0].body, req.body);
    assert_eq!(sent[0].header_value("authorization"), Some("Bearer tok-1"));
}

#[test]
fn a_401_refreshes_once_and_retries_once_then_fails() {
    let unauthorized = r#"{"status":"error","message":"Authentication credentials not found.","correlationId":"c-401","category":"INVALID_AUTHENTICATION"}"#;
    let http = FakeHttp::scripted(vec![Ok(response(401, unauthorized)), Ok(response(401, unauthorized))]);
    let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    let err = block_on(client.send(read_req(), Class::Read)).unwrap_err();
    assert!(
        matches!(&err, ApiError::Unauthorized { info } if info.category.as_deref() == Some("INVALID_AUTHENTICATION"))
    );
    assert_eq!(err.correlation_id(), Some("c-401"));
    assert_eq!(tokens.refreshes.get(), 1);
    let sent = http.sent.borrow();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].header_value("Authorization"), Some("Bearer tok-1"));
    assert_eq!(sent[1].header_value("Authorization"), Some("Bearer tok-2"));
    assert_eq!(sent[1].headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("authorization")).count(), 1);
}

#[test]
fn a_401_then_success_returns_the_answer() {
    let http = FakeHttp::scripted(vec![Ok(response(401, "{}")), Ok(response(200, OK))]);
    let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    assert_eq!(block_on(client.send(tasks::complete_task(&TaskId::new("1")), Class::Write)).unwrap().status, 200);
    assert_eq!(tokens.refreshes.get(), 1);
}

#[test]
fn a_refused_refresh_is_an_auth_failure_and_nothing_is_resent() {
    let http = FakeHttp::scripted(vec![Ok(response(401, "{}"))]);
    let (clock, mut tokens) = (FakeClock::at(0), FakeTokens::new());
    tokens.refresh_fails = true;
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    let err = block_on(client.send(read_req(), Class::Read)).unwrap_err();
    assert!(matches!(err, ApiError::Auth { failure: crate::ports::AuthFailure::NeedsReconnect { .. } }));
    assert_eq!(err.failure().code, "needs_reconnect");
    assert_eq!(http.count(), 1);
}

#[test]
fn signed_out_sends_nothing() {
    let http = FakeHttp::scripted(vec![]);
    let (clock, mut tokens) = (FakeClock::at(0), FakeTokens::new());
    tokens.signed_out = true;
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    assert!(matches!(block_on(client.send(read_req(), Class::Read)), Err(ApiError::Auth { .. })));
    assert_eq!(http.count(), 0);
}

#[test]
fn a_failing_read_is_retried_three_times_with_growing_waits() {
    let http = FakeHttp::responding(|_| Ok(response(503, "<html>Service Unavailable</html>")));
    let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    let err = block_on(client.send(read_req(), Class::Read)).unwrap_err();
    assert!(matches!(err, ApiError::Unavailable { status: 503, .. }));
    assert!(err.failure().retryable);
    assert_eq!(http.count(), 4, "one attempt and three retries");
    assert_eq!(*clock.sleeps.borrow(), vec![1_000, 2_000, 4_000]);
}

#[test]
fn a_read_recovers_after_a_gateway_error() {
    let http = FakeHttp::scripted(vec![Ok(response(502, "")), Ok(response(504, "")), Ok(response(200, OK))]);
    let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    assert!(block_on(client.send(read_req(), Class::Read)).is_ok());
    assert_eq!(*clock.sleeps.borrow(), vec![1_000, 2_000]);
}

#[test]
fn migration_and_lock_honour_their_waits() {
    let http = FakeHttp::scripted(vec![
        Ok(with_header(response(477, ""), "Retry-After", "5")),
        Ok(response(423, "")),
        Ok(response(200, OK)),
    ]);
    let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    assert!(block_on(client.send(read_req(), Class::Read)).is_ok());
    assert_eq!(*clock.sleeps.borrow(), vec![5_000, 2_000], "Retry-After for 477, at least 2 s for 423");
}

#[test]
fn an_overlong_retry_after_is_not_slept_through() {
    let http = FakeHttp::scripted(vec![Ok(with_header(response(477, ""), "Retry-After", "600"))]);
    let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    let err = block_on(client.send(read_req(), Class::Read)).unwrap_err();
    assert!(matches!(err, ApiError::Unavailable { status: 477, retry_after_ms: Some(600_000), .. }));
    assert!(clock.sleeps.borrow().is_empty());
}

#[test]
fn writes_are_never_retried() {
    for answer in [Ok(response(503, "")), Ok(response(500, "")), Err(TransportError::Timeout)] {
        let http = FakeHttp::scripted(vec![answer]);
        let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
        let client = Client::new(&http, &clock, &tokens, RateBudget::new());
        let err = block_on(client.send(tasks::complete_task(&TaskId::new("9")), Class::Write)).unwrap_err();
        assert_eq!(http.count(), 1, "{err:?}");
        assert!(clock.sleeps.borrow().is_empty());
        if let ApiError::Transport { may_have_reached, .. } = err {
            assert!(may_have_reached, "a lost answer must be settled by lookup");
        }
    }
}

#[test]
fn a_429_pauses_the_budget_and_admits_again_after_the_window() {
    let body = r#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c","policyName":"TEN_SECONDLY_ROLLING","requestId":"r"}"#;
    let http = FakeHttp::scripted(vec![Ok(response(429, body)), Ok(response(200, OK))]);
    let (clock, tokens) = (FakeClock::at(1_000), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    let err = block_on(client.send(read_req(), Class::Read)).unwrap_err();
    // One window, plus a part of half of it drawn per browser (reps must not return in step).
    let ApiError::RateLimited { policy, retry_at_ms: until } = err else { panic!("{err:?}") };
    assert_eq!(policy, "TEN_SECONDLY_ROLLING");
    assert!((11_000..16_000).contains(&until), "{until}");
    assert_eq!(client.paused(), Some((until, "TEN_SECONDLY_ROLLING".to_string())));

    // While paused nothing goes out, writes included, and nobody spins.
    clock.advance(5_000);
    let again = block_on(client.send(tasks::complete_task(&TaskId::new("1")), Class::Write)).unwrap_err();
    assert!(matches!(again, ApiError::RateLimited { retry_at_ms, .. } if retry_at_ms == until));
    assert_eq!(http.count(), 1);
    assert!(clock.sleeps.borrow().is_empty());

    // The pause survives being persisted, and lifts by itself.
    let persisted = serde_json::to_string(&client.budget()).unwrap();
    let restored: RateBudget = serde_json::from_str(&persisted).unwrap();
    let client = Client::new(&http, &clock, &tokens, restored);
    assert!(client.paused().is_some());
    clock.advance(until - 6_000);
    assert!(block_on(client.send(read_req(), Class::Read)).is_ok());
    assert_eq!(http.count(), 2);
}

#[test]
fn reads_are_paced_below_the_shared_budget() {
    let headers = |remaining: u32| {
        let r = with_header(response(200, OK), "X-HubSpot-RateLimit-Max", "110");
        let r = with_header(r, "X-HubSpot-RateLimit-Interval-Milliseconds", "10000");
        Ok(with_header(r, "X-HubSpot-RateLimit-Remaining", &remaining.to_string()))
    };
    // Other reps are using most of the window: HubSpot says 25 remain, then fewer each time.
    let left = Cell::new(26u32);
    let http = FakeHttp::responding(move |_| {
        left.set(left.get().saturating_sub(1));
        headers(left.get())
    });
    let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    for _ in 0..5 {
        block_on(client.send(read_req(), Class::Read)).unwrap();
    }
    let sleeps = clock.sleeps.borrow().clone();
    assert!(!sleeps.is_empty(), "with 25 left and a reserve of 22, reads must slow down");
    assert!(sleeps.iter().all(|&ms| ms >= 50), "no tight loops: {sleeps:?}");
    // A write may still use the reserve at once.
    let before = clock.sleeps.borrow().len();
    block_on(client.send(tasks::complete_task(&TaskId::new("1")), Class::Write)).unwrap();
    assert_eq!(clock.sleeps.borrow().len(), before);
}

#[test]
fn searches_are_spaced_to_stay_under_five_per_second() {
    let http = FakeHttp::responding(|_| Ok(response(200, r#"{"total":0,"results":[]}"#)));
    let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    let owner = crate::ids::OwnerId::new("7");
    for _ in 0..9 {
        block_on(client.send(tasks::search_open_call_tasks(&owner, 0, 200, None), Class::Search)).unwrap();
    }
    // 9 searches at 4 per second: two waits, the last send no earlier than 2 s in.
    assert_eq!(clock.sleeps.borrow().len(), 2);
    assert!(clock.now.get() >= 2_000);
    assert_eq!(client.request_counts().searches, 9);
}

#[test]
fn outcomes_fall_back_when_the_legacy_endpoint_is_gone() {
    let http = FakeHttp::scripted(vec![Ok(response(404, ""))]);
    let (clock, tokens) = (FakeClock::at(0), FakeTokens::new());
    let client = Client::new(&http, &clock, &tokens, RateBudget::new());
    let result = block_on(client.send(outcomes::list_outcomes(), Class::Read));
    let got = outcomes::outcomes_or_defaults(result.and_then(|r| outcomes::parse_outcomes(&r)));
    assert_eq!(got.source, outcomes::OutcomeSource::Defaults);
    assert_eq!(http.sent.borrow()[0].method, Method::Get);
    assert_eq!(http.sent.borrow()[0].url, "https://api.hubapi.com/calling/v1/dispositions");
}
