//! Fuzzes `SignaturePublicKey::from_json` / `from_base64` (CryptoSignaturePublicKey) and the round trip of what they accept.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    nmshd_crypto_fuzz::json_roundtrip::<nmshd_crypto::SignaturePublicKey>(data);
});
