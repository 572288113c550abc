//! Shared test fakes for the core: the one `Http` fake, which records every request and answers
//! from a script or a responder after yielding once, a `Clock` whose `sleep` moves time, a `TokenSource` that counts
//! refreshes, a per-area `Store` that yields like `chrome.storage`, and a small `block_on`.
//! Layer: core tests (native only; declared `#[cfg(test)]` in lib.rs).

use crate::ports::{
    Area, AuthFailure, Clock, Http, HttpRequest, HttpResponse, Store, StoreError, TokenSource, TransportError,
};
use crate::secret::AccessToken;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Runs a future to completion on this thread. Every fake is either ready at once or wakes
/// itself before returning `Pending` (`yield_now`), so re-polling is enough; the bound turns a
/// future that never completes into a test failure instead of a hang.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    for _ in 0..1_000_000 {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("a fake future never completed");
}

/// Returns `Pending` once, then `Ready`: an await point where other futures get polled, as
/// every `chrome.*` call is in the extension.
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

pub type Answer = Result<HttpResponse, TransportError>;

type Responder = Box<dyn FnMut(&HttpRequest) -> Answer>;

/// Records every request; answers from a script (in order) or, when the script is empty,
/// from the responder. Every answer comes after one yield, as `fetch` is asynchronous, so
/// concurrent callers (two handlers refreshing one token) really overlap.
pub struct FakeHttp {
    pub sent: RefCell<Vec<HttpRequest>>,
    script: RefCell<VecDeque<Answer>>,
    responder: RefCell<Responder>,
}

impl FakeHttp {
    /// Answers from a list, in order; a request past its end is a test failure.
    pub fn scripted(answers: Vec<Answer>) -> Self {
        FakeHttp {
            sent: RefCell::new(Vec::new()),
            script: RefCell::new(answers.into()),
            responder: RefCell::new(Box::new(|req| panic!("unscripted request {} {}", req.method.as_str(), req.url))),
        }
    }

    /// Answers every request through `responder`, which may keep state of its own.
    pub fn responding(responder: impl FnMut(&HttpRequest) -> Answer + 'static) -> Self {
        FakeHttp {
            sent: RefCell::new(Vec::new()),
            script: RefCell::new(VecDeque::new()),
            responder: RefCell::new(Box::new(responder)),
        }
    }

    /// From now on `responder` answers what the script does not.
    pub fn respond(&self, responder: impl FnMut(&HttpRequest) -> Answer + 'static) {
        *self.responder.borrow_mut() = Box::new(responder);
    }

    pub fn count(&self) -> usize {
        self.sent.borrow().len()
    }

    /// The body of every request sent, in order (`""` for none).
    pub fn bodies(&self) -> Vec<String> {
        self.sent.borrow().iter().map(|r| r.body.clone().unwrap_or_default()).collect()
    }

    pub fn count_where(&self, pred: impl Fn(&HttpRequest) -> bool) -> usize {
        self.sent.borrow().iter().filter(|r| pred(r)).count()
    }
}

impl Http for FakeHttp {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.borrow_mut().push(request.clone());
        let next = self.script.borrow_mut().pop_front();
        let answer = match next {
            Some(answer) => answer,
            None => (self.responder.borrow_mut())(request),
        };
        yield_now().await;
        answer
    }
}

/// Time that moves only when someone sleeps (or the test says so).
pub struct FakeClock {
    pub now: Cell<i64>,
    pub sleeps: RefCell<Vec<u64>>,
}

impl FakeClock {
    pub fn at(ms: i64) -> Self {
        FakeClock { now: Cell::new(ms), sleeps: RefCell::new(Vec::new()) }
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
        self.sleeps.borrow_mut().push(ms);
        self.now.set(self.now.get() + ms as i64);
    }
}

/// Hands out `tok-1`; each refresh hands out the next number, or fails when told to.
pub struct FakeTokens {
    pub generation: Cell<u32>,
    pub refreshes: Cell<u32>,
    pub refresh_fails: bool,
    pub signed_out: bool,
    /// The rep is asked to reconnect, and finishes reconnecting after this many more askers
    /// were told so.
    pub reconnected_after: Cell<u32>,
}

