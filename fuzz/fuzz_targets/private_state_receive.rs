//! Fuzzes `PrivateStateReceive::from_json` / `from_base64` (CryptoPrivateStateReceive), the round trip of
//! what they accept, and that an accepted state reads what the matching transmit state sends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nmshd_crypto::{PrivateStateReceive, PrivateStateTransmit};

fuzz_target!(|data: &[u8]| {
    let Some(state) = nmshd_crypto_fuzz::json_roundtrip::<PrivateStateReceive>(data) else {
        return;
    };
    let mut sender = PrivateStateTransmit::new(state.key.clone(), state.nonce);
    sender.counter = state.counter;
    if let Ok(cipher) = sender.encrypt(b"fuzz") {
        assert_eq!(state.decrypt(&cipher).ok().as_deref(), Some(&b"fuzz"[..]));
    }
});
