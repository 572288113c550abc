//! After a call is logged: make sure HubSpot holds it once. Layer: core (pure).
//! Below any code of ours, Chromium resends a request whose answer was lost on a reused
//! keep-alive connection (no response headers yet), POST included, and HubSpot's create has no
//! idempotency key: a call stored just before the connection dropped is then stored twice,
//! and the outbox only ever sees the second answer. So each settled call is checked once
//! search has surely caught up (30 s, API-FACTS §11), and any other call with its
//! `hs_call_external_id` is archived (recycle bin, §6). One small key per check, in local storage.
//! A duplicate carries the same inline association to the contact as our call, so a check with
//! a baseline (the contact's calls before the first create, `baseline`) reads the contacts'
//! calls again in one association batch read (exempt from the ten-secondly window and no
//! search, §7): no new call but ours ends it; new calls are read in one batch read for their
//! external ids. Checks without a baseline (or whose contact's calls no longer fit one answer)
//! share searches: one `IN` look-up covers every pending log of the rep (`run_due`).

use super::baseline::{self, Baseline};
use super::timing::{backoff_ms, CONFIRM_AFTER_MS, SETTLE_MS};
use crate::hubspot::associations::ASSOCIATION_BATCH_MAX;
use crate::hubspot::contacts::BATCH_READ_MAX;
use crate::hubspot::{calls, ApiError, Class, Client};
use crate::ids::{Account, CallId, ContactId};
use crate::json_write::{Obj, ToJson};
use crate::ports::{Area, Clock, Http, Store, StoreError, TokenSource};
use serde::Serialize;

/// `verify:v1:<external id>` in local storage: ids and times only (the contact's id and call
/// ids, never a name, number or note).
pub const VERIFY_PREFIX: &str = crate::keys::VERIFY.key;
/// Lookups while our own call is not searchable yet, before giving up on the check.
pub const MAX_CHECKS: u8 = 6;

/// One pending check. Written by `to_json`, read by `stored::read_check` (serde's derives are
/// the reference both must agree with in tests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(serde::Deserialize))]
pub struct Check {
    /// The account the call was logged under: the look-up runs only under it. A check without
    /// one (written before checks recorded it) is dropped when read: it holds no log.
    #[serde(default)]
    pub account: Option<Account>,
    pub external_id: String,
    /// The call the outbox holds as the log; every other call with the external id goes.
    pub call_id: CallId,
    /// When the call was logged; the look is `CONFIRM_AFTER_MS` after it.
    pub since_ms: i64,
    pub checks: u8,
    pub next_at_ms: i64,
    pub failures: u32,
    /// The contact the call is on, with `baseline`: the check reads its calls, not a search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactId>,
    /// The contact's calls before the first create; `None` (no baseline, or a check written
    /// by an earlier version): the check searches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
}

impl ToJson for Check {
    fn to_json(&self) -> serde_json::Value {
        Obj::new()
            .put("account", &self.account)
            .put("external_id", &self.external_id)
            .put("call_id", &self.call_id)
            .put("since_ms", &self.since_ms)
            .put("checks", &self.checks)
            .put("next_at_ms", &self.next_at_ms)
            .put("failures", &self.failures)
            .some("contact", &self.contact)
            .some("baseline", &self.baseline)
            .done()
    }
}

impl Check {
    fn by_associations(&self) -> bool {
        self.contact.is_some() && self.baseline.as_ref().is_some_and(|b| b.calls().is_some())
    }

    /// The check falls back to the search from now on.
    fn without_baseline(mut self) -> Check {
        self.baseline = None;
        self
    }
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Duplicates archived.
    pub archived: Vec<CallId>,
    /// Checks finished (removed).
    pub done: usize,
    /// What stopped the run (a rate limit, sign-in trouble or the network), for the worker
    /// to act on as on any request's answer.
    pub stopped: Option<ApiError>,
}

impl VerifyReport {
    fn stop(&mut self, err: &ApiError) {
        self.stopped = Some(err.clone());
    }
}

fn key(external_id: &str) -> String {
    [VERIFY_PREFIX, external_id].concat()
}

