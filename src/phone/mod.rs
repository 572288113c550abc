//! Phone numbers: what reps type into HubSpot → E.164 + extension, and the URI that dials it.
//! Layer: core (pure). Table-driven (67 national plans, every ITU calling code) instead of
//! the `phonenumber` crate, which costs ~500 KB gzip and ~210 ms on first parse in a service
//! worker that restarts after 30 s idle (TOOLCHAIN.md). `corpus.rs` proves the tables.

mod calling_code;
mod country_name;
mod number;
mod plan;
mod uri;

#[cfg(test)]
mod corpus;

pub use country_name::region_of_country;
pub use number::normalize;
pub use uri::{dial_uri, parse_template, DialScheme, DialTemplate, TemplateError};

use serde::Serialize;
use std::fmt;

/// A number ready to dial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dialable {
    /// `+` and 8–15 digits, e.g. `+4930901820`.
    pub e164: String,
    /// Digits to send after the call connects, kept apart from the number.
    pub extension: Option<String>,
    /// ISO alpha-2 region of the number; `None` for non-geographic codes (`+800`).
    pub country: Option<&'static str>,
}

/// Why a phone field cannot be dialed. Each has a sentence for the rep (`message`) and a
/// stable `code` for the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    Empty,
    /// Letters or symbols where a number should be ("n/a", "ask reception").
    NotANumber,
    TooShort,
    TooLong,
    /// A `+` number whose first digits are no country's calling code.
    UnknownCallingCode,
    /// A national number, and neither the contact nor the settings say which country.
    NoCountry,
    /// An extension marker (`x`, `ext`, `#`) not followed by 1–10 digits.
    InvalidExtension,
    /// Not a number of this shape in that country.
    InvalidForCountry {
        region: &'static str,
    },
}

impl PhoneError {
    /// Stable identifier, for `Failure.code`.
    pub fn code(&self) -> &'static str {
        match self {
            PhoneError::Empty => "phone_empty",
            PhoneError::NotANumber => "phone_not_a_number",
            PhoneError::TooShort => "phone_too_short",
            PhoneError::TooLong => "phone_too_long",
            PhoneError::UnknownCallingCode => "phone_unknown_calling_code",
            PhoneError::NoCountry => "phone_no_country",
            PhoneError::InvalidExtension => "phone_invalid_extension",
            PhoneError::InvalidForCountry { .. } => "phone_invalid_for_country",
        }
    }

    /// A sentence a rep can act on.
    pub fn message(&self) -> String {
        match self {
            PhoneError::Empty => "This contact has no phone number.".into(),
            PhoneError::NotANumber => "This phone field holds text, not a phone number. Keep only the number and an \
                 optional extension (x123)."
                .into(),
            PhoneError::TooShort => "This number has too few digits to dial. Check for a missing area code.".into(),
            PhoneError::TooLong => {
                "This number has too many digits. Check for a typo or two numbers in one field.".into()
            }
            PhoneError::UnknownCallingCode => {
                "No country uses the code after the + in this number. Check the country code.".into()
            }
            PhoneError::NoCountry => "This number has no country code, and the contact has no country. Add a \
                 country code (+44…) or set the contact's country."
                .into(),
            PhoneError::InvalidExtension => "The extension must be 1 to 10 digits after x, ext or #.".into(),
            PhoneError::InvalidForCountry { region } => format!(
                "This is not a valid phone number in {}. Check the digits, or add the \
                 country code if the number is from elsewhere.",
                country_name::name_of(region)
            ),
        }
    }
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for PhoneError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_distinct_code_and_a_sentence() {
        let all = [
            PhoneError::Empty,
            PhoneError::NotANumber,
            PhoneError::TooShort,
            PhoneError::TooLong,
            PhoneError::UnknownCallingCode,
            PhoneError::NoCountry,
            PhoneError::InvalidExtension,
            PhoneError::InvalidForCountry { region: "DE" },
        ];
        for (i, error) in all.iter().enumerate() {
            assert!(error.message().ends_with('.'), "{error:?}");
            assert!(all[i + 1..].iter().all(|e| e.code() != error.code()), "{error:?}");
        }
        assert!(PhoneError::InvalidForCountry { region: "DE" }.message().contains("Germany"));
    }

    #[test]
    fn serializes_small() {
        let d = normalize("+49 30 901820 x12", None, None).unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), r#"{"e164":"+4930901820","extension":"12","country":"DE"}"#);
    }
}
