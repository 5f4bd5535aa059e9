//! The layering rules of docs/architecture.md, checked on the source so a
//! shortcut fails CI instead of a review: the core crate depends on no AWS SDK,
//! async runtime or storage crate; only `output/` and `main.rs` print or build
//! tables; only `main.rs` builds the async runtime.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Source lines outside comments that contain `needle`, as `file:line`.
fn uses(files: &[PathBuf], needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains(needle) {
                let rel = file.strip_prefix(root()).unwrap_or(file);
                found.push(format!("{}:{}", rel.display(), i + 1));
            }
        }
    }
    found
}

#[test]
fn the_core_crate_depends_on_nothing_that_does_io_or_async() {
    let manifest =
        std::fs::read_to_string(root().join("crates/compliance-core/Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("a [dependencies] table")
        .split("\n[")
        .next()
        .unwrap();
    for banned in [
        "aws-",
        "tokio",
        "futures",
        "redb",
        "dirs",
        "indicatif",
        "comfy-table",
        "reqwest",
        "hyper",
    ] {
        let hit = deps
            .lines()
            .map(str::trim_start)
            .any(|l| l.starts_with(banned));
        assert!(
            !hit,
            "compliance-core depends on {banned}*: the core must stay pure"
        );
    }
    let mut files = Vec::new();
    rust_files(&root().join("crates/compliance-core/src"), &mut files);
    for needle in ["std::fs", "tokio", "println!", "eprintln!", "std::process"] {
        let found = uses(&files, needle);
        assert!(found.is_empty(), "the core uses {needle} at {found:?}");
    }
}

#[test]
fn only_output_and_main_print_and_only_main_builds_a_runtime() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let outside_output: Vec<PathBuf> = files
        .iter()
        .filter(|f| {
            let rel = f.strip_prefix(root().join("src")).unwrap();
            !rel.starts_with("output") && rel != Path::new("main.rs")
        })
        .cloned()
        .collect();
    for needle in ["Table::new", "println!", "print!(", "eprint!("] {
        let found = uses(&outside_output, needle);
        assert!(
            found.is_empty(),
            "{needle} outside src/output and src/main.rs: {found:?}"
        );
    }
    let not_main: Vec<PathBuf> = files
        .iter()
        .filter(|f| !f.ends_with("src/main.rs"))
        .cloned()
        .collect();
    let runtimes = uses(&not_main, "runtime::Builder");
    assert!(
        runtimes.is_empty(),
        "async runtimes built outside main.rs: {runtimes:?}"
    );
}
