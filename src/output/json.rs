//! JSON output: the stable `compliance.findings/v1` document and other values,
//! pretty-printed with a trailing newline.

use anyhow::Result;
use serde::Serialize;

pub fn render<T: Serialize>(value: &T) -> Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}
