//! What the page's worker keeps and answers: the opened profiles, the
//! dropped sources, and the last prepared query, behind a message API.
//! The page never holds a profile: it sends a [`Request`] and draws the
//! [`Response`], both plain serde data (postcard on the wire), so
//! decoding and every report run off the page's main thread, and this
//! module is tested natively like the rest of the core.

use crate::decode::Input;
use crate::filter::Filters;
use crate::graph::Granularity;
use crate::leak::{self, LeakReport};
use crate::permalink;
use crate::profile::Profile;
use crate::report::flame::{FlameStacks, FlameTree};
use crate::report::list::{self, DroppedSources, Listing};
use crate::report::top::{self, TopRow};
use crate::report::traces::{self, Trace};
use crate::report::{Prepared, Query};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What the page shows about a snapshot without asking again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub kind: String,
    /// How the file was written ("profile.proto", "goroutine debug=2"...).
    pub format: String,
    /// (type, unit) per sample type.
    pub sample_types: Vec<(String, String)>,
    pub default_sample_index: usize,
    pub time_nanos: i64,
    pub duration_nanos: i64,
}

impl Meta {
    fn of(p: &Profile) -> Meta {
        Meta {
            kind: p.kind(),
            format: p.format.map(|f| f.describe()).unwrap_or("").to_string(),
            sample_types: p
                .sample_types
                .iter()
                .map(|t| (t.r#type.clone(), t.unit.clone()))
                .collect(),
            default_sample_index: p.default_sample_index(),
            time_nanos: p.time_nanos,
            duration_nanos: p.duration_nanos,
        }
    }

    /// The sample type `name`, else the default (a type the profile lacks
    /// falls back, as the page's selector does).
    pub fn sample_index(&self, name: Option<&str>) -> usize {
        name.and_then(|n| self.sample_types.iter().position(|(t, _)| t == n))
            .unwrap_or(self.default_sample_index)
    }
}

/// The snapshot and narrowing every report request carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ask {
    pub current: u32,
    /// A snapshot whose Top is returned alongside, for the Δ columns.
    pub base: Option<u32>,
    pub sample_type: Option<String>,
    pub filters: Filters,
    pub granularity: Granularity,
}

/// The Top table: every row, in pprof's units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopData {
    pub rows: Vec<TopRow>,
    pub total: i64,
    pub unit: String,
    pub output_unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Forget a snapshot (the page closed or replaced it).
    Forget {
        id: u32,
    },
    /// A `.go` file for the Source view, matched by path suffix.
    Source {
        name: String,
        text: String,
    },
    Top {
        seq: u32,
        ask: Ask,
    },
    /// The largest `limit` stacks with a frame matching `filter` (a regex,
    /// empty for all), and how many match.
    Traces {
        seq: u32,
        ask: Ask,
        filter: String,
        limit: u32,
    },
    /// Every stack `Traces` would list with this filter, as CSV: the rows
    /// go to the sink of [`Session::handle_with`] as they are written,
    /// then [`Response::Exported`] says how many there were.
    ExportTraces {
        seq: u32,
        ask: Ask,
        filter: String,
    },
    /// A flame tree pruned to frames at least `min_fraction` of the root
    /// wide (of the focused frame below it), plus search hits.
    Flame {
        seq: u32,
        ask: Ask,
        bottom_up: bool,
        focus: Vec<u32>,
        min_fraction: f64,
        search: String,
    },
    List {
        seq: u32,
        ask: Ask,
        function: String,
    },
    /// Leak findings over these snapshots, in this order.
    Leaks {
        seq: u32,
        series: Vec<u32>,
    },
    /// A permalink to `base_url` carrying the summary of this series (Top
    /// and Flame of the last), cut to fit a chat message.
    Summary {
        seq: u32,
        series: Vec<u32>,
        base_url: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Response {
    Opened {
        id: u32,
        name: String,
        meta: Meta,
    },
    Failed {
        name: String,
        error: String,
    },
    /// `error`: the query was refused (a bad regex...); the reports are
    /// then those of the last good query on the same snapshot, if any.
    Top {
        seq: u32,
        top: Option<TopData>,
        base: Option<TopData>,
        error: Option<String>,
    },
    Traces {
        seq: u32,
        traces: Vec<Trace>,
        matching: u64,
        unit: String,
        error: Option<String>,
    },
    /// The end of an export whose bytes went to the sink.
    Exported {
        seq: u32,
        rows: u64,
        error: Option<String>,
    },
    Flame {
        seq: u32,
        tree: Option<FlameTree>,
        hits: Vec<u32>,
        covered: i64,
        error: Option<String>,
    },
    List {
        seq: u32,
        listings: Vec<Listing>,
        unit: String,
        total: i64,
        error: Option<String>,
    },
    Leaks {
        seq: u32,
        report: LeakReport,
    },
    /// The link and what was left out to fit it (None: nothing to summarize).
    Summary {
        seq: u32,
        link: Option<(String, Vec<String>)>,
    },
}

struct Snapshot {
    id: u32,
    name: String,
    profile: Arc<Profile>,
}

/// The worker's state. Caches the last prepared query and the last flame
/// stacks: a tab switch or a zoom re-uses them.
#[derive(Default)]
pub struct Session {
    snapshots: Vec<Snapshot>,
    sources: Vec<(String, String)>,
    next_id: u32,
    prepared: Option<(Ask, Arc<Prepared>)>,
    /// The last query that worked, per current snapshot.
    good: Option<(Ask, Arc<Prepared>)>,
    stacks: Option<(Ask, bool, Arc<FlameStacks<Arc<Profile>>>)>,
    /// The node index of `prepared`, shared by Top and the flame graph.
    index: Option<(Ask, Arc<crate::graph::NodeIndex>)>,
    /// Work to do once the reply is out: the flame graph of a new Top.
    warm: Option<Ask>,
    /// The unfocused top-down tree of `stacks` at [`FINE`], laid out
    /// between requests: the flame graph opened after Top is a cut of it.
    fine: Option<(Ask, Arc<FlameTree>)>,
}

impl Session {
    pub fn new() -> Session {
        Session {
            next_id: 1,
            ..Default::default()
        }
    }

    /// Decodes a file. `progress` gets a fraction and what is being done.
    /// A file of the same name replaces the one opened before.
    /// The file is read through [`Input`] (the worker leaves it in its
    /// JavaScript buffer and copies it in a chunk at a time).
    pub fn open(
        &mut self,
        name: &str,
        file: &dyn Input,
        progress: &mut dyn FnMut(f32, &str),
    ) -> Response {
        progress(0.0, "reading");
        let decoded = crate::decode::decode_input(file, Default::default(), &mut |f| {
            progress(0.8 * f, "parsing")
        })
        .and_then(|mut p| {
            progress(0.8, "normalizing");
            p.remove_uninteresting()?;
            progress(0.9, "merging samples");
            p.merge_duplicates();
            Ok(p)
        });
        let p = match decoded {
            Ok(p) if p.sample_types.is_empty() => {
                return Response::Failed {
                    name: name.into(),
                    error: "the profile has no sample types".into(),
                }
            }
            Ok(p) => p,
            Err(e) => {
                return Response::Failed {
                    name: name.into(),
                    error: e.to_string(),
                }
            }
        };
        progress(1.0, "done");
        self.snapshots.retain(|s| s.name != name);
        let id = self.next_id;
        self.next_id += 1;
        let meta = Meta::of(&p);
        self.snapshots.push(Snapshot {
            id,
            name: name.into(),
            profile: Arc::new(p),
        });
        Response::Opened {
            id,
            name: name.into(),
            meta,
        }
    }

    /// Adds a decoded profile (tests and the CLI's in-process use).
    pub fn add(&mut self, name: &str, p: Profile) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        self.snapshots.push(Snapshot {
            id,
            name: name.into(),
            profile: Arc::new(p),
        });
        id
    }

    fn profile(&self, id: u32) -> Option<&Arc<Profile>> {
        self.snapshots
            .iter()
            .find(|s| s.id == id)
            .map(|s| &s.profile)
    }

    /// The prepared profile for `ask`, or the last good one on the same
    /// snapshot with the error that refused `ask`.
    fn prepare(&mut self, ask: &Ask) -> (Option<Arc<Prepared>>, Option<String>) {
        let base_free = Ask {
            base: None,
            ..ask.clone()
        };
        if let Some((k, p)) = &self.prepared {
            if *k == base_free {
                return (Some(p.clone()), None);
            }
        }
        let Some(profile) = self.profile(ask.current).cloned() else {
            return (None, Some(format!("snapshot {} is not open", ask.current)));
        };
        match prepare(&profile, ask) {
            Ok(p) => {
                let p = Arc::new(p);
                self.prepared = Some((base_free.clone(), p.clone()));
                self.good = Some((base_free, p.clone()));
                (Some(p), None)
            }
            Err(e) => {
                let last = self
                    .good
                    .as_ref()
                    .filter(|(k, _)| k.current == ask.current)
                    .map(|(_, p)| p.clone());
                (last, Some(e))
            }
        }
    }

    fn index_of(&mut self, key: &Ask, p: &Prepared) -> Arc<crate::graph::NodeIndex> {
        if let Some((k, i)) = &self.index {
            if k == key {
                return i.clone();
            }
        }
        let i = Arc::new(crate::graph::NodeIndex::new(
            &p.profile,
            p.granularity,
            false,
            p.noinlines,
        ));
        self.index = Some((key.clone(), i.clone()));
        i
    }

    fn top_of(p: &Prepared) -> TopData {
        Self::top_with(
            p,
            &crate::graph::NodeIndex::new(&p.profile, p.granularity, false, p.noinlines),
        )
    }

    fn top_with(p: &Prepared, idx: &crate::graph::NodeIndex) -> TopData {
        let view = p.view();
        let t = top::top_indexed(
            &view,
            &top::TopOptions {
                node_fraction: 0.0,
                ..Default::default()
            },
            idx,
        );
        let output_unit = top::pprof_output_unit(&view, &t.rows, 0.005);
        TopData {
            rows: t.rows,
            total: t.total,
            unit: view.sample_unit.clone(),
            output_unit,
        }
    }

    /// What Traces and its export share: the prepared query, its node
    /// index (Top's, when this is Top's query) and the filter compiled.
    /// `Some` with an error: the last good query, the filter refused.
    fn traces_query(&mut self, ask: &Ask, filter: &str) -> (Option<TracesQuery>, Option<String>) {
        let (p, mut error) = self.prepare(ask);
        let Some(p) = p else { return (None, error) };
        let key = Ask {
            base: None,
            ..ask.clone()
        };
        let idx = if error.is_none() {
            self.index_of(&key, &p)
        } else {
            Arc::new(crate::graph::NodeIndex::new(
                &p.profile,
                p.granularity,
                false,
                p.noinlines,
            ))
        };
        let re = if filter.is_empty() {
            None
        } else {
            regex_lite::Regex::new(filter)
                .map_err(|e| error = Some(e.to_string()))
                .ok()
        };
        (Some((p, idx, re)), error)
    }

    fn series(&self, ids: &[u32]) -> Vec<(&str, &Profile)> {
        ids.iter()
            .filter_map(|id| self.snapshots.iter().find(|s| s.id == *id))
            .map(|s| (s.name.as_str(), &*s.profile))
            .collect()
    }

    pub fn handle(&mut self, req: Request) -> Option<Response> {
        self.handle_with(req, &mut |_| {})
    }

    /// [`Session::handle`], with a sink for what is streamed rather than
    /// replied: an export's bytes, in pieces of about [`EXPORT_PIECE`].
    pub fn handle_with(&mut self, req: Request, sink: &mut dyn FnMut(&[u8])) -> Option<Response> {
        Some(match req {
            Request::Forget { id } => {
                self.snapshots.retain(|s| s.id != id);
                let stale = |k: &Ask| k.current == id;
                if self.prepared.as_ref().is_some_and(|(k, _)| stale(k)) {
                    self.prepared = None;
                }
                if self.good.as_ref().is_some_and(|(k, _)| stale(k)) {
                    self.good = None;
                }
                if self.stacks.as_ref().is_some_and(|(k, _, _)| stale(k)) {
                    self.stacks = None;
                }
                if self.index.as_ref().is_some_and(|(k, _)| stale(k)) {
                    self.index = None;
                }
                if self.fine.as_ref().is_some_and(|(k, _)| stale(k)) {
                    self.fine = None;
                }
                return None;
            }
            Request::Source { name, text } => {
                self.sources.retain(|(n, _)| *n != name);
                self.sources.push((name, text));
                return None;
            }
            Request::Top { seq, ask } => {
                let (p, error) = self.prepare(&ask);
                let key = Ask {
                    base: None,
                    ..ask.clone()
                };
                // The index is cached for the query answered, not for a fallback.
                let top = p.as_deref().map(|p| {
                    if error.is_none() {
                        Self::top_with(p, &self.index_of(&key, p))
                    } else {
                        Self::top_of(p)
                    }
                });
                let base = self.base_top(&ask);
                if error.is_none() && top.is_some() {
                    self.warm = Some(key);
                }
                Response::Top {
                    seq,
                    top,
                    base,
                    error,
                }
            }
            Request::Traces {
                seq,
                ask,
                filter,
                limit,
            } => {
                let (q, error) = self.traces_query(&ask, &filter);
                let mut out = Vec::new();
                let mut matching = 0;
                let mut unit = String::new();
                if let Some((p, idx, re)) = q {
                    let view = p.view();
                    unit = view.sample_unit.clone();
                    let keep = re.as_ref().map(|re| move |name: &str| re.is_match(name));
                    let (largest, n) = traces::largest(
                        &view,
                        &idx,
                        keep.as_ref().map(|k| k as &dyn Fn(&str) -> bool),
                        limit as usize,
                    );
                    matching = n as u64;
                    out = largest;
                }
                Response::Traces {
                    seq,
                    traces: out,
                    matching,
                    unit,
                    error,
                }
            }
            Request::ExportTraces { seq, ask, filter } => {
                let (q, error) = self.traces_query(&ask, &filter);
                let mut rows = 0;
                // A refused filter exports nothing rather than everything.
                if let (Some((p, idx, re)), None) = (q, &error) {
                    let keep = re.as_ref().map(|re| move |name: &str| re.is_match(name));
                    rows = crate::export::traces_csv_pieces(
                        &p.view(),
                        &idx,
                        keep.as_ref().map(|k| k as &dyn Fn(&str) -> bool),
                        EXPORT_PIECE,
                        &mut |piece| {
                            sink(piece);
                            true
                        },
                    ) as u64;
                }
                Response::Exported { seq, rows, error }
            }
            Request::Flame {
                seq,
                ask,
                bottom_up,
                focus,
                min_fraction,
                search,
            } => {
                let (p, mut error) = self.prepare(&ask);
                let Some(p) = p else {
                    return Some(Response::Flame {
                        seq,
                        tree: None,
                        hits: vec![],
                        covered: 0,
                        error,
                    });
                };
                let key = Ask {
                    base: None,
                    ..ask.clone()
                };
                let stacks = match &self.stacks {
                    Some((k, b, s)) if *k == key && *b == bottom_up && error.is_none() => s.clone(),
                    _ if error.is_none() => self.stacks_for(&key, &p, bottom_up),
                    _ => {
                        let v = p.view();
                        let idx = Arc::new(crate::graph::NodeIndex::new(
                            &p.profile,
                            v.granularity,
                            false,
                            v.noinlines,
                        ));
                        Arc::new(FlameStacks::indexed(p.profile.clone(), &v, bottom_up, idx))
                    }
                };
                let min_fraction = min_fraction.clamp(0.0, 1.0);
                let tree = match &self.fine {
                    Some((k, fine))
                        if *k == key
                            && !bottom_up
                            && focus.is_empty()
                            && min_fraction >= FINE
                            && error.is_none() =>
                    {
                        fine.pruned(min_fraction)
                    }
                    _ => stacks.tree(&focus, min_fraction),
                };
                let (mut hits, mut covered) = (Vec::new(), 0);
                if !search.is_empty() {
                    match regex_lite::Regex::new(&search) {
                        Ok(re) => {
                            covered = stacks.covered(&re);
                            hits = (1..tree.nodes.len() as u32)
                                .filter(|&n| {
                                    re.is_match(&tree.names[tree.nodes[n as usize].name as usize])
                                })
                                .collect();
                        }
                        Err(e) => error = Some(format!("search: {e}")),
                    }
                }
                Response::Flame {
                    seq,
                    tree: Some(tree),
                    hits,
                    covered,
                    error,
                }
            }
            Request::List { seq, ask, function } => {
                let (p, error) = self.prepare(&ask);
                let Some(p) = p else {
                    return Some(Response::List {
                        seq,
                        listings: vec![],
                        unit: String::new(),
                        total: 0,
                        error,
                    });
                };
                let view = p.view();
                let mut src = DroppedSources {
                    files: self.sources.clone(),
                };
                let pattern = format!("^{}$", regex_lite::escape(&function));
                let listings = list::list(&view, &pattern, &mut src).unwrap_or_default();
                Response::List {
                    seq,
                    listings,
                    unit: view.sample_unit.clone(),
                    total: view.total,
                    error,
                }
            }
            Request::Leaks { seq, series } => Response::Leaks {
                seq,
                report: leak::analyze(&self.series(&series)),
            },
            Request::Summary {
                seq,
                series,
                base_url,
            } => {
                let s = self.series(&series);
                let report = leak::analyze(&s);
                let link = permalink::summarize(&s, &report, 200, 0.01, 400).map(|sum| {
                    let (url, kept) = permalink::link(&base_url, sum);
                    (url, kept.omitted)
                });
                Response::Summary { seq, link }
            }
        })
    }

    fn stacks_for(
        &mut self,
        key: &Ask,
        p: &Prepared,
        bottom_up: bool,
    ) -> Arc<FlameStacks<Arc<Profile>>> {
        let idx = self.index_of(key, p);
        let s = Arc::new(FlameStacks::indexed(
            p.profile.clone(),
            &p.view(),
            bottom_up,
            idx,
        ));
        self.stacks = Some((key.clone(), bottom_up, s.clone()));
        s
    }

    /// Work worth doing between requests, called once a reply is out: the
    /// flame stacks of the query Top was just computed for and its tree at
    /// [`FINE`], so opening the flame graph right after the Top table costs
    /// only a cut of that tree.
    pub fn idle(&mut self) {
        let Some(key) = self.warm.take() else { return };
        let stacks = match &self.stacks {
            Some((k, false, s)) if *k == key => s.clone(),
            _ => match self.prepared.clone() {
                Some((k, p)) if k == key => self.stacks_for(&key, &p, false),
                _ => return,
            },
        };
        if !self.fine.as_ref().is_some_and(|(k, _)| *k == key) {
            self.fine = Some((key, Arc::new(stacks.tree(&[], FINE))));
        }
    }

    /// The base's Top with the same query, when the base is of the same kind.
    fn base_top(&self, ask: &Ask) -> Option<TopData> {
        let b = self.profile(ask.base?)?;
        let cur = self.profile(ask.current)?;
        if ask.base == Some(ask.current) || b.sample_types != cur.sample_types {
            return None;
        }
        prepare(
            b,
            &Ask {
                base: None,
                ..ask.clone()
            },
        )
        .ok()
        .map(|p| Self::top_of(&p))
    }
}

/// The cut of the flame tree laid out ahead of time: fine enough for a
/// canvas 2560 pixels wide (the page cuts at 0.4 px); wider ones lay
/// out their own. Finer costs memory: 4000 px kept ten times the nodes
/// on the heap profile.
const FINE: f64 = 0.4 / 2560.0;

fn prepare(p: &Arc<Profile>, ask: &Ask) -> Result<Prepared, String> {
    let mut q = Query {
        sample_index: ask.sample_type.clone(),
        filters: ask.filters.clone(),
        granularity: ask.granularity,
        noinlines: false,
    };
    // A sample type the profile lacks falls back to its default.
    if p.sample_index(q.sample_index.as_deref()).is_err() {
        q.sample_index = None;
    }
    Prepared::shared(p.clone(), None, &q).map_err(|e| e.to_string())
}

/// Work waiting for the worker, in the order worth doing it: files first
/// (in the order dropped), then what the user looks at (Top, Flame, List,
/// Traces), then Summary and Leaks. A request replaces a queued one of the
/// same kind: the page only reads the answer to its latest.
/// `F` is how a queued file is held (the worker: its JavaScript buffer).
pub struct Queue<F = Vec<u8>> {
    files: std::collections::VecDeque<(String, F)>,
    requests: Vec<Request>,
}

impl<F> Default for Queue<F> {
    fn default() -> Self {
        Queue {
            files: Default::default(),
            requests: Vec::new(),
        }
    }
}

impl Response {
    /// The postcard bytes, in a buffer of exactly their size: grown by
    /// doubling, a 4.5 MB Top reply held up to 12 MB while it moved, and
    /// the worker's wasm memory kept that as its peak.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.write_chunks(&mut |c| out.extend_from_slice(c));
        out
    }

