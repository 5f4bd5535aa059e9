//! Paths into a configuration item, such as
//! `configuration.ipPermissions[*].ipv4Ranges[*].cidrIp`.
//!
//! Rules address values by path rather than by code so that one rule file works on
//! snapshots, notifications and live collectors alike. A path is parsed once when a
//! rule is loaded and then resolved against many items, so resolution borrows from
//! the item and allocates only the output vector.
//!
//! Resolution distinguishes *missing* (a key is absent or null) from *empty* (the
//! keys exist but an array had no elements or a filter kept none): rules treat the
//! first as "we could not see it" and the second as a fact.

use serde_json::Value;
use std::fmt;

/// Parsing and resolving recurse once per step and once per nested filter; the
/// limits keep a hostile rule file from overflowing the stack (an abort, not an
/// error). Real paths have a handful of steps and at most one filter.
const MAX_STEPS: usize = 128;
const MAX_FILTER_DEPTH: usize = 16;

/// A parsed path. `Display` gives back the text it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    text: std::sync::Arc<str>,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    /// `[*]`: every element; a non-array value yields itself.
    Each,
    Index(usize),
    Filter(Filter),
}

#[derive(Debug, Clone, PartialEq)]
struct Filter {
    field: Box<Path>,
    negate: bool,
    value: Value,
}

/// Why a path text could not be parsed, with the character position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid path `{path}` at character {position}: {message}")]
pub struct PathError {
    pub path: String,
    pub position: usize,
    pub message: String,
}

/// The values a path yields and whether any branch ran into a missing key.
#[derive(Debug, Default)]
pub struct Resolved<'a> {
    pub values: Vec<&'a Value>,
    pub missing: bool,
}

impl<'a> Resolved<'a> {
    /// Missing only counts when nothing was found at all: a branch that is absent
    /// beside one that is present is the ordinary shape of optional AWS fields.
    pub fn is_missing(&self) -> bool {
        self.values.is_empty() && self.missing
    }
}

impl Path {
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let mut parser = Parser {
            text,
            chars: text.char_indices().peekable(),
            filter_depth: 0,
        };
        let steps = parser.steps(false)?;
        Ok(Path {
            text: std::sync::Arc::from(text),
            steps,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The text, shared: evidence points at it instead of copying it.
    pub fn text(&self) -> &std::sync::Arc<str> {
        &self.text
    }

    /// `@` (the current element) resolves to the root itself.
    pub fn is_self(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn resolve<'a>(&self, root: &'a Value) -> Resolved<'a> {
        let mut out = Resolved::default();
        walk(&self.steps, root, &mut out);
        out
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn walk<'a>(steps: &[Step], value: &'a Value, out: &mut Resolved<'a>) {
    if value.is_null() {
        out.missing = true;
        return;
    }
    let Some((step, rest)) = steps.split_first() else {
        out.values.push(value);
        return;
    };
    match step {
        Step::Key(key) => match value.get(key.as_str()) {
            Some(next) => walk(rest, next, out),
            None => out.missing = true,
        },
        Step::Each => match value {
            Value::Array(items) => {
                for item in items {
                    walk(rest, item, out);
                }
            }
            other => walk(rest, other, out),
        },
        Step::Index(i) => match value {
            Value::Array(items) => {
                if let Some(item) = items.get(*i) {
                    walk(rest, item, out);
                }
            }
            _ => out.missing = true,
        },
        Step::Filter(filter) => {
            let keep = |item: &'a Value, out: &mut Resolved<'a>| {
                if filter.accepts(item) {
                    walk(rest, item, out);
                }
            };
            match value {
                Value::Array(items) => items.iter().for_each(|item| keep(item, out)),
                other => keep(other, out),
            }
        }
    }
}

impl Filter {
    fn accepts(&self, item: &Value) -> bool {
        let found = self.field.resolve(item);
        let equal = found
            .values
            .iter()
            .any(|v| crate::value::loosely_equal(v, &self.value));
        let equal = equal || (self.value.is_null() && found.values.is_empty());
        equal != self.negate
    }
}

struct Parser<'t> {
    text: &'t str,
    chars: std::iter::Peekable<std::str::CharIndices<'t>>,
    filter_depth: usize,
}

impl Parser<'_> {
    fn error(&self, position: usize, message: impl Into<String>) -> PathError {
        PathError {
            path: self.text.to_string(),
            position,
            message: message.into(),
        }
    }

