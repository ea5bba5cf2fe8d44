//! Traces: distinct stacks with their values, largest first, expandable.

use crate::derived::Derived;
use crate::state::Store;
use crate::views::top::{filter_regex, FilterInput};
use leakscope_core::measurement::{percentage, scaled_label};
use leptos::prelude::*;

const PAGE: usize = 200;

#[component]
pub fn TracesView() -> impl IntoView {
    let store = Store::use_context();
    let derived = Derived::use_context();
    let show_all = RwSignal::new(false);
    let list = Memo::new(move |_| {
        let Some(t) = derived.traces.get() else { return Vec::new() };
        let traces = &t.0 .0;
        let re = filter_regex(&store.filter.get()).ok().flatten();
        let mut v: Vec<usize> = (0..traces.len()).filter(|&i| re.as_ref().is_none_or(|re| traces[i].frames.iter().any(|f| re.is_match(&f.name)))).collect();
        v.sort_by_key(|&i| std::cmp::Reverse(traces[i].value.abs()));
        v
    });
    view! {
        <section class="view traces-view" aria-label="Traces">
            <div class="toolbar"><FilterInput/>
                <span class="muted">{move || format!("{} stacks", list.with(|l| l.len()))}</span>
                <button data-testid="export-traces" on:click=move |_| {
                    if let Some(t) = derived.traces.get_untracked() {
                        let ids = list.get_untracked();
                        let shown: Vec<_> = ids.iter().map(|&i| t.0 .0[i].clone()).collect();
                        let name = store.current_snapshot().map(|s| crate::download::stem(&s.name)).unwrap_or_default();
                        crate::download::save(&format!("{name}-traces.csv"), "text/csv", leakscope_core::export::traces_csv(&shown, &t.0 .1).as_bytes());
                    }
                }>"Export CSV"</button>
            </div>
            <ol class="traces" data-testid="traces">
                {move || {
                    let Some(t) = derived.traces.get() else { return Vec::new() };
                    let total = derived.top.get().map(|x| x.total).unwrap_or(0);
                    let unit = t.0 .1.clone();
                    let ids = list.get();
                    let limit = if show_all.get() { ids.len() } else { PAGE.min(ids.len()) };
                    ids.into_iter().take(limit).enumerate().map(|(k, i)| {
                        let tr = &t.0 .0[i];
                        let head = tr.frames.first().map(|f| f.name.clone()).unwrap_or_default();
                        let labels = tr.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
                        view! {
                            <li>
                                <details open=k < 3>
                                    <summary>
                                        <span class="num">{scaled_label(tr.value, &unit, "minimum")}</span>
                                        <span class="num muted">{percentage(tr.value, total).trim().to_string()}</span>
                                        <span class="name">{head}</span>
                                        <span class="labels">{labels}</span>
                                    </summary>
                                    <ol class="frames">
                                        {tr.frames.iter().map(|f| view! { <li>{f.name.clone()}{f.inline.then_some(" (inline)")}</li> }).collect_view()}
                                    </ol>
                                </details>
                            </li>
                        }
                    }).collect::<Vec<_>>()
                }}
            </ol>
            <Show when=move || !show_all.get() && list.with(|l| l.len() > PAGE)>
                <button on:click=move |_| show_all.set(true)>{move || format!("Show all {} stacks", list.with(|l| l.len()))}</button>
            </Show>
        </section>
    }
}
