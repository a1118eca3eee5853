//! The `dependsOn` graph of a template's components: order, cycles, layers.
//!
//! Validation (cycles are errors), the importers (cycles are dropped), the
//! agent's render (start order) and the web diagram (layers) all walk the graph
//! here, so they agree on what depends on what. A node is a component's index
//! in `components`; a `dependsOn` entry that names no component is no edge
//! (validation reports it on its own), and a duplicated entry is two edges.

use crate::manifest::Component;
use std::collections::HashMap;
use std::fmt;

/// The components of a template and their `dependsOn` edges.
#[derive(Debug, Clone)]
pub struct Graph<'a> {
    names: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
    /// Per component, the components it depends on, in declaration order.
    deps: Vec<Vec<usize>>,
}

/// A dependency that closes a cycle, as a depth-first walk finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle<'a> {
    /// The component whose `dependsOn` entry closes the cycle.
    pub at: usize,
    /// The components around the cycle, from the dependency that closes it,
    /// through `at`, back to that dependency: `[b, …, at, b]`.
    pub path: Vec<&'a str>,
}

impl<'a> Cycle<'a> {
    /// The `dependsOn` entry of `at` that closes the cycle.
    pub fn dependency(&self) -> &'a str {
        self.path[0]
    }

    /// A component that depends on itself.
    pub fn is_self_loop(&self) -> bool {
        self.path.len() == 2
    }
}

impl fmt::Display for Cycle<'_> {
    /// `dependency cycle: a -> b -> a`, as validation reports it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dependency cycle: {}", self.path.join(" -> "))
    }
}

