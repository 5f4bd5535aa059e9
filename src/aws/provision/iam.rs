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
    kind, setup, status, tag_pairs, teardown, Ctx, Inspection, Managed, Step,
};
use crate::core::plan::Planned;
use crate::core::provision::iam::{
    managed_policy_arn, org_policy_arn, org_role_changes, role_changes, Part, Role,
};
use crate::core::stack::{Manifest, StackSpec};
use aws_sdk_iam::types::Tag;
use aws_smithy_types::error::operation::BuildError;
use serde_json::Value;
use std::fmt::Display;

const SERVICE: &str = "iam";

async fn find(ctx: &Ctx<'_>) -> Result<Option<Role>, AwsError> {
    find_role(ctx, &ctx.names.role, Some(&ctx.names.role_policy)).await
}

/// A role with its tags, trust, attached policies and, when named, one inline policy.
async fn find_role(
    ctx: &Ctx<'_>,
    role_name: &str,
    inline_name: Option<&str>,
) -> Result<Option<Role>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.iam(region);
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
    let inline = match inline_name {
        None => None,
        Some(policy) => match client
            .get_role_policy()
            .role_name(role_name)
            .policy_name(policy)
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
        },
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

/// The role, as one managed resource.
pub struct ConfigRole;

impl Managed for ConfigRole {
    type Found = Role;
    type Part = Part;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "GetRole";

    fn kind(&self) -> String {
        kind::ROLE.into()
    }

    /// The ARN once the role exists, its name before.
    fn name(&self, ctx: &Ctx<'_>, found: Option<&Role>) -> String {
        found.map_or_else(|| ctx.names.role.clone(), |r| r.arn.clone())
    }

    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Role>, AwsError> {
        find(ctx).await
    }

    fn id(&self, _ctx: &Ctx<'_>, found: &Role) -> String {
        found.arn.clone()
    }

    fn tags<'f>(&self, found: &'f Role) -> Option<&'f [(String, String)]> {
        Some(&found.tags)
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &Role) -> Vec<Planned<Part>> {
        role_changes(ctx.spec, found)
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        create_details(ctx)
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        let spec = ctx.spec;
        let description = format!(
            "AWS Config service role of the compliance stack {}",
            spec.suffix
        );
        *made = Some(create_role(ctx, &ctx.names.role, &description, spec.role_arn()).await?);
        attach(ctx).await?;
        put_inline(ctx).await?;
        Ok(Vec::new())
    }

    async fn update(&self, ctx: &Ctx<'_>, _found: &Role, parts: &[Part]) -> Result<(), AwsError> {
        let region = ctx.region();
        let client = ctx.aws.iam(region);
        for part in parts {
            match part {
                Part::Trust => {
                    client
                        .update_assume_role_policy()
                        .role_name(&ctx.names.role)
                        .policy_document(ctx.spec.role_trust_policy().to_string())
                        .send()
                        .await
                        .map_err(|e| {
                            AwsError::from_sdk(SERVICE, region, "UpdateAssumeRolePolicy", &e)
                        })?;
                }
                Part::Attach => attach(ctx).await?,
                Part::Inline => put_inline(ctx).await?,
                // TagRole adds or overwrites the given keys: one call for all of them.
                Part::Tags => {
                    client
                        .tag_role()
                        .role_name(&ctx.names.role)
                        .set_tags(Some(
                            iam_tags(ctx.spec)
                                .map_err(|e| build_error(SERVICE, region, "TagRole", e))?,
                        ))
                        .send()
                        .await
                        .map_err(|e| AwsError::from_sdk(SERVICE, region, "TagRole", &e))?;
                }
            }
        }
        Ok(())
    }

    async fn delete_detail(&self, ctx: &Ctx<'_>, found: &Role) -> Result<Vec<String>, AwsError> {
        role_delete_detail(ctx, &ctx.names.role, found).await
    }

    async fn delete(&self, ctx: &Ctx<'_>, found: &Role) -> Result<Vec<String>, AwsError> {
        delete_role(ctx, &ctx.names.role, found).await
    }
}

