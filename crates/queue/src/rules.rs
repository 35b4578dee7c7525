//! The queue rules of a region as data (`queues/<region>.toml`): districts, organisations,
//! age groups, categories with their proving documents, the ordering ratio and the referral
//! terms, each with its legal source. What the facts file marks as one city's practice [S]
//! is data here, never code.

use serde::Deserialize;

use crate::QueueError;

/// The rules of one region's preschool queues.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// The region these rules are for.
    pub region: Region,
    /// Where each rule comes from.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// How the queue moves.
    pub order: Order,
    /// A referral's terms.
    pub referral: ReferralTerms,
    /// Age groups, by the child's full years on 1 September of the preschool year.
    #[serde(rename = "age_groups")]
    pub age_groups: Vec<AgeGroup>,
    /// Categories of entitlement.
    pub categories: Vec<Category>,
    /// Districts (or cities) that keep a queue each.
    pub districts: Vec<District>,
    /// Preschool organisations that declare places.
    pub organisations: Vec<Organisation>,
    /// The service whose applications put children in these queues.
    #[serde(default)]
    pub service: Option<ServiceLink>,
}

/// The service whose applications enter children in the queue, and the fields of its
/// application that carry the child's record (ids of the regulation's `[application]` fields).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLink {
    /// The regulation's id.
    pub regulation: String,
    /// The field with the child's IIN.
    pub child_iin: String,
    /// The field with the child's date of birth.
    pub birth_date: String,
    /// The field with the category (its options are the rules' category ids).
    pub category: String,
    /// The field with the language of upbringing (`kk`, `ru`), if any.
    #[serde(default)]
    pub language: Option<String>,
}

/// The region.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Stable id.
    pub id: String,
    /// Name in Kazakh.
    pub kk: String,
    /// Name in Russian.
    pub ru: String,
}

/// A legal or factual source the rules cite by `id`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Short id cited by the rules (`source = "…"`).
    pub id: String,
    /// What it is.
    pub title: String,
    /// Its reliability as the facts file marks it: `V` verified, `S` single source.
    pub grade: String,
}

/// How the queue moves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// Referrals alternate between the priority and the general tier in this ratio:
    /// `[priority, general]`, e.g. `[1, 3]`.
    pub ratio: [u32; 2],
    /// The child gets referrals only from this age, in months.
    pub moves_from_months: u32,
    /// On 1 September of the year the child has this many full years, they leave the queue
    /// for school.
    pub school_age_years: u32,
    /// Days of the year when no new places are published (`[from, to]` as `MM-DD`).
    #[serde(default)]
    pub closed: Vec<[String; 2]>,
    /// Sources of the above.
    #[serde(default)]
    pub source: Vec<String>,
}

/// A referral's terms.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferralTerms {
    /// Working days to accept the referral before the place passes on.
    pub accept_working_days: u32,
    /// Calendar days to enrol after accepting.
    pub enrol_days: u32,
    /// Calendar days to enrol when the parent asks for an extension.
    pub enrol_extended_days: u32,
    /// Calendar days a child whose referral lapsed gets no new one.
    pub stop_list_days: u32,
    /// Sources of the above.
    #[serde(default)]
    pub source: Vec<String>,
}

/// An age group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeGroup {
    /// Stable id.
    pub id: String,
    /// Full years on 1 September: this group holds children with `years` of age.
    pub years: u32,
    /// Name in Kazakh.
    pub kk: String,
    /// Name in Russian.
    pub ru: String,
}

/// Which part of the order a category puts a child in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Referrals go to them first.
    Extraordinary,
    /// Alternate with general by the ratio.
    Priority,
    /// Everyone else.
    General,
}

/// A category of entitlement.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// The id the service's application uses (`category` field option).
    pub id: String,
    /// Its tier.
    pub tier: Tier,
    /// Name in Kazakh.
    pub kk: String,
    /// Name in Russian.
    pub ru: String,
    /// How many days the proving document is valid from its date (none: no limit).
    #[serde(default)]
    pub proof_valid_days: Option<u32>,
    /// Sources.
    #[serde(default)]
    pub source: Vec<String>,
}

/// A district (or city) with its own queue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// Stable id.
    pub id: String,
    /// Name in Kazakh.
    pub kk: String,
    /// Name in Russian.
    pub ru: String,
}

