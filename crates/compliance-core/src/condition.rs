//! Conditions: the language rule files use to say what a compliant resource looks
//! like, and its evaluation against one configuration item.
//!
//! Conditions are read from TOML as [`RawCondition`] (so unknown operators and keys
//! are rejected by serde with a line and column), then compiled once per rule and
//! parameter set into [`Condition`]: parameters substituted, paths parsed, regexes,
//! globs and CIDRs built. Evaluation is then allocation-light and pure.
//!
//! Evaluation is three-valued (true, false, missing) plus errors, so that a value we
//! could not see is never mistaken for a pass, and a value of the wrong type stops
//! the check with an error instead of quietly deciding it. See docs/rule-format.md.

use crate::path::{Path, PathError};
use crate::value::{as_number, comparable, loosely_equal, type_name};
use globset::{Glob, GlobSet, GlobSetBuilder};
use ipnet::IpNet;
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::Range;
use std::sync::Arc;
use toml::Spanned;

/// A condition as written in a rule file. Exactly one form must be present;
/// [`compile`] enforces that and reports the span of the offending table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    pub all: Option<Vec<Spanned<RawCondition>>>,
    pub any: Option<Vec<Spanned<RawCondition>>>,
    pub none: Option<Vec<Spanned<RawCondition>>>,
    pub not: Option<Box<Spanned<RawCondition>>>,
    pub path: Option<String>,
    pub any_item: Option<Box<Spanned<RawCondition>>>,
    pub all_items: Option<Box<Spanned<RawCondition>>>,
    pub no_item: Option<Box<Spanned<RawCondition>>>,
    pub equals: Option<toml::Value>,
    pub not_equals: Option<toml::Value>,
    #[serde(rename = "in")]
    pub in_: Option<toml::Value>,
    pub not_in: Option<toml::Value>,
    pub contains: Option<toml::Value>,
    pub gt: Option<toml::Value>,
    pub gte: Option<toml::Value>,
    pub lt: Option<toml::Value>,
    pub lte: Option<toml::Value>,
    pub matches: Option<toml::Value>,
    pub glob: Option<toml::Value>,
    pub exists: Option<toml::Value>,
    pub has_keys: Option<toml::Value>,
    pub cidr_in: Option<toml::Value>,
    pub cidr_covers: Option<toml::Value>,
    pub covers_ports: Option<toml::Value>,
    pub length_gte: Option<toml::Value>,
    pub length_lte: Option<toml::Value>,
    #[serde(rename = "match")]
    pub match_mode: Option<MatchMode>,
    pub if_missing: Option<IfMissing>,
}

/// How a leaf treats several values at its path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    #[default]
    Any,
    All,
}

/// What a leaf or quantifier decides when its path is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IfMissing {
    Pass,
    Fail,
}

/// A compile error with the byte span of the condition it concerns, which the
/// rule loader turns into a line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct CompileError {
    pub span: Option<Range<usize>>,
    pub message: String,
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub struct Condition {
    kind: Kind,
    /// Human description, shown as "expected" in evidence; shared, not copied, by findings.
    desc: Arc<str>,
}

#[derive(Debug, Clone)]
enum Kind {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    None(Vec<Condition>),
    Not(Box<Condition>),
    Quant {
        path: Path,
        quant: Quant,
        inner: Box<Condition>,
        if_missing: Option<IfMissing>,
    },
    Leaf {
        path: Path,
        op: Op,
        mode: MatchMode,
        if_missing: Option<IfMissing>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Quant {
    AnyItem,
    AllItems,
    NoItem,
}

#[derive(Debug, Clone)]
enum Op {
    Equals(Value),
    NotEquals(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    Contains(Value),
    Cmp(Cmp, f64),
    Matches(Regex),
    Glob(GlobSet),
    Exists(bool),
    HasKeys(Vec<String>),
    CidrIn(Vec<IpNet>),
    CidrCovers(Vec<IpNet>),
    CoversPorts(Vec<u16>),
    LenGte(usize),
    LenLte(usize),
}

#[derive(Debug, Clone, Copy)]
enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// The result of a condition that could be decided either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Missing,
}

/// What was seen where the outcome was decided.
#[derive(Debug)]
pub enum Found<'a> {
    Values(Vec<&'a Value>),
    Element(&'a Value),
    /// Every element was checked and passed: the count, not a copy of each
    /// (the evidence of a compliant quantifier would otherwise repeat whole lists).
    Checked(usize),
    Missing,
}

/// The decisive observation behind an outcome, borrowed from the item and the
/// rule; turned into owned evidence only for the findings that are kept.
#[derive(Debug)]
pub struct Witness<'a> {
    pub path: &'a Arc<str>,
    pub found: Found<'a>,
    pub expected: &'a Arc<str>,
}

#[derive(Debug)]
pub struct Outcome<'a> {
    pub truth: Truth,
    pub witness: Witness<'a>,
}

/// A value of the wrong type where the rule expected another: an ERROR outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    pub path: String,
    pub message: String,
    pub found: Value,
}

