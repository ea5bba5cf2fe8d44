//! Reports on top of the graph: data first ([`top::Top`], [`traces::Trace`],
//! [`list::Listing`]), text formatting identical to `go tool pprof` second.

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
    /// Sum of |value| over every sample: the denominator of every percentage.
    pub total: i64,
}

impl<'a> View<'a> {
    pub fn new(profile: &'a Profile, sample_index: usize) -> Self {
        let st = &profile.sample_types[sample_index];
        View {
            profile,
            sample_index,
            sample_type: st.r#type.clone(),
            sample_unit: st.unit.to_ascii_lowercase(),
            total: profile.total(sample_index),
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
                format!("({})", measurement::percentage(total_ns as i64, p.duration_nanos))
            } else {
                String::new()
            };
            out.push(format!("Duration: {duration}, Total samples = {} {ratio}", self.format_value(self.total, output_unit)));
        }
        out
    }
}
