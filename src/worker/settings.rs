//! The settings service: the options page reads the settings in force (each with where it comes
//! from) and saves the rep's own choices. Layer: core (pure). What a setting may hold and who
//! may change it is `crate::settings`.

use super::error;
use super::hub::Hub;
use crate::message::Response;
use crate::ports::{Browser, Clock, Http, Store};

pub struct SettingsService<H: Http + 'static, S: Store + 'static, C: Clock + 'static, B: Browser + 'static> {
    hub: &'static Hub<H, S, C, B>,
}

impl<H: Http, S: Store, C: Clock, B: Browser> SettingsService<H, S, C, B> {
    pub fn new(hub: &'static Hub<H, S, C, B>) -> Self {
        SettingsService { hub }
    }

    /// The settings in force, as the options page shows them.
    pub async fn view(&self) -> Response {
        Response::Settings(crate::settings::load(self.hub.ports.store).await.view())
    }

    /// Saves the rep's choices; nothing is saved when any value is refused.
    pub async fn save(&self, values: &serde_json::Value) -> Response {
        match crate::settings::save_rep(self.hub.ports.store, values).await {
            Ok(_) => self.view().await,
            Err(problems) => error("bad_setting", problems.join(" "), false),
        }
    }
}