/// Schedules the check of a call just logged; `baseline` is its contact and the calls that
/// contact had before the first create, when the outbox could read them.
pub async fn schedule<S: Store>(
    store: &S,
    account: &Account,
    external_id: &str,
    call_id: &CallId,
    baseline: Option<(&ContactId, &Baseline)>,
    now_ms: i64,
) -> Result<(), StoreError> {
    let check = Check {
        account: Some(account.clone()),
        external_id: external_id.to_string(),
        call_id: call_id.clone(),
        since_ms: now_ms,
        checks: 0,
        next_at_ms: now_ms + CONFIRM_AFTER_MS,
        failures: 0,
        contact: baseline.map(|(contact, _)| contact.clone()),
        baseline: baseline.map(|(_, b)| b.clone()),
    };
    let value = check.to_json();
    store.set(Area::Local, &key(external_id), value).await
}

/// Takes the contact out of pending checks (every one, or those of `only`): at sign-out and
/// when the rep deletes the prospect's data, nothing but an unsent log may name the contact.
/// Such a check still runs, by the search. Returns how many were rewritten.
pub async fn forget_contacts<S: Store>(store: &S, only: Option<&ContactId>) -> Result<usize, StoreError> {
    let mut rewritten = 0;
    for check in load_all(store).await? {
        let Some(contact) = &check.contact else { continue };
        if only.is_some_and(|only| only != contact) {
            continue;
        }
        let mut check = check.without_baseline();
        check.contact = None;
        save(store, &check).await?;
        rewritten += 1;
    }
    Ok(rewritten)
}

/// True while a check of `external_id` is pending (the log settled less than about a minute ago).
pub async fn is_pending<S: Store>(store: &S, external_id: &str) -> bool {
    matches!(store.get(Area::Local, &key(external_id)).await, Ok(Some(_)))
}

async fn load_all<S: Store>(store: &S) -> Result<Vec<Check>, StoreError> {
    let mut out = Vec::new();
    for k in store.keys(Area::Local).await? {
        if !k.starts_with(VERIFY_PREFIX) {
            continue;
        }
        if let Some(value) = store.get(Area::Local, &k).await? {
            match super::stored::read_check(&value) {
                Ok(check) if check.account.is_some() => out.push(check),
                // An unreadable check, or one that cannot say which account to look in,
                // guards nothing safely; it holds no log, so it may go.
                _ => store.remove(Area::Local, &k).await?,
            }
        }
    }
    crate::sorting::sort_by_key(&mut out, |c| c.next_at_ms);
    Ok(out)
}

/// When the next check of `account` is due, if any.
pub async fn next_due_at_ms<S: Store>(store: &S, account: Option<&Account>) -> Result<Option<i64>, StoreError> {
    Ok(load_all(store)
        .await?
        .iter()
        .filter(|c| account.is_some() && c.account.as_ref() == account)
        .map(|c| c.next_at_ms)
        .min())
}

/// Pages one batched look-up may read (200 calls a page): 50 logs with their duplicates fit in
/// one page; a portal answering more is paged on, within this bound.
const MAX_PAGES: usize = 4;

/// Runs the checks of `account` (the one signed in) when one is due. Every pending check at
/// least `SETTLE_MS` old joins the run, due or not, so a rep logging several calls in a minute
/// shares its requests, and each log is still checked `CONFIRM_AFTER_MS` after it at the latest.
/// Checks with a baseline go first, by one association read (no search); the rest, and those
/// whose contact's calls did not fit one answer, share one search (up to `MAX_IDS_PER_SEARCH`,
/// the due ones first), made only when one of them is due. A check not yet due whose own call
/// is not visible yet is left as it was: only due checks count their looks.
pub async fn run_due<S, H, C, T>(
    store: &S,
    client: &Client<'_, H, C, T>,
    clock: &C,
    account: Option<&Account>,
) -> Result<VerifyReport, StoreError>
where
    S: Store,
    H: Http,
    C: Clock,
    T: TokenSource,
{
    let mut report = VerifyReport::default();
    let Some(account) = account else { return Ok(report) };
    let now = clock.now_ms();
    let mine: Vec<Check> = load_all(store).await?.into_iter().filter(|c| c.account.as_ref() == Some(account)).collect();
    if !mine.iter().any(|c| c.next_at_ms <= now) {
        return Ok(report);
    }
    // Sorted by due time already: the due ones lead.
    let (by_associations, by_search): (Vec<Check>, Vec<Check>) =
        mine.into_iter().filter(|c| c.since_ms <= now - SETTLE_MS).partition(Check::by_associations);
    let mut by_search = by_search;
    if !by_associations.is_empty() {
        let fallback = run_by_associations(store, client, by_associations, now, &mut report).await?;
        if report.stopped.is_some() {
            return Ok(report);
        }
        by_search.extend(fallback);
    }
    // The due ones lead, and fill the search first.
    let (mut due, later): (Vec<Check>, Vec<Check>) = by_search.into_iter().partition(|c| c.next_at_ms <= now);
    if !due.is_empty() {
        due.extend(later);
        due.truncate(calls::MAX_IDS_PER_SEARCH);
        run_by_search(store, client, due, now, &mut report).await?;
    }
    Ok(report)
}

