//! Top against a base: what the page's Top table, its CSV export and the
//! flame graph's change colors show when a base snapshot is chosen. The
//! page renders these values; it computes none of them.
//!
//! ```
//! use leakscope_core::report::compare::{table, Column, Sort};
//! use leakscope_core::report::top::TopRow;
//! let row = |name: &str, flat, cum| TopRow {
//!     name: name.into(),
//!     function: None,
//!     inline: String::new(),
//!     flat,
//!     cum,
//! };
//! let now = [row("main.a", 5, 8), row("main.b", 3, 3)];
//! let base = [row("main.a", 2, 2), row("main.c", 1, 1)];
//! let t = table(&now, Some(&base), None, Sort::default());
//! let names: Vec<&str> = t.iter().map(|r| r.row.name.as_str()).collect();
//! assert_eq!(names, ["main.a", "main.b", "main.c"]);
//! assert_eq!(t[0].change.unwrap().cum, 6);
//! assert_eq!(t[2].change.unwrap().flat, -1); // only in the base
//! assert_eq!(t[1].sum, 8); // pprof's running sum of flat
//! ```

use super::top::TopRow;
use std::collections::{HashMap, HashSet};

/// A column the table can be ordered by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Column {
    /// |flat|, pprof's order (the core's order is kept for it, descending).
    #[default]
    Flat,
    /// |cum|.
    Cum,
    Name,
    /// The change in flat since the base.
    DeltaFlat,
    /// The change in cum since the base.
    DeltaCum,
}

/// An order for the table: a column and a direction. Ties go by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: Column,
    pub descending: bool,
}

impl Default for Sort {
    /// pprof's: largest |flat| first.
    fn default() -> Sort {
        Sort {
            column: Column::Flat,
            descending: true,
        }
    }
}

impl Sort {
    /// The order a click on `column`'s header gives: the other direction
    /// when it is already the column, else descending (ascending by name).
    pub fn toggled(self, column: Column) -> Sort {
        if self.column == column {
            Sort {
                column,
                descending: !self.descending,
            }
        } else {
            Sort {
                column,
                descending: column != Column::Name,
            }
        }
    }
}

/// A row's values in the base, and what changed since.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Change {
    pub base_flat: i64,
    pub base_cum: i64,
    /// Current flat minus the base's.
    pub flat: i64,
    /// Current cum minus the base's.
    pub cum: i64,
}

/// One row of the Top table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The current values (zero for a function only in the base).
    pub row: TopRow,
    /// pprof's `sum`: the flat of this row and of every row above it, in
    /// the table's order.
    pub sum: i64,
    /// With a base: its values and the change (a function absent from a
    /// side counts zero there).
    pub change: Option<Change>,
}

/// The Top table: `current`'s rows, joined by name with `base`'s when
/// there is one (functions only in the base are appended with zero
/// current values), those whose name `keep` accepts, ordered by `sort`
/// (the default keeps the core's order, which is pprof's), with the
/// running sums of that order.
pub fn table(
    current: &[TopRow],
    base: Option<&[TopRow]>,
    keep: Option<&dyn Fn(&str) -> bool>,
    sort: Sort,
) -> Vec<Row> {
    let kept = |name: &str| keep.is_none_or(|k| k(name));
    let base_of: Option<HashMap<&str, (i64, i64)>> = base.map(|b| {
        b.iter()
            .map(|r| (r.name.as_str(), (r.flat, r.cum)))
            .collect()
    });
    let change = |r: &TopRow| {
        base_of.as_ref().map(|b| {
            let (base_flat, base_cum) = b.get(r.name.as_str()).copied().unwrap_or((0, 0));
            Change {
                base_flat,
                base_cum,
                flat: r.flat - base_flat,
                cum: r.cum - base_cum,
            }
        })
    };
    let mut rows: Vec<Row> = current
        .iter()
        .filter(|r| kept(&r.name))
        .map(|r| Row {
            change: change(r),
            row: r.clone(),
            sum: 0,
        })
        .collect();
    if let Some(b) = base {
        let now: HashSet<&str> = current.iter().map(|r| r.name.as_str()).collect();
        rows.extend(
            b.iter()
                .filter(|r| !now.contains(r.name.as_str()) && kept(&r.name))
                .map(|r| {
                    let row = TopRow {
                        flat: 0,
                        cum: 0,
                        ..r.clone()
                    };
                    Row {
                        change: change(&row),
                        row,
                        sum: 0,
                    }
                }),
        );
    }
    if sort != Sort::default() {
        let delta = |r: &Row| r.change.unwrap_or_default();
        crate::order::sort_by(&mut rows, |a, b| {
            let o = match sort.column {
                Column::Flat => a.row.flat.abs().cmp(&b.row.flat.abs()),
                Column::Cum => a.row.cum.abs().cmp(&b.row.cum.abs()),
                Column::Name => a.row.name.cmp(&b.row.name),
                Column::DeltaFlat => delta(a).flat.cmp(&delta(b).flat),
                Column::DeltaCum => delta(a).cum.cmp(&delta(b).cum),
            }
            .then_with(|| a.row.name.cmp(&b.row.name));
            if sort.descending {
                o.reverse()
            } else {
                o
            }
        });
    }
    let mut sum = 0i64;
    for r in &mut rows {
        sum += r.row.flat;
        r.sum = sum;
    }
    rows
}

