//! The completion scripts shipped in `completions/` must match what the binary
//! generates, or a shell would offer stale commands. Regenerate with
//! `scripts/update-completions`.

use clap_complete::Shell;
use compliance::commands::completions::script;

#[test]
fn shipped_completions_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let mut stale = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "compliance.bash"),
        (Shell::Zsh, "_compliance"),
        (Shell::Fish, "compliance.fish"),
        (Shell::PowerShell, "_compliance.ps1"),
        (Shell::Elvish, "compliance.elv"),
    ] {
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

#[test]
fn bash_completion_knows_every_subcommand() {
    let bash = String::from_utf8(script(Shell::Bash)).unwrap();
    for sub in ["scan", "score", "report", "rules", "completions"] {
        assert!(bash.contains(sub), "{sub} missing from bash completions");
    }
}