/// The checks with a baseline: one exempt read of their contacts' calls; calls new since the
/// baseline other than ours, when there are any, read in one batch read for their external
/// ids. Returns the checks that must use the search instead (their contact's calls no longer
/// fit one answer, or too many new calls to read at once).
async fn run_by_associations<S, H, C, T>(
    store: &S,
    client: &Client<'_, H, C, T>,
    checks: Vec<Check>,
    now: i64,
    report: &mut VerifyReport,
) -> Result<Vec<Check>, StoreError>
where
    S: Store,
    H: Http,
    C: Clock,
    T: TokenSource,
{
    let mut contacts: Vec<ContactId> = Vec::new();
    for contact in checks.iter().filter_map(|c| c.contact.as_ref()) {
        if !contacts.contains(contact) && contacts.len() < ASSOCIATION_BATCH_MAX {
            contacts.push(contact.clone());
        }
    }
    let read = match baseline::read_calls(client, &contacts).await {
        Ok(read) => read,
        // Refused for good (scopes): the search may still be allowed.
        Err(err) if refused_for_good(&err) => return Ok(checks.into_iter().map(Check::without_baseline).collect()),
        Err(err) => {
            for mut check in checks.into_iter().filter(|c| c.next_at_ms <= now) {
                postpone(&mut check, &err, now);
                save(store, &check).await?;
            }
            // A 429 on this exempt class holds back only it: the searches may go on.
            if stops_the_run(&err) && !matches!(err, ApiError::RateLimited { .. }) {
                report.stop(&err);
            }
            return Ok(Vec::new());
        }
    };
    let mut fallback = Vec::new();
    // (check, the calls new on its contact since the baseline, ours excepted)
    let mut with_new: Vec<(Check, Vec<CallId>)> = Vec::new();
    let mut to_read: Vec<CallId> = Vec::new();
    for mut check in checks {
        let position = check.contact.as_ref().and_then(|contact| contacts.iter().position(|c| c == contact));
        // A contact past the batch (over 1,000 in one run): next run.
        let Some(position) = position else { continue };
        let Some(Some(now_calls)) = read.get(position) else {
            fallback.push(check.without_baseline());
            continue;
        };
        if !now_calls.contains(&check.call_id) && !looked_long_enough(store, &mut check, now).await? {
            continue;
        }
        let before = check.baseline.as_ref().and_then(Baseline::calls).unwrap_or_default();
        let new: Vec<CallId> =
            now_calls.iter().filter(|c| **c != check.call_id && !before.contains(c)).cloned().collect();
        if new.is_empty() {
            // Nothing but our own call is new on the contact: no duplicate.
            end(store, &check, report).await?;
            continue;
        }
        let mut unread: Vec<CallId> = new.iter().filter(|c| !to_read.contains(c)).cloned().collect();
        if to_read.len() + unread.len() > BATCH_READ_MAX {
            fallback.push(check.without_baseline());
            continue;
        }
        to_read.append(&mut unread);
        with_new.push((check, new));
    }
    if with_new.is_empty() {
        return Ok(fallback);
    }
    // The new calls are a colleague's logs or duplicates of ours: their external ids tell.
    let found = match client.send(calls::batch_read_call_external_ids(&to_read), Class::Read).await {
        Ok(resp) => calls::parse_calls_by_external_id(&resp).map(|page| page.found),
        Err(err) => Err(err),
    };
    let found = match found {
        Ok(found) => found,
        Err(err) => {
            look_failed(store, with_new.into_iter().map(|(check, _)| check).collect(), &err, now, report).await?;
            return Ok(fallback);
        }
    };
    for (check, new) in with_new {
        // Exact comparison: our ids are ours, and only a call carrying one is a duplicate.
        let duplicates: Vec<&CallId> = found
            .iter()
            .filter(|(ext, call)| *ext == check.external_id && new.contains(call))
            .map(|(_, call)| call)
            .collect();
        if finish(store, client, check, &duplicates, now, report).await? {
            break;
        }
    }
    Ok(fallback)
}

