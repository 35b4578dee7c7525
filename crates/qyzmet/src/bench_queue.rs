//! `qyzmet bench queue`: the preschool queue at national scale — N children across D
//! districts; queue-number lookups (p50/p99) beside the same position as a plain SQLite
//! `COUNT(*)` over an index (the reference, measured in the same run); declaring places and
//! issuing all their referrals; then the same through the store (`queue_events` journal,
//! replay on open, one action per declaration or application, each durable before it is
//! acknowledged) with applications at a fixed rate while readers look positions up.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use calendar::Calendar;
use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};
use queue::{Command, Entry, Event, Queue, Rules};
use store::Store;

/// Options of the run.
pub struct Options {
    /// Children.
    pub children: usize,
    /// Districts.
    pub districts: usize,
    /// Places declared in the referral phase.
    pub places: u32,
    /// Applications per second in the sustained phase.
    pub rate: u32,
    /// Seconds of the sustained phase.
    pub seconds: u64,
}

/// The population's seed.
const SEED: u64 = 0x9E37_79B9_7F4A_7C15;
/// Applications per action when the population is journalled through the store.
const BULK: usize = 5_000;
/// Threads submitting in the sustained phase (as many requests in flight as a server's).
const CALLERS: usize = 16;

/// A small deterministic generator (xorshift): the same population every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn rules(districts: usize) -> Result<Rules> {
    let text = std::fs::read_to_string("queues/astana.toml")
        .or_else(|_| {
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../queues/astana.toml"
            ))
        })
        .context("reading queues/astana.toml")?;
    let mut r = Rules::from_toml_str(&text)?;
    let (d0, o0) = (r.districts[0].clone(), r.organisations[0].clone());
    r.districts = (0..districts)
        .map(|i| queue::rules::District {
            id: format!("d{i:03}"),
            ..d0.clone()
        })
        .collect();
    r.organisations = (0..districts * 5)
        .map(|i| queue::rules::Organisation {
            id: format!("d{:03}-o{}", i / 5, i % 5),
            district: format!("d{:03}", i / 5),
            languages: vec!["kk".into(), "ru".into()],
            ..o0.clone()
        })
        .collect();
    Ok(r)
}

