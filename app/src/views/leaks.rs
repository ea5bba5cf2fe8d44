//! Leaks: the verdict over every opened snapshot, each finding with its
//! evidence and chart, and what was checked and judged healthy.

use crate::derived::Derived;
use crate::state::{Store, Tab};
use leakscope_core::leak::chart::{chart as lay_out, Chart};
use leakscope_core::leak::{headline, Basis, Finding, Kind, LeakReport, Severity, Verdict};
use leptos::prelude::*;

const W: f64 = 300.0;
const H: f64 = 130.0;
/// Plot area margins: left for the y labels, bottom for the x labels.
const ML: f64 = 58.0;
const MR: f64 = 18.0;
const MT: f64 = 8.0;
const MB: f64 = 30.0;

fn px(x: f64) -> f64 {
    ML + x * (W - ML - MR)
}
fn py(y: f64) -> f64 {
    H - MB - y * (H - MT - MB)
}
fn path(xs: &[f64], ys: &[f64]) -> String {
    xs.iter()
        .zip(ys)
        .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A finding's counts per snapshot with axes; a heap site's noise band and
/// a debug=2 site's survival line when the finding has them.
fn chart_view(c: Chart) -> impl IntoView {
    let line = path(&c.x, &c.y);
    let band = c.band.as_ref().map(|b| {
        let upper: Vec<f64> = b.iter().map(|p| p.1).collect();
        let lower: Vec<f64> = b.iter().map(|p| p.0).collect();
        let mut xs = c.x.clone();
        xs.extend(c.x.iter().rev());
        let mut ys = upper;
        ys.extend(lower.iter().rev());
        path(&xs, &ys)
    });
    let survival = c.survival.as_ref().map(|s| path(&c.x, s));
    let dots: Vec<(String, String)> =
        c.x.iter()
            .zip(&c.y)
            .map(|(x, y)| (format!("{:.1}", px(*x)), format!("{:.1}", py(*y))))
            .collect();
    let ticks: Vec<(String, String)> =
        c.x.iter()
            .zip(&c.x_labels)
            .map(|(x, l)| (format!("{:.1}", px(*x)), l.clone()))
            .collect();
    let (x0, x1, y0, y1) = (px(0.0), px(1.0), py(0.0), py(1.0));
    view! {
        <figure class="chart" data-testid="chart">
            <svg width=W height=H viewBox=format!("0 0 {W} {H}") role="img" aria-label=c.label.clone()>
                <title>{c.label.clone()}</title>
                {band.map(|b| view! { <polygon class="noise-band" data-testid="noise-band" points=b/> })}
                <g class="axis axis-y" data-testid="axis-y">
                    <line x1=x0 y1=y0 x2=x0 y2=y1/>
                    <text x=x0 - 4.0 y=y1 + 4.0 text-anchor="end">{c.y_max_label.clone()}</text>
                    <text x=x0 - 4.0 y=y0 text-anchor="end">"0"</text>
                    <text class="axis-title" x=4 y=H / 2.0 transform=format!("rotate(-90 10 {})", H / 2.0) text-anchor="middle">{c.y_title.clone()}</text>
                </g>
                <g class="axis axis-x" data-testid="axis-x">
                    <line x1=x0 y1=y0 x2=x1 y2=y0/>
                    {ticks.into_iter().map(|(x, l)| view! { <text x=x y=y0 + 12.0 text-anchor="middle">{l}</text> }).collect_view()}
                    <text class="axis-title" x=(x0 + x1) / 2.0 y=H - 2.0 text-anchor="middle">{c.x_title.clone()}</text>
                </g>
                {survival.map(|s| view! { <polyline class="survival-line" data-testid="survival-line" points=s fill="none" stroke-width="1.5" stroke-dasharray="4 3"/> })}
                <polyline class="count-line" points=line fill="none" stroke="currentColor" stroke-width="2"/>
                {dots.into_iter().map(|(x, y)| view! { <circle cx=x cy=y r="2.5" fill="currentColor"/> }).collect_view()}
            </svg>
            <figcaption class="muted">
                {match (c.survival.is_some(), c.band.is_some()) {
                    (true, _) => "solid: goroutines parked here; dashed: those of the last snapshot already parked here then",
                    (_, true) => "in-use bytes, the shaded band ± two sigmas of sampling noise",
                    _ => "",
                }}
            </figcaption>
        </figure>
    }
}

fn basis_text(b: Basis) -> &'static str {
    match b {
        Basis::LeakProfile => "confirmed by the runtime's goroutine leak detector",
        Basis::GoroutineIds => {
            "the same goroutine ids across debug=2 snapshots (the strongest series evidence)"
        }
        Basis::Counts => {
            "counts only: .pb.gz and debug=1 carry no goroutine ids, so this rests on growth alone"
        }
        Basis::OneSnapshot => "one snapshot",
        Basis::HeapTrend => "in-use growth beyond the sampling noise",
        Basis::HeapSnapshot => "one heap snapshot: in-use versus allocated",
    }
}

