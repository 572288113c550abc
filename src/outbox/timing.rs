//! The outbox's timing: how long a lost write is given to show up in search, the backoff
//! between attempts, and how long one drain may wait in place before leaving it to the alarm.
//! Layer: core (pure). Every wait the outbox makes is derived from these constants.

/// Search is eventually consistent (API-FACTS §11: new records "can take a moment to
/// appear"). A lost create is first looked up no earlier than this after the loss, and the two
/// "not found" answers needed before a resend are at least this far apart.
pub const SETTLE_MS: i64 = 5_000;

/// The confirming "not found" (the second one) is taken no earlier than this after the loss,
/// so a resend only happens once HubSpot has had half a minute to index the call: a wide margin
/// over the lag of a few seconds, and the shortest delay `chrome.alarms` honours anyway.
pub const CONFIRM_AFTER_MS: i64 = 30_000;

/// Backoff between attempts: 30 s, 1 min, 2 min, 4 min, 8 min, then 15 min for ever. The first
/// step equals Chrome's minimum alarm delay, so the alarm never fires "too early".
pub const BACKOFF_BASE_MS: i64 = 30_000;
pub const BACKOFF_CAP_MS: i64 = 15 * 60_000;

/// While signed out or waiting for a reconnect, the alarm still looks again this often (a
/// sign-in also resumes the outbox at once through `resume_after_sign_in`).
pub const SIGN_IN_RECHECK_MS: i64 = BACKOFF_CAP_MS;

/// A drain sleeps in place (with `Clock::sleep`) for a wait no longer than this; longer
/// waits are left to the next drain, woken by the alarm at `next_wake_at_ms`.
pub const INLINE_WAIT_MAX_MS: i64 = 10_000;

/// Total in-place sleeping allowed in one drain: well inside the 30 s an idle MV3 service
/// worker is given, so a drain does not outlive its worker in the common case.
pub const DRAIN_SLEEP_BUDGET_MS: i64 = 20_000;

/// Passes over the stored entries in one drain (a pass handles every due entry once). Each
/// step leaves an entry removed, failed or due later, so this bound is a backstop, not a limit
/// reached in practice.
pub const MAX_PASSES: u32 = 20;

/// While HubSpot's window is busy (`budget::is_busy`), a logged call's task completion waits for
/// the rep's next one to ride with it in one batch update, sent right after that call's create,
/// so a busy portal spends 1.5 writes per call instead of 2 (issue 12: team scale). A
/// completion with another already waiting never waits. It waits at most this long after its
/// call was logged: a rep calling every minute logs the next call by then, and the two go in
/// one write. The call is in HubSpot already and Spotdial's queue has moved on; only HubSpot's
/// task status waits.
pub const COMPLETION_HOLD_MS: i64 = 90_000;

/// When the task completion of a call logged at `logged_at_ms` should go: `None` now (the
/// window is quiet, the completion has waited its hold, or it goes first in a busy spell), else
/// the time its hold ends. `used` and `max` are the window as the rate budget reads it
/// (`RateBudget::usage`).
///
/// A busy spell starts for a whole team at once: reps who start calling together fill the
/// window together. If each then held its next completion, the team would hold in one minute
/// and release in the next, in step, and the window would swing between half full and nearly
/// full every two minutes; `examples/team_scale` found every 429 of teams of 291 to 330 reps in
/// those swings. So the first completion of a spell (`was_busy`: whether the window was busy at
/// this browser's previous completion, `keys::SPELL`) goes at once when `goes_first` (drawn
/// from the call's random external id, `goes_first`), and the next one waits: the team splits
/// into two halves that hold in turn, and each rep still sends one write for two tasks.
pub fn completion_wait(
    logged_at_ms: i64,
    now_ms: i64,
    used: u32,
    max: u32,
    was_busy: bool,
    goes_first: bool,
) -> Option<i64> {
    let busy = crate::hubspot::budget::is_busy(used, max);
    let until = logged_at_ms.saturating_add(COMPLETION_HOLD_MS);
    let first_of_spell = !was_busy && goes_first;
    (busy && now_ms < until && !first_of_spell).then_some(until)
}

