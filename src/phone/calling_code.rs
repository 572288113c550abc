//! Country calling codes: every ITU-T E.164 code in service, each with the regions (ISO 3166
//! alpha-2) that use it, plus the non-geographic codes and the NANP area codes outside the US.
//! Data only, no parsing. Layer: core (pure).
//! Source: ITU-T E.164 Annex to Operational Bulletin (list of assigned codes), NANPA area codes.

/// Region → calling code. Sorted by code; the first row of a code is its main region, the
/// one a `+` number with that code is attributed to when nothing better is known. Regions are
/// byte pairs, not `&str`: 4 bytes a row instead of 12 in wasm.
#[rustfmt::skip]
pub static REGIONS: &[([u8; 2], u16)] = &[
    (*b"US", 1), (*b"CA", 1), (*b"AG", 1), (*b"AI", 1), (*b"AS", 1), (*b"BB", 1), (*b"BM", 1), (*b"BS", 1),
    (*b"DM", 1), (*b"DO", 1), (*b"GD", 1), (*b"GU", 1), (*b"JM", 1), (*b"KN", 1), (*b"KY", 1), (*b"LC", 1),
    (*b"MP", 1), (*b"MS", 1), (*b"PR", 1), (*b"SX", 1), (*b"TC", 1), (*b"TT", 1), (*b"VC", 1), (*b"VG", 1),
    (*b"VI", 1),
    (*b"RU", 7), (*b"KZ", 7),
    (*b"EG", 20), (*b"SS", 211), (*b"MA", 212), (*b"EH", 212), (*b"DZ", 213), (*b"TN", 216), (*b"LY", 218),
    (*b"GM", 220), (*b"SN", 221), (*b"MR", 222), (*b"ML", 223), (*b"GN", 224), (*b"CI", 225), (*b"BF", 226),
    (*b"NE", 227), (*b"TG", 228), (*b"BJ", 229), (*b"MU", 230), (*b"LR", 231), (*b"SL", 232), (*b"GH", 233),
    (*b"NG", 234), (*b"TD", 235), (*b"CF", 236), (*b"CM", 237), (*b"CV", 238), (*b"ST", 239), (*b"GQ", 240),
    (*b"GA", 241), (*b"CG", 242), (*b"CD", 243), (*b"AO", 244), (*b"GW", 245), (*b"IO", 246), (*b"AC", 247),
    (*b"SC", 248), (*b"SD", 249), (*b"RW", 250), (*b"ET", 251), (*b"SO", 252), (*b"DJ", 253), (*b"KE", 254),
    (*b"TZ", 255), (*b"UG", 256), (*b"BI", 257), (*b"MZ", 258), (*b"ZM", 260), (*b"MG", 261), (*b"RE", 262),
    (*b"YT", 262), (*b"ZW", 263), (*b"NA", 264), (*b"MW", 265), (*b"LS", 266), (*b"BW", 267), (*b"SZ", 268),
    (*b"KM", 269), (*b"ZA", 27), (*b"SH", 290), (*b"TA", 290), (*b"ER", 291), (*b"AW", 297), (*b"FO", 298),
    (*b"GL", 299),
    (*b"GR", 30), (*b"NL", 31), (*b"BE", 32), (*b"FR", 33), (*b"ES", 34), (*b"GI", 350), (*b"PT", 351),
    (*b"LU", 352), (*b"IE", 353), (*b"IS", 354), (*b"AL", 355), (*b"MT", 356), (*b"CY", 357), (*b"FI", 358),
    (*b"AX", 358), (*b"BG", 359), (*b"HU", 36), (*b"LT", 370), (*b"LV", 371), (*b"EE", 372), (*b"MD", 373),
    (*b"AM", 374), (*b"BY", 375), (*b"AD", 376), (*b"MC", 377), (*b"SM", 378), (*b"UA", 380), (*b"RS", 381),
    (*b"ME", 382), (*b"XK", 383), (*b"HR", 385), (*b"SI", 386), (*b"BA", 387), (*b"MK", 389), (*b"IT", 39),
    (*b"VA", 39),
    (*b"RO", 40), (*b"CH", 41), (*b"CZ", 420), (*b"SK", 421), (*b"LI", 423), (*b"AT", 43), (*b"GB", 44),
    (*b"GG", 44), (*b"IM", 44), (*b"JE", 44), (*b"DK", 45), (*b"SE", 46), (*b"NO", 47), (*b"SJ", 47),
    (*b"PL", 48), (*b"DE", 49),
    (*b"FK", 500), (*b"BZ", 501), (*b"GT", 502), (*b"SV", 503), (*b"HN", 504), (*b"NI", 505), (*b"CR", 506),
    (*b"PA", 507), (*b"PM", 508), (*b"HT", 509), (*b"PE", 51), (*b"MX", 52), (*b"CU", 53), (*b"AR", 54),
    (*b"BR", 55), (*b"CL", 56), (*b"CO", 57), (*b"VE", 58), (*b"GP", 590), (*b"BL", 590), (*b"MF", 590),
    (*b"BO", 591), (*b"GY", 592), (*b"EC", 593), (*b"GF", 594), (*b"PY", 595), (*b"MQ", 596), (*b"SR", 597),
    (*b"UY", 598), (*b"CW", 599), (*b"BQ", 599),
    (*b"MY", 60), (*b"AU", 61), (*b"CX", 61), (*b"CC", 61), (*b"ID", 62), (*b"PH", 63), (*b"NZ", 64),
    (*b"SG", 65), (*b"TH", 66), (*b"TL", 670), (*b"NF", 672), (*b"AQ", 672), (*b"BN", 673), (*b"NR", 674),
    (*b"PG", 675), (*b"TO", 676), (*b"SB", 677), (*b"VU", 678), (*b"FJ", 679), (*b"PW", 680), (*b"WF", 681),
    (*b"CK", 682), (*b"NU", 683), (*b"WS", 685), (*b"KI", 686), (*b"NC", 687), (*b"TV", 688), (*b"PF", 689),
    (*b"TK", 690), (*b"FM", 691), (*b"MH", 692),
    (*b"JP", 81), (*b"KR", 82), (*b"VN", 84), (*b"KP", 850), (*b"HK", 852), (*b"MO", 853), (*b"KH", 855),
    (*b"LA", 856), (*b"CN", 86), (*b"BD", 880), (*b"TW", 886),
    (*b"TR", 90), (*b"IN", 91), (*b"PK", 92), (*b"AF", 93), (*b"LK", 94), (*b"MM", 95), (*b"MV", 960),
    (*b"LB", 961), (*b"JO", 962), (*b"SY", 963), (*b"IQ", 964), (*b"KW", 965), (*b"SA", 966), (*b"YE", 967),
    (*b"OM", 968), (*b"PS", 970), (*b"AE", 971), (*b"IL", 972), (*b"BH", 973), (*b"QA", 974), (*b"BT", 975),
    (*b"MN", 976), (*b"NP", 977), (*b"IR", 98), (*b"TJ", 992), (*b"TM", 993), (*b"AZ", 994), (*b"GE", 995),
    (*b"KG", 996), (*b"UZ", 998),
];

