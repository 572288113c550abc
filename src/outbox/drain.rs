//! The outbox drain: the state machine that takes every due entry, oldest first, one request at
//! a time, from `Waiting` to a call in HubSpot and its task completed, settling every lost answer
//! by looking the external id up before any resend (DESIGN §4); and `DrainGuard`, which keeps
//! two drains of one worker from ever running at once.
//! Layer: core (pure; HubSpot through `Client`, storage through `Store`, time through `Clock`).

use super::entry::{load, load_all, remove, save, Entry, EntryId, Hold, State, Unreadable};
use super::timing::{
    backoff_ms, completion_wait, goes_first, BACKOFF_BASE_MS, CONFIRM_AFTER_MS, DRAIN_SLEEP_BUDGET_MS,
    INLINE_WAIT_MAX_MS, MAX_PASSES, SETTLE_MS, SIGN_IN_RECHECK_MS,
};
use crate::hubspot::associations::ASSOCIATION_BATCH_MAX;
use crate::hubspot::budget::is_busy;
use crate::hubspot::{calls, tasks, ApiError, CallLog, Class, Client};
use crate::ids::{Account, CallId, ContactId, TaskId};
use crate::ports::{Area, AuthFailure, Clock, Http, Store, StoreError, TokenSource};
use serde::{Deserialize, Serialize};
use std::cell::Cell;

/// Single flight for `drain`. The worker keeps exactly one for its whole life, in one place
/// (the wasm glue holds it in a `thread_local!` next to its other worker state), and passes it
/// to every drain: the alarm handler and the "log call" handler are both async and interleave
/// on the worker's one thread. A drain that finds another running returns at once with
/// `already_draining`, and the running one makes one more pass before it stops, so an entry
/// enqueued meanwhile is not left for the alarm. The guard is released when the drain ends or
/// its future is dropped.
#[derive(Debug, Default)]
pub struct DrainGuard {
    running: Cell<bool>,
    again: Cell<bool>,
}

impl DrainGuard {
    pub const fn new() -> Self {
        DrainGuard { running: Cell::new(false), again: Cell::new(false) }
    }

    pub fn is_draining(&self) -> bool {
        self.running.get()
    }

    fn enter(&self) -> Option<Running<'_>> {
        if self.running.replace(true) {
            self.again.set(true);
            return None;
        }
        self.again.set(false);
        Some(Running(self))
    }
}

struct Running<'a>(&'a DrainGuard);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.set(false);
        self.0.again.set(false);
    }
}

/// What became of a settled entry's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskResult {
    NoTask,
    Completed,
    /// HubSpot answered 404: the task was deleted meanwhile; nothing left to complete.
    AlreadyGone,
}

/// An entry that left the outbox: its call is in HubSpot and its task handled. The caller
/// writes it to the rep's call history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settled {
    pub id: EntryId,
    /// The account the call was logged under (its verify check and history entry keep it).
    pub account: Option<Account>,
    pub log: CallLog,
    pub call_id: CallId,
    pub contact_name: String,
    pub task: Option<TaskId>,
    pub task_result: TaskResult,
    pub settled_at_ms: i64,
}

/// What one drain did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DrainReport {
    /// Another drain was running; this one did nothing (that one makes another pass).
    pub already_draining: bool,
    pub settled: Vec<Settled>,
    /// Entries HubSpot refused for good during this drain (now `Failed`, shown to the rep).
    pub failed: Vec<EntryId>,
    /// Why draining stopped early: every further request would have been refused.
    pub stopped: Option<Hold>,
    /// HubSpot's answer that stopped it, for the worker to act on as on any request's (a
    /// rate limit's pause persisted, a refused token marked "needs reconnect").
    pub stopped_by: Option<ApiError>,
    /// Stored values under outbox keys that could not be read; kept in place.
    pub unreadable: Vec<Unreadable>,
    /// A storage failure ended the drain (nothing is sent that was not persisted first).
    pub store_error: Option<StoreError>,
    /// Create requests attempted, each persisted as `Sending` first.
    pub creates_attempted: u32,
    /// Calls in HubSpot whose task completion waits to ride with others (the portal is busy);
    /// their duplicate check is scheduled, and they settle within `COMPLETION_HOLD_MS`.
    pub completing: Vec<EntryId>,
}

