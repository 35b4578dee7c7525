//! Where the writer thread's time goes, per phase, when `QYZMET_STORE_PROFILE` is set: wall
//! time summed per phase (a guard per span), the writer's CPU time (Linux), printed to stderr
//! when the writer stops. Off by default: then a span costs one thread-local flag test.
//!
//! For: finding the writer's costs under `qyzmet bench engine`. Not for: metrics in
//! production (`Store::stats` is that).

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

/// The phases of a batch and of one command inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for the first job of a batch.
    Wait,
    /// The file checks before and after a batch.
    Checks,
    Begin,
    /// Idempotency lookup of a submission.
    IdemLookup,
    /// Loading a state the cache lacks.
    Load,
    /// `engine::decide`, `apply` and the aggregates' deltas.
    Decide,
    /// Event JSON and the chain's hashes.
    Hash,
    /// Journal and outbox rows.
    Journal,
    /// The `applications` row (its JSON included).
    State,
    /// Computing the list row.
    ListRow,
    /// Writing the list row.
    ListSql,
    /// Writing the aggregates.
    Aggregates,
    /// Writing the idempotency row.
    IdemInsert,
    /// Keeping the outcome in the batch's overlay.
    Overlay,
    /// Commit (the fsync included).
    Commit,
    /// Answering the callers (and merging into the cache).
    Answer,
    /// Encoding a state row (its JSON).
    Encode,
    /// The decider waiting for the committer.
    Full,
}

const PHASES: [Phase; 18] = [
    Phase::Wait,
    Phase::Checks,
    Phase::Begin,
    Phase::IdemLookup,
    Phase::Load,
    Phase::Decide,
    Phase::Hash,
    Phase::Journal,
    Phase::State,
    Phase::ListRow,
    Phase::ListSql,
    Phase::Aggregates,
    Phase::IdemInsert,
    Phase::Overlay,
    Phase::Commit,
    Phase::Answer,
    Phase::Encode,
    Phase::Full,
];

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static SUMS: RefCell<[(Duration, u64); 18]> = const { RefCell::new([(Duration::ZERO, 0); 18]) };
}

/// Turn profiling on for this thread if `QYZMET_STORE_PROFILE` is set.
pub(crate) fn init() {
    let on = std::env::var_os("QYZMET_STORE_PROFILE").is_some_and(|v| !v.is_empty() && v != "0");
    ON.with(|o| o.set(on));
}

/// A span of `phase`: its wall time is added when the guard drops.
pub(crate) struct Span(Option<(Phase, Instant)>);

pub(crate) fn span(phase: Phase) -> Span {
    Span(ON.with(Cell::get).then(|| (phase, Instant::now())))
}

impl Drop for Span {
    fn drop(&mut self) {
        if let Some((p, t0)) = self.0 {
            let i = PHASES.iter().position(|q| *q == p).unwrap_or(0);
            SUMS.with(|s| {
                let mut s = s.borrow_mut();
                s[i].0 += t0.elapsed();
                s[i].1 += 1;
            });
        }
    }
}

/// The thread's CPU time so far (user + system), where the OS tells it.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // Linux reports in USER_HZ, 100 on every platform it runs on.
    Some(Duration::from_millis(ticks * 10))
}

/// Print this thread's sums (if profiling is on and it did anything) for `commands` commands
/// in `transactions` batches.
pub(crate) fn report(thread: &str, commands: u64, transactions: u64) {
    if !ON.with(Cell::get) || commands == 0 {
        return;
    }
    let sums = SUMS.with(|s| *s.borrow());
    // Waiting for jobs or for the committer is not work.
    let busy: Duration = PHASES
        .iter()
        .zip(sums)
        .filter(|(p, _)| !matches!(p, Phase::Wait | Phase::Full))
        .map(|(_, (d, _))| d)
        .sum();
    let per = |d: Duration| d.as_secs_f64() * 1e6 / commands.max(1) as f64;
    let mut out = format!(
        "{thread} profile: {commands} commands in {transactions} transactions; \
         busy {:.2} s ({:.1} µs/command), waiting {:.2} s",
        busy.as_secs_f64(),
        per(busy),
        sums[0].0.as_secs_f64()
    );
    if let Some(cpu) = thread_cpu() {
        out.push_str(&format!(
            "; thread CPU {:.2} s ({:.1} µs/command)",
            cpu.as_secs_f64(),
            per(cpu)
        ));
    }
    for (p, (d, n)) in PHASES.iter().zip(sums).skip(1) {
        if n > 0 {
            out.push_str(&format!(
                "\n  {:<11} {:>8.3} s {:>7.1} µs/command {:>5.1}%  ({n} spans)",
                format!("{p:?}"),
                d.as_secs_f64(),
                per(d),
                100.0 * d.as_secs_f64() / busy.as_secs_f64().max(1e-9)
            ));
        }
    }
    eprintln!("{out}");
}
