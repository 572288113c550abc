//! Team scale: R reps of one HubSpot portal, each running Spotdial's own `RateBudget`, share the
//! portal's 110 requests / 10 s (and 5 searches / s) at a steady calling pace: each call opens
//! the contact, dials, logs (an exempt association read for the duplicate check's baseline, then
//! 2 writes) and is checked for duplicates 30 s later (one exempt association read shared by the
//! rep's pending logs, as `outbox::verify` does; `--check s` gives the search it used before).
//! Association batch reads are exempt from the 110 / 10 s window and are not searches (§7): they
//! are counted apart and never refused by the portal. Reports the largest R that sees
//! zero 429s, beside the same load sent without pacing, and what larger teams see: how long
//! logs wait, and that none is dropped (a 429 puts the request back in line). A search held
//! back by the budget does not hold up the logs behind it (the worker drains logs first and
//! runs duplicate checks after), and each rep's budget draws its own jitter. A logged call's
//! task completion (`--complete`) follows the outbox's rule (`outbox::timing::completion_wait`):
//! at once while the window is quiet, else held up to `COMPLETION_HOLD_MS` so that the rep's
//! next completion rides with it in one batch update; `--no-hold` completes every call at once.
//! The first completion of a busy spell goes at once for half the calls (the outbox's coin,
//! drawn from the call's random id), so a team that turns busy together holds in two halves;
//! `--no-spell` holds every one, as before that rule.
//! Layer: tooling (run by tools/bench.mjs; `cargo run --release --example team_scale -- --help`).
//! The popup's queue is kept as the worker keeps it (`worker::queue`): a popup opened within
//! `QUEUE_CACHE_MS` of the last load, or `QUEUE_CACHE_BUSY_MS` when the portal was busy as it
//! loaded, asks HubSpot nothing (`--no-queue-cache`: every popup reloads, as before).
//! Also prints `planned_request_count` for queue sizes given with `--plan N:C,...`.

use spotdial::hubspot::budget::{is_busy, Admission, Class, RateBudget, DEFAULT_INTERVAL_MS, DEFAULT_MAX};
use spotdial::hubspot::{naive_request_count, planned_request_count};
use spotdial::outbox::timing::{completion_wait, COMPLETION_HOLD_MS};
use spotdial::ports::HttpResponse;
use spotdial::worker::{QUEUE_CACHE_BUSY_MS, QUEUE_CACHE_MS};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

const HELP: &str = "team_scale [--json] [--open r] [--dial ''] [--log e,w] [--complete w] [--no-hold] [--no-spell] [--check e] [--queue s,e,r] [--no-queue-cache] [--popup r] [--hourly r]
  [--open-every 0] [--log-every 60] [--queue-every 600] [--call-secs 30] [--latency-ms 150]
  [--minutes 60] [--seeds 3] [--max-reps 2000] [--larger 300,400] [--plan 10:10,100:36]
