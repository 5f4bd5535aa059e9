//! Where `report --upload` puts files, as data: the `s3://bucket/prefix/`
//! the operator names, or the evidence bucket of a stack under
//! `reports/YYYY/MM/DD/<scan id>/`, and how long a presigned link lives.
//! Pure, so the rules are tested without S3.

/// A bucket and a key prefix (empty, or ending in `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub bucket: String,
    pub prefix: String,
}

impl Destination {
    /// `s3://bucket`, `s3://bucket/`, `s3://bucket/some/prefix/`; a prefix
    /// without a trailing slash is a folder all the same.
    pub fn parse(uri: &str) -> Result<Destination, String> {
        let rest = uri
            .strip_prefix("s3://")
            .ok_or_else(|| format!("`{uri}`: expected s3://BUCKET/PREFIX/"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if !valid {
            return Err(format!(
                "`{uri}`: `{bucket}` is not an S3 bucket name (3-63 of a-z, 0-9, `-`, `.`)"
            ));
        }
        let mut prefix = prefix.trim_start_matches('/').to_string();
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(Destination {
            bucket: bucket.to_string(),
            prefix,
        })
    }

    /// The evidence bucket of a stack: `reports/YYYY/MM/DD/<scan id>/`, the
    /// date being the report's (`generated_at`, ISO-8601).
    pub fn evidence(bucket: &str, generated_at: &str, scan_id: &str) -> Destination {
        let date = generated_at.get(..10).unwrap_or("unknown-date");
        Destination {
            bucket: bucket.to_string(),
            prefix: format!("reports/{}/{scan_id}/", date.replace('-', "/")),
        }
    }

    pub fn key(&self, file_name: &str) -> String {
        format!("{}{file_name}", self.prefix)
    }
}

/// SigV4 presigned URLs live at most seven days.
pub const MAX_PRESIGN_SECS: u64 = 7 * 86_400;

/// `7d`, `12h`, `30m`, `900s` as seconds, at most seven days.
pub fn presign_secs(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{text}`: use a duration such as 7d, 12h or 30m"))?;
    let secs = match unit {
        "d" => n * 86_400,
        "h" => n * 3_600,
        "m" => n * 60,
        "s" | "" => n,
        _ => return Err(format!("`{text}`: use a duration such as 7d, 12h or 30m")),
    };
    if secs == 0 || secs > MAX_PRESIGN_SECS {
        return Err(format!(
            "`{text}`: a presigned link lives between 1 second and 7 days (SigV4's limit)"
        ));
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_destinations() {
        let d = Destination::parse("s3://audit-bucket/compliance").unwrap();
        assert_eq!(d.bucket, "audit-bucket");
        assert_eq!(d.key("report.html"), "compliance/report.html");
        assert_eq!(Destination::parse("s3://b-1").unwrap().prefix, "");
        assert!(Destination::parse("https://x/y").is_err());
        assert!(Destination::parse("s3://Bad_Bucket/x").is_err());
        let e = Destination::evidence("ev", "2026-11-29T17:00:00.000Z", "s1");
        assert_eq!(e.key("report.json"), "reports/2026/11/29/s1/report.json");
    }

    #[test]
    fn presign_durations_are_bounded() {
        assert_eq!(presign_secs("7d"), Ok(604_800));
        assert_eq!(presign_secs("12h"), Ok(43_200));
        assert!(presign_secs("8d").is_err());
        assert!(presign_secs("0m").is_err());
        assert!(presign_secs("soon").is_err());
    }
}
