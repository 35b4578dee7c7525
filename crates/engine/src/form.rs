//! The application's data checked against the regulation's `[application]` declarations.
//!
//! Pure: the day of application is an input (ages count in full years up to it). Values are
//! normalised as they are accepted — dates to `yyyy-mm-dd`, phones to `+7XXXXXXXXXX`, names to
//! single spaces — so what the journal keeps is one spelling of each fact.

use jiff::civil::Date;
use regulation::{ApplicationForm, FieldDecl, FieldKind, When};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One field's value: one string, or several chosen options in the order of preference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FormValue {
    One(String),
    Many(Vec<String>),
}

impl FormValue {
    /// The values as a list (a single value is a list of one; empty strings dropped).
    pub fn items(&self) -> Vec<&str> {
        match self {
            FormValue::One(s) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect(),
            FormValue::Many(v) => v
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect(),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            FormValue::One(s) => s.trim(),
            FormValue::Many(v) => v.first().map(|s| s.trim()).unwrap_or(""),
        }
    }
    fn is_blank(&self) -> bool {
        self.items().is_empty()
    }
}

/// Field id → value, as journalled.
pub type FormData = BTreeMap<String, FormValue>;

/// The rule a value broke; the server words each in kk/ru, the API gives its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum FieldRule {
    Required,
    /// A value for a field that is not declared, or not asked under the condition given.
    NotAsked,
    IinFormat,
    IinCheckDigit,
    /// The IIN's first six digits are not the birth date given.
    IinBirthDate,
    DateFormat,
    DateInFuture,
    TooYoung {
        min: u32,
    },
    TooOld {
        max: u32,
    },
    YearFormat,
    /// A year after the last one the field allows (`years_ahead`).
    YearAhead {
        max: u32,
    },
    NameFormat,
    PhoneFormat,
    UnknownOption,
    TooManyChoices {
        max: u32,
    },
    DuplicateChoice,
    TooLong {
        max: u32,
    },
}

impl FieldRule {
    pub fn key(&self) -> &'static str {
        match self {
            FieldRule::Required => "required",
            FieldRule::NotAsked => "not_asked",
            FieldRule::IinFormat => "iin_format",
            FieldRule::IinCheckDigit => "iin_check_digit",
            FieldRule::IinBirthDate => "iin_birth_date",
            FieldRule::DateFormat => "date_format",
            FieldRule::DateInFuture => "date_in_future",
            FieldRule::TooYoung { .. } => "too_young",
            FieldRule::TooOld { .. } => "too_old",
            FieldRule::YearFormat => "year_format",
            FieldRule::YearAhead { .. } => "year_ahead",
            FieldRule::NameFormat => "name_format",
            FieldRule::PhoneFormat => "phone_format",
            FieldRule::UnknownOption => "unknown_option",
            FieldRule::TooManyChoices { .. } => "too_many_choices",
            FieldRule::DuplicateChoice => "duplicate_choice",
            FieldRule::TooLong { .. } => "too_long",
        }
    }

    /// The limit a rule names (an age, a count, a length), for the message.
    pub fn limit(&self) -> Option<u32> {
        match self {
            FieldRule::TooYoung { min } => Some(*min),
            FieldRule::TooOld { max }
            | FieldRule::YearAhead { max }
            | FieldRule::TooManyChoices { max }
            | FieldRule::TooLong { max } => Some(*max),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    #[serde(flatten)]
    pub rule: FieldRule,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let english = match &self.rule {
            FieldRule::Required => "is required".to_string(),
            FieldRule::NotAsked => {
                "is not asked by this service (or not under the answers given)".into()
            }
            FieldRule::IinFormat => "an IIN is 12 digits".into(),
            FieldRule::IinCheckDigit => "the IIN's check digit is wrong".into(),
            FieldRule::IinBirthDate => "the IIN does not begin with the birth date given".into(),
            FieldRule::DateFormat => "a date is dd.mm.yyyy".into(),
            FieldRule::DateInFuture => "must not be after the day of application".into(),
            FieldRule::TooYoung { min } => format!("the person must be at least {min} years old"),
            FieldRule::TooOld { max } => format!("the person must be at most {max} years old"),
            FieldRule::YearFormat => "a year is four digits, not after this year".into(),
            FieldRule::YearAhead { max } => {
                format!("a year is four digits, at most {max} years after this one")
            }
            FieldRule::NameFormat => "a name is letters, spaces, hyphens and apostrophes".into(),
            FieldRule::PhoneFormat => "a phone number is +7 and ten digits".into(),
            FieldRule::UnknownOption => "is not one of the options".into(),
            FieldRule::TooManyChoices { max } => format!("at most {max} may be chosen"),
            FieldRule::DuplicateChoice => "the same option is chosen twice".into(),
            FieldRule::TooLong { max } => format!("at most {max} characters"),
        };
        write!(f, "field `{}`: {english}", self.field)
    }
}

