//! Aggregation of samples into nodes with flat and cum values, following
//! pprof's `internal/graph` rules: flat goes to the leaf frame, cum once to
//! every distinct node on a stack, and an in-edge is "inline" when every
//! call along it was inlined. Reports are built on top of this.

use crate::chains::{hash_of, Chains};
use crate::profile::Profile;
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

/// How finely frames are told apart (pprof's `-granularity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Granularity {
    #[default]
    Functions,
    /// Function, file and line: what `list` uses.
    Lines,
    Files,
    /// Address, function, file and line (pprof's `-addresses`).
    Addresses,
}

impl Granularity {
    pub fn parse(s: &str) -> Option<Granularity> {
        match s {
            "functions" => Some(Granularity::Functions),
            "lines" => Some(Granularity::Lines),
            "files" | "filenames" => Some(Granularity::Files),
            "addresses" => Some(Granularity::Addresses),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Functions => "functions",
            Granularity::Lines => "lines",
            Granularity::Files => "files",
            Granularity::Addresses => "addresses",
        }
    }
}

/// What identifies a node. Mirrors pprof's NodeInfo after aggregation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeInfo {
    pub address: u64,
    /// Shared with the function's own name (no copy per node).
    pub name: Arc<str>,
    pub file: Arc<str>,
    pub lineno: i64,
    pub start_line: i64,
    pub objfile: Arc<str>,
}

impl NodeInfo {
    /// [`NodeInfo::printable_name`], borrowed when it is the name alone
    /// (every node at function granularity).
    pub fn printable_name_cow(&self) -> std::borrow::Cow<'_, str> {
        if self.address == 0 && self.lineno == 0 && self.file.is_empty() && !self.name.is_empty() {
            std::borrow::Cow::Borrowed(&self.name)
        } else {
            std::borrow::Cow::Owned(self.printable_name())
        }
    }

    /// pprof's `PrintableName`.
    pub fn printable_name(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if self.address != 0 {
            parts.push(format!("{:016x}", self.address));
        }
        if !self.name.is_empty() {
            parts.push(self.name.to_string());
        }
        if self.lineno != 0 {
            parts.push(format!("{}:{}", self.file, self.lineno));
        } else if !self.file.is_empty() {
            parts.push(self.file.to_string());
        } else if !self.name.is_empty() {
        } else if !self.objfile.is_empty() {
            parts.push(format!("[{}]", base_name(&self.objfile)));
        } else {
            parts.push("<unknown>".into());
        }
        parts.join(" ")
    }
}

pub fn base_name(path: &str) -> &str {
    let p = path.trim_end_matches('/');
    p.rsplit('/').next().unwrap_or(p)
}

/// Go's `filepath.Clean` for the slash-separated paths profiles carry.
pub fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return String::new();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            x => out.push(x),
        }
    }
    let j = out.join("/");
    match (rooted, j.is_empty()) {
        (true, _) => format!("/{j}"),
        (false, true) => ".".into(),
        _ => j,
    }
}

/// The node ids of every location's frames, innermost first, shared by all
/// graphs built from one profile at one granularity.
pub struct NodeIndex {
    pub infos: Vec<NodeInfo>,
    /// Location `l`'s nodes, innermost line first, are
    /// `nodes[starts[l]..starts[l + 1]]`: one vector, not one per location
    /// (their headers and allocations would be most of this index).
    nodes: Vec<u32>,
    starts: Vec<u32>,
    /// Nodes that appear as an inlined (not last) line of some location:
    /// the only ones whose in-edges can be inline.
    pub inlinable: Vec<bool>,
}

impl NodeIndex {
    /// `noinlines` keeps only each location's last (physical) line. File
    /// names are trimmed as pprof's reports trim them before building
    /// their graph (`report::list::trim_path`: Bazel's `/proc/self/cwd/`).
    pub fn new(p: &Profile, g: Granularity, obj_names: bool, noinlines: bool) -> Self {
        Self::build(p, g, obj_names, noinlines, true)
    }

    /// [`NodeIndex::new`] with file names as recorded: pprof's `-traces`
    /// makes its nodes without trimming them.
    pub fn untrimmed(p: &Profile, g: Granularity, noinlines: bool) -> Self {
        Self::build(p, g, false, noinlines, false)
    }

