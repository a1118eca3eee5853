//! Picking a version for a semver requirement, and upgrade paths.
//!
//! Requirements use Cargo's syntax (`^1.2`, `~1.4`, `>=1, <3`). Pre-releases are
//! chosen only when asked for (`pre`), or when the requirement itself names a
//! pre-release of the same version (`^1.2.0-beta.1`), as Cargo does. Yanked
//! versions are never chosen, neither as a target nor on a path.
//!
//! An installed version `A` can upgrade straight to `B` when `B > A` and `A`
//! matches `B`'s `upgrade.from` (absent: any older version). When the highest
//! acceptable version is not reachable in one step, the path goes through
//! intermediate versions: the fewest steps, then the highest versions.

use semver::{Comparator, Op, Prerelease, Version, VersionReq};
use std::collections::VecDeque;

/// A published version as resolution sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub version: Version,
    /// `upgrade.from` of that version; `None` means any older version.
    pub upgrade_from: Option<VersionReq>,
    pub yanked: bool,
}

/// The chosen version and the versions to go through to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub version: Version,
    /// Versions to install in turn, ending with `version`; just `[version]` for
    /// a fresh install or a one-step upgrade.
    pub path: Vec<Version>,
}

/// Does `v` satisfy `req`? With `pre`, pre-releases inside the requirement's
/// range match too (`^1` admits `1.5.0-rc.1`, never `2.0.0-rc.1`).
pub fn matches(req: &VersionReq, v: &Version, pre: bool) -> bool {
    if req.matches(v) {
        return true;
    }
    pre && !v.pre.is_empty() && req.comparators.iter().all(|c| in_range(c, v))
}

fn ver(major: u64, minor: u64, patch: u64, pre: Prerelease) -> Version {
    Version {
        major,
        minor,
        patch,
        pre,
        build: semver::BuildMetadata::EMPTY,
    }
}

/// The lowest pre-release of `major.minor.patch`: an exclusive upper bound that
/// keeps out the pre-releases of the bound itself.
fn floor(major: u64, minor: u64, patch: u64) -> Version {
    ver(major, minor, patch, Prerelease::new("0").expect("valid"))
}

/// `c` as a range on the full semver order (pre-releases included).
fn in_range(c: &Comparator, v: &Version) -> bool {
    let (maj, min, pat) = (c.major, c.minor, c.patch);
    let given = ver(maj, min.unwrap_or(0), pat.unwrap_or(0), c.pre.clone());
    let below_next = |v: &Version| match (min, pat) {
        (Some(mi), Some(_)) => *v <= ver(maj, mi, pat.unwrap_or(0), c.pre.clone()),
        (Some(mi), None) => *v < floor(maj, mi + 1, 0),
        (None, _) => *v < floor(maj + 1, 0, 0),
    };
    match c.op {
        Op::Exact => match (min, pat) {
            (Some(_), Some(_)) => *v == given,
            _ => *v >= given && below_next(v),
        },
        Op::Greater => match (min, pat) {
            (Some(_), Some(_)) => *v > given,
            (Some(mi), None) => *v >= ver(maj, mi + 1, 0, Prerelease::EMPTY),
            (None, _) => *v >= ver(maj + 1, 0, 0, Prerelease::EMPTY),
        },
        Op::GreaterEq => *v >= given,
        Op::Less => match (min, pat) {
            (Some(_), Some(_)) => *v < given,
            (Some(mi), None) => *v < floor(maj, mi, 0),
            (None, _) => *v < floor(maj, 0, 0),
        },
        Op::LessEq => below_next(v),
        Op::Tilde => {
            *v >= given
                && match min {
                    Some(mi) => *v < floor(maj, mi + 1, 0),
                    None => *v < floor(maj + 1, 0, 0),
                }
        }
        Op::Caret => {
            let upper = match (maj, min, pat) {
                (0, Some(0), Some(p)) => floor(0, 0, p + 1),
                (0, Some(mi), _) => floor(0, mi + 1, 0),
                (0, None, _) => floor(1, 0, 0),
                (m, _, _) => floor(m + 1, 0, 0),
            };
            *v >= given && *v < upper
        }
        Op::Wildcard => *v >= given && below_next(v),
        _ => false,
    }
}

