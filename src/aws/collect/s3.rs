//! Live S3 collector: one `AWS::S3::Bucket` configuration item per bucket, in
//! the shape AWS Config records, so the S3 rules judge live buckets exactly as
//! they judge snapshot items.
//!
//! Decisions:
//!
//! * **Listing.** ListBuckets is global: it is called once, from the plan's home
//!   region, through the paginator with `MaxBuckets` at the plan's page size
//!   (by default the API's maximum, 10,000). AWS rejects unpaginated requests
//!   from accounts whose bucket quota is above 10,000, so the parameter must be
//!   sent. moto 5.2 sends no continuation token and simply truncates the list to
//!   `MaxBuckets`, so against moto a small `--page-size` loses buckets; the
//!   default keeps that out of reach of any test estate. A failed listing marks
//!   the type unlisted (every S3 rule reports an `error`) instead of reporting
//!   an empty, "compliant" account.
//! * **Regions.** A bucket belongs to the region it was created in, and a scan of
//!   `--regions eu-west-1` judges the buckets in eu-west-1 only. The region comes
//!   from `BucketRegion` in the listing when AWS sends it (it does since 2024;
//!   moto 5.2 does not), else from GetBucketLocation (empty means us-east-1,
//!   the legacy `EU` means eu-west-1). A bucket whose location cannot be read is
//!   reported as an error and not judged: we cannot tell whether it is in scope,
//!   nor reach it, since S3 answers calls to the wrong region with a redirect.
//!   Per-bucket calls go to a client for the bucket's region, one client per
//!   scanned region.
//! * **Which calls.** Only those a selected rule reads (the plan's paths decide):
//!   GetBucketEncryption, GetBucketVersioning, GetPublicAccessBlock,
//!   GetBucketPolicy, GetBucketAcl and GetBucketLifecycleConfiguration, each for
//!   its `supplementaryConfiguration` key. GetBucketTagging is always made,
//!   because tags decide a resource's criticality in scoring; they become the
//!   item's `tags` map and Config's `BucketTaggingConfiguration`. Calls for one
//!   bucket run in sequence; buckets run in parallel, bounded by the plan's
//!   concurrency, so the number of calls in flight never exceeds it.
//! * **Not found is an answer.** The "no such configuration" errors mean the
//!   bucket has none, exactly as Config leaves the key out: no encryption
//!   configuration (moto's answer for every new bucket, although AWS has applied
//!   SSE-S3 by default since 2023), no public access block, no lifecycle rules,
//!   no tags. A missing policy is recorded as `{"policyText": null}`, as Config
//!   does, and versioning never set is `"Off"`. Any other failure (access denied,
//!   throttling past the retries, a timeout) is kept as an error and marks that
//!   key unreadable, so rules reading it report `error` while the rest of the
//!   bucket is still judged. A bucket deleted while the scan runs (NoSuchBucket)
//!   is dropped: it no longer exists to be judged.
//! * **Shapes.** Values use Config's names, not the API's: grant permissions as
//!   `FullControl`/`Read`/…, group grantees as the bare names `AllUsers`,
//!   `AuthenticatedUsers` and `LogDelivery`, lifecycle periods with `-1` for
//!   unset and filters as Config's typed predicates. The policy stays a JSON
//!   string as in Config items; the shared normaliser parses it like any other.
//!   `isMfaDeleteEnabled` is null unless S3 reports an MFA-delete state, which
//!   it does only for buckets that were ever configured with one.
//! * **moto.** moto 5.2 wraps GetBucketVersioning's answer in the wrong root
//!   element, which the SDK refuses; such a 200 answer is read from the raw
//!   body (`versioning_from_raw`) rather than reported as unreadable, so
//!   the versioning rule can be tested against moto.

use crate::aws::collect::{
    build_item, put, tag_map, CollectFuture, Collected, Collector, ItemHead, Plan, Scope,
};
use crate::aws::error::AwsError;
use crate::aws::{iso, Aws};
use crate::core::resource::{ConfigItem, Unreadable};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::{
    Grant, LifecycleRule, LifecycleRuleAndOperator, LifecycleRuleFilter, Owner,
    ServerSideEncryptionConfiguration, Tag,
};
use aws_sdk_s3::Client;
use futures::StreamExt;
use indicatif::ProgressBar;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

