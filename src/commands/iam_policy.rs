//! `compliance iam-policy --for scan`: prints the least-privilege IAM policy a
//! command needs, as JSON ready for `aws iam create-policy --policy-document`.

use crate::aws::permissions;
use crate::cli::{IamPolicyArgs, PolicyFor};
use crate::commands::{emit, exit};
use crate::output;
use anyhow::Result;

pub fn run(args: &IamPolicyArgs) -> Result<u8> {
    let policy = match args.for_command {
        PolicyFor::Scan => permissions::scan_policy(),
        PolicyFor::Setup => permissions::setup_policy(),
    };
    emit(None, &output::json::render(&policy)?)?;
    Ok(exit::OK)
}
