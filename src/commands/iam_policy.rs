//! `compliance iam-policy --for scan|setup|status|teardown`: prints the
//! least-privilege IAM policy a command needs, as JSON ready for
//! `aws iam create-policy --policy-document`. The policy is derived from the one
//! table of operations (`aws::operations`), the same table the tests check the
//! adapters' calls against.

use crate::aws::operations::{self, Policy};
use crate::cli::{IamPolicyArgs, PolicyFor};
use crate::commands::{emit, exit};
use crate::output;
use anyhow::Result;

pub fn run(args: &IamPolicyArgs) -> Result<u8> {
    if args.organization {
        if args.for_command != PolicyFor::Scan {
            return Err(
                crate::commands::InputError("--organization goes with --for scan".into()).into(),
            );
        }
        // The calling account lists accounts and assumes their roles; each
        // member's role (trusted by the calling account) needs only the
        // collectors' and Config's reads.
        let both = serde_json::json!({
            "management_account": operations::policy(Policy::OrganizationScan),
            "member_account_role": operations::policy(Policy::MemberScan),
        });
        emit(None, &output::json::render(&both)?)?;
        return Ok(exit::OK);
    }
    let policy = match args.for_command {
        PolicyFor::Scan => Policy::Scan,
        PolicyFor::Setup => Policy::Setup,
        PolicyFor::Status => Policy::Status,
        PolicyFor::Teardown => Policy::Teardown,
        PolicyFor::Remediate => Policy::Remediate,
    };
    emit(None, &output::json::render(&operations::policy(policy))?)?;
    Ok(exit::OK)
}
