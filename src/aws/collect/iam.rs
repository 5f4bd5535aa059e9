//! The live IAM collector: users, roles, groups and customer-managed policies in
//! AWS Config's shape, plus two account-wide items of our own.
//!
//! IAM is global, so there is one pass per scan, made from the home region, and
//! every item says `awsRegion: "global"` as Config's IAM items do.
//!
//! Decisions:
//! - **GetAccountAuthorizationDetails, not List*/Get* per entity.** One paginated
//!   call family returns every user, role, group and customer-managed policy with
//!   its inline policies, attachments, group memberships and all policy versions.
//!   The per-entity route (ListUsers, ListUserPolicies, GetUserPolicy,
//!   ListAttachedUserPolicies, ListGroupsForUser, ... and GetPolicyVersion per
//!   policy) costs five or more calls per principal, and IAM's API is slow and
//!   tightly throttled. The call is filtered to the entity types the selected
//!   rules judge, and AWS-managed policies are never asked for: Config does not
//!   record them either (AdministratorAccess is recognised by ARN in
//!   `attachedManagedPolicies`).
//! - **Documents are passed on as IAM returns them**: URL-encoded JSON, exactly
//!   what Config records. The shared normaliser decodes them, so snapshot and live
//!   items reach the rules in one form. (moto 5.2 sends the trust policy as plain
//!   JSON and omits PolicyName/PolicyId from policies; the normaliser takes plain
//!   JSON too, and the policy name falls back to the ARN's last segment.)
//! - **Access keys only when a rule reads them.** Config does not record access
//!   keys; `configuration.accessKeys` is our addition for key-rotation rules. It
//!   costs one ListAccessKeys call per user, so it is made only when a selected
//!   rule reads that path, in parallel up to `plan.concurrency`. A user whose
//!   keys cannot be listed keeps its item (the other rules still judge it) with
//!   the path marked unreadable, so key rules say `error`, not `compliant`.
//! - **Synthetic types.** Config has no item for the account password policy or
//!   the account summary, yet CIS checks both. `AWS::IAM::AccountPasswordPolicy`
//!   (GetAccountPasswordPolicy in camelCase) and `AWS::IAM::AccountSummary`
//!   (GetAccountSummary's SummaryMap with AWS's key names) carry them, one item
//!   per account. An account without a password policy is not an error: it gets
//!   an item with an empty configuration, which the password rule fails field by
//!   field.

use crate::aws::collect::{
    build_item, paginate, put, tag_list, tag_map, CollectFuture, Collected, Collector, ItemHead,
    Plan, Scope, Unlisted,
};
use crate::aws::error::AwsError;
use crate::aws::{iso, Aws};
use crate::core::resource::{ConfigItem, Unreadable};
use aws_sdk_iam::types::{
    AccessKeyMetadata, AttachedPermissionsBoundary, AttachedPolicy, EntityType, GroupDetail,
    InstanceProfile, ManagedPolicyDetail, PasswordPolicy, PolicyDetail, PolicyVersion, RoleDetail,
    SummaryKeyType, Tag, UserDetail,
};
use futures::stream::{self, StreamExt};
use indicatif::ProgressBar;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

const SERVICE: &str = "iam";
/// The region AWS Config files IAM items under.
const GLOBAL: &str = "global";

use crate::core::registry::{
    IAM_ACCOUNT_PASSWORD_POLICY as PASSWORD_POLICY, IAM_ACCOUNT_SUMMARY as ACCOUNT_SUMMARY,
    IAM_GROUP as GROUP, IAM_POLICY as POLICY, IAM_ROLE as ROLE, IAM_USER as USER,
};

/// The item path key-rotation rules read; also the unreadable mark's path.
const ACCESS_KEYS_PATH: &str = "configuration.accessKeys";

/// The IAM collector as the scan runs it: once per scan, from the home region.
pub struct Iam;

impl Collector for Iam {
    fn id(&self) -> &'static str {
        "iam"
    }

    fn global(&self) -> bool {
        true
    }

    fn collect<'a>(&'a self, scope: Scope<'a>) -> CollectFuture<'a> {
        Box::pin(collect(scope.aws, scope.plan, scope.progress))
    }
}

