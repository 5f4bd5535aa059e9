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

// Each test binary uses a subset of these helpers.
#![allow(dead_code)]

pub mod history;
pub mod proxy;

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
