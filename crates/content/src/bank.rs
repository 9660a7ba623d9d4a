//! IBAN and BIC checks as `ibantools` (used by `@nmshd/content` ≥7.1 `BankAccount`) performs them:
//! country spec (length, BBAN structure), national check digits for some countries, ISO 7064 mod-97-10.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::values::compile;

#[derive(Clone, Copy)]
pub(crate) enum Check {
    Mod9710,
    Belgium,
    CzechSlovak,
    Estonia,
    Spain,
    France,
    Croatia,
    Hungary,
    Norway,
    Poland,
}

static BBAN_REGEXES: LazyLock<HashMap<&'static str, Regex>> = LazyLock::new(|| {
    COUNTRY_SPECS
        .iter()
        .filter(|(_, _, rx, _)| !rx.is_empty())
        .map(|(code, _, rx, _)| (*code, compile(rx)))
        .collect()
});

fn spec(country: &str) -> Option<&'static (&'static str, usize, &'static str, Option<Check>)> {
    COUNTRY_SPECS.iter().find(|(code, ..)| *code == country)
}

/// `isValidIBAN` (electronic format, no spaces; QR-IBANs allowed).
pub fn is_valid_iban(iban: &str) -> bool {
    if !iban.is_ascii() || iban.len() < 4 {
        return false;
    }
    let Some((code, chars, _, check)) = spec(&iban[..2]) else {
        return false;
    };
    let Some(bban_regex) = BBAN_REGEXES.get(code) else {
        return false;
    };
    let bban = &iban[4..];
    *chars == iban.len()
        && iban[2..4].bytes().all(|b| b.is_ascii_digit())
        && bban_regex.is_match(bban)
        && check.is_none_or(|c| national_check(c, bban))
        && checksum_ok(iban)
}

/// `isValidBIC`: 8 or 11 alphanumerics (the first 6 letters) with a known country at positions 5–6.
pub fn is_valid_bic(bic: &str) -> bool {
    let b = bic.as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_alphabetic)
        && b[6..].iter().all(u8::is_ascii_alphanumeric)
        && spec(&bic[4..6].to_ascii_uppercase()).is_some()
}

