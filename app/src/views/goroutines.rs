//! Goroutines: the goroutines of a dump grouped by stack and state, each
//! group with its count (per snapshot, for a series), wait, creator, ids
//! and stack. The worker groups, sorts and searches; this view draws.

use crate::derived::{Derived, GoroutineAsk, GOROUTINE_PAGE};
use crate::state::{Store, Tab};
use leakscope_core::goroutines::{Row, Similarity, Sort};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Id ranges shown before "more".
const IDS_SHOWN: usize = 12;

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A small line of the group's counts per snapshot.
fn sparkline(counts: &[u64]) -> impl IntoView {
    let (w, h) = (120.0, 28.0);
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = counts.len().max(2) as f64 - 1.0;
    let pts: Vec<(f64, f64)> = counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                3.0 + i as f64 * (w - 6.0) / n,
                h - 3.0 - (*c as f64 / max) * (h - 6.0),
            )
        })
        .collect();
    let line = pts
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let label = format!(
        "goroutines per snapshot: {}",
        counts
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let title = label.clone();
    view! {
        <svg class="chart spark" width=w height=h viewBox=format!("0 0 {w} {h}") role="img" aria-label=label>
            <title>{title}</title>
            <polyline points=line fill="none" stroke="currentColor" stroke-width="1.5"/>
            {pts.into_iter().map(|(x, y)| view! { <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="2" fill="currentColor"/> }).collect_view()}
        </svg>
    }
}

