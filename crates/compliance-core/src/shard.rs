//! Splitting one scan over several processes: which account × region units a
//! shard reads.
//!
//! An organisation scan is a set of units, one per account and region. Past one
//! machine the same run is split over an existing batch engine (Kubernetes
//! Indexed Jobs, AWS Batch array jobs), each member running `scan --shard K/N`.
//! Every shard computes the same unit list on its own, so the assignment must be
//! a pure function of the units and `N`:
//!
//! * **Deterministic and stable.** Each unit gets a stable 64-bit hash
//!   (FNV-1a of `account/region`, fixed here, never the standard library's
//!   randomly seeded hasher), the units are ordered by it, and the i-th goes to
//!   shard `i mod N`. The order the units were listed in does not matter, and a
//!   re-run of shard K over the same organisation reads the same units.
//! * **Disjoint and complete.** Every unit lands in exactly one shard.
//! * **Balanced.** Shard sizes differ by at most one unit. (Plain `hash mod N`
//!   is stabler when accounts come and go, but leaves shards of a 40-unit
//!   organisation anywhere between 2 and 9 units; a scan is re-planned from the
//!   full list every run anyway, so balance wins.)
//!
//! `K` counts from 0, as `JOB_COMPLETION_INDEX` and `AWS_BATCH_JOB_ARRAY_INDEX`
//! do, so the templates pass the engine's index through unchanged.
//!
//! IAM and the other types filed under `global` are read once per account, by
//! the shard that holds the account's home unit (its first region): see
//! [`home_unit_held`].

use std::fmt;
use std::str::FromStr;

/// One account in one region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Unit {
    pub account: String,
    pub region: String,
}

impl Unit {
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Unit {
        Unit {
            account: account.into(),
            region: region.into(),
        }
    }

    /// The unit's stable hash (FNV-1a, 64 bit, over `account/region`).
    pub fn stable_hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self
            .account
            .bytes()
            .chain(std::iter::once(b'/'))
            .chain(self.region.bytes())
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h
    }
}

/// Shard `index` of `count` (0 ≤ index < count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// Why a shard could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("`{0}` is not K/N (two whole numbers, 0 ≤ K < N), `auto` or `auto/N`")]
    Syntax(String),
    #[error("shard index {index} is outside 0..{count} (K counts from 0)")]
    OutOfRange { index: u32, count: u32 },
    #[error("shard count must be at least 1")]
    ZeroCount,
    #[error("`--shard auto` found no shard index: set JOB_COMPLETION_INDEX (Kubernetes Indexed Job, with the count as `auto/N` or COMPLIANCE_SHARD_COUNT) or AWS_BATCH_JOB_ARRAY_INDEX and AWS_BATCH_JOB_ARRAY_SIZE (AWS Batch array job)")]
    NoIndex,
    #[error("`--shard auto` found {var}={value}, not a whole number")]
    BadVariable { var: &'static str, value: String },
    #[error("`--shard auto` found the index in {var} but no shard count: pass `--shard auto/N` or set {count_var}")]
    NoCount {
        var: &'static str,
        count_var: &'static str,
    },
}

impl Shard {
    pub fn new(index: u32, count: u32) -> Result<Shard, ShardError> {
        if count == 0 {
            return Err(ShardError::ZeroCount);
        }
        if index >= count {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// The whole run as one shard.
    pub fn whole() -> Shard {
        Shard { index: 0, count: 1 }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (k, n) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| ShardError::Syntax(s.to_string()))?;
        let k: u32 = k.parse().map_err(|_| ShardError::Syntax(s.to_string()))?;
        let n: u32 = n.parse().map_err(|_| ShardError::Syntax(s.to_string()))?;
        Shard::new(k, n)
    }
}

/// `--shard` as given: fixed, or read from the batch engine's environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSpec {
    Fixed(Shard),
    /// `auto` or `auto/N`: the index (and the count, unless given) from the
    /// environment.
    Auto {
        count: Option<u32>,
    },
}

impl FromStr for ShardSpec {
    type Err = ShardError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t == "auto" {
            return Ok(ShardSpec::Auto { count: None });
        }
        if let Some(n) = t.strip_prefix("auto/") {
            let n: u32 = n.parse().map_err(|_| ShardError::Syntax(s.to_string()))?;
            if n == 0 {
                return Err(ShardError::ZeroCount);
            }
            return Ok(ShardSpec::Auto { count: Some(n) });
        }
        t.parse().map(ShardSpec::Fixed)
    }
}

