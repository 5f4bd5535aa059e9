//! The resource-type registry: the one list of the AWS Config resource types this
//! tool knows, and everything the rest of the code needs to know about each.
//!
//! Before it existed, that knowledge was copied into half a dozen lists (known
//! types, `--resources` kinds, the collectors' job table, setup's recorder, the
//! Config rules' scope, tests) that drifted apart: `--resources cfn` selected a
//! type no collector read, so a live scan said nothing at all. Now every one of
//! those places asks this table, and the unit tests below check it is coherent
//! (every kind resolves, every collected type has a kind).
//!
//! Per type: its AWS Config name with AWS's casing, the `--resources` kinds it
//! belongs to, its service, the configuration fields that give the item's id,
//! name and ARN (for items that arrive without them), whether setup's Config
//! recorder records it, which live collector reads it (none: a live scan reports
//! `error` for its rules instead of saying nothing), whether its items are filed
//! under the region `global`, and the configuration keys that identify it in a
//! `select_resource_config` result that did not select `resourceType`.

use std::collections::BTreeSet;

// The types the collectors build, by name, so that code says `EC2_VOLUME`
// rather than spelling the type again.
pub const EC2_SECURITY_GROUP: &str = "AWS::EC2::SecurityGroup";
pub const EC2_INSTANCE: &str = "AWS::EC2::Instance";
pub const EC2_VOLUME: &str = "AWS::EC2::Volume";
pub const RDS_DB_INSTANCE: &str = "AWS::RDS::DBInstance";
pub const IAM_USER: &str = "AWS::IAM::User";
pub const IAM_ROLE: &str = "AWS::IAM::Role";
pub const IAM_POLICY: &str = "AWS::IAM::Policy";
pub const IAM_GROUP: &str = "AWS::IAM::Group";
pub const CFN_STACK: &str = "AWS::CloudFormation::Stack";
pub const S3_BUCKET: &str = "AWS::S3::Bucket";
pub const IAM_ACCOUNT_PASSWORD_POLICY: &str = "AWS::IAM::AccountPasswordPolicy";
pub const IAM_ACCOUNT_SUMMARY: &str = "AWS::IAM::AccountSummary";

/// What the tool knows about one AWS Config resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeInfo {
    /// The Config name, with AWS's casing: `AWS::S3::Bucket`.
    pub config_type: &'static str,
    /// The `--resources` kinds that select it (`ec2` and `sg` for security groups).
    pub kinds: &'static [&'static str],
    /// The service, lower case, as findings and scores group it.
    pub service: &'static str,
    /// The `configuration` field holding the item's `resourceId`.
    pub id_field: Option<&'static str>,
    /// The `configuration` field holding the item's `resourceName`.
    pub name_field: Option<&'static str>,
    /// Where the item's ARN comes from when it carries none.
    pub arn: Arn,
    /// Setup's Config recorder records it: a type AWS Config supports that the
    /// built-in catalogue judges. Our synthetic IAM account types are not.
    pub recorded: bool,
    /// The live collector that reads it (`ec2`, `s3`, `rds`, `iam`,
    /// `cloudformation`), or none.
    pub collector: Option<&'static str>,
    /// Items are filed under the region `global` (IAM), not a real region.
    pub global: bool,
    /// Keys that identify the type in an item without `resourceType`: any of
    /// the groups, each group needing all of its paths (`configuration.x` or
    /// `supplementaryConfiguration.X`). The first type in table order that
    /// matches wins, so the table lists the more specific shapes first.
    pub shape: &'static [&'static [&'static str]],
}

/// How an item's ARN is derived when the item carries none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arn {
    /// From this `configuration` field.
    Field(&'static str),
    /// From a template over `{region}`, `{account}`, `{id}` and `{name}` (the
    /// name, else the id); a template needing a region or account the item
    /// lacks gives no ARN rather than a malformed one.
    Template(&'static str),
    /// From `configuration.arn`, when present.
    Generic,
}

/// A `--resources` kind and what it covers, for help and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub name: &'static str,
    pub about: &'static str,
}