Workflows are comma lists of request classes (r = read, s = search, w = write, e = exempt
association batch read), as measured
from the sandbox's request log. Every --log-every seconds each rep opens a contact (--open),
dials (--dial) and logs the call --call-secs later (--log; its first write is the call's create);
once HubSpot holds the call its task is completed (--complete), held while the portal is busy
and batched as the outbox does (--no-hold: every completion at once; --no-spell: no completion
goes first at the start of a busy spell); 30 s after a log its duplicate check
(--check) runs, covering every log of the rep at least 5 s old. Every --queue-every seconds the
rep opens the popup: the lists it offers (--popup, every time) and the queue (nothing when the
kept queue is fresh, as the worker keeps it; --no-queue-cache: every time);
the --hourly requests once an hour (cached outcomes), and extra contact
opens every --open-every seconds (0: none). Intervals vary by +/-25% and start at random
phases (deterministic per seed). --larger lists team sizes to report delays for.";

/// When a log's duplicate check looks (`outbox::timing::CONFIRM_AFTER_MS`) and the youngest
/// log the shared search takes along (`SETTLE_MS`), as `outbox::verify` schedules them.
const CHECK_AFTER_MS: i64 = 30_000;
const CHECK_MIN_AGE_MS: i64 = 5_000;

/// The calling pace of one rep and what each step of it costs in requests.
#[derive(Debug, Clone)]
struct Pace {
    open: Vec<Class>,
    dial: Vec<Class>,
    log: Vec<Class>,
    complete: Vec<Class>,
    /// Completions follow the outbox's hold-and-batch rule (else each goes at once).
    hold: bool,
    /// The first completion of a busy spell goes at once for half the calls (else every one
    /// is held, as before this rule).
    spell: bool,
    /// A popup uses the kept queue while it is fresh (else every popup reloads it).
    queue_cache: bool,
    check: Vec<Class>,
    queue: Vec<Class>,
    /// What every popup asks besides the queue (the contact lists).
    popup: Vec<Class>,
    hourly: Vec<Class>,
    open_every_ms: i64,
    log_every_ms: i64,
    queue_every_ms: i64,
    call_ms: i64,
    latency_ms: i64,
}

impl Pace {
    /// Standard requests (reads and writes) per rep per minute: what the 110 / 10 s window carries.
    fn standard_per_rep_per_minute(&self) -> f64 {
        self.per_rep_per_minute(|c| matches!(c, Class::Read | Class::Write))
    }

    /// Exempt association reads per rep per minute: neither window counts them.
    fn exempt_per_rep_per_minute(&self) -> f64 {
        self.per_rep_per_minute(|c| c == Class::Exempt)
    }

    /// Searches per rep per minute: what the 5 / s search limit carries.
    fn searches_per_rep_per_minute(&self) -> f64 {
        self.per_rep_per_minute(|c| c == Class::Search)
    }

    fn per_rep_per_minute(&self, counted: impl Fn(Class) -> bool) -> f64 {
        let per = |steps: &[Class], every_ms: i64| {
            if every_ms <= 0 {
                return 0.0;
            }
            steps.iter().filter(|c| counted(**c)).count() as f64 * 60_000.0 / every_ms as f64
        };
        per(&self.open, self.open_every_ms)
            + per(&self.open, self.log_every_ms)
            + per(&self.dial, self.log_every_ms)
            + per(&self.log, self.log_every_ms)
            + per(&self.complete, self.log_every_ms)
            + per(&self.check, self.log_every_ms)
            + per(&self.queue, self.queue_every_ms)
            + per(&self.popup, self.queue_every_ms)
            + per(&self.hourly, 3_600_000)
    }
}

/// splitmix64: small, deterministic, good enough for arrival jitter.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, n).
    fn below(&mut self, n: i64) -> i64 {
        (self.next() % n.max(1) as u64) as i64
    }
    /// `every` varied by +/-25%.
    fn jitter(&mut self, every: i64) -> i64 {
        every * 3 / 4 + self.below(every / 2 + 1)
    }
}

/// The portal as HubSpot runs it (and as the sandbox models it): a rolling window of accepted
/// standard requests with rate headers, a rolling second for search without headers, and
/// association batch reads answered outside both (with the window's headers, nothing taken).
struct Portal {
    standard: VecDeque<i64>,
    search: VecDeque<i64>,
}

impl Portal {
    fn answer(&mut self, class: Class, now: i64) -> HttpResponse {
        if class == Class::Search {
            while self.search.front().is_some_and(|&t| t <= now - 1_000) {
                self.search.pop_front();
            }
            if self.search.len() >= 5 {
                return limited("SECONDLY", vec![]);
            }
            self.search.push_back(now);
            return HttpResponse { status: 200, headers: vec![], body: "{}".into() };
        }
        let interval = DEFAULT_INTERVAL_MS as i64;
        while self.standard.front().is_some_and(|&t| t <= now - interval) {
            self.standard.pop_front();
        }
        let headers = |remaining: usize| {
            vec![
                ("X-HubSpot-RateLimit-Max".to_string(), DEFAULT_MAX.to_string()),
                ("X-HubSpot-RateLimit-Interval-Milliseconds".to_string(), interval.to_string()),
                ("X-HubSpot-RateLimit-Remaining".to_string(), remaining.to_string()),
            ]
        };
        if class == Class::Exempt {
            let left = (DEFAULT_MAX as usize).saturating_sub(self.standard.len());
            return HttpResponse { status: 200, headers: headers(left), body: "{}".into() };
        }
        if self.standard.len() >= DEFAULT_MAX as usize {
            return limited("TEN_SECONDLY_ROLLING", headers(0));
        }
        self.standard.push_back(now);
        HttpResponse { status: 200, headers: headers(DEFAULT_MAX as usize - self.standard.len()), body: "{}".into() }
    }
}

