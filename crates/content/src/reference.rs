//! `TransferFileOwnershipRequestItem.fileReference`: a file reference as `@nmshd/core-types` `Reference` reads it
//! (truncated base64url `id[@backboneBaseUrl]|algorithm|key[|forIdentity|passwordProtection]`, or an
//! `http(s)://…/r/<id>#<base64url(algorithm|key|forIdentity|passwordProtection)>` URL) and writes it back
//! (always truncated, always five components).

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};

use crate::error::{ContentError, Result};

fn decode(s: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .or_else(|_| URL_SAFE.decode(s))
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// The normalized truncated form of a file reference, or `invalidPropertyValue` naming `position`.
pub fn normalize_file_reference(position: &str, reference: &str) -> Result<String> {
    let invalid = |why: &str| {
        ContentError::invalid(format!("{position} is not a valid file reference: {why}"))
    };
    let parts: Vec<String> = if reference.starts_with("http") {
        let (before_hash, hash) = reference
            .split_once('#')
            .ok_or_else(|| invalid("the URL has no #fragment"))?;
        let (scheme, rest) = before_hash
            .split_once("://")
            .ok_or_else(|| invalid("not a URL"))?;
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        let path = format!("/{path}");
        let (base_path, id) = path
            .rsplit_once("/r/")
            .ok_or_else(|| invalid("the URL path has no /r/<id>"))?;
        if id.is_empty() || id.contains('/') {
            return Err(invalid("the URL path has no /r/<id>"));
        }
        let fragment = decode(hash).ok_or_else(|| invalid("the fragment is not base64url"))?;
        let mut tail: Vec<String> = fragment.split('|').map(str::to_string).collect();
        if tail.len() < 4 {
            return Err(invalid(
                "the fragment needs algorithm|key|forIdentity|passwordProtection",
            ));
        }
        tail.truncate(4);
        let mut parts = vec![format!("{id}@{scheme}://{authority}{base_path}")];
        parts.extend(tail);
        parts
    } else {
        let decoded = decode(reference).ok_or_else(|| invalid("not base64url"))?;
        let mut parts: Vec<String> = decoded.split('|').map(str::to_string).collect();
        if parts.len() != 3 && parts.len() != 5 {
            return Err(invalid(&format!(
                "A truncated reference must consist of either exactly 3 or exactly 5 components, but it consists of '{}' components.",
                parts.len()
            )));
        }
        parts.resize(5, String::new());
        parts
    };
    if parts[0].split('@').next().is_none_or(str::is_empty)
        || parts[1].is_empty()
        || parts[2].is_empty()
    {
        return Err(invalid("id, algorithm and key are required"));
    }
    Ok(URL_SAFE_NO_PAD.encode(parts.join("|")))
}
