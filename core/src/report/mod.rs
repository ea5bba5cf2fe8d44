//! Reports on top of the graph: data first ([`top::Top`], [`traces::Trace`],
//! [`list::Listing`]), text formatting identical to `go tool pprof` second.

pub mod compare;
pub mod flame;
pub mod list;
pub mod top;
pub mod traces;

use crate::measurement::{self, format_time_utc};
use crate::profile::Profile;

/// A profile seen through one sample type: what every report needs to
/// compute totals and format values.
#[derive(Debug, Clone)]
pub struct View<'a> {
    pub profile: &'a Profile,
    pub sample_index: usize,
    pub sample_type: String,
    /// Lower-cased unit of the sample type, as pprof keeps it.
    pub sample_unit: String,
    /// Sum of |value| over every sample: the denominator of every
    /// percentage. pprof takes it before applying filters, and over the
    /// base alone for `-diff_base`.
    pub total: i64,
    pub granularity: crate::graph::Granularity,
    pub noinlines: bool,
    /// `key=value` lines for pprof's `Active filters:` header.
    pub active_filters: Vec<String>,
}

impl<'a> View<'a> {
    pub fn new(profile: &'a Profile, sample_index: usize) -> Self {
        let st = &profile.sample_types[sample_index];
        View {
            profile,
            sample_index,
            sample_type: st.r#type.clone(),
            sample_unit: st.unit.to_ascii_lowercase(),
            total: crate::diff::total(profile, sample_index),
            granularity: Default::default(),
            noinlines: false,
            active_filters: Vec::new(),
        }
    }

    /// A value in `output_unit` ("minimum" scales each value on its own).
    pub fn format_value(&self, v: i64, output_unit: &str) -> String {
        measurement::scaled_label(v, &self.sample_unit, output_unit)
    }

    /// pprof's `ProfileLabels`: File, Build ID, comments, Type, Time, Duration.
    pub fn profile_labels(&self, output_unit: &str) -> Vec<String> {
        let p = self.profile;
        let mut out = Vec::new();
        if let Some(m) = p.mappings.first() {
            if !m.file.is_empty() {
                out.push(format!("File: {}", crate::graph::base_name(&m.file)));
            }
            if !m.build_id.is_empty() {
                out.push(format!("Build ID: {}", m.build_id));
            }
        }
        out.extend(p.comments.iter().filter(|c| !c.starts_with('#')).cloned());
        if !self.sample_type.is_empty() {
            out.push(format!("Type: {}", self.sample_type));
        }
        if p.time_nanos != 0 {
            out.push(format!("Time: {}", format_time_utc(p.time_nanos)));
        }
        if p.duration_nanos != 0 {
            let duration = measurement::label(p.duration_nanos, "nanoseconds");
            let (total_ns, unit) = measurement::scale(self.total, &self.sample_unit, "nanoseconds");
            let ratio = if unit == "ns" && total_ns != 0.0 {
                format!(
                    "({})",
                    measurement::percentage(total_ns as i64, p.duration_nanos)
                )
            } else {
                String::new()
            };
            out.push(format!(
                "Duration: {duration}, Total samples = {} {ratio}",
                self.format_value(self.total, output_unit)
            ));
        }
        out
    }
}

/// What to compare and narrow before reporting: pprof's `-diff_base` /
/// `-base`, `-sample_index`, the name and tag filters and the granularity.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub sample_index: Option<String>,
    pub filters: crate::filter::Filters,
    pub granularity: crate::graph::Granularity,
    pub noinlines: bool,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum QueryError {
    #[error(transparent)]
    Report(#[from] crate::ReportError),
    #[error(transparent)]
    Filter(#[from] crate::filter::FilterError),
    #[error(transparent)]
    Diff(#[from] crate::diff::DiffError),
}

/// A profile after diffing and filtering, with the total pprof computes
/// before the filters (so percentages stay of the whole profile).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Shared with the opened profile when nothing narrows it (no copy).
    pub profile: std::sync::Arc<Profile>,
    pub sample_index: usize,
    pub total: i64,
    pub granularity: crate::graph::Granularity,
    pub noinlines: bool,
    pub active_filters: Vec<String>,
}

impl Prepared {
    /// `base`: the base profile, and whether it is a `-diff_base` (true)
    /// or a `-base` (false).
    pub fn new(
        current: &Profile,
        base: Option<(&Profile, bool)>,
        q: &Query,
    ) -> Result<Prepared, QueryError> {
        match base {
            Some((b, diff)) => Self::shared(
                std::sync::Arc::new(crate::diff::subtract(current, b, diff)?),
                None,
                q,
            ),
            None => Self::shared(std::sync::Arc::new(current.clone()), None, q),
        }
    }

    /// Like [`Prepared::new`], copying the profile only when a base or a
    /// filter changes it (a copy of a big profile is hundreds of MB).
    pub fn shared(
        current: std::sync::Arc<Profile>,
        base: Option<(&Profile, bool)>,
        q: &Query,
    ) -> Result<Prepared, QueryError> {
        let mut p = match base {
            Some((b, diff)) => std::sync::Arc::new(crate::diff::subtract(&current, b, diff)?),
            None => current,
        };
        let sample_index = p.sample_index(q.sample_index.as_deref())?;
        let total = crate::diff::total(&p, sample_index);
        if !q.filters.is_empty() {
            let mut owned = std::sync::Arc::unwrap_or_clone(p);
            q.filters.apply(&mut owned)?;
            p = std::sync::Arc::new(owned);
        }
        Ok(Prepared {
            profile: p,
            sample_index,
            total,
            granularity: q.granularity,
            noinlines: q.noinlines,
            active_filters: q.filters.active(),
        })
    }

    /// The node index Top, Traces and the flame graph read this query
    /// through: at its granularity, without object-file names.
    pub fn node_index(&self) -> crate::graph::NodeIndex {
        crate::graph::NodeIndex::new(&self.profile, self.granularity, false, self.noinlines)
    }

    pub fn view(&self) -> View<'_> {
        let mut v = View::new(&self.profile, self.sample_index);
        v.total = self.total;
        v.granularity = self.granularity;
        v.noinlines = self.noinlines;
        v.active_filters = self.active_filters.clone();
        v
    }
}