impl DrainReport {
    /// This report followed by `later`'s, a drain run again after it: what either settled,
    /// failed or left completing, and what stopped the later one.
    pub fn then(mut self, later: DrainReport) -> DrainReport {
        self.completing.retain(|id| !later.settled.iter().any(|s| &s.id == id));
        self.completing.extend(later.completing);
        self.settled.extend(later.settled);
        self.failed.extend(later.failed);
        self.unreadable = later.unreadable;
        self.creates_attempted += later.creates_attempted;
        DrainReport {
            already_draining: self.already_draining && later.already_draining,
            stopped: later.stopped,
            stopped_by: later.stopped_by,
            store_error: later.store_error.or(self.store_error),
            ..self
        }
    }
}

enum Flow {
    Next,
    /// Stop draining; hold every other active entry until `until_ms`.
    Stop {
        hold: Hold,
        until_ms: i64,
        cause: ApiError,
    },
}

/// Processes every due entry of `account` (the portal and user signed in now; `None` sends
/// nothing), oldest first, one request at a time, and loops until none is
/// due (sleeping in place through short waits, within `DRAIN_SLEEP_BUDGET_MS`). Afterwards the
/// caller sets the alarm to `next_wake_at_ms` and records `settled` in the call history.
pub async fn drain<S, H, C, T>(
    guard: &DrainGuard,
    store: &S,
    client: &Client<'_, H, C, T>,
    clock: &C,
    account: Option<&Account>,
) -> DrainReport
where
    S: Store,
    H: Http,
    C: Clock,
    T: TokenSource,
{
    let Some(_running) = guard.enter() else {
        return DrainReport { already_draining: true, ..DrainReport::default() };
    };
    let mut report = DrainReport::default();
    let mut slept = 0;
    // Asked at most once per drain, and only when a log is held for a sign-in.
    let mut token_asked = false;
    for _ in 0..MAX_PASSES {
        let (entries, unreadable) = match load_all(store).await {
            Ok(loaded) => loaded,
            Err(error) => {
                report.store_error = Some(error);
                return report;
            }
        };
        report.unreadable = unreadable;
        // Another account's logs are not this drain's: they wait for their own sign-in.
        let mut entries: Vec<Entry> = entries.into_iter().filter(|e| e.belongs_to(account)).collect();
        let now = clock.now_ms();
        // A log held for a sign-in while a token is in hand is held by mistake: a sign-in
        // finished while a refused request was in flight (after it resumed the outbox), or
        // before the browser closed. It is due now; a lost connection keeps its backoff.
        let signed_in_held = |e: &Entry| matches!(e.hold, Some(Hold::SignedOut | Hold::NeedsReconnect));
        if !token_asked && entries.iter().any(signed_in_held) {
            token_asked = true;
            if client.has_token().await {
                for e in entries.iter_mut().filter(|e| signed_in_held(e)) {
                    e.hold = None;
                    e.next_attempt_at_ms = e.next_attempt_at_ms.min(now);
                    if let Err(error) = save(store, e, now).await {
                        report.store_error = Some(error);
                        return report;
                    }
                }
            }
        }
        let due: Vec<EntryId> = entries.iter().filter(|e| e.is_due(now)).map(Entry::id).collect();
        if due.is_empty() {
            // A drain that bounced off the guard meanwhile may have enqueued something.
            if guard.again.replace(false) {
                continue;
            }
            let wait = entries.iter().filter(|e| e.is_active()).map(|e| e.next_attempt_at_ms - now).min();
            match wait {
                Some(ms) if ms > 0 && ms <= INLINE_WAIT_MAX_MS && slept + ms <= DRAIN_SLEEP_BUDGET_MS => {
                    clock.sleep(ms as u64).await;
                    slept += ms;
                    continue;
                }
                _ => return report,
            }
        }
        // Written before any create goes out (DESIGN §4: write first, then request).
        if let Err(error) = take_baselines(store, client, clock, &entries).await {
            report.store_error = Some(error);
            return report;
        }
        for id in due {
            match step(&id, store, client, clock, &mut report).await {
                Ok(Flow::Next) => {}
                Ok(Flow::Stop { hold, until_ms, cause }) => {
                    // The keeper had no token (signed out, reconnect asked). A sign-in that
                    // finished since resumed nothing (nothing was held yet): holding now would
                    // leave every log waiting behind a "signed in". Asked again, the keeper
                    // answers with a token only after a sign-in, so this cannot loop.
                    if matches!(
                        cause,
                        ApiError::Auth { failure: AuthFailure::SignedOut | AuthFailure::NeedsReconnect { .. } }
                    ) && client.has_token().await
                    {
                        if let Err(error) = release(store, &id, clock.now_ms()).await {
                            report.store_error = Some(error);
                            return report;
                        }
                        continue;
                    }
                    if let Err(error) = hold_others(store, &id, &hold, until_ms, clock.now_ms(), account).await {
                        report.store_error = Some(error);
                    }
                    report.stopped = Some(hold);
                    report.stopped_by = Some(cause);
                    return report;
                }
                Err(error) => {
                    report.store_error = Some(error);
                    return report;
                }
            }
        }
    }
    report
}

