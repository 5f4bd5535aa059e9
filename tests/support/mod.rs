//! Shared helpers for the integration tests that talk to moto.
//!
//! `scripts/test` starts one moto server per run on a free loopback port and
//! exports `AWS_ENDPOINT_URL`, dummy credentials, a region and
//! `COMPLIANCE_REQUIRE_MOTO=1` (see DESIGN.md, "Testing against a real AWS
//! API"). Tests get their SDK configuration from [`sdk_config`]:
//!
//! ```ignore
//! mod support;
//!
//! #[tokio::test]
//! async fn something_against_moto() {
//!     let Some(config) = support::sdk_config().await else {
//!         support::skipped("something_against_moto");
//!         return;
//!     };
//!     let s3 = support::s3_client(&config);
//!     let bucket = support::unique_name("evidence");
//!     // ...
//! }
//! ```
//!
//! Plain `cargo test` without moto skips those tests; under `scripts/test`
//! (where `COMPLIANCE_REQUIRE_MOTO=1`) a missing endpoint is a failure, so
//! they can never be skipped silently in CI.
//!
//! All test binaries and threads share one moto server, and
//! `POST /moto-api/reset` wipes it globally: never reset it from a test, and
//! name every resource with [`unique_name`].
//!
//! Every test that runs the `compliance` binary builds its command with
//! [`compliance_in`] or [`compliance`]: a hermetic environment (its own history
//! store, home and data directories in a temp dir, dummy credentials, no profile
//! files, moto's endpoint only if it is on loopback), so `cargo test` never
//! writes to the user's history store and never reaches a real account.

// Each test binary uses a subset of these helpers.
#![allow(dead_code)]

pub mod history;
pub mod org;
pub mod proxy;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Set to `1` by `scripts/test`: moto-backed tests must run, not skip.
pub const REQUIRE_MOTO_VAR: &str = "COMPLIANCE_REQUIRE_MOTO";
/// Set to `1` to allow an `AWS_ENDPOINT_URL` that is not on loopback
/// (for example moto in a sibling container).
pub const ALLOW_REMOTE_VAR: &str = "COMPLIANCE_ALLOW_REMOTE_ENDPOINT";
/// moto's fixed account id.
pub const MOTO_ACCOUNT_ID: &str = "123456789012";
/// Region used when the environment names none.
pub const DEFAULT_REGION: &str = "us-east-1";

fn flag(var: &str) -> bool {
    std::env::var(var)
        .map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
        .unwrap_or(false)
}

/// True when the run demands moto (`COMPLIANCE_REQUIRE_MOTO=1`).
pub fn moto_required() -> bool {
    flag(REQUIRE_MOTO_VAR)
}

/// The moto endpoint from `AWS_ENDPOINT_URL`, without a trailing slash, or
/// None when it is unset or empty.
pub fn endpoint_url() -> Option<String> {
    std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .map(|v| v.trim().trim_end_matches('/').to_string())
        .filter(|v| !v.is_empty())
}

/// moto's own API root (`{endpoint}/moto-api`), e.g. for its dashboard data.
pub fn moto_api_url() -> Option<String> {
    endpoint_url().map(|e| format!("{e}/moto-api"))
}

/// The host part of an `http(s)://host[:port][/...]` URL.
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

/// True when `url`'s host is `localhost` or a loopback IP address.
pub fn is_loopback_url(url: &str) -> bool {
    let host = url_host(url);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// SDK configuration pointing at moto.
///
/// * None when `AWS_ENDPOINT_URL` is unset and moto is not required: the
///   caller prints that it skipped and returns.
/// * Panics when `COMPLIANCE_REQUIRE_MOTO=1` but no endpoint is set, and when
///   the endpoint is not on loopback (tests create and delete resources; they
///   must never reach a real account by accident) unless
///   `COMPLIANCE_ALLOW_REMOTE_ENDPOINT=1`.
/// * Otherwise the default chain (`aws_config::defaults`), which reads the
///   endpoint, credentials and region from the environment; the region falls
///   back to us-east-1.
pub async fn sdk_config() -> Option<SdkConfig> {
    let Some(endpoint) = endpoint_url() else {
        if moto_required() {
            panic!(
                "moto-backed tests need scripts/test, which starts moto: \
                 {REQUIRE_MOTO_VAR}=1 is set but AWS_ENDPOINT_URL is not"
            );
        }
        return None;
    };
    if !is_loopback_url(&endpoint) && !flag(ALLOW_REMOTE_VAR) {
        panic!(
            "AWS_ENDPOINT_URL={endpoint} is not a loopback address; the tests create and \
             delete resources and only run against moto (scripts/test starts it). \
             Set {ALLOW_REMOTE_VAR}=1 if this endpoint really is a moto server."
        );
    }
    let region = RegionProviderChain::default_provider().or_else(Region::new(DEFAULT_REGION));
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .load()
        .await;
    Some(config)
}

/// `config` with retries disabled. moto answers an operation it lacks with an
/// HTML 500, which the SDK otherwise retries for seconds.
pub fn without_retries(config: &SdkConfig) -> SdkConfig {
    config
        .to_builder()
        .retry_config(RetryConfig::disabled())
        .build()
}

/// An S3 client for moto: path-style addressing, since bucket names as
/// subdomains of 127.0.0.1 do not resolve.
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let s3_config = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(s3_config)
}