/// The kinds `--resources` accepts, in the order help and errors list them.
pub const KINDS: &[Kind] = &[
    Kind {
        name: "ec2",
        about: "instances, security groups and EBS volumes",
    },
    Kind {
        name: "sg",
        about: "security groups",
    },
    Kind {
        name: "ebs",
        about: "EBS volumes",
    },
    Kind {
        name: "s3",
        about: "buckets and the account's public access block",
    },
    Kind {
        name: "rds",
        about: "DB instances and clusters",
    },
    Kind {
        name: "iam",
        about: "users, roles, groups, policies and the account's password policy and summary",
    },
    Kind {
        name: "cfn",
        about: "CloudFormation stacks",
    },
];

const fn ty(config_type: &'static str, service: &'static str) -> TypeInfo {
    TypeInfo {
        config_type,
        kinds: &[],
        service,
        id_field: None,
        name_field: None,
        arn: Arn::Generic,
        recorded: false,
        collector: None,
        global: false,
        shape: &[],
    }
}

/// Every type the tool knows. Order matters for shape inference only (see
/// [`TypeInfo::shape`]).
pub const TYPES: &[TypeInfo] = &[
    TypeInfo {
        kinds: &["ec2", "sg"],
        id_field: Some("groupId"),
        name_field: Some("groupName"),
        arn: Arn::Template("arn:aws:ec2:{region}:{account}:security-group/{id}"),
        recorded: true,
        collector: Some("ec2"),
        shape: &[
            &["configuration.ipPermissions"],
            &["configuration.ipPermissionsEgress"],
            &["configuration.groupId", "configuration.vpcId"],
        ],
        ..ty(EC2_SECURITY_GROUP, "ec2")
    },
    TypeInfo {
        kinds: &["ec2"],
        id_field: Some("instanceId"),
        arn: Arn::Template("arn:aws:ec2:{region}:{account}:instance/{id}"),
        recorded: true,
        collector: Some("ec2"),
        shape: &[&["configuration.instanceId"]],
        ..ty(EC2_INSTANCE, "ec2")
    },
    TypeInfo {
        kinds: &["ec2", "ebs"],
        id_field: Some("volumeId"),
        arn: Arn::Template("arn:aws:ec2:{region}:{account}:volume/{id}"),
        recorded: true,
        collector: Some("ec2"),
        shape: &[&["configuration.volumeId"]],
        ..ty(EC2_VOLUME, "ec2")
    },
    TypeInfo {
        kinds: &["rds"],
        id_field: Some("dbiResourceId"),
        name_field: Some("dBInstanceIdentifier"),
        arn: Arn::Field("dBInstanceArn"),
        recorded: true,
        collector: Some("rds"),
        shape: &[
            &["configuration.dBInstanceIdentifier"],
            &["configuration.dbiResourceId"],
        ],
        ..ty(RDS_DB_INSTANCE, "rds")
    },
    TypeInfo {
        kinds: &["iam"],
        id_field: Some("userId"),
        name_field: Some("userName"),
        recorded: true,
        collector: Some("iam"),
        global: true,
        shape: &[&["configuration.userId"], &["configuration.userPolicyList"]],
        ..ty(IAM_USER, "iam")
    },
    TypeInfo {
        kinds: &["iam"],
        id_field: Some("roleId"),
        name_field: Some("roleName"),
        recorded: true,
        collector: Some("iam"),
        global: true,
        shape: &[
            &["configuration.roleId"],
            &["configuration.assumeRolePolicyDocument"],
            &["configuration.rolePolicyList"],
        ],
        ..ty(IAM_ROLE, "iam")
    },
    TypeInfo {
        kinds: &["iam"],
        id_field: Some("policyId"),
        name_field: Some("policyName"),
        recorded: true,
        collector: Some("iam"),
        global: true,
        shape: &[
            &["configuration.policyVersionList"],
            &["configuration.policyId"],
        ],
        ..ty(IAM_POLICY, "iam")
    },
    TypeInfo {
        kinds: &["iam"],
        id_field: Some("groupId"),
        name_field: Some("groupName"),
        recorded: true,
        collector: Some("iam"),
        global: true,
        shape: &[&["configuration.groupPolicyList"]],
        ..ty(IAM_GROUP, "iam")
    },
    TypeInfo {
        kinds: &["cfn"],
        id_field: Some("stackId"),
        name_field: Some("stackName"),
        arn: Arn::Field("stackId"),
        recorded: true,
        collector: Some("cloudformation"),
        shape: &[&["configuration.stackId"], &["configuration.stackStatus"]],
        ..ty(CFN_STACK, "cloudformation")
    },
    TypeInfo {
        kinds: &["s3"],
        id_field: Some("name"),
        name_field: Some("name"),
        arn: Arn::Template("arn:aws:s3:::{name}"),
        recorded: true,
        collector: Some("s3"),
        shape: &[
            &["supplementaryConfiguration.AccessControlList"],
            &["supplementaryConfiguration.BucketVersioningConfiguration"],
            &["supplementaryConfiguration.ServerSideEncryptionConfiguration"],
            &["supplementaryConfiguration.BucketPolicy"],
            &["supplementaryConfiguration.BucketLifecycleConfiguration"],
            &["supplementaryConfiguration.PublicAccessBlockConfiguration"],
            &[
                "configuration.name",
                "configuration.creationDate",
                "configuration.owner",
            ],
        ],
        ..ty(S3_BUCKET, "s3")
    },
    TypeInfo {
        kinds: &["s3"],
        ..ty("AWS::S3::AccountPublicAccessBlock", "s3")
    },
    TypeInfo {
        kinds: &["rds"],
        ..ty("AWS::RDS::DBCluster", "rds")
    },
    TypeInfo {
        kinds: &["iam"],
        collector: Some("iam"),
        global: true,
        ..ty(IAM_ACCOUNT_PASSWORD_POLICY, "iam")
    },
    TypeInfo {
        kinds: &["iam"],
        collector: Some("iam"),
        global: true,
        ..ty(IAM_ACCOUNT_SUMMARY, "iam")
    },
    ty("AWS::EC2::VPC", "ec2"),
    ty("AWS::EC2::Subnet", "ec2"),
    ty("AWS::EC2::NetworkInterface", "ec2"),
    ty("AWS::EC2::EIP", "ec2"),
    ty("AWS::SNS::Topic", "sns"),
    ty("AWS::KMS::Key", "kms"),
];

