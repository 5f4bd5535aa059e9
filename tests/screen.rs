//! What a person sees: the binary run in a pseudo-terminal, as in a terminal
//! window (80 and 120 columns) and as in CI systems and `script`, whose
//! pseudo-terminals report no size. The widest line must fit, the stack
//! commands must stay short, and the default output of `setup`, `status`,
//! `teardown` (on moto) and `scan` (the example estate) must match the golden
//! files in tests/golden/ once account-free values that change between runs
//! (key ids, scan ids, times) are normalised. `UPDATE_GOLDEN=1` rewrites them.
//!
//! The pseudo-terminal is util-linux `script` (`script -qec CMD /dev/null`),
//! present wherever the tests run, rather than a pty crate: it costs no
//! compile time, and `stty cols N` inside it gives the terminal a size. With
//! stdin not a terminal, `script` gives the pty no size (0 columns).
//! The transcript is replayed line by line (carriage returns, erase-line
//! sequences), so a progress spinner that is drawn and cleared leaves nothing,
//! as on a screen.

use crate::support;
use regex::Regex;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The region of this file's stack: no other test sets up a stack there
/// (AWS Config allows one recorder per region and account).
const REGION: &str = "me-central-1";
const SUFFIX: &str = "dev";

struct Screen {
    lines: Vec<String>,
    code: Option<i32>,
}

impl Screen {
    fn widest(&self) -> usize {
        self.lines
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
    }

    fn text(&self) -> String {
        let mut text = self.lines.join("\n");
        text.push('\n');
        text
    }
}

/// Whether `script` can be run; otherwise the pty tests say they skipped
/// (under scripts/test, where moto is required, its absence is a failure).
fn have_script(test: &str) -> bool {
    let found = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            !support::moto_required(),
            "{test}: util-linux `script` is needed for the screen tests"
        );
        eprintln!("skipped {test}: no util-linux `script` to give the binary a pseudo-terminal");
    }
    found
}

fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// Runs the binary (with [`support::compliance_in`]'s hermetic environment)
/// in a pseudo-terminal of `columns`, or of no size, and returns the screen.
fn in_pty(dir: &Path, columns: Option<u16>, args: &[&str]) -> Screen {
    let binary = support::compliance_in(dir);
    let mut command = format!("exec {}", quote(&binary.get_program().to_string_lossy()));
    for a in args {
        command.push(' ');
        command.push_str(&quote(a));
    }
    if let Some(c) = columns {
        command = format!("stty cols {c} rows 50 && {command}");
    }
    let mut script = Command::new("script");
    script.args(["-qec", &command, "/dev/null"]);
    for (key, value) in binary.get_envs() {
        match value {
            Some(v) => script.env(key, v),
            None => script.env_remove(key),
        };
    }
    if let Some(cwd) = binary.get_current_dir() {
        script.current_dir(cwd);
    }
    // A terminal as people have one; no COLUMNS from the test's environment.
    script
        .env("TERM", "xterm")
        .env_remove("COLUMNS")
        .stdin(Stdio::null());
    let out = script.output().expect("run script");
    Screen {
        lines: replay(&String::from_utf8_lossy(&out.stdout)),
        code: out.status.code(),
    }
}

