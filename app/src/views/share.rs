//! Share: a permalink whose fragment carries a summary (top rows, leak
//! findings, a pruned flame graph), and the read-only view of one.

use crate::state::Store;
use leakscope_core::permalink;
use leptos::prelude::*;
use std::sync::Arc;

/// The page's own address without query or fragment: the link's base;
/// the published page's when `leakscope web` serves this one (a link to
/// 127.0.0.1 would open nothing elsewhere).
fn base_url() -> String {
    if crate::load::served_files_token().is_some() {
        return permalink::SITE_URL.to_string();
    }
    let loc = web_sys::window().unwrap().location();
    format!(
        "{}{}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default()
    )
}

/// Opens the summary in the URL fragment, if any; a bad link leaves the
/// start page with a message.
pub fn open_from_hash(store: Store) {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if !hash.starts_with("#s=") {
        return;
    }
    match permalink::decode(&hash) {
        Ok(s) => {
            store.summary.set(Some(Arc::new(s)));
            store.tab.set(crate::state::Tab::Leaks);
        }
        Err(e) => {
            store.summary.set(None);
            store.push_error(format!("Link: {e}"));
        }
    }
}

#[component]
pub fn ShareButton() -> impl IntoView {
    let store = Store::use_context();
    let derived = crate::derived::Derived::use_context();
    // The worker summarizes (it has the profiles); the link is made here.
    let share = move |_| derived.ask_summary(store, base_url());
    view! { <button data-testid="share" on:click=share title="A link that carries a summary, not the profile">"Share"</button> }
}

#[component]
pub fn ShareDialog() -> impl IntoView {
    let store = Store::use_context();
    let copied = RwSignal::new(false);
    view! {
        <Show when=move || store.share.with(|s| s.is_some())>
            <section class="share" role="dialog" aria-label="Share a summary" data-testid="share-dialog">
                <p><strong>"Permalink"</strong>" — nothing is uploaded: the summary travels inside the link, after the #, which browsers never send to a server."</p>
                <input type="text" readonly data-testid="share-url" prop:value=move || store.share.get().map(|s| s.0).unwrap_or_default()
                    on:focus=move |ev| { let el: web_sys::HtmlInputElement = crate::views::event_target(&ev); el.select(); }/>
                <p class="muted">"It reveals: file names, function and file names, line numbers and values of the top rows, the leak findings and the largest flame graph frames. Never the profile itself."</p>
                {move || store.share.get().filter(|s| !s.1.is_empty()).map(|s| view! { <p class="muted">"Left out to keep the link short: " {s.1.join("; ")}</p> })}
                <button class="primary" data-testid="copy-link" on:click=move |_| {
                    if let Some((url, _)) = store.share.get_untracked() {
                        let clip = web_sys::window().unwrap().navigator().clipboard();
                        let _ = clip.write_text(&url);
                        copied.set(true);
                    }
                }>{move || if copied.get() { "Copied" } else { "Copy link" }}</button>
                " "<button on:click=move |_| { store.share.set(None); copied.set(false); }>"Close"</button>
            </section>
        </Show>
    }
}

#[component]
pub fn SummaryBanner() -> impl IntoView {
    let store = Store::use_context();
    view! {
        <Show when=move || store.summary_mode()>
            <div class="banner summary" role="status" data-testid="summary-banner">
                <span>"Summary from a link; drop the original profile for full detail. "</span>
                <span class="muted">{move || store.summary.get().map(|s| {
                    let mut t = format!("{} · {} · {} file(s): {}", s.kind, s.sample_type, s.files.len(), s.files.join(", "));
                    if !s.omitted.is_empty() { t.push_str(&format!(" · left out: {}", s.omitted.join("; "))); }
                    t
                })}</span>
            </div>
        </Show>
    }
}
