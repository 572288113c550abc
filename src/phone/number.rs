//! Phone-number normalization: what a rep typed into HubSpot's phone field → an E.164 number
//! and an extension, read against the contact's country. The logic only; the country data lives
//! in `plan.rs`, `calling_code.rs` and `country_name.rs`. Layer: core (pure).

use super::calling_code::{code_of, main_region, nanp_region, split_code};
use super::country_name::region_of_country;
use super::plan::{plan_of, plans_with_code, Plan, Rule};
use super::{Dialable, PhoneError};

/// Digits read before giving up: 15 of E.164, plus an international prefix of up to 5.
const MAX_DIGITS: usize = 20;
/// Longest extension kept. Longer is a typo or a second number.
const MAX_EXTENSION: usize = 10;

/// Turns a raw phone-field value into a number to dial.
///
/// The country of a national-format number is `contact_country` (HubSpot's free-text
/// `country`: ISO alpha-2 or a name we know) when it is recognizable, else `default_country`
/// (the portal or admin setting). A `+`/`00` number carries its own country. Never panics.
pub fn normalize(
    raw: &str,
    contact_country: Option<&str>,
    default_country: Option<&str>,
) -> Result<Dialable, PhoneError> {
    let text = scan(raw)?;
    if text.digits.len() < 4 {
        // No plan anywhere has an NSN under 4 digits (Niue's landlines are the shortest).
        return Err(PhoneError::TooShort);
    }
    let reference = contact_country.and_then(region_of_country).or_else(|| default_country.and_then(region_of_country));

    let number = if text.plus {
        international(&text.digits, text.paren_zero, reference)?
    } else if let Some(idd) = international_prefix(&text.digits, reference) {
        let paren_zero = text.paren_zero.and_then(|at| at.checked_sub(idd));
        international(text.digits.get(idd..).unwrap_or_default(), paren_zero, reference)?
    } else {
        national(&text.digits, reference.ok_or(PhoneError::NoCountry)?)?
    };

    // Keypad letters are a North American habit (1-800-FLOWERS); elsewhere they are a label.
    if text.vanity && number.code != 1 {
        return Err(PhoneError::NotANumber);
    }
    let mut e164 = String::with_capacity(16);
    e164.push('+');
    e164.push_str(&number.code.to_string());
    e164.push_str(&number.nsn);
    Ok(Dialable { e164, extension: text.extension, country: number.region })
}

/// A number split into its parts, after every rewrite.
struct Number {
    code: u16,
    nsn: String,
    region: Option<&'static str>,
}

/// What the scan of the raw text found.
#[derive(Debug, Default)]
struct Text {
    digits: String,
    plus: bool,
    /// Index in `digits` of a `0` written alone in parentheses: the trunk prefix of `+44 (0)20`.
    paren_zero: Option<usize>,
    extension: Option<String>,
    /// Letters were read as keypad digits.
    vanity: bool,
}

/// Reads digits, `+` and an extension out of the raw text, skipping formatting.
fn scan(raw: &str) -> Result<Text, PhoneError> {
    let body = raw.trim();
    // A pasted RFC 3966 URI is a number like any other.
    let body = match body.get(..4).zip(body.get(4..)) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("tel:") => rest,
        _ => body,
    };
    let mut text = Text::default();
    let mut only_formatting = true;
    let mut open_paren: Option<usize> = None;
    let mut skip_to = 0;
    let mut in_word = false;
    for (at, c) in body.char_indices() {
        if at < skip_to {
            continue;
        }
        // Every path that reads a vanity letter `continue`s past this reset.
        let was_in_word = std::mem::replace(&mut in_word, false);
        if text.digits.len() > MAX_DIGITS {
            return Err(PhoneError::TooLong);
        }
        if let Some(d) = digit_of(c) {
            text.digits.push(d);
            continue;
        }
        if is_formatting(c) {
            continue;
        }
        only_formatting = false;
        match c {
            '+' | '\u{FF0B}' if text.digits.is_empty() && !text.plus => text.plus = true,
            '(' | '[' | '\u{FF08}' => open_paren = Some(text.digits.len()),
            ')' | ']' | '\u{FF09}' => {
                if let Some(open) = open_paren.take() {
                    if text.digits.len() == open + 1 && text.digits.ends_with('0') {
                        text.paren_zero = Some(open);
                    }
                }
            }
            _ if text.digits.is_empty() => return Err(PhoneError::NotANumber),
            _ => {
                let tail = body.get(at..).unwrap_or_default();
                // Brazil writes the long-distance carrier slot literally: "(0xx11) 3333-4444".
                if text.digits == "0" && tail.get(..2).is_some_and(|xx| xx.eq_ignore_ascii_case("xx")) {
                    skip_to = at + 2;
                    continue;
                }
                // Inside a vanity word every capital is a letter: the X of FEDEX is no marker.
                if was_in_word && c.is_ascii_uppercase() {
                    text.digits.push(keypad_digit(c));
                    in_word = true;
                    continue;
                }
                match extension_in(tail) {
                    Some(extension) => {
                        text.extension = Some(extension?);
                        break;
                    }
                    None if c.is_ascii_uppercase() && text.digits.len() >= 3 => {
                        text.digits.push(keypad_digit(c));
                        text.vanity = true;
                        in_word = true;
                        continue;
                    }
                    None => return Err(PhoneError::NotANumber),
                }
            }
        }
    }
    if text.digits.is_empty() {
        return Err(if only_formatting { PhoneError::Empty } else { PhoneError::NotANumber });
    }
    Ok(text)
}

