//! Privacy and retention: what Spotdial keeps (the inventory), the rep's call history, the
//! daily purge, "Delete prospect data", the sign-out wipe and the storage-layout migration.
//! Layer: core (pure). Everything goes through `ports::Store`; time through `ports::Clock`.

pub mod forget;
pub mod history;
pub mod inventory;
pub mod migrate;
pub mod retention;
pub mod wipe;

pub use forget::{find_contacts, forget_contact, ForgetReport, FoundContact, FORGET_CONFIRMATION};
pub use history::{HistoryEntry, Recorded};
pub use inventory::{classify_key, inventory, is_known_key, readme_section, KeySpec};
pub use migrate::{migrate, MigrationReport, CURRENT_LAYOUT, LAYOUT_VERSION_KEY};
pub use retention::{next_purge_at_ms, purge, PurgeReport, RetentionDays, PURGE_ALARM};
pub use wipe::{wipe_on_sign_out, WipeReport};

#[cfg(test)]
mod world_tests;
