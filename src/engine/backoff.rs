//! Reconnect delays: exponential backoff with full jitter on every attempt.

use crate::engine::options::ReconnectPolicy;

/// Picks the delay before each reconnect attempt: uniformly at random in
/// `[0, min(max_delay_ms, min_delay_ms * factor^(attempt - 1))]` ("full jitter"), so clients
/// that lost the same server do not come back all at once.
///
/// ```
/// use duplex_ws::{Backoff, ReconnectPolicy};
/// let mut backoff = Backoff::new(ReconnectPolicy::default(), 42);
/// assert!(backoff.delay_ms(1) <= 500);
/// assert!(backoff.delay_ms(10) <= 30_000);
/// ```
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: ReconnectPolicy,
    rng: u64,
}

impl Backoff {
    /// A backoff for `policy`; `seed` feeds its random numbers (the shell passes one from
    /// `Math.random`, tests a fixed one).
    pub fn new(policy: ReconnectPolicy, seed: u64) -> Self {
        // xorshift must not start at 0.
        Self {
            policy,
            rng: seed | 1,
        }
    }

    /// The policy this backoff follows.
    pub fn policy(&self) -> &ReconnectPolicy {
        &self.policy
    }

    /// The largest delay attempt `attempt` (1 for the first) may get.
    pub fn ceiling_ms(&self, attempt: u32) -> u32 {
        // Multiplied step by step (`powi` is std's; the engine also builds without std),
        // stopping at the maximum: a factor of at least 1 never brings it down again.
        let max = f64::from(self.policy.max_delay_ms);
        let mut grown = f64::from(self.policy.min_delay_ms);
        for _ in 1..attempt.min(1_001) {
            if grown >= max {
                break;
            }
            grown *= self.policy.factor;
        }
        grown.min(max) as u32
    }

    /// The delay before attempt `attempt` (1 for the first), in `[0, ceiling_ms(attempt)]`.
    pub fn delay_ms(&mut self, attempt: u32) -> u32 {
        let ceiling = self.ceiling_ms(attempt);
        let unit = self.next_unit();
        ((unit * (f64::from(ceiling) + 1.0)) as u32).min(ceiling)
    }

    /// A number in `[0, 1)` (xorshift64*: small, and good enough for jitter).
    fn next_unit(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let bits = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        bits as f64 / (1u64 << 53) as f64
    }
}

// Native only: the engine is tested with `cargo test`; proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn policy() -> impl Strategy<Value = ReconnectPolicy> {
        (0u32..100_000, 0u32..100_000, 1.0f64..10.0).prop_map(|(a, b, factor)| ReconnectPolicy {
            min_delay_ms: a.min(b),
            max_delay_ms: a.max(b),
            factor,
            ..Default::default()
        })
    }

    proptest! {
        /// Every delay stays within [0, max_delay_ms] and within the attempt's ceiling.
        #[test]
        fn delays_stay_within_bounds(policy in policy(), seed in any::<u64>(), attempts in 1u32..200) {
            let max = policy.max_delay_ms;
            let mut backoff = Backoff::new(policy, seed);
            for attempt in 1..=attempts {
                let delay = backoff.delay_ms(attempt);
                prop_assert!(delay <= backoff.ceiling_ms(attempt));
                prop_assert!(delay <= max);
            }
        }

        /// The ceiling never shrinks from one attempt to the next.
        #[test]
        fn ceilings_grow_to_the_maximum(policy in policy(), attempt in 1u32..100) {
            let backoff = Backoff::new(policy, 1);
            prop_assert!(backoff.ceiling_ms(attempt) <= backoff.ceiling_ms(attempt + 1));
        }
    }

    #[test]
    fn ceilings_follow_the_policy_and_delays_spread() {
        let backoff = Backoff::new(ReconnectPolicy::default(), 7);
        let ceilings: Vec<u32> = (1..=8).map(|a| backoff.ceiling_ms(a)).collect();
        assert_eq!(ceilings, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        // Full jitter: across many draws the delays cover the range, not one value.
        let mut backoff = Backoff::new(ReconnectPolicy::default(), 7);
        let delays: Vec<u32> = (0..1000).map(|_| backoff.delay_ms(7)).collect();
        assert!(delays.iter().any(|&d| d < 3_000) && delays.iter().any(|&d| d > 27_000));
    }
}
