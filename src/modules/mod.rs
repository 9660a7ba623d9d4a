//! The `sync` and `sse` modules (`connector-operations.md` §2.2, §2.3) as settings of the
//! actors: `modules.sync` syncs every `interval` seconds (default 60) after the previous run;
//! `modules.sse` listens to the Backbone's event stream (`baseUrlOverride` only in debug mode).
//! Both sync once at start. The configuration loader already turns `sync` off when both are on.

pub mod auto_relationships;
pub mod brokers;
pub mod events;
pub mod webhooks;

use std::time::Duration;

use connector_actors::ActorsConfig;
use connector_actors::events::EventsConfig;
use serde_json::Value;

use crate::config::Settings;

/// The default of `modules.sync.interval`, in seconds.
pub const DEFAULT_SYNC_INTERVAL_SECS: u64 = 60;

fn module<'a>(settings: &'a Settings, name: &str) -> Option<&'a Value> {
    settings
        .modules
        .get(name)
        .filter(|m| m.get("enabled") == Some(&Value::Bool(true)))
}

/// The actors' settings from `modules.sync` and `modules.sse`.
pub fn actors_config(settings: &Settings) -> Result<ActorsConfig, String> {
    let sync_interval = module(settings, "sync").map(|sync| {
        sync.get("interval")
            .and_then(Value::as_f64)
            .filter(|secs| secs.is_finite() && *secs > 0.0)
            .map_or(
                Duration::from_secs(DEFAULT_SYNC_INTERVAL_SECS),
                Duration::from_secs_f64,
            )
    });
    let events = match module(settings, "sse") {
        None => None,
        Some(sse) => {
            let base_url = match sse.get("baseUrlOverride").and_then(Value::as_str) {
                Some(_) if !settings.debug => {
                    return Err("baseUrlOverride is only allowed in debug mode".into());
                }
                Some(url) => url.to_owned(),
                None => settings.transport_library.base_url.clone(),
            };
            Some(EventsConfig::new(base_url))
        }
    };
    Ok(ActorsConfig {
        sync_interval,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(modules: Value, debug: bool) -> Settings {
        let mut tree = crate::config::defaults();
        crate::config::deep_merge(
            &mut tree,
            serde_json::json!({
                "debug": debug,
                "transportLibrary": {
                    "baseUrl": "http://backbone.test",
                    "platformClientId": "test",
                    "platformClientSecret": "test",
                },
                "modules": modules,
            }),
        );
        serde_json::from_value(tree).unwrap()
    }

    #[test]
    fn sync_interval_in_seconds_with_default() {
        let on = settings(
            serde_json::json!({"sync": {"enabled": true, "interval": 5}}),
            false,
        );
        let config = actors_config(&on).unwrap();
        assert_eq!(config.sync_interval, Some(Duration::from_secs(5)));
        assert!(config.events.is_none());

        let default = settings(serde_json::json!({"sync": {"enabled": true}}), false);
        assert_eq!(
            actors_config(&default).unwrap().sync_interval,
            Some(Duration::from_secs(60))
        );
        let off = settings(
            serde_json::json!({"sync": {"enabled": false, "interval": 5}}),
            false,
        );
        assert_eq!(actors_config(&off).unwrap().sync_interval, None);
    }

    #[test]
    fn sse_uses_the_backbone_or_the_override_in_debug_mode() {
        let on = settings(serde_json::json!({"sse": {"enabled": true}}), false);
        let events = actors_config(&on).unwrap().events.unwrap();
        assert_eq!(events.base_url, "http://backbone.test");

        let overridden =
            serde_json::json!({"sse": {"enabled": true, "baseUrlOverride": "http://sse.test"}});
        assert_eq!(
            actors_config(&settings(overridden.clone(), false)).unwrap_err(),
            "baseUrlOverride is only allowed in debug mode"
        );
        let events = actors_config(&settings(overridden, true))
            .unwrap()
            .events
            .unwrap();
        assert_eq!(events.base_url, "http://sse.test");
    }
}
