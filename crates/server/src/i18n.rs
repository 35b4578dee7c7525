//! Interface languages (Kazakh, Russian, English) and the interface messages in
//! `locales/{kk,ru,en}/main.ftl` (Project Fluent), compiled into the binary.
//!
//! For: choosing the language of a request (`?lang=`, then the `qz_lang` cookie, then
//! `Accept-Language`, else Kazakh, the state language) and formatting messages by id, with
//! plural forms for counts (`$count`). Not for: the wording of printed documents (the
//! `documents` crate's templates) nor regulation titles (those are data in the regulation files).
//!
//! Rules, checked by the tests below:
//! - code names a message only as `lang.t("id")`, `lang.t_args("id", ..)` or
//!   `lang.t_count("id", n)` with a literal id, or as `lang.t_in("family", key)` /
//!   `lang.t_in_opt("family", key)`, `lang.t_in_args("family", key, ..)` for ids made from data (`status-in_progress`);
//! - every literal id exists in kk, ru and en, every family has messages, and the three
//!   locales have the same ids.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};

/// An argument of a message: a number (plural selection) or a string.
pub use fluent_bundle::FluentValue as Arg;

/// The one language type of the workspace; its messages come from [`Messages`].
pub use regulation::Lang;

/// The interface messages of a language (a trait because [`Lang`] lives in `regulation`).
pub trait Messages: Copy {
    /// The message `id` without arguments; falls back to English, then to the id itself.
    fn t(self, id: &str) -> &'static str;
    /// The message `id` with arguments (`("count", n.into())`, `("id", s.into())`).
    fn t_args(self, id: &str, args: &[(&str, Arg<'_>)]) -> String;
    /// The message `id` with its `$count`: `t_count("unit-minutes", 2)` is "2 минуты" in Russian.
    fn t_count(self, id: &str, count: u64) -> String;
    /// The message of a data value: `t_in("status", "in_progress")` is `status-in_progress`
    /// (dots in the value become dashes: Fluent ids have none). Falls back to the value.
    fn t_in(self, family: &str, key: &str) -> &'static str;
    /// As [`Messages::t_in`], with arguments.
    fn t_in_args(self, family: &str, key: &str, args: &[(&str, Arg<'_>)]) -> String;
    /// As [`Messages::t_in`], `None` where there is no such message (a problem rule the
    /// interface does not word, a role named only by its regulation).
    fn t_in_opt(self, family: &str, key: &str) -> Option<&'static str>;
}

impl Messages for Lang {
    fn t(self, id: &str) -> &'static str {
        t_opt(self, id).unwrap_or_else(|| {
            tracing::warn!(id, "missing interface message");
            intern(id)
        })
    }

    fn t_args(self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, v.clone());
        }
        for l in [self, Lang::En] {
            let b = &locales()[l as usize].bundle;
            if let Some(p) = b.get_message(id).and_then(|m| m.value()) {
                let mut errors = vec![];
                let s = b.format_pattern(p, Some(&fa), &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(id, ?errors, "interface message formatted with errors");
                }
                return s.into_owned();
            }
        }
        tracing::warn!(id, "missing interface message");
        id.to_string()
    }

    fn t_count(self, id: &str, count: u64) -> String {
        self.t_args(id, &[("count", count.into())])
    }

    fn t_in(self, family: &str, key: &str) -> &'static str {
        self.t_in_opt(family, key).unwrap_or_else(|| {
            tracing::warn!(family, key, "missing interface message");
            intern(key)
        })
    }

    fn t_in_args(self, family: &str, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.t_args(&format!("{family}-{}", key.replace('.', "-")), args)
    }

    fn t_in_opt(self, family: &str, key: &str) -> Option<&'static str> {
        t_opt(self, &format!("{family}-{}", key.replace('.', "-")))
    }
}

/// Working hours in words in `lang`: "Пн-Пт 09:00-13:00, 14:30-18:30; Сб 09:00-20:00".
pub fn schedule_words(lang: Lang, schedule: &calendar::Schedule) -> String {
    let names: Vec<&str> = lang.t("weekdays-short").split_whitespace().collect();
    match <[&str; 7]>::try_from(names) {
        Ok(names) => schedule.describe(names),
        Err(_) => schedule.to_string(),
    }
}

/// The message `id` in `lang`, else in English.
fn t_opt(lang: Lang, id: &str) -> Option<&'static str> {
    let all = locales();
    all[lang as usize]
        .plain
        .get(id)
        .or_else(|| all[Lang::En as usize].plain.get(id))
        .map(String::as_str)
}

/// A missing id as a `&'static str`, leaked once per distinct id.
fn intern(id: &str) -> &'static str {
    static SEEN: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(s) = seen.get(id) {
        return s;
    }
    let s: &'static str = Box::leak(id.to_string().into_boxed_str());
    seen.insert(s);
    s
}

