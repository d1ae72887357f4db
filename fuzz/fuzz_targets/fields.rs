//! Dates, phone numbers, amounts of money and free text as every form and the API submit
//! them.
#![no_main]

use hearth_core::{FieldErrors, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let blank = s.trim().is_empty();

    // Money: an amount accepted is more than zero and at most 10^12 fen, and reads back as
    // itself from the way hearth writes it; one refused names its field, once.
    let mut e = FieldErrors::new();
    match hearth_core::money::amount(&mut e, "amount", Some(s)) {
        Some(m) => {
            assert!(e.is_empty());
            assert!(m > 0 && m <= hearth_core::money::MAX_MINOR, "{s:?} read as {m}");
            let mut again = FieldErrors::new();
            let written = hearth_core::money::format_minor(m);
            assert_eq!(hearth_core::money::amount(&mut again, "amount", Some(&written)), Some(m), "{written}");
        }
        None => {
            assert_eq!(e.0.len(), 1, "{s:?}: {:?}", e.0);
            assert_eq!(e.0[0].field, "amount");
        }
    }

    let mut e = FieldErrors::new();
    match validate::date(&mut e, "d", Some(s)) {
        Some(d) => {
            assert!(e.is_empty());
            let year = chrono_year(&d.to_string());
            assert!((1900..=2100).contains(&year), "{d} out of range");
            // A date read back from what hearth writes is the same date: no second meaning.
            let mut again = FieldErrors::new();
            assert_eq!(validate::date(&mut again, "d", Some(&d.to_string())), Some(d));
        }
        // Blank is "not given"; anything else refused names the field, once.
        None => assert_eq!(e.0.len(), usize::from(!blank), "{s:?}: {:?}", e.0),
    }
    let mut e = FieldErrors::new();
    if validate::required_date(&mut e, "d", Some(s)).is_none() {
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].field, "d");
    }

    let mut e = FieldErrors::new();
    if let Some(p) = validate::phone(&mut e, "phone", Some(s)) {
        assert!(e.is_empty());
        assert!(p.chars().any(|c| c.is_ascii_digit()), "{p:?} has no digit");
    }

    let mut e = FieldErrors::new();
    match validate::text(&mut e, "notes", Some(s), 40) {
        Some(t) => {
            assert!(!t.is_empty() && t.chars().count() <= 40);
            assert_eq!(t, s.trim());
            assert!(!t.chars().any(validate::is_bidi_control));
            assert!(!t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')));
        }
        // Blank and short is "not given"; anything else refused names the field, once.
        None => assert_eq!(e.0.len(), usize::from(!blank || s.chars().count() > 40), "{s:?}"),
    }
});

fn chrono_year(iso: &str) -> i32 {
    iso.get(..4).and_then(|y| y.parse().ok()).unwrap_or(i32::MIN)
}
