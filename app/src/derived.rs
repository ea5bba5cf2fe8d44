//! Reports derived from the state, each in a memo so it is computed once
//! per change. All numbers come from leakscope-core.

use crate::state::Store;
use leakscope_core::leak::{self, LeakReport};
use leakscope_core::report::{flame::FlameTree, top, traces::Trace, Prepared, Query};
use leptos::prelude::*;
use std::sync::Arc;

/// Arc with pointer equality, so memos of big values compare in O(1).
#[derive(Debug)]
pub struct Shared<T>(pub Arc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}
impl<T> PartialEq for Shared<T> {
    fn eq(&self, o: &Self) -> bool {
        Arc::ptr_eq(&self.0, &o.0)
    }
}
impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The Top table of the current snapshot: every row, in pprof's units.
#[derive(Debug)]
pub struct TopData {
    pub rows: Vec<top::TopRow>,
    pub total: i64,
    pub unit: String,
    pub output_unit: String,
}

impl TopData {
    pub fn fmt(&self, v: i64) -> String {
        leakscope_core::measurement::scaled_label(v, &self.unit, &self.output_unit)
    }
}

/// The current snapshot after filters, and the error of the last query if
/// it failed (the previous good result is kept, as the view is).
#[derive(Clone, PartialEq, Default)]
pub struct PreparedState {
    pub good: Option<Shared<Prepared>>,
    pub error: Option<String>,
}

#[derive(Clone, Copy)]
pub struct Derived {
    pub sample_index: Memo<usize>,
    pub prepared: Memo<PreparedState>,
    /// Top of the comparison base (prepared with the same query).
    pub base_top: Memo<Option<Shared<TopData>>>,
    pub top: Memo<Option<Shared<TopData>>>,
    pub traces: Memo<Option<Shared<(Vec<Trace>, String)>>>,
    pub flame: Memo<Option<Shared<FlameTree>>>,
    pub leaks: Memo<Shared<LeakReport>>,
}

impl Derived {
    pub fn new(store: Store) -> Self {
        let sample_index = Memo::new(move |_| {
            let snap = store.current_snapshot();
            let want = store.sample_type.get();
            snap.map(|s| s.profile.sample_index(want.as_deref()).unwrap_or_else(|_| s.profile.default_sample_index())).unwrap_or(0)
        });
        let query = move || Query {
            sample_index: store.sample_type.get(),
            filters: store.filters.get(),
            granularity: store.granularity.get(),
            noinlines: false,
        };
        let prepared = Memo::new(move |prev: Option<&PreparedState>| {
            let Some(snap) = store.current_snapshot() else { return PreparedState::default() };
            let mut q = query();
            // A sample type the profile lacks falls back to its default.
            if snap.profile.sample_index(q.sample_index.as_deref()).is_err() {
                q.sample_index = None;
            }
            match Prepared::new(&snap.profile, None, &q) {
                Ok(p) => PreparedState { good: Some(Shared(Arc::new(p))), error: None },
                Err(e) => PreparedState { good: prev.and_then(|p| p.good.clone()), error: Some(e.to_string()) },
            }
        });
        let base = Memo::new(move |_| {
            let b = store.base_snapshot()?;
            let cur = store.current_snapshot()?;
            // A base of another kind is refused (the filter bar says so).
            if b.id == cur.id || b.profile.sample_types != cur.profile.sample_types {
                return None;
            }
            let mut q = query();
            if b.profile.sample_index(q.sample_index.as_deref()).is_err() {
                q.sample_index = None;
            }
            Prepared::new(&b.profile, None, &q).ok().map(|p| Shared(Arc::new(p)))
        });
        let top_of = |p: &Prepared| {
            let view = p.view();
            let t = top::top(&view, &top::TopOptions { node_fraction: 0.0, ..Default::default() });
            let output_unit = top::pprof_output_unit(&view, &t.rows, 0.005);
            Shared(Arc::new(TopData { rows: t.rows, total: t.total, unit: view.sample_unit.clone(), output_unit }))
        };
        let top = Memo::new(move |_| {
            let Some(p) = prepared.get().good else {
                let s = store.summary.get()?;
                return Some(Shared(Arc::new(TopData { rows: s.top_rows(), total: s.total, unit: s.unit.clone(), output_unit: s.output_unit.clone() })));
            };
            Some(top_of(&p))
        });
        let base_top = Memo::new(move |_| base.get().map(|p| top_of(&p)));
        let traces = Memo::new(move |_| {
            let p = prepared.get().good?;
            let view = p.view();
            Some(Shared(Arc::new((leakscope_core::report::traces::traces(&view), view.sample_unit.clone()))))
        });
        let flame = Memo::new(move |_| {
            let Some(p) = prepared.get().good else {
                return store.summary.get().map(|s| Shared(Arc::new(s.flame_tree())));
            };
            Some(Shared(Arc::new(leakscope_core::report::flame::flame(&p.view(), store.bottom_up.get()))))
        });
        let leaks = Memo::new(move |_| {
            if store.summary_mode() {
                return Shared(Arc::new(store.summary.get().map(|s| s.leak_report()).unwrap_or_else(|| leak::analyze(&[]))));
            }
            store.snapshots.with(|v| {
                let series: Vec<(&str, &leakscope_core::Profile)> = v.iter().map(|s| (s.name.as_str(), &*s.profile)).collect();
                Shared(Arc::new(leak::analyze(&series)))
            })
        });
        Derived { sample_index, prepared, base_top, top, traces, flame, leaks }
    }

    pub fn use_context() -> Derived {
        expect_context::<Derived>()
    }
}
