//! Criterion benchmarks of the crypto hot paths. The benchmark ids match the node side
//! (`loadtests/crypto/bench.mjs`, listed in `loadtests/crypto/ops.json`), so
//! `loadtests/crypto/compare.sh` can put both rates side by side.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark setup: a panic is a failed run"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use nmshd_crypto::{
    ExchangeKeypair, HashAlgorithm, SecretKey, SignatureKeypair, decrypt, derive_templator,
    encrypt, kdf, pwhash, random_bytes,
};
use std::hint::black_box;

/// Argon2id parameters transport uses for passwords (wire-formats §1.7).
const TRANSPORT_OPSLIMIT: u32 = 3;
const TRANSPORT_MEMLIMIT: usize = 20 * 1024 * 1024;

fn random_vec(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    while out.len() < len {
        out.extend_from_slice(&random_bytes::<32>());
    }
    out.truncate(len);
    out
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("crypto");
    let key = SecretKey::generate();
    for (id, size) in [
        ("encrypt_decrypt_1KiB", 1024),
        ("encrypt_decrypt_1MiB", 1024 * 1024),
    ] {
        let plaintext = random_vec(size);
        group.bench_function(id, |b| {
            b.iter(|| {
                let cipher = encrypt(black_box(&plaintext), &key);
                decrypt(&cipher, &key).unwrap()
            });
        });
    }

    let message = random_vec(1024);
    let signer = SignatureKeypair::generate();
    let signature = signer.sign(&message, HashAlgorithm::Sha512);
    group.bench_function("sign_1KiB", |b| {
        b.iter(|| signer.sign(black_box(&message), HashAlgorithm::Sha512));
    });
    group.bench_function("verify_1KiB", |b| {
        b.iter(|| assert!(signer.public.verify(black_box(&message), &signature)));
    });

    let templator = ExchangeKeypair::generate();
    let requestor = ExchangeKeypair::generate();
    group.bench_function("kx_session_keys", |b| {
        b.iter(|| derive_templator(black_box(&templator), &requestor.public).unwrap());
    });

    let master = random_bytes::<32>();
    let mut subkey_id = 0u64;
    group.bench_function("kdf_subkey", |b| {
        b.iter(|| {
            subkey_id = (subkey_id + 1) % 1000;
            kdf::derive_subkey(black_box(&master), subkey_id, "RELREQ01").unwrap()
        });
    });

    let salt = random_bytes::<16>();
    group.bench_function("argon2id_transport", |b| {
        b.iter(|| {
            pwhash::argon2id(
                black_box(b"correct horse battery staple"),
                &salt,
                TRANSPORT_OPSLIMIT,
                TRANSPORT_MEMLIMIT,
            )
            .unwrap()
        });
    });
    group.finish();
}

criterion_group!(crypto, benches);
criterion_main!(crypto);
