//! One parser per setting: a JSON value from admin policy or the rep's settings → a typed value,
//! or a `PolicyError` whose sentence says what is wrong and what is expected.
//! Layer: core (pure). Parsers never panic and never echo a secret.

use crate::hubspot::properties::PropertyName;
use crate::ids::{is_digits, ListId, PortalId};
use crate::phone::{self, DialTemplate};
use crate::secret::ClientSecret;
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// Why a policy or settings value was refused: one sentence for the options page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PolicyError(String);

impl PolicyError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyError {}

/// How a value is named in a message: `the text "abc"`, `the number 5`, `a list`...
/// Text is cut to 60 characters and control characters are replaced.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null)".into(),
        Value::Bool(b) => format!("the yes/no value {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let mut shown: String = s.chars().take(60).map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect();
            if s.chars().count() > 60 {
                shown.push('…');
            }
            format!("the text \"{shown}\"")
        }
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn refuse(what: &str, value: &Value) -> PolicyError {
    PolicyError::new(format!("{what}; it is {}.", describe(value)))
}

/// Non-empty trimmed text, or a refusal naming what was expected.
fn text<'a>(value: &'a Value, what: &str) -> Result<&'a str, PolicyError> {
    match value.as_str().map(str::trim) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(refuse(what, value)),
    }
}

/// A whole number in `range`, as JSON number (or a whole float such as `8.0`).
fn whole(value: &Value, range: std::ops::RangeInclusive<i64>, what: &str) -> Result<i64, PolicyError> {
    let n = value.as_i64().or_else(|| value.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map(|f| f as i64));
    match n {
        Some(n) if range.contains(&n) => Ok(n),
        _ => Err(refuse(what, value)),
    }
}

/// The token broker's origin and path, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct BrokerUrl(String);

impl BrokerUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For the built-in default only (a test checks it passes `broker_url`).
    pub(crate) fn from_trusted(url: &str) -> Self {
        BrokerUrl(url.to_string())
    }
}

/// `https://host[:port][/path]`; `http://` only for `localhost` and `127.0.0.1` (development).
/// No user info, query or fragment.
pub fn broker_url(value: &Value) -> Result<BrokerUrl, PolicyError> {
    const WHAT: &str =
        "The broker URL must be an https:// address (http:// only for localhost or 127.0.0.1) without a query";
    let raw = text(value, WHAT)?;
    let lower = raw.to_ascii_lowercase();
    let (https, rest) = match (lower.strip_prefix("https://"), lower.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => return Err(refuse(WHAT, value)),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !host.starts_with(['.', '-']);
    let port_ok = port.map_or(true, |p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let path_ok = path.bytes().all(|b| b.is_ascii_graphic() && !b"?#\\\"'<>`{}|^".contains(&b));
    let local = host == "localhost" || host == "127.0.0.1";
    if !(host_ok && port_ok && path_ok) || (!https && !local) || raw.len() > 2000 {
        return Err(refuse(WHAT, value));
    }
    // Keep the path's case (servers may care) but normalise scheme and host.
    let scheme_len = if https { "https://".len() } else { "http://".len() };
    let cut = scheme_len + authority.len();
    let (Some(head), Some(tail)) = (lower.get(..cut), raw.get(cut..)) else { return Err(refuse(WHAT, value)) };
    let mut url = [head, tail].concat();
    while url.ends_with('/') {
        url.pop();
    }
    Ok(BrokerUrl(url))
}

/// A HubSpot app client id (a UUID: letters, digits and dashes).
pub fn client_id(value: &Value) -> Result<String, PolicyError> {
    const WHAT: &str = "The client id must be the HubSpot app's client id (letters, digits and dashes)";
    let raw = text(value, WHAT)?;
    if raw.len() > 100 || !raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(refuse(WHAT, value));
    }
    Ok(raw.to_string())
}

/// A HubSpot id given as text or a number: its digits, or `what` as the refusal.
fn digits_id(value: &Value, what: &str) -> Result<String, PolicyError> {
    let raw = match value {
        Value::Number(n) if n.is_u64() => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return Err(refuse(what, value)),
    };
    if !is_digits(&raw) {
        return Err(refuse(what, value));
    }
    Ok(raw)
}

/// A HubSpot account id: digits, as text or a number.
pub fn portal_id(value: &Value) -> Result<PortalId, PolicyError> {
    digits_id(value, "The portal id must be the HubSpot account number (digits only)").map(PortalId)
}

/// Where tokens are exchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    Broker,
    Direct,
}

impl AuthMode {
    /// As policy and the options page name it (serde's snake_case).
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Broker => "broker",
            AuthMode::Direct => "direct",
        }
    }
}

