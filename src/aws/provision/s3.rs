//! The evidence bucket `compliance-evidence-{suffix}-{account}-{region}`: where
//! AWS Config delivers snapshots and history and where reports are kept.
//! Versioned, encrypted by default (SSE-KMS with the stack key and an S3 bucket
//! key, or AES256 with `--sse aes256`), closed by all four public access blocks,
//! TLS-only by policy (which also lets Config check and deliver), and kept for
//! 90 days by one lifecycle rule: Intelligent-Tiering at once, Glacier after
//! 30 days, expiry after 90, noncurrent versions expired after 30, incomplete
//! multipart uploads aborted after 7.
//!
//! Decisions:
//! - The bucket is tagged right after CreateBucket, before any other setting:
//!   tags are what proves the bucket ours if setup fails before it saves the
//!   manifest, and a bucket tagged with this suffix but missing from the
//!   manifest is then taken as created by setup.
//! - The bucket policy is written last and, on teardown, deleted first. On AWS
//!   this changes nothing (our calls use TLS), but moto applies Deny statements
//!   without their conditions, so with the policy in place every object call,
//!   including the DeleteObjects that empties the bucket, is refused there.
//! - Teardown empties the bucket completely (every version, every delete
//!   marker, every incomplete multipart upload) page by page, 1,000 keys per
//!   DeleteObjects as S3 allows, and stops on the first key S3 refuses: a bucket
//!   is never half-reported as deleted.
//! - Policies are compared as parsed JSON (`iam::same_policy`), the lifecycle as
//!   a canonical summary of its rules, so formatting and ordering that S3 may
//!   change do not show up as drift.

use crate::aws::error::AwsError;
use crate::aws::provision::iam::{build_error, parse_policy, tags_detail};
use crate::aws::provision::{
    kind, setup, status, tag_pairs, tag_refs, teardown, Ctx, Inspection, Managed, Step,
};
use crate::core::plan::Planned;
use crate::core::provision::s3::{bucket_changes, BucketSettings, Encryption, Expected, Part};
use crate::core::stack::{Manifest, Sse};
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint,
    BucketVersioningStatus, CreateBucketConfiguration, Delete, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
    ObjectIdentifier, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    Tag, Tagging, Transition, TransitionStorageClass, VersioningConfiguration,
};

const SERVICE: &str = "s3";
const LIFECYCLE_RULE_ID: &str = "compliance-evidence-retention";
/// Keys per DeleteObjects call, the most S3 accepts.
const DELETE_BATCH: usize = 1000;

fn err<E>(region: &str, operation: &str, e: &SdkError<E>) -> AwsError
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    AwsError::from_sdk(SERVICE, region, operation, e)
}

/// Whether the bucket name is in use, and by whom.
enum Presence {
    Missing,
    /// Exists in another account: HeadBucket is refused.
    OtherAccount,
    Here,
}

async fn presence(ctx: &Ctx<'_>) -> Result<Presence, AwsError> {
    let region = ctx.region();
    match ctx
        .aws
        .s3(region)
        .head_bucket()
        .bucket(&ctx.names.bucket)
        .send()
        .await
    {
        Ok(_) => Ok(Presence::Here),
        Err(e) => {
            if e.as_service_error().is_some_and(|s| s.is_not_found()) {
                return Ok(Presence::Missing);
            }
            // HEAD answers carry no body, so the status is all there is.
            match e.raw_response().map(|r| r.status().as_u16()) {
                Some(404) => Ok(Presence::Missing),
                Some(403) => Ok(Presence::OtherAccount),
                _ => Err(err(region, "HeadBucket", &e)),
            }
        }
    }
}

async fn tags_of(ctx: &Ctx<'_>) -> Result<Vec<(String, String)>, AwsError> {
    let region = ctx.region();
    match ctx
        .aws
        .s3(region)
        .get_bucket_tagging()
        .bucket(&ctx.names.bucket)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()),
        Err(e) => {
            let error = err(region, "GetBucketTagging", &e);
            if error.is(&["NoSuchTagSet"]) {
                Ok(Vec::new())
            } else {
                Err(error)
            }
        }
    }
}

