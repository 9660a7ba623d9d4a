//! Building and running the application: open the store, bind the listener, assemble the
//! actix-web app with its middleware and routes.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use connector_store::{EmbeddedStore, Store, StoreError};

use crate::config::{ConfigError, DatabaseDriver, LoadedConfig};
use crate::health::HealthChecker;
use crate::http::auth::Authenticator;
use crate::http::gate::{GateConfig, gate};
use crate::http::telemetry::{RequestCounter, telemetry};
use crate::http::{configure, json_config, route_does_not_exist, security_headers};
use crate::state::{AppState, VersionInfo};

/// Why the Connector cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// Configuration problem.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store cannot be opened.
    #[error("The database cannot be opened: {0}")]
    Store(#[from] StoreError),
    /// The listener cannot be bound.
    #[error("Cannot listen on {address}: {source}")]
    Bind {
        /// host:port.
        address: String,
        /// OS error.
        source: std::io::Error,
    },
    /// Configured, but not available in this build.
    #[error("{0}")]
    Unsupported(String),
    /// The actors (sync, Backbone events, messaging, files, identity) could not start.
    #[error("The actors cannot start: {0}")]
    Actors(#[from] std::io::Error),
    /// The identity could not be loaded or onboarded.
    #[error("The identity could not be loaded or created: {0}")]
    Transport(#[from] connector_transport::TransportError),
    /// As [`StartupError::Transport`], naming the Backbone it talked to.
    #[error("The identity could not be loaded or created on the Backbone at {backbone}: {source}")]
    Identity {
        /// `transportLibrary.baseUrl`.
        backbone: String,
        /// What failed.
        source: connector_transport::TransportError,
    },
}

/// Knobs that are not configuration of the real Connector (tests, sandbox).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// HTTP worker threads.
    pub workers: usize,
    /// Failed-authentication delay range in seconds.
    pub failed_auth_delay_secs: std::ops::RangeInclusive<u64>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            workers: 2,
            failed_auth_delay_secs: 1..=4,
        }
    }
}

/// A built, listening, not yet running Connector.
pub struct Application {
    port: u16,
    server: Server,
    actors: Option<connector_actors::Actors>,
    /// Where the identity commands reach this process (embedded store only).
    control: Option<crate::control::ControlSocket>,
    transport: Option<connector_transport::Transport>,
    grace: std::time::Duration,
    stopping: crate::shutdown::Stopping,
}

/// The transport layer's settings from `transportLibrary`.
pub fn transport_config(config: &LoadedConfig) -> connector_transport::TransportConfig {
    use secrecy::ExposeSecret;
    let library = &config.settings.transport_library;
    connector_transport::TransportConfig {
        address_hostname_override: library.address_generation_hostname_override.clone(),
        timeout: std::time::Duration::from_millis(library.platform_timeout),
        lease_timings: config.settings.infrastructure.replicas.leases.timings(),
        outbox: config.settings.infrastructure.events.outbox(),
        send_counter_block: config.settings.infrastructure.replicas.send_counter_block,
        ..connector_transport::TransportConfig::new(
            &library.base_url,
            &library.platform_client_id,
            library.platform_client_secret.expose_secret(),
        )
    }
}

/// Redis leases when `infrastructure.redis.url` is set (several replicas), else none. Keys are
/// prefixed with the database name, so identities sharing one Redis do not meet.
pub async fn open_leases(
    config: &LoadedConfig,
) -> Result<Option<Arc<dyn connector_lease::LeaseManager>>, StartupError> {
    use secrecy::ExposeSecret;
    let Some(url) = config
        .settings
        .infrastructure
        .redis
        .as_ref()
        .and_then(|r| r.url.as_ref())
    else {
        return Ok(None);
    };
    let prefix = format!("connector:{}", config.settings.database.db_name);
    let leases = connector_lease::RedisLeases::connect(url.expose_secret(), &prefix)
        .await
        .map_err(|e| StartupError::Unsupported(format!("infrastructure.redis.url: {e}")))?;
    Ok(Some(Arc::new(leases)))
}

/// The file of the embedded database: `<database.folder>/<database.dbName>.db`, one per name as
/// with the real Connector's lokijs driver, so several Connectors (and their CLI) share a folder.
/// A folder from before databases were named holds one `connector.redb`; it becomes the database
/// of the first name that opens the folder without a file of its own.
pub fn embedded_database_file(config: &LoadedConfig) -> Result<std::path::PathBuf, StartupError> {
    let database = &config.settings.database;
    let file = EmbeddedStore::named_file(&database.folder, &database.db_name)?;
    let legacy = database.folder.join(connector_store::LEGACY_FILE_NAME);
    if !file.exists() && legacy.exists() {
        std::fs::rename(&legacy, &file).map_err(|e| {
            StoreError::Backend(format!(
                "cannot rename '{}' to '{}': {e}",
                legacy.display(),
                file.display()
            ))
        })?;
        tracing::info!(from = %legacy.display(), to = %file.display(), "renamed the unnamed embedded database to the configured database name");
    }
    Ok(file)
}