impl FakeTokens {
    pub fn new() -> Self {
        FakeTokens {
            generation: Cell::new(1),
            refreshes: Cell::new(0),
            refresh_fails: false,
            signed_out: false,
            reconnected_after: Cell::new(0),
        }
    }

    fn current(&self) -> AccessToken {
        AccessToken::new(["tok-", &self.generation.get().to_string()].concat())
    }
}

impl Default for FakeTokens {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenSource for FakeTokens {
    async fn access_token(&self) -> Result<AccessToken, AuthFailure> {
        if self.signed_out {
            return Err(AuthFailure::SignedOut);
        }
        // As the keeper: once HubSpot refused the refresh, it asks for a reconnect and has no
        // token for anyone until the rep reconnects (the test clears `refresh_fails`).
        if self.refresh_fails && self.refreshes.get() > 0 {
            return Err(AuthFailure::NeedsReconnect { reason: "refresh token revoked".into() });
        }
        if self.reconnected_after.get() > 0 {
            self.reconnected_after.set(self.reconnected_after.get() - 1);
            return Err(AuthFailure::NeedsReconnect { reason: "reconnect under way".into() });
        }
        Ok(self.current())
    }

    async fn refresh_after_unauthorized(&self, rejected: &AccessToken) -> Result<AccessToken, AuthFailure> {
        assert_eq!(rejected, &self.current(), "the rejected token is handed back");
        self.refreshes.set(self.refreshes.get() + 1);
        if self.refresh_fails {
            return Err(AuthFailure::NeedsReconnect { reason: "refresh token revoked".into() });
        }
        self.generation.set(self.generation.get() + 1);
        Ok(self.current())
    }
}

pub fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse { status, headers: Vec::new(), body: body.to_string() }
}

pub fn with_header(mut resp: HttpResponse, name: &str, value: &str) -> HttpResponse {
    resp.headers.push((name.to_string(), value.to_string()));
    resp
}

/// One map per area; every operation yields once, as `chrome.storage` is asynchronous, so two
/// handlers running "at the same time" really interleave. `fail_writes` makes `set` and
/// `remove` fail (quota, a closed context). `written` records every key `set` wrote (not the
/// test's own `put`), so a test can hold them against the key registry.
#[derive(Default)]
pub struct FakeStore {
    pub data: RefCell<HashMap<Area, BTreeMap<String, Value>>>,
    pub fail_writes: Cell<bool>,
    pub writes: Cell<u32>,
    pub written: RefCell<Vec<(Area, String)>>,
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

    fn write_allowed(&self) -> Result<(), StoreError> {
        if self.fail_writes.get() {
            return Err(StoreError("QUOTA_BYTES quota exceeded".into()));
        }
        self.writes.set(self.writes.get() + 1);
        Ok(())
    }
}

impl Store for FakeStore {
    async fn get(&self, area: Area, key: &str) -> Result<Option<Value>, StoreError> {
        yield_now().await;
        Ok(self.value(area, key))
    }

    async fn set(&self, area: Area, key: &str, value: Value) -> Result<(), StoreError> {
        yield_now().await;
        self.write_allowed()?;
        let seen = (area, key.to_string());
        if !self.written.borrow().contains(&seen) {
            self.written.borrow_mut().push(seen);
        }
        self.put(area, key, value);
        Ok(())
    }