async fn settings(ctx: &Ctx<'_>) -> Result<BucketSettings, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.s3(region);
    let bucket = &ctx.names.bucket;

    let versioning = match client.get_bucket_versioning().bucket(bucket).send().await {
        Ok(out) => out.status().map(|s| s.as_str().to_string()),
        Err(e) => match versioning_from_raw(&e) {
            Some(status) => status,
            None => return Err(err(region, "GetBucketVersioning", &e)),
        },
    };

    let encryption = match client.get_bucket_encryption().bucket(bucket).send().await {
        Ok(out) => out
            .server_side_encryption_configuration()
            .and_then(|c| c.rules().first())
            .map(|rule| Encryption {
                algorithm: rule
                    .apply_server_side_encryption_by_default()
                    .map(|d| d.sse_algorithm().as_str().to_string())
                    .unwrap_or_default(),
                key: rule
                    .apply_server_side_encryption_by_default()
                    .and_then(|d| d.kms_master_key_id())
                    .map(str::to_string),
                bucket_key: rule.bucket_key_enabled().unwrap_or(false),
            }),
        Err(e) => {
            let error = err(region, "GetBucketEncryption", &e);
            // moto (and AWS before 2023) leave a new bucket without a configuration.
            if !error.is(&["ServerSideEncryptionConfigurationNotFoundError"]) {
                return Err(error);
            }
            None
        }
    };

    let pab = match client.get_public_access_block().bucket(bucket).send().await {
        Ok(out) => {
            let c = out.public_access_block_configuration();
            let flag = |f: fn(&PublicAccessBlockConfiguration) -> Option<bool>| {
                c.and_then(f).unwrap_or(false)
            };
            [
                flag(PublicAccessBlockConfiguration::block_public_acls),
                flag(PublicAccessBlockConfiguration::ignore_public_acls),
                flag(PublicAccessBlockConfiguration::block_public_policy),
                flag(PublicAccessBlockConfiguration::restrict_public_buckets),
            ]
        }
        Err(e) => {
            let error = err(region, "GetPublicAccessBlock", &e);
            if !error.is(&["NoSuchPublicAccessBlockConfiguration"]) {
                return Err(error);
            }
            [false; 4]
        }
    };

    let policy = match client.get_bucket_policy().bucket(bucket).send().await {
        Ok(out) => Some(out.policy().and_then(parse_policy)),
        Err(e) => {
            let error = err(region, "GetBucketPolicy", &e);
            if !error.is(&["NoSuchBucketPolicy"]) {
                return Err(error);
            }
            None
        }
    };

    let lifecycle = match client
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => Some(lifecycle_summary(out.rules())),
        Err(e) => {
            let error = err(region, "GetBucketLifecycleConfiguration", &e);
            if !error.is(&["NoSuchLifecycleConfiguration"]) {
                return Err(error);
            }
            None
        }
    };

    Ok(BucketSettings {
        versioning,
        encryption,
        pab,
        policy,
        lifecycle,
    })
}

/// moto 5.2 answers GetBucketVersioning with the root element
/// `GetBucketVersioningResponse` instead of `VersioningConfiguration`, which the
/// SDK refuses to decode; the status inside is right, so a successful answer of
/// that shape is read from the raw body. Some(None) means no status at all.
fn versioning_from_raw<E>(e: &SdkError<E>) -> Option<Option<String>> {
    let raw = e.raw_response()?;
    if !raw.status().is_success() {
        return None;
    }
    let body = std::str::from_utf8(raw.body().bytes()?).ok()?;
    if !body.contains("<GetBucketVersioningResponse") {
        return None;
    }
    let Some(start) = body.find("<Status>") else {
        return Some(None);
    };
    let start = start + "<Status>".len();
    let len = body[start..].find("</Status>")?;
    Some(Some(body[start..start + len].trim().to_string()))
}

