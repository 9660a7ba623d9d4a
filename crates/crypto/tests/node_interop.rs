//! Reverse interop with the real `@nmshd/crypto` 2.1.3 (plus `@nmshd/core-types` and `@nmshd/transport`
//! 7.0.0) running on node, in both directions and with fresh random material on every run:
//!
//! - Rust makes keys, ciphers, signatures, kx session keys, kdf subkeys, Argon2id hashes, references,
//!   addresses and a whole relationship handshake; `tests/node/crypto/verify-rust.mjs` judges each item
//!   with the TypeScript library and reports per-item results as JSON.
//! - `tests/node/crypto/produce.mjs` makes the same kinds of material with the TypeScript library; this
//!   test decrypts, verifies, re-derives and re-serializes each item with the Rust crate.
//! - The judge is also run on TypeScript's own material, so a judge that rejects everything is caught.
//!
//! Both sides share one item format (documented in the node scripts). Needs `node` and `tests/node_modules`
//! (`npm ci` in `tests/`, which `scripts/test-all.sh` does).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failed test"
)]

use nmshd_crypto::{
    Cipher, CipherNonce, ExchangeKeypair, ExchangePublicKey, HashAlgorithm, Reference,
    RelationshipPublicRequest, RelationshipPublicResponse, RelationshipRequestSecrets,
    RelationshipSecrets, SecretKey, SharedPasswordProtection, Signature, SignatureKeypair,
    SignaturePublicKey, b64_encode, b64url_encode, check_address, decrypt, decrypt_with_counter,
    derive_address, derive_requestor, derive_templator, encrypt, encrypt_with_counter,
    encrypt_with_nonce, kdf, pwhash, random_bytes,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::Path;

/// Argon2id parameters transport uses (wire-formats §1.7).
const TRANSPORT_OPSLIMIT: u32 = 3;
const TRANSPORT_MEMLIMIT: usize = 20 * 1024 * 1024;

/// Every kind both scripts know; each direction must cover all of them.
const KINDS: [&str; 10] = [
    "secretKey",
    "cipher",
    "counterCipher",
    "signature",
    "exchange",
    "kdf",
    "argon2id",
    "reference",
    "address",
    "relationship",
];

// ---------------------------------------------------------------------------------------------------
// node plumbing

fn require_node() {
    node_harness::require("@nmshd/crypto");
}

/// Runs one of the scripts in tests/node/crypto and parses its JSON stdout.
fn run_script(script: &str, input: Option<&Value>) -> Value {
    require_node();
    // The input goes in a file named on the command line (the scripts read it from there).
    let input_file = input.map(|value| {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "node-interop-{}-{}.json",
            std::process::id(),
            hex::encode(random_bytes::<6>())
        ));
        std::fs::write(&path, value.to_string()).unwrap();
        path
    });
    let mut command = node_harness::script(&format!("crypto/{script}"));
    if let Some(path) = &input_file {
        command = command.arg(path);
    }
    let output = command.run_json::<Value, Value>(None);
    if let Some(path) = &input_file {
        let _ = std::fs::remove_file(path);
    }
    output
}

// ---------------------------------------------------------------------------------------------------
// small helpers

fn random_vec(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    while out.len() < len {
        out.extend_from_slice(&random_bytes::<32>());
    }
    out.truncate(len);
    out
}

/// A uniformly drawn number in `low..high` (the bias of `%` is irrelevant here).
fn random_below(low: u32, high: u32) -> u32 {
    low + u32::from_le_bytes(random_bytes::<4>()) % (high - low)
}

fn random_id(prefix: &str) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut id = prefix.to_owned();
    while id.len() < 20 {
        id.push(ALNUM[random_below(0, ALNUM.len() as u32) as usize] as char);
    }
    id
}

fn alg_id(alg: HashAlgorithm) -> u64 {
    match alg {
        HashAlgorithm::Sha256 => 1,
        HashAlgorithm::Sha512 => 2,
    }
}

fn item(kind: &str, name: &str, mut fields: Value) -> Value {
    let object = fields.as_object_mut().unwrap();
    object.insert("name".into(), json!(format!("rust/{kind}/{name}")));
    object.insert("kind".into(), json!(kind));
    fields
}

// ---------------------------------------------------------------------------------------------------
// Rust → TypeScript: producers