fn finding_card(store: Store, f: Finding) -> impl IntoView {
    let sev = f.severity.as_str();
    let (func, func2) = (f.function.clone(), f.function.clone());
    let wait = if f.wait.is_empty() {
        String::new()
    } else {
        format!(
            "[{}{}]",
            f.wait,
            f.wait_minutes
                .map(|m| format!(", {m} minutes"))
                .unwrap_or_default()
        )
    };
    // "created by" only where the input records it (debug=2); otherwise
    // the entry function, named as such.
    let started = match (&f.created_by, &f.created_at) {
        (Some(c), at) => Some(
            view! {
                <p class="started" data-testid="created-by">"created by "<code>{super::shown(c)}</code>
                    {at.clone().map(|a| view! { " at "<span class="file">{super::shown(&a)}</span> })}</p>
            }
            .into_any(),
        ),
        (None, _) => f.entry_function.clone().map(|e| {
            view! {
            <p class="started muted" data-testid="entry-function">"entry function "<code>{super::shown(&e)}</code>
                " (this form does not record who started the goroutine)"</p>
        }.into_any()
        }),
    };
    let chart = lay_out(&f);
    view! {
        <article class=format!("finding sev-{sev}") data-testid="finding" data-rule=f.rule.as_str() data-severity=sev data-basis=format!("{:?}", f.basis)>
            <header>
                <span class=format!("badge sev-{sev}")>{sev.to_uppercase()}</span>
                <code class="rule">{f.rule.as_str()}</code>
                <span class="where"><strong>{super::shown(&f.function)}</strong>" "<span class="file">{super::shown(&format!("{}:{}", f.file, f.line))}</span></span>
                <span class="wait">{wait}</span>
            </header>
            <div class="body">
                <div class="text">
                    {f.blocking_line.clone().map(|l| view! { <pre class="blocking-line" data-testid="blocking-line">{format!("{:>5}  {l}", f.line)}</pre> })}
                    <p class="evidence" data-testid="evidence">{f.evidence.clone()}</p>
                    <p class="basis muted" data-testid="basis">{format!("Evidence: {}", basis_text(f.basis))}</p>
                    <div class="fix-row">
                        {started}
                        <p class="fix" data-testid="fix"><strong>"Fix: "</strong>{f.fix.clone()}</p>
                    </div>
                    {(!f.next_step.is_empty()).then(|| view! { <p class="next" data-testid="next-step"><strong>"Next: "</strong>{f.next_step.clone()}</p> })}
                    <p class="actions">
                        <Show when=move || !store.summary_mode()>
                            <button class="link" data-testid="to-source" on:click={let func = func.clone(); move |_| { store.source_fn.set(Some(func.clone())); store.tab.set(Tab::Source); }}>"Source line"</button>
                        </Show>
                        <button class="link" data-testid="to-flame" on:click=move |_| { store.flame_fn.set(Some(func2.clone())); store.tab.set(Tab::Flame); }>"In the flame graph"</button>
                    </p>
                </div>
                {chart_view(chart)}
            </div>
        </article>
    }
}

/// The verdict box: a leak, suspicions, a clean bill of health, or a
/// neutral "nothing could be checked".
fn verdict_view(r: &LeakReport) -> impl IntoView {
    let v = r.verdict;
    let class = match v {
        Verdict::Leak => "verdict leak",
        Verdict::Suspect => "verdict suspect",
        Verdict::Clean => "verdict no-leak",
        Verdict::NotChecked => "verdict neutral",
    };
    let testid = match v {
        Verdict::Clean => "no-leak",
        Verdict::NotChecked => "not-checked",
        _ => "verdict",
    };
    view! {
        <div class=class data-testid=testid data-verdict=v.as_str()>
            <h2>{headline(r)}</h2>
            {(!r.next_step.is_empty()).then(|| view! { <p class="next" data-testid="report-next">{r.next_step.clone()}</p> })}
        </div>
    }
}

fn checked_view(r: &LeakReport) -> impl IntoView {
    let healthy = r.healthy.clone();
    view! {
        <section class="checked" data-testid="checked">
            <h3>"Checked"</h3>
            <ul>{r.checked.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view()}</ul>
            {(!healthy.is_empty()).then(|| view! {
                <h4>"Largest sites judged healthy"</h4>
                <ul class="healthy">
                    {healthy.into_iter().map(|h| view! {
                        <li data-testid="healthy-site" data-kind=match h.kind { Kind::Goroutine => "goroutine", Kind::Heap => "heap" }>
                            <code>{h.function.clone()}</code>" "<span class="file">{format!("{}:{}", h.file, h.line)}</span>": "{h.why.clone()}
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

#[component]
pub fn LeaksView() -> impl IntoView {
    let store = Store::use_context();
    let derived = Derived::use_context();
    let markdown = move || {
        let r = derived.leaks.get_untracked();
        let files: Vec<String> = if store.summary_mode() {
            store
                .summary
                .get_untracked()
                .map(|s| s.files.clone())
                .unwrap_or_default()
        } else {
            store
                .snapshots
                .with_untracked(|v| v.iter().map(|s| s.name.clone()).collect())
        };
        leakscope_core::export::leaks_markdown(&r, &files)
    };
    let copied = RwSignal::new(false);
    view! {
        <section class="view leaks-view" aria-label="Leaks">
            <div class="toolbar">
                <button data-testid="copy-markdown" on:click=move |_| {
                    let _ = web_sys::window().unwrap().navigator().clipboard().write_text(&markdown());
                    copied.set(true);
                }>{move || if copied.get() { "Copied as Markdown" } else { "Copy as Markdown" }}</button>
                <button data-testid="export-markdown" on:click=move |_| crate::download::save("leak-report.md", "text/markdown", markdown().as_bytes())>"Download Markdown"</button>
            </div>
            {move || {
                let r = derived.leaks.get();
                let findings: Vec<Finding> = r.findings.iter().filter(|f| f.severity > Severity::Info).cloned().collect();
                view! {
                    {verdict_view(&r)}
                    {findings.into_iter().map(|f| finding_card(store, f)).collect_view()}
                    {checked_view(&r)}
                }
            }}
        </section>
    }
}