/// One group: its header always visible, the rest in a disclosure.
fn group_card(store: Store, row: Row, shown_id: Option<u32>, open: bool) -> impl IntoView {
    let g = row.group;
    let series = row.counts.len();
    let count = if row.present { g.count } else { 0 };
    let state = if g.state.is_empty() {
        "state not recorded".to_string()
    } else {
        g.state.clone()
    };
    let wait = g.wait_minutes.map(|(lo, hi)| match (lo, hi) {
        (0, _) => format!("under a minute to {}", plural(hi, "minute", "minutes")),
        _ if lo == hi => plural(lo, "minute", "minutes"),
        _ => format!("{lo}–{hi} minutes"),
    });
    let site = format!("{}:{}", g.blocking.file, g.blocking.line);
    let func = g.blocking.function.clone();
    let ranges: Vec<String> = g
        .ids
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        })
        .collect();
    let more_ids = ranges.len().saturating_sub(IDS_SHOWN);
    let first_ids = ranges[..ranges.len().min(IDS_SHOWN)].join(", ");
    let all_ids = ranges.join(", ");
    let counts_txt = row
        .counts
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" → ");
    let kept: Vec<String> = row
        .survived
        .iter()
        .skip(1)
        .zip(row.counts.iter().skip(1))
        .map(|(s, c)| match s {
            Some(k) => format!("{k}/{c}"),
            None => "–".into(),
        })
        .collect();
    let has_kept = row.survived.iter().any(|s| s.is_some());
    let go_to = move |tab: Tab, f: Option<String>| {
        if let Some(id) = shown_id {
            store.show_snapshot(id);
        }
        match tab {
            Tab::Source => store.source_fn.set(f),
            Tab::Flame => store.flame_fn.set(f),
            _ => {}
        }
        store.tab.set(tab);
    };
    let (f_src, f_flame) = (func.clone(), func.clone());
    let labels = g.labels.clone();
    let created = g.created_by.clone();
    let stack = g.stack.clone();
    view! {
        <li class="ggroup" class:absent=!row.present data-testid="goroutine-group" data-count=count
            data-state=g.state.clone() data-function=func.clone()>
            <details open=open>
                <summary>
                    <span class="gcount num" title="goroutines in this snapshot">{count}</span>
                    <span class="badge state" class:inferred=g.state_from_stack>{state}</span>
                    {wait.map(|w| view! { <span class="wait">{w}</span> })}
                    <span class="where"><strong class="fn">{func.clone()}</strong>" "<span class="file">{site}</span></span>
                    {(!row.present).then(|| view! { <span class="tag">"none in this snapshot"</span> })}
                    {(g.locked > 0).then(|| view! { <span class="tag">{format!("{} locked to thread", g.locked)}</span> })}
                    {(g.leaked > 0).then(|| view! { <span class="tag leaked">{format!("{} leaked", g.leaked)}</span> })}
                    {(series > 1).then(|| view! { <span class="series" data-testid="group-counts">{counts_txt.clone()}</span> })}
                </summary>
                <div class="gbody">
                    {(series > 1).then(|| view! {
                        <div class="gseries">
                            {sparkline(&row.counts)}
                            {has_kept.then(|| view! { <span class="muted" data-testid="group-kept">{format!("kept from the snapshot before: {}", kept.join(", "))}</span> })}
                        </div>
                    })}
                    {created.map(|c| view! { <p class="created">"created by " <code>{c.function.clone()}</code> " " <span class="file">{format!("{}:{}", c.file, c.line)}</span></p> })}
                    {(!ranges.is_empty()).then(|| if more_ids == 0 {
                        view! { <p class="ids" data-testid="group-ids">"ids " <code>{first_ids.clone()}</code></p> }.into_any()
                    } else {
                        view! { <details class="ids" data-testid="group-ids"><summary>"ids " <code>{first_ids.clone()}</code>{format!(" and {more_ids} more ranges")}</summary><code>{all_ids.clone()}</code></details> }.into_any()
                    })}
                    {labels.into_iter().map(|(set, n)| {
                        let txt = set.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ");
                        view! { <p class="labels">"labels {" {txt} "} " <span class="muted">{format!("× {n}")}</span></p> }
                    }).collect_view()}
                    <ol class="gstack" aria-label="stack, innermost first">
                        {stack.into_iter().map(|f| {
                            let other = (!f.other_lines.is_empty()).then(|| format!(" (also {})", f.other_lines.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")));
                            view! {
                                <li class:own=f.own>
                                    {f.own.then(|| view! { <span class="visually-hidden">"your code: "</span> })}
                                    <span class="fn">{f.function.clone()}</span>" "
                                    <span class="file">{format!("{}:{}", f.file, f.line)}</span>{other}
                                </li>
                            }
                        }).collect_view()}
                        {g.elided.then(|| view! { <li class="muted">"… frames elided by the runtime …"</li> })}
                    </ol>
                    <p class="actions">
                        <button class="link" data-testid="group-to-source" on:click=move |_| go_to(Tab::Source, Some(f_src.clone()))>"Source"</button>
                        <button class="link" data-testid="group-to-flame" on:click=move |_| go_to(Tab::Flame, Some(f_flame.clone()))>"Flame"</button>
                        <button class="link" data-testid="group-to-leaks" on:click=move |_| go_to(Tab::Leaks, None)>"Leaks"</button>
                    </p>
                </div>
            </details>
        </li>
    }
}

#[component]
pub fn GoroutinesView() -> impl IntoView {
    let store = Store::use_context();
    let derived = Derived::use_context();
    let set = move |f: &dyn Fn(&mut GoroutineAsk)| {
        derived.goroutine_ask.update(|a| {
            f(a);
            a.limit = GOROUTINE_PAGE;
        })
    };
    // ↑ ↓ move between groups; Enter (the browser's) opens one.
    let on_keydown = window_event_listener(leptos::ev::keydown, move |ev| {
        if store.tab.get_untracked() != Tab::Goroutines || crate::keys::typing(&ev) {
            return;
        }
        let down = match ev.key().as_str() {
            "ArrowDown" => true,
            "ArrowUp" => false,
            _ => return,
        };
        // From the focused group to its neighbour, else to the first.
        let doc = document();
        let first = || {
            doc.query_selector("[data-testid=goroutine-group] > details > summary")
                .ok()
                .flatten()
        };
        let group = doc
            .active_element()
            .and_then(|a| a.closest("[data-testid=goroutine-group]").ok().flatten());
        let target = match group {
            Some(g) => {
                let next = if down {
                    g.next_element_sibling()
                } else {
                    g.previous_element_sibling()
                };
                next.and_then(|n| n.query_selector("details > summary").ok().flatten())
            }
            None => first(),
        };
        if let Some(el) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            ev.prevent_default();
            let _ = el.focus();
        }
    });
    on_cleanup(move || on_keydown.remove());
    let data = move || derived.goroutines.get();
    let summary = move || {
        let d = data()?;
        let v = &d.view;
        let total = v.totals.get(v.current).copied().unwrap_or(0);
        let mut s = format!(
            "{} in {} · {}",
            plural(total, "goroutine", "goroutines"),
            plural(v.groups as u64, "group", "groups"),
            v.format
        );
        if v.files.len() > 1 {
            s.push_str(&format!(
                " · snapshot {} of {} ({})",
                v.current + 1,
                v.files.len(),
                v.files[v.current]
            ));
        }
        Some(s)
    };
    view! {
        <section class="view goroutines-view" aria-label="Goroutines">
            <div class="toolbar">
                <label class="field">"Search "
                    <input type="search" data-testid="goroutine-search" data-search="" spellcheck="false"
                        placeholder="function, file or state"
                        prop:value=move || derived.goroutine_ask.with(|a| a.search.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); set(&|a| a.search = v.clone()) }/>
                </label>
                <label class="field">"Sort by "
                    <select data-testid="goroutine-sort" on:change=move |ev| {
                        let s = Sort::parse(&event_target_value(&ev)).unwrap_or_default();
                        set(&|a| a.sort = s)
                    }>
                        {move || {
                            let now = derived.goroutine_ask.with(|a| a.sort);
                            let series = derived.goroutines.with(|d| d.as_ref().is_some_and(|d| d.view.files.len() > 1));
                            [(Sort::Count, "count", "count"), (Sort::Wait, "wait", "wait (minutes)"), (Sort::State, "state", "state"), (Sort::Growth, "growth", "growth across snapshots")]
                                .into_iter()
                                .filter(|(s, _, _)| *s != Sort::Growth || series)
                                .map(|(s, v, l)| view! { <option value=v selected=now == s>{l}</option> })
                                .collect_view()
                        }}
                    </select>
                </label>
                <label class="field">
                    <input type="checkbox" data-testid="goroutine-merge-lines"
                        prop:checked=move || derived.goroutine_ask.with(|a| a.similarity == Similarity::AnyLine)
                        on:change=move |ev| {
                            let on = crate::views::event_target::<web_sys::HtmlInputElement>(&ev).checked();
                            set(&|a| a.similarity = if on { Similarity::AnyLine } else { Similarity::Exact })
                        }/>
                    " merge stacks that differ only in line numbers"
                </label>
                <span class="muted" data-testid="goroutine-summary">{summary}</span>
            </div>
            {move || {
                let Some(d) = data() else {
                    return view! { <p class="muted" data-testid="goroutines-empty">"No goroutine dump or goroutine profile is open. Drop "<code>"/debug/pprof/goroutine?debug=2"</code>" dumps (or "<code>"?debug=1"</code>", or the .pb.gz) to see what every goroutine is doing."</p> }.into_any();
                };
                if let Some(e) = &d.error {
                    return view! { <p class="field-error" role="alert">{e.clone()}</p> }.into_any();
                }
                let v = &d.view;
                let shown_id = d.series.get(v.current).copied();
                let note = (!v.detailed).then(|| view! {
                    <p class="hint" data-testid="goroutines-hint">"This file records stacks and counts only: the state is what the stack shows, and ids, wait minutes and creators are in "<code>"?debug=2"</code>" dumps."</p>
                });
                let rows = v.rows.clone();
                let (shown, matching) = (rows.len(), v.matching);
                view! {
                    {note}
                    {(matching == 0).then(|| view! { <p class="muted" data-testid="goroutines-none">"No group matches."</p> })}
                    <ol class="ggroups" data-testid="goroutine-groups">
                        {rows.into_iter().enumerate().map(|(i, r)| group_card(store, r, shown_id, i < 3)).collect_view()}
                    </ol>
                    {(matching > shown).then(|| view! {
                        <button data-testid="goroutines-more" on:click=move |_| derived.goroutine_ask.update(|a| a.limit += GOROUTINE_PAGE * 5)>
                            {format!("Show more ({shown} of {matching} groups)")}
                        </button>
                    })}
                }.into_any()
            }}
        </section>
    }
}
