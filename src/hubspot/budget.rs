//! `RateBudget`: paces HubSpot requests below the portal's limits and pauses after a 429.
//! Layer: core (pure, serde so the worker can persist a pause). The 110/10 s burst budget is
//! shared by every rep of the portal (API-FACTS §13), so it is learned from the
//! `X-HubSpot-RateLimit-*` headers of each non-search response, a reserve is left for other reps
//! and for writes, and search (5/s, no headers, §11) is counted locally.

/// The usage figures are shown as they are: defined with the wire contract.
pub use crate::message::views::Usage;
use crate::ports::HttpResponse;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// What a request is, for the budget: reads may not touch the reserve, writes may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    Read,
    Search,
    Write,
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
/// The longest a repeated 429 without `Retry-After` pauses us.
pub const MAX_PAUSE_MS: u64 = 300_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Seen {
    remaining: u32,
    at_ms: i64,
    sent_since: u32,
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
        }
    }
}

impl RateBudget {
    pub fn new() -> Self {
        Self::default()
    }

    /// May a request of `class` go out at `now_ms`?
    pub fn admit(&mut self, class: Class, now_ms: i64) -> Admission {
        if now_ms < self.paused_until_ms {
            return Admission::Paused { until_ms: self.paused_until_ms };
        }
        self.prune(now_ms);
        if class == Class::Search {
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
            let est = self.header_estimate(seen, now_ms);
            if est <= floor as f64 {
                // HubSpot's count recovers as the rolling window moves (assumed linear).
                let rate = (self.max as f64 - seen.remaining as f64) / self.interval_ms as f64;
                let need = floor as f64 + 1.0 - est;
                let ms = if rate > 0.0 { (need / rate).ceil() as i64 } else { self.interval_ms as i64 };
                wait_ms = wait_ms.max(ms.min(seen.at_ms + self.interval_ms as i64 - now_ms));
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
        if class == Class::Search {
            self.searches.push_back(now_ms);
            return;
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
        self.strikes = 0;
        if class == Class::Search {
            return; // §11: search answers carry no rate headers.
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
        self.strikes = self.strikes.saturating_add(1);
        let pause = match super::error::retry_after_ms(resp) {
            Some(ms) => ms.max(MIN_WAIT_MS),
            None => {
                // §13: Retry-After on 429 is UNSURE; a secondly limit (search) clears in a
                // second, the rolling window in one interval. Repeats double, bounded.
                let base = if class == Class::Search || policy == "SECONDLY" { 1_000 } else { self.interval_ms };
                let factor = 1u64 << self.strikes.saturating_sub(1).min(10);
                base.saturating_mul(factor).min(MAX_PAUSE_MS)
            }
        };
        self.paused_until_ms = self.paused_until_ms.max(now_ms.saturating_add(pause as i64));
        self.pause_policy = policy;
        if class != Class::Search {
            self.seen = Some(Seen { remaining: 0, at_ms: now_ms, sent_since: 0 });
        }
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
        b.observe(Class::Read, &headers(110, 30), 1_000);
        assert!(run(&mut b, Class::Read, 1_000));
        // 30 - 8 = 22 = the reserve: reads wait, writes still go.
        for _ in 0..7 {
            assert!(run(&mut b, Class::Read, 1_000));
        }
        let Admission::WaitMs(ms) = b.admit(Class::Read, 1_000) else { panic!("should wait") };
        assert!((50..=10_000).contains(&ms), "{ms}");
        assert_eq!(b.admit(Class::Write, 1_000), Admission::Go);
        assert_eq!(b.admit(Class::Read, 1_000 + ms as i64), Admission::Go, "waiting the advised time is enough");
    }

    #[test]
    fn learns_max_and_interval() {
        let mut b = RateBudget::new();
        b.observe(Class::Read, &headers(190, 190), 0);
        assert_eq!((0..300).filter(|_| run(&mut b, Class::Read, 0)).count(), 152);
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
            assert_eq!(b.admit(Class::Write, 5_001), Admission::Paused { until_ms: 15_000 });
            assert_eq!(b.paused(6_000), Some((15_000, policy)));
            assert_eq!(b.admit(Class::Search, 14_999), Admission::Paused { until_ms: 15_000 });
            assert_eq!(b.admit(Class::Write, 15_000), Admission::Go);
            assert_eq!(b.paused(15_000), None);
        }
    }

    #[test]
    fn retry_after_wins_and_repeats_back_off() {
        let mut b = RateBudget::new();
        let with = HttpResponse { status: 429, headers: vec![("Retry-After".into(), "2".into())], body: "x".into() };
        b.observe(Class::Read, &with, 0);
        assert_eq!(b.admit(Class::Read, 0), Admission::Paused { until_ms: 2_000 });
        let without = HttpResponse { status: 429, headers: vec![], body: "<html>".into() };
        b.observe(Class::Read, &without, 2_000);
        assert_eq!(b.paused(2_000), Some((2_000 + 20_000, "UNKNOWN")), "second strike doubles the interval");
        b.observe(Class::Read, &headers(110, 100), 30_000);
        b.observe(Class::Read, &without, 30_000);
        assert_eq!(b.paused(30_000).map(|p| p.0), Some(40_000), "a success resets the strikes");
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