/// An unknown `--resources` kind, with the kinds that exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown resource kind `{kind}` (valid kinds: {})", valid.join(", "))]
pub struct UnknownKind {
    pub kind: String,
    pub valid: Vec<&'static str>,
}

/// The entry of a type, whatever its casing.
pub fn lookup(resource_type: &str) -> Option<&'static TypeInfo> {
    TYPES
        .iter()
        .find(|t| t.config_type.eq_ignore_ascii_case(resource_type))
}

/// Every known type, in table order.
pub fn known_types() -> impl Iterator<Item = &'static str> {
    TYPES.iter().map(|t| t.config_type)
}

/// AWS's casing of a known type (`AWS::EC2::VOLUME` → `AWS::EC2::Volume`, as
/// documentation examples misspell it); anything else unchanged.
pub fn canonical_type(resource_type: &str) -> String {
    lookup(resource_type)
        .map(|t| t.config_type.to_string())
        .unwrap_or_else(|| resource_type.to_string())
}

/// The names of every `--resources` kind.
pub fn all_kinds() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.name).collect()
}

/// The types a `--resources` kind selects, whatever its casing or spacing.
pub fn types_of_kind(kind: &str) -> Result<Vec<&'static str>, UnknownKind> {
    let wanted = kind.trim();
    let known = KINDS
        .iter()
        .find(|k| k.name.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| UnknownKind {
            kind: wanted.to_string(),
            valid: all_kinds(),
        })?;
    Ok(TYPES
        .iter()
        .filter(|t| t.kinds.contains(&known.name))
        .map(|t| t.config_type)
        .collect())
}

