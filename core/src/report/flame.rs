//! The flame graph. [`FlameStacks`] walks the profile's samples frame by
//! frame from the root, grouping them per frame and dropping those under
//! frames too narrow to see, so a tree *pruned* to what a given zoom can
//! show is laid out in time proportional to what it keeps, not to the
//! millions of frames a profile whose stacks share little has.
//! Top-down (root = callers of everything, icicle) or bottom-up (root's
//! children are the leaf functions, their children the callers). Inlined
//! frames are nodes of their own.

use super::View;
use crate::graph::NodeIndex;
use crate::profile::Profile;
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::ops::Deref;
use std::sync::Arc;

/// Frames narrower than this many pixels are not laid out: the page asks
/// for trees cut at [`min_fraction`] of its canvas width.
pub const CUT_PX: f64 = 0.4;

/// The canvas width the worker lays out ahead of time, between requests
/// (`session::Session::idle`): a canvas up to this wide is served a cut of
/// that tree; wider ones lay out their own. Wider costs memory: the finer
/// the cut, the more frames the kept tree holds.
pub const PRELAID_PX: f64 = 2560.0;

/// The cut that keeps frames at least [`CUT_PX`] wide on a canvas
/// `width_px` wide (canvases under 100 px count as 100).
pub fn min_fraction(width_px: f64) -> f64 {
    CUT_PX / width_px.max(100.0)
}

/// A frame of a laid-out [`FlameTree`].
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

/// A laid-out flame graph: nodes with their offset and width in value
/// units, parents before children; the page scales them to pixels.
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

/// What the flame graph needs to lay out any pruned tree of a profile:
/// the node index (a location's frame keys, `graph node << 1 | inline`,
/// are its nodes caller first, and the names theirs). Stacks are read
/// from the profile's own samples when a tree is laid out, never copied:
/// a copy of every frame would be the worker's largest allocation on
/// profiles whose stacks share little.
///
/// `P` holds the profile: `&Profile` for one-off trees, `Arc<Profile>`
/// where the stacks are kept between requests.
#[derive(Clone)]
pub struct FlameStacks<P: Deref<Target = Profile>> {
    profile: P,
    sample_index: usize,
    /// The graph nodes frame keys point at: names are read from their
    /// infos (borrowed, at function granularity), not copied.
    index: Arc<NodeIndex>,
    /// First (function, line) seen per graph node, for the tooltip's file:line.
    first_line: Vec<(u32, i64)>,
    total: i64,
    bottom_up: bool,
}

/// A sample being walked and how far into its frames. 12 bytes: the
/// unfocused tree holds one per sample while it splits the root (a copy
/// of the stack's slice and value made it 32, a peak of the worker).
#[derive(Clone, Copy)]
struct Cursor {
    sample: u32,
    /// Locations done, counted from the root end (the leaf end bottom-up).
    loc: u32,
    /// Frames of the current location done.
    frame: u32,
}

impl<'a> FlameStacks<&'a Profile> {
    pub fn new(view: &View<'a>, bottom_up: bool) -> Self {
        Self::indexed(
            view.profile,
            view,
            bottom_up,
            Arc::new(NodeIndex::new(
                view.profile,
                view.granularity,
                false,
                view.noinlines,
            )),
        )
    }
}

impl<P: Deref<Target = Profile>> FlameStacks<P> {
    /// Over a node index already built for this view; `profile` is the
    /// view's profile (as an `Arc` to keep the stacks).
    pub fn indexed(profile: P, view: &View, bottom_up: bool, idx: Arc<NodeIndex>) -> Self {
        debug_assert!(std::ptr::eq(view.profile, &*profile));
        let p: &Profile = &profile;
        // The first line seen per node (formatted only for frames shown).
        let mut first_line = vec![(u32::MAX, 0i64); idx.infos.len()];
        for (li, ns) in idx.locations().enumerate() {
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
        }
        let total = p
            .samples
            .iter()
            .map(|s| s.values.get(view.sample_index).copied().unwrap_or(0))
            .sum();
        FlameStacks {
            sample_index: view.sample_index,
            index: idx,
            first_line,
            total,
            bottom_up,
            profile,
        }
    }

