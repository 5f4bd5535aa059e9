//! Other accounts: the organisation's active accounts (Organizations
//! ListAccounts) and a connection into each through STS AssumeRole.
//!
//! Decisions:
//!
//! * **Which accounts.** `--accounts all` lists the organisation from the
//!   caller's account (the management account or a delegated administrator),
//!   every page, and keeps the ACTIVE ones: a suspended or closing account
//!   cannot be assumed and would only add errors. `State` is read when AWS
//!   sends it, else the older `Status` (moto sends only that).
//! * **Credentials.** A member account is reached through the SDK's own
//!   `AssumeRoleProvider` (role `arn:{partition}:iam::{account}:role/{name}`,
//!   the external id and session name of the flags) behind a lazy identity
//!   cache of its own: every client of that account shares one set of
//!   temporary credentials, and the cache asks STS again five minutes before
//!   they expire, so a scan longer than the session (an hour by default) keeps
//!   going. The provider does not cache by itself; the cache does.
//! * **Fail early, per account.** The connection is proved with one
//!   GetCallerIdentity through the assumed credentials, which also checks that
//!   STS put us in the account we asked for. A role that cannot be assumed is
//!   reported with STS's own error code and request id (dug out of the
//!   credential error), and only that account's rules get `error` findings.
//! * **The caller's account** is scanned with the caller's own credentials:
//!   there is no role to assume into the account one is already in.

use crate::aws::error::AwsError;
use crate::aws::Aws;
use aws_config::identity::IdentityCache;
use aws_config::sts::AssumeRoleProvider;
use aws_sdk_sts::config::SharedCredentialsProvider;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use std::time::Duration;

/// The role the organisation creates in every member account it creates.
pub const DEFAULT_ROLE: &str = "OrganizationAccountAccessRole";
/// Refresh assumed credentials this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// How to assume the role in a member account.
#[derive(Debug, Clone)]
pub struct AssumeOptions {
    pub role_name: String,
    pub external_id: Option<String>,
    pub session_name: String,
}

/// The organisation's ACTIVE accounts, sorted by id.
pub async fn active_accounts(aws: &Aws, region: &str) -> Result<Vec<String>, AwsError> {
    let client = aws.organizations(region);
    let mut pages = client.list_accounts().into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| AwsError::from_sdk("organizations", region, "ListAccounts", &e))?;
        for account in page.accounts() {
            let active = match (account.state(), account.status()) {
                (Some(state), _) => state.as_str() == "ACTIVE",
                (None, Some(status)) => status.as_str() == "ACTIVE",
                // Neither field: the account is listed, so take it.
                (None, None) => true,
            };
            if let (true, Some(id)) = (active, account.id()) {
                out.push(id.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A connection into `account` through its role, proved by one call.
pub async fn assume(
    base: &Aws,
    account: &str,
    partition: &str,
    region: &str,
    opts: &AssumeOptions,
) -> Result<Aws, AwsError> {
    let role_arn = format!("arn:{partition}:iam::{account}:role/{}", opts.role_name);
    let mut builder = AssumeRoleProvider::builder(role_arn.clone())
        .configure(base.sdk_config())
        .region(aws_config::Region::new(region.to_string()))
        .session_name(opts.session_name.clone());
    if let Some(id) = &opts.external_id {
        builder = builder.external_id(id.clone());
    }
    let provider = builder.build().await;
    let sdk = base
        .sdk_config()
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .identity_cache(
            IdentityCache::lazy()
                .buffer_time(REFRESH_BEFORE_EXPIRY)
                .build(),
        )
        .build();
    let member = Aws::from_sdk(sdk);
    let answer = member.sts(region).get_caller_identity().send().await;
    match answer {
        Ok(id) if id.account() == Some(account) => Ok(member),
        Ok(id) => Err(AwsError::local(
            "sts",
            region,
            "AssumeRole",
            "WrongAccount",
            format!(
                "assuming {role_arn} gave credentials of account {}",
                id.account().unwrap_or("(none)")
            ),
        )),
        Err(e) => Err(assume_error(&e, &role_arn, region)),
    }
}

/// The STS error behind a failed call with assumed credentials: the credential
/// provider's failure arrives wrapped in the call's own, several sources down.
fn assume_error<E>(call: &SdkError<E>, role_arn: &str, region: &str) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(call);
    while let Some(err) = next {
        if let Some(sdk) = err.downcast_ref::<SdkError<AssumeRoleError>>() {
            let mut e = AwsError::from_sdk("sts", region, "AssumeRole", sdk);
            // An error document the SDK could not place (moto's IAM
            // enforcement nests <Error> in <Errors>) still names its code.
            if e.code == "Unknown" {
                let body = sdk
                    .raw_response()
                    .and_then(|r| r.body().bytes())
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                if let Some(code) = xml_text(&body, "Code") {
                    e.code = code;
                    e.message = xml_text(&body, "Message").unwrap_or_default();
                }
            }
            e.message = format!("cannot assume {role_arn}: {}", e.message);
            return e;
        }
        next = err.source();
    }
    let mut e = AwsError::from_sdk("sts", region, "GetCallerIdentity", call);
    e.message = format!("cannot assume {role_arn}: {}", e.message);
    e
}

/// The text of the first `<tag>…</tag>` in `xml`.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].trim().to_string()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_code_from_a_nested_error_document() {
        let body = "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>not authorized</Message></Error></Errors></ErrorResponse>";
        assert_eq!(xml_text(body, "Code").as_deref(), Some("AccessDenied"));
        assert_eq!(xml_text(body, "Message").as_deref(), Some("not authorized"));
        assert_eq!(xml_text(body, "RequestId"), None);
    }
}
