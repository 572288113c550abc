//! A contact's local time and whether it is inside the rep's calling hours: HubSpot's time-zone
//! names turned into IANA ones, and the warning sentence the card shows. Layer: core (pure).
//! The offset of a zone comes from the platform's clock (`Clock::zone_offset_ms`), never guessed.

use crate::settings::CallingHours;

/// The contact's local time of day and the warning when it is outside calling hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTime {
    /// `HH:MM`, 24-hour.
    pub time: String,
    pub outside_hours: bool,
    pub warning: Option<String>,
}

/// HubSpot's `hs_timezone` value (`america_slash_los_angeles`) as an IANA zone name.
pub fn iana_zone(hubspot: &str) -> Option<String> {
    let text = hubspot.trim();
    if text.is_empty() || text.len() > 64 || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'/')
    {
        return None;
    }
    let path = text.replace("_slash_", "/");
    let mut out = String::with_capacity(path.len());
    let mut upper = true;
    for ch in path.chars() {
        if upper {
            // ASCII only (checked above): no Unicode case table in the wasm.
            out.push(ch.to_ascii_uppercase());
        } else {
            out.push(ch);
        }
        upper = ch == '/' || ch == '_' || ch == '-';
    }
    Some(out)
}

/// The local time `offset_ms` away from UTC at `now_ms`, with a warning outside `hours`.
pub fn local_time(offset_ms: i64, now_ms: i64, hours: &CallingHours) -> LocalTime {
    let local = now_ms + offset_ms;
    let minutes_of_day = local.rem_euclid(86_400_000) / 60_000;
    let (hour, minute) = ((minutes_of_day / 60) as u8, (minutes_of_day % 60) as u8);
    let time = format!("{hour:02}:{minute:02}");
    let outside_hours = !hours.contains_hour(hour);
    let warning = outside_hours.then(|| {
        format!("It is {time} for this contact, outside calling hours ({}:00–{}:00).", hours.start, hours.end)
    });
    LocalTime { time, outside_hours, warning }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_time_zones_become_iana_names() {
        assert_eq!(iana_zone("america_slash_los_angeles").as_deref(), Some("America/Los_Angeles"));
        assert_eq!(iana_zone("europe_slash_berlin").as_deref(), Some("Europe/Berlin"));
        assert_eq!(
            iana_zone("america_slash_argentina_slash_buenos_aires").as_deref(),
            Some("America/Argentina/Buenos_Aires")
        );
        assert_eq!(iana_zone(""), None);
        assert_eq!(iana_zone("<script>"), None);
    }

    #[test]
    fn calling_hours_warn_outside_the_window() {
        let hours = CallingHours { start: 8, end: 21 };
        let noon_utc = 1_795_780_800_000; // 2026-11-27 12:00 UTC
        let la = local_time(-8 * 3_600_000, noon_utc, &hours);
        assert_eq!((la.time.as_str(), la.outside_hours), ("04:00", true));
        assert!(la.warning.unwrap().contains("outside calling hours (8:00–21:00)"));
        let berlin = local_time(3_600_000, noon_utc, &hours);
        assert_eq!((berlin.time.as_str(), berlin.outside_hours, berlin.warning), ("13:00", false, None));
        // The end hour itself is outside: 21:00 is too late; the start hour is inside.
        assert!(local_time(0, noon_utc + 9 * 3_600_000, &hours).outside_hours);
        assert!(!local_time(0, noon_utc - 4 * 3_600_000, &hours).outside_hours);
    }
}