async fn expected_encryption(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Expected, AwsError> {
    Ok(match ctx.spec.sse {
        Sse::Aes256 => Expected::Aes256,
        Sse::Kms => Expected::Kms(crate::aws::provision::kms::key_arn(ctx, manifest).await?),
    })
}

/// The one lifecycle rule of the bucket.
fn lifecycle_rule() -> Result<LifecycleRule, aws_smithy_types::error::operation::BuildError> {
    LifecycleRule::builder()
        .id(LIFECYCLE_RULE_ID)
        .status(ExpirationStatus::Enabled)
        // An empty prefix: the whole bucket.
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .transitions(
            Transition::builder()
                .days(0)
                .storage_class(TransitionStorageClass::IntelligentTiering)
                .build(),
        )
        .transitions(
            Transition::builder()
                .days(30)
                .storage_class(TransitionStorageClass::Glacier)
                .build(),
        )
        .expiration(LifecycleExpiration::builder().days(90).build())
        .noncurrent_version_expiration(
            NoncurrentVersionExpiration::builder()
                .noncurrent_days(30)
                .build(),
        )
        .abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(7)
                .build(),
        )
        .build()
}

/// The summary of [`lifecycle_rule`], what drift compares against.
fn wanted_lifecycle() -> String {
    lifecycle_rule().map_or_else(
        |e| format!("(the lifecycle rule does not build: {e})"),
        |rule| lifecycle_summary(&[rule]),
    )
}

/// Lifecycle rules as one canonical line, so what S3 returns compares with what
/// setup writes regardless of element order and empty-versus-absent prefixes.
fn lifecycle_summary(rules: &[LifecycleRule]) -> String {
    let mut lines: Vec<String> = rules.iter().map(rule_summary).collect();
    lines.sort();
    if lines.is_empty() {
        "no rules".into()
    } else {
        lines.join("; ")
    }
}

fn rule_summary(rule: &LifecycleRule) -> String {
    let mut parts = vec![
        format!("rule {}", rule.id().unwrap_or("(no id)")),
        rule.status().as_str().to_string(),
    ];
    let filter = rule.filter();
    // Rules written before filters existed carry the prefix on the rule itself.
    #[allow(deprecated)]
    let legacy_prefix = rule.prefix();
    let prefix = filter
        .and_then(|f| f.prefix())
        .or(legacy_prefix)
        .unwrap_or("");
    let narrowed = filter.is_some_and(|f| {
        f.tag().is_some()
            || f.and().is_some()
            || f.object_size_greater_than().is_some()
            || f.object_size_less_than().is_some()
    });
    parts.push(match (prefix, narrowed) {
        ("", false) => "whole bucket".into(),
        (p, false) => format!("prefix {p}"),
        (p, true) => format!("prefix {p:?} with tag or size filter"),
    });
    let mut transitions: Vec<(i64, String)> = rule
        .transitions()
        .iter()
        .map(|t| {
            let class = t
                .storage_class()
                .map_or("(none)", |c| c.as_str())
                .to_string();
            match (t.days(), t.date()) {
                (Some(d), _) => (i64::from(d), format!("{class} at day {d}")),
                (None, Some(date)) => (i64::MAX, format!("{class} on {}", crate::aws::iso(date))),
                (None, None) => (i64::MAX, format!("{class} at day 0")),
            }
        })
        .collect();
    transitions.sort();
    for (_, t) in transitions {
        parts.push(format!("transition to {t}"));
    }
    if let Some(e) = rule.expiration() {
        if let Some(d) = e.days() {
            parts.push(format!("expire current versions after {d} days"));
        }
        if let Some(date) = e.date() {
            parts.push(format!(
                "expire current versions on {}",
                crate::aws::iso(date)
            ));
        }
        if e.expired_object_delete_marker() == Some(true) {
            parts.push("remove expired delete markers".into());
        }
    }
    for t in rule.noncurrent_version_transitions() {
        parts.push(format!(
            "noncurrent versions to {} after {} days",
            t.storage_class().map_or("(none)", |c| c.as_str()),
            t.noncurrent_days().unwrap_or(0)
        ));
    }
    if let Some(n) = rule.noncurrent_version_expiration() {
        parts.push(format!(
            "expire noncurrent versions after {} days",
            n.noncurrent_days().unwrap_or(0)
        ));
    }
    if let Some(a) = rule.abort_incomplete_multipart_upload() {
        parts.push(format!(
            "abort incomplete multipart uploads after {} days",
            a.days_after_initiation().unwrap_or(0)
        ));
    }
    parts.join(", ")
}

