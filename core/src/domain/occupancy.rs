//! Occupancy over time: how many people a location held at given instants, from its
//! admissions and its typical stay (DOMAIN.md "Locations and terminals": an admitted person
//! counts for `stay_minutes` after the entry). The live check counts the same window in SQL
//! for one instant; this serves the dashboard's curve over a day.

/// People admitted at an instant (the cardholder plus the guests of one completed entry, or
/// several such entries summed into one bucket).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub at_ms: i64,
    pub people: u32,
}

/// The occupancy at each of `samples` (ascending instants): the people of every admission
/// with `sample - stay_ms < at_ms <= sample`. `admissions` in any order. One pass over both
/// sorted lists (a sliding window), so a day of a busy location costs microseconds.
pub fn occupancy_at(admissions: &[Admission], stay_ms: i64, samples: &[i64]) -> Vec<u64> {
    let mut sorted = admissions.to_vec();
    sorted.sort_unstable_by_key(|a| a.at_ms);
    let (mut entered, mut left) = (0usize, 0usize);
    let mut inside: u64 = 0;
    let mut out = Vec::with_capacity(samples.len());
    for &t in samples {
        while entered < sorted.len() && sorted[entered].at_ms <= t {
            inside += u64::from(sorted[entered].people);
            entered += 1;
        }
        while left < entered && sorted[left].at_ms <= t.saturating_sub(stay_ms) {
            inside -= u64::from(sorted[left].people);
            left += 1;
        }
        out.push(inside);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn a(min: i64, people: u32) -> Admission {
        Admission {
            at_ms: min * MIN,
            people,
        }
    }

    /// The same rule written the slow way: the reference the sliding window must match.
    fn naive(admissions: &[Admission], stay_ms: i64, samples: &[i64]) -> Vec<u64> {
        samples
            .iter()
            .map(|&t| {
                admissions
                    .iter()
                    .filter(|x| x.at_ms <= t && x.at_ms > t - stay_ms)
                    .map(|x| u64::from(x.people))
                    .sum()
            })
            .collect()
    }

    #[test]
    fn a_person_counts_for_the_stay_and_then_leaves() {
        // Stay 120 minutes; a cardholder with two guests enters at 10:00.
        let adm = [a(600, 3)];
        let samples: Vec<i64> = [599, 600, 601, 719, 720, 721].map(|m| m * MIN).to_vec();
        assert_eq!(occupancy_at(&adm, 120 * MIN, &samples), [0, 3, 3, 3, 0, 0]);
    }

    #[test]
    fn overlapping_stays_add_up_in_any_input_order() {
        let adm = [a(700, 1), a(600, 3), a(650, 2)];
        let samples: Vec<i64> = [600, 660, 700, 725, 775, 830].map(|m| m * MIN).to_vec();
        // 10:00 → 3; 11:00 → 3+2; 11:40 → 3+2+1; 12:05 → (10:00 gone) 2+1; 12:55 → 1; 13:50 → 0.
        assert_eq!(occupancy_at(&adm, 120 * MIN, &samples), [3, 5, 6, 3, 1, 0]);
    }

    #[test]
    fn matches_the_reference_on_a_busy_day() {
        // A deterministic pseudo-random day: 2,000 admissions, samples every 7 minutes.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut adm = Vec::new();
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            adm.push(a((x % 1440) as i64, (x % 4) as u32 + 1));
        }
        let samples: Vec<i64> = (0..=1440 / 7).map(|k| k * 7 * MIN).collect();
        for stay in [1, 45, 120, 600] {
            assert_eq!(
                occupancy_at(&adm, stay * MIN, &samples),
                naive(&adm, stay * MIN, &samples),
                "stay {stay} min"
            );
        }
    }

    #[test]
    fn nothing_in_nothing_out() {
        assert_eq!(occupancy_at(&[], 60 * MIN, &[0, MIN]), [0, 0]);
        assert!(occupancy_at(&[a(1, 1)], 60 * MIN, &[]).is_empty());
    }
}
