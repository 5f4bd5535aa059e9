//! The completion scripts shipped in `completions/` must match what the binary
//! generates, or a shell would offer stale commands; and every script must offer
//! every subcommand and every flag of the clap definition, at the right level.
//! The expectations come from the clap command itself (`Cli::command()`, walked
//! recursively), so a new flag is checked without touching this file.
//! Regenerate the scripts with `scripts/update-completions`.

use clap::CommandFactory;
use clap_complete::Shell;
use compliance::cli::Cli;
use compliance::commands::completions::script;

const SHIPPED: [(Shell, &str); 5] = [
    (Shell::Bash, "compliance.bash"),
    (Shell::Zsh, "_compliance"),
    (Shell::Fish, "compliance.fish"),
    (Shell::PowerShell, "_compliance.ps1"),
    (Shell::Elvish, "compliance.elv"),
];

#[test]
fn shipped_completions_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let mut stale = Vec::new();
    for (shell, file) in SHIPPED {
        let generated = script(shell);
        assert!(!generated.is_empty(), "{shell} script is empty");
        let shipped = std::fs::read(dir.join(file)).unwrap_or_default();
        if shipped != generated {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale completions {stale:?}: run scripts/update-completions and commit completions/"
    );
}

/// One command of the tree: its path, the flags it takes (`--long`, `-s`) and
/// the names of its subcommands.
struct Node {
    path: Vec<String>,
    flags: Vec<Flag>,
    subcommands: Vec<String>,
}

#[derive(Clone)]
enum Flag {
    Long(String),
    Short(char),
}

fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Node>) {
    let mut flags = Vec::new();
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        if let Some(long) = arg.get_long() {
            flags.push(Flag::Long(long.to_string()));
        }
        if let Some(short) = arg.get_short() {
            flags.push(Flag::Short(short));
        }
    }
    let subs: Vec<&clap::Command> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    out.push(Node {
        path: path.clone(),
        flags,
        subcommands: subs.iter().map(|s| s.get_name().to_string()).collect(),
    });
    for sub in subs {
        let mut p = path.clone();
        p.push(sub.get_name().to_string());
        walk(sub, p, out);
    }
}

/// Every command of the CLI, built as the generators see it (global flags
/// propagated, `help` added).
fn tree() -> Vec<Node> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, Vec::new(), &mut out);
    out
}

/// True when `text` holds `word` not run into a longer name: where the word
/// begins or ends with a name character, the text must not continue the name
/// there (`--all` is not found in `--all-regions`).
fn has_word(text: &str, word: &str) -> bool {
    let name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let open_start = word.chars().next().is_some_and(name);
    let open_end = word.chars().next_back().is_some_and(name);
    text.match_indices(word).any(|(i, _)| {
        let runs_in_before = open_start && text[..i].chars().next_back().is_some_and(name);
        let runs_on_after = open_end && text[i + word.len()..].chars().next().is_some_and(name);
        !runs_in_before && !runs_on_after
    })
}

/// The text between each `start` and the next `end` after it.
fn chunks<'a>(text: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(start) {
        let from = &rest[i + start.len()..];
        let j = from.find(end).unwrap_or(from.len());
        out.push(&from[..j]);
        rest = &from[j..];
    }
    out
}

/// How one shell's script spells a flag and a subcommand, and where it lists
/// one command's flags (`flag_blocks`) and subcommands (`sub_blocks`).
struct Dialect {
    flag: fn(&Flag) -> String,
    sub: fn(&str) -> String,
    flag_blocks: fn(&str) -> Vec<String>,
    sub_blocks: fn(&str) -> Vec<String>,
}

fn dash(f: &Flag) -> String {
    match f {
        Flag::Long(l) => format!("--{l}"),
        Flag::Short(s) => format!("-{s}"),
    }
}

