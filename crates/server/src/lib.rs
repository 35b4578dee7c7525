//! The qyzmet server: one process serving the JSON API (described by OpenAPI 3.1 at
//! `/openapi.json`) and the server-rendered web UI in Kazakh, Russian and English — citizen
//! portal, staff workstation, State Corporation desk, monitoring — over the embedded store.
//!
//! Two layers you can see: [`app`], the use cases (one store action per user action; no HTTP)
//! and [`http`], the thin shell (parse, authorise, call a use case, render). Demo data lives
//! only in [`demo`]. Not for: deciding what a command does (`engine`), persisting (`store`),
//! legal time (`calendar`).
//!
//! Entry points: [`run`] serves a [`Config`]; [`AppState::open`] and [`app`] build the router
//! for in-process tests; [`demo::demo_data`] seeds providers, staff and citizens.

pub mod app;
pub mod demo;
pub mod http;
pub mod i18n;
// Cross-cutting: the request span (HTTP middleware) and the fields the use cases add to it.
pub mod logging;
pub mod problem;

// The layers' modules under their short names (`crate::ops`, `crate::api`, …).
pub use app::{
    access, accounts, catalogue, clock, docs, encoding, equeue, metrics, monitoring, notify, ops,
    preschool, signing, statuses, uploads,
};
pub use http::{api, auth, html, routes, ui};

pub use accounts::PasswordCost;
pub use clock::Clock;
pub use demo::{DemoSummary, demo_data};
pub use problem::Problem;

use anyhow::{Context, Result, bail};
use engine::Ctx;
use engine::time::KzTime;
use jiff::Timestamp;
use regulation::{Catalogue, Regulation, Seeds};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::{PgStore, SqliteStore, Store};

/// Which store the server keeps everything durable in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Database {
    /// The embedded store: `<data_dir>/qyzmet.db` (SQLite), one node.
    #[default]
    Embedded,
    /// A schema of a PostgreSQL database (a libpq URL or `key=value` string, multi-host with
    /// `target_session_attrs=read-write` too), shared by any number of nodes.
    Postgres { url: String, schema: String },
}

impl Database {
    /// Opens the store (creating or upgrading its schema).
    pub fn open(&self, data_dir: &Path, ctx: Arc<Ctx>) -> Result<Arc<dyn Store>> {
        Ok(match self {
            Database::Embedded => {
                std::fs::create_dir_all(data_dir)
                    .with_context(|| format!("cannot create {}", data_dir.display()))?;
                let db = data_dir.join("qyzmet.db");
                Arc::new(
                    SqliteStore::open(&db, ctx).map_err(|e| {
                        anyhow::anyhow!("cannot open the store {}: {e}", db.display())
                    })?,
                )
            }
            Database::Postgres { url, schema } => {
                Arc::new(PgStore::open(url, schema, ctx).map_err(|e| {
                    anyhow::anyhow!("cannot open the store (PostgreSQL, schema `{schema}`): {e}")
                })?)
            }
        })
    }

    /// Where the store is, in words (no password).
    pub fn describe(&self, data_dir: &Path) -> String {
        match self {
            Database::Embedded => format!("SQLite {}", data_dir.join("qyzmet.db").display()),
            Database::Postgres { schema, .. } => format!("PostgreSQL, schema `{schema}`"),
        }
    }
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where `qyzmet.db` (the embedded store) and the development CA live; created if
    /// missing.
    pub data_dir: PathBuf,
    /// The store: the embedded one under `data_dir` (default) or PostgreSQL.
    pub database: Database,
    pub listen: SocketAddr,
    /// The regulation catalogue (must lint clean); `None`: the one built into the binary.
    pub regulations_dir: Option<PathBuf>,
    /// The server clock starts at this instant and runs forward. The seed regulations are
    /// historical (all repealed by 2026), so a sandbox runs at a date they were in force.
    pub as_of: Option<Timestamp>,
    /// Demo mode: seed demo providers, staff and citizens on start (if absent) and allow the
    /// simulated clock jump (`POST /admin/clock`).
    pub demo: bool,
}

/// Tuning that tests change and a deployment does not.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub password_cost: PasswordCost,
    /// Background notification dispatch (off in tests, which call [`notify::dispatch_once`]).
    pub background_tasks: bool,
    /// The server's public URL: base of document verification URLs (default
    /// `http://{listen}`); `https://…` makes the session cookie `Secure`.
    pub public_url: Option<String>,
    /// Behind a reverse proxy: the client's address (login throttling) is the last
    /// `X-Forwarded-For` hop, not the peer's (which is the proxy's).
    pub trust_proxy: bool,
    /// Also "send" SMS notifications (respecting quiet hours) by appending `phone<TAB>text`
    /// lines to this file: a stand-in gateway for sandboxes and tests.
    pub sms_log: Option<PathBuf>,
    /// Where the pages reach NCALayer on the signer's computer (a `wss://` or `ws://` URL;
    /// `None`: [`DEFAULT_NCALAYER_URL`]).
    pub ncalayer_url: Option<String>,
    /// What signatures may chain to besides the development CA, test identities, providers'
    /// BINs (`qyzmet serve --trust/--crl/--test-identities/--provider-bin`).
    pub trust: signing::TrustConfig,
    /// The preschool queue's rules and which provider keeps which district's queue
    /// (`qyzmet serve --queue-rules/--queue-district`).
    pub queue: preschool::QueueConfig,
}

