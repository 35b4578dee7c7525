//! The preschool queue (seed 001, part 1: "Placing children of preschool age in the queue for
//! referral to preschool organisations"): children ordered per district and age group by
//! category and date, the queue number computed as the child's rank at an instant, referrals
//! issued as organisations declare places, with their deadlines from the calendar.
//!
//! * [`Rules`] — a region's rules as data (`queues/<region>.toml`), each rule with its source.
//! * [`Queue`] — the state, changed only by [`Event`]s: [`Queue::handle`] checks a
//!   [`Command`] (nothing changes when it is refused), then returns the events it caused, each
//!   already applied; [`Queue::advance`] returns what time alone causes (deadlines lapsing,
//!   stop lists ending, proofs expiring, a new preschool year, children leaving for school).
//!   [`Queue::apply`] replays journalled events: the state is a pure function of them.
//!
//! The order of a line (one district, one age group): extraordinary children by date of
//! application, then priority and general children alternating by the rules' ratio from
//! where the last referral left it. The queue number is the rank in that order — never stored,
//! so it is always 1..n. A referral goes to the first child in the order who can take that
//! place (old enough, not on the stop list, the place's language, one of the kindergartens the
//! parent chose); those passed over keep their rank and the referral records why.
//!
//! Not for: storage (the store journals the events), pages, the service's engine steps.

pub mod rules;

use std::collections::{BTreeSet, HashMap};

use calendar::Calendar;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan, ZonedDateTime};
use serde::{Deserialize, Serialize};

pub use rules::{Rules, Tier};

/// What went wrong; each names the field and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// The rules file is wrong.
    #[error("queue rules: {field}: {rule}")]
    Rules {
        /// The field.
        field: String,
        /// The rule it breaks.
        rule: String,
    },
    /// A command is refused.
    #[error("{field}: {rule}")]
    Refused {
        /// The field of the command.
        field: &'static str,
        /// The rule it breaks.
        rule: String,
    },
}

fn refuse<T>(field: &'static str, rule: impl Into<String>) -> Result<T, QueueError> {
    Err(QueueError::Refused {
        field,
        rule: rule.into(),
    })
}

/// A child's queue record as the application gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The application's id: the child's record is the application.
    pub child: String,
    /// The child's IIN (never shown publicly).
    pub iin: String,
    /// Date of birth.
    pub birth_date: Date,
    /// The district whose queue.
    pub district: String,
    /// Category id (the rules' `categories`).
    pub category: String,
    /// Date of the document proving the category, when it has a limited validity.
    #[serde(default)]
    pub proof_date: Option<Date>,
    /// Language of upbringing wanted (`kk`, `ru`); none: any.
    #[serde(default)]
    pub language: Option<String>,
    /// Organisations the parent chose; empty: any in the district.
    #[serde(default)]
    pub preferred: Vec<String>,
}

/// What a user asks of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Put a child in the queue.
    Enter(Entry),
    /// A new category (or a renewed proof).
    ChangeCategory {
        /// The child.
        child: String,
        /// New category id.
        category: String,
        /// Date of the new proving document.
        proof_date: Option<Date>,
    },
    /// An organisation declares free places.
    DeclarePlaces {
        /// The organisation.
        organisation: String,
        /// The age group.
        group: String,
        /// The group's language.
        language: String,
        /// How many.
        count: u32,
    },
    /// The parent accepts a referral.
    Accept {
        /// The referral.
        referral: u64,
    },
    /// The parent asks for the longer enrolment term.
    Extend {
        /// The referral.
        referral: u64,
    },
    /// The parent declines a referral: the child goes back to the line at their date.
    Decline {
        /// The referral.
        referral: u64,
    },
    /// The organisation enrols the child: the child leaves the queue.
    Enrol {
        /// The referral.
        referral: u64,
    },
    /// The parent withdraws the child from the queue.
    Withdraw {
        /// The child.
        child: String,
    },
}

/// Why a child's category changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryReason {
    /// The parent (or staff) changed it.
    Request,
    /// The proving document's validity ended: back to the general tier.
    ProofExpired,
}

/// How a referral's child was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Choice {
    /// Extraordinary children come first.
    Extraordinary,
    /// The ratio's turn was `slot`; the child is of tier `given`: other than `slot` when no
    /// child of the slot's tier could take the place.
    Ratio {
        /// Whose turn it was.
        slot: Tier,
        /// Whom it went to.
        given: Tier,
    },
}

/// Why a child ahead in the order did not get a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    /// Younger than the age the queue moves from.
    TooYoung,
    /// On the stop list.
    StopList,
    /// Wants another language.
    Language,
    /// Chose other organisations.
    Preference,
    /// Declined this place before.
    Declined,
}

