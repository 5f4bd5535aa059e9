//! The manifest of a stack: what setup created and what it adopted, kept in SSM
//! Parameter Store at `/compliance/{suffix}/manifest`.
//!
//! Not in the evidence bucket: its TLS-only policy (correctly) refuses plain
//! requests, and moto applies Deny statements without their conditions, so an
//! object there could not be read back in tests. SSM works from any machine with
//! the same credentials; Intelligent-Tiering lets a large manifest exceed 4 KB.

use crate::aws::error::AwsError;
use crate::aws::provision::Ctx;
use crate::aws::Aws;
use crate::core::stack::Manifest;

const SERVICE: &str = "ssm";

/// The stored manifest, or `None` when this suffix was never set up.
pub async fn load(ctx: &Ctx<'_>) -> Result<Option<Manifest>, AwsError> {
    load_named(ctx.aws, ctx.region(), &ctx.names.manifest_parameter).await
}

/// The manifest stored under `name`, for callers that have no stack spec (scans).
pub async fn load_named(aws: &Aws, region: &str, name: &str) -> Result<Option<Manifest>, AwsError> {
    match aws.ssm(region).get_parameter().name(name).send().await {
        Ok(out) => {
            let text = out.parameter().and_then(|p| p.value()).unwrap_or_default();
            serde_json::from_str(text).map(Some).map_err(|e| {
                AwsError::local(
                    SERVICE,
                    region,
                    "GetParameter",
                    "InvalidManifest",
                    format!("{name} does not hold a manifest: {e}"),
                )
            })
        }
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "GetParameter", &e);
            if error.is(&["ParameterNotFound"]) {
                Ok(None)
            } else {
                Err(error)
            }
        }
    }
}

pub async fn save(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<(), AwsError> {
    let region = ctx.region();
    let text = serde_json::to_string(manifest).expect("a manifest serialises");
    ctx.aws
        .ssm(region)
        .put_parameter()
        .name(&ctx.names.manifest_parameter)
        .description(format!(
            "compliance setup manifest for suffix {}",
            ctx.spec.suffix
        ))
        .value(text)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .tier(aws_sdk_ssm::types::ParameterTier::IntelligentTiering)
        .overwrite(true)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "PutParameter", &e))?;
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>) -> Result<(), AwsError> {
    let region = ctx.region();
    match ctx
        .aws
        .ssm(region)
        .delete_parameter()
        .name(&ctx.names.manifest_parameter)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let error = AwsError::from_sdk(SERVICE, region, "DeleteParameter", &e);
            if error.is(&["ParameterNotFound"]) {
                Ok(())
            } else {
                Err(error)
            }
        }
    }
}

/// The suffixes of every stack whose manifest exists in this account and
/// region (parameters `/compliance/{suffix}/manifest`), sorted: how `status` and
/// `teardown` find the stack when no suffix is given.
pub async fn list_suffixes(aws: &Aws, region: &str) -> Result<Vec<String>, AwsError> {
    let client = aws.ssm(region);
    let mut suffixes = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .get_parameters_by_path()
            .path("/compliance/")
            .recursive(true)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, region, "GetParametersByPath", &e))?;
        suffixes.extend(
            out.parameters()
                .iter()
                .filter_map(|p| p.name())
                .filter_map(suffix_of_parameter)
                .map(str::to_string),
        );
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    suffixes.sort();
    suffixes.dedup();
    Ok(suffixes)
}

/// `dev` for `/compliance/dev/manifest`; None for any other parameter.
fn suffix_of_parameter(name: &str) -> Option<&str> {
    let suffix = name
        .strip_prefix("/compliance/")?
        .strip_suffix("/manifest")?;
    (!suffix.is_empty() && !suffix.contains('/')).then_some(suffix)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_manifest_parameters_name_a_stack() {
        use super::suffix_of_parameter as s;
        assert_eq!(s("/compliance/dev/manifest"), Some("dev"));
        assert_eq!(s("/compliance/dev/other"), None);
        assert_eq!(s("/compliance/a/b/manifest"), None);
        assert_eq!(s("/compliance//manifest"), None);
        assert_eq!(s("/other/dev/manifest"), None);
    }
}
