//! The phone corpus: numbers as people in each country write them, with the E.164 (and
//! extension) or error a rep must get. Proves the tables in `plan.rs`. Layer: core (pure), tests.
//! Fiction ranges where regulators reserve them: US 555-01XX; UK Ofcom 020 7946 0XXX, 0121/0161/
//! 0113 496 0XXX, 07700 900XXX, 0808 157 0XXX; AU ACMA 0491 570 XXX, 0X 5550 XXXX, 1800/1300
//! 975 707; FR ARCEP 01 99 00 XX XX, 06 39 98 XX XX. Elsewhere made-up numbers of the real shape.

use super::{normalize, PhoneError};

enum Want {
    /// E.164, no extension.
    E164(&'static str),
    /// E.164 and extension.
    Ext(&'static str, &'static str),
    Fails(PhoneError),
}

use PhoneError::*;
use Want::{Ext, Fails, E164};

const fn invalid(region: &'static str) -> Want {
    Fails(InvalidForCountry { region })
}

/// (raw phone field, contact country as typed in HubSpot, expected). The default country is
/// always `None`, so a missing contact country shows up as `NoCountry`.
#[rustfmt::skip]
const CORPUS: &[(&str, Option<&str>, Want)] = &[
    // United States and Canada (NANP): with and without the 1, every punctuation.
    ("(202) 555-0143", Some("US"), E164("+12025550143")),
    ("202-555-0143", Some("US"), E164("+12025550143")),
    ("202.555.0143", Some("us"), E164("+12025550143")),
    ("2025550143", Some("USA"), E164("+12025550143")),
    ("1 (202) 555-0143", Some("United States"), E164("+12025550143")),
    ("1-202-555-0143", Some("US"), E164("+12025550143")),
    ("+1 202 555 0143", None, E164("+12025550143")),
    ("+1 (202) 555-0143 x204", None, Ext("+12025550143", "204")),
    ("202-555-0143 ext. 12", Some("US"), Ext("+12025550143", "12")),
    ("(312) 555-0199 #7", Some("U.S.A."), Ext("+13125550199", "7")),
    ("+1 312 555 0199;ext=7", None, Ext("+13125550199", "7")),
    ("011 44 20 7946 0123", Some("US"), E164("+442079460123")),
    ("1-800-FLOWERS", Some("US"), E164("+18003569377")),
    ("(416) 555-0188", Some("Canada"), E164("+14165550188")),
    ("+1 604 555 0123", None, E164("+16045550123")),
    ("555-0143", Some("US"), Fails(TooShort)),
    ("(202) 055-0143", Some("US"), invalid("US")),
    ("(911) 555-0143", Some("US"), invalid("US")),
    ("202 555 0143", None, Fails(NoCountry)),
    // United Kingdom: trunk 0, the "(0)" habit, 00 44, missing +.
    ("020 7946 0123", Some("GB"), E164("+442079460123")),
    ("+44 (0)20 7946 0123", None, E164("+442079460123")),
    ("+44 20 7946 0123", None, E164("+442079460123")),
    ("0044 20 7946 0123", Some("DE"), E164("+442079460123")),
    ("07700 900123", Some("UK"), E164("+447700900123")),
    ("+44 (0) 7700 900 123", None, E164("+447700900123")),
    ("+44 07700 900123", None, E164("+447700900123")),
    ("0121 496 0123", Some("United Kingdom"), E164("+441214960123")),
    ("0161 496 0987", Some("England"), E164("+441614960987")),
    ("0113 496 0555 ext 2201", Some("Great Britain"), Ext("+441134960555", "2201")),
    ("0808 157 0123", Some("GB"), E164("+448081570123")),
    ("44 20 7946 0123", Some("GB"), E164("+442079460123")),
    ("020 7946", Some("GB"), Fails(TooShort)),
    ("020 7946 0123 45", Some("GB"), Fails(TooLong)),
    ("040 7946 0123", Some("GB"), invalid("GB")),
    // Germany: (0), 0049, slash, direct-dial suffix.
    ("030 901820", Some("DE"), E164("+4930901820")),
    ("+49 (0)30 901820", None, E164("+4930901820")),
    ("+49 (0) 89 1234567", None, E164("+49891234567")),
    ("0049 89 1234567", Some("Deutschland"), E164("+49891234567")),
    ("0049 (0)89 1234567", Some("Germany"), E164("+49891234567")),
    ("089/1234567", Some("DE"), E164("+49891234567")),
    ("0151 23456789", Some("DE"), E164("+4915123456789")),
    ("+49 151 23456789", None, E164("+4915123456789")),
    ("0170-1234567", Some("DEU"), E164("+491701234567")),
    ("+49 30 12345-678", None, E164("+493012345678")),
    ("49 30 901820", Some("DE"), E164("+4930901820")),
    ("030 12", Some("DE"), Fails(TooShort)),
    // France: pairs of digits, dots, 0033.
    ("01 99 00 12 34", Some("FR"), E164("+33199001234")),
    ("01.99.00.12.34", Some("France"), E164("+33199001234")),
    ("+33 (0)1 99 00 12 34", None, E164("+33199001234")),
    ("0033 1 99 00 12 34", Some("UK"), E164("+33199001234")),
    ("0033 6 39 98 12 34", Some("FR"), E164("+33639981234")),
    ("06 39 98 12 34", Some("fr"), E164("+33639981234")),
    ("+33 6 39 98 12 34", None, E164("+33639981234")),
    ("0 800 12 34 56", Some("FR"), E164("+33800123456")),
    ("33 1 99 00 12 34", Some("FR"), E164("+33199001234")),
    ("01 99 00 12 3", Some("FR"), Fails(TooShort)),
    // Switzerland and Ireland.
    ("044 668 18 00", Some("CH"), E164("+41446681800")),
    ("+41 (0)44 668 18 00", None, E164("+41446681800")),
    ("079 123 45 67", Some("Schweiz"), E164("+41791234567")),
    ("0041 79 123 45 67", Some("CH"), E164("+41791234567")),
    ("01 234 5678", Some("IE"), E164("+35312345678")),
    ("087 123 4567", Some("Ireland"), E164("+353871234567")),
    ("+353 (0)87 123 4567", None, E164("+353871234567")),
    // Italy: the leading 0 of a landline stays after +39; mobiles start with 3, even 39x.
    ("02 1234 5678", Some("IT"), E164("+390212345678")),
    ("+39 02 1234 5678", None, E164("+390212345678")),
    ("0039 06 1234 5678", Some("IT"), E164("+390612345678")),
    ("+39 (0)2 1234 5678", None, E164("+390212345678")),
    ("347 123 4567", Some("Italia"), E164("+393471234567")),
    ("+39 347 1234567", None, E164("+393471234567")),
    ("393 123 4567", Some("IT"), E164("+393931234567")),
    ("39 02 1234 5678", Some("IT"), E164("+390212345678")),
    // Spain: no trunk prefix, 9 digits.
    ("912 345 678", Some("ES"), E164("+34912345678")),
    ("+34 912 34 56 78", None, E164("+34912345678")),
    ("612 34 56 78", Some("España"), E164("+34612345678")),
    ("0034 612 345 678", Some("ES"), E164("+34612345678")),
    ("34 612 345 678", Some("Spain"), E164("+34612345678")),
    ("412 345 678", Some("ES"), invalid("ES")),
    // Netherlands.
    ("020-123 4567", Some("NL"), E164("+31201234567")),
    ("06-12345678", Some("NL"), E164("+31612345678")),
    ("+31 (0)20 123 4567", None, E164("+31201234567")),
    ("+31 6 1234 5678", None, E164("+31612345678")),
    ("0031 20 123 4567", Some("The Netherlands"), E164("+31201234567")),
    ("0800-1234", Some("Nederland"), E164("+318001234")),
    // Japan: 010 international prefix, full-width digits from IMEs.
    ("03-1234-5678", Some("JP"), E164("+81312345678")),
    ("090-1234-5678", Some("Japan"), E164("+819012345678")),
    ("+81 90 1234 5678", None, E164("+819012345678")),
    ("+81 (0)3 1234 5678", None, E164("+81312345678")),
    ("010 1 202 555 0143", Some("JP"), E164("+12025550143")),
    ("０９０－１２３４－５６７８", Some("日本"), E164("+819012345678")),
    ("0120-123-456", Some("JP"), E164("+81120123456")),
    ("06-6123-4567", Some("JP"), E164("+81661234567")),
    // India: 0 trunk, Delhi 011 (not the NANP prefix here), 91 without +.
    ("098765 43210", Some("IN"), E164("+919876543210")),
    ("+91 98765 43210", None, E164("+919876543210")),
    ("+91-98765-43210", None, E164("+919876543210")),
    ("98765 43210", Some("India"), E164("+919876543210")),
    ("011 2345 6789", Some("IN"), E164("+911123456789")),
    ("+91 11 2345 6789", None, E164("+911123456789")),
    ("0091 80 2345 6789", Some("IN"), E164("+918023456789")),
    ("91 98765 43210", Some("IN"), E164("+919876543210")),
    ("98765 4321", Some("IN"), Fails(TooShort)),
    // Brazil: area code in parentheses, 9-digit mobiles, carrier codes, "0xx".
    ("(11) 91234-5678", Some("BR"), E164("+5511912345678")),
    ("+55 11 91234-5678", None, E164("+5511912345678")),
    ("+55 (11) 3333-4444", None, E164("+551133334444")),
    ("(21) 2345-6789", Some("Brasil"), E164("+552123456789")),
    ("011 91234-5678", Some("BR"), E164("+5511912345678")),
    ("0 21 11 91234-5678", Some("BR"), E164("+5511912345678")),
    ("(0xx11) 3333-4444", Some("Brazil"), E164("+551133334444")),
    ("0055 11 91234 5678", Some("BR"), E164("+5511912345678")),
    ("0800 123 4567", Some("BR"), E164("+558001234567")),
    ("(11) 81234-5678", Some("BR"), invalid("BR")),
    ("(11) 9123-4567", Some("BR"), invalid("BR")),
    // Mexico: 10 digits; the old 044/045/01 prefixes and the +52 1 mobile token go.
    ("55 1234 5678", Some("MX"), E164("+525512345678")),
    ("+52 55 1234 5678", None, E164("+525512345678")),
    ("+52 1 55 1234 5678", None, E164("+525512345678")),
    ("044 55 1234 5678", Some("México"), E164("+525512345678")),
    ("01 33 1234 5678", Some("MX"), E164("+523312345678")),
    ("(81) 1234-5678", Some("Mexico"), E164("+528112345678")),
    ("52 1 55 1234 5678", Some("MX"), E164("+525512345678")),
    // Argentina: 15 mobiles become 9 + area + subscriber.
    ("011 15-2345-6789", Some("AR"), E164("+5491123456789")),
    ("+54 9 11 2345-6789", None, E164("+5491123456789")),
    ("+54 11 2345-6789", None, E164("+541123456789")),
    ("0351 15-234-5678", Some("Argentina"), E164("+5493512345678")),
    ("+54 11 15 2345 6789", None, E164("+5491123456789")),
    ("15-2345-6789", Some("AR"), invalid("AR")),
    // Australia: ACMA fictional numbers, 0011 prefix, 1300/1800 without trunk.
    ("0491 570 156", Some("AU"), E164("+61491570156")),
    ("+61 491 570 157", None, E164("+61491570157")),
    ("(02) 5550 1234", Some("Australia"), E164("+61255501234")),
    ("03 5550 4321", Some("AU"), E164("+61355504321")),
    ("+61 (0)491 570 158", None, E164("+61491570158")),
    ("0011 1 202 555 0143", Some("AU"), E164("+12025550143")),
    ("1800 975 707", Some("AU"), E164("+611800975707")),
    ("1300 975 707", Some("AU"), E164("+611300975707")),
    ("0491 570", Some("AU"), Fails(TooShort)),
    // South Africa.
    ("021 123 4567", Some("ZA"), E164("+27211234567")),
    ("082 123 4567", Some("South Africa"), E164("+27821234567")),
    ("+27 (0)82 123 4567", None, E164("+27821234567")),
    ("+27 82 123 4567", None, E164("+27821234567")),
    ("0027 11 123 4567", Some("ZA"), E164("+27111234567")),
    // New Zealand.
    ("09 123 4567", Some("NZ"), E164("+6491234567")),
    ("021 123 4567", Some("New Zealand"), E164("+64211234567")),
    ("+64 21 123 4567", None, E164("+64211234567")),
    ("+64 (0)9 123 4567", None, E164("+6491234567")),
    ("0800 123 456", Some("NZ"), E164("+64800123456")),
    // Singapore: no trunk prefix, 8 digits, 001 prefix.
    ("6123 4567", Some("SG"), E164("+6561234567")),
    ("9123 4567", Some("Singapore"), E164("+6591234567")),
    ("+65 9123 4567", None, E164("+6591234567")),
    ("+65-6123-4567", None, E164("+6561234567")),
    ("001 1 202 555 0143", Some("SG"), E164("+12025550143")),
    ("1234 5678", Some("SG"), invalid("SG")),
    // Elsewhere in the table.
    ("08-123 456 78", Some("SE"), E164("+46812345678")),
    ("070-123 45 67", Some("Sverige"), E164("+46701234567")),
    ("22 123 45 67", Some("PL"), E164("+48221234567")),
    ("+48 601 234 567", None, E164("+48601234567")),
    ("010-1234-5678", Some("KR"), E164("+821012345678")),
    ("02-123-4567", Some("South Korea"), E164("+8221234567")),
    ("010 1234 5678", Some("CN"), E164("+861012345678")),
    ("138 0013 8000", Some("China"), E164("+8613800138000")),
    ("2123 4567", Some("HK"), E164("+85221234567")),
    ("+56 9 1234 5678", None, E164("+56912345678")),
    ("(2) 2123 4567", Some("Chile"), E164("+56221234567")),
    ("300 123 4567", Some("CO"), E164("+573001234567")),
    ("601 234 5678", Some("Colombia"), E164("+576012345678")),
    ("01 234 5678", Some("Perú"), E164("+5112345678")),
    ("912 345 678", Some("PE"), E164("+51912345678")),
    ("050-123-4567", Some("IL"), E164("+972501234567")),
    ("+971 50 123 4567", None, E164("+971501234567")),
    ("0803 123 4567", Some("Nigeria"), E164("+2348031234567")),
    ("0712 345678", Some("KE"), E164("+254712345678")),
    ("8 (495) 123-45-67", Some("RU"), E164("+74951234567")),
    ("06 30 123 4567", Some("HU"), E164("+36301234567")),
    // Codes without a plan row: E.164's generic rule; non-geographic codes; spare codes.
    ("+880 1712 345678", None, E164("+8801712345678")),
    ("01712 345678", Some("BD"), E164("+8801712345678")),
    ("+800 1234 5678", None, E164("+80012345678")),
    ("+683 4002", None, E164("+6834002")),
    ("+28 123 4567", None, Fails(UnknownCallingCode)),
    ("+0 123 4567", None, Fails(UnknownCallingCode)),
    ("0049 30 901820", None, E164("+4930901820")),
    ("011 49 30 901820", None, Fails(NoCountry)),
    // Junk reps leave in phone fields.
    ("", Some("US"), Fails(Empty)),
    ("   ", Some("US"), Fails(Empty)),
    ("n/a", Some("US"), Fails(NotANumber)),
    ("N/A", Some("US"), Fails(NotANumber)),
    ("none", Some("US"), Fails(NotANumber)),
    ("-", Some("US"), Fails(Empty)), // a dash is how people write "none"
    ("TBD", Some("US"), Fails(NotANumber)),
    ("ask reception", Some("GB"), Fails(NotANumber)),
    ("john@example.com", Some("US"), Fails(NotANumber)),
    ("Mobile: 202 555 0143", Some("US"), Fails(NotANumber)),
    ("(202) 555-0143 (mobile)", Some("US"), Fails(NotANumber)),
    ("202-555-0143 or 202-555-0144", Some("US"), Fails(NotANumber)),
    ("+1 202 555 0143 / +1 202 555 0144", Some("US"), Fails(NotANumber)),
    ("202-555-0143 / 202-555-0144", Some("US"), Fails(TooLong)),
    ("123", Some("US"), Fails(TooShort)),
    ("12345678901234567890123", Some("US"), Fails(TooLong)),
    ("+44 20 7946 0123 4567 8901", None, Fails(TooLong)),
    ("+1 202 555 0143 ext", Some("US"), Fails(InvalidExtension)),
    ("😀", Some("US"), Fails(NotANumber)),
    ("1-800-flowers", Some("US"), Fails(NotANumber)),
];

#[test]
fn corpus_normalizes_as_written_in_each_country() {
    let mut failures = Vec::new();
    for (raw, country, want) in CORPUS {
        let got = normalize(raw, *country, None);
        let ok = match (want, &got) {
            (E164(e164), Ok(d)) => d.e164 == *e164 && d.extension.is_none(),
            (Ext(e164, ext), Ok(d)) => d.e164 == *e164 && d.extension.as_deref() == Some(*ext),
            (Fails(error), Err(got)) => error == got,
            _ => false,
        };
        if !ok {
            failures.push(format!("{raw:?} ({country:?}) → {got:?}"));
        }
    }
    let countries: std::collections::BTreeSet<&str> =
        CORPUS.iter().filter_map(|(raw, country, _)| normalize(raw, *country, None).ok()?.country).collect();
    println!(
        "phone corpus: {}/{} pass, {} regions: {}",
        CORPUS.len() - failures.len(),
        CORPUS.len(),
        countries.len(),
        countries.into_iter().collect::<Vec<_>>().join(" ")
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(CORPUS.len() >= 120);
}
