//! After a call is logged: make sure HubSpot holds it once. Layer: core (pure).
//! Below any code of ours, Chromium resends a request whose answer was lost on a reused
//! keep-alive connection (no response headers yet), POST included, and HubSpot's create has no
//! idempotency key: a call stored just before the connection dropped is then stored twice,
//! and the outbox only ever sees the second answer. So each settled call is looked up by its
//! `hs_call_external_id` once search has surely caught up (30 s, API-FACTS §11: one search per
//! call, which a portal's 5/s search limit carries for a large team), and any other call with
//! the same id is archived (recycle bin, §6). One small key per check, in local storage. Checks
//! share searches: one `IN` look-up covers every pending log of the rep (`run_due`).

use super::timing::{backoff_ms, CONFIRM_AFTER_MS, SETTLE_MS};
use crate::hubspot::{calls, ApiError, Class, Client};
use crate::ids::{Account, CallId};
use crate::ports::{Area, Clock, Http, Store, StoreError, TokenSource};
use serde::{Deserialize, Serialize};

/// `verify:v1:<external id>` in local storage: ids and times only, no contact data.
pub const VERIFY_PREFIX: &str = crate::keys::VERIFY.key;
/// Lookups while our own call is not searchable yet, before giving up on the check.
pub const MAX_CHECKS: u8 = 6;

/// One pending check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Duplicates archived.
    pub archived: Vec<CallId>,
    /// Checks finished (removed).
    pub done: usize,
    /// A rate limit, sign-in trouble or the network stopped the run.
    pub stopped: bool,
}

fn key(external_id: &str) -> String {
    [VERIFY_PREFIX, external_id].concat()
}

/// Schedules the check of a call just logged.
pub async fn schedule<S: Store>(
    store: &S,
    account: &Account,
    external_id: &str,
    call_id: &CallId,
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
    };
    let value = serde_json::to_value(&check).map_err(|e| StoreError(e.to_string()))?;
    store.set(Area::Local, &key(external_id), value).await
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
            match serde_json::from_value::<Check>(value) {
                Ok(check) if check.account.is_some() => out.push(check),
                // An unreadable check, or one that cannot say which account to look in,
                // guards nothing safely; it holds no log, so it may go.
                _ => store.remove(Area::Local, &k).await?,
            }
        }
    }
    out.sort_by_key(|c| c.next_at_ms);
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

/// Runs the checks of `account` (the one signed in) when one is due. One search looks up every
/// pending check at least `SETTLE_MS` old, due or not (up to `MAX_IDS_PER_SEARCH`, the due ones
/// first): a rep logging several calls in a minute costs one search, not one per log, and each
/// log is still checked `CONFIRM_AFTER_MS` after it at the latest. A check not yet due whose own
/// call is not searchable yet is left as it was: only due checks count their looks.
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
    // Sorted by due time already: the due ones lead, and fill the search first.
    let batch: Vec<Check> =
        mine.into_iter().filter(|c| c.since_ms <= now - SETTLE_MS).take(calls::MAX_IDS_PER_SEARCH).collect();
    let ids: Vec<&str> = batch.iter().map(|c| c.external_id.as_str()).collect();
    let found = match look_up(client, &ids).await {
        Ok(found) => found,
        // HubSpot refuses the look-up for good (scopes, permissions): there is nothing more
        // these checks can do, and retrying would only cost requests.
        Err(err) if refused_for_good(&err) => {
            for check in &batch {
                store.remove(Area::Local, &key(&check.external_id)).await?;
                report.done += 1;
            }
            return Ok(report);
        }
        Err(err) => {
            for mut check in batch.into_iter().filter(|c| c.next_at_ms <= now) {
                postpone(&mut check, &err, now);
                save(store, &check).await?;
            }
            report.stopped = stops_the_run(&err);
            return Ok(report);
        }
    };
    for mut check in batch {
        let calls: Vec<&CallId> =
            found.iter().filter(|(ext, _)| *ext == check.external_id).map(|(_, call)| call).collect();
        let due = check.next_at_ms <= now;
        if !calls.contains(&&check.call_id) {
            // Our own call is not searchable yet, so a duplicate made with it may not be either.
            if due {
                check.checks = check.checks.saturating_add(1);
                check.failures = 0;
                if check.checks < MAX_CHECKS {
                    check.next_at_ms = now + SETTLE_MS;
                    save(store, &check).await?;
                    continue;
                }
                // Looked long enough: the log stands as the outbox holds it.
            } else {
                continue;
            }
        }
        match archive_duplicates(client, &check, &calls, &mut report).await {
            Ok(()) => {
                store.remove(Area::Local, &key(&check.external_id)).await?;
                report.done += 1;
            }
            // The archive is refused for good: the check has done what it can.
            Err(err) if refused_for_good(&err) => {
                store.remove(Area::Local, &key(&check.external_id)).await?;
                report.done += 1;
            }
            Err(err) => {
                postpone(&mut check, &err, now);
                save(store, &check).await?;
                if stops_the_run(&err) {
                    report.stopped = true;
                    break;
                }
            }
        }
    }
    Ok(report)
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

/// A rate limit, sign-in trouble or the network: later requests would fail the same way.
fn stops_the_run(err: &ApiError) -> bool {
    matches!(err, ApiError::RateLimited { .. } | ApiError::Auth { .. } | ApiError::Transport { .. })
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
    let value = serde_json::to_value(check).map_err(|e| StoreError(e.to_string()))?;
    store.set(Area::Local, &key(&check.external_id), value).await
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

    fn scheduled() -> (FakeStore, FakeClock) {
        let store = FakeStore::default();
        let clock = FakeClock::at(T0);
        block_on(schedule(&store, &account_a(), "spotdial-a", &CallId::new("9002"), T0)).expect("schedule");
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
        assert!(report.stopped);
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
            block_on(schedule(&store, &account_a(), ext, &CallId::new(format!("900{i}")), at)).unwrap();
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
        block_on(schedule(&store, &account_a(), "spotdial-a", &CallId::new("9000"), T0)).unwrap();
        block_on(schedule(&store, &account_a(), "spotdial-b", &CallId::new("9001"), T0 + 10_000)).unwrap();
        block_on(schedule(&store, &account_a(), "spotdial-c", &CallId::new("9002"), T0 + CONFIRM_AFTER_MS - 1_000))
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
            block_on(schedule(&store, &account_a(), &ext, &CallId::new((9000 + i).to_string()), T0 + i as i64 * 100))
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
