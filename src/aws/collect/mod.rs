//! Live collectors: read an account through the AWS APIs and build configuration
//! items in the AWS Config shape, so the rules written for snapshots judge live
//! resources unchanged. One file per service.
//!
//! The [`Plan`] says which resource types to read, in which regions, and which
//! item paths the selected rules look at, so a collector makes only the calls
//! those rules need (no GetBucketPolicy when no rule reads the policy). Calls run
//! with bounded concurrency per service and region. A failure never stops the
//! scan: a listing that fails is reported per type and region, a per-resource
//! call that fails marks that part of the item unreadable (rules reading it get an
//! `error` finding), and everything that could be read is still judged.

pub mod ec2;
pub mod iam;
pub mod rds;
pub mod s3;

use crate::aws::error::AwsError;
use crate::aws::Aws;
use crate::core::normalize::normalize_item;
use crate::core::resource::{ConfigItem, Unreadable};
use futures::stream::{FuturesUnordered, StreamExt};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// What a live scan reads.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Regions to read regional services in; the first also serves the global ones (IAM, S3 listing).
    pub regions: Vec<String>,
    /// AWS Config resource types that at least one selected rule judges.
    pub types: BTreeSet<String>,
    /// Every item path the selected rules read.
    pub paths: Vec<String>,
    /// Concurrent calls per service and region.
    pub concurrency: usize,
    /// The account being scanned, when STS told us.
    pub account: Option<String>,
    /// Page size for list calls; `None` uses each API's maximum. Small pages
    /// exist for tests of pagination, never for speed.
    pub page_size: Option<i32>,
}

impl Plan {
    pub fn wants(&self, resource_type: &str) -> bool {
        self.types.contains(resource_type)
    }

    /// Whether some selected rule reads `prefix` or anything below or above it.
    pub fn reads(&self, prefix: &str) -> bool {
        self.paths.iter().any(|p| {
            let (short, long) = if p.len() <= prefix.len() {
                (p.as_str(), prefix)
            } else {
                (prefix, p.as_str())
            };
            long.starts_with(short)
                && matches!(
                    long.as_bytes().get(short.len()),
                    None | Some(b'.') | Some(b'[')
                )
        })
    }

    /// The page size to request, capped by the API's own maximum.
    pub fn page(&self, api_max: i32) -> i32 {
        self.page_size
            .map(|p| p.clamp(1, api_max))
            .unwrap_or(api_max)
    }

    pub fn home_region(&self) -> &str {
        self.regions
            .first()
            .map(String::as_str)
            .unwrap_or("us-east-1")
    }
}

/// What a collector read, and what it could not.
#[derive(Debug, Default)]
pub struct Collected {
    pub items: Vec<ConfigItem>,
    /// Every failed call, for the report's `errors` list.
    pub errors: Vec<AwsError>,
    /// Resource types whose listing failed in a region: rules for them get an
    /// `error` finding, since we cannot say whether anything there complies.
    pub unlisted: Vec<Unlisted>,
    /// API calls made, for the benchmark's calls-per-resource figure.
    pub calls: usize,
}

#[derive(Debug, Clone)]
pub struct Unlisted {
    pub resource_type: String,
    pub region: String,
    pub error: AwsError,
}

impl Collected {
    pub fn merge(&mut self, other: Collected) {
        self.items.extend(other.items);
        self.errors.extend(other.errors);
        self.unlisted.extend(other.unlisted);
        self.calls += other.calls;
    }

    /// Records a failed listing of `resource_type`.
    pub fn unlisted(&mut self, resource_type: &str, error: AwsError) {
        self.unlisted.push(Unlisted {
            resource_type: resource_type.to_string(),
            region: error.region.clone(),
            error: error.clone(),
        });
        self.errors.push(error);
    }
}

type Task<'a> = Pin<Box<dyn Future<Output = (usize, Collected)> + Send + 'a>>;

/// One collector run: a service in a region and the types it lists.
struct Job {
    service: &'static str,
    region: String,
    types: &'static [&'static str],
}