    fn build(p: &Profile, g: Granularity, obj_names: bool, noinlines: bool, trim: bool) -> Self {
        // Infos are deduplicated through hash chains over the vector itself
        // (a map owning them as keys would hold them twice while built).
        // Keys repeat across locations: cache by (function, line, mapping,
        // address); by function alone in a vector when only it counts.
        let per_function = g == Granularity::Functions && !obj_names;
        // At most one node per line (or per function), and one per location
        // without lines: reserved up front, never grown by doubling.
        let no_lines = p.locations.iter().filter(|l| l.lines.is_empty()).count();
        let lines = p.locations.iter().map(|l| l.lines.len()).sum::<usize>();
        // (An unnamed function has a node per binary: one per line at most.)
        let unnamed_lines = if per_function {
            p.locations
                .iter()
                .flat_map(|l| l.lines.iter())
                .filter(|ln| p.functions[ln.function as usize].name.is_empty())
                .count()
        } else {
            0
        };
        let bound = no_lines
            + if per_function {
                p.functions.len().min(lines) + unnamed_lines
            } else {
                lines
            };
        let mut dedup = Infos {
            infos: Vec::with_capacity(bound),
            chains: Chains::new(bound),
        };
        let mut all_nodes: Vec<u32> = Vec::with_capacity(lines + no_lines);
        let mut starts: Vec<u32> = Vec::with_capacity(p.locations.len() + 1);
        starts.push(0);
        let mut by_function: Vec<u32> = if per_function {
            vec![u32::MAX; p.functions.len()]
        } else {
            Vec::new()
        };
        let mut by_line: HashMap<(u32, i64, Option<u32>, u64), u32> = HashMap::default();
        for loc in &p.locations {
            let objfile = loc
                .mapping
                .map(|m| p.mappings[m as usize].file.as_str())
                .unwrap_or("");
            let address = if g == Granularity::Addresses {
                loc.address
            } else {
                0
            };
            if loc.lines.is_empty() {
                let info = NodeInfo {
                    address,
                    objfile: objfile.into(),
                    ..Default::default()
                };
                all_nodes.push(dedup.intern(info));
            }
            let lines = if noinlines && loc.lines.len() > 1 {
                &loc.lines[loc.lines.len() - 1..]
            } else {
                &loc.lines[..]
            };
            for line in lines {
                let lineno = if matches!(g, Granularity::Lines | Granularity::Addresses) {
                    line.line
                } else {
                    0
                };
                // A function without a name is told apart by its
                // binary (pprof names it `[binary]`): its node depends on
                // the location's mapping, not on the function alone.
                let unnamed = p.functions[line.function as usize].name.is_empty();
                let key = (
                    line.function,
                    lineno,
                    if obj_names || unnamed {
                        loc.mapping
                    } else {
                        None
                    },
                    address,
                );
                let cached = if per_function && !unnamed {
                    Some(by_function[line.function as usize]).filter(|&id| id != u32::MAX)
                } else {
                    by_line.get(&key).copied()
                };
                let id = match cached {
                    Some(id) => id,
                    None => {
                        let f = &p.functions[line.function as usize];
                        let mut info = NodeInfo {
                            address,
                            name: if g == Granularity::Files {
                                Arc::default()
                            } else {
                                f.name.clone()
                            },
                            file: if g == Granularity::Functions {
                                Arc::default()
                            } else {
                                let raw = if trim {
                                    crate::report::list::trim_path(&f.filename, "", "")
                                } else {
                                    &f.filename
                                };
                                let clean = clean_path(raw);
                                if clean == *f.filename {
                                    f.filename.clone()
                                } else {
                                    clean.into()
                                }
                            },
                            lineno,
                            ..Default::default()
                        };
                        if obj_names || (info.name.is_empty()) {
                            info.objfile = objfile.into();
                            info.start_line = f.start_line;
                        }
                        let id = dedup.intern(info);
                        if per_function && !unnamed {
                            by_function[line.function as usize] = id;
                        } else {
                            by_line.insert(key, id);
                        }
                        id
                    }
                };
                all_nodes.push(id);
            }
            starts.push(all_nodes.len() as u32);
        }
        let mut infos = dedup.infos;
        infos.shrink_to_fit();
        let mut inlinable = vec![false; infos.len()];
        for w in starts.windows(2) {
            let nodes = &all_nodes[w[0] as usize..w[1] as usize];
            for &n in &nodes[..nodes.len().saturating_sub(1)] {
                inlinable[n as usize] = true;
            }
        }
        NodeIndex {
            infos,
            nodes: all_nodes,
            starts,
            inlinable,
        }
    }

