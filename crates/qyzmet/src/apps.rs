//! Driving applications from the command line: `apply`, `act`, `show`, `deadlines`,
//! `journal verify`, `demo`. Thin: parse, call the store (which runs the engine), print.

use anyhow::{Context, Result, anyhow, bail};
use engine::time::KzTime;
use engine::{
    Actor, Application, Command, Ctx, Outcome, PORTAL, Party, Presented, STATE_CORPORATION, Status,
};
use jiff::Timestamp;
use regulation::{Catalogue, ChannelId, Seeds, Severity};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::{SqliteStore, Store, StoreError};

/// Where the embedded store lives unless `--db` (or `$QYZMET_DB`) says otherwise.
pub fn default_db() -> PathBuf {
    PathBuf::from("qyzmet-data/qyzmet.db")
}

/// The catalogue in `dir` (`None`: the built-in one), which must be free of errors. Citations
/// are not checked here (no seeds): that is `qyzmet lint`'s job, and the texts need not be
/// around to run.
pub fn catalogue(dir: Option<&Path>) -> Result<Catalogue> {
    let cat = Catalogue::load_or_embedded(dir, &Seeds::at(None));
    if cat.error_count() > 0 {
        for d in cat.diagnostics().filter(|d| d.severity == Severity::Error) {
            eprintln!("{d}");
        }
        bail!(
            "the catalogue in {} has {} error(s): run `qyzmet lint`",
            dir.unwrap_or(Path::new(regulation::EMBEDDED_PREFIX))
                .display(),
            cat.error_count()
        );
    }
    Ok(cat)
}

/// The engine context over [`catalogue`].
pub fn context(dir: Option<&Path>) -> Result<Arc<Ctx>> {
    let cat = catalogue(dir)?;
    let regs = cat.regulations.into_iter().map(|l| l.regulation).collect();
    Ok(Arc::new(Ctx::new(regs, Arc::new(KzTime::new()))))
}

pub fn open_store(db: &Path, ctx: Arc<Ctx>) -> Result<SqliteStore> {
    if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    SqliteStore::open(db, ctx).map_err(|e| anyhow!("cannot open the store {}: {e}", db.display()))
}

/// `--at`: an RFC 3339 instant, or a civil date-time read in Asia/Almaty; default: now.
pub fn parse_at(at: Option<&str>) -> Result<Timestamp> {
    let Some(s) = at else {
        return Ok(Timestamp::now());
    };
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let civil: jiff::civil::DateTime = s
        .parse()
        .or_else(|_| s.parse::<jiff::civil::Date>().map(|d| d.at(9, 0, 0, 0)))
        .with_context(|| format!("--at `{s}`: give an instant like 2019-12-13T10:00:00+06:00 or a date-time in Almaty time like 2019-12-13T10:00"))?;
    Ok(civil.to_zoned_datetime(calendar::almaty())?.timestamp())
}

pub fn channel(s: &str) -> Result<ChannelId> {
    Ok(match s {
        "office" => ChannelId::Office,
        "state_corporation" | "sc" => ChannelId::StateCorporation,
        "portal" => ChannelId::Portal,
        "intermediary" => ChannelId::Intermediary,
        _ => bail!("--channel `{s}`: one of office, state_corporation, portal, intermediary"),
    })
}

fn local(t: Timestamp) -> String {
    t.to_zoned_datetime(calendar::almaty())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

fn opt_local(t: Option<Timestamp>) -> String {
    t.map(local).unwrap_or_else(|| "—".into())
}

/// The organisation that holds a step of `app`.
pub fn org_for(app: &Application, party: Party) -> String {
    match party {
        Party::Provider | Party::Intermediary => app.provider.clone(),
        Party::StateCorporation => STATE_CORPORATION.into(),
        Party::Portal => PORTAL.into(),
    }
}

pub fn explain(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Rejected(r) => {
            let rule = serde_json::to_value(&r)
                .ok()
                .and_then(|v| v["error"].as_str().map(String::from))
                .unwrap_or_default();
            let hint = if rule == "outside_working_hours" {
                " (`qyzmet apply --late-entry`)"
            } else {
                ""
            };
            anyhow!("rejected [{rule}]: {r}{hint}")
        }
        other => anyhow!("{other}"),
    }
}

pub struct Apply<'a> {
    pub regulation: &'a str,
    pub channel: ChannelId,
    pub provider: &'a str,
    pub iin: &'a str,
    pub id: Option<String>,
    pub key: Option<String>,
    pub at: Timestamp,
    /// Where a paper application was handed in, and whether staff enter it late.
    pub reception: engine::Reception,
    /// The application's data (`--data field=value`).
    pub data: engine::FormData,
}