/// Letters become two-digit numbers (`A` = 10), as ibantools does it (by char code − 55).
fn letters_to_digits(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c as u32 >= 65 {
                (c as u32 - 55).to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// mod 97 of a decimal digit string; `None` if it contains a non-digit.
fn mod97(digits: &str) -> Option<u32> {
    digits
        .chars()
        .try_fold(0u32, |acc, c| c.to_digit(10).map(|d| (acc * 10 + d) % 97))
}

fn checksum_ok(iban: &str) -> bool {
    let provided: u32 = iban[2..4].parse().unwrap_or(u32::MAX);
    let validation = letters_to_digits(&format!("{}{}00", &iban[4..], &iban[..2]));
    mod97(&validation).is_some_and(|rest| 98 - rest == provided)
}

fn digit(s: &str, i: usize) -> u32 {
    s.as_bytes()
        .get(i)
        .and_then(|b| (*b as char).to_digit(10))
        .unwrap_or(u32::MAX)
}

fn weighted(s: &str, weights: &[u32]) -> u32 {
    s.bytes()
        .zip(weights)
        .map(|(b, w)| (b as char).to_digit(10).unwrap_or(0) * w)
        .sum()
}

fn mod11_control(sum: u32) -> u32 {
    match sum % 11 {
        0 => 0,
        1 => 1,
        r => 11 - r,
    }
}

fn mod10_control(sum: u32) -> u32 {
    match sum % 10 {
        0 => 0,
        r => 10 - r,
    }
}

fn mod11_10(s: &str, control: u32) -> bool {
    let mut nr = 10u32;
    for b in s.bytes() {
        nr += (b as char).to_digit(10).unwrap_or(0);
        if !nr.is_multiple_of(10) {
            nr %= 10;
        }
        nr = (nr * 2) % 11;
    }
    control == if 11 - nr == 10 { 0 } else { 11 - nr }
}

fn national_check(check: Check, bban: &str) -> bool {
    let b = bban;
    match check {
        Check::Mod9710 => mod97(b) == Some(1),
        Check::Belgium => {
            let (Ok(part), Ok(sum)) = (
                b[..b.len() - 2].parse::<u64>(),
                b[b.len() - 2..].parse::<u64>(),
            ) else {
                return false;
            };
            (if part % 97 == 0 { 97 } else { part % 97 }) == sum
        }
        Check::Norway => {
            let sum = weighted(&b[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
            let r = sum % 11;
            digit(b, 10) == if r == 0 { 0 } else { 11 - r }
        }
        Check::Poland => digit(b, 7) == mod10_control(weighted(&b[..7], &[3, 9, 7, 1, 3, 9, 7])),
        Check::Spain => {
            digit(b, 8) == mod11_control(weighted(&b[..8], &[4, 8, 5, 10, 9, 7, 3, 6]))
                && digit(b, 9)
                    == mod11_control(weighted(&b[10..20], &[1, 2, 4, 8, 5, 10, 9, 7, 3, 6]))
        }
        Check::Croatia => mod11_10(&b[..6], digit(b, 6)) && mod11_10(&b[7..16], digit(b, 16)),
        Check::CzechSlovak => {
            digit(b, 9) == mod11_control(weighted(&b[4..9], &[10, 5, 8, 4, 2, 1]))
                && digit(b, 19)
                    == mod11_control(weighted(&b[10..19], &[6, 3, 7, 9, 10, 5, 8, 4, 2, 1]))
        }
        Check::Estonia => {
            digit(b, 15)
                == mod10_control(weighted(
                    &b[2..15],
                    &[7, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1, 3, 7],
                ))
        }
        Check::France => {
            let normalized: String = b
                .chars()
                .map(|c| match c {
                    'A' | 'J' => '1',
                    'B' | 'K' | 'S' => '2',
                    'C' | 'L' | 'T' => '3',
                    'D' | 'M' | 'U' => '4',
                    'E' | 'N' | 'V' => '5',
                    'F' | 'O' | 'W' => '6',
                    'G' | 'P' | 'X' => '7',
                    'H' | 'Q' | 'Y' => '8',
                    'I' | 'R' | 'Z' => '9',
                    other => other,
                })
                .collect();
            mod97(&normalized) == Some(0)
        }
        Check::Hungary => {
            let weights = [9, 7, 3, 1, 9, 7, 3, 1, 9, 7, 3, 1, 9, 7, 3];
            if digit(b, 7) != mod10_control(weighted(&b[..7], &weights)) {
                return false;
            }
            if b.ends_with("00000000") {
                digit(b, 15) == mod10_control(weighted(&b[8..15], &weights))
            } else {
                digit(b, 23) == mod10_control(weighted(&b[8..23], &weights))
            }
        }
    }
}

/// `ibantools` country specifications (Simplify/ibantools `src/ibantools.ts` `countrySpecs`): country code,
/// IBAN length (0 = no IBAN), BBAN regex (empty = none), national check. Every listed country counts for BICs.
pub(crate) static COUNTRY_SPECS: &[(&str, usize, &str, Option<Check>)] = &[
    ("AD", 24, r"^[0-9]{8}[A-Z0-9]{12}$", None),
    ("AE", 23, r"^[0-9]{3}[0-9]{16}$", None),
    ("AF", 0, r"", None),
    ("AG", 0, r"", None),
    ("AI", 0, r"", None),
    ("AL", 28, r"^[0-9]{8}[A-Z0-9]{16}$", None),
    ("AM", 0, r"", None),
    ("AO", 25, r"^[0-9]{21}$", None),
    ("AQ", 0, r"", None),
    ("AR", 0, r"", None),
    ("AS", 0, r"", None),
    ("AT", 20, r"^[0-9]{16}$", None),
    ("AU", 0, r"", None),
    ("AW", 0, r"", None),
    ("AX", 18, r"^[0-9]{14}$", None),
    ("AZ", 28, r"^[A-Z]{4}[A-Z0-9]{20}$", None),
    ("BA", 20, r"^[0-9]{16}$", Some(Check::Mod9710)),
    ("BB", 0, r"", None),
    ("BD", 0, r"", None),
    ("BE", 16, r"^[0-9]{12}$", Some(Check::Belgium)),
    ("BF", 28, r"^[A-Z0-9]{2}[0-9]{22}$", None),
    ("BG", 22, r"^[A-Z]{4}[0-9]{6}[A-Z0-9]{8}$", None),
    ("BH", 22, r"^[A-Z]{4}[A-Z0-9]{14}$", None),
    ("BI", 27, r"^[0-9]{23}$", None),
    ("BJ", 28, r"^[A-Z0-9]{2}[0-9]{22}$", None),
    ("BL", 27, r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$", None),
    ("BM", 0, r"", None),
    ("BN", 0, r"", None),
    ("BO", 0, r"", None),
    ("BQ", 0, r"", None),
    ("BR", 29, r"^[0-9]{23}[A-Z]{1}[A-Z0-9]{1}$", None),
    ("BS", 0, r"", None),
    ("BT", 0, r"", None),
    ("BV", 0, r"", None),
    ("BW", 0, r"", None),
    ("BY", 28, r"^[A-Z]{4}[0-9]{4}[A-Z0-9]{16}$", None),
    ("BZ", 0, r"", None),
    ("CA", 0, r"", None),
    ("CC", 0, r"", None),
    ("CD", 0, r"", None),
    ("CF", 27, r"^[0-9]{23}$", None),
    ("CG", 27, r"^[0-9]{23}$", None),
    ("CH", 21, r"^[0-9]{5}[A-Z0-9]{12}$", None),
    ("CI", 28, r"^[A-Z]{1}[0-9]{23}$", None),
    ("CK", 0, r"", None),
    ("CL", 0, r"", None),
    ("CM", 27, r"^[0-9]{23}$", None),
    ("CN", 0, r"", None),
    ("CO", 0, r"", None),
    ("CR", 22, r"^[0-9]{18}$", None),
    ("CU", 0, r"", None),
    ("CV", 25, r"^[0-9]{21}$", None),
    ("CW", 0, r"", None),
    ("CX", 0, r"", None),
    ("CY", 28, r"^[0-9]{8}[A-Z0-9]{16}$", None),
    ("CZ", 24, r"^[0-9]{20}$", Some(Check::CzechSlovak)),
    ("DE", 22, r"^[0-9]{18}$", None),
    ("DJ", 27, r"^[0-9]{23}$", None),
    ("DK", 18, r"^[0-9]{14}$", None),
    ("DM", 0, r"", None),
    ("DO", 28, r"^[A-Z]{4}[0-9]{20}$", None),
    ("DZ", 26, r"^[0-9]{22}$", None),
    ("EC", 0, r"", None),
    ("EE", 20, r"^[0-9]{16}$", Some(Check::Estonia)),
    ("EG", 29, r"^[0-9]{25}", None),
    ("EH", 0, r"", None),
    ("ER", 0, r"", None),
    ("ES", 24, r"^[0-9]{20}$", Some(Check::Spain)),
    ("ET", 0, r"", None),
    ("FI", 18, r"^[0-9]{14}$", None),
    ("FJ", 0, r"", None),
    ("FK", 18, r"^[A-Z]{2}[0-9]{12}$", None),
    ("FM", 0, r"", None),
    ("FO", 18, r"^[0-9]{14}$", None),
    (
        "FR",
        27,
        r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$",
        Some(Check::France),
    ),
    ("GA", 27, r"^[0-9]{23}$", None),
    ("GB", 22, r"^[A-Z]{4}[0-9]{14}$", None),
    ("GD", 0, r"", None),
    ("GE", 22, r"^[A-Z0-9]{2}[0-9]{16}$", None),
    ("GF", 27, r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$", None),
    ("GG", 0, r"", None),
    ("GH", 0, r"", None),
    ("GI", 23, r"^[A-Z]{4}[A-Z0-9]{15}$", None),
    ("GL", 18, r"^[0-9]{14}$", None),
    ("GM", 0, r"", None),
    ("GN", 0, r"", None),
    ("GP", 27, r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$", None),
    ("GQ", 27, r"^[0-9]{23}$", None),
    ("GR", 27, r"^[0-9]{7}[A-Z0-9]{16}$", None),
    ("GS", 0, r"", None),
    ("GT", 28, r"^[A-Z0-9]{24}$", None),
    ("GU", 0, r"", None),
    ("GW", 25, r"^[A-Z]{2}[0-9]{19}$", None),
    ("GY", 0, r"", None),
    ("HK", 0, r"", None),
    ("HM", 0, r"", None),
    ("HN", 28, r"^[A-Z]{4}[0-9]{20}$", None),
    ("HR", 21, r"^[0-9]{17}$", Some(Check::Croatia)),
    ("HT", 0, r"", None),
    ("HU", 28, r"^[0-9]{24}$", Some(Check::Hungary)),
    ("ID", 0, r"", None),
    ("IE", 22, r"^[A-Z0-9]{4}[0-9]{14}$", None),
    ("IL", 23, r"^[0-9]{19}$", None),
    ("IM", 0, r"", None),
    ("IN", 0, r"", None),
    ("IO", 0, r"", None),
    ("IQ", 23, r"^[A-Z]{4}[0-9]{15}$", None),
    ("IR", 26, r"^[0-9]{22}$", None),
    ("IS", 26, r"^[0-9]{22}$", None),
    ("IT", 27, r"^[A-Z]{1}[0-9]{10}[A-Z0-9]{12}$", None),
    ("JE", 0, r"", None),
    ("JM", 0, r"", None),
    ("JO", 30, r"^[A-Z]{4}[0-9]{4}[A-Z0-9]{18}$", None),
    ("JP", 0, r"", None),
    ("KE", 0, r"", None),
    ("KG", 0, r"", None),
    ("KH", 0, r"", None),
    ("KI", 0, r"", None),
    ("KM", 27, r"^[0-9]{23}$", None),
    ("KN", 0, r"", None),
    ("KP", 0, r"", None),
    ("KR", 0, r"", None),
    ("KW", 30, r"^[A-Z]{4}[A-Z0-9]{22}$", None),
    ("KY", 0, r"", None),
    ("KZ", 20, r"^[0-9]{3}[A-Z0-9]{13}$", None),
    ("LA", 0, r"", None),
    ("LB", 28, r"^[0-9]{4}[A-Z0-9]{20}$", None),
    ("LC", 32, r"^[A-Z]{4}[A-Z0-9]{24}$", None),
    ("LI", 21, r"^[0-9]{5}[A-Z0-9]{12}$", None),
    ("LK", 0, r"", None),
    ("LR", 0, r"", None),
    ("LS", 0, r"", None),
    ("LT", 20, r"^[0-9]{16}$", None),
    ("LU", 20, r"^[0-9]{3}[A-Z0-9]{13}$", None),
    ("LV", 21, r"^[A-Z]{4}[A-Z0-9]{13}$", None),
    ("LY", 25, r"^[0-9]{21}$", None),
    ("MA", 28, r"^[0-9]{24}$", None),
    (
        "MC",
        27,
        r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$",
        Some(Check::France),
    ),
    ("MD", 24, r"^[A-Z0-9]{2}[A-Z0-9]{18}$", None),
    ("ME", 22, r"^[0-9]{18}$", Some(Check::Mod9710)),
    ("MF", 27, r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$", None),
    ("MG", 27, r"^[0-9]{23}$", None),
    ("MH", 0, r"", None),
    (
        "MK",
        19,
        r"^[0-9]{3}[A-Z0-9]{10}[0-9]{2}$",
        Some(Check::Mod9710),
    ),
    ("ML", 28, r"^[A-Z0-9]{2}[0-9]{22}$", None),
    ("MM", 0, r"", None),
    ("MN", 20, r"^[0-9]{16}$", None),
    ("MO", 0, r"", None),
    ("MP", 0, r"", None),
    ("MQ", 27, r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$", None),
    ("MR", 27, r"^[0-9]{23}$", None),
    ("MS", 0, r"", None),
    ("MT", 31, r"^[A-Z]{4}[0-9]{5}[A-Z0-9]{18}$", None),
    ("MU", 30, r"^[A-Z]{4}[0-9]{19}[A-Z]{3}$", None),
    ("MV", 0, r"", None),
    ("MW", 0, r"", None),
    ("MX", 0, r"", None),
    ("MY", 0, r"", None),
    ("MZ", 25, r"^[0-9]{21}$", None),
    ("NA", 0, r"", None),
    ("NC", 27, r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$", None),
    ("NE", 28, r"^[A-Z]{2}[0-9]{22}$", None),
    ("NF", 0, r"", None),
    ("NG", 0, r"", None),
    ("NI", 28, r"^[A-Z]{4}[0-9]{20}$", None),
    ("NL", 18, r"^[A-Z]{4}[0-9]{10}$", None),
    ("NO", 15, r"^[0-9]{11}$", Some(Check::Norway)),
    ("NP", 0, r"", None),
    ("NR", 0, r"", None),
    ("NU", 0, r"", None),
    ("NZ", 0, r"", None),
    ("OM", 23, r"^[0-9]{3}[A-Z0-9]{16}$", None),
    ("PA", 0, r"", None),
    ("PE", 0, r"", None),
    ("PF", 27, r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$", None),
    ("PG", 0, r"", None),
    ("PH", 0, r"", None),
    ("PK", 24, r"^[A-Z0-9]{4}[0-9]{16}$", None),
    ("PL", 28, r"^[0-9]{24}$", Some(Check::Poland)),
    ("PM", 27, r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$", None),
    ("PN", 0, r"", None),
    ("PR", 0, r"", None),
    ("PS", 29, r"^[A-Z0-9]{4}[0-9]{21}$", None),
    ("PT", 25, r"^[0-9]{21}$", Some(Check::Mod9710)),
    ("PW", 0, r"", None),
    ("PY", 0, r"", None),
    ("QA", 29, r"^[A-Z]{4}[A-Z0-9]{21}$", None),
    ("RE", 27, r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$", None),
    ("RO", 24, r"^[A-Z]{4}[A-Z0-9]{16}$", None),
    ("RS", 22, r"^[0-9]{18}$", Some(Check::Mod9710)),
    ("RU", 33, r"^[0-9]{14}[A-Z0-9]{15}$", None),
    ("RW", 0, r"", None),
    ("SA", 24, r"^[0-9]{2}[A-Z0-9]{18}$", None),
    ("SB", 0, r"", None),
    ("SC", 31, r"^[A-Z]{4}[0-9]{20}[A-Z]{3}$", None),
    ("SD", 18, r"^[0-9]{14}$", None),
    ("SE", 24, r"^[0-9]{20}$", None),
    ("SG", 0, r"", None),
    ("SH", 0, r"", None),
    ("SI", 19, r"^[0-9]{15}$", Some(Check::Mod9710)),
    ("SJ", 0, r"", None),
    ("SK", 24, r"^[0-9]{20}$", Some(Check::CzechSlovak)),
    ("SL", 0, r"", None),
    ("SM", 27, r"^[A-Z]{1}[0-9]{10}[A-Z0-9]{12}$", None),
    ("SN", 28, r"^[A-Z]{2}[0-9]{22}$", None),
    ("SO", 23, r"^[0-9]{19}$", None),
    ("SR", 0, r"", None),
    ("SS", 0, r"", None),
    ("ST", 25, r"^[0-9]{21}$", None),
    ("SV", 28, r"^[A-Z]{4}[0-9]{20}$", None),
    ("SX", 0, r"", None),
    ("SY", 0, r"", None),
    ("SZ", 0, r"", None),
    ("TC", 0, r"", None),
    ("TD", 27, r"^[0-9]{23}$", None),
    ("TF", 27, r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$", None),
    ("TG", 28, r"^[A-Z]{2}[0-9]{22}$", None),
    ("TH", 0, r"", None),
    ("TJ", 0, r"", None),
    ("TK", 0, r"", None),
    ("TL", 23, r"^[0-9]{19}$", None),
    ("TM", 0, r"", None),
    ("TN", 24, r"^[0-9]{20}$", None),
    ("TO", 0, r"", None),
    ("TR", 26, r"^[0-9]{5}[A-Z0-9]{17}$", None),
    ("TT", 0, r"", None),
    ("TV", 0, r"", None),
    ("TW", 0, r"", None),
    ("TZ", 0, r"", None),
    ("UA", 29, r"^[0-9]{6}[A-Z0-9]{19}$", None),
    ("UG", 0, r"", None),
    ("UM", 0, r"", None),
    ("US", 0, r"", None),
    ("UY", 0, r"", None),
    ("UZ", 0, r"", None),
    ("VA", 22, r"^[0-9]{18}", None),
    ("VC", 0, r"", None),
    ("VE", 0, r"", None),
    ("VG", 24, r"^[A-Z0-9]{4}[0-9]{16}$", None),
    ("VI", 0, r"", None),
    ("VN", 0, r"", None),
    ("VU", 0, r"", None),
    ("WF", 27, r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$", None),
    ("WS", 0, r"", None),
    ("XK", 20, r"^[0-9]{16}$", None),
    ("YE", 30, r"[A-Z]{4}[0-9]{4}[0-9A-Z]{18}", None),
    ("YT", 27, r"^[0-9]{10}[A-Z0-9]{11}[0-9]{2}$", None),
    ("ZA", 0, r"", None),
    ("ZM", 0, r"", None),
    ("ZW", 0, r"", None),
];
