//! The linter: schema and consistency checks over one regulation file.
//!
//! Errors are things the data must not say (an undeclared role, a broken chain of actions, a
//! line reference past the end of the seed). Warnings are things the *text* says that a reader
//! must know: every annotated contradiction is printed as a warning, never silently resolved.
//! Not for: fixing anything; the linter only reports.

use crate::form::*;
use crate::model::*;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One finding, located in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// The rule broken, a short stable id (e.g. `role-declared`).
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {sev}[{}]: {}",
            self.file.display(),
            self.line,
            self.column,
            self.rule,
            self.message
        )
    }
}

/// Byte offset → (line, column), both 1-based.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map(|i| offset - i).unwrap_or(offset + 1);
    (line, col)
}

/// Collects diagnostics for one file.
pub struct Sink<'a> {
    pub file: &'a Path,
    pub text: &'a str,
    pub out: Vec<Diagnostic>,
}

impl<'a> Sink<'a> {
    fn push(&mut self, severity: Severity, at: usize, rule: &'static str, message: String) {
        let (line, column) = line_col(self.text, at);
        self.out.push(Diagnostic {
            severity,
            file: self.file.to_path_buf(),
            line,
            column,
            rule,
            message,
        });
    }
    pub fn error(&mut self, at: usize, rule: &'static str, message: impl Into<String>) {
        self.push(Severity::Error, at, rule, message.into());
    }
    pub fn warn(&mut self, at: usize, rule: &'static str, message: impl Into<String>) {
        self.push(Severity::Warning, at, rule, message.into());
    }
}

/// Where the seed texts live, to check line references against them.
#[derive(Debug, Clone, Default)]
pub struct Seeds {
    pub dir: Option<PathBuf>,
    line_counts: HashMap<String, usize>,
}

impl Seeds {
    pub fn at(dir: Option<PathBuf>) -> Seeds {
        let mut line_counts = HashMap::new();
        if let Some(d) = &dir
            && let Ok(rd) = std::fs::read_dir(d)
        {
            for e in rd.flatten() {
                if let Ok(t) = std::fs::read_to_string(e.path()) {
                    line_counts.insert(
                        e.file_name().to_string_lossy().into_owned(),
                        t.lines().count(),
                    );
                }
            }
        }
        Seeds { dir, line_counts }
    }

    /// `QYZMET_SEEDS`, else the first `shared/seeds` found walking up from `start`.
    pub fn discover(start: &Path) -> Seeds {
        if let Ok(p) = std::env::var("QYZMET_SEEDS") {
            return Seeds::at(Some(PathBuf::from(p)));
        }
        let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
        let found = start
            .ancestors()
            .map(|a| a.join("shared/seeds"))
            .find(|p| p.is_dir());
        Seeds::at(found)
    }

    pub fn lines_of(&self, seed: &str) -> Option<usize> {
        self.line_counts.get(seed).copied()
    }
}

/// A lower bound on the working time a duration takes, in minutes, and an upper bound on the
/// working time a term allows. Used only to flag flows that cannot fit their term: a working
/// day is taken as 8 working hours, and calendar days are assumed to hold as few working days
/// as a calendar can give them (weekends and up to three holidays).
const WORKING_DAY_MINUTES: f64 = 8.0 * 60.0;

fn min_working_minutes(d: Duration) -> f64 {
    let v = d.value as f64;
    match d.unit {
        Unit::Seconds => v / 60.0,
        Unit::Minutes => v,
        Unit::Hours => v * 60.0,
        Unit::WorkingDays => v * WORKING_DAY_MINUTES,
        Unit::CalendarDays | Unit::DaysUnspecified => {
            min_working_days_in(d.value) * WORKING_DAY_MINUTES
        }
        Unit::Months => min_working_days_in(d.value * 28) * WORKING_DAY_MINUTES,
    }
}

fn min_working_days_in(calendar_days: u32) -> f64 {
    let n = calendar_days as f64;
    let weekends = 2.0 * (n / 7.0).ceil();
    (n - weekends - 3.0).max(0.0)
}

fn max_working_minutes(d: Duration) -> f64 {
    let v = d.value as f64;
    match d.unit {
        Unit::Seconds => v / 60.0,
        Unit::Minutes => v,
        Unit::Hours => v * 60.0,
        Unit::WorkingDays | Unit::CalendarDays | Unit::DaysUnspecified => v * WORKING_DAY_MINUTES,
        Unit::Months => v * 31.0 * WORKING_DAY_MINUTES,
    }
}

/// The largest value of each unit a regulation step plausibly has.
fn plausible_max(unit: Unit) -> u32 {
    match unit {
        Unit::Seconds => 3600,
        Unit::Minutes => 600,
        Unit::Hours => 72,
        Unit::WorkingDays => 90,
        Unit::CalendarDays | Unit::DaysUnspecified => 120,
        Unit::Months => 12,
    }
}

fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
}