/// Each function's change in cum since the base, for the flame graph's
/// colors: frames are colored by how much their function grew or shrank,
/// relative to the largest change among the current functions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CumChanges {
    by_name: HashMap<String, i64>,
    largest: i64,
}

impl CumChanges {
    /// The changes of `current`'s functions since `base` (a function
    /// absent from the base grew by all of its cum).
    pub fn new(current: &[TopRow], base: &[TopRow]) -> CumChanges {
        let b: HashMap<&str, i64> = base.iter().map(|r| (r.name.as_str(), r.cum)).collect();
        let by_name: HashMap<String, i64> = current
            .iter()
            .map(|r| {
                let was = b.get(r.name.as_str()).copied().unwrap_or(0);
                (r.name.clone(), r.cum - was)
            })
            .collect();
        let largest = by_name.values().map(|v| v.abs()).max().unwrap_or(0);
        CumChanges { by_name, largest }
    }

    /// `name`'s change as a share of the largest, from -1 (shrank the
    /// most) to 1 (grew the most); 0 when unchanged or not in Top.
    pub fn relative(&self, name: &str) -> f64 {
        match self.by_name.get(name) {
            Some(&d) if self.largest != 0 => (d as f64 / self.largest as f64).clamp(-1.0, 1.0),
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, flat: i64, cum: i64) -> TopRow {
        TopRow {
            name: name.into(),
            function: None,
            inline: String::new(),
            flat,
            cum,
        }
    }

    fn names(t: &[Row]) -> Vec<&str> {
        t.iter().map(|r| r.row.name.as_str()).collect()
    }

    #[test]
    fn without_a_base_the_core_order_and_pprofs_running_sum() {
        let now = [row("b", 5, 5), row("a", -3, 9), row("c", 1, 2)];
        let t = table(&now, None, None, Sort::default());
        assert_eq!(names(&t), ["b", "a", "c"]);
        assert_eq!(t.iter().map(|r| r.sum).collect::<Vec<_>>(), [5, 2, 3]);
        assert!(t.iter().all(|r| r.change.is_none()));
    }

    #[test]
    fn a_base_joins_by_name_and_appends_what_only_it_has() {
        let now = [row("a", 5, 8), row("b", 3, 3)];
        let base = [row("c", 4, 4), row("a", 2, 10)];
        let t = table(&now, Some(&base), None, Sort::default());
        assert_eq!(names(&t), ["a", "b", "c"]);
        assert_eq!(
            t[0].change,
            Some(Change {
                base_flat: 2,
                base_cum: 10,
                flat: 3,
                cum: -2
            })
        );
        assert_eq!(
            t[1].change,
            Some(Change {
                base_flat: 0,
                base_cum: 0,
                flat: 3,
                cum: 3
            })
        );
        assert_eq!((t[2].row.flat, t[2].row.cum), (0, 0));
        assert_eq!(
            t[2].change,
            Some(Change {
                base_flat: 4,
                base_cum: 4,
                flat: -4,
                cum: -4
            })
        );
    }

    #[test]
    fn kept_and_sorted_with_sums_in_the_shown_order() {
        let now = [row("a", 5, 8), row("b", -7, 3), row("main.c", 1, 30)];
        let base = [row("a", 9, 9), row("main.d", 2, 2)];
        let keep = |n: &str| n != "b";
        let by = |column, descending| Sort { column, descending };
        let t = table(&now, Some(&base), Some(&keep), by(Column::Cum, true));
        assert_eq!(names(&t), ["main.c", "a", "main.d"]);
        assert_eq!(t.iter().map(|r| r.sum).collect::<Vec<_>>(), [1, 6, 6]);
        let t = table(&now, Some(&base), None, by(Column::DeltaFlat, false));
        assert_eq!(names(&t), ["b", "a", "main.d", "main.c"]);
        let t = table(&now, Some(&base), None, by(Column::DeltaCum, true));
        assert_eq!(names(&t), ["main.c", "b", "a", "main.d"]);
        let t = table(&now, None, None, by(Column::Name, false));
        assert_eq!(names(&t), ["a", "b", "main.c"]);
        // |flat| ascending, ties by name.
        let tied = [row("z", 2, 2), row("y", -2, 2), row("x", 1, 1)];
        let t = table(&tied, None, None, by(Column::Flat, false));
        assert_eq!(names(&t), ["x", "y", "z"]);
    }

    #[test]
    fn a_header_click_flips_or_starts_descending() {
        let s = Sort::default();
        assert_eq!(
            s.toggled(Column::Flat),
            Sort {
                column: Column::Flat,
                descending: false
            }
        );
        assert_eq!(
            s.toggled(Column::Cum),
            Sort {
                column: Column::Cum,
                descending: true
            }
        );
        assert_eq!(
            s.toggled(Column::Name),
            Sort {
                column: Column::Name,
                descending: false
            }
        );
    }

    #[test]
    fn cum_changes_relative_to_the_largest() {
        let c = CumChanges::new(
            &[row("a", 0, 10), row("b", 0, 2), row("c", 0, 5)],
            &[row("a", 0, 6), row("b", 0, 10), row("c", 0, 5)],
        );
        assert_eq!(c.relative("a"), 0.5);
        assert_eq!(c.relative("b"), -1.0);
        assert_eq!(c.relative("c"), 0.0);
        assert_eq!(c.relative("not in top"), 0.0);
        assert_eq!(
            CumChanges::new(&[row("a", 1, 1)], &[row("a", 1, 1)]).relative("a"),
            0.0
        );
    }
}