type Params = BTreeMap<String, Value>;

/// Compiles a raw condition with the rule's parameters substituted.
pub fn compile(raw: &Spanned<RawCondition>, params: &Params) -> Result<Condition, CompileError> {
    Compiler { params }.condition(raw)
}

struct Compiler<'p> {
    params: &'p Params,
}

impl Compiler<'_> {
    fn condition(&self, raw: &Spanned<RawCondition>) -> Result<Condition, CompileError> {
        let span = raw.span();
        let c = raw.get_ref();
        let err = |message: String| CompileError {
            span: Some(span.clone()),
            message,
        };
        let mut forms = Vec::new();
        if c.all.is_some() {
            forms.push("all");
        }
        if c.any.is_some() {
            forms.push("any");
        }
        if c.none.is_some() {
            forms.push("none");
        }
        if c.not.is_some() {
            forms.push("not");
        }
        if c.path.is_some() {
            forms.push("path");
        }
        if forms.len() != 1 {
            return Err(err(if forms.is_empty() {
                "a condition needs one of `all`, `any`, `none`, `not` or `path` with an operator"
                    .into()
            } else {
                format!(
                    "a condition takes exactly one form, found {}",
                    forms.join(", ")
                )
            }));
        }
        let combinator_only_leaf_keys = c.match_mode.is_some() || c.if_missing.is_some();
        let list = |items: &Vec<Spanned<RawCondition>>,
                    name: &str|
         -> Result<Vec<Condition>, CompileError> {
            if items.is_empty() {
                return Err(err(format!("`{name}` needs at least one condition")));
            }
            items.iter().map(|i| self.condition(i)).collect()
        };
        let (kind, desc) = if let Some(items) = &c.all {
            let parts = list(items, "all")?;
            let d = join(&parts, " and ");
            (Kind::All(parts), d)
        } else if let Some(items) = &c.any {
            let parts = list(items, "any")?;
            let d = join(&parts, " or ");
            (Kind::Any(parts), d)
        } else if let Some(items) = &c.none {
            let parts = list(items, "none")?;
            let d = format!("none of ({})", join(&parts, "; "));
            (Kind::None(parts), d)
        } else if let Some(inner) = &c.not {
            let inner = self.condition(inner)?;
            let d = format!("not ({})", inner.desc);
            (Kind::Not(Box::new(inner)), d)
        } else {
            let path_text = c.path.as_deref().unwrap_or_default();
            let path = Path::parse(path_text).map_err(|e: PathError| err(e.to_string()))?;
            return self.leaf_or_quant(c, path, span);
        };
        if combinator_only_leaf_keys {
            return Err(err(
                "`match` and `if_missing` belong on a `path` condition".into()
            ));
        }
        Ok(Condition {
            kind,
            desc: desc.into(),
        })
    }

    fn leaf_or_quant(
        &self,
        c: &RawCondition,
        path: Path,
        span: Range<usize>,
    ) -> Result<Condition, CompileError> {
        let err = |message: String| CompileError {
            span: Some(span.clone()),
            message,
        };
        let quants = [
            (Quant::AnyItem, &c.any_item, "some element"),
            (Quant::AllItems, &c.all_items, "every element"),
            (Quant::NoItem, &c.no_item, "no element"),
        ];
        let ops: Vec<(&str, &toml::Value)> = [
            ("equals", &c.equals),
            ("not_equals", &c.not_equals),
            ("in", &c.in_),
            ("not_in", &c.not_in),
            ("contains", &c.contains),
            ("gt", &c.gt),
            ("gte", &c.gte),
            ("lt", &c.lt),
            ("lte", &c.lte),
            ("matches", &c.matches),
            ("glob", &c.glob),
            ("exists", &c.exists),
            ("has_keys", &c.has_keys),
            ("cidr_in", &c.cidr_in),
            ("cidr_covers", &c.cidr_covers),
            ("covers_ports", &c.covers_ports),
            ("length_gte", &c.length_gte),
            ("length_lte", &c.length_lte),
        ]
        .into_iter()
        .filter_map(|(n, v)| v.as_ref().map(|v| (n, v)))
        .collect();
        let present_quants: Vec<_> = quants.iter().filter(|(_, q, _)| q.is_some()).collect();
        match (ops.len(), present_quants.len()) {
            (0, 1) => {
                let (quant, inner, word) = present_quants[0];
                let inner = self.condition(inner.as_ref().expect("present"))?;
                if c.match_mode.is_some() {
                    return Err(err("`match` applies to operators, not to item quantifiers".into()));
                }
                let desc = match inner.kind {
                    Kind::All(_) | Kind::Any(_) => format!("{word} of {path} where ({})", inner.desc),
                    _ => format!("{word} of {path} where {}", inner.desc),
                };
                Ok(Condition {
                    kind: Kind::Quant {
                        path,
                        quant: *quant,
                        inner: Box::new(inner),
                        if_missing: c.if_missing,
                    },
                    desc: desc.into(),
                })
            }
            (1, 0) => {
                let (name, operand) = ops[0];
                let operand = self.operand(operand).map_err(&err)?;
                let (op, shown) = build_op(name, operand).map_err(|m| err(format!("`{name}`: {m}")))?;
                let mode = c.match_mode.unwrap_or_default();
                let every = if mode == MatchMode::All { "every value of " } else { "" };
                let desc = format!("{every}{path} {shown}");
                Ok(Condition {
                    kind: Kind::Leaf {
                        path,
                        op,
                        mode,
                        if_missing: c.if_missing,
                    },
                    desc: desc.into(),
                })
            }
            (0, 0) => Err(err(format!(
                "`path = \"{path}\"` needs an operator (equals, not_equals, in, not_in, contains, gt, gte, lt, lte, matches, glob, exists, has_keys, cidr_in, cidr_covers, covers_ports, length_gte, length_lte) or an item quantifier (any_item, all_items, no_item)"
            ))),
            _ => {
                let mut names: Vec<&str> = ops.iter().map(|(n, _)| *n).collect();
                names.extend(present_quants.iter().map(|(q, _, _)| match q {
                    Quant::AnyItem => "any_item",
                    Quant::AllItems => "all_items",
                    Quant::NoItem => "no_item",
                }));
                Err(err(format!(
                    "a `path` condition takes exactly one operator, found {}; combine several with `all`",
                    names.join(", ")
                )))
            }
        }
    }

    /// Converts an operand to JSON, substituting `$name` parameters (also inside lists).
    fn operand(&self, v: &toml::Value) -> Result<Value, String> {
        match v {
            toml::Value::String(s) if s.starts_with('$') && s.len() > 1 => {
                let name = &s[1..];
                let value = self.params.get(name).ok_or_else(|| {
                    format!("unknown parameter `{name}` (declare it under [params])")
                })?;
                if let Some(ssm) = value.as_str().filter(|s| s.starts_with("ssm:")) {
                    return Err(format!(
                        "parameter `{name}` is read from SSM Parameter Store ({ssm}) and has not been resolved; only a live scan reads SSM"
                    ));
                }
                Ok(value.clone())
            }
            toml::Value::Array(items) => items
                .iter()
                .map(|i| self.operand(i))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Ok(toml_to_json(other)),
        }
    }
}