    /// Location `loc`'s nodes, innermost line first (the last is the
    /// location's own, physical line).
    #[inline(always)]
    pub fn location_nodes(&self, loc: usize) -> &[u32] {
        &self.nodes[self.starts[loc] as usize..self.starts[loc + 1] as usize]
    }

    /// Every location's nodes, in location order.
    pub fn locations(&self) -> impl Iterator<Item = &[u32]> + '_ {
        (0..self.location_count()).map(|l| self.location_nodes(l))
    }

    pub fn location_count(&self) -> usize {
        self.starts.len() - 1
    }
}

/// Node infos, each once: `chains` finds an equal one already there.
struct Infos {
    infos: Vec<NodeInfo>,
    chains: Chains,
}

impl Infos {
    /// The id of `info`, a new one if unseen.
    fn intern(&mut self, info: NodeInfo) -> u32 {
        let h = hash_of(&info);
        let infos = &self.infos;
        if let Some(i) = self.chains.find(h, |j| infos[j as usize] == info) {
            return i;
        }
        let i = self.infos.len() as u32;
        self.chains.add(h, i);
        self.infos.push(info);
        i
    }
}

/// Flat and cum for every node id of a [`NodeIndex`] (0 where absent).
pub struct Graph {
    pub flat: Vec<i64>,
    pub cum: Vec<i64>,
    /// Per node: the largest |weight| among its inline in-edges and among
    /// its other in-edges (`None`: no such edge). pprof marks an edge
    /// inline when every call along it was inlined, and reads a node's
    /// `(inline)` mark from the in-edges left after it drops those lighter
    /// than the edge cutoff ([`Graph::inline_label`]). Kept only for nodes
    /// that are an inlined line somewhere: no other node can be marked.
    pub inline_in: Vec<(Option<u64>, Option<u64>)>,
    /// Node ids present in the graph (flat or cum non-zero), unsorted.
    pub nodes: Vec<u32>,
    /// The edge cutoff from which `inline_in` is complete: an untrimmed
    /// graph first knows only its inline calls' edges, and
    /// [`Graph::settle_inline_marks`] adds the other edges into the nodes
    /// whose inline edges reach a cutoff (few), not into all of them (a
    /// map of every edge into an inlinable node held millions of entries
    /// on big CPU profiles).
    settled: Option<u64>,
}

/// An edge into an inlinable node, as pprof's graph sums it: its weight
/// (each sample once), whether every first call of a sample along it was
/// inlined, and the sample that last added to it.
#[derive(Clone, Copy)]
struct EdgeSum {
    weight: i64,
    non_inline: bool,
    stamp: u32,
}

impl EdgeSum {
    const NEW: EdgeSum = EdgeSum {
        weight: 0,
        non_inline: false,
        stamp: u32::MAX,
    };

    /// pprof's `seenEdge`: an edge adds a sample's weight (and its inline
    /// flag) once per sample, however often the stack passes it.
    #[inline(always)]
    fn add(&mut self, sample: u32, w: i64, inline: bool) {
        if self.stamp != sample {
            self.stamp = sample;
            self.weight += w;
            self.non_inline |= !inline;
        }
    }
}

/// Folds an edge into its destination's (inline, other) maximum weights.
fn note_edge(marks: &mut [(Option<u64>, Option<u64>)], dst: u32, e: &EdgeSum) {
    let m = &mut marks[dst as usize];
    let slot = if e.non_inline { &mut m.1 } else { &mut m.0 };
    let w = e.weight.unsigned_abs();
    *slot = Some(slot.map_or(w, |x| x.max(w)));
}

