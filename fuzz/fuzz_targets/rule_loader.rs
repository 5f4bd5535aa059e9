//! Fuzz target: any text as a rule file. It loads, or fails with an error that
//! names the file and a line inside it; a rule that loads compiles and runs its
//! inline tests without panicking. Same checks as `check_rule_result` in
//! crates/compliance-core/tests/properties.rs. Seed the corpus with the files in
//! ../rules (see README.md).
#![no_main]

use compliance_core::catalogue::run_tests;
use compliance_core::rule::Rule;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The file's stem must equal the rule id, so the name follows the text's `id`:
    // seeds copied from ../rules then get past that check to the interesting parts.
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("id = \"")?.split('"').next())
        .unwrap_or("fuzz");
    let file = format!("rules/fuzz/{id}.toml");
    match Rule::parse(&file, &text) {
        Ok(rule) => {
            let _ = rule.compile(None);
            let _ = run_tests(&rule);
        }
        Err(e) => {
            assert_eq!(e.file, file);
            assert!(e.line >= 1 && e.line <= text.split('\n').count());
        }
    }
});
