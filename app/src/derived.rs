//! What the views show, as signals filled by the worker's replies. Effects
//! here send a request whenever what a visible view needs changes; a reply
//! older than the last request of its kind is dropped, so a fast typist
//! never sees an answer to an earlier question.

use crate::state::{Store, Tab};
use crate::worker::{Client, Event};
use leakscope_core::goroutines::{Similarity, Sort, View as GoroutineView};
use leakscope_core::leak::LeakReport;
use leakscope_core::memory::MemoryReport;
use leakscope_core::report::{flame::FlameTree, list::Listing, traces::Trace};
pub use leakscope_core::session::TopData;
use leakscope_core::session::{Ask, Request, Response};
use leptos::prelude::*;
use std::sync::Arc;

/// Arc with pointer equality, so memos of big values compare in O(1).
#[derive(Debug)]
pub struct Shared<T>(pub Arc<T>);

impl<T> Shared<T> {
    pub fn new(v: T) -> Self {
        Shared(Arc::new(v))
    }
}
impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}
impl<T> PartialEq for Shared<T> {
    fn eq(&self, o: &Self) -> bool {
        Arc::ptr_eq(&self.0, &o.0)
    }
}
impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A value in the Top table's unit.
pub fn fmt(t: &TopData, v: i64) -> String {
    leakscope_core::measurement::scaled_label(v, &t.unit, &t.output_unit)
}

/// Search hits (node indexes) as one flag per node, for drawing.
pub fn hit_mask(nodes: usize, hits: &[u32]) -> Vec<bool> {
    let mut mask = vec![false; nodes];
    for &h in hits {
        mask[h as usize] = true;
    }
    mask
}

pub struct TracesData {
    pub traces: Vec<Trace>,
    pub matching: u64,
    pub unit: String,
}

pub struct FlameData {
    pub tree: Shared<FlameTree>,
    /// Per node: does its name match the search.
    pub hits: Option<Vec<bool>>,
    pub covered: i64,
}

pub struct ListData {
    pub function: String,
    pub listings: Vec<Listing>,
    pub unit: String,
    pub total: i64,
}

/// What the Flame view asks for besides the query.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FlameAsk {
    /// Frame keys from the root's child to the zoomed frame.
    pub focus: Vec<u32>,
    pub search: String,
    /// Canvas width in CSS pixels: frames under half a pixel are not sent.
    pub width: f64,
}

/// What the Goroutines view asks for besides the series.
#[derive(Clone, Debug, PartialEq)]
pub struct GoroutineAsk {
    pub sort: Sort,
    /// Case-insensitive text found in a function, a file or the state.
    pub search: String,
    pub similarity: Similarity,
    /// Groups drawn at most ("show more" raises it).
    pub limit: u32,
}

impl Default for GoroutineAsk {
    fn default() -> Self {
        GoroutineAsk {
            sort: Sort::Count,
            search: String::new(),
            similarity: Similarity::Exact,
            limit: GOROUTINE_PAGE,
        }
    }
}

/// Goroutine groups drawn at once.
pub const GOROUTINE_PAGE: u32 = 100;

pub struct GoroutinesData {
    pub view: GoroutineView,
    /// The worker ids of the series, in order (`view.files` names them).
    pub series: Vec<u32>,
    pub error: Option<String>,
}

/// Kinds of request; the worker answers only the latest of each kind
/// (older queued ones are skipped), so only the latest is waited for.
#[derive(Clone, Copy)]
enum Kind {
    Top,
    Traces,
    Flame,
    List,
    Leaks,
    Summary,
    Goroutines,
    Memory,
    Export,
}

const KINDS: usize = Kind::Export as usize + 1;

#[derive(Default)]
struct Seqs {
    next: u32,
    /// Per kind: the latest request sent, and the latest answered.
    latest: [u32; KINDS],
    answered: [u32; KINDS],
}

/// An export under way: its file name and the pieces received so far.
struct Export {
    seq: u32,
    name: String,
    parts: js_sys::Array,
}

impl Seqs {
    fn waiting(&self) -> bool {
        self.latest != self.answered
    }
}

