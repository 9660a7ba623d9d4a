//! `CoreDate`: a UTC instant with millisecond precision, written as luxon's `toISO()` of a UTC
//! DateTime (`2025-03-04T05:06:07.890Z`).

use crate::error::{Result, WireError};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A point in time as transport serializes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CoreDate(OffsetDateTime);

impl CoreDate {
    /// The current time, truncated to milliseconds.
    pub fn now() -> Self {
        Self::from_offset_date_time(OffsetDateTime::now_utc())
    }

    /// Wraps an instant (converted to UTC, truncated to milliseconds).
    pub fn from_offset_date_time(value: OffsetDateTime) -> Self {
        let utc = value.to_offset(UtcOffset::UTC);
        let millis = utc.millisecond();
        // replace_millisecond only fails for values ≥ 1000, which millisecond() never returns
        let truncated = utc.replace_millisecond(millis).unwrap_or(utc);
        Self(truncated)
    }

    /// From milliseconds since the Unix epoch.
    pub fn from_unix_millis(millis: i64) -> Result<Self> {
        let nanos = i128::from(millis) * 1_000_000;
        OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .map(Self)
            .map_err(|_| WireError::InvalidDate(millis.to_string()))
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(&self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// The instant as a `time` value (UTC).
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }

    /// Parses an ISO-8601 date-time as luxon's `DateTime.fromISO(value, {zone: "utc"})` does for the
    /// forms that occur: `YYYY-MM-DD`, optionally `THH:MM[:SS[.fraction]]`, optionally `Z` or an offset
    /// `±HH[:MM]`; no offset means UTC. Fractions beyond milliseconds are truncated.
    pub fn parse(text: &str) -> Result<Self> {
        parse_iso(text).ok_or_else(|| WireError::InvalidDate(text.to_owned()))
    }

    /// `toISO()` of the UTC DateTime: `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub fn to_iso_string(&self) -> String {
        let d = self.0;
        let year = d.year();
        let year_part = if (0..=9999).contains(&year) {
            format!("{year:04}")
        } else if year > 9999 {
            format!("+{year:06}")
        } else {
            format!("-{:06}", -year)
        };
        format!(
            "{year_part}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            u8::from(d.month()),
            d.day(),
            d.hour(),
            d.minute(),
            d.second(),
            d.millisecond()
        )
    }
}

impl std::fmt::Display for CoreDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_iso_string())
    }
}

impl From<CoreDate> for serde_json::Value {
    fn from(date: CoreDate) -> Self {
        serde_json::Value::String(date.to_iso_string())
    }
}

fn digits(text: &str, len: usize) -> Option<u32> {
    if text.len() != len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_iso(text: &str) -> Option<CoreDate> {
    let text = text.trim();
    let (date_part, rest) = match text.find(['T', 't', ' ']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let year = digits(date_part.get(0..4)?, 4)? as i32;
    if date_part.get(4..5)? != "-" || date_part.get(7..8)? != "-" || date_part.len() != 10 {
        return None;
    }
    let month = Month::try_from(digits(date_part.get(5..7)?, 2)? as u8).ok()?;
    let day = digits(date_part.get(8..10)?, 2)? as u8;
    let date = Date::from_calendar_date(year, month, day).ok()?;

    let (time, offset) = match rest {
        None => (Time::MIDNIGHT, UtcOffset::UTC),
        Some(rest) => parse_time_and_offset(rest)?,
    };
    let value = PrimitiveDateTime::new(date, time).assume_offset(offset);
    Some(CoreDate::from_offset_date_time(value))
}

fn parse_time_and_offset(rest: &str) -> Option<(Time, UtcOffset)> {
    let split = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(split);
    let offset = parse_offset(zone)?;
    let (hms, fraction) = match clock.split_once(['.', ',']) {
        Some((hms, fraction)) => (hms, Some(fraction)),
        None => (clock, None),
    };
    let mut parts = hms.split(':');
    let hour = digits(parts.next()?, 2)? as u8;
    let minute = digits(parts.next()?, 2)? as u8;
    let second = match parts.next() {
        Some(s) => digits(s, 2)? as u8,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let millis = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            let padded = format!("{:0<3}", &f[..f.len().min(3)]);
            padded.parse::<u16>().ok()?
        }
        Some(_) => return None,
    };
    let time = Time::from_hms_milli(hour, minute, second, millis).ok()?;
    Some((time, offset))
}

fn parse_offset(zone: &str) -> Option<UtcOffset> {
    if zone.is_empty() || zone.eq_ignore_ascii_case("z") {
        return Some(UtcOffset::UTC);
    }
    let sign: i8 = match zone.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = zone[1..].replace(':', "");
    let (hours, minutes) = match body.len() {
        2 => (digits(&body, 2)?, 0),
        4 => (digits(&body[..2], 2)?, digits(&body[2..], 2)?),
        _ => return None,
    };
    UtcOffset::from_hms(sign * hours as i8, sign * minutes as i8, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_in_utc() {
        let d = CoreDate::parse("2025-03-04T05:06:07.890Z").expect("date");
        assert_eq!(d.to_iso_string(), "2025-03-04T05:06:07.890Z");
        let d = CoreDate::parse("2025-03-04T06:06:07+01:00").expect("date");
        assert_eq!(d.to_iso_string(), "2025-03-04T05:06:07.000Z");
        let d = CoreDate::parse("2025-03-01T10:00:00.1234567Z").expect("date");
        assert_eq!(d.to_iso_string(), "2025-03-01T10:00:00.123Z");
        let d = CoreDate::parse("2030-01-01").expect("date");
        assert_eq!(d.to_iso_string(), "2030-01-01T00:00:00.000Z");
        let d = CoreDate::parse("2030-01-01T00:00:00.5").expect("date");
        assert_eq!(d.to_iso_string(), "2030-01-01T00:00:00.500Z");
        assert_eq!(
            CoreDate::from_unix_millis(d.unix_millis()).expect("millis"),
            d
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "yesterday",
            "2025-13-01",
            "2025-02-30T00:00:00Z",
            "2025-01-01T25:00:00Z",
            "2025-01-01T00:00:00.x",
            "2025-01-01T00:00:00+5",
            "2025-1-1",
        ] {
            assert!(CoreDate::parse(bad).is_err(), "{bad}");
        }
    }
}
