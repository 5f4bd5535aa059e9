//! Fuzz target: any bytes as a snapshot file. The normaliser is what reads every
//! file given to `scan --snapshot`; it must answer with items or an error naming
//! the file, never panic. Same calls as `normaliser_takes_any_text` in
//! crates/compliance-core/tests/properties.rs.
#![no_main]

use compliance_core::normalize::{item_at, load_document, normalize_item, stream_snapshot};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = load_document("fuzz.json", &text) {
        assert!(e.to_string().starts_with("fuzz.json"));
    }
    let _ = stream_snapshot("fuzz.json", &text, &mut |i, raw| {
        let _ = item_at("fuzz.json", i, raw);
    });
    if let Ok(value) = serde_json::from_str(&text) {
        let _ = normalize_item(value);
    }
});