fn rust_items() -> Vec<Value> {
    let mut items = Vec::new();

    for (i, key) in [
        SecretKey::generate(),
        SecretKey::generate(),
        SecretKey::from_bytes([0xff; 32]),
    ]
    .iter()
    .enumerate()
    {
        items.push(item(
            "secretKey",
            &i.to_string(),
            json!({
                "json": key.to_json(true), "jsonShort": key.to_json(false),
                "base64": key.to_base64(), "keyHex": hex::encode(key.as_bytes()),
            }),
        ));
    }

    for size in [0, 1, 17, 1024, 70_000] {
        let key = SecretKey::generate();
        let plaintext = random_vec(size);
        let cipher = encrypt(&plaintext, &key);
        items.push(cipher_item(
            &format!("random-nonce/{size}B"),
            &key,
            &cipher,
            &plaintext,
        ));
    }
    let key = SecretKey::generate();
    let plaintext = b"explicit nonce".to_vec();
    let cipher = encrypt_with_nonce(&plaintext, &key, random_bytes());
    items.push(cipher_item("explicit-nonce", &key, &cipher, &plaintext));

    let mut carry_nonce = random_bytes::<24>();
    carry_nonce[20..].copy_from_slice(&[0xfe, 0xff, 0xff, 0xff]);
    for (label, base_nonce) in [("random", random_bytes::<24>()), ("carry", carry_nonce)] {
        for counter in [0, 1, 2, random_below(3, 1 << 31), u32::MAX] {
            let key_bytes = random_bytes::<32>();
            let plaintext = random_vec(random_below(1, 300) as usize);
            let cipher = encrypt_with_counter(
                &plaintext,
                &SecretKey::from_bytes(key_bytes),
                &base_nonce,
                counter,
            );
            items.push(item(
                "counterCipher",
                &format!("{label}/{counter}"),
                json!({
                    "keyHex": hex::encode(key_bytes), "baseNonceHex": hex::encode(base_nonce),
                    "counter": counter, "cipherBase64": cipher.to_base64(),
                    "cipherJson": cipher.to_json(true), "plaintextHex": hex::encode(&plaintext),
                }),
            ));
        }
    }

    for alg in [HashAlgorithm::Sha256, HashAlgorithm::Sha512] {
        for i in 0..2 {
            let keypair = SignatureKeypair::generate();
            // At least one byte: @nmshd/crypto refuses to verify an empty message
            // (`error.crypto.wrongBuffer`), which made 1 run in ~125 fail.
            let message = random_vec(random_below(1, 500) as usize);
            let signature = keypair.sign(&message, alg);
            items.push(item(
                "signature",
                &format!("alg{}/{i}", alg_id(alg)),
                json!({
                    "keypairJson": keypair.to_json(true),
                    "publicKeyBase64": keypair.public.to_base64(),
                    "messageHex": hex::encode(&message), "alg": alg_id(alg),
                    "signatureBase64": signature.to_base64(), "signatureJson": signature.to_json(true),
                }),
            ));
        }
    }

    for i in 0..2 {
        let templator = ExchangeKeypair::generate();
        let requestor = ExchangeKeypair::generate();
        let client = derive_templator(&templator, &requestor.public).unwrap();
        let server = derive_requestor(&requestor, &templator.public).unwrap();
        items.push(item(
            "exchange",
            &i.to_string(),
            json!({
                "templatorKeypairJson": templator.to_json(true),
                "requestorKeypairJson": requestor.to_json(true),
                "templatorPublicKeyBase64": templator.public.to_base64(),
                "templatorPublicKeyJson": templator.public.to_json(true),
                "templatorRxHex": hex::encode(client.rx), "templatorTxHex": hex::encode(client.tx),
                "requestorRxHex": hex::encode(server.rx), "requestorTxHex": hex::encode(server.tx),
            }),
        ));
    }

    for context in ["REQTMP01", "RELREQ01", "RELTEM01", "SECRET01"] {
        for subkey_id in [0, 1, u64::from(random_below(2, 1 << 31))] {
            let master = random_bytes::<32>();
            let subkey = kdf::derive_subkey(&master, subkey_id, context).unwrap();
            items.push(item(
                "kdf",
                &format!("{context}/{subkey_id}"),
                json!({
                    "masterHex": hex::encode(master), "subkeyId": subkey_id, "context": context,
                    "subkeyHex": hex::encode(subkey),
                }),
            ));
        }
    }

    let passwords = [
        random_id(""),
        format!("pässwörd {} €", random_below(0, 1 << 30)),
        "12345".into(),
    ];
    for password in &passwords {
        let salt = random_bytes::<16>();
        let hash = pwhash::argon2id(
            password.as_bytes(),
            &salt,
            TRANSPORT_OPSLIMIT,
            TRANSPORT_MEMLIMIT,
        )
        .unwrap();
        let backbone = pwhash::hash_password_for_backbone(password, &salt).unwrap();
        items.push(item(
            "argon2id",
            &format!("transport/{}chars", password.chars().count()),
            json!({
                "password": password, "saltHex": hex::encode(salt), "opslimit": TRANSPORT_OPSLIMIT,
                "memlimit": TRANSPORT_MEMLIMIT, "hashHex": hex::encode(hash), "backboneHash": backbone,
            }),
        ));
    }
    // Non-transport parameters, to show the parameters are really passed through.
    let salt = random_bytes::<16>();
    let hash = pwhash::argon2id(b"low cost", &salt, 1, 64 * 1024).unwrap();
    items.push(item(
        "argon2id",
        "ops1-64KiB",
        json!({
            "password": "low cost", "saltHex": hex::encode(salt), "opslimit": 1, "memlimit": 64 * 1024,
            "hashHex": hex::encode(hash),
        }),
    ));

    for (i, reference, app_id) in reference_shapes() {
        let mut fields = json!({
            "truncated": reference.truncate(),
            "expected": expected_reference(&reference),
        });
        if reference.backbone_base_url.is_some() {
            fields["url"] = json!(reference.to_url(app_id).unwrap());
            fields["appId"] = json!(app_id);
        }
        items.push(item(
            "reference",
            &format!("{i}/{}", &reference.id[..3]),
            fields,
        ));
    }

    for hostname in ["localhost", "backbone.example.org", "bb.example.com"] {
        let keypair = SignatureKeypair::generate();
        items.push(item(
            "address",
            hostname,
            json!({
                "publicKeyBase64url": b64url_encode(keypair.public.as_bytes()), "hostname": hostname,
                "address": derive_address(keypair.public.as_bytes(), hostname),
            }),
        ));
    }

    items.push(rust_relationship());
    items
}

