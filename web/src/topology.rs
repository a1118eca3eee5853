//! The topology diagram of a template: components as boxes in columns, arrows
//! for `dependsOn`, and the entry routes, laid out here and drawn as SVG by
//! `templates/topology.svg`.
//!
//! Layout: a component's layer ([`Graph::layers`]) is 0 when it depends on
//! nothing, else one more than its deepest dependency. Columns run from the
//! most dependent (left, nearest the entry routes) to the foundations (right),
//! so every arrow points right. Within a column, boxes are ordered by the mean
//! row of their neighbours in the column before (one barycentre pass), which
//! keeps arrows from crossing in the common shapes.

use askama::Template;
use souk_schema::graph::Graph;
use souk_schema::Manifest;
use std::collections::HashMap;

const NODE_W: u32 = 168;
const NODE_H: u32 = 56;
const COL_GAP: u32 = 56;
const ROW_GAP: u32 = 20;
const PAD: u32 = 12;

/// One box.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    /// Second line: image (without its registry) and replicas.
    pub sub: String,
    /// A CSS class: `entry`, `stateful` or `stateless`.
    pub class: &'static str,
    pub x: u32,
    pub y: u32,
    pub column: usize,
}

/// One arrow, as SVG path data.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub d: String,
}

/// A laid-out diagram, rendered by [`Topology::render`] (askama).
#[derive(Debug, Template)]
#[template(path = "topology.svg")]
pub struct Topology {
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub node_w: u32,
    pub node_h: u32,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// `registry.example.com/acme/api:1.2` → `acme/api:1.2`.
fn short_image(image: &str) -> &str {
    match image.split_once('/') {
        Some((host, rest)) if host.contains('.') || host.contains(':') || host == "localhost" => {
            rest
        }
        _ => image,
    }
}

/// Lay out the components of `m` and their dependencies.
pub fn layout(m: &Manifest, title: &str) -> Topology {
    let graph = Graph::new(&m.components);
    let n = graph.len();
    let layer = graph.layers();
    let max_layer = layer.iter().copied().max().unwrap_or(0);
    let mut entries: Vec<String> = m
        .ingress
        .http
        .iter()
        .map(|r| format!("{}{}", r.host, r.path))
        .chain(m.ingress.stream.iter().map(|r| format!(":{}", r.port)))
        .collect();
    entries.dedup();
    let entry_targets: Vec<usize> = m
        .ingress
        .http
        .iter()
        .map(|r| r.component.as_str())
        .chain(m.ingress.stream.iter().map(|r| r.component.as_str()))
        .filter_map(|c| graph.node(c))
        .collect();
    let has_entry = !entry_targets.is_empty();
    let offset = usize::from(has_entry);
    let columns = max_layer + 1 + offset;

    // Column of each component, and the order inside each column.
    let column_of = |i: usize| offset + (max_layer - layer[i]);
    let mut cols: Vec<Vec<usize>> = vec![Vec::new(); columns];
    for i in 0..n {
        cols[column_of(i)].push(i);
    }
    let mut row_of = vec![0f32; n];
    for col in cols.iter_mut().skip(offset) {
        // Barycentre over the dependents already placed (columns to the left).
        let key = |i: usize| -> f32 {
            let ups: Vec<f32> = (0..n)
                .filter(|&j| graph.dependencies(j).contains(&i) && column_of(j) < column_of(i))
                .map(|j| row_of[j])
                .collect();
            if ups.is_empty() {
                i as f32 / n.max(1) as f32 * 1000.0
            } else {
                ups.iter().sum::<f32>() / ups.len() as f32
            }
        };
        let mut keyed: Vec<(f32, usize)> = col.iter().map(|&i| (key(i), i)).collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        *col = keyed.into_iter().map(|(_, i)| i).collect();
        for (row, &i) in col.iter().enumerate() {
            row_of[i] = row as f32;
        }
    }
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let height = PAD * 2 + rows as u32 * NODE_H + (rows as u32 - 1) * ROW_GAP;
    let width = PAD * 2 + columns as u32 * NODE_W + (columns.max(1) as u32 - 1) * COL_GAP;
    let x_of = |col: usize| PAD + col as u32 * (NODE_W + COL_GAP);
    // Columns shorter than the tallest are centred vertically.
    let y_of = |col_len: usize, row: usize| {
        let col_h = col_len as u32 * NODE_H + (col_len.max(1) as u32 - 1) * ROW_GAP;
        (height - col_h) / 2 + row as u32 * (NODE_H + ROW_GAP)
    };

    let mut nodes = Vec::with_capacity(n + offset);
    let mut pos: HashMap<usize, (u32, u32)> = HashMap::new();
    if has_entry {
        let sub = ellipsis(&entries.join(" "), 22);
        nodes.push(Node {
            name: "ingress".into(),
            sub,
            class: "entry",
            x: x_of(0),
            y: y_of(1, 0),
            column: 0,
        });
    }
    for (c, col) in cols.iter().enumerate() {
        for (row, &i) in col.iter().enumerate() {
            let comp = &m.components[i];
            let (x, y) = (x_of(c), y_of(col.len(), row));
            pos.insert(i, (x, y));
            let mut sub = ellipsis(short_image(&comp.image), 20);
            if comp.replicas != 1 {
                sub.push_str(&format!(" ×{}", comp.replicas));
            }
            nodes.push(Node {
                name: ellipsis(&comp.name, 20),
                sub,
                class: if comp.stateful {
                    "stateful"
                } else {
                    "stateless"
                },
                x,
                y,
                column: c,
            });
        }
    }
    // The boxes of each column, as vertical ranges, so that an arrow that
    // skips columns can be routed around the boxes in between.
    let mut boxes: Vec<Vec<(u32, u32)>> = vec![Vec::new(); columns];
    for node in &nodes {
        boxes[node.column].push((node.y, node.y + NODE_H));
    }
    let route = |(x1, y1): (u32, u32), c1: usize, (x2, y2): (u32, u32), c2: usize| {
        let (sx, sy) = (x1 + NODE_W, y1 + NODE_H / 2);
        // Stop short of the box so that the arrowhead shows.
        let (ex, ey) = (x2 - 2, y2 + NODE_H / 2);
        let between = (c1 + 1)..c2;
        let clear = |lo: u32, hi: u32| {
            between.clone().all(|c| {
                boxes[c]
                    .iter()
                    .all(|&(top, bottom)| hi + 6 <= top || lo >= bottom + 6)
            })
        };
        if clear(sy.min(ey), sy.max(ey)) {
            let mid = (sx + ex) / 2;
            return format!("M{sx},{sy} C{mid},{sy} {mid},{ey} {ex},{ey}");
        }
        // A horizontal lane through the gaps of the columns in between: the
        // margins, or a gap between two boxes, nearest to the two ends.
        let mut lanes = vec![PAD / 2, height - PAD / 2];
        for c in between.clone() {
            let col = &boxes[c];
            lanes.extend(col.windows(2).map(|w| (w[0].1 + w[1].0) / 2));
            if let (Some(first), Some(last)) = (col.first(), col.last()) {
                lanes.push(first.0.saturating_sub(ROW_GAP / 2));
                lanes.push(last.1 + ROW_GAP / 2);
            }
        }
        let want = (sy + ey) / 2;
        let lane = lanes
            .into_iter()
            .filter(|&y| clear(y, y))
            .min_by_key(|&y| y.abs_diff(want))
            .unwrap_or(PAD / 2);
        let (gx1, gx2) = (sx + COL_GAP, x2 - COL_GAP);
        let (m1, m2) = (sx + COL_GAP / 2, gx2 + COL_GAP / 2);
        format!(
            "M{sx},{sy} C{m1},{sy} {m1},{lane} {gx1},{lane} L{gx2},{lane} C{m2},{lane} {m2},{ey} {ex},{ey}"
        )
    };
    let mut edges = Vec::new();
    if has_entry {
        let entry = (x_of(0), y_of(1, 0));
        let mut seen = Vec::new();
        for &t in &entry_targets {
            if !seen.contains(&t) {
                seen.push(t);
                edges.push(Edge {
                    from: "ingress".into(),
                    to: m.components[t].name.clone(),
                    d: route(entry, 0, pos[&t], column_of(t)),
                });
            }
        }
    }
    for i in 0..n {
        for &d in graph.dependencies(i) {
            edges.push(Edge {
                from: m.components[i].name.clone(),
                to: m.components[d].name.clone(),
                d: route(pos[&i], column_of(i), pos[&d], column_of(d)),
            });
        }
    }
    Topology {
        title: title.to_string(),
        width,
        height,
        node_w: NODE_W,
        node_h: NODE_H,
        nodes,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(components: &str, ingress: &str) -> Manifest {
        let yaml = format!(
            "apiVersion: souk/v1\nkind: Template\nname: a/b\nversion: 1.0.0\ntitle: t\nsummary: s\ncategory: iot\ncomponents:\n{components}{ingress}"
        );
        souk_schema::manifest::parse(&yaml).expect("parses")
    }

    #[test]
    fn dependencies_point_right_and_entries_come_first() {
        let m = manifest(
            "  - {name: db, image: mysql:8}\n  - {name: cache, image: redis:7}\n  - {name: api, image: reg.example.com/acme/api:1, replicas: 2, dependsOn: [db, cache]}\n  - {name: web, image: nginx:1, dependsOn: [api]}\n",
            "ingress:\n  http:\n    - {host: example.com, path: /, component: web, port: 80}\n",
        );
        let t = layout(&m, "t");
        let col = |name: &str| t.nodes.iter().find(|n| n.name == name).unwrap().column;
        assert_eq!(col("ingress"), 0);
        assert_eq!(col("web"), 1);
        assert_eq!(col("api"), 2);
        assert_eq!((col("db"), col("cache")), (3, 3));
        let api = t.nodes.iter().find(|n| n.name == "api").unwrap();
        assert_eq!(api.sub, "acme/api:1 ×2");
        let pairs: Vec<_> = t
            .edges
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("ingress", "web"),
                ("api", "db"),
                ("api", "cache"),
                ("web", "api")
            ]
        );
        // Every arrow runs left to right.
        for e in &t.edges {
            let from = t.nodes.iter().find(|n| n.name == e.from).unwrap();
            let to = t.nodes.iter().find(|n| n.name == e.to).unwrap();
            assert!(from.x < to.x, "{e:?}");
        }
        let svg = t.render().unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert_eq!(svg.matches("class=\"topo-edge\"").count(), 4);
    }