/// Markers that start an extension, lower case, longest first where one is a prefix of
/// another. `,` is the dialer pause that precedes extension digits in dial strings.
const EXTENSION_MARKERS: &[&str] = &[";ext=", "extension", "ext", "x", "#", ",", "poste", "anexo", "ramal"];

/// The extension at the start of `tail`: `None` when no marker is there or words follow it
/// (`1-800-XFINITY` is a vanity number, not extension "FINITY"), `Some(Err)` when a marker is
/// followed by something other than 1–10 digits.
fn extension_in(tail: &str) -> Option<Result<String, PhoneError>> {
    let marker = EXTENSION_MARKERS.iter().find(|m| tail.get(..m.len()).is_some_and(|t| t.eq_ignore_ascii_case(m)))?;
    let rest = tail.get(marker.len()..)?.trim_start_matches(|c: char| c.is_whitespace() || ".:=#-,".contains(c));
    if rest.chars().any(is_letter) {
        return None;
    }
    let mut extension = String::new();
    for c in rest.trim_end_matches(|c: char| c.is_whitespace() || c == '#').chars() {
        match digit_of(c) {
            Some(d) if extension.len() < MAX_EXTENSION => extension.push(d),
            _ => return Some(Err(PhoneError::InvalidExtension)),
        }
    }
    Some(if extension.is_empty() { Err(PhoneError::InvalidExtension) } else { Ok(extension) })
}

/// A letter, for telling words from an extension: ASCII letters, and any other character above
/// ASCII that is neither a digit `digit_of` reads nor a space nor a formatting mark. Not
/// `char::is_alphabetic`, which links Unicode's letter table into the wasm (issue 12: size).
/// They differ on symbols and other scripts' digits above ASCII (`ext ✓`): refused either way,
/// now as "not a number" where it was "invalid extension".
fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || (!c.is_ascii() && digit_of(c).is_none() && !is_formatting(c))
}

/// ASCII digit of a decimal digit in the scripts reps paste from: ASCII, full-width (CJK
/// input methods), Arabic-Indic, Persian, Devanagari.
fn digit_of(c: char) -> Option<char> {
    let zero = match c {
        '0'..='9' => '0',
        '\u{FF10}'..='\u{FF19}' => '\u{FF10}',
        '\u{0660}'..='\u{0669}' => '\u{0660}',
        '\u{06F0}'..='\u{06F9}' => '\u{06F0}',
        '\u{0966}'..='\u{096F}' => '\u{0966}',
        _ => return None,
    };
    char::from_digit(c as u32 - zero as u32, 10)
}

/// Characters people put between digits: spaces of every width (NBSP from Outlook signatures),
/// dots, slashes (German `089/1234567`), every dash, and the invisible marks that come along
/// with copy-paste (zero-width space, bidi marks around numbers in RTL text).
fn is_formatting(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '.' | '-' | '/' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FF0D}' | '\u{30FC}'
                | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}' | '\u{00AD}'
        )
}