/// The coin of `completion_wait` for the call `external_id`: whether the code of its last
/// character is odd. Spotdial's external ids end in random hex (`external_id_from_random`), so
/// about half the calls go first; an id without characters never does.
pub fn goes_first(external_id: &str) -> bool {
    external_id.bytes().last().is_some_and(|b| b % 2 == 1)
}

// The first lookup happens inside the drain that lost the answer; the confirming one at least
// SETTLE_MS after it; and a drain's in-place sleeping stays inside a worker's idle lifetime.
const _: () = assert!(SETTLE_MS <= INLINE_WAIT_MAX_MS);
const _: () = assert!(CONFIRM_AFTER_MS >= 2 * SETTLE_MS);
const _: () = assert!(DRAIN_SLEEP_BUDGET_MS < 30_000);

/// The wait after `failures` consecutive failures (0 → none).
pub fn backoff_ms(failures: u32) -> i64 {
    if failures == 0 {
        return 0;
    }
    let shift = (failures - 1).min(6);
    (BACKOFF_BASE_MS << shift).min(BACKOFF_CAP_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_30_s_and_stops_at_15_min() {
        let waits: Vec<i64> = (0..10).map(backoff_ms).collect();
        assert_eq!(waits, [0, 30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000, 900_000]);
        assert_eq!(backoff_ms(u32::MAX), BACKOFF_CAP_MS);
    }

    #[test]
    fn a_completion_waits_only_while_the_window_is_busy_and_never_past_its_hold() {
        let logged = 1_000_000;
        // Inside a busy spell (busy at the previous completion), whichever way the coin falls.
        for goes_first in [false, true] {
            let wait = |now, used, max| completion_wait(logged, now, used, max, true, goes_first);
            // Quiet (under half of 110 used): at once, however young.
            assert_eq!(wait(logged, 54, 110), None);
            assert_eq!(wait(logged, 0, 110), None);
            // Busy: until the hold ends, then at once.
            assert_eq!(wait(logged, 55, 110), Some(logged + COMPLETION_HOLD_MS));
            assert_eq!(wait(logged + 30_000, 110, 110), Some(logged + COMPLETION_HOLD_MS));
            assert_eq!(wait(logged + COMPLETION_HOLD_MS, 110, 110), None);
            assert_eq!(wait(logged + 10 * COMPLETION_HOLD_MS, 110, 110), None);
        }
        // No window known yet (max 0 is never sent by HubSpot): busy by the arithmetic, still bounded.
        assert_eq!(completion_wait(i64::MAX, i64::MAX, 0, 0, true, false), None);
    }

    #[test]
    fn the_first_completion_of_a_busy_spell_goes_at_once_for_the_calls_that_go_first() {
        let logged = 1_000_000;
        // The window was quiet at the previous completion and is busy now: a spell starts.
        assert_eq!(completion_wait(logged, logged, 100, 110, false, true), None);
        assert_eq!(completion_wait(logged, logged, 100, 110, false, false), Some(logged + COMPLETION_HOLD_MS));
        // Still quiet: at once either way.
        assert_eq!(completion_wait(logged, logged, 10, 110, false, false), None);
    }

    #[test]
    fn about_half_of_random_external_ids_go_first() {
        // Every hex digit the random part can end in: exactly half go first.
        let first = "0123456789abcdef".chars().filter(|d| goes_first(&format!("spotdial-00{d}"))).count();
        assert_eq!(first, 8);
        assert!(!goes_first(""));
        // Its own coin per call: ids that differ in the last digit only may differ.
        assert_ne!(goes_first("spotdial-0a"), goes_first("spotdial-0b"));
    }
}