impl Graph {
    /// Builds the graph for one sample type. With `kept`, nodes outside it
    /// are skipped and the edges that jump over them become residual.
    pub fn build(p: &Profile, idx: &NodeIndex, value_index: usize, kept: Option<&[bool]>) -> Graph {
        let n = idx.infos.len();
        let mut flat = vec![0i64; n];
        let mut cum = vec![0i64; n];
        let mut stamp = vec![u32::MAX; n];
        let mut inline_in = vec![(None, None); n];
        let settled = if kept.is_some() { Some(0) } else { None };
        match kept {
            None => Self::walk_untrimmed(
                p,
                idx,
                value_index,
                &mut flat,
                &mut cum,
                &mut stamp,
                &mut inline_in,
            ),
            Some(kept) => {
                // Trimmed graphs are small: every edge into an inlinable
                // node goes into a map (callers can be residual).
                let mut edges: HashMap<(u32, u32), EdgeSum> = HashMap::default();
                for (si, s) in p.samples.iter().enumerate() {
                    let w = s.values.get(value_index).copied().unwrap_or(0);
                    if w == 0 {
                        continue;
                    }
                    let si = si as u32;
                    let mut parent: Option<u32> = None;
                    let mut residual = false;
                    for loc in s.locations.iter().rev() {
                        let nodes = idx.location_nodes(loc as usize);
                        for ni in (0..nodes.len()).rev() {
                            let node = nodes[ni];
                            if !kept[node as usize] {
                                residual = true;
                                continue;
                            }
                            if stamp[node as usize] != si {
                                stamp[node as usize] = si;
                                cum[node as usize] += w;
                            }
                            if let Some(par) = parent {
                                if par != node && idx.inlinable[node as usize] {
                                    edges.entry((par, node)).or_insert(EdgeSum::NEW).add(
                                        si,
                                        w,
                                        ni != nodes.len() - 1,
                                    );
                                }
                            }
                            parent = Some(node);
                            residual = false;
                        }
                    }
                    if let (Some(leaf), false) = (parent, residual) {
                        flat[leaf as usize] += w;
                    }
                }
                for ((_, dst), e) in &edges {
                    note_edge(&mut inline_in, *dst, e);
                }
            }
        }
        let nodes = (0..n as u32)
            .filter(|&i| flat[i as usize] != 0 || cum[i as usize] != 0)
            .collect();
        Graph {
            flat,
            cum,
            inline_in,
            nodes,
            settled,
        }
    }

    /// Completes the `(inline)` marks for reading at `edge_cutoff`: adds
    /// the edges between locations (never inline) into every node whose
    /// inline edges reach the cutoff, unless those are known already.
    /// Nodes whose inline edges all stay under it are unmarked whatever
    /// else calls them.
    pub fn settle_inline_marks(
        &mut self,
        p: &Profile,
        idx: &NodeIndex,
        value_index: usize,
        edge_cutoff: u64,
    ) {
        if self.settled.is_some_and(|c| c <= edge_cutoff) {
            return;
        }
        let n = self.inline_in.len();
        let mut wanted = vec![false; n];
        let mut any = false;
        for (i, m) in self.inline_in.iter().enumerate() {
            if m.0.is_some_and(|w| w >= edge_cutoff) {
                wanted[i] = true;
                any = true;
            }
        }
        if any {
            // The inline pairs into those nodes are summed already.
            let mut pairs: HashMap<(u32, u32), ()> = HashMap::default();
            for ns in idx.locations() {
                for k in 0..ns.len().saturating_sub(1) {
                    if wanted[ns[k] as usize] && ns[k + 1] != ns[k] {
                        pairs.insert((ns[k + 1], ns[k]), ());
                    }
                }
            }
            let mut others: HashMap<(u32, u32), EdgeSum> = HashMap::default();
            for (si, s) in p.samples.iter().enumerate() {
                let w = s.values.get(value_index).copied().unwrap_or(0);
                if w == 0 {
                    continue;
                }
                let mut parent = u32::MAX;
                for loc in s.locations.iter().rev() {
                    let nodes = idx.location_nodes(loc as usize);
                    if let Some(&node) = nodes.last() {
                        if parent != u32::MAX
                            && parent != node
                            && wanted[node as usize]
                            && !pairs.contains_key(&(parent, node))
                        {
                            others
                                .entry((parent, node))
                                .or_insert(EdgeSum::NEW)
                                .add(si as u32, w, false);
                        }
                    }
                    if let Some(&first) = nodes.first() {
                        parent = first;
                    }
                }
            }
            for ((_, dst), e) in &others {
                note_edge(&mut self.inline_in, *dst, e);
            }
        }
        self.settled = Some(edge_cutoff);
    }

