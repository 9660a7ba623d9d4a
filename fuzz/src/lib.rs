//! Shared properties for the fuzz targets of `nmshd-crypto`.
//!
//! Every deserializer must answer arbitrary input with `Ok` or a typed error, never a panic, and whatever
//! it accepts must come back unchanged through its own serialization (verbose and short JSON, base64).

use nmshd_crypto::CryptoJson;
use std::fmt::Debug;

/// Feeds the input to `from_json` and `from_base64` of `T` and checks the round trips of what parses.
/// Returns the first value that parsed, for targets that go on to use it.
pub fn json_roundtrip<T: CryptoJson + PartialEq + Debug>(data: &[u8]) -> Option<T> {
    let text = std::str::from_utf8(data).ok()?;
    let mut first = None;
    for parsed in [T::from_json(text), T::from_base64(text)] {
        let Ok(value) = parsed else { continue };
        for verbose in [true, false] {
            let json = value.to_json(verbose);
            match T::from_json(&json) {
                Ok(again) => assert_eq!(
                    again, value,
                    "JSON round trip (verbose={verbose}) changed the value: {json}"
                ),
                Err(e) => panic!("own JSON (verbose={verbose}) does not parse: {e}: {json}"),
            }
        }
        match T::from_base64(&value.to_base64()) {
            Ok(again) => assert_eq!(again, value, "base64 round trip changed the value"),
            Err(e) => panic!("own base64 does not parse: {e}"),
        }
        first.get_or_insert(value);
    }
    first
}