fn cipher_item(name: &str, key: &SecretKey, cipher: &Cipher, plaintext: &[u8]) -> Value {
    item(
        "cipher",
        name,
        json!({
            "keyBase64": key.to_base64(), "cipherBase64": cipher.to_base64(),
            "cipherJson": cipher.to_json(true), "plaintextHex": hex::encode(plaintext),
        }),
    )
}

/// References with every combination of optional parts, and the app id to put into their URL.
fn reference_shapes() -> Vec<(usize, Reference, Option<&'static str>)> {
    let protection = |password_type: &str, indicator: Option<u8>, password: Option<&str>| {
        Some(SharedPasswordProtection {
            password_type: password_type.into(),
            salt: random_bytes(),
            password_location_indicator: indicator,
            password: password.map(Into::into),
        })
    };
    let reference = |prefix: &str, url: Option<&str>| Reference {
        id: random_id(prefix),
        backbone_base_url: url.map(Into::into),
        key: SecretKey::generate(),
        for_identity_truncated: None,
        password_protection: None,
    };
    let mut shapes = vec![
        (reference("TOK", None), None),
        (reference("RLT", Some("http://localhost:8090")), None),
        (
            reference("FIL", Some("https://backbone.example.org/some/path")),
            Some("eu.enmeshed.app"),
        ),
    ];
    let mut for_identity = reference("TOK", None);
    for_identity.for_identity_truncated = Some(hex::encode(random_bytes::<2>()));
    shapes.push((for_identity, None));
    let mut pw = reference("TOK", None);
    pw.password_protection = protection("pw", None, None);
    shapes.push((pw, None));
    let mut pin = reference("RLT", Some("https://bb.example.com"));
    pin.password_protection = protection("pin5", Some(random_below(0, 7) as u8), None);
    shapes.push((pin, None));
    let mut everything = reference("TOK", Some("https://bb.example.com"));
    everything.for_identity_truncated = Some(hex::encode(random_bytes::<2>()));
    everything.password_protection = protection(
        "pin4",
        Some(60),
        Some(&random_below(1000, 10_000).to_string()),
    );
    shapes.push((everything, Some("eu.enmeshed.app")));
    shapes
        .into_iter()
        .enumerate()
        .map(|(i, (r, app))| (i, r, app))
        .collect()
}

fn expected_reference(reference: &Reference) -> Value {
    let mut expected =
        json!({ "id": reference.id, "keyBase64url": b64url_encode(reference.key.as_bytes()) });
    if let Some(url) = &reference.backbone_base_url {
        expected["backboneBaseUrl"] = json!(url);
    }
    if let Some(truncated) = &reference.for_identity_truncated {
        expected["forIdentityTruncated"] = json!(truncated);
    }
    if let Some(pp) = &reference.password_protection {
        let mut p = json!({ "passwordType": pp.password_type, "saltBase64": b64_encode(&pp.salt) });
        if let Some(indicator) = pp.password_location_indicator {
            p["passwordLocationIndicator"] = json!(indicator);
        }
        if let Some(password) = &pp.password {
            p["password"] = json!(password);
        }
        expected["passwordProtection"] = p;
    }
    expected
}

