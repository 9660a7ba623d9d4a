//! Bad input never panics and always yields a typed `CryptoError`.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use nmshd_crypto::{
    Cipher, CipherNonce, CryptoError, ExchangeKeypair, ExchangePublicKey, ExchangeSecrets,
    HashAlgorithm, PrivateStateReceive, PrivateStateTransmit, PublicState, Reference,
    RelationshipPublicRequest, RelationshipPublicResponse, RelationshipRequestSecrets,
    RelationshipSecrets, SecretKey, Signature, SignatureKeypair, SignaturePrivateKey,
    SignaturePublicKey, address, b64_decode, b64url_decode, b64url_encode, decrypt,
    decrypt_with_counter, derive_requestor, derive_templator, encrypt, encrypt_with_counter, kdf,
    pwhash,
};

const KEY_JSON: &str =
    r#"{"key":"joQfu2ERgKZFlLjS35uu7_VpbY1tUnHrdKXKgXRtFqM","alg":3,"@type":"CryptoSecretKey"}"#;
const TOKEN_REF: &str =
    "VE9LTkpPM2ZxYlhSR2p3YnRpdzh8M3x5eTdoZmRaNDluX1BtQWFmNW5mc0lVTHh1S2ppZ0xDOXRkeTAxZzNQZDBZfHw";

fn reference_of(text: &str) -> String {
    b64url_encode(text.as_bytes())
}

#[test]
fn malformed_base64_is_a_base64_error() {
    assert!(matches!(b64url_decode("a"), Err(CryptoError::Base64(_))));
    assert!(matches!(b64url_decode("ab+/"), Err(CryptoError::Base64(_))));
    assert!(matches!(b64_decode("ab-_"), Err(CryptoError::Base64(_))));
    assert!(matches!(
        SecretKey::from_base64("%%%"),
        Err(CryptoError::Base64(_))
    ));
    // valid base64 of invalid UTF-8
    assert!(matches!(
        Cipher::from_base64(&b64url_encode(&[0xff, 0xfe])),
        Err(CryptoError::Base64(_))
    ));
}

