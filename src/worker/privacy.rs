//! The privacy service: "Delete prospect data", the daily purge of old call history, the
//! inventory of what Spotdial keeps, finding a contact's data, and the rep's call history.
//! Layer: core (pure). What is kept, for how long and how it goes is `crate::privacy`.

use super::hub::Hub;
use super::{error, ALARM_PURGE};
use crate::ids::ContactId;
use crate::message::Response;
use crate::ports::{Browser, Clock, Http, Store};
use crate::privacy::{forget, history, inventory, retention};

pub struct Privacy<H: Http + 'static, S: Store + 'static, C: Clock + 'static, B: Browser + 'static> {
    hub: &'static Hub<H, S, C, B>,
}

impl<H: Http, S: Store, C: Clock, B: Browser> Privacy<H, S, C, B> {
    pub fn new(hub: &'static Hub<H, S, C, B>) -> Self {
        Privacy { hub }
    }

    /// "Delete prospect data": the contact's call in progress, caches and history (forget
    /// removes the call in progress under the calls lock).
    pub async fn forget(&self, contact: &ContactId) -> Response {
        match forget::forget_contact(self.hub.ports.store, contact).await {
            Ok(report) => Response::Forgotten { message: report.message() },
            Err(e) => error("storage", e.0, true),
        }
    }

    /// Deletes call history older than the retention period, and re-arms the daily purge.
    pub async fn purge(&self) {
        let ports = &self.hub.ports;
        let settings = crate::settings::load(ports.store).await;
        // What a failed purge leaves is tried again at the next daily alarm (re-armed below)
        // and at the next start; entries only wait longer, nothing else reads them as fresh.
        let _ = retention::purge(ports.store, ports.clock, settings.retention).await;
        let now = ports.clock.now_ms();
        ports.browser.set_alarm(ALARM_PURGE, retention::next_purge_at_ms(now));
    }

    /// What Spotdial keeps, for the options page, with the retention in force.
    pub async fn inventory(&self) -> Response {
        Response::Inventory {
            keys: inventory::inventory().iter().map(inventory::view).collect(),
            retention_days: crate::settings::load(self.hub.ports.store).await.retention.days(),
        }
    }

    /// The contacts whose data Spotdial keeps that match `query`.
    pub async fn find_contacts(&self, query: &str) -> Response {
        match forget::find_contacts(self.hub.ports.store, query).await {
            Ok(contacts) => Response::Found { contacts },
            Err(e) => error("storage", e.0, true),
        }
    }

    /// The rep's call history, newest first.
    pub async fn history(&self) -> Response {
        match history::list(self.hub.ports.store).await {
            Ok(calls) => Response::History { calls },
            Err(e) => error("storage", e.0, true),
        }
    }
}

#[cfg(test)]
#[path = "privacy_tests.rs"]
mod tests;