#[derive(Clone, Copy)]
pub struct Derived {
    pub sample_index: Memo<usize>,
    pub ask: Memo<Option<Ask>>,
    pub top: RwSignal<Option<Shared<TopData>>>,
    /// Top of the comparison base (same query).
    pub base_top: RwSignal<Option<Shared<TopData>>>,
    /// Why the current query was refused (the reports then show the last good one).
    pub query_error: RwSignal<Option<String>>,
    pub traces: RwSignal<Option<Shared<TracesData>>>,
    /// How many stacks the Traces view asks for.
    pub traces_limit: RwSignal<u32>,
    pub flame: RwSignal<Option<Shared<FlameData>>>,
    pub flame_ask: RwSignal<FlameAsk>,
    pub listing: RwSignal<Option<Shared<ListData>>>,
    /// The function the Source view lists.
    pub list_fn: RwSignal<Option<String>>,
    pub leaks: RwSignal<Shared<LeakReport>>,
    pub goroutines: RwSignal<Option<Shared<GoroutinesData>>>,
    pub goroutine_ask: RwSignal<GoroutineAsk>,
    pub memory: RwSignal<Option<Shared<MemoryReport>>>,
    /// The series the last Goroutines request was for.
    goroutine_series: StoredValue<Vec<u32>>,
    /// True while requests are out: the page marks itself busy for tests.
    pub waiting: RwSignal<bool>,
    /// The export being written, if any.
    export: RwSignal<Option<Export>, LocalStorage>,
    seqs: StoredValue<Seqs>,
    client: StoredValue<Option<Client>, LocalStorage>,
}

impl Derived {
    pub fn new(store: Store) -> Self {
        let sample_index = Memo::new(move |_| {
            let want = store.sample_type.get();
            store
                .current_snapshot()
                .map(|s| s.meta.sample_index(want.as_deref()))
                .unwrap_or(0)
        });
        let ask = Memo::new(move |_| {
            let cur = store.current_snapshot()?;
            Some(Ask {
                current: cur.id,
                base: store.base.get(),
                sample_type: store.sample_type.get(),
                filters: store.filters.get(),
                granularity: store.granularity.get(),
            })
        });
        let d = Derived {
            sample_index,
            ask,
            top: RwSignal::new(None),
            base_top: RwSignal::new(None),
            query_error: RwSignal::new(None),
            traces: RwSignal::new(None),
            traces_limit: RwSignal::new(200),
            flame: RwSignal::new(None),
            flame_ask: RwSignal::new(FlameAsk {
                width: 1000.0,
                ..Default::default()
            }),
            listing: RwSignal::new(None),
            list_fn: RwSignal::new(None),
            leaks: RwSignal::new(Shared::new(LeakReport::default())),
            goroutines: RwSignal::new(None),
            goroutine_ask: RwSignal::new(GoroutineAsk::default()),
            memory: RwSignal::new(None),
            goroutine_series: StoredValue::new(Vec::new()),
            waiting: RwSignal::new(false),
            export: RwSignal::new_local(None),
            seqs: StoredValue::new(Seqs::default()),
            client: StoredValue::new_local(None),
        };
        let client = Client::start(move |e| d.on_event(store, e));
        d.client.set_value(Some(client));
        d.install(store);
        d
    }

    pub fn use_context() -> Derived {
        expect_context::<Derived>()
    }

    /// Sends a file to the worker to decode; false when it has stopped.
    pub fn open(&self, name: &str, buf: js_sys::ArrayBuffer) -> bool {
        self.client.with_value(|c| match c {
            Some(c) if c.alive() => {
                c.open(name, buf);
                true
            }
            _ => false,
        })
    }

    pub fn send(&self, req: Request) {
        self.client.with_value(|c| {
            if let Some(c) = c {
                c.post(&req)
            }
        });
    }

    /// Sends a request of a kind, remembering it as the latest of its kind.
    fn ask_for(&self, kind: Kind, make: impl FnOnce(u32) -> Request) {
        let mut seq = 0;
        self.seqs.update_value(|s| {
            s.next += 1;
            seq = s.next;
            s.latest[kind as usize] = seq;
        });
        self.waiting.set(true);
        self.send(make(seq));
    }

    /// Asks the worker for a permalink to the opened series.
    pub fn ask_summary(&self, store: Store, base_url: String) {
        let series = store
            .snapshots
            .with_untracked(|v| v.iter().map(|s| s.id).collect());
        self.ask_for(Kind::Summary, |seq| Request::Summary {
            seq,
            series,
            base_url,
        });
    }

    /// Asks the worker for every stack matching the Traces filter as CSV,
    /// saved as `name` once the last piece has come.
    pub fn export_traces(&self, store: Store, name: String) {
        let Some(ask) = self.ask.get_untracked() else {
            return;
        };
        let filter = store.filter.get_untracked();
        self.ask_for(Kind::Export, |seq| {
            self.export.set(Some(Export {
                seq,
                name,
                parts: js_sys::Array::new(),
            }));
            Request::ExportTraces { seq, ask, filter }
        });
    }

    /// True while an export is being written.
    pub fn exporting(&self) -> bool {
        self.export.with(|e| e.is_some())
    }

