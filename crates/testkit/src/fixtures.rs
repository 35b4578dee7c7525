//! Fixtures over the engine (and the store): the seed catalogue, its engine context on the real
//! calendar, a plain clock for rules that do not depend on the calendar, a store on disk.

use std::sync::Arc;

use engine::time::KzTime;
use engine::{Ctx, LegalTime};
use jiff::{Timestamp, ToSpan};
use regulation::{Catalogue, Duration, Regulation, Seeds, Unit};

use crate::regulations_dir;

/// Every regulation in `regulations/`; panics unless the catalogue lints clean.
pub fn seed_regulations() -> Vec<Regulation> {
    let dir = regulations_dir();
    let cat = Catalogue::load(&dir, &Seeds::discover(&dir));
    assert_eq!(
        cat.error_count(),
        0,
        "the catalogue must lint clean: run `qyzmet lint regulations/`"
    );
    cat.regulations.into_iter().map(|l| l.regulation).collect()
}

/// The engine context over the seed catalogue on Kazakhstan's legal time.
pub fn seed_ctx() -> Arc<Ctx> {
    Arc::new(Ctx::new(seed_regulations(), Arc::new(KzTime::new())))
}

/// Days as 24 hours, months as 30 days, minutes and hours added literally; the local date is
/// UTC+6: enough to test rules that do not depend on the calendar.
pub struct Plain;

impl LegalTime for Plain {
    fn step_due(&self, start: Timestamp, d: Duration) -> Timestamp {
        self.after(start, d)
    }
    fn term_due(&self, accepted: Timestamp, d: Duration, counted: bool) -> Timestamp {
        let t = self.after(accepted, d);
        if counted { t } else { t + 24.hours() }
    }
    fn before(&self, due: Timestamp, d: Duration) -> Timestamp {
        due - (self.after(due, d) - due)
    }
    fn after(&self, t: Timestamp, d: Duration) -> Timestamp {
        let v = d.value as i64;
        match d.unit {
            Unit::Seconds => t + v.seconds(),
            Unit::Minutes => t + v.minutes(),
            Unit::Hours => t + v.hours(),
            Unit::Months => t + (30 * 24 * v).hours(),
            _ => t + (24 * v).hours(),
        }
    }
    fn local_date(&self, t: Timestamp) -> jiff::civil::Date {
        (t + 6.hours())
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
    }
}

/// A SQLite store in a fresh temporary directory (its file `qyzmet.db`); the directory goes
/// when the returned [`TempDir`](crate::TempDir) is dropped, so keep it alive.
#[cfg(feature = "store")]
pub fn temp_store(tag: &str, ctx: Arc<Ctx>) -> (crate::TempDir, store::SqliteStore) {
    let dir = crate::tempdir(tag);
    let s = store::SqliteStore::open(dir.path().join("qyzmet.db"), ctx).expect("open the store");
    (dir, s)
}

/// A PostgreSQL store on a fresh schema of the test database, dropped after the store; None
/// when PostgreSQL does not answer (see [`crate::pg::available`]: a failure under CI).
#[cfg(all(feature = "store", feature = "pg"))]
pub fn temp_pg_store(ctx: Arc<Ctx>) -> Option<PgTestStore> {
    if !crate::pg::available() {
        return None;
    }
    let schema = crate::pg::Schema::fresh();
    let store = store::PgStore::open(&crate::pg::url(), schema.name(), ctx)
        .expect("open the PostgreSQL store");
    Some(PgTestStore {
        store,
        _schema: schema,
    })
}

/// A [`store::PgStore`] whose schema goes when it is dropped (after the store).
#[cfg(all(feature = "store", feature = "pg"))]
pub struct PgTestStore {
    pub store: store::PgStore,
    _schema: crate::pg::Schema,
}

#[cfg(all(feature = "store", feature = "pg"))]
impl std::ops::Deref for PgTestStore {
    type Target = store::PgStore;
    fn deref(&self) -> &store::PgStore {
        &self.store
    }
}
