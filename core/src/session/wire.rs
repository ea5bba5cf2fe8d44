//! The worker's wire types: what the page asks ([`Request`], carrying an
//! [`Ask`]) and what it is answered ([`Response`]), plain serde data
//! (postcard on the wire).

use crate::filter::Filters;
use crate::goroutines::{Similarity, Sort, View as GoroutineView};
use crate::graph::Granularity;
use crate::leak::LeakReport;
use crate::memory::MemoryReport;
use crate::profile::Profile;
use crate::report::flame::FlameTree;
use crate::report::list::Listing;
use crate::report::top::TopRow;
use crate::report::traces::Trace;
use serde::{Deserialize, Serialize};

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
    pub(crate) fn of(p: &Profile) -> Meta {
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

impl Ask {
    /// The query without its base: what the current snapshot's reports
    /// (and the caches of them) depend on.
    pub fn without_base(&self) -> Ask {
        Ask {
            base: None,
            ..self.clone()
        }
    }
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
    /// The goroutine explorer over these goroutine snapshots (in series
    /// order): the groups of snapshot `current` (and, for a series, those
    /// it lacks) matching `search`, sorted, the first `limit`.
    Goroutines {
        seq: u32,
        series: Vec<u32>,
        current: u32,
        similarity: Similarity,
        sort: Sort,
        search: String,
        limit: u32,
    },
    /// The memory triage over these snapshots: heap profiles, with the
    /// goroutine dumps of the same moments for their counts.
    Memory {
        seq: u32,
        series: Vec<u32>,
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
    /// `error`: why the snapshots could not be explored (one is not a
    /// goroutine profile); the view is then empty.
    Goroutines {
        seq: u32,
        view: GoroutineView,
        error: Option<String>,
    },
    Memory {
        seq: u32,
        report: MemoryReport,
    },
}
