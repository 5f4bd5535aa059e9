//! The pure core: resource model, normaliser, rule files and engine, findings,
//! scoring, exemptions and the findings document.
//!
//! Nothing here talks to AWS, touches the filesystem, prints or needs an async
//! runtime; inputs arrive as text or values and results leave as values. That keeps
//! the heart of the tool testable in milliseconds and reusable by every command.

pub mod alert;
pub mod catalogue;
pub mod condition;
pub mod delivery;
pub mod engine;
pub mod exemption;
pub mod finding;
pub mod findings_reader;
pub mod history;
pub mod message;
pub mod metrics;
pub mod normalize;
pub mod path;
pub mod period;
pub mod pipeline;
pub mod plan;
pub mod provision;
pub mod registry;
pub mod remediation;
pub mod report;
pub mod resource;
pub mod rule;
pub mod score;
pub mod settings;
pub mod shard;
pub mod stack;
pub mod timestamp;
pub mod value;
