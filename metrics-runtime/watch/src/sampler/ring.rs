//! A bounded, time-ordered buffer of one series' samples.

use std::borrow::Cow;
use std::collections::VecDeque;

use crate::promql::Sample;

/// The recent samples of one stored time series, oldest first.
///
/// Bounded twice: by count (`capacity`, fixed when the ring is made) and by
/// age (samples that fell out of the rate window are dropped on every push),
/// so a ring never holds more than `capacity` samples whatever the input.
#[derive(Debug)]
pub(crate) struct Ring {
    samples: VecDeque<Sample>,
    capacity: usize,
}

impl Ring {
    /// An empty ring that holds at most `capacity` samples. The storage is
    /// allocated once, here, so a full ring never reallocates.
    pub(crate) fn new(capacity: usize) -> Self {
        Ring {
            samples: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Appends `sample` and drops what no longer fits: the oldest sample when
    /// the ring is full, and every sample at or before `oldest_kept_after`
    /// (the left edge of the window, which PromQL's `(at - range, at]`
    /// excludes anyway). Returns the change in length.
    pub(crate) fn push(&mut self, sample: Sample, oldest_kept_after: f64) -> isize {
        let before = self.samples.len();
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
        while self
            .samples
            .front()
            .is_some_and(|s| s.t <= oldest_kept_after)
        {
            self.samples.pop_front();
        }
        self.samples.len() as isize - before as isize
    }

    /// The newest sample.
    pub(crate) fn last(&self) -> Option<Sample> {
        self.samples.back().copied()
    }

    /// How many samples are held.
    pub(crate) fn len(&self) -> usize {
        self.samples.len()
    }

    /// The samples as one time-ordered slice, as the PromQL functions take
    /// them. Borrowed when the ring has not wrapped, copied when it has (a
    /// read costs at most `capacity` copies; the write path never copies).
    pub(crate) fn as_slice(&self) -> Cow<'_, [Sample]> {
        match self.samples.as_slices() {
            (front, []) => Cow::Borrowed(front),
            (front, back) => {
                let mut all = Vec::with_capacity(front.len() + back.len());
                all.extend_from_slice(front);
                all.extend_from_slice(back);
                Cow::Owned(all)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: f64, v: f64) -> Sample {
        Sample { t, v }
    }

    #[test]
    fn keeps_at_most_capacity_samples_in_time_order() {
        let mut ring = Ring::new(3);
        for i in 0..10 {
            ring.push(s(i as f64, i as f64), f64::NEG_INFINITY);
            assert!(ring.len() <= 3);
        }
        let slice = ring.as_slice();
        assert_eq!(&*slice, &[s(7.0, 7.0), s(8.0, 8.0), s(9.0, 9.0)]);
    }

    #[test]
    fn drops_samples_that_left_the_window() {
        let mut ring = Ring::new(100);
        assert_eq!(ring.push(s(0.0, 1.0), -10.0), 1);
        assert_eq!(ring.push(s(1.0, 2.0), -9.0), 1);
        // The window is now (1, 11]: both older samples go.
        assert_eq!(ring.push(s(11.0, 3.0), 1.0), -1);
        assert_eq!(&*ring.as_slice(), &[s(11.0, 3.0)]);
        assert_eq!(ring.last(), Some(s(11.0, 3.0)));
    }
}
