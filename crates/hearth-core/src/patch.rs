//! `Patch<T>`: one field of a partial update, with three states — absent (keep), `null`
//! (clear), a value (set) — so an API client can clear an optional field, and a missing
//! field can never be mistaken for a cleared one.
//!
//! In a request body: `#[serde(default)] field: Patch<T>` (absent → `Keep`, the default).

use serde::{Deserialize, Deserializer};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Only called for a field that is present: `null` clears, anything else sets.
        Ok(match Option::<T>::deserialize(d)? {
            None => Patch::Clear,
            Some(v) => Patch::Set(v),
        })
    }
}

impl<T> Patch<T> {
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }

    /// `None` = keep; `Some(None)` = clear; `Some(Some(v))` = set.
    pub fn into_change(self) -> Option<Option<T>> {
        match self {
            Patch::Keep => None,
            Patch::Clear => Some(None),
            Patch::Set(v) => Some(Some(v)),
        }
    }
}

impl Patch<String> {
    /// As submitted text, the way forms submit it: `None` = not submitted (keep), `""` =
    /// cleared, so one validation serves forms and the API (a required field cleared is
    /// `required`).
    pub fn into_text(self) -> Option<String> {
        match self {
            Patch::Keep => None,
            Patch::Clear => Some(String::new()),
            Patch::Set(v) => Some(v),
        }
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// A form's value: submitted (set) or not (keep). Forms cannot send `null`.
    fn from(v: Option<T>) -> Patch<T> {
        v.map_or(Patch::Keep, Patch::Set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(default)]
        notes: Patch<String>,
        #[serde(default)]
        owner: Patch<i64>,
    }

    #[test]
    fn absent_keeps_null_clears_value_sets() {
        let b: Body = serde_json::from_str(r#"{}"#).unwrap_or(Body { notes: Patch::Clear, owner: Patch::Clear });
        assert_eq!((b.notes, b.owner), (Patch::Keep, Patch::Keep));
        let b: Body = serde_json::from_str(r#"{"notes": null, "owner": 7}"#)
            .unwrap_or(Body { notes: Patch::Keep, owner: Patch::Keep });
        assert_eq!((b.notes.clone(), b.owner), (Patch::Clear, Patch::Set(7)));
        assert_eq!(b.notes.into_text(), Some(String::new()));
        assert_eq!(Patch::Set("n".to_owned()).into_text(), Some("n".to_owned()));
        assert_eq!(Patch::<String>::Keep.into_text(), None);
        assert_eq!(Patch::<i64>::Clear.into_change(), Some(None));
        assert!(serde_json::from_str::<Body>(r#"{"owner": "x"}"#).is_err());
    }
}