const SERVICE: &str = "s3";
use crate::core::registry::S3_BUCKET as BUCKET;
/// The largest page ListBuckets allows.
const MAX_PAGE: i32 = 10_000;

const ENCRYPTION: &str = "ServerSideEncryptionConfiguration";
const VERSIONING: &str = "BucketVersioningConfiguration";
const PUBLIC_ACCESS_BLOCK: &str = "PublicAccessBlockConfiguration";
const POLICY: &str = "BucketPolicy";
const ACL: &str = "AccessControlList";
const LIFECYCLE: &str = "BucketLifecycleConfiguration";
const TAGGING: &str = "BucketTaggingConfiguration";

/// The S3 collector as the scan runs it: once per scan, since the listing is
/// global; it judges the buckets of every scanned region.
pub struct S3;

impl Collector for S3 {
    fn id(&self) -> &'static str {
        "s3"
    }

    fn global(&self) -> bool {
        true
    }

    fn collect<'a>(&'a self, scope: Scope<'a>) -> CollectFuture<'a> {
        Box::pin(collect(scope.aws, scope.plan, scope.progress))
    }
}

pub async fn collect(aws: &Aws, plan: &Plan, progress: &ProgressBar) -> Collected {
    let mut collected = Collected::default();
    if !plan.wants(BUCKET) {
        return collected;
    }
    let home = plan.home_region().to_string();
    let lister = aws.s3(&home);
    let page = plan.page(MAX_PAGE);
    let listing = match list_buckets(&lister, &home, page, &mut collected.calls).await {
        Ok(listing) => listing,
        Err(err) => {
            collected.unlisted(BUCKET, err);
            return collected;
        }
    };
    progress.inc_length(listing.buckets.len() as u64);

    let clients: HashMap<&str, Client> = plan
        .regions
        .iter()
        .map(|r| (r.as_str(), aws.s3(r)))
        .collect();
    let wanted = Wanted::from_plan(plan);
    let context = Context {
        lister: &lister,
        home: &home,
        clients: &clients,
        wanted: &wanted,
        owner: listing.owner.as_ref(),
        account: plan.account.as_deref(),
    };

    let outcomes: Vec<BucketOutcome> = futures::stream::iter(listing.buckets)
        .map(|bucket| {
            let context = &context;
            async move {
                let outcome = read_bucket(context, bucket).await;
                progress.inc(1);
                outcome
            }
        })
        .buffer_unordered(plan.concurrency.max(1))
        .collect()
        .await;

    for outcome in outcomes {
        collected.calls += outcome.calls;
        collected.errors.extend(outcome.errors);
        collected.items.extend(outcome.item);
    }
    // Completion order is arbitrary; reports and diffs want a stable one.
    collected
        .items
        .sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
    progress.set_message(format!("s3: {} buckets", collected.items.len()));
    collected
}

/// Reads one bucket (region known) with the calls the plan's paths need: the
/// single-resource read `remediate` verifies a change with, through the same
/// code a scan uses, so "verified" means what a scan would say.
pub async fn read_one(aws: &Aws, plan: &Plan, bucket: &str, region: &str) -> Collected {
    let mut collected = Collected::default();
    let clients: HashMap<&str, Client> = [(region, aws.s3(region))].into_iter().collect();
    let lister = aws.s3(region);
    let wanted = Wanted::from_plan(plan);
    let context = Context {
        lister: &lister,
        home: region,
        clients: &clients,
        wanted: &wanted,
        owner: None,
        account: plan.account.as_deref(),
    };
    let outcome = read_bucket(
        &context,
        Listed {
            name: bucket.to_string(),
            creation_date: None,
            region: Some(region.to_string()),
        },
    )
    .await;
    collected.calls += outcome.calls;
    collected.errors.extend(outcome.errors);
    collected.items.extend(outcome.item);
    collected
}

/// A bucket as ListBuckets describes it.
struct Listed {
    name: String,
    creation_date: Option<String>,
    region: Option<String>,
}

struct Listing {
    buckets: Vec<Listed>,
    owner: Option<Value>,
}

