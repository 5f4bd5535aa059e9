//! The AWS Config service role `compliance-config-{suffix}`: trusted by
//! config.amazonaws.com from this account only, with the AWS managed policy
//! `service-role/AWS_ConfigRole` attached (what Config needs to read resource
//! configurations) and an inline policy that lets it deliver to the evidence
//! bucket and nowhere else (no wildcard resources).
//!
//! Decisions:
//! - Policies are compared as parsed JSON, never as strings: IAM returns
//!   documents URL-encoded (RFC 3986) and may reformat them, and statement or
//!   action order carries no meaning, so [`same_policy`] normalises both sides.
//! - A role tagged with this suffix but missing from the manifest (a setup that
//!   failed before it could save the manifest) is taken as created by setup:
//!   its tags are the durable record, and teardown must be able to remove it.
//! - Teardown detaches every managed policy and deletes every inline policy of
//!   the role, not only ours: IAM refuses to delete a role that still has any,
//!   and a policy on a role that is being deleted has no meaning left.
//!
//! The pure helpers at the end (policy comparison, drift lines, tag diffs) are
//! shared by the KMS and S3 steps, which compare policy documents the same way.

use crate::aws::error::AwsError;
use crate::aws::provision::{
    kind, ours, tag_pairs, tag_refs, Action, Ctx, Inspection, State, Step,
};
use crate::core::plan::Planned;
use crate::core::provision::iam::{managed_policy_arn, role_changes, Part, Role};
use crate::core::stack::{Manifest, StackSpec};
use aws_sdk_iam::types::Tag;
use aws_smithy_types::error::operation::BuildError;
use serde_json::Value;
use std::fmt::Display;

const SERVICE: &str = "iam";

/// Setup may manage the role: tagged ours, or recorded as created under this ARN.
fn owned(role: &Role, spec: &StackSpec, manifest: &Manifest) -> bool {
    crate::core::plan::is_managed(
        tag_refs(&role.tags),
        &spec.suffix,
        manifest.created.get(kind::ROLE).map(String::as_str),
        &role.arn,
    )
}

async fn find(ctx: &Ctx<'_>) -> Result<Option<Role>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.iam(region);
    let role_name = &ctx.names.role;
    let role = match client.get_role().role_name(role_name).send().await {
        Ok(out) => out.role().cloned(),
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "GetRole", &e);
            if error.is(&["NoSuchEntity"]) {
                return Ok(None);
            }
            return Err(error);
        }
    };
    let Some(role) = role else {
        return Ok(None);
    };
    let mut attached = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = client
            .list_attached_role_policies()
            .role_name(role_name)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "ListAttachedRolePolicies", &e))?;
        attached.extend(
            out.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string)),
        );
        match out.marker() {
            Some(m) if out.is_truncated() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    let inline = match client
        .get_role_policy()
        .role_name(role_name)
        .policy_name(&ctx.names.role_policy)
        .send()
        .await
    {
        Ok(out) => Some(parse_policy(out.policy_document())),
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "GetRolePolicy", &e);
            if !error.is(&["NoSuchEntity"]) {
                return Err(error);
            }
            None
        }
    };
    Ok(Some(Role {
        arn: role.arn().to_string(),
        tags: role
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        trust: role.assume_role_policy_document().and_then(parse_policy),
        attached,
        inline,
    }))
}

fn create_details(ctx: &Ctx<'_>) -> Vec<String> {
    let spec = ctx.spec;
    vec![
        format!(
            "trusted by config.amazonaws.com (source account {})",
            spec.account
        ),
        format!("managed policy {} attached", managed_policy_arn(spec)),
        format!(
            "inline policy {}: s3:PutObject/PutObjectAcl on {}/AWSLogs/{}/*, s3:GetBucketAcl/ListBucket on {}",
            ctx.names.role_policy,
            spec.bucket_arn(),
            spec.account,
            spec.bucket_arn()
        ),
        tags_detail(spec),
    ]
}

