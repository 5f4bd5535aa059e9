//! Fuzz target: any text as a rule path. A path that parses must print back as
//! its text and parse again to the same path; resolving it must not panic. Same
//! property as `path_parser_takes_any_text` in crates/compliance-core/tests/properties.rs.
#![no_main]

use compliance_core::path::Path;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The first line is the path, the rest (when JSON) the document it reads.
    let (path_text, document) = text.split_once('\n').unwrap_or((&text, "null"));
    match Path::parse(path_text) {
        Ok(path) => {
            assert_eq!(path.to_string(), path_text);
            assert_eq!(Path::parse(&path.to_string()).as_ref(), Ok(&path));
            if let Ok(value) = serde_json::from_str(document) {
                let _ = path.resolve(&value).is_missing();
            }
        }
        Err(e) => assert!(e.position <= path_text.len()),
    }
});
