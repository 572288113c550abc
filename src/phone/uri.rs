//! Dial URIs: a `Dialable` → the link the dial button opens (`tel:`, `callto:`, `sip:`, or an
//! admin's URL template). A template is checked once by `parse_template`, so no setting can make
//! the button open `javascript:` or `data:`. Layer: core (pure).

use super::Dialable;
use serde::{Deserialize, Serialize};

/// How the extension dials a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialScheme {
    /// RFC 3966: `tel:+4930901820;ext=12`.
    Tel,
    /// `callto:+4930901820,,12`: callto has no extension syntax; two commas are the pause
    /// (about 2 s each) that softphones insert before sending the rest as DTMF.
    Callto,
    /// `sip:+4930901820;ext=12@pbx.example.com` (RFC 3261 §19.1.6 telephone-subscriber), or
    /// `sip:+4930901820` to let the softphone pick its account's domain.
    Sip { domain: Option<String> },
    /// An admin's URL template, already checked.
    Template(DialTemplate),
}

/// A URL template with `{e164}`, `{digits}` (no `+`) and `{ext}` placeholders. Only built by
/// `parse_template`, so it always starts with `https://host` or `tel:`, `callto:`, `sip:`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DialTemplate {
    text: String,
    https: bool,
}

impl DialTemplate {
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl TryFrom<String> for DialTemplate {
    type Error = TemplateError;
    fn try_from(text: String) -> Result<Self, TemplateError> {
        parse_template(&text)
    }
}

impl From<DialTemplate> for String {
    fn from(template: DialTemplate) -> String {
        template.text
    }
}

/// Why an admin's template was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    Empty,
    TooLong,
    /// Spaces, control characters, quotes or angle brackets: a URL has none of these, and
    /// browsers strip some of them silently (`java\tscript:`).
    BadCharacter,
    /// The scheme is not `https:`, `tel:`, `callto:` or `sip:`.
    SchemeNotAllowed,
    /// `https:` without `//host`, or with a placeholder in the host.
    BadHost,
    UnknownPlaceholder(String),
    UnmatchedBrace,
    /// Neither `{e164}` nor `{digits}`: the link would not carry the number.
    NoNumber,
}

impl TemplateError {
    pub fn message(&self) -> String {
        match self {
            TemplateError::Empty => "The dial URL template is empty.".into(),
            TemplateError::TooLong => "The dial URL template is longer than 2000 characters.".into(),
            TemplateError::BadCharacter => "The dial URL template contains a space, quote, angle bracket or control \
                 character; percent-encode it."
                .into(),
            TemplateError::SchemeNotAllowed => {
                "The dial URL template must start with https://, tel:, callto: or sip:.".into()
            }
            TemplateError::BadHost => {
                "An https:// template needs a fixed host name (no placeholder before the path).".into()
            }
            TemplateError::UnknownPlaceholder(name) => {
                format!("The dial URL template uses {{{name}}}; only {{e164}}, {{digits}} and {{ext}} exist.")
            }
            TemplateError::UnmatchedBrace => "The dial URL template has an unmatched { or }.".into(),
            TemplateError::NoNumber => "The dial URL template must contain {e164} or {digits}.".into(),
        }
    }
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for TemplateError {}

const MAX_TEMPLATE: usize = 2000;
const SCHEMES: &[&str] = &["https:", "tel:", "callto:", "sip:"];
const PLACEHOLDERS: &[&str] = &["e164", "digits", "ext"];

/// Checks an admin's dial URL template.
pub fn parse_template(text: &str) -> Result<DialTemplate, TemplateError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TemplateError::Empty);
    }
    if text.len() > MAX_TEMPLATE {
        return Err(TemplateError::TooLong);
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control() || "\"'<>\\`".contains(c)) {
        return Err(TemplateError::BadCharacter);
    }
    let scheme = SCHEMES
        .iter()
        .find(|s| text.get(..s.len()).is_some_and(|t| t.eq_ignore_ascii_case(s)))
        .ok_or(TemplateError::SchemeNotAllowed)?;
    let https = *scheme == "https:";
    if https {
        let authority = text.get(scheme.len()..).and_then(|t| t.strip_prefix("//")).ok_or(TemplateError::BadHost)?;
        let host = authority.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() || host.contains(['{', '}', '@']) {
            return Err(TemplateError::BadHost);
        }
    }
    let mut has_number = false;
    for piece in pieces(text) {
        match piece? {
            Piece::Literal(_) => {}
            Piece::Placeholder(name) => has_number |= name != "ext",
        }
    }
    if !has_number {
        return Err(TemplateError::NoNumber);
    }
    Ok(DialTemplate { text: text.to_string(), https })
}