/// ITU E.161 keypad letter → digit (caller passes an ASCII letter).
fn keypad_digit(c: char) -> char {
    match c.to_ascii_uppercase() {
        'A'..='C' => '2',
        'D'..='F' => '3',
        'G'..='I' => '4',
        'J'..='L' => '5',
        'M'..='O' => '6',
        'P'..='S' => '7',
        'T'..='V' => '8',
        _ => '9',
    }
}

/// Length of the international prefix `digits` start with, read as dialed from `reference`.
fn international_prefix(digits: &str, reference: Option<&str>) -> Option<usize> {
    let plan = reference.and_then(|region| plan_of(region, code_of(region)?));
    plan.into_iter()
        .flat_map(|p| p.idd.iter())
        .chain(std::iter::once(&"00"))
        .find(|idd| digits.starts_with(**idd))
        .map(|idd| idd.len())
}

/// A number that starts with its country code (`digits` after `+` or the international prefix).
fn international(
    digits: &str,
    paren_zero: Option<usize>,
    reference: Option<&'static str>,
) -> Result<Number, PhoneError> {
    let (code, rest) = split_code(digits).ok_or(PhoneError::UnknownCallingCode)?;
    let code_len = digits.len() - rest.len();
    let reference = reference.filter(|region| code_of(region) == Some(code));
    // The reference's own row (or the row it borrows) first, then the code's other rows.
    let preferred = reference.and_then(|region| plan_of(region, code));
    let mut plans = preferred
        .into_iter()
        .chain(plans_with_code(code).filter(|p| Some(p.region) != preferred.map(|q| q.region)))
        .peekable();

    if plans.peek().is_none() {
        // A code without a plan row: E.164's generic shape, and "(0)" is a trunk prefix.
        let nsn = match rest.strip_prefix('0') {
            Some(stripped) if paren_zero == Some(code_len) => stripped,
            _ => rest,
        };
        let total = code_len + nsn.len();
        if total < 8 {
            return Err(PhoneError::TooShort);
        }
        if total > 15 {
            return Err(PhoneError::TooLong);
        }
        return Ok(Number { code, nsn: nsn.to_string(), region: reference.or_else(|| main_region(code)) });
    }

    let mut first_error = None;
    for plan in plans {
        let nsn = rewritten(plan, rest, true);
        match check(plan, &nsn) {
            Ok(()) => {
                let region = region_for(plan, &nsn, reference);
                return Ok(Number { code, nsn, region });
            }
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    Err(first_error.unwrap_or(PhoneError::UnknownCallingCode))
}

/// A number in the national format of `region`.
fn national(digits: &str, region: &'static str) -> Result<Number, PhoneError> {
    let Some(code) = code_of(region) else {
        return Err(PhoneError::NoCountry);
    };
    let Some(plan) = plan_of(region, code) else {
        // No row: most of the world's trunk prefix is 0, and no NSN starts with it there.
        let nsn = digits.strip_prefix('0').unwrap_or(digits);
        let total = code.to_string().len() + nsn.len();
        if total < 8 {
            return Err(PhoneError::TooShort);
        }
        if total > 15 {
            return Err(PhoneError::TooLong);
        }
        return Ok(Number { code, nsn: nsn.to_string(), region: Some(region) });
    };

    let reference = Some(region);
    let trunk = plan.trunks.iter().find_map(|t| digits.strip_prefix(*t).map(|after| (*t, after)));
    if let Some((trunk, after_trunk)) = trunk {
        let nsn = rewritten(plan, after_trunk, false);
        let stripped = check(plan, &nsn);
        if stripped.is_ok() {
            return Ok(Number { code, region: region_for(plan, &nsn, reference), nsn });
        }
        // Russia's trunk 8 is also the first digit of St Petersburg's 812: try the digits as-is.
        let whole = rewritten(plan, digits, false);
        if check(plan, &whole).is_ok() {
            return Ok(Number { code, region: region_for(plan, &whole, reference), nsn: whole });
        }
        // "(102) 555-0143": the 1 is not a trunk prefix but a wrong first digit of a number of
        // the right length. (A trunk 0 never starts a number, so it stays "too short" there.)
        let digit_trunk = !trunk.starts_with('0');
        return Err(match stripped {
            Err(PhoneError::TooShort) if digit_trunk && plan.lengths & bit(whole.len()) != 0 => {
                PhoneError::InvalidForCountry { region }
            }
            Err(error) => error,
            Ok(()) => PhoneError::InvalidForCountry { region },
        });
    }

    let nsn = rewritten(plan, digits, false);
    let as_is = check(plan, &nsn);
    // The country code typed without `+` ("49 89 1234567"): taken as such when the national
    // reading lacks the trunk prefix the country uses, or does not fit the plan at all.
    if digits.starts_with(&code.to_string()) && (!plan.trunks.is_empty() || as_is.is_err()) {
        if let Ok(number) = international(digits, None, reference) {
            return Ok(number);
        }
    }
    as_is.map(|()| Number { code, region: region_for(plan, &nsn, reference), nsn })
}

/// The NSN after the country's rewrites: the stray trunk 0 after a country code, Brazil's
/// carrier code, Argentina's `15`, Mexico's old mobile `1`.
fn rewritten(plan: &Plan, nsn: &str, international: bool) -> String {
    let mut nsn = nsn;
    // "+44 (0)20 …" and "+44 020 …": the trunk 0 has no place after the code where no NSN
    // starts with 0. Italy's 0 is part of the number and stays.
    if international && plan.first & 1 == 0 {
        nsn = nsn.strip_prefix('0').unwrap_or(nsn);
    }
    match plan.rule {
        Rule::Brazil if !international && (nsn.len() == 12 || nsn.len() == 13) => {
            nsn.get(2..).unwrap_or(nsn).to_string()
        }
        Rule::Argentina => argentine_mobile(nsn).unwrap_or_else(|| nsn.to_string()),
        Rule::Mexico if nsn.len() == 11 => nsn.strip_prefix('1').unwrap_or(nsn).to_string(),
        _ => nsn.to_string(),
    }
}

/// Argentina: area + `15` + subscriber (the national mobile form) → `9` + area + subscriber
/// (the form dialed from abroad). Area and subscriber together are always 10 digits; the area
/// code is 11 (Buenos Aires), or 3 or 4 digits starting with 2 or 3.
fn argentine_mobile(nsn: &str) -> Option<String> {
    let body = match nsn.len() {
        12 => nsn,
        13 => nsn.strip_prefix('9')?,
        _ => return None,
    };
    let area_len = [2, 3, 4]
        .into_iter()
        .find(|len| (*len != 2 || body.starts_with("11")) && body.get(*len..len + 2) == Some("15"))?;
    Some(["9", body.get(..area_len)?, body.get(area_len + 2..)?].concat())
}

/// Whether `nsn` is a plausible national significant number under `plan`.
fn check(plan: &Plan, nsn: &str) -> Result<(), PhoneError> {
    let region = plan.region;
    let n = nsn.len();
    if plan.extra.iter().any(|(prefix, lengths)| nsn.starts_with(prefix) && lengths & bit(n) != 0) {
        return Ok(());
    }
    let min = plan.lengths.trailing_zeros() as usize;
    let max = 15 - plan.lengths.leading_zeros() as usize;
    if n < min {
        return Err(PhoneError::TooShort);
    }
    if n > max || plan.code.to_string().len() + n > 15 {
        return Err(PhoneError::TooLong);
    }
    let invalid = PhoneError::InvalidForCountry { region };
    let digit = |i: usize| nsn.as_bytes().get(i).map_or(0, |b| b.wrapping_sub(b'0'));
    if plan.lengths & bit(n) == 0 || plan.first & bit(usize::from(digit(0))) == 0 {
        return Err(invalid);
    }
    let fits = match plan.rule {
        Rule::Plain | Rule::Mexico => true,
        // NXX NXX XXXX, and N11 area codes are service codes (411, 911).
        Rule::Nanp => digit(3) >= 2 && !(digit(1) == 1 && digit(2) == 1),
        Rule::Brazil => digit(1) != 0 && if n == 11 { digit(2) == 9 } else { (2..=5).contains(&digit(2)) },
        Rule::Argentina => {
            let landline = if n == 11 { nsn.strip_prefix('9').unwrap_or(nsn) } else { nsn };
            let area_ok = !landline.starts_with('1') || landline.starts_with("11");
            area_ok && landline.len() == 10 && matches!(landline.as_bytes().first(), Some(b'1'..=b'3'))
        }
    };
    if fits {
        Ok(())
    } else {
        Err(invalid)
    }
}

fn bit(n: usize) -> u16 {
    1u16.checked_shl(n as u32).unwrap_or(0)
}

/// The region a number belongs to: NANP by area code; else the reference region when it
/// shares the code and its plan is the one that fits (Jersey on GB's plan); else the plan's.
fn region_for(plan: &Plan, nsn: &str, reference: Option<&'static str>) -> Option<&'static str> {
    if plan.code == 1 {
        let area = nsn.get(..3).and_then(|a| a.parse().ok()).unwrap_or(0);
        return Some(nanp_region(area).unwrap_or("US"));
    }
    match reference {
        Some(region) if plan_of(region, plan.code).map(|p| p.region) == Some(plan.region) => Some(region),
        _ => Some(plan.region),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(raw: &str, country: &str) -> Result<String, PhoneError> {
        normalize(raw, Some(country), None).map(|d| d.e164)
    }

    #[test]
    fn reads_extensions_in_every_spelling() {
        for raw in [
            "+1 202-555-0143 x123",
            "+1 202-555-0143 ext. 123",
            "+1 202-555-0143 ext 123",
            "+1 202-555-0143#123",
            "+1 202-555-0143;ext=123",
            "+1 202-555-0143 Ext: 123",
            "+1 202-555-0143,,123",
            "+1 202-555-0143 extension 123",
            "(202) 555-0143 X123",
        ] {
            let d = normalize(raw, Some("US"), None).unwrap();
            assert_eq!((d.e164.as_str(), d.extension.as_deref()), ("+12025550143", Some("123")), "{raw}");
        }
        assert_eq!(normalize("+1 202 555 0143 ext", None, None), Err(PhoneError::InvalidExtension));
        assert_eq!(normalize("+1 202 555 0143 x12345678901", None, None), Err(PhoneError::InvalidExtension));
        assert_eq!(normalize("+1 202 555 0143 x 12*", None, None), Err(PhoneError::InvalidExtension));
        assert_eq!(normalize("+1 202 555 0143 EXT", None, None), Err(PhoneError::InvalidExtension));
        assert_eq!(normalize("+1 202 555 0143 x 12a", None, None), Err(PhoneError::NotANumber));
    }

    #[test]
    fn maps_vanity_letters_only_in_the_nanp() {
        assert_eq!(e164("1-800-FLOWERS", "US"), Ok("+18003569377".into()));
        assert_eq!(e164("+1 800 GO FEDEX", "DE"), Ok("+18004633339".into()));
        assert_eq!(e164("1-800-flowers", "US"), Err(PhoneError::NotANumber));
        let flowers = normalize("1-800-FLOWERS EXT 12", Some("US"), None).unwrap();
        assert_eq!((flowers.e164.as_str(), flowers.extension.as_deref()), ("+18003569377", Some("12")));
        let endless = format!("1-800-{}", "A".repeat(1 << 20));
        assert_eq!(e164(&endless, "US"), Err(PhoneError::TooLong));
        assert_eq!(e164("089 HAUPTSTR", "DE"), Err(PhoneError::NotANumber));
        // A trailing label becomes extra digits, which the NANP length then refuses.
        assert_eq!(e164("202 555 0143 CELL", "US"), Err(PhoneError::TooLong));
    }

    #[test]
    fn picks_the_country_from_number_then_contact_then_default() {
        assert_eq!(normalize("030 901820", Some("Germany"), Some("US")).unwrap().e164, "+4930901820");
        assert_eq!(normalize("030 901820", Some("Narnia"), Some("DE")).unwrap().e164, "+4930901820");
        assert_eq!(normalize("030 901820", None, Some("de")).unwrap().country, Some("DE"));
        assert_eq!(normalize("030 901820", None, None), Err(PhoneError::NoCountry));
        assert_eq!(normalize("+44 20 7946 0018", Some("DE"), None).unwrap().country, Some("GB"));
        assert_eq!(normalize("+44 7797 123456", Some("JE"), None).unwrap().country, Some("JE"));
        assert_eq!(normalize("+1 416 555 0100", Some("US"), None).unwrap().country, Some("CA"));
        assert_eq!(normalize("787 555 0100", Some("Puerto Rico"), None).unwrap().country, Some("PR"));
        assert_eq!(normalize("+7 701 123 4567", None, None).unwrap().country, Some("KZ"));
        assert_eq!(normalize("+800 1234 5678", None, None).unwrap().country, None);
    }

    #[test]
    fn applies_the_nanp_shape() {
        assert_eq!(e164("(202) 155-0143", "US"), Err(PhoneError::InvalidForCountry { region: "US" }));
        assert_eq!(e164("(102) 555-0143", "US"), Err(PhoneError::InvalidForCountry { region: "US" }));
        assert_eq!(e164("(911) 555-0143", "US"), Err(PhoneError::InvalidForCountry { region: "US" }));
        assert_eq!(e164("555-0143", "US"), Err(PhoneError::TooShort));
    }

    #[test]
    fn reads_unicode_digits_and_marks() {
        assert_eq!(e164("０３－１２３４－５６７８", "JP"), Ok("+81312345678".into()));
        assert_eq!(e164("\u{200E}+972 50\u{2011}123\u{2011}4567\u{200F}", "IL"), Ok("+972501234567".into()));
        assert_eq!(e164("٠١٠ ١٢٣٤ ٥٦٧٨", "EG"), Ok("+201012345678".into()));
        assert_eq!(e164("tel:+49-30-901820", "US"), Ok("+4930901820".into()));
    }

    /// A tiny deterministic generator, so the fuzz loop needs no crate.
    struct Xorshift(u64);
    impl Xorshift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let alphabet: Vec<char> =
            "0123456789+()[]-. x#,;=extEXT/0\u{00A0}\u{2013}\u{200B}\u{FF10}\u{0665}éß日😀\u{0}\u{FFFF}aZ"
                .chars()
                .collect();
        let countries =
            [None, Some("US"), Some("DE"), Some("IT"), Some("BR"), Some("AR"), Some("MX"), Some("zz"), Some("日本")];
        let mut rng = Xorshift(0x9E37_79B9_7F4A_7C15);
        for round in 0..200_000 {
            let len = (rng.next() % 40) as usize;
            let raw: String = (0..len).map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize]).collect();
            let country = countries[round % countries.len()];
            let default = countries[(round / 7) % countries.len()];
            if let Ok(d) = normalize(&raw, country, default) {
                assert!(d.e164.starts_with('+') && d.e164.len() <= 16, "{raw:?} → {}", d.e164);
                assert!(d.e164[1..].bytes().all(|b| b.is_ascii_digit()), "{raw:?}");
            }
        }
        let huge_digits = "1".repeat(1 << 20);
        assert_eq!(normalize(&huge_digits, Some("US"), None), Err(PhoneError::TooLong));
        let huge_spaces = format!("{}+49 30 901820", " \u{00A0}".repeat(1 << 18));
        assert!(normalize(&huge_spaces, None, None).is_ok());
        assert!(normalize(&"é".repeat(1 << 18), None, Some(&"x".repeat(1 << 18))).is_err());
        assert_eq!(normalize("+1 202 555 0143 x", None, None), Err(PhoneError::InvalidExtension));
        assert_eq!(normalize("+", None, None), Err(PhoneError::NotANumber));
        assert_eq!(normalize(" \t\u{200B} ", None, None), Err(PhoneError::Empty));
    }

    /// Run with `cargo test phone -- --ignored --nocapture` for the native timing in the report.
    #[test]
    #[ignore]
    fn times_ten_thousand_normalizations() {
        let samples = [
            ("+49 (0)89 1234567", None),
            ("(202) 555-0143 x12", Some("US")),
            ("0044 20 7946 0018", Some("FR")),
            ("011 15 2345-6789", Some("AR")),
            ("(11) 91234-5678", Some("Brasil")),
            ("n/a", Some("US")),
            ("06-12345678", Some("NL")),
            ("+39 02 1234 5678", None),
            ("090-1234-5678", Some("Japan")),
            ("98765 43210", Some("India")),
        ];
        let start = std::time::Instant::now();
        let mut ok = 0;
        for i in 0..10_000 {
            let (raw, country) = samples[i % samples.len()];
            ok += usize::from(normalize(raw, country, Some("US")).is_ok());
        }
        let elapsed = start.elapsed();
        println!("10000 normalizations: {elapsed:?} ({:?} each), {ok} ok", elapsed / 10_000);
    }
}
