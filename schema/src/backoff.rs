//! [`Backoff`]: how long to wait before trying again, shared by every retry
//! loop of the registry and the agent (this is the one crate both depend on).
//!
//! Exponential, capped, with jitter: each wait is drawn from the upper half of
//! the current step, so that a fleet of agents that lost the registry at the
//! same moment does not come back in lockstep.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Doubling waits between `min` and `max`, each with jitter.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    step: Duration,
    /// Seeded at random per process; each draw hashes a counter with it.
    seed: RandomState,
    draws: u64,
}

impl Backoff {
    /// Waits that start at `min` and double up to `max`.
    pub fn new(min: Duration, max: Duration) -> Backoff {
        Backoff {
            min,
            max: max.max(min),
            step: min,
            seed: RandomState::new(),
            draws: 0,
        }
    }

    /// The next wait: between half the current step and the step, then the
    /// step doubles (up to `max`).
    pub fn next_wait(&mut self) -> Duration {
        let step = self.step;
        self.step = (self.step * 2).min(self.max);
        let half = step / 2;
        half + half.mul_f64(self.unit())
    }

    /// Back to the first step, after a success.
    pub fn reset(&mut self) {
        self.step = self.min;
    }

    /// A number in `[0, 1]`, different at each draw.
    fn unit(&mut self) -> f64 {
        let mut h = self.seed.build_hasher();
        h.write_u64(self.draws);
        self.draws += 1;
        (h.finish() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_with_jitter_and_reset() {
        let (min, max) = (Duration::from_millis(100), Duration::from_millis(800));
        let mut b = Backoff::new(min, max);
        for step in [100, 200, 400, 800, 800, 800] {
            let wait = b.next_wait();
            let step = Duration::from_millis(step);
            assert!(
                wait >= step / 2 && wait <= step,
                "{wait:?} for a step of {step:?}"
            );
        }
        b.reset();
        assert!(b.next_wait() <= min);
    }

    #[test]
    fn two_agents_do_not_wait_alike() {
        let waits = |b: &mut Backoff| (0..8).map(|_| b.next_wait()).collect::<Vec<_>>();
        let second = Duration::from_secs(1);
        let a = waits(&mut Backoff::new(second, 30 * second));
        let b = waits(&mut Backoff::new(second, 30 * second));
        assert_ne!(a, b);
    }
}