async fn role_delete_detail(
    ctx: &Ctx<'_>,
    role_name: &str,
    found: &Role,
) -> Result<Vec<String>, AwsError> {
    let mut detail: Vec<String> = found
        .attached
        .iter()
        .map(|arn| format!("detach managed policy {arn}"))
        .collect();
    detail.extend(
        inline_policies(ctx, role_name)
            .await?
            .iter()
            .map(|name| format!("delete inline policy {name}")),
    );
    detail.push("delete the role".into());
    Ok(detail)
}

/// Every managed policy is detached and every inline policy deleted
/// first, not only ours: IAM refuses to delete a role that has any.
async fn delete_role(
    ctx: &Ctx<'_>,
    role_name: &str,
    found: &Role,
) -> Result<Vec<String>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.iam(region);
    for arn in &found.attached {
        client
            .detach_role_policy()
            .role_name(role_name)
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "DetachRolePolicy", &e))?;
    }
    for name in inline_policies(ctx, role_name).await? {
        client
            .delete_role_policy()
            .role_name(role_name)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "DeleteRolePolicy", &e))?;
    }
    client
        .delete_role()
        .role_name(role_name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "DeleteRole", &e))?;
    Ok(Vec::new())
}

/// The role Config assumes for an organisation aggregator
/// (`setup --organization`): trusted like the Config role, with the AWS
/// managed policy AWSConfigRoleForOrganizations and the stack's tags. Wanted
/// only while the spec's scope is the organisation; otherwise the one setup
/// created is removed under the teardown guard.
pub struct OrgRole;

impl Managed for OrgRole {
    type Found = Role;
    type Part = Part;
    const SERVICE: &'static str = SERVICE;
    const READ: &'static str = "GetRole";

    fn kind(&self) -> String {
        kind::ORG_ROLE.into()
    }

    fn name(&self, ctx: &Ctx<'_>, found: Option<&Role>) -> String {
        found.map_or_else(|| ctx.names.org_role.clone(), |r| r.arn.clone())
    }

    async fn read(&self, ctx: &Ctx<'_>) -> Result<Option<Role>, AwsError> {
        find_role(ctx, &ctx.names.org_role, None).await
    }

    fn id(&self, _ctx: &Ctx<'_>, found: &Role) -> String {
        found.arn.clone()
    }

    fn tags<'f>(&self, found: &'f Role) -> Option<&'f [(String, String)]> {
        Some(&found.tags)
    }

    fn diff(&self, ctx: &Ctx<'_>, found: &Role) -> Vec<Planned<Part>> {
        org_role_changes(ctx.spec, found)
    }

    fn unwanted(&self, ctx: &Ctx<'_>) -> Option<String> {
        (!ctx.spec.wants_org_role()).then(|| {
            "no --organization given: the organisation aggregator's role is no longer wanted"
                .to_string()
        })
    }

    fn create_detail(&self, ctx: &Ctx<'_>) -> Vec<String> {
        vec![
            format!(
                "trusted by config.amazonaws.com (source account {})",
                ctx.spec.account
            ),
            format!("managed policy {} attached", org_policy_arn(ctx.spec)),
            tags_detail(ctx.spec),
        ]
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        made: &mut Option<String>,
    ) -> Result<Vec<String>, AwsError> {
        let spec = ctx.spec;
        let description = format!(
            "Role AWS Config assumes to aggregate the organisation for the compliance stack {}",
            spec.suffix
        );
        *made =
            Some(create_role(ctx, &ctx.names.org_role, &description, spec.org_role_arn()).await?);
        attach_policy(ctx, &ctx.names.org_role, &org_policy_arn(spec)).await?;
        Ok(Vec::new())
    }

    async fn update(&self, ctx: &Ctx<'_>, _found: &Role, parts: &[Part]) -> Result<(), AwsError> {
        let region = ctx.region();
        let client = ctx.aws.iam(region);
        let role_name = &ctx.names.org_role;
        for part in parts {
            match part {
                Part::Trust => {
                    client
                        .update_assume_role_policy()
                        .role_name(role_name)
                        .policy_document(ctx.spec.role_trust_policy().to_string())
                        .send()
                        .await
                        .map_err(|e| {
                            AwsError::from_sdk(SERVICE, region, "UpdateAssumeRolePolicy", &e)
                        })?;
                }
                Part::Attach => attach_policy(ctx, role_name, &org_policy_arn(ctx.spec)).await?,
                // Not compared for this role (it has no inline policy of ours).
                Part::Inline => {}
                Part::Tags => {
                    client
                        .tag_role()
                        .role_name(role_name)
                        .set_tags(Some(
                            iam_tags(ctx.spec)
                                .map_err(|e| build_error(SERVICE, region, "TagRole", e))?,
                        ))
                        .send()
                        .await
                        .map_err(|e| AwsError::from_sdk(SERVICE, region, "TagRole", &e))?;
                }
            }
        }
        Ok(())
    }

    async fn delete_detail(&self, ctx: &Ctx<'_>, found: &Role) -> Result<Vec<String>, AwsError> {
        role_delete_detail(ctx, &ctx.names.org_role, found).await
    }

    async fn delete(&self, ctx: &Ctx<'_>, found: &Role) -> Result<Vec<String>, AwsError> {
        delete_role(ctx, &ctx.names.org_role, found).await
    }
}