    /// True when `seq` answers the latest request of its kind.
    fn fresh(&self, seq: u32, kind: Kind) -> bool {
        let mut latest = false;
        self.seqs.update_value(|s| {
            latest = s.latest[kind as usize] == seq;
            if latest {
                s.answered[kind as usize] = seq;
            }
        });
        if !self.seqs.with_value(|s| s.waiting()) {
            self.waiting.set(false);
        }
        latest
    }

    fn on_event(&self, store: Store, e: Event) {
        match e {
            // Tests wait for this: after it the page fetches nothing more.
            Event::Ready => {
                if let Some(b) = document().body() {
                    let _ = b.set_attribute("data-worker-ready", "");
                }
            }
            Event::Progress {
                name,
                fraction,
                stage,
            } => store.progress.set(Some((name, fraction, stage))),
            Event::Stopped(msg) => {
                store.push_error(format!(
                    "The decoder stopped ({msg}); reload the page to open files again"
                ));
                store.pending_opens.set(0);
                store.progress.set(None);
                self.seqs.update_value(|s| s.answered = s.latest);
                self.waiting.set(false);
                self.export.set(None);
            }
            Event::Chunk(seq, data) => self.export.with_untracked(|e| {
                if let Some(e) = e.as_ref().filter(|e| e.seq == seq) {
                    e.parts.push(&data);
                }
            }),
            Event::Reply(r, mem) => {
                // The benchmark reads the worker's peak memory from here.
                if let Some(b) = document().body() {
                    let _ = b.set_attribute("data-worker-memory", &mem.to_string());
                }
                self.on_reply(store, r);
            }
        }
    }

    fn on_reply(&self, store: Store, r: Response) {
        match r {
            Response::Opened { id, name, meta } => {
                store.pending_opens.update(|n| *n = n.saturating_sub(1));
                store.add_snapshot(id, name, meta);
                if store.pending_opens.get_untracked() == 0 {
                    store.progress.set(None);
                }
            }
            Response::Failed { name, error } => {
                store.pending_opens.update(|n| *n = n.saturating_sub(1));
                store.push_error(format!("{name}: {error}"));
                if store.pending_opens.get_untracked() == 0 {
                    store.progress.set(None);
                }
            }
            Response::Top {
                seq,
                top,
                base,
                error,
            } => {
                if self.fresh(seq, Kind::Top) {
                    if top.is_some() {
                        self.top.set(top.map(Shared::new));
                    }
                    self.base_top.set(base.map(Shared::new));
                    self.query_error.set(error);
                }
            }
            Response::Exported { seq, error, .. } => {
                if !self.fresh(seq, Kind::Export) {
                    return;
                }
                let Some(e) = self.export.try_update(|e| e.take()).flatten() else {
                    return;
                };
                // No matching stack still saves the header: a valid empty table.
                match error {
                    Some(err) => store.push_error(format!("Export of {}: {err}", e.name)),
                    None => crate::download::save_parts(&e.name, "text/csv", &e.parts),
                }
            }
            Response::Traces {
                seq,
                traces,
                matching,
                unit,
                error: _,
            } => {
                if self.fresh(seq, Kind::Traces) {
                    self.traces.set(Some(Shared::new(TracesData {
                        traces,
                        matching,
                        unit,
                    })));
                }
            }
            Response::Flame {
                seq,
                tree,
                hits,
                covered,
                error: _,
            } => {
                if self.fresh(seq, Kind::Flame) {
                    if let Some(tree) = tree {
                        let search = self.flame_ask.with_untracked(|a| !a.search.is_empty());
                        let hits = search.then(|| hit_mask(tree.nodes.len(), &hits));
                        self.flame.set(Some(Shared::new(FlameData {
                            tree: Shared::new(tree),
                            hits,
                            covered,
                        })));
                    }
                }
            }
            Response::List {
                seq,
                listings,
                unit,
                total,
                error: _,
            } => {
                if self.fresh(seq, Kind::List) {
                    let function = self.list_fn.get_untracked().unwrap_or_default();
                    self.listing.set(Some(Shared::new(ListData {
                        function,
                        listings,
                        unit,
                        total,
                    })));
                }
            }
            Response::Leaks { seq, report } => {
                if self.fresh(seq, Kind::Leaks) {
                    self.leaks.set(Shared::new(report));
                }
            }
            Response::Goroutines { seq, view, error } => {
                if self.fresh(seq, Kind::Goroutines) {
                    let series = self.goroutine_series.get_value();
                    self.goroutines.set(Some(Shared::new(GoroutinesData {
                        view,
                        series,
                        error,
                    })));
                }
            }
            Response::Memory { seq, report } => {
                if self.fresh(seq, Kind::Memory) {
                    self.memory.set(Some(Shared::new(report)));
                }
            }
            Response::Summary { seq, link } => {
                if self.fresh(seq, Kind::Summary) {
                    match link {
                        Some(l) => store.share.set(Some(l)),
                        None => store.push_error("Share: nothing to summarize".into()),
                    }
                }
            }
        }
    }

