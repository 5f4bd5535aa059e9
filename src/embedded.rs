//! The built-in rule catalogue, embedded in the binary at build time (see build.rs).
//!
//! Rule files live under `rules/<service>/<id>.toml` in the repository; embedding
//! them means the single binary works offline with no install step, and a rule
//! change is a reviewed change of data, not code.

static RULES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// Every embedded rule file as (`embedded:rules/<service>/<file>`, text), sorted by path.
pub fn rule_files() -> Vec<(String, &'static str)> {
    RULES
        .iter()
        .map(|(path, text)| (format!("embedded:{path}"), *text))
        .collect()
}