/// The URI that dials `d`.
pub fn dial_uri(d: &Dialable, scheme: &DialScheme) -> String {
    let mut uri = String::with_capacity(48);
    match scheme {
        DialScheme::Tel => {
            uri.push_str("tel:");
            uri.push_str(&d.e164);
            push_extension(&mut uri, ";ext=", d);
        }
        DialScheme::Callto => {
            uri.push_str("callto:");
            uri.push_str(&d.e164);
            push_extension(&mut uri, ",,", d);
        }
        DialScheme::Sip { domain } => {
            uri.push_str("sip:");
            uri.push_str(&d.e164);
            push_extension(&mut uri, ";ext=", d);
            if let Some(domain) = domain.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                uri.push('@');
                // The domain is a setting: encode anything that could end the host.
                push_encoded(&mut uri, domain, ".-:[]");
            }
        }
        DialScheme::Template(template) => {
            // `+` means a space in an https query string; tel/sip/callto write it literally.
            let keep = if template.https { "" } else { "+" };
            for piece in pieces(&template.text).flatten() {
                match piece {
                    Piece::Literal(text) => uri.push_str(text),
                    Piece::Placeholder("e164") => push_encoded(&mut uri, &d.e164, keep),
                    Piece::Placeholder("digits") => push_encoded(&mut uri, d.e164.trim_start_matches('+'), keep),
                    Piece::Placeholder(_) => push_encoded(&mut uri, d.extension.as_deref().unwrap_or(""), keep),
                }
            }
        }
    }
    uri
}

fn push_extension(uri: &mut String, separator: &str, d: &Dialable) {
    if let Some(extension) = &d.extension {
        uri.push_str(separator);
        uri.push_str(extension);
    }
}