/// Codes that belong to no country: international freephone, satellite networks, shared-cost.
/// A `+` number with one of these is dialable, but has no region.
pub const NON_GEOGRAPHIC: &[u16] = &[800, 808, 870, 878, 881, 882, 883, 888, 979];

/// NANP area codes outside the US, so that a `+1` number is attributed to the right region.
/// Every other area code (including the non-geographic 8XX, 5XX, 900) counts as US.
#[rustfmt::skip]
pub static NANP_AREAS: &[(u16, [u8; 2])] = &[
    (204, *b"CA"), (226, *b"CA"), (236, *b"CA"), (249, *b"CA"), (250, *b"CA"), (257, *b"CA"), (263, *b"CA"),
    (289, *b"CA"), (306, *b"CA"), (343, *b"CA"), (354, *b"CA"), (365, *b"CA"), (367, *b"CA"), (368, *b"CA"),
    (382, *b"CA"), (387, *b"CA"), (403, *b"CA"), (416, *b"CA"), (418, *b"CA"), (428, *b"CA"), (431, *b"CA"),
    (437, *b"CA"), (438, *b"CA"), (450, *b"CA"), (460, *b"CA"), (468, *b"CA"), (474, *b"CA"), (506, *b"CA"),
    (514, *b"CA"), (519, *b"CA"), (548, *b"CA"), (579, *b"CA"), (581, *b"CA"), (584, *b"CA"), (587, *b"CA"),
    (604, *b"CA"), (613, *b"CA"), (639, *b"CA"), (647, *b"CA"), (672, *b"CA"), (683, *b"CA"), (705, *b"CA"),
    (709, *b"CA"), (742, *b"CA"), (753, *b"CA"), (778, *b"CA"), (780, *b"CA"), (782, *b"CA"), (807, *b"CA"),
    (819, *b"CA"), (825, *b"CA"), (867, *b"CA"), (873, *b"CA"), (879, *b"CA"), (902, *b"CA"), (905, *b"CA"),
    (942, *b"CA"),
    (242, *b"BS"), (246, *b"BB"), (264, *b"AI"), (268, *b"AG"), (284, *b"VG"), (340, *b"VI"), (345, *b"KY"),
    (441, *b"BM"), (473, *b"GD"), (649, *b"TC"), (658, *b"JM"), (664, *b"MS"), (670, *b"MP"), (671, *b"GU"),
    (684, *b"AS"), (721, *b"SX"), (758, *b"LC"), (767, *b"DM"), (784, *b"VC"), (787, *b"PR"), (809, *b"DO"),
    (829, *b"DO"), (849, *b"DO"), (868, *b"TT"), (869, *b"KN"), (876, *b"JM"), (939, *b"PR"),
];

