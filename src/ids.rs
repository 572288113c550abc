//! Identifier newtypes for HubSpot objects and portals.
//! Layer: core (pure). HubSpot sends every id as a string in JSON, so each newtype wraps the
//! string form; `is_numeric` is there for the places where HubSpot guarantees digits.

use crate::json_write::{Obj, ToJson};
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_newtype {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self { Self(value.into()) }
            pub fn as_str(&self) -> &str { &self.0 }
            /// True when the id is a non-empty run of ASCII digits, as HubSpot's record ids are.
            pub fn is_numeric(&self) -> bool { is_digits(&self.0) }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }

        impl crate::json_write::ToJson for $name {
            fn to_json(&self) -> serde_json::Value { self.0.to_json() }
        }
    )*};
}

id_newtype! {
    /// A HubSpot account ("portal", "hub").
    PortalId,
    /// A contact record (object type `0-1`).
    ContactId,
    /// A company record (object type `0-2`).
    CompanyId,
    /// A task record (object type `0-27`).
    TaskId,
    /// A call engagement (object type `0-48`).
    CallId,
    /// A CRM owner: the value for `hubspot_owner_id`. Not the same number as a user id.
    OwnerId,
    /// A HubSpot user, as the OAuth token names it. Map to an `OwnerId` before writing.
    UserId,
    /// A CRM list (the 2026-03 `listId`, not the legacy v1 id).
    ListId,
}

/// The HubSpot account and user something was made under (DESIGN §4): a call log, a call in
/// progress, a duplicate check or a history entry is sent or shown only under the same pair.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Account {
    pub portal: PortalId,
    pub user: UserId,
}

impl Account {
    /// The account a stored value names (`json_read`; serde's derive is the reference in tests).
    pub fn read(value: &serde_json::Value) -> Result<Account, String> {
        let f = crate::json_read::Fields::of("the account", value)?;
        Ok(Account {
            portal: PortalId::new(f.must("portal", crate::json_read::Fields::text)?),
            user: UserId::new(f.must("user", crate::json_read::Fields::text)?),
        })
    }
}

impl ToJson for Account {
    fn to_json(&self) -> serde_json::Value {
        Obj::new().put("portal", &self.portal).put("user", &self.user).done()
    }
}

/// True for a non-empty string of ASCII digits of a sane length.
pub fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The longest call id (`hs_call_external_id`) Spotdial makes or accepts.
pub const MAX_EXTERNAL_ID_LEN: usize = 100;

/// A call's external id as Spotdial makes them: 1 to 100 ASCII letters, digits, `-` or `_`.
/// Here, beside the other id rules, because the wire contract checks it on every request that
/// names a call before the outbox or the calls in progress see it.
pub fn valid_external_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_EXTERNAL_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_accounts_are_written_as_serde_writes_them() {
        let accounts = [Account { portal: PortalId::new("1"), user: UserId::new("") }];
        assert_eq!(crate::testing::agree_write(&accounts), 1);
        assert_eq!(crate::testing::agree_write(&[ContactId::new("9"), ContactId::new("\"")]), 2);
    }
}
