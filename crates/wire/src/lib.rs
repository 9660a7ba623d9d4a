//! enmeshed transport objects and their exact serialization (wire-compatible with `@nmshd/transport` 7.0.0).