    /// The size of [`Response::to_bytes`].
    pub fn encoded_len(&self) -> usize {
        postcard::experimental::serialized_size(self).unwrap_or(0)
    }

    /// The postcard bytes handed to `sink` a 64 KiB chunk at a time (the
    /// worker copies each into a JavaScript buffer of
    /// [`Response::encoded_len`] bytes: the reply is never whole in wasm
    /// memory, beside the report it encodes).
    pub fn write_chunks(&self, sink: &mut dyn FnMut(&[u8])) {
        let chunks = Chunks {
            buf: Vec::with_capacity(CHUNK),
            sink,
        };
        if let Ok(mut c) = postcard::serialize_with_flavor::<Self, Chunks, Chunks>(self, chunks) {
            c.flush();
        }
    }
}

/// A prepared query, its node index and the Traces filter, compiled.
type TracesQuery = (
    Arc<Prepared>,
    Arc<crate::graph::NodeIndex>,
    Option<regex_lite::Regex>,
);

const CHUNK: usize = 64 * 1024;

/// About how many bytes of an export go to the sink at once: few
/// messages to the page, little held in the worker.
pub const EXPORT_PIECE: usize = 256 << 10;

/// A postcard output that passes on its bytes a chunk at a time.
struct Chunks<'a> {
    buf: Vec<u8>,
    sink: &'a mut dyn FnMut(&[u8]),
}