fn name_taken(ctx: &Ctx<'_>, why: &str) -> AwsError {
    AwsError::local(
        SERVICE,
        ctx.region(),
        "HeadBucket",
        "NameTaken",
        format!(
            "bucket {} already exists and {why}; setup neither changes nor adopts it. Remove it or pick another --suffix",
            ctx.names.bucket
        ),
    )
}

fn create_details(ctx: &Ctx<'_>, expected: &Expected) -> Vec<String> {
    vec![
        format!("in {}", ctx.region()),
        tags_detail(ctx.spec),
        "versioning Enabled".into(),
        format!("default encryption {}", expected.describe()),
        "public access block: all four flags true".into(),
        format!("lifecycle: {}", wanted_lifecycle()),
        "bucket policy: deny requests without TLS; AWS Config (this account) may check the bucket and deliver to AWSLogs/".into(),
    ]
}

/// The bucket as read. Its settings are read only when it may be ours
/// (someone else's bucket need not let us read them).
pub struct Found {
    /// The name is taken in another account (HeadBucket refused).
    other_account: bool,
    tags: Vec<(String, String)>,
    settings: Option<BucketSettings>,
}

/// The evidence bucket, as one managed resource. `expected` is the default
/// encryption the spec wants (with the stack key when it exists); `recorded`
/// whether the manifest lists the bucket as created.
pub struct EvidenceBucket {
    pub expected: Expected,
    pub recorded: bool,
}

impl Managed for EvidenceBucket {
    type Found = Found;
    type Part = Part;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "HeadBucket";

    fn kind(&self) -> String {
        kind::BUCKET.into()
    }

    fn name(&self, ctx: &Ctx<'_>, _found: Option<&Found>) -> String {
        ctx.names.bucket.clone()
    }

    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Found>, AwsError> {
        match presence(ctx).await? {
            Presence::Missing => Ok(None),
            Presence::OtherAccount => Ok(Some(Found {
                other_account: true,
                tags: Vec::new(),
                settings: None,
            })),
            Presence::Here => {
                let tags = tags_of(ctx).await?;
                let ours =
                    self.recorded || crate::core::plan::is_ours(tag_refs(&tags), &ctx.spec.suffix);
                let settings = if ours {
                    Some(settings(ctx).await?)
                } else {
                    None
                };
                Ok(Some(Found {
                    other_account: false,
                    tags,
                    settings,
                }))
            }
        }
    }

    fn id(&self, ctx: &Ctx<'_>, _found: &Found) -> String {
        ctx.names.bucket.clone()
    }

