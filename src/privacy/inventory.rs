//! The storage inventory: the registry of keys (`crate::keys`) as the options page's "Data" page
//! and the README's "Data Spotdial keeps" section show it. Layer: core (pure). Tests check the
//! README holds exactly this text; `crate::keys` tests check every key written is registered.

use crate::keys::{self, StorageKey};
use crate::message::views::{KeyView, StoreArea};
use crate::ports::Area;

/// The registry's entry type, as the options page's "Data" page receives it.
pub type KeySpec = StorageKey;

/// The "Data" page's row for one registry entry (the wire view, `message::views::KeyView`).
pub fn view(spec: &KeySpec) -> KeyView {
    KeyView {
        pattern: spec.pattern(),
        area: match spec.area {
            Area::Local => StoreArea::Local,
            Area::Session => StoreArea::Session,
            Area::Managed => StoreArea::Managed,
        },
        holds: spec.holds.to_string(),
        kept: spec.kept.to_string(),
        contact_data: spec.contact_data,
        cleared_on_sign_out: spec.cleared_on_sign_out,
    }
}

/// The inventory, for the options page's "Data" page (serializes to a JSON list).
pub fn inventory() -> &'static [KeySpec] {
    &keys::ALL
}

/// Which registry entry a key belongs to, or `None` for a key Spotdial does not write.
pub fn classify_key(key: &str) -> Option<&'static KeySpec> {
    keys::classify(key)
}

/// True when `key` is in the registry.
pub fn is_known_key(key: &str) -> bool {
    keys::is_known(key)
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
    for spec in keys::ALL.iter() {
        let pattern = spec.pattern();
        let area = match spec.area {
            Area::Local => "local",
            Area::Session => "session",
            Area::Managed => "managed",
        };
        for cell in ["| `", pattern.as_str(), "` | ", area, " | ", spec.holds, " | ", spec.kept, " |\n"] {
            out.push_str(cell);
        }
    }
    out.push_str(
        "\n\
         - Call history older than 180 days is deleted every day and at start-up, counted from the\n\
         \x20 time of the call. An admin may set fewer days (policy `retentionDays`), never more.\n\
         - \"Delete prospect data\" (on the contact card, or by search in the options page) removes\n\
         \x20 everything Spotdial holds about one contact: its cached card, its queue entries, a call\n\
         \x20 in progress on it and its call history. HubSpot's own record is not touched. A call log\n\
         \x20 not yet sent is sent first, then removed, and no history is kept for it. Data another\n\
         \x20 version of Spotdial wrote and this one cannot read is kept, and the rep is told so.\n\
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
    fn the_options_page_gets_one_row_per_key_as_data_js_reads_it() {
        let value = serde_json::to_value(inventory().iter().map(view).collect::<Vec<_>>()).unwrap();
        let rows = value.as_array().unwrap();
        assert_eq!(rows.len(), keys::ALL.len());
        assert_eq!((rows[3]["pattern"].as_str(), rows[3]["area"].as_str()), (Some("auth:v1:refresh"), Some("local")));
        assert_eq!(
            rows[11],
            serde_json::json!({"pattern": "cache:v1:contact:<contact id>", "area": "session",
                "holds": keys::CONTACT_CARD.holds, "kept": keys::CONTACT_CARD.kept, "contact_data": true, "cleared_on_sign_out": true})
        );
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
    fn the_readme_section_lists_every_key_once() {
        let md = readme_section();
        for spec in keys::ALL.iter() {
            let cell = ["| `", &spec.pattern(), "` |"].concat();
            assert_eq!(md.matches(&cell).count(), 1, "{}", spec.key);
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