/// The lines a terminal would show for `transcript`: `\r` returns to the
/// start of the line, `ESC[2K` / `ESC[K` erase, other escape sequences draw
/// nothing. Trailing spaces are dropped.
fn replay(transcript: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line: Vec<char> = Vec::new();
    let mut col: usize = 0;
    let mut chars = transcript.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                let text: String = line.iter().collect();
                lines.push(text.trim_end().to_string());
                line.clear();
                col = 0;
            }
            '\r' => col = 0,
            '\u{8}' => col = col.saturating_sub(1),
            '\u{1b}' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    let mut params = String::new();
                    for p in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&p) {
                            if p == 'K' {
                                match params.as_str() {
                                    "2" => line.clear(),
                                    "" | "0" => line.truncate(col),
                                    _ => {}
                                }
                            }
                            break;
                        }
                        params.push(p);
                    }
                } else {
                    chars.next();
                }
            }
            c if c.is_control() => {}
            c => {
                while line.len() < col {
                    line.push(' ');
                }
                if col < line.len() {
                    line[col] = c;
                } else {
                    line.push(c);
                }
                col += 1;
            }
        }
    }
    if !line.is_empty() {
        let text: String = line.iter().collect();
        lines.push(text.trim_end().to_string());
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Values that change between runs, replaced by placeholders of the same
/// length so column widths stay as they were.
fn normalise(text: &str) -> String {
    // Whole or cut (`1bc547c1-f762-41…`): every hex digit becomes 0.
    let uuid = Regex::new(r"\b[0-9a-f]{8}-[0-9a-f]{1,4}(-[0-9a-f]{0,12})*").unwrap();
    let time = Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z").unwrap();
    let text = uuid.replace_all(text, |c: &regex::Captures<'_>| {
        c[0].chars()
            .map(|ch| if ch == '-' { '-' } else { '0' })
            .collect::<String>()
    });
    time.replace_all(&text, |c: &regex::Captures<'_>| {
        let fraction = c.get(1).map_or(0, |m| m.as_str().len());
        format!(
            "2000-01-01T00:00:00{}Z",
            if fraction > 0 {
                format!(".{}", "0".repeat(fraction - 1))
            } else {
                String::new()
            }
        )
    })
    .into_owned()
}

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// The screen, normalised, must equal tests/golden/`name`.
fn assert_golden(name: &str, screen: &Screen) {
    let actual = normalise(&screen.text());
    let path = golden_path(name);
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &actual).expect("write the golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert!(
        expected == actual,
        "the screen differs from {} (UPDATE_GOLDEN=1 accepts it):\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

fn assert_fits(what: &str, screen: &Screen, width: usize, max_lines: usize) {
    eprintln!(
        "{what}: {} lines, widest {} (limit {width} columns, {max_lines} lines)",
        screen.lines.len(),
        screen.widest()
    );
    assert!(
        screen.widest() <= width,
        "{what}: a line of {} characters in {width} columns:\n{}",
        screen.widest(),
        screen.text()
    );
    assert!(
        screen.lines.len() < max_lines,
        "{what}: {} lines (fewer than {max_lines} wanted):\n{}",
        screen.lines.len(),
        screen.text()
    );
}

fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/estate-snapshot.json")
        .display()
        .to_string()
}

#[test]
fn replay_keeps_what_a_terminal_shows() {
    let lines =
        replay("⠁ kms…     \r\u{1b}[2K⠁ iam…\r\u{1b}[2Ktable\r\nnext\u{1b}[0m line\r\n\r\n");
    assert_eq!(lines, vec!["table", "next line"]);
    assert_eq!(replay("abc\rX\n"), vec!["Xbc"]);
}

#[test]
fn normalising_keeps_widths() {
    let text = "key 6206b3c7-e87c-4b84-9d89-268f6b868d61 at 2026-11-29T17:06:35.817Z";
    let n = normalise(text);
    assert_eq!(n.len(), text.len());
    assert_eq!(
        n,
        "key 00000000-0000-0000-0000-000000000000 at 2000-01-01T00:00:00.000Z"
    );
    assert_eq!(
        normalise("key 1bc547c1-f762-41… ok"),
        "key 00000000-0000-00… ok"
    );
}

#[test]
fn the_scan_of_the_example_estate_fits_every_terminal() {
    if !have_script("the_scan_of_the_example_estate_fits_every_terminal") {
        return;
    }
    let dir = support::fresh_dir();
    let snapshot = example();
    let args = ["scan", "--snapshot", snapshot.as_str()];
    let at80 = in_pty(&dir, Some(80), &args);
    assert_eq!(
        at80.code,
        Some(1),
        "critical findings: exit 1\n{}",
        at80.text()
    );
    assert_fits("scan at 80 columns", &at80, 80, 300);
    assert!(at80.text().contains("CRITICAL s3-no-public-read (2)"));
    assert_golden("scan.txt", &at80);

    let no_size = in_pty(&dir, None, &args);
    assert_fits("scan with no size", &no_size, 100, 300);
    let at120 = in_pty(&dir, Some(120), &args);
    assert_fits("scan at 120 columns", &at120, 120, 300);
    assert!(
        at120.widest() > 100,
        "a wide terminal is used: widest {}",
        at120.widest()
    );
}