/// Prints the standard "skipped" line for a test that found no moto.
pub fn skipped(test: &str) {
    eprintln!("skipped {test}: AWS_ENDPOINT_URL is not set (run scripts/test to start moto)");
}

/// A name no other test, thread or concurrent run on the same server uses:
/// `{prefix}-{pid}-{counter}-{time}`, lowercase ASCII letters, digits and
/// hyphens, so it is a valid S3 bucket name when `prefix` is (keep prefixes
/// under ~35 characters for the 63-character bucket limit).
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    // Microseconds in base 36: 10 characters, unique across runs.
    format!(
        "{prefix}-{}-{n}-{}",
        std::process::id(),
        base36(nanos / 1_000)
    )
}

fn base36(mut v: u128) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    if v == 0 {
        return "0".to_string();
    }
    let mut out = Vec::new();
    while v > 0 {
        out.push(DIGITS[(v % 36) as usize]);
        v /= 36;
    }
    out.reverse();
    String::from_utf8(out).expect("ascii digits")
}

/// The `compliance` binary with a hermetic environment rooted at `dir`:
/// - the history store is `dir/history.redb` (`COMPLIANCE_STORE`), and `HOME`
///   and the XDG directories point inside `dir/home`, so even a default store
///   lands in the temp dir, never in the user's data directory;
/// - every `AWS_*` variable of the test process is dropped; the credentials are
///   moto's dummy ones, the profile files point at a path that does not exist and
///   instance metadata is off, so no real credential can be picked up;
/// - `AWS_ENDPOINT_URL` is passed on only when it is on loopback (moto), and the
///   region the tests use is kept, so the binary sees the same moto as the test;
/// - no `compliance.toml` or suffix from the environment; the working directory
///   is the repository root, where the tests' relative paths point (it has no
///   `compliance.toml`).
pub fn compliance_in(dir: &Path) -> Command {
    let home = dir.join("home");
    let missing = dir.join("no-such-aws-file");
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok()
        .filter(|r| !r.trim().is_empty());
    let endpoint = endpoint_url().filter(|e| is_loopback_url(e) || flag(ALLOW_REMOTE_VAR));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_compliance"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        if name.starts_with("AWS_") || name.starts_with("COMPLIANCE_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("COMPLIANCE_STORE", dir.join("history.redb"))
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", &missing)
        .env("AWS_SHARED_CREDENTIALS_FILE", &missing)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", region.as_deref().unwrap_or(DEFAULT_REGION))
        .env("NO_COLOR", "1");
    if let Some(endpoint) = endpoint {
        cmd.env("AWS_ENDPOINT_URL", endpoint);
    }
    cmd
}

/// [`compliance_in`] a fresh directory of its own, for a test that needs no
/// state between runs. The directories live under Cargo's per-target temp dir
/// (`target/tmp`), so nothing is written outside the build tree.
pub fn compliance() -> Command {
    compliance_in(&fresh_dir())
}

/// A new, empty directory under `target/tmp`, unique in this run. The first
/// call of a run removes the directories of earlier runs whose process is gone
/// (on Linux, where `/proc` says so), so they do not pile up.
pub fn fresh_dir() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    static SWEEP: std::sync::Once = std::sync::Once::new();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
    SWEEP.call_once(|| {
        if !cfg!(target_os = "linux") {
            return;
        }
        for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = name
                .strip_prefix("compliance-test-")
                .and_then(|rest| rest.split('-').next())
            else {
                continue;
            };
            if !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    });
    let dir = root.join(format!(
        "compliance-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a test directory under target/tmp");
    dir
}

/// Every message waiting in an SQS queue (a topic's test subscriber), parsed
/// as JSON and deleted, so the next call sees only what came after.
pub async fn sqs_messages(sqs: &aws_sdk_sqs::Client, queue: &str) -> Vec<serde_json::Value> {
    let out = sqs
        .receive_message()
        .queue_url(queue)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap();
    let mut bodies = Vec::new();
    for m in out.messages() {
        bodies.push(serde_json::from_str(m.body().unwrap()).unwrap());
        sqs.delete_message()
            .queue_url(queue)
            .receipt_handle(m.receipt_handle().unwrap())
            .send()
            .await
            .unwrap();
    }
    bodies
}
