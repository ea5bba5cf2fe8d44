//! Light/dark theme: follows `prefers-color-scheme` until the user picks
//! one, which is remembered in local storage (only there).

use leptos::prelude::*;

const KEY: &str = "leakscope-theme";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn apply(theme: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        if theme == "auto" {
            let _ = el.remove_attribute("data-theme");
        } else {
            let _ = el.set_attribute("data-theme", theme);
        }
    }
}

/// Whether the page currently renders dark (for canvas colors).
pub fn is_dark() -> bool {
    let w = web_sys::window().unwrap();
    let doc = w.document().unwrap();
    match doc
        .document_element()
        .and_then(|e| e.get_attribute("data-theme"))
        .as_deref()
    {
        Some("dark") => true,
        Some("light") => false,
        _ => w
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches()),
    }
}

#[component]
pub fn ThemeToggle(theme: RwSignal<String>) -> impl IntoView {
    let saved = storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .unwrap_or_else(|| "auto".into());
    theme.set(saved.clone());
    apply(&saved);
    let next = move |_| {
        let t = match theme.get_untracked().as_str() {
            "auto" => "dark",
            "dark" => "light",
            _ => "auto",
        };
        theme.set(t.into());
        apply(t);
        if let Some(s) = storage() {
            let _ = s.set_item(KEY, t);
        }
    };
    view! {
        <button data-testid="theme" on:click=next title="Theme: follows the system, or forced light or dark">
            {move || match theme.get().as_str() { "dark" => "Theme: dark", "light" => "Theme: light", _ => "Theme: auto" }}
        </button>
    }
}