/// The checks without a baseline: one search for all their external ids, as before baselines.
async fn run_by_search<S, H, C, T>(
    store: &S,
    client: &Client<'_, H, C, T>,
    batch: Vec<Check>,
    now: i64,
    report: &mut VerifyReport,
) -> Result<(), StoreError>
where
    S: Store,
    H: Http,
    C: Clock,
    T: TokenSource,
{
    let ids: Vec<&str> = batch.iter().map(|c| c.external_id.as_str()).collect();
    let found = match look_up(client, &ids).await {
        Ok(found) => found,
        Err(err) => return look_failed(store, batch, &err, now, report).await,
    };
    for mut check in batch {
        let calls: Vec<&CallId> =
            found.iter().filter(|(ext, _)| *ext == check.external_id).map(|(_, call)| call).collect();
        // Our own call is not searchable yet, so a duplicate made with it may not be either.
        if !calls.contains(&&check.call_id) && !looked_long_enough(store, &mut check, now).await? {
            continue;
        }
        if finish(store, client, check, &calls, now, report).await? {
            break;
        }
    }
    Ok(())
}

/// Our own call is not visible yet (not searchable, or not yet on its contact): a due check
/// counts the look and comes back `SETTLE_MS` later, up to `MAX_CHECKS` (then true: the log
/// stands as the outbox holds it, and what was seen is acted on); one not due is left as it was.
async fn looked_long_enough<S: Store>(store: &S, check: &mut Check, now: i64) -> Result<bool, StoreError> {
    if check.next_at_ms > now {
        return Ok(false);
    }
    check.checks = check.checks.saturating_add(1);
    check.failures = 0;
    if check.checks < MAX_CHECKS {
        check.next_at_ms = now + SETTLE_MS;
        save(store, check).await?;
        return Ok(false);
    }
    Ok(true)
}

/// Archives the check's duplicates and ends it, or keeps it for later when the archive fails.
/// True when the run must stop (a rate limit, sign-in trouble or the network).
async fn finish<S, H, C, T>(
    store: &S,
    client: &Client<'_, H, C, T>,
    mut check: Check,
    calls_with_the_id: &[&CallId],
    now: i64,
    report: &mut VerifyReport,
) -> Result<bool, StoreError>
where
    S: Store,
    H: Http,
    C: Clock,
    T: TokenSource,
{
    match archive_duplicates(client, &check, calls_with_the_id, report).await {
        // Done, or the archive is refused for good: the check has done what it can.
        Ok(()) => {}
        Err(err) if refused_for_good(&err) => {}
        Err(err) => {
            postpone(&mut check, &err, now);
            save(store, &check).await?;
            if stops_the_run(&err) {
                report.stop(&err);
                return Ok(true);
            }
            return Ok(false);
        }
    }
    end(store, &check, report).await?;
    Ok(false)
}

/// The check has done what it can: it goes.
async fn end<S: Store>(store: &S, check: &Check, report: &mut VerifyReport) -> Result<(), StoreError> {
    store.remove(Area::Local, &key(&check.external_id)).await?;
    report.done += 1;
    Ok(())
}

/// A look-up for `checks` failed. Refused for good (scopes, permissions): there is nothing
/// more these checks can do, and retrying would only cost requests. Otherwise the due ones
/// look again later, and the run stops when every further request would fail the same way.
async fn look_failed<S: Store>(
    store: &S,
    checks: Vec<Check>,
    err: &ApiError,
    now: i64,
    report: &mut VerifyReport,
) -> Result<(), StoreError> {
    for mut check in checks {
        if refused_for_good(err) {
            end(store, &check, report).await?;
        } else if check.next_at_ms <= now {
            postpone(&mut check, err, now);
            save(store, &check).await?;
        }
    }
    if stops_the_run(err) {
        report.stop(err);
    }
    Ok(())
}

