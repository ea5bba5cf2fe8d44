//! The JSON of `leakscope top --format json` and `leakscope traces
//! --format json` (schema in the README, "JSON output"): plain data, raw
//! values in the sample type's unit, percentages as numbers. The CLI
//! serializes these; a trace at a time for traces, so a big profile's
//! output is never whole in memory.

use crate::report::top::Top;
use crate::report::traces::Trace;
use crate::report::View;
use serde::Serialize;

/// The schema's version, in every document's `schema` field.
pub const SCHEMA_VERSION: u32 = 1;

/// What the report is about: the same fields for top and traces.
#[derive(Debug, Serialize)]
pub struct Header<'a> {
    pub schema: u32,
    /// "top" or "traces".
    pub report: &'static str,
    /// The profile's kind (goroutine, heap, cpu, ...).
    pub kind: String,
    pub sample_type: &'a str,
    /// The sample type's unit, lower case (count, bytes, nanoseconds).
    pub unit: &'a str,
    /// pprof's total: the denominator of every percentage.
    pub total: i64,
    pub granularity: &'static str,
    /// pprof's `Active filters:` lines (`focus=main`).
    pub filters: &'a [String],
    /// Profile time in nanoseconds since the epoch, when the file has it.
    pub time_nanos: Option<i64>,
    pub duration_nanos: Option<i64>,
}

impl<'a> Header<'a> {
    pub fn new(view: &'a View, report: &'static str) -> Self {
        let p = view.profile;
        Header {
            schema: SCHEMA_VERSION,
            report,
            kind: p.kind(),
            sample_type: &view.sample_type,
            unit: &view.sample_unit,
            total: view.total,
            granularity: view.granularity.as_str(),
            filters: &view.active_filters,
            time_nanos: (p.time_nanos != 0).then_some(p.time_nanos),
            duration_nanos: (p.duration_nanos != 0).then_some(p.duration_nanos),
        }
    }
}

/// `top --format json`.
#[derive(Debug, Serialize)]
pub struct TopDoc<'a> {
    #[serde(flatten)]
    pub header: Header<'a>,
    /// Nodes left out by --nodecount and --nodefraction.
    pub dropped_nodes: usize,
    pub rows: Vec<TopRow<'a>>,
}

/// One row of Top, in pprof's order.
#[derive(Debug, Serialize)]
pub struct TopRow<'a> {
    /// As pprof prints it (with a file or line at those granularities).
    pub name: &'a str,
    /// The function alone.
    pub function: &'a str,
    /// "", "(inline)" or "(partial-inline)".
    pub inline: &'a str,
    pub flat: i64,
    pub flat_percent: f64,
    /// Running sum of flat%, as pprof's sum%.
    pub sum_percent: f64,
    pub cum: i64,
    pub cum_percent: f64,
}

fn percent(v: i64, total: i64) -> f64 {
    if total == 0 {
        0.0
    } else {
        v as f64 * 100.0 / total as f64
    }
}

/// The JSON document of a Top report.
pub fn top<'a>(view: &'a View, t: &'a Top) -> TopDoc<'a> {
    let mut sum = 0;
    let rows = t
        .rows
        .iter()
        .map(|r| {
            sum += r.flat;
            TopRow {
                name: &r.name,
                function: r.function(),
                inline: &r.inline,
                flat: r.flat,
                flat_percent: percent(r.flat, view.total),
                sum_percent: percent(sum, view.total),
                cum: r.cum,
                cum_percent: percent(r.cum, view.total),
            }
        })
        .collect();
    TopDoc {
        header: Header::new(view, "top"),
        dropped_nodes: t.dropped_nodes,
        rows,
    }
}

/// One element of `traces`: a stack, largest first.
#[derive(Debug, Serialize)]
pub struct TraceDoc<'a> {
    pub value: i64,
    pub percent: f64,
    /// Label key to its values as pprof prints them (`phase: fib`).
    pub labels: std::collections::BTreeMap<&'a str, &'a str>,
    /// Leaf first.
    pub frames: &'a [crate::report::traces::TraceFrame],
}

/// A trace as JSON data.
pub fn trace<'a>(view: &View, t: &'a Trace) -> TraceDoc<'a> {
    TraceDoc {
        value: t.value,
        percent: percent(t.value, view.total),
        labels: t
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        frames: &t.frames,
    }
}