impl Chunks<'_> {
    fn flush(&mut self) {
        if !self.buf.is_empty() {
            (self.sink)(&self.buf);
            self.buf.clear();
        }
    }
}

impl<'a> postcard::ser_flavors::Flavor for Chunks<'a> {
    type Output = Chunks<'a>;

    fn try_push(&mut self, b: u8) -> postcard::Result<()> {
        if self.buf.len() == CHUNK {
            self.flush();
        }
        self.buf.push(b);
        Ok(())
    }

    fn try_extend(&mut self, mut data: &[u8]) -> postcard::Result<()> {
        while !data.is_empty() {
            if self.buf.len() == CHUNK {
                self.flush();
            }
            let n = (CHUNK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
        }
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Self::Output> {
        Ok(self)
    }
}

impl Request {
    /// Lower runs first.
    fn rank(&self) -> u8 {
        match self {
            Request::Forget { .. } | Request::Source { .. } => 0,
            Request::Top { .. } => 1,
            Request::Flame { .. } => 2,
            Request::List { .. } => 3,
            Request::Traces { .. } | Request::ExportTraces { .. } => 4,
            Request::Summary { .. } => 5,
            Request::Leaks { .. } => 6,
        }
    }
}

impl<F> Queue<F> {
    pub fn open(&mut self, name: String, file: F) {
        self.files.push_back((name, file));
    }

    pub fn push(&mut self, r: Request) {
        // Forget and Source are state changes: never replaced, kept in order.
        if r.rank() != 0 {
            self.requests
                .retain(|q| std::mem::discriminant(q) != std::mem::discriminant(&r));
        }
        self.requests.push(r);
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.requests.is_empty()
    }

    /// The next job: a file to open, or a request.
    pub fn pop(&mut self) -> Option<Result<(String, F), Request>> {
        // State changes queued before a file keep their place before it.
        if let Some(i) = self.requests.iter().position(|r| r.rank() == 0) {
            return Some(Err(self.requests.remove(i)));
        }
        if let Some(f) = self.files.pop_front() {
            return Some(Ok(f));
        }
        let i = (0..self.requests.len()).min_by_key(|&i| (self.requests[i].rank(), i))?;
        Some(Err(self.requests.remove(i)))
    }
}
