//! Top: flat, flat%, sum%, cum, cum% per function, sortable and filtered.

use crate::derived::Derived;
use crate::state::{Store, Tab};
use leakscope_core::measurement::percentage;
use leakscope_core::report::top;
use leptos::prelude::*;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Flat,
    Cum,
    Name,
    DeltaFlat,
    DeltaCum,
}

/// Rows drawn at once; the rest behind "show all" (a DOM row per node of a
/// 100k-node profile would freeze the page).
const PAGE: usize = 500;

/// The filter regex, or the error to show next to the input.
pub fn filter_regex(text: &str) -> Result<Option<crate::pattern::Pattern>, String> {
    crate::pattern::Pattern::parse(text)
}

#[component]
pub fn FilterInput() -> impl IntoView {
    let store = Store::use_context();
    let err = move || filter_regex(&store.filter.get()).err();
    view! {
        <label class="field filter">"Filter (regex) "
            <input type="search" data-testid="filter" data-search="" placeholder="e.g. main\\." spellcheck="false"
                prop:value=move || store.filter.get()
                on:input=move |ev| store.filter.set(event_target_value(&ev))/>
        </label>
        <span class="field-error" role="alert">{err}</span>
    }
}

#[component]
pub fn TopView() -> impl IntoView {
    let store = Store::use_context();
    let derived = Derived::use_context();
    let sort = RwSignal::new((Col::Flat, true));
    let show_all = RwSignal::new(false);
    let selected = RwSignal::new(None::<usize>);
    // With a base: each row carries the base's (flat, cum); functions only
    // in the base are appended with zero current values.
    let base_of = Memo::new(move |_| {
        derived.base_top.get().map(|b| {
            b.rows
                .iter()
                .map(|r| (r.name.clone(), (r.flat, r.cum)))
                .collect::<std::collections::HashMap<_, _>>()
        })
    });
    let rows = Memo::new(move |_| {
        let Some(t) = derived.top.get() else {
            return Vec::new();
        };
        let re = filter_regex(&store.filter.get()).ok().flatten();
        let mut all = t.rows.clone();
        if let Some(b) = derived.base_top.get() {
            let cur: std::collections::HashSet<&str> =
                t.rows.iter().map(|r| r.name.as_str()).collect();
            all.extend(
                b.rows
                    .iter()
                    .filter(|r| !cur.contains(r.name.as_str()))
                    .map(|r| top::TopRow {
                        flat: 0,
                        cum: 0,
                        ..r.clone()
                    }),
            );
        }
        let mut rows: Vec<_> = all
            .into_iter()
            .filter(|r| re.as_ref().is_none_or(|re| re.is_match(&r.name)))
            .collect();
        let (col, desc) = sort.get();
        let base = base_of.get();
        let delta = |r: &top::TopRow| {
            let (bf, bc) = base
                .as_ref()
                .and_then(|b| b.get(&r.name).copied())
                .unwrap_or((0, 0));
            (r.flat - bf, r.cum - bc)
        };
        // The core's order is pprof's: keep it for the default sort.
        if (col, desc) != (Col::Flat, true) {
            leakscope_core::order::sort_by(&mut rows, |a, b| {
                let o = match col {
                    Col::Flat => a.flat.abs().cmp(&b.flat.abs()),
                    Col::Cum => a.cum.abs().cmp(&b.cum.abs()),
                    Col::Name => a.name.cmp(&b.name),
                    Col::DeltaFlat => delta(a).0.cmp(&delta(b).0),
                    Col::DeltaCum => delta(a).1.cmp(&delta(b).1),
                };
                let o = o.then_with(|| a.name.cmp(&b.name));
                if desc {
                    o.reverse()
                } else {
                    o
                }
            });
        }
        rows
    });
    // Arrow keys move the selection, Enter opens its source.
    let on_keydown = window_event_listener(leptos::ev::keydown, move |ev| {
        if store.tab.get_untracked() != Tab::Top || crate::keys::typing(&ev) {
            return;
        }
        let n = rows.with_untracked(|r| {
            r.len().min(if show_all.get_untracked() {
                usize::MAX
            } else {
                PAGE
            })
        });
        if n == 0 {
            return;
        }
        match ev.key().as_str() {
            "ArrowDown" => selected.update(|s| *s = Some(s.map_or(0, |i| (i + 1).min(n - 1)))),
            "ArrowUp" => selected.update(|s| *s = Some(s.map_or(0, |i| i.saturating_sub(1)))),
            "Enter" => {
                if let Some(r) = selected
                    .get_untracked()
                    .and_then(|i| rows.with_untracked(|r| r.get(i).cloned()))
                {
                    store.source_fn.set(Some(r.function().to_string()));
                    store.tab.set(Tab::Source);
                }
                return;
            }
            _ => return,
        }
        ev.prevent_default();
        if let Some(i) = selected.get_untracked() {
            let doc = web_sys::window().unwrap().document().unwrap();
            if let Ok(Some(el)) = doc.query_selector(&format!(
                "[data-testid=top-table] tbody tr:nth-child({})",
                i + 1
            )) {
                el.scroll_into_view_with_bool(false);
            }
        }
    });
    // The window listener outlives the view unless removed.
    on_cleanup(move || on_keydown.remove());
    let export = move |_| {
        if let Some(t) = derived.top.get_untracked() {
            let name = store
                .current_snapshot()
                .map(|s| crate::download::stem(&s.name))
                .unwrap_or_default();
            let rows = rows.get_untracked();
            crate::download::save(
                &format!("{name}-top.csv"),
                "text/csv",
                leakscope_core::export::top_csv(&rows, t.total, &t.unit).as_bytes(),
            );
        }
    };
    let header = move |label: &'static str, col: Col| {
        let cls = move || {
            let (c, d) = sort.get();
            if c == col {
                if d {
                    "sorted desc"
                } else {
                    "sorted asc"
                }
            } else {
                ""
            }
        };
        view! {
            <th scope="col" class=cls aria-sort=move || { let (c, d) = sort.get(); if c == col { if d { "descending" } else { "ascending" } } else { "none" } }>
                <button class="sort" data-sort=label on:click=move |_| sort.update(|(c, d)| { if *c == col { *d = !*d } else { *c = col; *d = col != Col::Name } })>{label}</button>
            </th>
        }
    };
    view! {
        <section class="view top-view" aria-label="Top">
            <div class="toolbar"><FilterInput/>
                <span class="muted">{move || derived.top.get().map(|t| format!("{} functions · total {}", t.rows.len(), crate::derived::fmt(&t, t.total)))}</span>
                <button data-testid="export-top" on:click=export>"Export CSV"</button>
            </div>
            <table class="top-table" data-testid="top-table">
                <thead><tr>
                    {header("flat", Col::Flat)}<th scope="col">"flat%"</th><th scope="col">"sum%"</th>
                    {header("cum", Col::Cum)}<th scope="col">"cum%"</th>{header("name", Col::Name)}<th scope="col"><span class="visually-hidden">"links"</span></th>
                    {move || base_of.with(|b| b.is_some()).then(|| view! {
                        <th scope="col">"base flat"</th><th scope="col">"base cum"</th>{header("Δ flat", Col::DeltaFlat)}{header("Δ cum", Col::DeltaCum)}
                    })}
                </tr></thead>
                <tbody>
                    {move || {
                        let Some(t) = derived.top.get() else { return Vec::new() };
                        let rows = rows.get();
                        let limit = if show_all.get() { rows.len() } else { PAGE.min(rows.len()) };
                        let mut sum = 0i64;
                        let sel = selected.get();
                        let base = base_of.get();
                        rows.into_iter().take(limit).enumerate().map(|(i, r)| {
                            sum += r.flat;
                            let func = r.function().to_string();
                            let func2 = func.clone();
                            view! {
                                <tr class:selected=sel == Some(i) aria-selected=(sel == Some(i)).to_string()>
                                    <td class="num">{crate::derived::fmt(&t, r.flat)}</td>
                                    <td class="num">{percentage(r.flat, t.total).trim().to_string()}</td>
                                    <td class="num">{percentage(sum, t.total).trim().to_string()}</td>
                                    <td class="num">{crate::derived::fmt(&t, r.cum)}</td>
                                    <td class="num">{percentage(r.cum, t.total).trim().to_string()}</td>
                                    <td class="name">{r.name.clone()}{(!r.inline.is_empty()).then(|| view! { <span class="inline-mark">{format!(" {}", r.inline)}</span> })}</td>
                                    <td class="links">
                                        <button class="link" title="Annotated source" on:click=move |_| { store.source_fn.set(Some(func.clone())); store.tab.set(Tab::Source); }>"source"</button>
                                        <button class="link" title="Show in the flame graph" on:click=move |_| { store.flame_fn.set(Some(func2.clone())); store.tab.set(Tab::Flame); }>"flame"</button>
                                    </td>
                                    {base.as_ref().map(|b| {
                                        let (bf, bc) = b.get(&r.name).copied().unwrap_or((0, 0));
                                        let d = |v: i64| if v > 0 { format!("+{}", crate::derived::fmt(&t, v)) } else { crate::derived::fmt(&t, v) };
                                        let (df, dc) = (r.flat - bf, r.cum - bc);
                                        let cls = |v: i64| if v > 0 { "num grew" } else if v < 0 { "num shrank" } else { "num" };
                                        view! {
                                            <td class="num">{crate::derived::fmt(&t, bf)}</td><td class="num">{crate::derived::fmt(&t, bc)}</td>
                                            <td class=cls(df)>{d(df)}</td>
                                            <td class=cls(dc)>{d(dc)}</td>
                                        }
                                    })}
                                </tr>
                            }
                        }).collect::<Vec<_>>()
                    }}
                </tbody>
            </table>
            <Show when=move || !show_all.get() && rows.with(|r| r.len() > PAGE)>
                <button on:click=move |_| show_all.set(true)>{move || format!("Show all {} rows", rows.with(|r| r.len()))}</button>
            </Show>
        </section>
    }
}
