//! Money is integer minor units (fen for CNY) everywhere. What a worker types ("1800",
//! "1,800.50", "1800.5") is read exactly, digit by digit, never through a float, and shown
//! back the same way.

/// Amount typed in major units with at most two decimals, as minor units. Commas and spaces
/// group thousands; a sign, letters, a third decimal or an amount over `i64` are `None`.
pub fn parse_minor(typed: &str) -> Option<i64> {
    let t: String = typed.trim().chars().filter(|c| *c != ',' && *c != ' ' && *c != '，').collect();
    if t.is_empty() {
        return None;
    }
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    let w: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    w.checked_mul(100)?.checked_add(f)
}

/// Minor units as major units with two decimals and thousands grouped: 180050 → "1,800.50".
pub fn format_minor(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// The largest amount accepted anywhere, in minor units (10^12 fen: ten billion yuan).
pub const MAX_MINOR: i64 = 1_000_000_000_000;

/// Full-width digits and marks ("１２３．５０", "１，０００") as their ASCII forms: a
/// Chinese input method types them, and they mean the same amount.
fn half_width(typed: &str) -> String {
    typed
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c),
            '．' | '。' => '.',
            '，' => ',',
            '　' => ' ',
            '¥' | '￥' => ' ',
            _ => c,
        })
        .collect()
}

/// An amount a worker typed, in yuan, checked into minor units: more than zero, at most two
/// decimals, at most `MAX_MINOR`. Each problem is named on `field`.
pub fn amount(errors: &mut crate::FieldErrors, field: &str, typed: Option<&str>) -> Option<i64> {
    let t = half_width(typed.unwrap_or_default());
    let t = t.trim();
    if t.is_empty() {
        errors.add(field, "required");
        return None;
    }
    if t.starts_with('-') {
        errors.add(field, "amount_not_positive");
        return None;
    }
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    let Some(minor) = parse_minor(t) else {
        // Digits enough for more than the maximum, well formed: too large, not invalid.
        let shaped = t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',' || c == ' ');
        if shaped
            && t.matches('.').count() <= 1
            && t.split('.').nth(1).is_none_or(|f| f.len() <= 2)
            && digits.len() > 12
        {
            errors.add(field, "amount_too_large");
        } else {
            errors.add(field, "amount_invalid");
        }
        return None;
    };
    if minor == 0 {
        errors.add(field, "amount_not_positive");
        return None;
    }
    if minor > MAX_MINOR {
        errors.add(field, "amount_too_large");
        return None;
    }
    Some(minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_amounts_are_read_exactly() {
        assert_eq!(parse_minor("1800"), Some(180_000));
        assert_eq!(parse_minor("1,800.5"), Some(180_050));
        assert_eq!(parse_minor("0.07"), Some(7));
        assert_eq!(parse_minor(".5"), Some(50));
        assert_eq!(parse_minor("1.005"), None);
        assert_eq!(parse_minor("-3"), None);
        assert_eq!(parse_minor("1e3"), None);
        assert_eq!(parse_minor("."), None);
        assert_eq!(parse_minor("99999999999999999999"), None);
        for v in [0, 7, 99, 100, 180_050, 123_456_789, i64::MAX] {
            assert_eq!(parse_minor(&format_minor(v)), Some(v));
        }
        assert_eq!(format_minor(495_000), "4,950.00");
        assert_eq!(format_minor(-5), "-0.05");
    }
}
