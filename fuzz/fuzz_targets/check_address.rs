//! Fuzzes `check_address` with arbitrary addresses, hostnames and keys (input: 32 key bytes, then
//! `hostname\naddress` as UTF-8), and checks that a derived address always passes its own check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nmshd_crypto::{check_address, derive_address};

fuzz_target!(|data: &[u8]| {
    let Some((key, rest)) = data.split_first_chunk::<32>() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (hostname, address) = text.split_once('\n').unwrap_or((text, ""));
    let _ = check_address(address, hostname, None);
    let _ = check_address(address, hostname, Some(key));
    let is_hostname = !hostname.is_empty()
        && hostname
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    if is_hostname {
        let derived = derive_address(key, hostname);
        assert!(
            check_address(&derived, hostname, Some(key)),
            "{derived} fails its own check"
        );
    }
});
