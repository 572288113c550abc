//! Properties of the OAuth readers (`src/auth/`): the token, introspection and revocation
//! answers on any status and body, the redirect `launchWebAuthFlow` returns on any URL, and
//! the sign-in round trip begin → HubSpot's redirect → finish. Layer: tests (native).

use super::urls::url;
use super::{config, object_with, response, status, text};
use proptest::prelude::*;
use spotdial::auth::grant::{failure, parse_introspection, parse_revoke_response, parse_token_response};
use spotdial::auth::{begin, finish, AuthConfig, SignInError, PENDING_LIFETIME_MS};
use spotdial::ports::{form_encode, parse_query, HttpResponse};

const REDIRECT: &str = "https://efojpjlggojnffmcakjellngbeeghopm.chromiumapp.org/";

/// A token endpoint's answer: the fields HubSpot and the broker send, each of any type.
fn token_answer() -> impl Strategy<Value = HttpResponse> {
    let fields = object_with(&[
        "access_token",
        "refresh_token",
        "expires_in",
        "hub_id",
        "user_id",
        "scopes",
        "token_type",
        "active",
        "signed_access_token",
        "user",
        "hub_domain",
        "error",
        "error_description",
        "source",
        "status",
        "message",
    ]);
    prop_oneof![
        3 => (status(), fields).prop_map(|(status, body)| HttpResponse { status, headers: Vec::new(), body: body.to_string() }),
        1 => response(),
    ]
}

fn random_bytes() -> impl Strategy<Value = [u8; 64]> {
    prop::collection::vec(any::<u8>(), 64).prop_map(|v| {
        let mut out = [0u8; 64];
        out.copy_from_slice(&v);
        out
    })
}

proptest! {
    #![proptest_config(config(512))]

    /// Any answer: a grant that makes sense, or a classified refusal, never a panic.
    #[test]
    fn token_answers_are_read(resp in token_answer(), sent_at in 0i64..4_102_444_800_000) {
        match parse_token_response(&resp, sent_at) {
            Ok(grant) => {
                prop_assert!(resp.is_success() && !grant.access.expose().is_empty());
                prop_assert!((1_000..=365 * 24 * 3_600_000).contains(&grant.lifetime_ms));
                prop_assert_eq!(grant.expires_at_ms, sent_at + grant.lifetime_ms);
                grant.missing_scopes();
            }
            Err(error) => {
                prop_assert!(!error.code().is_empty());
                error.retryable();
            }
        }
        let _ = parse_introspection(&resp);
        prop_assert_eq!(parse_revoke_response(&resp).is_ok(), resp.is_success());
        prop_assert!(!failure(&resp).to_string().is_empty());
    }

    /// Whatever URL the auth flow resolves with, `finish` answers a code or a reason.
    #[test]
    fn any_returned_url_is_checked(
        returned in prop_oneof![url(), text().prop_map(|q| [REDIRECT, "?", &q].concat())],
        random in random_bytes(),
    ) {
        let (_, pending) = begin(&AuthConfig::broker("client", "https://broker.example"), REDIRECT, &random, 0)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        if let Ok(code) = finish(&returned, &pending, 1) {
            prop_assert!(!code.expose().is_empty());
            prop_assert!(returned.trim().to_ascii_lowercase().starts_with(REDIRECT));
        }
    }

    /// The sign-in round trip: the `state` of the consent URL, sent back by HubSpot with a
    /// code, yields that code; another state, a repeated one, or a late answer never does.
    #[test]
    fn sign_in_round_trips(
        code in text(),
        other_state in text(),
        random in random_bytes(),
        start in 0i64..4_102_444_800_000,
        redirect in prop_oneof![3 => Just(REDIRECT.to_string()), 1 => url()],
    ) {
        let config = AuthConfig::broker("client-1", "https://broker.example");
        let Ok((consent, pending)) = begin(&config, &redirect, &random, start) else { return Ok(()) };
        let query = consent.split_once('?').map_or("", |(_, q)| q);
        let params = parse_query(query);
        let state = params.iter().find(|(k, _)| k == "state").map(|(_, v)| v.clone()).unwrap_or_default();
        prop_assert_eq!(&state, &pending.state);
        prop_assert!(params.iter().any(|(k, v)| k == "redirect_uri" && *v == redirect));

        let back = |fields: &[(&str, &str)]| [redirect.as_str(), "?", &form_encode(fields)].concat();
        let answered = finish(&back(&[("code", &code), ("state", &state)]), &pending, start + 1);
        if code.is_empty() {
            prop_assert_eq!(answered, Err(SignInError::MissingCode));
        } else {
            prop_assert_eq!(answered.map(|c| c.expose().to_string()), Ok(code.clone()));
        }
        if other_state != state {
            prop_assert_eq!(finish(&back(&[("code", &code), ("state", &other_state)]), &pending, start + 1), Err(SignInError::StateMismatch));
        }
        let twice = back(&[("code", &code), ("state", &state), ("state", &state)]);
        prop_assert_eq!(finish(&twice, &pending, start + 1), Err(SignInError::StateMismatch));
        let late = finish(&back(&[("code", &code), ("state", &state)]), &pending, start + PENDING_LIFETIME_MS + 1);
        prop_assert_eq!(late, Err(SignInError::Expired));
    }
}
