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
