//! The registry of storage keys: every key and key prefix Spotdial keeps in `chrome.storage`,
//! with its area, what it holds, whether it holds prospect data and how long it is kept.
//! Layer: core (pure leaf: depends on `ports::Area` only). Writers, the inventory (options page
//! and README), forget, the sign-out wipe, retention and migration all name keys from here.

use crate::ports::Area;

/// One kind of storage key: the key itself, or a prefix completed by what `completed_by` names
/// (`cache:v1:contact:` + a contact id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageKey {
    /// The whole key, or its fixed prefix when `completed_by` is set.
    pub key: &'static str,
    /// What completes the prefix (`"contact id"`), `None` for a key used as it is.
    pub completed_by: Option<&'static str>,
    pub area: Area,
    /// What the value holds, as the options page and the README say it.
    pub holds: &'static str,
    /// How long it is kept.
    pub kept: &'static str,
    /// May hold data about a HubSpot contact (name, company, numbers, ...): "Delete prospect
    /// data" reads every such key.
    pub contact_data: bool,
    /// Removed when the rep signs out.
    pub cleared_on_sign_out: bool,
}

impl StorageKey {
    /// The key as documented: `cache:v1:contact:<contact id>` for a prefix.
    pub fn pattern(&self) -> String {
        match self.completed_by {
            Some(what) => [self.key, "<", what, ">"].concat(),
            None => self.key.to_string(),
        }
    }

    /// True when `key` is this kind of key (a prefix needs something after it).
    pub fn matches(&self, key: &str) -> bool {
        match self.completed_by {
            Some(_) => key.strip_prefix(self.key).is_some_and(|rest| !rest.is_empty()),
            None => key == self.key,
        }
    }

    /// The full key for `suffix` (a contact id, an external id); `None` when `suffix` is empty,
    /// since a bare prefix is no key. For a fixed key, `suffix` is ignored.
    pub fn with(&self, suffix: &str) -> Option<String> {
        match self.completed_by {
            Some(_) if suffix.is_empty() => None,
            Some(_) => Some([self.key, suffix].concat()),
            None => Some(self.key.to_string()),
        }
    }

    /// The family: the key's text before its first `:` (`outbox` for `outbox:v1:`). Another
    /// layout's keys of the same family hold the same kind of data.
    pub fn family(&self) -> &'static str {
        family(self.key)
    }
}

const fn fixed(key: &'static str, area: Area, holds: &'static str, kept: &'static str) -> StorageKey {
    StorageKey { key, completed_by: None, area, holds, kept, contact_data: false, cleared_on_sign_out: true }
}

const fn prefix(
    key: &'static str,
    completed_by: &'static str,
    area: Area,
    holds: &'static str,
    kept: &'static str,
) -> StorageKey {
    StorageKey { completed_by: Some(completed_by), ..fixed(key, area, holds, kept) }
}

const fn with_contact_data(spec: StorageKey) -> StorageKey {
    StorageKey { contact_data: true, ..spec }
}

const fn kept_on_sign_out(spec: StorageKey) -> StorageKey {
    StorageKey { cleared_on_sign_out: false, ..spec }
}

/// The HubSpot access token and its expiry (`auth::keeper`).
pub const AUTH_ACCESS: StorageKey =
    fixed("auth:v1:access", Area::Session, "the HubSpot access token", "until it expires, sign-out or browser close");
/// Which app and token service the stored tokens came from (`auth::keeper`).
pub const AUTH_ISSUER: StorageKey = fixed(
    "auth:v1:issuer",
    Area::Local,
    "the client id and token broker the sign-in came from (no secret)",
    "until sign-out",
);
/// The sign-in waiting for its redirect (`auth::keeper`).
pub const AUTH_PENDING: StorageKey = fixed(
    "auth:v1:pending",
    Area::Session,
    "a sign-in in progress (state and PKCE verifier)",
    "until that sign-in ends",
);
/// The refresh token (`auth::keeper`).
pub const AUTH_REFRESH: StorageKey =
    fixed("auth:v1:refresh", Area::Local, "the HubSpot refresh token", "until sign-out");
/// When the next refresh may be tried after one failed (`auth::keeper`).
pub const AUTH_RETRY: StorageKey = fixed(
    "auth:v1:retry",
    Area::Session,
    "when the next token refresh may be tried after one failed (Retry-After)",
    "until a refresh succeeds, sign-out or browser close",
);
/// `AuthState` (`auth::keeper`).
pub const AUTH_STATE: StorageKey =
    fixed("auth:v1:state", Area::Local, "whether the rep is signed in, or must reconnect and why", "until sign-out");
