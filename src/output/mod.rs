//! Output adapters: how reports, scores and rules are shown. Each format is one
//! file; commands choose a format and never format text themselves.

pub mod asff;
pub mod csv;
pub mod history;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod notice;
pub mod ocsf;
pub mod period;
pub mod progress;
pub mod remediation;
pub mod report;
pub mod sarif;
pub mod stack;
pub mod table;
