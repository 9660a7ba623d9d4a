//! Client for the enmeshed Backbone consumer API (see `shared/spec/backbone-api.md`).