/// Whether the organisation role has a place in the list: wanted, or one
/// setup created that is to go. (A stack that never had one says nothing of it.)
fn org_role_listed(ctx: &Ctx<'_>, manifest: &Manifest) -> bool {
    ctx.spec.wants_org_role() || manifest.owns(kind::ORG_ROLE)
}

pub async fn ensure(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let mut steps = vec![setup(ctx, manifest, &ConfigRole).await?];
    if org_role_listed(ctx, manifest) {
        steps.push(setup(ctx, manifest, &OrgRole).await?);
    }
    Ok(steps)
}

pub async fn inspect(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<Vec<Inspection>, AwsError> {
    let mut out: Vec<Inspection> = status(ctx, manifest, &ConfigRole)
        .await?
        .into_iter()
        .collect();
    if org_role_listed(ctx, manifest) {
        out.extend(status(ctx, manifest, &OrgRole).await?);
    }
    Ok(out)
}

/// The organisation role first (it is set up after the Config role), then
/// the Config role. The organisation role is read only when the manifest
/// lists it or the spec wants it, so a stack that never had one makes no call for it.
pub async fn remove(ctx: &Ctx<'_>, manifest: &mut Manifest) -> Result<Vec<Step>, AwsError> {
    let mut steps = Vec::new();
    if org_role_listed(ctx, manifest) {
        steps.push(teardown(ctx, manifest, &OrgRole).await?);
    }
    steps.push(teardown(ctx, manifest, &ConfigRole).await?);
    Ok(steps)
}

/// The names of every inline policy of the role (teardown deletes them all).
async fn inline_policies(ctx: &Ctx<'_>, role_name: &str) -> Result<Vec<String>, AwsError> {
    let region = ctx.region();
    let client = ctx.aws.iam(region);
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
    Ok(inline)
}

async fn attach(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    attach_policy(ctx, &ctx.names.role, &managed_policy_arn(ctx.spec)).await
}

async fn attach_policy(ctx: &Ctx<'_>, role_name: &str, policy_arn: &str) -> Result<(), AwsError> {
    let region = ctx.region();
    ctx.aws
        .iam(region)
        .attach_role_policy()
        .role_name(role_name)
        .policy_arn(policy_arn)
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

/// Creates one of the stack's roles (Config's trust policy, the stack's tags)
/// and returns its ARN (`fallback` when the answer names none).
async fn create_role(
    ctx: &Ctx<'_>,
    name: &str,
    description: &str,
    fallback: String,
) -> Result<String, AwsError> {
    let region = ctx.region();
    let spec = ctx.spec;
    let out = ctx
        .aws
        .iam(region)
        .create_role()
        .role_name(name)
        .description(description)
        .assume_role_policy_document(spec.role_trust_policy().to_string())
        .set_tags(Some(
            iam_tags(spec).map_err(|e| build_error(SERVICE, region, "CreateRole", e))?,
        ))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "CreateRole", &e))?;
    Ok(out.role().map(|r| r.arn().to_string()).unwrap_or(fallback))
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
