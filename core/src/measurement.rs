//! Units and number formatting, exactly as pprof's `measurement` package
//! and Go's `fmt` print them (so that text output matches byte for byte).

/// Scales `value` from `from` unit to `to` (`"minimum"`/`"auto"` pick the
/// best unit). Returns the scaled value and the unit to print ("" for counts).
pub fn scale(value: i64, from: &str, to: &str) -> (f64, String) {
    if value < 0 && value != i64::MIN {
        let (v, u) = scale(-value, from, to);
        return (-v, u);
    }
    if let Some((v, u)) = memory_label(value, from, to) {
        return (v, u);
    }
    if let Some((v, u)) = time_label(value, from, to) {
        return (v, u);
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

fn trim_s(u: &str) -> String {
    u.to_ascii_lowercase()
        .strip_suffix('s')
        .map(str::to_string)
        .unwrap_or_else(|| u.to_ascii_lowercase())
}

pub fn is_memory_unit(unit: &str) -> bool {
    matches!(
        trim_s(unit).as_str(),
        "byte" | "b" | "kilobyte" | "kb" | "megabyte" | "mb" | "gigabyte" | "gb"
    )
}

pub fn is_time_unit(unit: &str) -> bool {
    let mut u = unit.to_ascii_lowercase();
    if u.len() > 2 {
        u = u.strip_suffix('s').map(str::to_string).unwrap_or(u);
    }
    matches!(
        u.as_str(),
        "nanosecond"
            | "ns"
            | "microsecond"
            | "millisecond"
            | "ms"
            | "s"
            | "second"
            | "sec"
            | "hr"
            | "day"
            | "week"
            | "year"
    )
}

fn memory_label(value: i64, from: &str, to: &str) -> Option<(f64, String)> {
    let from = trim_s(from);
    let mut to = trim_s(to);
    let mul: i64 = match from.as_str() {
        "byte" | "b" => 1,
        "kb" | "kbyte" | "kilobyte" => 1 << 10,
        "mb" | "mbyte" | "megabyte" => 1 << 20,
        "gb" | "gbyte" | "gigabyte" => 1 << 30,
        "tb" | "tbyte" | "terabyte" => 1 << 40,
        "pb" | "pbyte" | "petabyte" => 1 << 50,
        _ => return None,
    };
    let value = value.wrapping_mul(mul);
    if to == "minimum" || to == "auto" {
        to = match value {
            v if v < 1 << 10 => "b",
            v if v < 1 << 20 => "kb",
            v if v < 1 << 30 => "mb",
            v if v < 1 << 40 => "gb",
            v if v < 1 << 50 => "tb",
            _ => "pb",
        }
        .into();
    }
    let v = value as f64;
    Some(match to.as_str() {
        "kb" | "kbyte" | "kilobyte" => (v / 1024.0, "kB".into()),
        "mb" | "mbyte" | "megabyte" => (v / (1024.0 * 1024.0), "MB".into()),
        "gb" | "gbyte" | "gigabyte" => (v / (1024.0 * 1024.0 * 1024.0), "GB".into()),
        "tb" | "tbyte" | "terabyte" => (v / (1024.0 * 1024.0 * 1024.0 * 1024.0), "TB".into()),
        "pb" | "pbyte" | "petabyte" => (
            v / (1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0),
            "PB".into(),
        ),
        _ => (v, "B".into()),
    })
}

fn time_label(value: i64, from: &str, to: &str) -> Option<(f64, String)> {
    let norm = |u: &str| {
        let u = u.to_ascii_lowercase();
        if u.len() > 2 {
            u.strip_suffix('s').map(str::to_string).unwrap_or(u)
        } else {
            u
        }
    };
    let from = norm(from);
    let mut to = norm(to);
    const US: i64 = 1_000;
    const MS: i64 = 1_000_000;
    const S: i64 = 1_000_000_000;
    const MIN: i64 = 60 * S;
    const HOUR: i64 = 60 * MIN;
    const DAY: i64 = 24 * HOUR;
    // time.Duration arithmetic wraps like Go's on overflow.
    let d: i64 = match from.as_str() {
        "nanosecond" | "ns" => value,
        "microsecond" => value.wrapping_mul(US),
        "millisecond" | "ms" => value.wrapping_mul(MS),
        "second" | "sec" | "s" => value.wrapping_mul(S),
        "cycle" => return Some((value as f64, String::new())),
        _ => return None,
    };
    if to == "minimum" || to == "auto" {
        to = match d {
            d if d < US => "ns",
            d if d < MS => "us",
            d if d < S => "ms",
            d if d < MIN => "sec",
            d if d < HOUR => "min",
            d if d < DAY => "hour",
            d if d < 15 * DAY => "day",
            d if d < 120 * DAY => "week",
            _ => "year",
        }
        .into();
    }
    let dd = d as f64;
    Some(match to.as_str() {
        "ns" | "nanosecond" => (dd, "ns".into()),
        "us" | "microsecond" => (dd / US as f64, "us".into()),
        "ms" | "millisecond" => (dd / MS as f64, "ms".into()),
        "min" | "minute" => (dd / MIN as f64, "mins".into()),
        "hour" | "hr" => (dd / HOUR as f64, "hrs".into()),
        "day" => (dd / DAY as f64, "days".into()),
        "week" | "wk" => (dd / (7 * DAY) as f64, "wks".into()),
        "year" | "yr" => (dd / (365 * 7 * DAY) as f64, "yrs".into()),
        _ => (dd / S as f64, "s".into()),
    })
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

/// Go's `time.Format("Jan 2, 2006 at 3:04pm (MST)")` in UTC.
pub fn format_time_utc(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (h, min) = (sod / 3600, (sod % 3600) / 60);
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let ampm = if h < 12 { "am" } else { "pm" };
    format!(
        "{} {d}, {y} at {h12}:{min:02}{ampm} (UTC)",
        MONTHS[(m - 1) as usize]
    )
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
        assert_eq!(
            format_time_utc(1_795_704_120_000_000_000),
            "Nov 26, 2026 at 2:42pm (UTC)"
        );
    }
}
