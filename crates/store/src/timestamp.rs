//! ISO 8601 timestamps as the Connector writes them: UTC with milliseconds and a `Z`.

use time::OffsetDateTime;
use time::macros::format_description;

/// Formats `at` as `2025-01-31T12:00:00.000Z` (always UTC, milliseconds, fixed width, so such
/// strings sort chronologically).
pub fn iso_timestamp(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    // Formatting with this fixed description only fails for years beyond 9999; answer with the
    // Unix epoch seconds then rather than panicking.
    utc.format(&format)
        .unwrap_or_else(|_| utc.unix_timestamp().to_string())
}

/// The current time as [`iso_timestamp`].
pub fn now_iso() -> String {
    iso_timestamp(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_with_millis_and_z() {
        assert_eq!(
            iso_timestamp(datetime!(2025-01-31 12:00:00.5 +01:00)),
            "2025-01-31T11:00:00.500Z"
        );
        assert_eq!(now_iso().len(), 24);
    }
}
