//! The architecture notes name every module, so a reader who opens
//! docs/architecture.md finds each part of the code it describes: every `pub mod`
//! of the core crate (`crates/compliance-core/src/lib.rs`) as `` `name.rs` ``,
//! `` `name/` `` or `` `name` ``, and every top-level module of the binary crate
//! (`src/lib.rs`) as `src/name`. A module added without a word in the notes
//! fails here.

use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The modules a `lib.rs` declares (`pub mod x;` or `mod x;`).
fn modules(lib: &str) -> Vec<String> {
    lib.lines()
        .map(str::trim)
        .filter_map(|l| {
            let rest = l
                .strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))?;
            let name = rest.strip_suffix(';')?;
            Some(name.trim().to_string())
        })
        .collect()
}

#[test]
fn the_architecture_notes_name_every_core_module() {
    let doc = read("docs/architecture.md");
    let core = modules(&read("crates/compliance-core/src/lib.rs"));
    assert!(core.len() >= 15, "found only {core:?}");
    let missing: Vec<&String> = core
        .iter()
        .filter(|m| {
            !["`{m}.rs`", "`{m}/`", "`{m}`"]
                .iter()
                .any(|form| doc.contains(&form.replace("{m}", m)))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/architecture.md does not name these core modules: {missing:?}"
    );
}

#[test]
fn the_architecture_notes_name_every_top_level_module() {
    let doc = read("docs/architecture.md");
    let top = modules(&read("src/lib.rs"));
    assert!(top.contains(&"aws".to_string()), "found only {top:?}");
    let missing: Vec<&String> = top
        .iter()
        .filter(|m| !doc.contains(&format!("`src/{m}/")) && !doc.contains(&format!("`src/{m}.rs`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/architecture.md does not name these modules of src/: {missing:?}"
    );
}
