//! pprof's sample filters, with its exact semantics (profile/filter.go and
//! the driver's tag filters): `focus`/`ignore` keep or drop samples whose
//! stack has a matching frame, `hide`/`show` remove or keep frames,
//! `show_from` cuts stacks above the outermost match, `tagfocus` and
//! `tagignore` select samples by labels (regexes, or numeric ranges with
//! units such as `bytes=1kb:` or `16:4kb`). A frame matches on its
//! function name, its file name, or its mapping's file.

use crate::measurement;
use crate::profile::{Location, Profile};
use regex_lite::Regex;
use thiserror::Error;

/// pprof's filters, each a regex (the tag filters: `key=regex` or numeric
/// ranges); empty means unset.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Filters {
    pub focus: String,
    pub ignore: String,
    pub hide: String,
    pub show: String,
    pub show_from: String,
    pub tagfocus: String,
    pub tagignore: String,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FilterError {
    #[error("{option}: invalid regular expression {pattern:?}: {msg}")]
    Regex {
        option: &'static str,
        pattern: String,
        msg: String,
    },
    #[error("{option}: {msg}")]
    Tag { option: &'static str, msg: String },
}

fn compile(option: &'static str, pattern: &str) -> Result<Option<Regex>, FilterError> {
    if pattern.is_empty() {
        return Ok(None);
    }
    Regex::new(pattern)
        .map(Some)
        .map_err(|e| FilterError::Regex {
            option,
            pattern: pattern.into(),
            msg: e
                .to_string()
                .lines()
                .last()
                .unwrap_or("invalid")
                .trim()
                .to_string(),
        })
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// Every filter by its pprof option name (also its name in the page's
    /// URL), in pprof's order.
    pub fn fields(&self) -> [(&'static str, &String); 7] {
        [
            ("focus", &self.focus),
            ("ignore", &self.ignore),
            ("hide", &self.hide),
            ("show", &self.show),
            ("show_from", &self.show_from),
            ("tagfocus", &self.tagfocus),
            ("tagignore", &self.tagignore),
        ]
    }

    /// [`Filters::fields`], to set.
    pub fn fields_mut(&mut self) -> [(&'static str, &mut String); 7] {
        [
            ("focus", &mut self.focus),
            ("ignore", &mut self.ignore),
            ("hide", &mut self.hide),
            ("show", &mut self.show),
            ("show_from", &mut self.show_from),
            ("tagfocus", &mut self.tagfocus),
            ("tagignore", &mut self.tagignore),
        ]
    }

    /// The `Active filters:` lines of pprof's report header.
    pub fn active(&self) -> Vec<String> {
        self.fields()
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }

    /// Checks every expression without applying anything (for the page's
    /// filter bar: a bad expression keeps the previous view).
    pub fn validate(&self, p: &Profile) -> Result<(), FilterError> {
        for (o, v) in &self.fields()[..5] {
            compile(o, v)?;
        }
        let units = crate::report::traces::num_label_units(p);
        TagFilter::compile("tagfocus", &self.tagfocus, &units)?;
        TagFilter::compile("tagignore", &self.tagignore, &units)?;
        Ok(())
    }

    /// Applies the filters in pprof's order.
    pub fn apply(&self, p: &mut Profile) -> Result<(), FilterError> {
        let units = crate::report::traces::num_label_units(p);
        let focus = compile("focus", &self.focus)?;
        let ignore = compile("ignore", &self.ignore)?;
        let hide = compile("hide", &self.hide)?;
        let show = compile("show", &self.show)?;
        let show_from = compile("show_from", &self.show_from)?;
        let tagfocus = TagFilter::compile("tagfocus", &self.tagfocus, &units)?;
        let tagignore = TagFilter::compile("tagignore", &self.tagignore, &units)?;
        if focus.is_some() || ignore.is_some() || hide.is_some() || show.is_some() {
            filter_by_name(
                p,
                focus.as_ref(),
                ignore.as_ref(),
                hide.as_ref(),
                show.as_ref(),
            );
        }
        if let Some(re) = &show_from {
            show_from_filter(p, re);
        }
        if tagfocus.is_some() || tagignore.is_some() {
            p.samples.retain(|s| {
                tagfocus.as_ref().is_none_or(|f| f.matches(&s))
                    && tagignore.as_ref().is_none_or(|f| !f.matches(&s))
            });
        }
        Ok(())
    }
}

fn line_matches(p: &Profile, f: u32, re: &Regex) -> bool {
    let f = &p.functions[f as usize];
    re.is_match(&f.name) || re.is_match(&f.filename)
}

fn mapping_matches(p: &Profile, loc: &Location, re: &Regex) -> bool {
    loc.mapping
        .is_some_and(|m| re.is_match(&p.mappings[m as usize].file))
}

fn location_matches(p: &Profile, loc: &Location, re: &Regex) -> bool {
    loc.lines.iter().any(|l| line_matches(p, l.function, re)) || mapping_matches(p, loc, re)
}

fn filter_by_name(
    p: &mut Profile,
    focus: Option<&Regex>,
    ignore: Option<&Regex>,
    hide: Option<&Regex>,
    show: Option<&Regex>,
) {
    // Some(true): focused, Some(false): ignored.
    let mut mark: Vec<Option<bool>> = vec![None; p.locations.len()];
    let mut hidden = vec![false; p.locations.len()];
    for i in 0..p.locations.len() {
        let loc = &p.locations[i];
        if ignore.is_some_and(|re| location_matches(p, loc, re)) {
            mark[i] = Some(false);
        } else if focus.is_none_or(|re| location_matches(p, loc, re)) {
            mark[i] = Some(true);
        }
        let mut lines = loc.lines.to_vec();
        if let Some(re) = hide {
            if location_matches(p, loc, re) {
                lines = if mapping_matches(p, loc, re) {
                    vec![]
                } else {
                    lines
                        .into_iter()
                        .filter(|l| !line_matches(p, l.function, re))
                        .collect()
                };
                if lines.is_empty() {
                    hidden[i] = true;
                }
            }
        }
        if let Some(re) = show {
            if !mapping_matches(p, loc, re) {
                lines.retain(|l| line_matches(p, l.function, re));
            }
            if lines.is_empty() {
                hidden[i] = true;
            }
        }
        p.locations[i].lines = lines.into();
    }
    let any_hidden = hidden.iter().any(|h| *h);
    p.samples.rebuild(|locations, _, _| {
        let mut focused = false;
        for &l in locations.iter() {
            match mark[l as usize] {
                Some(false) => return false,
                Some(true) => focused = true,
                None => {}
            }
        }
        if !focused {
            return false;
        }
        if any_hidden {
            locations.retain(|&l| !hidden[l as usize]);
            if locations.is_empty() {
                return false;
            }
        }
        true
    });
}

fn show_from_filter(p: &mut Profile, re: &Regex) {
    let mut keep = vec![false; p.locations.len()];
    // By index: location `i` is rewritten while `p` is read.
    #[allow(clippy::needless_range_loop)]
    for i in 0..p.locations.len() {
        let loc = &p.locations[i];
        if mapping_matches(p, loc, re) {
            keep[i] = true;
            continue;
        }
        let last = (0..loc.lines.len())
            .rev()
            .find(|&j| re.is_match(&p.functions[loc.lines[j].function as usize].name));
        if let Some(j) = last {
            p.locations[i].lines = p.locations[i].lines[..=j].into();
            keep[i] = true;
        }
    }
    p.samples.rebuild(|locations, _, _| {
        match (0..locations.len())
            .rev()
            .find(|&i| keep[locations[i] as usize])
        {
            Some(i) => {
                locations.truncate(i + 1);
                true
            }
            None => false,
        }
    });
}

/// A compiled `tagfocus`/`tagignore` expression.
enum TagFilter {
    /// Numeric range on `key` (or on any numeric label).
    Range {
        key: Option<String>,
        test: RangeTest,
        units: std::collections::HashMap<String, String>,
    },
    /// Regexes: with a key, on that label's values; without, every regex
    /// must match some `key:value`.
    Regex {
        key: Option<String>,
        res: Vec<Regex>,
    },
}

struct RangeTest {
    unit: String,
    lo: Option<f64>,
    hi: Option<f64>,
}

impl RangeTest {
    fn ok(&self, v: i64, u: &str) -> bool {
        let (sv, su) = measurement::scale(v, u, &self.unit);
        su == self.unit && self.lo.is_none_or(|lo| sv >= lo) && self.hi.is_none_or(|hi| sv <= hi)
    }
}

/// `([+-]?\d+)([a-zA-Z]+)?` matches, as pprof's tagFilterRangeRx.
fn range_tokens(s: &str) -> Vec<(usize, usize, i64, String)> {
    let re = Regex::new(r"([+-]?[0-9]+)([[:alpha:]]+)?").unwrap();
    re.captures_iter(s)
        .take(2)
        .filter_map(|c| {
            let m = c.get(0)?;
            Some((
                m.start(),
                m.end(),
                c[1].parse().ok()?,
                c.get(2).map(|u| u.as_str().to_string()).unwrap_or_default(),
            ))
        })
        .collect()
}

/// pprof's parseTagFilterRange: `32kb`, `:64kb`, `4mb:`, `12kb:64mb`.
fn parse_range(filter: &str) -> Option<RangeTest> {
    let t = range_tokens(filter);
    let (s0, e0, v0, u0) = t.first()?.clone();
    let m0 = &filter[s0..e0];
    let (scaled, unit) = measurement::scale(v0, &u0, &u0);
    if t.len() == 1 {
        return if filter == m0 {
            Some(RangeTest {
                unit,
                lo: Some(scaled),
                hi: Some(scaled),
            })
        } else if filter == format!("{m0}:") {
            Some(RangeTest {
                unit,
                lo: Some(scaled),
                hi: None,
            })
        } else if filter == format!(":{m0}") {
            Some(RangeTest {
                unit,
                lo: None,
                hi: Some(scaled),
            })
        } else {
            None
        };
    }
    let (s1, e1, v1, u1) = t[1].clone();
    if filter != format!("{m0}:{}", &filter[s1..e1]) {
        return None;
    }
    let (scaled2, unit2) = measurement::scale(v1, &u1, &unit);
    if unit2 != unit {
        return None;
    }
    Some(RangeTest {
        unit,
        lo: Some(scaled),
        hi: Some(scaled2),
    })
}

impl TagFilter {
    fn compile(
        option: &'static str,
        value: &str,
        units: &std::collections::HashMap<String, String>,
    ) -> Result<Option<TagFilter>, FilterError> {
        if value.is_empty() {
            return Ok(None);
        }
        let (key, value) = match value.split_once('=') {
            Some((k, v)) => (Some(k.to_string()), v),
            None => (None, value),
        };
        if let Some(test) = parse_range(value) {
            // pprof silently matches nothing for a unit it does not know;
            // say so instead.
            if !test.unit.is_empty()
                && !measurement::is_memory_unit(&test.unit)
                && !measurement::is_time_unit(&test.unit)
            {
                return Err(FilterError::Tag {
                    option,
                    msg: format!("unknown unit {:?} in {value:?} (use B, kB, MB, GB for sizes or ns, us, ms, s for times)", test.unit),
                });
            }
            return Ok(Some(TagFilter::Range {
                key,
                test,
                units: units.clone(),
            }));
        }
        let res = value
            .split(',')
            .map(|r| {
                Regex::new(r).map_err(|e| FilterError::Tag {
                    option,
                    msg: format!(
                        "parsing regexp {r:?}: {}",
                        e.to_string().lines().last().unwrap_or("").trim()
                    ),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(TagFilter::Regex { key, res }))
    }

    fn matches(&self, s: &crate::profile::SampleRef) -> bool {
        match self {
            TagFilter::Range { key, test, units } => s.labels.nums.iter().any(|n| {
                key.as_ref().is_none_or(|k| *k == n.key)
                    && test.ok(n.value, units.get(&n.key).map(String::as_str).unwrap_or(""))
            }),
            TagFilter::Regex { key: Some(k), res } => {
                let vals: Vec<&str> = s
                    .labels
                    .strs
                    .iter()
                    .filter(|(lk, _)| lk == k)
                    .map(|(_, v)| v.as_str())
                    .collect();
                !vals.is_empty() && res.iter().any(|re| vals.iter().any(|v| re.is_match(v)))
            }
            TagFilter::Regex { key: None, res } => res.iter().all(|re| {
                s.labels
                    .strs
                    .iter()
                    .any(|(k, v)| re.is_match(&format!("{k}:{v}")))
            }),
        }
    }
}
