//! National numbering plans: for the countries reps call most, how a national number is
//! written (trunk and international prefixes) and which lengths and leading digits are plausible.
//! Data only; `number.rs` reads it. Layer: core (pure). Lengths are of the national significant
//! number (NSN: after the country code, without trunk prefix), from the national plans notified
//! to the ITU; a plausibility check, not a list of assigned ranges (`corpus.rs` tests it).

/// How a country's numbers are checked beyond lengths and leading digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Lengths and leading digits are all there is.
    Plain,
    /// NANP: `NXX NXX XXXX`, area code not `N11`.
    Nanp,
    /// Brazil: two-digit area code, 8-digit landlines (2–5), 9-digit mobiles (9); a national
    /// number may carry a two-digit long-distance carrier code after the trunk 0.
    Brazil,
    /// Argentina: mobiles are `9` + area + subscriber internationally, written nationally as
    /// area + `15` + subscriber.
    Argentina,
    /// Mexico: 10 digits; the old mobile `1` after `+52` is dropped.
    Mexico,
}

/// One country's plan. `lengths` and `first` are bit sets: bit n of `lengths` is set when an
/// NSN of n digits is plausible, bit d of `first` when an NSN may start with digit d.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub region: &'static str,
    pub code: u16,
    /// National prefixes that are dropped before the NSN, longest first (empty: none, e.g. IT).
    pub trunks: &'static [&'static str],
    /// International prefixes besides `00`, which every plan accepts (no national number
    /// starts with `00`).
    pub idd: &'static [&'static str],
    pub lengths: u16,
    pub first: u16,
    /// Service ranges outside the general shape (freephone, shared cost): an NSN starting with
    /// the prefix is plausible at these lengths, whatever `lengths` and `first` say.
    pub extra: &'static [(&'static str, u16)],
    pub rule: Rule,
}

/// Bit set of lengths `lo..=hi`.
const fn len(lo: u32, hi: u32) -> u16 {
    let mut bits = 0u16;
    let mut n = lo;
    while n <= hi {
        bits |= 1 << n;
        n += 1;
    }
    bits
}

/// Bit set of two length ranges.
const fn lens(a: (u32, u32), b: (u32, u32)) -> u16 {
    len(a.0, a.1) | len(b.0, b.1)
}

/// Bit set of the digits in `digits`.
const fn first(digits: &str) -> u16 {
    let bytes = digits.as_bytes();
    let mut bits = 0u16;
    let mut i = 0;
    while i < bytes.len() {
        // cannot panic: const fn run only to build the const plan table; a bad digit fails the build.
        bits |= 1 << (bytes[i] - b'0');
        i += 1;
    }
    bits
}

const NONE: &[&str] = &[];
const ZERO: &[&str] = &["0"];
const NO_EXTRA: &[(&str, u16)] = &[];

const fn plan(
    region: &'static str,
    code: u16,
    trunks: &'static [&'static str],
    lengths: u16,
    first_digits: &str,
) -> Plan {
    Plan { region, code, trunks, idd: NONE, lengths, first: first(first_digits), extra: NO_EXTRA, rule: Rule::Plain }
}

const fn with_idd(mut p: Plan, idd: &'static [&'static str]) -> Plan {
    p.idd = idd;
    p
}

const fn with_extra(mut p: Plan, extra: &'static [(&'static str, u16)]) -> Plan {
    p.extra = extra;
    p
}

const fn with_rule(mut p: Plan, rule: Rule) -> Plan {
    p.rule = rule;
    p
}

const NANP_IDD: &[&str] = &["011"];

