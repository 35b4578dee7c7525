//! Interface languages (Kazakh, Russian, English) and the interface texts in
//! `locales/{kk,ru,en}.toml`, compiled into the binary.
//!
//! For: choosing the language of a request (`?lang=`, then the `qz_lang` cookie, then
//! `Accept-Language`, else Kazakh, the state language) and looking texts up by key. Not for:
//! the wording of printed documents (the `documents` crate's templates) nor regulation titles
//! (those are data in the regulation files).

use std::collections::HashMap;
use std::sync::OnceLock;

/// A language of the interface.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Kazakh, the state language: the default.
    #[default]
    Kk,
    Ru,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Kk, Lang::Ru, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Kk => "Қазақша",
            Lang::Ru => "Русский",
            Lang::En => "English",
        }
    }

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

    /// The language printed documents use: Kazakh or Russian (English falls back to Russian).
    pub fn document_lang(self) -> documents::Lang {
        match self {
            Lang::Kk => documents::Lang::Kk,
            _ => documents::Lang::Ru,
        }
    }

    /// Looks `key` up; falls back to English, then to the key itself.
    pub fn t(self, key: &str) -> &'static str {
        let all = texts();
        all[self as usize]
            .get(key)
            .or_else(|| all[Lang::En as usize].get(key))
            .map(|s| s.as_str())
            .unwrap_or_else(|| {
                tracing::warn!(key, "missing interface text");
                leak(key)
            })
    }

    /// `t(key)` with `{name}` placeholders replaced.
    pub fn tf(self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.t(key).to_string();
        for (k, v) in args {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }
}

fn leak(key: &str) -> &'static str {
    Box::leak(key.to_string().into_boxed_str())
}

pub const KK: &str = include_str!("../../../locales/kk.toml");
pub const RU: &str = include_str!("../../../locales/ru.toml");
pub const EN: &str = include_str!("../../../locales/en.toml");

/// The three text tables, indexed by `Lang as usize`.
fn texts() -> &'static [HashMap<String, String>; 3] {
    static TEXTS: OnceLock<[HashMap<String, String>; 3]> = OnceLock::new();
    TEXTS.get_or_init(|| [flatten_src(KK), flatten_src(RU), flatten_src(EN)])
}

/// Keys of one locale file, flattened (`[portal] title = ".."` is `portal.title`).
pub fn flatten_src(src: &str) -> HashMap<String, String> {
    let table: toml::Table = toml::from_str(src).unwrap_or_else(|e| panic!("locale file: {e}"));
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    out
}

fn flatten(prefix: &str, t: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_language_has_every_key() {
        let sets: Vec<BTreeSet<String>> = [KK, RU, EN]
            .iter()
            .map(|s| flatten_src(s).into_keys().collect())
            .collect();
        for (i, l) in Lang::ALL.iter().enumerate() {
            let missing: Vec<_> = sets[2].difference(&sets[i]).collect();
            let extra: Vec<_> = sets[i].difference(&sets[2]).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", l.code());
            assert!(
                extra.is_empty(),
                "{} has keys English lacks: {extra:?}",
                l.code()
            );
        }
    }

    #[test]
    fn kazakh_and_russian_are_translated() {
        // A text equal to the English one is allowed only for names and codes.
        let en = flatten_src(EN);
        for (lang, src) in [("kk", KK), ("ru", RU)] {
            let t = flatten_src(src);
            let same: Vec<_> = t
                .iter()
                .filter(|(k, v)| en.get(*k) == Some(v) && v.chars().any(|c| c.is_alphabetic()))
                .filter(|(k, _)| !k.starts_with("code."))
                .map(|(k, _)| k.clone())
                .collect();
            assert!(same.is_empty(), "{lang}: untranslated {same:?}");
        }
    }

    #[test]
    fn accept_language() {
        assert_eq!(
            Lang::from_accept_language("ru-RU,ru;q=0.9,en;q=0.8"),
            Some(Lang::Ru)
        );
        assert_eq!(Lang::from_accept_language("de,en;q=0.5"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("de"), None);
    }
}
