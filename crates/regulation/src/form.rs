//! What an application carries: the `[application]` section of a regulation file.
//!
//! The seed texts only point at "the application in the form of Appendix 2 to the Standard"
//! and "the documents listed in para 9 of the Standard"; the fields and documents themselves
//! come from that Standard. Every declaration therefore says where it comes from: `source`
//! (lines of the seed) or `standard` (a paragraph or appendix of the Standard the regulation
//! cites, `[standard]`), never neither. Validation of values is `engine::form`.

use crate::model::{ChannelId, SourceRef};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// Who the service is for, as the Standard names that person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Beneficiary {
    /// The applicant themself (a student applying for their own dormitory place).
    Applicant,
    Child,
    Pupil,
    Student,
    Ward,
    /// A graduate asking for a duplicate of their own document.
    Graduate,
}

impl Beneficiary {
    pub fn as_str(self) -> &'static str {
        match self {
            Beneficiary::Applicant => "applicant",
            Beneficiary::Child => "child",
            Beneficiary::Pupil => "pupil",
            Beneficiary::Student => "student",
            Beneficiary::Ward => "ward",
            Beneficiary::Graduate => "graduate",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationForm {
    pub beneficiary: Beneficiary,
    /// The application's form, e.g. "App. 2 to the Standard".
    pub form: Option<String>,
    pub source: Option<SourceRef>,
    pub standard: Option<String>,
    #[serde(default)]
    pub fields: Vec<Spanned<FieldDecl>>,
    #[serde(default)]
    pub documents: Vec<Spanned<DocumentDecl>>,
}

/// The kind of a value, which decides its validation and its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// 12 digits with a valid check digit (kz-facts §1).
    Iin,
    /// A person's surname, name or patronymic: letters, spaces, hyphens, apostrophes.
    Name,
    /// A calendar date, entered dd.mm.yyyy.
    Date,
    /// A year, four digits.
    Year,
    /// Free text (an address, a document's number).
    Text,
    /// A Kazakh phone number: +7 and ten digits.
    Phone,
    /// One value from `options`.
    Choice,
    /// One or more values from `options` (at most `max_choices`), in the order of preference.
    Choices,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Iin => "iin",
            FieldKind::Name => "name",
            FieldKind::Date => "date",
            FieldKind::Year => "year",
            FieldKind::Text => "text",
            FieldKind::Phone => "phone",
            FieldKind::Choice => "choice",
            FieldKind::Choices => "choices",
        }
    }
    pub fn has_options(self) -> bool {
        matches!(self, FieldKind::Choice | FieldKind::Choices)
    }
}

/// Whose fact a field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum About {
    Applicant,
    Beneficiary,
    Application,
}

/// A field shown or required only when another field holds one of some values.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    pub field: String,
    #[serde(rename = "in")]
    pub values: Vec<String>,
}

/// Ages in full years on the day of application, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AgeRange {
    pub min: Option<u32>,
    pub max: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OptionDecl {
    pub id: String,
    pub kk: String,
    pub ru: String,
    pub source: Option<SourceRef>,
    pub standard: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDecl {
    pub id: String,
    pub kind: FieldKind,
    pub about: About,
    pub kk: String,
    pub ru: String,
    #[serde(default)]
    pub required: bool,
    /// Only for this field's condition; otherwise not asked (and refused if given).
    pub when: Option<When>,
    /// Text: the longest value in characters (default 200).
    pub max_len: Option<u32>,
    /// Choices: how many may be chosen (default 1 for choice, 3 for choices).
    pub max_choices: Option<u32>,
    /// Date of birth or IIN of the beneficiary: the age the Standard allows.
    pub age: Option<AgeRange>,
    /// Date: must not be after the day of application (birth dates, issue dates).
    #[serde(default)]
    pub past: bool,
    /// Year: how many years after the year of application it may be (a wanted year of
    /// admission); none: not after the year of application (a year of graduation).
    pub years_ahead: Option<u32>,
    /// An IIN field whose birth date must match this date field (kz-facts §1).
    pub birth_date_field: Option<String>,
    #[serde(default)]
    pub options: Vec<OptionDecl>,
    /// Choices whose values are the service's providing organisations (the preferred
    /// kindergartens): the options are the organisations, not declared here.
    #[serde(default)]
    pub options_from_providers: bool,
    pub source: Option<SourceRef>,
    pub standard: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentDecl {
    pub id: String,
    pub kk: String,
    pub ru: String,
    /// What the document proves (the category, the identity, the relationship).
    pub proves_kk: String,
    pub proves_ru: String,
    /// Channels where it is asked for (empty: all the regulation's accepting channels).
    #[serde(default)]
    pub channels: Vec<ChannelId>,
    /// Asked only when a field holds one of some values (a category's proof).
    pub when: Option<When>,
    /// Obtained by the provider or the State Corporation from state information systems
    /// (not asked from the applicant; shown on the checklist as such).
    #[serde(default)]
    pub from_state_systems: bool,
    pub source: Option<SourceRef>,
    pub standard: Option<String>,
}

impl DocumentDecl {
    pub fn asked_on(&self, channel: ChannelId) -> bool {
        !self.from_state_systems && (self.channels.is_empty() || self.channels.contains(&channel))
    }
}
