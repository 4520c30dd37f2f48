//! The call's 20 ms clock: when the next frame is due, measured from a fixed start on a monotonic clock
//! (so timing errors never accumulate), and what to do after a stall.

use std::time::{Duration, Instant};

/// Frames due at one wake-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// Frames to produce and send now.
    pub send: u32,
    /// Frames that fell so far behind they are skipped (their time passes unsent).
    pub skipped: u32,
}

/// Schedules frame `k` at `start + k × period`.
#[derive(Debug, Clone)]
pub struct Pacer {
    start: Instant,
    period: Duration,
    /// Frames handed out (sent or skipped) so far.
    done: u64,
    max_burst: u32,
}

impl Pacer {
    /// A clock whose first frame is due at `start`. After a stall, at most `max_burst` late frames are
    /// sent back to back; older ones are skipped.
    pub fn new(start: Instant, period: Duration, max_burst: u32) -> Self {
        Self {
            start,
            period,
            done: 0,
            max_burst: max_burst.max(1),
        }
    }

    /// When the next frame is due.
    pub fn next_deadline(&self) -> Instant {
        self.start
            + self
                .period
                .saturating_mul(u32::try_from(self.done).unwrap_or(u32::MAX))
    }

    /// Accounts for every frame due by `now`.
    pub fn due(&mut self, now: Instant) -> Due {
        let elapsed = now.saturating_duration_since(self.start);
        let period = self.period.as_nanos().max(1);
        let due_total = (elapsed.as_nanos() / period) as u64 + 1;
        let pending = due_total.saturating_sub(self.done);
        self.done = self.done.max(due_total);
        let send = pending.min(u64::from(self.max_burst)) as u32;
        Due {
            send,
            skipped: (pending - u64::from(send)) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS20: Duration = Duration::from_millis(20);

    #[test]
    fn one_frame_per_period_without_drift() {
        let t0 = Instant::now();
        let mut p = Pacer::new(t0, MS20, 5);
        assert_eq!(p.next_deadline(), t0);
        assert_eq!(
            p.due(t0),
            Due {
                send: 1,
                skipped: 0
            }
        );
        assert_eq!(
            p.due(t0 + Duration::from_millis(5)),
            Due {
                send: 0,
                skipped: 0
            }
        );
        assert_eq!(p.next_deadline(), t0 + MS20);
        // Waking late by 3 ms each time does not push later deadlines back.
        for k in 1..100u32 {
            assert_eq!(p.due(t0 + MS20 * k + Duration::from_millis(3)).send, 1);
            assert_eq!(p.next_deadline(), t0 + MS20 * (k + 1));
        }
    }

    #[test]
    fn a_short_stall_is_caught_up_and_a_long_one_skipped() {
        let t0 = Instant::now();
        let mut p = Pacer::new(t0, MS20, 5);
        p.due(t0);
        assert_eq!(
            p.due(t0 + MS20 * 3),
            Due {
                send: 3,
                skipped: 0
            }
        );
        assert_eq!(
            p.due(t0 + MS20 * 13),
            Due {
                send: 5,
                skipped: 5
            }
        );
        assert_eq!(p.next_deadline(), t0 + MS20 * 14);
    }
}
