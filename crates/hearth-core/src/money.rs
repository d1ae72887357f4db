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