/// A whole handshake made by Rust: both sides' secrets, the request and traffic in both directions.
fn rust_relationship() -> Value {
    let template = ExchangeKeypair::generate();
    let templator_identity = SignatureKeypair::generate();
    let request_secrets =
        RelationshipRequestSecrets::from_peer(&template.public, &templator_identity.public)
            .unwrap();
    let public_request = request_secrets.public_request();
    let request_plaintext = format!(
        "{{\"serializedCreationContent\":\"{}\"}}",
        random_id("request")
    );
    let request_cipher = request_secrets.encrypt_request(request_plaintext.as_bytes());
    let request_signature = request_secrets.sign(request_plaintext.as_bytes());
    let mut templator =
        RelationshipSecrets::from_relationship_request(&public_request, &template).unwrap();
    let public_response = templator.public_response();
    let mut requestor =
        RelationshipSecrets::from_relationship_response(&public_response, &request_secrets)
            .unwrap();
    let mut to_templator = Vec::new();
    let mut to_requestor = Vec::new();
    for i in 0..3 {
        let a = format!("requestor message {i} {}", random_id(""));
        to_templator.push(json!({
            "plaintext": a, "cipherBase64": requestor.encrypt(a.as_bytes()).unwrap().to_base64(),
            "signatureBase64": requestor.sign(a.as_bytes()).to_base64(),
        }));
        let b = format!("templator message {i} {}", random_id(""));
        to_requestor.push(json!({
            "plaintext": b, "cipherBase64": templator.encrypt(b.as_bytes()).unwrap().to_base64(),
            "signatureBase64": templator.sign(b.as_bytes()).to_base64(),
        }));
    }
    item(
        "relationship",
        "handshake",
        json!({
            "templateKeypairJson": template.to_json(true),
            "requestSecretsJson": request_secrets.to_json(true),
            "publicRequestBase64": public_request.to_base64(),
            "publicResponseBase64": public_response.to_base64(),
            "templatorSecretsJson": templator.to_json(true),
            "requestorSecretsJson": requestor.to_json(true),
            "requestPlaintext": request_plaintext,
            "requestCipherBase64": request_cipher.to_base64(),
            "requestSignatureBase64": request_signature.to_base64(),
            "toTemplator": to_templator,
            "toRequestor": to_requestor,
        }),
    )
}

// ---------------------------------------------------------------------------------------------------
// TypeScript → Rust: checkers

/// Debug text of a value, cut to a readable length (a 70 kB plaintext helps nobody in a test log).
fn shorten<T: Debug>(value: &T) -> String {
    let text = format!("{value:?}");
    if text.len() <= 160 {
        return text;
    }
    let cut = (0..=120)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    format!("{}… ({} chars)", &text[..cut], text.len())
}

/// Checks of one item; failures are collected so one run reports every difference.
#[derive(Default)]
struct Checks {
    count: usize,
    failures: Vec<String>,
}

impl Checks {
    fn eq<T: PartialEq + Debug>(&mut self, what: &str, actual: T, expected: T) {
        self.count += 1;
        if actual != expected {
            self.failures.push(format!(
                "{what}: got {}, expected {}",
                shorten(&actual),
                shorten(&expected)
            ));
        }
    }

    fn ok(&mut self, what: &str, condition: bool) {
        self.count += 1;
        if !condition {
            self.failures.push(format!("{what}: false"));
        }
    }

    fn err<T: Debug, E>(&mut self, what: &str, result: Result<T, E>) {
        self.count += 1;
        if let Ok(value) = result {
            self.failures
                .push(format!("{what}: expected an error, got {value:?}"));
        }
    }
}

type Outcome = Result<(), Box<dyn std::error::Error>>;

fn s<'a>(item: &'a Value, field: &str) -> &'a str {
    item[field]
        .as_str()
        .unwrap_or_else(|| panic!("item {} has no string field {field}", item["name"]))
}

fn n(item: &Value, field: &str) -> u64 {
    item[field]
        .as_u64()
        .unwrap_or_else(|| panic!("item {} has no number field {field}", item["name"]))
}

fn hex_array<const N: usize>(text: &str) -> [u8; N] {
    hex::decode(text).unwrap().try_into().unwrap()
}

fn check_item(item: &Value, c: &mut Checks) -> Outcome {
    match s(item, "kind") {
        "secretKey" => check_secret_key(item, c),
        "cipher" => check_cipher(item, c),
        "counterCipher" => check_counter_cipher(item, c),
        "signature" => check_signature(item, c),
        "exchange" => check_exchange(item, c),
        "kdf" => check_kdf(item, c),
        "argon2id" => check_argon2id(item, c),
        "reference" => check_reference_item(item, c),
        "address" => check_address_item(item, c),
        "relationship" => check_relationship(item, c),
        other => Err(format!("unknown kind {other}").into()),
    }
}

