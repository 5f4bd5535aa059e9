//! AWS Config's part of the stack as plain values, and the pure comparison of
//! what exists with what the spec wants: the recorder, the delivery channel,
//! the managed rules and the aggregator. The adapter (`src/aws/provision/config.rs`)
//! only reads AWS into these structs and applies the changes; everything that
//! decides *what* differs lives here and is unit-tested without AWS.

use crate::plan::Change;
use crate::stack::{AggregatorScope, ManagedRule, StackSpec};
use std::collections::{BTreeMap, BTreeSet};

/// The owner of AWS managed rules.
pub const AWS_OWNER: &str = "AWS";
/// Config states in which a rule is on its way out.
pub const DELETING_STATES: [&str; 2] = ["DELETING", "DELETING_RESULTS"];

/// `(none)` for an empty value, so a reason never reads "found ,".
pub fn or_none(text: &str) -> String {
    if text.is_empty() {
        "(none)".into()
    } else {
        text.to_string()
    }
}

/// Sorted and without repeats: the order AWS lists types in carries no meaning.
pub fn sorted(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let set: BTreeSet<String> = items.into_iter().collect();
    set.into_iter().collect()
}

/// The changes' reasons, as `status` shows them.
pub fn reasons(diffs: &[Change]) -> Vec<String> {
    diffs.iter().map(Change::reason).collect()
}

#[derive(Debug, Clone)]
pub struct Recorder {
    pub name: String,
    pub role_arn: String,
    pub all_supported: bool,
    pub include_global: bool,
    pub types: Vec<String>,
    pub recording: bool,
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub name: String,
    pub bucket: String,
    pub prefix: String,
    pub topic: String,
    pub frequency: String,
}

#[derive(Debug, Clone)]
pub struct FoundRule {
    pub name: String,
    pub arn: String,
    pub owner: String,
    pub identifier: String,
    pub parameters: BTreeMap<String, String>,
    pub frequency: Option<String>,
    pub scope_types: Vec<String>,
    pub state: String,
}

impl FoundRule {
    pub fn deleting(&self) -> bool {
        DELETING_STATES.contains(&self.state.as_str())
    }
}

/// An aggregator as read, or as the spec wants it ([`wanted_aggregator`]):
/// account-based (`account_ids`) or organisation-wide (`organization`, with
/// the role Config assumes), over `regions` or every region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aggregator {
    pub arn: String,
    pub account_ids: Vec<String>,
    pub regions: Vec<String>,
    pub all_regions: bool,
    pub organization: bool,
    /// The organisation source's role; empty for an account-based aggregator.
    pub role_arn: String,
}

/// The aggregator the spec describes: this account over `--regions`; the
/// `--accounts` over `--regions` or every region; or the organisation
/// through the stack's role, over `--regions` or every region.
pub fn wanted_aggregator(spec: &StackSpec) -> Aggregator {
    let regions = sorted(spec.aggregator_regions.iter().cloned());
    let all_regions = regions.is_empty();
    match &spec.aggregator_scope {
        AggregatorScope::Account => Aggregator {
            account_ids: vec![spec.account.clone()],
            regions,
            ..Aggregator::default()
        },
        AggregatorScope::Accounts(ids) => Aggregator {
            account_ids: sorted(ids.iter().cloned()),
            regions,
            all_regions,
            ..Aggregator::default()
        },
        AggregatorScope::Organization => Aggregator {
            regions,
            all_regions,
            organization: true,
            role_arn: spec.org_role_arn(),
            ..Aggregator::default()
        },
    }
}

/// Where an aggregator's data comes from, as `status` says it.
pub fn source_text(a: &Aggregator) -> String {
    if a.organization {
        "organization".into()
    } else {
        format!("accounts {}", or_none(&a.account_ids.join(",")))
    }
}

fn regions_text(a: &Aggregator) -> String {
    if a.all_regions {
        "all regions".into()
    } else {
        or_none(&a.regions.join(","))
    }
}

/// Settings of a recorder of ours that differ (recording status aside).
pub fn recorder_diffs(spec: &StackSpec, types: &[String], r: &Recorder) -> Vec<Change> {
    let mut out = Vec::new();
    let role = spec.role_arn();
    if r.role_arn != role {
        out.push(Change::wanted("role", role, or_none(&r.role_arn)));
    }
    if r.all_supported {
        out.push(Change::wanted("allSupported", "false", "true"));
    }
    if r.include_global {
        out.push(Change::wanted(
            "includeGlobalResourceTypes",
            "false",
            "true",
        ));
    }
    if r.types != types {
        out.push(Change::wanted(
            "resource types",
            types.join(","),
            or_none(&r.types.join(",")),
        ));
    }
    out
}