async fn list_buckets(
    client: &Client,
    region: &str,
    page: i32,
    calls: &mut usize,
) -> Result<Listing, AwsError> {
    let mut pages = client
        .list_buckets()
        .max_buckets(page)
        .into_paginator()
        .send();
    let mut listing = Listing {
        buckets: Vec::new(),
        owner: None,
    };
    while let Some(page) = pages.next().await {
        *calls += 1;
        let page = page.map_err(|e| AwsError::from_sdk(SERVICE, region, "ListBuckets", &e))?;
        if listing.owner.is_none() {
            listing.owner = page.owner().map(owner_json);
        }
        listing
            .buckets
            .extend(page.buckets().iter().filter_map(|b| {
                Some(Listed {
                    name: b.name()?.to_string(),
                    creation_date: b.creation_date().map(iso),
                    region: b
                        .bucket_region()
                        .filter(|r| !r.is_empty())
                        .map(str::to_string),
                })
            }));
    }
    Ok(listing)
}

/// Which supplementary keys some selected rule reads.
struct Wanted {
    encryption: bool,
    versioning: bool,
    public_access_block: bool,
    policy: bool,
    acl: bool,
    lifecycle: bool,
}

impl Wanted {
    fn from_plan(plan: &Plan) -> Wanted {
        let reads = |key: &str| plan.reads(&format!("supplementaryConfiguration.{key}"));
        Wanted {
            encryption: reads(ENCRYPTION),
            versioning: reads(VERSIONING),
            public_access_block: reads(PUBLIC_ACCESS_BLOCK),
            policy: reads(POLICY),
            acl: reads(ACL),
            lifecycle: reads(LIFECYCLE),
        }
    }
}

/// What every bucket task shares.
struct Context<'a> {
    lister: &'a Client,
    home: &'a str,
    clients: &'a HashMap<&'a str, Client>,
    wanted: &'a Wanted,
    owner: Option<&'a Value>,
    account: Option<&'a str>,
}

#[derive(Default)]
struct BucketOutcome {
    item: Option<ConfigItem>,
    errors: Vec<AwsError>,
    calls: usize,
}

/// How one per-bucket call ended.
enum Read<T> {
    Got(T),
    /// The bucket has no such configuration.
    Absent,
    /// Recorded as an error and an unreadable key, or the bucket is gone.
    Failed,
}

/// Reads one bucket's configuration with the calls the rules need.
struct Reader<'a> {
    client: &'a Client,
    region: &'a str,
    bucket: &'a str,
    calls: usize,
    errors: Vec<AwsError>,
    unreadable: Vec<Unreadable>,
    gone: bool,
}

impl Reader<'_> {
    /// Sorts a call's result into found, not configured, or failed; `path` is
    /// the item part a failure leaves unreadable.
    fn settle<T, E>(
        &mut self,
        operation: &str,
        path: &str,
        absent: &[&str],
        result: Result<T, SdkError<E>>,
    ) -> Read<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.calls += 1;
        let sdk_err = match result {
            Ok(out) => return Read::Got(out),
            Err(e) => e,
        };
        let err = AwsError::from_sdk(SERVICE, self.region, operation, &sdk_err);
        if err.is(absent) {
            Read::Absent
        } else if err.is(&["NoSuchBucket"]) {
            self.gone = true;
            Read::Failed
        } else {
            self.unreadable.push(Unreadable {
                path: path.to_string(),
                reason: err.reason(),
            });
            self.errors.push(err);
            Read::Failed
        }
    }
}