/// Opens the embedded store (the only one that needs no network; for [`Application::build`]).
fn open_embedded_store(config: &LoadedConfig) -> Result<Arc<dyn Store>, StartupError> {
    match config.settings.database.driver {
        DatabaseDriver::Embedded => Ok(Arc::new(EmbeddedStore::open_file(
            embedded_database_file(config)?,
        )?)),
        DatabaseDriver::Mongodb => Err(StartupError::Unsupported(
            "database.driver 'mongodb' needs Application::start (it connects to the server)".into(),
        )),
    }
}

/// Opens the store the configuration names: the embedded one, or MongoDB (checked with a ping,
/// so a wrong connection string fails the start instead of the first request).
pub async fn open_store(config: &LoadedConfig) -> Result<Arc<dyn Store>, StartupError> {
    use secrecy::ExposeSecret;
    let database = &config.settings.database;
    match database.driver {
        DatabaseDriver::Embedded => open_embedded_store(config),
        DatabaseDriver::Mongodb => {
            let connection_string = database.connection_string.as_ref().ok_or_else(|| {
                StartupError::Unsupported(
                    "database.driver is 'mongodb' but database.connectionString is not set".into(),
                )
            })?;
            let store = connector_store::MongoStore::connect(
                connection_string.expose_secret(),
                &database.db_name,
            )
            .await?;
            store.check_health().await?;
            let has_redis = config
                .settings
                .infrastructure
                .redis
                .as_ref()
                .is_some_and(|r| r.url.is_some());
            if !has_redis {
                tracing::warn!(
                    "database.driver is 'mongodb' without infrastructure.redis.url: run a single replica only; more replicas of this identity would be unsafe without Redis leases"
                );
            }
            Ok(Arc::new(store))
        }
    }
}

impl Application {
    /// Opens the store, loads (or on first start creates) the identity on the configured
    /// Backbone, and binds the HTTP listener.
    pub async fn start(config: LoadedConfig, options: RunOptions) -> Result<Self, StartupError> {
        crate::logging::apply_config(&config.settings.logging);
        let store = crate::instrumented::TracedStore::wrap(open_store(&config).await?);
        let control_socket = match config.settings.database.driver {
            DatabaseDriver::Embedded => Some(crate::control::socket_path(&embedded_database_file(
                &config,
            )?)),
            DatabaseDriver::Mongodb => None,
        };
        crate::indexes::ensure_unique_indexes(store.as_ref()).await?;
        // The one shutdown token: `shutdown::serve` cancels it (through `Transport::stop`), and
        // the syncs and every event worker (outbox consumers, retention) stop on it.
        let shutdown = tokio_util::sync::CancellationToken::new();
        let transport_config = connector_transport::TransportConfig {
            leases: open_leases(&config)
                .await?
                .map(crate::instrumented::TracedLeases::wrap),
            shutdown,
            ..transport_config(&config)
        };
        let transport = connector_transport::Transport::open(transport_config, Arc::clone(&store))
            .await
            .map_err(|source| StartupError::Identity {
                backbone: config.settings.transport_library.base_url.clone(),
                source,
            })?;
        connector_consumption::indexes::ensure(store.as_ref()).await?;
        if let Some(outbox) = transport.events().outbox() {
            connector_transport::outbox::retention::spawn(outbox.clone());
        }
        crate::modules::brokers::start(&config.settings, transport.events())
            .await
            .map_err(StartupError::Unsupported)?;
        crate::modules::webhooks::start(&config.settings, transport.events())
            .map_err(|e| StartupError::Unsupported(e.to_string()))?;
        crate::modules::auto_relationships::start(&config.settings, &transport);
        let actors_config =
            crate::modules::actors_config(&config.settings).map_err(StartupError::Unsupported)?;
        // The decider module (on by default): its automationConfig decides received requests.
        let decider = config.settings.modules.get("decider");
        if let Some(automation) = decider.filter(|d| d["enabled"] != false) {
            let parsed = connector_consumption::decider::parse(&automation["automationConfig"]);
            let parsed = parsed.map_err(StartupError::Unsupported)?;
            connector_consumption::decider::configure(&transport, parsed);
        }
        // Before the actors start syncing, so no received Request or Response is missed.
        // The MessageModule is not among the real Connector's default modules.
        let message_module = config
            .settings
            .modules
            .get("message")
            .is_some_and(|m| m["enabled"] == true);
        connector_consumption::flows::spawn_listener(
            connector_consumption::Consumption::new(transport.clone())
                .with_message_module(message_module),
        );
        let actors = connector_actors::Actors::start(transport.clone(), actors_config)?;
        let control =
            control_socket.and_then(|socket| crate::control::listen(socket, transport.clone()));
        let application = Self::assemble(
            config,
            options,
            store,
            Some(transport),
            Some(actors.clone()),
        );
        if application.is_err() {
            actors.system.stop();
        }
        application.map(|app| Self { control, ..app })
    }

