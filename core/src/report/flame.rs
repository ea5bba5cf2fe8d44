//! The flame tree as flat arrays, laid out once here so the page only
//! draws: each node knows its depth, its x offset and width in value
//! units. Top-down (root = callers of everything, icicle) or bottom-up
//! (root's children are the leaf functions, their children the callers).
//! Inlined frames are nodes of their own.

use super::View;
use crate::graph::NodeIndex;
use rustc_hash::FxHashMap as HashMap;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlameNode {
    /// Index into [`FlameTree::names`].
    pub name: u32,
    pub parent: u32,
    pub depth: u32,
    /// Offset from the left edge, in value units.
    pub x: i64,
    /// Width: cumulative value of this path.
    pub total: i64,
    /// Value of samples ending here (top-down) or starting here (bottom-up root children).
    pub self_value: i64,
    pub inline: bool,
    pub children: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlameTree {
    /// Function names; `names[node.name]`. Node 0 is the root, named "root".
    pub names: Vec<String>,
    /// A `file:line` per name (first seen), for tooltips.
    pub files: Vec<String>,
    pub nodes: Vec<FlameNode>,
    pub bottom_up: bool,
    pub max_depth: u32,
}

pub fn flame(view: &View, bottom_up: bool) -> FlameTree {
    let p = view.profile;
    let idx = NodeIndex::new(p, view.granularity, false, view.noinlines);
    let mut names = vec!["root".to_string()];
    let mut files = vec![String::new()];
    // Graph node -> name index; a Vec, as it is read once per frame.
    let mut name_of: Vec<u32> = vec![u32::MAX; idx.infos.len()];
    // First file:line seen per function, from the raw locations.
    let mut first_pos: HashMap<u32, String> = HashMap::default();
    for (li, loc) in p.locations.iter().enumerate() {
        for (i, line) in loc.lines.iter().enumerate() {
            let n = idx.location_nodes[li][i];
            first_pos.entry(n).or_insert_with(|| {
                let f = &p.functions[line.function as usize];
                if f.filename.is_empty() { String::new() } else { format!("{}:{}", f.filename, line.line) }
            });
        }
    }
    let mut nodes = vec![FlameNode { name: 0, parent: 0, depth: 0, x: 0, total: 0, self_value: 0, inline: false, children: vec![] }];
    let mut child_of: HashMap<(u32, u32, bool), u32> = HashMap::default();
    let mut stack: Vec<(u32, bool)> = Vec::new();
    for s in &p.samples {
        let v = s.values.get(view.sample_index).copied().unwrap_or(0);
        if v == 0 {
            continue;
        }
        stack.clear();
        // Root to leaf, each Line a frame; inline = not the location's last line.
        for &loc in s.locations.iter().rev() {
            let ns = &idx.location_nodes[loc as usize];
            for i in (0..ns.len()).rev() {
                stack.push((ns[i], i != ns.len() - 1));
            }
        }
        if bottom_up {
            stack.reverse();
        }
        nodes[0].total += v;
        let mut cur = 0u32;
        for &(gn, inline) in &stack {
            if name_of[gn as usize] == u32::MAX {
                names.push(idx.infos[gn as usize].printable_name());
                files.push(first_pos.get(&gn).cloned().unwrap_or_default());
                name_of[gn as usize] = names.len() as u32 - 1;
            }
            let name = name_of[gn as usize];
            let key = (cur, name, inline);
            let next = match child_of.get(&key) {
                Some(&c) => c,
                None => {
                    let c = nodes.len() as u32;
                    let depth = nodes[cur as usize].depth + 1;
                    nodes.push(FlameNode { name, parent: cur, depth, x: 0, total: 0, self_value: 0, inline, children: vec![] });
                    nodes[cur as usize].children.push(c);
                    child_of.insert(key, c);
                    c
                }
            };
            nodes[next as usize].total += v;
            cur = next;
        }
        nodes[cur as usize].self_value += v;
    }
    drop(child_of);
    // Widest first, then by name, so layouts are stable between snapshots.
    // Sorted in place (a copy of every child list doubles peak memory on
    // trees of millions of frames).
    let mut max_depth = 0;
    let mut todo = vec![0u32];
    while let Some(n) = todo.pop() {
        let mut kids = std::mem::take(&mut nodes[n as usize].children);
        kids.sort_by(|&a, &b| nodes[b as usize].total.abs().cmp(&nodes[a as usize].total.abs()).then_with(|| names[nodes[a as usize].name as usize].cmp(&names[nodes[b as usize].name as usize])));
        let mut x = nodes[n as usize].x;
        max_depth = max_depth.max(nodes[n as usize].depth);
        for &c in &kids {
            nodes[c as usize].x = x;
            x += nodes[c as usize].total.abs();
            todo.push(c);
        }
        nodes[n as usize].children = kids;
    }
    FlameTree { names, files, nodes, bottom_up, max_depth }
}

/// A frame's label cut to fit `width` pixels (about 6.5 px a character at
/// 12 px), with an ellipsis; `None` when the frame is too narrow for text.
pub fn fit_label(name: &str, width: f64) -> Option<String> {
    if width <= 28.0 {
        return None;
    }
    let max_chars = ((width - 6.0) / 6.5) as usize;
    Some(if name.chars().count() > max_chars { name.chars().take(max_chars.saturating_sub(1)).chain(std::iter::once('…')).collect() } else { name.to_string() })
}

impl FlameTree {
    /// Nodes whose name matches, and the share of the root they cover
    /// (a node below another match is not counted twice).
    pub fn search(&self, re: &regex::Regex) -> (Vec<u32>, i64) {
        let hit: Vec<bool> = self.names.iter().map(|n| re.is_match(n)).collect();
        let mut matches = Vec::new();
        let mut covered = 0;
        let mut todo = vec![(0u32, false)];
        while let Some((n, under)) = todo.pop() {
            let node = &self.nodes[n as usize];
            let m = n != 0 && hit[node.name as usize];
            if m {
                matches.push(n);
                if !under {
                    covered += node.total;
                }
            }
            for &c in &node.children {
                todo.push((c, under || m));
            }
        }
        (matches, covered)
    }

    /// Ancestors of a node, root first (for the breadcrumb).
    pub fn path(&self, mut n: u32) -> Vec<u32> {
        let mut out = vec![n];
        while n != 0 {
            n = self.nodes[n as usize].parent;
            out.push(n);
        }
        out.reverse();
        out
    }
}
