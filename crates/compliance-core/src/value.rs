//! Comparisons between JSON values as AWS actually serialises them.
//!
//! The same fact arrives as `22`, `22.0` or `"22"`, and as `false` or `"false"`,
//! depending on which API or Config delivery produced the item. Rules compare
//! meanings, so these helpers decide once, in one place, which spellings are equal
//! and which are a genuine type mismatch.

use serde_json::Value;

/// The JSON type name used in error messages and evidence.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A number, or a string that holds one.
pub fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// A boolean, or the strings `true`/`false` in any case.
pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Whether `found` can sensibly be compared with `expected`. Comparing across
/// types that cannot carry the same meaning is a rule or data error, not a
/// difference.
pub fn comparable(found: &Value, expected: &Value) -> bool {
    match expected {
        Value::Null => true,
        Value::Bool(_) => as_bool(found).is_some(),
        Value::Number(_) => as_number(found).is_some(),
        Value::String(_) => matches!(found, Value::String(_) | Value::Number(_) | Value::Bool(_)),
        Value::Array(_) => found.is_array(),
        Value::Object(_) => found.is_object(),
    }
}

/// Equality with AWS's spellings folded together: numbers by value, booleans
/// from their strings, a string operand against a number by its decimal text.
pub fn loosely_equal(found: &Value, expected: &Value) -> bool {
    match (found, expected) {
        (Value::Number(_), Value::Number(_)) | (Value::String(_), Value::Number(_)) => {
            match (as_number(found), as_number(expected)) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            }
        }
        (Value::Number(_), Value::String(s)) => {
            as_number(found).is_some_and(|a| s.trim().parse::<f64>().ok() == Some(a))
        }
        (_, Value::Bool(b)) => as_bool(found) == Some(*b),
        (Value::Bool(a), Value::String(s)) => {
            s.eq_ignore_ascii_case(if *a { "true" } else { "false" })
        }
        _ => found == expected,
    }
}

/// A short one-line rendering of a value for tables: strings without quotes,
/// long values cut.
pub fn short(v: &Value, max: usize) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() <= max {
        text
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aws_spellings_compare_equal() {
        assert!(loosely_equal(&json!(22.0), &json!(22)));
        assert!(loosely_equal(&json!("22"), &json!(22)));
        assert!(loosely_equal(&json!(22), &json!("22")));
        assert!(loosely_equal(&json!("false"), &json!(false)));
        assert!(loosely_equal(&json!("TRUE"), &json!(true)));
        assert!(loosely_equal(&json!(true), &json!("true")));
        assert!(!loosely_equal(&json!("yes"), &json!(true)));
        assert!(!loosely_equal(&json!("tcp"), &json!("-1")));
    }

    #[test]
    fn comparability() {
        assert!(comparable(&json!("7"), &json!(1)));
        assert!(!comparable(&json!("seven"), &json!(1)));
        assert!(!comparable(&json!({"a": 1}), &json!("a")));
        assert!(comparable(&json!("false"), &json!(true)));
        assert!(!comparable(&json!("no"), &json!(true)));
    }

    #[test]
    fn short_cuts_long_values() {
        assert_eq!(short(&json!("abcdef"), 4), "abc…");
        assert_eq!(short(&json!("abc"), 4), "abc");
        assert_eq!(short(&json!({"a": 1}), 40), "{\"a\":1}");
    }
}
