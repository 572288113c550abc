//! Case folding without Unicode's case tables: `char::to_lowercase` links about 11 KB of tables
//! into the wasm (and `to_uppercase` as much again) for scripts a contact's name or a country
//! rarely uses. The scripts below cover the country table and prospect names in European
//! alphabets; a character outside them compares as it is written.
//! Layer: core (pure).

/// Lower case for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic; other characters as they are.
pub fn fold_case(c: char) -> char {
    let code = c as u32;
    let lower = match code {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE | 0x391..=0x3A1 | 0x3A3..=0x3AB | 0x410..=0x42F => code + 0x20,
        0x386 => 0x3AC,
        0x388..=0x38A => code + 0x25,
        0x400..=0x40F => code + 0x50,
        // Latin Extended-A pairs capitals on even code points (Č 0x10C, č 0x10D) up to 0x137,
        // then on odd ones up to 0x148, even again up to 0x177, odd from 0x179.
        0x100..=0x137 | 0x14A..=0x177 if code % 2 == 0 => code + 1,
        0x139..=0x148 | 0x179..=0x17E if code % 2 == 1 => code + 1,
        _ => code,
    };
    char::from_u32(lower).unwrap_or(c)
}

/// `text` in lower case, character by character (`fold_case`).
pub fn fold(text: &str) -> String {
    text.chars().map(fold_case).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_like_unicode_for_the_scripts_it_covers() {
        let sample = "ABCZ ÀÉÑÖØÞ ĀČĎĚĹŁŃŇŠŽ ΆΈΉΊΑΛΩΫ ЁЂЏАБЯ ÷×ß日本 한국";
        for c in sample.chars() {
            let unicode: String = c.to_lowercase().collect();
            assert_eq!(fold_case(c).to_string(), unicode, "{c}");
        }
    }

    #[test]
    fn folds_whole_names() {
        assert_eq!(fold("ÉLODIE Šimková"), "élodie šimková");
        assert_eq!(fold("Ольга"), "ольга");
        assert_eq!(fold("李雷 O'Neil"), "李雷 o'neil");
    }
}
