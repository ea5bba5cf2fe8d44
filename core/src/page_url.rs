//! The page's state in its URL's query string (the fragment is left for
//! permalinks): the parameter names in one table, read and written here,
//! so a reload, the back button or a copied address restores the view.
//!
//! ```
//! use leakscope_core::page_url::PageQuery;
//! let mut q = PageQuery::default();
//! q.view = Some("top".into());
//! q.filters.focus = "main\\.".into();
//! let pairs = q.pairs();
//! assert_eq!(pairs, [("view", "top".to_string()), ("focus", "main\\.".to_string())]);
//! let back = PageQuery::read(|k| pairs.iter().find(|p| p.0 == k).map(|p| p.1.clone()));
//! assert_eq!(back, q);
//! ```

use crate::filter::Filters;
use crate::graph::Granularity;

/// The view (tab), by its slug.
pub const VIEW: &str = "view";
/// The sample type shown.
pub const SAMPLE_TYPE: &str = "si";
/// The quick filter (a regex over names in Top and Traces).
pub const FILTER: &str = "q";
/// The function the Source view lists.
pub const FUNCTION: &str = "fn";
/// The granularity, when not the default.
pub const GRANULARITY: &str = "g";
// The pprof filters use their option names: [`Filters::fields`].

/// What the query string holds. Empty values are absent from the URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageQuery {
    pub view: Option<String>,
    pub sample_type: Option<String>,
    pub filter: String,
    pub function: Option<String>,
    pub filters: Filters,
    pub granularity: Granularity,
}

impl PageQuery {
    /// Reads the parameters through `get` (a parameter's value by name);
    /// empty and unknown values count as absent.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> PageQuery {
        let set = |k: &str| get(k).filter(|v| !v.is_empty());
        let mut filters = Filters::default();
        for (k, v) in filters.fields_mut() {
            *v = get(k).unwrap_or_default();
        }
        PageQuery {
            view: set(VIEW),
            sample_type: set(SAMPLE_TYPE),
            filter: get(FILTER).unwrap_or_default(),
            function: set(FUNCTION),
            filters,
            granularity: get(GRANULARITY)
                .and_then(|g| Granularity::parse(&g))
                .unwrap_or_default(),
        }
    }

    /// The parameters to write, in a stable order, the empty ones left out.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut put = |k: &'static str, v: &str| {
            if !v.is_empty() {
                out.push((k, v.to_string()));
            }
        };
        put(VIEW, self.view.as_deref().unwrap_or(""));
        put(SAMPLE_TYPE, self.sample_type.as_deref().unwrap_or(""));
        put(FILTER, &self.filter);
        put(FUNCTION, self.function.as_deref().unwrap_or(""));
        for (k, v) in self.filters.fields() {
            put(k, v);
        }
        if self.granularity != Granularity::default() {
            put(GRANULARITY, self.granularity.as_str());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_round_trips_and_empty_ones_stay_out() {
        let q = PageQuery {
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
        };
        let pairs = q.pairs();
        let names: Vec<&str> = pairs.iter().map(|p| p.0).collect();
        assert_eq!(
            names,
            [
                "view",
                "si",
                "q",
                "fn",
                "focus",
                "ignore",
                "hide",
                "show",
                "show_from",
                "tagfocus",
                "tagignore",
                "g"
            ]
        );
        let get = |k: &str| pairs.iter().find(|p| p.0 == k).map(|p| p.1.clone());
        assert_eq!(PageQuery::read(get), q);
        assert!(PageQuery::default().pairs().is_empty());
        // Unknown granularities and empty names read as unset.
        let odd = |k: &str| match k {
            "g" => Some("bogus".to_string()),
            "si" | "fn" => Some(String::new()),
            _ => None,
        };
        assert_eq!(PageQuery::read(odd), PageQuery::default());
    }
}
