//! Fuzzes the base64url (unpadded) and standard (padded) decoders every other parser builds on, and the
//! round trip of what they accept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nmshd_crypto::{b64_decode, b64_encode, b64url_decode, b64url_encode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(bytes) = b64url_decode(text) {
        assert_eq!(b64url_decode(&b64url_encode(&bytes)).as_ref(), Ok(&bytes));
    }
    if let Ok(bytes) = b64_decode(text) {
        assert_eq!(b64_decode(&b64_encode(&bytes)).as_ref(), Ok(&bytes));
    }
    let encoded = b64url_encode(data);
    assert_eq!(b64url_decode(&encoded).as_deref(), Ok(data));
});