fn limited(policy: &str, headers: Vec<(String, String)>) -> HttpResponse {
    let body = ["{\"status\":\"error\",\"errorType\":\"RATE_LIMIT\",\"policyName\":\"", policy, "\"}"].concat();
    HttpResponse { status: 429, headers, body }
}

/// A request waiting in a rep's line: its class, and for the first write of a log (the call's
/// create) when the log was made, so its wait can be measured and its task completed after.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    class: Class,
    log_made_at: Option<i64>,
    /// The last request of a queue load: its answer is when the queue was loaded.
    loads: Load,
}

/// What a request's answer completes, for the popup's kept queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Load {
    Nothing,
    Queue,
}

/// Index of the call's create in a log's steps: its first write (else its first step).
fn create_index(log: &[Class]) -> usize {
    log.iter().position(|c| *c == Class::Write).unwrap_or(0)
}

struct Rep {
    budget: RateBudget,
    /// Requests waiting to go out, in order.
    pending: VecDeque<Waiting>,
    /// When each log not yet covered by a duplicate check was made.
    unchecked: Vec<i64>,
    /// When each call whose task completion is held back was logged (oldest first).
    held: Vec<i64>,
    /// A request is in flight or a retry is scheduled.
    busy: bool,
    /// When the budget first held back the request at the head of the line.
    held_since: Option<i64>,
    /// When the kept queue was loaded, and whether the portal was busy then.
    queue_loaded_at: Option<(i64, bool)>,
    /// Whether the window was busy at this rep's last completion (`keys::SPELL`).
    spell_busy: bool,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Open,
    Dial,
    Log,
    Check,
    Queue,
    Hourly,
    /// A held completion's hold ends.
    CompleteHeld,
    /// Try the head of the rep's pending requests.
    Try,
    /// The answer to the request in flight arrives.
    Answer {
        class_index: u8,
        log_made_at: Option<i64>,
        loads: Load,
        status: u16,
        remaining: Option<u32>,
        policy_secondly: bool,
    },
}

#[derive(Debug, Default, Clone)]
struct Outcome {
    reps: usize,
    sent: u64,
    limited_standard: u64,
    limited_search: u64,
    /// Each request the budget held back (waits or a pause after a 429): how long, in ms.
    delays: Vec<i64>,
    /// Logs made, and for each log accepted by HubSpot how long after it was made (ms).
    logs: u64,
    log_waits: Vec<i64>,
    /// Requests accepted (not 429), by class (`CLASSES`).
    accepted: [u64; 4],
    /// Duplicate checks run (each covers every log of the rep old enough).
    checks: u64,
    /// Searches in the check workflow (0 with baselines, 1 before).
    check_searches: u64,
    /// Exempt reads refused by the rep's own budget (a pause): the log goes on without its
    /// baseline, as the outbox does.
    exempt_skipped: u64,
    /// Task completion requests put in line, and the tasks they completed.
    completion_requests: u64,
    tasks_completed: u64,
    /// For each task: from its call's log in HubSpot to its completion joining the line (ms).
    completion_holds: Vec<i64>,
}

impl Outcome {
    fn limited(&self) -> u64 {
        self.limited_standard + self.limited_search
    }
    fn delay_percentile(&self, p: f64) -> i64 {
        percentile(&self.delays, p)
    }
    fn log_wait_percentile(&self, p: f64) -> i64 {
        percentile(&self.log_waits, p)
    }
    /// Logs made but not yet accepted when the run ended: still in line (the outbox keeps them),
    /// never dropped.
    fn logs_waiting(&self) -> u64 {
        self.logs - self.log_waits.len() as u64
    }
    fn report(&self) -> serde_json::Value {
        let per_log = |n: u64| if self.logs == 0 { 0.0 } else { (n as f64 / self.logs as f64 * 100.0).round() / 100.0 };
        serde_json::json!({
            "reps": self.reps, "sent": self.sent, "standard_429": self.limited_standard, "search_429": self.limited_search,
            "logs": self.logs, "logs_accepted": self.log_waits.len(), "logs_still_waiting_at_end": self.logs_waiting(),
            "log_wait_ms": { "p50": self.log_wait_percentile(0.5), "p95": self.log_wait_percentile(0.95), "max": self.log_wait_percentile(1.0) },
            "per_logged_call": {
                "read": per_log(self.accepted[0]), "search": per_log(self.accepted[1]), "write": per_log(self.accepted[2]),
                "exempt": per_log(self.accepted[3]),
                "duplicate_checks": per_log(self.checks),
                "duplicate_check_searches": per_log(self.checks * self.check_searches),
            },
            "exempt_reads_skipped": self.exempt_skipped,
            "tasks_per_completion_write": if self.completion_requests == 0 { 0.0 } else {
                (self.tasks_completed as f64 / self.completion_requests as f64 * 100.0).round() / 100.0 },
            "completion_held_ms": { "p50": percentile(&self.completion_holds, 0.5), "p95": percentile(&self.completion_holds, 0.95),
                "max": percentile(&self.completion_holds, 1.0) },
        })
    }
}

