//! Parsing of submitted text into domain values, collecting every problem by field name.
//!
//! Forms and the JSON API both submit text for dates and choices, so both go through the
//! same functions and give the same errors.

use chrono::NaiveDate;

use crate::error::FieldErrors;

/// Trimmed text, `None` when empty; too long → `too_long` with the limit. The length is
/// counted as sent, spaces included, as the API documents it (`maxLength`).
pub fn text(errors: &mut FieldErrors, field: &str, value: Option<&str>, max_chars: usize) -> Option<String> {
    if value.is_some_and(|v| v.chars().count() > max_chars) {
        errors.add_arg(field, "too_long", max_chars as i64);
        return None;
    }
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().any(|c| (c.is_control() && c != '\n' && c != '\r' && c != '\t') || is_bidi_control(c)) {
        errors.add(field, "invalid_characters");
        return None;
    }
    Some(v.to_owned())
}

/// Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): invisible,
/// and able to make a name or code display as something else ("Trojan Source").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Like `text`, but empty is an error.
pub fn required_text(errors: &mut FieldErrors, field: &str, value: Option<&str>, max_chars: usize) -> Option<String> {
    let present = value.map(str::trim).is_some_and(|v| !v.is_empty());
    if !present {
        errors.add(field, "required");
        return None;
    }
    text(errors, field, value, max_chars)
}

/// A calendar date written exactly `YYYY-MM-DD` (what a date input sends and the API
/// documents; `2016-3-1` is not one), between 1900 and 2100. A well-written date that does
/// not exist (2016-02-30) says so, rather than asking for the format the user already used.
pub fn date(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    let b = v.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    let number = |r: std::ops::Range<usize>| v.get(r).and_then(|s| s.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (number(0..4), number(5..7), number(8..10)) else {
        errors.add(field, "invalid_date");
        return None;
    };
    if !shaped {
        errors.add(field, "invalid_date");
        return None;
    }
    if !(1900..=2100).contains(&y) {
        errors.add(field, "date_out_of_range");
        return None;
    }
    let Some(date) = i32::try_from(y).ok().and_then(|y| NaiveDate::from_ymd_opt(y, m, d)) else {
        errors.add(field, "no_such_date");
        return None;
    };
    Some(date)
}

pub fn required_date(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    if value.map(str::trim).is_none_or(|v| v.is_empty()) {
        errors.add(field, "required");
        return None;
    }
    date(errors, field, value)
}

/// A phone number: digits with the usual separators, 3–40 characters.
pub fn phone(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<String> {
    let v = text(errors, field, value, 40)?;
    let digits = v.chars().filter(char::is_ascii_digit).count();
    if digits < 3 || !v.chars().all(|c| c.is_ascii_digit() || " +-()./".contains(c)) {
        errors.add(field, "invalid_phone");
        return None;
    }
    Some(v)
}

/// One of a fixed set of stored values (the UI translates them).
pub fn choice(errors: &mut FieldErrors, field: &str, value: Option<&str>, allowed: &[&str]) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if allowed.contains(&v) {
        Some(v.to_owned())
    } else {
        errors.add(field, "invalid_choice");
        None
    }
}

/// One word of a vocabulary (`crate::word::Word`); blank is `None`, anything else unknown is
/// `invalid_choice`.
pub fn word<W: crate::word::Word>(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<W> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    let w = W::parse(v);
    if w.is_none() {
        errors.add(field, "invalid_choice");
    }
    w
}

/// A slug: lower-case letters, digits and dashes, 2–40 characters.
pub fn slug(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<String> {
    let v = required_text(errors, field, value, 40)?;
    if v.len() < 2 || !v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        errors.add(field, "invalid_slug");
        return None;
    }
    Some(v)
}

/// Sets each submitted field of validated values `v` (an `Option` per field: `None` = not
/// submitted) on the active model `a`, leaving the others untouched:
/// `set_submitted!(a, v; code, address, notes)`.
macro_rules! set_submitted {
    ($a:ident, $v:ident; $($name:ident),* $(,)?) => {
        $( if let Some(x) = $v.$name.clone() { $a.$name = sea_orm::Set(x); } )*
    };
}
pub(crate) use set_submitted;

/// A page size from a query string, `1..=MAX`, for `#[serde(deserialize_with)]`: out of
/// range is a deserialization error, which the API answers as 400 naming the parameter, so
/// the documented bounds are the enforced ones.
pub fn page_limit<'de, D: serde::Deserializer<'de>, const MAX: u64>(d: D) -> Result<Option<u64>, D::Error> {
    let v: Option<u64> = serde::Deserialize::deserialize(d)?;
    match v {
        Some(n) if !(1..=MAX).contains(&n) => Err(serde::de::Error::custom(format!("must be between 1 and {MAX}"))),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_text() {
        let mut e = FieldErrors::new();
        assert_eq!(date(&mut e, "d", Some("2016-03-01")), NaiveDate::from_ymd_opt(2016, 3, 1));
        assert_eq!(date(&mut e, "d", Some("2016-02-30")), None);
        assert_eq!(date(&mut e, "d2", Some("1/3/2016")), None);
        assert_eq!(text(&mut e, "t", Some("  "), 5), None);
        assert_eq!(text(&mut e, "t2", Some("abcdef"), 5), None);
        assert_eq!(phone(&mut e, "p", Some("138 0000 1111")), Some("138 0000 1111".into()));
        assert_eq!(phone(&mut e, "p2", Some("call me")), None);
        let fields: Vec<_> = e.0.iter().map(|x| (x.field.as_str(), x.code)).collect();
        assert_eq!(
            fields,
            [("d", "no_such_date"), ("d2", "invalid_date"), ("t2", "too_long"), ("p2", "invalid_phone")]
        );
    }
}
