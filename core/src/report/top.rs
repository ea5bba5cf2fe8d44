//! `top`: one row per node with flat, flat%, sum%, cum, cum%.

use super::View;
use crate::graph::{sort_nodes, Graph, NodeIndex};
use crate::measurement;

/// pprof's default `-nodefraction`: Top hides nodes whose |cum| is under
/// this share of the sum of flat.
pub const PPROF_NODE_FRACTION: f64 = 0.005;

/// pprof's default `-edgefraction`: edges whose |weight| is under this
/// share of the sum of flat are dropped before the `(inline)` marks are
/// read.
pub const PPROF_EDGE_FRACTION: f64 = 0.001;

#[derive(Debug, Clone)]
pub struct TopOptions {
    pub cum_sort: bool,
    /// Maximum rows (pprof `-nodecount`); `None` shows all.
    pub node_count: Option<usize>,
    /// Drop nodes with |cum| below total x fraction ([`PPROF_NODE_FRACTION`]).
    pub node_fraction: f64,
    /// Drop edges with |weight| below total x fraction before reading the
    /// `(inline)` marks ([`PPROF_EDGE_FRACTION`]).
    pub edge_fraction: f64,
}

impl Default for TopOptions {
    fn default() -> Self {
        TopOptions {
            cum_sort: false,
            node_count: None,
            node_fraction: PPROF_NODE_FRACTION,
            edge_fraction: PPROF_EDGE_FRACTION,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TopRow {
    pub name: String,
    /// The function name alone (for links to Source and Flame), when it
    /// is not the name itself (most rows would otherwise carry their name
    /// twice): read it with [`TopRow::function`].
    pub function: Option<String>,
    /// "", "(inline)" or "(partial-inline)".
    pub inline: String,
    pub flat: i64,
    pub cum: i64,
}

impl TopRow {
    /// The function name alone ("" for a node without one).
    pub fn function(&self) -> &str {
        self.function.as_deref().unwrap_or(&self.name)
    }
}

/// The functions of `rows`, each once: those `first` accepts first (the
/// Source view puts the program's own code first), then by |cum|, largest
/// first; ties keep the rows' order.
pub fn functions_by_cum(rows: &[TopRow], first: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut f: Vec<(&str, i64)> = rows
        .iter()
        .filter(|r| !r.function().is_empty())
        .map(|r| (r.function(), r.cum))
        .collect();
    crate::order::sort_by_key(&mut f, |&(n, c)| (!first(n), std::cmp::Reverse(c.abs())));
    let mut seen = std::collections::HashSet::new();
    f.into_iter()
        .filter(|&(n, _)| seen.insert(n))
        .map(|(n, _)| n.to_string())
        .collect()
}

#[derive(Debug, Clone)]
pub struct Top {
    pub rows: Vec<TopRow>,
    pub total: i64,
    /// Sum of the flat values of the rows shown.
    pub flat_sum: i64,
    pub dropped_nodes: usize,
    /// Nodes left after the node-fraction cut, before the node-count cut.
    pub orig_count: usize,
    /// Unit chosen for the values (pprof's "minimum" output unit).
    pub output_unit: String,
    pub node_fraction: f64,
}

pub fn top(view: &View, opts: &TopOptions) -> Top {
    top_indexed(
        view,
        opts,
        &NodeIndex::new(view.profile, view.granularity, false, view.noinlines),
    )
}

/// [`top`] over a node index already built for this view (the page's
/// worker shares one between Top and the flame graph).
pub fn top_indexed(view: &View, opts: &TopOptions, idx: &NodeIndex) -> Top {
    let p = view.profile;
    let mut g = Graph::build(p, idx, view.sample_index, None);
    let total_flat: i64 = g.nodes.iter().map(|&n| g.flat[n as usize]).sum();
    let cutoff = node_cutoff(total_flat, opts.node_fraction);
    let edge_cutoff = node_cutoff(total_flat, opts.edge_fraction) as u64;
    let mut dropped = 0;
    if cutoff > 0 {
        let mut kept = vec![false; idx.infos.len()];
        let mut count = 0;
        for &n in &g.nodes {
            if g.cum[n as usize].abs() >= cutoff {
                kept[n as usize] = true;
                count += 1;
            }
        }
        if count != g.nodes.len() {
            dropped = g.nodes.len() - count;
            g = Graph::build(p, idx, view.sample_index, Some(&kept));
        }
    }
    let orig_count = g.nodes.len();
    let mut nodes = g.nodes.clone();
    sort_nodes(&mut nodes, &g, idx, opts.cum_sort);
    if let Some(nc) = opts.node_count.filter(|&nc| nc > 0 && nc < nodes.len()) {
        let mut kept = vec![false; idx.infos.len()];
        for &n in &nodes[..nc] {
            kept[n as usize] = true;
        }
        g = Graph::build(p, idx, view.sample_index, Some(&kept));
        nodes = g.nodes.clone();
        sort_nodes(&mut nodes, &g, idx, opts.cum_sort);
    }
    g.settle_inline_marks(p, idx, view.sample_index, edge_cutoff);
    let rows: Vec<TopRow> = nodes
        .iter()
        .map(|&n| {
            let (name, function) = (
                idx.infos[n as usize].printable_name(),
                &idx.infos[n as usize].name,
            );
            TopRow {
                function: (**function != *name).then(|| function.to_string()),
                name,
                inline: g.inline_label(n, edge_cutoff).to_string(),
                flat: g.flat[n as usize],
                cum: g.cum[n as usize],
            }
        })
        .collect();
    let output_unit = select_output_unit(view, rows.iter().map(|r| (r.flat, r.cum)));
    Top {
        flat_sum: rows.iter().map(|r| r.flat).sum(),
        rows,
        total: view.total,
        dropped_nodes: dropped,
        orig_count,
        output_unit,
        node_fraction: opts.node_fraction,
    }
}

/// pprof's node (and edge) cut: |sum of flat × fraction|; nodes with
/// |cum| (edges with |weight|) below it go.
fn node_cutoff(total_flat: i64, fraction: f64) -> i64 {
    (((total_flat as f64) * fraction) as i64).abs()
}

/// pprof's selectOutputUnit: the unit of the smallest non-zero value,
/// moved up one unit when that would still show it as at least 0.01.
pub fn select_output_unit(view: &View, values: impl Iterator<Item = (i64, i64)>) -> String {
    let mut min_value = 0i64;
    let mut any = false;
    for (flat, cum) in values {
        any = true;
        let m = if flat != 0 { flat.abs() } else { cum.abs() };
        if m > 0 && (min_value == 0 || m < min_value) {
            min_value = m;
        }
    }
    if !any {
        return "minimum".into();
    }
    let max_value = view.total;
    if min_value == 0 {
        min_value = max_value;
    }
    let (_, min_unit) = measurement::scale(min_value, &view.sample_unit, "minimum");
    let (_, max_unit) = measurement::scale(max_value, &view.sample_unit, "minimum");
    let mut unit = min_unit.clone();
    if min_unit != max_unit && min_value.saturating_mul(100) < max_value {
        unit = measurement::scale(min_value.saturating_mul(100), &view.sample_unit, "minimum").1;
    }
    if unit.is_empty() {
        view.sample_unit.clone()
    } else {
        unit
    }
}

/// The output unit `go tool pprof -top` would pick with its default node
/// fraction, for a table that shows every row (the page): same numbers as
/// the CLI for the rows both show.
pub fn pprof_output_unit(view: &View, rows: &[TopRow], node_fraction: f64) -> String {
    let cutoff = node_cutoff(rows.iter().map(|r| r.flat).sum(), node_fraction);
    select_output_unit(
        view,
        rows.iter()
            .filter(|r| r.cum.abs() >= cutoff)
            .map(|r| (r.flat, r.cum)),
    )
}

/// The header lines pprof prints above the table.
pub fn report_labels(view: &View, t: &Top) -> Vec<String> {
    let mut labels = view.profile_labels(&t.output_unit);
    if !view.active_filters.is_empty() {
        labels.push("Active filters:".into());
        labels.extend(view.active_filters.iter().map(|f| {
            // pprof cuts at 80 bytes, even inside a character: the cut
            // bytes are written as they are (`crate::text`).
            let raw = crate::text::to_bytes(f);
            let f = if raw.len() > 80 {
                format!("{}…", crate::text::from_bytes(&raw[..80]))
            } else {
                f.clone()
            };
            format!("   {f}")
        }));
    }
    let fv = |v| view.format_value(v, &t.output_unit);
    labels.push(format!(
        "Showing nodes accounting for {}, {} of {} total",
        fv(t.flat_sum),
        measurement::percentage(t.flat_sum, t.total).trim(),
        fv(t.total)
    ));
    if t.total != 0 {
        if t.dropped_nodes > 0 {
            let cut = ((t.total as f64) * t.node_fraction) as i64;
            labels.push(format!(
                "Dropped {} {} (cum <= {})",
                t.dropped_nodes,
                if t.dropped_nodes > 1 { "nodes" } else { "node" },
                fv(cut.abs())
            ));
        }
        if !t.rows.is_empty() && t.rows.len() < t.orig_count {
            labels.push(format!(
                "Showing top {} nodes out of {}",
                t.rows.len(),
                t.orig_count
            ));
        }
    }
    labels
}

/// `go tool pprof -top` text.
pub fn format_top(view: &View, t: &Top) -> String {
    let mut out = report_labels(view, t).join("\n");
    out.push('\n');
    out.push_str(&format!(
        "{:>10} {:>5}% {:>5}% {:>10} {:>5}%\n",
        "flat", "flat", "sum", "cum", "cum"
    ));
    let mut sum = 0i64;
    for r in &t.rows {
        sum += r.flat;
        let inl = if r.inline.is_empty() {
            String::new()
        } else {
            format!(" {}", r.inline)
        };
        out.push_str(&format!(
            "{:>10} {} {} {:>10} {}  {}{}\n",
            view.format_value(r.flat, &t.output_unit),
            measurement::percentage(r.flat, t.total),
            measurement::percentage(sum, t.total),
            view.format_value(r.cum, &t.output_unit),
            measurement::percentage(r.cum, t.total),
            r.name,
            inl
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_by_cum_puts_the_chosen_first_and_lists_each_once() {
        let row = |name: &str, function: Option<&str>, cum| TopRow {
            name: name.into(),
            function: function.map(Into::into),
            inline: String::new(),
            flat: 0,
            cum,
        };
        let rows = [
            row("runtime.gopark", None, 90),
            row("main.a x.go:3", Some("main.a"), 10),
            row("main.b", None, -40),
            row("main.a x.go:9", Some("main.a"), 20),
            row("", None, 100),
        ];
        let user = |n: &str| n.starts_with("main.");
        assert_eq!(
            functions_by_cum(&rows, &user),
            ["main.b", "main.a", "runtime.gopark"]
        );
    }
}