fn iam_tags(spec: &StackSpec) -> Result<Vec<Tag>, BuildError> {
    tag_pairs(spec)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

pub async fn ensure(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.iam(region);
    let spec = ctx.spec;
    let role_name = &ctx.names.role;
    let Some(found) = find(ctx).await? else {
        let mut step = Step::new(kind::ROLE, role_name.as_str(), Action::Create);
        step.detail = create_details(ctx);
        if ctx.dry_run {
            return Ok(vec![step]);
        }
        let out = client
            .create_role()
            .role_name(role_name)
            .description(format!(
                "AWS Config service role of the compliance stack {}",
                spec.suffix
            ))
            .assume_role_policy_document(spec.role_trust_policy().to_string())
            .set_tags(Some(
                iam_tags(spec).map_err(|e| build_error(SERVICE, region, "CreateRole", e))?,
            ))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "CreateRole", &e))?;
        let arn = out
            .role()
            .map(|r| r.arn().to_string())
            .unwrap_or_else(|| spec.role_arn());
        // Recorded at once, so a failure in the calls below still leaves the
        // role in the manifest for teardown.
        manifest.created.insert(kind::ROLE.to_string(), arn);
        attach(ctx).await?;
        put_inline(ctx).await?;
        return Ok(vec![step]);
    };
    if !owned(&found, spec, manifest) {
        return Err(AwsError::local(
            SERVICE,
            region,
            "GetRole",
            "NameTaken",
            format!(
                "role {role_name} exists but is not tagged ManagedBy=compliance, ComplianceSuffix={} and was not created by this setup; rename or remove it, or pick another --suffix",
                spec.suffix
            ),
        ));
    }
    let mut step = Step::new(kind::ROLE, found.arn.as_str(), Action::Unchanged);
    if !manifest.owns(kind::ROLE) {
        step.detail
            .push("tagged with this suffix: recorded as created by setup".into());
    }
    let repairs = role_changes(ctx.spec, &found);
    let mut tags_done = false;
    for Planned {
        by: repair,
        change: diff,
    } in &repairs
    {
        step.action = Action::Update;
        step.detail.push(diff.detail());
        if ctx.dry_run {
            continue;
        }
        match repair {
            Part::Trust => {
                client
                    .update_assume_role_policy()
                    .role_name(role_name)
                    .policy_document(spec.role_trust_policy().to_string())
                    .send()
                    .await
                    .map_err(|e| {
                        AwsError::from_sdk(SERVICE, region, "UpdateAssumeRolePolicy", &e)
                    })?;
            }
            Part::Attach => attach(ctx).await?,
            Part::Inline => put_inline(ctx).await?,
            // TagRole adds or overwrites the given keys: one call for all of them.
            Part::Tags if !tags_done => {
                tags_done = true;
                client
                    .tag_role()
                    .role_name(role_name)
                    .set_tags(Some(
                        iam_tags(spec).map_err(|e| build_error(SERVICE, region, "TagRole", e))?,
                    ))
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(SERVICE, region, "TagRole", &e))?;
            }
            Part::Tags => {}
        }
    }
    if !ctx.dry_run {
        manifest
            .created
            .entry(kind::ROLE.to_string())
            .or_insert(found.arn.clone());
    }
    Ok(vec![step])
}

async fn attach(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .iam(region)
        .attach_role_policy()
        .role_name(&ctx.names.role)
        .policy_arn(managed_policy_arn(ctx.spec))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "AttachRolePolicy", &e))?;
    Ok(())
}

async fn put_inline(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .iam(region)
        .put_role_policy()
        .role_name(&ctx.names.role)
        .policy_name(&ctx.names.role_policy)
        .policy_document(ctx.spec.role_inline_policy().to_string())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutRolePolicy", &e))?;
    Ok(())
}

pub async fn inspect(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    let Some(found) = find(ctx).await? else {
        return Ok(vec![Inspection::new(
            kind::ROLE,
            ctx.names.role.as_str(),
            State::Missing,
        )]);
    };
    let state = if !owned(&found, ctx.spec, manifest) {
        State::Foreign(vec![not_ours(ctx.spec)])
    } else {
        let reasons: Vec<String> = role_changes(ctx.spec, &found)
            .iter()
            .map(Planned::reason)
            .collect();
        if reasons.is_empty() {
            State::Present
        } else {
            State::Drifted(reasons)
        }
    };
    Ok(vec![Inspection::new(kind::ROLE, found.arn, state)])
}