pub fn auth_mode(value: &Value) -> Result<AuthMode, PolicyError> {
    const WHAT: &str = "The auth mode must be \"broker\" or \"direct\"";
    match text(value, WHAT)?.to_ascii_lowercase().as_str() {
        "broker" => Ok(AuthMode::Broker),
        "direct" => Ok(AuthMode::Direct),
        _ => Err(refuse(WHAT, value)),
    }
}

/// The client secret for direct mode. The message never repeats the value.
pub fn client_secret(value: &Value) -> Result<ClientSecret, PolicyError> {
    match value.as_str().map(str::trim) {
        Some(s) if !s.is_empty() && s.len() <= 200 && s.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(ClientSecret::new(s))
        }
        _ => Err(PolicyError::new(
            "The client secret must be the HubSpot app's secret as text, without spaces (its value is not shown here).",
        )),
    }
}

/// The dial scheme's name, before its template or SIP domain is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemeName {
    Tel,
    Callto,
    Sip,
    Template,
}

impl SchemeName {
    pub fn as_str(self) -> &'static str {
        match self {
            SchemeName::Tel => "tel",
            SchemeName::Callto => "callto",
            SchemeName::Sip => "sip",
            SchemeName::Template => "template",
        }
    }
}

pub fn dial_scheme(value: &Value) -> Result<SchemeName, PolicyError> {
    const WHAT: &str = "The dial scheme must be \"tel\", \"callto\", \"sip\" or \"template\"";
    match text(value, WHAT)?.to_ascii_lowercase().as_str() {
        "tel" => Ok(SchemeName::Tel),
        "callto" => Ok(SchemeName::Callto),
        "sip" => Ok(SchemeName::Sip),
        "template" => Ok(SchemeName::Template),
        _ => Err(refuse(WHAT, value)),
    }
}

/// An admin's dial URL template, checked by the phone module.
pub fn dial_template(value: &Value) -> Result<DialTemplate, PolicyError> {
    let raw = value.as_str().ok_or_else(|| refuse("The dial URL template must be text", value))?;
    phone::parse_template(raw).map_err(|e| PolicyError::new(e.message()))
}

/// The SIP domain appended after `@`: a host name, optionally with a port.
pub fn sip_domain(value: &Value) -> Result<String, PolicyError> {
    const WHAT: &str = "The SIP domain must be a host name such as pbx.example.com (optionally with :port)";
    let raw = text(value, WHAT)?.to_ascii_lowercase();
    let (host, port) = match raw.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (raw.as_str(), None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !host.starts_with(['.', '-'])
        && !host.ends_with(['.', '-']);
    let port_ok = port.map_or(true, |p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    if !(host_ok && port_ok) {
        return Err(refuse(WHAT, value));
    }
    Ok(raw)
}

/// The number calls are made from, as E.164 (a national number needs the default country).
pub fn from_number(value: &Value, default_country: Option<&str>) -> Result<String, PolicyError> {
    let raw = value.as_str().ok_or_else(|| refuse("The from number must be a phone number as text", value))?;
    match phone::normalize(raw, None, default_country) {
        Ok(d) => Ok(d.e164),
        Err(e) => Err(PolicyError::new(["The from number cannot be used: ", &e.message()].concat())),
    }
}

/// A default country for national-format numbers: an ISO 3166 alpha-2 code Spotdial knows.
pub fn country(value: &Value) -> Result<&'static str, PolicyError> {
    const WHAT: &str = "The default country must be a two-letter ISO code such as US, GB or DE";
    let raw = text(value, WHAT)?;
    if raw.len() != 2 || !raw.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(refuse(WHAT, value));
    }
    phone::region_of_country(raw).ok_or_else(|| refuse(WHAT, value))
}

/// An hour of the day, 0 to 24, for the calling-hours window.
pub fn hour(value: &Value, which: &str) -> Result<u8, PolicyError> {
    let what = ["The calling hours ", which, " must be a whole hour from 0 to 24"].concat();
    Ok(whole(value, 0..=24, &what)? as u8)
}

/// The most property names one list may hold (they all go into one request URL).
pub const MAX_PROPERTIES: usize = 30;

/// A list of HubSpot property names. Bad names are refused one by one (each error says the
/// entry is left out); the good ones are kept, without duplicates.
pub fn property_names(value: &Value) -> (Vec<PropertyName>, Vec<PolicyError>) {
    let Some(items) = value.as_array() else {
        return (Vec::new(), vec![refuse("The value must be a list of property names", value)]);
    };
    let mut names: Vec<PropertyName> = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        match item.as_str().map(str::trim).and_then(PropertyName::parse) {
            Some(name) if names.len() >= MAX_PROPERTIES => {
                errors.push(PolicyError::new(format!(
                    "At most {MAX_PROPERTIES} properties may be named; \"{}\" and later ones are left out.",
                    name.as_str()
                )));
                break;
            }
            Some(name) => {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            None => errors.push(PolicyError::new(format!(
                "Each entry must be a HubSpot property's internal name (lowercase letters, digits and _); {} is \
                 left out.",
                describe(item)
            ))),
        }
    }
    (names, errors)
}