/// Moves one entry on as far as it can go without waiting.
async fn step<S, H, C, T>(
    id: &EntryId,
    store: &S,
    client: &Client<'_, H, C, T>,
    clock: &C,
    report: &mut DrainReport,
) -> Result<Flow, StoreError>
where
    S: Store,
    H: Http,
    C: Clock,
    T: TokenSource,
{
    // Read again right before acting: the rep or the privacy feature may have changed or
    // removed it since the pass began.
    let Some(Ok(mut e)) = load(store, id).await? else { return Ok(Flow::Next) };
    if !e.is_due(clock.now_ms()) {
        return Ok(Flow::Next);
    }
    // Uncertain → Waiting → Logged → settled is the longest path through one step.
    for _ in 0..4 {
        let now = clock.now_ms();
        match e.state.clone() {
            State::Failed { .. } => return Ok(Flow::Next),
            State::Sending { .. } => {
                // Only a drain writes `Sending`, and no other drain runs: the worker was
                // stopped after persisting it. The request may have reached HubSpot.
                e.state = State::Uncertain { since_ms: now, first_miss_ms: None };
                e.next_attempt_at_ms = now + SETTLE_MS;
                e.hold = None;
                save(store, &mut e, now).await?;
                return Ok(Flow::Next);
            }
            State::Waiting => {
                if e.next_attempt_at_ms > now {
                    return Ok(Flow::Next);
                }
                e.state = State::Sending { sent_at_ms: now };
                e.attempts = e.attempts.saturating_add(1);
                e.last_sent_at_ms = Some(now);
                e.next_attempt_at_ms = now;
                e.hold = None;
                // Persisted before the request goes out (DESIGN §4).
                save(store, &mut e, now).await?;
                report.creates_attempted += 1;
                let answer = client.send(calls::create_call(&e.log), Class::Write).await;
                let now = clock.now_ms();
                match answer {
                    Ok(resp) => match calls::parse_created_call(&resp) {
                        Ok(call_id) => {
                            e.state = State::Logged { call_id };
                            e.logged_at_ms = Some(now);
                            e.failures = 0;
                            save(store, &mut e, now).await?;
                        }
                        Err(_) => {
                            // A 2xx: the call exists, but its id was unreadable. Find it.
                            become_uncertain(&mut e, now);
                            save(store, &mut e, now).await?;
                            return Ok(Flow::Next);
                        }
                    },
                    Err(cause @ ApiError::Transport { may_have_reached: true, .. }) => {
                        become_uncertain(&mut e, now);
                        save(store, &mut e, now).await?;
                        // The network is failing: the other entries would fare no better.
                        return Ok(Flow::Stop { hold: Hold::Offline, until_ms: now + BACKOFF_BASE_MS, cause });
                    }
                    Err(ApiError::Unavailable { .. } | ApiError::Malformed { .. }) => {
                        // A 5xx may come after HubSpot stored the call.
                        become_uncertain(&mut e, now);
                        save(store, &mut e, now).await?;
                        return Ok(Flow::Next);
                    }
                    Err(err) => {
                        // Everything else means HubSpot did not store it.
                        e.state = State::Waiting;
                        if let Some((hold, until_ms)) = halt(&err, now, &mut e) {
                            save(store, &mut e, now).await?;
                            return Ok(Flow::Stop { hold, until_ms, cause: err });
                        }
                        fail(&mut e, &err, None);
                        report.failed.push(e.id());
                        save(store, &mut e, now).await?;
                        return Ok(Flow::Next);
                    }
                }
            }
            State::Uncertain { since_ms, first_miss_ms } => {
                // §11: search is eventually consistent. Only a "not found" taken after the lag
                // counts, and a resend needs two, SETTLE_MS apart and CONFIRM_AFTER_MS after
                // the loss.
                let earliest = match first_miss_ms {
                    None => since_ms + SETTLE_MS,
                    Some(first) => (first + SETTLE_MS).max(since_ms + CONFIRM_AFTER_MS),
                };
                if now < earliest {
                    e.next_attempt_at_ms = earliest;
                    save(store, &mut e, now).await?;
                    return Ok(Flow::Next);
                }
                let external_id = e.log.external_id.clone();
                let answer = client.send(calls::search_call_by_external_id(&external_id), Class::Search).await;
                let now = clock.now_ms();
                match answer.and_then(|resp| calls::parse_call_search(&resp, &external_id)) {
                    Ok(Some(call_id)) => {
                        e.state = State::Logged { call_id };
                        e.logged_at_ms = Some(now);
                        e.failures = 0;
                        e.hold = None;
                        save(store, &mut e, now).await?;
                    }
                    Ok(None) if first_miss_ms.is_none() => {
                        e.state = State::Uncertain { since_ms, first_miss_ms: Some(now) };
                        e.failures = 0;
                        e.hold = None;
                        e.next_attempt_at_ms = (now + SETTLE_MS).max(since_ms + CONFIRM_AFTER_MS);
                        save(store, &mut e, now).await?;
                        return Ok(Flow::Next);
                    }
                    Ok(None) => {
                        // Confirmed absent: HubSpot never stored it. Resend, after the backoff
                        // between attempts.
                        e.state = State::Waiting;
                        e.failures = 0;
                        e.hold = None;
                        e.next_attempt_at_ms =
                            e.last_sent_at_ms.map_or(now, |sent| (sent + backoff_ms(e.attempts)).max(now));
                        save(store, &mut e, now).await?;
                        if e.next_attempt_at_ms > now {
                            return Ok(Flow::Next);
                        }
                    }
                    Err(err) => return retry_later(store, &mut e, &err, now).await,
                }
            }
            State::Logged { call_id } => {
                let Some(task) = e.task.clone() else {
                    return settle(store, e, call_id, TaskResult::NoTask, now, report).await;
                };
                let riders = waiting_completions(store, &e).await?;
                let usage = client.usage();
                let logged_at = *e.logged_at_ms.get_or_insert(now);
                let was_busy = spell_was_busy(store).await;
                note_spell(store, was_busy, is_busy(usage.used, usage.max)).await;
                let wait = match riders.is_empty() {
                    true => {
                        completion_wait(logged_at, now, usage.used, usage.max, was_busy, goes_first(&e.log.external_id))
                    }
                    false => None,
                };
                if let Some(until_ms) = wait {
                    // The portal is busy and no other completion waits: this one waits for the
                    // rep's next to ride with it. The duplicate check does not wait with it (it
                    // is due 30 s after the log).
                    if !e.check_scheduled {
                        schedule_check(store, &e, &call_id, now).await?;
                        e.check_scheduled = true;
                    }
                    e.next_attempt_at_ms = until_ms;
                    e.hold = None;
                    save(store, &mut e, now).await?;
                    report.completing.push(e.id());
                    return Ok(Flow::Next);
                }
                if !riders.is_empty() {
                    match complete_together(store, client, clock, &e, &task, &riders, report).await? {
                        Together::Done => return Ok(Flow::Next),
                        Together::Retry(err) => return retry_later(store, &mut e, &err, clock.now_ms()).await,
                        // Refused as a batch, or this task left unanswered: it goes alone below,
                        // where HubSpot's answer for it alone decides.
                        Together::Alone => {}
                    }
                }
                // A PATCH to COMPLETED is idempotent: repeating it after a lost answer is safe.
                match client.send(tasks::complete_task(&task), Class::Write).await {
                    // Any 2xx completed it, whatever its body says.
                    Ok(_) => return settle(store, e, call_id, TaskResult::Completed, clock.now_ms(), report).await,
                    Err(ApiError::NotFound { .. }) => {
                        return settle(store, e, call_id, TaskResult::AlreadyGone, clock.now_ms(), report).await
                    }
                    Err(
                        err @ (ApiError::Validation { .. }
                        | ApiError::MissingScopes { .. }
                        | ApiError::Forbidden { .. }
                        | ApiError::Rejected { .. }),
                    ) => {
                        // Refused for good: the call stays logged; the rep sees why and may retry
                        // the task completion (never the call).
                        fail(&mut e, &err, Some(call_id));
                        report.failed.push(e.id());
                        save(store, &mut e, clock.now_ms()).await?;
                        return Ok(Flow::Next);
                    }
                    Err(err) => return retry_later(store, &mut e, &err, clock.now_ms()).await,
                }
            }
        }
    }
    Ok(Flow::Next)
}