fn check_secret_key(item: &Value, c: &mut Checks) -> Outcome {
    let key = SecretKey::from_base64(s(item, "base64"))?;
    c.eq(
        "key bytes (base64)",
        hex::encode(key.as_bytes()),
        s(item, "keyHex").into(),
    );
    c.eq(
        "key bytes (json)",
        SecretKey::from_json(s(item, "json"))?,
        key.clone(),
    );
    c.eq(
        "key bytes (short json)",
        SecretKey::from_json(s(item, "jsonShort"))?,
        key.clone(),
    );
    c.eq("to_json(true)", key.to_json(true).as_str(), s(item, "json"));
    c.eq(
        "to_json(false)",
        key.to_json(false).as_str(),
        s(item, "jsonShort"),
    );
    c.eq("to_base64()", key.to_base64().as_str(), s(item, "base64"));
    Ok(())
}

fn check_cipher(item: &Value, c: &mut Checks) -> Outcome {
    let key = SecretKey::from_base64(s(item, "keyBase64"))?;
    let cipher = Cipher::from_base64(s(item, "cipherBase64"))?;
    let plaintext = hex::decode(s(item, "plaintextHex"))?;
    c.ok(
        "cipher carries a nonce",
        matches!(cipher.nonce, CipherNonce::Nonce(_)),
    );
    c.eq(
        "to_json(true)",
        cipher.to_json(true).as_str(),
        s(item, "cipherJson"),
    );
    c.eq(
        "to_base64()",
        cipher.to_base64().as_str(),
        s(item, "cipherBase64"),
    );
    c.eq("plaintext", decrypt(&cipher, &key)?, plaintext);
    c.err(
        "decrypt with another key",
        decrypt(&cipher, &SecretKey::generate()),
    );
    let mut tampered = cipher.clone();
    let last = tampered.ciphertext.len() - 1;
    tampered.ciphertext[last] ^= 1;
    c.err("decrypt a tampered cipher", decrypt(&tampered, &key));
    Ok(())
}

fn check_counter_cipher(item: &Value, c: &mut Checks) -> Outcome {
    let key = SecretKey::from_bytes(hex_array(s(item, "keyHex")));
    let base_nonce: [u8; 24] = hex_array(s(item, "baseNonceHex"));
    let counter = u32::try_from(n(item, "counter"))?;
    let plaintext = hex::decode(s(item, "plaintextHex"))?;
    let cipher = Cipher::from_base64(s(item, "cipherBase64"))?;
    c.eq("cnt", cipher.nonce, CipherNonce::Counter(counter));
    c.eq(
        "to_json(true)",
        cipher.to_json(true).as_str(),
        s(item, "cipherJson"),
    );
    c.eq(
        "plaintext",
        decrypt_with_counter(&cipher, &key, &base_nonce)?,
        plaintext.clone(),
    );
    let again = encrypt_with_counter(&plaintext, &key, &base_nonce, counter);
    c.eq(
        "Rust re-encryption is byte-equal",
        again.to_base64().as_str(),
        s(item, "cipherBase64"),
    );
    let shifted = Cipher {
        ciphertext: cipher.ciphertext.clone(),
        nonce: CipherNonce::Counter(counter.wrapping_add(1)),
    };
    c.err(
        "decrypt with another counter",
        decrypt_with_counter(&shifted, &key, &base_nonce),
    );
    Ok(())
}

fn check_signature(item: &Value, c: &mut Checks) -> Outcome {
    let keypair = SignatureKeypair::from_json(s(item, "keypairJson"))?;
    c.eq(
        "keypair to_json(true)",
        keypair.to_json(true).as_str(),
        s(item, "keypairJson"),
    );
    let public = SignaturePublicKey::from_base64(s(item, "publicKeyBase64"))?;
    c.eq(
        "public key to_base64()",
        public.to_base64().as_str(),
        s(item, "publicKeyBase64"),
    );
    c.eq("keypair public key", keypair.public, public);
    c.eq(
        "public key of the 64-byte private key",
        keypair.private.public_key(),
        public,
    );
    let signature = Signature::from_base64(s(item, "signatureBase64"))?;
    c.eq("signature alg", alg_id(signature.alg), n(item, "alg"));
    c.eq(
        "signature to_json(true)",
        signature.to_json(true).as_str(),
        s(item, "signatureJson"),
    );
    let mut message = hex::decode(s(item, "messageHex"))?;
    c.ok("verify", public.verify(&message, &signature));
    let own = keypair.sign(&message, signature.alg);
    c.eq(
        "Rust signature with the same key is byte-equal",
        own.to_base64().as_str(),
        s(item, "signatureBase64"),
    );
    message.push(0);
    c.ok(
        "verify rejects another message",
        !public.verify(&message, &signature),
    );
    Ok(())
}

