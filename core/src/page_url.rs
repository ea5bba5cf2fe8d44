//! The page's state in its URL's query string (the fragment is left for
//! permalinks and for `leakscope web`'s `#files=`): the parameter names in
//! one table, read and written here, so a reload, the back button or a
//! copied address restores the view: tab, sample type, filters,
//! granularity, base, current snapshot, flame zoom path, flame search,
//! bottom-up, Top's order, the Source function and the Graph focus.
//!
//! Architecture invariant: every address the page ever wrote still opens.
//! Each one written carries `v=` [`VERSION`]; one without `v` is version 1
//! (before versions: `si` and `g` for what version 2 names as pprof does,
//! `sample_index` and `granularity`). [`PageQuery::read`] upgrades what it
//! reads, step by step, and says when it did, so the page can rewrite the
//! address in the current form. A parameter from a newer version is
//! ignored, never an error.
//!
//! Snapshots are named by their file name (an id is the worker's and
//! changes on reload); the zoom path is the flame graph's frame keys,
//! which the same file and query give again.
//!
//! ```
//! use leakscope_core::page_url::PageQuery;
//! let mut q = PageQuery::default();
//! q.view = Some("top".into());
//! q.filters.focus = "main\\.".into();
//! let pairs = q.pairs();
//! assert_eq!(pairs, [("v", "2".to_string()), ("view", "top".to_string()), ("focus", "main\\.".to_string())]);
//! let back = PageQuery::read(|k| pairs.iter().find(|p| p.0 == k).map(|p| p.1.clone()));
//! assert_eq!(back, q);
//! ```

use crate::filter::Filters;
use crate::graph::Granularity;
use crate::report::compare::{Column, Sort};

/// The version written in every address (`v=2`).
pub const VERSION: u32 = 2;

/// The version number.
pub const V: &str = "v";
/// The view (tab), by its slug.
pub const VIEW: &str = "view";
/// The sample type shown (pprof's `-sample_index`).
pub const SAMPLE_TYPE: &str = "sample_index";
/// The quick filter (a regex over names in Top and Traces).
pub const FILTER: &str = "q";
/// The function the Source view lists.
pub const FUNCTION: &str = "fn";
/// The granularity, when not the default (pprof's `-granularity`).
pub const GRANULARITY: &str = "granularity";
/// The snapshot shown, by file name.
pub const SNAPSHOT: &str = "snapshot";
/// The snapshot compared against, by file name (pprof's `-base`).
pub const BASE: &str = "base";
/// The flame graph's zoom: frame keys from the root's child down, `3.17.42`.
pub const ZOOM: &str = "zoom";
/// The flame graph's search regex.
pub const SEARCH: &str = "search";
/// The flame graph drawn bottom-up: `bottom_up=1`.
pub const BOTTOM_UP: &str = "bottom_up";
/// Top's order when not pprof's: `cum.desc`, `name.asc`, `dcum.desc`.
pub const SORT: &str = "sort";
/// The Graph view's focused node (its function name).
pub const GRAPH_FOCUS: &str = "graph_focus";
// The pprof filters use their option names: [`Filters::fields`].

/// Version 1's names of what version 2 renamed: (old, new).
const RENAMED_IN_2: [(&str, &str); 2] = [("si", SAMPLE_TYPE), ("g", GRANULARITY)];

/// What the query string holds. Empty values are absent from the URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageQuery {
    pub view: Option<String>,
    pub sample_type: Option<String>,
    pub filter: String,
    pub function: Option<String>,
    pub filters: Filters,
    pub granularity: Granularity,
    pub snapshot: Option<String>,
    pub base: Option<String>,
    pub zoom: Vec<u32>,
    pub search: String,
    pub bottom_up: bool,
    pub sort: Sort,
    pub graph_focus: Option<String>,
}

/// What [`PageQuery::read`] found besides the values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Read {
    /// The version the address was written in (1 when it has no `v`).
    pub version: u32,
    /// True when it was older than [`VERSION`] and upgraded: the page
    /// should rewrite the address.
    pub upgraded: bool,
}

