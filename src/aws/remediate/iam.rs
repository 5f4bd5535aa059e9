//! IAM appliers: access key status and the account password policy (IAM is
//! global; its calls go to the home region's endpoint).

use super::Applier;
use crate::aws::error::AwsError;
use crate::core::resource::ConfigItem;
use aws_sdk_iam::types::StatusType;
use serde_json::Value;

const IAM: &str = "iam";
const GLOBAL: &str = "us-east-1";

pub async fn access_keys(
    a: &Applier<'_>,
    _item: &ConfigItem,
    current: &Value,
    target: &Value,
) -> Result<(), AwsError> {
    let client = a.aws.iam(GLOBAL);
    let user = target["userName"].as_str().unwrap_or_default();
    for key in target["keys"].as_array().into_iter().flatten() {
        let id = key["accessKeyId"].as_str().unwrap_or_default();
        let now = current["keys"]
            .as_array()
            .and_then(|k| k.iter().find(|c| c["accessKeyId"] == id))
            .map(|c| c["status"].clone());
        if now.as_ref() == Some(&key["status"]) {
            continue;
        }
        a.count();
        client
            .update_access_key()
            .user_name(user)
            .access_key_id(id)
            .status(StatusType::from(
                key["status"].as_str().unwrap_or("Inactive"),
            ))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(IAM, "global", "UpdateAccessKey", &e))?;
    }
    Ok(())
}

pub async fn password_policy(a: &Applier<'_>, target: &Value) -> Result<(), AwsError> {
    let client = a.aws.iam(GLOBAL);
    a.count();
    if target.is_null() {
        client
            .delete_account_password_policy()
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(IAM, "global", "DeleteAccountPasswordPolicy", &e))?;
        return Ok(());
    }
    let n = |k: &str| target[k].as_i64().map(|v| v as i32);
    let b = |k: &str| target[k].as_bool();
    client
        .update_account_password_policy()
        .set_minimum_password_length(n("minimumPasswordLength"))
        .set_require_uppercase_characters(b("requireUppercaseCharacters"))
        .set_require_lowercase_characters(b("requireLowercaseCharacters"))
        .set_require_symbols(b("requireSymbols"))
        .set_require_numbers(b("requireNumbers"))
        .set_max_password_age(n("maxPasswordAge"))
        .set_password_reuse_prevention(n("passwordReusePrevention"))
        .set_allow_users_to_change_password(b("allowUsersToChangePassword"))
        .set_hard_expiry(b("hardExpiry"))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(IAM, "global", "UpdateAccountPasswordPolicy", &e))?;
    Ok(())
}
