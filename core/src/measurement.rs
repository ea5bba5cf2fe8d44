//! Units and number formatting, exactly as pprof's `measurement` package
//! and Go's `fmt` print them (so that text output matches byte for byte).

/// Scales `value` from `from` unit to `to` (`"minimum"`/`"auto"` pick the
/// best unit). Returns the scaled value and the unit to print ("" for counts).
pub fn scale(value: i64, from: &str, to: &str) -> (f64, String) {
    // Go's `-value > 0` guard: i64::MIN stays negative and is scaled as is.
    if value < 0 && value != i64::MIN {
        let (v, u) = scale(-value, from, to);
        return (-v, u);
    }
    for ut in UNIT_TYPES {
        if let Some((v, u)) = ut.convert(value, from, to) {
            return (v, u.to_string());
        }
    }
    match to {
        "count" | "sample" | "unit" | "minimum" | "auto" => (value as f64, String::new()),
        _ => (value as f64, to.to_string()),
    }
}

/// `measurement.Label`: the value in its best unit.
pub fn label(value: i64, unit: &str) -> String {
    scaled_label(value, unit, "auto")
}

/// `measurement.ScaledLabel`: `%.2f` with a trailing `.00` removed.
pub fn scaled_label(value: i64, from: &str, to: &str) -> String {
    let (v, u) = scale(value, from, to);
    let s = format!("{v:.2}");
    let s = s.strip_suffix(".00").unwrap_or(&s);
    if s == "0" || s == "-0" {
        return "0".into();
    }
    format!("{s}{u}")
}

/// One unit of pprof's `measurement.UnitTypes`: the name it prints, the
/// names it reads, and its size in the type's base unit.
struct Unit {
    canonical: &'static str,
    aliases: &'static [&'static str],
    factor: f64,
}

/// A family of units (memory, time, GCU) with the unit used when a value
/// fits none (zero, or a target unit the family does not know).
struct UnitType {
    default: &'static Unit,
    units: &'static [Unit],
}

const fn unit(canonical: &'static str, aliases: &'static [&'static str], factor: f64) -> Unit {
    Unit {
        canonical,
        aliases,
        factor,
    }
}

const MEMORY: &[Unit] = &[
    unit("B", &["b", "byte"], 1.0),
    unit("kB", &["kb", "kbyte", "kilobyte"], (1u64 << 10) as f64),
    unit("MB", &["mb", "mbyte", "megabyte"], (1u64 << 20) as f64),
    unit("GB", &["gb", "gbyte", "gigabyte"], (1u64 << 30) as f64),
    unit("TB", &["tb", "tbyte", "terabyte"], (1u64 << 40) as f64),
    unit("PB", &["pb", "pbyte", "petabyte"], (1u64 << 50) as f64),
];
/// pprof's time ladder stops at hours: a day-long duration prints as
/// `323.23hrs`, never days or weeks (Go 1.19's pprof still had them).
const TIME: &[Unit] = &[
    unit("ns", &["ns", "nanosecond"], 1.0),
    unit("us", &["μs", "us", "microsecond"], 1e3),
    unit("ms", &["ms", "millisecond"], 1e6),
    unit("s", &["s", "sec", "second"], 1e9),
    unit("hrs", &["hour", "hr"], 3600e9),
];
const GCU: &[Unit] = &[
    unit("n*GCU", &["nanogcu"], 1e-9),
    unit("u*GCU", &["microgcu"], 1e-6),
    unit("m*GCU", &["milligcu"], 1e-3),
    unit("GCU", &["gcu"], 1.0),
    unit("k*GCU", &["kilogcu"], 1e3),
    unit("M*GCU", &["megagcu"], 1e6),
    unit("G*GCU", &["gigagcu"], 1e9),
    unit("T*GCU", &["teragcu"], 1e12),
    unit("P*GCU", &["petagcu"], 1e15),
];
const UNIT_TYPES: &[UnitType] = &[
    UnitType {
        default: &MEMORY[0],
        units: MEMORY,
    },
    UnitType {
        default: &unit("s", &[], 1e9),
        units: TIME,
    },
    UnitType {
        default: &unit("GCU", &[], 1.0),
        units: GCU,
    },
];

impl UnitType {
    /// `sniffUnit`: lower-cased, a plural `s` dropped from names longer
    /// than two letters, then looked up among the aliases.
    fn sniff(&self, unit: &str) -> Option<&'static Unit> {
        let mut u = unit.to_lowercase();
        if u.len() > 2 {
            if let Some(t) = u.strip_suffix('s') {
                u = t.to_string();
            }
        }
        self.units.iter().find(|x| x.aliases.contains(&u.as_str()))
    }

    /// `autoScale`: the largest unit the value is at least one of.
    fn auto_scale(&self, value: f64) -> Option<(f64, &'static str)> {
        let mut best: Option<&Unit> = None;
        for u in self.units {
            if u.factor >= best.map_or(0.0, |b| b.factor) && value / u.factor >= 1.0 {
                best = Some(u);
            }
        }
        best.map(|u| (value / u.factor, u.canonical))
    }

    /// `convertUnit`: `None` when `from` is not of this type.
    fn convert(&self, value: i64, from: &str, to: &str) -> Option<(f64, &'static str)> {
        let from = self.sniff(from)?;
        let v = value as f64 * from.factor;
        if to == "minimum" || to == "auto" {
            return Some(
                self.auto_scale(v)
                    .unwrap_or((v / self.default.factor, self.default.canonical)),
            );
        }
        Some(match self.sniff(to) {
            Some(t) => (v / t.factor, t.canonical),
            None => (v / self.default.factor, self.default.canonical),
        })
    }
}