    /// A bucket in another account shows no tags: never ours.
    fn tags<'f>(&self, found: &'f Found) -> Option<&'f [(String, String)]> {
        Some(&found.tags)
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &Found) -> Vec<Planned<Part>> {
        match &found.settings {
            Some(settings) => bucket_changes(
                ctx.spec,
                &self.expected,
                settings,
                &found.tags,
                &wanted_lifecycle(),
            ),
            None => Vec::new(),
        }
    }

    fn whose(&self, found: &Found) -> Option<String> {
        found
            .other_account
            .then(|| "belongs to another AWS account".to_string())
    }

    /// Recorded but now in another account (deleted and its name taken):
    /// setup stops rather than write to someone else's bucket.
    fn cannot_apply(
        &self,
        ctx: &Ctx<'_>,
        found: &Found,
        _changes: &[Planned<Part>],
    ) -> Option<AwsError> {
        found
            .other_account
            .then(|| name_taken(ctx, "belongs to another AWS account"))
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        create_details(ctx, &self.expected)
    }

    /// Tagged right after CreateBucket, before any other setting: the tags
    /// prove the bucket ours if setup fails before saving its manifest.
    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        self.key_exists(ctx)?;
        create(ctx).await?;
        *made = Some(ctx.names.bucket.clone());
        put_tags(ctx, &tag_pairs(ctx.spec)).await?;
        put_versioning(ctx).await?;
        put_encryption(ctx, &self.expected).await?;
        put_public_access_block(ctx).await?;
        put_lifecycle(ctx).await?;
        put_policy(ctx).await?;
        Ok(Vec::new())
    }

    async fn update(&self, ctx: &Ctx<'_>, found: &Found, parts: &[Part]) -> Result<(), AwsError> {
        self.key_exists(ctx)?;
        for part in parts {
            match part {
                Part::Versioning => put_versioning(ctx).await?,
                Part::Encryption => put_encryption(ctx, &self.expected).await?,
                Part::PublicAccessBlock => put_public_access_block(ctx).await?,
                Part::Policy => put_policy(ctx).await?,
                Part::Lifecycle => put_lifecycle(ctx).await?,
                Part::Tags => {
                    // PutBucketTagging replaces the whole set: keep tags others added.
                    let ours = ctx.spec.tags();
                    let mut merged: Vec<(String, String)> = found
                        .tags
                        .iter()
                        .filter(|(k, _)| !ours.contains_key(k))
                        .cloned()
                        .collect();
                    merged.extend(tag_pairs(ctx.spec));
                    put_tags(ctx, &merged).await?;
                }
            }
        }
        Ok(())
    }

    async fn delete_detail(&self, _ctx: &Ctx<'_>, _found: &Found) -> Result<Vec<String>, AwsError> {
        Ok(vec![
            "delete the bucket policy".into(),
            "delete every object version, delete marker and incomplete multipart upload".into(),
            "delete the bucket".into(),
        ])
    }

    /// The policy first (see the module doc), then every upload, version and
    /// delete marker, then the bucket.
    async fn delete(&self, ctx: &Ctx<'_>, _found: &Found) -> Result<Vec<String>, AwsError> {
        let mut detail = Vec::new();
        delete_policy(ctx).await?;
        let uploads = abort_uploads(ctx).await?;
        if uploads > 0 {
            detail.push(format!("aborted {uploads} incomplete multipart uploads"));
        }
        let (versions, markers) = empty(ctx).await?;
        detail.push(format!(
            "deleted {versions} object versions and {markers} delete markers"
        ));
        let region = ctx.region();
        ctx.aws
            .s3(region)
            .delete_bucket()
            .bucket(&ctx.names.bucket)
            .send()
            .await
            .map_err(|e| err(region, "DeleteBucket", &e))?;
        Ok(detail)
    }
}

impl EvidenceBucket {
    /// SSE-KMS needs the stack key: a real run without one stops before
    /// writing anything (a dry run plans with the key the kms step creates).
    fn key_exists(&self, ctx: &Ctx<'_>) -> Result<(), AwsError> {
        if matches!(self.expected, Expected::Kms(None)) {
            return Err(AwsError::local(
                SERVICE,
                ctx.region(),
                "PutBucketEncryption",
                "MissingKey",
                format!(
                    "SSE-KMS needs the stack key {}, which does not exist yet: the KMS step runs first",
                    ctx.names.kms_alias
                ),
            ));
        }
        Ok(())
    }
}

async fn bucket(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<EvidenceBucket, AwsError> {
    Ok(EvidenceBucket {
        expected: expected_encryption(ctx, manifest).await?,
        recorded: manifest.owns(kind::BUCKET),
    })
}

pub async fn ensure(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let bucket = bucket(ctx, manifest).await?;
    Ok(vec![setup(ctx, manifest, &bucket).await?])
}

pub async fn inspect(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    let bucket = bucket(ctx, manifest).await?;
    Ok(status(ctx, manifest, &bucket).await?.into_iter().collect())
}

pub async fn remove(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    // Deleting needs no key: none is looked up (the key may be gone already).
    let bucket = EvidenceBucket {
        expected: Expected::Aes256,
        recorded: manifest.owns(kind::BUCKET),
    };
    Ok(vec![teardown(ctx, manifest, &bucket).await?])
}

async fn create(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    let mut request = ctx.aws.s3(region).create_bucket().bucket(&ctx.names.bucket);
    // us-east-1 is the one region that takes no location constraint.
    if region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    if let Err(e) = request.send().await {
        let error = err(region, "CreateBucket", &e);
        if error.is(&["BucketAlreadyExists"]) {
            return Err(name_taken(ctx, "belongs to another AWS account"));
        }
        // Created by a concurrent run between HeadBucket and here: tag and
        // configure it like a new one only if nobody else tagged it first.
        if !error.is(&["BucketAlreadyOwnedByYou"]) || !tags_of(ctx).await?.is_empty() {
            return Err(error);
        }
    }
    Ok(())
}

async fn put_tags(ctx: &Ctx<'_>, tags: &[(String, String)]) -> Result<(), AwsError> {
    let region = ctx.region();
    let operation = "PutBucketTagging";
    let tag_set = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| build_error(SERVICE, region, operation, e))?;
    let tagging = Tagging::builder()
        .set_tag_set(Some(tag_set))
        .build()
        .map_err(|e| build_error(SERVICE, region, operation, e))?;
    ctx.aws
        .s3(region)
        .put_bucket_tagging()
        .bucket(&ctx.names.bucket)
        .tagging(tagging)
        .send()
        .await
        .map_err(|e| err(region, operation, &e))?;
    Ok(())
}

