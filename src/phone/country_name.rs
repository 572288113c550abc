//! Country names: HubSpot's `country` contact property is free text, so reps write "Germany",
//! "Deutschland", "DE", "DEU" or "U.S.A.". This table maps what they write to ISO alpha-2, and
//! gives each region an English name for error messages. Layer: core (pure).

use super::calling_code::region_named;

/// Region, English name, other spellings (already normalized: lower case, no dots, single
/// spaces, no leading "the"), separated by `|`. Alpha-3 codes are included for the countries
/// with a plan, because CRM imports often carry them.
#[rustfmt::skip]
const NAMES: &[(&str, &str, &str)] = &[
    ("US", "United States", "united states of america|usa|us|america|u s a|estados unidos|états-unis|etats-unis|vereinigte staaten"),
    ("CA", "Canada", "can"),
    ("GB", "United Kingdom", "uk|u k|gbr|great britain|britain|england|scotland|wales|northern ireland|united kingdom of great britain and northern ireland|royaume-uni|vereinigtes königreich|reino unido"),
    ("JE", "Jersey", "jey"),
    ("GG", "Guernsey", "ggy"),
    ("IM", "Isle of Man", "imn"),
    ("IE", "Ireland", "irl|éire|eire|republic of ireland"),
    ("DE", "Germany", "deu|deutschland|allemagne|alemania|germania|federal republic of germany"),
    ("AT", "Austria", "aut|österreich|oesterreich|osterreich|autriche"),
    ("CH", "Switzerland", "che|schweiz|suisse|svizzera|svizra"),
    ("LI", "Liechtenstein", "lie"),
    ("FR", "France", "fra|frankreich|francia"),
    ("MC", "Monaco", "mco"),
    ("BE", "Belgium", "bel|belgique|belgië|belgie|belgien"),
    ("NL", "Netherlands", "nld|nederland|holland|pays-bas|niederlande|países bajos"),
    ("LU", "Luxembourg", "lux|luxemburg|lëtzebuerg"),
    ("IT", "Italy", "ita|italia|italien|italie"),
    ("SM", "San Marino", "smr"),
    ("VA", "Vatican City", "vatican|holy see|città del vaticano"),
    ("ES", "Spain", "esp|españa|espana|spanien|espagne"),
    ("PT", "Portugal", "prt"),
    ("DK", "Denmark", "dnk|danmark|dänemark"),
    ("SE", "Sweden", "swe|sverige|schweden|suède"),
    ("NO", "Norway", "nor|norge|noreg|norwegen"),
    ("FI", "Finland", "fin|suomi"),
    ("IS", "Iceland", "isl|ísland"),
    ("PL", "Poland", "pol|polska|polen|pologne"),
    ("CZ", "Czechia", "cze|czech republic|česko|cesko|česká republika|tschechien"),
    ("SK", "Slovakia", "svk|slovensko|slovak republic"),
    ("HU", "Hungary", "hun|magyarország|magyarorszag|ungarn"),
    ("RO", "Romania", "rou|românia"),
    ("GR", "Greece", "grc|hellas|ελλάδα|ελλαδα|griechenland"),
    ("TR", "Türkiye", "tur|turkey|turkiye|türkei"),
    ("UA", "Ukraine", "ukr|україна"),
    ("RU", "Russia", "rus|russian federation|россия"),
    ("KZ", "Kazakhstan", "kaz"),
    ("IL", "Israel", "isr"),
    ("AE", "United Arab Emirates", "are|uae|u a e|emirates"),
    ("SA", "Saudi Arabia", "sau|ksa|kingdom of saudi arabia"),
    ("EG", "Egypt", "egy"),
    ("MA", "Morocco", "mar|maroc"),
    ("NG", "Nigeria", "nga"),
    ("KE", "Kenya", "ken"),
    ("ZA", "South Africa", "zaf|rsa|suid-afrika"),
    ("CI", "Côte d'Ivoire", "civ|cote d'ivoire|ivory coast"),
    ("IN", "India", "ind|bharat|भारत"),
    ("PK", "Pakistan", "pak"),
    ("SG", "Singapore", "sgp|singapura"),
    ("MY", "Malaysia", "mys"),
    ("PH", "Philippines", "phl|pilipinas"),
    ("ID", "Indonesia", "idn"),
    ("TH", "Thailand", "tha|ประเทศไทย"),
    ("VN", "Vietnam", "vnm|viet nam|việt nam"),
    ("CN", "China", "chn|prc|people's republic of china|mainland china|中国"),
    ("HK", "Hong Kong", "hkg|hong kong sar|香港"),
    ("MO", "Macao", "mac|macau"),
    ("TW", "Taiwan", "twn|台灣|台湾"),
    ("JP", "Japan", "jpn|nippon|nihon|日本"),
    ("KR", "South Korea", "kor|korea|republic of korea|korea, republic of|korea (south)|한국|대한민국"),
    ("AU", "Australia", "aus"),
    ("NZ", "New Zealand", "nzl|aotearoa"),
    ("BR", "Brazil", "bra|brasil"),
    ("MX", "Mexico", "mex|méxico"),
    ("AR", "Argentina", "arg"),
    ("CL", "Chile", "chl"),
    ("CO", "Colombia", "col"),
    ("PE", "Peru", "per|perú"),
    ("VE", "Venezuela", "ven"),
    ("UY", "Uruguay", "ury"),
    ("PR", "Puerto Rico", "pri"),
];