/// How many days ahead the queue reaches: 0 (today and overdue) to 30.
pub fn horizon_days(value: &Value) -> Result<u8, PolicyError> {
    Ok(whole(value, 0..=30, "The queue horizon must be a whole number of days from 0 to 30")? as u8)
}

/// A HubSpot list id (digits, as text or a number).
pub fn list_id(value: &Value) -> Result<ListId, PolicyError> {
    digits_id(value, "The queue list id must be a HubSpot list id (digits only)").map(ListId)
}

/// How many days call history is kept: 1 to 180, 180 unless an admin sets fewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RetentionDays(u16);

impl Default for RetentionDays {
    fn default() -> Self {
        RetentionDays::MAX
    }
}

impl RetentionDays {
    /// The longest retention allowed, and the default.
    pub const MAX: RetentionDays = RetentionDays(180);

    /// `days` if it is 1 to 180.
    pub fn new(days: i64) -> Result<RetentionDays, PolicyError> {
        if days > i64::from(Self::MAX.0) {
            return Err(PolicyError::new(format!(
                "Call history may be kept at most 180 days; the policy asks for {days}."
            )));
        }
        if days < 1 {
            return Err(PolicyError::new(format!(
                "Call history must be kept at least 1 day; the policy asks for {days}."
            )));
        }
        Ok(RetentionDays(days as u16))
    }

    /// Reads the `retentionDays` policy value: a whole number of days from 1 to 180.
    pub fn from_policy(value: &Value) -> Result<RetentionDays, PolicyError> {
        let Value::Number(number) = value else {
            return Err(PolicyError::new(format!(
                "The call history retention must be a number of days from 1 to 180; the policy gives {}.",
                describe(value)
            )));
        };
        if let Some(days) = number.as_i64() {
            return RetentionDays::new(days);
        }
        match number.as_f64() {
            Some(days) if days.fract() == 0.0 && days.abs() < 1e15 => RetentionDays::new(days as i64),
            Some(days) if days > 180.0 => Err(PolicyError::new(format!(
                "Call history may be kept at most 180 days; the policy asks for {number}."
            ))),
            Some(days) if days < 1.0 => Err(PolicyError::new(format!(
                "Call history must be kept at least 1 day; the policy asks for {number}."
            ))),
            _ => Err(PolicyError::new(format!(
                "The call history retention must be a whole number of days from 1 to 180; the policy asks for {number}."
            ))),
        }
    }

    pub fn days(self) -> u16 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err<T: fmt::Debug>(r: Result<T, PolicyError>) -> String {
        r.unwrap_err().message().to_string()
    }

    #[test]
    fn broker_url_must_be_https_except_on_this_machine() {
        for (input, want) in [
            ("https://broker.example.com", "https://broker.example.com"),
            ("  HTTPS://Broker.Example.com/Spotdial/ ", "https://broker.example.com/Spotdial"),
            ("https://broker.example.com:8443/x", "https://broker.example.com:8443/x"),
            ("http://127.0.0.1:8787", "http://127.0.0.1:8787"),
            ("http://localhost:3000/", "http://localhost:3000"),
        ] {
            assert_eq!(broker_url(&json!(input)).map(|u| u.0), Ok(want.to_string()), "{input}");
        }
        for bad in [
            "http://broker.example.com",
            "ftp://broker.example.com",
            "https://",
            "https://user@host",
            "https://host/?q=1",
            "https://host/#x",
            "https://host:port",
            "https://ho st",
            "javascript:alert(1)",
            "https://.example.com",
            "broker.example.com",
            "",
        ] {
            let message = err(broker_url(&json!(bad)));
            assert!(message.starts_with("The broker URL must be an https:// address"), "{bad}: {message}");
        }
        assert!(err(broker_url(&json!(443))).ends_with("it is the number 443."));
    }

    #[test]
    fn client_and_portal_ids_are_checked() {
        assert_eq!(client_id(&json!("5f2a-99b1")), Ok("5f2a-99b1".into()));
        assert!(err(client_id(&json!("a b"))).contains("letters, digits and dashes"));
        assert!(client_id(&json!("")).is_err());
        assert_eq!(portal_id(&json!("1234567")), Ok(PortalId::new("1234567")));
        assert_eq!(portal_id(&json!(1234567)), Ok(PortalId::new("1234567")));
        assert_eq!(
            err(portal_id(&json!("acme"))),
            "The portal id must be the HubSpot account number (digits only); it is the text \"acme\"."
        );
        assert!(portal_id(&json!(-5)).is_err());
    }