fn percentile(values: &[i64], p: f64) -> i64 {
    if values.is_empty() {
        return 0;
    }
    let mut d = values.to_vec();
    d.sort_unstable();
    d[((d.len() - 1) as f64 * p).round() as usize]
}

const CLASSES: [Class; 4] = [Class::Read, Class::Search, Class::Write, Class::Exempt];

fn class_index(class: Class) -> u8 {
    CLASSES.iter().position(|c| *c == class).unwrap_or(0) as u8
}

/// Runs `reps` reps for `minutes`; `paced` uses Spotdial's budget, otherwise requests go out at once.
fn simulate(pace: &Pace, reps: usize, minutes: i64, seed: u64, paced: bool) -> Outcome {
    let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ reps as u64);
    let mut portal = Portal { standard: VecDeque::new(), search: VecDeque::new() };
    let mut team: Vec<Rep> = (0..reps)
        .map(|_| Rep {
            budget: RateBudget::new().with_salt(rng.next()),
            pending: VecDeque::new(),
            unchecked: Vec::new(),
            held: Vec::new(),
            busy: false,
            held_since: None,
            queue_loaded_at: None,
            spell_busy: false,
        })
        .collect();
    let mut events: BinaryHeap<Reverse<(i64, u64, usize, Event)>> = BinaryHeap::new();
    let mut order = 0u64;
    let mut push = |events: &mut BinaryHeap<_>, at: i64, rep: usize, event: Event| {
        order += 1;
        events.push(Reverse((at, order, rep, event)));
    };
    for rep in 0..reps {
        if pace.open_every_ms > 0 {
            push(&mut events, rng.below(pace.open_every_ms), rep, Event::Open);
        }
        push(&mut events, rng.below(pace.log_every_ms), rep, Event::Dial);
        push(&mut events, rng.below(pace.queue_every_ms), rep, Event::Queue);
        push(&mut events, rng.below(3_600_000), rep, Event::Hourly);
    }
    let end = minutes * 60_000;
    let check_searches = pace.check.iter().filter(|c| **c == Class::Search).count() as u64;
    let mut out = Outcome { reps, check_searches, ..Outcome::default() };
    while let Some(Reverse((now, _, r, event))) = events.pop() {
        if now > end {
            break;
        }
        let rep = &mut team[r];
        let enqueue = |rep: &mut Rep, steps: &[Class]| {
            rep.pending.extend(steps.iter().map(|&class| Waiting { class, log_made_at: None, loads: Load::Nothing }))
        };
        match event {
            Event::Open => {
                enqueue(rep, &pace.open);
                push(&mut events, now + rng.jitter(pace.open_every_ms), r, Event::Open);
            }
            Event::Dial => {
                // The rep opens the contact's record, then dials from its card.
                enqueue(rep, &pace.open);
                enqueue(rep, &pace.dial);
                push(&mut events, now + pace.call_ms, r, Event::Log);
                push(&mut events, now + rng.jitter(pace.log_every_ms), r, Event::Dial);
            }
            Event::Log => {
                out.logs += 1;
                let create = create_index(&pace.log);
                for (i, &class) in pace.log.iter().enumerate() {
                    let log_made_at = (i == create).then_some(now);
                    rep.pending.push_back(Waiting { class, log_made_at, loads: Load::Nothing });
                }
                rep.unchecked.push(now);
                push(&mut events, now + CHECK_AFTER_MS, r, Event::Check);
            }
            Event::Check => {
                // One search for every log at least CHECK_MIN_AGE_MS old; nothing when an earlier
                // check's search already took this log along.
                let before = rep.unchecked.len();
                rep.unchecked.retain(|&made| made > now - CHECK_MIN_AGE_MS);
                if rep.unchecked.len() < before {
                    out.checks += 1;
                    enqueue(rep, &pace.check);
                }
            }
            Event::Queue => {
                // The popup's lists: asked at every popup, as the worker does.
                enqueue(rep, &pace.popup);
                let kept = rep
                    .queue_loaded_at
                    .is_some_and(|(at, busy)| now - at < if busy { QUEUE_CACHE_BUSY_MS } else { QUEUE_CACHE_MS });
                if !(pace.queue_cache && kept) {
                    let last = pace.queue.len().saturating_sub(1);
                    rep.pending.extend(pace.queue.iter().enumerate().map(|(i, &class)| Waiting {
                        class,
                        log_made_at: None,
                        loads: if i == last { Load::Queue } else { Load::Nothing },
                    }));
                }
                push(&mut events, now + rng.jitter(pace.queue_every_ms), r, Event::Queue);
            }
            Event::Hourly => {
                enqueue(rep, &pace.hourly);
                push(&mut events, now + 3_600_000, r, Event::Hourly);
            }
            Event::CompleteHeld => {
                if rep.held.first().is_some_and(|&oldest| oldest + COMPLETION_HOLD_MS <= now) {
                    // The drain reads the window again as it takes the held completion.
                    let usage = rep.budget.usage(now);
                    rep.spell_busy = is_busy(usage.used, usage.max);
                    complete_held(rep, pace, now, &mut out);
                }
            }
            Event::Try => {
                rep.busy = false;
            }
            Event::Answer { class_index, log_made_at, loads, status, remaining, policy_secondly } => {
                let class = CLASSES[class_index as usize];
                let mut headers = vec![];
                if let Some(left) = remaining {
                    headers.push(("X-HubSpot-RateLimit-Max".to_string(), DEFAULT_MAX.to_string()));
                    headers.push((
                        "X-HubSpot-RateLimit-Interval-Milliseconds".to_string(),
                        DEFAULT_INTERVAL_MS.to_string(),
                    ));
                    headers.push(("X-HubSpot-RateLimit-Remaining".to_string(), left.to_string()));
                }
                let body = if status == 429 {
                    limited(if policy_secondly { "SECONDLY" } else { "TEN_SECONDLY_ROLLING" }, vec![]).body
                } else {
                    "{}".into()
                };
                rep.budget.observe(class, &HttpResponse { status, headers, body }, now);
                if status == 429 {
                    // Sent again after the pause (the outbox retries a log; a read is asked again).
                    rep.pending.push_front(Waiting { class, log_made_at, loads });
                } else {
                    out.accepted[class_index as usize] += 1;
                    // As the worker does: busy or not, read right after the load's answers.
                    let usage = rep.budget.usage(now);
                    let loaded = Some((now, is_busy(usage.used, usage.max)));
                    if loads == Load::Queue {
                        rep.queue_loaded_at = loaded;
                    }
                    if let Some(made) = log_made_at {
                        out.log_waits.push(now - made);
                        // HubSpot holds the call: its task is completed as the outbox does (held
                        // only while the window is busy and no other completion waits; the first
                        // of a busy spell goes at once for the calls whose random id says so).
                        let usage = rep.budget.usage(now);
                        let was_busy = rep.spell_busy || !pace.spell;
                        rep.spell_busy = is_busy(usage.used, usage.max);
                        let goes_first = rng.next() & 1 == 1;
                        let wait = match rep.held.is_empty() {
                            true => completion_wait(now, now, usage.used, usage.max, was_busy, goes_first),
                            false => None,
                        };
                        rep.held.push(now);
                        match wait {
                            Some(until) if pace.hold && paced => {
                                push(&mut events, until, r, Event::CompleteHeld);
                            }
                            _ => complete_held(rep, pace, now, &mut out),
                        }
                    }
                }
                rep.busy = false;
            }
        }
        // Send the head of the line if nothing is in flight.
        let rep = &mut team[r];
        if rep.busy {
            continue;
        }
        let Some(&head) = rep.pending.front() else { continue };
        let class = head.class;
        let mut pick = (0, head);
        let mut admission = if paced { rep.budget.admit(class, now) } else { Admission::Go };
        if paced && admission != Admission::Go {
            // A held search does not hold up the logs behind it (the worker drains logs first
            // and runs the duplicate checks after, `Logging::drain`), and the popup's queue
            // search does not wait behind a held log or read: each flow asks the budget for
            // itself. So the first request of the other kind that may go, goes.
            let other_kind = |w: &Waiting| (w.class == Class::Search) != (class == Class::Search);
            if let Some(i) = rep.pending.iter().position(other_kind) {
                let next = rep.pending[i];
                let other = rep.budget.admit(next.class, now);
                if other == Admission::Go {
                    pick = (i, next);
                    admission = other;
                }
            }
        }
        let (index, Waiting { class, log_made_at, loads }) = pick;
        if class == Class::Exempt && admission != Admission::Go {
            // Never waited for: the outbox sends the log without its baseline (and a check
            // whose read is refused looks again later), so nothing behind it is held up.
            rep.pending.remove(index);
            out.exempt_skipped += 1;
            push(&mut events, now, r, Event::Try);
            rep.busy = true;
            continue;
        }
        match admission {
            Admission::Go => {
                rep.pending.remove(index);
                if let Some(since) = rep.held_since.take() {
                    out.delays.push(now - since);
                }
                if paced {
                    rep.budget.note_sent(class, now);
                }
                out.sent += 1;
                let answer = portal.answer(class, now);
                if answer.status == 429 {
                    if class == Class::Search {
                        out.limited_search += 1;
                    } else {
                        out.limited_standard += 1;
                    }
                }
                let remaining = answer.header("X-HubSpot-RateLimit-Remaining").and_then(|v| v.parse::<u32>().ok());
                rep.busy = true;
                let event = Event::Answer {
                    class_index: class_index(class),
                    log_made_at,
                    loads,
                    status: answer.status,
                    remaining,
                    policy_secondly: answer.body.contains("SECONDLY\"") && !answer.body.contains("TEN_"),
                };
                push(&mut events, now + pace.latency_ms, r, event);
            }
            Admission::WaitMs(ms) => {
                rep.held_since.get_or_insert(now);
                rep.busy = true;
                push(&mut events, now + ms as i64, r, Event::Try);
            }
            Admission::Paused { until_ms } => {
                rep.held_since.get_or_insert(now);
                rep.busy = true;
                push(&mut events, until_ms.max(now + 1), r, Event::Try);
            }
        }
    }
    out
}

