//! The JavaScript conversions `@nmshd/iql` relies on when it compares attribute fields: `String(v)`,
//! `new Date(v)` (its time value; `None` for an invalid date) and the "non-printable" test of peggy's
//! error messages.
//!
//! `new Date(text)` follows V8 for the ISO-like forms (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `±YYYYYY-…`, one- or
//! two-digit month and day, overflowing days rolling over, `T`/`t`/space before `HH:mm[:ss[.fff…]]`, `Z`/`z`
//! or `±HH:mm`/`±HHmm`). Forms V8 only reads with its legacy parser (`March 7 2020`, `2020/01/01`, a bare
//! `5`) are invalid dates here. Times without a zone are read as UTC (V8 uses the process time zone; the
//! Connector runs in UTC).

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

/// JavaScript's `String(value)` for a JSON value.
pub fn to_string(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_to_string(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => s.clone(),
        // Array.prototype.join: null elements become empty strings
        Value::Array(items) => items
            .iter()
            .map(|v| {
                if v.is_null() {
                    String::new()
                } else {
                    to_string(v)
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".to_owned(),
    }
}

/// `Number.prototype.toString()` (radix 10): shortest round-trip digits, exponent form outside
/// 1e-7 < |x| < 1e21.
pub fn number_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let scientific = format!("{:e}", x.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i64;
    let n = exponent.parse::<i64>().unwrap_or(0) + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let rest = if k > 1 {
            format!(".{}", &digits[1..])
        } else {
            String::new()
        };
        let e = n - 1;
        format!(
            "{}{rest}e{}{}",
            &digits[..1],
            if e >= 0 { "+" } else { "-" },
            e.abs()
        )
    };
    format!("{sign}{body}")
}

/// The time value (milliseconds since the epoch) of `new Date(value)`, `None` when invalid.
pub fn date_value(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => time_clip(n.as_f64()?),
        Value::Bool(b) => time_clip(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => parse_date(s),
        // objects and arrays are converted to their string form first
        Value::Array(_) | Value::Object(_) => parse_date(&to_string(value)),
        Value::Null => time_clip(0.0),
    }
}

fn time_clip(t: f64) -> Option<f64> {
    (t.is_finite() && t.abs() <= 8.64e15).then(|| t.trunc() + 0.0)
}

/// `Date.parse` for the ISO-like forms (see the module comment).
pub fn parse_date(text: &str) -> Option<f64> {
    let mut s = Scanner {
        b: text.as_bytes(),
        i: 0,
    };
    let year = match s.peek()? {
        sign @ (b'+' | b'-') => {
            s.i += 1;
            let y = s.digits(6, 6)?;
            if sign == b'-' && y == 0 {
                return None;
            }
            if sign == b'-' { -y } else { y }
        }
        _ => s.digits(4, 4)?,
    };
    let (mut month, mut day) = (1, 1);
    if s.eat(b'-') {
        month = s.digits(1, 2)?;
        if s.eat(b'-') {
            day = s.digits(1, 2)?;
        }
    }
    let (mut hour, mut minute, mut second, mut millis, mut offset_minutes) = (0, 0, 0, 0, 0);
    if s.eat(b'T') || s.eat(b't') || s.eat(b' ') {
        hour = s.digits(1, 2)?;
        if !s.eat(b':') {
            return None;
        }
        minute = s.digits(2, 2)?;
        if s.eat(b':') {
            second = s.digits(2, 2)?;
            if s.eat(b'.') {
                let start = s.i;
                let fraction = s.digits(1, usize::MAX)?;
                // milliseconds are the first three fraction digits
                let len = s.i - start;
                millis = match len {
                    1 => fraction * 100,
                    2 => fraction * 10,
                    _ => std::str::from_utf8(&s.b[start..start + 3])
                        .ok()?
                        .parse()
                        .ok()?,
                };
            }
        }
        if s.eat(b'Z') || s.eat(b'z') {
        } else if let Some(sign @ (b'+' | b'-')) = s.peek() {
            s.i += 1;
            let h = s.digits(2, 2)?;
            s.eat(b':');
            let m = s.digits(2, 2)?;
            offset_minutes = (h * 60 + m) * if sign == b'-' { -1 } else { 1 };
        }
    }
    if s.i != s.b.len()
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 24
        || minute > 59
        || second > 59
        || (hour == 24 && (minute, second, millis) != (0, 0, 0))
    {
        return None;
    }
    let days = days_from_civil(year, month) + day - 1;
    let ms =
        days * 86_400_000 + ((hour * 60 + minute - offset_minutes) * 60 + second) * 1000 + millis;
    time_clip(ms as f64)
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.i += 1;
        }
        hit
    }

    /// Between `min` and `max` decimal digits as a number (long fractions saturate; only their
    /// length and first digits are used).
    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let start = self.i;
        let mut value: i64 = 0;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            value = value
                .saturating_mul(10)
                .saturating_add(i64::from(self.b[self.i] - b'0'));
            self.i += 1;
        }
        (self.i - start >= min).then_some(value)
    }
}

/// Days from 1970-01-01 to the first of `month` (1-12) in `year` (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Characters peggy prints as `\u{…}` in messages: Unicode categories C, Mn and Mc.
pub fn is_non_printable(c: char) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| crate::values::compile(r"^[\p{C}\p{Mn}\p{Mc}]$"));
    let mut buf = [0u8; 4];
    re.is_match(c.encode_utf8(&mut buf))
}
