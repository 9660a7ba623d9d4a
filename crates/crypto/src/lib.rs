//! enmeshed cryptography and serialization of crypto objects (wire-compatible with `@nmshd/crypto` 2.1.3).
