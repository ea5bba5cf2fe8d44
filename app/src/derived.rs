//! Reports derived from the state, each in a memo so it is computed once
//! per change. All numbers come from leakscope-core.

use crate::state::Store;
use leakscope_core::leak::{self, LeakReport};
use leakscope_core::report::{flame::FlameTree, top, traces::Trace, View};
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

#[derive(Clone, Copy)]
pub struct Derived {
    pub sample_index: Memo<usize>,
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
        let top = Memo::new(move |_| {
            let Some(snap) = store.current_snapshot() else {
                let s = store.summary.get()?;
                return Some(Shared(Arc::new(TopData { rows: s.top_rows(), total: s.total, unit: s.unit.clone(), output_unit: s.output_unit.clone() })));
            };
            let p = &snap.profile;
            if p.sample_types.is_empty() {
                return None;
            }
            let view = View::new(p, sample_index.get());
            let t = top::top(&view, &top::TopOptions { node_fraction: 0.0, ..Default::default() });
            let output_unit = top::pprof_output_unit(&view, &t.rows, 0.005);
            Some(Shared(Arc::new(TopData { rows: t.rows, total: t.total, unit: view.sample_unit.clone(), output_unit })))
        });
        let traces = Memo::new(move |_| {
            let snap = store.current_snapshot()?;
            if snap.profile.sample_types.is_empty() {
                return None;
            }
            let view = View::new(&snap.profile, sample_index.get());
            Some(Shared(Arc::new((leakscope_core::report::traces::traces(&view), view.sample_unit.clone()))))
        });
        let flame = Memo::new(move |_| {
            let Some(snap) = store.current_snapshot() else {
                return store.summary.get().map(|s| Shared(Arc::new(s.flame_tree())));
            };
            if snap.profile.sample_types.is_empty() {
                return None;
            }
            let view = View::new(&snap.profile, sample_index.get());
            Some(Shared(Arc::new(leakscope_core::report::flame::flame(&view, store.bottom_up.get()))))
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
        Derived { sample_index, top, traces, flame, leaks }
    }

    pub fn use_context() -> Derived {
        expect_context::<Derived>()
    }
}
