//! Notifications: a background task reads the store's outbox, writes every status change of
//! an application to the `notifications` log through each configured [`Sender`], then marks
//! the outbox entries published; and the other background jobs (the preschool queue's time
//! sweep, unsigned upload expiry), on whichever node holds their lease.
//!
//! For: telling applicants what happened (log sender by default; an SMS sender that respects
//! quiet hours 22:00–08:00 Almaty by deferring), once, with several nodes on one store. Each
//! node claims outbox entries (`Store::claim_outbox`: disjoint, with a lease a dead node's
//! claims run out of). A notification's row, keyed by (outbox entry, channel), is written
//! `sending` before the sender is called: only the node whose row went in sends, so nothing is
//! sent twice; a node dying between the row and the gateway's answer leaves it `sending`
//! (maybe not sent: at most once). A deferred one is taken by moving its row from `deferred`
//! to `sending`, which one node wins. Not for: deciding status (the engine) or talking to a
//! real SMS gateway (plug one in as a `Sender`).

use crate::AppState;
use crate::accounts::ts;
use crate::i18n::{Lang, Messages};
use engine::Event;
use jiff::Timestamp;
use std::sync::atomic::Ordering;

/// What to tell an applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub application: String,
    pub applicant_iin: String,
    pub phone: Option<String>,
    /// Kazakh, then Russian.
    pub text: String,
}

/// A way to deliver notifications.
pub trait Sender: Send + Sync {
    /// The channel name in the log (`log`, `sms`).
    fn channel(&self) -> &'static str;
    /// Where this message goes on this channel; `None`: not on this channel (no phone).
    fn recipient(&self, m: &Message) -> Option<String>;
    /// `Some(t)`: not now, send at `t` (quiet hours).
    fn defer_until(&self, _now: Timestamp) -> Option<Timestamp> {
        None
    }
    fn send(&self, recipient: &str, text: &str) -> Result<(), String>;
}

/// Writes notifications to the server log only.
pub struct LogSender;

impl Sender for LogSender {
    fn channel(&self) -> &'static str {
        "log"
    }
    fn recipient(&self, m: &Message) -> Option<String> {
        Some(format!("iin:{}", m.applicant_iin))
    }
    fn send(&self, recipient: &str, text: &str) -> Result<(), String> {
        tracing::info!(recipient, text, "notification");
        Ok(())
    }
}

/// SMS through a gateway function, never during quiet hours (22:00–08:00 in Almaty): those
/// wait until 08:00.
pub struct SmsSender<F: Fn(&str, &str) -> Result<(), String> + Send + Sync> {
    pub gateway: F,
}

/// The end of the quiet hours that contain `now`, if they do (22:00–08:00 Asia/Almaty).
pub fn quiet_until(now: Timestamp) -> Option<Timestamp> {
    let z = now.to_zoned_datetime(calendar::almaty());
    let h = z.hour();
    let day = if h >= 22 {
        z.date().tomorrow().ok()?
    } else if h < 8 {
        z.date()
    } else {
        return None;
    };
    day.at(8, 0, 0, 0)
        .to_zoned_datetime(calendar::almaty())
        .ok()
        .map(|z| z.timestamp())
}

impl<F: Fn(&str, &str) -> Result<(), String> + Send + Sync> Sender for SmsSender<F> {
    fn channel(&self) -> &'static str {
        "sms"
    }
    fn recipient(&self, m: &Message) -> Option<String> {
        m.phone.clone().filter(|p| !p.trim().is_empty())
    }
    fn defer_until(&self, now: Timestamp) -> Option<Timestamp> {
        quiet_until(now)
    }
    fn send(&self, recipient: &str, text: &str) -> Result<(), String> {
        (self.gateway)(recipient, text)
    }
}

/// The senders a server runs with: the log, and SMS to a file when `sms_log` is set.
pub fn senders(options: &crate::Options) -> Vec<Box<dyn Sender>> {
    let mut out: Vec<Box<dyn Sender>> = vec![Box::new(LogSender)];
    if let Some(path) = options.sms_log.clone() {
        out.push(Box::new(SmsSender {
            gateway: move |to: &str, text: &str| {
                use std::io::Write;
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .and_then(|mut f| writeln!(f, "{to}\t{}", text.replace('\n', " ")))
                    .map_err(|e| e.to_string())
            },
        }));
    }
    out
}

