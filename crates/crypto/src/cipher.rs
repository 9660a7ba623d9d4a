//! `CryptoCipher` and XChaCha20-Poly1305 encryption with a random, explicit or counter nonce
//! (wire-formats §1.1, §1.2).

use crate::error::{CryptoError, Result};
use crate::json::{CryptoJson, Obj, b64v, inherent_json, object};
use crate::random::random_bytes;
use crate::secret_key::{ENCRYPTION_ALG_XCHACHA20, SecretKey};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde_json::Value;

/// `CryptoCipher.MIN_CIPHER_BYTES`.
const MIN_CIPHER_BYTES: usize = 2;
/// `CryptoCipher.MAX_CIPHER_BYTES` (100 MiB).
const MAX_CIPHER_BYTES: usize = 100 * 1024 * 1024;

/// How the nonce of a cipher is known: carried explicitly, or as a counter on a shared base nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CipherNonce {
    /// The 24-byte nonce travels with the cipher (`nnc`).
    Nonce([u8; 24]),
    /// Only the counter travels (`cnt`); the base nonce is part of the receiver's state.
    Counter(u32),
}

/// Ciphertext ‖ 16-byte Poly1305 tag plus its nonce information (`CryptoCipher`, alg 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cipher {
    /// Ciphertext with the tag appended (libsodium combined mode).
    pub ciphertext: Vec<u8>,
    /// Explicit nonce or counter.
    pub nonce: CipherNonce,
}

impl CryptoJson for Cipher {
    const TYPE_NAME: &'static str = "CryptoCipher";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("cph", b64v(&self.ciphertext)),
            ("alg", Value::from(ENCRYPTION_ALG_XCHACHA20)),
        ];
        match self.nonce {
            CipherNonce::Nonce(n) => pairs.push(("nnc", b64v(&n))),
            CipherNonce::Counter(c) => pairs.push(("cnt", Value::from(c))),
        }
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        o.alg("encryption", ENCRYPTION_ALG_XCHACHA20)?;
        let ciphertext = o.bytes_vec("cph")?;
        if !(MIN_CIPHER_BYTES..=MAX_CIPHER_BYTES).contains(&ciphertext.len()) {
            return Err(CryptoError::Format {
                what: Self::TYPE_NAME,
                why: format!("cipher length {} out of range", ciphertext.len()),
            });
        }
        let nonce = match (o.opt("nnc"), o.opt("cnt")) {
            (Some(_), None) => CipherNonce::Nonce(o.bytes("nnc")?),
            (None, Some(c)) => {
                let c = c
                    .as_u64()
                    .and_then(|c| u32::try_from(c).ok())
                    .ok_or_else(|| CryptoError::Format {
                        what: Self::TYPE_NAME,
                        why: "`cnt` must be an integer 0..2^32-1".into(),
                    })?;
                CipherNonce::Counter(c)
            }
            _ => {
                return Err(CryptoError::Format {
                    what: Self::TYPE_NAME,
                    why: "exactly one of `nnc` and `cnt` is required".into(),
                });
            }
        };
        Ok(Self { ciphertext, nonce })
    }
}

inherent_json!(Cipher);

fn aead(key: &SecretKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(key.as_bytes().into())
}

fn seal(plaintext: &[u8], key: &SecretKey, nonce: &[u8; 24]) -> Vec<u8> {
    // encryption with a valid key and nonce cannot fail; the aead API is fallible only for
    // buffer-size limits far above anything a Vec here can hold
    aead(key)
        .encrypt(XNonce::from_slice(nonce), plaintext)
        .unwrap_or_default()
}

fn open(ciphertext: &[u8], key: &SecretKey, nonce: &[u8; 24]) -> Result<Vec<u8>> {
    aead(key)
        .decrypt(XNonce::from_slice(nonce), ciphertext)
        .map_err(|_| CryptoError::Decryption)
}

/// Encrypts with a fresh random 24-byte nonce (`CryptoEncryption.encrypt`).
pub fn encrypt(plaintext: &[u8], key: &SecretKey) -> Cipher {
    encrypt_with_nonce(plaintext, key, random_bytes())
}

/// Encrypts with the given nonce; never reuse a nonce with the same key.
pub fn encrypt_with_nonce(plaintext: &[u8], key: &SecretKey, nonce: [u8; 24]) -> Cipher {
    Cipher {
        ciphertext: seal(plaintext, key, &nonce),
        nonce: CipherNonce::Nonce(nonce),
    }
}

/// Decrypts a cipher that carries its nonce.
pub fn decrypt(cipher: &Cipher, key: &SecretKey) -> Result<Vec<u8>> {
    match cipher.nonce {
        CipherNonce::Nonce(n) => open(&cipher.ciphertext, key, &n),
        CipherNonce::Counter(_) => Err(CryptoError::NonceKind(
            "a counter cipher needs the base nonce of a state",
        )),
    }
}

/// The effective nonce for `counter`: bytes 20..24 of the base read as little-endian u32, plus
/// the counter modulo 2³² (libsodium `sodium.add` with the carry out of byte 23 dropped).
pub fn counter_nonce(base: &[u8; 24], counter: u32) -> [u8; 24] {
    let mut out = *base;
    let low = u32::from_le_bytes([base[20], base[21], base[22], base[23]]).wrapping_add(counter);
    out[20..24].copy_from_slice(&low.to_le_bytes());
    out
}

/// Encrypts under `counter_nonce(base_nonce, counter)`; the cipher carries only `cnt`.
pub fn encrypt_with_counter(
    plaintext: &[u8],
    key: &SecretKey,
    base_nonce: &[u8; 24],
    counter: u32,
) -> Cipher {
    Cipher {
        ciphertext: seal(plaintext, key, &counter_nonce(base_nonce, counter)),
        nonce: CipherNonce::Counter(counter),
    }
}

/// Decrypts a counter cipher with its own `cnt` on `base_nonce` (`omitCounterCheck = true`).
pub fn decrypt_with_counter(
    cipher: &Cipher,
    key: &SecretKey,
    base_nonce: &[u8; 24],
) -> Result<Vec<u8>> {
    match cipher.nonce {
        CipherNonce::Counter(c) => open(&cipher.ciphertext, key, &counter_nonce(base_nonce, c)),
        CipherNonce::Nonce(_) => Err(CryptoError::NonceKind(
            "expected a counter cipher, got one with an explicit nonce",
        )),
    }
}