pub fn channel_diffs(spec: &StackSpec, c: &Channel) -> Vec<Change> {
    let mut out = Vec::new();
    if c.bucket != spec.names().bucket {
        out.push(Change::wanted(
            "bucket",
            &spec.names().bucket,
            or_none(&c.bucket),
        ));
    }
    let frequency = spec.frequency.as_config();
    if c.frequency != frequency {
        out.push(Change::wanted(
            "snapshot delivery frequency",
            frequency,
            or_none(&c.frequency),
        ));
    }
    if !c.prefix.is_empty() {
        out.push(Change::wanted("S3 key prefix", "(none)", &c.prefix));
    }
    if !c.topic.is_empty() {
        out.push(Change::wanted("SNS topic", "(none)", &c.topic));
    }
    out
}

/// What a change to the recorder is applied with: PutConfigurationRecorder
/// with setup's settings (ours), StartConfigurationRecorder (ours, and only
/// once the delivery channel exists), or PutConfigurationRecorder keeping
/// someone else's settings and adding our types (`--adopt-recorder`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecorderPart {
    Put,
    Start,
    Extend,
}

/// How a recorder of ours differs from the spec, recording included.
pub fn recorder_changes(
    spec: &StackSpec,
    types: &[String],
    r: &Recorder,
) -> Vec<crate::plan::Planned<RecorderPart>> {
    use crate::plan::Planned;
    let mut out: Vec<Planned<RecorderPart>> = recorder_diffs(spec, types, r)
        .into_iter()
        .map(|c| Planned::new(RecorderPart::Put, c))
        .collect();
    if !r.recording {
        out.push(Planned::new(
            RecorderPart::Start,
            Change::new("recording", "stopped", "started"),
        ));
    }
    out
}

/// The types of `wanted` someone else's recorder does not record (none when
/// it records everything supported).
pub fn missing_types<'w>(wanted: &'w [String], r: &Recorder) -> Vec<&'w str> {
    if r.all_supported {
        return Vec::new();
    }
    wanted
        .iter()
        .filter(|t| !r.types.contains(t))
        .map(String::as_str)
        .collect()
}

/// What reusing someone else's recorder means: it is left by teardown, never
/// started, and its recording group is changed only with `--adopt-recorder`,
/// which adds the types it lacks (never removes one).
pub fn recorder_adoption(
    spec: &StackSpec,
    types: &[String],
    r: &Recorder,
) -> crate::plan::Adoption<RecorderPart> {
    let missing = missing_types(types, r).join(", ");
    let mut adoption = crate::plan::Adoption::default();
    adoption.detail.push(format!(
        "existing recorder {} is reused and will be left by teardown",
        r.name
    ));
    if spec.adopt_recorder && !missing.is_empty() {
        adoption.changes.push(crate::plan::Planned::new(
            RecorderPart::Extend,
            Change::new(
                "--adopt-recorder: recording group",
                format!("without {missing}"),
                format!("extended with {missing}"),
            ),
        ));
    } else {
        adoption.detail.push(
            "its recording group is left unchanged (pass --adopt-recorder to extend it)".into(),
        );
        if !missing.is_empty() {
            adoption.detail.push(format!(
                "it does not record {missing}: rules on those types get no evaluations"
            ));
        }
    }
    if !r.recording {
        adoption
            .detail
            .push("it is not recording; setup does not start a recorder it did not create".into());
        adoption.notes.push("not recording".into());
    }
    adoption
}

/// How a delivery channel of ours differs from the spec (one Put repairs all).
pub fn channel_changes(spec: &StackSpec, c: &Channel) -> Vec<crate::plan::Planned<ConfigPart>> {
    channel_diffs(spec, c)
        .into_iter()
        .map(|c| crate::plan::Planned::new(ConfigPart::Put, c))
        .collect()
}

