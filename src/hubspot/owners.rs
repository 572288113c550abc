//! Owner lookup (API-FACTS §8): the OAuth token names a *user*; `hubspot_owner_id` needs the
//! *owner* id, found with `GET /crm/owners/2026-03/{userId}?idProperty=userId`.
//! Layer: core (pure).

use super::error::ApiError;
use super::model::{json_body, text, Owner};
use super::version;
use crate::ids::{OwnerId, UserId};
use crate::ports::{path_segment, HttpRequest, HttpResponse, Method};
use serde_json::Value;

/// `GET /crm/owners/2026-03/{userId}?idProperty=userId`.
pub fn owner_by_user_id(user: &UserId) -> HttpRequest {
    let rest = ["/", &path_segment(user.as_str()), "?idProperty=userId"].concat();
    HttpRequest::new(Method::Get, version::url("crm/owners", &rest))
}

pub fn parse_owner(resp: &HttpResponse) -> Result<Owner, ApiError> {
    let body = json_body(resp)?;
    Ok(Owner {
        id: OwnerId(text(body.get("id")).ok_or_else(|| ApiError::malformed("an owner without an id"))?),
        // §8: archived users have `userId: null`.
        user_id: text(body.get("userId")).map(UserId),
        email: text(body.get("email")),
        first_name: text(body.get("firstName")),
        last_name: text(body.get("lastName")),
        archived: body.get("archived").and_then(Value::as_bool).unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_by_user_id_request_and_answer() {
        assert_eq!(
            owner_by_user_id(&UserId::new("293199")).url,
            "https://api.hubapi.com/crm/owners/2026-03/293199?idProperty=userId"
        );
        let body = r#"{"id":"41629779","email":"rep@example.com","type":"PERSON","firstName":"Rae","lastName":"Park","userId":293199,"userIdIncludingInactive":293199,"createdAt":"x","updatedAt":"x","archived":false,"teams":[{"id":"1","name":"SDR","primary":true}]}"#;
        let owner = parse_owner(&HttpResponse { status: 200, headers: vec![], body: body.into() }).unwrap();
        assert_eq!(owner.id, OwnerId::new("41629779"));
        assert_eq!(owner.user_id, Some(UserId::new("293199")));
        assert_eq!(owner.first_name.as_deref(), Some("Rae"));
        let nameless = HttpResponse { status: 200, headers: vec![], body: r#"{"userId":1}"#.into() };
        assert!(matches!(parse_owner(&nameless), Err(ApiError::Malformed { .. })));
    }
}
