//! `RateBudget`: paces HubSpot requests below the portal's limits and pauses after a 429.
//! Layer: core (pure, serde so the worker can persist a pause). The 110/10 s burst budget is
//! shared by every rep of the portal (API-FACTS §13), so it is learned from the
//! `X-HubSpot-RateLimit-*` headers of each non-search response, a reserve is left for other reps
//! and for writes, and search (5/s, no headers, §11) is counted locally. Every rep of a portal
//! runs its own budget and sees the others only through `Remaining`, so waits after a 429 are
//! jittered (reps must not come back in step) and a search 429 holds back searches only.
//! Association batch reads are exempt from the burst window (§7): their own class, never
//! counted against it, and a 429 on one holds back that class only.

use crate::json_write::{Obj, ToJson};
/// The usage figures are shown as they are: defined with the wire contract.
pub use crate::message::views::Usage;
use crate::ports::HttpResponse;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;

/// What a request is, for the budget: reads may not touch the reserve, writes may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    Read,
    Search,
    Write,
    /// `POST /crm/associations/2026-03/{from}/{to}/batch/read`: HubSpot's spec tags it
    /// `x-hubspot-rate-limit-exemptions: ["ten-secondly"]` (§7), so it spends neither the
    /// 110/10 s window nor the search budget. Never waited for in place: a caller that meets a
    /// pause of this class goes on without the answer (the outbox's duplicate baseline).
    Exempt,
}

/// The budget's answer to "may I send now?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Go,
    /// Try again after this many milliseconds (always ≥ `MIN_WAIT_MS`: no tight loops).
    WaitMs(u64),
    /// HubSpot said stop (429): nothing goes out before `until_ms`. The UI shows
    /// "HubSpot's limit was reached, syncing is paused".
    Paused {
        until_ms: i64,
    },
}

/// Defaults until the first headers arrive (§13: Marketplace OAuth apps).
pub const DEFAULT_MAX: u32 = 110;
pub const DEFAULT_INTERVAL_MS: u64 = 10_000;
/// Share of the window kept for other reps of the portal and for writes.
pub const RESERVE_PERCENT: u32 = 20;
/// Searches per second we allow ourselves: one under HubSpot's 5/s (§11), because the limit
/// may be per account (UNSURE, §17.4) and another rep of the portal may be searching too.
pub const SEARCHES_PER_SECOND: usize = 4;
pub const MIN_WAIT_MS: u64 = 50;
/// How long a `Remaining` count is trusted to describe the portal's window (ms).
pub const TRUST_MS: i64 = 3_000;
/// The margin kept above the floor: what the portal sends at its observed pace in this many
/// ms, and at least `MIN_MARGIN` requests.
pub const MARGIN_MS: i64 = 1_500;
pub const MIN_MARGIN: i64 = 4;
/// Spells a held request waits beyond the trusted age are drawn in `0..SPREAD_MS`.
pub const SPREAD_MS: u64 = 6_000;
/// The longest a repeated 429 without `Retry-After` pauses us.
pub const MAX_PAUSE_MS: u64 = 300_000;
/// The longest repeated search 429s hold back our searches. Each one doubles the wait from a
/// second (HubSpot's search limit is per second, §11): when a portal's reps search more than
/// 5 times a second together, retrying every second would only make more 429s.
pub const MAX_SEARCH_PAUSE_MS: u64 = 30_000;
/// A 429 on an exempt read (no documented policy: §7 exempts them from the burst window, and
/// §13 names a separate associations limit for portals with the increase) holds that class
/// back one burst window, doubling per repeat up to this.
pub const MAX_EXEMPT_PAUSE_MS: u64 = 120_000;

/// While HubSpot's 110 / 10 s window, shared by every rep of the portal, is at least this full,
/// the portal is busy: Spotdial spends fewer requests on what can wait (a task completion rides
/// with the rep's next one, `outbox::timing::completion_wait`; the queue is kept longer,
/// `worker::queue`), leaving the window to call logs (issue 12: team scale).
pub const BUSY_PERCENT: u32 = 50;