/// Joins descriptions, bracketing nested compound parts so precedence reads unambiguously.
fn join(parts: &[Condition], sep: &str) -> String {
    let many = parts.len() > 1;
    parts
        .iter()
        .map(|p| match &p.kind {
            Kind::All(x) | Kind::Any(x) if many && x.len() > 1 => format!("({})", p.desc),
            Kind::Quant { .. } if many => format!("({})", p.desc),
            _ => p.desc.to_string(),
        })
        .collect::<Vec<_>>()
        .join(sep)
}

/// TOML to JSON; datetimes become their RFC 3339 text.
pub fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

fn list_of(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        other => vec![other],
    }
}

fn number(v: &Value) -> Result<f64, String> {
    v.as_f64()
        .ok_or_else(|| format!("needs a number, got {}", type_name(v)))
}

fn build_op(name: &str, v: Value) -> Result<(Op, String), String> {
    let shown = |prefix: &str, v: &Value| format!("{prefix} {v}");
    Ok(match name {
        "equals" => (Op::Equals(v.clone()), shown("==", &v)),
        "not_equals" => (Op::NotEquals(v.clone()), shown("!=", &v)),
        "in" | "not_in" => {
            if !v.is_array() {
                return Err(format!("needs a list, got {}", type_name(&v)));
            }
            let text = shown(if name == "in" { "in" } else { "not in" }, &v);
            let items = list_of(v);
            (
                if name == "in" {
                    Op::In(items)
                } else {
                    Op::NotIn(items)
                },
                text,
            )
        }
        "contains" => (Op::Contains(v.clone()), shown("contains", &v)),
        "gt" => (Op::Cmp(Cmp::Gt, number(&v)?), shown(">", &v)),
        "gte" => (Op::Cmp(Cmp::Gte, number(&v)?), shown(">=", &v)),
        "lt" => (Op::Cmp(Cmp::Lt, number(&v)?), shown("<", &v)),
        "lte" => (Op::Cmp(Cmp::Lte, number(&v)?), shown("<=", &v)),
        "matches" => {
            let text = v.as_str().ok_or("needs a regular expression string")?;
            let re = Regex::new(text).map_err(|e| format!("invalid regular expression: {e}"))?;
            (Op::Matches(re), format!("matches /{text}/"))
        }
        "glob" => {
            let mut builder = GlobSetBuilder::new();
            let patterns = list_of(v.clone());
            for p in &patterns {
                let text = p.as_str().ok_or("needs a glob string or a list of them")?;
                builder.add(Glob::new(text).map_err(|e| format!("invalid glob `{text}`: {e}"))?);
            }
            let set = builder.build().map_err(|e| e.to_string())?;
            (Op::Glob(set), shown("matches glob", &v))
        }
        "exists" => {
            let b = v.as_bool().ok_or("needs true or false")?;
            (
                Op::Exists(b),
                if b {
                    "exists".into()
                } else {
                    "is absent".into()
                },
            )
        }
        "has_keys" => {
            let keys = list_of(v.clone())
                .into_iter()
                .map(|k| {
                    k.as_str()
                        .map(str::to_string)
                        .ok_or("needs a list of key names")
                })
                .collect::<Result<Vec<_>, _>>()?;
            (Op::HasKeys(keys), shown("has keys", &v))
        }
        "cidr_in" | "cidr_covers" => {
            let nets = list_of(v.clone())
                .into_iter()
                .map(|n| {
                    let text = n.as_str().ok_or("needs CIDR strings")?;
                    parse_net(text).ok_or("needs CIDR strings")
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{e}, got {v}"))?;
            if name == "cidr_in" {
                (Op::CidrIn(nets), shown("within", &v))
            } else {
                (Op::CidrCovers(nets), shown("covers all of one of", &v))
            }
        }
        "covers_ports" => {
            let ports = list_of(v.clone())
                .into_iter()
                .map(|p| {
                    p.as_u64()
                        .and_then(|p| u16::try_from(p).ok())
                        .ok_or("needs port numbers 0-65535")
                })
                .collect::<Result<Vec<_>, _>>()?;
            (Op::CoversPorts(ports), shown("admits a port in", &v))
        }
        "length_gte" | "length_lte" => {
            let n = v.as_u64().ok_or("needs a non-negative integer")? as usize;
            if name == "length_gte" {
                (Op::LenGte(n), format!("has length >= {n}"))
            } else {
                (Op::LenLte(n), format!("has length <= {n}"))
            }
        }
        other => return Err(format!("unknown operator `{other}`")),
    })
}

fn parse_net(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

impl Condition {
    pub fn description(&self) -> &str {
        &self.desc
    }

    /// The item paths this condition reads (paths inside quantifiers are relative
    /// and covered by the quantifier's own path). Collectors use them to make only
    /// the calls the selected rules need; the engine to spot unreadable parts.
    pub fn paths(&self, out: &mut Vec<String>) {
        match &self.kind {
            Kind::All(parts) | Kind::Any(parts) | Kind::None(parts) => {
                parts.iter().for_each(|p| p.paths(out))
            }
            Kind::Not(inner) => inner.paths(out),
            Kind::Quant { path, .. } | Kind::Leaf { path, .. } => {
                if !path.is_self() {
                    out.push(path.as_str().to_string());
                }
            }
        }
    }

    /// Evaluates against `root` (a whole item, or an element inside a quantifier).
    pub fn eval<'a>(&'a self, root: &'a Value) -> Result<Outcome<'a>, EvalError> {
        match &self.kind {
            Kind::Leaf {
                path,
                op,
                mode,
                if_missing,
            } => self.eval_leaf(path, op, *mode, *if_missing, root),
            Kind::Quant {
                path,
                quant,
                inner,
                if_missing,
            } => self.eval_quant(path, *quant, inner, *if_missing, root),
            Kind::All(parts) => {
                let mut first_true = None;
                let mut first_missing = None;
                for part in parts {
                    let out = part.eval(root)?;
                    match out.truth {
                        Truth::False => return Ok(out),
                        Truth::Missing => {
                            first_missing.get_or_insert(out);
                        }
                        Truth::True => {
                            first_true.get_or_insert(out);
                        }
                    }
                }
                Ok(first_missing.or(first_true).expect("`all` has parts"))
            }
            Kind::Any(parts) => {
                let mut first_false = None;
                let mut first_missing = None;
                let mut winner = None;
                // Every part is evaluated so a type error anywhere is never hidden by a pass.
                for part in parts {
                    let out = part.eval(root)?;
                    match out.truth {
                        Truth::True => {
                            winner.get_or_insert(out);
                        }
                        Truth::Missing => {
                            first_missing.get_or_insert(out);
                        }
                        Truth::False => {
                            first_false.get_or_insert(out);
                        }
                    }
                }
                // A definite false beats missing: alternatives such as `ipRanges` and
                // `ipv4Ranges` are often only partly present, and what was seen decides.
                Ok(winner
                    .or(first_false)
                    .or(first_missing)
                    .expect("`any` has parts"))
            }
            Kind::None(parts) => {
                let mut offender = None;
                let mut first_missing = None;
                let mut first_false = None;
                for part in parts {
                    let out = part.eval(root)?;
                    match out.truth {
                        Truth::True => {
                            offender.get_or_insert(out);
                        }
                        Truth::Missing => {
                            first_missing.get_or_insert(out);
                        }
                        Truth::False => {
                            first_false.get_or_insert(out);
                        }
                    }
                }
                let (truth, inner) = match (offender, first_false, first_missing) {
                    (Some(o), _, _) => (Truth::False, o),
                    (None, Some(f), _) => (Truth::True, f),
                    (None, None, Some(m)) => (Truth::Missing, m),
                    _ => unreachable!("`none` has parts"),
                };
                Ok(Outcome {
                    truth,
                    witness: Witness {
                        expected: &self.desc,
                        ..inner.witness
                    },
                })
            }
            Kind::Not(inner) => {
                let out = inner.eval(root)?;
                let truth = match out.truth {
                    Truth::True => Truth::False,
                    Truth::False => Truth::True,
                    Truth::Missing => Truth::Missing,
                };
                Ok(Outcome {
                    truth,
                    witness: Witness {
                        expected: &self.desc,
                        ..out.witness
                    },
                })
            }
        }
    }

    fn eval_leaf<'a>(
        &'a self,
        path: &'a Path,
        op: &'a Op,
        mode: MatchMode,
        if_missing: Option<IfMissing>,
        root: &'a Value,
    ) -> Result<Outcome<'a>, EvalError> {
        let resolved = path.resolve(root);
        let witness = |found| Witness {
            path: path.text(),
            found,
            expected: &self.desc,
        };
        if let Op::Exists(want) = op {
            let present = !resolved.values.is_empty();
            let truth = if present == *want {
                Truth::True
            } else {
                Truth::False
            };
            let found = if present {
                Found::Values(resolved.values)
            } else {
                Found::Missing
            };
            return Ok(Outcome {
                truth,
                witness: witness(found),
            });
        }
        if resolved.is_missing() {
            return Ok(Outcome {
                truth: missing_truth(if_missing),
                witness: witness(Found::Missing),
            });
        }
        let mut any = false;
        let mut all = true;
        for v in &resolved.values {
            let ok = op.test(v).map_err(|message| EvalError {
                path: path.to_string(),
                message,
                found: (*v).clone(),
            })?;
            any |= ok;
            all &= ok;
        }
        // No values at all never passes: "every one of nothing" would be a silent pass.
        let holds = !resolved.values.is_empty() && if mode == MatchMode::All { all } else { any };
        Ok(Outcome {
            truth: if holds { Truth::True } else { Truth::False },
            witness: witness(Found::Values(resolved.values)),
        })
    }

    fn eval_quant<'a>(
        &'a self,
        path: &'a Path,
        quant: Quant,
        inner: &'a Condition,
        if_missing: Option<IfMissing>,
        root: &'a Value,
    ) -> Result<Outcome<'a>, EvalError> {
        let resolved = path.resolve(root);
        let witness = |found| Witness {
            path: path.text(),
            found,
            expected: &self.desc,
        };
        if resolved.is_missing() {
            return Ok(Outcome {
                truth: missing_truth(if_missing),
                witness: witness(Found::Missing),
            });
        }
        let elements = resolved.values.iter().flat_map(|v| match v {
            Value::Array(items) => items.iter().collect::<Vec<_>>(),
            other => vec![*other],
        });
        let mut checked = 0usize;
        let mut hit: Option<&'a Value> = None;
        let mut miss: Option<&'a Value> = None;
        let mut unknown: Option<&'a Value> = None;
        for element in elements {
            checked += 1;
            let out = inner.eval(element).map_err(|mut e| {
                e.path = format!("{path}[…].{}", e.path);
                e
            })?;
            match out.truth {
                Truth::True => {
                    hit.get_or_insert(element);
                }
                Truth::False => {
                    miss.get_or_insert(element);
                }
                Truth::Missing => {
                    unknown.get_or_insert(element);
                }
            }
        }
        let (truth, found) = match quant {
            Quant::AnyItem => match (hit, unknown) {
                (Some(e), _) => (Truth::True, Found::Element(e)),
                (None, Some(e)) => (Truth::Missing, Found::Element(e)),
                (None, None) => (Truth::False, Found::Values(resolved.values)),
            },
            Quant::AllItems => match (miss, unknown) {
                (Some(e), _) => (Truth::False, Found::Element(e)),
                (None, Some(e)) => (Truth::Missing, Found::Element(e)),
                (None, None) => (Truth::True, Found::Checked(checked)),
            },
            Quant::NoItem => match (hit, unknown) {
                (Some(e), _) => (Truth::False, Found::Element(e)),
                (None, Some(e)) => (Truth::Missing, Found::Element(e)),
                (None, None) => (Truth::True, Found::Checked(checked)),
            },
        };
        Ok(Outcome {
            truth,
            witness: witness(found),
        })
    }
}