async fn read_bucket(cx: &Context<'_>, bucket: Listed) -> BucketOutcome {
    let mut outcome = BucketOutcome::default();
    let region = match bucket.region.clone() {
        Some(region) => region,
        None => {
            outcome.calls += 1;
            match cx
                .lister
                .get_bucket_location()
                .bucket(&bucket.name)
                .send()
                .await
            {
                Ok(out) => location_region(out.location_constraint().map(|c| c.as_str())),
                Err(e) => {
                    let err = AwsError::from_sdk(SERVICE, cx.home, "GetBucketLocation", &e);
                    if !err.is(&["NoSuchBucket"]) {
                        outcome.errors.push(err);
                    }
                    return outcome;
                }
            }
        }
    };
    let Some(client) = cx.clients.get(region.as_str()) else {
        // Outside the scanned regions: another scan judges it.
        return outcome;
    };

    let mut r = Reader {
        client,
        region: &region,
        bucket: &bucket.name,
        calls: 0,
        errors: Vec::new(),
        unreadable: Vec::new(),
        gone: false,
    };
    let mut supplementary = Map::new();
    let tags = read_tags(&mut r, &mut supplementary).await;
    read_supplementary(&mut r, cx.wanted, &mut supplementary).await;

    outcome.calls += r.calls;
    outcome.errors.extend(r.errors);
    if r.gone {
        return outcome;
    }

    let mut configuration = Map::new();
    configuration.insert("name".into(), Value::from(bucket.name.as_str()));
    put(&mut configuration, "owner", cx.owner.cloned());
    put(&mut configuration, "creationDate", bucket.creation_date);
    outcome.item = Some(build_item(
        ItemHead {
            resource_type: BUCKET,
            resource_id: &bucket.name,
            resource_name: Some(&bucket.name),
            arn: Some(format!("arn:aws:s3:::{}", bucket.name)),
            region: &region,
            account: cx.account,
            tags,
        },
        Value::Object(configuration),
        supplementary,
        r.unreadable,
    ));
    outcome
}

/// GetBucketLocation's answer as a region name.
fn location_region(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(region) => region.to_string(),
    }
}

async fn read_tags(
    r: &mut Reader<'_>,
    supplementary: &mut Map<String, Value>,
) -> Map<String, Value> {
    let result = r.client.get_bucket_tagging().bucket(r.bucket).send().await;
    match r.settle("GetBucketTagging", "tags", &["NoSuchTagSet"], result) {
        Read::Got(out) => {
            let tags = tags_of(out.tag_set());
            if !tags.is_empty() {
                supplementary.insert(TAGGING.into(), json!({"tagSets": [{"tags": tags.clone()}]}));
            }
            tags
        }
        Read::Failed => {
            // The tag set is also Config's BucketTaggingConfiguration.
            if let Some(reason) = r.unreadable.last().map(|u| u.reason.clone()) {
                r.unreadable.push(Unreadable {
                    path: format!("supplementaryConfiguration.{TAGGING}"),
                    reason,
                });
            }
            Map::new()
        }
        Read::Absent => Map::new(),
    }
}