    /// Opens the store and binds the HTTP listener, without a Backbone (business routes answer
    /// `error.connector.transportUnavailable`; for tests of the HTTP edge).
    pub fn build(config: LoadedConfig, options: RunOptions) -> Result<Self, StartupError> {
        let store = open_embedded_store(&config)?;
        Self::assemble(config, options, store, None, None)
    }

    fn assemble(
        config: LoadedConfig,
        options: RunOptions,
        store: Arc<dyn Store>,
        transport: Option<connector_transport::Transport>,
        actors: Option<connector_actors::Actors>,
    ) -> Result<Self, StartupError> {
        let settings = &config.settings;
        let http = &settings.infrastructure.http_server;
        if !http.enabled {
            return Err(StartupError::Unsupported(
                "infrastructure.httpServer.enabled is false, but this build has nothing to run without the HTTP server".into(),
            ));
        }
        let address = format!("{}:{}", http.host, http.port);
        let listener = TcpListener::bind(&address).map_err(|source| StartupError::Bind {
            address: address.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { address, source })?
            .port();

        let debug = settings.debug;
        let grace = settings.infrastructure.replicas.shutdown_grace_period();
        let docs =
            crate::routes::openapi::docs_enabled(settings).map_err(StartupError::Unsupported)?;
        let body_deadline = web::Data::new(crate::http::body_deadline::BodyDeadline(
            std::time::Duration::from_secs(http.request_timeout_seconds.max(1)),
        ));
        let gate_config = web::Data::new(GateConfig {
            authenticator: Authenticator::from_settings(settings),
            debug,
            failed_auth_delay_secs: options.failed_auth_delay_secs,
        });
        let auth_probe = transport.clone().map(|t| {
            Arc::new(crate::health::TransportAuthProbe(t))
                as Arc<dyn crate::health::BackboneAuthProbe>
        });
        let health = HealthChecker::new(
            Arc::clone(&store),
            &settings.transport_library.base_url,
            auth_probe,
        );
        let state = web::Data::new(AppState {
            config,
            store,
            health,
            version: VersionInfo::default(),
            transport: transport.clone(),
            actors: actors.clone(),
        });
        let counter = web::Data::new(RequestCounter::default());
        let stopping = crate::shutdown::Stopping::default();
        let stopping_data = web::Data::new(stopping.clone());

        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(gate_config.clone())
                .app_data(counter.clone())
                .app_data(stopping_data.clone())
                .app_data(json_config())
                .app_data(body_deadline.clone())
                .configure(|cfg| {
                    if docs {
                        crate::routes::openapi::configure(cfg);
                    }
                })
                .configure(|cfg| configure(cfg, debug))
                .default_service(web::to(route_does_not_exist))
                .wrap(from_fn(crate::http::idempotency::idempotency))
                .wrap(from_fn(gate))
                .wrap(Compress::default())
                .wrap(security_headers())
                .wrap(from_fn(crate::http::body_deadline::body_deadline))
                .wrap(from_fn(telemetry))
                .wrap(from_fn(crate::shutdown::close_when_stopping))
        })
        .workers(options.workers.max(1))
        // Signals are handled in `shutdown::serve` (SIGINT gracefully too).
        .disable_signals()
        .shutdown_timeout(grace.as_secs())
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            address: format!("port {port}"),
            source,
        })?
        .run();
        tracing::info!(port, "Listening on port {port}");
        Ok(Self {
            port,
            server,
            actors,
            control: None,
            transport,
            grace,
            stopping,
        })
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The supervised actors (`None` when built without a Backbone).
    pub fn actors(&self) -> Option<&connector_actors::Actors> {
        self.actors.as_ref()
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGINT/SIGTERM or [`ServerHandle::stop`]), then shuts down
    /// cleanly ([`crate::shutdown`]).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let control = self.control;
        let result = crate::shutdown::serve(
            self.server,
            self.transport,
            self.actors,
            self.grace,
            self.stopping,
        )
        .await;
        drop(control);
        result
    }
}