/// Percent-encodes every byte but RFC 3986 unreserved characters and those in `keep`.
fn push_encoded(out: &mut String, value: &str, keep: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.as_bytes().contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            // cannot panic: a nibble (0..=15) indexes the 16-entry table, here and below.
            out.push(char::from(HEX[usize::from(b >> 4)]));
            // cannot panic: as above.
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

enum Piece<'a> {
    Literal(&'a str),
    Placeholder(&'a str),
}

/// Splits a template into literal text and known placeholders.
fn pieces(text: &str) -> impl Iterator<Item = Result<Piece<'_>, TemplateError>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let piece = match rest.find(['{', '}']) {
            Some(0) if rest.starts_with('{') => match rest.find('}') {
                Some(close) => {
                    // `{` and `}` are one byte each, so both cuts fall on char boundaries.
                    let name = rest.get(1..close).unwrap_or_default();
                    rest = rest.get(close + 1..).unwrap_or_default();
                    match PLACEHOLDERS.iter().find(|p| **p == name) {
                        Some(known) => Ok(Piece::Placeholder(known)),
                        None if name.contains('{') => Err(TemplateError::UnmatchedBrace),
                        None => Err(TemplateError::UnknownPlaceholder(name.to_string())),
                    }
                }
                None => Err(TemplateError::UnmatchedBrace),
            },
            Some(0) => Err(TemplateError::UnmatchedBrace),
            Some(at) => {
                let (literal, tail) = rest.split_at(at);
                rest = tail;
                Ok(Piece::Literal(literal))
            }
            None => Ok(Piece::Literal(std::mem::take(&mut rest))),
        };
        if piece.is_err() {
            rest = "";
        }
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialable(extension: Option<&str>) -> Dialable {
        Dialable { e164: "+4930901820".into(), extension: extension.map(String::from), country: Some("DE") }
    }

    #[test]
    fn builds_each_scheme() {
        let plain = dialable(None);
        let ext = dialable(Some("12"));
        let pbx = DialScheme::Sip { domain: Some("pbx.example.com".into()) };
        let cases = [
            (&plain, DialScheme::Tel, "tel:+4930901820"),
            (&ext, DialScheme::Tel, "tel:+4930901820;ext=12"),
            (&plain, DialScheme::Callto, "callto:+4930901820"),
            (&ext, DialScheme::Callto, "callto:+4930901820,,12"),
            (&plain, DialScheme::Sip { domain: None }, "sip:+4930901820"),
            (&plain, DialScheme::Sip { domain: Some(" ".into()) }, "sip:+4930901820"),
            (&plain, pbx.clone(), "sip:+4930901820@pbx.example.com"),
            (&ext, pbx, "sip:+4930901820;ext=12@pbx.example.com"),
            (
                &plain,
                DialScheme::Sip { domain: Some("evil.example/x?y#z".into()) },
                "sip:+4930901820@evil.example%2Fx%3Fy%23z",
            ),
        ];
        for (d, scheme, want) in cases {
            assert_eq!(dial_uri(d, &scheme), want, "{scheme:?}");
        }
    }

    #[test]
    fn fills_templates_with_encoded_values() {
        let https = parse_template("https://dialer.example.com/call?to={e164}&ext={ext}").unwrap();
        assert_eq!(
            dial_uri(&dialable(Some("12")), &DialScheme::Template(https.clone())),
            "https://dialer.example.com/call?to=%2B4930901820&ext=12"
        );
        assert_eq!(
            dial_uri(&dialable(None), &DialScheme::Template(https)),
            "https://dialer.example.com/call?to=%2B4930901820&ext="
        );
        let digits = parse_template("https://x.example/{digits}").unwrap();
        assert_eq!(dial_uri(&dialable(None), &DialScheme::Template(digits)), "https://x.example/4930901820");
        let tel = parse_template("TEL:{e164}").unwrap();
        assert_eq!(dial_uri(&dialable(None), &DialScheme::Template(tel)), "TEL:+4930901820");
        let sip = parse_template("sip:{digits}@pbx.example.com;user=phone").unwrap();
        assert_eq!(dial_uri(&dialable(None), &DialScheme::Template(sip)), "sip:4930901820@pbx.example.com;user=phone");
    }

    #[test]
    fn refuses_templates_that_could_run_code_or_lose_the_number() {
        let cases = [
            ("", TemplateError::Empty),
            ("javascript:alert({e164})", TemplateError::SchemeNotAllowed),
            ("JavaScript:{e164}", TemplateError::SchemeNotAllowed),
            (" javascript:{e164}", TemplateError::SchemeNotAllowed),
            ("java\tscript:{e164}", TemplateError::BadCharacter),
            ("data:text/html,{e164}", TemplateError::SchemeNotAllowed),
            ("http://dialer.example/{e164}", TemplateError::SchemeNotAllowed),
            ("{e164}", TemplateError::SchemeNotAllowed),
            ("https:{e164}", TemplateError::BadHost),
            ("https://{digits}.example/", TemplateError::BadHost),
            ("https://trusted.example@evil.example/{e164}", TemplateError::BadHost),
            ("https://x.example/{e164}\"onclick", TemplateError::BadCharacter),
            ("https://x.example/{number}", TemplateError::UnknownPlaceholder("number".into())),
            ("https://x.example/{e164", TemplateError::UnmatchedBrace),
            ("https://x.example/e164}", TemplateError::UnmatchedBrace),
            ("https://x.example/{{e164}", TemplateError::UnmatchedBrace),
            ("https://x.example/call?ext={ext}", TemplateError::NoNumber),
            ("tel:", TemplateError::NoNumber),
        ];
        for (text, want) in cases {
            assert_eq!(parse_template(text), Err(want.clone()), "{text:?}");
            assert!(want.message().ends_with('.'));
        }
        assert!(parse_template(&format!("https://x.example/{}{{e164}}", "a".repeat(2000))).is_err());
    }

    #[test]
    fn round_trips_through_serde_with_the_check() {
        let t: DialTemplate = serde_json::from_str(r#""callto:{e164}""#).unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), r#""callto:{e164}""#);
        assert!(serde_json::from_str::<DialTemplate>(r#""javascript:{e164}""#).is_err());
    }
}
