//! The service passport: the `[passport]` section of a regulation file — what the service
//! costs, who may receive it, where and in what term a complaint goes, and the longest waits.
//!
//! Most seed texts say none of this: they point at the Standard (cost in its para 7, the appeal
//! order in its section 3) and at the Law "On state services" (art. 25, the complaint's terms).
//! Like `[application]`, every entry therefore says where it comes from: `source` (seed lines)
//! or `standard` (the Standard's paragraph or section), never neither; the appeal entries add
//! the law they rest on. Texts are in Kazakh and Russian, as pages show them.

use crate::model::{ChannelId, Duration, SourceRef};
use serde::{Deserialize, Serialize};
use toml::Spanned;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Passport {
    pub cost: Spanned<Cost>,
    pub recipients: Spanned<Recipients>,
    /// Where a complaint goes, in the order the applicant may take them.
    #[serde(default)]
    pub appeal: Vec<Spanned<Appeal>>,
    /// The longest waits the text gives (absent ones are absent).
    #[serde(default)]
    pub waiting: Vec<Spanned<Waiting>>,
}

/// What the service costs the applicant.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    pub free: bool,
    pub kk: String,
    pub ru: String,
    pub source: Option<SourceRef>,
    pub standard: Option<String>,
}

/// Who may receive the service (individuals, legal entities), as the text names them.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Recipients {
    pub kk: String,
    pub ru: String,
    pub source: Option<SourceRef>,
    pub standard: Option<String>,
}

/// Who considers a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealTo {
    /// The provider's head (or the local executive body above it).
    Provider,
    /// The authorised body for assessing and controlling the quality of state services.
    AuthorisedBody,
    Court,
}

impl AppealTo {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealTo::Provider => "provider",
            AppealTo::AuthorisedBody => "authorised_body",
            AppealTo::Court => "court",
        }
    }
}

/// One place a complaint goes, with the term in which it is considered (counted from its
/// registration) and the law that sets it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Appeal {
    pub to: AppealTo,
    /// To whom, in words ("to the head of the provider or the akimat").
    pub kk: String,
    pub ru: String,
    /// The term of consideration from the complaint's registration.
    pub term: Option<Duration>,
    /// The law in words ("art. 25(2) of the Law «On state services»").
    pub law_kk: Option<String>,
    pub law_ru: Option<String>,
    pub source: Option<SourceRef>,
    pub standard: Option<String>,
}

/// What the applicant waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitFor {
    /// Handing in the documents: until the request is processed and accepted.
    Submission,
    /// Receiving the result.
    Result,
}

impl WaitFor {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitFor::Submission => "submission",
            WaitFor::Result => "result",
        }
    }
}

/// The longest the applicant waits at a channel.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Waiting {
    pub what: WaitFor,
    pub channel: ChannelId,
    pub max: Duration,
    pub source: Option<SourceRef>,
    pub standard: Option<String>,
}

impl Cost {
    pub fn text(&self, lang: crate::Lang) -> &str {
        if lang == crate::Lang::Ru {
            &self.ru
        } else {
            &self.kk
        }
    }
}

impl Recipients {
    pub fn text(&self, lang: crate::Lang) -> &str {
        if lang == crate::Lang::Ru {
            &self.ru
        } else {
            &self.kk
        }
    }
}

impl Appeal {
    pub fn text(&self, lang: crate::Lang) -> &str {
        if lang == crate::Lang::Ru {
            &self.ru
        } else {
            &self.kk
        }
    }
    pub fn law(&self, lang: crate::Lang) -> Option<&str> {
        if lang == crate::Lang::Ru {
            self.law_ru.as_deref()
        } else {
            self.law_kk.as_deref()
        }
    }
}
