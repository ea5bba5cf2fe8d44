//! Traces: distinct stacks with their values, largest first, expandable.

use crate::derived::Derived;
use crate::state::Store;
use crate::views::top::FilterInput;
use leakscope_core::measurement::{percentage, scaled_label};
use leptos::prelude::*;

/// Stacks drawn at once; the worker sends no more until "show all".
const PAGE: u32 = 200;
/// At most this many stacks are drawn: a big profile has hundreds of
/// thousands, millions of frames, more than a page can hold (the export
/// still gets them all).
const SHOWN_MAX: u32 = 10_000;

#[component]
pub fn TracesView() -> impl IntoView {
    let store = Store::use_context();
    let derived = Derived::use_context();
    let show_all = RwSignal::new(false);
    derived.traces_limit.set(PAGE);
    // The export is written by the worker, every matching stack, and
    // saved when its last piece has come: the view keeps its page.
    let export = move || {
        let name = store
            .current_snapshot()
            .map(|s| crate::download::stem(&s.name))
            .unwrap_or_default();
        derived.export_traces(store, format!("{name}-traces.csv"));
    };
    view! {
        <section class="view traces-view" aria-label="Traces">
            <div class="toolbar"><FilterInput/>
                <span class="muted">{move || format!("{} stacks", derived.traces.with(|t| t.as_ref().map(|t| t.matching).unwrap_or(0)))}</span>
                <button data-testid="export-traces" disabled=move || derived.exporting()
                    on:click=move |_| export()>
                    {move || if derived.exporting() { "Exporting…" } else { "Export CSV" }}
                </button>
            </div>
            <ol class="traces" data-testid="traces">
                {move || {
                    let Some(t) = derived.traces.get() else { return Vec::new() };
                    let total = derived.top.get().map(|x| x.total).unwrap_or(0);
                    let unit = t.unit.clone();
                    let shown = if show_all.get() { SHOWN_MAX } else { PAGE } as usize;
                    t.traces.iter().take(shown).enumerate().map(|(k, tr)| {
                        let head = tr.frames.first().map(|f| super::shown(&f.name)).unwrap_or_default();
                        let labels = super::shown(&tr.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "));
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
                                        {tr.frames.iter().map(|f| view! { <li>{super::shown(&f.name)}{f.inline.then_some(" (inline)")}</li> }).collect_view()}
                                    </ol>
                                </details>
                            </li>
                        }
                    }).collect::<Vec<_>>()
                }}
            </ol>
            <Show when=move || !show_all.get() && derived.traces.with(|t| t.as_ref().is_some_and(|t| t.matching > PAGE as u64))>
                <button data-testid="show-all-traces" on:click=move |_| { show_all.set(true); derived.traces_limit.set(derived.traces_limit.get_untracked().max(SHOWN_MAX)); }>{move || {
                    let n = derived.traces.with(|t| t.as_ref().map(|t| t.matching).unwrap_or(0));
                    if n > SHOWN_MAX as u64 { format!("Show the largest {SHOWN_MAX} of {n} stacks") } else { format!("Show all {n} stacks") }
                }}</button>
            </Show>
        </section>
    }
}
