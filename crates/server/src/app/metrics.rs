//! Counters for `/metrics` (Prometheus text format): HTTP requests, commands by kind,
//! rejections by rule; the scrape adds open applications by SLA status and the store's writer
//! counters.
//!
//! For: cheap in-process counting. Not for: tracing (spans come from `tracing`) or history
//! (counters start at zero with the process).

use crate::AppState;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    http: AtomicU64,
    /// (command kind, rejection rule or "") → count.
    commands: Mutex<BTreeMap<(String, String), u64>>,
    pub notifications: AtomicU64,
}

impl Metrics {
    pub fn http_request(&self) {
        self.http.fetch_add(1, Ordering::Relaxed);
    }

    pub fn command(&self, kind: &str, rejected: Option<&str>) {
        let mut m = self.commands.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry((kind.to_string(), rejected.unwrap_or("").to_string()))
            .or_default() += 1;
    }
}

fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The Prometheus exposition of every metric.
pub fn render(st: &AppState) -> String {
    let mut out = String::new();
    let m = &st.metrics;
    let _ = writeln!(
        out,
        "# HELP qyzmet_http_requests_total HTTP requests served."
    );
    let _ = writeln!(out, "# TYPE qyzmet_http_requests_total counter");
    let _ = writeln!(
        out,
        "qyzmet_http_requests_total {}",
        m.http.load(Ordering::Relaxed)
    );

    let commands = m.commands.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut by_kind: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_rule: BTreeMap<&str, u64> = BTreeMap::new();
    for ((kind, rule), n) in &commands {
        *by_kind.entry(kind).or_default() += n;
        if !rule.is_empty() {
            *by_rule.entry(rule).or_default() += n;
        }
    }
    let _ = writeln!(
        out,
        "# HELP qyzmet_commands_total Engine commands executed by the server, by kind."
    );
    let _ = writeln!(out, "# TYPE qyzmet_commands_total counter");
    for (k, n) in &by_kind {
        let _ = writeln!(out, "qyzmet_commands_total{{kind=\"{}\"}} {n}", label(k));
    }
    let _ = writeln!(
        out,
        "# HELP qyzmet_rejections_total Commands refused, by the rule named."
    );
    let _ = writeln!(out, "# TYPE qyzmet_rejections_total counter");
    for (r, n) in &by_rule {
        let _ = writeln!(out, "qyzmet_rejections_total{{rule=\"{}\"}} {n}", label(r));
    }

    let now = st.now();
    let mut sla: BTreeMap<&str, u64> = [("on_time", 0), ("at_risk", 0), ("overdue", 0)].into();
    let open = st.store.open_applications();
    if let Ok(apps) = &open {
        for a in apps {
            if let Some(r) = engine::sla::sla(a, now, &st.ctx) {
                *sla.entry(r.status.as_str()).or_default() += 1;
            }
        }
    }
    let _ = writeln!(
        out,
        "# HELP qyzmet_open_applications Open applications by SLA status at the server clock."
    );
    let _ = writeln!(out, "# TYPE qyzmet_open_applications gauge");
    for (s, n) in &sla {
        let _ = writeln!(out, "qyzmet_open_applications{{sla=\"{s}\"}} {n}");
    }
    let stats = st.store.stats();
    for (name, help, kind, v) in [
        (
            "qyzmet_store_transactions_total",
            "Writer transactions committed.",
            "counter",
            stats.transactions,
        ),
        (
            "qyzmet_store_commands_total",
            "Commands answered by the writer.",
            "counter",
            stats.commands,
        ),
        (
            "qyzmet_store_largest_batch",
            "Most jobs in one writer transaction.",
            "gauge",
            stats.largest_batch,
        ),
        (
            "qyzmet_store_failed_batches_total",
            "Writer batches rolled back.",
            "counter",
            stats.failed_batches,
        ),
        (
            "qyzmet_notifications_total",
            "Notifications logged.",
            "counter",
            m.notifications.load(Ordering::Relaxed),
        ),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        let _ = writeln!(out, "{name} {v}");
    }
    let _ = writeln!(
        out,
        "# HELP qyzmet_clock_offset_seconds Simulated clock jump so far."
    );
    let _ = writeln!(out, "# TYPE qyzmet_clock_offset_seconds gauge");
    let _ = writeln!(
        out,
        "qyzmet_clock_offset_seconds {}",
        st.clock.offset().as_secs()
    );
    out
}
