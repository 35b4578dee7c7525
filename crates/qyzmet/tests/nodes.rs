//! Several nodes on one PostgreSQL: three real `qyzmet serve` processes share a fresh schema
//! (and a data directory, for the development CA), clients spread over them — office clerks
//! registering applications, each with an `Idempotency-Key`, officials completing steps on
//! whichever node — and one node is killed with SIGKILL mid-run. A request cut by the kill is
//! retried, same key, on another node. Then, on the database: every acknowledged submission is
//! one application (one `submitted` entry, one idempotency key), every acknowledged step one
//! journal entry, every outbox entry published with one notification per channel, every SMS
//! the shared stand-in gateway got is one `sent` row (none twice), the preschool queue's
//! sweep journalled nothing twice; the survivors stop gracefully on SIGTERM, giving up their
//! leases. Needs PostgreSQL (fails under CI without it, else skips).

mod common;

use common::serve::{Server, free_port, http, login, qyzmet};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const REG: &str = "ekr-free-meals-tvet";
const CLERK: &str = "tvet_organisation-1.office_clerk";
const AS_OF: &str = "2019-12-03T04:00:00Z";

fn sample_data() -> Value {
    serde_json::to_value(testkit::seed_ctx().sample_data(REG, AS_OF.parse().unwrap(), 0)).unwrap()
}

