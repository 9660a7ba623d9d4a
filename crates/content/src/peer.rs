//! Wire compatibility of the "initial attribute peer" field between `@nmshd/content` versions.

use crate::error::Result;
use crate::json::{Obj, Out};

/// Reads `initialAttributePeer` (≥7.0.3) or, if absent, `thirdPartyAddress` (7.0.0–7.0.2).
pub(crate) fn read_initial_attribute_peer(obj: &Obj<'_>) -> Result<Option<String>> {
    match obj.opt_str("initialAttributePeer")? {
        Some(peer) => Ok(Some(peer)),
        None => obj.opt_str("thirdPartyAddress"),
    }
}

/// Writes the initial attribute peer under BOTH names. 7.0.3 renamed `thirdPartyAddress` to
/// `initialAttributePeer` without an alias, and each TypeScript version silently drops the key it does not
/// know; emitting both means a peer on either side of the rename reads the value
/// (`ShareAttributeRequestItem`, `ReadAttributeAcceptResponseItem`).
pub(crate) fn write_initial_attribute_peer(out: Out, peer: Option<&str>) -> Out {
    out.opt("initialAttributePeer", peer.map(str::to_string))
        .opt("thirdPartyAddress", peer.map(str::to_string))
}