pub fn apply(store: &dyn Store, a: Apply, out: &mut impl Write) -> Result<Application> {
    let id =
        a.id.unwrap_or_else(|| format!("app-{}", a.at.as_nanosecond()));
    let key = a.key.unwrap_or_else(|| id.clone());
    let cmd = Command::Submit {
        application: id,
        regulation: a.regulation.into(),
        channel: a.channel,
        provider: a.provider.into(),
        applicant_iin: a.iin.into(),
        applicant_name: String::new(),
        key,
        signature: None,
        reception: a.reception,
        data: a.data,
    };
    let o = store.execute(cmd, a.at).map_err(explain)?;
    writeln!(
        out,
        "{} application {} — {} v{} via {} (provider {}){}",
        if o.replayed {
            "already submitted:"
        } else {
            "submitted:"
        },
        o.application.id,
        o.application.regulation,
        o.application.version,
        o.application.channel.as_str(),
        o.application.provider,
        o.application
            .receipt
            .as_ref()
            .map(|r| format!(", receipt No. {r}"))
            .unwrap_or_default()
    )?;
    if o.application.accepted_at.is_some() {
        writeln!(
            out,
            "  submitted {}, accepted {} (the term counts from acceptance{})",
            local(o.application.submitted_at),
            local(o.application.accepted()),
            if o.application.reception.late_entry {
                "; entered after working hours"
            } else {
                ""
            }
        )?;
    }
    writeln!(
        out,
        "  service term due: {}",
        opt_local(o.application.term_due)
    )?;
    if let Some(d) = o.application.deliver_due {
        writeln!(out, "  result due at the State Corporation: {}", local(d))?;
    }
    Ok(o.application)
}

pub struct Act<'a> {
    pub application: &'a str,
    pub step: Option<usize>,
    pub role: Option<String>,
    pub org: Option<String>,
    pub outcome: Outcome,
    pub presented: Option<Presented>,
    pub at: Timestamp,
}

pub fn act(store: &dyn Store, ctx: &Ctx, a: Act, out: &mut impl Write) -> Result<Application> {
    let app = store
        .application(a.application)
        .map_err(explain)?
        .ok_or_else(|| anyhow!("no application `{}`", a.application))?;
    let plan = ctx
        .plan(&app.regulation, app.version, app.channel)
        .context("the application's plan is gone")?;
    let step_ix = a.step.unwrap_or(app.step);
    let step = plan
        .step(step_ix)
        .ok_or_else(|| anyhow!("--step {step_ix}: the plan has {} steps", plan.steps.len()))?;
    let actor = Actor {
        role: a.role.unwrap_or_else(|| ctx.step_role(&app, step)),
        org: a.org.unwrap_or_else(|| org_for(&app, step.party)),
    };
    let actor_role = actor.role.clone();
    let cmd = Command::Complete {
        application: app.id.clone(),
        step: step_ix,
        actor,
        outcome: a.outcome,
        presented: a.presented,
    };
    let o = store.execute(cmd, a.at).map_err(explain)?;
    let app = o.application;
    writeln!(
        out,
        "step {} ({} {}, {}) done",
        step_ix, step.flow, step.n, actor_role
    )?;
    describe_position(ctx, &app, out)?;
    Ok(app)
}

fn describe_position(ctx: &Ctx, app: &Application, out: &mut impl Write) -> Result<()> {
    let plan = ctx
        .plan(&app.regulation, app.version, app.channel)
        .context("plan")?;
    match app.status {
        Status::Closed => writeln!(
            out,
            "closed: {:?} at {}{}",
            app.closure.unwrap(),
            opt_local(app.closed_at),
            app.document
                .as_ref()
                .map(|d| format!(" — document `{d}`"))
                .unwrap_or_default()
        )?,
        Status::ReturnedToProvider => writeln!(
            out,
            "unclaimed: returned to the provider {}",
            local(app.step_started)
        )?,
        _ => {
            let s = plan.step(app.step).context("current step")?;
            writeln!(
                out,
                "now: step {} — {} {} by {} ({}), due {}{}",
                s.index,
                s.flow,
                s.n,
                ctx.step_role(app, s),
                org_for(app, s.party),
                opt_local(app.step_due),
                if app.status == Status::AwaitingIssue {
                    " — the result waits at the State Corporation"
                } else {
                    ""
                }
            )?
        }
    }
    Ok(())
}

