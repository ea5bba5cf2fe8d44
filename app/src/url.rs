//! The store in the address bar: the query string's parameters are
//! `core::page_url`'s table (versioned, old links upgraded); this module
//! moves them between the store and the browser's history. The fragment
//! is left for permalinks and `leakscope web`'s `#files=`.
//!
//! Snapshots are named in the URL by file name: a reload opens the address
//! before the files are back (dropped again, or fetched from `leakscope
//! web`), so the snapshot and base it names wait in `want_snapshot` and
//! `want_base` until a file of that name is open.

use crate::derived::Derived;
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

/// Applies the URL to the store (at start and on back/forward). An
/// address of an older version is rewritten in the current form.
pub fn read_into(store: Store, derived: Derived) {
    let _ = opened_with_view();
    let p = params();
    let (q, read) = PageQuery::read_versioned(|k| p.get(k));
    if let Some(t) = q.view.as_deref().and_then(Tab::from_slug) {
        store.tab.set(t);
    }
    store.sample_type.set(q.sample_type.clone());
    store.filter.set(q.filter.clone());
    store.source_fn.set(q.function.clone());
    store.filters.set(q.filters.clone());
    store.granularity.set(q.granularity);
    store.bottom_up.set(q.bottom_up);
    store.top_sort.set(q.sort);
    store.graph_focus.set(q.graph_focus.clone());
    store.want_snapshot.set(q.snapshot.clone());
    store.want_base.set(q.base.clone());
    if q.base.is_none() {
        store.base.set(None);
    }
    // Set with the query it belongs to: the effect that unzooms on a new
    // query sees both change together and keeps it.
    derived.flame_ask.update(|a| {
        a.focus = q.zoom.clone();
        a.search = q.search.clone();
    });
    select_wanted(store);
    if read.upgraded {
        replace(&query(store, derived));
    }
}

/// The snapshot and base the URL named, once files of those names are
/// open; the wish ends when every file has been answered.
fn select_wanted(store: Store) {
    let find = |name: &str| {
        store
            .snapshots
            .with_untracked(|v| v.iter().position(|s| s.name == name))
    };
    // Settled: files open, none being read (`busy`) or decoded.
    let settled = store.pending_opens.get_untracked() == 0
        && store.busy.with_untracked(|b| b.is_none())
        && store.snapshots.with_untracked(|v| !v.is_empty());
    if let Some(name) = store.want_snapshot.get_untracked() {
        if let Some(i) = find(&name) {
            if store.current.get_untracked() != i {
                store.current.set(i);
            }
        }
        if settled {
            store.want_snapshot.set(None);
        }
    }
    if let Some(name) = store.want_base.get_untracked() {
        if let Some(i) = find(&name) {
            let id = store.snapshots.with_untracked(|v| v[i].id);
            if store.base.get_untracked() != Some(id) {
                store.base.set(Some(id));
            }
        }
        if settled {
            store.want_base.set(None);
        }
    }
}

fn query(store: Store, derived: Derived) -> String {
    let name_of = |id: u32| {
        store
            .snapshots
            .with(|v| v.iter().find(|s| s.id == id).map(|s| s.name.clone()))
    };
    let (zoom, search) = derived
        .flame_ask
        .with(|a| (a.focus.clone(), a.search.clone()));
    let q = PageQuery {
        view: Some(store.tab.get().slug().to_string()),
        sample_type: store.sample_type.get(),
        filter: store.filter.get(),
        function: store.source_fn.get(),
        filters: store.filters.get(),
        granularity: store.granularity.get(),
        snapshot: store
            .current_snapshot()
            .map(|s| s.name)
            .or_else(|| store.want_snapshot.get()),
        base: store
            .base
            .get()
            .and_then(name_of)
            .or_else(|| store.want_base.get()),
        zoom,
        search,
        bottom_up: store.bottom_up.get(),
        sort: store.top_sort.get(),
        graph_focus: store.graph_focus.get(),
    };
    let p = web_sys::UrlSearchParams::new().unwrap();
    for (k, v) in q.pairs() {
        p.set(k, &v);
    }
    format!("?{}", String::from(p.to_string()))
}

/// Replaces the current history entry's query, keeping the fragment.
fn replace(q: &str) {
    let Some(w) = web_sys::window() else { return };
    let hash = w.location().hash().unwrap_or_default();
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{q}{hash}")),
        );
    }
}

/// Keeps the URL in step with the store: a new history entry per view
/// change, the others replace the current entry.
pub fn sync(store: Store, derived: Derived) {
    // Files arriving may be the ones the URL names.
    Effect::new(move |_| {
        store.snapshots.track();
        store.pending_opens.track();
        store.busy.track();
        select_wanted(store);
    });
    let last_tab = StoredValue::new(store.tab.get_untracked());
    Effect::new(move |first: Option<()>| {
        let q = query(store, derived);
        // The first run only subscribes: a fresh page keeps its clean URL
        // until something changes.
        if first.is_none() {
            return;
        }
        let Some(w) = web_sys::window() else { return };
        if w.location().search().unwrap_or_default() == q {
            return;
        }
        let tab = store.tab.get_untracked();
        if tab != last_tab.get_value() {
            last_tab.set_value(tab);
            let hash = w.location().hash().unwrap_or_default();
            let _ = w.history().map(|h| {
                h.push_state_with_url(
                    &wasm_bindgen::JsValue::NULL,
                    "",
                    Some(&format!("{q}{hash}")),
                )
            });
        } else {
            replace(&q);
        }
    });
    let _ = leptos::prelude::window_event_listener(leptos::ev::popstate, move |_| {
        read_into(store, derived);
        last_tab.set_value(store.tab.get_untracked());
    });
}