async fn put_versioning(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .s3(region)
        .put_bucket_versioning()
        .bucket(&ctx.names.bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(|e| err(region, "PutBucketVersioning", &e))?;
    Ok(())
}

async fn put_encryption(ctx: &Ctx<'_>, expected: &Expected) -> Result<(), AwsError> {
    let region = ctx.region();
    let operation = "PutBucketEncryption";
    let (default, bucket_key) = match expected {
        Expected::Aes256 => (
            ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::Aes256),
            false,
        ),
        Expected::Kms(key) => (
            ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::AwsKms)
                .set_kms_master_key_id(key.clone()),
            true,
        ),
    };
    let default = default
        .build()
        .map_err(|e| build_error(SERVICE, region, operation, e))?;
    let mut rule =
        ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(default);
    if bucket_key {
        rule = rule.bucket_key_enabled(true);
    }
    let config = ServerSideEncryptionConfiguration::builder()
        .rules(rule.build())
        .build()
        .map_err(|e| build_error(SERVICE, region, operation, e))?;
    ctx.aws
        .s3(region)
        .put_bucket_encryption()
        .bucket(&ctx.names.bucket)
        .server_side_encryption_configuration(config)
        .send()
        .await
        .map_err(|e| err(region, operation, &e))?;
    Ok(())
}

async fn put_public_access_block(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .s3(region)
        .put_public_access_block()
        .bucket(&ctx.names.bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(|e| err(region, "PutPublicAccessBlock", &e))?;
    Ok(())
}

async fn put_lifecycle(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    let operation = "PutBucketLifecycleConfiguration";
    let rule = lifecycle_rule().map_err(|e| build_error(SERVICE, region, operation, e))?;
    let config = BucketLifecycleConfiguration::builder()
        .rules(rule)
        .build()
        .map_err(|e| build_error(SERVICE, region, operation, e))?;
    ctx.aws
        .s3(region)
        .put_bucket_lifecycle_configuration()
        .bucket(&ctx.names.bucket)
        .lifecycle_configuration(config)
        .send()
        .await
        .map_err(|e| err(region, operation, &e))?;
    Ok(())
}

async fn put_policy(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .s3(region)
        .put_bucket_policy()
        .bucket(&ctx.names.bucket)
        .policy(ctx.spec.bucket_policy().to_string())
        .send()
        .await
        .map_err(|e| err(region, "PutBucketPolicy", &e))?;
    Ok(())
}

async fn delete_policy(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    match ctx
        .aws
        .s3(region)
        .delete_bucket_policy()
        .bucket(&ctx.names.bucket)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let error = err(region, "DeleteBucketPolicy", &e);
            if error.is(&["NoSuchBucketPolicy"]) {
                Ok(())
            } else {
                Err(error)
            }
        }
    }
}

