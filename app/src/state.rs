//! The page's state: a handful of signals in one context struct, created
//! once in `App`. Derived data (reports) lives in memos in `derived.rs`.

use leakscope_core::session::Meta;
use leptos::prelude::*;
use std::sync::Arc;

/// One opened file: the worker holds the profile, the page its summary.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The worker's id for it.
    pub id: u32,
    pub name: String,
    pub meta: Arc<Meta>,
}

impl PartialEq for Snapshot {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Leaks,
    Top,
    Source,
    Traces,
    Flame,
    Goroutines,
    Memory,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Leaks,
        Tab::Top,
        Tab::Source,
        Tab::Traces,
        Tab::Flame,
        Tab::Goroutines,
        Tab::Memory,
    ];
    pub fn slug(self) -> &'static str {
        match self {
            Tab::Leaks => "leaks",
            Tab::Top => "top",
            Tab::Source => "source",
            Tab::Traces => "traces",
            Tab::Flame => "flame",
            Tab::Goroutines => "goroutines",
            Tab::Memory => "memory",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Tab::Leaks => "Leaks",
            Tab::Top => "Top",
            Tab::Source => "Source",
            Tab::Traces => "Traces",
            Tab::Flame => "Flame",
            Tab::Goroutines => "Goroutines",
            Tab::Memory => "Memory",
        }
    }
    pub fn from_slug(s: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.slug() == s)
    }
}

#[derive(Clone, Copy)]
pub struct Store {
    pub snapshots: RwSignal<Vec<Snapshot>>,
    /// Index into `snapshots` of the one the views show.
    pub current: RwSignal<usize>,
    pub tab: RwSignal<Tab>,
    /// Sample type name; `None` means the profile's default.
    pub sample_type: RwSignal<Option<String>>,
    /// Regex filter shared by Top and Traces.
    pub filter: RwSignal<String>,
    /// Source files the user dropped: (name, text).
    pub sources: RwSignal<Vec<(String, String)>>,
    /// Errors to show in the banner (file name and reason).
    pub errors: RwSignal<Vec<String>>,
    /// What is being read right now, for the progress indicator.
    pub busy: RwSignal<Option<String>>,
    /// The worker's progress on the file it decodes: (name, 0..1, stage).
    pub progress: RwSignal<Option<(String, f32, String)>>,
    /// Files sent to the worker and not answered yet.
    pub pending_opens: RwSignal<u32>,
    /// Function shown in the Source view.
    pub source_fn: RwSignal<Option<String>>,
    /// Function to zoom into when the Flame view opens.
    pub flame_fn: RwSignal<Option<String>>,
    pub bottom_up: RwSignal<bool>,
    /// pprof's focus/ignore/hide/show/tag filters, applied to every view.
    pub filters: RwSignal<leakscope_core::filter::Filters>,
    pub granularity: RwSignal<leakscope_core::graph::Granularity>,
    /// Snapshot id to compare against (None: no comparison).
    pub base: RwSignal<Option<u32>>,
    /// A summary opened from a permalink (read-only views).
    pub summary: RwSignal<Option<Arc<leakscope_core::permalink::Summary>>>,
    /// The link the Share dialog shows, and what it left out.
    pub share: RwSignal<Option<(String, Vec<String>)>>,
    /// Top's order (in the URL).
    pub top_sort: RwSignal<leakscope_core::report::compare::Sort>,
    /// The snapshot and base the URL names, until a file of that name is
    /// open (a reload opens the address before the files come back).
    pub want_snapshot: RwSignal<Option<String>>,
    pub want_base: RwSignal<Option<String>>,
    /// The Graph view's focused node (a function name), in the URL as
    /// `graph_focus`: the hook the Graph view reads and sets.
    pub graph_focus: RwSignal<Option<String>>,
}

impl Store {
    pub fn new() -> Self {
        Store {
            snapshots: RwSignal::new(Vec::new()),
            current: RwSignal::new(0),
            tab: RwSignal::new(Tab::Top),
            sample_type: RwSignal::new(None),
            filter: RwSignal::new(String::new()),
            sources: RwSignal::new(Vec::new()),
            errors: RwSignal::new(Vec::new()),
            busy: RwSignal::new(None),
            progress: RwSignal::new(None),
            pending_opens: RwSignal::new(0),
            source_fn: RwSignal::new(None),
            flame_fn: RwSignal::new(None),
            bottom_up: RwSignal::new(false),
            filters: RwSignal::new(Default::default()),
            granularity: RwSignal::new(Default::default()),
            base: RwSignal::new(None),
            summary: RwSignal::new(None),
            share: RwSignal::new(None),
            top_sort: RwSignal::new(Default::default()),
            want_snapshot: RwSignal::new(None),
            want_base: RwSignal::new(None),
            graph_focus: RwSignal::new(None),
        }
    }