    /// The untrimmed walk, the hot loop of every report on big profiles.
    /// An edge inside a location is always the same inline call (its id is
    /// looked up by the frame's slot); an edge between locations is never
    /// inline, and matters only when the callee is inlined somewhere: it is
    /// found among the callee's inline callers (a short list, no hashing);
    /// the other edges wait for [`Graph::settle_inline_marks`].
    #[allow(clippy::too_many_arguments)]
    fn walk_untrimmed(
        p: &Profile,
        idx: &NodeIndex,
        value_index: usize,
        flat: &mut [i64],
        cum: &mut [i64],
        stamp: &mut [u32],
        inline_in: &mut [(Option<u64>, Option<u64>)],
    ) {
        let n = flat.len();
        let (all_nodes, starts) = (idx.nodes.as_slice(), idx.starts.as_slice());
        // The inline pairs (caller, callee) inside locations, one id each,
        // and every frame slot's pair (u32::MAX for a location's own line).
        let mut pair_ids: HashMap<(u32, u32), u32> = HashMap::default();
        let mut pair_keys: Vec<(u32, u32)> = Vec::new();
        let mut slot_pair = vec![u32::MAX; all_nodes.len()];
        for w in starts.windows(2) {
            let (a, b) = (w[0] as usize, w[1] as usize);
            for k in a..b.saturating_sub(1) {
                let key = (all_nodes[k + 1], all_nodes[k]);
                if key.0 == key.1 {
                    continue;
                }
                let next = pair_keys.len() as u32;
                let id = *pair_ids.entry(key).or_insert_with(|| {
                    pair_keys.push(key);
                    next
                });
                slot_pair[k] = id;
            }
        }
        drop(pair_ids);
        // Per callee: its inline callers with their pair ids, one flat
        // array by callee (`callers[from[node]..from[node + 1]]`): a vector
        // per node cost a cache miss per frame.
        let mut from = vec![0u32; n + 1];
        for &(_, node) in &pair_keys {
            from[node as usize + 1] += 1;
        }
        for i in 0..n {
            from[i + 1] += from[i];
        }
        let mut fill = from.clone();
        let mut callers = vec![(0u32, 0u32); pair_keys.len()];
        for (id, &(par, node)) in pair_keys.iter().enumerate() {
            callers[fill[node as usize] as usize] = (par, id as u32);
            fill[node as usize] += 1;
        }
        drop(fill);
        let mut pairs = vec![EdgeSum::NEW; pair_keys.len()];
        // The hottest loop of Top: written with plain loops over slices,
        // because the page's size-optimized build leaves iterator adapters
        // and even indexing a `Vec` (not a slice) as calls.
        let (from, callers) = (from.as_slice(), callers.as_slice());
        let (pairs_s, slot_pair) = (pairs.as_mut_slice(), slot_pair.as_slice());
        let inlinable = idx.inlinable.as_slice();
        let samples = &p.samples;
        let mut si = 0;
        while si < samples.len() {
            let w = samples.value(si, value_index);
            if w == 0 {
                si += 1;
                continue;
            }
            let stamp_id = si as u32;
            let mut parent = u32::MAX;
            samples.locations(si).each_root_first(|loc| {
                // Caller first: the location's own line, then what it inlined.
                let (a, b) = (starts[loc as usize], starts[loc as usize + 1]);
                let nodes = &all_nodes[a as usize..b as usize];
                let mut k = nodes.len();
                while k > 0 {
                    k -= 1;
                    let node = nodes[k];
                    if stamp[node as usize] != stamp_id {
                        stamp[node as usize] = stamp_id;
                        cum[node as usize] += w;
                    }
                    if k + 1 < nodes.len() {
                        let id = slot_pair[a as usize + k];
                        if id != u32::MAX {
                            pairs_s[id as usize].add(stamp_id, w, true);
                        }
                    } else if parent != u32::MAX && parent != node && inlinable[node as usize] {
                        let mut found = u32::MAX;
                        let (a, b) = (from[node as usize], from[node as usize + 1]);
                        for &(c, id) in &callers[a as usize..b as usize] {
                            if c == parent {
                                found = id;
                                break;
                            }
                        }
                        // Other edges into it: `settle_inline_marks`.
                        if found != u32::MAX {
                            pairs_s[found as usize].add(stamp_id, w, false);
                        }
                    }
                    parent = node;
                }
            });
            if parent != u32::MAX {
                flat[parent as usize] += w;
            }
            si += 1;
        }
        for (e, &(_, dst)) in pairs.iter().zip(&pair_keys) {
            if e.stamp != u32::MAX {
                note_edge(inline_in, dst, e);
            }
        }
    }

