//! Crash test of the server: the real `qyzmet serve` is killed with SIGKILL at random moments
//! while citizens submit signed portal applications with uploads, an office clerk registers
//! paper applications and a State Corporation operator takes applications in — all over HTTP,
//! each request with its own `Idempotency-Key`. After every restart each acknowledged action
//! (a 2xx answer arrived) must be in the store exactly once; a request cut by the kill is
//! "unknown" and its client retries it with the same key until it is answered (the first
//! attempt's application, `replayed`, or a new one, never two). After the last restart the
//! acknowledged applications are checked through the API (the citizen's cabinet, the holder's
//! inbox, the organisation's list, the detail with its uploads), against the store (past the
//! automatic steps, intakes past acceptance, nothing half-written, one submission per key) and
//! with `qyzmet journal verify` and `qyzmet views rebuild --check`. It runs on the embedded
//! store and, once more, with the server on PostgreSQL (`--database`, a fresh schema).
//!
//! A second test runs the same load on a small tmpfs while the disk fills up and is freed and
//! while the database is made read-only and writable again (see its doc): the embedded store
//! only, whose file is the server's; PostgreSQL's disk is its database server's.
//!
//! `QYZMET_CRASH_KILLS` sets the number of kills (default 20, about 90 s; the long run is
//! `QYZMET_CRASH_KILLS=200 cargo test -p qyzmet --test server_crash`, about 4 s a kill),
//! `QYZMET_CRASH_SEED` replays a run's random moments (the seed is printed),
//! `QYZMET_CRASH_VERBOSE=1` reports every kill and every failed login attempt. The summary
//! line goes to stderr past the harness's capture.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// A regulation with portal, office and State Corporation channels, in force in Dec 2019.
const REG: &str = "ekr-free-meals-tvet";
const PROVIDER: &str = "tvet_organisation-1";
const OFFICE_CLERK: &str = "tvet_organisation-1.office_clerk";
const SC_OPERATOR: &str = "state_corporation.state_corporation_operator";
/// 2019-12-03 10:00 in Almaty (UTC+6 then), a Tuesday: the server clock starts here, plus the
/// time the test has run (so it never goes back across restarts).
const BASE: &str = "2019-12-03T04:00:00Z";

/// Valid data for REG's application (the engine refuses an application without it).
fn sample_data() -> Value {
    serde_json::to_value(testkit::seed_ctx().sample_data(REG, BASE.parse().unwrap(), 0)).unwrap()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn regulations() -> PathBuf {
    root().join("regulations")
}

/// Past the test harness's capture: the summary must be seen in CI logs.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A small deterministic generator: the seed is printed so a run can be replayed.
#[derive(Clone)]
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (self.0 >> 33) % (hi - lo)
    }
}

// ---- a minimal HTTP/1.1 client ---------------------------------------------------------------

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[derive(Debug)]
enum HttpError {
    /// No connection: the request was not sent (the server is down).
    Refused,
    /// Sent (maybe partly) with no whole answer: its outcome is unknown.
    Cut,
}

fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Resp, HttpError> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|_| HttpError::Refused)?;
    let cut = |_| HttpError::Cut;
    s.set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(cut)?;
    s.set_write_timeout(Some(Duration::from_secs(30)))
        .map_err(cut)?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: application/json\r\n"
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body.unwrap_or_default());
    s.write_all(&out).map_err(cut)?;
    let mut raw = vec![];
    s.read_to_end(&mut raw).map_err(cut)?;
    parse_response(&raw).ok_or(HttpError::Cut)
}

fn parse_response(raw: &[u8]) -> Option<Resp> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let body = if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        let mut body = vec![];
        let mut at = 0;
        loop {
            let nl = rest[at..].windows(2).position(|w| w == b"\r\n")? + at;
            let size_text = std::str::from_utf8(&rest[at..nl]).ok()?;
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            at = nl + 2;
            if size == 0 {
                break;
            }
            body.extend_from_slice(rest.get(at..at + size)?);
            at += size + 2;
        }
        body
    } else if let Some(n) = get("content-length") {
        let n: usize = n.parse().ok()?;
        rest.get(..n)?.to_vec()
    } else {
        rest.to_vec()
    };
    Some(Resp {
        status,
        headers,
        body,
    })
}

/// A logged-in session: cookie and CSRF token.
#[derive(Clone)]
struct Session {
    cookie: String,
    csrf: String,
}

impl Session {
    fn headers<'a>(&'a self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut h = vec![
            ("Cookie", self.cookie.as_str()),
            ("X-CSRF-Token", self.csrf.as_str()),
        ];
        h.extend_from_slice(extra);
        h
    }
}

/// A session, or why not: `Err((true, _))` when the server was down or cut the answer.
fn try_login(addr: SocketAddr, login: &str, password: &str) -> Result<Session, (bool, String)> {
    let body = json!({"login": login, "password": password}).to_string();
    let r = http(addr, "POST", "/api/auth/login", &[], Some(body.as_bytes()))
        .map_err(|e| (true, format!("{e:?}")))?;
    if r.status != 200 {
        return Err((false, format!("login {login}: {} {}", r.status, r.text())));
    }
    let cookie = r
        .header("set-cookie")
        .iter()
        .map(|c| c.split(';').next().unwrap_or("").to_string())
        .find(|c| c.starts_with("qz_session="))
        .ok_or((false, "no session cookie".to_string()))?;
    let csrf = r.json()["csrf"].as_str().unwrap_or_default().to_string();
    Ok(Session { cookie, csrf })
}

