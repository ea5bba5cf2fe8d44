//! The noise models behind "it grew": how much a count or a sampled byte
//! total moves between snapshots when nothing leaks.
//!
//! Goroutines: in-flight work parks a varying number of goroutines at a
//! site, roughly Poisson around its mean, so a change from `a` to `b` is
//! measured in units of `sqrt(a + b + 1)`.
//!
//! Heap: Go samples one allocation per `rate` bytes on average (an object
//! of `s` bytes is sampled with probability `p = 1 - exp(-s/rate)`) and
//! scales each sampled object up by `1/p`. A sampled object stays in the
//! profile until it is freed, so a site's level is known to about
//! `B * sqrt((1 - p) / n)` from its `n` sampled objects (the band drawn
//! around it), but a *step* between two snapshots moves only by the
//! sampled objects allocated or freed in between: `i` in-use samples
//! gained out of `a` sampled allocations (the `alloc_objects` delta) means
//! `a - i` sampled frees, and the step's noise is `sqrt(a + (a - i))`
//! samples. A cache at its cap that allocates and evicts moves by
//! `0 ± sqrt(2a)` samples; a map that keeps all it allocates moves by `a`.

/// Go's default `runtime.MemProfileRate`: one sample per 512 KiB.
pub const DEFAULT_HEAP_RATE: i64 = 512 * 1024;

/// A change in a goroutine count in units of its in-flight noise.
pub fn count_z(a: i64, b: i64) -> f64 {
    (b - a) as f64 / ((a.max(0) + b.max(0) + 1) as f64).sqrt()
}

/// Noise of one heap sample (a stack with its in-use objects and bytes).
/// Returns (variance in bytes², expected number of sampled objects).
pub fn heap_sample_noise(objects: i64, bytes: i64, rate: i64) -> (f64, f64) {
    if objects <= 0 || bytes <= 0 || rate <= 1 {
        return (0.0, objects.max(0) as f64);
    }
    let size = bytes as f64 / objects as f64;
    let p = 1.0 - (-size / rate as f64).exp();
    // At least one object was sampled, or the sample would not exist.
    let n = (objects as f64 * p).max(1.0);
    let b = bytes as f64;
    (b * b * (1.0 - p) / n, n)
}

/// The standard deviation of a difference of two independent estimates.
pub fn diff_sigma(sa: f64, sb: f64) -> f64 {
    (sa * sa + sb * sb).sqrt()
}

/// The noise of one step of a sampled heap site, in bytes: `a` sampled
/// allocations and `i` sampled in-use objects gained between the two
/// snapshots, `w` bytes per sampled object. At least one sample.
pub fn heap_step_sigma(a: f64, i: f64, w: f64) -> f64 {
    let a = a.max(0.0);
    let freed = (a - i).max(0.0);
    w * (a + freed).max(i.abs()).max(1.0).sqrt()
}

/// How a sampled series moved, against its noise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moves {
    /// The rise from first to last exceeds 3 sigmas and `material`.
    pub rose: bool,
    /// Some step fell by more than 2 sigmas (and more than `material/4`).
    pub fell: bool,
    /// The last step rose beyond 2 sigmas, carried at least a quarter of
    /// an average step, and set a new high beyond 2 sigmas.
    pub last_rose: bool,
    /// The last step rose beyond 1 sigma and carried at least a quarter
    /// of an average step: not proof, but not a plateau either.
    pub last_rising: bool,
    /// Every step rose beyond 2 sigmas.
    pub every_step: bool,
    /// How many of the last steps stayed within the noise.
    pub held: usize,
}

