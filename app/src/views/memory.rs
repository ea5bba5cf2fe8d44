//! Memory: where the process's memory is (from the runtime.MemStats
//! trailer of heap `?debug=1` profiles), per snapshot in a chart, and the
//! triage's checklist. The worker computes the report; this view draws it.

use crate::derived::{Derived, GoroutineAsk};
use crate::state::{Store, Tab};
use leakscope_core::goroutines::Sort;
use leakscope_core::measurement::{format_time_utc, label};
use leakscope_core::memory::{Chart, Check, CheckKind, MemoryReport, Moment};
use leptos::prelude::*;

fn bytes(v: u64) -> String {
    label(v.min(i64::MAX as u64) as i64, "bytes")
}

/// CSS class and legend name of each part, in the core's order.
const PARTS: [(&str, &str); 6] = [
    ("p-live", "live heap"),
    ("p-frag", "fragmentation"),
    ("p-idle", "idle, not returned"),
    ("p-stack", "goroutine stacks"),
    ("p-meta", "runtime metadata"),
    ("p-released", "returned to the OS"),
];

/// The worker's chart (fractions of its axes) in pixels.
fn chart(c: &Chart, moments: &[Moment]) -> impl IntoView {
    let (w, h) = (760.0, 280.0);
    let (left, right, top, bottom) = (78.0, 64.0, 12.0, 46.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let slot = pw / c.bars.len().max(1) as f64;
    let bar = (slot * 0.6).min(64.0);
    let x = move |i: usize| left + slot * (i as f64 + 0.5);
    let y = move |f: f64| top + ph - f * ph;
    let tick_y = |v: u64| y(v as f64 / c.top.max(1) as f64);
    let summary = format!(
        "Memory per snapshot: {}",
        c.bars
            .iter()
            .map(|b| {
                let m = &moments[b.moment];
                let comp = m.components.unwrap_or_default();
                format!(
                    "{} Sys {}{}",
                    b.label,
                    bytes(comp.sys),
                    comp.max_rss
                        .map(|r| format!(", MaxRSS {}", bytes(r)))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    );
    let poly = |pts: &[(f64, f64)]| {
        pts.iter()
            .map(|(a, b)| format!("{a:.1},{b:.1}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let rss: Vec<(f64, f64)> = c
        .bars
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.max_rss.map(|f| (x(i), y(f))))
        .collect();
    let gpts: Vec<(f64, f64)> = c
        .bars
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.goroutines.map(|f| (x(i), y(f))))
        .collect();
    let x_title = if c.timed {
        "time since the first snapshot"
    } else {
        "snapshot (the files record no time)"
    };
    let gtop = c.goroutine_top.filter(|g| *g > 0);
    view! {
        <svg class="memchart" data-testid="memory-chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label=summary.clone()>
            <title>{summary.clone()}</title>
            {c.ticks.iter().map(|&t| view! {
                <line class="grid" x1=left x2=left + pw y1=tick_y(t) y2=tick_y(t)/>
                <text class="tick" x=left - 6.0 y=tick_y(t) + 4.0 text-anchor="end">{bytes(t)}</text>
            }).collect_view()}
            <text class="axis-title" x=12 y=top + ph / 2.0 transform=format!("rotate(-90 12 {})", top + ph / 2.0) text-anchor="middle">"bytes"</text>
            {c.bars.iter().enumerate().map(|(i, b)| {
                let m = &moments[b.moment];
                let comp = m.components.unwrap_or_default();
                let file = m.files.join(" + ");
                let when = if m.time_nanos != 0 { format_time_utc(m.time_nanos) } else { String::new() };
                view! {
                    <g class="bar" data-testid="memory-bar">
                        <title>{format!("{file} {when}: Sys {}", bytes(comp.sys))}</title>
                        {b.parts.iter().zip(comp.parts()).zip(PARTS).map(|((&(lo, hi), (_, v)), (class, name))| view! {
                            <rect class=class x=x(i) - bar / 2.0 width=bar y=y(hi) height=(y(lo) - y(hi)).max(0.0)>
                                <title>{format!("{name}: {}", bytes(v))}</title>
                            </rect>
                        }).collect_view()}
                    </g>
                    <text class="tick" x=x(i) y=top + ph + 16.0 text-anchor="middle">{b.label.clone()}</text>
                }
            }).collect_view()}
            <text class="axis-title" x=left + pw / 2.0 y=h - 6.0 text-anchor="middle">{x_title}</text>
            <line class="axis" x1=left x2=left + pw y1=top + ph y2=top + ph/>
            <line class="axis" x1=left x2=left y1=top y2=top + ph/>
            {(!rss.is_empty()).then(|| view! {
                <polyline class="rss" points=poly(&rss) fill="none"/>
                {rss.iter().map(|(a, b)| view! { <circle class="rss-dot" cx=*a cy=*b r="3"/> }).collect_view()}
            })}
            {gtop.map(|g| view! {
                <line class="axis" x1=left + pw x2=left + pw y1=top y2=top + ph/>
                <text class="tick g" x=left + pw + 6.0 y=top + 4.0>{g.to_string()}</text>
                <text class="tick g" x=left + pw + 6.0 y=top + ph + 4.0>"0"</text>
                <text class="axis-title g" x=w - 8.0 y=top + ph / 2.0 transform=format!("rotate(90 {} {})", w - 8.0, top + ph / 2.0) text-anchor="middle">"goroutines"</text>
                <polyline class="gline" points=poly(&gpts) fill="none"/>
                {gpts.iter().map(|(a, b)| view! { <rect class="gdot" x=*a - 3.0 y=*b - 3.0 width="6" height="6"/> }).collect_view()}
            })}
        </svg>
        <p class="legend" aria-hidden="true">
            {PARTS.iter().map(|(class, name)| view! { <span class="key"><svg width="12" height="12"><rect class=*class width="12" height="12"/></svg>" "{*name}</span> }).collect_view()}
            <span class="key"><svg width="16" height="12"><line class="rss" x1="0" x2="16" y1="6" y2="6"/></svg>" peak RSS (MaxRSS)"</span>
            {gtop.is_some().then(|| view! { <span class="key"><svg width="16" height="12"><line class="gline" x1="0" x2="16" y1="6" y2="6"/></svg>" goroutines (right axis)"</span> })}
        </p>
    }
}

/// Every number of the chart as a table (for reading and for screen readers).
fn table(moments: &[Moment]) -> impl IntoView {
    let rows = moments.to_vec();
    view! {
        <table class="memtable" data-testid="memory-table">
            <thead><tr>
                <th scope="col">"snapshot"</th><th scope="col">"time (UTC)"</th><th scope="col">"Sys"</th>
                {PARTS.iter().map(|(_, n)| view! { <th scope="col">{*n}</th> }).collect_view()}
                <th scope="col">"MaxRSS"</th><th scope="col">"goroutines"</th><th scope="col">"in use (profile)"</th><th scope="col">"allocated / s"</th>
            </tr></thead>
            <tbody>{rows.into_iter().map(|m| {
                let c = m.components;
                let cell = move |v: Option<u64>| v.map(bytes).unwrap_or_else(|| "–".into());
                view! {
                    <tr data-testid="memory-row">
                        <th scope="row" class="name">{m.files.join(" + ")}{m.trailer_error.clone().map(|e| view! { <br/><span class="field-error">{e}</span> })}</th>
                        <td>{if m.time_nanos != 0 { format_time_utc(m.time_nanos) } else { "–".into() }}</td>
                        <td class="num" data-part="sys">{cell(c.map(|c| c.sys))}</td>
                        {(0..6).map(|k| view! { <td class="num" data-part=PARTS[k].0>{cell(c.map(|c| c.parts()[k].1))}</td> }).collect_view()}
                        <td class="num" data-part="maxrss">{cell(c.and_then(|c| c.max_rss))}</td>
                        <td class="num" data-part="goroutines">{m.goroutines.map(|g| g.to_string()).unwrap_or_else(|| "–".into())}</td>
                        <td class="num">{m.heap.inuse_space.map(|v| bytes(v.max(0) as u64)).unwrap_or_else(|| "–".into())}</td>
                        <td class="num">{m.alloc_rate.map(|r| bytes(r as u64)).unwrap_or_else(|| "–".into())}</td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table>
    }
}

fn check_card(
    store: Store,
    derived: Derived,
    i: usize,
    c: Check,
    last_heap: Option<u32>,
) -> impl IntoView {
    let links = match c.kind {
        CheckKind::Heap => view! {
            <button class="link" data-testid="memory-to-top" on:click=move |_| {
                if let Some(id) = last_heap { store.show_snapshot(id); }
                store.sample_type.set(Some("inuse_space".into()));
                store.tab.set(Tab::Top);
            }>"Top (inuse_space)"</button>
            <button class="link" data-testid="memory-to-leaks" on:click=move |_| store.tab.set(Tab::Leaks)>"Leaks"</button>
        }
        .into_any(),
        CheckKind::GoroutineStacks => view! {
            <button class="link" data-testid="memory-to-goroutines" on:click=move |_| {
                derived.goroutine_ask.set(GoroutineAsk { sort: Sort::Growth, ..Default::default() });
                store.tab.set(Tab::Goroutines);
            }>"Goroutines (by growth)"</button>
            <button class="link" on:click=move |_| store.tab.set(Tab::Leaks)>"Leaks"</button>
        }
        .into_any(),
        _ => ().into_any(),
    };
    view! {
        <li class="check" class:applies=c.applies data-testid="memory-check" data-kind=c.kind.slug() data-applies=c.applies.to_string()>
            <h3><span class="badge" class:yes=c.applies>{if c.applies { "yes" } else { "no" }}</span>" "{format!("{}. {}", i + 1, c.title)}</h3>
            <p>{c.evidence.clone()}</p>
            {if c.applies {
                view! { <p class="advice">{c.advice.clone()}" "{links}</p> }.into_any()
            } else {
                view! { <details><summary>"What to do if it were"</summary><p class="advice">{c.advice.clone()}</p></details> }.into_any()
            }}
        </li>
    }
}

#[component]
pub fn MemoryView() -> impl IntoView {
    let store = Store::use_context();
    let derived = Derived::use_context();
    view! {
        <section class="view memory-view" aria-label="Memory">
            {move || {
                let Some(r) = derived.memory.get() else {
                    return view! { <p class="muted">"Reading…"</p> }.into_any();
                };
                let r: &MemoryReport = &r;
                if r.moments.is_empty() {
                    return view! {
                        <div class="hint" data-testid="memory-empty">
                            <h2>"No heap profile is open"</h2>
                            <p>{leakscope_core::memory::CAPTURE_HINT}</p>
                        </div>
                    }.into_any();
                }
                let last_heap = r.moments.last().and_then(|m| {
                    let name = m.files.last()?;
                    store.snapshots.with_untracked(|v| v.iter().find(|s| &s.name == name).map(|s| s.id))
                });
                let any = r.chart.is_some();
                view! {
                    <h2>"Where the memory is"</h2>
                    {r.chart.as_ref().map(|c| chart(c, &r.moments))}
                    <details class="memtable-wrap" open=!any>
                        <summary>"Numbers per snapshot"</summary>
                        {table(&r.moments)}
                    </details>
                    {(!r.checks.is_empty()).then(|| view! {
                        <h2>"What it means"</h2>
                        <ol class="checks" data-testid="memory-checks">
                            {r.checks.iter().cloned().enumerate().map(|(i, c)| check_card(store, derived, i, c, last_heap)).collect_view()}
                        </ol>
                    })}
                    {r.notes.iter().map(|n| view! { <p class="note" data-testid="memory-note">{n.clone()}</p> }).collect_view()}
                    {r.capture_hint.clone().map(|h| view! { <p class="hint" data-testid="memory-capture">{h}</p> })}
                }.into_any()
            }}
        </section>
    }
}
