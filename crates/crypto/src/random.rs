//! Secure randomness from the operating system.

/// `N` bytes from the OS random source (libsodium `randombytes_buf`).
///
/// # Panics
/// Only if the operating system cannot provide randomness at all; continuing with predictable
/// keys or nonces would be worse than stopping.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    if let Err(e) = getrandom::fill(&mut out) {
        panic!("operating system random source failed: {e}");
    }
    out
}
