//! AWS failures as data: service, region, operation, error code, message and
//! request id, kept from the SDK error instead of flattened into a string, so a
//! partial scan can say exactly what it could not read and support can trace it.

use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sts::operation::RequestId;
use std::fmt;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct AwsError {
    pub service: String,
    pub region: String,
    pub operation: String,
    /// The service's error code (`AccessDenied`, `ThrottlingException`), or a
    /// client-side kind (`ConnectionError`, `Timeout`) when no response came back.
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}): {}: {}",
            self.service, self.operation, self.region, self.code, self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl AwsError {
    /// Maps any SDK error, keeping the service's code and request id.
    pub fn from_sdk<E>(service: &str, region: &str, operation: &str, err: &SdkError<E>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (code, message) = match err {
            SdkError::ServiceError(_) => (
                err.code().unwrap_or("Unknown").to_string(),
                err.message()
                    .map(str::to_string)
                    .unwrap_or_else(|| DisplayErrorContext(err).to_string()),
            ),
            SdkError::TimeoutError(_) => ("Timeout".to_string(), "the call timed out".to_string()),
            SdkError::DispatchFailure(d) => {
                let kind = if d.is_timeout() {
                    "Timeout"
                } else if d.is_io() {
                    "ConnectionError"
                } else {
                    "DispatchFailure"
                };
                (kind.to_string(), DisplayErrorContext(err).to_string())
            }
            SdkError::ResponseError(_) => (
                "ResponseError".to_string(),
                DisplayErrorContext(err).to_string(),
            ),
            SdkError::ConstructionFailure(_) => (
                "ConstructionFailure".to_string(),
                DisplayErrorContext(err).to_string(),
            ),
            _ => ("Unknown".to_string(), DisplayErrorContext(err).to_string()),
        };
        AwsError {
            service: service.to_string(),
            region: region.to_string(),
            operation: operation.to_string(),
            code,
            message,
            request_id: err.request_id().map(str::to_string),
        }
    }

    /// A failure made up by this tool (a timeout of the whole scan, say).
    pub fn local(
        service: &str,
        region: &str,
        operation: &str,
        code: &str,
        message: impl Into<String>,
    ) -> AwsError {
        AwsError {
            service: service.to_string(),
            region: region.to_string(),
            operation: operation.to_string(),
            code: code.to_string(),
            message: message.into(),
            request_id: None,
        }
    }

    pub fn is(&self, codes: &[&str]) -> bool {
        codes.contains(&self.code.as_str())
    }

    /// As an entry of the findings document's `errors` list.
    pub fn to_scan_error(&self) -> crate::core::report::ScanError {
        crate::core::report::ScanError {
            source: format!("aws:{}:{}", self.service, self.region),
            message: self.message.clone(),
            service: Some(self.service.clone()),
            region: Some(self.region.clone()),
            operation: Some(self.operation.clone()),
            code: Some(self.code.clone()),
            request_id: self.request_id.clone(),
        }
    }

    /// The reason text stored on an unreadable part of an item.
    pub fn reason(&self) -> String {
        match &self.request_id {
            Some(id) => format!(
                "{} {}: {} (request id {id})",
                self.operation, self.code, self.message
            ),
            None => format!("{} {}: {}", self.operation, self.code, self.message),
        }
    }
}