/// The types a whole `--resources` list selects; the first unknown kind is an error.
pub fn types_of_kinds<S: AsRef<str>>(
    kinds: impl IntoIterator<Item = S>,
) -> Result<BTreeSet<&'static str>, UnknownKind> {
    let mut out = BTreeSet::new();
    for kind in kinds {
        out.extend(types_of_kind(kind.as_ref())?);
    }
    Ok(out)
}

/// The types setup's Config recorder records, in table order.
pub fn recorded_types() -> Vec<&'static str> {
    TYPES
        .iter()
        .filter(|t| t.recorded)
        .map(|t| t.config_type)
        .collect()
}

/// The live collector that reads a type, if any.
pub fn collector_of(resource_type: &str) -> Option<&'static str> {
    lookup(resource_type).and_then(|t| t.collector)
}

/// The types a live collector reads, in table order.
pub fn types_read_by(collector: &str) -> Vec<&'static str> {
    TYPES
        .iter()
        .filter(|t| t.collector == Some(collector))
        .map(|t| t.config_type)
        .collect()
}

/// Every collector id the table names, each once.
pub fn collectors() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for c in TYPES.iter().filter_map(|t| t.collector) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The service of a type, lower case: the registry's, else the middle part of
/// the name (`AWS::Lambda::Function` → `lambda`).
pub fn service_of(resource_type: &str) -> String {
    if let Some(t) = lookup(resource_type) {
        return t.service.to_string();
    }
    let mut parts = resource_type.split("::");
    match (parts.next(), parts.next()) {
        (Some(_), Some(service)) => service.to_ascii_lowercase(),
        _ => resource_type.to_ascii_lowercase(),
    }
}

/// The first known type whose shape the item has; `has` answers whether a path
/// (`configuration.x`, `supplementaryConfiguration.X`) is present.
pub fn infer_type(has: impl Fn(&str) -> bool) -> Option<&'static str> {
    TYPES
        .iter()
        .find(|t| {
            t.shape
                .iter()
                .any(|group| !group.is_empty() && group.iter().all(|p| has(p)))
        })
        .map(|t| t.config_type)
}