/// Whether `decl` is asked given the values so far (its `when` holds).
pub fn asked(decl_when: Option<&When>, data: &FormData) -> bool {
    match decl_when {
        None => true,
        Some(w) => data
            .get(&w.field)
            .map(|v| v.items().iter().any(|x| w.values.iter().any(|o| o == x)))
            .unwrap_or(false),
    }
}

/// Check `data` against `form` on `today`; `providers` are the options of a field whose
/// options are the service's organisations. All errors are reported, in declaration order.
pub fn validate(
    form: &ApplicationForm,
    providers: &[String],
    data: &FormData,
    today: Date,
) -> Result<FormData, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = FormData::new();
    for (k, v) in data {
        let declared = form.fields.iter().any(|f| &f.get_ref().id == k);
        if !declared && !v.is_blank() {
            errors.push(FieldError {
                field: k.clone(),
                rule: FieldRule::NotAsked,
            });
        }
    }
    for f in &form.fields {
        let d = f.get_ref();
        let value = data.get(&d.id).filter(|v| !v.is_blank());
        // Conditions look at the normalised answers before them.
        if !asked(d.when.as_ref(), &out) {
            if value.is_some() {
                errors.push(err(d, FieldRule::NotAsked));
            }
            continue;
        }
        let Some(value) = value else {
            if d.required {
                errors.push(err(d, FieldRule::Required));
            }
            continue;
        };
        match check(d, value, providers, &out, today) {
            Ok(v) => {
                out.insert(d.id.clone(), v);
            }
            Err(rule) => errors.push(err(d, rule)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn err(d: &FieldDecl, rule: FieldRule) -> FieldError {
    FieldError {
        field: d.id.clone(),
        rule,
    }
}

fn check(
    d: &FieldDecl,
    value: &FormValue,
    providers: &[String],
    before: &FormData,
    today: Date,
) -> Result<FormValue, FieldRule> {
    let s = value.as_str();
    let one = |s: String| Ok(FormValue::One(s));
    let max_len = d.max_len.unwrap_or(200);
    if !matches!(d.kind, FieldKind::Choices) && s.chars().count() > max_len as usize {
        return Err(FieldRule::TooLong { max: max_len });
    }
    match d.kind {
        FieldKind::Iin => {
            if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(FieldRule::IinFormat);
            }
            let iin = identity::iin::Iin::parse(s).map_err(|_| FieldRule::IinCheckDigit)?;
            let born = iin.birth_date();
            if let Some(bf) = &d.birth_date_field {
                if let Some(FormValue::One(b)) = before.get(bf)
                    && b.parse::<Date>().ok() != Some(born)
                {
                    return Err(FieldRule::IinBirthDate);
                }
            } else if let Some(age) = &d.age {
                check_age(age, born, today)?;
            }
            one(s.to_string())
        }
        FieldKind::Date => {
            let date = parse_date(s).ok_or(FieldRule::DateFormat)?;
            if (d.past || d.age.is_some()) && date > today {
                return Err(FieldRule::DateInFuture);
            }
            if let Some(age) = &d.age {
                check_age(age, date, today)?;
            }
            one(date.to_string())
        }
        FieldKind::Year => {
            let y: i16 = s.parse().map_err(|_| FieldRule::YearFormat)?;
            let ahead = d.years_ahead.unwrap_or(0);
            let last = i32::from(today.year()) + i32::try_from(ahead).unwrap_or(0);
            if s.len() != 4 || y < 1900 || i32::from(y) > last {
                return Err(match d.years_ahead {
                    Some(max) if s.len() == 4 && y >= 1900 => FieldRule::YearAhead { max },
                    _ => FieldRule::YearFormat,
                });
            }
            one(s.to_string())
        }
        FieldKind::Name => {
            let name = s.split_whitespace().collect::<Vec<_>>().join(" ");
            let ok = name.chars().any(char::is_alphabetic)
                && name
                    .chars()
                    .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’'));
            if !ok {
                return Err(FieldRule::NameFormat);
            }
            one(name)
        }
        FieldKind::Text => one(s.split_whitespace().collect::<Vec<_>>().join(" ")),
        FieldKind::Phone => {
            let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
            let clean = s
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '(' | ')' | '-'));
            let national = match digits.len() {
                11 if digits.starts_with('7') || digits.starts_with('8') => &digits[1..],
                10 => &digits[..],
                _ => return Err(FieldRule::PhoneFormat),
            };
            if !clean || !national.starts_with(['7', '6']) {
                return Err(FieldRule::PhoneFormat);
            }
            one(format!("+7{national}"))
        }
        FieldKind::Choice | FieldKind::Choices => {
            let items = value.items();
            let max = d
                .max_choices
                .unwrap_or(if d.kind == FieldKind::Choice { 1 } else { 3 });
            if items.len() > max as usize {
                return Err(FieldRule::TooManyChoices { max });
            }
            let known = |x: &str| {
                if d.options_from_providers {
                    providers.iter().any(|p| p == x)
                } else {
                    d.options.iter().any(|o| o.id == x)
                }
            };
            if let Some(_bad) = items.iter().find(|x| !known(x)) {
                return Err(FieldRule::UnknownOption);
            }
            let mut seen = std::collections::BTreeSet::new();
            if !items.iter().all(|x| seen.insert(*x)) {
                return Err(FieldRule::DuplicateChoice);
            }
            if d.kind == FieldKind::Choice {
                one(items[0].to_string())
            } else {
                Ok(FormValue::Many(
                    items.iter().map(|s| s.to_string()).collect(),
                ))
            }
        }
    }
}

