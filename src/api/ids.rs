//! Newtypes for the ids and addresses in request bodies, each parsed once at the edge with the
//! runtime's pattern.

use std::fmt;
use std::ops::Deref;
use std::sync::LazyLock;

use regex::Regex;

use serde::Serialize;

use crate::error::ConnectorError;

/// An enmeshed identity address, as the runtime's `AddressString` schema accepts it: a string
/// in which its pattern ([`IdentityAddress::PATTERN`], unanchored as in the runtime) occurs. The
/// checksum is not checked here (nor by the runtime's schema: an address nobody has fails
/// later, at the relationship checks).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct IdentityAddress(String);

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(IdentityAddress::PATTERN).unwrap_or_else(|e| unreachable!("address pattern: {e}"))
});

impl IdentityAddress {
    /// The runtime's pattern, as its validation messages quote it.
    pub const PATTERN: &'static str =
        "did:e:((([A-Za-z0-9]+(-[A-Za-z0-9]+)*)\\.)+[a-z]{2,}|localhost):dids:[0-9a-f]{22}";

    /// The address, if [`Self::PATTERN`] occurs in `text`.
    pub fn parse(text: &str) -> Option<Self> {
        ADDRESS.is_match(text).then(|| Self(text.to_owned()))
    }

    /// The address as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address as a `String`.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Whether `text` is `<prefix>` and 17 letters or digits (the runtime's id patterns).
pub fn is_prefixed_id(text: &str, prefix: &str) -> bool {
    text.len() == 20 && text.starts_with(prefix) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

macro_rules! prefixed_ids {
    ($( $(#[$doc:meta])* $name:ident $prefix:literal; )*) => { $(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The prefix of every id of this kind.
            pub const PREFIX: &'static str = $prefix;
            /// The runtime's pattern, as its validation messages quote it.
            pub const PATTERN: &'static str = concat!($prefix, "[A-Za-z0-9]{17}");

            /// The id, if `text` matches [`Self::PATTERN`].
            pub fn parse(text: &str) -> Option<Self> {
                is_prefixed_id(text, $prefix).then(|| Self(text.to_owned()))
            }

            /// A path parameter: a malformed one is the runtime's `id must match pattern …`.
            pub fn from_path(text: &str) -> Result<Self, ConnectorError> {
                Self::parse(text).ok_or_else(|| {
                    ConnectorError::validation(format!("id must match pattern {}", Self::PATTERN))
                })
            }

            /// The id as a `String`.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )* };
}

prefixed_ids! {
    /// `MSG…`
    MessageId "MSG";
    /// `FIL…`
    FileId "FIL";
    /// `REL…`
    RelationshipId "REL";
    /// `RLT…`
    TemplateId "RLT";
    /// `TOK…`
    TokenId "TOK";
    /// `REQ…`
    RequestId "REQ";
    /// `ATT…`
    AttributeId "ATT";
}

impl Deref for IdentityAddress {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdentityAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_follow_the_runtime_pattern() {
        let ok = |text: &str| IdentityAddress::parse(text).is_some();
        assert!(ok("did:e:localhost:dids:0123456789abcdef012345"));
        assert!(ok("did:e:pilot.enmeshed.eu:dids:0123456789abcdef012345"));
        assert!(ok("did:e:my-host.example.org:dids:0123456789abcdef012345"));
        assert!(!ok("did:e:localhost:dids:0123456789ABCDEF012345"));
        assert!(!ok("did:e:localhost:dids:0123456789abcdef01234"));
        assert!(!ok("did:e:127.0.0.1:dids:0123456789abcdef012345"));
        assert!(!ok("did:e:example.o:dids:0123456789abcdef012345"));
        assert!(!ok("did:e:-a.example.org:dids:0123456789abcdef012345"));
        assert!(!ok("did:e:a--b.example.org:dids:0123456789abcdef012345"));
        assert!(!ok("did:e::dids:0123456789abcdef012345"));
        // Unanchored, as the runtime's schema pattern.
        assert!(ok("<did:e:localhost:dids:0123456789abcdef012345>"));
        assert!(!ok("did:x:localhost:dids:0123456789abcdef012345"));
    }

    #[test]
    fn prefixed_ids_follow_the_runtime_pattern() {
        assert!(FileId::parse("FILaaaaaaaaaaaaaaaaa").is_some());
        assert!(FileId::parse("FILaaaaaaaaaaaaaaaa").is_none());
        assert!(FileId::parse("MSGaaaaaaaaaaaaaaaaa").is_none());
        assert!(FileId::parse("FILaaaaaaaaaaaaaaaa-").is_none());
        let error = MessageId::from_path("nope").unwrap_err();
        assert_eq!(
            error.to_string(),
            "id must match pattern MSG[A-Za-z0-9]{17}"
        );
    }
}
