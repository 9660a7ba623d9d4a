//! A Backbone-compatible development server (see `shared/spec/backbone-api.md`).