pub async fn remove(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.iam(region);
    let role_name = &ctx.names.role;
    let found = find(ctx).await?;
    let Some(found) = found else {
        if !ctx.dry_run {
            manifest.created.remove(kind::ROLE);
        }
        return Ok(vec![Step::new(
            kind::ROLE,
            role_name.as_str(),
            Action::Absent,
        )]);
    };
    if !manifest.owns(kind::ROLE) {
        return Ok(vec![Step::new(kind::ROLE, found.arn, Action::Keep)
            .with("not created by setup (not in the manifest)")]);
    }
    if !ours(
        ctx.spec,
        found.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ) {
        return Ok(vec![
            Step::new(kind::ROLE, found.arn, Action::Keep).with(not_ours(ctx.spec))
        ]);
    }
    let mut step = Step::new(kind::ROLE, found.arn.as_str(), Action::Delete);
    let mut inline = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = client
            .list_role_policies()
            .role_name(role_name)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "ListRolePolicies", &e))?;
        inline.extend(out.policy_names().iter().cloned());
        match out.marker() {
            Some(m) if out.is_truncated() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    for arn in &found.attached {
        step.detail.push(format!("detach managed policy {arn}"));
        if !ctx.dry_run {
            client
                .detach_role_policy()
                .role_name(role_name)
                .policy_arn(arn)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(SERVICE, region, "DetachRolePolicy", &e))?;
        }
    }
    for name in &inline {
        step.detail.push(format!("delete inline policy {name}"));
        if !ctx.dry_run {
            client
                .delete_role_policy()
                .role_name(role_name)
                .policy_name(name)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(SERVICE, region, "DeleteRolePolicy", &e))?;
        }
    }
    step.detail.push("delete the role".into());
    if !ctx.dry_run {
        client
            .delete_role()
            .role_name(role_name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "DeleteRole", &e))?;
        manifest.created.remove(kind::ROLE);
    }
    Ok(vec![step])
}

fn not_ours(spec: &StackSpec) -> String {
    format!(
        "not tagged ManagedBy=compliance, ComplianceSuffix={}: not this stack's",
        spec.suffix
    )
}

// --- shared with the KMS and S3 steps ---------------------------------------

/// The detail line that lists the tags a resource is created with.
pub(crate) fn tags_detail(spec: &StackSpec) -> String {
    let tags: Vec<String> = tag_pairs(spec)
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("tags {}", tags.join(", "))
}

/// A policy document as JSON: plain, or URL-encoded as IAM returns it.
pub(crate) fn parse_policy(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok().or_else(|| {
        let decoded = percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .ok()?;
        serde_json::from_str(&decoded).ok()
    })
}

pub(crate) use crate::core::plan::same_policy;

/// A request the SDK refused to build (a required field left out): a bug here,
/// reported like any other failure of the step.
pub(crate) fn build_error(
    service: &str,
    region: &str,
    operation: &str,
    e: impl Display,
) -> AwsError {
    AwsError::local(service, region, operation, "InvalidRequest", e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn policies_compare_by_meaning() {
        let a = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:B", "s3:A"], "Resource": ["x"]}]});
        let b = json!({"Statement": {"Resource": "x", "Action": ["s3:A", "s3:B"], "Effect": "Allow"}, "Version": "2012-10-17"});
        assert!(same_policy(&a, &b));
        let c = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:A", "Resource": "*"}]});
        assert!(!same_policy(&a, &c));
    }

    #[test]
    fn url_encoded_documents_parse() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            parse_policy(encoded),
            Some(json!({"Version": "2012-10-17", "Statement": []}))
        );
        assert_eq!(parse_policy("{\"a\":1}"), Some(json!({"a": 1})));
        assert_eq!(parse_policy("not json"), None);
    }
}