/// Everything that happens to the queue; the journal keeps these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A child entered the queue.
    Entered {
        /// The record.
        entry: Entry,
        /// Date and time of application: the child's place in their tier.
        at: Timestamp,
    },
    /// A child's category changed.
    CategoryChanged {
        /// The child.
        child: String,
        /// The new category.
        category: String,
        /// The new proof's date.
        proof_date: Option<Date>,
        /// Why.
        reason: CategoryReason,
        /// When.
        at: Timestamp,
    },
    /// Places declared.
    PlacesDeclared {
        /// The organisation.
        organisation: String,
        /// Age group.
        group: String,
        /// Language.
        language: String,
        /// How many.
        count: u32,
        /// When.
        at: Timestamp,
    },
    /// A referral issued.
    ReferralIssued {
        /// Its number.
        referral: u64,
        /// The child.
        child: String,
        /// The place.
        place: u64,
        /// The organisation.
        organisation: String,
        /// Age group.
        group: String,
        /// Language.
        language: String,
        /// When.
        at: Timestamp,
        /// The end of the term to accept.
        accept_by: Timestamp,
        /// The rule that chose the child.
        choice: Choice,
        /// The child's queue number when chosen.
        rank: u32,
        /// Children ahead who could not take the place, and why (at most 20).
        skipped: Vec<(String, Skip)>,
    },
    /// The parent accepted.
    ReferralAccepted {
        /// The referral.
        referral: u64,
        /// When.
        at: Timestamp,
        /// End of the enrolment term.
        enrol_by: Timestamp,
    },
    /// The enrolment term extended.
    EnrolmentExtended {
        /// The referral.
        referral: u64,
        /// When.
        at: Timestamp,
        /// New end of the term.
        enrol_by: Timestamp,
    },
    /// The parent declined.
    ReferralDeclined {
        /// The referral.
        referral: u64,
        /// When.
        at: Timestamp,
    },
    /// A term ran out: the place passes on, the child goes on the stop list.
    ReferralLapsed {
        /// The referral.
        referral: u64,
        /// When.
        at: Timestamp,
        /// End of the stop list.
        stop_until: Timestamp,
    },
    /// The child enrolled: out of the queue.
    Enrolled {
        /// The referral.
        referral: u64,
        /// When.
        at: Timestamp,
    },
    /// The stop list ended.
    StopListEnded {
        /// The child.
        child: String,
        /// When.
        at: Timestamp,
    },
    /// A new preschool year (1 September): lines regroup by age.
    YearBegan {
        /// The year it began in.
        year: i16,
        /// When.
        at: Timestamp,
    },
    /// School age: out of the queue.
    AgedOut {
        /// The child.
        child: String,
        /// When.
        at: Timestamp,
    },
    /// Withdrawn.
    Withdrawn {
        /// The child.
        child: String,
        /// When.
        at: Timestamp,
    },
}

impl Event {
    /// When it happened.
    pub fn at(&self) -> Timestamp {
        match self {
            Event::Entered { at, .. }
            | Event::CategoryChanged { at, .. }
            | Event::PlacesDeclared { at, .. }
            | Event::ReferralIssued { at, .. }
            | Event::ReferralAccepted { at, .. }
            | Event::EnrolmentExtended { at, .. }
            | Event::ReferralDeclined { at, .. }
            | Event::ReferralLapsed { at, .. }
            | Event::Enrolled { at, .. }
            | Event::StopListEnded { at, .. }
            | Event::YearBegan { at, .. }
            | Event::AgedOut { at, .. }
            | Event::Withdrawn { at, .. } => *at,
        }
    }
}

/// Where a child stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// In the line.
    Waiting,
    /// In the line, passed over for referrals until `until`.
    StopListed {
        /// End of the stop list.
        until: Timestamp,
    },
    /// Holds a referral (out of the line meanwhile).
    Referred {
        /// Which.
        referral: u64,
    },
    /// Enrolled: out of the queue.
    Enrolled {
        /// By which referral.
        referral: u64,
    },
    /// Left for school.
    AgedOut,
    /// Withdrawn.
    Withdrawn,
}

/// A referral's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralState {
    /// Waiting for the parent.
    Issued,
    /// Accepted; waiting for enrolment.
    Accepted,
    /// The child enrolled.
    Enrolled,
    /// Declined.
    Declined,
    /// A term ran out.
    Lapsed,
}

/// A referral (жолдама).
#[derive(Debug, Clone, Serialize)]
pub struct Referral {
    /// Its number.
    pub id: u64,
    /// The child.
    pub child: String,
    /// The organisation.
    pub organisation: String,
    /// Age group.
    pub group: String,
    /// Language.
    pub language: String,
    /// Issued at.
    pub issued_at: Timestamp,
    /// End of the term to accept.
    pub accept_by: Timestamp,
    /// When the parent accepted.
    pub accepted_at: Option<Timestamp>,
    /// End of the enrolment term, once accepted.
    pub enrol_by: Option<Timestamp>,
    /// State.
    pub state: ReferralState,
    /// The rule that chose the child.
    pub choice: Choice,
    /// The child's number when chosen.
    pub rank: u32,
    /// Children passed over.
    pub skipped: Vec<(String, Skip)>,
    /// The place it gives.
    pub place: u64,
    #[serde(skip)]
    declined_by: Vec<u64>,
}

/// A child in the queue.
#[derive(Debug, Clone, Serialize)]
pub struct Child {
    /// The application's record.
    pub entry: Entry,
    /// When applied: the date that orders the tier.
    pub applied_at: Timestamp,
    /// Registration number in the queue (the public, anonymous identifier).
    pub number: u64,
    /// Tier of the current category.
    pub tier: Tier,
    /// Where the child stands.
    pub status: Status,
}

type Key = (Timestamp, u64);

#[derive(Debug, Clone, Default)]
struct Line {
    /// Extraordinary, priority, general: each by date of application, then registration.
    tiers: [Vec<Key>; 3],
    /// Position in the ratio's pattern of the next non-extraordinary referral.
    counter: u32,
    /// Changes of the line this year, to explain a child's number.
    log: Vec<(Timestamp, Change)>,
}

/// What changed a line (and so, perhaps, a child's number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// The line formed at the start of the preschool year.
    YearBegan,
    /// A child entered (or came back).
    Joined {
        /// Registration number.
        number: u64,
        /// In which tier.
        tier: Tier,
    },
    /// A child left with a referral, for school, or withdrawn.
    Left {
        /// Registration number.
        number: u64,
    },
    /// A child's tier changed.
    Moved {
        /// Registration number.
        number: u64,
        /// New tier.
        tier: Tier,
    },
    /// The ratio's turn moved on.
    Turn,
}

fn tier_ix(t: Tier) -> usize {
    match t {
        Tier::Extraordinary => 0,
        Tier::Priority => 1,
        Tier::General => 2,
    }
}

/// One step of a child's number history.
#[derive(Debug, Clone, Serialize)]
pub struct NumberChange {
    /// When.
    pub at: Timestamp,
    /// The number after.
    pub number: u32,
    /// What changed it.
    pub change: Change,
}