/// The variable Kubernetes sets in each pod of an Indexed Job.
pub const K8S_INDEX: &str = "JOB_COMPLETION_INDEX";
/// Kubernetes does not tell a pod the Job's completions count; the templates
/// pass it in this variable (or as `--shard auto/N`).
pub const K8S_COUNT: &str = "COMPLIANCE_SHARD_COUNT";
/// The variables AWS Batch sets in each child of an array job.
pub const BATCH_INDEX: &str = "AWS_BATCH_JOB_ARRAY_INDEX";
pub const BATCH_SIZE: &str = "AWS_BATCH_JOB_ARRAY_SIZE";

impl ShardSpec {
    /// The shard, reading the environment through `env` for `auto`.
    /// Kubernetes' index wins when both engines' variables are present.
    pub fn resolve(self, env: impl Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        let count = match self {
            ShardSpec::Fixed(s) => return Ok(s),
            ShardSpec::Auto { count } => count,
        };
        let number = |var: &'static str, value: String| -> Result<u32, ShardError> {
            value
                .trim()
                .parse()
                .map_err(|_| ShardError::BadVariable { var, value })
        };
        let env = |var: &str| env(var).filter(|v| !v.trim().is_empty());
        if let Some(index) = env(K8S_INDEX) {
            let index = number(K8S_INDEX, index)?;
            let count = match count {
                Some(n) => n,
                None => match env(K8S_COUNT) {
                    Some(n) => number(K8S_COUNT, n)?,
                    None => {
                        return Err(ShardError::NoCount {
                            var: K8S_INDEX,
                            count_var: K8S_COUNT,
                        })
                    }
                },
            };
            return Shard::new(index, count);
        }
        if let Some(index) = env(BATCH_INDEX) {
            let index = number(BATCH_INDEX, index)?;
            let count = match count {
                Some(n) => n,
                None => match env(BATCH_SIZE) {
                    Some(n) => number(BATCH_SIZE, n)?,
                    None => {
                        return Err(ShardError::NoCount {
                            var: BATCH_INDEX,
                            count_var: BATCH_SIZE,
                        })
                    }
                },
            };
            return Shard::new(index, count);
        }
        Err(ShardError::NoIndex)
    }
}

/// The units shard `shard` reads, in a stable order (by account, then region).
pub fn assign(units: &[Unit], shard: Shard) -> Vec<Unit> {
    let mut ordered: Vec<&Unit> = units.iter().collect();
    ordered.sort_by(|a, b| a.stable_hash().cmp(&b.stable_hash()).then_with(|| a.cmp(b)));
    ordered.dedup();
    let mut mine: Vec<Unit> = ordered
        .into_iter()
        .enumerate()
        .filter(|(i, _)| (*i as u64) % u64::from(shard.count.max(1)) == u64::from(shard.index))
        .map(|(_, u)| u.clone())
        .collect();
    mine.sort();
    mine
}

/// Every unit of `accounts` × `regions`.
pub fn units(accounts: &[String], regions: &[String]) -> Vec<Unit> {
    accounts
        .iter()
        .flat_map(|a| regions.iter().map(move |r| Unit::new(a.clone(), r.clone())))
        .collect()
}

