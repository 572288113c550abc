//! Test doubles for the sign-in module: an HTTP fake that records requests and answers from a
//! script (yielding once, so concurrent callers really overlap), a per-area map store, a clock
//! whose `sleep` moves time, and a tiny `block_on`. Layer: core (pure), tests only.

use crate::ports::{
    Area, Clock, Http, HttpRequest, HttpResponse, Store, StoreError, TransportError,
};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// Polls `future` to completion on this thread. Every fake wakes itself before returning
/// `Pending`, so a busy loop is enough.
pub fn block_on<F: Future>(future: F) -> F::Output {
    fn raw() -> RawWaker {
        fn clone(_: *const ()) -> RawWaker {
            raw()
        }
        fn noop(_: *const ()) {}
        static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
        RawWaker::new(std::ptr::null(), &VTABLE)
    }
    // SAFETY: the vtable's functions do nothing and never touch the data pointer.
    let waker = unsafe { Waker::from_raw(raw()) };
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    for _ in 0..1_000_000 {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("future never completed");
}

/// Returns `Pending` once, then `Ready`: an await point where other futures get polled.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

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

/// One map per area; every operation yields once, as `chrome.storage` is asynchronous.
#[derive(Default)]
pub struct FakeStore {
    pub data: RefCell<HashMap<Area, BTreeMap<String, Value>>>,
}

impl FakeStore {
    pub fn value(&self, area: Area, key: &str) -> Option<Value> {
        self.data.borrow().get(&area).and_then(|m| m.get(key).cloned())
    }

    pub fn put(&self, area: Area, key: &str, value: Value) {
        self.data.borrow_mut().entry(area).or_default().insert(key.to_string(), value);
    }

    pub fn keys_in(&self, area: Area) -> Vec<String> {
        self.data.borrow().get(&area).map(|m| m.keys().cloned().collect()).unwrap_or_default()
    }

    /// Every (area, key, value) as text, for "where does this token appear" checks.
    pub fn dump(&self) -> Vec<(Area, String, String)> {
        let data = self.data.borrow();
        let mut out = Vec::new();
        for (area, map) in data.iter() {
            for (k, v) in map {
                out.push((*area, k.clone(), v.to_string()));
            }
        }
        out
    }
}

impl Store for FakeStore {
    async fn get(&self, area: Area, key: &str) -> Result<Option<Value>, StoreError> {
        yield_now().await;
        Ok(self.value(area, key))
    }

    async fn set(&self, area: Area, key: &str, value: Value) -> Result<(), StoreError> {
        yield_now().await;
        self.put(area, key, value);
        Ok(())
    }

    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError> {
        yield_now().await;
        if let Some(map) = self.data.borrow_mut().get_mut(&area) {
            map.remove(key);
        }
        Ok(())
    }

    async fn keys(&self, area: Area) -> Result<Vec<String>, StoreError> {
        yield_now().await;
        Ok(self.keys_in(area))
    }
}

/// Milliseconds since the epoch, moved only by `sleep` and `advance`.
pub struct FakeClock {
    pub now: Cell<i64>,
}

impl FakeClock {
    pub fn at(now_ms: i64) -> Self {
        Self { now: Cell::new(now_ms) }
    }

    pub fn advance(&self, ms: i64) {
        self.now.set(self.now.get() + ms);
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> i64 {
        self.now.get()
    }

    async fn sleep(&self, ms: u64) {
        self.advance(ms as i64);
    }
}