impl TypeInfo {
    /// The ARN an item of this type has by its template, when it has one and the
    /// parts it needs are known. `name` falls back to `id`.
    pub fn arn_from_template(
        &self,
        region: &str,
        account: &str,
        id: &str,
        name: Option<&str>,
    ) -> Option<String> {
        let Arn::Template(template) = self.arn else {
            return None;
        };
        if (template.contains("{region}") && region.is_empty())
            || (template.contains("{account}") && account.is_empty())
        {
            return None;
        }
        Some(
            template
                .replace("{region}", region)
                .replace("{account}", account)
                .replace("{id}", id)
                .replace("{name}", name.unwrap_or(id)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_resolves_to_types() {
        for kind in all_kinds() {
            let types = types_of_kind(kind).unwrap();
            assert!(!types.is_empty(), "kind {kind} selects no type");
        }
        assert_eq!(
            types_of_kind(" EC2 ").unwrap(),
            vec![
                "AWS::EC2::SecurityGroup",
                "AWS::EC2::Instance",
                "AWS::EC2::Volume"
            ]
        );
        assert_eq!(
            types_of_kind("sg").unwrap(),
            vec!["AWS::EC2::SecurityGroup"]
        );
        assert_eq!(
            types_of_kind("cfn").unwrap(),
            vec!["AWS::CloudFormation::Stack"]
        );
        // Every kind a type names is one `--resources` accepts.
        for t in TYPES {
            for k in t.kinds {
                assert!(all_kinds().contains(k), "{}: kind {k}", t.config_type);
            }
        }
    }

    #[test]
    fn every_collected_type_has_a_kind() {
        for t in TYPES.iter().filter(|t| t.collector.is_some()) {
            assert!(
                !t.kinds.is_empty(),
                "{} is collected but no --resources kind selects it",
                t.config_type
            );
        }
        assert_eq!(
            collectors(),
            vec!["ec2", "rds", "iam", "cloudformation", "s3"]
        );
        assert_eq!(
            collector_of("AWS::CloudFormation::Stack"),
            Some("cloudformation")
        );
        assert_eq!(collector_of("aws::s3::bucket"), Some("s3"));
        assert_eq!(collector_of("AWS::SNS::Topic"), None);
        assert_eq!(collector_of("AWS::Lambda::Function"), None);
        assert_eq!(
            types_read_by("ec2"),
            vec![
                "AWS::EC2::SecurityGroup",
                "AWS::EC2::Instance",
                "AWS::EC2::Volume"
            ]
        );
    }

    #[test]
    fn canonical_casing() {
        assert_eq!(canonical_type("AWS::EC2::VOLUME"), "AWS::EC2::Volume");
        assert_eq!(canonical_type("aws::iam::user"), "AWS::IAM::User");
        assert_eq!(
            canonical_type("AWS::Lambda::Function"),
            "AWS::Lambda::Function"
        );
        // No two entries differ only in casing, and each is written once.
        let mut seen = BTreeSet::new();
        for t in known_types() {
            assert!(seen.insert(t.to_ascii_lowercase()), "{t} listed twice");
            assert_eq!(canonical_type(t), t);
        }
    }

    #[test]
    fn unknown_kind_names_the_valid_ones() {
        let err = types_of_kinds(["ec2", "lambda"]).unwrap_err();
        assert_eq!(err.kind, "lambda");
        let text = err.to_string();
        assert!(text.contains("`lambda`"), "{text}");
        for kind in ["ec2", "sg", "ebs", "s3", "rds", "iam", "cfn"] {
            assert!(text.contains(kind), "{text} lacks {kind}");
        }
        assert_eq!(
            types_of_kinds(["sg", "ebs"]).unwrap(),
            BTreeSet::from(["AWS::EC2::SecurityGroup", "AWS::EC2::Volume"])
        );
    }

    #[test]
    fn recorded_types_are_real_config_types_the_catalogue_judges() {
        let recorded = recorded_types();
        assert_eq!(recorded.len(), 10, "{recorded:?}");
        assert!(recorded.contains(&"AWS::CloudFormation::Stack"));
        assert!(!recorded.contains(&"AWS::IAM::AccountPasswordPolicy"));
        assert!(!recorded.contains(&"AWS::IAM::AccountSummary"));
    }

    #[test]
    fn services_arns_and_shapes() {
        assert_eq!(service_of("AWS::CloudFormation::Stack"), "cloudformation");
        assert_eq!(service_of("AWS::Lambda::Function"), "lambda");
        assert_eq!(service_of("odd"), "odd");
        let volume = lookup("AWS::EC2::Volume").unwrap();
        assert_eq!(
            volume.arn_from_template("eu-west-1", "123456789012", "vol-1", None),
            Some("arn:aws:ec2:eu-west-1:123456789012:volume/vol-1".into())
        );
        assert_eq!(volume.arn_from_template("", "1", "vol-1", None), None);
        let bucket = lookup("AWS::S3::Bucket").unwrap();
        assert_eq!(
            bucket.arn_from_template("", "", "b", Some("name")),
            Some("arn:aws:s3:::name".into())
        );
        let has = |paths: &'static [&'static str]| move |p: &str| paths.contains(&p);
        assert_eq!(
            infer_type(has(&["configuration.groupId", "configuration.vpcId"])),
            Some("AWS::EC2::SecurityGroup")
        );
        assert_eq!(
            infer_type(has(&[
                "configuration.groupId",
                "configuration.groupPolicyList"
            ])),
            Some("AWS::IAM::Group")
        );
        assert_eq!(
            infer_type(has(&["supplementaryConfiguration.BucketPolicy"])),
            Some("AWS::S3::Bucket")
        );
        assert_eq!(infer_type(has(&["configuration.groupId"])), None);
    }
}