/// Whether this shard holds `account`'s home unit (the account in its first
/// region), and so reads the types filed under `global` (IAM) for it: once per
/// account across all shards.
pub fn home_unit_held(mine: &[Unit], account: &str, regions: &[String]) -> bool {
    regions.first().is_some_and(|home| {
        mine.iter()
            .any(|u| u.account == account && &u.region == home)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn org(accounts: usize, regions: &[&str]) -> Vec<Unit> {
        let accounts: Vec<String> = (0..accounts).map(|i| format!("{:012}", 100 + i)).collect();
        let regions: Vec<String> = regions.iter().map(|r| r.to_string()).collect();
        units(&accounts, &regions)
    }

    #[test]
    fn parses_fixed_and_auto() {
        assert_eq!("3/8".parse::<Shard>(), Ok(Shard { index: 3, count: 8 }));
        assert_eq!(
            "8/8".parse::<Shard>(),
            Err(ShardError::OutOfRange { index: 8, count: 8 })
        );
        assert!("0/0".parse::<Shard>().is_err());
        assert!("a/2".parse::<Shard>().is_err());
        assert!("2".parse::<Shard>().is_err());
        assert_eq!(
            "auto".parse::<ShardSpec>(),
            Ok(ShardSpec::Auto { count: None })
        );
        assert_eq!(
            "auto/4".parse::<ShardSpec>(),
            Ok(ShardSpec::Auto { count: Some(4) })
        );
        assert!("auto/0".parse::<ShardSpec>().is_err());
    }

    #[test]
    fn auto_reads_kubernetes_then_batch() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let auto = ShardSpec::Auto { count: None };
        assert_eq!(
            auto.resolve(env(&[(K8S_INDEX, "2"), (K8S_COUNT, "5")])),
            Ok(Shard { index: 2, count: 5 })
        );
        assert_eq!(
            ShardSpec::Auto { count: Some(3) }.resolve(env(&[(K8S_INDEX, "1")])),
            Ok(Shard { index: 1, count: 3 })
        );
        assert!(matches!(
            auto.resolve(env(&[(K8S_INDEX, "1")])),
            Err(ShardError::NoCount { .. })
        ));
        assert_eq!(
            auto.resolve(env(&[(BATCH_INDEX, "0"), (BATCH_SIZE, "4")])),
            Ok(Shard { index: 0, count: 4 })
        );
        assert_eq!(auto.resolve(env(&[])), Err(ShardError::NoIndex));
        assert!(matches!(
            auto.resolve(env(&[(BATCH_INDEX, "x"), (BATCH_SIZE, "4")])),
            Err(ShardError::BadVariable { .. })
        ));
        assert_eq!(
            auto.resolve(env(&[(BATCH_INDEX, "4"), (BATCH_SIZE, "4")])),
            Err(ShardError::OutOfRange { index: 4, count: 4 })
        );
    }

    #[test]
    fn shards_are_disjoint_complete_balanced_and_order_free() {
        for (accounts, regions, n) in [
            (20, &["us-east-1", "eu-west-1"][..], 4u32),
            (3, &["us-east-1"][..], 8),
            (7, &["us-east-1", "eu-west-1", "ap-south-1"][..], 5),
            (1, &["us-east-1"][..], 1),
        ] {
            let all = org(accounts, regions);
            let mut reversed = all.clone();
            reversed.reverse();
            let mut union = BTreeSet::new();
            let mut sizes = Vec::new();
            for k in 0..n {
                let shard = Shard::new(k, n).unwrap();
                let mine = assign(&all, shard);
                assert_eq!(mine, assign(&reversed, shard), "input order matters");
                sizes.push(mine.len());
                for u in mine {
                    assert!(union.insert(u.clone()), "{u:?} in two shards");
                }
            }
            assert_eq!(union, all.iter().cloned().collect::<BTreeSet<_>>());
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(hi - lo <= 1, "unbalanced: {sizes:?}");
        }
    }

    #[test]
    fn hash_is_fixed() {
        // A change here would move every unit to another shard between releases.
        assert_eq!(
            Unit::new("111122223333", "us-east-1").stable_hash(),
            Unit::new("111122223333", "us-east-1").stable_hash()
        );
        assert_ne!(
            Unit::new("111122223333", "us-east-1").stable_hash(),
            Unit::new("111122223333", "us-east-2").stable_hash()
        );
        assert_eq!(
            Unit::new("111122223333", "us-east-1").stable_hash(),
            0xf6af_5000_eb21_a572
        );
    }

    #[test]
    fn the_home_unit_reads_global_types_once_per_account() {
        let regions = vec!["us-east-1".to_string(), "eu-west-1".to_string()];
        let all = org(6, &["us-east-1", "eu-west-1"]);
        let accounts: BTreeSet<String> = all.iter().map(|u| u.account.clone()).collect();
        for account in &accounts {
            let holders = (0..3)
                .filter(|k| {
                    home_unit_held(&assign(&all, Shard::new(*k, 3).unwrap()), account, &regions)
                })
                .count();
            assert_eq!(holders, 1, "{account}");
        }
    }
}
