//! Leaks: the leak detective's findings over every opened snapshot.

use crate::derived::Derived;
use crate::state::{Store, Tab};
use leakscope_core::leak::{Finding, Severity};
use leptos::prelude::*;

/// A small line chart of a finding's counts across snapshots.
fn chart(f: &Finding) -> impl IntoView {
    let (w, h) = (160.0, 40.0);
    let max = f.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = f.counts.len().max(2) as f64 - 1.0;
    let pts: Vec<String> = f
        .counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "{:.1},{:.1}",
                4.0 + i as f64 * (w - 8.0) / n,
                h - 4.0 - (*c as f64 / max) * (h - 8.0)
            )
        })
        .collect();
    let label = format!(
        "{} per snapshot: {}",
        f.unit.as_str(),
        f.counts
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    view! {
        <svg class="chart" width=w height=h viewBox=format!("0 0 {w} {h}") role="img" aria-label=label.clone()>
            <title>{label.clone()}</title>
            <polyline points=pts.join(" ") fill="none" stroke="currentColor" stroke-width="2"/>
            {pts.iter().map(|p| { let (x, y) = p.split_once(',').unwrap(); view! { <circle cx=x.to_string() cy=y.to_string() r="2.5" fill="currentColor"/> } }).collect_view()}
        </svg>
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
    view! {
        <article class=format!("finding sev-{sev}") data-testid="finding" data-rule=f.rule.as_str() data-severity=sev>
            <header>
                <span class=format!("badge sev-{sev}")>{sev.to_uppercase()}</span>
                <code class="rule">{f.rule.as_str()}</code>
                <span class="where"><strong>{f.function.clone()}</strong>" "<span class="file">{format!("{}:{}", f.file, f.line)}</span></span>
                <span class="wait">{wait}</span>
            </header>
            <div class="body">
                <div class="text">
                    <p class="evidence">{f.evidence.clone()}</p>
                    {f.created_by.clone().map(|c| view! { <p class="muted">"created by " <code>{c}</code></p> })}
                    <p class="fix"><strong>"Fix: "</strong>{f.fix.clone()}</p>
                    <p class="actions">
                        <Show when=move || !store.summary_mode()>
                            <button class="link" data-testid="to-source" on:click={let func = func.clone(); move |_| { store.source_fn.set(Some(func.clone())); store.tab.set(Tab::Source); }}>"Source line"</button>
                        </Show>
                        <button class="link" data-testid="to-flame" on:click=move |_| { store.flame_fn.set(Some(func2.clone())); store.tab.set(Tab::Flame); }>"In the flame graph"</button>
                    </p>
                </div>
                {chart(&f)}
            </div>
        </article>
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
                let serious: Vec<Finding> = r.findings.iter().filter(|f| f.severity > Severity::Info).cloned().collect();
                let info: Vec<Finding> = r.findings.iter().filter(|f| f.severity == Severity::Info).cloned().collect();
                let checked = r.checked.clone();
                view! {
                    {if serious.is_empty() {
                        view! { <div class="no-leak" data-testid="no-leak"><h2>"No leak found"</h2>
                            <p>{format!("Checked {} snapshot(s):", r.snapshots)}</p>
                            <ul>{checked.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view()}</ul></div> }.into_any()
                    } else {
                        view! { <h2>{format!("{} possible leak(s) in {} snapshot(s)", serious.len(), r.snapshots)}</h2>
                            {serious.into_iter().map(|f| finding_card(store, f)).collect_view()}
                            <p class="muted">{format!("Checked: {}", checked.join("; "))}</p> }.into_any()
                    }}
                    {(!info.is_empty()).then(|| view! {
                        <details class="info-findings"><summary>{format!("{} informational note(s)", info.len())}</summary>
                            {info.into_iter().map(|f| finding_card(store, f)).collect_view()}</details>
                    })}
                }
            }}
        </section>
    }
}