pub fn is_memory_unit(unit: &str) -> bool {
    UNIT_TYPES[0].sniff(unit).is_some()
}

pub fn is_time_unit(unit: &str) -> bool {
    UNIT_TYPES[1].sniff(unit).is_some()
}

/// pprof's percentage: `  100%` near 100, `%5.2f%%` from 1, `%5.2g%%` below.
pub fn percentage(value: i64, total: i64) -> String {
    let ratio = if total != 0 {
        (value as f64 / total as f64).abs() * 100.0
    } else {
        0.0
    };
    if (99.95..=100.05).contains(&ratio) {
        "  100%".into()
    } else if ratio >= 1.0 {
        format!("{ratio:5.2}%")
    } else {
        format!("{:>5}%", go_g(ratio, 2))
    }
}

/// Go's `%.{prec}g` for a non-negative finite value.
pub fn go_g(v: f64, prec: usize) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else {
            "+Inf".into()
        };
    }
    let neg = v < 0.0;
    let e = format!("{:.*e}", prec - 1, v.abs());
    let (mant, exp) = e.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let mut digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let mut eprec = prec as i32;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    let x = dp - 1;
    let body = if x < -4 || x >= eprec {
        let p = (prec as i32).min(nd);
        let mut m = digits[..1].to_string();
        if p > 1 {
            m.push('.');
            m.push_str(&digits[1..p as usize]);
        }
        format!("{m}e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs())
    } else {
        let p = if prec as i32 > dp { nd } else { prec as i32 };
        let decimals = (p - dp).max(0) as usize;
        format!("{:.*}", decimals, v.abs())
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

/// Go's `time.Unix(0, nanos).Format("2006-01-02 15:04:05 MST")` in UTC
/// (pprof's `Time:` header since Go 1.22; the oracles run with TZ=UTC).
pub fn format_time_utc(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s) = (sod / 3600, (sod % 3600) / 60, sod % 60);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02}:{s:02} UTC")
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's algorithm.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_g_matches_fmt() {
        for (v, want) in [
            (0.397, "0.4"),
            (0.0123, "0.012"),
            (0.00001234, "1.2e-05"),
            (0.5, "0.5"),
            (0.996, "1"),
            (0.2, "0.2"),
            (0.061, "0.061"),
        ] {
            assert_eq!(go_g(v, 2), want, "{v}");
        }
    }

    /// pprof's ladder ends at hours (`internal/measurement`): the values
    /// the issue saw as `1.01mins` and `13.47days` print as seconds and hours.
    #[test]
    fn time_ladder_stops_at_hours() {
        assert_eq!(label(60_600_000_000, "nanoseconds"), "60.60s");
        assert_eq!(label(1_163_628_000_000_000, "nanoseconds"), "323.23hrs");
        assert_eq!(label(59 * 60 * 1_000_000_000, "nanoseconds"), "3540s");
        assert_eq!(label(3_600_000_000_000, "nanoseconds"), "1hrs");
        assert_eq!(label(2, "hours"), "2hrs");
        assert_eq!(scaled_label(90, "seconds", "minute"), "90s");
        assert_eq!(scale(90, "s", "hr"), (0.025, "hrs".to_string()));
        assert_eq!(label(7, "cycles"), "7");
        assert_eq!(label(0, "nanoseconds"), "0");
        assert!(is_time_unit("hrs") && is_time_unit("us") && !is_time_unit("min"));
        assert!(is_memory_unit("kB") && !is_memory_unit("GCU"));
    }

    #[test]
    fn percentages() {
        assert_eq!(percentage(2, 503), "  0.4%");
        assert_eq!(percentage(0, 503), "    0%");
        assert_eq!(percentage(502, 503), "99.80%");
        assert_eq!(percentage(503, 503), "  100%");
    }

    #[test]
    fn labels() {
        assert_eq!(scaled_label(1010000000, "nanoseconds", "s"), "1.01s");
        assert_eq!(label(3120000000, "nanoseconds"), "3.12s");
        assert_eq!(label(524288, "bytes"), "512kB");
        assert_eq!(scaled_label(0, "count", "minimum"), "0");
        assert_eq!(label(3_000, "microseconds"), "3ms");
        assert_eq!(label(1024, "kilobytes"), "1MB");
        assert_eq!(label(1500, "gcu"), "1.50k*GCU");
        assert_eq!(
            format_time_utc(1_795_704_120_000_000_000),
            "2026-11-26 14:42:00 UTC"
        );
    }
}