fn check_exchange(item: &Value, c: &mut Checks) -> Outcome {
    let templator = ExchangeKeypair::from_json(s(item, "templatorKeypairJson"))?;
    let requestor = ExchangeKeypair::from_json(s(item, "requestorKeypairJson"))?;
    c.eq(
        "templator keypair to_json(true)",
        templator.to_json(true).as_str(),
        s(item, "templatorKeypairJson"),
    );
    c.eq(
        "requestor keypair to_json(true)",
        requestor.to_json(true).as_str(),
        s(item, "requestorKeypairJson"),
    );
    let templator_public = ExchangePublicKey::from_base64(s(item, "templatorPublicKeyBase64"))?;
    c.eq(
        "templator public key to_json(true)",
        templator_public.to_json(true).as_str(),
        s(item, "templatorPublicKeyJson"),
    );
    let client = derive_templator(&templator, &requestor.public)?;
    c.eq(
        "templator (client) rx",
        hex::encode(client.rx).as_str(),
        s(item, "templatorRxHex"),
    );
    c.eq(
        "templator (client) tx",
        hex::encode(client.tx).as_str(),
        s(item, "templatorTxHex"),
    );
    let server = derive_requestor(&requestor, &templator_public)?;
    c.eq(
        "requestor (server) rx",
        hex::encode(server.rx).as_str(),
        s(item, "requestorRxHex"),
    );
    c.eq(
        "requestor (server) tx",
        hex::encode(server.tx).as_str(),
        s(item, "requestorTxHex"),
    );
    Ok(())
}

fn check_kdf(item: &Value, c: &mut Checks) -> Outcome {
    let subkey = kdf::derive_subkey(
        &hex_array(s(item, "masterHex")),
        n(item, "subkeyId"),
        s(item, "context"),
    )?;
    c.eq("subkey", hex::encode(subkey).as_str(), s(item, "subkeyHex"));
    Ok(())
}

fn check_argon2id(item: &Value, c: &mut Checks) -> Outcome {
    let salt: [u8; 16] = hex_array(s(item, "saltHex"));
    let password = s(item, "password");
    let hash = pwhash::argon2id(
        password.as_bytes(),
        &salt,
        u32::try_from(n(item, "opslimit"))?,
        usize::try_from(n(item, "memlimit"))?,
    )?;
    c.eq(
        "argon2id output",
        hex::encode(hash).as_str(),
        s(item, "hashHex"),
    );
    if item.get("backboneHash").is_some() {
        c.eq(
            "hash_password_for_backbone",
            pwhash::hash_password_for_backbone(password, &salt)?.as_str(),
            s(item, "backboneHash"),
        );
    }
    Ok(())
}

fn check_reference_fields(c: &mut Checks, form: &str, reference: &Reference, expected: &Value) {
    let opt = |v: &Value| v.as_str().map(str::to_owned);
    c.eq(
        &format!("{form}: id"),
        reference.id.as_str(),
        expected["id"].as_str().unwrap_or_default(),
    );
    c.eq(
        &format!("{form}: backboneBaseUrl"),
        reference.backbone_base_url.clone(),
        opt(&expected["backboneBaseUrl"]),
    );
    c.eq(
        &format!("{form}: key"),
        b64url_encode(reference.key.as_bytes()),
        opt(&expected["keyBase64url"]).unwrap_or_default(),
    );
    c.eq(
        &format!("{form}: forIdentityTruncated"),
        reference.for_identity_truncated.clone(),
        opt(&expected["forIdentityTruncated"]),
    );
    let expected_pp = &expected["passwordProtection"];
    c.eq(
        &format!("{form}: has password protection"),
        reference.password_protection.is_some(),
        expected_pp.is_object(),
    );
    if let Some(pp) = &reference.password_protection {
        c.eq(
            &format!("{form}: passwordType"),
            Some(pp.password_type.clone()),
            opt(&expected_pp["passwordType"]),
        );
        c.eq(
            &format!("{form}: salt"),
            Some(b64_encode(&pp.salt)),
            opt(&expected_pp["saltBase64"]),
        );
        c.eq(
            &format!("{form}: passwordLocationIndicator"),
            pp.password_location_indicator.map(u64::from),
            expected_pp["passwordLocationIndicator"].as_u64(),
        );
        c.eq(
            &format!("{form}: password"),
            pp.password.clone(),
            opt(&expected_pp["password"]),
        );
    }
}

