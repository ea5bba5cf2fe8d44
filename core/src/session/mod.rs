//! What the page's worker keeps and answers: the opened profiles, the
//! dropped sources, and the last prepared query, behind a message API.
//! The page never holds a profile: it sends a [`Request`] and draws the
//! [`Response`], both plain serde data (postcard on the wire), so
//! decoding and every report run off the page's main thread, and this
//! module is tested natively like the rest of the core.
//!
//! One file per job: `wire` (the request and response types), this file
//! (the [`Session`] that answers them), `chunks` (a response's bytes
//! handed out a chunk at a time) and `queue` (the order the worker works
//! off what arrived).

mod chunks;
mod queue;
mod wire;

pub use queue::{Job, Queue};
pub use wire::{Ask, Meta, Request, Response, TopData};

use crate::decode::Input;
use crate::goroutines::{Explorer, Similarity};
use crate::graph::NodeIndex;
use crate::leak;
use crate::permalink;
use crate::profile::Profile;
use crate::report::flame::{self, FlameStacks, FlameTree};
use crate::report::list::{self, DroppedSources};
use crate::report::top;
use crate::report::traces;
use crate::report::{Prepared, Query};
use std::sync::Arc;

/// An opened profile and the name it was dropped as.
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
    stacks: Option<(Ask, bool, Stacks)>,
    /// The node index of `prepared`, shared by Top and the flame graph.
    index: Option<(Ask, Arc<NodeIndex>)>,
    /// Work to do once the reply is out: the flame graph of a new Top.
    warm: Option<Ask>,
    /// The unfocused top-down tree of `stacks` at [`fine_cut`], laid out
    /// between requests: the flame graph opened after Top is a cut of it.
    fine: Option<(Ask, Arc<FlameTree>)>,
    /// The last goroutine series grouped: a new sort or search re-uses it.
    explorer: Option<(Vec<u32>, Similarity, Arc<Explorer>)>,
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
            crate::decode::normalize(&mut p)?;
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
        let base_free = ask.without_base();
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

    fn index_of(&mut self, key: &Ask, p: &Prepared) -> Arc<NodeIndex> {
        if let Some((k, i)) = &self.index {
            if k == key {
                return i.clone();
            }
        }
        let i = Arc::new(p.node_index());
        self.index = Some((key.clone(), i.clone()));
        i
    }

    fn top_of(p: &Prepared) -> TopData {
        Self::top_with(p, &p.node_index())
    }

    fn top_with(p: &Prepared, idx: &NodeIndex) -> TopData {
        let view = p.view();
        let t = top::top_indexed(
            &view,
            &top::TopOptions {
                node_fraction: 0.0,
                ..Default::default()
            },
            idx,
        );
        let output_unit = top::pprof_output_unit(&view, &t.rows, top::PPROF_NODE_FRACTION);
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
        let key = ask.without_base();
        let idx = if error.is_none() {
            self.index_of(&key, &p)
        } else {
            Arc::new(p.node_index())
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
                if self
                    .explorer
                    .as_ref()
                    .is_some_and(|(s, _, _)| s.contains(&id))
                {
                    self.explorer = None;
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
                let key = ask.without_base();
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
                let key = ask.without_base();
                let stacks = match &self.stacks {
                    Some((k, b, s)) if *k == key && *b == bottom_up && error.is_none() => s.clone(),
                    _ if error.is_none() => self.stacks_for(&key, &p, bottom_up),
                    _ => {
                        let v = p.view();
                        let idx = Arc::new(p.node_index());
                        Arc::new(FlameStacks::indexed(p.profile.clone(), &v, bottom_up, idx))
                    }
                };
                let min_fraction = min_fraction.clamp(0.0, 1.0);
                let tree = match &self.fine {
                    Some((k, fine))
                        if *k == key
                            && !bottom_up
                            && focus.is_empty()
                            && min_fraction >= fine_cut()
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
                report: self.leak_report(&series),
            },
            Request::Summary {
                seq,
                series,
                base_url,
            } => {
                let report = self.leak_report(&series);
                let s = self.series(&series);
                let link = permalink::summarize(&s, &report, &permalink::LINK_SIZES).map(|sum| {
                    let (url, kept) = permalink::link(&base_url, sum);
                    (url, kept.omitted)
                });
                Response::Summary { seq, link }
            }
            Request::Goroutines {
                seq,
                series,
                current,
                similarity,
                sort,
                search,
                limit,
            } => {
                let (view, error) = match self.explorer_of(&series, similarity) {
                    Ok(ex) => {
                        let at = series.iter().position(|&id| id == current);
                        let at = at.unwrap_or(series.len().saturating_sub(1));
                        (ex.view(at, sort, &search, limit as usize), None)
                    }
                    Err(e) => (Default::default(), Some(e)),
                };
                Response::Goroutines { seq, view, error }
            }
            Request::Memory { seq, series } => Response::Memory {
                seq,
                report: crate::memory::triage(&self.series(&series)),
            },
        })
    }

    /// The leak report of a series; dropped sources let each finding's fix
    /// come from its blocking line.
    fn leak_report(&self, ids: &[u32]) -> leak::LeakReport {
        let mut src = DroppedSources {
            files: self.sources.clone(),
        };
        leak::analyze_with(
            &self.series(ids),
            leak::Options {
                sources: Some(&mut src),
                explain: false,
            },
        )
    }

    /// The goroutine series grouped, from the cache when it is the last one.
    fn explorer_of(&mut self, ids: &[u32], sim: Similarity) -> Result<Arc<Explorer>, String> {
        if let Some((s, k, ex)) = &self.explorer {
            if s == ids && *k == sim {
                return Ok(ex.clone());
            }
        }
        let ex = Arc::new(crate::goroutines::explore(&self.series(ids), sim)?);
        self.explorer = Some((ids.to_vec(), sim, ex.clone()));
        Ok(ex)
    }

    fn stacks_for(&mut self, key: &Ask, p: &Prepared, bottom_up: bool) -> Stacks {
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
    /// [`fine_cut`], so opening the flame graph right after the Top table costs
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
            self.fine = Some((key, Arc::new(stacks.tree(&[], fine_cut()))));
        }
    }

    /// The base's Top with the same query, when the base is of the same kind.
    fn base_top(&self, ask: &Ask) -> Option<TopData> {
        let b = self.profile(ask.base?)?;
        let cur = self.profile(ask.current)?;
        if ask.base == Some(ask.current) || b.sample_types != cur.sample_types {
            return None;
        }
        prepare(b, &ask.without_base())
            .ok()
            .map(|p| Self::top_of(&p))
    }
}

/// The cut of the flame tree laid out ahead of time.
fn fine_cut() -> f64 {
    flame::min_fraction(flame::PRELAID_PX)
}

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

/// Flame stacks over an opened profile, shared between requests.
type Stacks = Arc<FlameStacks<Arc<Profile>>>;

/// A prepared query, its node index and the Traces filter, compiled.
type TracesQuery = (Arc<Prepared>, Arc<NodeIndex>, Option<regex_lite::Regex>);

/// About how many bytes of an export go to the sink at once: few
/// messages to the page, little held in the worker.
pub const EXPORT_PIECE: usize = 256 << 10;
