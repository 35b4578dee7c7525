//! A plan: one regulation version's flow for one channel, flattened into the ordered steps an
//! application walks through (the State Corporation's steps with the provider's flow inlined).
//!
//! Compiled once per (regulation, version, channel) and shared; the engine only reads it.

use regulation::{
    BranchKind, ChannelId, Duration, IssueRequirement, Regulation, ResultKind, StepKind,
};
use serde::Serialize;

pub use regulation::Party;

/// The party of a step's role as the regulation declares it; an undeclared non-canonical role
/// falls back to the flow's own party (the linter rejects that case).
fn party_of(reg: &Regulation, role: &str, flow_channel: ChannelId) -> Party {
    reg.party_of(role).unwrap_or(match flow_channel {
        ChannelId::StateCorporation => Party::StateCorporation,
        ChannelId::Portal => Party::Portal,
        ChannelId::Intermediary => Party::Intermediary,
        ChannelId::Office => Party::Provider,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanStep {
    /// Position in the plan, 0-based: what commands name.
    pub index: usize,
    /// The flow the step comes from and its number there (as in the text).
    pub flow: String,
    pub n: u32,
    pub kind: StepKind,
    pub role: String,
    pub party: Party,
    pub duration: Option<Duration>,
    pub text_en: String,
    /// Result ids of the branches the step may take.
    pub refuse_acceptance: Option<String>,
    pub motivated_refusal: Option<String>,
    /// Where a motivated refusal prepared here goes (plan index of the branch's `goto`: the
    /// step where it is signed); `None`: on along the normal path.
    pub motivated_refusal_goto: Option<usize>,
    pub refusal_notice: Option<String>,
    pub produces: Vec<String>,
    /// Reached only when a branch jumps to it (a portal process that writes a refusal notice):
    /// the normal path passes it by.
    pub only_on_failure: bool,
    /// The provider's authorised person signs the result at this step.
    pub signs_result: bool,
    /// The step runs by itself: its role is an information system (`kind = "system"` in the
    /// regulation's `[[roles]]`), or it is the portal's record of the applicant's own act
    /// (sending the request, receiving the result in the cabinet).
    pub automatic: bool,
    /// The head hands the file to a named person here: the plan index of the step that person
    /// does next (see [`Plan::compile`] for how such a step is recognised).
    pub assigns: Option<usize>,
    /// This step is done by the person named at that (assigning) step.
    pub assigned_by: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TermRule {
    pub duration: Duration,
    /// False where the text says the day of acceptance is not counted.
    pub acceptance_day_counted: bool,
    /// The provider delivers the result to the State Corporation this long before the term.
    pub deliver_before: Option<Duration>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub regulation: String,
    pub version: u32,
    pub channel: ChannelId,
    pub steps: Vec<PlanStep>,
    pub term: Option<TermRule>,
    /// The result handed out when the service is granted, and the motivated refusal.
    pub result: Option<String>,
    pub refusal: Option<String>,
    /// State Corporation issue rules (only where the text gives them).
    pub issue_requires: Vec<IssueRequirement>,
    pub unclaimed_keep: Option<Duration>,
    pub rerequest: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("regulation {0} does not accept applications through channel `{1}`")]
    ChannelNotAccepted(String, &'static str),
    #[error("regulation {0} has no flow for channel `{1}`")]
    NoFlow(String, &'static str),
    #[error("regulation {0}: provider flow `{1}` is missing or nested too deep")]
    BadProviderFlow(String, String),
}

impl Plan {
    pub fn compile(reg: &Regulation, channel: ChannelId) -> Result<Plan, PlanError> {
        let rid = format!("{} v{}", reg.id, reg.version);
        match reg.channel(channel) {
            Some(c) if c.accepts => {}
            _ => return Err(PlanError::ChannelNotAccepted(rid, channel.as_str())),
        }
        let (flow_id, _) = reg
            .flow_for(channel)
            .ok_or_else(|| PlanError::NoFlow(rid.clone(), channel.as_str()))?;
        let mut steps = Vec::new();
        inline(reg, flow_id, 0, &mut steps)
            .map_err(|f| PlanError::BadProviderFlow(rid.clone(), f))?;
        for (i, s) in steps.iter_mut().enumerate() {
            s.index = i;
        }
        mark_assignments(&mut steps);
        let term = reg.term(channel).map(|t| TermRule {
            duration: t.duration(),
            acceptance_day_counted: t.acceptance_day_counted.unwrap_or(true),
            deliver_before: t.deliver_before_term.as_ref().map(|d| Duration {
                value: d.value,
                unit: d.unit,
            }),
        });
        let of_kind = |k: ResultKind| {
            let produced: Vec<&String> = steps
                .iter()
                .flat_map(|s| s.produces.iter().chain(s.motivated_refusal.iter()))
                .collect();
            produced
                .into_iter()
                .find(|id| reg.result(id).is_some_and(|r| r.kind == k))
                .cloned()
        };
        let result = of_kind(ResultKind::Result);
        let refusal = of_kind(ResultKind::Refusal);
        let sc = reg.state_corporation.as_ref().map(|s| s.get_ref());
        let sc_channel = channel == ChannelId::StateCorporation;
        Ok(Plan {
            regulation: reg.id.clone(),
            version: reg.version,
            channel,
            term,
            result,
            refusal,
            issue_requires: if sc_channel {
                sc.map(|s| s.issue_requires.clone()).unwrap_or_default()
            } else {
                vec![]
            },
            unclaimed_keep: if sc_channel {
                sc.and_then(|s| s.unclaimed.as_ref()).map(|u| u.keep)
            } else {
                None
            },
            rerequest: if sc_channel {
                sc.and_then(|s| s.unclaimed.as_ref())
                    .and_then(|u| u.rerequest)
            } else {
                None
            },
            steps,
        })
    }

    pub fn step(&self, index: usize) -> Option<&PlanStep> {
        self.steps.get(index)
    }

    /// The step after `index` on the normal path (skipping failure-only steps).
    pub fn next(&self, index: usize) -> Option<&PlanStep> {
        self.steps
            .iter()
            .skip(index + 1)
            .find(|s| !s.only_on_failure)
    }

    /// The step after `index` when it ends `refusing` (a motivated refusal prepared there goes
    /// where its branch says) or not (the normal path).
    pub fn next_after(&self, index: usize, refusing: bool) -> Option<&PlanStep> {
        let jump = self
            .steps
            .get(index)
            .filter(|_| refusing)
            .and_then(|s| s.motivated_refusal_goto);
        match jump {
            Some(i) => self.steps.get(i),
            None => self.next(index),
        }
    }

    /// Index of the first State Corporation step after the provider's part: where the result
    /// waits for the applicant. None when the plan ends at the provider.
    pub fn sc_issue_index(&self) -> Option<usize> {
        let last_provider = self
            .steps
            .iter()
            .rposition(|s| s.party == Party::Provider)?;
        self.steps[last_provider + 1..]
            .iter()
            .position(|s| s.party == Party::StateCorporation)
            .map(|i| i + last_provider + 1)
    }
}

/// Where the head hands the file to a named person: a person's step of the provider whose
/// role later signs the result (the head), followed on the normal path by a person's step of
/// another role of the provider (the executor) before that signature. The texts say it in
/// words ("the head puts a resolution and sends the documents to the responsible executor");
/// the pattern is how the flows encode it. The executor's consecutive steps are all theirs.
fn mark_assignments(steps: &mut [PlanStep]) {
    let next = |steps: &[PlanStep], i: usize| {
        steps
            .iter()
            .skip(i + 1)
            .find(|s| !s.only_on_failure)
            .map(|s| s.index)
    };
    let provider = |p: Party| matches!(p, Party::Provider | Party::Intermediary);
    for i in 0..steps.len() {
        let s = &steps[i];
        if s.automatic || s.signs_result || s.only_on_failure || !provider(s.party) {
            continue;
        }
        let Some(n) = next(steps, i) else { continue };
        let to = &steps[n];
        if to.automatic || to.role == s.role || !provider(to.party) {
            continue;
        }
        let signed_later = steps[n + 1..]
            .iter()
            .any(|t| t.signs_result && t.role == s.role);
        if !signed_later {
            continue;
        }
        steps[i].assigns = Some(n);
        let role = steps[n].role.clone();
        let mut k = Some(n);
        while let Some(j) = k.filter(|&j| steps[j].role == role && !steps[j].signs_result) {
            steps[j].assigned_by = Some(i);
            k = next(steps, j);
        }
    }
}

fn inline(
    reg: &Regulation,
    flow_id: &str,
    depth: u32,
    out: &mut Vec<PlanStep>,
) -> Result<(), String> {
    let flow = reg
        .flows
        .get(flow_id)
        .filter(|_| depth < 4)
        .ok_or_else(|| flow_id.to_string())?
        .get_ref();
    // A step that a non-result branch jumps to and that itself stops the flow (the portal's
    // "forms a refusal notice" processes) is off the normal path; a branch that converges on a
    // normal step (a motivated refusal going on to signing) does not take that step off it.
    let stops = |n: u32| {
        flow.steps.iter().map(|s| s.get_ref()).any(|s| {
            s.n == n
                && s.branches
                    .iter()
                    .any(|b| b.get_ref().kind == BranchKind::Stop)
        })
    };
    let failure_targets: Vec<u32> = flow
        .steps
        .iter()
        .flat_map(|s| s.get_ref().branches.iter().map(|b| b.get_ref()))
        .filter(|b| !matches!(b.kind, BranchKind::Result))
        .filter_map(|b| b.goto)
        .filter(|&n| stops(n))
        .collect();
    // Plan index of each step number of this flow, and the refusal jumps to resolve with them.
    let mut at_n: Vec<(u32, usize)> = Vec::new();
    let mut jumps: Vec<(usize, u32)> = Vec::new();
    for s in &flow.steps {
        let s = s.get_ref();
        at_n.push((s.n, out.len()));
        if s.kind == StepKind::ProviderFlow {
            inline(reg, s.flow.as_deref().unwrap_or(""), depth + 1, out)?;
            continue;
        }
        let role = s.role.clone().unwrap_or_default();
        let branch = |k: BranchKind| {
            s.branches
                .iter()
                .map(|b| b.get_ref())
                .find(|b| b.kind == k)
                .and_then(|b| b.result.clone())
        };
        let party = party_of(reg, &role, flow.channel);
        if let Some(g) = s
            .branches
            .iter()
            .map(|b| b.get_ref())
            .find(|b| b.kind == BranchKind::MotivatedRefusal)
            .and_then(|b| b.goto)
        {
            jumps.push((out.len(), g));
        }
        out.push(PlanStep {
            index: 0,
            flow: flow_id.to_string(),
            n: s.n,
            kind: s.kind,
            automatic: reg.is_system_role(&role) || party == Party::Portal,
            party,
            role,
            duration: s.duration,
            text_en: s.text_en.clone(),
            refuse_acceptance: branch(BranchKind::RefuseAcceptance),
            motivated_refusal: branch(BranchKind::MotivatedRefusal),
            motivated_refusal_goto: None,
            refusal_notice: branch(BranchKind::RefusalNotice),
            produces: s.produces.clone(),
            only_on_failure: failure_targets.contains(&s.n),
            signs_result: s.signs_result,
            assigns: None,
            assigned_by: None,
        });
    }
    for (i, g) in jumps {
        out[i].motivated_refusal_goto = at_n.iter().find(|(n, _)| *n == g).map(|(_, at)| *at);
    }
    Ok(())
}
