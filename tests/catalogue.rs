//! The built-in catalogue: the rule ids the product promises, each documented,
//! mapped to its AWS managed Config rule where one exists, and each with inline
//! tests that pass (the same tests `compliance rules test` runs).

use compliance::core::catalogue::{run_tests, Catalogue, RuleSource};
use compliance::core::finding::Status;

fn catalogue() -> Catalogue {
    Catalogue::load(&[RuleSource {
        files: compliance::embedded::rule_files(),
    }])
    .unwrap_or_else(|errors| panic!("built-in rules invalid: {errors:#?}"))
}

const PROMISED: &[(&str, Option<&str>)] = &[
    ("ec2-instance-type-approved", Some("DESIRED_INSTANCE_TYPE")),
    ("ec2-ami-approved", Some("APPROVED_AMIS_BY_ID")),
    ("ec2-required-tags", Some("REQUIRED_TAGS")),
    ("ec2-imdsv2-required", Some("EC2_IMDSV2_CHECK")),
    ("ec2-volume-encrypted", Some("ENCRYPTED_VOLUMES")),
    ("sg-no-world-open-ssh", Some("INCOMING_SSH_DISABLED")),
    ("sg-no-world-open-rdp", Some("RESTRICTED_INCOMING_TRAFFIC")),
    (
        "sg-no-world-open-db-ports",
        Some("RESTRICTED_INCOMING_TRAFFIC"),
    ),
    (
        "s3-default-encryption",
        Some("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"),
    ),
    ("s3-kms-encryption", Some("S3_DEFAULT_ENCRYPTION_KMS")),
    (
        "s3-versioning-enabled",
        Some("S3_BUCKET_VERSIONING_ENABLED"),
    ),
    (
        "s3-public-access-blocked",
        Some("S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"),
    ),
    ("s3-tls-only", Some("S3_BUCKET_SSL_REQUESTS_ONLY")),
    (
        "s3-no-public-read",
        Some("S3_BUCKET_PUBLIC_READ_PROHIBITED"),
    ),
    ("s3-lifecycle-configured", Some("S3_LIFECYCLE_POLICY_CHECK")),
    ("rds-backup-enabled", Some("DB_INSTANCE_BACKUP_ENABLED")),
    ("rds-storage-encrypted", Some("RDS_STORAGE_ENCRYPTED")),
    ("rds-not-public", Some("RDS_INSTANCE_PUBLIC_ACCESS_CHECK")),
    (
        "rds-deletion-protection",
        Some("RDS_INSTANCE_DELETION_PROTECTION_ENABLED"),
    ),
    (
        "iam-no-admin-policy",
        Some("IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS"),
    ),
    ("iam-user-no-admin-attached", None),
    ("iam-password-policy", Some("IAM_PASSWORD_POLICY")),
    ("iam-access-keys-rotated", Some("ACCESS_KEYS_ROTATED")),
    ("iam-root-no-access-keys", Some("IAM_ROOT_ACCESS_KEY_CHECK")),
    (
        "cfn-stack-no-drift",
        Some("CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK"),
    ),
];

#[test]
fn promised_rules_exist_with_their_config_mapping() {
    let c = catalogue();
    for (id, identifier) in PROMISED {
        let rule = c.get(id).unwrap_or_else(|| panic!("rule {id} missing"));
        assert_eq!(
            rule.config_rule.as_ref().map(|r| r.identifier.as_str()),
            *identifier,
            "{id}: AWS Config mapping"
        );
        assert!(!rule.frameworks.is_empty(), "{id}: framework tags");
    }
}

#[test]
fn every_rule_has_passing_compliant_and_non_compliant_tests() {
    let c = catalogue();
    let mut failures = Vec::new();
    for rule in c.rules() {
        let expects: Vec<Status> = rule.tests.iter().map(|t| t.expect).collect();
        assert!(
            expects.contains(&Status::Compliant),
            "{}: no compliant test",
            rule.id
        );
        assert!(
            expects.contains(&Status::NonCompliant),
            "{}: no non_compliant test",
            rule.id
        );
        for result in run_tests(&rule) {
            if !result.passed() {
                failures.push(format!(
                    "{}:{} {}: expected {}, got {} ({})",
                    result.file,
                    result.line,
                    result.name,
                    result.expected,
                    result.actual,
                    result.detail
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "failing inline tests:\n{}",
        failures.join("\n")
    );
}

#[test]
fn rule_files_sit_in_their_service_folder() {
    for (path, _) in compliance::embedded::rule_files() {
        let parts: Vec<&str> = path
            .trim_start_matches("embedded:rules/")
            .split('/')
            .collect();
        assert_eq!(parts.len(), 2, "{path}: rules/<service>/<id>.toml");
        assert!(
            parts[1].starts_with(&format!("{}-", parts[0])),
            "{path}: the id starts with its folder"
        );
    }
}
