//! The integration tests, as one crate: each file below is a module, so the whole
//! AWS SDK is linked once instead of once per file (link time dominates on 2 cores).

mod support;

mod alerts_metrics;
mod catalogue;
mod cli;
mod completions;
mod config_source;
mod deploy;
mod docs;
mod example_estate;
mod first_seen;
mod fixtures;
mod history_cli;
mod history_dynamodb;
mod history_store;
mod html_report;
mod layers;
mod live_cfn;
mod live_iam;
mod live_s3;
mod live_scan;
mod moto_harness;
mod no_panic;
mod operations;
mod org_scan;
mod provision_alerting;
mod provision_config;
mod provision_storage;
mod remediate;
mod remediate_password;
mod remediate_suffix;
mod report_formats;
mod scan_history_e2e;
mod scan_pipeline;
mod screen;
mod setup_aggregator;
mod setup_e2e;
mod shards;
mod stack_cli;
