//! `Client`: sends one HubSpot request through the rate budget with the access token, refreshes
//! once on a 401, and retries reads (never writes) on transient statuses with bounded backoff.
//! Layer: core (pure; reaches the network only through the `Http`, `Clock`, `TokenSource`
//! ports). Writes are not retried here: the outbox settles them by `hs_call_external_id`.

use super::budget::{Admission, Class, RateBudget};
use super::error::{retry_after_ms, ApiError};
use crate::ports::{Clock, Http, HttpRequest, HttpResponse, TokenSource};
use std::cell::{Cell, RefCell};

/// Retries of a read after a transient status: waits of 1 s, 2 s, 4 s (4 attempts in all).
pub const READ_RETRIES: u32 = 3;
pub const BACKOFF_BASE_MS: u64 = 1_000;
/// A `Retry-After` longer than this is not waited out inside one call.
pub const MAX_RETRY_WAIT_MS: u64 = 30_000;
/// A budget wait longer than this is returned as `RateLimited` instead of slept through.
pub const MAX_BUDGET_WAIT_MS: u64 = 15_000;
/// Bound on consecutive budget waits for one request (each ≥ 50 ms: never a tight loop).
const MAX_BUDGET_ROUNDS: u32 = 50;

/// Requests sent, by class (every attempt counts), for the request-count benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub reads: u32,
    pub searches: u32,
    pub writes: u32,
    /// Association batch reads, exempt from the burst window (§7).
    pub exempt: u32,
}

impl RequestCounts {
    pub fn total(&self) -> u32 {
        self.reads + self.searches + self.writes + self.exempt
    }
}

pub struct Client<'a, H: Http, C: Clock, T: TokenSource> {
    http: &'a H,
    clock: &'a C,
    tokens: &'a T,
    budget: RefCell<RateBudget>,
    counts: Cell<RequestCounts>,
}

impl<'a, H: Http, C: Clock, T: TokenSource> Client<'a, H, C, T> {
    pub fn new(http: &'a H, clock: &'a C, tokens: &'a T, budget: RateBudget) -> Self {
        Client { http, clock, tokens, budget: RefCell::new(budget), counts: Cell::new(RequestCounts::default()) }
    }

    /// The budget as it stands, for the worker to persist (a pause must survive a restart).
    pub fn budget(&self) -> RateBudget {
        self.budget.borrow().clone()
    }

    /// HubSpot's window as the budget reads it now (portal-wide from the last rate headers
    /// when there are some): for the popup's health line and the outbox's busy test.
    pub fn usage(&self) -> crate::message::views::Usage {
        self.budget.borrow().usage(self.clock.now_ms())
    }

    /// The pause in force now, if any: until when, and HubSpot's policy name.
    pub fn paused(&self) -> Option<(i64, String)> {
        self.budget.borrow().paused(self.clock.now_ms()).map(|(t, p)| (t, p.to_string()))
    }

    /// Whether the token keeper has a token to send now (it may refresh one first).
    pub async fn has_token(&self) -> bool {
        self.tokens.access_token().await.is_ok()
    }

    pub fn request_counts(&self) -> RequestCounts {
        self.counts.get()
    }