/// A preschool organisation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Stable id.
    pub id: String,
    /// Its district.
    pub district: String,
    /// Name in Kazakh.
    pub kk: String,
    /// Name in Russian.
    pub ru: String,
    /// Languages of its groups (`kk`, `ru`).
    pub languages: Vec<String>,
}

impl Rules {
    /// Reads and checks a rules file's text; errors name the field and the rule.
    pub fn from_toml_str(text: &str) -> Result<Rules, QueueError> {
        let rules: Rules = toml::from_str(text).map_err(|e| QueueError::Rules {
            field: "toml".into(),
            rule: e.to_string(),
        })?;
        rules.check()?;
        Ok(rules)
    }

    fn check(&self) -> Result<(), QueueError> {
        let bad = |field: &str, rule: &str| {
            Err(QueueError::Rules {
                field: field.into(),
                rule: rule.into(),
            })
        };
        if self.order.ratio.contains(&0) {
            return bad("order.ratio", "both parts of the ratio must be at least 1");
        }
        for c in &self.order.closed {
            for d in c {
                if parse_month_day(d).is_none() {
                    return bad("order.closed", "days are written MM-DD");
                }
            }
        }
        if self.age_groups.is_empty() {
            return bad("age_groups", "at least one age group");
        }
        let mut years: Vec<u32> = self.age_groups.iter().map(|g| g.years).collect();
        years.sort_unstable();
        if years.windows(2).any(|w| w[0] == w[1]) {
            return bad("age_groups.years", "one group per age");
        }
        if !self.categories.iter().any(|c| c.tier == Tier::General) {
            return bad("categories", "a category of the general tier is needed");
        }
        unique(
            self.categories.iter().map(|c| c.id.as_str()),
            "categories.id",
        )?;
        unique(self.districts.iter().map(|d| d.id.as_str()), "districts.id")?;
        unique(
            self.organisations.iter().map(|o| o.id.as_str()),
            "organisations.id",
        )?;
        unique(
            self.age_groups.iter().map(|g| g.id.as_str()),
            "age_groups.id",
        )?;
        for o in &self.organisations {
            if !self.districts.iter().any(|d| d.id == o.district) {
                return bad(
                    &format!("organisations.{}.district", o.id),
                    "must be one of the districts",
                );
            }
        }
        let cited = self
            .categories
            .iter()
            .flat_map(|c| c.source.iter())
            .chain(&self.order.source)
            .chain(&self.referral.source);
        for s in cited {
            if !self.sources.iter().any(|x| &x.id == s) {
                return bad(&format!("source {s}"), "must be one of [[sources]]");
            }
        }
        Ok(())
    }

    /// The category with this id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The first category of the general tier: where a child goes when a proof expires.
    pub fn general_category(&self) -> &Category {
        self.categories
            .iter()
            .find(|c| c.tier == Tier::General)
            .expect("checked: a general category exists")
    }

    /// The organisation with this id.
    pub fn organisation(&self, id: &str) -> Option<&Organisation> {
        self.organisations.iter().find(|o| o.id == id)
    }

    /// The age group for a child of `years` full years on 1 September.
    pub fn group_for_years(&self, years: u32) -> Option<&AgeGroup> {
        self.age_groups.iter().find(|g| g.years == years)
    }

    /// Whether `(month, day)` falls in a closed period.
    pub fn is_closed(&self, month: i8, day: i8) -> bool {
        self.order.closed.iter().any(|[from, to]| {
            let (Some(a), Some(b)) = (parse_month_day(from), parse_month_day(to)) else {
                return false;
            };
            let x = (month, day);
            if a <= b {
                a <= x && x <= b
            } else {
                x >= a || x <= b
            }
        })
    }
}

fn unique<'a>(ids: impl Iterator<Item = &'a str>, field: &str) -> Result<(), QueueError> {
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(QueueError::Rules {
                field: format!("{field} {id}"),
                rule: "ids are unique".into(),
            });
        }
    }
    Ok(())
}

fn parse_month_day(s: &str) -> Option<(i8, i8)> {
    let (m, d) = s.split_once('-')?;
    let (m, d): (i8, i8) = (m.parse().ok()?, d.parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((m, d))
}