    pub fn use_context() -> Store {
        expect_context::<Store>()
    }

    /// Adds a snapshot the worker decoded and keeps the list ordered by
    /// profile time (else by name), as the leak rules read it; shows it.
    pub fn add_snapshot(&self, id: u32, name: String, meta: Meta) {
        self.snapshots.update(|v| {
            v.retain(|s| s.name != name); // re-dropping a file replaces it
            v.push(Snapshot {
                id,
                name,
                meta: Arc::new(meta),
            });
            let all_timed = v.iter().all(|s| s.meta.time_nanos != 0);
            leakscope_core::order::sort_by(v, |a, b| {
                if all_timed {
                    a.meta
                        .time_nanos
                        .cmp(&b.meta.time_nanos)
                        .then(a.name.cmp(&b.name))
                } else {
                    natural_cmp(&a.name, &b.name)
                }
            });
        });
        // Show the newest snapshot: a series opens on its last file.
        let n = self.snapshots.with_untracked(|v| v.len());
        self.current.set(n.saturating_sub(1));
        // Opened files replace a summary from a link.
        if self.summary.with_untracked(|s| s.is_some()) {
            self.summary.set(None);
            if let Some(w) = web_sys::window() {
                let loc = w.location();
                let url = format!(
                    "{}{}",
                    loc.pathname().unwrap_or_default(),
                    loc.search().unwrap_or_default()
                );
                let _ = w.history().map(|h| {
                    h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
                });
            }
        }
    }

    pub fn base_snapshot(&self) -> Option<Snapshot> {
        let id = self.base.get()?;
        self.snapshots
            .with(|v| v.iter().find(|s| s.id == id).cloned())
    }

    pub fn current_snapshot(&self) -> Option<Snapshot> {
        let i = self.current.get();
        self.snapshots.with(|v| v.get(i).or(v.last()).cloned())
    }

    /// True while a permalink summary is shown instead of opened files.
    pub fn summary_mode(&self) -> bool {
        self.snapshots.with(|v| v.is_empty()) && self.summary.with(|s| s.is_some())
    }

    /// The goroutine snapshots the Goroutines view reads as one series
    /// (those of the kind and format of the one shown, or of the latest
    /// goroutine snapshot when a profile of another kind is shown) and the
    /// id of the one to show.
    pub fn goroutine_series(&self) -> Option<(Vec<u32>, u32)> {
        let cur = self.current_snapshot();
        self.snapshots.with(|v| {
            let is_g = |s: &Snapshot| matches!(s.meta.kind.as_str(), "goroutine" | "goroutineleak");
            let like = cur
                .as_ref()
                .filter(|c| is_g(c))
                .or_else(|| v.iter().rev().find(|s| is_g(s)))?;
            let series: Vec<u32> = v
                .iter()
                .filter(|s| {
                    is_g(s) && s.meta.kind == like.meta.kind && s.meta.format == like.meta.format
                })
                .map(|s| s.id)
                .collect();
            let current = cur
                .map(|c| c.id)
                .filter(|id| series.contains(id))
                .or(series.last().copied())?;
            Some((series, current))
        })
    }

    /// Shows the snapshot with this worker id (a link from a view that
    /// reads several).
    pub fn show_snapshot(&self, id: u32) {
        if let Some(i) = self
            .snapshots
            .with_untracked(|v| v.iter().position(|s| s.id == id))
        {
            self.current.set(i);
        }
    }

    pub fn push_error(&self, e: String) {
        self.errors.update(|v| v.push(e));
    }
}

/// Name order that puts `goroutine-2` before `goroutine-10`.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let d = c.is_ascii_digit();
            match out.last_mut() {
                Some((kd, t)) if *kd == d => t.push(c),
                _ => out.push((d, c.to_string())),
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(cb.iter()) {
        let o = if x.0 && y.0 {
            x.1.trim_start_matches('0')
                .len()
                .cmp(&y.1.trim_start_matches('0').len())
                .then(x.1.cmp(&y.1))
        } else {
            x.1.cmp(&y.1)
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    ca.len().cmp(&cb.len())
}