/// Runs every collector the plan needs, concurrently, until all finish or the
/// scan's deadline passes. The results of finished collectors are kept; a
/// collector still running at the deadline is reported as timed out and its
/// types as unlisted in its region (their rules get `error` findings), since a
/// half-read listing cannot say what it missed.
pub async fn collect_all(
    aws: &Aws,
    plan: &Plan,
    deadline: Duration,
    progress: Option<&MultiProgress>,
) -> Collected {
    let mut jobs = Vec::new();
    let mut tasks: FuturesUnordered<Task<'_>> = FuturesUnordered::new();
    let bar = |label: String| {
        let bar = match progress {
            Some(m) => m.add(ProgressBar::new_spinner()),
            None => ProgressBar::hidden(),
        };
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {prefix:>16} {pos} resources {msg}")
        {
            bar.set_style(style);
        }
        bar.set_prefix(label);
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    };
    let home = plan.home_region().to_string();
    let wants_any = |types: &[&str]| types.iter().any(|t| plan.wants(t));
    const EC2: &[&str] = &[
        "AWS::EC2::Instance",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::Volume",
    ];
    const RDS: &[&str] = &["AWS::RDS::DBInstance"];
    const S3: &[&str] = &["AWS::S3::Bucket"];
    const IAM: &[&str] = &[
        "AWS::IAM::User",
        "AWS::IAM::Role",
        "AWS::IAM::Group",
        "AWS::IAM::Policy",
        "AWS::IAM::AccountPasswordPolicy",
        "AWS::IAM::AccountSummary",
    ];
    for region in &plan.regions {
        if wants_any(EC2) {
            let i = jobs.len();
            jobs.push(Job {
                service: "ec2",
                region: region.clone(),
                types: EC2,
            });
            let b = bar(format!("ec2 {region}"));
            tasks.push(Box::pin(async move {
                let c = ec2::collect(aws, plan, region, &b).await;
                b.finish();
                (i, c)
            }));
        }
        if wants_any(RDS) {
            let i = jobs.len();
            jobs.push(Job {
                service: "rds",
                region: region.clone(),
                types: RDS,
            });
            let b = bar(format!("rds {region}"));
            tasks.push(Box::pin(async move {
                let c = rds::collect(aws, plan, region, &b).await;
                b.finish();
                (i, c)
            }));
        }
    }
    if wants_any(S3) {
        let i = jobs.len();
        jobs.push(Job {
            service: "s3",
            region: home.clone(),
            types: S3,
        });
        let b = bar("s3".into());
        tasks.push(Box::pin(async move {
            let c = s3::collect(aws, plan, &b).await;
            b.finish();
            (i, c)
        }));
    }
    if wants_any(IAM) {
        let i = jobs.len();
        jobs.push(Job {
            service: "iam",
            region: "global".into(),
            types: IAM,
        });
        let b = bar("iam".into());
        tasks.push(Box::pin(async move {
            let c = iam::collect(aws, plan, &b).await;
            b.finish();
            (i, c)
        }));
    }

    let mut pending: Vec<bool> = vec![true; jobs.len()];
    let mut out = Collected::default();
    let until = tokio::time::Instant::now() + deadline;
    loop {
        match tokio::time::timeout_at(until, tasks.next()).await {
            Ok(Some((i, collected))) => {
                pending[i] = false;
                out.merge(collected);
            }
            Ok(None) => break,
            Err(_) => {
                for (job, _) in jobs.iter().zip(&pending).filter(|(_, p)| **p) {
                    let error = AwsError::local(
                        job.service,
                        &job.region,
                        "scan",
                        "ScanTimeout",
                        format!(
                            "not finished when the scan's time limit ({} s) ran out",
                            deadline.as_secs()
                        ),
                    );
                    for t in job.types.iter().filter(|t| plan.wants(t)) {
                        out.unlisted.push(Unlisted {
                            resource_type: t.to_string(),
                            region: job.region.clone(),
                            error: error.clone(),
                        });
                    }
                    out.errors.push(error);
                }
                break;
            }
        }
    }
    out
}

/// The identifying part of a configuration item a collector builds.
pub struct ItemHead<'a> {
    pub resource_type: &'a str,
    pub resource_id: &'a str,
    pub resource_name: Option<&'a str>,
    pub arn: Option<String>,
    pub region: &'a str,
    pub account: Option<&'a str>,
    pub tags: Map<String, Value>,
}

