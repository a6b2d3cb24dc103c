//! Time buckets for metrics and analytics: a `from`..`to` range (RFC 3339, both inclusive)
//! cut into UTC days, ISO weeks (from Monday) or calendar months. Each bucket is named by
//! its start; the first is the one containing `from`.

use super::error::{FleetError, FleetResult};
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde::Deserialize;

/// More buckets than this is refused (`invalid_date_range`).
pub const MAX_BUCKETS: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Day,
    Week,
    Month,
}

impl Interval {
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "day" => Some(Interval::Day),
            "week" => Some(Interval::Week),
            "month" => Some(Interval::Month),
            _ => None,
        }
    }
}

/// `from`, `to`, `interval` as given.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RangeQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub interval: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: i64,
    pub to: i64,
    pub interval: Interval,
}

/// One bucket: `[start, end)` in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub start: i64,
    pub end: i64,
}

fn bad(msg: impl Into<String>) -> FleetError {
    FleetError::InvalidDateRange(msg.into())
}

fn parse_time(name: &str, v: Option<&str>) -> FleetResult<i64> {
    let v = v.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| {
        bad(format!(
            "{name} is required (RFC 3339, e.g. 2025-01-01T00:00:00Z)."
        ))
    })?;
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc).timestamp_millis())
        .map_err(|_| bad(format!("{name}: '{v}' is not an RFC 3339 time.")))
}

impl Period {
    pub fn parse(q: &RangeQuery) -> FleetResult<Period> {
        let from = parse_time("from", q.from.as_deref())?;
        let to = parse_time("to", q.to.as_deref())?;
        let interval = match q
            .interval
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Interval::Day,
            Some(s) => Interval::parse(s)
                .ok_or_else(|| bad(format!("interval: '{s}' is not day, week or month.")))?,
        };
        if from > to {
            return Err(bad("from must not be after to."));
        }
        let p = Period { from, to, interval };
        p.buckets()?;
        Ok(p)
    }

    /// Every bucket from the one containing `from` to the one containing `to`.
    pub fn buckets(&self) -> FleetResult<Vec<Bucket>> {
        let mut out = Vec::new();
        let mut start = bucket_start(self.from, self.interval)?;
        while start <= self.to {
            if out.len() >= MAX_BUCKETS {
                return Err(bad(format!(
                    "The range holds more than {MAX_BUCKETS} buckets; use a longer interval."
                )));
            }
            let end = next_start(start, self.interval)?;
            out.push(Bucket { start, end });
            start = end;
        }
        Ok(out)
    }
}

fn date_of(ms: i64) -> FleetResult<NaiveDate> {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.date_naive())
        .ok_or_else(|| bad("Time out of range."))
}

fn midnight_ms(d: NaiveDate) -> FleetResult<i64> {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| bad("Time out of range."))
}

/// The start of the bucket containing `ms`.
pub fn bucket_start(ms: i64, interval: Interval) -> FleetResult<i64> {
    let d = date_of(ms)?;
    let start = match interval {
        Interval::Day => Some(d),
        Interval::Week => d.checked_sub_signed(Duration::days(i64::from(
            d.weekday().num_days_from_monday(),
        ))),
        Interval::Month => d.with_day(1),
    };
    midnight_ms(start.ok_or_else(|| bad("Time out of range."))?)
}

/// The start of the bucket after the one starting at `start`.
pub fn next_start(start: i64, interval: Interval) -> FleetResult<i64> {
    let d = date_of(start)?;
    let next = match interval {
        Interval::Day => d.checked_add_signed(Duration::days(1)),
        Interval::Week => d.checked_add_signed(Duration::days(7)),
        Interval::Month => d.checked_add_months(Months::new(1)),
    };
    midnight_ms(next.ok_or_else(|| bad("Time out of range."))?)
}

/// The index of the bucket holding `ms` (buckets sorted, contiguous).
pub fn index_of(buckets: &[Bucket], ms: i64) -> Option<usize> {
    let i = buckets.partition_point(|b| b.end <= ms);
    buckets.get(i).filter(|b| b.start <= ms).map(|_| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(from: &str, to: &str, interval: Option<&str>) -> RangeQuery {
        RangeQuery {
            from: Some(from.into()),
            to: Some(to.into()),
            interval: interval.map(str::to_owned),
        }
    }

    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn days_weeks_months() {
        let p = Period::parse(&q("2025-01-01T10:00:00Z", "2025-01-14T23:59:59Z", None)).unwrap();
        let b = p.buckets().unwrap();
        assert_eq!(b.len(), 14);
        assert_eq!(b[0].start, ms("2025-01-01T00:00:00Z"));
        assert_eq!(b[13].end, ms("2025-01-15T00:00:00Z"));

        // 2025-01-01 is a Wednesday: its ISO week starts Monday 2024-12-30.
        let p = Period::parse(&q(
            "2025-01-01T00:00:00Z",
            "2025-01-14T00:00:00Z",
            Some("week"),
        ))
        .unwrap();
        let b = p.buckets().unwrap();
        assert_eq!(b[0].start, ms("2024-12-30T00:00:00Z"));
        assert_eq!(b.len(), 3);

        let p = Period::parse(&q(
            "2024-12-15T00:00:00Z",
            "2025-02-01T00:00:00Z",
            Some("month"),
        ))
        .unwrap();
        let b = p.buckets().unwrap();
        assert_eq!(
            b.iter().map(|b| b.start).collect::<Vec<_>>(),
            vec![
                ms("2024-12-01T00:00:00Z"),
                ms("2025-01-01T00:00:00Z"),
                ms("2025-02-01T00:00:00Z")
            ]
        );
        assert_eq!(index_of(&b, ms("2025-01-31T23:59:59Z")), Some(1));
        assert_eq!(index_of(&b, ms("2025-03-01T00:00:00Z")), None);
        assert_eq!(index_of(&b, ms("2024-11-30T00:00:00Z")), None);
    }

    #[test]
    fn offsets_are_normalized_to_utc() {
        let p = Period::parse(&q(
            "2025-01-02T01:00:00+02:00",
            "2025-01-02T01:00:00+02:00",
            None,
        ))
        .unwrap();
        assert_eq!(p.buckets().unwrap()[0].start, ms("2025-01-01T00:00:00Z"));
    }

    #[test]
    fn bad_ranges() {
        for query in [
            RangeQuery::default(),
            q("yesterday", "2025-01-01T00:00:00Z", None),
            q("2025-01-02T00:00:00Z", "2025-01-01T00:00:00Z", None),
            q("2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z", Some("hour")),
            q("2000-01-01T00:00:00Z", "2025-01-01T00:00:00Z", Some("day")),
        ] {
            assert!(
                matches!(Period::parse(&query), Err(FleetError::InvalidDateRange(_))),
                "{query:?}"
            );
        }
    }
}