/// One exempt association read (per 1,000 contacts) gives every entry about to send its first
/// create the calls its contact has now; each entry stores its baseline before its create is
/// sent. A failed read stores "unavailable" and the create goes ahead as it would have.
async fn take_baselines<S, H, C, T>(
    store: &S,
    client: &Client<'_, H, C, T>,
    clock: &C,
    entries: &[Entry],
) -> Result<(), StoreError>
where
    S: Store,
    H: Http,
    C: Clock,
    T: TokenSource,
{
    let now = clock.now_ms();
    let wanting: Vec<&Entry> = entries.iter().filter(|e| e.wants_baseline(now)).collect();
    let mut contacts: Vec<ContactId> = Vec::new();
    for e in &wanting {
        if !contacts.contains(e.contact()) {
            contacts.push(e.contact().clone());
        }
    }
    for chunk in contacts.chunks(ASSOCIATION_BATCH_MAX) {
        let taken = super::baseline::take(client, chunk).await;
        for entry in wanting.iter().filter(|e| chunk.contains(e.contact())) {
            let Some(baseline) = chunk.iter().position(|c| c == entry.contact()).and_then(|i| taken.get(i)) else {
                continue;
            };
            // Read again: the rep or the privacy feature may have changed it meanwhile.
            let Some(Ok(mut e)) = load(store, &entry.id()).await? else { continue };
            if e.wants_baseline(now) {
                e.baseline = Some(baseline.clone());
                save(store, &mut e, clock.now_ms()).await?;
            }
        }
    }
    Ok(())
}

