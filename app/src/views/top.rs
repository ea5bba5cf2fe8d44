//! Top: flat, flat%, sum%, cum, cum% per function, sortable and filtered.

use crate::derived::Derived;
use crate::state::{Store, Tab};
use leakscope_core::measurement::percentage;
use leakscope_core::report::compare::{self, Column};
use leptos::prelude::*;

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
    // In the store: the URL keeps it.
    let sort = store.top_sort;
    let show_all = RwSignal::new(false);
    let selected = RwSignal::new(None::<usize>);
    let has_base = Memo::new(move |_| derived.base_top.with(|b| b.is_some()));
    // The table as shown: joined with the base, filtered, sorted, summed
    // (core::report::compare).
    let rows = Memo::new(move |_| {
        let Some(t) = derived.top.get() else {
            return Vec::new();
        };
        let re = filter_regex(&store.filter.get()).ok().flatten();
        let keep = re.map(|re| move |name: &str| re.is_match(name));
        let base = derived.base_top.get();
        compare::table(
            &t.rows,
            base.as_ref().map(|b| &b.rows[..]),
            keep.as_ref().map(|k| k as &dyn Fn(&str) -> bool),
            sort.get(),
        )
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
                    store.source_fn.set(Some(r.row.function().to_string()));
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
    let header = move |label: &'static str, col: Column| {
        // (class, aria-sort) of the header: whether and how it orders the table.
        let state = move || {
            let s = sort.get();
            match (s.column == col, s.descending) {
                (true, true) => ("sorted desc", "descending"),
                (true, false) => ("sorted asc", "ascending"),
                _ => ("", "none"),
            }
        };
        view! {
            <th scope="col" class=move || state().0 aria-sort=move || state().1>
                <button class="sort" data-sort=label on:click=move |_| sort.update(|s| *s = s.toggled(col))>{label}</button>
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
                    {header("flat", Column::Flat)}<th scope="col">"flat%"</th><th scope="col">"sum%"</th>
                    {header("cum", Column::Cum)}<th scope="col">"cum%"</th>{header("name", Column::Name)}<th scope="col"><span class="visually-hidden">"links"</span></th>
                    {move || has_base.get().then(|| view! {
                        <th scope="col">"base flat"</th><th scope="col">"base cum"</th>{header("Δ flat", Column::DeltaFlat)}{header("Δ cum", Column::DeltaCum)}
                    })}
                </tr></thead>
                <tbody>
                    {move || {
                        let Some(t) = derived.top.get() else { return Vec::new() };
                        let rows = rows.get();
                        let limit = if show_all.get() { rows.len() } else { PAGE.min(rows.len()) };
                        let sel = selected.get();
                        rows.into_iter().take(limit).enumerate().map(|(i, compare::Row { row: r, sum, change })| {
                            let func = r.function().to_string();
                            let func2 = func.clone();
                            view! {
                                <tr class:selected=sel == Some(i) aria-selected=(sel == Some(i)).to_string()>
                                    <td class="num">{crate::derived::fmt(&t, r.flat)}</td>
                                    <td class="num">{percentage(r.flat, t.total).trim().to_string()}</td>
                                    <td class="num">{percentage(sum, t.total).trim().to_string()}</td>
                                    <td class="num">{crate::derived::fmt(&t, r.cum)}</td>
                                    <td class="num">{percentage(r.cum, t.total).trim().to_string()}</td>
                                    <td class="name">{super::shown(&r.name)}{(!r.inline.is_empty()).then(|| view! { <span class="inline-mark">{format!(" {}", r.inline)}</span> })}</td>
                                    <td class="links">
                                        <button class="link" title="Annotated source" on:click=move |_| { store.source_fn.set(Some(func.clone())); store.tab.set(Tab::Source); }>"source"</button>
                                        <button class="link" title="Show in the flame graph" on:click=move |_| { store.flame_fn.set(Some(func2.clone())); store.tab.set(Tab::Flame); }>"flame"</button>
                                    </td>
                                    {change.map(|c| {
                                        let d = |v: i64| if v > 0 { format!("+{}", crate::derived::fmt(&t, v)) } else { crate::derived::fmt(&t, v) };
                                        let cls = |v: i64| match v.signum() { 1 => "num grew", -1 => "num shrank", _ => "num" };
                                        view! {
                                            <td class="num">{crate::derived::fmt(&t, c.base_flat)}</td><td class="num">{crate::derived::fmt(&t, c.base_cum)}</td>
                                            <td class=cls(c.flat)>{d(c.flat)}</td>
                                            <td class=cls(c.cum)>{d(c.cum)}</td>
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