pub fn show(
    store: &dyn Store,
    ctx: &Ctx,
    id: &str,
    at: Timestamp,
    json: bool,
    out: &mut impl Write,
) -> Result<()> {
    let app = store
        .application(id)
        .map_err(explain)?
        .ok_or_else(|| anyhow!("no application `{id}`"))?;
    let events = store.events(id).map_err(explain)?;
    if json {
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({"application": app, "events": events, "sla": engine::sla::sla(&app, at, ctx)}),
        )?;
        writeln!(out)?;
        return Ok(());
    }
    let plan = ctx
        .plan(&app.regulation, app.version, app.channel)
        .context("plan")?;
    writeln!(
        out,
        "application {} — {} v{} via {}",
        app.id,
        app.regulation,
        app.version,
        app.channel.as_str()
    )?;
    writeln!(
        out,
        "  applicant IIN {}, provider {}, submitted {}",
        app.applicant_iin,
        app.provider,
        local(app.submitted_at)
    )?;
    if let Some(r) = &app.receipt {
        writeln!(out, "  receipt No. {r}")?;
    }
    if app.accepted_at.is_some() {
        writeln!(
            out,
            "  accepted {} (the term counts from it)",
            local(app.accepted())
        )?;
    }
    writeln!(out, "  service term due {}", opt_local(app.term_due))?;
    for s in &plan.steps {
        let mark = if app.status == Status::Closed || s.index < app.step {
            "✓"
        } else if s.index == app.step {
            "→"
        } else {
            " "
        };
        let dur = s
            .duration
            .map(|d| d.to_string())
            .unwrap_or_else(|| "no duration given".into());
        writeln!(
            out,
            "  {mark} {:>2}. [{} {}] {:<28} {:<60} ({dur})",
            s.index,
            s.flow,
            s.n,
            s.role,
            truncate(&s.text_en, 60)
        )?;
    }
    describe_position(ctx, &app, out)?;
    if let Some(r) = engine::sla::sla(&app, at, ctx) {
        writeln!(out, "SLA at {}: {:?} ({})", local(at), r.status, r.reason)?;
    }
    writeln!(out, "{} event(s) in the journal", events.len())?;
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

pub fn deadlines(
    store: &dyn Store,
    ctx: &Ctx,
    at: Timestamp,
    all: bool,
    out: &mut impl Write,
) -> Result<usize> {
    let mut n = 0;
    writeln!(out, "deadlines at {}:", local(at))?;
    for app in store.open_applications().map_err(explain)? {
        let Some(r) = engine::sla::sla(&app, at, ctx) else {
            continue;
        };
        if r.status == engine::sla::Sla::OnTime && !all {
            continue;
        }
        n += 1;
        writeln!(
            out,
            "  {:<8} {:<40} step {} ({}) of {}: {} due {}, term due {}",
            format!("{:?}", r.status),
            app.id,
            r.step.map(|s| s.to_string()).unwrap_or_default(),
            r.role.as_deref().unwrap_or(""),
            app.provider,
            r.reason,
            opt_local(r.step_due),
            opt_local(r.term_due)
        )?;
    }
    writeln!(out, "{n} application(s) listed")?;
    Ok(n)
}

pub fn verify(store: &dyn Store, out: &mut impl Write) -> Result<bool> {
    let r = store.verify_journal().map_err(explain)?;
    match &r.broken {
        None => writeln!(
            out,
            "journal verified: {} entries of {} applications, every hash chain holds",
            r.entries, r.applications
        )?,
        Some(b) => writeln!(out, "journal BROKEN at {b}")?,
    }
    Ok(r.is_ok())
}

/// Rebuild the read models from the journal (`replace`), or compare them with it; true when
/// the live views equal the rebuild (or were replaced).
pub fn rebuild_views(store: &dyn Store, replace: bool, out: &mut impl Write) -> Result<bool> {
    let r = store.rebuild_views(replace).map_err(explain)?;
    for d in &r.differences {
        writeln!(out, "difference: {d}")?;
    }
    if r.difference_count as usize > r.differences.len() {
        writeln!(
            out,
            "… and {} more",
            r.difference_count as usize - r.differences.len()
        )?;
    }
    let what = if r.replaced { "rebuilt" } else { "checked" };
    writeln!(
        out,
        "views {what}: {} applications, {} events, {} difference(s)",
        r.applications, r.events, r.difference_count
    )?;
    Ok(r.replaced || r.difference_count == 0)
}

/// Run one application of a regulation through a channel end to end, printing each step.
pub fn demo(
    store: &dyn Store,
    ctx: &Ctx,
    regulation: &str,
    channel: ChannelId,
    at: Timestamp,
    out: &mut impl Write,
) -> Result<Application> {
    let id = format!("demo-{regulation}-{}-{}", channel.as_str(), at.as_second());
    let mut app = apply(
        store,
        Apply {
            regulation,
            channel,
            provider: "demo-provider",
            iin: "100515500003",
            id: Some(id.clone()),
            key: None,
            at,
            reception: Default::default(),
            data: ctx.sample_data(regulation, at, 0),
        },
        out,
    )?;
    let mut now = at;
    while app.status != Status::Closed {
        now = app
            .step_due
            .unwrap_or(now + jiff::SignedDuration::from_mins(5))
            .max(now);
        app = act(
            store,
            ctx,
            Act {
                application: &id,
                step: None,
                role: None,
                org: None,
                outcome: Outcome::Done,
                presented: Some(Presented::IdentityDocument),
                at: now,
            },
            out,
        )?;
    }
    Ok(app)
}

/// `field=value` arguments as application data (a value with commas is several choices).
pub fn form_data(args: &[String]) -> Result<engine::FormData> {
    let mut out = engine::FormData::new();
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            anyhow::bail!("--data `{a}`: expected FIELD=VALUE");
        };
        let v = v.trim();
        let value = if v.contains(',') {
            engine::FormValue::Many(v.split(',').map(|s| s.trim().to_string()).collect())
        } else {
            engine::FormValue::One(v.to_string())
        };
        out.insert(k.trim().to_string(), value);
    }
    Ok(out)
}