/// The rep's HubSpot profile (`worker::account`).
pub const PROFILE: StorageKey = fixed(
    "profile:v1",
    Area::Local,
    "portal id, UI domain, hublet, the rep's email, user id and owner id",
    "until sign-out",
);
/// The rep's own settings (`settings::rep`).
pub const SETTINGS: StorageKey = kept_on_sign_out(fixed(
    "settings:v1",
    Area::Local,
    "the rep's own settings (dial scheme, default country, queue source; on an unmanaged browser the broker, app and portal); never admin policy",
    "until the extension is removed",
));
/// The last admin policy seen, minus any secret (`settings`).
pub const POLICY: StorageKey = kept_on_sign_out(fixed(
    "policy:v1",
    Area::Local,
    "a copy of the admin's policy (never the client secret), to start quickly",
    "until the policy changes or the extension is removed",
));
/// The rate-budget pause (`worker`).
pub const BUDGET: StorageKey =
    fixed("budget:v1", Area::Local, "the HubSpot rate-budget pause state (no HubSpot data)", "until sign-out");
/// Whether HubSpot's window was busy at this browser's last task completion
/// (`outbox::timing::completion_wait`: a busy spell's first completion may go at once).
pub const SPELL: StorageKey = fixed(
    "spell:v1",
    Area::Session,
    "whether HubSpot was busy at this browser's last task completion (true or false; no HubSpot data)",
    "until sign-out or browser close",
);
/// One contact's card facts (`worker::card`, `CachedContact`).
pub const CONTACT_CARD: StorageKey = with_contact_data(prefix(
    "cache:v1:contact:",
    "contact id",
    Area::Session,
    "one contact's dialing card: name, company, title, numbers, time zone, admin-mapped fields, the ids of its tasks",
    "10 minutes, sign-out or browser close",
));
/// The queue as the popup shows it (`worker::queue`, `QueueView`).
pub const QUEUE: StorageKey = with_contact_data(fixed(
    "cache:v1:queue",
    Area::Session,
    "the call-task queue: task ids, subjects, due times, contact ids and their card fields",
    "2 minutes (10 while HubSpot is busy), sign-out or browser close",
));
/// The portal's call outcomes (`worker::card`).
pub const OUTCOMES: StorageKey =
    fixed("cache:v1:outcomes", Area::Session, "the portal's call outcomes", "1 hour, sign-out or browser close");
/// Every call in progress, `{"calls": [CallEntry, ...]}` (`calls`).
pub const CALLS: StorageKey = kept_on_sign_out(with_contact_data(fixed(
    "calls:v1",
    Area::Local,
    "calls in progress: contact id and name, the number dialed and its dial URI, when it started, the task offered, the outcome and notes typed so far, and the HubSpot account and user it was made under",
    "until each call is logged or discarded (kept through sign-out and browser restarts)",
)));
/// One unsent call log, `outbox::Entry` (`outbox::entry`).
pub const OUTBOX: StorageKey = kept_on_sign_out(with_contact_data(prefix(
    "outbox:v1:",
    "external id",
    Area::Local,
    "an unsent call log: contact id and name, number, notes, outcome",
    "until HubSpot has it and its task is completed (kept through sign-out); on a busy portal a completion waits up to 90 s to go with the rep's next one",
)));
/// A logged call waiting to be checked once more (`outbox::verify`).
pub const VERIFY: StorageKey = kept_on_sign_out(with_contact_data(prefix(
    "verify:v1:",
    "external id",
    Area::Local,
    "a logged call's HubSpot id and times, and its contact's id with the ids of the calls that contact had before, to check HubSpot holds it once (no name, number or notes)",
    "about 30 seconds after the call is logged (kept through sign-out without the contact's id)",
)));
/// One call the rep logged, `HistoryEntry` (`privacy::history`).
pub const HISTORY: StorageKey = with_contact_data(prefix(
    "history:v1:",
    "external id",
    Area::Local,
    "the rep's own logged call: contact id, name, number, time, duration, outcome, HubSpot call id",
    "the retention period (180 days at most), or sign-out",
));
/// The mark left on an unsent log whose prospect was deleted (`privacy::forget`).
pub const FORGET_MARK: StorageKey = kept_on_sign_out(prefix(
    "forget:v1:",
    "external id",
    Area::Local,
    "a mark on an unsent call log whose prospect was deleted: once sent, no history is kept for it",
    "until that log is sent",
));
/// The storage layout version (`privacy::migrate`).
pub const LAYOUT_VERSION: StorageKey = kept_on_sign_out(fixed(
    "storage:version",
    Area::Local,
    "the storage layout version (a number)",
    "until the extension is removed",
));