/// Whether the window, as the budget reads it (`RateBudget::usage`), is busy (`BUSY_PERCENT`).
pub fn is_busy(used: u32, max: u32) -> bool {
    u64::from(used) * 100 >= u64::from(max) * u64::from(BUSY_PERCENT)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
#[serde(default)]
pub struct RateBudget {
    max: u32,
    interval_ms: u64,
    /// The last `Remaining` seen, when it was seen, and how many of our requests left since.
    seen: Option<Seen>,
    /// Our own reads and writes inside the current window (send times, ms).
    sent: VecDeque<i64>,
    /// Our own searches inside the last second.
    searches: VecDeque<i64>,
    /// Nothing goes out before this (0: not paused).
    paused_until_ms: i64,
    pause_policy: String,
    /// Consecutive 429s: each one without `Retry-After` doubles the pause.
    strikes: u32,
    /// After a search 429 (SECONDLY), searches alone wait until then; reads and writes go on.
    search_paused_until_ms: i64,
    /// Consecutive search 429s.
    search_strikes: u32,
    /// After a 429 on an exempt read, exempt reads alone are refused until then.
    exempt_paused_until_ms: i64,
    /// Consecutive 429s on exempt reads.
    exempt_strikes: u32,
    /// Seeds the jitter of waits, different in every browser (`with_salt`); not kept.
    #[serde(skip)]
    salt: u64,
    /// Jitter values drawn so far, so two draws at the same moment differ.
    draws: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
struct Seen {
    remaining: u32,
    at_ms: i64,
    sent_since: u32,
}

impl ToJson for Seen {
    fn to_json(&self) -> Value {
        Obj::new()
            .put("remaining", &self.remaining)
            .put("at_ms", &self.at_ms)
            .put("sent_since", &self.sent_since)
            .done()
    }
}

/// As persisted after a 429; the salt is this worker's own (`#[serde(skip)]`).
impl ToJson for RateBudget {
    fn to_json(&self) -> Value {
        let times = |list: &VecDeque<i64>| Value::Array(list.iter().map(|t| Value::from(*t)).collect());
        Obj::new()
            .put("max", &self.max)
            .put("interval_ms", &self.interval_ms)
            .put("seen", &self.seen)
            .set("sent", times(&self.sent))
            .set("searches", times(&self.searches))
            .put("paused_until_ms", &self.paused_until_ms)
            .put("pause_policy", &self.pause_policy)
            .put("strikes", &self.strikes)
            .put("search_paused_until_ms", &self.search_paused_until_ms)
            .put("search_strikes", &self.search_strikes)
            .put("exempt_paused_until_ms", &self.exempt_paused_until_ms)
            .put("exempt_strikes", &self.exempt_strikes)
            .put("draws", &self.draws)
            .done()
    }
}

impl RateBudget {
    /// The budget as persisted after a 429: a field absent is the default's, a field of
    /// another type (null included, but for `seen`) is refused, as serde's derive (the
    /// reference in tests) reads it.
    pub fn read(value: &serde_json::Value) -> Result<RateBudget, String> {
        use serde_json::Value;
        let d = RateBudget::default();
        let f = crate::json_read::Fields::of("the rate budget", value)?;
        let int = |name: &str, default: i64| match f.map.get(name) {
            None => Ok(default),
            Some(v) => v.as_i64().ok_or_else(|| f.wrong(name, "a whole number")),
        };
        let count = |name: &str, default: u64| match f.map.get(name) {
            None => Ok(default),
            Some(v) => v.as_u64().ok_or_else(|| f.wrong(name, "a whole number from 0")),
        };
        let small = |name: &str, default: u32| {
            count(name, u64::from(default))
                .and_then(|n| u32::try_from(n).map_err(|_| f.wrong(name, "a whole number below 2^32")))
        };
        let times = |name: &str| match f.map.get(name) {
            None => Ok(VecDeque::new()),
            Some(Value::Array(items)) => {
                items.iter().map(|v| v.as_i64().ok_or_else(|| f.wrong(name, "a list of whole numbers"))).collect()
            }
            Some(_) => Err(f.wrong(name, "a list")),
        };
        let seen = match f.present("seen") {
            None => None,
            Some(v) => {
                let s = crate::json_read::Fields::of("the rate budget's last reading", v)?;
                let small = |name: &str| s.need(name, s.small::<u32>(name)?);
                Some(Seen {
                    remaining: small("remaining")?,
                    at_ms: s.must("at_ms", crate::json_read::Fields::int)?,
                    sent_since: small("sent_since")?,
                })
            }
        };
        Ok(RateBudget {
            max: small("max", d.max)?,
            interval_ms: count("interval_ms", d.interval_ms)?,
            seen,
            sent: times("sent")?,
            searches: times("searches")?,
            paused_until_ms: int("paused_until_ms", d.paused_until_ms)?,
            pause_policy: match f.map.get("pause_policy") {
                None => d.pause_policy,
                Some(Value::String(p)) => p.clone(),
                Some(_) => return Err(f.wrong("pause_policy", "a string")),
            },
            strikes: small("strikes", d.strikes)?,
            search_paused_until_ms: int("search_paused_until_ms", d.search_paused_until_ms)?,
            search_strikes: small("search_strikes", d.search_strikes)?,
            exempt_paused_until_ms: int("exempt_paused_until_ms", d.exempt_paused_until_ms)?,
            exempt_strikes: small("exempt_strikes", d.exempt_strikes)?,
            salt: d.salt,
            draws: count("draws", d.draws)?,
        })
    }
}

impl Default for RateBudget {
    fn default() -> Self {
        RateBudget {
            max: DEFAULT_MAX,
            interval_ms: DEFAULT_INTERVAL_MS,
            seen: None,
            sent: VecDeque::new(),
            searches: VecDeque::new(),
            paused_until_ms: 0,
            pause_policy: String::new(),
            strikes: 0,
            search_paused_until_ms: 0,
            search_strikes: 0,
            exempt_paused_until_ms: 0,
            exempt_strikes: 0,
            salt: 0,
            draws: 0,
        }
    }
}

impl RateBudget {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same budget with its jitter seeded by `salt` (random per browser): reps of a
    /// portal that meet a 429 together then come back at different moments.
    pub fn with_salt(mut self, salt: u64) -> Self {
        self.salt = salt;
        self
    }

    /// May a request of `class` go out at `now_ms`?
    pub fn admit(&mut self, class: Class, now_ms: i64) -> Admission {
        if now_ms < self.paused_until_ms {
            return Admission::Paused { until_ms: self.paused_until_ms };
        }
        self.prune(now_ms);
        if class == Class::Exempt {
            // Exempt from the window (§7): only its own pause holds it back, and it is
            // refused rather than waited for, so a log is never held back for it.
            if now_ms < self.exempt_paused_until_ms {
                return Admission::Paused { until_ms: self.exempt_paused_until_ms };
            }
            return Admission::Go;
        }
        if class == Class::Search {
            if now_ms < self.search_paused_until_ms {
                return wait(self.search_paused_until_ms - now_ms);
            }
            return match self.searches.front() {
                Some(&first) if self.searches.len() >= SEARCHES_PER_SECOND => wait(first + 1_000 - now_ms),
                _ => Admission::Go,
            };
        }
        let floor = if class == Class::Write { 0 } else { self.reserve() };
        let own_left = self.max as i64 - self.sent.len() as i64;
        let mut wait_ms: i64 = 0;
        if own_left <= floor {
            // Our own sends alone fill the window: wait for enough of them to age out.
            let index = (self.sent.len() as i64 - (self.max as i64 - floor - 1)).max(1) as usize - 1;
            let leaves = self.sent.get(index).copied().unwrap_or(now_ms);
            wait_ms = wait_ms.max(leaves + self.interval_ms as i64 - now_ms);
        }
        if let Some(seen) = self.seen {
            let age = now_ms - seen.at_ms;
            if age < TRUST_MS {
                // Fresh: the portal's count as HubSpot gave it, less what we sent since. Other
                // reps keep sending at the pace the count shows while ours travels, so the
                // margin grows with that pace; a full window stays about as full.
                let used = i64::from(self.max.saturating_sub(seen.remaining));
                let margin = (used * MARGIN_MS / self.interval_ms as i64).max(MIN_MARGIN);
                let est = i64::from(seen.remaining) - i64::from(seen.sent_since);
                if est <= floor + margin {
                    // Step aside for a spell drawn per rep: the reps that saw the same count
                    // come back at different moments, spreading a burst instead of repeating it.
                    let spell = TRUST_MS - age + self.jitter(now_ms, SPREAD_MS) as i64;
                    wait_ms = wait_ms.max(spell);
                }
            }
        }
        if wait_ms > 0 {
            wait(wait_ms)
        } else {
            Admission::Go
        }
    }

    /// Count a request that is going out now.
    pub fn note_sent(&mut self, class: Class, now_ms: i64) {
        match class {
            Class::Search => {
                self.searches.push_back(now_ms);
                return;
            }
            // Not counted against the burst window: HubSpot does not count it (§7).
            Class::Exempt => return,
            Class::Read | Class::Write => {}
        }
        self.sent.push_back(now_ms);
        if let Some(seen) = self.seen.as_mut() {
            seen.sent_since = seen.sent_since.saturating_add(1);
        }
    }

    /// Learn from an answer: rate headers on non-search responses (§13), a pause on 429.
    pub fn observe(&mut self, class: Class, resp: &HttpResponse, now_ms: i64) {
        if resp.status == 429 {
            self.on_429(class, resp, now_ms);
            return;
        }
        match class {
            Class::Search => {
                self.search_strikes = 0;
                return; // §11: search answers carry no rate headers.
            }
            // Its headers describe the window it is exempt from: still the portal's count.
            Class::Exempt => self.exempt_strikes = 0,
            Class::Read | Class::Write => self.strikes = 0,
        }
        let num = |name: &str| resp.header(name).and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(max) = num("X-HubSpot-RateLimit-Max") {
            self.max = max.clamp(1, 100_000) as u32;
        }
        if let Some(interval) = num("X-HubSpot-RateLimit-Interval-Milliseconds") {
            self.interval_ms = interval.clamp(1_000, 86_400_000);
        }
        if let Some(remaining) = num("X-HubSpot-RateLimit-Remaining") {
            self.seen = Some(Seen { remaining: remaining.min(self.max as u64) as u32, at_ms: now_ms, sent_since: 0 });
        }
    }

    /// The pause in force at `now_ms`: until when, and the policy HubSpot named.
    pub fn paused(&self, now_ms: i64) -> Option<(i64, &str)> {
        (now_ms < self.paused_until_ms).then_some((self.paused_until_ms, self.pause_policy.as_str()))
    }

    /// Until when searches alone are held back after a search 429 (no pause of the rest).
    pub fn search_paused(&self, now_ms: i64) -> Option<i64> {
        (now_ms < self.search_paused_until_ms).then_some(self.search_paused_until_ms)
    }

    /// Until when exempt reads alone are held back after a 429 on one.
    pub fn exempt_paused(&self, now_ms: i64) -> Option<i64> {
        (now_ms < self.exempt_paused_until_ms).then_some(self.exempt_paused_until_ms)
    }

    /// The current window as a rep would read it: requests used of the maximum, and the
    /// window's length. "Used" is HubSpot's portal-wide count estimated from its last headers
    /// when there are some (other reps spend the same budget), else our own sends. Read-only.
    pub fn usage(&self, now_ms: i64) -> Usage {
        let window = self.interval_ms as i64;
        let own = self.sent.iter().filter(|&&t| t > now_ms - window).count() as u32;
        let used = match self.seen {
            Some(seen) if now_ms - seen.at_ms < window => {
                let left = self.header_estimate(seen, now_ms).round().clamp(0.0, self.max as f64) as u32;
                (self.max - left).max(own.min(self.max))
            }
            _ => own.min(self.max),
        };
        Usage { used, max: self.max, window_ms: self.interval_ms }
    }

    fn on_429(&mut self, class: Class, resp: &HttpResponse, now_ms: i64) {
        let policy = serde_json::from_str::<serde_json::Value>(&resp.body)
            .ok()
            .and_then(|b| b.get("policyName").and_then(|p| p.as_str()).map(str::to_string))
            .unwrap_or_else(|| "UNKNOWN".into());
        if class == Class::Search {
            // §11: a per-second limit without headers. Only searches wait, about a second, and
            // each rep a different fraction of it so the portal's searches spread out again.
            self.search_strikes = self.search_strikes.saturating_add(1);
            let base = match super::error::retry_after_ms(resp) {
                Some(ms) => ms.max(MIN_WAIT_MS),
                None => (1_000u64 << self.search_strikes.saturating_sub(1).min(5)).min(MAX_SEARCH_PAUSE_MS),
            };
            let pause = base + self.jitter(now_ms, 3_000);
            self.search_paused_until_ms = self.search_paused_until_ms.max(now_ms.saturating_add(pause as i64));
            return;
        }
        if class == Class::Exempt {
            // Not the burst window's 429 (the class is exempt from it): only this class waits.
            self.exempt_strikes = self.exempt_strikes.saturating_add(1);
            let base = match super::error::retry_after_ms(resp) {
                Some(ms) => ms.max(MIN_WAIT_MS),
                None => {
                    let factor = 1u64 << self.exempt_strikes.saturating_sub(1).min(10);
                    self.interval_ms.saturating_mul(factor).min(MAX_EXEMPT_PAUSE_MS)
                }
            };
            let pause = base + self.jitter(now_ms, 3_000);
            self.exempt_paused_until_ms = self.exempt_paused_until_ms.max(now_ms.saturating_add(pause as i64));
            return;
        }
        self.strikes = self.strikes.saturating_add(1);
        let pause = match super::error::retry_after_ms(resp) {
            Some(ms) => ms.max(MIN_WAIT_MS) + self.jitter(now_ms, 1_000),
            None => {
                // §13: Retry-After on 429 is UNSURE; a secondly limit clears in a second, the
                // rolling window in one interval. Repeats double, bounded; up to half of it
                // more, drawn per rep.
                let unit = if policy == "SECONDLY" { 1_000 } else { self.interval_ms };
                let factor = 1u64 << self.strikes.saturating_sub(1).min(10);
                let base = unit.saturating_mul(factor).min(MAX_PAUSE_MS);
                base + self.jitter(now_ms, base / 2)
            }
        };
        self.paused_until_ms = self.paused_until_ms.max(now_ms.saturating_add(pause as i64));
        self.pause_policy = policy;
        self.seen = Some(Seen { remaining: 0, at_ms: now_ms, sent_since: 0 });
    }

    /// A wait in `0..below` ms, drawn from the salt, the moment and the draws so far
    /// (splitmix64): deterministic for tests, different per browser and per draw.
    fn jitter(&mut self, now_ms: i64, below: u64) -> u64 {
        self.draws = self.draws.wrapping_add(1);
        let mut z = self.salt ^ (now_ms as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ self.draws.rotate_left(32);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % below.max(1)
    }

    fn reserve(&self) -> i64 {
        ((self.max as i64 * RESERVE_PERCENT as i64) + 99) / 100
    }

    /// HubSpot's remaining count now: the last snapshot, recovering linearly to `max` over one
    /// interval, minus what we sent since.
    fn header_estimate(&self, seen: Seen, now_ms: i64) -> f64 {
        let age = (now_ms - seen.at_ms).clamp(0, self.interval_ms as i64) as f64;
        let recovered = (self.max as f64 - seen.remaining as f64) * age / self.interval_ms as f64;
        seen.remaining as f64 + recovered - seen.sent_since as f64
    }

    fn prune(&mut self, now_ms: i64) {
        let window = self.interval_ms as i64;
        while self.sent.front().is_some_and(|&t| t <= now_ms - window) {
            self.sent.pop_front();
        }
        while self.searches.front().is_some_and(|&t| t <= now_ms - 1_000) {
            self.searches.pop_front();
        }
        if self.seen.is_some_and(|s| now_ms - s.at_ms >= window) {
            self.seen = None;
        }
    }
}

fn wait(ms: i64) -> Admission {
    Admission::WaitMs((ms.max(0) as u64).max(MIN_WAIT_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `RateBudget::read` against serde's derive (the reference): a persisted budget (and an
    /// empty one, all defaults) with each field, the last reading's too, removed or replaced
    /// by each kind of JSON value: both read the same budget or both refuse (`testing::agree`).
    #[test]
    fn a_persisted_budget_reads_as_serdes_derive_reads_it() {
        let stored = serde_json::json!({"max": 110, "interval_ms": 10000,
            "seen": {"remaining": 40, "at_ms": 5, "sent_since": 2}, "sent": [1, 2, 3], "searches": [4],
            "paused_until_ms": 9, "pause_policy": "DAILY", "strikes": 1, "search_paused_until_ms": 0,
            "search_strikes": 0, "exempt_paused_until_ms": 0, "exempt_strikes": 2, "draws": 7, "salt": 3});
        let bases = [stored, serde_json::json!({})];
        assert!(crate::testing::agree(&bases, RateBudget::read, &["seen"], &["seen"]) > 400);
    }

    fn headers(max: u32, remaining: u32) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: vec![
                ("x-hubspot-ratelimit-max".into(), max.to_string()),
                ("x-hubspot-ratelimit-remaining".into(), remaining.to_string()),
                ("x-hubspot-ratelimit-interval-milliseconds".into(), "10000".into()),
            ],
            body: "{}".into(),
        }
    }

    fn run(b: &mut RateBudget, class: Class, now: i64) -> bool {
        let go = b.admit(class, now) == Admission::Go;
        if go {
            b.note_sent(class, now);
        }
        go
    }

    #[test]
    fn reads_stop_at_the_reserve_and_writes_may_use_it() {
        let mut b = RateBudget::new();
        let reads = (0..200).filter(|_| run(&mut b, Class::Read, 0)).count();
        assert_eq!(reads, 88, "110 minus a 20% reserve of 22");
        assert!(matches!(b.admit(Class::Read, 0), Admission::WaitMs(ms) if ms >= 9_000));
        let writes = (0..200).filter(|_| run(&mut b, Class::Write, 0)).count();
        assert_eq!(writes, 22);
        assert!(run(&mut b, Class::Read, 10_000), "the window moved on");
    }

    #[test]
    fn headers_from_other_reps_slow_reads_down() {
        let mut b = RateBudget::new();
        // 80 of 110 used by the portal (8 a second): 30 left is the reserve (22) plus the
        // margin (1.5 s of that pace, 12) less some; reads step aside, writes still go.
        b.observe(Class::Read, &headers(110, 30), 1_000);
        let Admission::WaitMs(ms) = b.admit(Class::Read, 1_000) else { panic!("should wait") };
        assert!((TRUST_MS as u64..TRUST_MS as u64 + SPREAD_MS).contains(&ms), "{ms}");
        assert_eq!(b.admit(Class::Write, 1_000), Admission::Go);
        assert_eq!(b.admit(Class::Read, 1_000 + ms as i64), Admission::Go, "waiting the advised time is enough");
        // A quiet portal with as few left (max 40, 10 used): reads go.
        let mut quiet = RateBudget::new();
        quiet.observe(Class::Read, &headers(40, 30), 1_000);
        assert_eq!(quiet.admit(Class::Read, 1_000), Admission::Go, "the margin follows the portal's pace");
    }

    #[test]
    fn a_nearly_full_window_spreads_the_reps_that_saw_it() {
        // 200 reps read the same nearly full count at the same moment: each steps aside for
        // its own spell, so they come back spread over `SPREAD_MS` instead of together.
        let spells: Vec<u64> = (0..200u64)
            .map(|salt| {
                let mut b = RateBudget::new().with_salt(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                b.observe(Class::Write, &headers(110, 3), 0);
                match b.admit(Class::Write, 0) {
                    Admission::WaitMs(ms) => ms,
                    other => panic!("a write into a nearly full window should wait: {other:?}"),
                }
            })
            .collect();
        let lo = spells.iter().min().copied().unwrap_or(0);
        let hi = spells.iter().max().copied().unwrap_or(0);
        assert!(lo >= TRUST_MS as u64 && hi < TRUST_MS as u64 + SPREAD_MS, "{lo}..{hi}");
        assert!(hi - lo > SPREAD_MS / 2, "spread out: {lo}..{hi}");
        let per_second = spells.iter().filter(|&&ms| ms < TRUST_MS as u64 + 1_000).count();
        assert!(per_second < 80, "about a sixth come back in any one second, not all: {per_second}");
        // Plenty left: no wait.
        let mut b = RateBudget::new();
        b.observe(Class::Write, &headers(110, 60), 0);
        assert_eq!(b.admit(Class::Write, 0), Admission::Go);
    }

    #[test]
    fn learns_max_and_interval() {
        let mut b = RateBudget::new();
        b.observe(Class::Read, &headers(190, 190), 0);
        // 190 less the reserve (38) and the least margin (4): no longer 110's figures.
        assert_eq!((0..300).filter(|_| run(&mut b, Class::Read, 0)).count(), 148);
        assert!(run(&mut b, Class::Read, TRUST_MS), "past the trusted age our own window counts");
        assert_eq!(b.usage(TRUST_MS).max, 190);
    }

    #[test]
    fn search_is_counted_locally_below_five_per_second() {
        let mut b = RateBudget::new();
        assert_eq!((0..10).filter(|_| run(&mut b, Class::Search, 0)).count(), SEARCHES_PER_SECOND);
        assert_eq!(b.admit(Class::Search, 500), Admission::WaitMs(500));
        assert!(run(&mut b, Class::Search, 1_000));
        assert_eq!(b.admit(Class::Read, 0), Admission::Go, "searches do not use the burst budget");
        // No headers are learned from search answers.
        b.observe(Class::Search, &headers(10, 0), 0);
        assert_eq!(b.admit(Class::Read, 0), Admission::Go);
    }

    #[test]
    fn a_429_pauses_everything_until_the_window_allows() {
        for policy in ["TEN_SECONDLY_ROLLING", "DAILY"] {
            let mut b = RateBudget::new();
            let body = ["{\"status\":\"error\",\"errorType\":\"RATE_LIMIT\",\"policyName\":\"", policy, "\"}"].concat();
            b.observe(Class::Read, &HttpResponse { status: 429, headers: vec![], body }, 5_000);
            // One interval, and up to half of it more drawn per rep.
            let Admission::Paused { until_ms } = b.admit(Class::Write, 5_001) else { panic!("paused") };
            assert!((15_000..20_000).contains(&until_ms), "{until_ms}");
            assert_eq!(b.paused(6_000), Some((until_ms, policy)));
            assert_eq!(b.admit(Class::Search, until_ms - 1), Admission::Paused { until_ms });
            assert_eq!(b.admit(Class::Write, until_ms), Admission::Go);
            assert_eq!(b.paused(until_ms), None);
        }
    }

    #[test]
    fn reps_paused_together_come_back_at_different_moments() {
        let ends: std::collections::BTreeSet<i64> = (0..50u64)
            .map(|salt| {
                let mut b = RateBudget::new().with_salt(salt.wrapping_mul(0xD1B5_4A32_D192_ED03));
                b.observe(Class::Write, &HttpResponse { status: 429, headers: vec![], body: "{}".into() }, 0);
                b.paused(0).map(|p| p.0).unwrap_or(0)
            })
            .collect();
        assert!(ends.len() > 40, "{} distinct ends of 50", ends.len());
        let (first, last) = (ends.first().copied().unwrap_or(0), ends.last().copied().unwrap_or(0));
        assert!(first >= 10_000 && last < 15_000 && last - first > 2_500, "{first}..{last}");
    }

    #[test]
    fn exempt_association_reads_spend_no_window_and_a_429_on_them_holds_back_only_them() {
        let mut b = RateBudget::new().with_salt(3);
        // A full window of our own: reads wait, exempt reads still go and add nothing to it.
        let reads = (0..200).filter(|_| run(&mut b, Class::Read, 0)).count();
        assert!(matches!(b.admit(Class::Read, 0), Admission::WaitMs(_)));
        assert_eq!((0..500).filter(|_| run(&mut b, Class::Exempt, 0)).count(), 500);
        assert_eq!(b.usage(0).used as usize, reads, "exempt reads are not in the window");
        assert_eq!(b.admit(Class::Search, 0), Admission::Go, "nor in the search budget");
        let limited = HttpResponse {
            status: 429,
            headers: vec![],
            body: r#"{"status":"error","errorType":"RATE_LIMIT"}"#.into(),
        };
        b.observe(Class::Exempt, &limited, 1_000);
        assert_eq!(b.paused(1_000), None, "no pause of reads and writes");
        assert_eq!(b.admit(Class::Write, 1_000), Admission::Go, "a log is not held up by it");
        let until = b.exempt_paused(1_000).unwrap_or(0);
        assert!((11_000..14_000).contains(&until), "one window and a jittered part: {until}");
        assert_eq!(b.admit(Class::Exempt, 1_000), Admission::Paused { until_ms: until }, "refused, never waited for");
        assert_eq!(b.admit(Class::Exempt, until), Admission::Go);
        b.observe(Class::Exempt, &limited, until);
        let again = b.exempt_paused(until).unwrap_or(0) - until;
        assert!((20_000..23_000).contains(&again), "repeats double: {again}");
        // A 429 on the burst window pauses exempt reads too (the portal said stop).
        b.observe(Class::Read, &HttpResponse { status: 429, headers: vec![], body: "{}".into() }, 60_000);
        assert!(matches!(b.admit(Class::Exempt, 60_001), Admission::Paused { .. }));
    }

    #[test]
    fn a_search_429_holds_back_searches_only() {
        let mut b = RateBudget::new().with_salt(7);
        let secondly = HttpResponse {
            status: 429,
            headers: vec![],
            body: r#"{"status":"error","errorType":"RATE_LIMIT","policyName":"SECONDLY"}"#.into(),
        };
        b.observe(Class::Search, &secondly, 1_000);
        assert_eq!(b.paused(1_000), None, "no pause for the rep to see");
        assert_eq!(b.admit(Class::Write, 1_000), Admission::Go, "a log is not held up by a search");
        let until = b.search_paused(1_000).unwrap_or(0);
        assert!((2_000..5_000).contains(&until), "a second and a jittered part: {until}");
        assert_eq!(b.admit(Class::Search, 1_000), Admission::WaitMs((until - 1_000) as u64));
        assert_eq!(b.admit(Class::Search, until), Admission::Go);
        // Repeats wait longer, bounded; an answer resets them.
        b.observe(Class::Search, &secondly, until);
        let again = b.search_paused(until).unwrap_or(0) - until;
        assert!((2_000..5_000).contains(&again), "the second waits twice as long: {again}");
        let mut longest = 0;
        let mut at = until + again;
        for _ in 0..12 {
            b.observe(Class::Search, &secondly, at);
            longest = b.search_paused(at).unwrap_or(0) - at;
            at += longest;
        }
        let max = MAX_SEARCH_PAUSE_MS as i64;
        assert!((max..max + 3_000).contains(&longest), "bounded: {longest}");
        b.observe(Class::Search, &HttpResponse { status: 200, headers: vec![], body: "{}".into() }, at);
        b.observe(Class::Search, &secondly, at);
        assert!(b.search_paused(at).unwrap_or(0) - at < 4_000, "strikes reset");
    }

    #[test]
    fn retry_after_wins_and_repeats_back_off() {
        let mut b = RateBudget::new();
        let with = HttpResponse { status: 429, headers: vec![("Retry-After".into(), "2".into())], body: "x".into() };
        b.observe(Class::Read, &with, 0);
        let Admission::Paused { until_ms } = b.admit(Class::Read, 0) else { panic!("paused") };
        assert!((2_000..3_000).contains(&until_ms), "Retry-After and under a second more: {until_ms}");
        let without = HttpResponse { status: 429, headers: vec![], body: "<html>".into() };
        b.observe(Class::Read, &without, 3_000);
        let second = b.paused(3_000).map(|p| p.0 - 3_000).unwrap_or(0);
        assert!((20_000..30_000).contains(&second), "second strike doubles the interval: {second}");
        b.observe(Class::Read, &headers(110, 100), 60_000);
        b.observe(Class::Read, &without, 60_000);
        let reset = b.paused(60_000).map(|p| p.0 - 60_000).unwrap_or(0);
        assert!((10_000..15_000).contains(&reset), "a success resets the strikes: {reset}");
    }

    #[test]
    fn persists_as_json_with_its_pause() {
        let mut b = RateBudget::new();
        b.observe(Class::Write, &HttpResponse { status: 429, headers: vec![], body: "{}".into() }, 1);
        let json = serde_json::to_string(&b).unwrap();
        let back: RateBudget = serde_json::from_str(&json).unwrap();
        assert_eq!(back, b);
        assert!(back.paused(2).is_some());
        let old: RateBudget = serde_json::from_str("{}").unwrap();
        assert_eq!(old, RateBudget::new());
    }
}
