//! The current view, sample type, filter and function live in the query
//! string, so a reload or the back button restores them. The fragment is
//! left for permalinks.

use crate::state::{Store, Tab};
use leptos::prelude::*;

fn params() -> web_sys::UrlSearchParams {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    web_sys::UrlSearchParams::new_with_str(&search).unwrap()
}

/// Whether the page was opened with a view in its URL (then the Leaks tab
/// does not take over when files open).
pub fn opened_with_view() -> bool {
    thread_local! {
        static AT_START: bool = params().has("view");
    }
    AT_START.with(|v| *v)
}

/// Applies the URL to the store (at start and on back/forward).
pub fn read_into(store: Store) {
    let _ = opened_with_view();
    let p = params();
    if let Some(t) = p.get("view").and_then(|v| Tab::from_slug(&v)) {
        store.tab.set(t);
    }
    store.sample_type.set(p.get("si").filter(|s| !s.is_empty()));
    store.filter.set(p.get("q").unwrap_or_default());
    store.source_fn.set(p.get("fn").filter(|s| !s.is_empty()));
    let g = |k: &str| p.get(k).unwrap_or_default();
    store.filters.set(leakscope_core::filter::Filters {
        focus: g("focus"),
        ignore: g("ignore"),
        hide: g("hide"),
        show: g("show"),
        show_from: g("show_from"),
        tagfocus: g("tagfocus"),
        tagignore: g("tagignore"),
    });
    store.granularity.set(
        p.get("g")
            .and_then(|v| leakscope_core::graph::Granularity::parse(&v))
            .unwrap_or_default(),
    );
}

fn query(store: Store) -> String {
    let p = web_sys::UrlSearchParams::new().unwrap();
    p.set("view", store.tab.get().slug());
    if let Some(si) = store.sample_type.get() {
        p.set("si", &si);
    }
    let q = store.filter.get();
    if !q.is_empty() {
        p.set("q", &q);
    }
    if let Some(f) = store.source_fn.get() {
        p.set("fn", &f);
    }
    let f = store.filters.get();
    for (k, v) in [
        ("focus", &f.focus),
        ("ignore", &f.ignore),
        ("hide", &f.hide),
        ("show", &f.show),
        ("show_from", &f.show_from),
        ("tagfocus", &f.tagfocus),
        ("tagignore", &f.tagignore),
    ] {
        if !v.is_empty() {
            p.set(k, v);
        }
    }
    let g = store.granularity.get();
    if g != Default::default() {
        p.set("g", g.as_str());
    }
    format!("?{}", String::from(p.to_string()))
}

/// Keeps the URL in step with the store: a new history entry per view
/// change, the others replace the current entry.
pub fn sync(store: Store) {
    let last_tab = StoredValue::new(store.tab.get_untracked());
    Effect::new(move |first: Option<()>| {
        let q = query(store);
        // The first run only subscribes: a fresh page keeps its clean URL
        // until something changes.
        if first.is_none() {
            return;
        }
        let Some(w) = web_sys::window() else { return };
        let hash = w.location().hash().unwrap_or_default();
        let url = format!("{q}{hash}");
        let h = w.history().unwrap();
        if w.location().search().unwrap_or_default() == q {
            return;
        }
        let tab = store.tab.get_untracked();
        if tab != last_tab.get_value() {
            last_tab.set_value(tab);
            let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        } else {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    });
    let _ = leptos::prelude::window_event_listener(leptos::ev::popstate, move |_| {
        read_into(store);
        last_tab.set_value(store.tab.get_untracked());
    });
}