/// Reads the IAM part of the account that the plan's rules judge.
pub async fn collect(aws: &Aws, plan: &Plan, progress: &ProgressBar) -> Collected {
    let region = plan.home_region();
    let client = aws.iam(region);
    let account = plan.account.as_deref();
    let mut collected = Collected::default();
    let mut counts: Vec<(&str, usize)> = Vec::new();

    let entity_types: Vec<&str> = [USER, ROLE, GROUP, POLICY]
        .into_iter()
        .filter(|t| plan.wants(t))
        .collect();
    if !entity_types.is_empty() {
        let details = authorization_details(&client, plan, &entity_types, &mut collected).await;

        let keys = if plan.wants(USER) && plan.reads(ACCESS_KEYS_PATH) {
            Some(
                access_keys(
                    &client,
                    region,
                    &details.users,
                    plan.concurrency,
                    &mut collected,
                )
                .await,
            )
        } else {
            None
        };
        for (i, user) in details.users.iter().enumerate() {
            let keys = keys.as_ref().map(|k| &k[i]);
            push(&mut collected, progress, user_item(user, keys, account));
        }
        for role in &details.roles {
            push(&mut collected, progress, role_item(role, account));
        }
        for group in &details.groups {
            push(&mut collected, progress, group_item(group, account));
        }
        for policy in &details.policies {
            push(&mut collected, progress, policy_item(policy, account));
        }
        for (t, label, n) in [
            (USER, "users", details.users.len()),
            (ROLE, "roles", details.roles.len()),
            (GROUP, "groups", details.groups.len()),
            (POLICY, "policies", details.policies.len()),
        ] {
            if plan.wants(t) {
                counts.push((label, n));
            }
        }
    }

    if plan.wants(PASSWORD_POLICY) {
        if let Some(item) = password_policy(&client, region, account, &mut collected).await {
            push(&mut collected, progress, item);
        }
    }
    if plan.wants(ACCOUNT_SUMMARY) {
        if let Some(item) = account_summary(&client, region, account, &mut collected).await {
            push(&mut collected, progress, item);
        }
    }

    let mut message = counts
        .iter()
        .map(|(label, n)| format!("{n} {label}"))
        .collect::<Vec<_>>()
        .join(", ");
    if message.is_empty() {
        message = "account settings".into();
    }
    progress.set_message(format!("iam: {message}"));
    collected
}

/// Records one failed call that leaves `types` unread. The types are unlisted
/// under "global", where their items would have been, so their rules report
/// `error`; the error itself keeps the region of the endpoint that was called.
fn unlisted(collected: &mut Collected, types: &[&str], error: AwsError) {
    for t in types {
        collected.unlisted.push(Unlisted {
            resource_type: t.to_string(),
            region: GLOBAL.to_string(),
            error: error.clone(),
        });
    }
    collected.errors.push(error);
}

fn push(collected: &mut Collected, progress: &ProgressBar, item: ConfigItem) {
    collected.items.push(item);
    progress.inc(1);
}

/// What GetAccountAuthorizationDetails returned, across its pages.
#[derive(Default)]
struct Details {
    users: Vec<UserDetail>,
    roles: Vec<RoleDetail>,
    groups: Vec<GroupDetail>,
    policies: Vec<ManagedPolicyDetail>,
}

async fn authorization_details(
    client: &aws_sdk_iam::Client,
    plan: &Plan,
    types: &[&str],
    collected: &mut Collected,
) -> Details {
    let region = plan.home_region();
    // 1000 is the API's maximum; AWS pages by 100 unless asked.
    let page_size = plan.page(1000);
    let filter: Vec<EntityType> = types
        .iter()
        .map(|t| match *t {
            USER => EntityType::User,
            ROLE => EntityType::Role,
            GROUP => EntityType::Group,
            _ => EntityType::LocalManagedPolicy,
        })
        .collect();
    let mut details = Details::default();
    let listed = paginate(
        &mut collected.calls,
        |marker| {
            let request = client
                .get_account_authorization_details()
                .set_filter(Some(filter.clone()))
                .set_marker(marker)
                .max_items(page_size);
            async move {
                let mut page = request.send().await.map_err(|e| {
                    AwsError::from_sdk(SERVICE, region, "GetAccountAuthorizationDetails", &e)
                })?;
                let next = page.marker.take().filter(|_| page.is_truncated());
                Ok((page, next))
            }
        },
        |page| {
            details
                .users
                .extend(page.user_detail_list.unwrap_or_default());
            details
                .roles
                .extend(page.role_detail_list.unwrap_or_default());
            details
                .groups
                .extend(page.group_detail_list.unwrap_or_default());
            details.policies.extend(page.policies.unwrap_or_default());
        },
    )
    .await;
    if let Err(error) = listed {
        // Pages already read are kept and still judged.
        unlisted(collected, types, error);
    }
    details
}