    #[test]
    fn auth_mode_and_secret() {
        assert_eq!(auth_mode(&json!("direct")), Ok(AuthMode::Direct));
        assert_eq!(auth_mode(&json!("Broker")), Ok(AuthMode::Broker));
        assert!(err(auth_mode(&json!("oauth"))).contains("\"broker\" or \"direct\""));
        assert_eq!(client_secret(&json!("s3cr3t-xyz")).map(|s| s.expose().to_string()), Ok("s3cr3t-xyz".into()));
        let message = err(client_secret(&json!("has space s3cr3t")));
        assert!(!message.contains("s3cr3t"), "{message}");
    }

    #[test]
    fn dial_fields() {
        assert_eq!(dial_scheme(&json!("SIP")), Ok(SchemeName::Sip));
        assert_eq!(
            err(dial_scheme(&json!("skype"))),
            "The dial scheme must be \"tel\", \"callto\", \"sip\" or \"template\"; it is the text \"skype\"."
        );
        assert!(dial_template(&json!("https://pbx.example.com/dial?n={e164}")).is_ok());
        assert_eq!(
            err(dial_template(&json!("javascript:alert({e164})"))),
            "The dial URL template must start with https://, tel:, callto: or sip:."
        );
        assert!(err(dial_template(&json!(5))).contains("must be text"));
        assert_eq!(sip_domain(&json!("PBX.example.com:5061")), Ok("pbx.example.com:5061".into()));
        for bad in ["pbx example", "a@b", "-x.com", "x.com:", "x.com:abc", "x/y"] {
            assert!(err(sip_domain(&json!(bad))).contains("host name"), "{bad}");
        }
    }

    #[test]
    fn from_number_and_country() {
        assert_eq!(from_number(&json!("+49 30 901820"), None), Ok("+4930901820".into()));
        assert_eq!(from_number(&json!("030 901820"), Some("DE")), Ok("+4930901820".into()));
        assert!(err(from_number(&json!("030 901820"), None)).starts_with("The from number cannot be used: "));
        assert!(err(from_number(&json!("n/a"), Some("DE"))).contains("text, not a phone number"));
        assert_eq!(country(&json!("de")), Ok("DE"));
        assert_eq!(country(&json!("GB")), Ok("GB"));
        for bad in [json!("Germany"), json!("XX"), json!("D1"), json!(49)] {
            assert!(err(country(&bad)).contains("two-letter ISO code"), "{bad}");
        }
    }

    #[test]
    fn hours_horizon_and_list() {
        assert_eq!(hour(&json!(0), "start"), Ok(0));
        assert_eq!(hour(&json!(24), "end"), Ok(24));
        assert_eq!(hour(&json!(9.0), "start"), Ok(9));
        assert_eq!(
            err(hour(&json!(25), "end")),
            "The calling hours end must be a whole hour from 0 to 24; it is the number 25."
        );
        assert!(hour(&json!(8.5), "start").is_err());
        assert!(hour(&json!("8"), "start").is_err());
        assert_eq!(horizon_days(&json!(30)), Ok(30));
        assert!(err(horizon_days(&json!(31))).contains("from 0 to 30"));
        assert!(horizon_days(&json!(-1)).is_err());
        assert_eq!(list_id(&json!(42)), Ok(ListId::new("42")));
        assert_eq!(list_id(&json!(" 42 ")), Ok(ListId::new("42")));
        assert!(err(list_id(&json!("my list"))).contains("digits only"));
    }

    #[test]
    fn property_lists_keep_good_names_and_name_each_bad_one() {
        let (names, errors) = property_names(&json!(["direct_line", "Direct Line", "direct_line", 7, "a,b"]));
        assert_eq!(names, [PropertyName::parse("direct_line").unwrap()]);
        assert_eq!(errors.len(), 3);
        assert_eq!(
            errors[0].message(),
            "Each entry must be a HubSpot property's internal name (lowercase letters, digits and _); the text \
             \"Direct Line\" is left out."
        );
        assert!(errors[1].message().contains("the number 7 is left out"));
        let (names, errors) = property_names(&json!("direct_line"));
        assert!(names.is_empty());
        assert_eq!(errors[0].message(), "The value must be a list of property names; it is the text \"direct_line\".");
        let many: Vec<String> = (0..40).map(|i| format!("p{i}")).collect();
        let (names, errors) = property_names(&json!(many));
        assert_eq!((names.len(), errors.len()), (MAX_PROPERTIES, 1));
    }

    #[test]
    fn descriptions_are_short_and_safe() {
        let long = "x".repeat(500);
        let shown = describe(&json!(long));
        assert!(shown.chars().count() < 80 && shown.ends_with("…\""), "{shown}");
        assert_eq!(describe(&json!("a\nb")), "the text \"a\u{fffd}b\"");
        assert_eq!(describe(&json!([1])), "a list");
        assert_eq!(describe(&json!({})), "an object");
    }
}