/// Aborts every incomplete multipart upload; returns how many.
async fn abort_uploads(ctx: &Ctx<'_>) -> Result<usize, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.s3(region);
    let bucket = &ctx.names.bucket;
    let mut count = 0;
    let mut key_marker: Option<String> = None;
    let mut upload_marker: Option<String> = None;
    loop {
        let out = client
            .list_multipart_uploads()
            .bucket(bucket)
            .set_key_marker(key_marker.take())
            .set_upload_id_marker(upload_marker.take())
            .send()
            .await
            .map_err(|e| err(region, "ListMultipartUploads", &e))?;
        for upload in out.uploads() {
            let (Some(key), Some(id)) = (upload.key(), upload.upload_id()) else {
                continue;
            };
            client
                .abort_multipart_upload()
                .bucket(bucket)
                .key(key)
                .upload_id(id)
                .send()
                .await
                .map_err(|e| err(region, "AbortMultipartUpload", &e))?;
            count += 1;
        }
        if out.is_truncated() != Some(true) {
            break;
        }
        key_marker = out.next_key_marker().map(str::to_string);
        upload_marker = out.next_upload_id_marker().map(str::to_string);
        if key_marker.is_none() && upload_marker.is_none() {
            break;
        }
    }
    Ok(count)
}

/// Deletes every object version and delete marker, one listing page (at most
/// 1,000 entries) per DeleteObjects; returns (versions, delete markers) deleted.
async fn empty(ctx: &Ctx<'_>) -> Result<(usize, usize), AwsError> {
    let region = ctx.region();
    let client = ctx.aws.s3(region);
    let bucket = &ctx.names.bucket;
    let (mut versions, mut markers) = (0, 0);
    let mut key_marker: Option<String> = None;
    let mut version_marker: Option<String> = None;
    loop {
        let out = client
            .list_object_versions()
            .bucket(bucket)
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await
            .map_err(|e| err(region, "ListObjectVersions", &e))?;
        let mut batch = Vec::new();
        for v in out.versions() {
            if let Some(key) = v.key() {
                batch.push((key.to_string(), v.version_id().map(str::to_string)));
                versions += 1;
            }
        }
        for m in out.delete_markers() {
            if let Some(key) = m.key() {
                batch.push((key.to_string(), m.version_id().map(str::to_string)));
                markers += 1;
            }
        }
        for chunk in batch.chunks(DELETE_BATCH) {
            delete_objects(ctx, chunk).await?;
        }
        if out.is_truncated() != Some(true) {
            break;
        }
        key_marker = out.next_key_marker().map(str::to_string);
        version_marker = out.next_version_id_marker().map(str::to_string);
        if key_marker.is_none() && version_marker.is_none() {
            break;
        }
    }
    Ok((versions, markers))
}

async fn delete_objects(ctx: &Ctx<'_>, keys: &[(String, Option<String>)]) -> Result<(), AwsError> {
    let region = ctx.region();
    let operation = "DeleteObjects";
    let objects = keys
        .iter()
        .map(|(key, version)| {
            ObjectIdentifier::builder()
                .key(key)
                .set_version_id(version.clone())
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| build_error(SERVICE, region, operation, e))?;
    let delete = Delete::builder()
        .set_objects(Some(objects))
        .quiet(true)
        .build()
        .map_err(|e| build_error(SERVICE, region, operation, e))?;
    let out = ctx
        .aws
        .s3(region)
        .delete_objects()
        .bucket(&ctx.names.bucket)
        .delete(delete)
        .send()
        .await
        .map_err(|e| err(region, operation, &e))?;
    if let Some(first) = out.errors().first() {
        return Err(AwsError::local(
            SERVICE,
            region,
            operation,
            first.code().unwrap_or("DeleteFailed"),
            format!(
                "{} of {} keys were not deleted from {}; first: {} (version {}): {}",
                out.errors().len(),
                keys.len(),
                ctx.names.bucket,
                first.key().unwrap_or("?"),
                first.version_id().unwrap_or("null"),
                first.message().unwrap_or("no message")
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_rule_reads_as_the_design_says() {
        let summary = lifecycle_summary(&[lifecycle_rule().expect("rule builds")]);
        assert_eq!(
            summary,
            "rule compliance-evidence-retention, Enabled, whole bucket, \
             transition to INTELLIGENT_TIERING at day 0, transition to GLACIER at day 30, \
             expire current versions after 90 days, expire noncurrent versions after 30 days, \
             abort incomplete multipart uploads after 7 days"
        );
        assert_eq!(lifecycle_summary(&[]), "no rules");
    }
}
