//! Test fakes for the HubSpot client: an `Http` that records every request and answers from a
//! script or a responder, a `Clock` whose `sleep` moves time, a `TokenSource` that counts
//! refreshes, and a minimal `block_on` (every fake completes at once).
//! Layer: core tests (native only).

mod queue;
mod session;

use crate::ports::{AuthFailure, Clock, Http, HttpRequest, HttpResponse, TokenSource, TransportError};
use crate::secret::AccessToken;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Runs a future whose every await is ready at once (all fakes are).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("a fake future was not ready"),
    }
}

pub type Answer = Result<HttpResponse, TransportError>;

/// Records every request; answers from a script (in order) or, when the script is empty,
/// from the responder.
pub struct FakeHttp {
    pub sent: RefCell<Vec<HttpRequest>>,
    script: RefCell<VecDeque<Answer>>,
    responder: Box<dyn Fn(&HttpRequest) -> Answer>,
}

impl FakeHttp {
    pub fn scripted(answers: Vec<Answer>) -> Self {
        FakeHttp {
            sent: RefCell::new(Vec::new()),
            script: RefCell::new(answers.into()),
            responder: Box::new(|req| panic!("unscripted request {} {}", req.method.as_str(), req.url)),
        }
    }

    pub fn responding(responder: impl Fn(&HttpRequest) -> Answer + 'static) -> Self {
        FakeHttp { sent: RefCell::new(Vec::new()), script: RefCell::new(VecDeque::new()), responder: Box::new(responder) }
    }

    pub fn count(&self) -> usize {
        self.sent.borrow().len()
    }

    pub fn count_where(&self, pred: impl Fn(&HttpRequest) -> bool) -> usize {
        self.sent.borrow().iter().filter(|r| pred(r)).count()
    }
}

impl Http for FakeHttp {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.borrow_mut().push(request.clone());
        let next = self.script.borrow_mut().pop_front();
        match next {
            Some(answer) => answer,
            None => (self.responder)(request),
        }
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
}

impl FakeTokens {
    pub fn new() -> Self {
        FakeTokens { generation: Cell::new(1), refreshes: Cell::new(0), refresh_fails: false, signed_out: false }
    }

    fn current(&self) -> AccessToken {
        AccessToken::new(["tok-", &self.generation.get().to_string()].concat())
    }
}

impl TokenSource for FakeTokens {
    async fn access_token(&self) -> Result<AccessToken, AuthFailure> {
        if self.signed_out {
            return Err(AuthFailure::SignedOut);
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