/// The `notify-*` message of an event.
fn event_key(e: &Event) -> &'static str {
    match e {
        Event::Submitted { .. } => "submitted",
        Event::StepCompleted { .. } => "step_completed",
        Event::Closed { outcome, .. } => outcome.as_str(),
        Event::ReturnedToProvider { .. } => "returned",
        Event::ReRequested { .. } => "rerequested",
        Event::ResultSigned { .. } => "signed",
        Event::Assigned { .. } => "assigned",
        Event::RequestRefused { .. } => "refusal_notice",
    }
}

/// The notification text of an event, Kazakh then Russian.
pub fn text(application: &str, e: &Event) -> String {
    let key = event_key(e);
    [Lang::Kk, Lang::Ru]
        .iter()
        .map(|l| l.t_in_args("notify", key, &[("id", application.into())]))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// A comment to the applicant in a notification, Kazakh then Russian.
pub fn comment_text(comment: &str) -> String {
    [Lang::Kk, Lang::Ru]
        .iter()
        .map(|l| l.t_args("notify-comment", &[("text", comment.into())]))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// How long a node's claim on outbox entries lasts: a dead node's entries wait this long.
pub const CLAIM_LEASE: std::time::Duration = std::time::Duration::from_secs(10);

/// One pass: publish the outbox entries this node claims and send deferred notifications
/// that are due. Returns how many notifications were logged or sent.
pub fn dispatch_once(st: &AppState) -> Result<usize, crate::Problem> {
    let now = st.now();
    let mut n = 0;
    let pending = st.store.claim_outbox(&st.node, 200, CLAIM_LEASE)?;
    let mut published = vec![];
    for entry in &pending {
        let applicant_iin = match &entry.event {
            Event::Submitted { applicant_iin, .. } => applicant_iin.clone(),
            _ => st
                .store
                .application(&entry.application)?
                .map(|a| a.applicant_iin)
                .unwrap_or_default(),
        };
        let phone = st.accounts.by_iin(&applicant_iin)?.and_then(|a| a.phone);
        let mut text = text(&entry.application, &entry.event);
        // A comment the official made to the applicant with this step goes with it.
        if let Event::StepCompleted { step, at, .. } = &entry.event {
            for n in st.accounts.notes(&entry.application)? {
                if n.public && n.step == *step && n.at == ts(*at) {
                    text.push_str(&format!(" — {}", comment_text(&n.note)));
                }
            }
        }
        let m = Message {
            application: entry.application.clone(),
            applicant_iin,
            phone,
            text,
        };
        for s in &st.senders {
            let Some(to) = s.recipient(&m) else { continue };
            let deferred = s.defer_until(now);
            let status = if deferred.is_some() {
                "deferred"
            } else {
                "sending"
            };
            // The row first: it is the claim to send (another node's is there already).
            let Some(id) = st.accounts.log_notification(
                entry.id,
                &m.application,
                s.channel(),
                &to,
                &m.text,
                status,
                now,
                deferred,
            )?
            else {
                continue;
            };
            if deferred.is_none() {
                send(st, s.as_ref(), id, &to, &m.text, now)?;
            }
            n += 1;
            st.metrics.notifications.fetch_add(1, Ordering::Relaxed);
        }
        published.push(entry.id);
    }
    if !published.is_empty() {
        st.store.mark_published(&published, now)?;
    }
    for row in st.accounts.due_notifications(now)? {
        if let Some(s) = st.senders.iter().find(|s| s.channel() == row.channel) {
            // One node moves it out of `deferred`; the others find it gone.
            if st
                .accounts
                .mark_notification(row.id, "sending", now, Some("deferred"))?
            {
                send(st, s.as_ref(), row.id, &row.recipient, &row.message, now)?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Send a notification whose row (`id`) this node holds `sending`, and record how it went.
fn send(
    st: &AppState,
    s: &dyn Sender,
    id: i64,
    to: &str,
    text: &str,
    now: Timestamp,
) -> Result<(), crate::Problem> {
    let status = match s.send(to, text) {
        Ok(()) => "sent",
        Err(e) => {
            tracing::warn!(channel = s.channel(), "notification failed: {e}");
            "failed"
        }
    };
    st.accounts
        .mark_notification(id, status, now, Some("sending"))?;
    Ok(())
}

/// A background job run by one node at a time: the lease's name, how often, and how long the
/// lease lasts (a dead holder's runs out, and another node takes the job).
struct Periodic {
    job: &'static str,
    every_ticks: u64,
    lease: std::time::Duration,
}

/// About every half minute: what time does to the preschool queue (terms lapsing, stop lists
/// ending, proofs expiring), journalled. (Also safe twice: the store runs queue ops in turn,
/// each after the others' events, so a second sweep finds nothing due.)
const QUEUE_SWEEP: Periodic = Periodic {
    job: "preschool-sweep",
    every_ticks: 15,
    lease: std::time::Duration::from_secs(90),
};

/// About every ten minutes: forget portal forms never signed (and their files).
const DRAFT_EXPIRY: Periodic = Periodic {
    job: "draft-expiry",
    every_ticks: 300,
    lease: std::time::Duration::from_secs(900),
};

/// Whether this node runs `p` now: it is time, and the node holds (or took) the lease.
async fn due(st: &AppState, p: &Periodic, ticks: u64) -> bool {
    if !ticks.is_multiple_of(p.every_ticks) {
        return false;
    }
    let s = st.clone();
    let (job, lease) = (p.job, p.lease);
    match tokio::task::spawn_blocking(move || s.store.lease(job, &s.node, lease)).await {
        Ok(Ok(held)) => held,
        Err(e) => {
            tracing::warn!(job = p.job, "lease task: {e}");
            false
        }
        Ok(Err(e)) => {
            tracing::warn!(job = p.job, "cannot take the job's lease: {e}");
            false
        }
    }
}

/// Dispatches every two seconds until `stop` turns true (or the task is aborted); a job
/// under way finishes first. On stopping, gives up this node's leases and claims.
pub async fn run_dispatcher(st: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut ticks: u64 = 0;
    while !*stop.borrow() {
        let s = st.clone();
        match tokio::task::spawn_blocking(move || dispatch_once(&s)).await {
            Ok(Err(p)) => tracing::warn!("notifications: {}", p.detail),
            Err(e) => tracing::warn!("notifications task: {e}"),
            _ => {}
        }
        if due(&st, &QUEUE_SWEEP, ticks).await {
            let s = st.clone();
            match tokio::task::spawn_blocking(move || crate::preschool::advance(&s)).await {
                Ok(Ok(n)) if n > 0 => tracing::info!(events = n, "preschool queue advanced"),
                Ok(Err(p)) => tracing::warn!("preschool queue: {}", p.detail),
                _ => {}
            }
        }
        if due(&st, &DRAFT_EXPIRY, ticks).await {
            let s = st.clone();
            match tokio::task::spawn_blocking(move || crate::uploads::expire_drafts(&s)).await {
                Ok(Ok(n)) if n > 0 => tracing::info!(drafts = n, "expired unsigned form uploads"),
                Ok(Err(p)) => tracing::warn!("draft expiry: {}", p.detail),
                _ => {}
            }
        }
        ticks += 1;
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
            _ = stop.changed() => {}
        }
    }
    let s = st.clone();
    let _ = tokio::task::spawn_blocking(move || {
        if let Err(e) = s.store.release(&s.node) {
            tracing::warn!("cannot give up this node's leases: {e}");
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn quiet_hours_in_almaty() {
        // Almaty is UTC+6 until 1 March 2024.
        assert_eq!(quiet_until(at("2019-12-02T10:00:00Z")), None); // 16:00
        assert_eq!(
            quiet_until(at("2019-12-02T17:30:00Z")), // 23:30
            Some(at("2019-12-03T02:00:00Z"))         // 08:00 next day
        );
        assert_eq!(
            quiet_until(at("2019-12-02T00:30:00Z")), // 06:30
            Some(at("2019-12-02T02:00:00Z"))
        );
        assert_eq!(quiet_until(at("2019-12-02T02:00:00Z")), None); // 08:00 sharp
    }

    #[test]
    fn sms_defers_at_night() {
        let s = SmsSender {
            gateway: |_: &str, _: &str| Ok(()),
        };
        assert!(s.defer_until(at("2019-12-02T17:30:00Z")).is_some());
        let m = Message {
            application: "A".into(),
            applicant_iin: "100515500003".into(),
            phone: None,
            text: "t".into(),
        };
        assert_eq!(s.recipient(&m), None, "no phone, no SMS");
    }
}