/// Can `from` upgrade straight to `to`?
pub fn can_upgrade(from: &Version, to: &Candidate) -> bool {
    to.version > *from
        && to
            .upgrade_from
            .as_ref()
            .is_none_or(|r| matches(r, from, true))
}

/// Pick the version to install (`from: None`) or to upgrade to from the
/// installed version `from`, or `None` when no acceptable version exists (or
/// none is reachable from `from`).
pub fn resolve(
    candidates: &[Candidate],
    req: &VersionReq,
    from: Option<&Version>,
    pre: bool,
) -> Option<Resolution> {
    let usable: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| !c.yanked)
        .filter(|c| from.is_none_or(|f| c.version > *f))
        .collect();
    let is_target = |c: &Candidate| matches(req, &c.version, pre);
    let Some(from) = from else {
        let best = usable
            .into_iter()
            .filter(|c| is_target(c))
            .max_by(|a, b| a.version.cmp(&b.version))?;
        return Some(Resolution {
            version: best.version.clone(),
            path: vec![best.version.clone()],
        });
    };
    // Intermediate steps are stable releases unless pre-releases are asked for;
    // a target may be a pre-release when the requirement names it.
    let nodes: Vec<&Candidate> = usable
        .into_iter()
        .filter(|c| pre || c.version.pre.is_empty() || is_target(c))
        .collect();

    // Forward breadth-first search from `from`: which versions are reachable.
    let mut reached = vec![false; nodes.len()];
    let mut queue: VecDeque<Option<usize>> = VecDeque::from([None]);
    while let Some(at) = queue.pop_front() {
        let at_version = at.map_or(from, |i| &nodes[i].version);
        for (j, n) in nodes.iter().enumerate() {
            if !reached[j] && can_upgrade(at_version, n) {
                reached[j] = true;
                queue.push_back(Some(j));
            }
        }
    }
    let target = (0..nodes.len())
        .filter(|&j| reached[j] && is_target(nodes[j]))
        .max_by(|&a, &b| nodes[a].version.cmp(&nodes[b].version))?;

    // Distances to the target, backwards; then walk forward greedily, taking the
    // highest version that stays on a shortest path.
    let mut dist: Vec<Option<usize>> = vec![None; nodes.len()];
    dist[target] = Some(0);
    let mut queue = VecDeque::from([target]);
    while let Some(at) = queue.pop_front() {
        let d = dist[at].expect("queued nodes have a distance");
        for j in 0..nodes.len() {
            if dist[j].is_none() && can_upgrade(&nodes[j].version, nodes[at]) {
                dist[j] = Some(d + 1);
                queue.push_back(j);
            }
        }
    }
    let mut path = Vec::new();
    let mut at_version = from.clone();
    let mut remaining = (0..nodes.len())
        .filter(|&j| can_upgrade(from, nodes[j]))
        .filter_map(|j| dist[j])
        .min()?
        + 1;
    while remaining > 0 {
        let next = (0..nodes.len())
            .filter(|&j| dist[j] == Some(remaining - 1) && can_upgrade(&at_version, nodes[j]))
            .max_by(|&a, &b| nodes[a].version.cmp(&nodes[b].version))?;
        at_version = nodes[next].version.clone();
        path.push(at_version.clone());
        remaining -= 1;
    }
    Some(Resolution {
        version: nodes[target].version.clone(),
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(v: &str, from: Option<&str>, yanked: bool) -> Candidate {
        Candidate {
            version: v.parse().unwrap(),
            upgrade_from: from.map(|f| f.parse().unwrap()),
            yanked,
        }
    }

    fn check(cands: &[Candidate], req: &str, from: Option<&str>, pre: bool, want: Option<&[&str]>) {
        let got = resolve(
            cands,
            &req.parse().unwrap(),
            from.map(|f| f.parse().unwrap()).as_ref(),
            pre,
        );
        let got: Option<Vec<String>> = got.map(|r| {
            assert_eq!(r.path.last(), Some(&r.version));
            r.path.iter().map(|v| v.to_string()).collect()
        });
        let want: Option<Vec<String>> = want.map(|w| w.iter().map(|s| s.to_string()).collect());
        assert_eq!(got, want, "req {req} from {from:?} pre {pre}");
    }

    fn catalog(yank_110: bool) -> Vec<Candidate> {
        vec![
            cand("1.0.0", None, false),
            cand("1.1.0", None, yank_110),
            cand("1.2.0-beta.1", None, false),
            cand("2.0.0", Some(">=1.1.0"), false),
        ]
    }

    #[test]
    fn semantics_of_the_registry_core_issue() {
        let c = catalog(false);
        check(&c, "^1", None, false, Some(&["1.1.0"]));
        check(&c, "^1.2.0-beta.1", None, false, Some(&["1.2.0-beta.1"]));
        check(&c, "*", None, false, Some(&["2.0.0"]));
        check(&c, "*", None, true, Some(&["2.0.0"]));
        check(&c, "*", Some("1.0.0"), false, Some(&["1.1.0", "2.0.0"]));
        check(&c, "^1", None, true, Some(&["1.2.0-beta.1"]));
        let y = catalog(true);
        check(&y, "^1", None, false, Some(&["1.0.0"]));
        check(&y, "*", Some("1.0.0"), false, None);
        // With pre-releases admitted, 1.2.0-beta.1 is a step that 2.0.0 accepts.
        check(
            &y,
            "*",
            Some("1.0.0"),
            true,
            Some(&["1.2.0-beta.1", "2.0.0"]),
        );
    }

    #[test]
    fn paths_take_fewest_steps_then_highest_versions() {
        let c = vec![
            cand("1.0.0", None, false),
            cand("1.1.0", None, false),
            cand("1.2.0", Some("<1.2.0"), false),
            cand("1.3.0", Some(">=1.1.0"), false),
            cand("2.0.0", Some(">=1.2.0"), false),
            cand("3.0.0", Some("^2"), false),
        ];
        check(
            &c,
            "*",
            Some("1.0.0"),
            false,
            Some(&["1.2.0", "2.0.0", "3.0.0"]),
        );
        check(&c, "^2", Some("1.0.0"), false, Some(&["1.2.0", "2.0.0"]));
        check(&c, "^2", Some("1.3.0"), false, Some(&["2.0.0"]));
        check(&c, "^1", Some("1.0.0"), false, Some(&["1.2.0", "1.3.0"]));
        check(&c, "^1", Some("1.3.0"), false, None);
        check(&c, "=2.0.0", Some("2.0.0"), false, None);
    }

    #[test]
    fn unreachable_newest_falls_back_to_highest_reachable() {
        let c = vec![
            cand("1.0.0", None, false),
            cand("1.1.0", None, false),
            cand("2.0.0", Some(">=1.5.0"), false),
        ];
        check(&c, "*", Some("1.0.0"), false, Some(&["1.1.0"]));
    }

    #[test]
    fn pre_release_matching_stays_in_range() {
        let m = |req: &str, v: &str| matches(&req.parse().unwrap(), &v.parse().unwrap(), true);
        assert!(m("^1", "1.5.0-rc.1"));
        assert!(!m("^1", "2.0.0-rc.1"));
        assert!(!m("^1", "1.0.0-rc.1"));
        assert!(m("~1.4", "1.4.2-beta"));
        assert!(!m("~1.4", "1.5.0-beta"));
        assert!(m(">=1, <3", "2.1.0-alpha"));
        assert!(m("*", "0.1.0-alpha"));
        assert!(!m("=1.2.3", "1.2.3-alpha"));
        assert!(m("1.*", "1.9.0-x"));
        assert!(!m("^0.2.3", "0.3.0-x"));
        assert!(!matches(
            &"^1".parse().unwrap(),
            &"1.5.0-rc.1".parse().unwrap(),
            false
        ));
    }
}