#[test]
fn malformed_json_is_a_json_or_format_error() {
    assert!(matches!(
        SecretKey::from_json("{"),
        Err(CryptoError::Json(_))
    ));
    assert!(matches!(
        SecretKey::from_json(""),
        Err(CryptoError::Json(_))
    ));
    assert!(matches!(
        SecretKey::from_json("[1,2]"),
        Err(CryptoError::Format { .. })
    ));
    assert!(matches!(
        SecretKey::from_json(r#"{"alg":3}"#),
        Err(CryptoError::Format { .. })
    ));
    assert!(matches!(
        SecretKey::from_json(r#"{"key":12,"alg":3}"#),
        Err(CryptoError::Format { .. })
    ));
    // key of the wrong length
    assert!(matches!(
        SecretKey::from_json(r#"{"key":"AAAA","alg":3}"#),
        Err(CryptoError::Format { .. })
    ));
    // both or neither of nnc / cnt
    assert!(matches!(
        Cipher::from_json(r#"{"cph":"AAAAAAAA","alg":3}"#),
        Err(CryptoError::Format { .. })
    ));
    assert!(matches!(
        Cipher::from_json(
            r#"{"cph":"AAAAAAAA","alg":3,"cnt":1,"nnc":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#
        ),
        Err(CryptoError::Format { .. })
    ));
    assert!(matches!(
        Cipher::from_json(r#"{"cph":"AAAAAAAA","alg":3,"cnt":-1}"#),
        Err(CryptoError::Format { .. })
    ));
    assert!(matches!(
        Cipher::from_json(r#"{"cph":"AAAAAAAA","alg":3,"cnt":4294967296}"#),
        Err(CryptoError::Format { .. })
    ));
    // cipher shorter than CryptoCipher.MIN_CIPHER_BYTES
    assert!(matches!(
        Cipher::from_json(r#"{"cph":"AA","alg":3,"cnt":0}"#),
        Err(CryptoError::Format { .. })
    ));
}

#[test]
fn wrong_type_is_rejected() {
    let json = KEY_JSON.replace("CryptoSecretKey", "CryptoCipher");
    assert!(matches!(
        SecretKey::from_json(&json),
        Err(CryptoError::WrongType { .. })
    ));
}

#[test]
fn unknown_algorithm_ids_are_unsupported() {
    for alg in ["1", "2", "4", "-1"] {
        let json = KEY_JSON.replace("\"alg\":3", &format!("\"alg\":{alg}"));
        assert!(
            matches!(
                SecretKey::from_json(&json),
                Err(CryptoError::UnsupportedAlgorithm { .. })
            ),
            "alg {alg}"
        );
    }
    let kp = SignatureKeypair::from_seed([1; 32]);
    let public = kp.public.to_json(true).replace("\"alg\":3", "\"alg\":1");
    assert!(matches!(
        SignaturePublicKey::from_json(&public),
        Err(CryptoError::UnsupportedAlgorithm {
            what: "signature",
            alg: 1
        })
    ));
    let sig = kp
        .sign(b"m", HashAlgorithm::Sha512)
        .to_json(true)
        .replace("\"alg\":2", "\"alg\":3");
    assert!(matches!(
        Signature::from_json(&sig),
        Err(CryptoError::UnsupportedAlgorithm {
            what: "hash",
            alg: 3
        })
    ));
    let x = ExchangeKeypair::from_private_bytes([2; 32])
        .public
        .to_json(true)
        .replace("\"alg\":3", "\"alg\":2");
    assert!(matches!(
        ExchangePublicKey::from_json(&x),
        Err(CryptoError::UnsupportedAlgorithm {
            what: "exchange",
            alg: 2
        })
    ));
}

#[test]
fn truncated_and_tampered_ciphers_fail_to_decrypt() {
    let key = SecretKey::generate();
    let cipher = encrypt(b"attack at dawn", &key);
    assert_eq!(decrypt(&cipher, &key).unwrap(), b"attack at dawn");

    let mut tampered = cipher.clone();
    tampered.ciphertext[0] ^= 0x80;
    assert_eq!(decrypt(&tampered, &key), Err(CryptoError::Decryption));

    let mut tag_flipped = cipher.clone();
    let last = tag_flipped.ciphertext.len() - 1;
    tag_flipped.ciphertext[last] ^= 1;
    assert_eq!(decrypt(&tag_flipped, &key), Err(CryptoError::Decryption));

    for len in [0, 1, 2, 15, 16, cipher.ciphertext.len() - 1] {
        let truncated = Cipher {
            ciphertext: cipher.ciphertext[..len].to_vec(),
            nonce: cipher.nonce,
        };
        assert_eq!(
            decrypt(&truncated, &key),
            Err(CryptoError::Decryption),
            "len {len}"
        );
    }

    let mut other_nonce = cipher.clone();
    if let CipherNonce::Nonce(n) = &mut other_nonce.nonce {
        n[23] ^= 1;
    }
    assert_eq!(decrypt(&other_nonce, &key), Err(CryptoError::Decryption));
}

#[test]
fn wrong_keys_fail() {
    let key = SecretKey::generate();
    let cipher = encrypt(b"secret", &key);
    assert_eq!(
        decrypt(&cipher, &SecretKey::generate()),
        Err(CryptoError::Decryption)
    );

    let base = [7u8; 24];
    let counter_cipher = encrypt_with_counter(b"secret", &key, &base, 3);
    assert_eq!(
        decrypt_with_counter(&counter_cipher, &key, &base).unwrap(),
        b"secret"
    );
    assert_eq!(
        decrypt_with_counter(&counter_cipher, &key, &[8u8; 24]),
        Err(CryptoError::Decryption)
    );
    let mut wrong_counter = counter_cipher.clone();
    wrong_counter.nonce = CipherNonce::Counter(4);
    assert_eq!(
        decrypt_with_counter(&wrong_counter, &key, &base),
        Err(CryptoError::Decryption)
    );
    // nonce kinds are not interchangeable
    assert!(matches!(
        decrypt(&counter_cipher, &key),
        Err(CryptoError::NonceKind(_))
    ));
    assert!(matches!(
        decrypt_with_counter(&cipher, &key, &base),
        Err(CryptoError::NonceKind(_))
    ));

    let signer = SignatureKeypair::generate();
    let sig = signer.sign(b"msg", HashAlgorithm::Sha256);
    assert!(signer.public.verify(b"msg", &sig));
    assert!(!SignatureKeypair::generate().public.verify(b"msg", &sig));
    assert!(!SignaturePublicKey([0; 32]).verify(b"msg", &sig));
    assert!(!SignaturePublicKey([0xff; 32]).verify(b"msg", &sig));
}

#[test]
fn mismatched_keypair_halves_are_rejected() {
    let a = SignatureKeypair::from_seed([1; 32]);
    let b = SignatureKeypair::from_seed([2; 32]);
    let mixed = format!(
        r#"{{"pub":{},"prv":{}}}"#,
        a.public.to_json(false),
        b.private.to_json(false)
    );
    assert!(matches!(
        SignatureKeypair::from_json(&mixed),
        Err(CryptoError::InvalidKey(_))
    ));
    // a 64-byte private key whose public half does not belong to the seed
    let mut bytes = *a.private.as_bytes();
    bytes[40] ^= 1;
    assert!(matches!(
        SignaturePrivateKey::from_bytes(bytes),
        Err(CryptoError::InvalidKey(_))
    ));

    let x = ExchangeKeypair::from_private_bytes([3; 32]);
    let y = ExchangeKeypair::from_private_bytes([4; 32]);
    let mixed = format!(
        r#"{{"pub":{},"prv":{}}}"#,
        x.public.to_json(false),
        y.private.to_json(false)
    );
    assert!(matches!(
        ExchangeKeypair::from_json(&mixed),
        Err(CryptoError::InvalidKey(_))
    ));
}

#[test]
fn small_order_exchange_keys_are_rejected() {
    let own = ExchangeKeypair::generate();
    assert_eq!(
        derive_templator(&own, &ExchangePublicKey([0; 32])),
        Err(CryptoError::KeyExchange)
    );
    let mut one = [0u8; 32];
    one[0] = 1;
    assert_eq!(
        derive_requestor(&own, &ExchangePublicKey(one)),
        Err(CryptoError::KeyExchange)
    );
}

#[test]
fn kdf_context_must_be_8_bytes() {
    for ctx in ["", "SHORT", "TOOLONG01", "ÄÄÄÄ1"] {
        assert!(
            matches!(
                kdf::derive_subkey(&[0; 32], 1, ctx),
                Err(CryptoError::Kdf(_))
            ),
            "{ctx}"
        );
    }
    assert!(kdf::derive_subkey(&[0; 32], u64::MAX, "SECRET01").is_ok());
}

#[test]
fn argon2_rejects_impossible_parameters() {
    assert!(matches!(
        pwhash::argon2id(b"pw", &[0; 16], 0, 8192 * 1024),
        Err(CryptoError::PasswordHash(_))
    ));
    assert!(matches!(
        pwhash::argon2id(b"pw", &[0; 16], 3, 1024),
        Err(CryptoError::PasswordHash(_))
    ));
}

#[test]
fn bad_references_are_reference_errors() {
    let key = "yy7hfdZ49n_PmAaf5nfsIULxuKjigLC9tdy01g3Pd0Y";
    let cases = [
        format!("TOKNJO3fqbXRGjwbtiw8|3|{key}|"),         // 4 parts
        format!("TOKNJO3fqbXRGjwbtiw8|3|{key}|||"),       // 6 parts
        format!("TOKshort|3|{key}||"),                    // bad id
        format!("TOKNJO3fqbXRGjwbtiw8|x|{key}||"),        // alg not a number
        "TOKNJO3fqbXRGjwbtiw8|3|AAAA||".to_string(),      // short key
        format!("TOKNJO3fqbXRGjwbtiw8|3|{key}|AB12|"),    // forIdentity not lowercase hex
        format!("TOKNJO3fqbXRGjwbtiw8|3|{key}|abc|"),     // forIdentity too short
        format!("TOKNJO3fqbXRGjwbtiw8|3|{key}||pw"),      // password part: 1 component
        format!("TOKNJO3fqbXRGjwbtiw8|3|{key}||pw&AAAA"), // salt too short
        format!("TOKNJO3fqbXRGjwbtiw8|3|{key}||pin3&3OIDjKX/xfXXeT5KCh9Lyw=="), // bad type
        format!("TOKNJO3fqbXRGjwbtiw8|3|{key}||pw&3OIDjKX/xfXXeT5KCh9Lyw==&100"), // indicator > 99
        format!("TOKNJO3fqbXRGjwbtiw8|3|{key}||pw&3OIDjKX_xfXXeT5KCh9Lyw==&1"), // salt not std b64
        format!("TOKNJO3fqbXRGjwbtiw8|3|{key}||pw&a&b&c&d"), // 5 components
    ];
    for case in &cases {
        let err = Reference::from_truncated(&reference_of(case)).unwrap_err();
        assert!(
            matches!(
                err,
                CryptoError::Reference(_) | CryptoError::Base64(_) | CryptoError::Format { .. }
            ),
            "{case}: {err:?}"
        );
    }
    assert!(matches!(
        Reference::from_truncated(&reference_of(&format!("TOKNJO3fqbXRGjwbtiw8|1|{key}||"))),
        Err(CryptoError::UnsupportedAlgorithm { .. })
    ));
    assert!(matches!(
        Reference::from_truncated("!!!"),
        Err(CryptoError::Base64(_))
    ));
    let good = Reference::from_truncated(TOKEN_REF).unwrap();
    assert!(matches!(good.to_url(None), Err(CryptoError::Reference(_))));

    for url in [
        "http://localhost:8090/r/TOKNJO3fqbXRGjwbtiw8", // no fragment
        "http://localhost:8090/x/TOKNJO3fqbXRGjwbtiw8#M3x8fA", // no /r/
        "http:///r/TOKNJO3fqbXRGjwbtiw8#M3x8fA",        // no host
        "localhost/r/TOKNJO3fqbXRGjwbtiw8#M3x8fA",      // not absolute
        "http://localhost:8090/r/TOKNJO3fqbXRGjwbtiw8#M3x8", // fragment with 3 parts
        "http://localhost:8090/r/TOKNJO3fqbXRGjwbtiw8#%%%", // fragment not base64
    ] {
        assert!(Reference::from_url(url).is_err(), "{url}");
        assert!(Reference::parse(url).is_err(), "{url}");
    }
    assert!(Reference::from_json(r#"{"id":"TOKNJO3fqbXRGjwbtiw8"}"#).is_err());
    assert!(
        Reference::from_json(
            r#"{"id":"bad","key":{"key":"yy7hfdZ49n_PmAaf5nfsIULxuKjigLC9tdy01g3Pd0Y","alg":3}}"#
        )
        .is_err()
    );
}

#[test]
fn bad_addresses_do_not_check() {
    let kp = SignatureKeypair::from_seed([5; 32]);
    let good = address::derive_address(kp.public.as_bytes(), "localhost");
    assert!(address::check_address(
        &good,
        "localhost",
        Some(kp.public.as_bytes())
    ));
    assert!(address::check_address(&good, "localhost", None));
    let other = SignatureKeypair::from_seed([6; 32]);
    assert!(!address::check_address(
        &good,
        "localhost",
        Some(other.public.as_bytes())
    ));
    assert!(!address::check_address(&good, "example.com", None));
    for bad in [
        "",
        "did:e:",
        "did:e:localhost",
        "did:e:localhost:dids:zz",
        "did:e:localhost:dids:zzzzzzzzzzzzzzzzzzzzzz",
        "did:x:localhost:dids:0000000000000000000000",
        "did:e:localhost:dids:ääääääääääääääääääääää",
        &good[..good.len() - 1],
    ] {
        assert!(!address::check_address(bad, "localhost", None), "{bad}");
    }
}

#[test]
fn every_parser_survives_mutated_input() {
    // every single-byte corruption of valid inputs gives Ok or a typed error, never a panic
    let kp = SignatureKeypair::from_seed([9; 32]);
    let template = ExchangeKeypair::from_private_bytes([10; 32]);
    let mut request = RelationshipRequestSecrets::from_peer(&template.public, &kp.public).unwrap();
    request.id = Some("TRPRSEabc".into());
    let mut templator =
        RelationshipSecrets::from_relationship_request(&request.public_request(), &template)
            .unwrap();
    let cipher = templator.encrypt(b"hello").unwrap();
    let samples = vec![
        KEY_JSON.to_owned(),
        cipher.to_json(true),
        kp.to_json(true),
        kp.sign(b"x", HashAlgorithm::Sha512).to_json(true),
        template.to_json(true),
        request.to_json(true),
        request.public_request().to_json(true),
        templator.public_response().to_json(true),
        templator.to_json(true),
        templator.transmit.to_json(true),
        templator.receive.to_json(true),
        Reference::from_truncated(TOKEN_REF).unwrap().to_json(true),
    ];
    for sample in &samples {
        let bytes = sample.as_bytes();
        for i in 0..bytes.len() {
            for replacement in [b'"', b'{', b'0', b'A', b'-', 0xff] {
                let mut m = bytes.to_vec();
                m[i] = replacement;
                let text = String::from_utf8_lossy(&m);
                let _ = SecretKey::from_json(&text);
                let _ = Cipher::from_json(&text);
                let _ = Signature::from_json(&text);
                let _ = SignatureKeypair::from_json(&text);
                let _ = ExchangeKeypair::from_json(&text);
                let _ = ExchangeSecrets::from_json(&text);
                let _ = PublicState::from_json(&text);
                let _ = PrivateStateTransmit::from_json(&text);
                let _ = PrivateStateReceive::from_json(&text);
                let _ = RelationshipPublicRequest::from_json(&text);
                let _ = RelationshipPublicResponse::from_json(&text);
                let _ = RelationshipRequestSecrets::from_json(&text);
                let _ = RelationshipSecrets::from_json(&text);
                let _ = Reference::from_json(&text);
                let _ = Reference::parse(&text);
                let _ = Reference::from_truncated(&b64url_encode(&m));
            }
        }
    }
}