/// HubSpot refuses for good (scopes, permissions, a request it will never take): retrying
/// would only cost requests.
fn refused_for_good(err: &ApiError) -> bool {
    matches!(
        err,
        ApiError::MissingScopes { .. }
            | ApiError::Forbidden { .. }
            | ApiError::Validation { .. }
            | ApiError::Rejected { .. }
    )
}

/// A rate limit, sign-in trouble (a token refused even after a refresh included) or the
/// network: later requests would fail the same way.
fn stops_the_run(err: &ApiError) -> bool {
    matches!(
        err,
        ApiError::RateLimited { .. }
            | ApiError::Auth { .. }
            | ApiError::Unauthorized { .. }
            | ApiError::Transport { .. }
    )
}

/// The next look after a failure: HubSpot's window for a rate limit, else the backoff.
fn postpone(check: &mut Check, err: &ApiError, now: i64) {
    check.failures = check.failures.saturating_add(1);
    check.next_at_ms = match err {
        ApiError::RateLimited { retry_at_ms, .. } => (*retry_at_ms).max(now + 1_000),
        _ => now + backoff_ms(check.failures),
    };
}

async fn save<S: Store>(store: &S, check: &Check) -> Result<(), StoreError> {
    store.set(Area::Local, &key(&check.external_id), check.to_json()).await
}

/// Every call carrying one of `ids`, as `(external id, call)`: one search, paged on when HubSpot
/// has more (never past `MAX_PAGES`). Ids are compared exactly by the caller: string search
/// matching is case-insensitive (§11).
async fn look_up<H: Http, C: Clock, T: TokenSource>(
    client: &Client<'_, H, C, T>,
    ids: &[&str],
) -> Result<Vec<(String, CallId)>, ApiError> {
    let mut found = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let resp = client.send(calls::search_calls_by_external_ids(ids, after.as_deref()), Class::Search).await?;
        let page = calls::parse_calls_by_external_id(&resp)?;
        found.extend(page.found);
        match page.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(found)
}

