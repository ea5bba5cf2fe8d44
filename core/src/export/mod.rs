//! Export formats built in the page (and usable from the CLI): CSV for
//! the Top and Traces tables, Markdown for the leak report, SVG for the
//! flame graph. Pure string building; every profile string is escaped
//! for its format.

pub mod json;

use crate::graph::NodeIndex;
use crate::leak::{LeakReport, Severity};
use crate::measurement::{percentage, scaled_label};
use crate::report::compare::{self, Row};
use crate::report::flame::FlameTree;
use crate::report::traces::{self, Trace};
use crate::report::View;

/// RFC 4180 field: quoted when it holds a comma, quote or newline.
/// A leading `=`, `+`, `-` or `@` is prefixed with `'` so spreadsheets do
/// not run a hostile function name as a formula. Bytes that are not
/// UTF-8 read `\xNN` in every export (`crate::text::for_display`).
fn csv_field(s: &str) -> String {
    let s = crate::text::for_display(s);
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Top as CSV, the table as the page shows it ([`compare::table`]): raw
/// values in the sample unit and pprof's percentages; with a base, its
/// flat and cum and the changes too.
pub fn top_csv(rows: &[compare::Row], total: i64, unit: &str) -> String {
    let with_base = rows.iter().any(|r| r.change.is_some());
    let mut out = format!("flat_{unit},flat%,sum%,cum_{unit},cum%,name,inline");
    if with_base {
        out.push_str(&format!(
            ",base_flat_{unit},base_cum_{unit},delta_flat_{unit},delta_cum_{unit}"
        ));
    }
    out.push('\n');
    for Row {
        row: r,
        sum,
        change,
    } in rows
    {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}",
            r.flat,
            percentage(r.flat, total).trim(),
            percentage(*sum, total).trim(),
            r.cum,
            percentage(r.cum, total).trim(),
            csv_field(&r.name),
            csv_field(&r.inline)
        ));
        if with_base {
            let c = change.unwrap_or_default();
            out.push_str(&format!(
                ",{},{},{},{}",
                c.base_flat, c.base_cum, c.flat, c.cum
            ));
        }
        out.push('\n');
    }
    out
}

/// Traces as CSV: one row per stack, frames leaf first joined by ` <- `.
pub fn traces_csv(traces: &[Trace], unit: &str) -> String {
    let mut out = traces_csv_header(unit);
    for t in traces {
        traces_csv_row(t, &mut out);
    }
    out
}

/// The header line of [`traces_csv`].
pub fn traces_csv_header(unit: &str) -> String {
    format!("value_{unit},labels,stack\n")
}

/// One line of [`traces_csv`], appended to `out` (the worker streams a
/// big export a row at a time).
pub fn traces_csv_row(t: &Trace, out: &mut String) {
    let labels: Vec<String> = t.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let stack: Vec<String> = t
        .frames
        .iter()
        .map(|f| {
            if f.inline {
                format!("{} (inline)", f.name)
            } else {
                f.name.clone()
            }
        })
        .collect();
    out.push_str(&format!(
        "{},{},{}\n",
        t.value,
        csv_field(&labels.join(" ")),
        csv_field(&stack.join(" <- "))
    ));
}

/// Every stack [`traces::each_largest`] gives, as the CSV of
/// [`traces_csv`], handed to `sink` in pieces of about `piece` bytes as it
/// is written (a big profile's CSV is hundreds of megabytes: it is never
/// whole in memory). `sink` returns false to stop (a closed pipe): no
/// more rows are written. Returns how many stacks there were.
pub fn traces_csv_pieces(
    view: &View,
    idx: &NodeIndex,
    keep: Option<&dyn Fn(&str) -> bool>,
    piece: usize,
    sink: &mut dyn FnMut(&[u8]) -> bool,
) -> usize {
    // Room for a piece and the row that ends it, so the buffer never doubles.
    let mut buf = String::with_capacity(piece + (64 << 10));
    buf.push_str(&traces_csv_header(&view.sample_unit));
    let mut open = true;
    let rows = traces::each_largest(view, idx, keep, &mut |t| {
        if open {
            traces_csv_row(&t, &mut buf);
            if buf.len() >= piece {
                open = sink(buf.as_bytes());
                buf.clear();
            }
        }
    });
    if open && !buf.is_empty() {
        sink(buf.as_bytes());
    }
    rows
}

