//! Keyboard shortcuts: `?` help, `1`-`7` views, `/` and Ctrl/Cmd+F
//! search, `n`/`p` snapshots, Ctrl/Cmd+O open, `Esc` closes dialogs.
//! Arrow keys and Enter are handled by the Top and Flame views (Enter in
//! the flame search steps through its matches).

use crate::state::{Store, Tab};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// True when the key went to a text field (shortcuts must not steal it).
pub fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|e| {
            matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || e.has_attribute("contenteditable")
        })
        .unwrap_or(false)
}

pub fn install(store: Store, help: RwSignal<bool>) {
    let _ = window_event_listener(leptos::ev::keydown, move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && !ev.alt_key() && !ev.shift_key() {
            command_key(&ev);
            return;
        }
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let key = ev.key();
        if key == "Escape" {
            if help.get_untracked() {
                help.set(false);
                ev.prevent_default();
            } else if store.share.with_untracked(|s| s.is_some()) {
                store.share.set(None);
                ev.prevent_default();
            }
            return;
        }
        if typing(&ev) {
            return;
        }
        match key.as_str() {
            "?" => help.update(|h| *h = !*h),
            "n" | "p" => step_snapshot(store, if key == "n" { 1 } else { -1 }),
            "/" => {
                let doc = web_sys::window().unwrap().document().unwrap();
                if let Ok(Some(el)) = doc.query_selector("main [data-search]") {
                    ev.prevent_default();
                    let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
                }
            }
            k if k.len() == 1
                && k.parse::<usize>()
                    .is_ok_and(|n| (1..=Tab::ALL.len()).contains(&n)) =>
            {
                let i = k.parse::<usize>().unwrap() - 1;
                if store.snapshots.with_untracked(|v| !v.is_empty()) || store.summary_mode() {
                    let t = Tab::ALL[i];
                    if !store.summary_mode() || matches!(t, Tab::Leaks | Tab::Top | Tab::Flame) {
                        store.tab.set(t);
                    }
                }
            }
            _ => {}
        }
    });
}

/// Ctrl/Cmd+F focuses the view's search box (the browser's find stays
/// for views without one); Ctrl/Cmd+O opens the file chooser.
fn command_key(ev: &web_sys::KeyboardEvent) {
    let doc = document();
    let selector = match ev.key().to_ascii_lowercase().as_str() {
        "f" => "main [data-search]",
        "o" => "[data-testid=open-files] input[type=file]",
        _ => return,
    };
    if let Ok(Some(el)) = doc.query_selector(selector) {
        ev.prevent_default();
        let el = el.unchecked_into::<web_sys::HtmlElement>();
        if selector.contains("search") {
            let _ = el.focus();
            if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
                input.select();
            }
        } else {
            el.click();
        }
    }
}

/// `n` / `p`: the next or previous snapshot of the series.
fn step_snapshot(store: Store, by: isize) {
    let n = store.snapshots.with_untracked(|v| v.len());
    if n < 2 {
        return;
    }
    let cur = store.current.get_untracked().min(n - 1) as isize;
    let next = (cur + by).clamp(0, n as isize - 1) as usize;
    if next as isize != cur {
        store.current.set(next);
    }
}

#[component]
pub fn HelpDialog(open: RwSignal<bool>) -> impl IntoView {
    let rows = [
        ("?", "show or hide this help"),
        ("1 – 7", "Leaks, Top, Source, Traces, Flame, Goroutines, Memory"),
        ("/", "focus the filter or search box"),
        ("Esc", "zoom out of the flame graph, close a dialog"),
        (
            "↑ ↓",
            "move through table rows and goroutine groups; in the flame graph, to the caller / first callee",
        ),
        ("← →", "flame graph: previous / next frame on the row"),
        ("Enter", "open the selected row's or frame's source"),
        ("n / p", "next / previous snapshot of the series"),
        ("Ctrl/⌘ F", "focus the view's search box"),
        (
            "Enter / ⇧ Enter",
            "in the flame graph's search box: next / previous match",
        ),
        ("Ctrl/⌘ O", "open files"),
        ("Ctrl/⌘ V", "paste a goroutine dump or a base64 profile"),
    ];
    view! {
        <Show when=move || open.get()>
            <section class="dialog" role="dialog" aria-label="Keyboard shortcuts" data-testid="help">
                <h2>"Keyboard shortcuts"</h2>
                <table><tbody>{rows.iter().map(|(k, d)| view! { <tr><th scope="row"><kbd>{*k}</kbd></th><td>{*d}</td></tr> }).collect_view()}</tbody></table>
                <button on:click=move |_| open.set(false)>"Close"</button>
            </section>
        </Show>
    }
}
