//! The calls to HubSpot's OAuth endpoints, over HTTPS with `ureq` and rustls.
//! Layer: broker (the one module that talks to the network; how a HubSpot answer becomes ours
//! is the pure `answer_from`, unit-tested). HubSpot's status and JSON body are passed back
//! unchanged; a timeout is 504 and any other failure to get an answer is 502.

use crate::config::{ClientSecret, Config, HubSpotBase};
use crate::form::Call;
use crate::policy::Refusal;
use std::time::Duration;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// HubSpot's token answers are well under 4 KiB.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// HubSpot's answer, to be sent on as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// JSON, or empty (HubSpot answers some revokes with no body).
    pub body: Vec<u8>,
    pub retry_after: Option<String>,
}

/// Where calls go: HubSpot in production, a fake in the server's unit tests.
pub trait Upstream: Send + Sync {
    fn send(&self, call: &Call) -> Result<Answer, Refusal>;
}

pub struct HubSpot {
    agent: ureq::Agent,
    base: HubSpotBase,
    client_id: String,
    client_secret: ClientSecret,
}

impl HubSpot {
    /// `extra_ca_pem`: the contents of `SPOTDIAL_BROKER_EXTRA_CA`, trusted on top of the
    /// Mozilla roots (the sandbox's CA in tests, a corporate TLS proxy's in some deployments).
    pub fn new(config: &Config, extra_ca_pem: Option<&[u8]>) -> Result<HubSpot, String> {
        let roots = match extra_ca_pem {
            None => RootCerts::WebPki,
            Some(pem) => {
                let extra = certificates_in(pem)?;
                let mozilla =
                    webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().map(|der| Certificate::from_der(der.as_ref()));
                RootCerts::from(mozilla.chain(extra))
            }
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .timeout_global(Some(UPSTREAM_TIMEOUT))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("spotdial-broker/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(HubSpot {
            agent,
            base: config.hubspot.clone(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
        })
    }
}

/// Every certificate in a PEM file; an error if there is none or one is malformed.
pub fn certificates_in(pem: &[u8]) -> Result<Vec<Certificate<'static>>, String> {
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(_) => return Err("is not a valid PEM file".to_owned()),
        }
    }
    if certs.is_empty() {
        return Err("holds no PEM certificate".to_owned());
    }
    Ok(certs)
}

impl Upstream for HubSpot {
    fn send(&self, call: &Call) -> Result<Answer, Refusal> {
        let url = format!("{}{}", self.base.as_str(), call.endpoint().upstream_path());
        let form = call.upstream_form(&self.client_id, &self.client_secret);
        let mut response = self
            .agent
            .post(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .send(form.as_bytes())
            .map_err(|e| unreachable(&e))?;
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body =
            response.body_mut().with_config().limit(MAX_ANSWER_BYTES).read_to_vec().map_err(|e| unreachable(&e))?;
        answer_from(status, body, retry_after)
    }
}

/// 504 for a timeout, 502 for anything else. The error's text is not shown: it names the URL
/// only, but the description stays fixed so nothing from the call can leak through it.
fn unreachable(error: &ureq::Error) -> Refusal {
    let timed_out = match error {
        ureq::Error::Timeout(_) => true,
        ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::TimedOut,
        _ => false,
    };
    if timed_out {
        Refusal::new(504, "upstream_timeout", "HubSpot did not answer in time")
    } else {
        Refusal::new(502, "upstream_unreachable", "HubSpot could not be reached")
    }
}

/// Turns HubSpot's status and body into the broker's answer: JSON (or an empty body) passes
/// unchanged; anything else cannot be what HubSpot's token API says, so it becomes our JSON
/// error, keeping the status when HubSpot already said it failed.
pub fn answer_from(status: u16, body: Vec<u8>, retry_after: Option<String>) -> Result<Answer, Refusal> {
    let is_json = serde_json::from_slice::<serde_json::Value>(&body).is_ok();
    if is_json || (body.is_empty() && (200..300).contains(&status)) {
        return Ok(Answer { status, body, retry_after });
    }
    if (400..600).contains(&status) {
        let mut refusal =
            Refusal::new(status, "upstream_error", format!("HubSpot answered {status} without a JSON body"));
        refusal.retry_after = retry_after.and_then(|v| v.trim().parse().ok());
        return Err(refusal);
    }
    Err(Refusal::new(502, "upstream_bad_answer", format!("HubSpot answered {status} without a JSON body")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_answers_pass_unchanged_with_their_status() {
        let body = br#"{"error":"invalid_grant","status":"BAD_REFRESH_TOKEN"}"#.to_vec();
        let answer = answer_from(400, body.clone(), None).unwrap();
        assert_eq!(answer, Answer { status: 400, body, retry_after: None });
        let answer = answer_from(200, b"{\"access_token\":\"x\"}".to_vec(), None).unwrap();
        assert_eq!(answer.status, 200);
    }

    #[test]
    fn hubspot_rate_limits_keep_retry_after() {
        let answer = answer_from(429, b"{}".to_vec(), Some("7".into())).unwrap();
        assert_eq!(answer.retry_after.as_deref(), Some("7"));
        let refusal = answer_from(429, b"<html>".to_vec(), Some("7".into())).unwrap_err();
        assert_eq!((refusal.status, refusal.retry_after), (429, Some(7)));
    }

    #[test]
    fn an_empty_success_passes_but_an_empty_failure_is_explained() {
        assert_eq!(answer_from(204, Vec::new(), None).unwrap().status, 204);
        let refusal = answer_from(503, Vec::new(), None).unwrap_err();
        assert_eq!((refusal.status, refusal.code), (503, "upstream_error"));
    }

    #[test]
    fn non_json_success_or_redirect_is_a_bad_gateway() {
        for status in [200, 302] {
            let refusal = answer_from(status, b"<html>login</html>".to_vec(), None).unwrap_err();
            assert_eq!((refusal.status, refusal.code), (502, "upstream_bad_answer"), "{status}");
        }
    }

    #[test]
    fn pem_files_must_hold_a_certificate() {
        assert!(certificates_in(b"").is_err());
        assert!(certificates_in(b"hello").is_err());
        let key_only = b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";
        assert!(certificates_in(key_only).is_err());
    }
}
