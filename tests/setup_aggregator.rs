//! `setup --accounts` and `setup --organization` through the binary, against a
//! moto of the test's own (it holds an organisation, which no other test may
//! see): the aggregator collects from the named accounts, then from the whole
//! organisation through a tagged role with AWSConfigRoleForOrganizations;
//! `status` without the flag is clean (the choice is recorded in the
//! manifest), reports the source changed by hand as drift, and `setup`
//! repairs it; `teardown` removes the aggregator and the role. Bad account ids
//! stop setup with exit 2 before any call.

use crate::support;
use crate::support::org::Moto;

use aws_config::Region;
use aws_sdk_config::types::{AccountAggregationSource, Tag};
use serde_json::Value;
use std::process::Output;

const REGION: &str = "eu-west-2";
const SUFFIX: &str = "agg";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr:\n{}", stderr(o)))
}

/// (kind, action) of each step of a setup or teardown report.
fn steps(report: &Value) -> Vec<(String, String)> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap().to_string(),
                s["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Rows of `status --format json` that are not present, with their reasons.
fn not_present(status: &Value) -> Vec<Value> {
    status["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] != "present")
        .cloned()
        .collect()
}

fn kinds(status: &Value) -> Vec<String> {
    status["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn accounts_and_organization_aggregators_are_set_up_checked_repaired_and_torn_down() {
    // setup attaches AWS managed policies, which moto loads only when asked.
    let Some(moto) = Moto::start_with(
        "setup_aggregator",
        &[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")],
    ) else {
        return;
    };
    let members = moto.organisation(2).await;
    let management = moto.management().await;
    let config = aws_sdk_config::Client::from_conf(
        aws_sdk_config::config::Builder::from(&management)
            .region(Region::new(REGION))
            .build(),
    );
    let iam = aws_sdk_iam::Client::new(&management);
    let dir = support::fresh_dir();
    let run = |args: &[&str]| -> Output {
        support::compliance_in(&dir)
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .args(["--region", REGION])
            .args(args)
            .output()
            .expect("binary runs")
    };
    let status = || {
        let o = run(&["status", "--suffix", SUFFIX, "--format", "json"]);
        let code = o.status.code();
        (code, json_of(&o))
    };
    let aggregator = || async {
        config
            .describe_configuration_aggregators()
            .configuration_aggregator_names(format!("compliance-aggregator-{SUFFIX}"))
            .send()
            .await
            .map(|out| out.configuration_aggregators()[0].clone())
    };
    let org_role = format!("compliance-config-org-{SUFFIX}");
    let org_role_arn = format!("arn:aws:iam::{}:role/{org_role}", support::MOTO_ACCOUNT_ID);

    // --accounts: those accounts (sorted), the given regions, no organisation role.
    let listed = format!("{},{}", members[1], members[0]);
    let o = run(&[
        "setup",
        "--suffix",
        SUFFIX,
        "--accounts",
        &listed,
        "--regions",
        "eu-west-2,eu-west-1",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let made = steps(&json_of(&o));
    assert!(
        made.contains(&("config-aggregator".into(), "create".into())),
        "{made:?}"
    );
    assert!(
        !made.iter().any(|(k, _)| k == "iam-org-aggregator-role"),
        "{made:?}"
    );
    let a = aggregator().await.expect("the aggregator exists");
    assert!(a.organization_aggregation_source().is_none());
    let source = &a.account_aggregation_sources()[0];
    assert_eq!(source.account_ids(), members.as_slice());
    let mut regions = source.aws_regions().to_vec();
    regions.sort();
    assert_eq!(regions, ["eu-west-1", "eu-west-2"]);
    // status takes no --accounts: the manifest says what setup was asked for.
    let (code, found) = status();
    assert_eq!(code, Some(0), "{:#?}", not_present(&found));
    assert!(kinds(&found).contains(&"config-aggregator".to_string()));

    // --organization (no --regions: every region) through the stack's role.
    let o = run(&[
        "setup",
        "--suffix",
        SUFFIX,
        "--organization",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let made = steps(&json_of(&o));
    assert!(
        made.contains(&("iam-org-aggregator-role".into(), "create".into())),
        "{made:?}"
    );
    assert!(
        made.contains(&("config-aggregator".into(), "update".into())),
        "{made:?}"
    );
    let a = aggregator().await.expect("the aggregator exists");
    assert!(a.account_aggregation_sources().is_empty(), "{a:?}");
    let org = a.organization_aggregation_source().expect("an org source");
    assert_eq!(org.role_arn(), org_role_arn);
    assert!(org.all_aws_regions(), "{org:?}");
    let role = iam.get_role().role_name(&org_role).send().await.unwrap();
    let tags: Vec<(String, String)> = role
        .role()
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    assert!(tags.contains(&("ManagedBy".into(), "compliance".into())));
    assert!(tags.contains(&("ComplianceSuffix".into(), SUFFIX.into())));
    let attached = iam
        .list_attached_role_policies()
        .role_name(&org_role)
        .send()
        .await
        .unwrap();
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some("arn:aws:iam::aws:policy/service-role/AWSConfigRoleForOrganizations")
    );
    let (code, found) = status();
    assert_eq!(code, Some(0), "{:#?}", not_present(&found));
    assert!(kinds(&found).contains(&"iam-org-aggregator-role".to_string()));

    // Changed by hand to an account source (tags kept): drift, then repaired.
    let our_tags = [("ManagedBy", "compliance"), ("ComplianceSuffix", SUFFIX)]
        .map(|(k, v)| Tag::builder().key(k).value(v).build());
    config
        .put_configuration_aggregator()
        .configuration_aggregator_name(format!("compliance-aggregator-{SUFFIX}"))
        .account_aggregation_sources(
            AccountAggregationSource::builder()
                .account_ids(support::MOTO_ACCOUNT_ID)
                .aws_regions(REGION)
                .build()
                .unwrap(),
        )
        .set_tags(Some(our_tags.to_vec()))
        .send()
        .await
        .expect("put by hand");
    let (code, found) = status();
    assert_eq!(code, Some(1), "drift makes status exit 1");
    let drifted = not_present(&found);
    assert_eq!(drifted.len(), 1, "{drifted:#?}");
    assert_eq!(drifted[0]["kind"], "config-aggregator");
    let reasons = drifted[0]["reasons"].to_string();
    assert!(
        reasons.contains(&format!(
            "source: expected organization, found accounts {}",
            support::MOTO_ACCOUNT_ID
        )) && reasons.contains("regions: expected all regions, found eu-west-2"),
        "{reasons}"
    );
    let o = run(&[
        "setup",
        "--suffix",
        SUFFIX,
        "--organization",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(steps(&json_of(&o)).contains(&("config-aggregator".into(), "update".into())));
    let a = aggregator().await.unwrap();
    assert_eq!(
        a.organization_aggregation_source().map(|o| o.role_arn()),
        Some(org_role_arn.as_str())
    );
    let (code, found) = status();
    assert_eq!(code, Some(0), "{:#?}", not_present(&found));

    // teardown (no flag either): the aggregator, then the role, are gone.
    let o = run(&["teardown", "--suffix", SUFFIX, "--yes", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let removed = steps(&json_of(&o));
    for kind in ["config-aggregator", "iam-org-aggregator-role", "iam-role"] {
        assert!(
            removed.contains(&(kind.into(), "delete".into())),
            "{kind}: {removed:?}"
        );
    }
    assert!(aggregator().await.is_err(), "the aggregator is gone");
    let gone = iam.get_role().role_name(&org_role).send().await;
    assert!(gone.is_err(), "the organisation role is gone");
}

#[test]
fn bad_account_ids_stop_setup_before_any_call() {
    // A closed port: any AWS call would fail with exit 3, not 2.
    for (args, says) in [
        (&["--accounts", "12345"][..], "--accounts: `12345`"),
        (&["--accounts", "111122223333,abc"], "--accounts: `abc`"),
        (
            &["--accounts", "111122223333", "--organization"],
            "cannot be used with",
        ),
    ] {
        let o = support::compliance()
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .args(["--region", REGION, "setup", "--suffix", SUFFIX])
            .args(args)
            .output()
            .expect("binary runs");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
}