/// Makes an entry held for sign-in due now again (the sign-in happened meanwhile).
async fn release<S: Store>(store: &S, id: &EntryId, now: i64) -> Result<(), StoreError> {
    let Some(Ok(mut e)) = load(store, id).await? else { return Ok(()) };
    e.hold = None;
    e.next_attempt_at_ms = e.next_attempt_at_ms.min(now);
    save(store, &mut e, now).await
}

fn become_uncertain(e: &mut Entry, now: i64) {
    e.state = State::Uncertain { since_ms: now, first_miss_ms: None };
    e.next_attempt_at_ms = now + SETTLE_MS;
    e.hold = None;
}

/// Errors after which no request can succeed for a while: the entry is held, draining stops.
fn halt(err: &ApiError, now: i64, e: &mut Entry) -> Option<(Hold, i64)> {
    let (hold, until_ms) = match err {
        ApiError::RateLimited { policy, retry_at_ms } => {
            let until_ms = (*retry_at_ms).max(now + 1_000);
            (Hold::RateLimited { until_ms, policy: policy.clone() }, until_ms)
        }
        ApiError::Auth { failure: AuthFailure::SignedOut } => (Hold::SignedOut, now + SIGN_IN_RECHECK_MS),
        ApiError::Auth { failure: AuthFailure::NeedsReconnect { .. } } | ApiError::Unauthorized { .. } => {
            (Hold::NeedsReconnect, now + SIGN_IN_RECHECK_MS)
        }
        ApiError::Auth { failure: AuthFailure::Unreachable { .. } } | ApiError::Transport { .. } => {
            e.failures = e.failures.saturating_add(1);
            (Hold::Offline, now + backoff_ms(e.failures))
        }
        _ => return None,
    };
    e.hold = Some(hold.clone());
    e.next_attempt_at_ms = until_ms;
    Some((hold, until_ms))
}