    /// pprof's `(inline)` / `(partial-inline)` mark of a node, from the
    /// in-edges whose |weight| reaches `edge_cutoff` (pprof drops lighter
    /// edges, `-edgefraction` of the total, before it reads the marks).
    /// Call [`Graph::settle_inline_marks`] with that cutoff first.
    pub fn inline_label(&self, node: u32, edge_cutoff: u64) -> &'static str {
        debug_assert!(
            self.settled.is_some_and(|c| c <= edge_cutoff),
            "inline marks read before they are settled"
        );
        let (inl, non) = self.inline_in[node as usize];
        match (
            inl.is_some_and(|w| w >= edge_cutoff),
            non.is_some_and(|w| w >= edge_cutoff),
        ) {
            (true, true) => "(partial-inline)",
            (true, false) => "(inline)",
            _ => "",
        }
    }
}

/// pprof's FlatNameOrder / CumNameOrder.
pub fn sort_nodes(nodes: &mut [u32], g: &Graph, idx: &NodeIndex, cum: bool) {
    // By node id; borrowed where the name is the function's (no copy of
    // every name, and no map lookups, in a sort of 40k nodes).
    let mut names: Vec<std::borrow::Cow<str>> =
        vec![std::borrow::Cow::Borrowed(""); idx.infos.len()];
    for &n in nodes.iter() {
        names[n as usize] = idx.infos[n as usize].printable_name_cow();
    }
    crate::order::sort_ids_by(nodes, |a, b| {
        let (fa, fb) = (g.flat[a as usize].abs(), g.flat[b as usize].abs());
        let (ca, cb) = (g.cum[a as usize].abs(), g.cum[b as usize].abs());
        let (first, third) = if cum {
            (cb.cmp(&ca), fb.cmp(&fa))
        } else {
            (fb.cmp(&fa), cb.cmp(&ca))
        };
        first
            .then_with(|| names[a as usize].cmp(&names[b as usize]))
            .then(third)
            .then_with(|| idx.infos[a as usize].cmp(&idx.infos[b as usize]))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_share_their_function_names() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/go/h1-substring-retention/heap-3.pb.gz"
        ))
        .unwrap();
        let p = crate::decode::decode(&bytes).unwrap();
        for g in [Granularity::Functions, Granularity::Lines] {
            let idx = NodeIndex::new(&p, g, false, false);
            for (l, loc) in p.locations.iter().enumerate() {
                for (line, &n) in loc.lines.iter().zip(idx.location_nodes(l)) {
                    let (f, info) = (&p.functions[line.function as usize], &idx.infos[n as usize]);
                    assert!(Arc::ptr_eq(&f.name, &info.name), "{}", f.name);
                    // A file name already clean is shared too.
                    if g == Granularity::Lines && clean_path(&f.filename) == *f.filename {
                        assert!(Arc::ptr_eq(&f.filename, &info.file), "{}", f.filename);
                    }
                }
            }
        }
    }
}
