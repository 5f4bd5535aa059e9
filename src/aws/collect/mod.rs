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
//!
//! Each collector implements [`Collector`] and is listed once in [`COLLECTORS`];
//! the types it reads come from the core's registry
//! ([`crate::core::registry`]), so [`collect_all`] runs whatever the plan needs
//! without a hand-written job per service. A type a selected rule judges that
//! no collector reads is returned in [`Collected::uncollected`], and the scan
//! turns it into `error` findings: never an empty, silent answer.
//! Listings use the SDK's paginators where they fit, else [`paginate`].

pub mod cloudformation;
pub mod config_inventory;
pub mod ec2;
pub mod iam;
pub mod rds;
pub mod s3;

use crate::aws::error::AwsError;
use crate::aws::Aws;
use crate::core::normalize::normalize_item;
use crate::core::registry;
use crate::core::resource::{ConfigItem, Unreadable};
use futures::stream::{FuturesUnordered, StreamExt};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashSet};
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
    /// Start CloudFormation drift detection on every stack and wait for it
    /// (within the scan's time limit) instead of reporting the last result.
    pub detect_drift: bool,
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
    /// Types the plan wants that no live collector reads: their rules get
    /// `error` findings naming the gap, since a live scan cannot judge them.
    pub uncollected: Vec<String>,
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
        self.uncollected.extend(other.uncollected);
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

/// What one collector run is given.
pub struct Scope<'a> {
    pub aws: &'a Aws,
    pub plan: &'a Plan,
    /// The region to read; the home region for a global collector.
    pub region: &'a str,
    pub progress: &'a ProgressBar,
    /// When the scan's time runs out. A collector that waits for AWS (drift
    /// detection) stops waiting early enough to hand in what it has.
    pub until: tokio::time::Instant,
}

/// A collector's run, boxed so the collectors can live in one list.
pub type CollectFuture<'a> = Pin<Box<dyn Future<Output = Collected> + Send + 'a>>;

/// One live collector: a service whose API calls build configuration items.
pub trait Collector: Sync {
    /// The registry's collector id (`ec2`, `s3`, `cloudformation`, …).
    fn id(&self) -> &'static str;

    /// The resource types it reads, from the registry.
    fn types(&self) -> Vec<&'static str> {
        registry::types_read_by(self.id())
    }

    /// Runs once per scan from the home region (IAM, the S3 listing) instead of
    /// once per scanned region.
    fn global(&self) -> bool {
        false
    }

    /// Reads what the plan wants in `scope.region`. Never fails: failures are
    /// recorded in the result (see [`Collected`]).
    fn collect<'a>(&'a self, scope: Scope<'a>) -> CollectFuture<'a>;
}

/// Every live collector, once.
pub static COLLECTORS: &[&dyn Collector] = &[
    &ec2::Ec2,
    &rds::Rds,
    &s3::S3,
    &iam::Iam,
    &cloudformation::CloudFormation,
];

type Task<'a> = Pin<Box<dyn Future<Output = (usize, Collected)> + Send + 'a>>;

/// One collector run, for reporting it when the deadline passes.
struct Job {
    service: &'static str,
    /// Where its types are reported unlisted: the region, or `global` for
    /// types whose items are filed there (IAM).
    region: String,
    types: Vec<&'static str>,
}

/// Runs every collector the plan needs, concurrently, until all finish or the
/// scan's deadline passes. The results of finished collectors are kept; a
/// collector still running at the deadline is reported as timed out and its
/// types as unlisted in its region (their rules get `error` findings), since a
/// half-read listing cannot say what it missed. Types no collector reads are
/// returned in `uncollected`.
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
    let until = tokio::time::Instant::now() + deadline;
    for &collector in COLLECTORS {
        let types = collector.types();
        if !types.iter().any(|t| plan.wants(t)) {
            continue;
        }
        let id = collector.id();
        let regions: Vec<&str> = if collector.global() {
            vec![plan.home_region()]
        } else {
            plan.regions.iter().map(String::as_str).collect()
        };
        let filed_globally = types
            .iter()
            .all(|t| registry::lookup(t).is_some_and(|i| i.global));
        for region in regions {
            let i = jobs.len();
            jobs.push(Job {
                service: id,
                region: if filed_globally { "global" } else { region }.to_string(),
                types: types.clone(),
            });
            let b = bar(if collector.global() {
                id.to_string()
            } else {
                format!("{id} {region}")
            });
            tasks.push(Box::pin(async move {
                let scope = Scope {
                    aws,
                    plan,
                    region,
                    progress: &b,
                    until,
                };
                let c = collector.collect(scope).await;
                b.finish();
                (i, c)
            }));
        }
    }

    let mut pending: Vec<bool> = vec![true; jobs.len()];
    let mut out = Collected::default();
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
    out.uncollected = uncollected(plan);
    out
}

