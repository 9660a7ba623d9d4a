//! The JSON of `FileReference`, `TokenReference` and `RelationshipTemplateReference` (core-types
//! `Reference` subclasses) and of `SharedPasswordProtection`, as ts-serval writes them.
//!
//! The truncated and URL forms live in `nmshd_crypto::Reference`; this module adds the class-specific
//! JSON that transport embeds (e.g. message attachments are non-verbose `FileReference`s).

use crate::error::{Result, WireError};
use crate::serial::{Fields, SerialObject};
use nmshd_crypto::{Reference, SecretKey, SharedPasswordProtection, b64url_decode, b64url_encode};
use serde_json::Value;

/// Which `Reference` subclass an id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    /// `FIL…` ids.
    File,
    /// `TOK…` ids.
    Token,
    /// `RLT…` ids.
    RelationshipTemplate,
}

impl ReferenceKind {
    /// The class name written as `@type`.
    pub fn type_name(self) -> &'static str {
        match self {
            ReferenceKind::File => "FileReference",
            ReferenceKind::Token => "TokenReference",
            ReferenceKind::RelationshipTemplate => "RelationshipTemplateReference",
        }
    }

    /// The Backbone id prefix.
    pub fn id_prefix(self) -> &'static str {
        match self {
            ReferenceKind::File => "FIL",
            ReferenceKind::Token => "TOK",
            ReferenceKind::RelationshipTemplate => "RLT",
        }
    }
}

/// `SharedPasswordProtection` JSON (sorted): `{"password"?,"passwordLocationIndicator"?,"passwordType","salt"}`.
pub fn password_protection_to_value(p: &SharedPasswordProtection, verbose: bool) -> Value {
    SerialObject::new()
        .field("passwordType", p.password_type.as_str())
        .field("salt", b64url_encode(&p.salt))
        .opt_field("passwordLocationIndicator", p.password_location_indicator)
        .opt_field("password", p.password.as_deref())
        .finish("SharedPasswordProtection", verbose)
}

/// Parses `SharedPasswordProtection` JSON (salt as base64url, 16 bytes).
pub fn password_protection_from_value(value: &Value) -> Result<SharedPasswordProtection> {
    const TY: &str = "SharedPasswordProtection";
    let f = Fields::new(value, TY)?;
    let password_type = f.str("passwordType")?;
    let valid_type = password_type == "pw"
        || password_type
            .strip_prefix("pin")
            .and_then(|n| n.parse::<u8>().ok())
            .is_some_and(|n| (4..=16).contains(&n));
    if !valid_type {
        return Err(WireError::invalid(
            TY,
            "passwordType",
            "expected pw or pin4…pin16",
        ));
    }
    let salt_bytes = b64url_decode(f.str("salt")?)?;
    let salt: [u8; 16] = salt_bytes
        .try_into()
        .map_err(|_| WireError::invalid(TY, "salt", "must be 16 bytes"))?;
    let password_location_indicator = match f.opt("passwordLocationIndicator") {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|i| *i <= 99)
                .map(|i| i as u8)
                .ok_or_else(|| {
                    WireError::invalid(TY, "passwordLocationIndicator", "expected 0…99")
                })?,
        ),
    };
    Ok(SharedPasswordProtection {
        password_type: password_type.to_owned(),
        salt,
        password_location_indicator,
        password: f.opt_str("password")?.map(str::to_owned),
    })
}

/// The ts-serval JSON of a reference of the given kind (sorted members; `@type` when verbose).
pub fn reference_to_value(reference: &Reference, kind: ReferenceKind, verbose: bool) -> Value {
    SerialObject::new()
        .field("id", reference.id.as_str())
        .opt_field("backboneBaseUrl", reference.backbone_base_url.as_deref())
        .field("key", reference.key.to_value(false))
        .opt_field(
            "forIdentityTruncated",
            reference.for_identity_truncated.as_deref(),
        )
        .opt_field(
            "passwordProtection",
            reference
                .password_protection
                .as_ref()
                .map(|p| password_protection_to_value(p, false)),
        )
        .finish(kind.type_name(), verbose)
}

/// Parses the JSON of a reference of the given kind; a present `@type` must be that class (or the
/// base class `Reference`) and the id must carry the kind's prefix.
pub fn reference_from_value(value: &Value, kind: ReferenceKind) -> Result<Reference> {
    let ty = kind.type_name();
    let f = Fields::with_aliases(value, ty, &["Reference"])?;
    let id = f.str("id")?;
    let valid_id = id.len() == 20
        && id.starts_with(kind.id_prefix())
        && id.bytes().all(|b| b.is_ascii_alphanumeric());
    if !valid_id {
        return Err(WireError::invalid(
            ty,
            "id",
            format!(
                "expected {}… with 20 alphanumeric characters",
                kind.id_prefix()
            ),
        ));
    }
    let for_identity_truncated = f.opt_str("forIdentityTruncated")?.map(str::to_owned);
    if let Some(t) = &for_identity_truncated
        && !(t.len() == 4 && t.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
    {
        return Err(WireError::invalid(
            ty,
            "forIdentityTruncated",
            "expected 4 lowercase hex characters",
        ));
    }
    Ok(Reference {
        id: id.to_owned(),
        backbone_base_url: f.opt_str("backboneBaseUrl")?.map(str::to_owned),
        key: f.nested("key", |v| Ok(SecretKey::from_value(v)?))?,
        for_identity_truncated,
        password_protection: f.opt_nested("passwordProtection", password_protection_from_value)?,
    })
}

/// The last four characters of an address, as `forIdentityTruncated` wants them.
pub fn truncate_for_identity(address: &str) -> String {
    let chars: Vec<char> = address.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}