/// NCALayer's WebSocket on the signer's own computer (kz-facts §3.5).
pub const DEFAULT_NCALAYER_URL: &str = "wss://127.0.0.1:13579";

/// Checks an NCALayer URL: `wss://` or `ws://`, a host and maybe a port and path, nothing a
/// page attribute or a Content-Security-Policy could be confused by.
pub fn check_ncalayer_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("wss://")
        .or_else(|| url.strip_prefix("ws://"))
        .ok_or_else(|| format!("the NCALayer URL `{url}` must start with wss:// or ws://"))?;
    let ok = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-_:/[]".contains(&b));
    if !ok {
        return Err(format!(
            "the NCALayer URL `{url}` may hold only a host, a port and a path"
        ));
    }
    Ok(())
}

impl Inner {
    /// The NCALayer URL the pages use.
    pub fn ncalayer_url(&self) -> &str {
        self.options
            .ncalayer_url
            .as_deref()
            .unwrap_or(DEFAULT_NCALAYER_URL)
    }

    /// The NCALayer URL's scheme, host and port: what a page's `connect-src` allows.
    pub fn ncalayer_origin(&self) -> &str {
        let url = self.ncalayer_url();
        let after = url.find("://").map(|i| i + 3).unwrap_or(0);
        match url[after..].find('/') {
            Some(i) => &url[..after + i],
            None => url,
        }
    }
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub options: Options,
    pub ctx: Arc<Ctx>,
    pub store: Arc<dyn Store>,
    pub accounts: accounts::Accounts,
    pub clock: Clock,
    pub metrics: metrics::Metrics,
    /// Documents renderer; `Err` keeps why it could not load (PDF endpoints answer 503).
    pub renderer: Result<documents::Renderer, String>,
    pub senders: Vec<Box<dyn notify::Sender>>,
    pub public_url: String,
    /// The development CA under `<data_dir>/pki/`: trust anchor and CRL for applicants'
    /// signatures, signing keys of the providers' authorised persons.
    pub pki: signing::Pki,
    /// This process's name among the nodes sharing the store: what holds its leases and
    /// outbox claims.
    pub node: String,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The engine context over the catalogue in `dir` (`None`: the built-in one), which must be
/// free of errors (citations are `qyzmet lint`'s job: the seed texts need not be around to
/// serve). The server signs every result (`signing::sign_result`), so the context requires the
/// signature before a `signs_result` step completes: no result leaves unsigned.
pub fn load_context(dir: Option<&Path>) -> Result<Arc<Ctx>> {
    load_context_for(dir, false)
}

/// As [`load_context`]; `test_identities` (a test PKI, `--test-identities`) lets applicants'
/// IINs be NCA's test identities.
pub fn load_context_for(dir: Option<&Path>, test_identities: bool) -> Result<Arc<Ctx>> {
    let cat = Catalogue::load_or_embedded(dir, &Seeds::at(None));
    if cat.error_count() > 0 {
        bail!(
            "the catalogue in {} has {} error(s): run `qyzmet lint`",
            dir.unwrap_or(Path::new(regulation::EMBEDDED_PREFIX))
                .display(),
            cat.error_count()
        );
    }
    let regs: Vec<Regulation> = cat.regulations.into_iter().map(|l| l.regulation).collect();
    let mut ctx = Ctx::new(regs, Arc::new(KzTime::new()));
    ctx.require_signatures = true;
    ctx.accept_test_identities = test_identities;
    Ok(Arc::new(ctx))
}

/// Templates from `$QYZMET_TEMPLATES`, else built in; fonts from the environment or DejaVu.
fn load_renderer() -> Result<documents::Renderer, String> {
    let config = documents::Config::from_env().map_err(|e| e.to_string())?;
    documents::Renderer::new(&config).map_err(|e| e.to_string())
}

impl AppState {
    /// Opens the store and the accounts database under `config.data_dir`.
    pub fn open(config: Config) -> Result<AppState> {
        AppState::open_with(config, Options::default())
    }