fn is_valid_field_id(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (y, m, d) = (
        s[0..4].parse::<u32>(),
        s[5..7].parse::<u32>(),
        s[8..10].parse::<u32>(),
    );
    matches!((y, m, d), (Ok(y), Ok(m), Ok(d)) if (1990..2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
}

/// The checks. `file_stem` is the file name, to check it against id and version.
pub fn lint(reg: &Regulation, file_name: &str, seeds: &Seeds, sink: &mut Sink) {
    let mut l = Linter {
        reg,
        seeds,
        sink,
        seed_lines: None,
    };
    l.run(file_name);
}

struct Linter<'r, 's, 'a> {
    reg: &'r Regulation,
    seeds: &'r Seeds,
    sink: &'s mut Sink<'a>,
    seed_lines: Option<usize>,
}

impl Linter<'_, '_, '_> {
    fn run(&mut self, file_name: &str) {
        let reg = self.reg;
        if reg.schema != 1 {
            self.sink.error(
                0,
                "schema",
                format!(
                    "schema = {} is not supported; this linter reads schema 1",
                    reg.schema
                ),
            );
        }
        if !is_valid_id(&reg.id) {
            self.sink.error(
                0,
                "id-format",
                format!(
                    "id `{}` must be lowercase letters, digits and dashes",
                    reg.id
                ),
            );
        }
        let expected = format!("{}.v{}.toml", reg.id, reg.version);
        if file_name != expected {
            self.sink.error(
                0,
                "file-name",
                format!(
                    "file name `{file_name}` must be `{expected}` (id and version inside the file)"
                ),
            );
        }
        self.check_seed();
        self.check_dates();
        self.check_declarations();
        self.check_flows();
        self.check_terms();
        self.check_results();
        self.check_sc_rules();
        self.check_application();
        self.check_passport();
        self.check_languages();
        self.report_annotations();
    }

    /// Every text a user sees (pages, PDFs, CSV) exists in Kazakh and Russian: the region, the
    /// providers, roles, steps, results and refusal grounds.
    fn check_languages(&mut self) {
        let reg = self.reg;
        let mut missing: Vec<(usize, String, &'static str)> = Vec::new();
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        if blank(&reg.region_kk) || blank(&reg.region_ru) {
            missing.push((0, "the region".into(), "region_kk and region_ru"));
        }
        for p in &reg.providers {
            if blank(&p.get_ref().ru) {
                missing.push((
                    p.span().start,
                    format!("provider `{}`", p.get_ref().id),
                    "ru",
                ));
            }
        }
        for r in &reg.roles {
            if blank(&r.get_ref().ru) {
                missing.push((r.span().start, format!("role `{}`", r.get_ref().id), "ru"));
            }
        }
        for (flow_id, flow) in &reg.flows {
            for s in &flow.get_ref().steps {
                let st = s.get_ref();
                let what = match (blank(&st.text_kk), blank(&st.text_ru)) {
                    (false, false) => continue,
                    (true, true) => "text_kk and text_ru",
                    (true, false) => "text_kk",
                    (false, true) => "text_ru",
                };
                missing.push((s.span().start, format!("step {flow_id}.{}", st.n), what));
            }
        }
        for r in &reg.results {
            let d = r.get_ref();
            let what = match (blank(&d.name_kk), blank(&d.name_ru)) {
                (false, false) => continue,
                (true, true) => "name_kk and name_ru",
                (true, false) => "name_kk",
                (false, true) => "name_ru",
            };
            missing.push((r.span().start, format!("result `{}`", d.id), what));
        }
        for (i, g) in reg.refusal_grounds.iter().enumerate() {
            let d = g.get_ref();
            let what = match (blank(&d.text_kk), blank(&d.text_ru)) {
                (false, false) => continue,
                (true, true) => "text_kk and text_ru",
                (true, false) => "text_kk",
                (false, true) => "text_ru",
            };
            missing.push((g.span().start, format!("refusal ground {}", i + 1), what));
        }
        for (at, what, field) in missing {
            self.sink.error(
                at,
                "text-languages",
                format!(
                    "{what} needs {field}: every text a user sees exists in Kazakh and Russian"
                ),
            );
        }
    }

    fn src(&mut self, at: usize, what: &str, s: &SourceRef) {
        let Some(max) = self.seed_lines else { return };
        if s.last_line() as usize > max {
            self.sink.error(
                at,
                "source-line",
                format!(
                    "{what}: source `{s}` points past the end of seed `{}` ({max} lines)",
                    self.reg.source.get_ref().seed
                ),
            );
        }
    }

    fn check_seed(&mut self) {
        let reg = self.reg;
        let at = reg.source.span().start;
        let source = reg.source.get_ref();
        // Without the texts there is nothing to check against; the caller says so once (a note,
        // not a finding per file: the catalogue is no worse for it).
        if self.seeds.dir.is_none() {
            return;
        }
        match self.seeds.lines_of(&source.seed) {
            None => self.sink.error(
                at,
                "seed-exists",
                format!(
                    "source.seed `{}` is not a file in the seeds folder",
                    source.seed
                ),
            ),
            Some(n) => self.seed_lines = Some(n),
        }
        if source.part == 0 {
            self.sink
                .error(at, "part", "source.part is 1-based: it must be at least 1");
        }
        self.src(at, "source.lines", &source.lines);
        self.src(reg.title.span().start, "title", &reg.title.get_ref().source);
        self.src(reg.act.span().start, "act", &reg.act.get_ref().source);
        self.src(
            reg.status.span().start,
            "status",
            &reg.status.get_ref().source,
        );
        if let Some(s) = &reg.standard {
            self.src(s.span().start, "standard", &s.get_ref().source);
        }
        for s in [&reg.service_form_source, &reg.result_form_source]
            .into_iter()
            .flatten()
        {
            self.src(0, "form", s);
        }
    }

    fn check_dates(&mut self) {
        let reg = self.reg;
        let (act_at, act) = (reg.act.span().start, reg.act.get_ref());
        let (st_at, status) = (reg.status.span().start, reg.status.get_ref());
        let dates = [
            (act_at, "act.date", Some(&act.date)),
            (
                act_at,
                "act.registration_date",
                act.registration_date.as_ref(),
            ),
            (st_at, "status.repealed_on", status.repealed_on.as_ref()),
        ];
        for (at, field, d) in dates {
            if let Some(d) = d
                && !is_date(d)
            {
                self.sink.error(
                    at,
                    "date-format",
                    format!("{field} `{d}` must be a date YYYY-MM-DD"),
                );
            }
        }
        if status.state == StatusState::Repealed && status.repealed_by.is_none() {
            self.sink.error(
                st_at,
                "repealed-by",
                "status.state = \"repealed\" needs status.repealed_by (the repealing act)",
            );
        }
        let t = reg.title.get_ref();
        if t.kk.trim().is_empty() || t.en.trim().is_empty() || t.ru.trim().is_empty() {
            self.sink.error(
                reg.title.span().start,
                "title",
                "title.kk, title.ru and title.en must not be empty",
            );
        }
    }

    fn check_declarations(&mut self) {
        let reg = self.reg;
        if reg.providers.is_empty() {
            self.sink.error(
                0,
                "provider-declared",
                "no [[providers]]: the text always names who provides the service",
            );
        }
        if reg.channels.is_empty() {
            self.sink.error(
                0,
                "channel-declared",
                "no [[channels]]: a regulation must say where applications are accepted",
            );
        }
        let mut seen = BTreeSet::new();
        for c in &reg.channels {
            let at = c.span().start;
            let c = c.get_ref();
            if !seen.insert(c.id) {
                self.sink.error(
                    at,
                    "channel-unique",
                    format!("channel `{}` is declared twice", c.id.as_str()),
                );
            }
            self.src(at, "channel", &c.source);
            if c.accepts && reg.flow_for(c.id).is_none() {
                self.sink.error(
                    at,
                    "channel-flow",
                    format!(
                        "channel `{}` accepts applications but no flow has channel = \"{}\"",
                        c.id.as_str(),
                        c.id.as_str()
                    ),
                );
            }
        }
        let mut roles = BTreeSet::new();
        for r in &reg.roles {
            let at = r.span().start;
            let r = r.get_ref();
            if !is_valid_id(&r.id) {
                self.sink.error(
                    at,
                    "id-format",
                    format!(
                        "role id `{}` must be lowercase letters, digits and underscores",
                        r.id
                    ),
                );
            }
            if r.party.is_none() && canonical_party(&r.id).is_none() {
                self.sink.error(
                    at,
                    "role-party",
                    format!("role `{}` is not a canonical role: say whose it is with party = \"provider\" | \"state_corporation\" | \"portal\" | \"intermediary\"", r.id),
                );
            }
            if !roles.insert(r.id.as_str()) {
                self.sink.error(
                    at,
                    "role-unique",
                    format!("role `{}` is declared twice", r.id),
                );
            }
            self.src(at, "role", &r.source);
        }
        for p in &reg.providers {
            let at = p.span().start;
            self.src(at, "provider", &p.get_ref().source);
        }
    }

    fn role_declared(&self, id: &str) -> bool {
        self.reg.roles.iter().any(|r| r.get_ref().id == id)
    }

    fn check_flows(&mut self) {
        let reg = self.reg;
        for (flow_id, flow) in &reg.flows {
            let fat = flow.span().start;
            let flow = flow.get_ref();
            if reg.channel(flow.channel).is_none() {
                self.sink.error(fat, "flow-channel", format!("flow `{flow_id}` serves channel `{}`, which is not declared in [[channels]]", flow.channel.as_str()));
            }
            self.src(fat, &format!("flows.{flow_id}"), &flow.source);
            if flow.steps.is_empty() {
                self.sink
                    .error(fat, "flow-steps", format!("flow `{flow_id}` has no steps"));
            }
            let signing = flow
                .steps
                .iter()
                .filter(|s| s.get_ref().signs_result)
                .count();
            if signing > 1 {
                self.sink.error(fat, "signs-result", format!("flow `{flow_id}`: {signing} steps sign the result; the text has one signature"));
            }
            let mut prev: Option<&Step> = None;
            for s in &flow.steps {
                let at = s.span().start;
                let step = s.get_ref();
                let here = format!("flows.{flow_id} step {}", step.n);
                self.src(at, &here, &step.source);
                if let Some(p) = prev
                    && step.n <= p.n
                {
                    self.sink.error(
                        at,
                        "step-order",
                        format!(
                            "{here}: steps must be numbered in increasing order (after step {})",
                            p.n
                        ),
                    );
                }
                match step.kind {
                    StepKind::ProviderFlow => {
                        if step.role.is_some() {
                            self.sink.error(at, "provider-flow", format!("{here}: a provider_flow step carries no role (the provider's flow names its own roles)"));
                        }
                        match &step.flow {
                            None => self.sink.error(at, "provider-flow", format!("{here}: kind = \"provider_flow\" needs `flow` (the provider's flow id)")),
                            Some(f) if f == flow_id => self.sink.error(at, "provider-flow", format!("{here}: flow `{f}` cannot run itself")),
                            Some(f) if !reg.flows.contains_key(f) => {
                                self.sink.error(at, "provider-flow", format!("{here}: flow `{f}` does not exist"))
                            }
                            Some(_) => {}
                        }
                    }
                    _ => {
                        if step.flow.is_some() {
                            self.sink.error(
                                at,
                                "provider-flow",
                                format!("{here}: `flow` is only for kind = \"provider_flow\""),
                            );
                        }
                        match &step.role {
                            None => self.sink.error(
                                at,
                                "role-declared",
                                format!("{here}: every {} needs a role", kind_name(step.kind)),
                            ),
                            Some(r) if !self.role_declared(r) => self.sink.error(
                                at,
                                "role-declared",
                                format!("{here}: role `{r}` is not declared in [[roles]]"),
                            ),
                            _ => {}
                        }
                    }
                }
                if step.text_en.trim().is_empty() {
                    self.sink.error(
                        at,
                        "text",
                        format!("{here}: text_en must say what the step does"),
                    );
                }
                // The output of one action is the basis of the next.
                if let Some(p) = prev
                    && p.kind == StepKind::Action
                    && step.kind == StepKind::Action
                {
                    match (&p.output, &step.input) {
                        (Some(o), Some(i)) if o.trim() != i.trim() => self.sink.error(
                            at,
                            "output-feeds-next",
                            format!(
                                "{here}: input `{i}` is not the output of step {} (`{o}`)",
                                p.n
                            ),
                        ),
                        (None, _) => self.sink.error(
                            at,
                            "output-feeds-next",
                            format!("{here}: step {} has no output to feed this action", p.n),
                        ),
                        (_, None) => self.sink.error(
                            at,
                            "output-feeds-next",
                            format!("{here}: action has no input (the output of step {})", p.n),
                        ),
                        _ => {}
                    }
                }
                if let Some(d) = step.duration {
                    self.check_duration(at, &here, d);
                }
                if step.signs_result
                    && step.role.as_deref().and_then(|r| reg.party_of(r)) != Some(Party::Provider)
                {
                    self.sink.error(
                        at,
                        "signs-result",
                        format!("{here}: only the provider's staff sign the result"),
                    );
                }
                if step.kind != StepKind::Condition && !step.checks.is_empty() {
                    self.sink.error(
                        at,
                        "checks",
                        format!("{here}: `checks` belong to kind = \"condition\" steps"),
                    );
                }
                for r in &step.produces {
                    if reg.result(r).is_none() {
                        self.sink.error(
                            at,
                            "result-declared",
                            format!("{here}: produces `{r}`, which is not in [[results]]"),
                        );
                    }
                }
                for b in &step.branches {
                    let bat = b.span().start;
                    let b = b.get_ref();
                    self.src(bat, &here, &b.source);
                    if let Some(r) = &b.result {
                        if reg.result(r).is_none() {
                            self.sink.error(
                                bat,
                                "result-declared",
                                format!("{here}: branch result `{r}` is not in [[results]]"),
                            );
                        }
                    } else if matches!(
                        b.kind,
                        BranchKind::RefuseAcceptance
                            | BranchKind::MotivatedRefusal
                            | BranchKind::RefusalNotice
                            | BranchKind::Result
                    ) {
                        self.sink.error(
                            bat,
                            "branch-result",
                            format!(
                                "{here}: a {:?} branch must name the `result` it yields",
                                b.kind
                            ),
                        );
                    }
                    // A refusal prepared here is signed like a result: here, or where it goes.
                    if b.kind == BranchKind::MotivatedRefusal
                        && b.goto.is_none()
                        && !step.signs_result
                    {
                        self.sink.error(
                            bat,
                            "branch-goto",
                            format!(
                                "{here}: a motivated_refusal branch needs `goto`: the refusal is signed and issued like a result (goto = the step where it is signed)"
                            ),
                        );
                    }
                    if let Some(g) = b.goto
                        && b.kind == BranchKind::MotivatedRefusal
                        && g <= step.n
                    {
                        self.sink.error(
                            bat,
                            "branch-goto",
                            format!("{here}: a motivated refusal goes on to a later step, not to step {g}"),
                        );
                    }
                    if let Some(g) = b.goto
                        && !flow.steps.iter().any(|s| s.get_ref().n == g)
                    {
                        self.sink.error(
                            bat,
                            "branch-goto",
                            format!(
                                "{here}: branch goes to step {g}, which this flow does not have"
                            ),
                        );
                    }
                }
                for a in &step.alternatives {
                    let aat = a.span().start;
                    let alt = a.get_ref();
                    self.src(aat, &here, &alt.source);
                    if let Some(r) = &alt.role
                        && !self.role_declared(r)
                    {
                        self.sink.error(
                            aat,
                            "role-declared",
                            format!("{here}: alternative role `{r}` is not declared in [[roles]]"),
                        );
                    }
                    if matches!(alt.field, AltField::Duration | AltField::Unit)
                        && alt.duration.is_none()
                    {
                        self.sink.error(
                            aat,
                            "alternative",
                            format!(
                                "{here}: an alternative with field = \"duration\" or \"unit\" needs `duration`"
                            ),
                        );
                    }
                    let chosen = match alt.field {
                        AltField::Duration | AltField::Unit => step
                            .duration
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "no duration".into()),
                        AltField::Role => step.role.clone().unwrap_or_default(),
                        _ => step.text_en.clone(),
                    };
                    let other = alt
                        .duration
                        .map(|d| d.to_string())
                        .or_else(|| alt.role.clone())
                        .or_else(|| alt.text_en.clone())
                        .unwrap_or_default();
                    self.sink.warn(
                        aat,
                        "contradiction",
                        format!("contradiction in {here} ({:?}): chosen {chosen} ({}); the text also says {other} ({}): {}", alt.field, step.source, alt.source, alt.note).to_lowercase_field(),
                    );
                }
                prev = Some(step);
            }
            // A flow of an accepting channel must reach a result.
            if reg.channel(flow.channel).is_some_and(|c| c.accepts)
                && !self.flow_reaches_result(flow_id, &mut BTreeSet::new())
            {
                self.sink.error(fat, "result-reachable", format!("flow `{flow_id}` never reaches a result of kind \"result\" (no step `produces` it and no branch yields it)"));
            }
        }
    }

    /// Does the flow hand out a result of kind "result", itself or through the provider's flow?
    fn flow_reaches_result(&self, flow_id: &str, seen: &mut BTreeSet<String>) -> bool {
        if !seen.insert(flow_id.to_string()) {
            return false;
        }
        let Some(flow) = self.reg.flows.get(flow_id) else {
            return false;
        };
        let is_result = |id: &String| {
            self.reg
                .result(id)
                .is_some_and(|r| r.kind == ResultKind::Result)
        };
        flow.get_ref().steps.iter().any(|s| {
            let s = s.get_ref();
            s.produces.iter().any(is_result)
                || s.branches
                    .iter()
                    .any(|b| b.get_ref().result.as_ref().is_some_and(is_result))
                || s.flow
                    .as_ref()
                    .is_some_and(|f| self.flow_reaches_result(f, seen))
        })
    }

    fn check_duration(&mut self, at: usize, here: &str, d: Duration) {
        if d.value == 0 {
            self.sink.error(
                at,
                "duration-positive",
                format!("{here}: duration must be positive"),
            );
        } else if d.value > plausible_max(d.unit) {
            self.sink.error(
                at,
                "unit-plausible",
                format!(
                    "{here}: {d} is implausible for one step (more than {} {}); check the unit",
                    plausible_max(d.unit),
                    d.unit.as_str()
                ),
            );
        }
        if d.unit == Unit::DaysUnspecified {
            self.sink.warn(
                at,
                "unit-unspecified",
                format!(
                    "{here}: the text says {} \"days\" without saying working or calendar days",
                    d.value
                ),
            );
        }
    }

    /// Lower bound of the working time a flow takes, following provider_flow steps.
    fn flow_min_minutes(&self, flow_id: &str, depth: u32) -> f64 {
        let Some(flow) = self.reg.flows.get(flow_id) else {
            return 0.0;
        };
        if depth > 4 {
            return 0.0;
        }
        flow.get_ref()
            .steps
            .iter()
            .map(|s| {
                let s = s.get_ref();
                match (s.kind, &s.flow) {
                    (StepKind::ProviderFlow, Some(f)) => self.flow_min_minutes(f, depth + 1),
                    _ => s.duration.map(min_working_minutes).unwrap_or(0.0),
                }
            })
            .sum()
    }

    fn has_term_annotation(&self) -> bool {
        self.reg.annotations.iter().any(|a| {
            a.get_ref().kind == AnnotationKind::Contradiction && a.get_ref().about.trim() == "term"
        })
    }

    fn check_terms(&mut self) {
        let reg = self.reg;
        for (ch, t) in &reg.terms {
            let at = t.span().start;
            let term = t.get_ref();
            let Some(channel) = reg
                .channels
                .iter()
                .map(|c| c.get_ref().id)
                .find(|c| c.as_str() == ch)
            else {
                self.sink.error(
                    at,
                    "term-channel",
                    format!("terms.{ch}: `{ch}` is not a declared channel"),
                );
                continue;
            };
            self.src(at, &format!("terms.{ch}"), &term.source);
            if term.value == 0 {
                self.sink.error(
                    at,
                    "duration-positive",
                    format!("terms.{ch}: the term must be positive"),
                );
            }
            if term.acceptance_day_counted.is_some() != term.acceptance_day_source.is_some() {
                self.sink.error(
                    at,
                    "term-rule-source",
                    format!(
                        "terms.{ch}: acceptance_day_counted and acceptance_day_source go together"
                    ),
                );
            }
            if let Some(d) = &term.deliver_before_term {
                self.src(at, &format!("terms.{ch}.deliver_before_term"), &d.source);
                if channel != ChannelId::StateCorporation {
                    self.sink.error(
                        at,
                        "term-rule",
                        format!("terms.{ch}: deliver_before_term is a State Corporation rule"),
                    );
                }
            }
            for a in &term.alternatives {
                let aat = a.span().start;
                let alt = a.get_ref();
                self.src(aat, &format!("terms.{ch}"), &alt.source);
                self.sink.warn(
                    aat,
                    "contradiction",
                    format!(
                        "contradiction in terms.{ch}: chosen {} ({}); the text also says {} ({}): {}",
                        term.duration(),
                        term.source,
                        Duration { value: alt.value, unit: alt.unit },
                        alt.source,
                        alt.note
                    ),
                );
            }
            // Actions must fit within the term.
            if let Some((flow_id, _)) = reg.flow_for(channel) {
                let need = self.flow_min_minutes(flow_id, 0);
                let allowed = max_working_minutes(term.duration());
                if need > allowed + 1e-6 {
                    let msg = format!(
                        "terms.{ch}: the actions of flow `{flow_id}` take at least {:.0} working minutes, more than the term of {} allows",
                        need,
                        term.duration()
                    );
                    if self.has_term_annotation() {
                        self.sink.warn(
                            at,
                            "term-fits",
                            format!("{msg} (annotated as a contradiction of the text)"),
                        );
                    } else {
                        self.sink.error(at, "term-fits", format!("{msg}; if the text really says so, add an [[annotations]] entry with kind = \"contradiction\", about = \"term\""));
                    }
                }
            }
        }
    }

    fn check_results(&mut self) {
        let reg = self.reg;
        let mut ids = BTreeSet::new();
        let mut referenced = BTreeSet::new();
        for f in reg.flows.values() {
            for s in &f.get_ref().steps {
                let s = s.get_ref();
                referenced.extend(s.produces.iter().map(String::as_str));
                referenced.extend(
                    s.branches
                        .iter()
                        .filter_map(|b| b.get_ref().result.as_deref()),
                );
            }
        }
        for r in &reg.results {
            let at = r.span().start;
            let r = r.get_ref();
            if !ids.insert(r.id.as_str()) {
                self.sink.error(
                    at,
                    "result-unique",
                    format!("result `{}` is declared twice", r.id),
                );
            }
            if !is_valid_id(&r.id) {
                self.sink.error(
                    at,
                    "id-format",
                    format!(
                        "result id `{}` must be lowercase letters, digits and underscores",
                        r.id
                    ),
                );
            }
            self.src(at, &format!("result {}", r.id), &r.source);
            if !referenced.contains(r.id.as_str()) {
                self.sink.error(at, "result-reachable", format!("result `{}` is not reachable: no step `produces` it and no branch yields it", r.id));
            }
            for c in &r.channels {
                if reg.channel(*c).is_none() {
                    self.sink.error(
                        at,
                        "result-channel",
                        format!(
                            "result `{}` names channel `{}`, which is not declared",
                            r.id,
                            c.as_str()
                        ),
                    );
                }
            }
        }
        if !reg
            .results
            .iter()
            .any(|r| r.get_ref().kind == ResultKind::Result)
        {
            self.sink.error(
                0,
                "result-declared",
                "no [[results]] of kind \"result\": what does the service give?",
            );
        }
        for g in &reg.refusal_grounds {
            let at = g.span().start;
            let g = g.get_ref();
            match (&g.source, &g.standard) {
                (Some(s), _) => self.src(at, "refusal ground", s),
                (None, Some(_)) if reg.standard.is_some() => {}
                _ => self.sink.error(
                    at,
                    "refusal-ground-source",
                    "refusal ground: give `source` (seed lines) or `standard` (the Standard's paragraph, with a [standard] section)",
                ),
            }
            if g.kind == GroundKind::MotivatedRefusal && g.standard.is_some() && g.id.is_none() {
                self.sink.error(
                    at,
                    "refusal-ground-id",
                    "a refusal ground officials pick from the Standard's list needs an `id`",
                );
            }
        }
    }

    fn check_sc_rules(&mut self) {
        let reg = self.reg;
        if let Some(sc) = &reg.state_corporation {
            let at = sc.span().start;
            if reg.channel(ChannelId::StateCorporation).is_none() {
                self.sink.error(at, "sc-channel", "[state_corporation] rules given but the state_corporation channel is not declared");
            }
            self.src(at, "state_corporation", &sc.get_ref().source);
            let rules = sc.get_ref();
            if rules.e_queue_bookable_via_portal == Some(true)
                && !rules.e_queue_acceptance()
                && !rules.e_queue_issue()
            {
                self.sink.error(
                    at,
                    "sc-e-queue",
                    "state_corporation.e_queue_bookable_via_portal: there is no electronic queue to book; say what it serves with e_queue_acceptance = true or e_queue_issue = true",
                );
            }
            if let Some(u) = &sc.get_ref().unclaimed {
                self.src(at, "state_corporation.unclaimed", &u.source);
            }
        }
    }

    /// The `[application]` section: every declaration cites the seed or the Standard, ids are
    /// unique, conditions point at declared choice values, kinds and options agree.
    fn check_application(&mut self) {
        let reg = self.reg;
        let Some(app) = &reg.application else {
            self.sink.error(
                0,
                "application-declared",
                "no [application] section: what does the application carry?",
            );
            return;
        };
        let at = app.span().start;
        let form = app.get_ref();
        let has_standard = reg.standard.is_some();
        let cite = |l: &mut Self,
                    at: usize,
                    what: &str,
                    s: &Option<SourceRef>,
                    st: &Option<String>| {
            if let Some(s) = s {
                l.src(at, what, s);
            }
            match (s, st) {
                (None, None) => l.sink.error(
                    at,
                    "application-source",
                    format!("{what}: give `source` (seed lines) or `standard` (the Standard's paragraph or appendix)"),
                ),
                (_, Some(_)) if !has_standard => l.sink.error(
                    at,
                    "application-source",
                    format!("{what}: cites the Standard but the file has no [standard]"),
                ),
                _ => {}
            }
        };
        cite(self, at, "application", &form.source, &form.standard);
        let mut ids = BTreeSet::new();
        let mut choices: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut dates = BTreeSet::new();
        for f in &form.fields {
            let at = f.span().start;
            let d = f.get_ref();
            let what = format!("application field `{}`", d.id);
            cite(self, at, &what, &d.source, &d.standard);
            if !is_valid_field_id(&d.id) {
                self.sink.error(
                    at,
                    "application-field-id",
                    format!("{what}: ids are lowercase letters, digits and underscores"),
                );
            }
            if !ids.insert(d.id.as_str()) {
                self.sink.error(
                    at,
                    "application-field-unique",
                    format!("{what} is declared twice"),
                );
            }
            if d.kk.trim().is_empty() || d.ru.trim().is_empty() {
                self.sink.error(
                    at,
                    "application-label",
                    format!("{what}: `kk` and `ru` labels are required"),
                );
            }
            let options = !d.options.is_empty() || d.options_from_providers;
            if d.kind.has_options() != options {
                self.sink.error(
                    at,
                    "application-options",
                    if options {
                        format!("{what}: only choice fields have options")
                    } else {
                        format!(
                            "{what}: a {} field needs `options` or `options_from_providers`",
                            d.kind.as_str()
                        )
                    },
                );
            }
            let mut opt_ids = BTreeSet::new();
            for o in &d.options {
                cite(
                    self,
                    at,
                    &format!("{what}, option `{}`", o.id),
                    &o.source,
                    &o.standard,
                );
                if !opt_ids.insert(o.id.as_str()) {
                    self.sink.error(
                        at,
                        "application-option-unique",
                        format!("{what}: option `{}` is declared twice", o.id),
                    );
                }
                if o.kk.trim().is_empty() || o.ru.trim().is_empty() {
                    self.sink.error(
                        at,
                        "application-label",
                        format!("{what}, option `{}`: `kk` and `ru` are required", o.id),
                    );
                }
            }
            if let Some(w) = &d.when {
                self.check_when(at, &what, w, &choices);
            }
            if let Some(b) = &d.birth_date_field
                && (d.kind != FieldKind::Iin || !dates.contains(b.as_str()))
            {
                self.sink.error(at, "application-birth-date", format!("{what}: `birth_date_field` is for an IIN field and names a date field declared before it (`{b}`)"));
            }
            if d.age.is_some() && !matches!(d.kind, FieldKind::Date | FieldKind::Iin) {
                self.sink.error(
                    at,
                    "application-age",
                    format!("{what}: `age` applies to a date of birth or an IIN"),
                );
            }
            if d.kind == FieldKind::Date {
                dates.insert(d.id.as_str());
            }
            if d.kind.has_options() {
                choices.insert(
                    d.id.as_str(),
                    d.options.iter().map(|o| o.id.as_str()).collect(),
                );
            }
        }
        for f in &form.fields {
            if let Some(w) = &f.get_ref().when
                && w.field == f.get_ref().id
            {
                self.sink.error(
                    f.span().start,
                    "application-when",
                    format!("application field `{}` depends on itself", w.field),
                );
            }
        }
        let mut doc_ids = BTreeSet::new();
        for doc in &form.documents {
            let at = doc.span().start;
            let d = doc.get_ref();
            let what = format!("application document `{}`", d.id);
            cite(self, at, &what, &d.source, &d.standard);
            if !doc_ids.insert(d.id.as_str()) {
                self.sink.error(
                    at,
                    "application-document-unique",
                    format!("{what} is declared twice"),
                );
            }
            if [&d.kk, &d.ru, &d.proves_kk, &d.proves_ru]
                .iter()
                .any(|t| t.trim().is_empty())
            {
                self.sink.error(
                    at,
                    "application-label",
                    format!("{what}: `kk`, `ru`, `proves_kk` and `proves_ru` are required"),
                );
            }
            for c in &d.channels {
                if !reg
                    .channels
                    .iter()
                    .any(|ch| ch.get_ref().id == *c && ch.get_ref().accepts)
                {
                    self.sink.error(
                        at,
                        "application-document-channel",
                        format!(
                            "{what}: channel `{}` does not accept applications here",
                            c.as_str()
                        ),
                    );
                }
            }
            if let Some(w) = &d.when {
                self.check_when(at, &what, w, &choices);
            }
        }
    }

    /// The `[passport]` section: every entry cites the seed or the Standard, its texts exist in
    /// Kazakh and Russian, a complaint's term is a positive duration, and a wait names a
    /// channel that accepts applications.
    fn check_passport(&mut self) {
        let reg = self.reg;
        let Some(p) = &reg.passport else {
            self.sink.error(
                0,
                "passport-declared",
                "no [passport] section: what does the service cost, who receives it, how to appeal?",
            );
            return;
        };
        let has_standard = reg.standard.is_some();
        let cite = |l: &mut Self,
                    at: usize,
                    what: &str,
                    s: &Option<SourceRef>,
                    st: &Option<String>| {
            if let Some(s) = s {
                l.src(at, what, s);
            }
            match (s, st) {
                (None, None) => l.sink.error(
                    at,
                    "passport-source",
                    format!("{what}: give `source` (seed lines) or `standard` (the Standard's paragraph or section)"),
                ),
                (_, Some(_)) if !has_standard => l.sink.error(
                    at,
                    "passport-source",
                    format!("{what}: cites the Standard but the file has no [standard]"),
                ),
                _ => {}
            }
        };
        let texts = |l: &mut Self, at: usize, what: &str, kk: &str, ru: &str| {
            if kk.trim().is_empty() || ru.trim().is_empty() {
                l.sink.error(
                    at,
                    "passport-text",
                    format!("{what}: `kk` and `ru` are required (every text a user sees exists in Kazakh and Russian)"),
                );
            }
        };
        let p = p.get_ref();
        let (at, c) = (p.cost.span().start, p.cost.get_ref());
        cite(self, at, "passport cost", &c.source, &c.standard);
        texts(self, at, "passport cost", &c.kk, &c.ru);
        let (at, r) = (p.recipients.span().start, p.recipients.get_ref());
        cite(self, at, "passport recipients", &r.source, &r.standard);
        texts(self, at, "passport recipients", &r.kk, &r.ru);
        if p.appeal.is_empty() {
            self.sink.error(
                0,
                "passport-appeal",
                "[passport] gives no [[passport.appeal]]: where does a complaint go?",
            );
        }
        for (i, a) in p.appeal.iter().enumerate() {
            let (at, d) = (a.span().start, a.get_ref());
            let what = format!("passport appeal {}", i + 1);
            cite(self, at, &what, &d.source, &d.standard);
            texts(self, at, &what, &d.kk, &d.ru);
            if d.law_kk.is_some() != d.law_ru.is_some() {
                self.sink.error(
                    at,
                    "passport-text",
                    format!("{what}: give both `law_kk` and `law_ru`, or neither"),
                );
            }
            if let Some(t) = d.term {
                self.check_duration(at, &what, t);
            }
        }
        for (i, w) in p.waiting.iter().enumerate() {
            let (at, d) = (w.span().start, w.get_ref());
            let what = format!("passport waiting {}", i + 1);
            cite(self, at, &what, &d.source, &d.standard);
            self.check_duration(at, &what, d.max);
            if !reg
                .channels
                .iter()
                .any(|ch| ch.get_ref().id == d.channel && ch.get_ref().accepts)
            {
                self.sink.error(
                    at,
                    "passport-waiting-channel",
                    format!(
                        "{what}: channel `{}` does not accept applications here",
                        d.channel.as_str()
                    ),
                );
            }
        }
    }

    fn check_when(&mut self, at: usize, what: &str, w: &When, choices: &HashMap<&str, Vec<&str>>) {
        match choices.get(w.field.as_str()) {
            None => self.sink.error(
                at,
                "application-when",
                format!(
                    "{what}: `when.field` must name a choice field declared before it, not `{}`",
                    w.field
                ),
            ),
            Some(opts) => {
                for v in &w.values {
                    if !opts.contains(&v.as_str()) {
                        self.sink.error(
                            at,
                            "application-when",
                            format!("{what}: `{}` has no option `{v}`", w.field),
                        );
                    }
                }
            }
        }
    }

    fn report_annotations(&mut self) {
        for a in &self.reg.annotations {
            let at = a.span().start;
            let an = a.get_ref();
            self.src(at, "annotation", &an.source);
            let chosen = an
                .chosen
                .as_ref()
                .map(|c| format!(" — chosen: {c}"))
                .unwrap_or_default();
            self.sink.warn(
                at,
                "annotation",
                format!(
                    "{} about {} ({}): {}{chosen}",
                    an.kind.as_str(),
                    an.about,
                    an.source,
                    an.text_en
                ),
            );
        }
    }
}

fn kind_name(k: StepKind) -> &'static str {
    match k {
        StepKind::Action => "action",
        StepKind::Process => "process",
        StepKind::Condition => "condition",
        StepKind::ProviderFlow => "provider_flow step",
    }
}

trait LowerField {
    fn to_lowercase_field(self) -> String;
}

impl LowerField for String {
    /// Debug names of fields (`Duration`) read better in lower case.
    fn to_lowercase_field(self) -> String {
        ["Duration", "Role", "Text", "Unit", "Other"]
            .iter()
            .fold(self, |s, f| {
                s.replace(&format!("({f})"), &format!("({})", f.to_lowercase()))
            })
    }
}