async fn read_supplementary(r: &mut Reader<'_>, wanted: &Wanted, out: &mut Map<String, Value>) {
    let path = |key: &str| format!("supplementaryConfiguration.{key}");

    if wanted.encryption && !r.gone {
        let result = r
            .client
            .get_bucket_encryption()
            .bucket(r.bucket)
            .send()
            .await;
        let absent = ["ServerSideEncryptionConfigurationNotFoundError"];
        if let Read::Got(o) = r.settle("GetBucketEncryption", &path(ENCRYPTION), &absent, result) {
            out.insert(
                ENCRYPTION.into(),
                encryption_json(o.server_side_encryption_configuration()),
            );
        }
    }
    if wanted.versioning && !r.gone {
        let result = match r
            .client
            .get_bucket_versioning()
            .bucket(r.bucket)
            .send()
            .await
        {
            Ok(o) => Ok(Versioning {
                status: o.status().map(|s| s.as_str().to_string()),
                mfa_delete: o.mfa_delete().map(|m| m.as_str().to_string()),
            }),
            Err(e) => versioning_from_raw(&e).ok_or(e),
        };
        if let Read::Got(v) = r.settle("GetBucketVersioning", &path(VERSIONING), &[], result) {
            let mfa_delete = match v.mfa_delete.as_deref() {
                Some("Enabled") => Value::Bool(true),
                Some("Disabled") => Value::Bool(false),
                _ => Value::Null,
            };
            // A bucket whose versioning was never set has no status; Config says "Off".
            let status = v.status.as_deref().unwrap_or("Off");
            out.insert(
                VERSIONING.into(),
                json!({"status": status, "isMfaDeleteEnabled": mfa_delete}),
            );
        }
    }
    if wanted.public_access_block && !r.gone {
        let result = r
            .client
            .get_public_access_block()
            .bucket(r.bucket)
            .send()
            .await;
        let absent = ["NoSuchPublicAccessBlockConfiguration"];
        if let Read::Got(o) = r.settle(
            "GetPublicAccessBlock",
            &path(PUBLIC_ACCESS_BLOCK),
            &absent,
            result,
        ) {
            // A flag left out of the configuration is off, as S3 enforces it.
            let c = o.public_access_block_configuration();
            let flag =
                |f: fn(&aws_sdk_s3::types::PublicAccessBlockConfiguration) -> Option<bool>| {
                    c.and_then(f).unwrap_or(false)
                };
            out.insert(
                PUBLIC_ACCESS_BLOCK.into(),
                json!({
                    "blockPublicAcls": flag(|c| c.block_public_acls()),
                    "ignorePublicAcls": flag(|c| c.ignore_public_acls()),
                    "blockPublicPolicy": flag(|c| c.block_public_policy()),
                    "restrictPublicBuckets": flag(|c| c.restrict_public_buckets()),
                }),
            );
        }
    }
    if wanted.policy && !r.gone {
        let result = r.client.get_bucket_policy().bucket(r.bucket).send().await;
        match r.settle(
            "GetBucketPolicy",
            &path(POLICY),
            &["NoSuchBucketPolicy"],
            result,
        ) {
            Read::Got(o) => {
                out.insert(POLICY.into(), json!({"policyText": o.policy()}));
            }
            Read::Absent => {
                out.insert(POLICY.into(), json!({"policyText": null}));
            }
            Read::Failed => {}
        }
    }
    if wanted.acl && !r.gone {
        let result = r.client.get_bucket_acl().bucket(r.bucket).send().await;
        if let Read::Got(o) = r.settle("GetBucketAcl", &path(ACL), &[], result) {
            let mut acl = Map::new();
            put(&mut acl, "owner", o.owner().map(owner_json));
            acl.insert(
                "grantList".into(),
                Value::Array(o.grants().iter().map(grant_json).collect()),
            );
            out.insert(ACL.into(), Value::Object(acl));
        }
    }
    if wanted.lifecycle && !r.gone {
        let result = r
            .client
            .get_bucket_lifecycle_configuration()
            .bucket(r.bucket)
            .send()
            .await;
        let absent = ["NoSuchLifecycleConfiguration"];
        if let Read::Got(o) = r.settle(
            "GetBucketLifecycleConfiguration",
            &path(LIFECYCLE),
            &absent,
            result,
        ) {
            let rules: Vec<Value> = o.rules().iter().map(lifecycle_rule_json).collect();
            out.insert(LIFECYCLE.into(), json!({ "rules": rules }));
        }
    }
}

/// GetBucketVersioning's answer.
struct Versioning {
    status: Option<String>,
    mfa_delete: Option<String>,
}

/// moto 5.2 answers GetBucketVersioning with the root element
/// `GetBucketVersioningResponse` instead of `VersioningConfiguration`, which the
/// SDK refuses to decode. The fields inside are right, so a successful answer
/// with that root is read from the raw body; anything else stays an error.
fn versioning_from_raw<E>(err: &SdkError<E>) -> Option<Versioning> {
    let raw = err.raw_response()?;
    if !raw.status().is_success() {
        return None;
    }
    let body = std::str::from_utf8(raw.body().bytes()?).ok()?;
    if !body.contains("<GetBucketVersioningResponse") {
        return None;
    }
    let element = |name: &str| {
        let start = body.find(&format!("<{name}>"))? + name.len() + 2;
        let len = body[start..].find(&format!("</{name}>"))?;
        Some(body[start..start + len].trim().to_string())
    };
    Some(Versioning {
        status: element("Status"),
        mfa_delete: element("MfaDelete"),
    })
}

fn tags_of(tags: &[Tag]) -> Map<String, Value> {
    tag_map(tags.iter().map(|t| (Some(t.key()), Some(t.value()))))
}

fn owner_json(owner: &Owner) -> Value {
    let mut o = Map::new();
    put(&mut o, "displayName", owner.display_name());
    put(&mut o, "id", owner.id());
    Value::Object(o)
}

