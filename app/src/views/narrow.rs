//! The filter bar: pprof's focus/ignore/hide/show and tag expressions,
//! the granularity, and the snapshot to compare against. Applied to every
//! view; a bad expression is reported here and the previous view stays.

use crate::derived::Derived;
use crate::state::Store;
use leakscope_core::filter::Filters;
use leakscope_core::graph::Granularity;
use leptos::prelude::*;

#[component]
fn FilterField(
    label: &'static str,
    key: &'static str,
    get: fn(&Filters) -> &String,
    set: fn(&mut Filters, String),
) -> impl IntoView {
    let store = Store::use_context();
    view! {
        <label class="field">{label}" "
            <input type="text" spellcheck="false" data-filter=key size="14"
                prop:value=move || store.filters.with(|f| get(f).clone())
                on:change=move |ev| { let v = event_target_value(&ev); store.filters.update(|f| set(f, v)); }/>
        </label>
    }
}

#[component]
pub fn FilterBar() -> impl IntoView {
    let store = Store::use_context();
    let derived = Derived::use_context();
    view! {
        <Show when=move || !store.summary_mode()>
            <form class="filter-bar" role="search" aria-label="Narrow the profile" on:submit=|ev| ev.prevent_default()>
                <FilterField label="focus" key="focus" get=|f| &f.focus set=|f, v| f.focus = v/>
                <FilterField label="ignore" key="ignore" get=|f| &f.ignore set=|f, v| f.ignore = v/>
                <FilterField label="hide" key="hide" get=|f| &f.hide set=|f, v| f.hide = v/>
                <FilterField label="show" key="show" get=|f| &f.show set=|f, v| f.show = v/>
                <FilterField label="tagfocus" key="tagfocus" get=|f| &f.tagfocus set=|f, v| f.tagfocus = v/>
                <FilterField label="tagignore" key="tagignore" get=|f| &f.tagignore set=|f, v| f.tagignore = v/>
                <label class="field">"granularity "
                    <select data-testid="granularity" on:change=move |ev| store.granularity.set(Granularity::parse(&event_target_value(&ev)).unwrap_or_default())>
                        {[Granularity::Functions, Granularity::Files, Granularity::Lines].into_iter().map(|g| view! {
                            <option value=g.as_str() selected=move || store.granularity.get() == g>{g.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">"compare with "
                    <select data-testid="base-select" on:change=move |ev| store.base.set(event_target_value(&ev).parse().ok())>
                        <option value="">"(no base)"</option>
                        {move || {
                            let cur = store.current_snapshot().map(|s| s.id);
                            let base = store.base.get();
                            store.snapshots.get().into_iter().filter(|s| Some(s.id) != cur).map(|s| view! {
                                <option value=s.id.to_string() selected=base == Some(s.id)>{s.name.clone()}</option>
                            }).collect_view()
                        }}
                    </select>
                </label>
                <Show when=move || !store.filters.with(|f| f.is_empty())>
                    <button type="button" data-testid="clear-filters" on:click=move |_| store.filters.set(Filters::default())>"Clear filters"</button>
                </Show>
                <span class="field-error" role="alert" data-testid="query-error">{move || derived.query_error.get()}</span>
                {move || {
                    let b = store.base_snapshot()?;
                    let cur = store.current_snapshot()?;
                    (b.id != cur.id && b.meta.sample_types != cur.meta.sample_types).then(|| view! {
                        <span class="field-error" role="alert" data-testid="base-error">{format!("{} is a different kind of profile ({}); pick a snapshot of the same kind", b.name, b.meta.kind)}</span>
                    })
                }}
            </form>
        </Show>
    }
}