/// The plans. Regions sharing a code are listed main region first; a region without a row
/// borrows the main row of its code (Jersey uses GB's, Puerto Rico the NANP's).
#[rustfmt::skip]
pub const PLANS: &[Plan] = &[
    // North America. The trunk `1` is optional when dialing inside the NANP.
    with_rule(with_idd(plan("US", 1, &["1"], len(10, 10), "23456789"), NANP_IDD), Rule::Nanp),
    with_rule(with_idd(plan("CA", 1, &["1"], len(10, 10), "23456789"), NANP_IDD), Rule::Nanp),
    // Europe.
    with_extra(plan("GB", 44, ZERO, lens((7, 7), (9, 10)), "1235789"), &[("800", len(7, 7))]),
    with_extra(plan("IE", 353, ZERO, len(7, 9), "12456789"), &[("1800", len(10, 10)), ("1850", len(10, 10)), ("1890", len(10, 10))]),
    // German and Austrian numbers are open: area codes of 2–5 digits, direct-dial suffixes.
    plan("DE", 49, ZERO, len(6, 13), "123456789"),
    plan("AT", 43, ZERO, len(5, 13), "123456789"),
    plan("CH", 41, ZERO, len(9, 9), "2345789"),
    plan("LI", 423, NONE, len(7, 9), "2356789"),
    plan("FR", 33, ZERO, len(9, 9), "123456789"),
    plan("MC", 377, NONE, len(8, 9), "34689"),
    plan("BE", 32, ZERO, len(8, 9), "123456789"),
    with_extra(plan("NL", 31, ZERO, len(9, 9), "123456789"), &[("800", len(7, 10)), ("900", len(7, 10)), ("90", len(7, 10)), ("97", len(11, 11))]),
    plan("LU", 352, NONE, len(4, 11), "2345689"),
    // Italy, San Marino, Vatican: the leading 0 of a landline is part of the number.
    plan("IT", 39, NONE, len(6, 11), "013458"),
    plan("SM", 378, NONE, len(6, 10), "0567"),
    plan("ES", 34, NONE, len(9, 9), "56789"),
    plan("PT", 351, NONE, len(9, 9), "23789"),
    plan("DK", 45, NONE, len(8, 8), "2345678"),
    plan("SE", 46, ZERO, len(7, 10), "123456789"),
    plan("NO", 47, NONE, len(8, 8), "23456789"),
    plan("FI", 358, ZERO, len(5, 12), "123456789"),
    plan("IS", 354, NONE, len(7, 7), "456789"),
    plan("PL", 48, NONE, len(9, 9), "123456789"),
    plan("CZ", 420, NONE, len(9, 9), "23456789"),
    plan("SK", 421, ZERO, len(9, 9), "234589"),
    plan("HU", 36, &["06"], len(8, 9), "123456789"),
    plan("RO", 40, ZERO, len(9, 9), "2378"),
    plan("GR", 30, NONE, len(10, 10), "256789"),
    plan("TR", 90, ZERO, len(10, 10), "234589"),
    plan("UA", 380, ZERO, len(9, 9), "345679"),
    with_idd(plan("RU", 7, &["8"], len(10, 10), "3489"), &["810"]),
    with_idd(plan("KZ", 7, &["8"], len(10, 10), "67"), &["810"]),
    // Middle East and Africa.
    with_extra(with_idd(plan("IL", 972, ZERO, len(8, 9), "23456789"), &["012", "013", "014", "018"]), &[("1800", len(10, 10)), ("1700", len(10, 10))]),
    plan("AE", 971, ZERO, len(8, 9), "2345679"),
    with_extra(plan("SA", 966, ZERO, len(8, 9), "15"), &[("800", len(10, 10)), ("92", len(9, 9))]),
    plan("EG", 20, ZERO, len(8, 10), "123456789"),
    plan("MA", 212, ZERO, len(9, 9), "5678"),
    with_idd(plan("NG", 234, ZERO, lens((7, 8), (10, 10)), "123456789"), &["009"]),
    with_idd(plan("KE", 254, ZERO, len(9, 9), "12345789"), &["000"]),
    plan("ZA", 27, ZERO, len(9, 9), "12345678"),
    // Côte d'Ivoire: since 2021 every number is 10 digits and may start with 0.
    plan("CI", 225, NONE, len(10, 10), "0"),
    // Asia.
    with_extra(plan("IN", 91, ZERO, len(10, 10), "123456789"), &[("1800", len(11, 11)), ("1860", len(11, 11))]),
    plan("PK", 92, ZERO, len(9, 10), "23456789"),
    with_extra(with_idd(plan("SG", 65, NONE, len(8, 8), "3689"), &["001", "008", "018", "019"]), &[("1800", len(11, 11)), ("800", len(10, 10))]),
    plan("MY", 60, ZERO, len(8, 10), "13456789"),
    plan("PH", 63, ZERO, len(8, 10), "23456789"),
    with_idd(plan("ID", 62, ZERO, len(8, 12), "23456789"), &["001", "007", "008", "009"]),
    with_idd(plan("TH", 66, ZERO, len(8, 9), "23456789"), &["001", "007", "008", "009"]),
    plan("VN", 84, ZERO, len(9, 10), "23456789"),
    plan("CN", 86, ZERO, len(9, 12), "123456789"),
    with_extra(with_idd(plan("HK", 852, NONE, len(8, 8), "234569"), &["001", "002", "009"]), &[("800", len(9, 9))]),
    plan("MO", 853, NONE, len(8, 8), "2689"),
    with_idd(plan("TW", 886, ZERO, len(8, 9), "2345678"), &["002", "005", "006", "007", "009"]),
    with_idd(plan("JP", 81, ZERO, len(9, 10), "123456789"), &["010"]),
    with_idd(plan("KR", 82, ZERO, len(8, 10), "123456789"), &["001", "002", "005", "006", "008"]),
    // Oceania. Australian freephone and local-rate numbers have no trunk prefix.
    with_extra(
        with_idd(plan("AU", 61, ZERO, len(9, 9), "23478"), &["0011"]),
        &[("1300", len(10, 10)), ("1800", len(10, 10)), ("13", len(6, 6))],
    ),
    plan("NZ", 64, ZERO, len(8, 10), "23456789"),
    plan("NU", 683, NONE, lens((4, 4), (7, 7)), "123478"),
    plan("TK", 690, NONE, len(4, 7), "2345789"),
    // Latin America.
    with_rule(
        with_extra(
            with_idd(plan("BR", 55, ZERO, len(10, 11), "123456789"), &["0012", "0014", "0015", "0021", "0023", "0031", "0041", "0043"]),
            &[("300", len(10, 10)), ("500", len(10, 10)), ("800", len(10, 10)), ("900", len(10, 10))],
        ),
        Rule::Brazil,
    ),
    with_rule(plan("MX", 52, &["044", "045", "01"], len(10, 10), "123456789"), Rule::Mexico),
    with_rule(with_extra(plan("AR", 54, ZERO, len(10, 11), "1239"), &[("800", len(10, 10)), ("810", len(10, 10))]), Rule::Argentina),
    with_idd(plan("CL", 56, ZERO, len(9, 9), "2345679"), &["1230", "1220", "1710", "1200"]),
    with_idd(plan("CO", 57, ZERO, len(10, 10), "3568"), &["009", "007", "005"]),
    plan("PE", 51, ZERO, len(8, 9), "123456789"),
    plan("VE", 58, ZERO, len(10, 10), "24589"),
    plan("UY", 598, ZERO, len(8, 8), "249"),
];