/// The keys of every user, in `users` order: the `accessKeys` list, or why it
/// could not be read (the error itself goes to `collected.errors`).
async fn access_keys(
    client: &aws_sdk_iam::Client,
    region: &str,
    users: &[UserDetail],
    concurrency: usize,
    collected: &mut Collected,
) -> Vec<Result<Value, String>> {
    let now = chrono::Utc::now().timestamp();
    // Owned names: with closures over borrowed `users`, rustc cannot prove the
    // stream Send for every lifetime, and the scan runs collectors as Send tasks.
    let names: Vec<(usize, String)> = users
        .iter()
        .enumerate()
        .filter_map(|(i, u)| Some((i, u.user_name()?.to_string())))
        .collect();
    let calls = names.into_iter().map(|(i, name)| {
        let client = client.clone();
        async move {
            // A user holds at most two keys, so the first page always has them all.
            let result = client.list_access_keys().user_name(name).send().await;
            let keys = result
                .map(|out| access_key_list(out.access_key_metadata(), now))
                .map_err(|e| AwsError::from_sdk(SERVICE, region, "ListAccessKeys", &e));
            (i, keys)
        }
    });
    let mut out: Vec<Result<Value, String>> = users
        .iter()
        .map(|_| Err("ListAccessKeys not called: IAM gave the user no name".to_string()))
        .collect();
    let mut results = stream::iter(calls).buffer_unordered(concurrency.max(1));
    while let Some((i, keys)) = results.next().await {
        collected.calls += 1;
        out[i] = keys.map_err(|e| {
            let reason = e.reason();
            collected.errors.push(e);
            reason
        });
    }
    out
}

/// `configuration.accessKeys`: id, status, creation time and whole days of age.
fn access_key_list(keys: &[AccessKeyMetadata], now: i64) -> Value {
    Value::Array(
        keys.iter()
            .map(|k| {
                let mut m = Map::new();
                put(&mut m, "accessKeyId", k.access_key_id());
                put(&mut m, "status", k.status().map(|s| s.as_str()));
                put(&mut m, "createDate", k.create_date().map(iso));
                put(
                    &mut m,
                    "ageDays",
                    k.create_date().map(|d| age_days(d.secs(), now)),
                );
                Value::Object(m)
            })
            .collect(),
    )
}

/// Whole days from `created` to `now` (epoch seconds); never negative, so a
/// clock running behind IAM's does not make a key younger than new.
fn age_days(created: i64, now: i64) -> i64 {
    (now - created).max(0) / 86_400
}

/// The first identifier IAM gave: Config's id (the `AIDA…`/`AROA…`/`ANPA…`
/// id), else something that still names the entity uniquely.
fn first(candidates: [Option<&str>; 3]) -> &str {
    candidates
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty())
        .unwrap_or_default()
}

fn tags_of(tags: &[Tag]) -> Map<String, Value> {
    tag_map(tags.iter().map(|t| (Some(t.key()), Some(t.value()))))
}

fn inline_policies(list: &[PolicyDetail]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| {
                let mut m = Map::new();
                put(&mut m, "policyName", p.policy_name());
                put(&mut m, "policyDocument", p.policy_document());
                Value::Object(m)
            })
            .collect(),
    )
}

fn attached_policies(list: &[AttachedPolicy]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| {
                let mut m = Map::new();
                put(&mut m, "policyName", p.policy_name());
                put(&mut m, "policyArn", p.policy_arn());
                Value::Object(m)
            })
            .collect(),
    )
}

