//! History stores: where scans are kept for trends, diffs and auditors.
//!
//! One trait, two backends with the same logical schema ([`ResourceRecord`] per
//! resource per scan, keyed by resource id and timestamp, and one [`ScanSummary`]
//! per scan): DynamoDB (the table `setup` creates, for teams) and a local embedded
//! database file (for offline use and single operators). The summary is written
//! last and only summaries are listed, so a scan whose writing failed half way is
//! never shown as if it were complete.

pub mod dynamodb;
pub mod local;

use crate::core::history::{ResourceRecord, ScanSummary};
use crate::core::remediation::RunRecord;
use std::future::Future;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("history store {path}: {message}")]
    Local { path: String, message: String },
    #[error("history table: {0}")]
    Aws(#[from] crate::aws::error::AwsError),
    #[error("history store: a stored item is unreadable: {0}")]
    Corrupt(String),
}

/// The operations history needs; both backends implement all of them.
pub trait HistoryStore {
    /// Writes every record, then the summary (only once all records are stored).
    fn write_scan(
        &self,
        records: &[ResourceRecord],
        summary: &ScanSummary,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Complete scans, oldest first, from `since` (ISO-8601) on.
    fn scans(
        &self,
        since: Option<&str>,
    ) -> impl Future<Output = Result<Vec<ScanSummary>, StoreError>> + Send;
    /// Every record of one scan.
    fn scan_records(
        &self,
        scan_id: &str,
    ) -> impl Future<Output = Result<Vec<ResourceRecord>, StoreError>> + Send;
    /// One resource's records, oldest first, from `since` on.
    fn resource_history(
        &self,
        resource_id: &str,
        since: Option<&str>,
    ) -> impl Future<Output = Result<Vec<ResourceRecord>, StoreError>> + Send;
}

/// The remediation audit trail: one [`RunRecord`] per run, rewritten whole
/// before and after every change, so the record of a change exists before its
/// call is made. Both backends implement it, with the same behaviour (one run
/// per id, the last write wins, listed oldest first by start time).
pub trait RemediationTrail {
    /// Writes (or rewrites) one run, durably, before returning.
    fn put_run(&self, run: &RunRecord) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Runs started at or after `since` (ISO-8601), oldest first.
    fn runs(
        &self,
        since: Option<&str>,
    ) -> impl Future<Output = Result<Vec<RunRecord>, StoreError>> + Send;
}