fn encryption_json(config: Option<&ServerSideEncryptionConfiguration>) -> Value {
    let rules: Vec<Value> = config
        .map(|c| c.rules())
        .unwrap_or_default()
        .iter()
        .map(|rule| {
            let mut out = Map::new();
            if let Some(default) = rule.apply_server_side_encryption_by_default() {
                let mut d = Map::new();
                d.insert(
                    "sseAlgorithm".into(),
                    Value::from(default.sse_algorithm().as_str()),
                );
                put(&mut d, "kmsMasterKeyID", default.kms_master_key_id());
                out.insert(
                    "applyServerSideEncryptionByDefault".into(),
                    Value::Object(d),
                );
            }
            // S3 treats an unstated bucket key setting as off.
            out.insert(
                "bucketKeyEnabled".into(),
                Value::Bool(rule.bucket_key_enabled().unwrap_or(false)),
            );
            Value::Object(out)
        })
        .collect();
    json!({ "rules": rules })
}

/// A grant as Config writes it: group grantees by their bare name, permissions
/// in Config's casing.
pub(crate) fn grant_json(grant: &Grant) -> Value {
    let grantee = match grant.grantee() {
        None => Value::Null,
        // Decided by the fields present rather than the type attribute, which
        // some S3 implementations leave out.
        Some(g) => match (g.uri(), g.email_address()) {
            (Some(uri), _) => match uri.rsplit('/').next() {
                Some(name @ ("AllUsers" | "AuthenticatedUsers" | "LogDelivery")) => {
                    Value::from(name)
                }
                _ => json!({ "uri": uri }),
            },
            (None, Some(email)) => json!({ "emailAddress": email }),
            (None, None) => {
                let mut o = Map::new();
                put(&mut o, "id", g.id());
                put(&mut o, "displayName", g.display_name());
                Value::Object(o)
            }
        },
    };
    let permission = grant.permission().map(|p| match p.as_str() {
        "FULL_CONTROL" => "FullControl".to_string(),
        "READ" => "Read".to_string(),
        "WRITE" => "Write".to_string(),
        "READ_ACP" => "ReadAcp".to_string(),
        "WRITE_ACP" => "WriteAcp".to_string(),
        other => other.to_string(),
    });
    json!({ "grantee": grantee, "permission": permission })
}

fn lifecycle_rule_json(rule: &LifecycleRule) -> Value {
    let mut out = Map::new();
    put(&mut out, "id", rule.id());
    #[allow(deprecated)]
    put(&mut out, "prefix", rule.prefix());
    out.insert("status".into(), Value::from(rule.status().as_str()));
    out.insert(
        "filter".into(),
        json!({ "predicate": rule.filter().and_then(predicate_json) }),
    );
    let expiration = rule.expiration();
    out.insert(
        "expirationInDays".into(),
        Value::from(expiration.and_then(|e| e.days()).unwrap_or(-1)),
    );
    put(
        &mut out,
        "expirationDate",
        expiration.and_then(|e| e.date()).map(iso),
    );
    out.insert(
        "expiredObjectDeleteMarker".into(),
        Value::Bool(
            expiration
                .and_then(|e| e.expired_object_delete_marker())
                .unwrap_or(false),
        ),
    );
    out.insert(
        "noncurrentVersionExpirationInDays".into(),
        Value::from(
            rule.noncurrent_version_expiration()
                .and_then(|e| e.noncurrent_days())
                .unwrap_or(-1),
        ),
    );
    let transitions: Vec<Value> = rule
        .transitions()
        .iter()
        .map(|t| {
            let mut o = Map::new();
            put(&mut o, "days", t.days());
            put(&mut o, "date", t.date().map(iso));
            put(
                &mut o,
                "storageClass",
                t.storage_class().map(|c| c.as_str()),
            );
            Value::Object(o)
        })
        .collect();
    out.insert("transitions".into(), Value::Array(transitions));
    let noncurrent: Vec<Value> = rule
        .noncurrent_version_transitions()
        .iter()
        .map(|t| {
            let mut o = Map::new();
            put(&mut o, "days", t.noncurrent_days());
            put(
                &mut o,
                "storageClass",
                t.storage_class().map(|c| c.as_str()),
            );
            Value::Object(o)
        })
        .collect();
    out.insert(
        "noncurrentVersionTransitions".into(),
        Value::Array(noncurrent),
    );
    put(
        &mut out,
        "abortIncompleteMultipartUpload",
        rule.abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation())
            .map(|d| json!({ "daysAfterInitiation": d })),
    );
    Value::Object(out)
}

