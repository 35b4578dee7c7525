//! `qyzmet`: the command line of the platform — lint and export the regulation catalogue,
//! render its diagrams (later: serve, apply, act, bench).

mod apps;
mod bench;
mod bench_server;
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check regulation files: schema, consistency, and the text's own contradictions (warnings).
    Lint {
        /// Folders of regulation files or single files (default: regulations/).
        paths: Vec<PathBuf>,
        /// Seed texts to check line references against (default: shared/seeds found upwards).
        #[arg(long)]
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
        #[arg(long)]
        dir: Option<PathBuf>,
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
        #[arg(long)]
        at: Option<String>,
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
        #[arg(long)]
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
        #[arg(long)]
        at: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// An application's steps, position, deadlines and SLA.
    Show {
        application: String,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        at: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Overdue and at-risk steps at an instant.
    Deadlines {
        #[arg(long)]
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
        #[arg(long)]
        at: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Serve the HTTP API and web UI (kk/ru/en) on the embedded store.
    Serve {
        #[arg(long, default_value = "qyzmet-data")]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        #[arg(long, default_value = "regulations")]
        regulations: PathBuf,
        /// Start the server clock here: an instant or an Almaty date-time (like --at). The seed
        /// regulations are historical: a sandbox runs on a day they were in force.
        #[arg(long)]
        as_of: Option<String>,
        /// Seed demo providers, staff and citizens if absent; allow POST /admin/clock.
        #[arg(long)]
        demo: bool,
    },
    /// Create demo organisations and accounts; prints logins and passwords.
    DemoData {
        #[arg(long, default_value = "qyzmet-data")]
        data: PathBuf,
        #[arg(long, default_value = "regulations")]
        regulations: PathBuf,
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
    /// The embedded store (SQLite file). Default: $QYZMET_DB or qyzmet-data/qyzmet.db.
    #[arg(long)]
    db: Option<PathBuf>,
    /// The regulation catalogue. Default: $QYZMET_REGULATIONS or regulations/.
    #[arg(long)]
    dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum JournalCommand {
    /// Recompute every application's hash chain; report the first broken entry.
    Verify {
        #[command(flatten)]
        db: DbArgs,
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
    /// N applications fully processed on the durable SQLite store (10% refusals), then the same
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
        #[arg(long)]
        dir: Option<PathBuf>,
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
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// One line per regulation.
    List {
        #[arg(long)]
        dir: Option<PathBuf>,
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

fn regulations_dir(dir: Option<PathBuf>) -> PathBuf {
    dir.or_else(|| std::env::var_os("QYZMET_REGULATIONS").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("regulations"))
}

fn seeds_for(path: &Path, seeds: Option<PathBuf>) -> Seeds {
    match seeds {
        Some(s) => Seeds::at(Some(s)),
        None => Seeds::discover(path),
    }
}

/// Load the catalogue for commands that need it whole and clean.
fn load_clean(dir: Option<PathBuf>) -> Result<Catalogue> {
    let dir = regulations_dir(dir);
    let cat = Catalogue::load(&dir, &Seeds::discover(&dir));
    if cat.error_count() > 0 {
        for d in cat.diagnostics().filter(|d| d.severity == Severity::Error) {
            eprintln!("{d}");
        }
        bail!(
            "the catalogue in {} has {} error(s): run `qyzmet lint`",
            dir.display(),
            cat.error_count()
        );
    }
    Ok(cat)
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
            db,
        } => {
            let (_, store) = open(db)?;
            let at = apps::parse_at(at.as_deref())?;
            let a = apps::Apply {
                regulation: &regulation,
                channel: apps::channel(&channel)?,
                provider: &provider,
                iin: &iin,
                id,
                key,
                at,
            };
            apps::apply(&store, a, &mut out)?;
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
                (_, Some(grounds), _) => engine::Outcome::MotivatedRefusal { grounds },
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
            apps::act(&store, &ctx, a, &mut out)?;
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
            let o = store::Store::execute(&store, cmd, apps::parse_at(at.as_deref())?)
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
                &store,
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
            apps::deadlines(&store, &ctx, apps::parse_at(at.as_deref())?, all, &mut out)?;
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
                &store,
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
            listen,
            regulations,
            as_of,
            demo,
        } => {
            drop(out);
            let as_of = as_of
                .as_deref()
                .map(|s| apps::parse_at(Some(s)))
                .transpose()?;
            let config = server::Config {
                data_dir: data,
                listen,
                regulations_dir: regulations,
                as_of,
                demo,
            };
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(server::run(config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::DemoData { data, regulations } => {
            write!(out, "{}", server::demo_data(&data, &regulations)?.table())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Journal {
            command: JournalCommand::Verify { db },
        } => {
            let (_, store) = open(db)?;
            Ok(if apps::verify(&store, &mut out)? {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Views {
            command: ViewsCommand::Rebuild { check, db },
        } => {
            let (_, store) = open(db)?;
            Ok(if apps::rebuild_views(&store, !check, &mut out)? {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Bench {
            command:
                BenchCommand::Engine {
                    n,
                    wave,
                    peer_n,
                    no_peer,
                    dir,
                },
        } => {
            let ctx = apps::context(&regulations_dir(dir))?;
            bench::engine(
                ctx,
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
                BenchCommand::Server {
                    n,
                    data,
                    keep,
                    threads,
                    chunk,
                    reps,
                    http_seconds,
                    http_rate,
                    no_http,
                    oha,
                    json,
                    dir,
                },
        } => {
            bench_server::run(
                bench_server::Options {
                    n,
                    regulations: regulations_dir(dir),
                    data,
                    keep,
                    threads,
                    chunk,
                    reps,
                    http_seconds,
                    http_rate,
                    no_http,
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
            bench::load(std::sync::Arc::new(store), &prefix, n, threads)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Lint {
            paths,
            seeds,
            quiet,
        } => {
            let paths = if paths.is_empty() {
                vec![regulations_dir(None)]
            } else {
                paths
            };
            let mut errors = 0;
            let mut warnings = 0;
            let mut checked = 0;
            for path in &paths {
                let cat = Catalogue::load(path, &seeds_for(path, seeds.clone()));
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
                    dir,
                },
        } => {
            let cat = load_clean(dir)?;
            serde_json::to_writer_pretty(
                &mut out,
                &regulation::export::catalogue_json(&cat.regulations),
            )?;
            writeln!(out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Regulations {
            command: RegCommand::List { dir },
        } => {
            let cat = load_clean(dir)?;
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
            dir,
        } => {
            let cat = load_clean(dir)?;
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

fn open(db: DbArgs) -> Result<(std::sync::Arc<engine::Ctx>, store::SqliteStore)> {
    let ctx = apps::context(&regulations_dir(db.dir))?;
    let store = apps::open_store(&db.db.unwrap_or_else(apps::default_db), ctx.clone())?;
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
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
