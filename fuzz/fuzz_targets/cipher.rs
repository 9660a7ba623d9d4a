//! Fuzzes `Cipher::from_json` / `from_base64` (CryptoCipher), the round trip of what they accept, and
//! decryption of every accepted cipher: a wrong key or a forged cipher must be a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nmshd_crypto::{Cipher, CipherNonce, SecretKey, decrypt, decrypt_with_counter};

fuzz_target!(|data: &[u8]| {
    let Some(cipher) = nmshd_crypto_fuzz::json_roundtrip::<Cipher>(data) else {
        return;
    };
    let key = SecretKey::from_bytes([7; 32]);
    match cipher.nonce {
        CipherNonce::Nonce(_) => {
            let _ = decrypt(&cipher, &key);
            let _ = decrypt_with_counter(&cipher, &key, &[9; 24]);
        }
        CipherNonce::Counter(_) => {
            let _ = decrypt_with_counter(&cipher, &key, &[9; 24]);
            let _ = decrypt(&cipher, &key);
        }
    }
});
