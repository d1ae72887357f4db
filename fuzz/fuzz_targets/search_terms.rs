//! The search-key builder: every name is found by what a worker types for it.
#![no_main]

use hearth_core::registry::search;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|name: &str| {
    let terms = search::terms(name);
    for (i, t) in terms.iter().enumerate() {
        assert!(!t.is_empty());
        assert!(t.chars().count() <= search::MAX_TERM_CHARS);
        assert!(!terms[..i].contains(t), "duplicate term {t:?}");
    }
    let n = search::normalize(name);
    assert_eq!(search::normalize(&n), n, "normalising twice changed {name:?}");
    // The name typed in full (in any case, with or without its separators) finds it.
    let q = search::query(name);
    if !q.is_empty() {
        assert!(terms.iter().any(|t| t.starts_with(&q)), "{name:?} not found by {q:?} in {terms:?}");
        assert_eq!(search::query(&name.to_uppercase()).is_empty(), false);
    }
    assert!(search::prefix_upper(&q) > q);
});
