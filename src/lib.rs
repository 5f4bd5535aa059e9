//! `compliance`: continuous AWS compliance monitoring in one binary.
//!
//! Layers (see docs/architecture.md): `cli` parses; `commands` turn flags into
//! a `pipeline` run or a plan; the pure core (the `compliance-core` crate,
//! re-exported here as `core`) decides; adapters (`aws`, `store`, `output`,
//! `embedded`) sit behind small interfaces. The library exists so integration
//! tests and the benchmarks use the same code as the binary.

pub mod aws;
pub mod cli;
pub mod commands;
pub use compliance_core as core;
pub mod embedded;
pub mod error;
pub mod output;
pub mod pipeline;
pub mod store;