/// Markdown that escapes what would change the rendering of a table cell
/// or inline text (`|`, backticks, `<`, `*`, `_`, brackets).
fn md(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in crate::text::for_display(s).chars() {
        match c {
            '|' | '`' | '*' | '_' | '[' | ']' | '\\' | '#' => {
                o.push('\\');
                o.push(c);
            }
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\n' | '\r' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// The leak report as Markdown, for pasting into an issue.
pub fn leaks_markdown(r: &LeakReport, files: &[String]) -> String {
    let serious: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .collect();
    let mut out = String::from("## leakscope leak report\n\n");
    out.push_str(&format!(
        "{} snapshot(s): {}\n\n",
        r.snapshots,
        files.iter().map(|f| md(f)).collect::<Vec<_>>().join(", ")
    ));
    out.push_str(&format!("**{}**\n\n", md(&crate::leak::headline(r))));
    if !serious.is_empty() {
        out.push_str("| severity | rule | where | counts | wait |\n|---|---|---|---|---|\n");
        for f in &serious {
            out.push_str(&format!(
                "| {} | {} | {} ({}:{}) | {} | {} |\n",
                f.severity.as_str(),
                md(f.rule.as_str()),
                md(&f.function),
                md(&f.file),
                f.line,
                f.counts
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(" → "),
                md(&f.wait)
            ));
        }
        out.push('\n');
        for f in &serious {
            out.push_str(&format!(
                "### {} in {}\n\n",
                md(f.rule.as_str()),
                md(&f.function)
            ));
            out.push_str(&format!("- **where**: {}:{}\n", md(&f.file), f.line));
            if let Some(l) = &f.blocking_line {
                out.push_str(&format!("- **line**: `{}`\n", l.replace('`', "'")));
            }
            match (&f.created_by, &f.entry_function) {
                (Some(c), _) => out.push_str(&format!(
                    "- **created by**: {}{}\n",
                    md(c),
                    f.created_at
                        .as_ref()
                        .map(|a| format!(" at {}", md(a)))
                        .unwrap_or_default()
                )),
                (None, Some(e)) => out.push_str(&format!("- **entry function**: {}\n", md(e))),
                _ => {}
            }
            out.push_str(&format!(
                "- **evidence**: {}\n- **fix**: {}\n",
                md(&f.evidence),
                md(&f.fix)
            ));
            if !f.next_step.is_empty() {
                out.push_str(&format!("- **next**: {}\n", md(&f.next_step)));
            }
            out.push('\n');
        }
    }
    out.push_str(&format!("Checked: {}\n", md(&r.checked.join("; "))));
    if !r.healthy.is_empty() {
        out.push_str("\nJudged healthy:\n\n");
        for h in &r.healthy {
            out.push_str(&format!(
                "- {} ({}:{}): {}\n",
                md(&h.function),
                md(&h.file),
                h.line,
                md(&h.why)
            ));
        }
    }
    if !r.next_step.is_empty() {
        out.push_str(&format!("\nNext: {}\n", md(&r.next_step)));
    }
    out
}

fn xml(s: &str) -> String {
    crate::text::for_display(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The flame graph below `zoom` as a standalone SVG, frames narrower than
/// half a pixel left out. `color` gives each frame's fill.
pub fn flame_svg(
    t: &FlameTree,
    zoom: u32,
    width: f64,
    unit: &str,
    color: &dyn Fn(&str, bool) -> String,
) -> String {
    const ROW: f64 = 18.0;
    let z = &t.nodes[zoom as usize];
    let rows = (t.max_depth - z.depth + 1) as f64;
    let height = rows * ROW;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    );
    for (i, n) in t.nodes.iter().enumerate() {
        if !t.is_under(zoom, i as u32) {
            continue;
        }
        let (fx, fw) = t.span(zoom, i as u32);
        let (x, w) = (fx * width, fw * width);
        if w < 0.5 {
            continue;
        }
        let y = (n.depth - z.depth) as f64 * ROW;
        let name = &t.names[n.name as usize];
        let title = format!(
            "{} — cum {}, self {}",
            name,
            scaled_label(n.total, unit, "minimum"),
            scaled_label(n.self_value, unit, "minimum")
        );
        out.push_str(&format!(
            "<g><title>{}</title><rect x=\"{x:.2}\" y=\"{y:.0}\" width=\"{:.2}\" height=\"{}\" fill=\"{}\"/>",
            xml(&title),
            (w - 0.5).max(0.5),
            ROW - 1.0,
            xml(&color(name, n.inline))
        ));
        if let Some(label) = crate::report::flame::fit_label(name, w) {
            out.push_str(&format!(
                "<text x=\"{:.2}\" y=\"{:.1}\">{}</text>",
                x + 3.0,
                y + 13.0,
                xml(&label)
            ));
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("main.f"), "main.f");
    }

    #[test]
    fn top_csv_has_base_columns_only_with_a_base() {
        let row = |name: &str, flat, cum| crate::report::top::TopRow {
            name: name.into(),
            function: None,
            inline: String::new(),
            flat,
            cum,
        };
        let now = [row("main.a", 3, 4), row("=b", 1, 1)];
        let sort = compare::Sort::default();
        let plain = top_csv(&compare::table(&now, None, None, sort), 4, "count");
        assert_eq!(
            plain,
            "flat_count,flat%,sum%,cum_count,cum%,name,inline\n\
             3,75.00%,75.00%,4,100%,main.a,\n\
             1,25.00%,100%,1,25.00%,'=b,\n"
        );
        let base = [row("main.a", 1, 1), row("main.gone", 2, 2)];
        let diff = top_csv(&compare::table(&now, Some(&base), None, sort), 4, "count");
        assert_eq!(
            diff,
            "flat_count,flat%,sum%,cum_count,cum%,name,inline,\
             base_flat_count,base_cum_count,delta_flat_count,delta_cum_count\n\
             3,75.00%,75.00%,4,100%,main.a,,1,1,2,3\n\
             1,25.00%,100%,1,25.00%,'=b,,0,0,1,1\n\
             0,0%,100%,0,0%,main.gone,,2,2,-2,-2\n"
        );
    }

    #[test]
    fn markdown_and_xml_escape() {
        assert_eq!(md("a|b <img> `x`"), "a\\|b &lt;img&gt; \\`x\\`");
        assert_eq!(xml("<a href=\"x\">&"), "&lt;a href=&quot;x&quot;&gt;&amp;");
    }
}
