//! The languages of qyzmet: Kazakh (the state language), Russian and English. One type for the
//! interface, the messages of other crates (IIN and signature refusals) and printed documents
//! (which exist in Kazakh and Russian only: `documents` says how English falls back).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A language; Kazakh, the state language, by default.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Kazakh, the state language.
    #[default]
    Kk,
    /// Russian.
    Ru,
    /// English.
    En,
}

impl Lang {
    /// Every language, Kazakh first (the order indexes per-language tables).
    pub const ALL: [Lang; 3] = [Lang::Kk, Lang::Ru, Lang::En];

    /// `kk`, `ru`, `en`: in URLs, cookies, file names.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// The BCP 47 tag (a PDF's `/Lang`).
    pub fn bcp47(self) -> &'static str {
        match self {
            Lang::Kk => "kk-KZ",
            Lang::Ru => "ru-KZ",
            Lang::En => "en",
        }
    }

    /// The language's own name, for a language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Kk => "Қазақша",
            Lang::Ru => "Русский",
            Lang::En => "English",
        }
    }

    /// A language code or tag, as users and browsers write it (`kz`, `ru-RU`, `EN`).
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "kk" | "kz" | "kk-kz" => Some(Lang::Kk),
            "ru" | "ru-kz" | "ru-ru" => Some(Lang::Ru),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header.
    pub fn from_accept_language(h: &str) -> Option<Lang> {
        h.split(',')
            .filter_map(|part| part.split(';').next())
            .find_map(|tag| Lang::parse(tag.split('-').next().unwrap_or("")))
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