fn dialect(shell: Shell) -> Dialect {
    fn owned(v: Vec<&str>) -> Vec<String> {
        v.into_iter().map(str::to_string).collect()
    }
    match shell {
        // `opts="…"`, one line per command, flags and subcommands together.
        Shell::Bash => Dialect {
            flag: dash,
            sub: |s| s.to_string(),
            flag_blocks: |t| owned(chunks(t, "opts=\"", "\"")),
            sub_blocks: |t| owned(chunks(t, "opts=\"", "\"")),
        },
        // `_arguments … && ret=0` per command; subcommands in `commands=( 'name:…' )`.
        Shell::Zsh => Dialect {
            flag: dash,
            sub: |s| format!("'{s}:"),
            flag_blocks: |t| {
                owned(chunks(
                    t,
                    "_arguments \"${_arguments_options[@]}\" :",
                    "&& ret=0",
                ))
            },
            sub_blocks: |t| owned(chunks(t, "commands=(", "\n    )")),
        },
        // One `complete` line per flag; a command's lines share their condition.
        Shell::Fish => Dialect {
            flag: |f| match f {
                Flag::Long(l) => format!("-l {l}"),
                Flag::Short(s) => format!("-s {s}"),
            },
            sub: |s| format!("-a \"{s}\""),
            flag_blocks: fish_blocks,
            sub_blocks: fish_blocks,
        },
        Shell::PowerShell => Dialect {
            flag: |f| format!("'{}'", dash(f)),
            sub: |s| format!("'{s}', '{s}', [CompletionResultType]::ParameterValue"),
            flag_blocks: |t| owned(chunks(t, "' {", "break")),
            sub_blocks: |t| owned(chunks(t, "' {", "break")),
        },
        Shell::Elvish => Dialect {
            flag: |f| format!("cand {}", dash(f)),
            sub: |s| format!("cand {s} '"),
            flag_blocks: |t| owned(chunks(t, "'= {", "\n        }")),
            sub_blocks: |t| owned(chunks(t, "'= {", "\n        }")),
        },
        other => panic!("no dialect for {other}"),
    }
}

/// fish: the `complete` lines grouped by their `-n "condition"`.
fn fish_blocks(text: &str) -> Vec<String> {
    let mut groups: std::collections::BTreeMap<&str, String> = Default::default();
    for line in text
        .lines()
        .filter(|l| l.starts_with("complete -c compliance"))
    {
        let condition = line
            .split_once("-n \"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map_or("", |(c, _)| c);
        let group = groups.entry(condition).or_default();
        group.push_str(line);
        group.push('\n');
    }
    groups.into_values().collect()
}

/// For each command, some block of the script lists all of its flags, and some
/// block all of its subcommands: a flag offered at the wrong level, or not at
/// all, fails.
fn missing_from(shell: Shell, text: &str) -> Vec<String> {
    let d = dialect(shell);
    let flag_blocks = (d.flag_blocks)(text);
    let sub_blocks = (d.sub_blocks)(text);
    let covered = |blocks: &[String], words: &[String]| {
        blocks.iter().any(|b| words.iter().all(|w| has_word(b, w)))
    };
    let mut missing = Vec::new();
    for node in tree() {
        let name = if node.path.is_empty() {
            "compliance".to_string()
        } else {
            format!("compliance {}", node.path.join(" "))
        };
        let flags: Vec<String> = node.flags.iter().map(d.flag).collect();
        if !flags.is_empty() && !covered(&flag_blocks, &flags) {
            let absent: Vec<&String> = flags
                .iter()
                .filter(|f| !flag_blocks.iter().any(|b| has_word(b, f)))
                .collect();
            missing.push(format!(
                "{name}: flags {flags:?} not listed together (absent anywhere: {absent:?})"
            ));
        }
        let subs: Vec<String> = node.subcommands.iter().map(|s| (d.sub)(s)).collect();
        if !subs.is_empty() && !covered(&sub_blocks, &subs) {
            missing.push(format!("{name}: subcommands {subs:?} not listed together"));
        }
    }
    missing
}

#[test]
fn every_shell_offers_every_subcommand_and_flag() {
    let nodes = tree();
    let top: Vec<&str> = nodes[0].subcommands.iter().map(String::as_str).collect();
    // The walk itself must see the whole CLI, or this test would check little.
    for sub in [
        "setup",
        "status",
        "teardown",
        "scan",
        "score",
        "history",
        "diff",
        "prune",
        "report",
        "rules",
        "completions",
        "iam-policy",
    ] {
        assert!(top.contains(&sub), "{sub} not in the clap command: {top:?}");
    }
    assert!(nodes.iter().any(|n| n.path == ["rules", "explain"]));
    // Both the script the binary prints and the copy shipped in completions/.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let mut failures = Vec::new();
    for (shell, file) in SHIPPED {
        let generated = String::from_utf8(script(shell)).unwrap();
        for m in missing_from(shell, &generated) {
            failures.push(format!("{shell} (generated): {m}"));
        }
        let shipped = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        for m in missing_from(shell, &shipped) {
            failures.push(format!("completions/{file}: {m}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The check can fail: a flag the CLI does not have is reported.
#[test]
fn a_flag_no_script_offers_is_reported() {
    for (shell, _) in SHIPPED {
        let text = String::from_utf8(script(shell)).unwrap();
        let d = dialect(shell);
        let blocks = (d.flag_blocks)(&text);
        assert!(!blocks.is_empty(), "{shell}: no flag blocks found");
        let fake = (d.flag)(&Flag::Long("no-such-flag".into()));
        assert!(!blocks.iter().any(|b| has_word(b, &fake)), "{shell}");
        let real = (d.flag)(&Flag::Long("suffix".into()));
        assert!(blocks.iter().any(|b| has_word(b, &real)), "{shell}: {real}");
    }
}