/// The plan of a region (upper-case ISO alpha-2), or of the main region of its calling code.
pub fn plan_of(region: &str, code: u16) -> Option<&'static Plan> {
    PLANS.iter().find(|p| p.region == region).or_else(|| PLANS.iter().find(|p| p.code == code))
}

/// Every plan row of a calling code, main region first.
pub fn plans_with_code(code: u16) -> impl Iterator<Item = &'static Plan> {
    PLANS.iter().filter(move |p| p.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::calling_code::code_of;

    #[test]
    fn every_plan_matches_the_calling_code_table() {
        for p in PLANS {
            assert_eq!(code_of(p.region), Some(p.code), "{}", p.region);
            assert!(p.lengths != 0 && p.first != 0, "{}", p.region);
            assert!(p.lengths & 0b1111 == 0, "{}: NSN under 4 digits", p.region);
        }
    }

    #[test]
    fn the_table_covers_the_countries_reps_call_most() {
        let wanted = "US CA GB IE DE AT CH FR BE NL LU IT ES PT DK SE NO FI PL CZ GR TR IL AE SA IN \
                      PK SG MY PH ID TH VN CN HK JP KR AU NZ ZA NG KE EG BR MX AR CL CO PE";
        for region in wanted.split_whitespace() {
            assert!(PLANS.iter().any(|p| p.region == region), "{region} has no plan");
        }
        assert!(PLANS.len() >= 40);
    }

    #[test]
    fn main_row_comes_first_for_shared_codes() {
        assert_eq!(plans_with_code(1).next().map(|p| p.region), Some("US"));
        assert_eq!(plans_with_code(7).next().map(|p| p.region), Some("RU"));
        assert_eq!(plan_of("JE", 44).map(|p| p.region), Some("GB"));
        assert_eq!(plan_of("PR", 1).map(|p| p.region), Some("US"));
        assert!(plan_of("BD", 880).is_none());
    }
}
