//! HubSpot's timestamps (API-FACTS §5: epoch milliseconds, or ISO 8601 in UTC) read and
//! written without chrono. Layer: core (pure). Only the shapes HubSpot sends and takes are
//! handled; chrono's parser and its formatting machinery cost the wasm about 20 KB (issue 12).

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count from 1970-01-01 (the inverse of `days_from_civil`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reads exactly `n` ASCII digits at `at`.
fn digits(bytes: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = bytes.get(at..at + n)?;
    part.iter().try_fold(0u32, |acc, b| b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0')))
}

/// A timestamp as HubSpot sends it → epoch ms: digits (epoch ms), `YYYY-MM-DD`, or
/// `YYYY-MM-DDTHH:MM:SS[.fff…]` followed by `Z`, `±HH:MM` or nothing (HubSpot then means UTC).
pub fn parse_ms(value: &str) -> Option<i64> {
    let value = value.trim();
    let b = value.as_bytes();
    if !b.is_empty() && b.iter().all(u8::is_ascii_digit) {
        return value.parse().ok();
    }
    let year = i64::from(digits(b, 0, 4)?);
    let (month, day) = (digits(b, 5, 2)?, digits(b, 8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&month) {
        return None;
    }
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let date_ms = days_from_civil(year, month, day) * 86_400_000;
    if b.len() == 10 {
        return Some(date_ms);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    // 60 is a leap second, as RFC 3339 allows.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 19;
    let mut millis = 0i64;
    if b.get(at) == Some(&b'.') {
        let start = at + 1;
        at = start;
        while let Some(d) = b.get(at).filter(|d| d.is_ascii_digit()) {
            if at - start < 3 {
                millis = millis * 10 + i64::from(d - b'0');
            }
            at += 1;
        }
        if at == start {
            return None;
        }
        for _ in (at - start)..3 {
            millis *= 10;
        }
    }
    let offset_ms = match b.get(at..) {
        Some([] | [b'Z' | b'z']) => 0,
        Some([sign @ (b'+' | b'-'), _, _, b':', _, _]) => {
            let (h, m) = (digits(b, at + 1, 2)?, digits(b, at + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let offset = i64::from(h * 60 + m) * 60_000;
            if *sign == b'-' {
                -offset
            } else {
                offset
            }
        }
        _ => return None,
    };
    let time_ms = i64::from(hour * 3_600 + minute * 60 + second) * 1_000 + millis;
    Some(date_ms + time_ms - offset_ms)
}

/// Epoch ms → `YYYY-MM-DDTHH:MM:SS.mmmZ`, the form HubSpot takes for `hs_timestamp`. `None`
/// outside the years 0000–9999, which ISO 8601 cannot write in four digits.
pub fn iso_utc(ms: i64) -> Option<String> {
    let (year, month, day) = civil_from_days(ms.div_euclid(86_400_000));
    if !(0..=9999).contains(&year) {
        return None;
    }
    let in_day = ms.rem_euclid(86_400_000);
    let fields = [
        (year, 4, ""),
        (i64::from(month), 2, "-"),
        (i64::from(day), 2, "-"),
        (in_day / 3_600_000, 2, "T"),
        (in_day / 60_000 % 60, 2, ":"),
        (in_day / 1_000 % 60, 2, ":"),
        (in_day % 1_000, 3, "."),
    ];
    let mut out = String::with_capacity(24);
    for (value, width, before) in fields {
        out.push_str(before);
        // Digits from the right, `width` of them (the values fit: year ≤ 9999, the rest < 1000).
        let mut digits = [b'0'; 4];
        let mut v = value;
        for slot in digits.iter_mut().take(width) {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out.extend(digits.iter().take(width).rev().map(|&d| char::from(d)));
    }
    out.push('Z');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_shape_hubspot_sends() {
        assert_eq!(parse_ms("1767225600000"), Some(1_767_225_600_000));
        assert_eq!(parse_ms("2026-01-01T00:00:00Z"), Some(1_767_225_600_000));
        assert_eq!(parse_ms("2026-01-01T00:00:00.123Z"), Some(1_767_225_600_123));
        assert_eq!(parse_ms("2026-01-01T00:00:00.5z"), Some(1_767_225_600_500));
        assert_eq!(parse_ms("2026-01-01T00:00:00.123456789Z"), Some(1_767_225_600_123));
        assert_eq!(parse_ms("2026-01-01T01:00:00+01:00"), Some(1_767_225_600_000));
        assert_eq!(parse_ms("2025-12-31T19:30:00-04:30"), Some(1_767_225_600_000));
        assert_eq!(parse_ms(" 2026-01-01 00:00:00 "), Some(1_767_225_600_000));
        assert_eq!(parse_ms("2026-01-01"), Some(1_767_225_600_000));
        assert_eq!(parse_ms("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(parse_ms("1969-12-31T23:59:59.999Z"), Some(-1));
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for bad in [
            "",
            "soon",
            "2026-13-01",
            "2026-02-29",
            "2026-01-32",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00Z",
            "2026-01-01T00:00:00+0100",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00Q",
            "2026/01/01",
            "99999999999999999999999",
            "2026-01-01T00:00:00+01:00x",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn writes_iso_utc_with_milliseconds_and_reads_it_back() {
        assert_eq!(iso_utc(1_767_225_600_123).as_deref(), Some("2026-01-01T00:00:00.123Z"));
        assert_eq!(iso_utc(0).as_deref(), Some("1970-01-01T00:00:00.000Z"));
        assert_eq!(iso_utc(-1).as_deref(), Some("1969-12-31T23:59:59.999Z"));
        assert_eq!(iso_utc(i64::MAX), None);
        for ms in [0, -1, 951_782_400_000, 1_709_164_800_000, 1_767_225_599_999, 253_402_300_799_999] {
            let text = iso_utc(ms).expect("in range");
            assert_eq!(parse_ms(&text), Some(ms), "{text}");
        }
    }
}
