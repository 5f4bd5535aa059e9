//! `report --upload`: puts report files into S3 with their content type,
//! encrypted with SSE-KMS under the bucket's own key when its default
//! encryption names one (so a report never lands under a weaker key than the
//! bucket's policy expects), and optionally presigns a GET link.

use crate::aws::error::AwsError;
use crate::aws::Aws;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use std::path::Path;
use std::time::Duration;

const SERVICE: &str = "s3";

/// One object written.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub uri: String,
    pub kms_key: Option<String>,
    pub presigned: Option<String>,
}

/// A bucket ready to take files: its region and its default KMS key, if any.
pub struct Target {
    client: aws_sdk_s3::Client,
    pub bucket: String,
    pub region: String,
    pub kms_key: Option<String>,
}

/// Finds the bucket's region and default encryption key.
pub async fn target(aws: &Aws, home: &str, bucket: &str) -> Result<Target, AwsError> {
    let location = aws
        .s3(home)
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, home, "GetBucketLocation", &e))?;
    let region = match location.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    };
    let client = aws.s3(&region);
    // No default encryption configuration is not an error: the bucket's own
    // default (SSE-S3) applies.
    let kms_key = match client.get_bucket_encryption().bucket(bucket).send().await {
        Ok(out) => out
            .server_side_encryption_configuration()
            .map(|c| c.rules())
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r.apply_server_side_encryption_by_default())
            .find(|d| {
                matches!(
                    d.sse_algorithm(),
                    ServerSideEncryption::AwsKms | ServerSideEncryption::AwsKmsDsse
                )
            })
            .and_then(|d| d.kms_master_key_id().map(str::to_string)),
        Err(e) => {
            let err = AwsError::from_sdk(SERVICE, &region, "GetBucketEncryption", &e);
            if err.is(&["ServerSideEncryptionConfigurationNotFoundError"]) {
                None
            } else {
                return Err(err);
            }
        }
    };
    Ok(Target {
        client,
        bucket: bucket.to_string(),
        region,
        kms_key,
    })
}

impl Target {
    /// Puts one file at `key`; `presign` adds a GET link valid that long.
    pub async fn put(
        &self,
        file: &Path,
        key: &str,
        content_type: &str,
        presign: Option<Duration>,
    ) -> Result<Uploaded, AwsError> {
        let body = ByteStream::from_path(file).await.map_err(|e| {
            AwsError::local(
                SERVICE,
                &self.region,
                "PutObject",
                "LocalFile",
                format!("{}: {e}", file.display()),
            )
        })?;
        let mut put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(body);
        if let Some(key_id) = &self.kms_key {
            put = put
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(key_id);
        }
        put.send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, &self.region, "PutObject", &e))?;
        let presigned = match presign {
            None => None,
            Some(expires) => {
                let config = PresigningConfig::expires_in(expires).map_err(|e| {
                    AwsError::local(
                        SERVICE,
                        &self.region,
                        "GetObject",
                        "PresignConfig",
                        e.to_string(),
                    )
                })?;
                let request = self
                    .client
                    .get_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .presigned(config)
                    .await
                    .map_err(|e| AwsError::from_sdk(SERVICE, &self.region, "GetObject", &e))?;
                Some(request.uri().to_string())
            }
        };
        Ok(Uploaded {
            uri: format!("s3://{}/{key}", self.bucket),
            kms_key: self.kms_key.clone(),
            presigned,
        })
    }
}