    /// Sends `req` (built without `Authorization`). `Ok` only for a 2xx answer (207 included);
    /// every other outcome is an `ApiError`.
    pub async fn send(&self, req: HttpRequest, class: Class) -> Result<HttpResponse, ApiError> {
        let mut token = self.tokens.access_token().await.map_err(|failure| ApiError::Auth { failure })?;
        let mut refreshed = false;
        let mut retries = 0;
        loop {
            self.wait_for_budget(class).await?;
            let mut attempt = req.clone();
            attempt.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
            attempt.headers.push(("Authorization".into(), ["Bearer ", token.expose()].concat()));
            self.budget.borrow_mut().note_sent(class, self.clock.now_ms());
            self.count(class);
            let resp = match self.http.send(&attempt).await {
                Ok(resp) => resp,
                // The request may have left before the connection failed (DESIGN §4).
                Err(error) => return Err(ApiError::Transport { error, may_have_reached: true }),
            };
            let now = self.clock.now_ms();
            self.budget.borrow_mut().observe(class, &resp, now);
            if resp.is_success() {
                return Ok(resp);
            }
            if resp.status == 401 && !refreshed {
                // §1.5: the TTL drives refresh; a 401 gets exactly one refresh and one retry.
                refreshed = true;
                token = self
                    .tokens
                    .refresh_after_unauthorized(&token)
                    .await
                    .map_err(|failure| ApiError::Auth { failure })?;
                continue;
            }
            if resp.status == 429 {
                // The budget has just paused itself; the error carries that pause.
                let budget = self.budget.borrow();
                let pause = budget.paused(now).map(|(t, p)| (t, p.to_string()));
                // A search 429 holds back searches only, an exempt read's exempt reads only: no
                // pause, a retry time.
                let search = budget.search_paused(now).map(|t| (t, "SECONDLY".to_string()));
                let exempt = budget.exempt_paused(now).map(|t| (t, "ASSOCIATIONS".to_string()));
                let own = if class == Class::Exempt { exempt } else { search };
                let (retry_at_ms, policy) = pause.or(own).unwrap_or_else(|| (now + 1_000, "UNKNOWN".into()));
                return Err(ApiError::RateLimited { policy, retry_at_ms });
            }
            // Exempt reads are not retried here: their callers go on without the answer (a
            // log is never held back for a baseline) or look again later.
            if matches!(class, Class::Read | Class::Search) && retries < READ_RETRIES && is_transient(resp.status) {
                let backoff = BACKOFF_BASE_MS << retries;
                // §13: 423 wants at least 2 s; 477 names its wait in Retry-After.
                let floor = if resp.status == 423 { 2_000 } else { 0 };
                let wait = retry_after_ms(&resp).unwrap_or(0).max(backoff).max(floor);
                if wait <= MAX_RETRY_WAIT_MS {
                    retries += 1;
                    self.clock.sleep(wait).await;
                    continue;
                }
            }
            return Err(ApiError::from_response(&resp, now));
        }
    }

    /// Sleeps through short budget waits; a pause or a long wait comes back as `RateLimited`.
    async fn wait_for_budget(&self, class: Class) -> Result<(), ApiError> {
        for _ in 0..MAX_BUDGET_ROUNDS {
            let now = self.clock.now_ms();
            let admission = self.budget.borrow_mut().admit(class, now);
            match admission {
                Admission::Go => return Ok(()),
                Admission::WaitMs(ms) if ms <= MAX_BUDGET_WAIT_MS => self.clock.sleep(ms).await,
                Admission::WaitMs(ms) => {
                    return Err(ApiError::RateLimited {
                        policy: "SPOTDIAL_BUDGET".into(),
                        retry_at_ms: now + ms as i64,
                    })
                }
                Admission::Paused { until_ms } => {
                    // The portal's pause names HubSpot's policy; an exempt read's own pause has none.
                    let policy = self
                        .budget
                        .borrow()
                        .paused(now)
                        .map_or_else(|| "ASSOCIATIONS".to_string(), |(_, p)| p.to_string());
                    return Err(ApiError::RateLimited { policy, retry_at_ms: until_ms });
                }
            }
        }
        let now = self.clock.now_ms();
        Err(ApiError::RateLimited { policy: "SPOTDIAL_BUDGET".into(), retry_at_ms: now + 1_000 })
    }

    fn count(&self, class: Class) {
        let mut c = self.counts.get();
        match class {
            Class::Read => c.reads += 1,
            Class::Search => c.searches += 1,
            Class::Write => c.writes += 1,
            Class::Exempt => c.exempt += 1,
        }
        self.counts.set(c);
    }
}

/// Statuses worth retrying a read on (§13): lock, migration, gateway trouble.
fn is_transient(status: u16) -> bool {
    matches!(status, 423 | 477 | 502 | 503 | 504 | 521 | 523 | 524)
}
