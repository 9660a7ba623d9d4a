//! Fuzzes `PrivateStateTransmit::from_json` / `from_base64` (CryptoPrivateStateTransmit), the round trip
//! of what they accept, and that an accepted state decrypts what it encrypts (or reports the counter
//! running out as an error).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nmshd_crypto::PrivateStateTransmit;

fuzz_target!(|data: &[u8]| {
    let Some(mut state) = nmshd_crypto_fuzz::json_roundtrip::<PrivateStateTransmit>(data) else {
        return;
    };
    if let Ok(cipher) = state.encrypt(b"fuzz") {
        assert_eq!(state.decrypt(&cipher).ok().as_deref(), Some(&b"fuzz"[..]));
    }
});