/// A lookup or task completion that failed: the state stays, the attempt is repeated later.
async fn retry_later<S: Store>(store: &S, e: &mut Entry, err: &ApiError, now: i64) -> Result<Flow, StoreError> {
    if let Some((hold, until_ms)) = halt(err, now, e) {
        save(store, e, now).await?;
        return Ok(Flow::Stop { hold, until_ms, cause: err.clone() });
    }
    e.failures = e.failures.saturating_add(1);
    e.next_attempt_at_ms = now + backoff_ms(e.failures);
    e.hold = None;
    save(store, e, now).await?;
    Ok(Flow::Next)
}

fn fail(e: &mut Entry, err: &ApiError, call_id: Option<CallId>) {
    let failure = err.failure();
    e.state = State::Failed { code: failure.code, reason: failure.message, retry: true, call_id };
    e.hold = None;
}

async fn settle<S: Store>(
    store: &S,
    e: Entry,
    call_id: CallId,
    task_result: TaskResult,
    now: i64,
    report: &mut DrainReport,
) -> Result<Flow, StoreError> {
    let id = e.id();
    // The duplicate check is written before the entry leaves the outbox, so at every moment
    // the log is in one of the two: a worker stopped here cannot leave a resent create's
    // duplicate unchecked, and a second "Log call" still finds the call logged. If either
    // write fails the entry stays `Logged`: the next drain repeats the (idempotent) task
    // completion, writes the same check again and removes it; it is settled only once.
    if !e.check_scheduled {
        schedule_check(store, &e, &call_id, now).await?;
    }
    remove(store, &id).await?;
    report.settled.push(Settled {
        id,
        account: e.account,
        log: e.log,
        call_id,
        contact_name: e.contact_name,
        task: e.task,
        task_result,
        settled_at_ms: now,
    });
    Ok(Flow::Next)
}

/// Writes the duplicate check of a call HubSpot holds (with the entry's baseline when it has one).
async fn schedule_check<S: Store>(store: &S, e: &Entry, call_id: &CallId, now: i64) -> Result<(), StoreError> {
    let Some(account) = &e.account else { return Ok(()) };
    let baseline = e.baseline.as_ref().filter(|b| b.calls().is_some()).map(|b| (e.contact(), b));
    super::verify::schedule(store, account, e.id().as_str(), call_id, baseline, now).await
}

/// The other logged calls of `e`'s account whose task completion waits (held back while the
/// portal is busy), oldest first, as many as fit one batch update with `e`'s.
async fn waiting_completions<S: Store>(store: &S, e: &Entry) -> Result<Vec<Entry>, StoreError> {
    let (entries, _) = load_all(store).await?;
    Ok(entries
        .into_iter()
        .filter(|o| o.id() != e.id() && o.account.is_some() && o.account == e.account)
        .filter(|o| matches!(o.state, State::Logged { .. }) && o.task.is_some() && o.hold.is_none())
        .take(tasks::BATCH_UPDATE_MAX - 1)
        .collect())
}

/// Whether HubSpot's window was busy at this browser's previous task completion
/// (`keys::SPELL`). Absent or unreadable reads as quiet: the next busy completion may then go
/// alone, which costs one write and loses nothing.
async fn spell_was_busy<S: Store>(store: &S) -> bool {
    matches!(store.get(Area::Session, crate::keys::SPELL.key).await, Ok(Some(serde_json::Value::Bool(true))))
}