/// Puts one completion request in line for every held task of the rep (one batch update).
fn complete_held(rep: &mut Rep, pace: &Pace, now: i64, out: &mut Outcome) {
    if rep.held.is_empty() || pace.complete.is_empty() {
        rep.held.clear();
        return;
    }
    out.completion_requests += 1;
    out.tasks_completed += rep.held.len() as u64;
    out.completion_holds.extend(rep.held.drain(..).map(|logged| now - logged));
    rep.pending.extend(pace.complete.iter().map(|&class| Waiting { class, log_made_at: None, loads: Load::Nothing }));
}

/// Which 429s a clean run may not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clean {
    /// None at all.
    Every,
    /// None from the 110 / 10 s window. A search 429 (5 / s per portal, no rate headers to
    /// pace by) only delays that search by a second: reported, not counted.
    Standard,
}

/// The largest team with zero 429s (of `clean`'s kind) in every seed, scanning up in steps
/// and then one by one.
fn largest_team(
    pace: &Pace,
    minutes: i64,
    seeds: u64,
    max_reps: usize,
    paced: bool,
    clean_kind: Clean,
) -> (usize, Vec<Outcome>) {
    let count = |o: &Outcome| match clean_kind {
        Clean::Every => o.limited(),
        Clean::Standard => o.limited_standard,
    };
    let clean = |reps: usize| -> (bool, Outcome) {
        let mut worst = Outcome { reps, ..Outcome::default() };
        for seed in 0..seeds {
            let o = simulate(pace, reps, minutes, seed, paced);
            let bad = count(&o) > 0;
            if bad || seed == 0 || count(&o) > count(&worst) {
                worst = o;
            }
            if bad {
                return (false, worst);
            }
        }
        (true, worst)
    };
    let mut trail = Vec::new();
    let mut good = 0;
    let mut step = 10;
    let mut reps = 10;
    while reps <= max_reps {
        let (ok, outcome) = clean(reps);
        trail.push(outcome);
        if ok {
            good = reps;
            reps += step;
        } else if step > 1 {
            step = if step > 10 { 10 } else { 1 };
            reps = good + step;
        } else {
            break;
        }
        if ok && reps >= 100 && step == 10 {
            step = 20;
        }
    }
    (good, trail)
}

