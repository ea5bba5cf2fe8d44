//! The store in the address bar: the query string's parameters are
//! `core::page_url`'s table; this module moves them between the store and
//! the browser's history. The fragment is left for permalinks.

use crate::state::{Store, Tab};
use leakscope_core::page_url::{self, PageQuery};
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
        static AT_START: bool = params().has(page_url::VIEW);
    }
    AT_START.with(|v| *v)
}

/// Applies the URL to the store (at start and on back/forward).
pub fn read_into(store: Store) {
    let _ = opened_with_view();
    let p = params();
    let q = PageQuery::read(|k| p.get(k));
    if let Some(t) = q.view.as_deref().and_then(Tab::from_slug) {
        store.tab.set(t);
    }
    store.sample_type.set(q.sample_type);
    store.filter.set(q.filter);
    store.source_fn.set(q.function);
    store.filters.set(q.filters);
    store.granularity.set(q.granularity);
}

fn query(store: Store) -> String {
    let q = PageQuery {
        view: Some(store.tab.get().slug().to_string()),
        sample_type: store.sample_type.get(),
        filter: store.filter.get(),
        function: store.source_fn.get(),
        filters: store.filters.get(),
        granularity: store.granularity.get(),
    };
    let p = web_sys::UrlSearchParams::new().unwrap();
    for (k, v) in q.pairs() {
        p.set(k, &v);
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