#[test]
fn rules_list_and_score_fit_80_columns() {
    if !have_script("rules_list_and_score_fit_80_columns") {
        return;
    }
    let dir = support::fresh_dir();
    let rules = in_pty(&dir, Some(80), &["rules", "list"]);
    assert_eq!(rules.code, Some(0), "{}", rules.text());
    assert_fits("rules list at 80 columns", &rules, 80, 60);
    // Ids are cut only when they must be: every id shows at 120.
    let wide = in_pty(&dir, Some(120), &["rules", "list"]);
    assert!(
        wide.text().contains("sg-no-world-open-db-ports"),
        "{}",
        wide.text()
    );
}

#[tokio::test]
async fn setup_status_and_teardown_are_short_and_fit() {
    if support::sdk_config().await.is_none() {
        support::skipped("setup_status_and_teardown_are_short_and_fit");
        return;
    }
    if !have_script("setup_status_and_teardown_are_short_and_fit") {
        return;
    }
    let dir = support::fresh_dir();
    let stack = |command: &str, extra: &[&str]| -> Vec<String> {
        let mut args = vec!["--region", REGION, command, "--suffix", SUFFIX];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_string).collect()
    };
    let run = |columns: Option<u16>, args: &[String]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        in_pty(&dir, columns, &args)
    };
    // A stack left by an earlier run against the same moto would change the goldens.
    let _ = support::compliance_in(&dir)
        .args(stack("teardown", &["--yes"]))
        .output();

    let setup = run(Some(80), &stack("setup", &[]));
    assert_eq!(setup.code, Some(0), "{}", setup.text());
    assert_fits("setup at 80 columns", &setup, 80, 80);
    // The summary, wrapped at 80 columns.
    assert!(
        setup.lines.join(" ").contains(
            "38 created, 0 updated, 0 unchanged; 1 skipped: cfn-stack-no-drift needs cfn_role_arn"
        ),
        "{}",
        setup.text()
    );
    assert!(!setup.text().contains("WARN"), "{}", setup.text());
    assert_golden("setup.txt", &setup);

    let again = run(None, &stack("setup", &[]));
    assert_eq!(again.code, Some(0), "{}", again.text());
    assert_fits("setup again with no size", &again, 100, 80);

    let status = run(None, &stack("status", &[]));
    assert_eq!(status.code, Some(0), "{}", status.text());
    assert_fits("status with no size", &status, 100, 60);
    assert!(!status.text().contains("WARN"), "{}", status.text());
    // Each resource is named once: a Config rule's name appears on one line, once.
    let rule = format!("compliance-s3-tls-only-{SUFFIX}");
    let rows: Vec<&String> = status.lines.iter().filter(|l| l.contains(&rule)).collect();
    assert_eq!(rows.len(), 1, "{}", status.text());
    assert_eq!(rows[0].matches(&rule).count(), 1, "{}", rows[0]);

    let status80 = run(Some(80), &stack("status", &[]));
    assert_fits("status at 80 columns", &status80, 80, 60);
    assert_golden("status.txt", &status80);
    let status120 = run(Some(120), &stack("status", &[]));
    assert_fits("status at 120 columns", &status120, 120, 60);
    assert!(
        !status120.text().contains('…'),
        "nothing is cut at 120 columns:\n{}",
        status120.text()
    );

    let plan = run(None, &stack("teardown", &["--dry-run"]));
    assert_eq!(plan.code, Some(0), "{}", plan.text());
    assert_fits("teardown --dry-run with no size", &plan, 100, 200);
    assert!(plan.text().contains("Details:"), "{}", plan.text());

    let teardown = run(Some(80), &stack("teardown", &["--yes"]));
    assert_eq!(teardown.code, Some(0), "{}", teardown.text());
    assert_fits("teardown at 80 columns", &teardown, 80, 60);
    assert!(!teardown.text().contains("WARN"), "{}", teardown.text());
    assert_golden("teardown.txt", &teardown);
}
