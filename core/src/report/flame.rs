//! The flame graph. The profile's stacks are turned into sorted frame
//! sequences once ([`FlameStacks`]); every node of the tree is then a
//! contiguous run of those sequences, so a tree *pruned* to what a given
//! zoom can show is laid out in time proportional to what it keeps, not
//! to the millions of frames a profile whose stacks share little has.
//! Top-down (root = callers of everything, icicle) or bottom-up (root's
//! children are the leaf functions, their children the callers). Inlined
//! frames are nodes of their own.

use super::View;
use crate::graph::NodeIndex;
use rustc_hash::FxHashMap as HashMap;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlameNode {
    /// Index into [`FlameTree::names`].
    pub name: u32,
    /// The frame's identity in its [`FlameStacks`] (function and inline
    /// mark), so a path of keys names a node across pruned trees.
    pub key: u32,
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

/// Every distinct stack of a profile as a sequence of frame keys (root
/// first, or leaf first when bottom-up), sorted, with its summed value.
/// A frame key is `graph node << 1 | inline`.
#[derive(Debug, Clone)]
pub struct FlameStacks {
    names: Vec<String>,
    /// First (function, line) seen per graph node, for the tooltip's file:line.
    first_line: Vec<(u32, i64)>,
    functions: Vec<(String, bool)>,
    frames: Vec<u32>,
    /// Stack `i` is `frames[spans[i].0..spans[i].1]`, in sorted order.
    spans: Vec<(u32, u32)>,
    /// `prefix[i]` = sum of the values of stacks `..i`, so any run's total is O(1).
    prefix: Vec<i64>,
    bottom_up: bool,
}

impl FlameStacks {
    pub fn new(view: &View, bottom_up: bool) -> FlameStacks {
        Self::indexed(view, bottom_up, &NodeIndex::new(view.profile, view.granularity, false, view.noinlines))
    }

    /// [`FlameStacks::new`] over a node index already built for this view.
    pub fn indexed(view: &View, bottom_up: bool, idx: &NodeIndex) -> FlameStacks {
        let p = view.profile;
        let names: Vec<String> = idx.infos.iter().map(|i| i.printable_name()).collect();
        // Each location's frames once, caller first (inline = not the
        // location's last line), so a stack is a few slice copies; and the
        // first line seen per node (formatted only for frames shown).
        let mut first_line = vec![(u32::MAX, 0i64); idx.infos.len()];
        let mut loc_frames: Vec<u32> = Vec::new();
        let mut loc_start: Vec<u32> = Vec::with_capacity(idx.location_nodes.len() + 1);
        loc_start.push(0);
        for (li, ns) in idx.location_nodes.iter().enumerate() {
            for i in (0..ns.len()).rev() {
                loc_frames.push(ns[i] << 1 | (i != ns.len() - 1) as u32);
            }
            // With noinlines a location keeps only its last line's node.
            let lines = &p.locations[li].lines;
            let off = lines.len().saturating_sub(ns.len());
            for (i, &n) in ns.iter().enumerate() {
                if let Some(line) = lines.get(i + off) {
                    if first_line[n as usize].0 == u32::MAX {
                        first_line[n as usize] = (line.function, line.line);
                    }
                }
            }
            loc_start.push(loc_frames.len() as u32);
        }
        let functions = p.functions.iter().map(|f| (f.filename.clone(), !f.filename.is_empty())).collect();
        let single: Vec<u32> = (0..idx.location_nodes.len()).map(|l| if loc_start[l + 1] - loc_start[l] == 1 { loc_frames[loc_start[l] as usize] } else { u32::MAX }).collect();
        // Stacks as frame keys, sorted; equal neighbours are merged.
        // Sized exactly: growing a buffer of millions of frames copies it.
        let frames_total: usize = p.samples.iter().map(|s| s.locations.iter().map(|&l| (loc_start[l as usize + 1] - loc_start[l as usize]) as usize).sum::<usize>()).sum();
        let mut flat: Vec<u32> = Vec::with_capacity(frames_total);
        let mut spans: Vec<(u32, u32, i64)> = Vec::with_capacity(p.samples.len());
        for s in &p.samples {
            let v = s.values.get(view.sample_index).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let start = flat.len();
            for &loc in s.locations.iter().rev() {
                // Most locations are one frame: no slice copy for those.
                let k = single[loc as usize];
                if k != u32::MAX {
                    flat.push(k);
                } else {
                    flat.extend_from_slice(&loc_frames[loc_start[loc as usize] as usize..loc_start[loc as usize + 1] as usize]);
                }
            }
            if bottom_up {
                flat[start..].reverse();
            }
            spans.push((start as u32, flat.len() as u32, v));
        }
        let seq = |s: &(u32, u32, i64)| &flat[s.0 as usize..s.1 as usize];
        spans.sort_unstable_by(|a, b| seq(a).cmp(seq(b)));
        // The frames stay where they are: only the spans are sorted.
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(spans.len());
        let mut prefix = Vec::with_capacity(spans.len() + 1);
        prefix.push(0);
        for (i, sp) in spans.iter().enumerate() {
            let total = prefix.last().unwrap() + sp.2;
            if i > 0 && seq(&spans[i - 1]) == seq(sp) {
                *prefix.last_mut().unwrap() = total;
                continue;
            }
            out.push((sp.0, sp.1));
            prefix.push(total);
        }
        FlameStacks { names, first_line, functions, frames: flat, spans: out, prefix, bottom_up }
    }

    fn file_of(&self, node: usize) -> String {
        match self.first_line[node] {
            (f, line) if f != u32::MAX && self.functions[f as usize].1 => format!("{}:{line}", self.functions[f as usize].0),
            _ => String::new(),
        }
    }

    fn stack(&self, i: usize) -> &[u32] {
        let (a, b) = self.spans[i];
        &self.frames[a as usize..b as usize]
    }

    fn sum(&self, lo: usize, hi: usize) -> i64 {
        self.prefix[hi] - self.prefix[lo]
    }

    /// Sum of the stacks' values: the root's width.
    pub fn total(&self) -> i64 {
        *self.prefix.last().unwrap_or(&0)
    }

    /// The children runs of the node covering stacks `lo..hi` at `depth`:
    /// `(key, lo, hi)`, found by binary search since each run is sorted.
    fn children(&self, depth: usize, mut lo: usize, hi: usize) -> (i64, Vec<(u32, usize, usize)>) {
        // Stacks ending here sort first (a prefix sorts before its extensions).
        let first = lo;
        while lo < hi && self.stack(lo).len() == depth {
            lo += 1;
        }
        let self_value = self.sum(first, lo);
        let mut out = Vec::new();
        while lo < hi {
            let key = self.stack(lo)[depth];
            let (mut a, mut b) = (lo + 1, hi);
            while a < b {
                let m = (a + b) / 2;
                if self.stack(m)[depth] == key { a = m + 1 } else { b = m }
            }
            out.push((key, lo, a));
            lo = a;
        }
        (self_value, out)
    }

    /// The tree pruned for display: nodes narrower than `min_fraction` of
    /// the root are left out (their width stays counted in their parent),
    /// except along `focus`, a path of frame keys from the root's child
    /// down; below the focused node the cut is `min_fraction` of its own
    /// width. `min_fraction` 0 gives the whole tree.
    pub fn tree(&self, focus: &[u32], min_fraction: f64) -> FlameTree {
        let mut names = vec!["root".to_string()];
        let mut files = vec![String::new()];
        let mut name_of: HashMap<u32, u32> = HashMap::default();
        let total = self.total();
        let root = FlameNode { name: 0, key: u32::MAX, parent: 0, depth: 0, x: 0, total, self_value: 0, inline: false, children: vec![] };
        let mut nodes = vec![root];
        let cut = |w: i64| (w.abs() as f64 * min_fraction).max(0.0);
        // (node, lo, hi, how much of the focus path is matched, cut)
        let mut todo: Vec<(u32, usize, usize, usize, f64)> = vec![(0, 0, self.spans.len(), 0, cut(total))];
        let mut max_depth = 0;
        while let Some((n, lo, hi, on_path, min)) = todo.pop() {
            let depth = nodes[n as usize].depth as usize;
            max_depth = max_depth.max(depth as u32);
            let (self_value, mut kids) = self.children(depth, lo, hi);
            nodes[n as usize].self_value = self_value;
            let on_focus = on_path == depth && on_path < focus.len();
            let totals: Vec<i64> = kids.iter().map(|&(_, a, b)| self.sum(a, b)).collect();
            // Widest first, then by name, so layouts are stable between
            // snapshots. Children under the cut all come after those above
            // it, so only the kept ones need sorting, unless the focus path
            // goes through one under the cut.
            let keep = |k: usize| (totals[k].abs() as f64) >= min && (totals[k] != 0 || min == 0.0);
            let focus_hidden = on_focus && kids.iter().enumerate().any(|(k, c)| c.0 == focus[depth] && !keep(k));
            let mut order: Vec<usize> = if focus_hidden { (0..kids.len()).collect() } else { (0..kids.len()).filter(|&k| keep(k)).collect() };
            order.sort_by(|&a, &b| totals[b].abs().cmp(&totals[a].abs()).then_with(|| self.names[(kids[a].0 >> 1) as usize].cmp(&self.names[(kids[b].0 >> 1) as usize])).then(kids[a].0.cmp(&kids[b].0)));
            let mut x = nodes[n as usize].x;
            let mut children = Vec::new();
            for &k in &order {
                let (key, a, b) = kids[k];
                let w = totals[k];
                let next_on_path = on_focus && focus[depth] == key;
                if keep(k) || next_on_path {
                    let gn = key >> 1;
                    let name = *name_of.entry(gn).or_insert_with(|| {
                        names.push(self.names[gn as usize].clone());
                        files.push(self.file_of(gn as usize));
                        names.len() as u32 - 1
                    });
                    let c = nodes.len() as u32;
                    nodes.push(FlameNode { name, key, parent: n, depth: depth as u32 + 1, x, total: w, self_value: 0, inline: key & 1 == 1, children: vec![] });
                    children.push(c);
                    let (path, cut_below) = if next_on_path {
                        (depth + 1, if depth + 1 == focus.len() { cut(w) } else { min })
                    } else {
                        (usize::MAX, min)
                    };
                    todo.push((c, a, b, path, cut_below));
                }
                x += w.abs();
            }
            kids.clear();
            nodes[n as usize].children = children;
        }
        FlameTree { names, files, nodes, bottom_up: self.bottom_up, max_depth }
    }

    /// The share of the root covered by frames whose name matches: each
    /// stack holding a match counts once (recursion is not counted twice).
    pub fn covered(&self, re: &regex_lite::Regex) -> i64 {
        let mut hit: Vec<Option<bool>> = vec![None; self.names.len()];
        let mut covered = 0;
        for i in 0..self.spans.len() {
            let any = self.stack(i).iter().any(|&k| *hit[(k >> 1) as usize].get_or_insert_with(|| re.is_match(&self.names[(k >> 1) as usize])));
            if any {
                covered += self.sum(i, i + 1);
            }
        }
        covered
    }
}

/// The whole flame tree (every frame): for tests, exports and summaries
/// of small profiles. The page asks for pruned trees instead.
pub fn flame(view: &View, bottom_up: bool) -> FlameTree {
    FlameStacks::new(view, bottom_up).tree(&[], 0.0)
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
    /// `is_match` is the caller's regex (the page's runs in the browser).
    pub fn search(&self, is_match: &dyn Fn(&str) -> bool) -> (Vec<u32>, i64) {
        let hit: Vec<bool> = self.names.iter().map(|n| is_match(n)).collect();
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
