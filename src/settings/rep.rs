//! The rep's own settings (`settings:v1` in local storage): the few choices a rep may make where
//! no admin policy decides (dial scheme, default country, queue source, and on an unmanaged
//! browser the connection: broker, HubSpot app, portal). Layer: core (pure).
//! What the options page sends is checked here before anything is stored.

use super::fields::{self, PolicyError, SchemeName};
use super::SETTINGS_KEY;
use crate::ids::ListId;
use crate::json_write::{Obj, ToJson};
use crate::ports::{Area, Store};
use serde::Serialize;
use serde_json::Value;

/// The settings a rep may change (policy names; an admin's value always wins).
pub const REP_KEYS: [&str; 6] = ["dialScheme", "defaultCountry", "queueListId", "brokerUrl", "clientId", "portalId"];

/// The rep's choices; `None` means "no choice" (the default applies).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dial_scheme: Option<SchemeName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_country: Option<&'static str>,
    /// `None`: the queue is the rep's call tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_list_id: Option<ListId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portal_id: Option<String>,
}

impl ToJson for RepSettings {
    fn to_json(&self) -> Value {
        Obj::new()
            .some("dialScheme", &self.dial_scheme.map(SchemeName::as_str))
            .some("defaultCountry", &self.default_country)
            .some("queueListId", &self.queue_list_id)
            .some("brokerUrl", &self.broker_url)
            .some("clientId", &self.client_id)
            .some("portalId", &self.portal_id)
            .done()
    }
}

impl RepSettings {
    /// Reads an object of rep-level settings; `null` or a missing key clears that choice. Every
    /// refused value and every key a rep may not set is named.
    pub fn parse(input: &Value) -> Result<RepSettings, Vec<PolicyError>> {
        let Some(map) = input.as_object() else {
            return Err(vec![PolicyError::new(format!(
                "Settings must be an object of named values; they are {}.",
                fields::describe(input)
            ))]);
        };
        let mut out = RepSettings::default();
        let mut errors = Vec::new();
        for (key, value) in map.iter().filter(|(_, v)| !v.is_null()) {
            let result = match key.as_str() {
                "dialScheme" => fields::dial_scheme(value).map(|s| out.dial_scheme = Some(s)),
                "defaultCountry" => fields::country(value).map(|c| out.default_country = Some(c)),
                "queueListId" => fields::list_id(value).map(|l| out.queue_list_id = Some(l)),
                "brokerUrl" => fields::broker_url(value).map(|b| out.broker_url = Some(b.as_str().to_string())),
                "clientId" => fields::client_id(value).map(|c| out.client_id = Some(c)),
                "portalId" => fields::portal_id(value).map(|p| out.portal_id = Some(p.0)),
                other => Err(PolicyError::new(format!("\"{other}\" is not a setting a rep can change."))),
            };
            if let Err(error) = result {
                errors.push(error);
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// The stored form (the same names as policy).
    pub fn to_value(&self) -> Value {
        self.to_json()
    }
}

/// Checks what the options page sent and stores it as `settings:v1`. Nothing is stored when
/// any value is refused; the sentences say why.
pub async fn save_rep<S: Store>(store: &S, input: &Value) -> Result<RepSettings, Vec<String>> {
    let settings = RepSettings::parse(input)
        .map_err(|errors| errors.into_iter().map(|e| e.message().to_string()).collect::<Vec<_>>())?;
    store
        .set(Area::Local, SETTINGS_KEY, settings.to_value())
        .await
        .map_err(|e| vec![format!("Your settings could not be saved ({}).", e.0)])?;
    Ok(settings)
}

/// Sets the rep's queue list (`None`: back to the rep's call tasks), keeping the rep's other
/// choices as stored. A stored value this build refuses is named, and nothing is written.
pub async fn set_queue_list<S: Store>(store: &S, list: Option<ListId>) -> Result<RepSettings, Vec<String>> {
    let stored = store
        .get(Area::Local, SETTINGS_KEY)
        .await
        .map_err(|e| vec![format!("Your settings could not be read ({}).", e.0)])?;
    let mut settings = match stored {
        Some(value) => RepSettings::parse(&value)
            .map_err(|errors| errors.into_iter().map(|e| e.message().to_string()).collect::<Vec<_>>())?,
        None => RepSettings::default(),
    };
    settings.queue_list_id = list;
    store
        .set(Area::Local, SETTINGS_KEY, settings.to_value())
        .await
        .map_err(|e| vec![format!("Your settings could not be saved ({}).", e.0)])?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{block_on, FakeStore};
    use serde_json::json;

    #[test]
    fn a_rep_saves_rep_level_choices_in_settings_v1() {
        let store = FakeStore::default();
        let saved =
            block_on(save_rep(&store, &json!({"dialScheme": "CallTo", "defaultCountry": "de", "queueListId": null})));
        assert_eq!(
            saved,
            Ok(RepSettings {
                dial_scheme: Some(SchemeName::Callto),
                default_country: Some("DE"),
                ..RepSettings::default()
            })
        );
        assert_eq!(
            store.value(Area::Local, "settings:v1"),
            Some(json!({"dialScheme": "callto", "defaultCountry": "DE"}))
        );
    }

    #[test]
    fn refused_values_and_admin_only_keys_store_nothing() {
        let store = FakeStore::default();
        let errors =
            block_on(save_rep(&store, &json!({"dialScheme": "skype", "retentionDays": 400, "queueListId": "7"})))
                .unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("\"skype\"")));
        assert!(errors.iter().any(|e| e == "\"retentionDays\" is not a setting a rep can change."));
        assert!(store.keys_in(Area::Local).is_empty());
        assert!(block_on(save_rep(&store, &json!(["tel"]))).unwrap_err()[0].contains("a list"));
    }

    #[test]
    fn setting_the_queue_list_keeps_the_other_choices() {
        let store = FakeStore::default();
        block_on(save_rep(&store, &json!({"dialScheme": "callto", "queueListId": "7"}))).unwrap();
        let set = block_on(set_queue_list(&store, Some(ListId::new("42")))).unwrap();
        assert_eq!(set.queue_list_id, Some(ListId::new("42")));
        assert_eq!(store.value(Area::Local, "settings:v1"), Some(json!({"dialScheme": "callto", "queueListId": "42"})));
        block_on(set_queue_list(&store, None)).unwrap();
        assert_eq!(store.value(Area::Local, "settings:v1"), Some(json!({"dialScheme": "callto"})));
        // A stored value this build refuses is named, and nothing is overwritten.
        store.put(Area::Local, "settings:v1", json!({"dialScheme": "skype"}));
        let errors = block_on(set_queue_list(&store, Some(ListId::new("42")))).unwrap_err();
        assert!(errors[0].contains("\"skype\""), "{errors:?}");
        assert_eq!(store.value(Area::Local, "settings:v1"), Some(json!({"dialScheme": "skype"})));
    }

    #[test]
    fn a_storage_failure_is_a_sentence() {
        let store = FakeStore::default();
        store.fail_writes.set(true);
        let errors = block_on(save_rep(&store, &json!({"dialScheme": "tel"}))).unwrap_err();
        assert_eq!(errors, ["Your settings could not be saved (QUOTA_BYTES quota exceeded)."]);
    }
}