    /// Graph node `n`'s name as pprof prints it.
    fn name(&self, n: u32) -> Cow<'_, str> {
        self.index.infos[n as usize].printable_name_cow()
    }

    fn file_of(&self, node: usize) -> String {
        match self.first_line[node] {
            (f, line) if f != u32::MAX => match self.profile.functions.get(f as usize) {
                Some(func) if !func.filename.is_empty() => format!("{}:{line}", func.filename),
                _ => String::new(),
            },
            _ => String::new(),
        }
    }

    /// A cursor at the root of each sample with a value.
    fn cursors(&self) -> impl Iterator<Item = Cursor> + '_ {
        let samples = &self.profile.samples;
        (0..samples.len() as u32)
            .filter(|&i| samples.value(i as usize, self.sample_index) != 0)
            .map(|sample| Cursor {
                sample,
                loc: 0,
                frame: 0,
            })
    }

    fn value(&self, c: &Cursor) -> i64 {
        self.profile
            .samples
            .value(c.sample as usize, self.sample_index)
    }

    /// The sample's next frame key, moving the cursor past it; `None` at
    /// the end of its stack.
    fn next(&self, c: &mut Cursor) -> Option<u32> {
        let locs = self.profile.samples.locations(c.sample as usize);
        loop {
            let i = c.loc as usize;
            if i >= locs.len() {
                return None;
            }
            let loc = if self.bottom_up {
                locs.get(i)
            } else {
                locs.get(locs.len() - 1 - i)
            } as usize;
            // The location's nodes, innermost first; its frames caller
            // first: the last node (the location's own line) then those it
            // inlined, each keyed `node << 1 | inline`.
            let ns = self.index.location_nodes(loc);
            let n = ns.len();
            if n == 1 && c.frame == 0 {
                // Most locations are one frame.
                c.loc += 1;
                return Some(ns[0] << 1);
            }
            let f = c.frame as usize;
            if f < n {
                c.frame += 1;
                // Caller-first position j is node n - 1 - j, inline unless j is 0.
                let j = if self.bottom_up { n - 1 - f } else { f };
                return Some(ns[n - 1 - j] << 1 | (j != 0) as u32);
            }
            c.loc += 1;
            c.frame = 0;
        }
    }

    /// Sum of the stacks' values: the root's width.
    pub fn total(&self) -> i64 {
        self.total
    }

    /// The tree pruned for display: nodes narrower than `min_fraction` of
    /// the root are left out (their width stays counted in their parent),
    /// except along `focus`, a path of frame keys from the root's child
    /// down; below the focused node the cut is `min_fraction` of its own
    /// width. `min_fraction` 0 gives the whole tree. Work is proportional
    /// to the frames of the nodes kept.
    pub fn tree(&self, focus: &[u32], min_fraction: f64) -> FlameTree {
        let mut names = vec!["root".to_string()];
        let mut files = vec![String::new()];
        let mut name_of: HashMap<u32, u32> = HashMap::default();
        let total = self.total();
        let root = FlameNode {
            name: 0,
            key: u32::MAX,
            parent: 0,
            depth: 0,
            x: 0,
            total,
            self_value: 0,
            inline: false,
            children: vec![],
        };
        let mut nodes = vec![root];
        let cut = |w: i64| (w.abs() as f64 * min_fraction).max(0.0);
        // (node, its samples with cursors at its depth, how much of the
        // focus path is matched, cut). The root's samples are every sample,
        // walked twice rather than held (`None`): that list is the largest.
        let mut todo: Vec<(u32, Option<Vec<Cursor>>, usize, f64)> = vec![(0, None, 0, cut(total))];
        let mut max_depth = 0;
        // Per cursor of the node at hand: the child it goes to, or
        // `u32::MAX` when its stack ends there.
        let mut kid_at: Vec<u32> = Vec::new();
        while let Some((n, list, on_path, min)) = todo.pop() {
            let at_root = list.is_none();
            let mut cursors = list.unwrap_or_default();
            let depth = nodes[n as usize].depth as usize;
            max_depth = max_depth.max(depth as u32);
            // Group the samples by their next frame: (key, total, count).
            kid_at.clear();
            let mut kid_of: HashMap<u32, usize> = HashMap::default();
            let mut kids: Vec<(u32, i64, usize)> = Vec::new();
            let mut self_value = 0;
            // Neighbours mostly share their next frame: remember the last.
            let mut last = (u32::MAX, 0usize);
            let mut group = |v: i64, k: Option<u32>| match k {
                None => {
                    self_value += v;
                    u32::MAX
                }
                Some(k) => {
                    let i = if last.0 == k {
                        last.1
                    } else {
                        // A few children: a scan; many: a map, built once needed.
                        let found = if kids.len() <= 8 {
                            kids.iter().position(|kid| kid.0 == k)
                        } else {
                            if kid_of.is_empty() {
                                kid_of.extend(kids.iter().enumerate().map(|(i, kid)| (kid.0, i)));
                            }
                            kid_of.get(&k).copied()
                        };
                        let i = found.unwrap_or_else(|| {
                            kids.push((k, 0, 0));
                            if !kid_of.is_empty() {
                                kid_of.insert(k, kids.len() - 1);
                            }
                            kids.len() - 1
                        });
                        last = (k, i);
                        i
                    };
                    kids[i].1 += v;
                    kids[i].2 += 1;
                    i as u32
                }
            };
            if at_root {
                // No kid per cursor here: the second walk looks it up.
                for mut c in self.cursors() {
                    let k = self.next(&mut c);
                    group(self.value(&c), k);
                }
            } else {
                for c in cursors.iter_mut() {
                    let k = self.next(c);
                    kid_at.push(group(self.value(c), k));
                }
            }
            nodes[n as usize].self_value = self_value;
            let on_focus = on_path == depth && on_path < focus.len();
            // Widest first, then by name, so layouts are stable between
            // snapshots. Children under the cut all come after those above
            // it, so only the kept ones need sorting, unless the focus path
            // goes through one under the cut.
            let keep = |k: usize| (kids[k].1.abs() as f64) >= min && (kids[k].1 != 0 || min == 0.0);
            let focus_hidden = on_focus
                && kids
                    .iter()
                    .enumerate()
                    .any(|(k, c)| c.0 == focus[depth] && !keep(k));
            let mut order: Vec<u32> = if focus_hidden {
                (0..kids.len() as u32).collect()
            } else {
                (0..kids.len() as u32)
                    .filter(|&k| keep(k as usize))
                    .collect()
            };
            crate::order::sort_ids_by(&mut order, |a, b| {
                let (a, b) = (a as usize, b as usize);
                kids[b]
                    .1
                    .abs()
                    .cmp(&kids[a].1.abs())
                    .then_with(|| self.name(kids[a].0 >> 1).cmp(&self.name(kids[b].0 >> 1)))
                    .then(kids[a].0.cmp(&kids[b].0))
            });
            let mut x = nodes[n as usize].x;
            let mut children = Vec::new();
            // The kept children's samples, by kid.
            let mut lists: Vec<Option<Vec<Cursor>>> = vec![None; kids.len()];
            for k in order.iter().map(|&k| k as usize) {
                let (key, _, count) = kids[k];
                if keep(k) || on_focus && focus[depth] == key {
                    lists[k] = Some(Vec::with_capacity(count));
                }
            }
            if !at_root && kids.len() == 1 && kids[0].2 == cursors.len() && lists[0].is_some() {
                // One child taking every sample (a call chain): no copy.
                lists[0] = Some(std::mem::take(&mut cursors));
            } else {
                if at_root {
                    // The same cursors again, moved past their first
                    // frame, each to its kid's list (a kid per cursor
                    // held for every sample would be a peak of the worker).
                    let kid_of_key: HashMap<u32, usize> =
                        kids.iter().enumerate().map(|(i, kid)| (kid.0, i)).collect();
                    for mut c in self.cursors() {
                        let Some(k) = self.next(&mut c) else { continue };
                        if let Some(Some(list)) = kid_of_key.get(&k).and_then(|&i| lists.get_mut(i))
                        {
                            list.push(c);
                        }
                    }
                } else {
                    for (c, &i) in cursors.drain(..).zip(&kid_at) {
                        if let Some(Some(list)) = lists.get_mut(i as usize) {
                            list.push(c);
                        }
                    }
                }
            }
            for k in order.iter().map(|&k| k as usize) {
                let (key, w, _) = kids[k];
                let next_on_path = on_focus && focus[depth] == key;
                if let Some(list) = lists[k].take() {
                    let gn = key >> 1;
                    let name = *name_of.entry(gn).or_insert_with(|| {
                        names.push(self.name(gn).into_owned());
                        files.push(self.file_of(gn as usize));
                        names.len() as u32 - 1
                    });
                    let c = nodes.len() as u32;
                    nodes.push(FlameNode {
                        name,
                        key,
                        parent: n,
                        depth: depth as u32 + 1,
                        x,
                        total: w,
                        self_value: 0,
                        inline: key & 1 == 1,
                        children: vec![],
                    });
                    children.push(c);
                    let (path, cut_below) = if next_on_path {
                        (
                            depth + 1,
                            if depth + 1 == focus.len() {
                                cut(w)
                            } else {
                                min
                            },
                        )
                    } else {
                        (usize::MAX, min)
                    };
                    todo.push((c, Some(list), path, cut_below));
                }
                x += w.abs();
            }
            nodes[n as usize].children = children;
        }
        FlameTree {
            names,
            files,
            nodes,
            bottom_up: self.bottom_up,
            max_depth,
        }
    }

    /// The share of the root covered by frames whose name matches: each
    /// stack holding a match counts once (recursion is not counted twice).
    pub fn covered(&self, re: &regex_lite::Regex) -> i64 {
        let mut hit: Vec<Option<bool>> = vec![None; self.index.infos.len()];
        let mut covered = 0;
        for mut c in self.cursors() {
            while let Some(k) = self.next(&mut c) {
                if *hit[(k >> 1) as usize].get_or_insert_with(|| re.is_match(&self.name(k >> 1))) {
                    covered += self.value(&c);
                    break;
                }
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
    Some(if name.chars().count() > max_chars {
        name.chars()
            .take(max_chars.saturating_sub(1))
            .chain(std::iter::once('…'))
            .collect()
    } else {
        name.to_string()
    })
}

impl FlameTree {
    /// This (unfocused) tree cut at a coarser `min_fraction`: exactly what
    /// [`FlameStacks::tree`] gives for it, from any finer cut of the same
    /// stacks (kept frames only lose narrower siblings, which are laid out
    /// after them). Walks the nodes in the order `tree` creates them, so
    /// the numbering agrees too.
    pub fn pruned(&self, min_fraction: f64) -> FlameTree {
        let Some(root) = self.nodes.first() else {
            return self.clone();
        };
        let min = (root.total.abs() as f64 * min_fraction).max(0.0);
        let keep = |n: &FlameNode| (n.total.abs() as f64) >= min && (n.total != 0 || min == 0.0);
        let mut names = vec![self.names.first().cloned().unwrap_or_default()];
        let mut files = vec![self.files.first().cloned().unwrap_or_default()];
        let mut name_of: HashMap<u32, u32> = HashMap::default();
        let mut nodes = vec![FlameNode {
            children: vec![],
            ..root.clone()
        }];
        let mut todo = vec![(0u32, 0u32)];
        let mut max_depth = 0;
        while let Some((n, o)) = todo.pop() {
            max_depth = max_depth.max(nodes[n as usize].depth);
            let mut children = Vec::new();
            for &oc in &self.nodes[o as usize].children {
                let c = &self.nodes[oc as usize];
                if !keep(c) {
                    continue;
                }
                let name = *name_of.entry(c.name).or_insert_with(|| {
                    names.push(self.names[c.name as usize].clone());
                    files.push(self.files[c.name as usize].clone());
                    names.len() as u32 - 1
                });
                let id = nodes.len() as u32;
                nodes.push(FlameNode {
                    name,
                    parent: n,
                    children: vec![],
                    ..c.clone()
                });
                children.push(id);
                todo.push((id, oc));
            }
            nodes[n as usize].children = children;
        }
        FlameTree {
            names,
            files,
            nodes,
            bottom_up: self.bottom_up,
            max_depth,
        }
    }

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

    /// The frames flagged in `mask` (one flag per node, as search hits
    /// are drawn) in reading order: left to right, then top down. Enter
    /// and Shift+Enter in the page's search box step through this list.
    pub fn in_reading_order(&self, mask: &[bool]) -> Vec<u32> {
        let mut v: Vec<u32> = (1..self.nodes.len().min(mask.len()))
            .filter(|&i| mask[i])
            .map(|i| i as u32)
            .collect();
        crate::order::sort_by_key(&mut v, |&n| {
            let node = &self.nodes[n as usize];
            (node.x, node.depth)
        });
        v
    }

    /// Where frame `n` sits in the graph zoomed to frame `zoom`: its left
    /// edge and width as fractions of the zoomed frame's width (the page
    /// multiplies them by the canvas width).
    pub fn span(&self, zoom: u32, n: u32) -> (f64, f64) {
        let (z, n) = (&self.nodes[zoom as usize], &self.nodes[n as usize]);
        let zw = z.total.abs().max(1) as f64;
        ((n.x - z.x) as f64 / zw, n.total.abs() as f64 / zw)
    }

    /// Whether frame `n` is drawn in the graph zoomed to frame `zoom`: at
    /// or below it, within its width.
    pub fn is_under(&self, zoom: u32, n: u32) -> bool {
        let (z, n) = (&self.nodes[zoom as usize], &self.nodes[n as usize]);
        n.depth >= z.depth && n.x >= z.x && n.x + n.total.abs() <= z.x + z.total.abs()
    }

    /// The frame at a point of the graph zoomed to frame `zoom`: `fx` is
    /// the point's offset from the left as a fraction of the width, `row`
    /// how many rows below the zoomed frame it is.
    pub fn frame_at(&self, zoom: u32, fx: f64, row: u32) -> Option<u32> {
        let z = &self.nodes[zoom as usize];
        let vx = z.x as f64 + fx * z.total.abs().max(1) as f64;
        let mut cur = zoom;
        for _ in 0..row {
            cur = *self.nodes[cur as usize].children.iter().find(|&&c| {
                let c = &self.nodes[c as usize];
                (c.x as f64) <= vx && vx < (c.x + c.total.abs()) as f64
            })?;
        }
        Some(cur)
    }

    /// The widest frame of the function `name` (a link from another view
    /// zooms there); of equal widths, the last laid out.
    pub fn widest(&self, name: &str) -> Option<u32> {
        let mut best: Option<(u32, i64)> = None;
        for (i, n) in self.nodes.iter().enumerate().skip(1) {
            let w = n.total.abs();
            if self.names[n.name as usize] == name && best.is_none_or(|(_, b)| w >= b) {
                best = Some((i as u32, w));
            }
        }
        best.map(|(i, _)| i)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// root 10 = a 6 (c 3 under it) + b 4; c is also a child of b.
    fn tree() -> FlameTree {
        let node = |name, parent, depth, x, total, children: Vec<u32>| FlameNode {
            name,
            key: name,
            parent,
            depth,
            x,
            total,
            self_value: 0,
            inline: false,
            children,
        };
        FlameTree {
            names: ["root", "a", "b", "c"].map(String::from).to_vec(),
            files: vec![String::new(); 4],
            nodes: vec![
                node(0, 0, 0, 0, 10, vec![1, 2]),
                node(1, 0, 1, 0, 6, vec![3]),
                node(2, 0, 1, 6, 4, vec![4]),
                node(3, 1, 2, 0, 3, vec![]),
                node(3, 2, 2, 6, 4, vec![]),
            ],
            bottom_up: false,
            max_depth: 2,
        }
    }

    #[test]
    fn spans_hits_and_widest_frames() {
        let t = tree();
        assert_eq!(t.span(0, 2), (0.6, 0.4));
        assert_eq!(t.span(1, 3), (0.0, 0.5));
        assert!(t.is_under(1, 3) && !t.is_under(1, 2) && !t.is_under(1, 4));
        assert_eq!(t.frame_at(0, 0.1, 0), Some(0));
        assert_eq!(t.frame_at(0, 0.1, 2), Some(3));
        assert_eq!(t.frame_at(0, 0.55, 2), None); // a has nothing there
        assert_eq!(t.frame_at(0, 0.7, 1), Some(2));
        assert_eq!(t.frame_at(1, 0.9, 1), None);
        assert_eq!(t.frame_at(2, 0.5, 1), Some(4));
        assert_eq!(t.widest("c"), Some(4));
        assert_eq!(t.widest("root"), None);
        assert_eq!(t.widest("nope"), None);
    }

    #[test]
    fn the_cut_keeps_frames_wide_enough_to_see() {
        assert_eq!(min_fraction(1000.0), CUT_PX / 1000.0);
        assert_eq!(min_fraction(10.0), min_fraction(100.0));
        assert!(min_fraction(PRELAID_PX) <= min_fraction(1280.0));
    }
}
