//! Alert delivery: one SNS message per scan to the setup topic
//! (`compliance-alerts-{suffix}`).
//!
//! Whether to alert and what to say is decided in [`crate::core::alert`]; this
//! adapter only publishes. The alert's attributes (`severity`, `rule_id`,
//! `suffix`) become SNS message attributes of type `String`, which subscription
//! filter policies match on, so a team can route critical alerts to a pager and
//! the rest to e-mail without a second topic.

use crate::aws::error::AwsError;
use crate::aws::Aws;
use crate::core::alert::Alert;
use aws_sdk_sns::types::MessageAttributeValue;

const SERVICE: &str = "sns";

/// Publishes `alert` to `topic_arn`; returns SNS's message id.
pub async fn publish(
    aws: &Aws,
    region: &str,
    topic_arn: &str,
    alert: &Alert,
) -> Result<String, AwsError> {
    let mut request = aws
        .sns(region)
        .publish()
        .topic_arn(topic_arn)
        .subject(&alert.subject)
        .message(&alert.message);
    // SNS rejects an attribute with an empty value; such an attribute could not
    // be filtered on anyway.
    for (name, value) in alert.attributes.iter().filter(|(_, v)| !v.is_empty()) {
        let attribute = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(value)
            .build()
            .map_err(|e| {
                AwsError::local(
                    SERVICE,
                    region,
                    "Publish",
                    "ConstructionFailure",
                    e.to_string(),
                )
            })?;
        request = request.message_attributes(name, attribute);
    }
    let out = request
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, region, "Publish", &e))?;
    Ok(out.message_id.unwrap_or_default())
}