/// The types the plan wants that no collector reads.
fn uncollected(plan: &Plan) -> Vec<String> {
    let read: HashSet<&str> = COLLECTORS.iter().flat_map(|c| c.types()).collect();
    plan.types
        .iter()
        .filter(|t| !read.contains(t.as_str()))
        .cloned()
        .collect()
}

/// Reads every page of a listing that pages with a token, for the calls whose
/// SDK paginator does not fit (IAM's `Marker` means something only while
/// `IsTruncated` is true, and moto sends one regardless). `fetch` makes one
/// call with the token it is given and returns the page and the next token;
/// `each` takes the pages in order. Calls are counted in `calls`. A failure
/// ends the listing with the error, after the pages already handed to `each`;
/// a token seen before ends it too, since a server repeating itself would
/// otherwise keep the scan busy until its deadline.
pub async fn paginate<P, F, Fut>(
    calls: &mut usize,
    mut fetch: F,
    mut each: impl FnMut(P),
) -> Result<(), AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(P, Option<String>), AwsError>>,
{
    let mut token: Option<String> = None;
    let mut seen: HashSet<String> = HashSet::new();
    loop {
        *calls += 1;
        let (page, next) = fetch(token.take()).await?;
        each(page);
        match next.filter(|t| !t.is_empty()) {
            Some(next) if seen.insert(next.clone()) => token = Some(next),
            _ => return Ok(()),
        }
    }
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
    let service = registry::service_of(head.resource_type);
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
            detect_drift: false,
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

    #[test]
    fn every_registry_collector_is_implemented_once() {
        let ids: Vec<&str> = COLLECTORS.iter().map(|c| c.id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        let mut want = registry::collectors();
        want.sort();
        assert_eq!(sorted, want);
        for c in COLLECTORS {
            assert!(!c.types().is_empty(), "{} reads no type", c.id());
        }
    }

    #[test]
    fn types_without_a_collector_are_uncollected() {
        let plan = Plan {
            regions: vec!["eu-west-1".into()],
            types: [
                "AWS::SNS::Topic".to_string(),
                "AWS::EC2::Volume".to_string(),
                "AWS::Lambda::Function".to_string(),
                "AWS::CloudFormation::Stack".to_string(),
            ]
            .into(),
            paths: vec![],
            concurrency: 1,
            account: None,
            page_size: None,
            detect_drift: false,
        };
        assert_eq!(
            uncollected(&plan),
            vec![
                "AWS::Lambda::Function".to_string(),
                "AWS::SNS::Topic".to_string()
            ]
        );
    }

    #[tokio::test]
    async fn paginate_follows_tokens_and_stops_on_a_repeat() {
        let pages = [("a", Some("1")), ("b", Some("2")), ("c", Some("1"))];
        let mut calls = 0;
        let mut seen = Vec::new();
        let mut asked = Vec::new();
        let result = paginate(
            &mut calls,
            |token: Option<String>| {
                asked.push(token.clone());
                let i = match token.as_deref() {
                    None => 0,
                    Some("1") => 1,
                    _ => 2,
                };
                let (page, next) = pages[i];
                async move { Ok::<_, AwsError>((page, next.map(str::to_string))) }
            },
            |p| seen.push(p),
        )
        .await;
        assert!(result.is_ok());
        assert_eq!(seen, vec!["a", "b", "c"]);
        assert_eq!(calls, 3);
        assert_eq!(asked, vec![None, Some("1".into()), Some("2".into())]);

        let mut calls = 0;
        let mut seen = Vec::new();
        let result = paginate(
            &mut calls,
            |token: Option<String>| async move {
                match token {
                    None => Ok(("first", Some("next".to_string()))),
                    Some(_) => Err(AwsError::local(
                        "iam",
                        "global",
                        "GetAccountAuthorizationDetails",
                        "Throttling",
                        "slow down".to_string(),
                    )),
                }
            },
            |p| seen.push(p),
        )
        .await;
        assert_eq!(result.unwrap_err().code, "Throttling");
        assert_eq!(seen, vec!["first"]);
        assert_eq!(calls, 2);
    }
}
