//! After a call is logged: make sure HubSpot holds it once. Layer: core (pure).
//! Below any code of ours, Chromium resends a request whose answer was lost on a reused
//! keep-alive connection (no response headers yet), POST included, and HubSpot's create has no
//! idempotency key: a call stored just before the connection dropped is then stored twice,
//! and the outbox only ever sees the second answer. So each settled call is looked up by its
//! `hs_call_external_id` once search has surely caught up (30 s, API-FACTS §11: one search per
//! call, which a portal's 5/s search limit carries for a large team), and any other call with
//! the same id is archived (recycle bin, §6). One small key per check, in local storage.

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

/// Runs every due check of `account` (the one signed in), one request at a time.
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
    for mut check in load_all(store).await? {
        let now = clock.now_ms();
        if check.next_at_ms > now || account.is_none() || check.account.as_ref() != account {
            continue;
        }
        match step(client, &mut check, now, &mut report).await {
            Ok(true) => {
                store.remove(Area::Local, &key(&check.external_id)).await?;
                report.done += 1;
            }
            Ok(false) => save(store, &check).await?,
            // HubSpot refuses the look-up or the archive for good (scopes, permissions): there
            // is nothing more this check can do, and retrying would only cost requests.
            Err(
                ApiError::MissingScopes { .. }
                | ApiError::Forbidden { .. }
                | ApiError::Validation { .. }
                | ApiError::Rejected { .. },
            ) => {
                store.remove(Area::Local, &key(&check.external_id)).await?;
                report.done += 1;
            }
            Err(err) => {
                check.failures = check.failures.saturating_add(1);
                check.next_at_ms = match &err {
                    ApiError::RateLimited { retry_at_ms, .. } => (*retry_at_ms).max(now + 1_000),
                    _ => now + backoff_ms(check.failures),
                };
                save(store, &check).await?;
                if matches!(err, ApiError::RateLimited { .. } | ApiError::Auth { .. } | ApiError::Transport { .. }) {
                    report.stopped = true;
                    break;
                }
            }
        }
    }
    Ok(report)
}

async fn save<S: Store>(store: &S, check: &Check) -> Result<(), StoreError> {
    let value = serde_json::to_value(check).map_err(|e| StoreError(e.to_string()))?;
    store.set(Area::Local, &key(&check.external_id), value).await
}

/// One look. `Ok(true)`: the check is finished.
async fn step<H: Http, C: Clock, T: TokenSource>(
    client: &Client<'_, H, C, T>,
    check: &mut Check,
    now: i64,
    report: &mut VerifyReport,
) -> Result<bool, ApiError> {
    // `now` only schedules the next look when our own call is not searchable yet.
    let resp = client.send(calls::search_call_by_external_id(&check.external_id), Class::Search).await?;
    let found = calls::parse_call_search_all(&resp, &check.external_id)?;
    check.checks = check.checks.saturating_add(1);
    check.failures = 0;
    if !found.contains(&check.call_id) && check.checks < MAX_CHECKS {
        // Our own call is not searchable yet, so a duplicate made with it may not be either.
        check.next_at_ms = now + SETTLE_MS;
        return Ok(false);
    }
    for duplicate in found.iter().filter(|id| **id != check.call_id) {
        match client.send(calls::archive_call(duplicate), Class::Write).await {
            Ok(_) => report.archived.push(duplicate.clone()),
            Err(ApiError::NotFound { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(true)
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
}
