//! The admin's extra contact properties the worker may read, checked against the portal's
//! non-sensitive definitions (DESIGN §3: sensitive properties never). Layer: core (pure).
//! A service with one cache: the definitions, read at most once an hour.

use super::hub::Hub;
use crate::hubspot::budget::Class;
use crate::hubspot::model::PropertyDef;
use crate::hubspot::properties::{admissible, list_contact_properties, parse_property_defs, PropertyName};
use crate::ports::{Browser, Clock, Http, Store};
use crate::settings::Settings;
use std::cell::RefCell;

/// How long the portal's property definitions are trusted without asking HubSpot again.
const DEFS_CACHE_MS: i64 = 3_600_000;

pub struct Properties<H: Http + 'static, S: Store + 'static, C: Clock + 'static, B: Browser + 'static> {
    hub: &'static Hub<H, S, C, B>,
    /// The portal's non-sensitive contact property definitions, with when they were read.
    defs: RefCell<Option<(i64, Vec<PropertyDef>)>>,
}

impl<H: Http, S: Store, C: Clock, B: Browser> Properties<H, S, C, B> {
    pub fn new(hub: &'static Hub<H, S, C, B>) -> Self {
        Properties { hub, defs: RefCell::new(None) }
    }

    /// `(phone properties, card fields)` that may be read. No extra property configured: no
    /// request. Definitions unreadable: none admitted.
    pub async fn admitted(&self, settings: &Settings) -> (Vec<PropertyName>, Vec<PropertyName>) {
        if settings.phone_properties.is_empty() && settings.mapped_properties.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let now = self.hub.ports.clock.now_ms();
        let fresh = self.defs.borrow().as_ref().is_some_and(|(at, _)| (0..DEFS_CACHE_MS).contains(&(now - at)));
        if !fresh {
            let read =
                self.hub.api(list_contact_properties(), Class::Read).await.and_then(|resp| parse_property_defs(&resp));
            match read {
                Ok(defs) => *self.defs.borrow_mut() = Some((now, defs)),
                Err(_) => return (Vec::new(), Vec::new()),
            }
        }
        let defs = self.defs.borrow();
        let defs = defs.as_ref().map(|(_, d)| d.as_slice()).unwrap_or(&[]);
        let names = |list: &[PropertyName]| {
            admissible(&list.iter().map(|p| p.as_str().to_string()).collect::<Vec<_>>(), defs).0
        };
        (names(&settings.phone_properties), names(&settings.mapped_properties))
    }
}