impl PageQuery {
    /// Reads the parameters through `get` (a parameter's value by name);
    /// empty and unknown values count as absent.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> PageQuery {
        Self::read_versioned(get).0
    }

    /// [`PageQuery::read`], and which version the address was in.
    pub fn read_versioned(get: impl Fn(&str) -> Option<String>) -> (PageQuery, Read) {
        let version = get(V)
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|&v| v >= 1)
            .unwrap_or(1);
        // Each step maps a parameter name of the current version to the
        // one it had in the version read.
        let name_in_source = |k: &str| -> String {
            if version < 2 {
                if let Some((old, _)) = RENAMED_IN_2.iter().find(|(_, new)| *new == k) {
                    return old.to_string();
                }
            }
            k.to_string()
        };
        let get = |k: &str| get(&name_in_source(k));
        let set = |k: &str| get(k).filter(|v| !v.is_empty());
        let mut filters = Filters::default();
        for (k, v) in filters.fields_mut() {
            *v = get(k).unwrap_or_default();
        }
        let q = PageQuery {
            view: set(VIEW),
            sample_type: set(SAMPLE_TYPE),
            filter: get(FILTER).unwrap_or_default(),
            function: set(FUNCTION),
            filters,
            granularity: get(GRANULARITY)
                .and_then(|g| Granularity::parse(&g))
                .unwrap_or_default(),
            snapshot: set(SNAPSHOT),
            base: set(BASE),
            zoom: get(ZOOM).map(|z| parse_zoom(&z)).unwrap_or_default(),
            search: get(SEARCH).unwrap_or_default(),
            bottom_up: get(BOTTOM_UP).is_some_and(|b| b == "1" || b == "true"),
            sort: get(SORT).and_then(|s| parse_sort(&s)).unwrap_or_default(),
            graph_focus: set(GRAPH_FOCUS),
        };
        // An address with nothing in it has no version to upgrade.
        let upgraded = version < VERSION && q != PageQuery::default();
        (q, Read { version, upgraded })
    }

    /// The parameters to write, in a stable order, the empty ones left out;
    /// the version first.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut put = |k: &'static str, v: &str| {
            if !v.is_empty() {
                out.push((k, v.to_string()));
            }
        };
        put(V, &VERSION.to_string());
        put(VIEW, self.view.as_deref().unwrap_or(""));
        put(SNAPSHOT, self.snapshot.as_deref().unwrap_or(""));
        put(BASE, self.base.as_deref().unwrap_or(""));
        put(SAMPLE_TYPE, self.sample_type.as_deref().unwrap_or(""));
        put(FILTER, &self.filter);
        put(FUNCTION, self.function.as_deref().unwrap_or(""));
        for (k, v) in self.filters.fields() {
            put(k, v);
        }
        if self.granularity != Granularity::default() {
            put(GRANULARITY, self.granularity.as_str());
        }
        if self.sort != Sort::default() {
            put(SORT, &sort_str(self.sort));
        }
        let zoom: Vec<String> = self.zoom.iter().map(u32::to_string).collect();
        put(ZOOM, &zoom.join("."));
        put(SEARCH, &self.search);
        if self.bottom_up {
            put(BOTTOM_UP, "1");
        }
        put(GRAPH_FOCUS, self.graph_focus.as_deref().unwrap_or(""));
        out
    }
}

/// `3.17.42`; anything unreadable ends the path there.
fn parse_zoom(s: &str) -> Vec<u32> {
    s.split('.').map_while(|k| k.parse().ok()).collect()
}

fn column_slug(c: Column) -> &'static str {
    match c {
        Column::Flat => "flat",
        Column::Cum => "cum",
        Column::Name => "name",
        Column::DeltaFlat => "dflat",
        Column::DeltaCum => "dcum",
    }
}

fn sort_str(s: Sort) -> String {
    format!(
        "{}.{}",
        column_slug(s.column),
        if s.descending { "desc" } else { "asc" }
    )
}