/// The Fluent sources, indexed by `Lang as usize`.
pub const SOURCES: [&str; 3] = [
    include_str!("../../../locales/kk/main.ftl"),
    include_str!("../../../locales/ru/main.ftl"),
    include_str!("../../../locales/en/main.ftl"),
];

struct Locale {
    bundle: FluentBundle<FluentResource>,
    /// Every message formatted once without arguments, so that `t` lends `&'static str`.
    plain: HashMap<String, String>,
}

fn locales() -> &'static [Locale; 3] {
    static LOCALES: OnceLock<[Locale; 3]> = OnceLock::new();
    LOCALES.get_or_init(|| Lang::ALL.map(|l| locale(l, SOURCES[l as usize])))
}

fn locale(l: Lang, src: &str) -> Locale {
    let res = FluentResource::try_new(src.to_string())
        .unwrap_or_else(|(_, e)| panic!("locales/{}/main.ftl: {e:?}", l.code()));
    let ids = message_ids(&res);
    let lang: unic_langid::LanguageIdentifier = l.code().parse().expect("language tag");
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    // No Unicode isolation marks (U+2068/U+2069) around arguments: all three languages are
    // left-to-right, and the texts go into attributes, <title>, SMS and problem details,
    // where the invisible marks would only break comparisons and copy-paste.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(res)
        .unwrap_or_else(|e| panic!("locales/{}/main.ftl: {e:?}", l.code()));
    let plain = ids
        .into_iter()
        .filter_map(|id| {
            let p = bundle.get_message(&id)?.value()?;
            let s = bundle.format_pattern(p, None, &mut vec![]).into_owned();
            Some((id, s))
        })
        .collect();
    Locale { bundle, plain }
}