fn check_age(age: &regulation::AgeRange, born: Date, today: Date) -> Result<(), FieldRule> {
    let years = full_years(born, today);
    if let Some(min) = age.min
        && years < min as i32
    {
        return Err(FieldRule::TooYoung { min });
    }
    if let Some(max) = age.max
        && years > max as i32
    {
        return Err(FieldRule::TooOld { max });
    }
    Ok(())
}

/// Full years of age on `today`; one born on 29 February comes of age on 1 March in a common
/// year (the period ends on the missing day's next).
pub fn full_years(born: Date, today: Date) -> i32 {
    let mut years = today.year() as i32 - born.year() as i32;
    if (today.month(), today.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    years
}

/// dd.mm.yyyy (the form's spelling) or yyyy-mm-dd (the API's and the journal's).
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Some((d, rest)) = s.split_once('.') {
        let (m, y) = rest.split_once('.')?;
        if d.len() > 2 || m.len() > 2 || y.len() != 4 {
            return None;
        }
        return Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok();
    }
    if s.len() == 10 {
        return s.parse().ok();
    }
    None
}

/// Valid data for `form` on `today`: a beneficiary of a middle allowed age, the first option of
/// every choice, and what each condition then asks. For tests, benchmarks, the demo and the
/// API's examples; `seed` varies the person (names, IIN serial).
pub fn sample(form: &ApplicationForm, today: Date, seed: u32) -> FormData {
    const SURNAMES: [&str; 4] = [
        "Әбілқасымова Айгерім",
        "Серікбаев Нұрлан",
        "Иванова Мария",
        "Жұмабек Ұлан",
    ];
    let mut out = FormData::new();
    let mut births: BTreeMap<&str, Date> = BTreeMap::new();
    let birth_for = |age: Option<&regulation::AgeRange>| {
        let (lo, hi) = age
            .map(|a| (a.min.unwrap_or(0), a.max.unwrap_or(a.min.unwrap_or(0) + 10)))
            .unwrap_or((20, 40));
        let years = lo + (hi.saturating_sub(lo)) / 2;
        today
            .checked_sub(
                jiff::Span::new()
                    .years(years as i64)
                    .days(40 + (seed % 200) as i64),
            )
            .unwrap_or(today)
    };
    for f in &form.fields {
        let d = f.get_ref();
        if !asked(d.when.as_ref(), &out) {
            continue;
        }
        let v = match d.kind {
            FieldKind::Name => FormValue::One(SURNAMES[seed as usize % SURNAMES.len()].into()),
            FieldKind::Date => {
                let b = birth_for(d.age.as_ref());
                births.insert(d.id.as_str(), b);
                FormValue::One(b.to_string())
            }
            FieldKind::Iin => {
                let b = d
                    .birth_date_field
                    .as_deref()
                    .and_then(|f| births.get(f).copied())
                    .unwrap_or_else(|| birth_for(d.age.as_ref()));
                let mut serial = (seed % 9000) as u16 + 100;
                let iin = loop {
                    match identity::iin::Iin::from_parts(b, identity::iin::Sex::Female, serial) {
                        Ok(i) => break i,
                        Err(_) => serial += 1,
                    }
                };
                FormValue::One(iin.as_str().to_string())
            }
            FieldKind::Year => FormValue::One((today.year() - 3).to_string()),
            FieldKind::Text => FormValue::One("№ 12".into()),
            FieldKind::Phone => FormValue::One(format!("+7701{:07}", 1_234_567 + seed % 1000)),
            FieldKind::Choice | FieldKind::Choices => match d.options.first() {
                Some(o) => FormValue::One(o.id.clone()),
                None => continue,
            },
        };
        out.insert(d.id.clone(), v);
    }
    out
}