    pub fn open_with(config: Config, options: Options) -> Result<AppState> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
        let ctx = load_context_for(
            config.regulations_dir.as_deref(),
            options.trust.test_identities,
        )?;
        let store = config.database.open(&config.data_dir, ctx.clone())?;
        // The demo's providers of the queue's service keep a district's queue each (the
        // district education department Esil's, the rural akim Nura's) unless told otherwise.
        let mut options = options;
        if config.demo && options.queue.districts.is_empty() {
            options.queue.districts = vec![
                ("district_leb-1".into(), "esil".into()),
                ("local_akim-1".into(), "nura".into()),
            ];
        }
        preschool::attach(store.as_ref(), options.queue.load_rules()?)?;
        let accounts = accounts::Accounts::new(store.clone(), options.password_cost);
        let renderer = load_renderer();
        if let Err(e) = &renderer {
            tracing::warn!("documents cannot be rendered: {e}");
        }
        let public_url = options
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.listen));
        let clock = Clock::new(config.as_of);
        let pki = signing::Pki::open_or_init(&config.data_dir.join(signing::PKI_DIR), clock.now())
            .context("cannot open the development CA")?
            .with_trust(options.trust.clone())
            .map_err(anyhow::Error::msg)?;
        let node = format!(
            "{}/{}/{}",
            config.listen,
            std::process::id(),
            accounts::hex(&accounts::random_bytes::<4>())
        );
        Ok(AppState(Arc::new(Inner {
            node,
            clock,
            pki,
            metrics: metrics::Metrics::default(),
            senders: notify::senders(&options),
            config,
            options,
            ctx,
            store,
            accounts,
            renderer,
            public_url,
        })))
    }

    /// The instant commands run at.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Whether the server is reached over https: cookies are then `Secure` and answers carry
    /// `Strict-Transport-Security`.
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Whether the simulated clock may be moved.
    pub fn clock_adjustable(&self) -> bool {
        self.config.demo || self.config.as_of.is_some()
    }
}

/// The whole HTTP surface: API, UI, `/openapi.json`, `/metrics`.
pub fn app(state: AppState) -> axum::Router {
    let (router, _) = api::router().merge(ui::router()).split_for_parts();
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::cookies_layer,
        ))
        // Outermost, so everything below logs inside the request's span.
        .layer(axum::middleware::from_fn(logging::request_span))
        .with_state(state)
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router().merge(ui::router()).split_for_parts().1
}

/// Serves `config` until Ctrl-C or SIGTERM. On first start creates the `admin` account and
/// prints its one-time password.
pub async fn run(config: Config) -> Result<()> {
    run_with(config, Options::default()).await
}

/// As [`run`], with `options` (background tasks always on).
///
/// Shutting down (Ctrl-C, SIGTERM): the listener closes, requests in flight finish, the
/// background tasks stop after their current job and give up their leases and claims (other
/// nodes take them at once), then the store closes, its writer draining queued jobs.
pub async fn run_with(config: Config, options: Options) -> Result<()> {
    if config.demo {
        let regs = config.regulations_dir.clone();
        let data = config.data_dir.clone();
        let database = config.database.clone();
        let summary = tokio::task::spawn_blocking(move || {
            demo::demo_data_if_absent(&data, &database, regs.as_deref())
        })
        .await??;
        if let Some(s) = summary {
            println!("{}", s.table());
        }
    }
    // The store's database calls block (PostgreSQL's client runs its own small runtime):
    // never on the async threads.
    let open = config.clone();
    let (state, admin) = tokio::task::spawn_blocking(move || -> Result<_> {
        let state = AppState::open_with(
            open,
            Options {
                background_tasks: true,
                ..options
            },
        )?;
        let admin = demo::ensure_admin(&state)?;
        Ok((state, admin))
    })
    .await??;
    if let Some(pw) = admin {
        println!("created account `admin` with one-time password: {pw}");
        println!("(it must be changed at the first login; it is not shown again)");
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "qyzmet serving on http://{addr} (clock {}, {} regulations, store: {})",
        state.now(),
        state.ctx.regulations().len(),
        config.database.describe(&config.data_dir)
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let bg = state
        .options
        .background_tasks
        .then(|| tokio::spawn(notify::run_dispatcher(state.clone(), stopped)));
    // The peer address is the login throttle's source (unless behind a trusted proxy).
    axum::serve(
        listener,
        app(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("shutting down: requests finished, stopping background tasks");
    let _ = stop.send(true);
    if let Some(bg) = bg {
        let _ = bg.await;
    }
    // The last handle: the store closes here, its writer finishing what is queued.
    let store = state.store.clone();
    drop(state);
    tokio::task::spawn_blocking(move || drop(store)).await?;
    println!("qyzmet stopped");
    Ok(())
}

/// Resolves on Ctrl-C or (Unix) SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