    #[test]
    fn names_are_escaped_and_a_lone_component_is_drawn() {
        let m = manifest("  - {name: solo, image: \"x:1\"}\n", "");
        let mut t = layout(&m, "<script>");
        assert_eq!(t.nodes.len(), 1);
        assert!(t.edges.is_empty());
        t.nodes[0].name = "<b>&".into();
        let svg = t.render().unwrap();
        assert!(!svg.contains("<script>") && !svg.contains("<b>"), "{svg}");
    }

    #[test]
    fn an_arrow_that_skips_a_column_goes_around_the_boxes_in_between() {
        // tracker → mosquitto skips api's column, where api sits in the way.
        let m = manifest(
            "  - {name: mosquitto, image: eclipse-mosquitto:2}\n  - {name: api, image: api:1, dependsOn: [mosquitto]}\n  - {name: tracker, image: tracker:1, dependsOn: [api, mosquitto]}\n",
            "",
        );
        let t = layout(&m, "t");
        let node = |name: &str| t.nodes.iter().find(|n| n.name == name).unwrap();
        let api = node("api");
        let long = t
            .edges
            .iter()
            .find(|e| e.from == "tracker" && e.to == "mosquitto")
            .unwrap();
        // Routed along a lane: the straight part lies outside api's box.
        let lane: u32 = long
            .d
            .split(" L")
            .nth(1)
            .expect("a lane")
            .split(',')
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            lane < api.y || lane > api.y + NODE_H,
            "{} vs api at {}",
            long.d,
            api.y
        );
        // Neighbouring columns keep the plain curve.
        let short = t.edges.iter().find(|e| e.from == "api").unwrap();
        assert!(!short.d.contains(" L"), "{}", short.d);
    }
}