/// Every key Spotdial writes, in the order the options page and the README list them. Nothing
/// else from HubSpot is ever written (DESIGN §3).
pub const ALL: [StorageKey; 20] = [
    AUTH_ACCESS,
    AUTH_ISSUER,
    AUTH_PENDING,
    AUTH_REFRESH,
    AUTH_RETRY,
    AUTH_STATE,
    PROFILE,
    SETTINGS,
    POLICY,
    BUDGET,
    SPELL,
    CONTACT_CARD,
    QUEUE,
    OUTCOMES,
    CALLS,
    OUTBOX,
    VERIFY,
    HISTORY,
    FORGET_MARK,
    LAYOUT_VERSION,
];

/// Keys of an earlier layout that this build no longer writes, only reads once to migrate:
/// one session key per call in progress, without its account (`calls::migrate_legacy`).
pub const RETIRED_CALL: StorageKey = with_contact_data(prefix(
    "call:v1:",
    "external id",
    Area::Session,
    "a call in progress, as the previous layout kept it",
    "moved into calls:v1 when the worker starts",
));

/// The family of any stored key: its text before the first `:`.
pub fn family(key: &str) -> &str {
    key.split(':').next().unwrap_or(key)
}

/// Which registry entry a key belongs to, or `None` for a key Spotdial does not write.
pub fn classify(key: &str) -> Option<&'static StorageKey> {
    ALL.iter().find(|spec| spec.matches(key))
}

/// True when `key` is in the registry.
pub fn is_known(key: &str) -> bool {
    classify(key).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_key_classifies_to_exactly_one_entry() {
        let samples = [
            "auth:v1:access",
            "auth:v1:issuer",
            "auth:v1:pending",
            "auth:v1:refresh",
            "auth:v1:retry",
            "auth:v1:state",
            "profile:v1",
            "settings:v1",
            "policy:v1",
            "budget:v1",
            "spell:v1",
            "cache:v1:contact:901",
            "cache:v1:queue",
            "cache:v1:outcomes",
            "calls:v1",
            "outbox:v1:3f2a",
            "verify:v1:3f2a",
            "history:v1:3f2a",
            "forget:v1:3f2a",
            "storage:version",
        ];
        for key in samples {
            let hits = ALL.iter().filter(|s| s.matches(key)).count();
            assert_eq!(hits, 1, "{key}");
        }
        assert_eq!(samples.len(), ALL.len());
    }

    #[test]
    fn unknown_incomplete_and_retired_keys_are_refused() {
        for key in [
            "",
            "cache:v1:contact:",
            "outbox:v1:",
            "cache:v2:queue",
            "outbox",
            "tokens",
            "profile:v1:x",
            "history:v1",
            "call:v1:spotdial-1",
        ] {
            assert!(!is_known(key), "{key}");
        }
        assert_eq!(classify("cache:v1:contact:42"), Some(&CONTACT_CARD));
        assert!(RETIRED_CALL.matches("call:v1:spotdial-1"));
    }

    #[test]
    fn keys_are_made_only_from_a_non_empty_suffix() {
        assert_eq!(CONTACT_CARD.with("42").as_deref(), Some("cache:v1:contact:42"));
        assert_eq!(OUTBOX.with(""), None);
        assert_eq!(QUEUE.with("ignored").as_deref(), Some("cache:v1:queue"));
        assert_eq!(CONTACT_CARD.pattern(), "cache:v1:contact:<contact id>");
        assert_eq!((OUTBOX.family(), LAYOUT_VERSION.family()), ("outbox", "storage"));
    }

    #[test]
    fn every_key_carries_a_version_and_no_two_entries_overlap() {
        for spec in ALL.iter() {
            assert!(spec.key.contains(":v1") || spec.key == "storage:version", "{}", spec.key);
            for other in ALL.iter().filter(|o| o.key != spec.key) {
                assert!(!other.matches(&spec.with("x").unwrap_or_default()), "{} and {}", spec.key, other.key);
            }
        }
    }

    #[test]
    fn contact_data_never_survives_sign_out_except_unsent_logs_and_calls_in_progress() {
        // Unsent logs and calls in progress wait for the account they were made under. A
        // duplicate check stays to guard its call, with its contact's id taken out at sign-out
        // (`privacy::wipe`, `outbox::verify::forget_contacts`).
        let kept: Vec<&str> = ALL.iter().filter(|s| s.contact_data && !s.cleared_on_sign_out).map(|s| s.key).collect();
        assert_eq!(kept, [CALLS.key, OUTBOX.key, VERIFY.key]);
    }
}