/// Reads a series given each step's standard deviation (steps are
/// independent: a span's variance is the sum of its steps'). `material`
/// is the smallest change that matters whatever the noise.
pub fn moves(v: &[i64], step_sigma: &[f64], material: i64) -> Moves {
    let n = v.len();
    let mut m = Moves {
        rose: false,
        fell: false,
        last_rose: false,
        last_rising: false,
        every_step: n >= 2,
        held: 0,
    };
    if n < 2 || step_sigma.len() + 1 < n {
        return m;
    }
    let s = |a: usize, b: usize| -> f64 {
        step_sigma[a.min(b)..a.max(b)]
            .iter()
            .map(|x| x * x)
            .sum::<f64>()
            .sqrt()
    };
    let total = v[n - 1] - v[0];
    m.rose = total > material && total as f64 > 3.0 * s(0, n - 1);
    for k in 0..n - 1 {
        let d = v[k + 1] - v[k];
        if -d > material / 4 && -d as f64 > 2.0 * s(k, k + 1) {
            m.fell = true;
        }
        if d as f64 <= 2.0 * s(k, k + 1) || d <= 0 {
            m.every_step = false;
        }
    }
    let last = v[n - 1] - v[n - 2];
    let avg = total as f64 / (n - 1) as f64;
    let carries = last > 0 && last as f64 >= 0.25 * avg;
    // A new high: the last point clears the highest before it by more
    // than the noise between them (a plateau's points rarely do).
    let peak = (0..n - 1).max_by_key(|&k| v[k]).unwrap_or(0);
    let above = (v[n - 1] - v[peak]) as f64;
    m.last_rose = carries && last as f64 > 2.0 * s(n - 2, n - 1) && above > 2.0 * s(peak, n - 1);
    m.last_rising = carries && last as f64 > s(n - 2, n - 1);
    for k in (0..n - 1).rev() {
        let d = (v[k + 1] - v[k]).abs();
        if d as f64 <= 2.0 * s(k, k + 1) || d <= material / 4 {
            m.held += 1;
        } else {
            break;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_objects_are_noisy_large_ones_exact() {
        // 1,000 objects of 1 KiB: about 2 sampled, a coarse estimate.
        let (var, n) = heap_sample_noise(1000, 1000 * 1024, DEFAULT_HEAP_RATE);
        assert!((n - 1.95).abs() < 0.05, "{n}");
        let sd = var.sqrt() / (1000.0 * 1024.0);
        assert!(sd > 0.6 && sd < 0.8, "{sd}");
        // 10 objects of 8 MiB: always sampled, exact.
        let (var, n) = heap_sample_noise(10, 10 * (8 << 20), DEFAULT_HEAP_RATE);
        assert!(
            var.sqrt() / ((80 << 20) as f64) < 1e-3 && (n - 10.0).abs() < 1e-3,
            "{var} {n}"
        );
        // Every allocation sampled (rate 1): exact.
        assert_eq!(heap_sample_noise(5, 500, 1).0, 0.0);
    }

    #[test]
    fn counts_against_in_flight_noise() {
        assert!(count_z(0, 3) < 2.0, "0 → 3 is in-flight noise");
        assert!(count_z(0, 500) > 20.0);
        assert!(count_z(10, 40) > 4.0);
    }

    #[test]
    fn steps_move_by_what_was_allocated_or_freed() {
        // Nothing allocated or freed: one sample of noise.
        assert_eq!(heap_step_sigma(0.0, 0.0, 1000.0), 1000.0);
        // A cache at its cap: 50 sampled allocations, as many freed.
        assert!((heap_step_sigma(50.0, 0.0, 1.0) - 10.0).abs() < 1e-9);
        // A map that keeps all it allocates: its step is its own noise.
        assert!((heap_step_sigma(16.0, 16.0, 1.0) - 4.0).abs() < 1e-9);
    }

    #[test]
    fn warm_up_then_plateau_is_not_growth() {
        let mb = 1 << 20;
        let sig = [0.1 * mb as f64; 3];
        let m = moves(&[mb, 3 * mb, 4 * mb, 4 * mb + mb / 20], &sig, 256 * 1024);
        assert!(m.rose && !m.last_rose && !m.fell, "{m:?}");
        assert_eq!(m.held, 1);
        let m = moves(&[mb, 2 * mb, 3 * mb, 4 * mb], &sig, 256 * 1024);
        assert!(m.rose && m.last_rose && m.every_step && !m.fell, "{m:?}");
        // Within the noise: nothing.
        let wide = [0.6 * mb as f64; 3];
        let m = moves(&[mb, 2 * mb, 2 * mb, 3 * mb], &wide, 256 * 1024);
        assert!(!m.rose, "{m:?}");
    }
}
