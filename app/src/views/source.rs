//! Source: the annotated listing of one function, like pprof `list`, from
//! the `.go` files the user dropped (matched by longest path suffix).

use crate::derived::Derived;
use crate::state::{Store, Tab};
use leptos::prelude::*;

#[component]
pub fn SourceView() -> impl IntoView {
    let store = Store::use_context();
    let derived = Derived::use_context();
    // Functions with samples, biggest cum first; the program's own first.
    let functions = Memo::new(move |_| {
        let Some(t) = derived.top.get() else {
            return Vec::new();
        };
        leakscope_core::report::top::functions_by_cum(
            &t.rows,
            &leakscope_core::leak::frames::is_user_function,
        )
    });
    let chosen = Memo::new(move |_| {
        store
            .source_fn
            .get()
            .or_else(|| functions.with(|f| f.first().cloned()))
    });
    // The worker lists the chosen function (it has the profile and sources).
    Effect::new(move |_| {
        let c = chosen.get();
        if derived.list_fn.get_untracked() != c {
            derived.list_fn.set(c);
        }
    });
    let listings = Memo::new(move |_| {
        let f = chosen.get()?;
        let l = derived.listing.get()?;
        (l.function == f).then(|| (l.listings.clone(), l.unit.clone(), l.total))
    });
    view! {
        <section class="view source-view" aria-label="Source">
            <div class="toolbar">
                <label class="field">"Function "
                    <select data-testid="source-fn" on:change=move |ev| store.source_fn.set(Some(event_target_value(&ev)))>
                        {move || {
                            let c = chosen.get();
                            functions.get().into_iter().map(|f| view! { <option value=f.clone() selected=c.as_deref() == Some(f.as_str())>{super::shown(&f)}</option> }).collect_view()
                        }}
                    </select>
                </label>
                <span class="muted">{move || { let n = store.sources.with(|s| s.len()); if n == 0 { "no sources dropped".to_string() } else { format!("{n} source file(s) dropped") } }}</span>
            </div>
            {move || {
                let Some((ls, unit, total)) = listings.get() else { return view! { <p class="muted">"No function with samples."</p> }.into_any() };
                let fmt = move |v: i64| if v == 0 { ".".to_string() } else { leakscope_core::measurement::scaled_label(v, &unit, "minimum") };
                ls.into_iter().map(|l| {
                    let fmt = fmt.clone();
                    let head = super::shown(&format!("{} in {}", l.function, l.file));
                    let sums = format!("{} {} (flat, cum) {} of total", fmt(l.flat), fmt(l.cum), leakscope_core::measurement::percentage(l.cum, total).trim());
                    let body = match l.source {
                        Ok(lines) => {
                            let fmt = fmt.clone();
                            view! {
                                <table class="listing" data-testid="listing">
                                    <thead><tr><th scope="col">"flat"</th><th scope="col">"cum"</th><th scope="col">"line"</th><th scope="col">"source"</th></tr></thead>
                                    <tbody>{lines.into_iter().map(|s| view! {
                                        <tr class:hot=s.cum != 0 || s.flat != 0 data-line=s.lineno>
                                            <td class="num">{fmt(s.flat)}</td><td class="num">{fmt(s.cum)}</td>
                                            <td class="num lineno">{s.lineno}</td><td class="code"><pre>{s.text}</pre></td>
                                        </tr>
                                    }).collect_view()}</tbody>
                                </table>
                            }.into_any()
                        }
                        Err(_) => view! {
                            <p class="hint" data-testid="source-hint">"Drop " <code>{super::shown(l.file.rsplit('/').next().unwrap_or(""))}</code>
                                " (or its folder, with “Open source folder…”) to see the source. Lines that carry values:"</p>
                            <table class="listing"><thead><tr><th scope="col">"flat"</th><th scope="col">"cum"</th><th scope="col">"line"</th></tr></thead>
                                <tbody>{l.sample_lines.into_iter().map(|(n, f, c)| view! { <tr class="hot" data-line=n><td class="num">{fmt(f)}</td><td class="num">{fmt(c)}</td><td class="num lineno">{n}</td></tr> }).collect_view()}</tbody>
                            </table>
                        }.into_any(),
                    };
                    let (f1, f2) = (l.function.clone(), l.function.clone());
                    view! { <article class="routine"><h3>{head}</h3>
                        <p class="muted">{sums}" "
                            <button class="link" data-testid="source-to-top" on:click=move |_| { store.filter.set(format!("^{}$", crate::pattern::escape(&f1))); store.tab.set(Tab::Top); }>"in Top"</button>
                            <button class="link" data-testid="source-to-flame" on:click=move |_| { store.flame_fn.set(Some(f2.clone())); store.tab.set(Tab::Flame); }>"in the flame graph"</button>
                        </p>{body}</article> }
                }).collect_view().into_any()
            }}
        </section>
    }
}