    fn position(&mut self) -> usize {
        self.chars
            .peek()
            .map(|(i, _)| *i)
            .unwrap_or(self.text.len())
    }

    /// Steps up to the end, or up to a comparison operator when inside a filter.
    fn steps(&mut self, in_filter: bool) -> Result<Vec<Step>, PathError> {
        let mut steps = Vec::new();
        if self.chars.peek().map(|(_, c)| *c) == Some('@') {
            self.chars.next();
            if self.chars.peek().map(|(_, c)| *c) == Some('.') {
                self.chars.next();
            }
        }
        let mut expect_key = true;
        while let Some(&(pos, c)) = self.chars.peek() {
            if in_filter && (c == '=' || c == '!' || c == ']' || c.is_whitespace()) {
                break;
            }
            if steps.len() == MAX_STEPS {
                return Err(self.error(pos, format!("more than {MAX_STEPS} steps")));
            }
            match c {
                '[' => {
                    self.chars.next();
                    steps.push(self.bracket(pos)?);
                    expect_key = false;
                }
                '.' if !expect_key => {
                    self.chars.next();
                    expect_key = true;
                }
                '"' | '\'' if expect_key => {
                    self.chars.next();
                    let key = self.quoted(c, pos)?;
                    steps.push(Step::Key(key));
                    expect_key = false;
                }
                _ if expect_key => {
                    let key = self.bare_key(in_filter);
                    if key.is_empty() {
                        return Err(self.error(pos, format!("unexpected `{c}`")));
                    }
                    steps.push(Step::Key(key));
                    expect_key = false;
                }
                _ => return Err(self.error(pos, format!("expected `.` or `[`, found `{c}`"))),
            }
        }
        if expect_key && !steps.is_empty() {
            return Err(self.error(self.text.len(), "path ends with `.`"));
        }
        Ok(steps)
    }

    fn bare_key(&mut self, in_filter: bool) -> String {
        let mut key = String::new();
        while let Some(&(_, c)) = self.chars.peek() {
            if c == '.' || c == '[' || (in_filter && (c == '=' || c == '!' || c == ']')) {
                break;
            }
            if c.is_whitespace() {
                break;
            }
            key.push(c);
            self.chars.next();
        }
        key
    }

    fn quoted(&mut self, quote: char, start: usize) -> Result<String, PathError> {
        let mut out = String::new();
        loop {
            match self.chars.next() {
                Some((_, c)) if c == quote => return Ok(out),
                Some((_, '\\')) => match self.chars.next() {
                    Some((_, c)) => out.push(c),
                    None => break,
                },
                Some((_, c)) => out.push(c),
                None => break,
            }
        }
        Err(self.error(start, "unterminated quoted key"))
    }

    fn skip_spaces(&mut self) {
        while matches!(self.chars.peek(), Some((_, c)) if c.is_whitespace()) {
            self.chars.next();
        }
    }

    fn bracket(&mut self, open: usize) -> Result<Step, PathError> {
        self.skip_spaces();
        let step = match self.chars.peek().map(|(_, c)| *c) {
            Some('*') => {
                self.chars.next();
                Step::Each
            }
            Some('?') => {
                self.chars.next();
                if self.filter_depth == MAX_FILTER_DEPTH {
                    return Err(self.error(
                        open,
                        format!("filters nested more than {MAX_FILTER_DEPTH} deep"),
                    ));
                }
                self.filter_depth += 1;
                self.skip_spaces();
                let field_start = self.position();
                let field_steps = self.steps(true)?;
                self.filter_depth -= 1;
                let field_text = self.text[field_start..self.position()].trim().to_string();
                self.skip_spaces();
                let negate = match (self.chars.next(), self.chars.next()) {
                    (Some((_, '=')), Some((_, '='))) => false,
                    (Some((_, '!')), Some((_, '='))) => true,
                    _ => return Err(self.error(open, "filter needs `==` or `!=`")),
                };
                self.skip_spaces();
                let value = self.literal(open)?;
                Step::Filter(Filter {
                    field: Box::new(Path {
                        text: std::sync::Arc::from(field_text),
                        steps: field_steps,
                    }),
                    negate,
                    value,
                })
            }
            Some(c) if c.is_ascii_digit() => {
                let mut digits = String::new();
                while let Some(&(_, c)) = self.chars.peek() {
                    if !c.is_ascii_digit() {
                        break;
                    }
                    digits.push(c);
                    self.chars.next();
                }
                Step::Index(digits.parse().map_err(|_| self.error(open, "bad index"))?)
            }
            Some('"') | Some('\'') => {
                let (pos, q) = self.chars.next().expect("peeked");
                Step::Key(self.quoted(q, pos)?)
            }
            _ => return Err(self.error(open, "expected `*`, an index, `?filter` or a quoted key")),
        };
        self.skip_spaces();
        match self.chars.next() {
            Some((_, ']')) => Ok(step),
            _ => Err(self.error(open, "missing `]`")),
        }
    }