/// A table region as `&'static str`.
fn text_of(region: &'static [u8; 2]) -> Option<&'static str> {
    std::str::from_utf8(region).ok()
}

/// The calling code of a region (ISO alpha-2, upper case), if it is one we know.
pub fn code_of(iso2: &str) -> Option<u16> {
    REGIONS.iter().find(|(region, _)| region == iso2.as_bytes()).map(|(_, code)| *code)
}

/// The table's own `&'static str` for a region code given in any case, if it is known.
pub fn region_named(code: &str) -> Option<&'static str> {
    let (region, _) = REGIONS.iter().find(|(region, _)| region.eq_ignore_ascii_case(code.as_bytes()))?;
    text_of(region)
}

/// The main region of a calling code; `None` for a non-geographic or unassigned code.
pub fn main_region(code: u16) -> Option<&'static str> {
    REGIONS.iter().find(|(_, c)| *c == code).and_then(|(region, _)| text_of(region))
}

/// Whether `code` is a calling code in service (geographic or not).
pub fn is_assigned(code: u16) -> bool {
    NON_GEOGRAPHIC.contains(&code) || REGIONS.iter().any(|(_, c)| *c == code)
}

/// The region of a NANP area code outside the US, if it is one.
pub fn nanp_region(area: u16) -> Option<&'static str> {
    NANP_AREAS.iter().find(|(a, _)| *a == area).and_then(|(_, region)| text_of(region))
}

/// Splits E.164 digits (no `+`) into calling code and the rest. Codes are prefix-free, so the
/// first assigned prefix of 1 to 3 digits is the code.
pub fn split_code(digits: &str) -> Option<(u16, &str)> {
    if digits.starts_with('0') {
        return None; // "+01…" is not +1
    }
    (1..=3).find_map(|len| {
        let code: u16 = digits.get(..len)?.parse().ok()?;
        is_assigned(code).then(|| digits.get(len..).map(|rest| (code, rest))).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_prefix_free() {
        // If 2 and 27 were both assigned, `split_code` would misread every South African number.
        let mut codes: Vec<u16> = REGIONS.iter().map(|(_, c)| *c).collect();
        codes.extend_from_slice(NON_GEOGRAPHIC);
        for a in &codes {
            for b in &codes {
                let (a, b) = (a.to_string(), b.to_string());
                assert!(a == b || !b.starts_with(&a), "{a} is a prefix of {b}");
            }
        }
    }

    #[test]
    fn regions_are_unique_upper_case_pairs() {
        for (i, (region, _)) in REGIONS.iter().enumerate() {
            assert!(region.iter().all(|b| b.is_ascii_uppercase()), "{region:?}");
            assert!(REGIONS[i + 1..].iter().all(|(r, _)| r != region), "{region:?} twice");
        }
        assert!(REGIONS.len() >= 240, "only {} regions", REGIONS.len());
    }

    #[test]
    fn nanp_areas_belong_to_nanp_regions() {
        for (area, region) in NANP_AREAS {
            assert_eq!(text_of(region).and_then(code_of), Some(1), "{area} {region:?}");
        }
    }

    #[test]
    fn splits_codes_of_each_length() {
        assert_eq!(split_code("12025550100"), Some((1, "2025550100")));
        assert_eq!(split_code("4930901820"), Some((49, "30901820")));
        assert_eq!(split_code("35312345678"), Some((353, "12345678")));
        assert_eq!(split_code("80012345678"), Some((800, "12345678")));
        assert_eq!(split_code("2812345"), None); // +28 is spare
        assert_eq!(split_code(""), None);
        assert_eq!(split_code("0112345678"), None);
        assert_eq!(main_region(44), Some("GB"));
        assert_eq!(main_region(800), None);
    }
}