fn classes(list: &str) -> Vec<Class> {
    list.split(',')
        .filter_map(|c| match c.trim() {
            "r" | "read" => Some(Class::Read),
            "e" | "exempt" => Some(Class::Exempt),
            "s" | "search" => Some(Class::Search),
            "w" | "write" => Some(Class::Write),
            _ => None,
        })
        .collect()
}

fn names(steps: &[Class]) -> String {
    let list: Vec<&str> = steps
        .iter()
        .map(|c| match c {
            Class::Read => "read",
            Class::Search => "search",
            Class::Write => "write",
            Class::Exempt => "exempt",
        })
        .collect();
    if list.is_empty() {
        "-".into()
    } else {
        list.join("+")
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{HELP}");
        return;
    }
    let arg = |name: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| default.to_string())
    };
    let num = |name: &str, default: i64| -> i64 { arg(name, &default.to_string()).parse().unwrap_or(default) };
    let json = args.iter().any(|a| a == "--json");
    let pace = Pace {
        open: classes(&arg("--open", "r")),
        dial: classes(&arg("--dial", "")),
        log: classes(&arg("--log", "e,w")),
        complete: classes(&arg("--complete", "w")),
        hold: !args.iter().any(|a| a == "--no-hold"),
        spell: !args.iter().any(|a| a == "--no-spell"),
        queue_cache: !args.iter().any(|a| a == "--no-queue-cache"),
        check: classes(&arg("--check", "e")),
        queue: classes(&arg("--queue", "s,e,r")),
        popup: classes(&arg("--popup", "")),
        hourly: classes(&arg("--hourly", "r")),
        open_every_ms: num("--open-every", 0).max(0) * 1_000,
        log_every_ms: num("--log-every", 60).max(1) * 1_000,
        queue_every_ms: num("--queue-every", 600).max(1) * 1_000,
        call_ms: num("--call-secs", 30).max(0) * 1_000,
        latency_ms: num("--latency-ms", 150).max(1),
    };
    let minutes = num("--minutes", 60).max(1);
    let seeds = num("--seeds", 3).max(1) as u64;
    let max_reps = num("--max-reps", 2_000).max(10) as usize;
    let larger: Vec<usize> = arg("--larger", "300,400").split(',').filter_map(|n| n.trim().parse().ok()).collect();

    let plans: Vec<(usize, usize)> = arg("--plan", "")
        .split(',')
        .filter_map(|p| p.split_once(':'))
        .filter_map(|(n, c)| Some((n.trim().parse().ok()?, c.trim().parse().ok()?)))
        .collect();
    let planned: Vec<serde_json::Value> = plans
        .iter()
        .map(|&(tasks, contacts)| {
            let c = planned_request_count(tasks, contacts);
            serde_json::json!({
                "tasks": tasks, "contacts": contacts, "searches": c.searches, "reads": c.reads,
                "writes": c.writes, "total": c.total(), "naive": naive_request_count(tasks),
            })
        })
        .collect();

    let (paced_reps, paced_trail) = largest_team(&pace, minutes, seeds, max_reps, true, Clean::Every);
    let (unpaced_reps, _) = largest_team(&pace, minutes, seeds, max_reps, false, Clean::Every);
    let (standard_reps, standard_trail) = largest_team(&pace, minutes, seeds, max_reps, true, Clean::Standard);
    let at = |trail: &[Outcome], reps: usize| trail.iter().rev().find(|o| o.reps == reps).cloned().unwrap_or_default();
    let best = at(&paced_trail, paced_reps);
    let best_standard = at(&standard_trail, standard_reps);
    // The smallest team that saw a 429 (the scan passes larger ones first, in steps).
    let first_bad = paced_trail.iter().filter(|o| o.limited() > 0).min_by_key(|o| o.reps).cloned();
    let per_minute = pace.standard_per_rep_per_minute();
    // What teams past the clean size see: 429s, how long logs wait, and none dropped.
    let beyond: Vec<Outcome> = larger.iter().map(|&reps| simulate(&pace, reps, minutes, 0, true)).collect();
    let portal_per_minute = DEFAULT_MAX as f64 * 60_000.0 / DEFAULT_INTERVAL_MS as f64;
    // §11: 5 searches a second per portal.
    let searches_per_minute = pace.searches_per_rep_per_minute();
    let search_ceiling = if searches_per_minute > 0.0 { (300.0 / searches_per_minute).floor() } else { f64::INFINITY };

    if json {
        let report = serde_json::json!({
            "pace": {
                "open": names(&pace.open), "dial": names(&pace.dial), "log": names(&pace.log), "check": names(&pace.check),
                "queue": names(&pace.queue), "popup": names(&pace.popup), "hourly": names(&pace.hourly),
                "complete": names(&pace.complete), "completions_held_while_busy": pace.hold, "spell_splits_team": pace.spell,
                "open_every_s": pace.open_every_ms / 1000, "log_every_s": pace.log_every_ms / 1000,
                "queue_every_s": pace.queue_every_ms / 1000, "queue_cache": pace.queue_cache, "latency_ms": pace.latency_ms,
                "call_s": pace.call_ms / 1000,
            },
            "clean_team": best.report(),
            "larger_teams": beyond.iter().map(Outcome::report).collect::<Vec<_>>(),
            "requests_per_rep_per_minute": (per_minute * 100.0).round() / 100.0,
            "portal_requests_per_minute": portal_per_minute,
            "arithmetic_ceiling_reps": (portal_per_minute / per_minute).floor(),
            "searches_per_rep_per_minute": (searches_per_minute * 100.0).round() / 100.0,
            "exempt_per_rep_per_minute": (pace.exempt_per_rep_per_minute() * 100.0).round() / 100.0,
            "search_ceiling_reps": search_ceiling,
            "minutes": minutes, "seeds": seeds,
            "paced": {
                "reps_with_zero_429": paced_reps,
                "p95_budget_wait_ms": best.delay_percentile(0.95),
                "max_budget_wait_ms": best.delay_percentile(1.0),
                "held_back_requests": best.delays.len(), "sent": best.sent,
                "first_failure": first_bad.map(|o| serde_json::json!({
                    "reps": o.reps, "standard_429": o.limited_standard, "search_429": o.limited_search, "sent": o.sent,
                })),
            },
            "unpaced_reps_with_zero_429": unpaced_reps,
            "paced_reps_with_zero_standard_429": standard_reps,
            "zero_standard_429_team": best_standard.report(),
            "planned_queue": planned,
        });
        println!("{report}");
        return;
    }
    println!(
        "Pace per rep: every {} s open {} + dial {} + log {} + complete {} ({}) + check {}; extra opens every {} s; queue {} every {} s; hourly {}",
        pace.log_every_ms / 1000,
        names(&pace.open),
        names(&pace.dial),
        names(&pace.log),
        names(&pace.complete),
        if pace.hold { "held and batched while busy" } else { "each at once" },
        names(&pace.check),
        pace.open_every_ms / 1000,
        names(&pace.queue),
        pace.queue_every_ms / 1000,
        names(&pace.hourly)
    );
    println!(
        "= {per_minute:.2} standard requests per rep per minute; the portal allows {portal_per_minute} per minute \
              (arithmetic ceiling {} reps)",
        (portal_per_minute / per_minute).floor()
    );
    println!(
        "= {searches_per_minute:.2} searches per rep per minute; the portal allows 300 per minute (search ceiling {search_ceiling} reps)"
    );
    println!("Simulated {minutes} min x {seeds} seeds, {} ms latency:", pace.latency_ms);
    println!(
        "  with Spotdial's RateBudget: {paced_reps} reps with zero 429s (p95 wait {} ms, max {} ms)",
        best.delay_percentile(0.95),
        best.delay_percentile(1.0)
    );
    if let Some(o) = first_bad {
        println!(
            "    first 429s at {} reps: {} standard, {} search of {} sent",
            o.reps, o.limited_standard, o.limited_search, o.sent
        );
    }
    println!("  without pacing:             {unpaced_reps} reps with zero 429s");
    println!("  with Spotdial's RateBudget: {standard_reps} reps with zero 429s from the 110 / 10 s window");
    for o in [&best, &best_standard].into_iter().chain(beyond.iter()) {
        println!(
            "  {} reps: {} logs, {} accepted, {} still in line at the end (none dropped); log wait p50 {} ms, p95 {} ms, max {} ms; 429s: {} standard, {} search",
            o.reps,
            o.logs,
            o.log_waits.len(),
            o.logs_waiting(),
            o.log_wait_percentile(0.5),
            o.log_wait_percentile(0.95),
            o.log_wait_percentile(1.0),
            o.limited_standard,
            o.limited_search
        );
    }
    for p in planned {
        println!(
            "  queue of {} tasks / {} contacts: {} requests planned, {} naive",
            p["tasks"], p["contacts"], p["total"], p["naive"]
        );
    }
}