fn boundary(b: Option<&AttachedPermissionsBoundary>) -> Option<Value> {
    b.map(|b| {
        let mut m = Map::new();
        put(
            &mut m,
            "permissionsBoundaryType",
            b.permissions_boundary_type().map(|t| t.as_str()),
        );
        put(
            &mut m,
            "permissionsBoundaryArn",
            b.permissions_boundary_arn(),
        );
        Value::Object(m)
    })
}

fn instance_profiles(list: &[InstanceProfile]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| {
                json!({
                    "path": p.path(),
                    "instanceProfileName": p.instance_profile_name(),
                    "instanceProfileId": p.instance_profile_id(),
                    "arn": p.arn(),
                    "createDate": iso(p.create_date()),
                })
            })
            .collect(),
    )
}

fn policy_versions(list: &[PolicyVersion]) -> Value {
    Value::Array(
        list.iter()
            .map(|v| {
                let mut m = Map::new();
                put(&mut m, "document", v.document());
                put(&mut m, "versionId", v.version_id());
                m.insert(
                    "isDefaultVersion".into(),
                    Value::from(v.is_default_version()),
                );
                put(&mut m, "createDate", v.create_date().map(iso));
                Value::Object(m)
            })
            .collect(),
    )
}

/// An `AWS::IAM::User` item; `keys` is None when no rule reads access keys.
fn user_item(
    u: &UserDetail,
    keys: Option<&Result<Value, String>>,
    account: Option<&str>,
) -> ConfigItem {
    let tags = tags_of(u.tags());
    let mut c = Map::new();
    put(&mut c, "userName", u.user_name());
    put(&mut c, "userId", u.user_id());
    put(&mut c, "arn", u.arn());
    put(&mut c, "path", u.path());
    put(&mut c, "createDate", u.create_date().map(iso));
    c.insert(
        "userPolicyList".into(),
        inline_policies(u.user_policy_list()),
    );
    c.insert("groupList".into(), json!(u.group_list()));
    c.insert(
        "attachedManagedPolicies".into(),
        attached_policies(u.attached_managed_policies()),
    );
    put(
        &mut c,
        "permissionsBoundary",
        boundary(u.permissions_boundary()),
    );
    c.insert("tags".into(), tag_list(&tags));
    let mut unreadable = Vec::new();
    match keys {
        Some(Ok(list)) => {
            c.insert("accessKeys".into(), list.clone());
        }
        Some(Err(reason)) => unreadable.push(Unreadable {
            path: ACCESS_KEYS_PATH.to_string(),
            reason: reason.clone(),
        }),
        None => {}
    }
    build_item(
        ItemHead {
            resource_type: USER,
            resource_id: first([u.user_id(), u.arn(), u.user_name()]),
            resource_name: u.user_name(),
            arn: u.arn().map(str::to_string),
            region: GLOBAL,
            account,
            tags,
        },
        Value::Object(c),
        Map::new(),
        unreadable,
    )
}

fn role_item(r: &RoleDetail, account: Option<&str>) -> ConfigItem {
    let tags = tags_of(r.tags());
    let mut c = Map::new();
    put(&mut c, "roleName", r.role_name());
    put(&mut c, "roleId", r.role_id());
    put(&mut c, "arn", r.arn());
    put(&mut c, "path", r.path());
    put(&mut c, "createDate", r.create_date().map(iso));
    put(
        &mut c,
        "assumeRolePolicyDocument",
        r.assume_role_policy_document(),
    );
    c.insert(
        "rolePolicyList".into(),
        inline_policies(r.role_policy_list()),
    );
    c.insert(
        "attachedManagedPolicies".into(),
        attached_policies(r.attached_managed_policies()),
    );
    c.insert(
        "instanceProfileList".into(),
        instance_profiles(r.instance_profile_list()),
    );
    put(
        &mut c,
        "permissionsBoundary",
        boundary(r.permissions_boundary()),
    );
    c.insert("tags".into(), tag_list(&tags));
    build_item(
        ItemHead {
            resource_type: ROLE,
            resource_id: first([r.role_id(), r.arn(), r.role_name()]),
            resource_name: r.role_name(),
            arn: r.arn().map(str::to_string),
            region: GLOBAL,
            account,
            tags,
        },
        Value::Object(c),
        Map::new(),
        vec![],
    )
}