/// Records whether the window is busy at this completion, when that changed.
async fn note_spell<S: Store>(store: &S, was_busy: bool, busy: bool) {
    if was_busy != busy {
        // Lost, the next completion reads the old value: at most one completion goes alone or
        // waits its hold (never past it).
        let _ = store.set(Area::Session, crate::keys::SPELL.key, serde_json::Value::Bool(busy)).await;
    }
}

/// What became of `e`'s completion in a batch with others.
enum Together {
    /// Settled (completed, or the task is gone), with every rider HubSpot answered for.
    Done,
    /// Not sent, or the answer is lost: `e` tries again later (riders keep their own time).
    Retry(ApiError),
    /// HubSpot refused the batch, or named `e`'s task neither done nor gone: `e` goes alone.
    Alone,
}

/// One `tasks/batch/update` for `e`'s task and the riders' (issue 12): each rider HubSpot
/// answered for settles (read again first: the rep or the privacy feature may have changed it);
/// a rider it did not answer for keeps waiting for its own turn.
async fn complete_together<S, H, C, T>(
    store: &S,
    client: &Client<'_, H, C, T>,
    clock: &C,
    e: &Entry,
    task: &TaskId,
    riders: &[Entry],
    report: &mut DrainReport,
) -> Result<Together, StoreError>
where
    S: Store,
    H: Http,
    C: Clock,
    T: TokenSource,
{
    // Two calls on one task (dialed again while its completion waited) name it once: HubSpot
    // refuses a batch with an id twice.
    let mut ids = vec![task.clone()];
    for t in riders.iter().filter_map(|r| r.task.as_ref()) {
        if !ids.contains(t) {
            ids.push(t.clone());
        }
    }
    let done = match client.send(tasks::complete_tasks(&ids), Class::Write).await {
        Ok(resp) => match tasks::parse_batch_completed(&resp) {
            Ok(done) => done,
            // A 2xx we cannot read: updating to COMPLETED again is harmless.
            Err(err) => return Ok(Together::Retry(err)),
        },
        Err(
            ApiError::Validation { .. }
            | ApiError::MissingScopes { .. }
            | ApiError::Forbidden { .. }
            | ApiError::Rejected { .. }
            | ApiError::NotFound { .. },
        ) => return Ok(Together::Alone),
        Err(err) => return Ok(Together::Retry(err)),
    };
    let result_of = |t: &TaskId| {
        if done.completed.contains(t) {
            Some(TaskResult::Completed)
        } else if done.gone.contains(t) {
            Some(TaskResult::AlreadyGone)
        } else {
            None
        }
    };
    for rider in riders {
        let Some(t) = rider.task.as_ref() else { continue };
        let Some(result) = result_of(t) else { continue };
        let Some(Ok(now_stored)) = load(store, &rider.id()).await? else { continue };
        if let (State::Logged { call_id }, Some(same)) = (now_stored.state.clone(), now_stored.task.as_ref()) {
            if same == t && now_stored.account == e.account {
                settle(store, now_stored, call_id, result, clock.now_ms(), report).await?;
            }
        }
    }
    let Some(result) = result_of(task) else { return Ok(Together::Alone) };
    let State::Logged { call_id } = e.state.clone() else { return Ok(Together::Alone) };
    settle(store, e.clone(), call_id, result, clock.now_ms(), report).await?;
    Ok(Together::Done)
}

/// After a stop, every other active entry due before `until_ms` waits with the same hold, so
/// that `next_wake_at_ms` and the popup say what is really going on.
async fn hold_others<S: Store>(
    store: &S,
    except: &EntryId,
    hold: &Hold,
    until_ms: i64,
    now: i64,
    account: Option<&Account>,
) -> Result<(), StoreError> {
    let (entries, _) = load_all(store).await?;
    for mut e in entries {
        if e.belongs_to(account) && e.is_active() && &e.id() != except && e.next_attempt_at_ms < until_ms {
            e.hold = Some(hold.clone());
            e.next_attempt_at_ms = until_ms;
            save(store, &mut e, now).await?;
        }
    }
    Ok(())
}
