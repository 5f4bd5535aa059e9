//! AWS adapters: one `SdkConfig` for the whole run, clients per service and
//! region built from it, collectors that turn API responses into configuration
//! items, and SSM parameter lookup.
//!
//! The SDK's standard credential chain is used as is (environment, profiles, SSO,
//! IMDS); this tool never reads or stores secrets. `AWS_ENDPOINT_URL` (or
//! `--endpoint-url`) points every client at an AWS-compatible endpoint such as
//! moto, in which case S3 uses path-style addressing.

pub mod accounts;
pub mod alerts;
pub mod collect;
pub mod error;
pub mod metrics;
pub mod operations;
pub mod provision;
pub mod remediate;
pub mod securityhub;
pub mod ssm;
pub mod upload;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::time::Duration;

/// How to reach AWS, from the global flags.
#[derive(Debug, Clone)]
pub struct Connection {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Attempts per call, including the first (adaptive retry with backoff).
    pub max_attempts: u32,
    /// Upper bound for one call, all its retries included.
    pub call_timeout: Duration,
}

/// The shared SDK configuration and the client factories.
#[derive(Debug, Clone)]
pub struct Aws {
    sdk: SdkConfig,
}

impl Aws {
    pub async fn connect(c: &Connection) -> Aws {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(
                RetryConfig::adaptive()
                    .with_max_attempts(c.max_attempts.max(1))
                    .with_initial_backoff(Duration::from_millis(200))
                    .with_max_backoff(Duration::from_secs(10)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_timeout(c.call_timeout)
                    .build(),
            );
        if let Some(profile) = &c.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &c.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &c.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        Aws {
            sdk: loader.load().await,
        }
    }

    /// A connection with other credentials (an assumed role's) on the same
    /// endpoint, retry and timeout settings.
    pub fn from_sdk(sdk: SdkConfig) -> Aws {
        Aws { sdk }
    }

    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk
    }

    pub fn organizations(&self, region: &str) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::from_conf(
            aws_sdk_organizations::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    /// The region of the profile or environment, if any.
    pub fn default_region(&self) -> Option<String> {
        self.sdk.region().map(|r| r.to_string())
    }

    /// True when an endpoint override (moto, LocalStack, a proxy) is in force.
    pub fn custom_endpoint(&self) -> Option<&str> {
        self.sdk.endpoint_url()
    }

    fn region(region: &str) -> Region {
        Region::new(region.to_string())
    }

    pub fn sts(&self, region: &str) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn ec2(&self, region: &str) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::from_conf(
            aws_sdk_ec2::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn securityhub(&self, region: &str) -> aws_sdk_securityhub::Client {
        aws_sdk_securityhub::Client::from_conf(
            aws_sdk_securityhub::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let builder = aws_sdk_s3::config::Builder::from(&self.sdk).region(Self::region(region));
        // Virtual-hosted bucket names do not resolve on a local endpoint.
        let builder = builder.force_path_style(self.custom_endpoint().is_some());
        aws_sdk_s3::Client::from_conf(builder.build())
    }

    pub fn rds(&self, region: &str) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::from_conf(
            aws_sdk_rds::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn iam(&self, region: &str) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn cloudformation(&self, region: &str) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::from_conf(
            aws_sdk_cloudformation::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn kms(&self, region: &str) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::from_conf(
            aws_sdk_kms::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn dynamodb(&self, region: &str) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn sns(&self, region: &str) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::from_conf(
            aws_sdk_sns::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn events(&self, region: &str) -> aws_sdk_eventbridge::Client {
        aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn cloudwatch(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::from_conf(
            aws_sdk_cloudwatch::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn config(&self, region: &str) -> aws_sdk_config::Client {
        aws_sdk_config::Client::from_conf(
            aws_sdk_config::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn sqs(&self, region: &str) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }

    pub fn ssm(&self, region: &str) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::from_conf(
            aws_sdk_ssm::config::Builder::from(&self.sdk)
                .region(Self::region(region))
                .build(),
        )
    }
}

/// Who the credentials belong to: the account id and the partition (`aws`,
/// `aws-cn`, `aws-us-gov`) from STS GetCallerIdentity.
pub async fn identity(aws: &Aws, region: &str) -> Result<(String, String), error::AwsError> {
    let id = aws
        .sts(region)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| error::AwsError::from_sdk("sts", region, "GetCallerIdentity", &e))?;
    let account = id.account().unwrap_or_default().to_string();
    let partition = id
        .arn()
        .and_then(|a| a.split(':').nth(1))
        .unwrap_or("aws")
        .to_string();
    Ok((account, partition))
}

/// An SDK timestamp as ISO-8601 UTC, the form configuration items use.
pub fn iso(t: &aws_smithy_types::DateTime) -> String {
    t.fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| t.secs().to_string())
}
