//! Properties of phone text (`src/phone/`): `normalize` on any text and any country, its
//! E.164 answer read again as itself, the dial URI for every scheme, and admins' dial
//! templates on any text. Layer: tests (native).

use super::{config, text};
use proptest::prelude::*;
use spotdial::phone::{dial_uri, normalize, parse_template, region_of_country, DialScheme, DialTemplate, Dialable};

const COUNTRIES: &[&str] = &[
    "US",
    "us",
    "GB",
    "DE",
    "FR",
    "BR",
    "AR",
    "MX",
    "IT",
    "RU",
    "IN",
    "NU",
    "JP",
    "CN",
    "AU",
    "NZ",
    "Germany",
    "United Kingdom",
    "Brasil",
    "XX",
    "",
    " ",
    "ZZZ",
    "🇩🇪",
];

/// Phone-field text: numbers in national and international formats with the decorations reps
/// type (spaces, dots, dashes, brackets, `(0)`, `tel:`, extensions, vanity letters), and any text.
fn phone_text() -> impl Strategy<Value = String> {
    let number = (
        prop::sample::select(vec!["", "+", "00", "011", "tel:", "TEL:+", "(0)", "0", "+1 ", "+44 (0)", "+55 (0xx11) "]),
        "[0-9 ().-]{4,22}",
        prop::sample::select(vec![
            "",
            " x12",
            " ext. 7",
            " #123",
            " ext",
            " x",
            " x12345678901",
            ";ext=5",
            " ext 1a",
            "-XFINITY",
            " / 2nd",
        ]),
    )
        .prop_map(|(prefix, digits, ext)| [prefix, &digits, ext].concat());
    prop_oneof![4 => number, 1 => text(), 1 => "[0-9+]{0,30}"]
}

fn country() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![3 => prop::sample::select(COUNTRIES.to_vec()).prop_map(String::from), 1 => text()])
}

fn scheme() -> impl Strategy<Value = DialScheme> {
    prop_oneof![
        Just(DialScheme::Tel),
        Just(DialScheme::Callto),
        prop::option::of(text()).prop_map(|domain| DialScheme::Sip { domain }),
        Just(DialScheme::Template(
            parse_template("https://pbx.example/dial?n={digits}&x={ext}").unwrap_or_else(|e| panic!("{e}"))
        )),
        Just(DialScheme::Template(parse_template("sip:{e164}@pbx.example").unwrap_or_else(|e| panic!("{e}")))),
    ]
}

proptest! {
    #![proptest_config(config(1024))]

    /// Any text against any country: a dialable number or a reason with a sentence, and a
    /// number is `+` and at most 15 digits, with an extension of 1-10 digits.
    #[test]
    fn any_text_normalizes_or_says_why(raw in phone_text(), contact in country(), default in country()) {
        match normalize(&raw, contact.as_deref(), default.as_deref()) {
            Ok(d) => {
                let digits = d.e164.strip_prefix('+').unwrap_or("");
                prop_assert!(!digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()), "{}", d.e164);
                if let Some(ext) = &d.extension {
                    prop_assert!((1..=10).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_digit()), "{ext}");
                }
            }
            Err(e) => prop_assert!(!e.message().is_empty() && !e.code().is_empty()),
        }
        region_of_country(&raw);
    }

    /// A normalized E.164 number re-normalizes to itself, whatever country is assumed: the
    /// number stored or dialed is a fixed point.
    #[test]
    fn e164_is_a_fixed_point(raw in phone_text(), contact in country(), other in country()) {
        if let Ok(d) = normalize(&raw, contact.as_deref(), None) {
            let again = normalize(&d.e164, other.as_deref(), other.as_deref());
            prop_assert_eq!(again.map(|a| a.e164), Ok(d.e164.clone()));
            if let Some(ext) = &d.extension {
                let with_ext = normalize(&[d.e164.as_str(), " ext ", ext].concat(), None, None);
                prop_assert_eq!(with_ext.map(|a| a.extension), Ok(Some(ext.clone())));
            }
        }
    }

    /// The contact's country decides, the default only stands in for a missing one; and the
    /// `tel:` URI a number dials by reads back as that number and extension.
    #[test]
    fn countries_and_tel_uris_read_back(raw in phone_text(), c in prop::sample::select(COUNTRIES.to_vec()), d in prop::sample::select(COUNTRIES.to_vec())) {
        let recognized = region_of_country(c).is_some();
        if recognized {
            prop_assert_eq!(normalize(&raw, Some(c), Some(d)), normalize(&raw, Some(c), None));
            prop_assert_eq!(normalize(&raw, None, Some(c)), normalize(&raw, Some(c), None));
        }
        if let Ok(number) = normalize(&raw, Some(c), None) {
            let uri = dial_uri(&number, &DialScheme::Tel);
            let back = normalize(&uri, None, None);
            prop_assert_eq!(back.as_ref().map(|b| (&b.e164, &b.extension)), Ok((&number.e164, &number.extension)), "{}", uri);
        }
    }

    /// The dial URI of any number under any scheme starts with that scheme and carries the
    /// number; nothing in a setting can end the URI's host early.
    #[test]
    fn dial_uris_carry_the_number(raw in phone_text(), contact in country(), how in scheme()) {
        let Ok(d) = normalize(&raw, contact.as_deref(), Some("US")) else { return Ok(()) };
        let uri = dial_uri(&d, &how);
        let digits = d.e164.trim_start_matches('+');
        prop_assert!(uri.contains(digits), "{uri}");
        let prefix = match &how {
            DialScheme::Tel => "tel:+",
            DialScheme::Callto => "callto:+",
            DialScheme::Sip { .. } => "sip:+",
            DialScheme::Template(t) => t.as_str().split(':').next().unwrap_or(""),
        };
        prop_assert!(uri.starts_with(prefix), "{uri}");
        if let DialScheme::Sip { .. } = &how {
            prop_assert!(uri.matches('@').count() <= 1 && !uri.contains(['/', '?', '#']), "{uri}");
        }
    }

    /// Any admin template: accepted only with an allowed scheme and a number placeholder,
    /// refused with a sentence otherwise; accepted ones survive storage (serde) unchanged.
    #[test]
    fn any_template_is_checked(raw in prop_oneof![
        text(),
        (prop::sample::select(vec!["https://", "tel:", "callto:", "sip:", "javascript:", "HTTPS://", "data:"]), "[a-z{}./?=&0-9]{0,30}")
            .prop_map(|(s, rest)| [s, &rest].concat()),
    ]) {
        match parse_template(&raw) {
            Ok(template) => {
                let scheme = template.as_str().split(':').next().unwrap_or("").to_ascii_lowercase();
                prop_assert!(["https", "tel", "callto", "sip"].contains(&scheme.as_str()), "{}", template.as_str());
                let has_number = template.as_str().contains("{e164}") || template.as_str().contains("{digits}");
                prop_assert!(has_number, "no number placeholder: {}", template.as_str());
                let stored = serde_json::to_value(&template).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let read: Result<DialTemplate, _> = serde_json::from_value(stored);
                prop_assert_eq!(read.ok(), Some(template.clone()));
                let d = Dialable { e164: "+4930901820".into(), extension: Some("12".into()), country: Some("DE") };
                prop_assert!(dial_uri(&d, &DialScheme::Template(template)).contains("4930901820"));
            }
            Err(e) => prop_assert!(!e.message().is_empty()),
        }
    }
}