/// A lifecycle filter as Config's typed predicate; None for a filter that
/// selects every object.
fn predicate_json(filter: &LifecycleRuleFilter) -> Option<Value> {
    if let Some(and) = filter.and() {
        return Some(and_json(and));
    }
    if let Some(prefix) = filter.prefix() {
        return Some(json!({"type": "LifecyclePrefixPredicate", "prefix": prefix}));
    }
    if let Some(tag) = filter.tag() {
        return Some(
            json!({"type": "LifecycleTagPredicate", "tag": {"key": tag.key(), "value": tag.value()}}),
        );
    }
    if let Some(size) = filter.object_size_greater_than() {
        return Some(
            json!({"type": "LifecycleObjectSizeGreaterThanPredicate", "objectSizeGreaterThan": size}),
        );
    }
    if let Some(size) = filter.object_size_less_than() {
        return Some(
            json!({"type": "LifecycleObjectSizeLessThanPredicate", "objectSizeLessThan": size}),
        );
    }
    None
}

fn and_json(and: &LifecycleRuleAndOperator) -> Value {
    let mut operands = Vec::new();
    if let Some(prefix) = and.prefix() {
        operands.push(json!({"type": "LifecyclePrefixPredicate", "prefix": prefix}));
    }
    for tag in and.tags() {
        operands.push(json!({"type": "LifecycleTagPredicate", "tag": {"key": tag.key(), "value": tag.value()}}));
    }
    if let Some(size) = and.object_size_greater_than() {
        operands.push(json!({"type": "LifecycleObjectSizeGreaterThanPredicate", "objectSizeGreaterThan": size}));
    }
    if let Some(size) = and.object_size_less_than() {
        operands.push(
            json!({"type": "LifecycleObjectSizeLessThanPredicate", "objectSizeLessThan": size}),
        );
    }
    json!({"type": "LifecycleAndOperator", "operands": operands})
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::types::{Grantee, Permission, Type};

    #[test]
    fn locations_name_regions() {
        assert_eq!(location_region(None), "us-east-1");
        assert_eq!(location_region(Some("")), "us-east-1");
        assert_eq!(location_region(Some("EU")), "eu-west-1");
        assert_eq!(location_region(Some("ap-south-1")), "ap-south-1");
    }

    #[test]
    fn grants_take_config_names() {
        let group = Grant::builder()
            .grantee(
                Grantee::builder()
                    .r#type(Type::Group)
                    .uri("http://acs.amazonaws.com/groups/global/AllUsers")
                    .build()
                    .unwrap(),
            )
            .permission(Permission::Read)
            .build();
        assert_eq!(
            grant_json(&group),
            json!({"grantee": "AllUsers", "permission": "Read"})
        );
        let user = Grant::builder()
            .grantee(
                Grantee::builder()
                    .r#type(Type::CanonicalUser)
                    .id("abc")
                    .display_name("owner")
                    .build()
                    .unwrap(),
            )
            .permission(Permission::FullControl)
            .build();
        assert_eq!(
            grant_json(&user),
            json!({"grantee": {"id": "abc", "displayName": "owner"}, "permission": "FullControl"})
        );
        let email = Grant::builder()
            .grantee(
                Grantee::builder()
                    .r#type(Type::AmazonCustomerByEmail)
                    .email_address("a@example.com")
                    .build()
                    .unwrap(),
            )
            .permission(Permission::WriteAcp)
            .build();
        assert_eq!(
            grant_json(&email),
            json!({"grantee": {"emailAddress": "a@example.com"}, "permission": "WriteAcp"})
        );
    }

    #[test]
    fn lifecycle_filters_become_predicates() {
        let filter = LifecycleRuleFilter::builder()
            .and(
                LifecycleRuleAndOperator::builder()
                    .prefix("logs/")
                    .tags(Tag::builder().key("k").value("v").build().unwrap())
                    .build(),
            )
            .build();
        assert_eq!(
            predicate_json(&filter),
            Some(json!({"type": "LifecycleAndOperator", "operands": [
                {"type": "LifecyclePrefixPredicate", "prefix": "logs/"},
                {"type": "LifecycleTagPredicate", "tag": {"key": "k", "value": "v"}},
            ]}))
        );
        assert_eq!(
            predicate_json(&LifecycleRuleFilter::builder().build()),
            None
        );
    }

    fn sdk_error<E>(err: E, status: u16, body: &'static str) -> SdkError<E> {
        let raw = aws_sdk_s3::config::http::HttpResponse::new(
            status.try_into().expect("status code"),
            aws_smithy_types::body::SdkBody::from(body),
        );
        SdkError::service_error(err, raw)
    }

    fn policy_error(
        code: &str,
    ) -> SdkError<aws_sdk_s3::operation::get_bucket_policy::GetBucketPolicyError> {
        let meta = aws_sdk_s3::error::ErrorMetadata::builder()
            .code(code)
            .message("no")
            .build();
        sdk_error(
            aws_sdk_s3::operation::get_bucket_policy::GetBucketPolicyError::generic(meta),
            403,
            "",
        )
    }

    #[test]
    fn failures_mark_the_key_unreadable_and_not_found_means_absent() {
        let client = Client::from_conf(
            aws_sdk_s3::Config::builder()
                .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
                .region(aws_sdk_s3::config::Region::new("eu-west-1"))
                .build(),
        );
        let mut r = Reader {
            client: &client,
            region: "eu-west-1",
            bucket: "b",
            calls: 0,
            errors: Vec::new(),
            unreadable: Vec::new(),
            gone: false,
        };
        let path = "supplementaryConfiguration.BucketPolicy";
        let absent = ["NoSuchBucketPolicy"];
        let read = r.settle::<(), _>(
            "GetBucketPolicy",
            path,
            &absent,
            Err(policy_error("NoSuchBucketPolicy")),
        );
        assert!(matches!(read, Read::Absent));
        assert!(r.errors.is_empty() && r.unreadable.is_empty());

        let read = r.settle::<(), _>(
            "GetBucketPolicy",
            path,
            &absent,
            Err(policy_error("AccessDenied")),
        );
        assert!(matches!(read, Read::Failed));
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].code, "AccessDenied");
        assert_eq!(r.errors[0].region, "eu-west-1");
        assert_eq!(r.unreadable.len(), 1);
        assert_eq!(r.unreadable[0].path, path);
        assert!(
            r.unreadable[0]
                .reason
                .starts_with("GetBucketPolicy AccessDenied"),
            "{}",
            r.unreadable[0].reason
        );
        assert!(!r.gone);

        let read = r.settle::<(), _>(
            "GetBucketPolicy",
            path,
            &absent,
            Err(policy_error("NoSuchBucket")),
        );
        assert!(matches!(read, Read::Failed));
        assert!(r.gone, "a bucket deleted during the scan is dropped");
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.calls, 3);
    }

    #[test]
    fn motos_versioning_root_is_read_from_the_raw_body() {
        use aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningError;
        let meta = || aws_sdk_s3::error::ErrorMetadata::builder().build();
        let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<GetBucketVersioningResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>Suspended</Status><MfaDelete>Disabled</MfaDelete></GetBucketVersioningResponse>";
        let v = versioning_from_raw(&sdk_error(
            GetBucketVersioningError::generic(meta()),
            200,
            body,
        ))
        .expect("read");
        assert_eq!(v.status.as_deref(), Some("Suspended"));
        assert_eq!(v.mfa_delete.as_deref(), Some("Disabled"));
        let empty =
            "<GetBucketVersioningResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>";
        let v = versioning_from_raw(&sdk_error(
            GetBucketVersioningError::generic(meta()),
            200,
            empty,
        ))
        .expect("read");
        assert_eq!(v.status, None);
        // Errors stay errors.
        assert!(versioning_from_raw(&sdk_error(
            GetBucketVersioningError::generic(meta()),
            403,
            body
        ))
        .is_none());
        let other = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
        assert!(versioning_from_raw(&sdk_error(
            GetBucketVersioningError::generic(meta()),
            200,
            other
        ))
        .is_none());
    }
}