/// A value as a person reads it in `lang` (kk or ru; en falls back to kk): an option's name,
/// a date dd.mm.yyyy.
pub fn value_text(d: &FieldDecl, v: &FormValue, lang: regulation::Lang) -> String {
    let pick = |kk: &str, ru: &str| match lang {
        regulation::Lang::Ru => ru.to_string(),
        _ => kk.to_string(),
    };
    if d.kind.has_options() {
        v.items()
            .iter()
            .map(|x| {
                d.options
                    .iter()
                    .find(|o| o.id == *x)
                    .map(|o| pick(&o.kk, &o.ru))
                    .unwrap_or_else(|| x.to_string())
            })
            .collect::<Vec<_>>()
            .join("; ")
    } else if d.kind == FieldKind::Date {
        match v.as_str().parse::<Date>() {
            Ok(date) => date.strftime("%d.%m.%Y").to_string(),
            Err(_) => v.as_str().to_string(),
        }
    } else {
        v.as_str().to_string()
    }
}

/// [`sample`] for a regulation on the Almaty day of `at` (empty when it declares no form).
pub fn sample_for(reg: &regulation::Regulation, at: jiff::Timestamp, seed: u32) -> FormData {
    match &reg.application {
        Some(f) => sample(
            f.get_ref(),
            at.to_zoned_datetime(calendar::almaty()).date(),
            seed,
        ),
        None => FormData::new(),
    }
}
