//! `CoreDate` (§1): input is an ISO-8601 string (converted to UTC; without an offset it is read as UTC),
//! epoch milliseconds, or `{ "date": <iso> }`; output is always `YYYY-MM-DDTHH:MM:SS.mmmZ`.

use serde_json::Value;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

use crate::error::{ContentError, Result};

/// A point in time as the enmeshed libraries carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CoreDate(pub OffsetDateTime);

impl CoreDate {
    pub fn now() -> Self {
        Self(OffsetDateTime::now_utc())
    }

    /// Parses any of the accepted input forms; `what` names the property for the error message.
    pub fn from_json(what: &str, value: &Value) -> Result<Self> {
        let invalid = || ContentError::invalid(format!("{what} is not a valid date"));
        match value {
            Value::String(s) => parse_iso(s).map(Self).ok_or_else(invalid),
            Value::Number(n) => {
                let millis = n.as_f64().ok_or_else(invalid)?;
                if !millis.is_finite() {
                    return Err(invalid());
                }
                let nanos = (millis * 1_000_000.0) as i128;
                OffsetDateTime::from_unix_timestamp_nanos(nanos)
                    .map(Self)
                    .map_err(|_| invalid())
            }
            Value::Object(map) => match map.get("date") {
                Some(inner @ Value::String(_)) => Self::from_json(what, inner),
                _ => Err(invalid()),
            },
            _ => Err(invalid()),
        }
    }

    /// Parses an ISO-8601 string.
    pub fn parse(s: &str) -> Option<Self> {
        parse_iso(s).map(Self)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC.
    pub fn to_iso(&self) -> String {
        let t = self.0.to_offset(UtcOffset::UTC);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        )
    }

    pub fn to_json(&self) -> Value {
        Value::String(self.to_iso())
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The ISO-8601 forms luxon's `DateTime.fromISO` accepts: calendar (`2025-01-31`, `20250131`, `2025-01`, `2025`),
/// week (`2025-W01-1`) and ordinal (`2025-031`) dates, optionally followed by `T` and a time with an offset.
fn parse_iso(s: &str) -> Option<OffsetDateTime> {
    let (date_part, time_part) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let date = parse_date(date_part)?;
    let (time, offset) = match time_part {
        Some(t) => parse_time_and_offset(t)?,
        None => (Time::MIDNIGHT, UtcOffset::UTC),
    };
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_offset(offset)
            .to_offset(UtcOffset::UTC),
    )
}

fn parse_date(s: &str) -> Option<Date> {
    let bytes = s.as_bytes();
    if bytes.len() < 4 {
        return None;
    }
    let year = digits(&s[..4])? as i32;
    let rest = &s[4..];
    if rest.is_empty() {
        return Date::from_calendar_date(year, Month::January, 1).ok();
    }
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let extended = s.as_bytes().get(4) == Some(&b'-');
    if let Some(week) = rest.strip_prefix('W') {
        let (w, d) = match (week.len(), extended) {
            (2, _) => (digits(week)?, 1),
            (4, true) if &week[2..3] == "-" => (digits(&week[..2])?, digits(&week[3..])?),
            (3, false) => (digits(&week[..2])?, digits(&week[2..])?),
            _ => return None,
        };
        let weekday = match d {
            1 => Weekday::Monday,
            2 => Weekday::Tuesday,
            3 => Weekday::Wednesday,
            4 => Weekday::Thursday,
            5 => Weekday::Friday,
            6 => Weekday::Saturday,
            7 => Weekday::Sunday,
            _ => return None,
        };
        return Date::from_iso_week_date(year, u8::try_from(w).ok()?, weekday).ok();
    }
    match rest.len() {
        2 if extended => {
            let month = Month::try_from(u8::try_from(digits(rest)?).ok()?).ok()?;
            Date::from_calendar_date(year, month, 1).ok()
        }
        3 => Date::from_ordinal_date(year, u16::try_from(digits(rest)?).ok()?).ok(),
        5 if extended && &rest[2..3] == "-" => {
            let month = Month::try_from(u8::try_from(digits(&rest[..2])?).ok()?).ok()?;
            Date::from_calendar_date(year, month, u8::try_from(digits(&rest[3..])?).ok()?).ok()
        }
        4 if !extended => {
            let month = Month::try_from(u8::try_from(digits(&rest[..2])?).ok()?).ok()?;
            Date::from_calendar_date(year, month, u8::try_from(digits(&rest[2..])?).ok()?).ok()
        }
        _ => None,
    }
}

fn parse_time_and_offset(s: &str) -> Option<(Time, UtcOffset)> {
    let (clock, offset) = if let Some(c) = s.strip_suffix('Z').or_else(|| s.strip_suffix('z')) {
        (c, UtcOffset::UTC)
    } else if let Some(pos) = s.rfind(['+', '-']) {
        (&s[..pos], parse_offset(&s[pos..])?)
    } else {
        (s, UtcOffset::UTC)
    };
    Some((parse_clock(clock)?, offset))
}

fn parse_offset(s: &str) -> Option<UtcOffset> {
    let sign: i8 = if s.starts_with('-') { -1 } else { 1 };
    let body = &s[1..];
    let (h, m) = match body.len() {
        2 => (digits(body)?, 0),
        4 => (digits(&body[..2])?, digits(&body[2..])?),
        5 if &body[2..3] == ":" => (digits(&body[..2])?, digits(&body[3..])?),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    UtcOffset::from_hms(sign * h as i8, sign * m as i8, 0).ok()
}

fn parse_clock(s: &str) -> Option<Time> {
    let (main, fraction) = match s.find(['.', ',']) {
        Some(pos) => (&s[..pos], Some(&s[pos + 1..])),
        None => (s, None),
    };
    let parts: Vec<&str> = if main.contains(':') {
        main.split(':').collect()
    } else {
        main.as_bytes()
            .chunks(2)
            .map(|c| std::str::from_utf8(c).unwrap_or("x"))
            .collect()
    };
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    let hour = digits(parts[0])?;
    let minute = parts.get(1).map_or(Some(0), |p| digits(p))?;
    let second = parts.get(2).map_or(Some(0), |p| digits(p))?;
    let nanos = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && parts.len() == 3 => {
            let f = &f[..f.len().min(9)];
            digits(f)? * 10u32.pow(9 - f.len() as u32)
        }
        Some(_) => return None,
    };
    if hour == 24 && minute == 0 && second == 0 && nanos == 0 {
        return None; // luxon rejects 24:00 as well
    }
    Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        nanos,
    )
    .ok()
}
