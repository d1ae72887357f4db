//! Typed words: the vocabularies a worker chooses from (a follow-up's status and category,
//! a visit's purpose, …) are Rust enums, stored as their stable snake_case names.
//!
//! Each is a SeaORM string `ActiveEnum` (`#[sea_orm(rs_type = "String", db_type =
//! "String(StringLen::None)", rename_all = "snake_case")]`), so the one conversion between
//! the stored word and the variant is the derive's, and an entity field holds the enum, not a
//! string. `Word` adds what forms and pages need: every value in order, parsing a submitted
//! value, and the Fluent key of its label (`<prefix>-<value>`, with `-` for `_`).

use sea_orm::{ActiveEnum, Iterable};

pub trait Word: ActiveEnum<Value = String> + Iterable + Copy + PartialEq + 'static {
    /// The Fluent key prefix of its labels (`follow-up-status`).
    const FLUENT: &'static str;

    fn all() -> Vec<Self> {
        Self::iter().collect()
    }

    /// The stored, stable name.
    fn word(&self) -> String {
        self.to_value()
    }

    fn parse(s: &str) -> Option<Self> {
        Self::try_from_value(&s.trim().to_owned()).ok()
    }

    fn fluent_key(&self) -> String {
        format!("{}-{}", Self::FLUENT, self.to_value().replace('_', "-"))
    }
}

/// Templates and messages show a word as its stored name: `display_as_word!(A, B)`.
macro_rules! display_as_word {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&$crate::word::Word::word(self))
            }
        }
    )*};
}
pub(crate) use display_as_word;