/// The region a free-text country names: an ISO alpha-2 code in any case, or a name we know.
/// `None` for anything else ("EMEA", "Remote", "").
pub fn region_of_country(text: &str) -> Option<&'static str> {
    // Bound the work: no country name is this long, and the field is user-controlled.
    if text.len() > 80 {
        return None;
    }
    let key = key_of(text);
    if key.len() == 2 {
        // "UK" is not ISO 3166 but is what people write; every other pair is a code.
        return if key == "uk" { Some("GB") } else { region_named(&key) };
    }
    NAMES
        .iter()
        .find(|(_, name, aliases)| {
            name.chars().map(crate::fold::fold_case).eq(key.chars()) || aliases.split('|').any(|alias| alias == key)
        })
        .map(|(region, _, _)| *region)
}

/// The English name of a region, for messages; the code itself when the table has no name.
pub fn name_of(region: &str) -> &str {
    NAMES.iter().find(|(r, _, _)| *r == region).map_or(region, |(_, name, _)| *name)
}

/// Lower case, dots dropped ("U.S.A."), runs of white space as one space, no leading "the".
fn key_of(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().filter(|c| *c != '.').map(crate::fold::fold_case));
    }
    match key.strip_prefix("the ") {
        Some(rest) => rest.to_string(),
        None => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_names_and_native_names() {
        let cases = [
            ("de", Some("DE")),
            ("DE", Some("DE")),
            (" Germany ", Some("DE")),
            ("Deutschland", Some("DE")),
            ("España", Some("ES")),
            ("ESPAÑA", Some("ES")),
            ("spain", Some("ES")),
            ("United Kingdom", Some("GB")),
            ("UK", Some("GB")),
            ("Great Britain", Some("GB")),
            ("gb", Some("GB")),
            ("USA", Some("US")),
            ("U.S.A.", Some("US")),
            ("United States", Some("US")),
            ("united  states of america", Some("US")),
            ("The Netherlands", Some("NL")),
            ("Österreich", Some("AT")),
            ("Korea, Republic of", Some("KR")),
            ("日本", Some("JP")),
            ("DEU", Some("DE")),
            ("bd", Some("BD")),
            ("Jersey", Some("JE")),
            ("Narnia", None),
            ("je", Some("JE")),
            ("EMEA", None),
            ("", None),
            ("xx", None),
            ("n/a", None),
        ];
        for (text, want) in cases {
            assert_eq!(region_of_country(text), want, "{text:?}");
        }
    }

    #[test]
    fn every_named_region_is_a_known_region_once() {
        for (i, (region, name, aliases)) in NAMES.iter().enumerate() {
            assert_eq!(region_named(region), Some(*region), "{region}");
            assert!(NAMES[i + 1..].iter().all(|(r, _, _)| r != region), "{region} twice");
            for alias in aliases.split('|') {
                assert_eq!(key_of(alias), *alias, "{name}: alias {alias:?} is not normalized");
                assert_eq!(region_of_country(alias), Some(*region), "{name}: {alias} is shadowed");
            }
        }
    }

    #[test]
    fn names_regions_for_messages() {
        assert_eq!(name_of("DE"), "Germany");
        assert_eq!(name_of("BD"), "BD");
    }
}
