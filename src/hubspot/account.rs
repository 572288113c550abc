//! Portal facts: `GET /account-info/2026-03/details` (API-FACTS §15, scope `oauth`): portal
//! id, UI domain (record URLs are built from it), data-hosting location and time zone.
//! Layer: core (pure).

use super::error::ApiError;
use super::model::{json_body, text, AccountDetails};
use super::version;
use crate::ids::PortalId;
use crate::ports::{HttpRequest, HttpResponse, Method};

pub fn account_details() -> HttpRequest {
    HttpRequest::new(Method::Get, version::url("account-info", "/details"))
}

pub fn parse_account_details(resp: &HttpResponse) -> Result<AccountDetails, ApiError> {
    let body = json_body(resp)?;
    // `portalId` is a JSON number in the docs; a string is accepted too.
    let portal = text(body.get("portalId")).filter(|p| crate::ids::is_digits(p));
    Ok(AccountDetails {
        portal_id: PortalId(portal.ok_or_else(|| ApiError::malformed("account details without a portal id"))?),
        ui_domain: text(body.get("uiDomain")),
        data_hosting_location: text(body.get("dataHostingLocation")),
        time_zone: text(body.get("timeZone")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_request_and_answer() {
        assert_eq!(account_details().url, "https://api.hubapi.com/account-info/2026-03/details");
        let body = r#"{"portalId":1234567,"accountType":"STANDARD","timeZone":"Europe/Berlin","companyCurrency":"EUR","additionalCurrencies":[],"utcOffset":"+01:00","utcOffsetMilliseconds":3600000,"uiDomain":"app-eu1.hubspot.com","dataHostingLocation":"eu1"}"#;
        let d = parse_account_details(&HttpResponse { status: 200, headers: vec![], body: body.into() }).unwrap();
        assert_eq!(d.portal_id, PortalId::new("1234567"));
        assert_eq!(d.ui_domain.as_deref(), Some("app-eu1.hubspot.com"));
        assert_eq!(d.data_hosting_location.as_deref(), Some("eu1"));
        assert_eq!(d.time_zone.as_deref(), Some("Europe/Berlin"));
        let bad = HttpResponse { status: 200, headers: vec![], body: r#"{"portalId":"12a"}"#.into() };
        assert!(matches!(parse_account_details(&bad), Err(ApiError::Malformed { .. })));
    }
}
