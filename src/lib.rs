//! `compliance`: continuous AWS compliance monitoring in one binary.
//!
//! Layers (see docs/architecture.md and the design notes): `cli` parses, `commands`
//! glue the pure `core` to the outside world, and adapters (`output`, `embedded`)
//! sit behind small interfaces. The library exists so integration tests and the
//! benchmark use the same code as the binary.

pub mod aws;
pub mod cli;
pub mod commands;
pub use compliance_core as core;
pub mod embedded;
pub mod error;
pub mod output;
pub mod pipeline;
pub mod store;
