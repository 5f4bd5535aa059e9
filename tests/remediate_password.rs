//! `iam-set-password-policy` against a moto of the test's own: the account
//! password policy is one per account and tests/live_iam.rs owns the shared
//! server's, so this test needs a server nobody else writes to. A weak policy
//! with one setting stricter than the rule asks (a 30-day maximum age against
//! the rule's 90): the plan changes nothing, `--yes` sets the rule's values
//! and keeps the stricter one, a scan then finds the policy compliant, and
//! the rollback restores the original policy field for field.

use crate::support;
use crate::support::org::Moto;

use aws_sdk_iam::types::PasswordPolicy;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Output;

const RULE: &str = "iam-password-policy";

fn run(dir: &Path, moto: &Moto, args: &[&str]) -> Output {
    support::compliance_in(dir)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(args)
        .output()
        .expect("run compliance")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            stderr(o)
        )
    })
}

/// The one change of a run document, for the password policy rule.
fn the_change(run: &Value) -> &Value {
    let changes: Vec<&Value> = run["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["rule_id"] == RULE)
        .collect();
    assert_eq!(changes.len(), 1, "{run:#}");
    changes[0]
}

async fn policy(iam: &aws_sdk_iam::Client) -> PasswordPolicy {
    iam.get_account_password_policy()
        .send()
        .await
        .expect("GetAccountPasswordPolicy")
        .password_policy
        .expect("a password policy")
}

#[tokio::test(flavor = "multi_thread")]
async fn password_policy_is_planned_applied_keeping_stricter_values_and_rolled_back() {
    let Some(moto) = Moto::start("remediate_password") else {
        return;
    };
    let iam = aws_sdk_iam::Client::new(&moto.management().await);
    // Weak everywhere except the maximum age, which is stricter than the rule's 90.
    iam.update_account_password_policy()
        .minimum_password_length(8)
        .require_uppercase_characters(true)
        .require_lowercase_characters(false)
        .require_symbols(false)
        .require_numbers(false)
        .max_password_age(30)
        .password_reuse_prevention(5)
        .allow_users_to_change_password(false)
        .hard_expiry(true)
        .send()
        .await
        .expect("seed the password policy");
    let original = policy(&iam).await;
    assert_eq!(original.max_password_age(), Some(30), "{original:?}");
    assert_eq!(
        original.password_reuse_prevention(),
        Some(5),
        "{original:?}"
    );
    let dir = support::fresh_dir();

    // Plan: the change shown with its exact before and after, nothing changed.
    let o = run(
        &dir,
        &moto,
        &["remediate", "--rule", RULE, "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan = json_of(&o);
    assert_eq!(plan["mode"], "plan");
    let change = the_change(&plan);
    assert_eq!(change["status"], "planned", "{change:#}");
    assert_eq!(change["action"], "iam-set-password-policy");
    assert_eq!(change["risk"], "safe");
    assert_eq!(change["reversible"], true);
    assert_eq!(change["before"]["minimumPasswordLength"], 8);
    assert_eq!(change["before"]["maxPasswordAge"], 30);
    assert_eq!(
        change["after"],
        json!({
            "minimumPasswordLength": 14,
            "requireUppercaseCharacters": true,
            "requireLowercaseCharacters": true,
            "requireSymbols": true,
            "requireNumbers": true,
            "maxPasswordAge": 30,
            "passwordReusePrevention": 24,
            "allowUsersToChangePassword": false,
            "hardExpiry": true,
        })
    );
    assert_eq!(policy(&iam).await, original, "a plan changed the policy");

    // --yes: the action is safe, so it is applied and verified.
    let o = run(
        &dir,
        &moto,
        &["remediate", "--rule", RULE, "--yes", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let applied = json_of(&o);
    assert_eq!(applied["mode"], "apply");
    assert_eq!(the_change(&applied)["status"], "verified", "{applied:#}");
    let fixed = policy(&iam).await;
    assert_eq!(fixed.minimum_password_length(), Some(14));
    assert!(fixed.require_uppercase_characters());
    assert!(fixed.require_lowercase_characters());
    assert!(fixed.require_symbols());
    assert!(fixed.require_numbers());
    assert_eq!(
        fixed.max_password_age(),
        Some(30),
        "the stricter existing maximum age is kept, not loosened to the rule's 90"
    );
    assert_eq!(fixed.password_reuse_prevention(), Some(24));
    assert!(!fixed.allow_users_to_change_password());
    assert_eq!(fixed.hard_expiry(), Some(true));

    // A scan of the rule now finds the policy compliant.
    let o = run(
        &dir,
        &moto,
        &[
            "scan",
            "--rule",
            RULE,
            "--resources",
            "iam",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--no-history",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let scan = json_of(&o);
    let outcomes: Vec<&Value> = scan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == RULE)
        .map(|f| &f["status"])
        .collect();
    assert_eq!(outcomes, [&json!("compliant")], "{scan:#}");

    // Rollback: planned first (nothing changes), then applied: the original back.
    let id = applied["run_id"].as_str().expect("a run id");
    let o = run(
        &dir,
        &moto,
        &["remediate", "--rollback", id, "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json_of(&o)["mode"], "rollback");
    assert_eq!(
        policy(&iam).await,
        fixed,
        "a rollback plan changed the policy"
    );
    let o = run(
        &dir,
        &moto,
        &["remediate", "--rollback", id, "--yes", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rolled = json_of(&o);
    assert_eq!(rolled["rollback_of"], id);
    assert_eq!(the_change(&rolled)["status"], "rolled_back", "{rolled:#}");
    assert_eq!(policy(&iam).await, original);
}