    fn literal(&mut self, open: usize) -> Result<Value, PathError> {
        match self.chars.peek().map(|(_, c)| *c) {
            Some(q @ ('"' | '\'')) => {
                let (pos, _) = self.chars.next().expect("peeked");
                Ok(Value::String(self.quoted(q, pos)?))
            }
            _ => {
                let mut word = String::new();
                while let Some(&(_, c)) = self.chars.peek() {
                    if c == ']' || c.is_whitespace() {
                        break;
                    }
                    word.push(c);
                    self.chars.next();
                }
                match word.as_str() {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    "null" => Ok(Value::Null),
                    _ => serde_json::from_str::<serde_json::Number>(&word)
                        .map(Value::Number)
                        .map_err(|_| {
                            self.error(
                                open,
                                format!("filter value `{word}` is not a quoted string, number, true, false or null"),
                            )
                        }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(path: &str, v: &Value) -> Vec<String> {
        Path::parse(path)
            .unwrap()
            .resolve(v)
            .values
            .iter()
            .map(|v| v.to_string())
            .collect()
    }

    #[test]
    fn keys_wildcards_and_indexes() {
        let v = json!({"a": {"b": [{"c": 1}, {"c": 2}, {"d": 3}]}});
        assert_eq!(strings("a.b[*].c", &v), ["1", "2"]);
        assert_eq!(strings("a.b[1].c", &v), ["2"]);
        assert!(Path::parse("a.b[9].c")
            .unwrap()
            .resolve(&v)
            .values
            .is_empty());
    }

    #[test]
    fn wildcard_on_a_single_value_yields_it() {
        let v = json!({"Statement": {"Action": "s3:*"}});
        assert_eq!(strings("Statement[*].Action[*]", &v), ["\"s3:*\""]);
    }

    #[test]
    fn missing_differs_from_empty() {
        let v = json!({"a": {"list": [], "nil": null}});
        let p = |s: &str| Path::parse(s).unwrap().resolve(&v).is_missing();
        assert!(p("a.absent"));
        assert!(p("a.nil"));
        assert!(p("a.nil.deeper"));
        assert!(!p("a.list[*].x"));
        assert!(!p("a.list"));
    }

    #[test]
    fn filters_select_elements() {
        let v = json!({"versions": [
            {"isDefaultVersion": false, "id": "v1"},
            {"isDefaultVersion": true, "id": "v2"},
            {"isDefaultVersion": "true", "id": "v3"}
        ]});
        assert_eq!(
            strings("versions[?isDefaultVersion==true].id", &v),
            ["\"v2\"", "\"v3\""]
        );
        assert_eq!(
            strings("versions[?id != 'v2'].id", &v),
            ["\"v1\"", "\"v3\""]
        );
        assert_eq!(
            strings("versions[?id==\"v1\"].isDefaultVersion", &v),
            ["false"]
        );
    }

    #[test]
    fn quoted_keys_hold_dots_and_colons() {
        let v =
            json!({"Condition": {"Bool": {"aws:SecureTransport": "false"}}, "tags": {"a.b": 1}});
        assert_eq!(
            strings("Condition.Bool.\"aws:SecureTransport\"", &v),
            ["\"false\""]
        );
        assert_eq!(strings("tags['a.b']", &v), ["1"]);
    }

    #[test]
    fn self_path() {
        let v = json!("x");
        assert!(Path::parse("@").unwrap().is_self());
        assert_eq!(strings("@", &v), ["\"x\""]);
    }

    #[test]
    fn bad_paths_name_the_position() {
        for bad in ["a..b", "a.", "a[", "a[x]", "a[?b=1]", "a[?b==nope]"] {
            let err = Path::parse(bad).unwrap_err();
            assert_eq!(err.path, bad);
        }
        assert_eq!(Path::parse("a[x]").unwrap_err().position, 1);
    }
}
