//! The storage inventory: every key Spotdial writes, in which area, what it holds and how long
//! it is kept. Layer: core (pure). The options page's "Data" page and the README section are
//! both rendered from this one table, and tests check that every key written is listed here.

use crate::message::views::{KeyView, StoreArea};
use crate::ports::Area;
use serde::Serialize;

/// One kind of storage key. `pattern` is the key itself, or a prefix followed by a
/// `<placeholder>` naming what completes it (e.g. `cache:v1:contact:<contact id>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeySpec {
    pub pattern: &'static str,
    pub area: Area,
    pub holds: &'static str,
    pub kept: &'static str,
    /// May hold data about a HubSpot contact (name, company, numbers, ...): these are the keys
    /// "Delete prospect data" must look into.
    pub contact_data: bool,
    /// Removed when the rep signs out.
    pub cleared_on_sign_out: bool,
}

impl KeySpec {
    /// The fixed part of the pattern: all of it, or what comes before `<`.
    pub fn prefix(&self) -> &'static str {
        match self.pattern.find('<') {
            Some(at) => &self.pattern[..at],
            None => self.pattern,
        }
    }

    /// The "Data" page's row for this kind of key.
    pub fn view(&self) -> KeyView {
        KeyView {
            pattern: self.pattern.to_string(),
            area: match self.area {
                Area::Local => StoreArea::Local,
                Area::Session => StoreArea::Session,
                Area::Managed => StoreArea::Managed,
            },
            holds: self.holds.to_string(),
            kept: self.kept.to_string(),
            contact_data: self.contact_data,
            cleared_on_sign_out: self.cleared_on_sign_out,
        }
    }

    /// True when `key` is this kind of key.
    pub fn matches(&self, key: &str) -> bool {
        if self.pattern.contains('<') {
            key.strip_prefix(self.prefix()).is_some_and(|rest| !rest.is_empty())
        } else {
            key == self.pattern
        }
    }
}

const fn spec(
    pattern: &'static str,
    area: Area,
    holds: &'static str,
    kept: &'static str,
    contact_data: bool,
    cleared_on_sign_out: bool,
) -> KeySpec {
    KeySpec { pattern, area, holds, kept, contact_data, cleared_on_sign_out }
}

/// Every key Spotdial stores. Nothing else from HubSpot is ever written (DESIGN §3).
pub const INVENTORY: [KeySpec; 19] = [
    spec("auth:v1:access", Area::Session, "the HubSpot access token", "until it expires, sign-out or browser close", false, true),
    spec("auth:v1:issuer", Area::Local, "the client id and token broker the sign-in came from (no secret)", "until sign-out", false, true),
    spec("auth:v1:pending", Area::Session, "a sign-in in progress (state and PKCE verifier)", "until that sign-in ends", false, true),
    spec("auth:v1:refresh", Area::Local, "the HubSpot refresh token", "until sign-out", false, true),
    spec("auth:v1:retry", Area::Session, "when the next token refresh may be tried after one failed (Retry-After)", "until a refresh succeeds, sign-out or browser close", false, true),
    spec("auth:v1:state", Area::Local, "whether the rep is signed in, or must reconnect and why", "until sign-out", false, true),
    spec("profile:v1", Area::Local, "portal id, UI domain, hublet, the rep's email, user id and owner id", "until sign-out", false, true),
    spec("settings:v1", Area::Local, "the rep's own settings (dial scheme, default country, queue source; on an unmanaged browser the broker, app and portal); never admin policy", "until the extension is removed", false, false),
    spec("policy:v1", Area::Local, "a copy of the admin's policy (never the client secret), to start quickly", "until the policy changes or the extension is removed", false, false),
    spec("budget:v1", Area::Local, "the HubSpot rate-budget pause state (no HubSpot data)", "until sign-out", false, true),
    spec("cache:v1:contact:<contact id>", Area::Session, "one contact's dialing card: name, company, title, numbers, time zone, admin-mapped fields", "10 minutes, sign-out or browser close", true, true),
    spec("cache:v1:queue", Area::Session, "the call-task queue: task ids, subjects, due times, contact ids and their card fields", "2 minutes, sign-out or browser close", true, true),
    spec("cache:v1:outcomes", Area::Session, "the portal's call outcomes", "1 hour, sign-out or browser close", false, true),
    spec("calls:v1", Area::Local, "calls in progress: contact id and name, the number dialed and its dial URI, when it started, the task offered, the outcome and notes typed so far, and the HubSpot account and user it was made under", "until each call is logged or discarded (kept through sign-out and browser restarts)", true, false),
    spec("outbox:v1:<external id>", Area::Local, "an unsent call log: contact id and name, number, notes, outcome", "until HubSpot has it (kept through sign-out)", true, false),
    spec("verify:v1:<external id>", Area::Local, "a logged call's HubSpot id and times, to check HubSpot holds it once (no contact data)", "about 30 seconds after the call is logged (kept through sign-out)", false, false),
    spec("history:v1:<external id>", Area::Local, "the rep's own logged call: contact id, name, number, time, duration, outcome, HubSpot call id", "the retention period (180 days at most), or sign-out", true, true),
    spec("forget:v1:<external id>", Area::Local, "a mark on an unsent call log whose prospect was deleted: once sent, no history is kept for it", "until that log is sent", false, false),
    spec("storage:version", Area::Local, "the storage layout version (a number)", "until the extension is removed", false, false),
];

