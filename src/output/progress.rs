//! Progress bars on stderr (indicatif), drawn only when the caller says stderr is
//! a terminal and progress is wanted; otherwise a hidden bar, so callers never
//! branch.

use indicatif::{ProgressBar, ProgressStyle};

pub fn bar(len: u64, unit: &str, enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let template = format!("{{spinner}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{wide_msg}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
