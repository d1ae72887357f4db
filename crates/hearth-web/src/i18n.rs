//! Translation. Every user-visible string is a Fluent message in `locales/{en,zh-CN}/*.ftl`,
//! compiled into the binary. Each area owns its own .ftl file; a test checks that both
//! languages define exactly the same keys.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    pub static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: they show up as stray characters
        // in form values and CSV exports.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhCn,
}

static EN: LanguageIdentifier = langid!("en");
static ZH_CN: LanguageIdentifier = langid!("zh-CN");

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "en" || s.starts_with("en-") {
            Some(Lang::En)
        } else if s == "zh" || s.starts_with("zh-") {
            Some(Lang::ZhCn)
        } else {
            None
        }
    }

    /// The first supported language in an Accept-Language header (q-values respected).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut prefs: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let lang = Lang::parse(it.next()?)?;
                let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
                Some((q, lang))
            })
            .collect();
        prefs.sort_by(|a, b| b.0.total_cmp(&a.0));
        prefs.first().map(|p| p.1)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &EN,
            Lang::ZhCn => &ZH_CN,
        }
    }

    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    pub fn t_args(self, key: &str, args: &[(&'static str, FluentArg)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> =
            args.iter().map(|(k, v)| (Cow::Borrowed(*k), v.to_fluent())).collect();
        LOCALES.lookup_with_args(self.id(), key, &map)
    }
}

/// Every language's spelling of a message: what an import matches a file's headers and
/// cells against, so a ledger in either language reads the same.
pub struct AllLanguages;

impl hearth_core::import::Names for AllLanguages {
    fn spellings(&self, key: &str) -> Vec<String> {
        Lang::ALL.iter().filter_map(|l| LOCALES.try_lookup(l.id(), key)).collect()
    }
}

/// An argument for a message: numbers select plural forms, strings are inserted as-is.
#[derive(Clone, Debug)]
pub enum FluentArg {
    Num(i64),
    Str(String),
}

impl FluentArg {
    fn to_fluent(&self) -> FluentValue<'static> {
        match self {
            FluentArg::Num(n) => FluentValue::from(*n),
            FluentArg::Str(s) => FluentValue::from(s.clone()),
        }
    }
}

impl From<i64> for FluentArg {
    fn from(n: i64) -> Self {
        FluentArg::Num(n)
    }
}
impl From<i32> for FluentArg {
    fn from(n: i32) -> Self {
        FluentArg::Num(i64::from(n))
    }
}
impl From<u64> for FluentArg {
    fn from(n: u64) -> Self {
        FluentArg::Num(n as i64)
    }
}
impl From<usize> for FluentArg {
    fn from(n: usize) -> Self {
        FluentArg::Num(n as i64)
    }
}
impl From<&str> for FluentArg {
    fn from(s: &str) -> Self {
        FluentArg::Str(s.to_owned())
    }
}
impl From<String> for FluentArg {
    fn from(s: String) -> Self {
        FluentArg::Str(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_accept_language("fr;q=1, en;q=0.5, zh;q=0.4"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr"), None);
    }

    fn keys(dir: &str) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        let path = format!("{}/locales/{dir}", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for line in text.lines() {
                if let Some((k, _)) = line.split_once(" =")
                    && !k.starts_with(' ')
                    && !k.starts_with('#')
                    && !k.is_empty()
                {
                    out.insert(k.trim().to_owned());
                }
            }
        }
        out
    }

    /// The audit page names every action and kind of record in the reader's language.
    #[test]
    fn every_audit_action_and_record_kind_has_a_name() {
        let en = keys("en");
        let mut missing = Vec::new();
        for a in hearth_core::audit::Action::ALL {
            missing.push(format!("audit-action-{}", a.as_str().replace('_', "-")));
        }
        for k in hearth_core::record::EntityKind::ALL {
            missing.push(k.fluent_key());
        }
        missing.retain(|k| !en.contains(k));
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn both_languages_define_the_same_keys() {
        let en = keys("en");
        let zh = keys("zh-CN");
        assert!(en.len() > 20, "en catalogue looks empty");
        let only_en: Vec<_> = en.difference(&zh).collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        assert!(only_en.is_empty() && only_zh.is_empty(), "only en: {only_en:?}; only zh-CN: {only_zh:?}");
    }

    #[test]
    fn lookup_and_plurals() {
        assert_eq!(Lang::En.t("app-name"), "hearth");
        assert_eq!(Lang::En.t_args("households-count", &[("count", 1i64.into())]), "1 household");
        assert_eq!(Lang::En.t_args("households-count", &[("count", 3i64.into())]), "3 households");
        assert_eq!(Lang::ZhCn.t_args("households-count", &[("count", 3i64.into())]), "3 户");
    }
}