/// A position on a line, for the public page.
#[derive(Debug, Clone, Serialize)]
pub struct Position {
    /// Queue number.
    pub rank: u32,
    /// Registration number (anonymous).
    pub number: u64,
    /// Tier.
    pub tier: Tier,
    /// Date of application.
    pub applied_at: Timestamp,
    /// On the stop list until.
    pub stop_until: Option<Timestamp>,
}

/// Something time will do: kept in order so that [`Queue::advance`] never scans the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// A referral's current term ends (lapses when still open).
    Referral(u64),
    /// A child's stop list ends.
    StopList(u64),
    /// A child's proof of category expires.
    Proof(u64),
}

#[derive(Debug, Clone)]
struct Place {
    /// Number of the place, in order of declaration.
    id: u64,
    /// Children who declined it: it is not offered to them again.
    declined_by: Vec<u64>,
    organisation: String,
    group: String,
    language: String,
}

/// The queues of one region.
#[derive(Debug, Clone)]
pub struct Queue {
    rules: Rules,
    calendar: Calendar,
    children: Vec<Child>,
    by_id: HashMap<String, u64>,
    /// Children by IIN: at most one position per district.
    by_iin: HashMap<String, Vec<u64>>,
    /// What time will do, by when.
    agenda: BTreeSet<(Timestamp, Due)>,
    lines: HashMap<(String, String), Line>,
    referrals: Vec<Referral>,
    /// Declared places no child has yet (in declaration order).
    open: Vec<Place>,
    /// Places ever declared.
    places: u64,
    /// The preschool year the lines are grouped for (0: none yet).
    year: i16,
}

impl Queue {
    /// An empty queue under these rules, counting terms with this calendar.
    pub fn new(rules: Rules, calendar: Calendar) -> Queue {
        Queue {
            rules,
            calendar,
            children: vec![],
            by_id: HashMap::new(),
            by_iin: HashMap::new(),
            agenda: BTreeSet::new(),
            lines: HashMap::new(),
            referrals: vec![],
            open: vec![],
            places: 0,
            year: 0,
        }
    }

    /// An empty queue under the same rules and calendar (to replay a journal into).
    pub fn empty_like(&self) -> Queue {
        Queue::new(self.rules.clone(), self.calendar.clone())
    }

    /// The child an event is about (for a referral's events, the referral's child); None for
    /// events about no one child (places declared, a new year).
    pub fn event_child(&self, e: &Event) -> Option<String> {
        let of_referral = |id: &u64| self.referral(*id).map(|r| r.child.clone());
        match e {
            Event::Entered { entry, .. } => Some(entry.child.clone()),
            Event::CategoryChanged { child, .. }
            | Event::StopListEnded { child, .. }
            | Event::AgedOut { child, .. }
            | Event::Withdrawn { child, .. }
            | Event::ReferralIssued { child, .. } => Some(child.clone()),
            Event::ReferralAccepted { referral, .. }
            | Event::EnrolmentExtended { referral, .. }
            | Event::ReferralDeclined { referral, .. }
            | Event::ReferralLapsed { referral, .. }
            | Event::Enrolled { referral, .. } => of_referral(referral),
            Event::PlacesDeclared { .. } | Event::YearBegan { .. } => None,
        }
    }

