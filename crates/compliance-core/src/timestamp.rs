//! Timestamps in every spelling real configuration items use.
//!
//! Config writes ISO-8601 with `Z` or an offset, the API-form CLI prints epoch
//! seconds as a float, CloudFormation and old IAM items carry Java-style text
//! (`Jan 16, 2020 10:31:25 PM`), and recorded test artefacts contain serialised
//! datetime objects. The normaliser turns all of them into one UTC form so rules,
//! history and reports can compare times.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde_json::Value;

/// Parses any supported form into UTC; `None` when the value is no timestamp.
/// Years outside 0–9999 count as none: AWS writes no such time, and their
/// canonical text (`+29125-…`) would not read back.
pub fn parse(v: &Value) -> Option<DateTime<Utc>> {
    parse_any(v).filter(|t| (0..=9999).contains(&t.year()))
}

fn parse_any(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::Number(n) => from_epoch(n.as_f64()?),
        Value::String(s) => parse_text(s.trim()),
        Value::Object(map) => {
            // A serialised datetime object: {"__class__": "datetime", "year": …}.
            let field = |k: &str| map.get(k).and_then(Value::as_u64);
            let date = NaiveDate::from_ymd_opt(
                field("year")? as i32,
                field("month")? as u32,
                field("day")? as u32,
            )?;
            let time = date.and_hms_micro_opt(
                field("hour").unwrap_or(0) as u32,
                field("minute").unwrap_or(0) as u32,
                field("second").unwrap_or(0) as u32,
                field("microsecond").unwrap_or(0) as u32,
            )?;
            Some(Utc.from_utc_datetime(&time))
        }
        _ => None,
    }
}

fn from_epoch(secs: f64) -> Option<DateTime<Utc>> {
    if !secs.is_finite() {
        return None;
    }
    // Epoch milliseconds appear in some exports; no real capture time is past year 5000 in seconds.
    let secs = if secs > 1.0e11 { secs / 1000.0 } else { secs };
    // Capture times carry milliseconds; rounding to them undoes float noise (.922 → .921999…).
    DateTime::from_timestamp_millis((secs * 1000.0).round() as i64)
}

fn parse_text(s: &str) -> Option<DateTime<Utc>> {
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(secs) = s.parse::<f64>() {
        return from_epoch(secs);
    }
    const NAIVE: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%b %d, %Y %I:%M:%S %p",
        "%B %d, %Y %I:%M:%S %p",
        "%a %b %d %H:%M:%S UTC %Y",
    ];
    for format in NAIVE {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?));
    }
    // Python's repr of a datetime, seen in hand-assembled samples.
    if let Some(inner) = s
        .strip_prefix("datetime.datetime(")
        .and_then(|r| r.split(')').next())
    {
        let nums: Vec<u32> = inner
            .split(',')
            .map_while(|p| p.trim().parse::<u32>().ok())
            .collect();
        if nums.len() >= 3 {
            let date = NaiveDate::from_ymd_opt(nums[0] as i32, nums[1], nums[2])?;
            let get = |i: usize| nums.get(i).copied().unwrap_or(0);
            let t = date.and_hms_micro_opt(get(3), get(4), get(5), get(6))?;
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    None
}

/// The canonical form: ISO-8601 UTC with milliseconds and `Z`.
pub fn format(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn iso(v: Value) -> String {
        format(&parse(&v).unwrap_or_else(|| panic!("{v} should parse")))
    }

    #[test]
    fn every_form_seen_in_real_items() {
        assert_eq!(
            iso(json!("2017-01-09T22:50:14.328Z")),
            "2017-01-09T22:50:14.328Z"
        );
        assert_eq!(
            iso(json!("2017-02-04T06:10:33.880000-05:00")),
            "2017-02-04T11:10:33.880Z"
        );
        assert_eq!(iso(json!(1414708529.922)), "2014-10-30T22:35:29.922Z");
        assert_eq!(
            iso(json!("Jan 16, 2020 10:31:25 PM")),
            "2020-01-16T22:31:25.000Z"
        );
        assert_eq!(
            iso(json!("April 29, 2016 10:11:26 AM")),
            "2016-04-29T10:11:26.000Z"
        );
        assert_eq!(
            iso(
                json!({"__class__": "datetime", "year": 2016, "month": 12, "day": 11, "hour": 6, "minute": 4, "second": 3, "microsecond": 800000})
            ),
            "2016-12-11T06:04:03.800Z"
        );
        assert_eq!(
            iso(json!(
                "datetime.datetime(2020, 1, 16, 22, 31, 25, 320000, tzinfo=tzlocal())"
            )),
            "2020-01-16T22:31:25.320Z"
        );
        assert_eq!(iso(json!("2025-01-10")), "2025-01-10T00:00:00.000Z");
        assert_eq!(iso(json!(1414708529922u64)), "2014-10-30T22:35:29.922Z");
    }

    #[test]
    fn non_timestamps_are_none() {
        assert!(parse(&json!("soon")).is_none());
        assert!(parse(&json!(null)).is_none());
        assert!(parse(&json!(true)).is_none());
    }

    #[test]
    fn times_past_year_9999_are_none() {
        // Found by the property tests: 8.6e14 is read as epoch milliseconds, year
        // 29125, whose canonical text did not parse back.
        assert!(parse(&json!(856920218125180.5)).is_none());
        assert!(parse(&json!({"year": 10000, "month": 1, "day": 1})).is_none());
        assert_eq!(
            iso(json!("9999-12-31T23:59:59Z")),
            "9999-12-31T23:59:59.000Z"
        );
    }
}
