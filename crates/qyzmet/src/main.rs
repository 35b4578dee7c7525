//! `qyzmet`: the command line of the platform — lint and export the regulation catalogue,
//! render its diagrams, drive applications, serve the HTTP API and pages.
//!
//! The seed catalogue and the document templates are built into the binary, so it runs from
//! any directory; `--regulations DIR` (and `$QYZMET_TEMPLATES`) use files instead. Every flag
//! can also be given as a `QYZMET_*` environment variable (see [`with_env_vars`]).

mod apps;
mod bench;
mod bench_process;
mod bench_queue;
mod bench_server;
mod ops;
mod pki;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use regulation::{Catalogue, Seeds, Severity};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "qyzmet",
    version,
    about = "Kazakhstan state-service regulations as running software"
)]
struct Cli {
    /// Log lines as text for people, or one JSON object per line. Level from RUST_LOG (default
    /// info), e.g. `RUST_LOG=server=debug,info`.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "human",
        env = "QYZMET_LOG_FORMAT"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Human,
    Json,
}

/// `--regulations DIR`: the catalogue to use instead of the built-in one.
#[derive(clap::Args, Clone)]
struct CatalogueArg {
    /// Regulation files to use instead of the built-in seed catalogue (a folder or one file).
    #[arg(
        long = "regulations",
        visible_alias = "dir",
        value_name = "DIR",
        env = "QYZMET_REGULATIONS"
    )]
    regulations: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Check regulation files: schema, consistency, and the text's own contradictions (warnings).
    Lint {
        /// Folders of regulation files or single files (default: the built-in catalogue, or
        /// --regulations).
        paths: Vec<PathBuf>,
        #[command(flatten)]
        catalogue: CatalogueArg,
        /// Seed texts to check line references against (default: shared/seeds found upwards
        /// from the files, or from here for the built-in catalogue).
        #[arg(long, env = "QYZMET_SEEDS")]
        seeds: Option<PathBuf>,
        /// Print errors only.
        #[arg(long, short)]
        quiet: bool,
    },
    /// The regulation catalogue.
    Regulations {
        #[command(subcommand)]
        command: RegCommand,
    },
    /// Draw a regulation's process: BPMN 2.0 XML or SVG diagrams (one per channel).
    Render {
        /// Regulation id.
        id: String,
        #[arg(long, value_enum)]
        format: RenderFormat,
        /// Only this flow (channel id) for SVG; default: every flow.
        #[arg(long)]
        flow: Option<String>,
        /// Write here (a file for BPMN or one SVG; a folder for several SVGs). Default: stdout.
        #[arg(long, short)]
        out: Option<PathBuf>,
        #[command(flatten)]
        catalogue: CatalogueArg,
    },
    /// Submit an application.
    Apply {
        /// Regulation id (see `qyzmet regulations list`).
        #[arg(long)]
        regulation: String,
        /// office | state_corporation | portal | intermediary
        #[arg(long)]
        channel: String,
        #[arg(long, default_value = "demo-provider")]
        provider: String,
        /// The applicant's IIN (12 digits with a valid check digit).
        #[arg(long)]
        iin: String,
        #[arg(long)]
        id: Option<String>,
        /// Idempotency key (default: the id): a retry with the same key returns the first result.
        #[arg(long)]
        key: Option<String>,
        /// When (default now): an instant, or a date-time in Almaty time.
        #[arg(long, env = "QYZMET_AT")]
        at: Option<String>,
        /// Staff enter a paper application after the counter's working hours: record it as
        /// taken in at the next working opening (without it, the office refuses then).
        #[arg(long)]
        late_entry: bool,
        /// State Corporation: the centre that takes it in (its working hours apply).
        #[arg(long)]
        centre: Option<String>,
        /// The application's data, one `field=value` each (see `qyzmet regulations show`:
        /// `application.fields`); several choices comma-separated; dates dd.mm.yyyy.
        #[arg(long = "data", value_name = "FIELD=VALUE")]
        data: Vec<String>,
        /// Fill the application's data with valid sample values (demonstrations, load tests).
        #[arg(long, conflicts_with = "data")]
        sample_data: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Complete the current step of an application (as its role, unless told otherwise).
    Act {
        application: String,
        /// Plan index of the step you saw (default: the current one).
        #[arg(long)]
        step: Option<usize>,
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        org: Option<String>,
        /// Refuse to accept the documents, with these grounds.
        #[arg(long, conflicts_with_all = ["refuse", "fail"])]
        refuse_acceptance: Option<String>,
        /// Motivated refusal of the service, with these grounds.
        #[arg(long, conflicts_with = "fail")]
        refuse: Option<String>,
        /// A portal condition failed, for this reason.
        #[arg(long)]
        fail: Option<String>,
        /// At the State Corporation issue: identity_document | notarised_power_of_attorney.
        #[arg(long)]
        presented: Option<String>,
        /// When (default now): an instant, or a date-time in Almaty time.
        #[arg(long, env = "QYZMET_AT")]
        at: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// The State Corporation returns an unclaimed result to the provider, or re-requests it.
    Unclaimed {
        application: String,
        /// Re-request a returned result instead of returning it.
        #[arg(long)]
        rerequest: bool,
        /// When (default now): an instant, or a date-time in Almaty time.
        #[arg(long, env = "QYZMET_AT")]
        at: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// An application's steps, position, deadlines and SLA.
    Show {
        application: String,
        #[arg(long)]
        json: bool,
        /// When (default now): an instant, or a date-time in Almaty time.
        #[arg(long, env = "QYZMET_AT")]
        at: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Overdue and at-risk steps at an instant.
    Deadlines {
        /// When (default now): an instant, or a date-time in Almaty time.
        #[arg(long, env = "QYZMET_AT")]
        at: Option<String>,
        /// List on-time applications too.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Run one application of a regulation through a channel end to end.
    Demo {
        regulation: String,
        #[arg(long)]
        channel: String,
        /// When it starts: an instant, or a date-time in Almaty time.
        #[arg(long, env = "QYZMET_AT")]
        at: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Serve the HTTP API and web UI (kk/ru/en) on the embedded store or PostgreSQL.
    Serve {
        #[command(flatten)]
        data: DataDir,
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long, default_value = "127.0.0.1:8080", env = "QYZMET_LISTEN")]
        listen: std::net::SocketAddr,
        #[command(flatten)]
        catalogue: CatalogueArg,
        /// Start the server clock here: an instant or an Almaty date-time (like --at). The seed
        /// regulations are historical: a sandbox runs on a day they were in force.
        #[arg(long, env = "QYZMET_AS_OF")]
        as_of: Option<String>,
        /// Seed demo providers, staff and citizens if absent; allow POST /admin/clock.
        #[arg(long, env = "QYZMET_DEMO")]
        demo: bool,
        /// The server's public URL: base of verification links; https makes cookies Secure.
        #[arg(long, env = "QYZMET_PUBLIC_URL")]
        public_url: Option<String>,
        /// Behind a reverse proxy: the client's address is the last X-Forwarded-For hop.
        #[arg(long, env = "QYZMET_TRUST_PROXY")]
        trust_proxy: bool,
        /// A stand-in SMS gateway for sandboxes and tests: each SMS sent (quiet hours
        /// respected) is appended to FILE as `phone<TAB>text`.
        #[arg(long, value_name = "FILE")]
        sms_log: Option<PathBuf>,
        /// Where the signing pages reach NCALayer on the signer's computer.
        #[arg(long, env = "QYZMET_NCALAYER_URL", default_value = server::DEFAULT_NCALAYER_URL)]
        ncalayer_url: String,
        /// Also trust these CA certificates (PEM bundle or DER; e.g. NCA RK's root and issuing
        /// CA), besides the development CA. Repeatable.
        #[arg(long = "trust", value_name = "FILE")]
        trust: Vec<PathBuf>,
        /// Also check revocation against these CRLs (DER or PEM; read at every check).
        /// Repeatable.
        #[arg(long = "crl", value_name = "FILE")]
        crl: Vec<PathBuf>,
        /// A test PKI (NCA RK's test keys): accept test IINs/BINs such as 123456789011 in
        /// certificates and accounts. Never in production.
        #[arg(long)]
        test_identities: bool,
        /// The BIN of an organisation, ORG=BIN (else a synthetic one). Repeatable.
        #[arg(long = "provider-bin", value_name = "ORG=BIN")]
        provider_bin: Vec<String>,
        /// The preschool queue's rules (`queues/<region>.toml`; default: the built-in Astana).
        #[arg(long, value_name = "FILE")]
        queue_rules: Option<PathBuf>,
        /// Which provider organisation keeps which district's preschool queue, ORG=DISTRICT
        /// (demo servers: district_leb-1=esil unless given). Repeatable.
        #[arg(long = "queue-district", value_name = "ORG=DISTRICT")]
        queue_district: Vec<String>,
        /// Append a signed journal head to this file periodically (see `journal anchor`);
        /// keep it off this machine's disk, e.g. on append-only storage.
        #[arg(long, value_name = "FILE")]
        anchor_file: Option<PathBuf>,
        /// Seconds between anchors (an unchanged journal is not anchored again).
        #[arg(long, value_name = "SECS", default_value_t = 300)]
        anchor_every: u64,
    },
    /// Copy the store into FILE as of one instant, online (the server may keep writing).
    Backup {
        #[command(flatten)]
        data: DataDir,
        /// The backup file (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Put a backup into a new data directory, then verify its journal and check its views.
    Restore {
        /// The backup file (from `qyzmet backup`).
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// The new data directory (must be empty or absent).
        #[command(flatten)]
        data: DataDir,
        #[command(flatten)]
        catalogue: CatalogueArg,
    },
    /// Developer tool: a stand-in for NCALayer on this machine (a TLS WebSocket with a
    /// self-signed certificate) that signs what the pages ask with one key, asking nothing.
    NcalayerDouble {
        /// Where to listen (NCALayer itself is at 127.0.0.1:13579).
        #[arg(long, default_value = "127.0.0.1:13579")]
        listen: std::net::SocketAddr,
        /// The signing key, PKCS#8 PEM (as `qyzmet pki issue` writes it); with --cert.
        #[arg(long, requires = "cert", conflicts_with = "p12")]
        key: Option<PathBuf>,
        /// Its certificate, PEM.
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// A PKCS#12 file (.p12, as NCA RK issues keys); with --password.
        #[arg(long, requires = "password")]
        p12: Option<PathBuf>,
        /// The PKCS#12 file's password.
        #[arg(long, env = "QYZMET_P12_PASSWORD")]
        password: Option<String>,
        /// Act as a signer who closes NCALayer's dialog (every sign is cancelled).
        #[arg(long)]
        cancel: bool,
    },
    /// Create demo organisations and accounts; prints logins and passwords.
    DemoData {
        #[command(flatten)]
        data: DataDir,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        catalogue: CatalogueArg,
    },
    /// The journal.
    Journal {
        #[command(subcommand)]
        command: JournalCommand,
    },
    /// The read models (list rows, monitoring aggregates), derived from the journal.
    Views {
        #[command(subcommand)]
        command: ViewsCommand,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Submit applications as fast as possible, printing `ack <id>` once each is durable (for the
    /// crash test; runs until killed or --n reached).
    #[command(hide = true)]
    Load {
        #[arg(long)]
        prefix: String,
        #[arg(long, default_value_t = 1_000_000)]
        n: usize,
        #[arg(long, default_value_t = 4)]
        threads: usize,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Development CA and ЭЦП signing: init, issue, revoke, crl, sign.
    Pki {
        #[command(subcommand)]
        command: pki::PkiCommand,
    },
    /// Check a signature as the portal does (exit 1 with the refusal), or a document's hash.
    Verify(pki::VerifyArgs),
}

#[derive(clap::Args)]
struct DbArgs {
    /// The embedded store (SQLite file). Default: qyzmet-data/qyzmet.db.
    #[arg(long, env = "QYZMET_DB", conflicts_with = "database")]
    db: Option<PathBuf>,
    /// The store in PostgreSQL instead (as `serve --database`).
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    catalogue: CatalogueArg,
}

/// `--database`: the store `serve`, `demo-data` and the application, journal and views
/// commands use instead of the embedded one.
#[derive(clap::Args)]
struct DatabaseArgs {
    /// A PostgreSQL database (libpq URL or `key=value`; multi-host URLs with
    /// `target_session_attrs=read-write` follow the primary). Default: the embedded store
    /// (`<data-dir>/qyzmet.db`, or `--db`). Several nodes may share one database and schema.
    #[arg(long, value_name = "URL", env = "QYZMET_DATABASE")]
    database: Option<String>,
    /// The schema of that database the store lives in (created if missing).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "qyzmet",
        env = "QYZMET_DATABASE_SCHEMA"
    )]
    database_schema: String,
}

impl DatabaseArgs {
    fn database(self) -> server::Database {
        match self.database {
            Some(url) => server::Database::Postgres {
                url,
                schema: self.database_schema,
            },
            None => server::Database::Embedded,
        }
    }
}

/// `--data-dir`: where the server keeps its store, accounts and development CA.
#[derive(clap::Args)]
struct DataDir {
    /// Where the store, accounts and development CA live (created if missing).
    #[arg(
        long = "data-dir",
        visible_alias = "data",
        value_name = "DIR",
        default_value = "qyzmet-data",
        env = "QYZMET_DATA_DIR"
    )]
    dir: PathBuf,
}

#[derive(Subcommand)]
enum JournalCommand {
    /// Recompute every application's hash chain; report the first broken entry. With
    /// `--anchor`, also check that the journal still holds every signed head in that file.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// An anchor file (from `journal anchor` or `serve --anchor-file`).
        #[arg(long, value_name = "FILE")]
        anchor: Option<PathBuf>,
        /// The anchor public key to trust (PEM); default: the key next to the database.
        #[arg(long, value_name = "FILE")]
        anchor_key: Option<PathBuf>,
    },
    /// Sign the journal's current head with the data directory's anchor key and append it to
    /// FILE (JSON lines); prints the anchor.
    Anchor {
        #[command(flatten)]
        data: DataDir,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ViewsCommand {
    /// Recompute every view from the journal and put it in place of the live one; with
    /// `--check`, only compare and report the differences (exit 1 when there are any).
    Rebuild {
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// The preschool queue at national scale: queue-number lookups beside SQLite COUNT(*),
    /// declaring places and issuing referrals, applications at a fixed rate journalled durably
    /// while positions are read.
    Queue {
        #[arg(long, default_value_t = 1_000_000)]
        children: usize,
        #[arg(long, default_value_t = 200)]
        districts: usize,
        #[arg(long, default_value_t = 10_000)]
        places: u32,
        /// Applications per second in the sustained phase.
        #[arg(long, default_value_t = 500)]
        rate: u32,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// N applications fully processed on a durable store (SQLite or PostgreSQL; 10% refusals), then the same
    /// process on SpiffWorkflow; prints both and the ratio.
    Engine {
        #[arg(long, default_value_t = 20000)]
        n: usize,
        /// Commands in flight at once, like that many officials acting together (group commit
        /// batches them).
        #[arg(long, default_value_t = 2000)]
        wave: usize,
        /// Applications the SpiffWorkflow peer runs (it is slow).
        #[arg(long, default_value_t = 1000)]
        peer_n: usize,
        /// Skip the peer.
        #[arg(long)]
        no_peer: bool,
        /// The store: `sqlite` (a fresh file) or `postgres` (a fresh schema of --database).
        #[arg(long, default_value = "sqlite", value_parser = ["sqlite", "postgres"])]
        store: String,
        /// The PostgreSQL database for `--store postgres`.
        #[arg(long, default_value = bench::DEFAULT_PG)]
        database: String,
        #[command(flatten)]
        catalogue: CatalogueArg,
    },
    /// The six-step process in one run on qyzmet + SQLite and + PostgreSQL in process, over
    /// HTTP at fixed submission rates while officials act (both stores), and SpiffWorkflow on
    /// both stores; prints every figure, the ratios and the targets.
    Process {
        #[arg(long, default_value_t = 20000)]
        n: usize,
        #[arg(long, default_value_t = 2000)]
        wave: usize,
        /// The PostgreSQL database (fresh schemas, dropped after).
        #[arg(long, default_value = bench::DEFAULT_PG)]
        database: String,
        #[arg(long, default_value_t = 1000)]
        peer_n: usize,
        #[arg(long)]
        no_peer: bool,
        /// Submission rates for the HTTP runs (per second).
        #[arg(long, value_delimiter = ',', default_value = "100,200,500,1000")]
        rates: Vec<u32>,
        #[arg(long, default_value_t = 10)]
        http_seconds: u64,
        /// Officials' actions per second over HTTP during each run.
        #[arg(long, default_value_t = 100)]
        officials_rate: u32,
        #[arg(long)]
        no_http: bool,
        /// The `oha` binary (default: on PATH or in ~/.cargo/bin).
        #[arg(long)]
        oha: Option<PathBuf>,
        /// Also print every figure as one line of JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        catalogue: CatalogueArg,
    },
    /// Bulk-load N applications (all regulations and channels, a realistic mix of states),
    /// then measure the monitoring report (aggregates vs full scan), inbox and filtered pages,
    /// search, HTTP intake under `oha`, and peak memory; prints a table with the targets.
    Server {
        #[arg(long, default_value_t = 1_000_000)]
        n: usize,
        /// Data directory for the fresh store (default: a temporary one, removed after).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Keep the temporary data directory.
        #[arg(long)]
        keep: bool,
        /// Measure again over the store an earlier run loaded and kept in --data (no load).
        #[arg(long, requires = "data")]
        reuse: bool,
        /// Loader threads, each walking --chunk applications at a time.
        #[arg(long, default_value_t = 4)]
        threads: usize,
        #[arg(long, default_value_t = 1000)]
        chunk: usize,
        /// Runs of the monitoring report (lists and searches run 4× as many).
        #[arg(long, default_value_t = 50)]
        reps: usize,
        /// Seconds of HTTP intake at the fixed rate (saturation runs half as long).
        #[arg(long, default_value_t = 20)]
        http_seconds: u64,
        #[arg(long, default_value_t = 500)]
        http_rate: u32,
        /// Skip the HTTP load (no load generator needed).
        #[arg(long)]
        no_http: bool,
        /// Skip the full-scan reference (minutes at 1,000,000 applications).
        #[arg(long)]
        no_scan: bool,
        /// The `oha` binary (default: on PATH or in ~/.cargo/bin).
        #[arg(long)]
        oha: Option<PathBuf>,
        /// Also print the figures as one line of JSON.
        #[arg(long)]
        json: bool,
        /// The regulation catalogue.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum RegCommand {
    /// Print the whole catalogue.
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
        #[command(flatten)]
        catalogue: CatalogueArg,
    },
    /// One line per regulation.
    List {
        #[command(flatten)]
        catalogue: CatalogueArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum RenderFormat {
    Bpmn,
    Svg,
}

/// Gives every flag that has no environment variable one: `QYZMET_<SUBCOMMANDS>_<FLAG>`
/// (`qyzmet pki issue --surname` ← `QYZMET_PKI_ISSUE_SURNAME`). Flags shared by several commands
/// name theirs in their attributes (`QYZMET_DB`, `QYZMET_REGULATIONS`, `QYZMET_AT`, ...).
fn with_env_vars(cmd: clap::Command, prefix: &str) -> clap::Command {
    let upper = |s: &str| s.to_uppercase().replace('-', "_");
    let missing: Vec<(clap::Id, String)> = cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && a.get_env().is_none())
        .filter_map(|a| Some((a.get_id().clone(), a.get_long()?.to_string())))
        .collect();
    let switches: Vec<clap::Id> = cmd
        .get_arguments()
        .filter(|a| matches!(a.get_action(), clap::ArgAction::SetTrue))
        .map(|a| a.get_id().clone())
        .collect();
    let mut cmd = cmd;
    for (id, long) in missing {
        let name = format!("{prefix}_{}", upper(&long));
        cmd = cmd.mut_arg(id, |a| a.env(name));
    }
    // A switch from the environment reads 1/0, yes/no, on/off, true/false.
    for id in switches {
        cmd = cmd.mut_arg(id, |a| {
            a.value_parser(clap::builder::BoolishValueParser::new())
        });
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for s in subs {
        let prefix = format!("{prefix}_{}", upper(&s));
        cmd = cmd.mut_subcommand(&s, |c| with_env_vars(c, &prefix));
    }
    cmd
}

fn command() -> clap::Command {
    with_env_vars(<Cli as clap::CommandFactory>::command(), "QYZMET")
}

/// Logs go to stderr (stdout carries the commands' output): human-readable unless `json`;
/// the level from RUST_LOG (`info` when unset or unreadable).
fn init_logging(format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter: tracing_subscriber::filter::Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO)
        });
    let registry = tracing_subscriber::registry().with(filter);
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => registry
            .with(fmt.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())))
            .try_init(),
        LogFormat::Json => registry
            .with(fmt.json().with_current_span(true).with_span_list(false))
            .try_init(),
    };
}

/// The catalogue, seeds and a name for `lint`: `path`, or the built-in catalogue.
fn lint_one(path: Option<&Path>, seeds: Option<&Path>) -> Result<(Catalogue, Seeds)> {
    let seeds = match seeds {
        Some(s) if !s.is_dir() => bail!("--seeds {}: no such folder", s.display()),
        Some(s) => Seeds::at(Some(s.to_path_buf())),
        None => Seeds::discover(path.unwrap_or(Path::new("."))),
    };
    Ok((Catalogue::load_or_embedded(path, &seeds), seeds))
}

fn run(cli: Cli) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Apply {
            regulation,
            channel,
            provider,
            iin,
            id,
            key,
            at,
            late_entry,
            centre,
            data,
            sample_data,
            db,
        } => {
            let (ctx, store) = open(db)?;
            let at = apps::parse_at(at.as_deref())?;
            let data = if sample_data {
                ctx.sample_data(&regulation, at, 0)
            } else {
                apps::form_data(&data)?
            };
            let a = apps::Apply {
                regulation: &regulation,
                channel: apps::channel(&channel)?,
                provider: &provider,
                iin: &iin,
                id,
                key,
                at,
                reception: engine::Reception { centre, late_entry },
                data,
            };
            apps::apply(&*store, a, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Act {
            application,
            step,
            role,
            org,
            refuse_acceptance,
            refuse,
            fail,
            presented: p,
            at,
            db,
        } => {
            let (ctx, store) = open(db)?;
            let outcome = match (refuse_acceptance, refuse, fail) {
                (Some(grounds), _, _) => engine::Outcome::RefuseAcceptance { grounds },
                (_, Some(grounds), _) => engine::Outcome::MotivatedRefusal {
                    grounds,
                    listed: vec![],
                },
                (_, _, Some(reason)) => engine::Outcome::Fail { reason },
                _ => engine::Outcome::Done,
            };
            let at = apps::parse_at(at.as_deref())?;
            let a = apps::Act {
                application: &application,
                step,
                role,
                org,
                outcome,
                presented: presented(p.as_deref())?,
                at,
            };
            apps::act(&*store, &ctx, a, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Unclaimed {
            application,
            rerequest,
            at,
            db,
        } => {
            let (_, store) = open(db)?;
            let actor = engine::Actor {
                role: "state_corporation_operator".into(),
                org: engine::STATE_CORPORATION.into(),
            };
            let cmd = if rerequest {
                engine::Command::ReRequest { application, actor }
            } else {
                engine::Command::ReturnUnclaimed { application, actor }
            };
            let o = store
                .execute(cmd, apps::parse_at(at.as_deref())?)
                .map_err(apps::explain)?;
            writeln!(out, "{}: {:?}", o.application.id, o.application.status)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Show {
            application,
            json,
            at,
            db,
        } => {
            let (ctx, store) = open(db)?;
            apps::show(
                &*store,
                &ctx,
                &application,
                apps::parse_at(at.as_deref())?,
                json,
                &mut out,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Deadlines { at, all, db } => {
            let (ctx, store) = open(db)?;
            apps::deadlines(&*store, &ctx, apps::parse_at(at.as_deref())?, all, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            regulation,
            channel,
            at,
            db,
        } => {
            let (ctx, store) = open(db)?;
            apps::demo(
                &*store,
                &ctx,
                &regulation,
                apps::channel(&channel)?,
                apps::parse_at(Some(&at))?,
                &mut out,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            data,
            database,
            listen,
            catalogue,
            as_of,
            demo,
            public_url,
            trust_proxy,
            sms_log,
            ncalayer_url,
            trust,
            crl,
            test_identities,
            provider_bin,
            queue_rules,
            queue_district,
            anchor_file,
            anchor_every,
        } => {
            drop(out);
            server::check_ncalayer_url(&ncalayer_url).map_err(anyhow::Error::msg)?;
            let trust = server::signing::TrustConfig {
                anchors: trust,
                crls: crl,
                test_identities,
                provider_bins: provider_bin
                    .iter()
                    .map(|s| server::signing::TrustConfig::parse_provider_bin(s, test_identities))
                    .collect::<Result<_, _>>()
                    .map_err(anyhow::Error::msg)?,
            };
            let as_of = as_of
                .as_deref()
                .map(|s| apps::parse_at(Some(s)))
                .transpose()?;
            let database = database.database();
            if anchor_file.is_some() && database != server::Database::Embedded {
                anyhow::bail!("--anchor-file reads the embedded store's file: not with --database");
            }
            if let Some(file) = anchor_file {
                let key = ops::anchor_key(&data.dir)?;
                ops::anchor_periodically(
                    data.dir.join("qyzmet.db"),
                    key,
                    file,
                    std::time::Duration::from_secs(anchor_every.max(1)),
                );
            }
            let config = server::Config {
                data_dir: data.dir,
                database,
                listen,
                regulations_dir: catalogue.regulations,
                as_of,
                demo,
            };
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(server::run_with(
                    config,
                    server::Options {
                        public_url,
                        trust_proxy,
                        sms_log,
                        ncalayer_url: Some(ncalayer_url),
                        trust,
                        queue: server::preschool::QueueConfig {
                            rules: queue_rules,
                            districts: queue_district
                                .iter()
                                .map(|s| {
                                    s.split_once('=')
                                        .filter(|(o, d)| !o.is_empty() && !d.is_empty())
                                        .map(|(o, d)| (o.to_string(), d.to_string()))
                                        .ok_or_else(|| {
                                            anyhow::anyhow!(
                                                "--queue-district `{s}`: must be ORG=DISTRICT"
                                            )
                                        })
                                })
                                .collect::<Result<_, _>>()?,
                        },
                        ..server::Options::default()
                    },
                ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::NcalayerDouble {
            listen,
            key,
            cert,
            p12,
            password,
            cancel,
        } => {
            let signer = match (key, cert, p12) {
                (Some(k), Some(c), _) => ncalayer_double::Signer::from_pem_files(&k, &c)?,
                (_, _, Some(p)) => {
                    ncalayer_double::Signer::from_p12(&p, password.as_deref().unwrap_or(""))?
                }
                _ => {
                    bail!("give the signing key: --key PEM --cert PEM, or --p12 FILE --password PW")
                }
            };
            let signer = signer.with_behaviour(if cancel {
                ncalayer_double::Behaviour::Cancel
            } else {
                ncalayer_double::Behaviour::Sign
            });
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(async move {
                    let running = ncalayer_double::start(listen, signer).await?;
                    writeln!(out, "NCALayer double at {}", running.url())?;
                    out.flush()?;
                    tokio::signal::ctrl_c().await?;
                    anyhow::Ok(())
                })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::DemoData {
            data,
            database,
            catalogue,
        } => {
            let summary = server::demo_data(
                &data.dir,
                &database.database(),
                catalogue.regulations.as_deref(),
            )?;
            write!(out, "{}", summary.table())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Journal {
            command:
                JournalCommand::Verify {
                    db,
                    anchor,
                    anchor_key,
                },
        } => {
            let path = db.db.clone().unwrap_or_else(apps::default_db);
            if anchor.is_some() && anchor_key.is_none() && db.database.database.is_some() {
                bail!(
                    "--anchor with --database: give --anchor-key (no key beside a database file)"
                );
            }
            let (_, store) = open(db)?;
            let mut ok = apps::verify(&*store, &mut out)?;
            if let Some(file) = anchor {
                let dir = path.parent().unwrap_or(Path::new("."));
                let trusted = ops::trusted_key(anchor_key.as_deref(), dir)?;
                ok &= ops::verify_anchors(&*store, &file, &trusted, &mut out)?;
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Journal {
            command: JournalCommand::Anchor { data, out: file },
        } => {
            let key = ops::anchor_key(&data.dir)?;
            let a = ops::append_anchor(&data.dir.join("qyzmet.db"), &key, &file)?;
            writeln!(out, "{}", serde_json::to_string(&a)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { data, out: file } => {
            ops::backup(&data.dir.join("qyzmet.db"), &file, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore {
            from,
            data,
            catalogue,
        } => {
            let ctx = apps::context(catalogue.regulations.as_deref())?;
            Ok(if ops::restore(&from, &data.dir, ctx, &mut out)? {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Views {
            command: ViewsCommand::Rebuild { check, db },
        } => {
            let (_, store) = open(db)?;
            Ok(if apps::rebuild_views(&*store, !check, &mut out)? {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Bench {
            command:
                BenchCommand::Queue {
                    children,
                    districts,
                    places,
                    rate,
                    seconds,
                },
        } => {
            bench_queue::run(
                &bench_queue::Options {
                    children,
                    districts,
                    places,
                    rate,
                    seconds,
                },
                &mut out,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command:
                BenchCommand::Engine {
                    n,
                    wave,
                    peer_n,
                    no_peer,
                    store,
                    database,
                    catalogue,
                },
        } => {
            let ctx = apps::context(catalogue.regulations.as_deref())?;
            let db = if store == "postgres" {
                bench::Db::Postgres(database)
            } else {
                bench::Db::Sqlite
            };
            bench::engine(
                ctx,
                &db,
                bench::Options {
                    n,
                    wave,
                    peer_n: (!no_peer).then_some(peer_n),
                },
                &mut out,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command:
                BenchCommand::Process {
                    n,
                    wave,
                    database,
                    peer_n,
                    no_peer,
                    rates,
                    http_seconds,
                    officials_rate,
                    no_http,
                    oha,
                    json,
                    catalogue,
                },
        } => {
            let ctx = apps::context(catalogue.regulations.as_deref())?;
            bench_process::run(
                ctx,
                &bench_process::Options {
                    n,
                    wave,
                    database,
                    peer_n: (!no_peer).then_some(peer_n),
                    rates,
                    http_seconds,
                    officials_rate,
                    http: !no_http,
                    oha,
                    json,
                },
                &mut out,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            command:
                BenchCommand::Server {
                    n,
                    data,
                    keep,
                    reuse,
                    threads,
                    chunk,
                    reps,
                    http_seconds,
                    http_rate,
                    no_http,
                    no_scan,
                    oha,
                    json,
                    dir,
                },
        } => {
            bench_server::run(
                bench_server::Options {
                    n,
                    regulations: dir,
                    data,
                    keep,
                    reuse,
                    threads,
                    chunk,
                    reps,
                    http_seconds,
                    http_rate,
                    no_http,
                    no_scan,
                    oha,
                    json,
                },
                &mut out,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Pki { command } => pki::run(command, &mut out),
        Command::Verify(args) => pki::verify(args, &mut out),
        Command::Load {
            prefix,
            n,
            threads,
            db,
        } => {
            drop(out); // the load threads print their acknowledgements themselves
            let (_, store) = open(db)?;
            bench::load(store, &prefix, n, threads)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Lint {
            paths,
            catalogue,
            seeds,
            quiet,
        } => {
            // No paths: --regulations, else the built-in catalogue (`None`).
            let paths: Vec<Option<PathBuf>> = if paths.is_empty() {
                vec![catalogue.regulations]
            } else {
                paths.into_iter().map(Some).collect()
            };
            let mut errors = 0;
            let mut warnings = 0;
            let mut checked = 0;
            for path in &paths {
                let (cat, seeds) = lint_one(path.as_deref(), seeds.as_deref())?;
                if seeds.dir.is_none() {
                    let from = path.clone().unwrap_or_else(|| PathBuf::from("."));
                    eprintln!(
                        "note: the seed texts (shared/seeds) were not found above {}: source \
                         line references are not checked (give --seeds DIR or QYZMET_SEEDS)",
                        std::fs::canonicalize(&from).unwrap_or(from).display()
                    );
                }
                checked += cat.regulations.len();
                for d in cat.diagnostics() {
                    match d.severity {
                        Severity::Error => errors += 1,
                        Severity::Warning => warnings += 1,
                    }
                    if !quiet || d.severity == Severity::Error {
                        writeln!(out, "{d}")?;
                    }
                }
            }
            writeln!(
                out,
                "{checked} regulation(s) checked: {errors} error(s), {warnings} warning(s)"
            )?;
            Ok(if errors > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Regulations {
            command:
                RegCommand::Export {
                    format: ExportFormat::Json,
                    catalogue,
                },
        } => {
            let cat = apps::catalogue(catalogue.regulations.as_deref())?;
            serde_json::to_writer_pretty(
                &mut out,
                &regulation::export::catalogue_json(&cat.regulations),
            )?;
            writeln!(out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Regulations {
            command: RegCommand::List { catalogue },
        } => {
            let cat = apps::catalogue(catalogue.regulations.as_deref())?;
            let v = regulation::export::catalogue_json(&cat.regulations);
            for r in v.as_array().into_iter().flatten() {
                let chans: Vec<&str> = r["channels"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.as_str())
                    .collect();
                writeln!(
                    out,
                    "{:<34} v{} {} #{}  [{}]  {}",
                    r["id"].as_str().unwrap_or(""),
                    r["version"],
                    r["source"]["seed"].as_str().unwrap_or(""),
                    r["source"]["part"],
                    chans.join(","),
                    r["title"]["en"].as_str().unwrap_or("")
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Render {
            id,
            format,
            flow,
            out: target,
            catalogue,
        } => {
            let cat = apps::catalogue(catalogue.regulations.as_deref())?;
            let l = cat.get(&id).with_context(|| {
                format!("no regulation with id `{id}` (see `qyzmet regulations list`)")
            })?;
            let reg = &l.regulation;
            match format {
                RenderFormat::Bpmn => {
                    let xml = diagram::to_bpmn(reg);
                    write_or_print(target.as_deref(), &xml, &mut out)?;
                }
                RenderFormat::Svg => {
                    let flows: Vec<String> = match flow {
                        Some(f) => vec![f],
                        None => reg.flows.keys().cloned().collect(),
                    };
                    for f in &flows {
                        let svg = diagram::flow_svg(reg, f)
                            .with_context(|| format!("regulation `{id}` has no flow `{f}`"))?;
                        match &target {
                            Some(t) if flows.len() > 1 || t.is_dir() => {
                                std::fs::create_dir_all(t)?;
                                let p = t.join(format!("{id}.{f}.svg"));
                                std::fs::write(&p, svg)?;
                                eprintln!("wrote {}", p.display());
                            }
                            t => write_or_print(t.as_deref(), &svg, &mut out)?,
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The store `--db` or `--database` names.
fn open(
    db: DbArgs,
) -> Result<(
    std::sync::Arc<engine::Ctx>,
    std::sync::Arc<dyn store::Store>,
)> {
    let ctx = apps::context(db.catalogue.regulations.as_deref())?;
    let store: std::sync::Arc<dyn store::Store> = match db.database.database() {
        server::Database::Embedded => std::sync::Arc::new(apps::open_store(
            &db.db.unwrap_or_else(apps::default_db),
            ctx.clone(),
        )?),
        // No data directory: PostgreSQL keeps everything.
        pg => pg.open(Path::new(""), ctx.clone())?,
    };
    Ok((ctx, store))
}

fn presented(s: Option<&str>) -> Result<Option<engine::Presented>> {
    Ok(match s {
        None => None,
        Some("identity_document" | "id") => Some(engine::Presented::IdentityDocument),
        Some("notarised_power_of_attorney" | "poa") => {
            Some(engine::Presented::NotarisedPowerOfAttorney)
        }
        Some(o) => bail!("--presented `{o}`: identity_document or notarised_power_of_attorney"),
    })
}

fn write_or_print(target: Option<&Path>, text: &str, out: &mut impl Write) -> Result<()> {
    match target {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => Ok(out.write_all(text.as_bytes())?),
    }
}

fn main() -> ExitCode {
    let cli = match command()
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    init_logging(cli.log_format);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn walk(cmd: &clap::Command, path: &str, out: &mut BTreeMap<String, Vec<String>>) {
        for a in cmd.get_arguments().filter(|a| !a.is_positional()) {
            let env = a.get_env().map(|e| e.to_string_lossy().into_owned());
            let who = format!("{path} --{}", a.get_long().unwrap_or(a.get_id().as_str()));
            match env {
                Some(e) if e.starts_with("QYZMET_") => {
                    out.entry(e).or_default().push(a.get_id().to_string())
                }
                other => panic!("{who} has no QYZMET_* environment variable ({other:?})"),
            }
        }
        for s in cmd.get_subcommands() {
            walk(s, &format!("{path} {}", s.get_name()), out);
        }
    }

    #[test]
    fn every_flag_has_its_own_environment_variable() {
        let cmd = command();
        cmd.clone().debug_assert();
        let mut envs = BTreeMap::new();
        walk(&cmd, "qyzmet", &mut envs);
        for (env, ids) in &envs {
            let first = &ids[0];
            assert!(
                ids.iter().all(|i| i == first),
                "{env} stands for different flags: {ids:?}"
            );
        }
        for shared in [
            "QYZMET_DB",
            "QYZMET_REGULATIONS",
            "QYZMET_DATA_DIR",
            "QYZMET_LISTEN",
        ] {
            assert!(envs.contains_key(shared), "{shared}");
        }
        assert!(envs.contains_key("QYZMET_PKI_ISSUE_SURNAME"));
    }
}