fn check_reference_item(item: &Value, c: &mut Checks) -> Outcome {
    let truncated = s(item, "truncated");
    let expected = &item["expected"];
    let parsed = Reference::parse(truncated)?;
    check_reference_fields(c, "truncated", &parsed, expected);
    c.eq(
        "from_truncated equals parse",
        Reference::from_truncated(truncated)?,
        parsed.clone(),
    );
    c.eq(
        "truncate() of the parsed reference",
        parsed.truncate().as_str(),
        truncated,
    );
    if let Some(url) = item["url"].as_str() {
        let app_id = item["appId"].as_str();
        let from_url = Reference::parse(url)?;
        check_reference_fields(c, "url", &from_url, expected);
        c.eq(
            "from_url equals parse",
            Reference::from_url(url)?,
            from_url.clone(),
        );
        c.eq(
            "to_url() of the parsed URL",
            from_url.to_url(app_id)?.as_str(),
            url,
        );
        c.eq(
            "to_url() of the parsed truncated reference",
            parsed.to_url(app_id)?.as_str(),
            url,
        );
    }
    Ok(())
}

fn check_address_item(item: &Value, c: &mut Checks) -> Outcome {
    let public: [u8; 32] = nmshd_crypto::b64url_decode(s(item, "publicKeyBase64url"))?
        .try_into()
        .map_err(|_| "public key is not 32 bytes")?;
    let hostname = s(item, "hostname");
    let address = s(item, "address");
    c.eq(
        "derive_address",
        derive_address(&public, hostname).as_str(),
        address,
    );
    c.ok(
        "check_address with key",
        check_address(address, hostname, Some(&public)),
    );
    c.ok(
        "check_address without key",
        check_address(address, hostname, None),
    );
    c.ok(
        "check_address rejects another host",
        !check_address(address, "other.example.net", None),
    );
    let other_key = SignatureKeypair::generate();
    c.ok(
        "check_address rejects another key",
        !check_address(address, hostname, Some(other_key.public.as_bytes())),
    );
    let (body, checksum) = address.split_at(address.len() - 2);
    let wrong_checksum = format!("{body}{:02x}", u8::from_str_radix(checksum, 16)? ^ 0x01);
    c.ok(
        "check_address rejects a wrong checksum",
        !check_address(&wrong_checksum, hostname, None),
    );
    Ok(())
}

