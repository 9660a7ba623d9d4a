//! Fuzzes `Reference::parse`, `from_truncated`, `from_url` and `from_json`, and checks that every
//! accepted reference survives its own truncated, URL and JSON forms unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nmshd_crypto::Reference;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = [
        Reference::parse(text),
        Reference::from_truncated(text),
        Reference::from_url(text),
        Reference::from_json(text),
    ];
    for reference in parsed.into_iter().flatten() {
        let truncated = reference.truncate();
        assert_eq!(
            Reference::from_truncated(&truncated).as_ref(),
            Ok(&reference),
            "truncated form {truncated}"
        );
        assert_eq!(
            Reference::parse(&truncated).as_ref(),
            Ok(&reference),
            "parse of truncated form {truncated}"
        );
        if let Ok(url) = reference.to_url(Some("app")) {
            assert_eq!(
                Reference::from_url(&url).as_ref(),
                Ok(&reference),
                "URL form {url}"
            );
        }
        for verbose in [true, false] {
            let json = reference.to_json(verbose);
            assert_eq!(
                Reference::from_json(&json).as_ref(),
                Ok(&reference),
                "JSON form {json}"
            );
        }
    }
});