    async fn remove(&self, area: Area, key: &str) -> Result<(), StoreError> {
        yield_now().await;
        self.write_allowed()?;
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

/// A message from one of the extension's own pages (the popup), as Chrome names its sender.
pub fn popup_sender(extension_id: &str) -> crate::message::Sender {
    crate::message::Sender {
        id: Some(extension_id.into()),
        url: Some(["chrome-extension://", extension_id, "/popup/popup.html"].concat()),
        from_tab: false,
        frame_id: None,
        tab_url: None,
    }
}

/// Compares `read` with serde's derive on every base, with each field (at the top and in the
/// `nested` objects, plus `extras`) removed or replaced by each kind of JSON value; every value
/// read is also written back by hand (`ToJson`) and by serde's derive, which must agree.
/// Returns how many values were compared.
pub fn agree<
    T: PartialEq + std::fmt::Debug + serde::de::DeserializeOwned + serde::Serialize + crate::json_write::ToJson,
>(
    bases: &[Value],
    read: impl Fn(&Value) -> Result<T, String>,
    nested: &[&str],
    extras: &[&str],
) -> usize {
    let replacements = [
        None,
        Some(json!(null)),
        Some(json!(true)),
        Some(json!(false)),
        Some(json!(0)),
        Some(json!(1)),
        Some(json!(-1)),
        Some(json!(255)),
        Some(json!(256)),
        Some(json!(1.5)),
        Some(json!(2.0)),
        Some(json!(4_294_967_296_u64)),
        Some(json!(9_223_372_036_854_775_808_u64)),
        Some(json!(u64::MAX)),
        Some(json!(i64::MIN)),
        Some(json!("x")),
        Some(json!("")),
        Some(json!("COMPLETED")),
        Some(json!("9001")),
        Some(json!([])),
        Some(json!(["9001"])),
        Some(json!({})),
        Some(json!({"kind": "waiting"})),
        Some(json!({"kind": "offline"})),
    ];
    let mut compared = 0;
    for base in bases {
        let mut paths: Vec<String> = extras.iter().map(|p| p.to_string()).collect();
        let prefixes = std::iter::once(("".to_string(), Some(base)))
            .chain(nested.iter().map(|n| ([n, "."].concat(), base.get(n))));
        for (prefix, object) in prefixes {
            let Some(Value::Object(fields)) = object else { continue };
            paths.extend(fields.keys().map(|k| [prefix.as_str(), k].concat()));
            paths.push([prefix.as_str(), "unknown"].concat());
        }
        for path in &paths {
            for replacement in &replacements {
                let value = with(base, path, replacement.clone());
                let ours = read(&value);
                let serdes = serde_json::from_value::<T>(value.clone());
                match (&ours, &serdes) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a, b, "{value}");
                        agree_write(std::slice::from_ref(a));
                    }
                    (Err(_), Err(_)) => {}
                    _ => panic!(
                        "they disagree on {path} = {replacement:?}:\n{value}\nours: {ours:?}\nserde's: {serdes:?}"
                    ),
                }
                compared += 1;
            }
        }
    }
    compared
}

/// `value` with the field at `path` ("log.status") set, or removed when `replacement` is `None`;
/// a path into an object `value` lacks (a minimal entry's hold) creates it.
pub fn with(value: &Value, path: &str, replacement: Option<Value>) -> Value {
    let mut value = value.clone();
    let (parent, field) = match path.split_once('.') {
        Some((parent, field)) => (Some(parent), field),
        None => (None, path),
    };
    let target = match parent {
        None => &mut value,
        Some(parent) => {
            let slot = &mut value[parent];
            if !slot.is_object() {
                *slot = json!({});
            }
            slot
        }
    };
    if let Some(object) = target.as_object_mut() {
        match replacement {
            Some(v) => {
                object.insert(field.to_string(), v);
            }
            None => {
                object.remove(field);
            }
        }
    }
    value
}

/// Each sample written by hand (`json_write::ToJson`) exactly as serde's derive writes it: the
/// derive is the reference every writer is held to. Answers how many were compared, so a test
/// can say it compared something.
pub fn agree_write<T: serde::Serialize + crate::json_write::ToJson + std::fmt::Debug>(samples: &[T]) -> usize {
    for sample in samples {
        let derived = serde_json::to_value(sample).expect("serde writes every sample");
        assert_eq!(sample.to_json(), derived, "written by hand unlike serde's derive: {sample:?}");
    }
    samples.len()
}
