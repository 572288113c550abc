//! The HubSpot API version and host, in one place: every request path is built here.
//! Layer: core (pure). Date-versioned paths (API-FACTS §0, §3) replace the numbered v1–v4
//! paths, which reach end of support in 2027; moving to 2026-09 is a one-line change.

/// The date-based API version every versioned path uses.
pub const API_VERSION: &str = "2026-03";

/// The API host (API-FACTS §15: `api.hubapi.com` serves every hublet; `api-eu1` is optional).
pub const API_BASE: &str = "https://api.hubapi.com";

/// `https://api.hubapi.com/{api}/2026-03{rest}`, e.g. `url("crm/objects", "/contacts")`.
/// `rest` is either empty or starts with `/` or `?`.
pub fn url(api: &str, rest: &str) -> String {
    [API_BASE, "/", api, "/", API_VERSION, rest].concat()
}

/// `…/crm/objects/2026-03/{object}{rest}` for `contacts`, `tasks`, `calls`.
pub fn objects_url(object: &str, rest: &str) -> String {
    url("crm/objects", &["/", object, rest].concat())
}

/// An unversioned legacy path (only `/calling/v1/dispositions`, which has no dated successor
/// outside a beta, API-FACTS §6).
pub fn legacy_url(path: &str) -> String {
    [API_BASE, path].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_carry_the_dated_version() {
        assert_eq!(
            objects_url("contacts", "/batch/read"),
            "https://api.hubapi.com/crm/objects/2026-03/contacts/batch/read"
        );
        assert_eq!(url("account-info", "/details"), "https://api.hubapi.com/account-info/2026-03/details");
    }
}
