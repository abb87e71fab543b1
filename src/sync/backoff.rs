//! Retry timing: exponential backoff with "equal jitter", and `Retry-After` as a floor.
//!
//! The ceiling for attempt `n` (0-based) is `min(cap, base · 2ⁿ)`; the delay is drawn
//! uniformly from `[ceiling/2, ceiling]`. Half of the ceiling is kept so a retry never fires
//! immediately, and the random half spreads many clients apart. Defaults: base 0.5 s, cap
//! 30 s, so the ceilings run 0.5, 1, 2, 4, 8, 16, 30, 30 … seconds. When the server sent
//! `Retry-After`, the delay is never shorter than it.

use std::time::Duration;

/// A backoff schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The largest delay for a 0-based attempt number.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(31));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// Delay before retry `attempt`, with `unit` a random number in `[0, 1)`.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        let ceiling = self.ceiling(attempt);
        let half = ceiling / 2;
        half + half.mul_f64(unit.clamp(0.0, 1.0))
    }

    /// Delay honouring the server's `Retry-After` as a minimum.
    pub fn next_delay(&self, attempt: u32, retry_after: Option<Duration>, unit: f64) -> Duration {
        let d = self.delay(attempt, unit);
        match retry_after {
            Some(ra) => d.max(ra),
            None => d,
        }
    }
}

/// The random source for jitter (no cryptographic use): `fastrand`'s generator, seeded for
/// tests and from the system's entropy otherwise.
#[derive(Clone, Debug)]
pub struct Jitter(fastrand::Rng);

impl Jitter {
    pub fn seeded(seed: u64) -> Jitter {
        Jitter(fastrand::Rng::with_seed(seed))
    }

    /// Seeded by `fastrand` (from the system's entropy, different per process and thread).
    pub fn from_entropy() -> Jitter {
        Jitter(fastrand::Rng::new())
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_schedule_without_jitter() {
        let b = Backoff::default();
        let ceilings: Vec<u64> = (0..8).map(|n| b.ceiling(n).as_millis() as u64).collect();
        assert_eq!(ceilings, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        assert_eq!(b.delay(3, 0.0), Duration::from_secs(2));
        assert_eq!(b.delay(3, 1.0), Duration::from_secs(4));
        assert_eq!(b.ceiling(1000), b.cap);
    }

    proptest! {
        #[test]
        fn delay_is_bounded(attempt in 0u32..100, unit in 0.0f64..1.0, ra in proptest::option::of(0u64..120)) {
            let b = Backoff::default();
            let ra = ra.map(Duration::from_secs);
            let d = b.next_delay(attempt, ra, unit);
            prop_assert!(d >= b.ceiling(attempt) / 2);
            prop_assert!(d <= b.cap.max(ra.unwrap_or_default()));
            if let Some(ra) = ra { prop_assert!(d >= ra); }
        }
    }

    #[test]
    fn jitter_stays_in_unit_interval() {
        let mut j = Jitter::seeded(7);
        for _ in 0..10_000 {
            let u = j.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn jitter_is_reproducible_when_seeded_and_spread() {
        let draw = |seed| {
            let mut j = Jitter::seeded(seed);
            (0..100).map(|_| j.unit()).collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
        let mean = draw(5).iter().sum::<f64>() / 100.0;
        assert!((0.35..0.65).contains(&mean), "{mean}");
    }
}