fn group_item(g: &GroupDetail, account: Option<&str>) -> ConfigItem {
    let mut c = Map::new();
    put(&mut c, "groupName", g.group_name());
    put(&mut c, "groupId", g.group_id());
    put(&mut c, "arn", g.arn());
    put(&mut c, "path", g.path());
    put(&mut c, "createDate", g.create_date().map(iso));
    c.insert(
        "groupPolicyList".into(),
        inline_policies(g.group_policy_list()),
    );
    c.insert(
        "attachedManagedPolicies".into(),
        attached_policies(g.attached_managed_policies()),
    );
    build_item(
        ItemHead {
            resource_type: GROUP,
            resource_id: first([g.group_id(), g.arn(), g.group_name()]),
            resource_name: g.group_name(),
            arn: g.arn().map(str::to_string),
            region: GLOBAL,
            account,
            tags: Map::new(),
        },
        Value::Object(c),
        Map::new(),
        vec![],
    )
}

fn policy_item(p: &ManagedPolicyDetail, account: Option<&str>) -> ConfigItem {
    // moto 5.2 leaves PolicyName and PolicyId out of this call's policies; the
    // name is the ARN's last segment (`arn:aws:iam::123456789012:policy/path/name`).
    let name = p
        .policy_name()
        .or_else(|| p.arn().and_then(|a| a.rsplit('/').next()));
    let mut c = Map::new();
    put(&mut c, "policyName", name);
    put(&mut c, "policyId", p.policy_id());
    put(&mut c, "arn", p.arn());
    put(&mut c, "path", p.path());
    put(&mut c, "description", p.description());
    put(&mut c, "defaultVersionId", p.default_version_id());
    put(&mut c, "attachmentCount", p.attachment_count());
    put(
        &mut c,
        "permissionsBoundaryUsageCount",
        p.permissions_boundary_usage_count(),
    );
    c.insert("isAttachable".into(), Value::from(p.is_attachable()));
    put(&mut c, "createDate", p.create_date().map(iso));
    put(&mut c, "updateDate", p.update_date().map(iso));
    c.insert(
        "policyVersionList".into(),
        policy_versions(p.policy_version_list()),
    );
    build_item(
        ItemHead {
            resource_type: POLICY,
            resource_id: first([p.policy_id(), p.arn(), name]),
            resource_name: name,
            arn: p.arn().map(str::to_string),
            region: GLOBAL,
            account,
            tags: Map::new(),
        },
        Value::Object(c),
        Map::new(),
        vec![],
    )
}

/// One item per account; the id names the account so merged scans stay apart.
fn account_item(
    resource_type: &str,
    suffix: &str,
    account: Option<&str>,
    configuration: Value,
) -> ConfigItem {
    let id = format!("{}-{suffix}", account.unwrap_or("account"));
    build_item(
        ItemHead {
            resource_type,
            resource_id: &id,
            resource_name: None,
            arn: None,
            region: GLOBAL,
            account,
            tags: Map::new(),
        },
        configuration,
        Map::new(),
        vec![],
    )
}

async fn password_policy(
    client: &aws_sdk_iam::Client,
    region: &str,
    account: Option<&str>,
    collected: &mut Collected,
) -> Option<ConfigItem> {
    let result = client.get_account_password_policy().send().await;
    collected.calls += 1;
    let configuration = match result {
        Ok(out) => out
            .password_policy()
            .map(password_policy_configuration)
            .unwrap_or_else(|| json!({})),
        // No policy set: that is the finding, not a failure to read.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            json!({})
        }
        Err(e) => {
            unlisted(
                collected,
                &[PASSWORD_POLICY],
                AwsError::from_sdk(SERVICE, region, "GetAccountPasswordPolicy", &e),
            );
            return None;
        }
    };
    Some(account_item(
        PASSWORD_POLICY,
        "password-policy",
        account,
        configuration,
    ))
}

