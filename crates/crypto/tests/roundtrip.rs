//! Behaviour with fresh randomness: round trips and the full relationship handshake.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use nmshd_crypto::{
    Cipher, CryptoError, ExchangeKeypair, HashAlgorithm, PrivateStateTransmit, Reference,
    RelationshipRequestSecrets, RelationshipSecrets, RelationshipType, SecretKey,
    SharedPasswordProtection, SignatureKeypair, counter_nonce, random_bytes,
};

#[test]
fn handshake_gives_two_working_channels() {
    let templator_identity = SignatureKeypair::generate();
    let template = ExchangeKeypair::generate();
    let request =
        RelationshipRequestSecrets::from_peer(&template.public, &templator_identity.public)
            .unwrap();
    let request_cipher = request.encrypt_request(b"creation content");

    // over the wire: the public request travels as JSON
    let public_request =
        nmshd_crypto::RelationshipPublicRequest::from_json(&request.public_request().to_json(true))
            .unwrap();
    let mut templator =
        RelationshipSecrets::from_relationship_request(&public_request, &template).unwrap();
    assert_eq!(templator.relationship_type, RelationshipType::Templator);
    assert_eq!(
        templator.decrypt_request(&request_cipher).unwrap(),
        b"creation content"
    );
    assert!(templator.peer_identity_key.is_none());

    let public_response = nmshd_crypto::RelationshipPublicResponse::from_base64(
        &templator.public_response().to_base64(),
    )
    .unwrap();
    let mut requestor =
        RelationshipSecrets::from_relationship_response(&public_response, &request).unwrap();
    assert_eq!(requestor.peer_identity_key, Some(templator_identity.public));

    for i in 0..3u32 {
        let c = requestor.encrypt(format!("r{i}").as_bytes()).unwrap();
        assert_eq!(c.nonce, nmshd_crypto::CipherNonce::Counter(i));
        assert_eq!(templator.decrypt(&c).unwrap(), format!("r{i}").as_bytes());
        let c = templator.encrypt(format!("t{i}").as_bytes()).unwrap();
        assert_eq!(
            requestor
                .decrypt(&Cipher::from_json(&c.to_json(true)).unwrap())
                .unwrap(),
            format!("t{i}").as_bytes()
        );
    }
    // a channel does not decrypt its own direction
    let own = requestor.encrypt(b"x").unwrap();
    assert_eq!(requestor.decrypt(&own), Err(CryptoError::Decryption));

    let sig = templator.sign(b"accept");
    assert_eq!(sig.alg, HashAlgorithm::Sha256);
    assert!(requestor.verify_peer(b"accept", &sig));
    assert!(!templator.verify_peer(b"accept", &sig));

    // stored secrets survive serialization with their counters
    let restored = RelationshipSecrets::from_json(&requestor.to_json(true)).unwrap();
    assert_eq!(restored, requestor);
    assert_eq!(restored.transmit.counter, 4);
}

#[test]
fn transmit_counter_refuses_to_wrap() {
    let mut state = PrivateStateTransmit::new(SecretKey::generate(), random_bytes());
    state.counter = u32::MAX;
    assert_eq!(state.encrypt(b"x"), Err(CryptoError::CounterExhausted));
    assert_eq!(state.counter, u32::MAX);
}

/// Counters reserved in a block and used out of order, with a gap (a block abandoned by a sender
/// that died): the peer decrypts each by its own `cnt`, and each cipher equals the one `encrypt`
/// makes at that counter.
#[test]
fn reserved_counters_encrypt_like_encrypt_and_decrypt_across_gaps() {
    let template = ExchangeKeypair::generate();
    let request = RelationshipRequestSecrets::from_peer(
        &template.public,
        &SignatureKeypair::generate().public,
    )
    .unwrap();
    let templator =
        RelationshipSecrets::from_relationship_request(&request.public_request(), &template)
            .unwrap();
    let mut requestor =
        RelationshipSecrets::from_relationship_response(&templator.public_response(), &request)
            .unwrap();
    let first = requestor.reserve_transmit_counters(4).unwrap();
    assert_eq!(first, 0..4);
    assert_eq!(requestor.transmit.counter, 4);
    let abandoned = requestor.reserve_transmit_counters(4).unwrap();
    assert_eq!(abandoned, 4..8);
    let second = requestor.reserve_transmit_counters(4).unwrap();
    assert_eq!(second, 8..12);
    for counter in [9, 1, 8, 0] {
        let cipher = requestor.encrypt_at(format!("m{counter}").as_bytes(), counter);
        assert_eq!(cipher.nonce, nmshd_crypto::CipherNonce::Counter(counter));
        assert_eq!(
            templator.decrypt(&cipher).unwrap(),
            format!("m{counter}").as_bytes()
        );
        let mut at = requestor.transmit.clone();
        at.counter = counter;
        assert_eq!(
            at.encrypt(format!("m{counter}").as_bytes()).unwrap(),
            cipher
        );
    }
}

#[test]
fn reserving_stops_before_the_counter_would_wrap() {
    let mut state = PrivateStateTransmit::new(SecretKey::generate(), random_bytes());
    state.counter = u32::MAX - 3;
    assert_eq!(state.reserve(64).unwrap(), u32::MAX - 3..u32::MAX);
    assert_eq!(state.reserve(64), Err(CryptoError::CounterExhausted));
    assert_eq!(state.counter, u32::MAX);
    let mut fresh = PrivateStateTransmit::new(SecretKey::generate(), random_bytes());
    assert_eq!(fresh.reserve(0).unwrap(), 0..1, "at least one");
}

#[test]
fn counter_nonce_carries_only_within_the_last_four_bytes() {
    let mut base = [0xabu8; 24];
    base[20..].copy_from_slice(&[0xfe, 0xff, 0xff, 0xff]);
    let n = counter_nonce(&base, 3);
    assert_eq!(&n[..20], &base[..20]);
    assert_eq!(&n[20..], &[0x01, 0x00, 0x00, 0x00]);
}

#[test]
fn debug_output_hides_key_bytes() {
    let key = SecretKey::from_bytes([0x42; 32]);
    assert!(!format!("{key:?}").contains("42"));
    let kp = SignatureKeypair::from_seed([0x42; 32]);
    assert!(!format!("{:?}", kp.private).contains("66"));
}

#[test]
fn references_round_trip_in_both_forms() {
    let reference = Reference {
        id: "RLT1q235W57zDiGscUgv".into(),
        backbone_base_url: Some("https://bb.example.com/base".into()),
        key: SecretKey::generate(),
        for_identity_truncated: Some("0f9a".into()),
        password_protection: Some(SharedPasswordProtection {
            password_type: "pin5".into(),
            salt: random_bytes(),
            password_location_indicator: Some(6),
            password: None,
        }),
    };
    assert_eq!(Reference::parse(&reference.truncate()).unwrap(), reference);
    let url = reference.to_url(Some("myapp")).unwrap();
    assert!(url.starts_with("https://bb.example.com/base/r/RLT1q235W57zDiGscUgv?app=myapp#"));
    assert_eq!(Reference::parse(&url).unwrap(), reference);
    assert_eq!(
        Reference::from_json(&reference.to_json(true)).unwrap(),
        reference
    );
    assert!(
        reference
            .to_json(true)
            .starts_with(r#"{"@type":"RelationshipTemplateReference","backboneBaseUrl""#)
    );
}