    /// The rules.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    fn local(&self, at: Timestamp) -> ZonedDateTime {
        at.to_zoned_datetime(self.calendar.time_zone().clone())
    }

    /// The preschool year `at` falls in: the year of the last 1 September.
    pub fn preschool_year(&self, at: Timestamp) -> i16 {
        let d = self.local(at).date();
        if d.month() >= 9 {
            d.year()
        } else {
            d.year() - 1
        }
    }

    fn years_on_september(&self, birth: Date, year: i16) -> Option<u32> {
        let sept = Date::new(year, 9, 1).ok()?;
        let span = birth.until((jiff::Unit::Year, sept)).ok()?;
        u32::try_from(span.get_years()).ok()
    }

    fn group_of(&self, c: &Child, year: i16) -> Option<String> {
        let y = self.years_on_september(c.entry.birth_date, year)?;
        self.rules.group_for_years(y).map(|g| g.id.clone())
    }

    fn line_key(&self, seq: u64) -> Option<(String, String)> {
        let c = &self.children[seq as usize];
        Some((c.entry.district.clone(), self.group_of(c, self.year)?))
    }

    /// The age group of the child's line this preschool year.
    pub fn group(&self, id: &str) -> Option<String> {
        let &seq = self.by_id.get(id)?;
        self.line_key(seq).map(|(_, g)| g)
    }

    /// A child's record.
    pub fn child(&self, id: &str) -> Option<&Child> {
        self.by_id.get(id).map(|&s| &self.children[s as usize])
    }

    /// A referral.
    pub fn referral(&self, id: u64) -> Option<&Referral> {
        id.checked_sub(1)
            .and_then(|i| self.referrals.get(usize::try_from(i).ok()?))
    }

    /// All referrals, in order of issue.
    pub fn referrals(&self) -> &[Referral] {
        &self.referrals
    }

    /// How many children there are in the queue's records.
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// Whether no child was ever entered.
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// Declared places that no child holds yet.
    pub fn open_places(&self) -> usize {
        self.open.len()
    }

    // ---- the order --------------------------------------------------------------------------

    fn pattern(&self) -> Vec<Tier> {
        let [p, g] = self.rules.order.ratio;
        let mut v = vec![Tier::Priority; p as usize];
        v.extend(std::iter::repeat_n(Tier::General, g as usize));
        v
    }

    /// Rank (1-based) of the `i`-th child of tier `t` on `line`.
    fn rank_in(&self, line: &Line, t: Tier, i: usize) -> u32 {
        let e = line.tiers[0].len();
        let rank = match t {
            Tier::Extraordinary => i,
            Tier::Priority | Tier::General => {
                let pattern = self.pattern();
                let len = pattern.len();
                let c = line.counter as usize % len;
                let own: Vec<usize> = (0..len).filter(|k| pattern[(c + k) % len] == t).collect();
                let slot = (i / own.len()) * len + own[i % own.len()];
                let others_before = slot - i;
                let other = if t == Tier::Priority { 2 } else { 1 };
                e + i + others_before.min(line.tiers[other].len())
            }
        };
        u32::try_from(rank + 1).unwrap_or(u32::MAX)
    }

    fn find(line: &Line, t: Tier, key: Key) -> Option<usize> {
        line.tiers[tier_ix(t)].binary_search(&key).ok()
    }

    /// The child's queue number now: their rank on their line; none when not in a line.
    pub fn number(&self, id: &str) -> Option<u32> {
        let &seq = self.by_id.get(id)?;
        let c = &self.children[seq as usize];
        if !matches!(c.status, Status::Waiting | Status::StopListed { .. }) {
            return None;
        }
        let line = self.lines.get(&self.line_key(seq)?)?;
        let i = Self::find(line, c.tier, (c.applied_at, seq))?;
        Some(self.rank_in(line, c.tier, i))
    }

    /// The line of a district and age group in order (for the public page).
    pub fn line(&self, district: &str, group: &str) -> Vec<Position> {
        let Some(line) = self.lines.get(&(district.to_string(), group.to_string())) else {
            return vec![];
        };
        let mut out = vec![];
        for t in [Tier::Extraordinary, Tier::Priority, Tier::General] {
            for (i, &(at, seq)) in line.tiers[tier_ix(t)].iter().enumerate() {
                let c = &self.children[seq as usize];
                out.push(Position {
                    rank: self.rank_in(line, t, i),
                    number: c.number,
                    tier: t,
                    applied_at: at,
                    stop_until: match c.status {
                        Status::StopListed { until } => Some(until),
                        _ => None,
                    },
                });
            }
        }
        out.sort_by_key(|p| p.rank);
        out
    }

    /// Age groups with a line in a district.
    pub fn groups(&self, district: &str) -> Vec<String> {
        let mut g: Vec<String> = self
            .lines
            .keys()
            .filter(|(d, _)| d == district)
            .map(|(_, g)| g.clone())
            .collect();
        g.sort();
        g
    }

    /// How the child's number changed this preschool year: each change that moved it.
    pub fn history(&self, id: &str) -> Vec<NumberChange> {
        let Some(&seq) = self.by_id.get(id) else {
            return vec![];
        };
        let Some(key) = self.line_key(seq) else {
            return vec![];
        };
        let Some(line) = self.lines.get(&key) else {
            return vec![];
        };
        // Replay the line's changes on a scratch line, noting each change of the number.
        let mut scratch = Line::default();
        let mut out: Vec<NumberChange> = vec![];
        let mut tiers_of: HashMap<u64, Tier> = HashMap::new();
        for &(at, change) in &line.log {
            match change {
                Change::YearBegan => {}
                Change::Joined { number, tier: t } => {
                    let s = number - 1;
                    let c = &self.children[s as usize];
                    tiers_of.insert(s, t);
                    insert(&mut scratch.tiers[tier_ix(t)], (c.applied_at, s));
                }
                Change::Left { number } => {
                    let s = number - 1;
                    if let Some(t) = tiers_of.remove(&s) {
                        remove(
                            &mut scratch.tiers[tier_ix(t)],
                            (self.children[s as usize].applied_at, s),
                        );
                    }
                }
                Change::Moved { number, tier } => {
                    let s = number - 1;
                    let k = (self.children[s as usize].applied_at, s);
                    if let Some(t) = tiers_of.insert(s, tier) {
                        remove(&mut scratch.tiers[tier_ix(t)], k);
                    }
                    insert(&mut scratch.tiers[tier_ix(tier)], k);
                }
                Change::Turn => scratch.counter += 1,
            }
            let now = tiers_of.get(&seq).and_then(|&t| {
                let i = Self::find(&scratch, t, (self.children[seq as usize].applied_at, seq))?;
                Some(self.rank_in(&scratch, t, i))
            });
            if let Some(n) = now
                && out.last().is_none_or(|l| l.number != n)
            {
                out.push(NumberChange {
                    at,
                    number: n,
                    change,
                });
            }
        }
        out
    }

    // ---- commands -----------------------------------------------------------------------------

    /// Checks a command at `at` and, when it holds, returns the events it causes (time-driven
    /// ones up to `at` first), all applied. A refused command changes nothing.
    pub fn handle(&mut self, cmd: &Command, at: Timestamp) -> Result<Vec<Event>, QueueError> {
        self.check(cmd, at)?;
        let mut out = self.advance(at);
        match cmd {
            Command::Enter(entry) => self.emit(
                Event::Entered {
                    entry: entry.clone(),
                    at,
                },
                &mut out,
            ),
            Command::ChangeCategory {
                child,
                category,
                proof_date,
            } => self.emit(
                Event::CategoryChanged {
                    child: child.clone(),
                    category: category.clone(),
                    proof_date: *proof_date,
                    reason: CategoryReason::Request,
                    at,
                },
                &mut out,
            ),
            Command::DeclarePlaces {
                organisation,
                group,
                language,
                count,
            } => self.emit(
                Event::PlacesDeclared {
                    organisation: organisation.clone(),
                    group: group.clone(),
                    language: language.clone(),
                    count: *count,
                    at,
                },
                &mut out,
            ),
            Command::Accept { referral } => {
                let enrol_by = self.end_of_day(at, self.rules.referral.enrol_days);
                self.emit(
                    Event::ReferralAccepted {
                        referral: *referral,
                        at,
                        enrol_by,
                    },
                    &mut out,
                );
            }
            Command::Extend { referral } => {
                let accepted = self
                    .referral(*referral)
                    .and_then(|r| r.accepted_at)
                    .unwrap_or(at);
                let enrol_by = self.end_of_day(accepted, self.rules.referral.enrol_extended_days);
                self.emit(
                    Event::EnrolmentExtended {
                        referral: *referral,
                        at,
                        enrol_by,
                    },
                    &mut out,
                );
            }
            Command::Decline { referral } => self.emit(
                Event::ReferralDeclined {
                    referral: *referral,
                    at,
                },
                &mut out,
            ),
            Command::Enrol { referral } => self.emit(
                Event::Enrolled {
                    referral: *referral,
                    at,
                },
                &mut out,
            ),
            Command::Withdraw { child } => self.emit(
                Event::Withdrawn {
                    child: child.clone(),
                    at,
                },
                &mut out,
            ),
        }
        self.distribute(at, &mut out);
        Ok(out)
    }

    fn check(&self, cmd: &Command, at: Timestamp) -> Result<(), QueueError> {
        let live_referral = |id: u64, want: &[ReferralState]| -> Result<&Referral, QueueError> {
            let Some(r) = self.referral(id) else {
                return refuse("referral", "no such referral");
            };
            if !want.contains(&r.state) {
                return refuse("referral", format!("the referral is {:?}", r.state));
            }
            let due = if r.state == ReferralState::Issued {
                r.accept_by
            } else {
                r.enrol_by.unwrap_or(r.accept_by)
            };
            if at > due {
                return refuse("referral", "its term has run out");
            }
            Ok(r)
        };
        match cmd {
            Command::Enter(e) => {
                if self.by_id.contains_key(&e.child) {
                    return refuse("child", "this application is already in the queue");
                }
                if !self.rules.districts.iter().any(|d| d.id == e.district) {
                    return refuse("district", "must be one of the region's districts");
                }
                if self.rules.category(&e.category).is_none() {
                    return refuse("category", "must be one of the rules' categories");
                }
                self.check_proof(&e.category, e.proof_date, at)?;
                for p in &e.preferred {
                    match self.rules.organisation(p) {
                        Some(o) if o.district == e.district => {}
                        _ => {
                            return refuse(
                                "preferred",
                                format!("{p}: must be an organisation of the district"),
                            );
                        }
                    }
                }
                let today = self.local(at).date();
                if e.birth_date > today {
                    return refuse("birth_date", "must not be in the future");
                }
                let year = self.preschool_year(at);
                let years = self.years_on_september(e.birth_date, year).unwrap_or(0);
                let next = self.years_on_september(e.birth_date, year + 1).unwrap_or(0);
                if years >= self.rules.order.school_age_years
                    || next > self.rules.order.school_age_years
                {
                    return refuse("birth_date", "the child is of school age");
                }
                let same = self.by_iin.get(&e.iin).map_or(&[][..], |v| v.as_slice());
                let dup = same.iter().map(|&s| &self.children[s as usize]).any(|c| {
                    c.entry.iin == e.iin
                        && c.entry.district == e.district
                        && matches!(
                            c.status,
                            Status::Waiting | Status::StopListed { .. } | Status::Referred { .. }
                        )
                });
                if dup {
                    return refuse(
                        "iin",
                        "the child already holds a place in this district's queue",
                    );
                }
            }
            Command::ChangeCategory {
                child,
                category,
                proof_date,
            } => {
                let Some(c) = self.child(child) else {
                    return refuse("child", "no such child in the queue");
                };
                if !matches!(c.status, Status::Waiting | Status::StopListed { .. }) {
                    return refuse("child", "the child is not waiting in the queue");
                }
                if self.rules.category(category).is_none() {
                    return refuse("category", "must be one of the rules' categories");
                }
                self.check_proof(category, *proof_date, at)?;
            }
            Command::DeclarePlaces {
                organisation,
                group,
                language,
                count,
            } => {
                let Some(o) = self.rules.organisation(organisation) else {
                    return refuse("organisation", "no such organisation");
                };
                if !self.rules.age_groups.iter().any(|g| &g.id == group) {
                    return refuse("group", "must be one of the rules' age groups");
                }
                if !o.languages.contains(language) {
                    return refuse(
                        "language",
                        "the organisation has no groups in this language",
                    );
                }
                if *count == 0 || *count > 10_000 {
                    return refuse("count", "from 1 to 10000 places at a time");
                }
                let d = self.local(at).date();
                if self.rules.is_closed(d.month(), d.day()) {
                    return refuse(
                        "at",
                        "no new places are published in this period (order.closed)",
                    );
                }
            }
            Command::Accept { referral } => {
                live_referral(*referral, &[ReferralState::Issued])?;
            }
            Command::Extend { referral } => {
                let r = live_referral(*referral, &[ReferralState::Accepted])?;
                let ext = self.end_of_day(
                    r.accepted_at.unwrap_or(r.issued_at),
                    self.rules.referral.enrol_extended_days,
                );
                if r.enrol_by.is_some_and(|e| e >= ext) {
                    return refuse("referral", "already extended");
                }
            }
            Command::Decline { referral } => {
                live_referral(*referral, &[ReferralState::Issued, ReferralState::Accepted])?;
            }
            Command::Enrol { referral } => {
                live_referral(*referral, &[ReferralState::Accepted])?;
            }
            Command::Withdraw { child } => {
                let Some(c) = self.child(child) else {
                    return refuse("child", "no such child in the queue");
                };
                if !matches!(c.status, Status::Waiting | Status::StopListed { .. }) {
                    return refuse("child", "the child is not waiting in the queue");
                }
            }
        }
        Ok(())
    }

    fn check_proof(
        &self,
        category: &str,
        proof: Option<Date>,
        at: Timestamp,
    ) -> Result<(), QueueError> {
        let Some(days) = self
            .rules
            .category(category)
            .and_then(|c| c.proof_valid_days)
        else {
            return Ok(());
        };
        let Some(d) = proof else {
            return refuse(
                "proof_date",
                "this category needs the date of its proving document",
            );
        };
        let until = d.checked_add((i64::from(days)).days()).unwrap_or(d);
        if until < self.local(at).date() {
            return refuse(
                "proof_date",
                format!("the proving document is valid {days} days from its date"),
            );
        }
        Ok(())
    }

    /// The instant a child's proof of category stops counting: the start of the day after
    /// its last valid day.
    fn proof_expires(&self, c: &Child) -> Option<Timestamp> {
        let days = self.rules.category(&c.entry.category)?.proof_valid_days?;
        let d = c.entry.proof_date?;
        let first_invalid = d.checked_add((i64::from(days) + 1).days()).ok()?;
        Some(
            first_invalid
                .to_zoned_datetime(self.calendar.time_zone().clone())
                .ok()?
                .timestamp(),
        )
    }

    fn remember_proof(&mut self, seq: u64) {
        if let Some(when) = self.proof_expires(&self.children[seq as usize]) {
            self.agenda.insert((when, Due::Proof(seq)));
        }
    }

    /// The end of the `n`-th calendar day after `at`'s day (local midnight that ends it).
    fn end_of_day(&self, at: Timestamp, n: u32) -> Timestamp {
        let d = self.local(at).date();
        let end = d.checked_add((i64::from(n) + 1).days()).unwrap_or(d);
        end.to_zoned_datetime(self.calendar.time_zone().clone())
            .map_or(at, |z| z.timestamp())
    }

    /// The end of the `n`-th working day after `at`'s day.
    fn end_of_working_day(&self, at: Timestamp, n: u32) -> Timestamp {
        let d = self.local(at).date();
        let last = self.calendar.add_working_days(d, n).unwrap_or(d);
        last.tomorrow()
            .ok()
            .and_then(|t| t.to_zoned_datetime(self.calendar.time_zone().clone()).ok())
            .map_or(at, |z| z.timestamp())
    }

    /// What time alone causes up to `at`: a new preschool year, terms running out, stop lists
    /// ending, proofs expiring; then places go to children who can now take them.
    pub fn advance(&mut self, at: Timestamp) -> Vec<Event> {
        let mut out = vec![];
        let year = self.preschool_year(at);
        if year != self.year {
            self.emit(Event::YearBegan { year, at }, &mut out);
            let leaving: Vec<String> = self
                .children
                .iter()
                .filter(|c| matches!(c.status, Status::Waiting | Status::StopListed { .. }))
                .filter(|c| {
                    self.years_on_september(c.entry.birth_date, year)
                        .is_some_and(|y| y >= self.rules.order.school_age_years)
                })
                .map(|c| c.entry.child.clone())
                .collect();
            for child in leaving {
                self.emit(Event::AgedOut { child, at }, &mut out);
            }
        }
        // Everything due by `at`, taken off the agenda; what is not yet due goes back.
        let due: Vec<(Timestamp, Due)> = self
            .agenda
            .range(..=(at, Due::Proof(u64::MAX)))
            .copied()
            .collect();
        let mut lapsed = vec![];
        let mut ended = vec![];
        let mut expired = vec![];
        for (when, what) in due {
            self.agenda.remove(&(when, what));
            match what {
                Due::Referral(id) => match self.referral(id) {
                    Some(r) if r.state == ReferralState::Issued && r.accept_by == when => {
                        if at > when {
                            lapsed.push(id);
                        } else {
                            self.agenda.insert((when, what));
                        }
                    }
                    Some(r) if r.state == ReferralState::Accepted && r.enrol_by == Some(when) => {
                        if at > when {
                            lapsed.push(id);
                        } else {
                            self.agenda.insert((when, what));
                        }
                    }
                    _ => {}
                },
                Due::StopList(seq) => {
                    if matches!(self.children[seq as usize].status, Status::StopListed { until } if until == when)
                    {
                        ended.push(seq);
                    }
                }
                Due::Proof(seq) => {
                    let c = &self.children[seq as usize];
                    if matches!(c.status, Status::Waiting | Status::StopListed { .. })
                        && self.proof_expires(c) == Some(when)
                    {
                        expired.push(seq);
                    } else if matches!(c.status, Status::Referred { .. })
                        && self.proof_expires(c) == Some(when)
                    {
                        // Judged when the child is back in the line.
                        self.agenda.insert((when, what));
                    }
                }
            }
        }
        lapsed.sort_unstable();
        ended.sort_unstable();
        expired.sort_unstable();
        for referral in lapsed {
            let stop_until = self.end_of_day(at, self.rules.referral.stop_list_days);
            self.emit(
                Event::ReferralLapsed {
                    referral,
                    at,
                    stop_until,
                },
                &mut out,
            );
        }
        for seq in ended {
            let child = self.children[seq as usize].entry.child.clone();
            self.emit(Event::StopListEnded { child, at }, &mut out);
        }
        let general = self.rules.general_category().id.clone();
        for seq in expired {
            let child = self.children[seq as usize].entry.child.clone();
            self.emit(
                Event::CategoryChanged {
                    child,
                    category: general.clone(),
                    proof_date: None,
                    reason: CategoryReason::ProofExpired,
                    at,
                },
                &mut out,
            );
        }
        self.distribute(at, &mut out);
        out
    }

    /// Gives open places to children by the rule, as long as any can take one.
    fn distribute(&mut self, at: Timestamp, out: &mut Vec<Event>) {
        let d = self.local(at).date();
        if self.open.is_empty() || self.rules.is_closed(d.month(), d.day()) {
            return;
        }
        let mut i = 0;
        while i < self.open.len() {
            let place = self.open[i].clone();
            match self.choose(&place, at) {
                Some((seq, choice, rank, skipped)) => {
                    let referral = self.referrals.len() as u64 + 1;
                    let accept_by =
                        self.end_of_working_day(at, self.rules.referral.accept_working_days);
                    self.emit(
                        Event::ReferralIssued {
                            referral,
                            child: self.children[seq as usize].entry.child.clone(),
                            place: place.id,
                            organisation: place.organisation,
                            group: place.group,
                            language: place.language,
                            at,
                            accept_by,
                            choice,
                            rank,
                            skipped,
                        },
                        out,
                    );
                    // The place left `open` (apply removed the first matching one).
                }
                None => i += 1,
            }
        }
    }

    fn skip_reason(&self, seq: u64, place: &Place, at: Timestamp) -> Option<Skip> {
        let c = &self.children[seq as usize];
        if place.declined_by.contains(&seq) {
            return Some(Skip::Declined);
        }
        if let Status::StopListed { .. } = c.status {
            return Some(Skip::StopList);
        }
        let months = c
            .entry
            .birth_date
            .until((jiff::Unit::Month, self.local(at).date()))
            .map_or(0, |s| s.get_months());
        if months < i32::try_from(self.rules.order.moves_from_months).unwrap_or(i32::MAX) {
            return Some(Skip::TooYoung);
        }
        if c.entry
            .language
            .as_ref()
            .is_some_and(|l| l != &place.language)
        {
            return Some(Skip::Language);
        }
        if !c.entry.preferred.is_empty() && !c.entry.preferred.contains(&place.organisation) {
            return Some(Skip::Preference);
        }
        None
    }

    #[allow(clippy::type_complexity)]
    fn choose(
        &self,
        place: &Place,
        at: Timestamp,
    ) -> Option<(u64, Choice, u32, Vec<(String, Skip)>)> {
        let district = self
            .rules
            .organisation(&place.organisation)?
            .district
            .clone();
        let line = self.lines.get(&(district, place.group.clone()))?;
        let mut skipped: Vec<(u32, String, Skip)> = vec![];
        let first = |t: Tier, skipped: &mut Vec<(u32, String, Skip)>| -> Option<(usize, u64)> {
            for (i, &(_, seq)) in line.tiers[tier_ix(t)].iter().enumerate() {
                match self.skip_reason(seq, place, at) {
                    None => return Some((i, seq)),
                    Some(why) => {
                        if skipped.len() < 20 {
                            let rank = self.rank_in(line, t, i);
                            skipped.push((
                                rank,
                                self.children[seq as usize].entry.child.clone(),
                                why,
                            ));
                        }
                    }
                }
            }
            None
        };
        let (t, i, seq, choice) = if let Some((i, seq)) = first(Tier::Extraordinary, &mut skipped) {
            (Tier::Extraordinary, i, seq, Choice::Extraordinary)
        } else {
            let pattern = self.pattern();
            let slot = pattern[line.counter as usize % pattern.len()];
            let other = if slot == Tier::Priority {
                Tier::General
            } else {
                Tier::Priority
            };
            let mut skipped_other = vec![];
            match first(slot, &mut skipped) {
                Some((i, seq)) => (slot, i, seq, Choice::Ratio { slot, given: slot }),
                None => {
                    let (i, seq) = first(other, &mut skipped_other)?;
                    skipped.extend(skipped_other);
                    (other, i, seq, Choice::Ratio { slot, given: other })
                }
            }
        };
        let rank = self.rank_in(line, t, i);
        skipped.retain(|s| s.0 < rank);
        skipped.sort_by_key(|s| s.0);
        Some((
            seq,
            choice,
            rank,
            skipped.into_iter().map(|s| (s.1, s.2)).collect(),
        ))
    }

    fn emit(&mut self, e: Event, out: &mut Vec<Event>) {
        self.apply(&e);
        out.push(e);
    }

    // ---- applying events ----------------------------------------------------------------------

    fn line_mut(&mut self, seq: u64) -> Option<&mut Line> {
        let key = self.line_key(seq)?;
        Some(self.lines.entry(key).or_default())
    }

    fn join(&mut self, seq: u64, at: Timestamp) {
        let c = &self.children[seq as usize];
        let (t, k, n) = (c.tier, (c.applied_at, seq), c.number);
        if let Some(line) = self.line_mut(seq) {
            insert(&mut line.tiers[tier_ix(t)], k);
            line.log.push((at, Change::Joined { number: n, tier: t }));
        }
    }

    fn leave(&mut self, seq: u64, at: Timestamp) {
        let c = &self.children[seq as usize];
        let (t, k, n) = (c.tier, (c.applied_at, seq), c.number);
        if let Some(line) = self.line_mut(seq) {
            remove(&mut line.tiers[tier_ix(t)], k);
            line.log.push((at, Change::Left { number: n }));
        }
    }

    fn seq(&self, id: &str) -> Option<u64> {
        self.by_id.get(id).copied()
    }

    /// Applies one journalled event (replay). Events come from [`Queue::handle`] or
    /// [`Queue::advance`] of a queue with the same rules, in order.
    pub fn apply(&mut self, e: &Event) {
        match e {
            Event::Entered { entry, at } => {
                if self.year == 0 {
                    self.year = self.preschool_year(*at);
                }
                let seq = self.children.len() as u64;
                let tier = self
                    .rules
                    .category(&entry.category)
                    .map_or(Tier::General, |c| c.tier);
                self.children.push(Child {
                    entry: entry.clone(),
                    applied_at: *at,
                    number: seq + 1,
                    tier,
                    status: Status::Waiting,
                });
                self.by_id.insert(entry.child.clone(), seq);
                self.by_iin.entry(entry.iin.clone()).or_default().push(seq);
                self.join(seq, *at);
                self.remember_proof(seq);
            }
            Event::CategoryChanged {
                child,
                category,
                proof_date,
                at,
                ..
            } => {
                let Some(seq) = self.seq(child) else { return };
                let tier = self
                    .rules
                    .category(category)
                    .map_or(Tier::General, |c| c.tier);
                let in_line = matches!(
                    self.children[seq as usize].status,
                    Status::Waiting | Status::StopListed { .. }
                );
                let old = self.children[seq as usize].tier;
                if in_line {
                    let k = (self.children[seq as usize].applied_at, seq);
                    let n = self.children[seq as usize].number;
                    if let Some(line) = self.line_mut(seq) {
                        remove(&mut line.tiers[tier_ix(old)], k);
                        insert(&mut line.tiers[tier_ix(tier)], k);
                        line.log.push((*at, Change::Moved { number: n, tier }));
                    }
                }
                let c = &mut self.children[seq as usize];
                c.tier = tier;
                c.entry.category = category.clone();
                c.entry.proof_date = *proof_date;
                self.remember_proof(seq);
            }
            Event::PlacesDeclared {
                organisation,
                group,
                language,
                count,
                ..
            } => {
                for _ in 0..*count {
                    self.places += 1;
                    self.open.push(Place {
                        id: self.places,
                        declined_by: vec![],
                        organisation: organisation.clone(),
                        group: group.clone(),
                        language: language.clone(),
                    });
                }
            }
            Event::ReferralIssued {
                referral,
                child,
                place,
                organisation,
                group,
                language,
                at,
                accept_by,
                choice,
                rank,
                skipped,
            } => {
                let Some(seq) = self.seq(child) else { return };
                let declined_by = match self.open.iter().position(|p| p.id == *place) {
                    Some(i) => self.open.remove(i).declined_by,
                    None => vec![],
                };
                self.leave(seq, *at);
                if matches!(choice, Choice::Ratio { .. })
                    && let Some(line) = self.line_mut(seq)
                {
                    line.counter += 1;
                    line.log.push((*at, Change::Turn));
                }
                self.children[seq as usize].status = Status::Referred {
                    referral: *referral,
                };
                self.agenda.insert((*accept_by, Due::Referral(*referral)));
                self.referrals.push(Referral {
                    id: *referral,
                    child: child.clone(),
                    organisation: organisation.clone(),
                    group: group.clone(),
                    language: language.clone(),
                    issued_at: *at,
                    accept_by: *accept_by,
                    accepted_at: None,
                    enrol_by: None,
                    state: ReferralState::Issued,
                    choice: *choice,
                    rank: *rank,
                    skipped: skipped.clone(),
                    place: *place,
                    declined_by,
                });
            }
            Event::ReferralAccepted {
                referral,
                enrol_by,
                at,
            } => {
                if let Some(r) = self.referral_mut(*referral) {
                    r.state = ReferralState::Accepted;
                    r.accepted_at = Some(*at);
                    r.enrol_by = Some(*enrol_by);
                }
                self.agenda.insert((*enrol_by, Due::Referral(*referral)));
            }
            Event::EnrolmentExtended {
                referral, enrol_by, ..
            } => {
                if let Some(r) = self.referral_mut(*referral) {
                    r.enrol_by = Some(*enrol_by);
                }
                self.agenda.insert((*enrol_by, Due::Referral(*referral)));
            }
            Event::ReferralDeclined { referral, at } => {
                self.end_referral(*referral, ReferralState::Declined, Status::Waiting, *at);
            }
            Event::ReferralLapsed {
                referral,
                at,
                stop_until,
            } => {
                let status = Status::StopListed { until: *stop_until };
                self.end_referral(*referral, ReferralState::Lapsed, status, *at);
                if let Some(seq) = self.referral(*referral).and_then(|r| self.seq(&r.child)) {
                    self.agenda.insert((*stop_until, Due::StopList(seq)));
                }
            }
            Event::Enrolled { referral, .. } => {
                if let Some(r) = self.referral_mut(*referral) {
                    r.state = ReferralState::Enrolled;
                    let child = r.child.clone();
                    if let Some(seq) = self.seq(&child) {
                        self.children[seq as usize].status = Status::Enrolled {
                            referral: *referral,
                        };
                    }
                }
            }
            Event::StopListEnded { child, .. } => {
                if let Some(seq) = self.seq(child) {
                    self.children[seq as usize].status = Status::Waiting;
                }
            }
            Event::YearBegan { year, at } => {
                self.year = *year;
                self.lines.clear();
                for seq in 0..self.children.len() as u64 {
                    if matches!(
                        self.children[seq as usize].status,
                        Status::Waiting | Status::StopListed { .. }
                    ) && let Some(key) = self.line_key(seq)
                    {
                        let c = &self.children[seq as usize];
                        let line = self.lines.entry(key).or_default();
                        line.tiers[tier_ix(c.tier)].push((c.applied_at, seq));
                    }
                }
                for line in self.lines.values_mut() {
                    for t in &mut line.tiers {
                        t.sort_unstable();
                    }
                    line.log.push((*at, Change::YearBegan));
                    let mut all: Vec<Key> = line.tiers.iter().flatten().copied().collect();
                    all.sort_unstable();
                    for (_, seq) in all {
                        let tier = self.children[seq as usize].tier;
                        line.log.push((
                            *at,
                            Change::Joined {
                                number: seq + 1,
                                tier,
                            },
                        ));
                    }
                }
            }
            Event::AgedOut { child, at } | Event::Withdrawn { child, at } => {
                let Some(seq) = self.seq(child) else { return };
                self.leave(seq, *at);
                self.children[seq as usize].status = if matches!(e, Event::AgedOut { .. }) {
                    Status::AgedOut
                } else {
                    Status::Withdrawn
                };
            }
        }
    }

    fn referral_mut(&mut self, id: u64) -> Option<&mut Referral> {
        let i = usize::try_from(id.checked_sub(1)?).ok()?;
        self.referrals.get_mut(i)
    }

    fn end_referral(&mut self, id: u64, state: ReferralState, status: Status, at: Timestamp) {
        let Some(r) = self.referral(id) else { return };
        let mut declined_by = r.declined_by.clone();
        if state == ReferralState::Declined
            && let Some(&seq) = self.by_id.get(&r.child)
        {
            declined_by.push(seq);
        }
        let Some(r) = self.referral_mut(id) else {
            return;
        };
        r.state = state;
        let place = Place {
            id: r.place,
            declined_by,
            organisation: r.organisation.clone(),
            group: r.group.clone(),
            language: r.language.clone(),
        };
        let child = r.child.clone();
        // The place passes on ahead of places declared later.
        self.open.insert(0, place);
        if let Some(seq) = self.seq(&child) {
            self.children[seq as usize].status = status;
            self.join(seq, at);
        }
    }
}

fn insert(v: &mut Vec<Key>, k: Key) {
    if let Err(i) = v.binary_search(&k) {
        v.insert(i, k);
    }
}

fn remove(v: &mut Vec<Key>, k: Key) {
    if let Ok(i) = v.binary_search(&k) {
        v.remove(i);
    }
}
