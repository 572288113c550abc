//! Test doubles for the sign-in module: an HTTP fake that records requests and answers from a
//! script (yielding once, so concurrent callers really overlap) and token answers; the store,
//! clock and `block_on` are the shared ones in `crate::testing`. Layer: core tests only.

use crate::ports::{Http, HttpRequest, HttpResponse, TransportError};
use serde_json::Value;
use std::cell::RefCell;

pub use crate::testing::{block_on, yield_now, FakeClock, FakeStore};

type Responder = Box<dyn FnMut(&HttpRequest) -> Result<HttpResponse, TransportError>>;

/// Records every request and answers through `responder`, after yielding once.
pub struct FakeHttp {
    pub requests: RefCell<Vec<HttpRequest>>,
    responder: RefCell<Responder>,
}

impl FakeHttp {
    pub fn answering(
        responder: impl FnMut(&HttpRequest) -> Result<HttpResponse, TransportError> + 'static,
    ) -> Self {
        Self { requests: RefCell::new(Vec::new()), responder: RefCell::new(Box::new(responder)) }
    }

    /// Answers from a list, in order; a request past its end is a test failure.
    pub fn scripted(answers: Vec<Result<HttpResponse, TransportError>>) -> Self {
        let mut answers = answers.into_iter();
        Self::answering(move |req| {
            answers.next().unwrap_or_else(|| panic!("unexpected request {}", req.url))
        })
    }

    /// Every token request gets a fresh access token `at-N` living `lifetime_s`; the refresh
    /// token stays `rt-0`. Revokes get 200.
    pub fn issuing(lifetime_s: i64) -> Self {
        let mut n = 0;
        Self::answering(move |req| {
            if req.url.ends_with("/revoke") {
                return Ok(ok(""));
            }
            n += 1;
            Ok(token_answer(&format!("at-{n}"), Some("rt-0"), lifetime_s))
        })
    }

    pub fn count(&self) -> usize {
        self.requests.borrow().len()
    }

    pub fn bodies(&self) -> Vec<String> {
        self.requests.borrow().iter().map(|r| r.body.clone().unwrap_or_default()).collect()
    }
}

impl Http for FakeHttp {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.requests.borrow_mut().push(request.clone());
        let answer = (self.responder.borrow_mut())(request);
        yield_now().await;
        answer
    }
}

pub fn ok(body: &str) -> HttpResponse {
    HttpResponse { status: 200, headers: vec![], body: body.to_string() }
}

pub fn status(code: u16, body: &str) -> HttpResponse {
    HttpResponse { status: code, headers: vec![], body: body.to_string() }
}

/// A 2026-03 token answer with every required scope (API-FACTS §1.3).
pub fn token_answer(access: &str, refresh: Option<&str>, lifetime_s: i64) -> HttpResponse {
    let mut body = serde_json::json!({
        "token_type": "bearer",
        "access_token": access,
        "expires_in": lifetime_s,
        "hub_id": 1234567,
        "user_id": 293199,
        "scopes": crate::auth::config::SCOPES,
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = Value::from(refresh);
    }
    ok(&body.to_string())
}