/// The message ids of a resource.
fn message_ids(res: &FluentResource) -> Vec<String> {
    res.entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn ids(l: Lang) -> BTreeSet<String> {
        let res = FluentResource::try_new(SOURCES[l as usize].to_string())
            .unwrap_or_else(|(_, e)| panic!("{}: {e:?}", l.code()));
        message_ids(&res).into_iter().collect()
    }

    #[test]
    fn every_locale_parses_without_errors() {
        for l in Lang::ALL {
            if let Err((_, e)) = FluentResource::try_new(SOURCES[l as usize].to_string()) {
                panic!("locales/{}/main.ftl: {e:?}", l.code());
            }
            let res = FluentResource::try_new(SOURCES[l as usize].to_string()).unwrap();
            let mut b = FluentBundle::new_concurrent(vec![l.code().parse().unwrap()]);
            assert!(b.add_resource(res).is_ok(), "{}: duplicate ids", l.code());
        }
    }

    #[test]
    fn every_locale_has_the_same_ids() {
        let en = ids(Lang::En);
        for l in [Lang::Kk, Lang::Ru] {
            let own = ids(l);
            let missing: Vec<_> = en.difference(&own).collect();
            let extra: Vec<_> = own.difference(&en).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", l.code());
            assert!(
                extra.is_empty(),
                "{} has ids English lacks: {extra:?}",
                l.code()
            );
        }
    }

    /// Where the server's source names messages: (id or family, file:line).
    #[derive(Default)]
    struct Uses {
        literal: Vec<(String, String)>,
        family: Vec<(String, String)>,
        /// Calls whose id is not a literal.
        bad: Vec<String>,
    }

    fn used_ids() -> Uses {
        let mut u = Uses::default();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![];
        let mut dirs = vec![src];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() > 10, "the scan found the sources");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, _) in text.match_indices(".t") {
                let rest = &text[i + 2..];
                let name_len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                let method = &rest[..name_len];
                let is_family = match method {
                    "" | "_args" | "_count" => false,
                    "_in" | "_in_opt" | "_in_args" => true,
                    _ => continue,
                };
                let Some(args) = rest[name_len..].strip_prefix('(') else {
                    continue;
                };
                let line = text[..i].lines().count();
                let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
                if text[line_start..i].trim_start().starts_with("//") {
                    continue;
                }
                let at = format!("{}:{line}", f.display());
                let args = args.trim_start();
                // The methods' definitions and their calls of each other.
                if args.starts_with("self") || text[..i].ends_with("self") {
                    continue;
                }
                let Some(lit) = args.strip_prefix('"') else {
                    u.bad
                        .push(format!("{at}: .t{method}( without a literal id"));
                    continue;
                };
                let id = lit[..lit.find('"').unwrap()].to_string();
                if is_family {
                    u.family.push((id, at));
                } else {
                    u.literal.push((id, at));
                }
            }
        }
        u
    }

    #[test]
    fn every_message_id_in_the_source_exists_in_every_locale() {
        let Uses {
            literal,
            family,
            bad,
        } = used_ids();
        assert!(bad.is_empty(), "{bad:#?}");
        assert!(literal.len() > 200, "found {} ids", literal.len());
        for l in Lang::ALL {
            let have = ids(l);
            let missing: Vec<_> = literal
                .iter()
                .filter(|(id, _)| !have.contains(id))
                .collect();
            assert!(missing.is_empty(), "{} lacks {missing:#?}", l.code());
            let empty: Vec<_> = family
                .iter()
                .filter(|(f, _)| !have.iter().any(|id| id.starts_with(&format!("{f}-"))))
                .collect();
            assert!(
                empty.is_empty(),
                "{} has no message of {empty:#?}",
                l.code()
            );
        }
    }

    #[test]
    fn every_known_value_of_a_family_has_its_message() {
        let families: [(&str, &[&str]); 9] = [
            ("tokens-scope", &crate::auth::SCOPES),
            ("done", &crate::ui::DONE),
            ("sla", &["on_time", "at_risk", "overdue"]),
            (
                "channel",
                &["office", "state_corporation", "portal", "intermediary"],
            ),
            ("timeline", &["done", "current", "pending", "not_reached"]),
            (
                "status",
                &[
                    "in_progress",
                    "awaiting_issue",
                    "returned_to_provider",
                    "closed",
                ],
            ),
            (
                "closure",
                &[
                    "issued",
                    "refusal_issued",
                    "acceptance_refused",
                    "refusal_notice",
                ],
            ),
            (
                "outcome",
                &["done", "refuse_acceptance", "motivated_refusal", "fail"],
            ),
            ("doc", &["receipt", "result"]),
        ];
        for l in Lang::ALL {
            let have = ids(l);
            for (f, values) in families {
                for v in values {
                    let id = format!("{f}-{v}");
                    assert!(have.contains(&id), "{} lacks {id}", l.code());
                }
            }
        }
    }

    #[test]
    fn kazakh_and_russian_are_translated() {
        // A text equal to the English one is allowed only for names and codes.
        for l in [Lang::Kk, Lang::Ru] {
            let same: Vec<_> = locales()[l as usize]
                .plain
                .iter()
                .filter(|(k, v)| {
                    locales()[Lang::En as usize].plain.get(*k) == Some(v)
                        && v.chars().any(|c| c.is_alphabetic())
                })
                .map(|(k, _)| k.clone())
                .collect();
            assert!(same.is_empty(), "{}: untranslated {same:?}", l.code());
        }
    }

    #[test]
    fn plural_forms() {
        let minutes = |l: Lang, n| l.t_count("unit-minutes", n);
        assert_eq!(
            [1, 2, 5, 11, 21, 22, 25].map(|n| minutes(Lang::Ru, n)),
            [
                "1 минута",
                "2 минуты",
                "5 минут",
                "11 минут",
                "21 минута",
                "22 минуты",
                "25 минут"
            ]
        );
        assert_eq!(
            [1, 2, 5].map(|n| Lang::Ru.t_count("unit-working_days", n)),
            ["1 рабочий день", "2 рабочих дня", "5 рабочих дней"]
        );
        assert_eq!(
            [1, 3].map(|n| Lang::Ru.t_count("monitoring-applications", n)),
            ["1 заявление", "3 заявления"]
        );
        assert_eq!(
            [1, 2].map(|n| minutes(Lang::En, n)),
            ["1 minute", "2 minutes"]
        );
        assert_eq!(
            [1, 7].map(|n| Lang::En.t_count("unit-calendar_days", n)),
            ["1 calendar day", "7 calendar days"]
        );
        // Kazakh keeps the noun singular after a numeral.
        assert_eq!(
            [1, 5].map(|n| Lang::Kk.t_count("unit-working_days", n)),
            ["1 жұмыс күні", "5 жұмыс күні"]
        );
        assert_eq!(
            Lang::En.t_count("upload-hint", 10),
            "PDF, JPEG or PNG, each up to 5 MiB, at most 10 files. You can select several files at once."
        );
    }

    #[test]
    fn arguments_carry_no_isolation_marks() {
        let s = Lang::Ru.t_args("app-title", &[("id", "A-1".into())]);
        assert_eq!(s, "Заявление A-1");
        assert_eq!(Lang::Kk.t_in("sla", "on_time"), Lang::Kk.t("sla-on_time"));
        assert_eq!(
            Lang::En.t_in_opt("problem", "provider.type"),
            Some("This organisation does not provide the chosen service.")
        );
        assert_eq!(Lang::En.t_in_opt("problem", "no.such.rule"), None);
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