/// GetAccountPasswordPolicy's fields in camelCase, absent ones left out. IAM
/// always sends the six booleans (the SDK reads a missing one as false); the
/// numbers and `hardExpiry` are absent when not set.
fn password_policy_configuration(p: &PasswordPolicy) -> Value {
    let mut m = Map::new();
    put(&mut m, "minimumPasswordLength", p.minimum_password_length());
    put(&mut m, "requireSymbols", Some(p.require_symbols()));
    put(&mut m, "requireNumbers", Some(p.require_numbers()));
    put(
        &mut m,
        "requireUppercaseCharacters",
        Some(p.require_uppercase_characters()),
    );
    put(
        &mut m,
        "requireLowercaseCharacters",
        Some(p.require_lowercase_characters()),
    );
    put(
        &mut m,
        "allowUsersToChangePassword",
        Some(p.allow_users_to_change_password()),
    );
    put(&mut m, "expirePasswords", Some(p.expire_passwords()));
    // 0 is IAM's "passwords never expire"; kept, it would pass a `<= 90` check.
    put(
        &mut m,
        "maxPasswordAge",
        p.max_password_age().filter(|&days| days > 0),
    );
    put(
        &mut m,
        "passwordReusePrevention",
        p.password_reuse_prevention(),
    );
    put(&mut m, "hardExpiry", p.hard_expiry());
    Value::Object(m)
}

async fn account_summary(
    client: &aws_sdk_iam::Client,
    region: &str,
    account: Option<&str>,
    collected: &mut Collected,
) -> Option<ConfigItem> {
    let result = client.get_account_summary().send().await;
    collected.calls += 1;
    match result {
        Ok(out) => {
            let configuration = summary_configuration(out.summary_map());
            Some(account_item(
                ACCOUNT_SUMMARY,
                "account-summary",
                account,
                configuration,
            ))
        }
        Err(e) => {
            unlisted(
                collected,
                &[ACCOUNT_SUMMARY],
                AwsError::from_sdk(SERVICE, region, "GetAccountSummary", &e),
            );
            None
        }
    }
}