/// What reusing someone else's delivery channel means: never changed, left by teardown.
pub fn channel_adoption(c: &Channel) -> crate::plan::Adoption<ConfigPart> {
    crate::plan::Adoption {
        detail: vec![
            format!(
                "existing delivery channel {} is reused and will be left by teardown",
                c.name
            ),
            format!(
                "it delivers to bucket {} every {}, not to the evidence bucket; left unchanged",
                or_none(&c.bucket),
                or_none(&c.frequency)
            ),
        ],
        notes: vec![format!("delivers to bucket {}", or_none(&c.bucket))],
        changes: Vec::new(),
    }
}

/// The scope a rule gets: its resource types, unless it is periodic. Types
/// Config does not know (the catalogue's account-level pseudo types such as
/// `AWS::IAM::AccountPasswordPolicy`) are left out, as AWS would refuse them.
pub fn expected_scope(rule: &ManagedRule, known: &[&str]) -> Vec<String> {
    if rule.periodic {
        return Vec::new();
    }
    sorted(
        rule.resource_types
            .iter()
            .filter(|t| known.contains(&t.as_str()))
            .cloned(),
    )
}

/// What a change to a Config rule or the aggregator is applied with: its Put
/// call (every setting at once), or TagResource (AWS ignores changed tags on a
/// later Put of the same name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigPart {
    Put,
    Tags,
}

/// The rule's settings and tags that differ from the spec, each with its call.
pub fn rule_changes(
    spec: &crate::stack::StackSpec,
    want: &ManagedRule,
    found: &FoundRule,
    tags: &[(String, String)],
    known: &[&str],
) -> Vec<crate::plan::Planned<ConfigPart>> {
    use crate::plan::Planned;
    let mut out: Vec<Planned<ConfigPart>> =
        rule_diffs(spec.frequency.as_config(), want, found, known)
            .into_iter()
            .map(|c| Planned::new(ConfigPart::Put, c))
            .collect();
    out.extend(
        crate::plan::tag_changes(&spec.tags(), tags)
            .into_iter()
            .map(|c| Planned::new(ConfigPart::Tags, c)),
    );
    out
}

/// The aggregator's settings and tags that differ from the spec, each with its call.
pub fn aggregator_changes(
    spec: &crate::stack::StackSpec,
    found: &Aggregator,
    tags: &[(String, String)],
) -> Vec<crate::plan::Planned<ConfigPart>> {
    use crate::plan::Planned;
    let mut out: Vec<Planned<ConfigPart>> = aggregator_diffs(spec, found)
        .into_iter()
        .map(|c| Planned::new(ConfigPart::Put, c))
        .collect();
    out.extend(
        crate::plan::tag_changes(&spec.tags(), tags)
            .into_iter()
            .map(|c| Planned::new(ConfigPart::Tags, c)),
    );
    out
}

pub fn rule_diffs(
    frequency: &str,
    want: &ManagedRule,
    found: &FoundRule,
    known: &[&str],
) -> Vec<Change> {
    let mut out = Vec::new();
    if found.owner != AWS_OWNER || found.identifier != want.identifier {
        out.push(Change::wanted(
            "identifier",
            format!("AWS/{}", want.identifier),
            format!("{}/{}", or_none(&found.owner), or_none(&found.identifier)),
        ));
    }
    let keys: BTreeSet<&String> = want
        .parameters
        .keys()
        .chain(found.parameters.keys())
        .collect();
    for key in keys {
        let expected = want.parameters.get(key);
        let was = found.parameters.get(key);
        if expected != was {
            let show = |v: Option<&String>| v.map_or("(unset)".to_string(), |v| v.to_string());
            let setting = if key.is_empty() {
                "parameters".to_string()
            } else {
                format!("parameter {key}")
            };
            out.push(Change::wanted(setting, show(expected), show(was)));
        }
    }
    if want.periodic && found.frequency.as_deref() != Some(frequency) {
        out.push(Change::wanted(
            "MaximumExecutionFrequency",
            frequency,
            found.frequency.clone().unwrap_or_else(|| "(none)".into()),
        ));
    }
    let scope = expected_scope(want, known);
    if found.scope_types != scope {
        out.push(Change::wanted(
            "scope",
            or_none(&scope.join(",")),
            or_none(&found.scope_types.join(",")),
        ));
    }
    out
}