/// Builds a canonical item in the notification form, as AWS Config would record it,
/// and runs it through the same normaliser as snapshot items (which decodes IAM
/// documents and fills derived fields).
pub fn build_item(
    head: ItemHead<'_>,
    configuration: Value,
    supplementary: Map<String, Value>,
    unreadable: Vec<Unreadable>,
) -> ConfigItem {
    let now = crate::core::timestamp::format(&chrono::Utc::now());
    let mut ci = Map::new();
    ci.insert("configurationItemVersion".into(), Value::from("1.3"));
    ci.insert("configurationItemCaptureTime".into(), Value::from(now));
    ci.insert("configurationItemStatus".into(), Value::from("OK"));
    ci.insert("resourceType".into(), Value::from(head.resource_type));
    ci.insert("resourceId".into(), Value::from(head.resource_id));
    if let Some(name) = head.resource_name {
        ci.insert("resourceName".into(), Value::from(name));
    }
    if let Some(arn) = head.arn {
        ci.insert("ARN".into(), Value::from(arn));
    }
    ci.insert("awsRegion".into(), Value::from(head.region));
    if let Some(account) = head.account {
        ci.insert("awsAccountId".into(), Value::from(account));
    }
    ci.insert("tags".into(), Value::Object(head.tags));
    ci.insert("configuration".into(), configuration);
    ci.insert(
        "supplementaryConfiguration".into(),
        Value::Object(supplementary),
    );
    let service = crate::core::resource::service_of(head.resource_type);
    let source: Arc<str> = Arc::from(format!("live:{service}:{}", head.region));
    let raw = Value::Object(ci);
    // Collectors build well-formed items; should normalisation ever refuse one, keep it as built.
    let body = normalize_item(raw.clone()).unwrap_or(raw);
    let mut item = ConfigItem::from_body(body, source);
    item.unreadable = unreadable;
    item
}

/// A tag map from `(key, value)` pairs.
pub fn tag_map<'a>(
    pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> Map<String, Value> {
    pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k?.to_string(), Value::from(v.unwrap_or_default()))))
        .collect()
}

/// The same tags in Config's `configuration.tags` list form.
pub fn tag_list(tags: &Map<String, Value>) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
            .collect(),
    )
}

/// Inserts `value` under `key` unless it is `None`, keeping objects free of nulls
/// the way Config omits absent fields.
pub fn put<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_reads_by_path_prefix() {
        let plan = Plan {
            regions: vec!["eu-west-1".into()],
            types: ["AWS::S3::Bucket".to_string()].into(),
            paths: vec!["supplementaryConfiguration.BucketPolicy.policyText.Statement[*]".into()],
            concurrency: 4,
            account: None,
            page_size: None,
        };
        assert!(plan.reads("supplementaryConfiguration.BucketPolicy"));
        assert!(!plan.reads("supplementaryConfiguration.BucketPolicyStatus"));
        assert!(!plan.reads("supplementaryConfiguration.AccessControlList"));
        assert!(plan.wants("AWS::S3::Bucket"));
        assert_eq!(plan.home_region(), "eu-west-1");
    }

    #[test]
    fn built_items_are_canonical() {
        let tags = tag_map([(Some("Criticality"), Some("high"))]);
        let item = build_item(
            ItemHead {
                resource_type: "AWS::IAM::Role",
                resource_id: "AROA1",
                resource_name: Some("r"),
                arn: Some("arn:aws:iam::123456789012:role/r".into()),
                region: "global",
                account: Some("123456789012"),
                tags,
            },
            serde_json::json!({"assumeRolePolicyDocument": "%7B%22Statement%22%3A%5B%5D%7D"}),
            Map::new(),
            vec![],
        );
        assert_eq!(item.tag("Criticality"), Some("high"));
        assert_eq!(
            item.body["configuration"]["assumeRolePolicyDocument"]["Statement"],
            serde_json::json!([])
        );
        assert_eq!(&*item.source, "live:iam:global");
    }
}