/// The SummaryMap under AWS's own key names (`AccountMFAEnabled`), sorted.
fn summary_configuration(map: Option<&HashMap<SummaryKeyType, i32>>) -> Value {
    let sorted: BTreeMap<&str, i32> = map
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    json!(sorted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::types::StatusType;
    use aws_smithy_types::DateTime;

    const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn key(id: &str, status: StatusType, days_old: i64) -> AccessKeyMetadata {
        AccessKeyMetadata::builder()
            .user_name("ci")
            .access_key_id(id)
            .status(status)
            .create_date(DateTime::from_secs(NOW - days_old * 86_400 - 3_600))
            .build()
    }

    fn user() -> UserDetail {
        UserDetail::builder()
            .user_name("ci")
            .user_id("AIDA1")
            .arn("arn:aws:iam::123456789012:user/ci")
            .path("/")
            .user_policy_list(
                PolicyDetail::builder()
                    .policy_name("all")
                    .policy_document("%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D")
                    .build(),
            )
            .attached_managed_policies(
                AttachedPolicy::builder()
                    .policy_name("AdministratorAccess")
                    .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
                    .build(),
            )
            .tags(Tag::builder().key("Criticality").value("high").build().unwrap())
            .build()
    }

    #[test]
    fn key_age_is_whole_days_and_never_negative() {
        assert_eq!(age_days(NOW - 90 * 86_400 - 1, NOW), 90);
        assert_eq!(age_days(NOW - 91 * 86_400 + 1, NOW), 90);
        assert_eq!(age_days(NOW + 3_600, NOW), 0);
        let list = access_key_list(
            &[
                key("AKIAOLD", StatusType::Inactive, 400),
                key("AKIANEW", StatusType::Active, 12),
            ],
            NOW,
        );
        assert_eq!(list[0]["status"], "Inactive");
        assert_eq!(list[0]["ageDays"], 400);
        assert_eq!(list[1]["accessKeyId"], "AKIANEW");
        assert_eq!(list[1]["ageDays"], 12);
        assert_eq!(list[1]["createDate"], "2025-12-19T23:00:00Z");
    }

    #[test]
    fn user_items_have_configs_shape_and_decoded_documents() {
        let keys = Ok(access_key_list(&[key("AKIA1", StatusType::Active, 3)], NOW));
        let item = user_item(&user(), Some(&keys), Some("123456789012"));
        assert_eq!(item.resource_id, "AIDA1");
        assert_eq!(item.resource_name.as_deref(), Some("ci"));
        assert_eq!(item.region.as_deref(), Some("global"));
        assert_eq!(item.tag("Criticality"), Some("high"));
        let c = &item.body["configuration"];
        assert_eq!(
            c["userPolicyList"][0]["policyDocument"]["Statement"][0]["Action"],
            "*"
        );
        assert_eq!(
            c["attachedManagedPolicies"][0]["policyArn"],
            "arn:aws:iam::aws:policy/AdministratorAccess"
        );
        assert_eq!(c["groupList"], json!([]));
        assert_eq!(c["tags"], json!([{"key": "Criticality", "value": "high"}]));
        assert_eq!(c["accessKeys"][0]["ageDays"], 3);
        assert!(item.unreadable.is_empty());
    }

    #[test]
    fn keys_not_read_or_unreadable() {
        let item = user_item(&user(), None, None);
        assert!(item.body["configuration"].get("accessKeys").is_none());
        assert!(item.unreadable.is_empty());

        let denied = Err("ListAccessKeys AccessDenied: not allowed".to_string());
        let item = user_item(&user(), Some(&denied), None);
        assert!(item.body["configuration"].get("accessKeys").is_none());
        assert_eq!(item.unreadable.len(), 1);
        assert_eq!(item.unreadable[0].path, "configuration.accessKeys");
        assert!(
            item.unreadable[0].reason.contains("AccessDenied"),
            "{}",
            item.unreadable[0].reason
        );
    }

    /// A user whose ListAccessKeys fails: one error, the item kept, keys unreadable.
    #[tokio::test]
    async fn failed_key_listing_marks_the_user_unreadable() {
        use aws_sdk_iam::config::retry::RetryConfig;
        use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};
        let config = aws_sdk_iam::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            // Nothing listens on the discard port: the call fails at once.
            .endpoint_url("http://127.0.0.1:9")
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
            .retry_config(RetryConfig::disabled())
            .build();
        let client = aws_sdk_iam::Client::from_conf(config);
        let users = vec![user()];
        let mut collected = Collected::default();
        let keys = access_keys(&client, "us-east-1", &users, 4, &mut collected).await;
        assert_eq!(collected.calls, 1);
        assert_eq!(collected.errors.len(), 1);
        assert_eq!(collected.errors[0].operation, "ListAccessKeys");
        assert_eq!(collected.errors[0].service, "iam");
        let item = user_item(&users[0], Some(&keys[0]), None);
        assert!(item.body["configuration"].get("accessKeys").is_none());
        assert_eq!(item.unreadable.len(), 1);
        assert_eq!(item.unreadable[0].path, "configuration.accessKeys");
        assert!(
            item.unreadable[0].reason.starts_with("ListAccessKeys "),
            "{}",
            item.unreadable[0].reason
        );
        // The other rules still judge the user.
        assert_eq!(
            item.body["configuration"]["attachedManagedPolicies"][0]["policyName"],
            "AdministratorAccess"
        );
    }

    #[test]
    fn password_policy_fields_in_camel_case_without_absent_ones() {
        let p = PasswordPolicy::builder()
            .minimum_password_length(8)
            .require_symbols(true)
            .require_numbers(true)
            .expire_passwords(false)
            .max_password_age(0)
            .build();
        assert_eq!(
            password_policy_configuration(&p),
            json!({
                "minimumPasswordLength": 8,
                "requireSymbols": true,
                "requireNumbers": true,
                "requireUppercaseCharacters": false,
                "requireLowercaseCharacters": false,
                "allowUsersToChangePassword": false,
                "expirePasswords": false,
            })
        );
        let item = account_item(PASSWORD_POLICY, "password-policy", None, json!({}));
        assert_eq!(item.resource_id, "account-password-policy");
        assert_eq!(item.region.as_deref(), Some("global"));
    }

    #[test]
    fn summary_keeps_aws_key_names() {
        let map: HashMap<SummaryKeyType, i32> = [
            (SummaryKeyType::AccountMfaEnabled, 1),
            (SummaryKeyType::AccountAccessKeysPresent, 0),
        ]
        .into();
        assert_eq!(
            summary_configuration(Some(&map)),
            json!({"AccountAccessKeysPresent": 0, "AccountMFAEnabled": 1})
        );
        assert_eq!(summary_configuration(None), json!({}));
    }
}