/// One request to whichever node answers, starting at `first`: a node that is down (refused)
/// or cuts the answer (killed) is passed over, the same request going to the next.
fn any_node(
    ports: &[u16],
    alive: &[AtomicBool],
    first: usize,
    f: impl Fn(u16) -> Option<common::serve::Http>,
) -> common::serve::Http {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut i = first;
    loop {
        assert!(Instant::now() < deadline, "no node answered");
        let n = i % ports.len();
        i += 1;
        if !alive[n].load(Ordering::SeqCst) {
            continue;
        }
        if let Some(r) = f(ports[n]) {
            return r;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `http` that answers None instead of panicking when the node is gone.
fn try_http(
    port: u16,
    method: &str,
    path: &str,
    h: &[(&str, &str)],
    body: &str,
) -> Option<common::serve::Http> {
    let (method, path, body) = (method.to_string(), path.to_string(), body.to_string());
    let h: Vec<(String, String)> = h
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    std::thread::spawn(move || {
        let h: Vec<(&str, &str)> = h.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        http(port, &method, &path, &h, &body)
    })
    .join()
    .ok()
    .filter(|r| r.status != 503)
}

#[test]
fn three_nodes_one_killed_nothing_lost_nothing_twice() {
    if !testkit::pg::available() {
        return;
    }
    let schema = testkit::pg::Schema::fresh();
    let dir = testkit::tempdir("nodes");
    let sms = dir.path().join("sms.log");
    let db = [
        "--database",
        &testkit::pg::uri(),
        "--database-schema",
        schema.name(),
    ];
    let out = qyzmet(dir.path())
        .args(["demo-data", "--data-dir", "data"])
        .args(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let mut nodes: Vec<Option<Server>> = ports
        .iter()
        .map(|p| {
            let mut c = qyzmet(dir.path());
            c.args(["serve", "--data-dir", "data", "--demo", "--as-of", AS_OF])
                .args(db)
                .args(["--listen", &format!("127.0.0.1:{p}")])
                .arg("--sms-log")
                .arg(&sms)
                .env("RUST_LOG", "warn");
            Some(Server::start(c, *p))
        })
        .collect();
    let alive: Arc<Vec<AtomicBool>> = Arc::new((0..3).map(|_| AtomicBool::new(true)).collect());
    for p in &ports {
        assert_eq!(http(*p, "GET", "/health", &[], "").status, 200);
        assert_eq!(http(*p, "GET", "/ready", &[], "").status, 200);
    }

    // Sessions live in the store: one login serves every node.
    let (cookie, csrf) = login(ports[0], CLERK, server::demo::STAFF_PASSWORD, "nodes-clerk");
    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<Mutex<BTreeMap<String, String>>> = Arc::default(); // key → application
    let acts: Arc<Mutex<Vec<(String, u64)>>> = Arc::default();
    let data = sample_data();
    let mut clients = vec![];
    for c in 0..3usize {
        let (ports, alive, stop, acked) =
            (ports.clone(), alive.clone(), stop.clone(), acked.clone());
        let (cookie, csrf, data) = (cookie.clone(), csrf.clone(), data.clone());
        clients.push(std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let key = format!("nodes-{c}-{n}");
                let (iin, name, _) = server::demo::CITIZENS[n % 4];
                let body = json!({"regulation": REG, "applicant_iin": iin, "applicant_name": name,
                    "decision": "accept", "data": data, "confirm_duplicate": true})
                .to_string();
                let r = any_node(&ports, &alive, c + n, |p| {
                    try_http(
                        p,
                        "POST",
                        "/api/office/applications",
                        &[
                            ("Cookie", &cookie),
                            ("X-CSRF-Token", &csrf),
                            ("Idempotency-Key", &key),
                        ],
                        &body,
                    )
                });
                assert!(
                    r.status == 200 || r.status == 201,
                    "{key}: {} {}",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                );
                let id = r.json()["id"].as_str().unwrap().to_string();
                acked.lock().unwrap().insert(key, id);
            }
        }));
    }
    // Officials: take acknowledged applications forward, as the holder of the current step,
    // on any node.
    let official = {
        let (ports, alive, stop, acked, acts) = (
            ports.clone(),
            alive.clone(),
            stop.clone(),
            acked.clone(),
            acts.clone(),
        );
        let cookie = cookie.clone();
        std::thread::spawn(move || {
            let mut sessions: BTreeMap<String, (String, String)> = BTreeMap::new();
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                let ids: Vec<String> = acked.lock().unwrap().values().cloned().collect();
                for id in ids.iter().rev().take(5) {
                    n += 1;
                    let d = any_node(&ports, &alive, n, |p| {
                        try_http(
                            p,
                            "GET",
                            &format!("/api/applications/{id}"),
                            &[("Cookie", &cookie)],
                            "",
                        )
                    });
                    if d.status != 200 {
                        continue;
                    }
                    let d = d.json();
                    let cur = &d["current"];
                    let (Some(step), Some(role), Some(holder)) = (
                        cur["step"].as_u64(),
                        cur["role"].as_str(),
                        cur["holder"].as_str(),
                    ) else {
                        continue;
                    };
                    let who = format!("{holder}.{role}");
                    if !sessions.contains_key(&who) || sessions[&who].0.is_empty() {
                        let r = http(
                            ports[0],
                            "POST",
                            "/api/auth/login",
                            &[],
                            &json!({"login": who, "password": server::demo::STAFF_PASSWORD})
                                .to_string(),
                        );
                        if r.status != 200 {
                            continue; // no demo account for this role
                        }
                        let c = r
                            .headers_named("set-cookie")
                            .map(|c| c.split(';').next().unwrap_or("").to_string())
                            .find(|c| c.starts_with("qz_session="))
                            .unwrap();
                        sessions.insert(
                            who.clone(),
                            (c, r.json()["csrf"].as_str().unwrap().to_string()),
                        );
                    }
                    let (c, x) = sessions[&who].clone();
                    let mut body = json!({"step": step, "outcome": "done", "note": "nodes"});
                    if cur["needs_presented"].as_bool() == Some(true) {
                        body["presented"] = json!("identity_document");
                    }
                    if let Some(first) = cur["executors"].get(0) {
                        body["executor"] = first["login"].clone();
                    }
                    let body = body.to_string();
                    let r = any_node(&ports, &alive, n, |p| {
                        try_http(
                            p,
                            "POST",
                            &format!("/api/applications/{id}/actions"),
                            &[("Cookie", &c), ("X-CSRF-Token", &x)],
                            &body,
                        )
                    });
                    if r.status == 200 {
                        acts.lock().unwrap().push((id.clone(), step));
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };

    std::thread::sleep(Duration::from_secs(4));
    // kill -9 the second node mid-run.
    alive[1].store(false, Ordering::SeqCst);
    let killed = nodes[1].take().unwrap();
    let before_kill = acked.lock().unwrap().len();
    drop(killed); // Server's drop is SIGKILL and wait
    std::thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    official.join().unwrap();
    let acked = acked.lock().unwrap().clone();
    let acts = acts.lock().unwrap().clone();
    assert!(
        acked.len() > before_kill,
        "submissions went on after the kill"
    );

    // The outbox drains on the survivors, the dead node's claims running out.
    let mut pg = testkit::pg::client().unwrap();
    pg.batch_execute(&format!("SET search_path TO \"{}\"", schema.name()))
        .unwrap();
    let count = |pg: &mut testkit::pg::postgres::Client, sql: &str| -> i64 {
        pg.query_one(sql, &[]).unwrap().get(0)
    };
    let deadline = Instant::now() + Duration::from_secs(40);
    while count(
        &mut pg,
        "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL",
    ) > 0
    {
        assert!(Instant::now() < deadline, "the outbox did not drain");
        std::thread::sleep(Duration::from_millis(500));
    }

    // Every acknowledged submission is one application, journalled once.
    let ids: BTreeSet<&String> = acked.values().collect();
    assert_eq!(ids.len(), acked.len(), "two keys, one application");
    assert_eq!(
        count(&mut pg, "SELECT COUNT(*) FROM applications") as usize,
        ids.len()
    );
    assert_eq!(
        count(
            &mut pg,
            "SELECT COUNT(*) FROM journal WHERE event::jsonb->>'event' = 'submitted'"
        ) as usize,
        ids.len()
    );
    // Every acknowledged step is one journal entry.
    for (id, step) in &acts {
        let n: i64 = pg
            .query_one(
                "SELECT COUNT(*) FROM journal WHERE application = $1
                   AND event::jsonb->>'event' = 'step_completed' AND (event::jsonb->>'step')::bigint = $2",
                &[id, &(*step as i64)],
            )
            .unwrap()
            .get(0);
        assert_eq!(n, 1, "{id} step {step}");
    }
    // Every outbox entry published, with one `log` notification; none sent twice.
    assert_eq!(
        count(
            &mut pg,
            "SELECT COUNT(*) FROM outbox o WHERE NOT EXISTS
            (SELECT 1 FROM notifications n WHERE n.outbox_id = o.id AND n.channel = 'log')"
        ),
        0,
        "an outbox entry without its notification"
    );
    let sent_sms = count(
        &mut pg,
        "SELECT COUNT(*) FROM notifications WHERE channel = 'sms' AND status = 'sent'",
    );
    let sending = count(
        &mut pg,
        "SELECT COUNT(*) FROM notifications WHERE status = 'sending'",
    );
    let lines = std::fs::read_to_string(&sms)
        .unwrap_or_default()
        .lines()
        .count() as i64;
    assert!(sent_sms > 0, "SMS were sent");
    // The killed node may have sent one whose row it could not mark: at most those.
    assert!(
        lines >= sent_sms && lines <= sent_sms + sending,
        "{lines} SMS delivered, {sent_sms} rows sent, {sending} left sending"
    );
    // The queue sweep (one node at a time, and idempotent) journalled nothing twice.
    assert_eq!(
        count(
            &mut pg,
            "SELECT COUNT(*) FROM (SELECT event FROM queue_events GROUP BY event HAVING COUNT(*) > 1) d"
        ),
        0
    );
    let jobs = count(&mut pg, "SELECT COUNT(*) FROM outbox");
    // The survivors stop on SIGTERM, finishing and giving up their leases and claims.
    for (i, s) in nodes.iter_mut().enumerate() {
        let Some(s) = s else { continue };
        assert!(s.terminate(), "graceful stop: {}{}", s.stdout(), s.logs());
        let mine = format!("127.0.0.1:{}/%", ports[i]);
        let held: i64 = pg
            .query_one("SELECT COUNT(*) FROM leases WHERE holder LIKE $1", &[&mine])
            .unwrap()
            .get(0);
        assert_eq!(held, 0, "node {i} kept a lease after stopping");
    }
    eprintln!(
        "nodes: {} submissions, {} steps acknowledged ({} before the kill), {jobs} outbox entries, {sent_sms} SMS",
        acked.len(),
        acts.len(),
        before_kill
    );
}
