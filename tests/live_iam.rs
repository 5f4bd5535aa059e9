//! The live IAM collector against moto: seeds users, policies, a role and the
//! password policy, collects them with the paths the built-in IAM rules read,
//! checks the items against AWS Config's shape, and runs the rules over them.
//!
//! moto is shared by every test in the run and never reset, so each test names
//! its entities with `support::unique_name` and looks only at those. The
//! password policy and the account summary are account-wide: only
//! `password_policy_and_account_summary` touches them.

use crate::support;

use aws_sdk_iam::types::StatusType;
use compliance::aws::collect::{iam, Collected, Plan};
use compliance::aws::{Aws, Connection};
use compliance::core::catalogue::{Catalogue, RuleSource};
use compliance::core::engine::Engine;
use compliance::core::finding::Status;
use compliance::core::resource::ConfigItem;
use compliance::core::rule::Rule;
use compliance::core::settings::Settings;
use indicatif::ProgressBar;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

const ADMIN_ARN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const ADMIN_DOC: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const NARROW_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"]}]}"#;
const TRUST_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const LOGS_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:*:*:log-group:/app/*"}]}"#;

async fn connect(endpoint_url: Option<String>) -> Aws {
    Aws::connect(&Connection {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url,
        max_attempts: 2,
        call_timeout: Duration::from_secs(20),
    })
    .await
}

/// The built-in rules that judge IAM types.
fn iam_rules() -> Vec<Arc<Rule>> {
    let catalogue = Catalogue::load(&[RuleSource {
        files: compliance::embedded::rule_files(),
    }])
    .expect("built-in catalogue loads");
    catalogue
        .rules()
        .into_iter()
        .filter(|r| r.resource_types.iter().any(|t| t.starts_with("AWS::IAM::")))
        .collect()
}

/// A plan for `rules`, restricted to `types` when given, as the scan would build it.
fn plan_for(rules: &[Arc<Rule>], types: Option<&[&str]>) -> Plan {
    let mut all_types = BTreeSet::new();
    let mut paths = BTreeSet::new();
    for rule in rules {
        all_types.extend(rule.resource_types.iter().cloned());
        paths.extend(rule.compile(None).expect("rule compiles").paths());
    }
    if let Some(only) = types {
        all_types.retain(|t| only.contains(&t.as_str()));
    }
    Plan {
        regions: vec!["us-east-1".into()],
        types: all_types,
        paths: paths.into_iter().collect(),
        concurrency: 8,
        account: Some(support::MOTO_ACCOUNT_ID.into()),
        page_size: None,
        detect_drift: false,
    }
}

fn assert_clean(collected: &Collected) {
    assert!(
        collected.errors.is_empty(),
        "errors: {:#?}",
        collected.errors
    );
    assert!(
        collected.unlisted.is_empty(),
        "unlisted: {:#?}",
        collected.unlisted
    );
}

/// The item of `resource_type` named `name`.
fn item<'a>(items: &'a [ConfigItem], resource_type: &str, name: &str) -> &'a ConfigItem {
    items
        .iter()
        .find(|i| i.resource_type == resource_type && i.resource_name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no {resource_type} named {name} collected"))
}

/// (rule id, resource name) → status for the items whose name starts with `prefix`.
fn statuses(
    rules: &[Arc<Rule>],
    items: &[ConfigItem],
    prefix: &str,
) -> BTreeMap<(String, String), Status> {
    let mine: Vec<ConfigItem> = items
        .iter()
        .filter(|i| {
            i.resource_name
                .as_deref()
                .is_some_and(|n| n.starts_with(prefix))
        })
        .cloned()
        .collect();
    Engine::new(rules, &Settings::default())
        .evaluate(&mine)
        .into_iter()
        .map(|f| {
            (
                (
                    f.rule_id.to_string(),
                    f.resource_name.clone().unwrap_or_default(),
                ),
                f.status,
            )
        })
        .collect()
}

#[tokio::test]
async fn collects_seeded_identities_and_judges_them() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("collects_seeded_identities_and_judges_them");
        return;
    };
    let client = aws_sdk_iam::Client::new(&config);
    let prefix = support::unique_name("iam");
    let admin_user = format!("{prefix}-admin");
    let inline_user = format!("{prefix}-inline");
    let clean_user = format!("{prefix}-clean");
    let admin_policy = format!("{prefix}-everything");
    let narrow_policy = format!("{prefix}-reports");
    let role = format!("{prefix}-app");

    for user in [&admin_user, &inline_user, &clean_user] {
        client
            .create_user()
            .user_name(user)
            .send()
            .await
            .expect("create user");
    }
    client
        .attach_user_policy()
        .user_name(&admin_user)
        .policy_arn(ADMIN_ARN)
        .send()
        .await
        .expect("attach AdministratorAccess (moto needs MOTO_IAM_LOAD_MANAGED_POLICIES=true)");
    let key = client
        .create_access_key()
        .user_name(&admin_user)
        .send()
        .await
        .expect("create access key");
    let key_id = key
        .access_key()
        .expect("new key")
        .access_key_id()
        .to_string();
    client
        .put_user_policy()
        .user_name(&inline_user)
        .policy_name("break-glass")
        .policy_document(ADMIN_DOC)
        .send()
        .await
        .expect("put inline policy");
    // The admin policy becomes admin only in its second, default version; the
    // narrow one had an admin first version that is no longer the default.
    client
        .create_policy()
        .policy_name(&admin_policy)
        .policy_document(NARROW_DOC)
        .send()
        .await
        .expect("create admin policy");
    client
        .create_policy_version()
        .policy_arn(format!(
            "arn:aws:iam::{}:policy/{admin_policy}",
            support::MOTO_ACCOUNT_ID
        ))
        .policy_document(ADMIN_DOC)
        .set_as_default(true)
        .send()
        .await
        .expect("admin version");
    client
        .create_policy()
        .policy_name(&narrow_policy)
        .policy_document(ADMIN_DOC)
        .send()
        .await
        .expect("create narrow policy");
    client
        .create_policy_version()
        .policy_arn(format!(
            "arn:aws:iam::{}:policy/{narrow_policy}",
            support::MOTO_ACCOUNT_ID
        ))
        .policy_document(NARROW_DOC)
        .set_as_default(true)
        .send()
        .await
        .expect("narrow version");
    client
        .create_role()
        .role_name(&role)
        .assume_role_policy_document(TRUST_DOC)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("Criticality")
                .value("high")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create role");
    client
        .put_role_policy()
        .role_name(&role)
        .policy_name("logs")
        .policy_document(LOGS_DOC)
        .send()
        .await
        .expect("put role policy");

    let rules = iam_rules();
    let plan = plan_for(
        &rules,
        Some(&[
            "AWS::IAM::User",
            "AWS::IAM::Role",
            "AWS::IAM::Group",
            "AWS::IAM::Policy",
        ]),
    );
    assert!(plan.reads("configuration.accessKeys"), "{:?}", plan.paths);
    let aws = connect(None).await;
    let collected = iam::collect(&aws, &plan, &ProgressBar::hidden()).await;
    assert_clean(&collected);
    let items = &collected.items;
    let users = items
        .iter()
        .filter(|i| i.resource_type == "AWS::IAM::User")
        .count();
    // One GetAccountAuthorizationDetails page (moto never truncates), one
    // ListAccessKeys per user.
    assert_eq!(collected.calls, 1 + users);
    for i in items {
        assert_eq!(i.region.as_deref(), Some("global"), "{}", i.label());
        assert_eq!(&*i.source, "live:iam:global");
        assert_eq!(i.account.as_deref(), Some(support::MOTO_ACCOUNT_ID));
    }

    // Users: attachments, decoded inline documents, keys with age and status.
    let admin = item(items, "AWS::IAM::User", &admin_user);
    let c = &admin.body["configuration"];
    // moto's user ids are 20 random lowercase characters, not AIDA…
    assert!(!admin.resource_id.is_empty());
    assert_eq!(c["userId"], Value::from(admin.resource_id.as_str()));
    assert_eq!(c["userName"], Value::from(admin_user.as_str()));
    assert_eq!(
        admin.arn.as_deref(),
        Some(
            format!(
                "arn:aws:iam::{}:user/{admin_user}",
                support::MOTO_ACCOUNT_ID
            )
            .as_str()
        )
    );
    assert_eq!(
        c["attachedManagedPolicies"],
        json!([{"policyName": "AdministratorAccess", "policyArn": ADMIN_ARN}])
    );
    assert_eq!(c["userPolicyList"], json!([]));
    assert_eq!(c["groupList"], json!([]));
    let keys = c["accessKeys"].as_array().expect("accessKeys list");
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0]["accessKeyId"], Value::from(key_id.as_str()));
    assert_eq!(keys[0]["status"], StatusType::Active.as_str());
    assert_eq!(keys[0]["ageDays"], 0);
    let created = keys[0]["createDate"].as_str().expect("createDate text");
    let created = chrono::DateTime::parse_from_rfc3339(created).expect("ISO createDate");
    assert!((chrono::Utc::now() - created.to_utc()).num_minutes().abs() < 10);

    let inline = item(items, "AWS::IAM::User", &inline_user);
    let c = &inline.body["configuration"];
    assert_eq!(c["userPolicyList"][0]["policyName"], "break-glass");
    assert_eq!(
        c["userPolicyList"][0]["policyDocument"],
        serde_json::from_str::<Value>(ADMIN_DOC).unwrap(),
        "inline documents reach the rules decoded"
    );
    assert_eq!(c["accessKeys"], json!([]));

    let clean = item(items, "AWS::IAM::User", &clean_user);
    let c = &clean.body["configuration"];
    assert_eq!(c["attachedManagedPolicies"], json!([]));
    assert_eq!(c["userPolicyList"], json!([]));
    assert_eq!(c["accessKeys"], json!([]));

    // Customer-managed policies: every version, the default one flagged, decoded.
    let everything = item(items, "AWS::IAM::Policy", &admin_policy);
    let c = &everything.body["configuration"];
    // moto 5.2 sends no PolicyId (nor PolicyName) in this call; the ARN then
    // stands in for the id and its last segment for the name.
    let id = c
        .get("policyId")
        .and_then(Value::as_str)
        .or(everything.arn.as_deref());
    assert_eq!(Some(everything.resource_id.as_str()), id);
    assert_eq!(c["policyName"], Value::from(admin_policy.as_str()));
    assert_eq!(c["defaultVersionId"], "v2");
    assert_eq!(c["isAttachable"], true);
    let versions = c["policyVersionList"].as_array().expect("versions");
    assert_eq!(versions.len(), 2, "{versions:?}");
    let default: Vec<&Value> = versions
        .iter()
        .filter(|v| v["isDefaultVersion"] == true)
        .collect();
    assert_eq!(default.len(), 1);
    assert_eq!(default[0]["versionId"], "v2");
    assert_eq!(
        default[0]["document"],
        serde_json::from_str::<Value>(ADMIN_DOC).unwrap()
    );
    let reports = item(items, "AWS::IAM::Policy", &narrow_policy);
    assert_eq!(reports.body["configuration"]["defaultVersionId"], "v2");
    assert!(
        !items.iter().any(|i| i.arn.as_deref() == Some(ADMIN_ARN)),
        "AWS-managed policies are not items, as in Config"
    );

    // The role: trust policy and inline policy decoded, tags in both forms.
    let app = item(items, "AWS::IAM::Role", &role);
    let c = &app.body["configuration"];
    assert_eq!(c["roleId"], Value::from(app.resource_id.as_str()));
    assert_eq!(
        c["assumeRolePolicyDocument"],
        serde_json::from_str::<Value>(TRUST_DOC).unwrap()
    );
    assert_eq!(c["rolePolicyList"][0]["policyName"], "logs");
    assert_eq!(
        c["rolePolicyList"][0]["policyDocument"],
        serde_json::from_str::<Value>(LOGS_DOC).unwrap()
    );
    assert_eq!(c["attachedManagedPolicies"], json!([]));
    assert_eq!(c["instanceProfileList"], json!([]));
    assert_eq!(c["tags"], json!([{"key": "Criticality", "value": "high"}]));
    assert_eq!(app.tag("Criticality"), Some("high"));

    // The built-in rules over these items.
    let got = statuses(&rules, items, &prefix);
    let expect = |rule: &str, name: &str, status: Status| {
        assert_eq!(
            got.get(&(rule.to_string(), name.to_string())),
            Some(&status),
            "{rule} on {name}; all findings: {got:#?}"
        );
    };
    expect(
        "iam-user-no-admin-attached",
        &admin_user,
        Status::NonCompliant,
    );
    expect(
        "iam-user-no-admin-attached",
        &inline_user,
        Status::Compliant,
    );
    expect("iam-user-no-admin-attached", &clean_user, Status::Compliant);
    expect("iam-no-admin-policy", &inline_user, Status::NonCompliant);
    expect("iam-no-admin-policy", &admin_user, Status::Compliant);
    expect("iam-no-admin-policy", &clean_user, Status::Compliant);
    expect("iam-no-admin-policy", &admin_policy, Status::NonCompliant);
    expect("iam-no-admin-policy", &narrow_policy, Status::Compliant);
    expect("iam-no-admin-policy", &role, Status::Compliant);
    expect("iam-access-keys-rotated", &admin_user, Status::Compliant);
    expect("iam-access-keys-rotated", &clean_user, Status::Compliant);
    assert!(got.values().all(|s| *s != Status::Error), "{got:#?}");
}

#[tokio::test]
async fn access_keys_are_listed_only_when_a_rule_reads_them() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("access_keys_are_listed_only_when_a_rule_reads_them");
        return;
    };
    let client = aws_sdk_iam::Client::new(&config);
    let prefix = support::unique_name("keys");
    for n in 0..3 {
        let user = format!("{prefix}-{n}");
        client
            .create_user()
            .user_name(&user)
            .send()
            .await
            .expect("create user");
        client
            .create_access_key()
            .user_name(&user)
            .send()
            .await
            .expect("create key");
    }
    let aws = connect(None).await;
    let users_only = ["AWS::IAM::User"];

    let rules = iam_rules();
    let with_keys = plan_for(&rules, Some(&users_only));
    let collected = iam::collect(&aws, &with_keys, &ProgressBar::hidden()).await;
    assert_clean(&collected);
    let users = collected.items.len();
    assert!(users >= 3);
    // One GetAccountAuthorizationDetails page (moto never truncates) and one
    // ListAccessKeys per user.
    assert_eq!(collected.calls, 1 + users, "calls for {users} users");
    for n in 0..3 {
        let user = item(&collected.items, "AWS::IAM::User", &format!("{prefix}-{n}"));
        assert_eq!(
            user.body["configuration"]["accessKeys"][0]["status"],
            "Active"
        );
    }

    let no_key_rules: Vec<Arc<Rule>> = rules
        .iter()
        .filter(|r| r.id != "iam-access-keys-rotated")
        .cloned()
        .collect();
    let without_keys = plan_for(&no_key_rules, Some(&users_only));
    assert!(!without_keys.reads("configuration.accessKeys"));
    let collected = iam::collect(&aws, &without_keys, &ProgressBar::hidden()).await;
    assert_clean(&collected);
    assert_eq!(collected.calls, 1, "no ListAccessKeys without a key rule");
    let user = item(&collected.items, "AWS::IAM::User", &format!("{prefix}-0"));
    assert!(user.body["configuration"].get("accessKeys").is_none());
    assert!(user.unreadable.is_empty());
    // Without key data the rotation rule has nothing to judge.
    let got = statuses(&rules, &collected.items, &prefix);
    assert_eq!(
        got.get(&("iam-access-keys-rotated".to_string(), format!("{prefix}-0"))),
        Some(&Status::NotApplicable)
    );
}

#[tokio::test]
async fn password_policy_and_account_summary() {
    let Some(config) = support::sdk_config().await else {
        support::skipped("password_policy_and_account_summary");
        return;
    };
    let client = aws_sdk_iam::Client::new(&config);
    let prefix = support::unique_name("acct");
    client
        .create_user()
        .user_name(format!("{prefix}-user"))
        .send()
        .await
        .expect("create user");
    let rules = iam_rules();
    let account_types = [
        "AWS::IAM::AccountPasswordPolicy",
        "AWS::IAM::AccountSummary",
    ];
    let plan = plan_for(&rules, Some(&account_types));
    let aws = connect(None).await;
    let engine = Engine::new(&rules, &Settings::default());
    let status_of = |items: &[ConfigItem], rule: &str| {
        engine
            .evaluate(items)
            .into_iter()
            .find(|f| &*f.rule_id == rule)
            .map(|f| f.status)
    };

    // No password policy: an item with nothing in it, and no error.
    if let Err(e) = client.delete_account_password_policy().send().await {
        assert!(
            e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()),
            "{e:?}"
        );
    }
    let collected = iam::collect(&aws, &plan, &ProgressBar::hidden()).await;
    assert_clean(&collected);
    assert_eq!(
        collected.calls, 2,
        "GetAccountPasswordPolicy and GetAccountSummary only"
    );
    let policy = item_by_id(&collected.items, "123456789012-password-policy");
    assert_eq!(policy.resource_type, "AWS::IAM::AccountPasswordPolicy");
    assert_eq!(policy.region.as_deref(), Some("global"));
    assert_eq!(policy.body["configuration"], json!({}));
    assert_eq!(
        status_of(std::slice::from_ref(policy), "iam-password-policy"),
        Some(Status::NonCompliant)
    );

    // A weak policy: 8 characters, no expiry.
    client
        .update_account_password_policy()
        .minimum_password_length(8)
        .require_symbols(true)
        .require_numbers(true)
        .require_uppercase_characters(true)
        .require_lowercase_characters(true)
        .allow_users_to_change_password(true)
        .password_reuse_prevention(24)
        .send()
        .await
        .expect("set password policy");
    let collected = iam::collect(&aws, &plan, &ProgressBar::hidden()).await;
    assert_clean(&collected);
    let policy = item_by_id(&collected.items, "123456789012-password-policy");
    let c = &policy.body["configuration"];
    assert_eq!(c["minimumPasswordLength"], 8);
    assert_eq!(c["requireSymbols"], true);
    assert_eq!(c["requireNumbers"], true);
    assert_eq!(c["requireUppercaseCharacters"], true);
    assert_eq!(c["requireLowercaseCharacters"], true);
    assert_eq!(c["allowUsersToChangePassword"], true);
    assert_eq!(c["passwordReusePrevention"], 24);
    assert_eq!(c["expirePasswords"], false);
    assert!(c.get("maxPasswordAge").is_none(), "{c}");
    assert_eq!(
        status_of(std::slice::from_ref(policy), "iam-password-policy"),
        Some(Status::NonCompliant)
    );

    // A policy meeting every default of the rule.
    client
        .update_account_password_policy()
        .minimum_password_length(14)
        .require_symbols(true)
        .require_numbers(true)
        .require_uppercase_characters(true)
        .require_lowercase_characters(true)
        .max_password_age(90)
        .password_reuse_prevention(24)
        .send()
        .await
        .expect("set password policy");
    let collected = iam::collect(&aws, &plan, &ProgressBar::hidden()).await;
    assert_clean(&collected);
    let policy = item_by_id(&collected.items, "123456789012-password-policy");
    assert_eq!(policy.body["configuration"]["maxPasswordAge"], 90);
    assert_eq!(
        status_of(std::slice::from_ref(policy), "iam-password-policy"),
        Some(Status::Compliant)
    );

    // The summary, under AWS's key names; other tests add users concurrently.
    let summary = item_by_id(&collected.items, "123456789012-account-summary");
    assert_eq!(summary.resource_type, "AWS::IAM::AccountSummary");
    let c = &summary.body["configuration"];
    assert!(c["Users"].as_u64().is_some_and(|n| n >= 1), "{c}");
    assert_eq!(c["AccountAccessKeysPresent"], 0);
    assert!(c["AccountMFAEnabled"].is_number(), "{c}");
    assert_eq!(
        status_of(std::slice::from_ref(summary), "iam-root-no-access-keys"),
        Some(Status::Compliant)
    );

    client
        .delete_account_password_policy()
        .send()
        .await
        .expect("remove the password policy again");
}

fn item_by_id<'a>(items: &'a [ConfigItem], id: &str) -> &'a ConfigItem {
    items
        .iter()
        .find(|i| i.resource_id == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

#[tokio::test]
async fn an_unreachable_endpoint_leaves_every_wanted_type_unlisted() {
    // Needs the dummy credentials scripts/test exports; without them the SDK
    // would search for real ones.
    if support::sdk_config().await.is_none() {
        support::skipped("an_unreachable_endpoint_leaves_every_wanted_type_unlisted");
        return;
    }
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    let aws = connect(Some("http://127.0.0.1:9".into())).await;
    let rules = iam_rules();
    let plan = plan_for(&rules, None);
    let collected = iam::collect(&aws, &plan, &ProgressBar::hidden()).await;
    assert!(collected.items.is_empty());
    let unlisted: BTreeSet<&str> = collected
        .unlisted
        .iter()
        .map(|u| u.resource_type.as_str())
        .collect();
    let wanted: BTreeSet<&str> = plan.types.iter().map(String::as_str).collect();
    assert_eq!(unlisted, wanted);
    assert!(collected.unlisted.iter().all(|u| u.region == "global"));
    // One error per failed call: authorization details, password policy, summary.
    assert_eq!(collected.errors.len(), 3, "{:#?}", collected.errors);
    assert_eq!(collected.calls, 3);
    assert!(collected
        .errors
        .iter()
        .all(|e| e.service == "iam" && e.region == "us-east-1"));
    assert_eq!(
        collected.errors[0].operation,
        "GetAccountAuthorizationDetails"
    );
}