/// How the aggregator differs from the spec: its source (organisation or
/// accounts, and which accounts), the organisation role, and its regions.
/// Every difference is repaired by one PutConfigurationAggregator, which
/// replaces the whole source.
pub fn aggregator_diffs(spec: &StackSpec, a: &Aggregator) -> Vec<Change> {
    let want = wanted_aggregator(spec);
    let mut out = Vec::new();
    if want.organization != a.organization {
        out.push(Change::wanted("source", source_text(&want), source_text(a)));
    } else if !want.organization && a.account_ids != want.account_ids {
        out.push(Change::wanted(
            "accounts",
            want.account_ids.join(","),
            or_none(&a.account_ids.join(",")),
        ));
    } else if want.organization && a.role_arn != want.role_arn {
        out.push(Change::wanted("role", &want.role_arn, or_none(&a.role_arn)));
    }
    if want.all_regions != a.all_regions || (!want.all_regions && a.regions != want.regions) {
        out.push(Change::wanted(
            "regions",
            regions_text(&want),
            regions_text(a),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["AWS::EC2::Instance", "AWS::S3::Bucket"];

    fn spec() -> StackSpec {
        StackSpec {
            aggregator_regions: vec!["eu-west-1".into(), "eu-central-1".into()],
            ..super::super::test_spec()
        }
    }

    fn rule(periodic: bool) -> ManagedRule {
        ManagedRule {
            rule_id: "ec2-instance-type-approved".into(),
            name: "compliance-ec2-instance-type-approved-dev".into(),
            identifier: "DESIRED_INSTANCE_TYPE".into(),
            parameters: [("instanceType".to_string(), "t3.micro,t3.small".to_string())].into(),
            periodic,
            resource_types: vec!["AWS::EC2::Instance".into()],
        }
    }

    fn found(want: &ManagedRule, frequency: Option<&str>) -> FoundRule {
        FoundRule {
            name: want.name.clone(),
            arn: "arn".into(),
            owner: "AWS".into(),
            identifier: want.identifier.clone(),
            parameters: want.parameters.clone(),
            frequency: frequency.map(str::to_string),
            scope_types: expected_scope(want, KNOWN),
            state: "ACTIVE".into(),
        }
    }

    #[test]
    fn a_rule_is_put_again_for_its_settings_and_tagged_for_its_tags() {
        let spec = spec();
        let want = rule(false);
        let tags: Vec<(String, String)> = spec.tags().into_iter().collect();
        assert!(rule_changes(&spec, &want, &found(&want, None), &tags, KNOWN).is_empty());
        let mut f = found(&want, None);
        f.identifier = "OTHER".into();
        let parts: Vec<ConfigPart> = rule_changes(&spec, &want, &f, &tags[1..], KNOWN)
            .into_iter()
            .map(|p| p.by)
            .collect();
        assert_eq!(parts, [ConfigPart::Put, ConfigPart::Tags]);
    }

    #[test]
    fn rule_drift_names_each_setting() {
        let want = rule(false);
        assert!(rule_diffs("Six_Hours", &want, &found(&want, None), KNOWN).is_empty());
        // A change-triggered rule's reported frequency is not drift.
        assert!(rule_diffs(
            "Six_Hours",
            &want,
            &found(&want, Some("TwentyFour_Hours")),
            KNOWN
        )
        .is_empty());

        let mut f = found(&want, None);
        f.identifier = "OTHER".into();
        f.parameters
            .insert("instanceType".into(), "t2.micro".into());
        f.parameters.insert("extra".into(), "1".into());
        f.scope_types.clear();
        let lines: Vec<String> = rule_diffs("Six_Hours", &want, &f, KNOWN)
            .iter()
            .map(Change::detail)
            .collect();
        assert_eq!(
            lines,
            [
                "identifier AWS/OTHER -> AWS/DESIRED_INSTANCE_TYPE",
                "parameter extra 1 -> (unset)",
                "parameter instanceType t2.micro -> t3.micro,t3.small",
                "scope (none) -> AWS::EC2::Instance",
            ]
        );

        let mut pseudo = rule(false);
        pseudo
            .resource_types
            .push("AWS::IAM::AccountPasswordPolicy".into());
        assert_eq!(expected_scope(&pseudo, KNOWN), ["AWS::EC2::Instance"]);

        let periodic = rule(true);
        let f = found(&periodic, Some("One_Hour"));
        assert!(f.scope_types.is_empty(), "periodic rules take no scope");
        let reasons = reasons(&rule_diffs("Six_Hours", &periodic, &f, KNOWN));
        assert_eq!(
            reasons,
            ["MaximumExecutionFrequency: expected Six_Hours, found One_Hour"]
        );
    }

    #[test]
    fn recorder_and_channel_drift_against_the_spec() {
        let spec = spec();
        let types = vec![
            "AWS::EC2::Instance".to_string(),
            "AWS::S3::Bucket".to_string(),
        ];
        let mut r = Recorder {
            name: "compliance-recorder-dev".into(),
            role_arn: spec.role_arn(),
            all_supported: false,
            include_global: false,
            types: types.clone(),
            recording: true,
        };
        assert!(recorder_diffs(&spec, &types, &r).is_empty());
        r.all_supported = true;
        r.types.pop();
        let lines: Vec<String> = recorder_diffs(&spec, &types, &r)
            .iter()
            .map(Change::detail)
            .collect();
        assert_eq!(
            lines,
            [
                "allSupported true -> false",
                "resource types AWS::EC2::Instance -> AWS::EC2::Instance,AWS::S3::Bucket"
            ]
        );

        let mut c = Channel {
            name: "compliance-channel-dev".into(),
            bucket: spec.names().bucket,
            prefix: String::new(),
            topic: String::new(),
            frequency: "Six_Hours".into(),
        };
        assert!(channel_diffs(&spec, &c).is_empty());
        c.frequency = "One_Hour".into();
        c.bucket.clear();
        assert_eq!(
            reasons(&channel_diffs(&spec, &c)),
            [
                format!("bucket: expected {}, found (none)", spec.names().bucket),
                "snapshot delivery frequency: expected Six_Hours, found One_Hour".to_string()
            ]
        );
    }

    #[test]
    fn someone_elses_recorder_is_extended_only_with_adopt_recorder_and_never_narrowed() {
        let types = vec![
            "AWS::EC2::Instance".to_string(),
            "AWS::S3::Bucket".to_string(),
        ];
        let mut theirs = Recorder {
            name: "default".into(),
            role_arn: "arn:aws:iam::123456789012:role/theirs".into(),
            all_supported: false,
            include_global: true,
            types: vec!["AWS::S3::Bucket".into(), "AWS::RDS::DBInstance".into()],
            recording: false,
        };
        assert_eq!(missing_types(&types, &theirs), ["AWS::EC2::Instance"]);
        let plain = recorder_adoption(&spec(), &types, &theirs);
        assert!(plain.changes.is_empty(), "without the flag nothing changes");
        assert_eq!(
            plain.detail[0],
            "existing recorder default is reused and will be left by teardown"
        );
        assert!(plain.detail.iter().any(|d| d.contains("left unchanged")));
        assert!(plain
            .detail
            .iter()
            .any(|d| d.contains("does not record AWS::EC2::Instance")));
        assert_eq!(plain.notes, ["not recording"]);

        let allowed = StackSpec {
            adopt_recorder: true,
            ..spec()
        };
        let extended = recorder_adoption(&allowed, &types, &theirs);
        assert_eq!(extended.changes.len(), 1);
        assert_eq!(extended.changes[0].by, RecorderPart::Extend);
        assert!(extended.changes[0]
            .detail()
            .ends_with("extended with AWS::EC2::Instance"));
        theirs.all_supported = true;
        assert!(
            recorder_adoption(&allowed, &types, &theirs)
                .changes
                .is_empty(),
            "a recorder of everything needs nothing added"
        );

        // Ours: settings are put back, recording is started (a part of its own).
        let mut ours = Recorder {
            name: "compliance-recorder-dev".into(),
            role_arn: spec().role_arn(),
            all_supported: false,
            include_global: false,
            types: types.clone(),
            recording: false,
        };
        let changes = recorder_changes(&spec(), &types, &ours);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].by, RecorderPart::Start);
        assert_eq!(changes[0].detail(), "recording stopped -> started");
        ours.recording = true;
        assert!(recorder_changes(&spec(), &types, &ours).is_empty());

        let c = Channel {
            name: "theirs".into(),
            bucket: "their-bucket".into(),
            prefix: String::new(),
            topic: String::new(),
            frequency: String::new(),
        };
        let adoption = channel_adoption(&c);
        assert!(
            adoption.changes.is_empty(),
            "someone else's channel is never changed"
        );
        assert_eq!(adoption.notes, ["delivers to bucket their-bucket"]);
        assert_eq!(channel_changes(&spec(), &c).len(), 2);
    }

    #[test]
    fn aggregator_regions_compare_as_sets_and_all_regions_is_drift() {
        let spec = spec();
        let mut a = Aggregator {
            arn: "arn".into(),
            account_ids: vec![spec.account.clone()],
            regions: sorted(spec.aggregator_regions.iter().cloned()),
            ..Aggregator::default()
        };
        assert!(aggregator_diffs(&spec, &a).is_empty());
        a.all_regions = true;
        assert_eq!(
            reasons(&aggregator_diffs(&spec, &a)),
            ["regions: expected eu-central-1,eu-west-1, found all regions"]
        );
    }

    fn account_based(ids: &[&str], regions: &[&str]) -> Aggregator {
        Aggregator {
            arn: "arn".into(),
            account_ids: ids.iter().map(|s| s.to_string()).collect(),
            regions: regions.iter().map(|s| s.to_string()).collect(),
            all_regions: regions.is_empty(),
            ..Aggregator::default()
        }
    }

    fn org_wide(role: &str, regions: &[&str]) -> Aggregator {
        Aggregator {
            arn: "arn".into(),
            regions: regions.iter().map(|s| s.to_string()).collect(),
            all_regions: regions.is_empty(),
            organization: true,
            role_arn: role.into(),
            ..Aggregator::default()
        }
    }

    #[test]
    fn account_based_org_wide_and_region_only_aggregators_drift_into_each_other() {
        let region_only = spec();
        let accounts = StackSpec {
            aggregator_regions: vec![],
            aggregator_scope: AggregatorScope::Accounts(vec![
                "444455556666".into(),
                "111122223333".into(),
            ]),
            ..spec()
        };
        let org = StackSpec {
            aggregator_scope: AggregatorScope::Organization,
            ..spec()
        };
        let role = org.org_role_arn();
        let here = region_only.account.clone();
        let mine = account_based(&[&here], &["eu-central-1", "eu-west-1"]);
        let theirs = account_based(&["111122223333", "444455556666"], &[]);
        let whole = org_wide(&role, &["eu-central-1", "eu-west-1"]);

        // Each spec is satisfied by its own aggregator, and what it wants is that one.
        assert!(aggregator_diffs(&region_only, &mine).is_empty());
        assert!(aggregator_diffs(&accounts, &theirs).is_empty());
        assert!(aggregator_diffs(&org, &whole).is_empty());
        assert_eq!(wanted_aggregator(&accounts).account_ids, theirs.account_ids);
        assert!(wanted_aggregator(&accounts).all_regions);

        // Every other one is drift, naming what differs.
        assert_eq!(
            reasons(&aggregator_diffs(&region_only, &whole)),
            ["source: expected accounts 123456789012, found organization"]
        );
        assert_eq!(
            reasons(&aggregator_diffs(&region_only, &theirs)),
            [
                "accounts: expected 123456789012, found 111122223333,444455556666",
                "regions: expected eu-central-1,eu-west-1, found all regions"
            ]
        );
        assert_eq!(
            reasons(&aggregator_diffs(&accounts, &mine)),
            [
                "accounts: expected 111122223333,444455556666, found 123456789012",
                "regions: expected all regions, found eu-central-1,eu-west-1"
            ]
        );
        assert_eq!(
            reasons(&aggregator_diffs(&accounts, &whole)),
            [
                "source: expected accounts 111122223333,444455556666, found organization",
                "regions: expected all regions, found eu-central-1,eu-west-1"
            ]
        );
        assert_eq!(
            reasons(&aggregator_diffs(&org, &mine)),
            ["source: expected organization, found accounts 123456789012"]
        );
        // The organisation aggregator through another role, or over other regions.
        let other_role = org_wide(
            "arn:aws:iam::123456789012:role/someone-else",
            &["eu-central-1", "eu-west-1"],
        );
        assert_eq!(
            reasons(&aggregator_diffs(&org, &other_role)),
            [format!(
                "role: expected {role}, found arn:aws:iam::123456789012:role/someone-else"
            )]
        );
        assert_eq!(
            reasons(&aggregator_diffs(&org, &org_wide(&role, &[]))),
            ["regions: expected eu-central-1,eu-west-1, found all regions"]
        );
        // Changed settings are put again; changed tags are tagged.
        let parts: Vec<ConfigPart> = aggregator_changes(&org, &mine, &[])
            .into_iter()
            .map(|p| p.by)
            .collect();
        assert_eq!(parts[0], ConfigPart::Put);
        assert_eq!(parts.last(), Some(&ConfigPart::Tags));
    }
}
