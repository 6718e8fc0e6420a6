//! The pace of the SDK's waits (a Transfer or Search task, a batch of Compute tasks): a poll
//! every interval until the timeout, the last one at the deadline.

use std::time::Duration;

use tokio::time::Instant;

/// When a wait polls: every `interval`, until `timeout` from its start has passed.
pub(crate) struct Pace {
    /// None: the timeout reaches past what the clock can represent (wait for ever).
    deadline: Option<Instant>,
    interval: Duration,
}

impl Pace {
    /// A pace starting now.
    pub(crate) fn new(timeout: Duration, interval: Duration) -> Pace {
        Pace { deadline: Instant::now().checked_add(timeout), interval }
    }

    /// Sleep until the next poll (at most until the deadline); `false`, without sleeping, once
    /// the deadline has passed: the wait is over.
    pub(crate) async fn next_poll(&self) -> bool {
        let pause = match self.deadline {
            None => self.interval,
            Some(deadline) => {
                let now = Instant::now();
                if now >= deadline {
                    return false;
                }
                self.interval.min(deadline - now)
            }
        };
        tokio::time::sleep(pause).await;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn polls_every_interval_until_the_deadline_then_stops() {
        let start = Instant::now();
        let pace = Pace::new(Duration::from_secs(10), Duration::from_secs(4));
        let mut polls = Vec::new();
        while pace.next_poll().await {
            polls.push(start.elapsed().as_secs());
        }
        assert_eq!(polls, [4, 8, 10], "the last poll is at the deadline");
        assert!(!Pace::new(Duration::ZERO, Duration::from_secs(1)).next_poll().await);
        let endless = Pace::new(Duration::MAX, Duration::from_secs(1));
        assert!(endless.deadline.is_none() && endless.next_poll().await);
    }
}