/// Archives every call with the check's external id but the one the outbox holds.
async fn archive_duplicates<H: Http, C: Clock, T: TokenSource>(
    client: &Client<'_, H, C, T>,
    check: &Check,
    calls_with_the_id: &[&CallId],
    report: &mut VerifyReport,
) -> Result<(), ApiError> {
    for duplicate in calls_with_the_id.iter().filter(|id| ***id != check.call_id) {
        match client.send(calls::archive_call(duplicate), Class::Write).await {
            Ok(_) => report.archived.push((*duplicate).clone()),
            Err(ApiError::NotFound { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hubspot::budget::RateBudget;
    use crate::ports::Method;
    use crate::testing::{block_on, response, FakeClock, FakeHttp, FakeStore, FakeTokens};

    const T0: i64 = 1_790_000_000_000;

    fn account_a() -> Account {
        Account { portal: crate::ids::PortalId::new("62515"), user: crate::ids::UserId::new("1001") }
    }

    #[test]
    fn a_check_runs_only_under_the_account_that_logged_the_call() {
        let (store, clock) = scheduled();
        let http = FakeHttp::responding(|_| Ok(response(200, &found(&["9002"]))));
        clock.advance(CONFIRM_AFTER_MS);
        let other = Account { portal: crate::ids::PortalId::new("26500001"), user: crate::ids::UserId::new("1003") };
        let tokens = FakeTokens::new();
        let client = Client::new(&http, &clock, &tokens, RateBudget::default());
        for account in [None, Some(&other)] {
            assert_eq!(block_on(run_due(&store, &client, &clock, account)).expect("store"), VerifyReport::default());
            assert_eq!(
                block_on(next_due_at_ms(&store, account)).unwrap(),
                None,
                "no alarm for another account's check"
            );
        }
        assert_eq!(http.count(), 0, "no look-up in another account");
        assert_eq!(run(&http, &store, &clock).done, 1);
    }

    #[test]
    fn a_check_that_cannot_name_its_account_is_dropped_unrun() {
        let store = FakeStore::default();
        let legacy = serde_json::json!({"external_id": "spotdial-a", "call_id": "9002", "since_ms": T0, "checks": 0, "next_at_ms": T0, "failures": 0});
        store.put(Area::Local, "verify:v1:spotdial-a", legacy);
        let http = FakeHttp::responding(|_| Ok(response(200, &found(&["9002"]))));
        let clock = FakeClock::at(T0 + CONFIRM_AFTER_MS);
        assert_eq!(run(&http, &store, &clock), VerifyReport::default());
        assert_eq!((http.count(), store.keys_in(Area::Local).len()), (0, 0));
    }

    fn found(ids: &[&str]) -> String {
        let results: Vec<_> = ids
            .iter()
            .map(|id| serde_json::json!({"id": id, "properties": {"hs_call_external_id": "spotdial-a"}}))
            .collect();
        serde_json::json!({"total": ids.len(), "results": results}).to_string()
    }

    fn run(http: &FakeHttp, store: &FakeStore, clock: &FakeClock) -> VerifyReport {
        let tokens = FakeTokens::new();
        let client = Client::new(http, clock, &tokens, RateBudget::default());
        block_on(run_due(store, &client, clock, Some(&account_a()))).expect("store")
    }

    #[test]
    fn forgetting_a_contact_leaves_its_checks_searching_and_the_others_as_they_were() {
        let store = FakeStore::default();
        let (ana, ben) = (ContactId::new("201"), ContactId::new("202"));
        let before = Baseline::taken(&[CallId::new("9001")]);
        for (id, call, contact) in [("spotdial-a", "9002", &ana), ("spotdial-b", "9003", &ben)] {
            block_on(schedule(&store, &account_a(), id, &CallId::new(call), Some((contact, &before)), T0))
                .expect("schedule");
        }
        let check = |id: &str| -> Check {
            serde_json::from_value(store.value(Area::Local, &key(id)).expect("kept")).expect("a check")
        };
        assert_eq!(block_on(forget_contacts(&store, Some(&ana))).unwrap(), 1);
        let a = check("spotdial-a");
        assert_eq!((a.contact.as_ref(), a.baseline.as_ref(), a.by_associations()), (None, None, false), "searches now");
        assert_eq!(a.call_id, CallId::new("9002"), "still guards the call");
        assert_eq!(check("spotdial-b").contact, Some(ben.clone()), "another prospect's check is untouched");
        assert_eq!(block_on(forget_contacts(&store, None)).unwrap(), 1, "sign-out: every check that names one");
        assert!(
            store.dump().iter().all(|(_, _, v)| !v.contains("\"201\"") && !v.contains("\"202\"")),
            "{:?}",
            store.dump()
        );
    }

    fn scheduled() -> (FakeStore, FakeClock) {
        let store = FakeStore::default();
        let clock = FakeClock::at(T0);
        block_on(schedule(&store, &account_a(), "spotdial-a", &CallId::new("9002"), None, T0)).expect("schedule");
        (store, clock)
    }

    #[test]
    fn a_duplicate_made_by_a_resent_post_is_archived_and_ours_kept() {
        let (store, clock) = scheduled();
        let http = FakeHttp::responding(|req| match req.method {
            Method::Post => Ok(response(200, &found(&["9001", "9002"]))),
            _ => Ok(response(204, "")),
        });
        clock.advance(SETTLE_MS);
        assert_eq!(run(&http, &store, &clock), VerifyReport::default(), "nothing before search has surely caught up");
        assert_eq!(http.count(), 0);

        clock.advance(CONFIRM_AFTER_MS - SETTLE_MS);
        let report = run(&http, &store, &clock);
        assert_eq!(report.archived, vec![CallId::new("9001")]);
        let sent = http.sent.borrow().clone();
        assert_eq!(sent.len(), 2, "one search, one archive");
        assert_eq!(
            (sent[1].method, sent[1].url.as_str()),
            (Method::Delete, "https://api.hubapi.com/crm/objects/2026-03/calls/9001")
        );
        assert_eq!(report.done, 1);
        assert_eq!(block_on(next_due_at_ms(&store, Some(&account_a()))).unwrap(), None);
        assert!(store.keys_in(Area::Local).is_empty());
    }

    #[test]
    fn a_single_call_is_left_alone() {
        let (store, clock) = scheduled();
        let http = FakeHttp::responding(|_| Ok(response(200, &found(&["9002"]))));
        clock.advance(CONFIRM_AFTER_MS);
        let report = run(&http, &store, &clock);
        assert_eq!((report.archived.len(), report.done), (0, 1));
        assert_eq!(http.count_where(|r| r.method == Method::Delete), 0);
    }

    #[test]
    fn while_our_call_is_not_searchable_nothing_is_archived_and_it_looks_again() {
        let (store, clock) = scheduled();
        let http = FakeHttp::responding(|_| Ok(response(200, &found(&["9001"]))));
        clock.advance(CONFIRM_AFTER_MS);
        let report = run(&http, &store, &clock);
        assert!(report.archived.is_empty(), "never archive when our own call is not visible yet");
        assert_eq!(
            block_on(next_due_at_ms(&store, Some(&account_a()))).unwrap(),
            Some(T0 + CONFIRM_AFTER_MS + SETTLE_MS)
        );
    }

    #[test]
    fn a_refused_archive_ends_the_check_instead_of_retrying_for_ever() {
        let (store, clock) = scheduled();
        let forbidden = r#"{"status":"error","message":"missing scopes","category":"MISSING_SCOPES","context":{"missingScopes":["crm.objects.calls.write"]}}"#;
        let http = FakeHttp::responding(move |req| match req.method {
            Method::Post => Ok(response(200, &found(&["9001", "9002"]))),
            _ => Ok(response(403, forbidden)),
        });
        clock.advance(CONFIRM_AFTER_MS);
        let report = run(&http, &store, &clock);
        assert_eq!((report.done, report.archived.len()), (1, 0));
        assert_eq!(block_on(next_due_at_ms(&store, Some(&account_a()))).unwrap(), None);
    }

    #[test]
    fn a_rate_limit_keeps_the_check_for_later_and_stops() {
        let (store, clock) = scheduled();
        let limited = r#"{"status":"error","message":"limit","errorType":"RATE_LIMIT","policyName":"SECONDLY"}"#;
        let http = FakeHttp::scripted(vec![Ok(response(429, limited))]);
        clock.advance(CONFIRM_AFTER_MS);
        let report = run(&http, &store, &clock);
        assert!(report.stopped.is_some());
        let next = block_on(next_due_at_ms(&store, Some(&account_a()))).unwrap().expect("kept");
        assert!(next > clock.now_ms());
    }

    #[test]
    fn a_token_refused_after_its_refresh_keeps_the_check_and_stops_the_run() {
        let (store, clock) = scheduled();
        let refused = r#"{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}"#;
        let http = FakeHttp::responding(move |_| Ok(response(401, refused)));
        clock.advance(CONFIRM_AFTER_MS);
        let report = run(&http, &store, &clock);
        assert!(matches!(report.stopped, Some(ApiError::Unauthorized { .. })), "{report:?}");
        assert_eq!(http.count(), 2, "one request and its one retry after the refresh, then nothing");
        let next = block_on(next_due_at_ms(&store, Some(&account_a()))).unwrap().expect("kept");
        assert!(next > clock.now_ms());
    }

    fn found_for(calls: &[(&str, &str)], next: Option<&str>) -> String {
        let results: Vec<_> = calls
            .iter()
            .map(|(ext, id)| serde_json::json!({"id": id, "properties": {"hs_call_external_id": ext}}))
            .collect();
        let mut body = serde_json::json!({"total": calls.len(), "results": results});
        if let Some(after) = next {
            body["paging"] = serde_json::json!({"next": {"after": after}});
        }
        body.to_string()
    }

    fn values_searched(req: &crate::ports::HttpRequest) -> Vec<String> {
        let body: serde_json::Value = serde_json::from_str(req.body.as_deref().unwrap_or("")).unwrap();
        serde_json::from_value(body["filterGroups"][0]["filters"][0]["values"].clone()).unwrap()
    }

    #[test]
    fn logs_a_few_seconds_apart_share_one_search() {
        let store = FakeStore::default();
        let clock = FakeClock::at(T0);
        for (i, ext) in ["spotdial-a", "spotdial-b", "spotdial-c"].iter().enumerate() {
            let at = T0 + i as i64 * 10_000;
            block_on(schedule(&store, &account_a(), ext, &CallId::new(format!("900{i}")), None, at)).unwrap();
        }
        let http = FakeHttp::responding(|req| match req.method {
            Method::Post => Ok(response(
                200,
                &found_for(
                    &[("spotdial-a", "9000"), ("spotdial-b", "9001"), ("spotdial-b", "8001"), ("spotdial-c", "9002")],
                    None,
                ),
            )),
            _ => Ok(response(204, "")),
        });
        clock.advance(CONFIRM_AFTER_MS); // the first log's check is due; the others are 20 s and 10 s old
        let report = run(&http, &store, &clock);
        assert_eq!(http.count_where(|r| r.method == Method::Post), 1, "one search for three logs");
        assert_eq!(values_searched(&http.sent.borrow()[0]), vec!["spotdial-a", "spotdial-b", "spotdial-c"]);
        assert_eq!(report.archived, vec![CallId::new("8001")], "the duplicate of the second log, found early");
        assert_eq!(report.done, 3);
        assert_eq!(block_on(next_due_at_ms(&store, Some(&account_a()))).unwrap(), None, "no second search");
    }

    #[test]
    fn a_log_too_fresh_to_be_searchable_waits_and_one_not_yet_due_is_not_charged_a_look() {
        let store = FakeStore::default();
        let clock = FakeClock::at(T0);
        block_on(schedule(&store, &account_a(), "spotdial-a", &CallId::new("9000"), None, T0)).unwrap();
        block_on(schedule(&store, &account_a(), "spotdial-b", &CallId::new("9001"), None, T0 + 10_000)).unwrap();
        block_on(schedule(
            &store,
            &account_a(),
            "spotdial-c",
            &CallId::new("9002"),
            None,
            T0 + CONFIRM_AFTER_MS - 1_000,
        ))
        .unwrap();
        // Only the first log is searchable yet.
        let http = FakeHttp::responding(|_| Ok(response(200, &found_for(&[("spotdial-a", "9000")], None))));
        clock.advance(CONFIRM_AFTER_MS);
        let report = run(&http, &store, &clock);
        assert_eq!(values_searched(&http.sent.borrow()[0]), vec!["spotdial-a", "spotdial-b"], "spotdial-c is 1 s old");
        assert_eq!(report.done, 1);
        let b: Check = serde_json::from_value(store.value(Area::Local, "verify:v1:spotdial-b").unwrap()).unwrap();
        assert_eq!((b.checks, b.next_at_ms), (0, T0 + 10_000 + CONFIRM_AFTER_MS), "not due: untouched");
        assert!(store.value(Area::Local, "verify:v1:spotdial-c").is_some());
    }

    #[test]
    fn sixty_pending_logs_take_two_searches_the_due_ones_first() {
        let store = FakeStore::default();
        let clock = FakeClock::at(T0);
        for i in 0..60 {
            let ext = format!("spotdial-{i:02}");
            block_on(schedule(
                &store,
                &account_a(),
                &ext,
                &CallId::new((9000 + i).to_string()),
                None,
                T0 + i as i64 * 100,
            ))
            .unwrap();
        }
        let http = FakeHttp::responding(|req| {
            let body: serde_json::Value = serde_json::from_str(req.body.as_deref().unwrap_or("")).unwrap();
            let ids: Vec<String> =
                serde_json::from_value(body["filterGroups"][0]["filters"][0]["values"].clone()).unwrap();
            let calls: Vec<(String, String)> =
                ids.iter().map(|e| (e.clone(), format!("{}", 9000 + e[9..].parse::<i64>().unwrap()))).collect();
            let refs: Vec<(&str, &str)> = calls.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            Ok(response(200, &found_for(&refs, None)))
        });
        clock.advance(CONFIRM_AFTER_MS);
        assert_eq!(run(&http, &store, &clock).done, 50);
        assert_eq!(values_searched(&http.sent.borrow()[0])[0], "spotdial-00", "the due check leads");
        clock.advance(6_000);
        assert_eq!(run(&http, &store, &clock).done, 10);
        assert_eq!(http.count(), 2);
        assert!(store.keys_in(Area::Local).is_empty());
    }

    #[test]
    fn a_duplicate_on_the_second_page_is_found() {
        let (store, clock) = scheduled();
        let http = FakeHttp::scripted(vec![
            Ok(response(200, &found_for(&[("spotdial-a", "9002")], Some("200")))),
            Ok(response(200, &found_for(&[("spotdial-a", "9001")], None))),
            Ok(response(204, "")),
        ]);
        clock.advance(CONFIRM_AFTER_MS);
        let report = run(&http, &store, &clock);
        assert_eq!(report.archived, vec![CallId::new("9001")]);
        let sent = http.sent.borrow();
        let second: serde_json::Value = serde_json::from_str(sent[1].body.as_deref().unwrap_or("")).unwrap();
        assert_eq!(second["after"], "200");
    }
}