fn entry(rng: &mut Rng, i: usize, districts: usize) -> Entry {
    let category = match rng.below(100) {
        0..2 => "priority_orphan",
        2..17 => "priority_large_family",
        _ => "general",
    };
    let birth = date(2020, 10, 1)
        .checked_add(jiff::Span::new().days(i64::try_from(rng.below(1400)).unwrap_or(0)))
        .unwrap_or(date(2022, 1, 1));
    Entry {
        child: format!("c{i}"),
        iin: format!("{i:012}"),
        birth_date: birth,
        district: format!("d{:03}", rng.below(districts as u64)),
        category: category.into(),
        proof_date: None,
        language: Some(if rng.below(3) == 0 { "ru" } else { "kk" }.into()),
        preferred: vec![],
    }
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs the benchmark and prints the figures.
pub fn run(o: &Options, out: &mut impl Write) -> Result<()> {
    let rules = rules(o.districts)?;
    let rules_again = rules.clone();
    let rules_once_more = rules.clone();
    let mut q = Queue::new(rules, Calendar::kz().clone());
    let mut rng = Rng(SEED);
    let start: Timestamp = "2025-09-02T09:00:00+05:00".parse()?;
    let step = SignedDuration::from_millis(50);
    let mut at = start;
    let rss0 = rss_mib();

    writeln!(
        out,
        "preschool queue: {} children, {} districts",
        o.children, o.districts
    )?;
    let t = Instant::now();
    let mut entries = Vec::with_capacity(o.children);
    for i in 0..o.children {
        let e = entry(&mut rng, i, o.districts);
        entries.push((e.district.clone(), e.birth_date, e.category.clone()));
        at += step;
        q.handle(&Command::Enter(e), at)
            .with_context(|| format!("entering child {i}"))?;
    }
    let load = t.elapsed();
    writeln!(
        out,
        "  load (in memory, every application through Queue::handle): {:.2} s, {:.0} applications/s; memory {:.0} MiB",
        load.as_secs_f64(),
        o.children as f64 / load.as_secs_f64(),
        rss_mib().zip(rss0).map_or(0.0, |(a, b)| a - b)
    )?;

    // Position lookups: random children.
    let samples = 100_000.min(o.children * 10);
    let mut lat = Vec::with_capacity(samples);
    let mut found = 0usize;
    for _ in 0..samples {
        let id = format!("c{}", rng.below(o.children as u64));
        let t = Instant::now();
        let n = q.number(&id);
        lat.push(t.elapsed());
        found += usize::from(n.is_some());
    }
    let (p50, p99) = (pct(&mut lat, 0.5), pct(&mut lat, 0.99));
    writeln!(
        out,
        "  queue number (rank with the ratio), {samples} lookups: p50 {}, p99 {} (target p99 < 1 ms); {found} in a line",
        us(p50),
        us(p99)
    )?;

    // The reference: the same position as COUNT(*) over an index in SQLite.
    let dir = tempfile::tempdir()?;
    let db = rusqlite::Connection::open(dir.path().join("ref.db"))?;
    db.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
         CREATE TABLE child(id INTEGER PRIMARY KEY, district TEXT, grp INTEGER, tier INTEGER, applied INTEGER);
         CREATE INDEX line ON child(district, grp, tier, applied, id);",
    )?;
    {
        let tx = db.unchecked_transaction()?;
        let mut ins = tx.prepare("INSERT INTO child VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for (i, (d, b, c)) in entries.iter().enumerate() {
            let tier = if c == "general" { 2 } else { 1 };
            ins.execute(rusqlite::params![i as i64, d, b.year(), tier, i as i64])?;
        }
        drop(ins);
        tx.commit()?;
    }
    let mut stmt = db.prepare(
        "SELECT COUNT(*) FROM child WHERE district = ?1 AND grp = ?2 AND \
         (tier < ?3 OR (tier = ?3 AND (applied, id) < (?4, ?5)))",
    )?;
    let mut lat_sql = Vec::with_capacity(samples);
    for _ in 0..samples {
        let i = rng.below(o.children as u64) as usize;
        let (d, b, c) = &entries[i];
        let tier = if c == "general" { 2 } else { 1 };
        let t = Instant::now();
        let n: i64 = stmt.query_row(
            rusqlite::params![d, b.year(), tier, i as i64, i as i64],
            |r| r.get(0),
        )?;
        lat_sql.push(t.elapsed());
        std::hint::black_box(n);
    }
    drop(stmt);
    let (s50, s99) = (pct(&mut lat_sql, 0.5), pct(&mut lat_sql, 0.99));
    writeln!(
        out,
        "  reference: SQLite COUNT(*) over an index, same lookups: p50 {}, p99 {}; ratio p99 reference/qyzmet {:.1}×",
        us(s50),
        us(s99),
        s99.as_secs_f64() / p99.as_secs_f64().max(1e-9)
    )?;

    // Declaring places and issuing their referrals.
    let groups = ["y2", "y3", "y4"];
    let lines = o.districts as u32 * 3;
    let per = o.places.div_ceil(lines).max(1);
    let mut declared = 0u32;
    let mut referrals = 0usize;
    at += SignedDuration::from_hours(1);
    let t = Instant::now();
    'outer: for d in 0..o.districts {
        for g in groups {
            if declared >= o.places {
                break 'outer;
            }
            let count = per.min(o.places - declared);
            let ev = q.handle(
                &Command::DeclarePlaces {
                    organisation: format!("d{d:03}-o0"),
                    group: g.into(),
                    language: "kk".into(),
                    count,
                },
                at,
            )?;
            declared += count;
            referrals += ev
                .iter()
                .filter(|e| matches!(e, Event::ReferralIssued { .. }))
                .count();
        }
    }
    let took = t.elapsed();
    writeln!(
        out,
        "  declaring {declared} places and issuing their referrals: {:.1} ms ({referrals} referrals; target < 1 s)",
        took.as_secs_f64() * 1e3
    )?;

    drop(q);

    // Through the store: the same population journalled (queue_events, one hash chain) and
    // replayed, then places and applications as user actions, each durable when acknowledged.
    let ctx = Arc::new(engine::Ctx::new(
        vec![],
        Arc::new(engine::time::KzTime::new()),
    ));
    let store = Arc::new(store::SqliteStore::open(dir.path().join("store.db"), ctx)?);
    store.attach_queue(Queue::new(rules_again, Calendar::kz().clone()))?;
    let mut rng2 = Rng(SEED);
    let mut at = start;
    let t = Instant::now();
    let mut i = 0;
    while i < o.children {
        let mut action = store::Action::new(at);
        for _ in 0..BULK.min(o.children - i) {
            at += step;
            action = action.queue(Command::Enter(entry(&mut rng2, i, o.districts)));
            i += 1;
        }
        action.now = at;
        store.act(action)?;
    }
    let load = t.elapsed();
    let t = Instant::now();
    drop(store);
    let store = Arc::new(store::SqliteStore::open(
        dir.path().join("store.db"),
        Arc::new(engine::Ctx::new(
            vec![],
            Arc::new(engine::time::KzTime::new()),
        )),
    )?);
    store.attach_queue(Queue::new(rules_once_more, Calendar::kz().clone()))?;
    let replay = t.elapsed();
    writeln!(
        out,
        "  through the store: {} applications journalled in actions of {BULK}: {:.1} s ({:.0} /s); reopened and replayed in {:.1} s",
        o.children,
        load.as_secs_f64(),
        o.children as f64 / load.as_secs_f64(),
        replay.as_secs_f64()
    )?;

    // Declaring places through the store: one action, one transaction, durable.
    at += SignedDuration::from_hours(1);
    let mut action = store::Action::new(at);
    let mut declared = 0u32;
    'places: for d in 0..o.districts {
        for g in groups {
            if declared >= o.places {
                break 'places;
            }
            let count = per.min(o.places - declared);
            action = action.queue(Command::DeclarePlaces {
                organisation: format!("d{d:03}-o1"),
                group: g.into(),
                language: "kk".into(),
                count,
            });
            declared += count;
        }
    }
    let t = Instant::now();
    let done = store.act(action)?;
    let took = t.elapsed();
    writeln!(
        out,
        "  through the store: declaring {declared} places and issuing their referrals, one durable action: {:.1} ms ({} referrals; target < 1 s)",
        took.as_secs_f64() * 1e3,
        done.queue_events
            .iter()
            .filter(|e| matches!(e, Event::ReferralIssued { .. }))
            .count()
    )?;

    // Sustained: applications at a fixed rate as store actions from several callers, each
    // durable before acknowledged (latency from when it was due), readers meanwhile.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let n_children = o.children;
    let readers: Vec<_> = (0..2)
        .map(|k| {
            let (store, stop) = (store.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut rng = Rng(0xDEAD_BEEF + k);
                let mut lat = vec![];
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let id = format!("c{}", rng.below(n_children as u64));
                    let t = Instant::now();
                    let n = store.queue().read(|q| q.number(&id));
                    lat.push(t.elapsed());
                    std::hint::black_box(n);
                }
                lat
            })
        })
        .collect();
    let total = o.rate as u64 * o.seconds;
    let interval = Duration::from_secs_f64(1.0 / f64::from(o.rate.max(1)));
    let (tx, rx) = std::sync::mpsc::channel::<(Instant, Entry, Timestamp)>();
    let rx = Arc::new(Mutex::new(rx));
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (store, rx) = (store.clone(), rx.clone());
            std::thread::spawn(move || -> Result<Vec<Duration>> {
                let mut lat = vec![];
                loop {
                    let job = rx.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.recv();
                    let Ok((due, e, at)) = job else {
                        return Ok(lat);
                    };
                    store.act(store::Action::new(at).queue(Command::Enter(e)))?;
                    lat.push(due.elapsed());
                }
            })
        })
        .collect();
    let t0 = Instant::now();
    for i in 0..total {
        let due = t0 + interval * u32::try_from(i).unwrap_or(u32::MAX);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        at += step;
        let e = entry(&mut rng, o.children + i as usize, o.districts);
        tx.send((due, e, at))?;
    }
    drop(tx);
    let mut write_lat = vec![];
    for c in callers {
        write_lat.extend(
            c.join()
                .map_err(|_| anyhow::anyhow!("a caller panicked"))??,
        );
    }
    let elapsed = t0.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut read_lat: Vec<Duration> = readers
        .into_iter()
        .flat_map(|h| h.join().unwrap_or_default())
        .collect();
    let reads = read_lat.len();
    let stats = store.stats();
    writeln!(
        out,
        "  sustained through the store: {total} applications at {} /s target from {CALLERS} callers → {:.0} /s achieved, each durable before acknowledged: p50 {}, p99 {} (from when due; {} transactions); meanwhile {reads} lookups, p99 {}",
        o.rate,
        total as f64 / elapsed.as_secs_f64(),
        us(pct(&mut write_lat, 0.5)),
        us(pct(&mut write_lat, 0.99)),
        stats.transactions,
        us(pct(&mut read_lat, 0.99)),
    )?;
    Ok(())
}