fn missing_truth(if_missing: Option<IfMissing>) -> Truth {
    match if_missing {
        Some(IfMissing::Pass) => Truth::True,
        Some(IfMissing::Fail) => Truth::False,
        None => Truth::Missing,
    }
}

fn mismatch(op: &str, want: &str, v: &Value) -> String {
    format!(
        "`{op}` needs {want}, found {} {}",
        type_name(v),
        crate::value::short(v, 80)
    )
}

impl Op {
    fn test(&self, v: &Value) -> Result<bool, String> {
        match self {
            Op::Equals(e) | Op::NotEquals(e) => {
                if !comparable(v, e) {
                    return Err(mismatch(
                        "equals",
                        &format!("a value comparable with {e}"),
                        v,
                    ));
                }
                let eq = loosely_equal(v, e);
                Ok(if matches!(self, Op::Equals(_)) {
                    eq
                } else {
                    !eq
                })
            }
            Op::In(items) | Op::NotIn(items) => {
                if !items.is_empty() && !items.iter().any(|e| comparable(v, e)) {
                    return Err(mismatch("in", "a value of the listed type", v));
                }
                let found = items.iter().any(|e| loosely_equal(v, e));
                Ok(if matches!(self, Op::In(_)) {
                    found
                } else {
                    !found
                })
            }
            Op::Contains(e) => match v {
                Value::Array(items) => Ok(items.iter().any(|i| loosely_equal(i, e))),
                Value::String(s) => match e.as_str() {
                    Some(needle) => Ok(s.contains(needle)),
                    None => Err(mismatch("contains", "an array", v)),
                },
                _ => Err(mismatch("contains", "an array or a string", v)),
            },
            Op::Cmp(cmp, n) => {
                let x = as_number(v).ok_or_else(|| mismatch("comparison", "a number", v))?;
                Ok(match cmp {
                    Cmp::Gt => x > *n,
                    Cmp::Gte => x >= *n,
                    Cmp::Lt => x < *n,
                    Cmp::Lte => x <= *n,
                })
            }
            Op::Matches(re) => scalar_text(v, "matches").map(|s| re.is_match(&s)),
            Op::Glob(set) => scalar_text(v, "glob").map(|s| set.is_match(s.as_str())),
            Op::Exists(_) => Ok(true),
            Op::HasKeys(keys) => match v {
                Value::Object(map) => Ok(keys.iter().all(|k| {
                    map.get(k).is_some_and(|x| {
                        !x.is_null() && x.as_str().map(|s| !s.trim().is_empty()).unwrap_or(true)
                    })
                })),
                _ => Err(mismatch("has_keys", "an object", v)),
            },
            Op::CidrIn(nets) | Op::CidrCovers(nets) => {
                let text = v
                    .as_str()
                    .ok_or_else(|| mismatch("cidr", "a CIDR string", v))?;
                let net = parse_net(text).ok_or_else(|| mismatch("cidr", "a CIDR string", v))?;
                Ok(if matches!(self, Op::CidrIn(_)) {
                    nets.iter().any(|n| n.contains(&net))
                } else {
                    nets.iter().any(|n| net.contains(n))
                })
            }
            Op::CoversPorts(ports) => covers_ports(v, ports),
            Op::LenGte(n) | Op::LenLte(n) => {
                let len = match v {
                    Value::Array(a) => a.len(),
                    Value::String(s) => s.chars().count(),
                    Value::Object(o) => o.len(),
                    _ => return Err(mismatch("length", "an array, string or object", v)),
                };
                Ok(if matches!(self, Op::LenGte(_)) {
                    len >= *n
                } else {
                    len <= *n
                })
            }
        }
    }
}