    /// The effects that ask the worker for what the visible view needs.
    fn install(self, store: Store) {
        let d = self;
        // Top feeds the header, Top, Source's function list and the flame's colors.
        Effect::new(move |_| {
            if let Some(ask) = d.ask.get() {
                d.ask_for(Kind::Top, |seq| Request::Top { seq, ask });
            }
        });
        Effect::new(move |_| {
            if store.tab.get() != Tab::Traces {
                return;
            }
            let Some(ask) = d.ask.get() else { return };
            let (filter, limit) = (store.filter.get(), d.traces_limit.get());
            d.ask_for(Kind::Traces, |seq| Request::Traces {
                seq,
                ask,
                filter,
                limit,
            });
        });
        // A new query or direction starts unzoomed; a zoom set with it (an
        // address read on load or on back/forward) is kept, and so is the
        // zoom while the first files open (the URL's snapshot may come last).
        Effect::new(move |prev: Option<(Option<Ask>, bool, Vec<u32>)>| {
            let focus = d.flame_ask.with(|a| a.focus.clone());
            let (ask, bottom_up) = (d.ask.get(), store.bottom_up.get());
            let loading = store.want_snapshot.with(|w| w.is_some());
            let mut now = (ask, bottom_up, focus);
            if let Some(p) = prev {
                let changed = (&p.0, p.1) != (&now.0, now.1);
                if changed && p.0.is_some() && p.2 == now.2 && !loading && !now.2.is_empty() {
                    d.flame_ask.update(|a| a.focus.clear());
                    now.2.clear();
                }
            }
            now
        });
        Effect::new(move |_| {
            if store.tab.get() != Tab::Flame {
                return;
            }
            let Some(ask) = d.ask.get() else { return };
            let bottom_up = store.bottom_up.get();
            let fa = d.flame_ask.get();
            d.ask_for(Kind::Flame, |seq| Request::Flame {
                seq,
                ask,
                bottom_up,
                focus: fa.focus,
                min_fraction: leakscope_core::report::flame::min_fraction(fa.width),
                search: fa.search,
            });
        });
        Effect::new(move |_| {
            if store.tab.get() != Tab::Source {
                return;
            }
            let Some(ask) = d.ask.get() else { return };
            let Some(function) = d.list_fn.get() else {
                return;
            };
            store.sources.track();
            d.ask_for(Kind::List, |seq| Request::List { seq, ask, function });
        });
        Effect::new(move |_| {
            let series: Vec<u32> = store.snapshots.with(|v| v.iter().map(|s| s.id).collect());
            if series.is_empty() {
                return;
            }
            // Dropped sources tailor the fixes: ask again when they change.
            store.sources.track();
            d.ask_for(Kind::Leaks, |seq| Request::Leaks { seq, series });
        });
        Effect::new(move |_| {
            if store.tab.get() != Tab::Goroutines {
                return;
            }
            let Some((series, current)) = store.goroutine_series() else {
                d.goroutines.set(None);
                return;
            };
            let a = d.goroutine_ask.get();
            d.goroutine_series.set_value(series.clone());
            d.ask_for(Kind::Goroutines, |seq| Request::Goroutines {
                seq,
                series,
                current,
                similarity: a.similarity,
                sort: a.sort,
                search: a.search,
                limit: a.limit,
            });
        });
        Effect::new(move |_| {
            if store.tab.get() != Tab::Memory {
                return;
            }
            let series: Vec<u32> = store.snapshots.with(|v| v.iter().map(|s| s.id).collect());
            if series.is_empty() {
                return;
            }
            d.ask_for(Kind::Memory, |seq| Request::Memory { seq, series });
        });
        // A summary from a link fills the views directly (no worker).
        Effect::new(move |_| {
            if !store.summary_mode() {
                return;
            }
            let Some(s) = store.summary.get() else { return };
            d.top.set(Some(Shared::new(TopData {
                rows: s.top_rows(),
                total: s.total,
                unit: s.unit.clone(),
                output_unit: s.output_unit.clone(),
            })));
            d.flame.set(Some(Shared::new(FlameData {
                tree: Shared::new(s.flame_tree()),
                hits: None,
                covered: 0,
            })));
            d.leaks.set(Shared::new(s.leak_report()));
        });
        // Closing every file empties the views.
        Effect::new(move |_| {
            if store.snapshots.with(|v| v.is_empty()) && !store.summary_mode() {
                d.top.set(None);
                d.base_top.set(None);
                d.traces.set(None);
                d.flame.set(None);
                d.listing.set(None);
                d.goroutines.set(None);
                d.memory.set(None);
            }
        });
    }
}
