//! Spreadsheet import: whatever bytes arrive as an upload are read as a file (encoding,
//! separator, XLSX) without a panic, and every cell's cleaning and reading keeps its
//! promises: cleaning twice changes nothing, a date read back from its ISO form is the same
//! date, a phone number is digits with at most a leading `+`.
#![no_main]

use std::sync::Arc;

use hearth_core::import::sheet::{self, Source};
use hearth_core::import::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = sheet::open(&Source::Bytes(Arc::new(data.to_vec()))) {
        for row in rows.take(50) {
            let Ok((_, cells)) = row else { break };
            assert!(cells.len() <= sheet::MAX_COLUMNS);
            for cell in cells.iter().take(20) {
                let c = text::clean(cell);
                assert_eq!(text::clean(&c), c, "cleaning {cell:?} twice changed it");
                if let Ok(d) = text::parse_date(&c) {
                    assert_eq!(text::parse_date(&d.to_string()), Ok(d), "{cell:?}");
                }
                if let Ok(p) = text::parse_phone(&c) {
                    let digits = p.strip_prefix('+').unwrap_or(&p);
                    assert!(!digits.is_empty() && digits.chars().all(|ch| ch.is_ascii_digit()), "{cell:?} → {p:?}");
                }
                let _ = text::header_key(&c);
            }
        }
    }
});