/// The inventory, for the options page's "Data" page (serializes to a JSON list).
pub fn inventory() -> &'static [KeySpec] {
    &INVENTORY
}

/// Which inventory entry a key belongs to, or `None` for a key Spotdial does not write.
pub fn classify_key(key: &str) -> Option<&'static KeySpec> {
    INVENTORY.iter().find(|spec| spec.matches(key))
}

/// True when `key` is listed in the inventory.
pub fn is_known_key(key: &str) -> bool {
    classify_key(key).is_some()
}

/// The README's "Data Spotdial keeps" section, as Markdown, generated from the inventory.
pub fn readme_section() -> String {
    let mut out = String::from(
        "## Data Spotdial keeps\n\
         \n\
         Spotdial keeps only what dialing needs: a contact's name, company, title and phone\n\
         numbers, the fields an admin maps, and the rep's own call history. Nothing else from\n\
         HubSpot is written to storage. Session storage is cleared when the browser closes; both\n\
         areas are closed to content scripts. The options page lists the same table under \"Data\".\n\
         \n\
         | key | area | holds | kept |\n\
         |---|---|---|---|\n",
    );
    for spec in INVENTORY.iter() {
        let area = match spec.area {
            Area::Local => "local",
            Area::Session => "session",
            Area::Managed => "managed",
        };
        for cell in ["| `", spec.pattern, "` | ", area, " | ", spec.holds, " | ", spec.kept, " |\n"] {
            out.push_str(cell);
        }
    }
    out.push_str(
        "\n\
         - Call history older than 180 days is deleted every day and at start-up, counted from the\n\
         \x20 time of the call. An admin may set fewer days (policy `retentionDays`), never more.\n\
         - \"Delete prospect data\" (on the contact card, or by search in the options page) removes\n\
         \x20 everything Spotdial holds about one contact: its cached card, its queue entries and its\n\
         \x20 call history. HubSpot's own record is not touched. A call log not yet sent is sent\n\
         \x20 first, then removed, and no history is kept for it.\n\
         - Signing out removes the tokens, the profile, every cache and the call history. Unsent\n\
         \x20 call logs are kept and sent after the next sign-in; the rep's own settings stay.\n\
         - Every key carries a layout version; at start-up older layouts are migrated. Caches may be\n\
         \x20 dropped then, unsent call logs and call history never.\n",
    );
    out
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
            let hits = INVENTORY.iter().filter(|s| s.matches(key)).count();
            assert_eq!(hits, 1, "{key}");
        }
        assert_eq!(samples.len(), INVENTORY.len());
    }

    #[test]
    fn unknown_and_incomplete_keys_are_refused() {
        for key in
            ["", "cache:v1:contact:", "outbox:v1:", "cache:v2:queue", "outbox", "tokens", "profile:v1:x", "history:v1"]
        {
            assert!(!is_known_key(key), "{key}");
        }
        assert_eq!(classify_key("cache:v1:contact:42").map(|s| s.area), Some(Area::Session));
    }

    #[test]
    fn the_auth_module_keys_are_listed_in_their_areas() {
        use crate::auth::keeper::{ACCESS_KEY, PENDING_KEY, REFRESH_KEY, STATE_KEY};
        for (key, area) in [
            (ACCESS_KEY, Area::Session),
            (PENDING_KEY, Area::Session),
            (REFRESH_KEY, Area::Local),
            (STATE_KEY, Area::Local),
        ] {
            assert_eq!(classify_key(key).map(|s| s.area), Some(area), "{key}");
        }
    }

    #[test]
    fn contact_data_never_survives_sign_out_except_unsent_logs() {
        // Unsent logs and calls in progress wait for the account they were made under.
        for spec in INVENTORY.iter().filter(|s| s.contact_data && !s.cleared_on_sign_out) {
            assert!(["outbox:v1:", "calls:v1"].contains(&spec.prefix()), "{}", spec.pattern);
        }
    }

    #[test]
    fn the_options_page_gets_a_json_list() {
        let value = serde_json::to_value(inventory()).unwrap();
        let rows = value.as_array().unwrap();
        assert_eq!(rows.len(), INVENTORY.len());
        assert_eq!(rows[3]["pattern"], "auth:v1:refresh");
        assert_eq!(rows[3]["area"], "local");
        assert_eq!(rows[10]["pattern"], "cache:v1:contact:<contact id>");
        assert_eq!(rows[10]["area"], "session");
    }

    #[test]
    fn the_readme_section_lists_every_key_once() {
        let md = readme_section();
        for spec in INVENTORY.iter() {
            let cell = ["| `", spec.pattern, "` |"].concat();
            assert_eq!(md.matches(&cell).count(), 1, "{}", spec.pattern);
        }
        assert!(md.starts_with("## Data Spotdial keeps\n"));
    }

    #[test]
    fn readme_contains_the_generated_section_verbatim() {
        let readme = include_str!("../../README.md");
        assert!(
            readme.contains(&readme_section()),
            "README.md is out of date: paste the output of `cargo run --example data_inventory`"
        );
    }
}