fn check_relationship(item: &Value, c: &mut Checks) -> Outcome {
    let templator = RelationshipSecrets::from_json(s(item, "templatorSecretsJson"))?;
    let requestor = RelationshipSecrets::from_json(s(item, "requestorSecretsJson"))?;
    let request_secrets = RelationshipRequestSecrets::from_json(s(item, "requestSecretsJson"))?;
    c.eq(
        "templator secrets to_json(true)",
        templator.to_json(true).as_str(),
        s(item, "templatorSecretsJson"),
    );
    c.eq(
        "requestor secrets to_json(true)",
        requestor.to_json(true).as_str(),
        s(item, "requestorSecretsJson"),
    );
    c.eq(
        "request secrets to_json(true)",
        request_secrets.to_json(true).as_str(),
        s(item, "requestSecretsJson"),
    );
    let public_request = RelationshipPublicRequest::from_base64(s(item, "publicRequestBase64"))?;
    c.eq(
        "public request to_base64()",
        public_request.to_base64().as_str(),
        s(item, "publicRequestBase64"),
    );
    let public_response = RelationshipPublicResponse::from_base64(s(item, "publicResponseBase64"))?;
    c.eq(
        "public response to_base64()",
        public_response.to_base64().as_str(),
        s(item, "publicResponseBase64"),
    );

    // Rust as templator: open the creation content with the template keypair, as the Connector will.
    let template = ExchangeKeypair::from_json(s(item, "templateKeypairJson"))?;
    let rust_templator =
        RelationshipSecrets::from_relationship_request(&public_request, &template)?;
    let request_cipher = Cipher::from_base64(s(item, "requestCipherBase64"))?;
    let request_plaintext = s(item, "requestPlaintext").as_bytes();
    c.eq(
        "request plaintext (Rust templator)",
        rust_templator.decrypt_request(&request_cipher)?,
        request_plaintext.to_vec(),
    );
    c.eq(
        "request plaintext (imported templator)",
        templator.decrypt_request(&request_cipher)?,
        request_plaintext.to_vec(),
    );
    let request_signature = Signature::from_base64(s(item, "requestSignatureBase64"))?;
    c.ok(
        "request signature (relationship key)",
        rust_templator.verify_peer(request_plaintext, &request_signature),
    );
    // Rust as requestor: derive the final secrets from the TS templator's public response.
    let rust_requestor =
        RelationshipSecrets::from_relationship_response(&public_response, &request_secrets)?;

    // A Rust templator made from the public request has its own fresh exchange keys, so only the imported
    // templator can read the requestor's traffic; the requestor side can be both imported and re-derived.
    let to_templator: Vec<(&str, &RelationshipSecrets)> = vec![("imported", &templator)];
    let to_requestor: Vec<(&str, &RelationshipSecrets)> =
        vec![("imported", &requestor), ("derived", &rust_requestor)];
    for (direction, receivers, messages) in [
        ("requestor→templator", to_templator, &item["toTemplator"]),
        ("templator→requestor", to_requestor, &item["toRequestor"]),
    ] {
        let messages = messages.as_array().ok_or("messages must be an array")?;
        c.ok(&format!("{direction}: has messages"), !messages.is_empty());
        for (i, message) in messages.iter().enumerate() {
            let cipher = Cipher::from_base64(s(message, "cipherBase64"))?;
            let plaintext = s(message, "plaintext").as_bytes();
            let signature = Signature::from_base64(s(message, "signatureBase64"))?;
            for (who, receiver) in &receivers {
                c.eq(
                    &format!("{direction} #{i} plaintext ({who})"),
                    receiver.decrypt(&cipher)?,
                    plaintext.to_vec(),
                );
                c.ok(
                    &format!("{direction} #{i} signature ({who})"),
                    receiver.verify_peer(plaintext, &signature),
                );
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// the tests

/// Asserts a node judge's report: one passing result per item, every kind covered.
fn assert_judged(items: &[Value], report: &Value, who: &str) {
    let results = report["results"].as_array().expect("report has results");
    assert_eq!(
        results.len(),
        items.len(),
        "{who}: the judge reported {} results for {} items",
        results.len(),
        items.len()
    );
    let mut failures = Vec::new();
    let mut per_kind: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    for (item, result) in items.iter().zip(results) {
        assert_eq!(result["name"], item["name"], "{who}: results out of order");
        let entry = per_kind.entry(s(item, "kind").to_owned()).or_default();
        entry.0 += 1;
        entry.1 += result["checks"].as_u64().unwrap_or(0);
        if result["ok"] != json!(true) {
            failures.push(format!("{}: {}", result["name"], result["failures"]));
        }
    }
    println!("{who}: judged by {}", report["versions"]);
    for (kind, (count, checks)) in &per_kind {
        println!("  {kind:<14} {count:>3} items {checks:>4} checks");
    }
    for kind in KINDS {
        assert!(per_kind.contains_key(kind), "{who}: no item of kind {kind}");
    }
    assert!(
        failures.is_empty(),
        "{who}: {} of {} items failed:\n{}",
        failures.len(),
        items.len(),
        failures.join("\n")
    );
}

#[test]
fn rust_material_is_accepted_by_typescript() {
    let items = rust_items();
    let report = run_script("verify-rust.mjs", Some(&json!({ "items": items })));
    assert_judged(&items, &report, "Rust → @nmshd/crypto");
}

#[test]
fn typescript_material_is_accepted_by_rust() {
    let produced = run_script("produce.mjs", None);
    let items = produced["items"]
        .as_array()
        .expect("produce.mjs printed items");
    let mut failures = Vec::new();
    let mut per_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for item in items {
        let mut checks = Checks::default();
        if let Err(e) = check_item(item, &mut checks) {
            checks.failures.push(format!("error: {e}"));
        }
        if checks.count == 0 && checks.failures.is_empty() {
            checks.failures.push("no check ran".into());
        }
        let entry = per_kind.entry(s(item, "kind").to_owned()).or_default();
        entry.0 += 1;
        entry.1 += checks.count;
        if !checks.failures.is_empty() {
            failures.push(format!("{}: {}", item["name"], checks.failures.join("; ")));
        }
    }
    println!(
        "@nmshd/crypto → Rust: material from {}",
        produced["versions"]
    );
    for (kind, (count, checks)) in &per_kind {
        println!("  {kind:<14} {count:>3} items {checks:>4} checks");
    }
    for kind in KINDS {
        assert!(
            per_kind.contains_key(kind),
            "produce.mjs made no item of kind {kind}"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} TypeScript items failed in Rust:\n{}",
        failures.len(),
        items.len(),
        failures.join("\n")
    );
}

/// The judge must accept the reference library's own output, or its verdicts on Rust mean nothing.
#[test]
fn typescript_judge_accepts_typescript_material() {
    let produced = run_script("produce.mjs", None);
    let items = produced["items"]
        .as_array()
        .expect("produce.mjs printed items")
        .clone();
    let report = run_script("verify-rust.mjs", Some(&json!({ "items": items })));
    assert_judged(
        &items,
        &report,
        "@nmshd/crypto → @nmshd/crypto (judge self-check)",
    );
}