fn parse_sort(s: &str) -> Option<Sort> {
    let (col, dir) = s.split_once('.').unwrap_or((s, ""));
    let column = [
        Column::Flat,
        Column::Cum,
        Column::Name,
        Column::DeltaFlat,
        Column::DeltaCum,
    ]
    .into_iter()
    .find(|c| column_slug(*c) == col)?;
    let descending = match dir {
        "asc" => false,
        "desc" => true,
        // A bare column takes the direction a click on its header gives.
        _ => Sort::default().toggled(column).descending || column == Column::Flat,
    };
    Some(Sort { column, descending })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> PageQuery {
        PageQuery {
            view: Some("flame".into()),
            sample_type: Some("alloc_space".into()),
            filter: "^main\\.".into(),
            function: Some("main.leak".into()),
            filters: Filters {
                focus: "a".into(),
                ignore: "b".into(),
                hide: "c".into(),
                show: "d".into(),
                show_from: "e".into(),
                tagfocus: "k=v".into(),
                tagignore: "bytes=1kb:".into(),
            },
            granularity: Granularity::Lines,
            snapshot: Some("heap-3.pb.gz".into()),
            base: Some("heap-1.pb.gz".into()),
            zoom: vec![3, 17, 42],
            search: "fib|sort".into(),
            bottom_up: true,
            sort: Sort {
                column: Column::DeltaCum,
                descending: false,
            },
            graph_focus: Some("main.(*T).run".into()),
        }
    }

    fn lookup<'a>(pairs: &'a [(&'static str, String)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k: &str| pairs.iter().find(|p| p.0 == k).map(|p| p.1.clone())
    }

    #[test]
    fn every_field_round_trips_and_empty_ones_stay_out() {
        let q = full();
        let pairs = q.pairs();
        let names: Vec<&str> = pairs.iter().map(|p| p.0).collect();
        assert_eq!(
            names,
            [
                "v",
                "view",
                "snapshot",
                "base",
                "sample_index",
                "q",
                "fn",
                "focus",
                "ignore",
                "hide",
                "show",
                "show_from",
                "tagfocus",
                "tagignore",
                "granularity",
                "sort",
                "zoom",
                "search",
                "bottom_up",
                "graph_focus",
            ]
        );
        assert_eq!(lookup(&pairs)("zoom").unwrap(), "3.17.42");
        assert_eq!(lookup(&pairs)("sort").unwrap(), "dcum.asc");
        let (back, read) = PageQuery::read_versioned(lookup(&pairs));
        assert_eq!(back, q);
        assert_eq!(
            read,
            Read {
                version: 2,
                upgraded: false
            }
        );
        // The default writes the version alone.
        assert_eq!(PageQuery::default().pairs(), [("v", "2".to_string())]);
        // Unknown values and empty names read as unset.
        let odd = |k: &str| match k {
            "v" => Some("2".to_string()),
            "granularity" => Some("bogus".to_string()),
            "sort" => Some("size.desc".to_string()),
            "zoom" => Some("x.1".to_string()),
            "sample_index" | "fn" => Some(String::new()),
            _ => None,
        };
        assert_eq!(PageQuery::read(odd), PageQuery::default());
    }

    #[test]
    fn version_1_links_are_upgraded() {
        // A link written before versions: si and g, no v.
        let old = [
            ("view", "top"),
            ("si", "alloc_space"),
            ("g", "lines"),
            ("focus", "main"),
            ("q", "fib"),
        ];
        let get = |k: &str| old.iter().find(|p| p.0 == k).map(|p| p.1.to_string());
        let (q, read) = PageQuery::read_versioned(get);
        assert_eq!(
            read,
            Read {
                version: 1,
                upgraded: true
            }
        );
        assert_eq!(q.view.as_deref(), Some("top"));
        assert_eq!(q.sample_type.as_deref(), Some("alloc_space"));
        assert_eq!(q.granularity, Granularity::Lines);
        assert_eq!(q.filters.focus, "main");
        assert_eq!(q.filter, "fib");
        // Rewritten in the current form.
        let pairs = q.pairs();
        assert_eq!(lookup(&pairs)("v").unwrap(), "2");
        assert_eq!(lookup(&pairs)("sample_index").unwrap(), "alloc_space");
        assert!(lookup(&pairs)("si").is_none() && lookup(&pairs)("g").is_none());
        // Version 2's names mean nothing in a version 1 link, and an empty
        // address is not "upgraded".
        let mixed = |k: &str| (k == "sample_index").then(|| "x".to_string());
        assert_eq!(PageQuery::read(mixed).sample_type, None);
        assert!(!PageQuery::read_versioned(|_| None).1.upgraded);
        // A newer version's address: what is known is read.
        let newer = |k: &str| match k {
            "v" => Some("9".to_string()),
            "view" => Some("flame".to_string()),
            "frobnicate" => Some("1".to_string()),
            _ => None,
        };
        let (q, read) = PageQuery::read_versioned(newer);
        assert_eq!(
            (q.view.as_deref(), read.version, read.upgraded),
            (Some("flame"), 9, false)
        );
    }

    #[test]
    fn sorts_read_with_or_without_a_direction() {
        assert_eq!(
            parse_sort("cum"),
            Some(Sort {
                column: Column::Cum,
                descending: true
            })
        );
        assert_eq!(
            parse_sort("name"),
            Some(Sort {
                column: Column::Name,
                descending: false
            })
        );
        assert_eq!(
            parse_sort("flat.asc"),
            Some(Sort {
                column: Column::Flat,
                descending: false
            })
        );
        assert_eq!(parse_sort("bogus"), None);
    }
}