impl<'a> Graph<'a> {
    /// The graph of `components`. Names are expected unique (validation checks
    /// it); of duplicates, the last one is the one depended on.
    pub fn new(components: &'a [Component]) -> Graph<'a> {
        let names: Vec<&str> = components.iter().map(|c| c.name.as_str()).collect();
        let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let deps = components
            .iter()
            .map(|c| {
                c.depends_on
                    .iter()
                    .filter_map(|d| index.get(d.as_str()).copied())
                    .collect()
            })
            .collect();
        Graph { names, index, deps }
    }

    /// The number of components.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// A template without components.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The component named `name`.
    pub fn node(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The name of component `i`.
    pub fn name(&self, i: usize) -> &'a str {
        self.names[i]
    }

    /// The components that `i` depends on, in declaration order.
    pub fn dependencies(&self, i: usize) -> &[usize] {
        &self.deps[i]
    }

    /// Every dependency that closes a cycle, self-dependencies included, each
    /// once, in the order a depth-first walk from each component in
    /// declaration order finds them.
    pub fn cycles(&self) -> Vec<Cycle<'a>> {
        #[derive(Clone, Copy, PartialEq)]
        enum State {
            New,
            OnStack,
            Done,
        }
        fn visit<'a>(
            g: &Graph<'a>,
            at: usize,
            state: &mut [State],
            stack: &mut Vec<usize>,
            out: &mut Vec<Cycle<'a>>,
        ) {
            state[at] = State::OnStack;
            stack.push(at);
            for &next in &g.deps[at] {
                match state[next] {
                    State::New => visit(g, next, state, stack, out),
                    State::OnStack => {
                        let from = stack.iter().position(|&s| s == next).unwrap_or(0);
                        let mut path: Vec<&str> =
                            stack[from..].iter().map(|&i| g.names[i]).collect();
                        path.push(g.names[next]);
                        out.push(Cycle { at, path });
                    }
                    State::Done => {}
                }
            }
            stack.pop();
            state[at] = State::Done;
        }
        let mut state = vec![State::New; self.len()];
        let mut stack = Vec::new();
        let mut out = Vec::new();
        for start in 0..self.len() {
            if state[start] == State::New {
                visit(self, start, &mut state, &mut stack, &mut out);
            }
        }
        out
    }

    /// The components in start order: each after the ones it depends on,
    /// otherwise in declaration order (of those ready, the first declared
    /// comes first). A cycle leaves no such order; the first one is returned.
    pub fn order(&self) -> Result<Vec<usize>, Cycle<'a>> {
        let mut done = vec![false; self.len()];
        let mut out = Vec::with_capacity(self.len());
        while out.len() < self.len() {
            let ready =
                (0..self.len()).find(|&i| !done[i] && self.deps[i].iter().all(|&d| done[d]));
            match ready {
                Some(i) => {
                    done[i] = true;
                    out.push(i);
                }
                None => {
                    return Err(self
                        .cycles()
                        .into_iter()
                        .next()
                        .expect("components that cannot be ordered form a cycle"))
                }
            }
        }
        Ok(out)
    }

    /// Each component's layer: 0 when it depends on nothing, else one more
    /// than its deepest dependency (the longest path below it). Under a cycle
    /// layers stay below the number of components instead of growing forever.
    pub fn layers(&self) -> Vec<usize> {
        let n = self.len();
        let mut layer = vec![0usize; n];
        for _ in 0..n {
            let mut changed = false;
            for i in 0..n {
                let l = self.deps[i]
                    .iter()
                    .map(|&d| layer[d] + 1)
                    .max()
                    .unwrap_or(0);
                if l > layer[i] && l < n {
                    layer[i] = l;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        layer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Components from `"a: b c; b; c: b"` (name, then what it depends on).
    fn components(spec: &str) -> Vec<Component> {
        spec.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                let (name, deps) = s.split_once(':').unwrap_or((s, ""));
                let mut c: Component = serde_json::from_value(serde_json::json!({
                    "name": name.trim(),
                    "image": "x:1",
                }))
                .expect("a component");
                c.depends_on = deps.split_whitespace().map(str::to_string).collect();
                c
            })
            .collect()
    }

    fn names<'a>(g: &Graph<'a>, nodes: &[usize]) -> Vec<&'a str> {
        nodes.iter().map(|&i| g.name(i)).collect()
    }

    #[test]
    fn order() {
        for (spec, want) in [
            ("", Ok(vec![])),
            ("a; b; c", Ok(vec!["a", "b", "c"])),
            ("web: api; api: db; db", Ok(vec!["db", "api", "web"])),
            // Of those ready, the first declared comes first.
            ("a: c; b; c", Ok(vec!["b", "c", "a"])),
            (
                "api: db cache; db; cache; web: api",
                Ok(vec!["db", "cache", "api", "web"]),
            ),
            ("a: ghost; b: a", Ok(vec!["a", "b"])),
            ("a: b; b: a; c", Err("dependency cycle: a -> b -> a")),
            ("a: a", Err("dependency cycle: a -> a")),
        ] {
            let cs = components(spec);
            let g = Graph::new(&cs);
            let got = g.order().map(|o| names(&g, &o)).map_err(|c| c.to_string());
            assert_eq!(got, want.map_err(str::to_string), "{spec}");
        }
    }

    #[test]
    fn cycles() {
        for (spec, want) in [
            ("a: b; b: c; c", vec![]),
            ("a: b; b: a", vec![(1, "dependency cycle: a -> b -> a")]),
            (
                "a; b: c; c: d; d: b",
                vec![(3, "dependency cycle: b -> c -> d -> b")],
            ),
            ("a: a b; b", vec![(0, "dependency cycle: a -> a")]),
            // Each closing edge once, a duplicated entry twice.
            (
                "a: b; b: a a; c: c",
                vec![
                    (1, "dependency cycle: a -> b -> a"),
                    (1, "dependency cycle: a -> b -> a"),
                    (2, "dependency cycle: c -> c"),
                ],
            ),
            // Two cycles through one component.
            (
                "a: b c; b: a; c: a",
                vec![
                    (1, "dependency cycle: a -> b -> a"),
                    (2, "dependency cycle: a -> c -> a"),
                ],
            ),
        ] {
            let cs = components(spec);
            let got: Vec<(usize, String)> = Graph::new(&cs)
                .cycles()
                .iter()
                .map(|c| (c.at, c.to_string()))
                .collect();
            let want: Vec<(usize, String)> =
                want.into_iter().map(|(a, s)| (a, s.to_string())).collect();
            assert_eq!(got, want, "{spec}");
        }
        let cs = components("a: b; b: a");
        let c = &Graph::new(&cs).cycles()[0];
        assert_eq!((c.dependency(), c.is_self_loop()), ("a", false));
    }

    #[test]
    fn layers() {
        for (spec, want) in [
            ("", vec![]),
            ("a; b", vec![0, 0]),
            ("db; cache; api: db cache; web: api", vec![0, 0, 1, 2]),
            // The longest path counts.
            ("m; api: m; tracker: api m", vec![0, 1, 2]),
            ("a: ghost", vec![0]),
            // A cycle stays below the number of components.
            ("a: b; b: a", vec![1, 0]),
            ("a: a", vec![0]),
        ] {
            let cs = components(spec);
            assert_eq!(Graph::new(&cs).layers(), want, "{spec}");
        }
    }
}