/// Logs in, retrying while the server is down (a 4xx is a failure).
fn login(addr: SocketAddr, login: &str, password: &str) -> Session {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match try_login(addr, login, password) {
            Ok(s) => return s,
            Err((false, e)) => panic!("{e}"),
            Err((true, e)) => {
                if std::env::var_os("QYZMET_CRASH_VERBOSE").is_some() {
                    say(&format!("login {login}: {e}"));
                }
                assert!(Instant::now() < deadline, "cannot log in as {login}: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

fn get_json(addr: SocketAddr, s: &Session, path: &str) -> Value {
    let r = http(addr, "GET", path, &s.headers(&[]), None)
        .unwrap_or_else(|e| panic!("GET {path}: {e:?}"));
    assert_eq!(r.status, 200, "GET {path}: {}", r.text());
    r.json()
}

/// Every id of a list, page by page.
fn list_ids(addr: SocketAddr, s: &Session, query: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let mut path = format!("/api/applications?limit=200&{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = get_json(addr, s, &path);
        for item in page["items"].as_array().expect("items") {
            let id = item["id"].as_str().expect("id").to_string();
            assert!(ids.insert(id.clone()), "{id} twice in the list {query}");
        }
        cursor = page["next_cursor"].as_str().map(String::from);
        if cursor.is_none() {
            return ids;
        }
    }
    panic!("the list {query} does not end");
}

// ---- the server process ----------------------------------------------------------------------

struct Server {
    child: Child,
}

fn start_server(
    data: &Path,
    db: &Place,
    addr: SocketAddr,
    as_of: jiff::Timestamp,
    log: &Path,
) -> Server {
    start_server_as(data, db, addr, as_of, log, None)
}

/// The server, as an unprivileged user when `uid` is given (file modes bind it: root
/// ignores them, so a read-only database can only be shown to a server that is not root).
fn start_server_as(
    data: &Path,
    db: &Place,
    addr: SocketAddr,
    as_of: jiff::Timestamp,
    log: &Path,
    uid: Option<u32>,
) -> Server {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let mut cmd = match uid {
        Some(u) => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid", &u.to_string(), "--regid", &u.to_string()])
                .args(["--clear-groups", env!("CARGO_BIN_EXE_qyzmet")]);
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_qyzmet")),
    };
    let mut child = cmd
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args(db.database_flags())
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--regulations")
        .arg(regulations())
        .arg("--as-of")
        .arg(as_of.to_string())
        // The head's signature is the server's demo key here (signing in a browser through
        // NCALayer is the server's `ncalayer_e2e`); outside demo servers it is refused.
        .arg("--demo")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Read to the end so that the pipe never fills.
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line.contains("qyzmet serving on") {
                let _ = tx.send(());
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if rx.recv_timeout(Duration::from_millis(100)).is_ok() {
            return Server { child };
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the server exited at start: {status} (see its log)");
        }
        assert!(Instant::now() < deadline, "the server did not start");
    }
}

impl Server {
    /// SIGKILL now (see Drop).
    fn kill(self) {
        drop(self)
    }
}

/// SIGKILL, also when the test fails: no server outlives it.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }
}

// ---- clients -----------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Portal,
    Office,
    Sc,
}

/// An acknowledged action.
#[derive(Debug, Clone)]
struct Ack {
    kind: Kind,
    key: String,
    id: String,
    applicant_iin: String,
    /// SHA-256 of the uploaded documents, sorted (portal).
    uploads: Vec<String>,
}

#[derive(Default)]
struct Shared {
    acks: Mutex<Vec<Ack>>,
    /// Requests cut by a kill (sent, no whole answer), each counted once however often cut.
    unknown: AtomicU64,
    /// Cut requests whose retry answered the first attempt's application (`replayed`).
    retried_replayed: AtomicU64,
    /// Cut requests whose retry created the application (the first attempt had not).
    retried_created: AtomicU64,
    /// Definite answers other than 2xx (each one fails the test), but for 503.
    errors: Mutex<Vec<String>>,
    /// 503 answers: the store refused the write (disk full, read-only); retried later.
    refused: AtomicU64,
    /// Steps completed by their holders (answered 200): (application, step).
    acts: Mutex<Vec<(String, u64)>>,
    /// Completions cut by a kill whose retry found the step already done (409, or 403 when the
    /// next step is another role's): applied once before the kill — the journal decides.
    acts_cut: Mutex<Vec<(String, u64)>>,
    /// Milliseconds spent in answered requests, and how many, per kind (for the summary).
    answered_ms: [AtomicU64; 3],
    answered: [AtomicU64; 3],
    /// Clients logged in (the kills start once all are: sessions outlive restarts).
    logged_in: AtomicU64,
    /// Finish the request in hand (retrying it until answered), then stop.
    drain: AtomicBool,
}

/// One request of a client: what to send again after a kill.
struct Pending {
    key: String,
    path: &'static str,
    body: Vec<u8>,
    applicant_iin: String,
    uploads: Vec<String>,
    cut: bool,
}

/// A tiny PDF, unique to its key (so each file is its own row).
fn pdf(key: &str, n: usize) -> Vec<u8> {
    format!(
        "%PDF-1.4\n% qyzmet crash test {key} document {n}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

struct Citizen {
    iin: String,
    key: identity::keys::PrivateKey,
    cert: identity::x509_cert::Certificate,
}

/// The instant the server's clock shows about now (it starts each run at `BASE` plus the
/// test's time so far).
fn server_now(base: jiff::Timestamp, started: Instant) -> jiff::Timestamp {
    base.checked_add(jiff::SignedDuration::try_from(started.elapsed()).unwrap())
        .unwrap()
}

fn portal_request(
    c: &Citizen,
    key: &str,
    docs: usize,
    base: jiff::Timestamp,
    started: Instant,
) -> Pending {
    let documents: Vec<Value> = (0..docs)
        .map(|n| {
            json!({
                "field": "documents",
                "filename": format!("doc-{n}.pdf"),
                "content_base64": server::signing::base64_encode(&pdf(key, n)),
            })
        })
        .collect();
    // Citizens apply again and again for the same student: repeated applications, confirmed.
    let mut body = json!({"regulation": REG, "provider": PROVIDER, "documents": documents,
                          "data": sample_data(), "confirm_duplicate": true});
    let req: server::ops::PortalSubmission = serde_json::from_value(body.clone()).unwrap();
    let signing_time = server_now(base, started)
        .checked_sub(jiff::SignedDuration::from_secs(1))
        .unwrap();
    let cms = identity::ecp::sign_cms(
        &req.request_bytes(&c.iin, key),
        &c.key,
        &c.cert,
        &identity::ecp::SignOptions {
            signing_time: Some(signing_time),
            ..Default::default()
        },
    )
    .unwrap();
    body["signature"] = json!(server::signing::base64_encode(&cms));
    let mut uploads: Vec<String> = (0..docs)
        .map(|n| documents::content_hash(&pdf(key, n)))
        .collect();
    uploads.sort();
    Pending {
        key: key.to_string(),
        path: "/api/applications",
        body: body.to_string().into_bytes(),
        applicant_iin: c.iin.clone(),
        uploads,
        cut: false,
    }
}

fn intake_request(kind: Kind, key: &str, iin: &str, name: &str) -> Pending {
    let mut body = json!({
        "regulation": REG,
        "applicant_iin": iin,
        "applicant_name": name,
        "decision": "accept",
        "data": sample_data(),
        "confirm_duplicate": true,
    });
    let path = match kind {
        Kind::Sc => {
            body["provider"] = json!(PROVIDER);
            "/api/sc/applications"
        }
        _ => "/api/office/applications",
    };
    Pending {
        key: key.to_string(),
        path,
        body: body.to_string().into_bytes(),
        applicant_iin: iin.to_string(),
        uploads: vec![],
        cut: false,
    }
}

/// Runs one client until drained: `next` makes its n-th request.
fn client(
    addr: SocketAddr,
    shared: Arc<Shared>,
    kind: Kind,
    who: (&str, &str),
    mut next: impl FnMut(usize) -> Pending,
) {
    let mut session = login(addr, who.0, who.1);
    shared.logged_in.fetch_add(1, Ordering::SeqCst);
    let mut pending: Option<Pending> = None;
    let mut n = 0;
    loop {
        let mut p = match pending.take() {
            Some(p) => p,
            None => {
                if shared.drain.load(Ordering::SeqCst) {
                    return;
                }
                n += 1;
                next(n)
            }
        };
        let headers = session.headers(&[("Idempotency-Key", p.key.as_str())]);
        let t = Instant::now();
        match http(addr, "POST", p.path, &headers, Some(&p.body)) {
            Ok(r) if r.status == 200 || r.status == 201 => {
                shared.answered_ms[kind as usize]
                    .fetch_add(t.elapsed().as_millis() as u64, Ordering::SeqCst);
                shared.answered[kind as usize].fetch_add(1, Ordering::SeqCst);
                let v = r.json();
                let id = v["id"].as_str().unwrap_or_default().to_string();
                let replayed = v["replayed"].as_bool().unwrap_or(false);
                if id.is_empty() || replayed != (r.status == 200) {
                    shared.errors.lock().unwrap().push(format!(
                        "{} {}: {}",
                        p.key,
                        r.status,
                        r.text()
                    ));
                }
                if p.cut {
                    let c = if replayed {
                        &shared.retried_replayed
                    } else {
                        &shared.retried_created
                    };
                    c.fetch_add(1, Ordering::SeqCst);
                } else if replayed {
                    shared
                        .errors
                        .lock()
                        .unwrap()
                        .push(format!("{}: replayed on its first answer", p.key));
                }
                shared.acks.lock().unwrap().push(Ack {
                    kind,
                    key: p.key,
                    id,
                    applicant_iin: p.applicant_iin,
                    uploads: p.uploads,
                });
            }
            Ok(r) if r.status == 503 => {
                // Refused, nothing written: the same request again later (if it had been
                // written, the retry would answer `replayed` and fail the test).
                shared.refused.fetch_add(1, Ordering::SeqCst);
                pending = Some(p);
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(r) if r.status == 401 => {
                // A session lost? Log in again and send the same request.
                session = login(addr, who.0, who.1);
                pending = Some(p);
            }
            Ok(r) => {
                shared.errors.lock().unwrap().push(format!(
                    "{} {} {}: {}",
                    p.key,
                    p.path,
                    r.status,
                    r.text()
                ));
            }
            Err(HttpError::Refused) => {
                pending = Some(p);
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(HttpError::Cut) => {
                if !p.cut {
                    shared.unknown.fetch_add(1, Ordering::SeqCst);
                }
                p.cut = true;
                pending = Some(p);
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// The staff at work: takes an acknowledged application, and the holder of its current step
/// (clerk, head, executor of the provider; the State Corporation's operator and issuer)
/// completes it — "done", with the identity document shown where the result is handed over.
/// A completion cut by a kill is sent again until answered: 200 (it had not been applied) or
/// 409 (it had, and the step moved on); never applied twice.
fn step_worker(addr: SocketAddr, shared: Arc<Shared>, seed: u64) {
    let mut r = Lcg(seed ^ 0x57e9);
    let mut admin = login(addr, "admin", server::demo::ADMIN_PASSWORD);
    let mut staff: BTreeMap<String, Session> = BTreeMap::new();
    let mut no_account: BTreeSet<String> = BTreeSet::new();
    shared.logged_in.fetch_add(1, Ordering::SeqCst);
    while !shared.drain.load(Ordering::SeqCst) {
        let id = {
            let acks = shared.acks.lock().unwrap();
            if acks.is_empty() {
                None
            } else {
                Some(acks[r.next(0, acks.len() as u64) as usize].id.clone())
            }
        };
        let Some(id) = id else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let d = match http(
            addr,
            "GET",
            &format!("/api/applications/{id}"),
            &admin.headers(&[]),
            None,
        ) {
            Ok(resp) if resp.status == 200 => resp.json(),
            Ok(resp) if resp.status == 401 => {
                admin = login(addr, "admin", server::demo::ADMIN_PASSWORD);
                continue;
            }
            _ => {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let cur = &d["current"];
        let (Some(step), Some(role), Some(holder)) = (
            cur["step"].as_u64(),
            cur["role"].as_str(),
            cur["holder"].as_str(),
        ) else {
            continue; // closed, or waiting for a system
        };
        let login_name = format!("{holder}.{role}");
        if no_account.contains(&login_name) {
            continue;
        }
        let mut body = json!({"step": step, "outcome": "done", "note": "crash test"});
        if cur["needs_presented"].as_bool() == Some(true) {
            body["presented"] = json!("identity_document");
        }
        // The head names the first executor offered (`<org>.executor`), who acts next.
        if let Some(first) = cur["executors"].get(0) {
            body["executor"] = first["login"].clone();
        }
        let body = body.to_string().into_bytes();
        let path = format!("/api/applications/{id}/actions");
        let mut cut = false;
        loop {
            if !staff.contains_key(&login_name) {
                match try_login(addr, &login_name, server::demo::STAFF_PASSWORD) {
                    Ok(s) => {
                        staff.insert(login_name.clone(), s);
                    }
                    Err((true, _)) => {
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    }
                    Err((false, _)) => {
                        // No demo account for this role: its files wait.
                        no_account.insert(login_name.clone());
                        break;
                    }
                }
            }
            let session = &staff[&login_name];
            match http(addr, "POST", &path, &session.headers(&[]), Some(&body)) {
                Ok(resp) if resp.status == 200 => {
                    shared.acts.lock().unwrap().push((id.clone(), step));
                    break;
                }
                // A retry after a cut: the step had been completed and moved on — to another
                // step (409) or to another role's (403 `forbidden.role`). The journal decides.
                Ok(resp)
                    if cut
                        && (resp.status == 409
                            || (resp.status == 403
                                && resp.json()["rule"] == json!("forbidden.role"))) =>
                {
                    shared.acts_cut.lock().unwrap().push((id.clone(), step));
                    break;
                }
                Ok(resp) if resp.status == 401 => {
                    staff.remove(&login_name);
                }
                Ok(resp) if resp.status == 503 => {
                    shared.refused.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(50));
                }
                Ok(resp) => {
                    shared.errors.lock().unwrap().push(format!(
                        "{login_name} completing step {step} of {id}: {} {}",
                        resp.status,
                        resp.text()
                    ));
                    break;
                }
                Err(HttpError::Refused) => std::thread::sleep(Duration::from_millis(20)),
                Err(HttpError::Cut) => {
                    cut = true;
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    }
}

/// Every completion answered 200 is in the journal exactly once; none is there twice.
fn check_acts(db: &Place, shared: &Shared, when: &str) {
    let mut c = db.open();
    let acts = shared.acts.lock().unwrap().clone();
    let cut = shared.acts_cut.lock().unwrap().clone();
    for (id, step) in acts.iter().chain(&cut) {
        let n = c.completions(id, *step);
        assert_eq!(n, 1, "{when}: step {step} of {id} completed {n} times");
    }
}

// ---- checks over the store ------------------------------------------------------------------

/// Where the server keeps its store: the embedded file in its data directory, or a schema of
/// the test PostgreSQL database.
enum Place {
    File(PathBuf),
    Postgres(testkit::pg::Schema),
}

impl Place {
    /// What `serve` and `demo-data` are given besides `--data`.
    fn database_flags(&self) -> Vec<String> {
        match self {
            Place::File(_) => vec![],
            Place::Postgres(s) => vec![
                "--database".into(),
                testkit::pg::uri(),
                "--database-schema".into(),
                s.name().into(),
            ],
        }
    }

    /// What the store commands (`journal verify`, `views rebuild`) are given.
    fn store_flags(&self) -> Vec<String> {
        match self {
            Place::File(db) => vec!["--db".into(), db.display().to_string()],
            Place::Postgres(_) => self.database_flags(),
        }
    }

    /// A reading connection, beside the server.
    fn open(&self) -> Reader {
        match self {
            Place::File(db) => Reader::Sqlite(
                rusqlite::Connection::open_with_flags(
                    db,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .unwrap(),
            ),
            Place::Postgres(s) => {
                let mut c = testkit::pg::client().unwrap();
                c.batch_execute(&format!("SET search_path TO \"{}\"", s.name()))
                    .unwrap();
                Reader::Postgres(Box::new(c))
            }
        }
    }
}

/// The same questions in either store's SQL (the tables and columns are the same).
enum Reader {
    Sqlite(rusqlite::Connection),
    Postgres(Box<testkit::pg::postgres::Client>),
}

impl Reader {
    /// A field of a journal entry's event (JSON text), as text.
    fn event(&self, field: &str) -> String {
        match self {
            Reader::Sqlite(_) => format!("CAST(json_extract(event, '$.{field}') AS TEXT)"),
            Reader::Postgres(_) => format!("(event::jsonb ->> '{field}')"),
        }
    }

    fn count(&mut self, sql: &str) -> i64 {
        match self {
            Reader::Sqlite(c) => c.query_row(sql, [], |r| r.get(0)),
            Reader::Postgres(c) => return c.query_one(sql, &[]).unwrap().get(0),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Every row of a query whose columns are all text.
    fn rows(&mut self, sql: &str) -> Vec<Vec<String>> {
        match self {
            Reader::Sqlite(c) => {
                let mut st = c.prepare_cached(sql).unwrap();
                let n = st.column_count();
                st.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            }
            Reader::Postgres(c) => c
                .query(sql, &[])
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .iter()
                .map(|r| (0..r.len()).map(|i| r.get(i)).collect())
                .collect(),
        }
    }

    /// How many times step `step` of `id` was completed.
    fn completions(&mut self, id: &str, step: impl std::fmt::Display) -> i64 {
        let sql = format!(
            "SELECT count(*) FROM journal WHERE application = '{id}' \
             AND {} = 'step_completed' AND {} = '{step}'",
            self.event("event"),
            self.event("step"),
        );
        self.count(&sql)
    }
}

/// Submissions per client key (the part after the account scope `account-N:`).
fn submissions_by_key(c: &mut Reader) -> BTreeMap<String, Vec<String>> {
    let sql = format!(
        "SELECT {}, application FROM journal WHERE {} = 'submitted'",
        c.event("key"),
        c.event("event")
    );
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in c.rows(&sql) {
        let key = row[0].rsplit(':').next().unwrap_or_default().to_string();
        m.entry(key).or_default().push(row[1].clone());
    }
    m
}

/// Nothing half-written: every file link has its application and file, every file a link,
/// every list row its application and every application its list row and journal.
fn check_whole(c: &mut Reader, when: &str) {
    let submitted = format!(
        "SELECT count(*) FROM journal WHERE {} = 'submitted' \
         AND application NOT IN (SELECT id FROM applications)",
        c.event("event")
    );
    for (what, sql) in [
        (
            "file links without an application",
            "SELECT count(*) FROM application_files WHERE application NOT IN (SELECT id FROM applications)",
        ),
        (
            "file links without a file",
            "SELECT count(*) FROM application_files WHERE sha256 NOT IN (SELECT sha256 FROM files)",
        ),
        (
            "files nothing links to",
            "SELECT count(*) FROM files WHERE sha256 NOT IN \
             (SELECT sha256 FROM application_files UNION SELECT sha256 FROM drafts)",
        ),
        (
            "list rows without an application",
            "SELECT count(*) FROM app_list WHERE id NOT IN (SELECT id FROM applications)",
        ),
        (
            "applications without a list row",
            "SELECT count(*) FROM applications WHERE id NOT IN (SELECT id FROM app_list)",
        ),
        (
            "applications without a journal",
            "SELECT count(*) FROM applications WHERE id NOT IN (SELECT application FROM journal)",
        ),
        ("submitted applications without their row", &submitted),
        (
            "views behind the journal",
            "SELECT count(*) FROM applications a WHERE app_seq <> \
             (SELECT max(app_seq) FROM journal j WHERE j.application = a.id)",
        ),
        (
            "idempotency keys without their application",
            "SELECT count(*) FROM idempotency WHERE application NOT IN (SELECT id FROM applications)",
        ),
        (
            "portal applications without their files",
            "SELECT count(*) FROM applications WHERE channel = 'portal' \
             AND id NOT IN (SELECT application FROM application_files)",
        ),
    ] {
        assert_eq!(c.count(sql), 0, "{when}: {what}");
    }
}

/// Every acknowledged action present exactly once, with its files (read while the server runs).
fn check_acks(db: &Place, acks: &[Ack], when: &str) {
    let mut c = db.open();
    let by_key = submissions_by_key(&mut c);
    for (key, apps) in &by_key {
        assert_eq!(
            apps.len(),
            1,
            "{when}: key {key} submitted {} times: {apps:?}",
            apps.len()
        );
    }
    for a in acks {
        assert_eq!(
            by_key.get(&a.key),
            Some(&vec![a.id.clone()]),
            "{when}: acknowledged {:?} {} ({}) lost or moved",
            a.kind,
            a.id,
            a.key
        );
        let linked: Vec<String> = c
            .rows(&format!(
                "SELECT sha256 FROM application_files WHERE application = '{}' ORDER BY sha256",
                a.id
            ))
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(linked, a.uploads, "{when}: files of {}", a.id);
        let rows = c.count(&format!(
            "SELECT count(*) FROM app_list WHERE id = '{}'",
            a.id
        ));
        assert_eq!(rows, 1, "{when}: list row of {}", a.id);
    }
    check_whole(&mut c, when);
}

/// Mean answer time per kind.
fn latency(s: &Shared) -> String {
    [Kind::Portal, Kind::Office, Kind::Sc]
        .iter()
        .map(|&k| {
            let n = s.answered[k as usize].load(Ordering::SeqCst).max(1);
            format!(
                "{k:?} {} ms",
                s.answered_ms[k as usize].load(Ordering::SeqCst) / n
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn run_cli(args: &[&str], db: &Place) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args(args)
        .args(db.store_flags())
        .arg("--dir")
        .arg(regulations())
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Demo organisations, accounts and signing keys in `data`: (the server clock's base, when
/// the test started, the demo citizens with their keys).
fn demo_setup(data: &Path, db: &Place) -> (jiff::Timestamp, Instant, Vec<Citizen>) {
    let out = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .arg("demo-data")
        .arg("--data")
        .arg(data)
        .args(db.database_flags())
        .arg("--regulations")
        .arg(regulations())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    for login in [OFFICE_CLERK, SC_OPERATOR, "admin"] {
        assert!(
            table.contains(login),
            "demo data has no `{login}`:\n{table}"
        );
    }
    let base: jiff::Timestamp = BASE.parse().unwrap();
    let started = Instant::now();
    let citizens: Vec<Citizen> = {
        let pki =
            server::signing::Pki::open_or_init(&data.join(server::signing::PKI_DIR), base).unwrap();
        server::demo::CITIZENS
            .iter()
            .map(|(iin, name, _)| {
                let (key, cert) = pki
                    .citizen_key(&identity::Iin::parse(iin).unwrap(), name, base)
                    .unwrap();
                Citizen {
                    iin: iin.to_string(),
                    key,
                    cert,
                }
            })
            .collect()
    };

    (base, started, citizens)
}

/// The clients: a citizen each on the portal (1–2 uploads), an office clerk, an operator;
/// returns once all have logged in.
fn spawn_clients(
    addr: SocketAddr,
    shared: &Arc<Shared>,
    citizens: Vec<Citizen>,
    base: jiff::Timestamp,
    started: Instant,
    seed: u64,
) -> Vec<std::thread::JoinHandle<()>> {
    let mut clients = vec![];
    for (i, c) in citizens.into_iter().enumerate() {
        let shared = shared.clone();
        let mut r = Lcg(seed ^ (i as u64 + 1));
        clients.push(std::thread::spawn(move || {
            let iin = c.iin.clone();
            client(
                addr,
                shared,
                Kind::Portal,
                (&iin, server::demo::CITIZEN_PASSWORD),
                |n| {
                    let key = format!("portal-{i}-{n}-{seed}");
                    portal_request(&c, &key, r.next(1, 3) as usize, base, started)
                },
            )
        }));
    }
    for (kind, who) in [(Kind::Office, OFFICE_CLERK), (Kind::Sc, SC_OPERATOR)] {
        let shared = shared.clone();
        let mut r = Lcg(seed ^ kind as u64 ^ 0xfeed);
        clients.push(std::thread::spawn(move || {
            client(
                addr,
                shared,
                kind,
                (who, server::demo::STAFF_PASSWORD),
                |n| {
                    let (iin, name, _) = server::demo::CITIZENS[r.next(0, 4) as usize];
                    intake_request(kind, &format!("{kind:?}-{n}-{seed}"), iin, name)
                },
            )
        }));
    }

    {
        let shared = shared.clone();
        clients.push(std::thread::spawn(move || step_worker(addr, shared, seed)));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while shared.logged_in.load(Ordering::SeqCst) < clients.len() as u64 {
        assert!(Instant::now() < deadline, "the clients cannot log in");
        std::thread::sleep(Duration::from_millis(20));
    }

    clients
}

/// Let the clients finish what is in hand (retrying until answered); no answer but 2xx (and
/// 503, retried) came. The acknowledged actions.
fn drain(shared: &Shared, clients: Vec<std::thread::JoinHandle<()>>) -> Vec<Ack> {
    shared.drain.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().expect("a client panicked");
    }
    let errors = shared.errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "answers other than 2xx: {errors:#?}");
    shared.acks.lock().unwrap().clone()
}

/// Every application the store has is an acknowledged one: each cut or refused request was
/// retried with its key until answered, so nothing else may have been created.
fn no_phantoms(db: &Place, acks: &[Ack]) {
    {
        let stored: BTreeSet<String> = submissions_by_key(&mut db.open())
            .into_values()
            .flatten()
            .collect();
        let acked: BTreeSet<String> = acks.iter().map(|a| a.id.clone()).collect();
        assert_eq!(
            acked.len(),
            acks.len(),
            "two acknowledgements name one application"
        );
        let phantom: Vec<_> = stored.difference(&acked).collect();
        assert!(
            phantom.is_empty(),
            "applications nobody was told of: {phantom:?}"
        );
    }
}

/// `qyzmet journal verify` and `qyzmet views rebuild --check` (no difference).
fn verify_cli(db: &Place) {
    let (ok, out) = run_cli(&["journal", "verify"], db);
    assert!(ok, "qyzmet journal verify: {out}");
    let (ok, out) = run_cli(&["views", "rebuild", "--check"], db);
    assert!(
        ok && out.contains(" 0 difference(s)"),
        "qyzmet views rebuild --check: {out}"
    );
}

#[test]
fn acknowledged_server_actions_survive_sigkill() {
    survive_sigkill(None);
}

#[test]
fn acknowledged_server_actions_survive_sigkill_on_postgres() {
    if testkit::pg::available() {
        survive_sigkill(Some(testkit::pg::Schema::fresh()));
    }
}

/// The kills, with the store in `data` (None) or in the PostgreSQL `schema`.
fn survive_sigkill(schema: Option<testkit::pg::Schema>) {
    let kills: usize = std::env::var("QYZMET_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let seed = std::env::var("QYZMET_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let tag = if schema.is_some() { "-pg" } else { "" };
    let dir = TempDir(
        std::env::temp_dir().join(format!("qyzmet-server-crash{tag}-{}", std::process::id())),
    );
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(&dir.0).unwrap();
    let data = dir.0.join("data");
    let db = match schema {
        Some(s) => Place::Postgres(s),
        None => Place::File(data.join("qyzmet.db")),
    };
    let log = dir.0.join("server.log");
    say(&format!(
        "server crash test: seed {seed} (QYZMET_CRASH_SEED={seed} replays it), {kills} kills, data {}",
        data.display()
    ));
    let mut rng = Lcg(seed);

    let (base, started, citizens) = demo_setup(&data, &db);
    let addr: SocketAddr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let shared = Arc::new(Shared::default());
    let mut server = start_server(&data, &db, addr, server_now(base, started), &log);

    let clients = spawn_clients(addr, &shared, citizens, base, started, seed);
    // Kill at random moments; after each restart, everything acknowledged so far is there.
    for k in 1..=kills {
        std::thread::sleep(Duration::from_millis(rng.next(200, 2500)));
        server.kill();
        let acks = shared.acks.lock().unwrap().clone();
        server = start_server(&data, &db, addr, server_now(base, started), &log);
        check_acks(&db, &acks, &format!("after kill {k}"));
        check_acts(&db, &shared, &format!("after kill {k}"));
        if k.is_multiple_of(5) || k == kills || std::env::var_os("QYZMET_CRASH_VERBOSE").is_some() {
            say(&format!(
                "kill {k}: {} acknowledged, {} unknown so far; {}",
                acks.len(),
                shared.unknown.load(Ordering::SeqCst),
                latency(&shared)
            ));
        }
    }
    // Let the clients finish what is in hand (the retries of cut requests), then check.
    let acks = drain(&shared, clients);
    check_acks(&db, &acks, "after the last restart");
    check_acts(&db, &shared, "after the last restart");
    let unknown = shared.unknown.load(Ordering::SeqCst);
    let (replayed, created) = (
        shared.retried_replayed.load(Ordering::SeqCst),
        shared.retried_created.load(Ordering::SeqCst),
    );
    assert_eq!(
        replayed + created,
        unknown,
        "every cut request answered on retry"
    );
    let per_kind = |k: Kind| acks.iter().filter(|a| a.kind == k).count();
    assert!(
        [Kind::Portal, Kind::Office, Kind::Sc]
            .iter()
            .all(|&k| per_kind(k) >= (kills / 2).max(1)),
        "too little was acknowledged to prove anything: {} portal, {} office, {} State Corporation",
        per_kind(Kind::Portal),
        per_kind(Kind::Office),
        per_kind(Kind::Sc)
    );

    no_phantoms(&db, &acks);
    assert!(
        !shared.acts.lock().unwrap().is_empty(),
        "the staff completed no step"
    );

    // Through the API: the detail with its uploads, past the automatic steps; the citizen's
    // cabinet; the organisation's list; the inbox of whoever holds the current step.
    let admin = login(addr, "admin", server::demo::ADMIN_PASSWORD);
    let mut holders: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for a in &acks {
        let d = get_json(addr, &admin, &format!("/api/applications/{}", a.id));
        assert_eq!(d["id"], json!(a.id));
        let mut up: Vec<String> = d["uploads"]
            .as_array()
            .expect("uploads")
            .iter()
            .map(|u| u["sha256"].as_str().unwrap().to_string())
            .collect();
        up.sort();
        assert_eq!(up, a.uploads, "{}: uploads", a.id);
        let cur = &d["current"];
        if cur.is_null() && d["status"] == json!("closed") {
            continue; // the staff took it to the end
        }
        assert!(cur.is_object(), "{}: no current step: {d}", a.id);
        holders
            .entry((
                cur["holder"].as_str().unwrap().to_string(),
                cur["role"].as_str().unwrap().to_string(),
            ))
            .or_default()
            .push(a.id.clone());
    }
    for ((holder, role), ids) in &holders {
        let s = login(
            addr,
            &format!("{holder}.{role}"),
            server::demo::STAFF_PASSWORD,
        );
        let inbox = list_ids(addr, &s, "scope=inbox");
        for id in ids {
            assert!(
                inbox.contains(id),
                "{id} not in the inbox of {holder}.{role}"
            );
        }
    }
    for (iin, _, _) in server::demo::CITIZENS {
        let s = login(addr, iin, server::demo::CITIZEN_PASSWORD);
        let cabinet = list_ids(addr, &s, "");
        for a in acks.iter().filter(|a| a.applicant_iin == iin) {
            assert!(
                cabinet.contains(&a.id),
                "{} not in the cabinet of {iin}",
                a.id
            );
        }
    }
    let provider_list = list_ids(
        addr,
        &login(addr, OFFICE_CLERK, server::demo::STAFF_PASSWORD),
        "scope=all",
    );
    let sc_list = list_ids(
        addr,
        &login(addr, SC_OPERATOR, server::demo::STAFF_PASSWORD),
        "scope=all",
    );
    for a in &acks {
        let list = if a.kind == Kind::Sc {
            &sc_list
        } else {
            &provider_list
        };
        assert!(
            list.contains(&a.id),
            "{} ({:?}) not in its staff list",
            a.id,
            a.kind
        );
    }
    // Search finds them by id.
    for a in acks.iter().step_by(7) {
        let found = list_ids(addr, &admin, &format!("q={}", a.id));
        assert!(found.contains(&a.id), "search for {} finds nothing", a.id);
    }
    server.kill();

    // Against the store: past the automatic steps; intakes past acceptance (once).
    let ctx = server::load_context(Some(&regulations())).unwrap();
    {
        let mut c = db.open();
        let mut acted: BTreeMap<&str, i64> = BTreeMap::new();
        let (acts, cut) = (
            shared.acts.lock().unwrap().clone(),
            shared.acts_cut.lock().unwrap().clone(),
        );
        for (id, _) in acts.iter().chain(&cut) {
            *acted.entry(id.as_str()).or_default() += 1;
        }
        for a in &acks {
            let json = c.rows(&format!(
                "SELECT state FROM applications WHERE id = '{}'",
                a.id
            ));
            let app: engine::Application = serde_json::from_str(&json[0][0]).unwrap();
            assert!(
                engine::automatic_step(&app, &ctx).is_none(),
                "{} ({:?}) stopped at automatic step {}",
                a.id,
                a.kind,
                app.step
            );
            let plan = ctx.plan(&app.regulation, app.version, app.channel).unwrap();
            let first = server::ops::first_person_step(plan).unwrap();
            assert!(
                app.step >= first.index,
                "{}: before its first person's step",
                a.id
            );
            // One note per completion by staff, besides the intake's.
            let n = c.count(&format!(
                "SELECT count(*) FROM notes WHERE application = '{}'",
                a.id
            )) - acted.get(a.id.as_str()).copied().unwrap_or(0);
            if a.kind != Kind::Portal {
                let done = c.completions(&a.id, first.index);
                assert_eq!(done, 1, "{}: acceptance completed {done} times", a.id);
                assert!(app.step > first.index, "{}: not past acceptance", a.id);
                assert_eq!(n, 1, "{}: the intake's note", a.id);
            } else {
                assert_eq!(n, 0, "{}: notes on a portal submission", a.id);
            }
        }
    }
    verify_cli(&db);

    say(&format!(
        "server crash test: {kills} kills; acknowledged {} portal (with uploads), {} office, {} State Corporation, \
         {} steps completed by staff ({} cut and found done on retry); \
         {} unknown (cut by a kill; on retry {} replayed, {} created); lost 0, duplicates 0; \
         journal verified, views 0 difference(s)",
        per_kind(Kind::Portal),
        per_kind(Kind::Office),
        per_kind(Kind::Sc),
        shared.acts.lock().unwrap().len(),
        shared.acts_cut.lock().unwrap().len(),
        unknown,
        replayed,
        created,
    ));
}

// ---- faults of the disk: full, read-only --------------------------------------------------------

/// A tmpfs of its own (unmounted on drop): a disk that fills up.
struct Tmpfs(PathBuf);
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// GET /ready: (status, the store's state).
fn ready(addr: SocketAddr) -> Option<(u16, String)> {
    let r = http(addr, "GET", "/ready", &[], None).ok()?;
    let state = r.json()["store"]["state"]
        .as_str()
        .unwrap_or("")
        .to_string();
    Some((r.status, state))
}

/// Polls /ready until `want(status, state)` holds; panics after `secs`.
fn await_ready(addr: SocketAddr, secs: u64, what: &str, want: impl Fn(u16, &str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = None;
    while Instant::now() < deadline {
        if let Some((status, state)) = ready(addr) {
            if want(status, &state) {
                return;
            }
            last = Some((status, state));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what}: /ready still answers {last:?} after {secs} s");
}

/// Acknowledged so far.
fn acked(shared: &Shared) -> usize {
    shared.acks.lock().unwrap().len()
}

/// Waits until `n` more actions are acknowledged (the load goes on).
fn await_acks(shared: &Shared, n: usize, what: &str) {
    let target = acked(shared) + n;
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked(shared) < target {
        assert!(
            Instant::now() < deadline,
            "{what}: no new acknowledgement in 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if path.exists() {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// The fault harness beyond SIGKILL: the same mixed load while the disk fills up and is freed,
/// and while the database is made read-only and writable again; a SIGKILL between. The
/// server must refuse what it cannot write (503, `/ready` says why), acknowledge nothing it
/// did not write, and take writes again once the fault is gone — without a restart. After
/// each restart and at the end: every acknowledged action once, nothing else, journal
/// verified, views equal a rebuild.
///
/// Needs root (to mount a tmpfs and to run the server as `nobody`, whom file modes bind):
/// under CI=true a machine without them fails the test. The embedded store only: the faults
/// are of its file.
#[test]
fn acknowledged_actions_survive_disk_full_and_read_only() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok();
    if !testkit::require(
        root && setpriv,
        "root and setpriv (to mount a tmpfs and run the server as nobody)",
    ) {
        return;
    }
    const NOBODY: u32 = 65534;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let dir =
        TempDir(std::env::temp_dir().join(format!("qyzmet-server-faults-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    let mnt = dir.0.join("disk");
    std::fs::create_dir_all(&mnt).unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=160m,mode=0777", "tmpfs"])
        .arg(&mnt)
        .status()
        .unwrap()
        .success();
    assert!(ok, "cannot mount a tmpfs at {}", mnt.display());
    let _mounted = Tmpfs(mnt.clone());
    let data = mnt.join("data");
    let db = Place::File(data.join("qyzmet.db"));
    let log = dir.0.join("server.log");
    say(&format!(
        "server fault test: seed {seed}, data on a 160 MB tmpfs {}",
        data.display()
    ));
    let (base, started, citizens) = demo_setup(&data, &db);
    let ok = Command::new("chown")
        .args(["-R", &format!("{NOBODY}:{NOBODY}")])
        .arg(&data)
        .status()
        .unwrap()
        .success();
    assert!(ok, "chown the data directory to nobody");
    let addr: SocketAddr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let start = || {
        start_server_as(
            &data,
            &db,
            addr,
            server_now(base, started),
            &log,
            Some(NOBODY),
        )
    };
    let shared = Arc::new(Shared::default());
    let mut server = start();
    let clients = spawn_clients(addr, &shared, citizens, base, started, seed);
    await_acks(&shared, 20, "before any fault");

    // 1. The disk fills up: writes are refused (503), /ready says `full`; freed, they go on.
    let ballast = mnt.join("ballast");
    {
        let mut f = std::fs::File::create(&ballast).unwrap();
        let chunk = vec![0u8; 1 << 20];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    }
    let refused_before = shared.refused.load(Ordering::SeqCst);
    await_ready(addr, 60, "disk full", |status, state| {
        status == 503 && state == "full"
    });
    let acks_full = shared.acks.lock().unwrap().clone();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        shared.refused.load(Ordering::SeqCst) > refused_before,
        "disk full: no write was refused"
    );
    std::fs::remove_file(&ballast).unwrap();
    await_ready(addr, 30, "disk freed", |status, _| status == 200);
    await_acks(&shared, 10, "after the disk was freed");
    check_acks(&db, &acks_full, "after the disk was full");
    say(&format!(
        "disk full: {} refused (503), /ready `full`; writes again once freed; {} acknowledged so far",
        shared.refused.load(Ordering::SeqCst) - refused_before,
        acked(&shared)
    ));

    // 2. A SIGKILL between the faults.
    server.kill();
    let acks = shared.acks.lock().unwrap().clone();
    server = start();
    check_acks(&db, &acks, "after the kill");
    check_acts(&db, &shared, "after the kill");
    await_acks(&shared, 10, "after the restart");

    // 3. The database made read-only: refused, /ready `read_only`; writable again, on.
    let refused_before = shared.refused.load(Ordering::SeqCst);
    let files = ["qyzmet.db", "qyzmet.db-wal", "qyzmet.db-shm"].map(|f| data.join(f));
    for f in &files[..2] {
        chmod(f, 0o444);
    }
    await_ready(addr, 30, "read-only", |status, state| {
        status == 503 && state == "read_only"
    });
    let acks_ro = shared.acks.lock().unwrap().clone();
    std::thread::sleep(Duration::from_millis(1500));
    let refused_ro = shared.refused.load(Ordering::SeqCst) - refused_before;
    assert!(refused_ro > 0, "read-only: no write was refused");
    for f in &files[..2] {
        chmod(f, 0o644);
    }
    await_ready(addr, 30, "writable again", |status, _| status == 200);
    await_acks(&shared, 10, "after the database was writable again");
    check_acks(&db, &acks_ro, "after the database was read-only");
    say(&format!(
        "read-only: {refused_ro} refused (503), /ready `read_only`; writes again once writable; {} acknowledged so far",
        acked(&shared)
    ));

    // The end: drain, restart once more, check everything.
    let acks = drain(&shared, clients);
    server.kill();
    let server = start();
    check_acks(&db, &acks, "at the end");
    check_acts(&db, &shared, "at the end");
    no_phantoms(&db, &acks);
    drop(server);
    verify_cli(&db);
    let per_kind = |k: Kind| acks.iter().filter(|a| a.kind == k).count();
    say(&format!(
        "server fault test: disk full and read-only survived; acknowledged {} portal, {} office, {} State Corporation, {} steps completed by staff; {} refused (503) and retried; lost 0, duplicates 0; journal verified, views 0 difference(s)",
        per_kind(Kind::Portal),
        per_kind(Kind::Office),
        per_kind(Kind::Sc),
        shared.acts.lock().unwrap().len(),
        shared.refused.load(Ordering::SeqCst)
    ));
}
