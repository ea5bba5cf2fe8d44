//! A finding's chart, laid out in unit coordinates for the page to draw:
//! snapshot time across, goroutines or in-use bytes up, the sampling
//! noise band of a heap site, and for debug=2 series the survival line
//! (how many of the goroutines parked at the end were already there).

use super::{Finding, Unit};
use serde::{Deserialize, Serialize};

/// Coordinates are in 0..=1: x from the first to the last snapshot, y
/// from 0 to `y_max`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub x: Vec<f64>,
    /// Per snapshot: `0s`, `+26s`, ... when times are recorded, else `#1`.
    pub x_labels: Vec<String>,
    pub x_title: String,
    pub y: Vec<f64>,
    pub y_max: i64,
    pub y_max_label: String,
    pub y_title: String,
    /// Heap: per snapshot, the level ± two sigmas.
    pub band: Option<Vec<(f64, f64)>>,
    /// Goroutines with ids: per snapshot, those parked here at the end
    /// that were already here then.
    pub survival: Option<Vec<f64>>,
    /// The chart in words (the SVG's accessible name).
    pub label: String,
}

fn seconds(ns: i64) -> String {
    let s = ns as f64 / 1e9;
    if s.abs() >= 120.0 {
        format!("{:.0}m", s / 60.0)
    } else {
        format!("{s:.0}s")
    }
}

/// Lays out a finding's counts.
pub fn chart(f: &Finding) -> Chart {
    let n = f.counts.len();
    let band: Option<Vec<(i64, i64)>> = f.noise.as_ref().map(|nz| {
        f.counts
            .iter()
            .zip(nz.sigma.iter().chain(std::iter::repeat(&0)))
            .map(|(&v, &s)| ((v - 2 * s).max(0), v + 2 * s))
            .collect()
    });
    let top = f
        .counts
        .iter()
        .copied()
        .chain(band.iter().flatten().map(|b| b.1))
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = |v: i64| v.max(0) as f64 / top as f64;
    let timed = n > 0 && f.times.len() == n && f.times.iter().all(|t| *t != 0);
    let x: Vec<f64> = if timed && f.times[n - 1] > f.times[0] {
        let span = (f.times[n - 1] - f.times[0]) as f64;
        f.times
            .iter()
            .map(|t| (t - f.times[0]) as f64 / span)
            .collect()
    } else {
        (0..n)
            .map(|i| {
                if n > 1 {
                    i as f64 / (n - 1) as f64
                } else {
                    0.5
                }
            })
            .collect()
    };
    let x_labels: Vec<String> = (0..n)
        .map(|i| {
            if timed {
                let d = f.times[i] - f.times[0];
                if i == 0 {
                    "0s".into()
                } else {
                    format!("+{}", seconds(d))
                }
            } else {
                format!("#{}", i + 1)
            }
        })
        .collect();
    let y_title = match f.unit {
        Unit::Goroutines => "goroutines".to_string(),
        Unit::Bytes => "in-use bytes".to_string(),
    };
    let survival = f
        .survival
        .as_ref()
        .filter(|s| s.still_here.len() == n)
        .map(|s| s.still_here.iter().map(|&v| scale(v as i64)).collect());
    let mut label = format!(
        "{} per snapshot: {}",
        f.unit.as_str(),
        f.counts
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(s) = &f.survival {
        label.push_str(&format!(
            "; already parked here: {}",
            s.still_here
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(nz) = &f.noise {
        label.push_str(&format!(
            "; noise ±2σ: {}",
            nz.sigma
                .iter()
                .map(|s| Unit::Bytes.label(2 * s))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Chart {
        x,
        x_labels,
        x_title: if timed {
            "time since the first snapshot".into()
        } else {
            "snapshot".into()
        },
        y: f.counts.iter().map(|&v| scale(v)).collect(),
        y_max: top,
        y_max_label: match f.unit {
            Unit::Goroutines => top.to_string(),
            Unit::Bytes => Unit::Bytes.label(top),
        },
        y_title,
        band: band.map(|b| b.iter().map(|&(lo, hi)| (scale(lo), scale(hi))).collect()),
        survival,
        label,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leak::*;

    fn finding(counts: Vec<i64>, times: Vec<i64>, unit: Unit) -> Finding {
        Finding {
            rule: Rule::HeapGrowth,
            severity: Severity::High,
            kind: Kind::Heap,
            function: "f".into(),
            file: "x.go".into(),
            line: 1,
            created_by: None,
            created_at: None,
            entry_function: None,
            wait: String::new(),
            wait_minutes: None,
            counts,
            times,
            unit,
            basis: Basis::HeapTrend,
            trend: Trend::Growing,
            survival: None,
            wait_growth: None,
            noise: None,
            evidence: String::new(),
            fix: String::new(),
            next_step: String::new(),
            blocking_line: None,
            stack: vec![],
        }
    }

    #[test]
    fn axes_band_and_survival() {
        let mut f = finding(
            vec![1 << 20, 2 << 20, 4 << 20],
            vec![1_000_000_000_000, 1_030_000_000_000, 1_090_000_000_000],
            Unit::Bytes,
        );
        f.noise = Some(Noise {
            sample_rate: 524288,
            assumed: false,
            sigma: vec![0, 1 << 19, 1 << 19],
            step_sigma: vec![1, 1],
            samples: vec![2, 4, 8],
            threshold: 0,
        });
        let c = chart(&f);
        assert_eq!(c.x_labels, ["0s", "+30s", "+90s"]);
        assert_eq!(c.x_title, "time since the first snapshot");
        assert!((c.x[1] - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(c.y_max, 5 << 20, "the band's top is on the chart");
        assert_eq!(c.y_max_label, "5MB");
        let band = c.band.unwrap();
        assert!(band[2].0 < c.y[2] && c.y[2] < band[2].1);
        // Goroutines without times: snapshot numbers, and the survival line.
        let mut g = finding(vec![0, 10, 20], vec![0, 0, 0], Unit::Goroutines);
        g.survival = Some(Survival {
            still_here: vec![0, 10, 20],
            left: vec![0, 0],
            snapshots_ago: 1,
            first_id: Some(5),
            last_id: Some(30),
        });
        let c = chart(&g);
        assert_eq!(c.x_labels, ["#1", "#2", "#3"]);
        assert_eq!(c.y_title, "goroutines");
        assert_eq!(c.survival.unwrap(), vec![0.0, 0.5, 1.0]);
        assert!(
            c.label.contains("already parked here: 0, 10, 20"),
            "{}",
            c.label
        );
    }
}
