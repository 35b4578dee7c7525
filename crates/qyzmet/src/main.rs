//! `qyzmet`: the command line of the platform — lint and export the regulation catalogue,
//! render its diagrams (later: serve, apply, act, bench).

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
                    let xml = regulation::render::bpmn::to_bpmn(reg);
                    write_or_print(target.as_deref(), &xml, &mut out)?;
                }
                RenderFormat::Svg => {
                    let flows: Vec<String> = match flow {
                        Some(f) => vec![f],
                        None => reg.flows.keys().cloned().collect(),
                    };
                    for f in &flows {
                        let svg = regulation::render::svg::flow_svg(reg, f)
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