fn scalar_text(v: &Value, op: &str) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(mismatch(op, "a string", v)),
    }
}

/// Whether an EC2 ingress permission admits any of `ports`. Protocol `-1` means
/// every protocol and port; null or `-1` ports on tcp/udp mean the whole range.
fn covers_ports(v: &Value, ports: &[u16]) -> Result<bool, String> {
    let obj = v
        .as_object()
        .ok_or_else(|| mismatch("covers_ports", "an ingress permission object", v))?;
    let protocol = match obj.get("ipProtocol") {
        Some(Value::String(s)) => s.to_ascii_lowercase(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(mismatch("covers_ports", "an object with ipProtocol", v)),
    };
    if protocol == "-1" || protocol == "all" {
        return Ok(true);
    }
    if !matches!(protocol.as_str(), "tcp" | "udp" | "6" | "17") {
        return Ok(false);
    }
    let bound = |key: &str| -> Result<Option<f64>, String> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => match as_number(x) {
                Some(n) if n < 0.0 => Ok(None),
                Some(n) => Ok(Some(n)),
                None => Err(mismatch("covers_ports", &format!("a numeric {key}"), x)),
            },
        }
    };
    let from = bound("fromPort")?.unwrap_or(0.0);
    let to = bound("toPort")?.unwrap_or(65535.0);
    Ok(ports.iter().any(|p| (from..=to).contains(&f64::from(*p))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(toml_text: &str) -> Condition {
        cond_with(toml_text, &Params::new())
    }

    fn cond_with(toml_text: &str, params: &Params) -> Condition {
        #[derive(Deserialize)]
        struct W {
            check: Spanned<RawCondition>,
        }
        let w: W = toml::from_str(toml_text).expect("toml");
        compile(&w.check, params).expect("compiles")
    }

    fn truth(c: &Condition, v: Value) -> Truth {
        c.eval(&v).expect("no eval error").truth
    }

    #[test]
    fn leaf_operators() {
        let v = json!({"n": 7, "s": "t3.micro", "b": "false", "list": ["a", "b"], "nums": [1, 9]});
        let t = |text: &str| truth(&cond(text), v.clone());
        assert_eq!(t("check = { path = 'n', gte = 7 }"), Truth::True);
        assert_eq!(t("check = { path = 'n', gt = 7 }"), Truth::False);
        assert_eq!(t("check = { path = 's', glob = 't3.*' }"), Truth::True);
        assert_eq!(t("check = { path = 's', matches = '^m5' }"), Truth::False);
        assert_eq!(t("check = { path = 'b', equals = false }"), Truth::True);
        assert_eq!(t("check = { path = 'list', contains = 'b' }"), Truth::True);
        assert_eq!(t("check = { path = 's', in = ['t3.micro'] }"), Truth::True);
        assert_eq!(
            t("check = { path = 's', not_in = ['t3.micro'] }"),
            Truth::False
        );
        assert_eq!(t("check = { path = 'nums[*]', gt = 5 }"), Truth::True);
        assert_eq!(
            t("check = { path = 'nums[*]', gt = 5, match = 'all' }"),
            Truth::False
        );
        assert_eq!(t("check = { path = 'list', length_gte = 2 }"), Truth::True);
        assert_eq!(
            t("check = { path = 'absent', exists = false }"),
            Truth::True
        );
        let cidr = |text: &str, v: Value| truth(&cond(text), v);
        assert_eq!(
            cidr(
                "check = { path = 'c', cidr_in = ['10.0.0.0/8'] }",
                json!({"c": "10.1.0.0/16"})
            ),
            Truth::True
        );
        assert_eq!(
            cidr(
                "check = { path = 'c', cidr_in = ['10.0.0.0/8'] }",
                json!({"c": "0.0.0.0/0"})
            ),
            Truth::False
        );
        assert_eq!(
            cidr(
                "check = { path = 'c', cidr_covers = ['0.0.0.0/0'] }",
                json!({"c": "10.1.0.0/16"})
            ),
            Truth::False
        );
        assert_eq!(
            cidr(
                "check = { path = 'c', cidr_covers = ['0.0.0.0/0'] }",
                json!({"c": "0.0.0.0/0"})
            ),
            Truth::True
        );
        assert_eq!(
            cidr(
                "check = { path = 'c', cidr_covers = ['8.8.8.8'] }",
                json!({"c": "8.0.0.0/7"})
            ),
            Truth::True
        );
    }

    #[test]
    fn missing_is_neither_true_nor_false() {
        let v = json!({"a": 1});
        assert_eq!(
            truth(&cond("check = { path = 'x', equals = 1 }"), v.clone()),
            Truth::Missing
        );
        assert_eq!(
            truth(
                &cond("check = { not = { path = 'x', equals = 1 } }"),
                v.clone()
            ),
            Truth::Missing
        );
        assert_eq!(
            truth(
                &cond("check = { path = 'x', equals = 1, if_missing = 'pass' }"),
                v.clone()
            ),
            Truth::True
        );
        // `all` is false as soon as one part is false, whatever else is missing.
        let c =
            cond("check = { all = [ { path = 'x', equals = 1 }, { path = 'a', equals = 2 } ] }");
        assert_eq!(truth(&c, v.clone()), Truth::False);
        let c =
            cond("check = { any = [ { path = 'x', equals = 1 }, { path = 'a', equals = 1 } ] }");
        assert_eq!(truth(&c, v), Truth::True);
    }

    #[test]
    fn empty_values_never_pass_an_operator() {
        let v = json!({"rules": []});
        let c = cond("check = { path = 'rules[*].alg', in = ['AES256'], match = 'all' }");
        assert_eq!(truth(&c, v), Truth::False);
    }

    #[test]
    fn type_mismatch_is_an_error_not_a_pass() {
        let v = json!({"n": "seven", "o": {"k": 1}});
        for text in [
            "check = { path = 'n', gte = 7 }",
            "check = { path = 'o', not_equals = 'x' }",
            "check = { path = 'n', cidr_in = ['0.0.0.0/0'] }",
            "check = { any = [ { path = 'n', exists = true }, { path = 'n', lt = 1 } ] }",
        ] {
            let c = cond(text);
            let e = c.eval(&v).expect_err(text);
            assert!(!e.message.is_empty(), "{text}");
        }
    }

    #[test]
    fn quantifier_finds_world_open_ssh() {
        let c = cond(
            r#"check = { path = "configuration.ipPermissions", no_item = { all = [
                { path = "@", covers_ports = [22] },
                { any = [
                    { path = "ipRanges[*]", cidr_covers = ["0.0.0.0/0", "::/0"] },
                    { path = "ipv4Ranges[*].cidrIp", cidr_covers = ["0.0.0.0/0"] },
                    { path = "ipv6Ranges[*].cidrIpv6", cidr_covers = ["::/0"] } ] } ] } }"#,
        );
        let open = json!({"configuration": {"ipPermissions": [
            {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "ipRanges": ["0.0.0.0/0"]},
            {"ipProtocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "ipv4Ranges": [{"cidrIp": "0.0.0.0/0"}]}
        ]}});
        let out = c.eval(&open).unwrap();
        assert_eq!(out.truth, Truth::False);
        match out.witness.found {
            Found::Element(e) => assert_eq!(e["fromPort"], json!(22.0)),
            other => panic!("expected the offending permission, got {other:?}"),
        }
        let private = json!({"configuration": {"ipPermissions": [
            {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": ["10.0.0.0/24"], "ipv6Ranges": []}
        ]}});
        assert_eq!(truth(&c, private), Truth::True);
        let all_traffic_v6 = json!({"configuration": {"ipPermissions": [
            {"ipProtocol": "-1", "ipv6Ranges": [{"cidrIpv6": "::/0"}]}
        ]}});
        assert_eq!(truth(&c, all_traffic_v6), Truth::False);
        assert_eq!(
            truth(&c, json!({"configuration": {"ipPermissions": []}})),
            Truth::True
        );
        assert_eq!(truth(&c, json!({"configuration": {}})), Truth::Missing);
    }

    #[test]
    fn port_ranges() {
        let p = |v: Value| covers_ports(&v, &[22]).unwrap();
        assert!(p(
            json!({"ipProtocol": "tcp", "fromPort": 0, "toPort": 65535})
        ));
        assert!(p(json!({"ipProtocol": "6", "fromPort": 20, "toPort": 25})));
        assert!(!p(
            json!({"ipProtocol": "tcp", "fromPort": 23, "toPort": 25})
        ));
        assert!(!p(
            json!({"ipProtocol": "icmp", "fromPort": -1, "toPort": -1})
        ));
        assert!(p(
            json!({"ipProtocol": "tcp", "fromPort": null, "toPort": null})
        ));
        assert!(covers_ports(&json!({"ipProtocol": "tcp", "fromPort": "x"}), &[22]).is_err());
    }

    #[test]
    fn params_are_substituted() {
        let mut params = Params::new();
        params.insert("types".into(), json!(["t3.micro"]));
        params.insert("ami".into(), json!("ssm:/compliance/amis"));
        let c = cond_with("check = { path = 's', in = '$types' }", &params);
        assert_eq!(truth(&c, json!({"s": "t3.micro"})), Truth::True);
        #[derive(Deserialize)]
        struct W {
            check: Spanned<RawCondition>,
        }
        for (text, needle) in [
            (
                "check = { path = 's', in = '$nope' }",
                "unknown parameter `nope`",
            ),
            ("check = { path = 's', in = '$ami' }", "SSM"),
            ("check = { path = 's', gte = 'x' }", "needs a number"),
            (
                "check = { path = 's', equals = 1, in = [1] }",
                "exactly one operator",
            ),
            ("check = { path = 's' }", "needs an operator"),
            ("check = { all = [], path = 's' }", "exactly one form"),
        ] {
            let w: W = toml::from_str(text).unwrap();
            let e = compile(&w.check, &params).unwrap_err();
            assert!(e.message.contains(needle), "{text}: {}", e.message);
            assert!(e.span.is_some());
        }
    }

    #[test]
    fn unknown_operator_is_rejected_by_name() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct W {
            check: Spanned<RawCondition>,
        }
        let e = toml::from_str::<W>("check = { path = 's', greater_than = 3 }").unwrap_err();
        assert!(e.to_string().contains("greater_than"), "{e}");
    }
}
