//! Time zones (IANA, via `chrono-tz`): a location's zone, its default from the country, and the
//! local clock that the dashboard, the reports and the date filters use.
//!
//! A view over operations uses one zone (DOMAIN.md "Locations and terminals"): the zone of the
//! location it is filtered to; otherwise the zone the viewer chose (`tz`); otherwise UTC. The
//! answer names the zone it used.
//!
//! The database stores epoch milliseconds. Local days and hours are computed in SQL as
//! `occurred_at + offset`, where the offset is a `CASE` over the zone's UTC-offset changes
//! (DST transitions) inside the queried range: exact, and still one grouped query on both
//! SQLite and PostgreSQL.

use chrono::{NaiveDate, Offset, TimeZone};
pub use chrono_tz::Tz;

#[path = "tz_countries.rs"]
mod countries;

pub const DAY_MS: i64 = 86_400_000;

/// A zone by its IANA name (exact spelling, e.g. `Europe/Warsaw`, `UTC`).
pub fn parse(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// The zone a location of `country` (ISO 3166 alpha-3) gets when none is chosen: the
/// country's zone from tzdata (its capital's for the few countries spanning several), else UTC.
pub fn default_for_country(country: &str) -> &'static str {
    let c = country.trim().to_ascii_uppercase();
    countries::COUNTRY_ZONES
        .binary_search_by(|(k, _)| (*k).cmp(c.as_str()))
        .map(|i| countries::COUNTRY_ZONES[i].1)
        .unwrap_or("UTC")
}

/// The zones a location may choose from: the canonical `Area/City` names and `UTC`, sorted.
/// (Legacy aliases such as `US/Eastern` still parse, they are just not offered.)
pub fn zone_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|z| z.name())
        .filter(|n| {
            *n == "UTC"
                || (n.contains('/')
                    && !n.starts_with("Etc/")
                    && !n.starts_with("US/")
                    && !n.starts_with("SystemV/")
                    && n.split('/').next().is_some_and(|a| {
                        matches!(
                            a,
                            "Africa"
                                | "America"
                                | "Antarctica"
                                | "Arctic"
                                | "Asia"
                                | "Atlantic"
                                | "Australia"
                                | "Europe"
                                | "Indian"
                                | "Pacific"
                        )
                    }))
        })
        .collect();
    v.sort_unstable();
    v
}

/// The zone's offset from UTC at `ms`, in milliseconds.
pub fn offset_ms(tz: Tz, ms: i64) -> i64 {
    match chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms) {
        Some(t) => {
            tz.offset_from_utc_datetime(&t.naive_utc())
                .fix()
                .local_minus_utc() as i64
                * 1000
        }
        None => 0,
    }
}

/// `ms` as local date and time with its offset, e.g. `2026-01-15 00:30:00+01:00`.
pub fn format_local(tz: Tz, ms: i64) -> String {
    match tz.timestamp_millis_opt(ms).single() {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S%:z").to_string(),
        None => String::new(),
    }
}

/// The instant a local day starts in `tz` (midnight, or the first local time after it when a
/// DST change skips midnight).
pub fn day_start_ms(tz: Tz, day: NaiveDate) -> i64 {
    let mut t = day.and_time(chrono::NaiveTime::MIN);
    // A gap is at most a few hours; step until the wall time exists.
    for _ in 0..48 {
        if let Some(dt) = tz.from_local_datetime(&t).earliest() {
            return dt.timestamp_millis();
        }
        t += chrono::Duration::minutes(30);
    }
    day.and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .timestamp_millis()
}

/// `YYYY-MM-DD` → the instant that local day starts in `tz`.
pub fn parse_day_start(tz: Tz, day: &str) -> Option<i64> {
    NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .ok()
        .map(|d| day_start_ms(tz, d))
}

/// `YYYY-MM-DD` → the instant the local day after it starts (the exclusive end of `until`).
pub fn parse_day_end(tz: Tz, day: &str) -> Option<i64> {
    NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.succ_opt())
        .map(|d| day_start_ms(tz, d))
}

/// The zone's offsets over `[lo, hi]` as `(from_ms, offset_ms)` pieces, the first starting at
/// `lo` (or earlier), each later one at a UTC-offset change.
pub fn offset_pieces(tz: Tz, lo: i64, hi: i64) -> Vec<(i64, i64)> {
    let mut pieces = vec![(lo, offset_ms(tz, lo))];
    if tz == Tz::UTC {
        return pieces;
    }
    // Offsets change at most a few times a year and never twice within a day, so a daily step
    // finds every change; a binary search then pins it to the millisecond.
    let mut t = lo;
    let mut cur = pieces[0].1;
    // Guard against absurd ranges (thousands of years): beyond that, the last offset holds.
    let hi = hi.min(lo.saturating_add(200 * 366 * DAY_MS));
    while t < hi {
        let next = (t + DAY_MS).min(hi);
        let o = offset_ms(tz, next);
        if o != cur {
            let (mut a, mut b) = (t, next);
            while b - a > 1 {
                let m = a + (b - a) / 2;
                if offset_ms(tz, m) == cur {
                    a = m;
                } else {
                    b = m;
                }
            }
            pieces.push((b, o));
            cur = o;
        }
        t = next;
    }
    pieces
}

/// SQL for `column` shifted to local time in `tz` (epoch ms as if the local wall clock were
/// UTC), exact for instants in `[lo, hi]`. Integers only, so it reads the same on SQLite and
/// PostgreSQL.
pub fn local_ms_sql(tz: Tz, column: &str, lo: i64, hi: i64) -> String {
    let pieces = offset_pieces(tz, lo, hi);
    if pieces.len() == 1 {
        return format!("({column} + {})", pieces[0].1);
    }
    let mut s = format!("({column} + CASE");
    for w in pieces.windows(2) {
        s.push_str(&format!(" WHEN {column} < {} THEN {}", w[1].0, w[0].1));
    }
    let last = pieces.last().map(|p| p.1).unwrap_or(0);
    s.push_str(&format!(" ELSE {last} END)"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn every_country_default_is_a_known_zone() {
        for (c, z) in countries::COUNTRY_ZONES {
            assert!(parse(z).is_some(), "{c}: {z}");
        }
        assert!(countries::COUNTRY_ZONES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(default_for_country("pol"), "Europe/Warsaw");
        assert_eq!(default_for_country("USA"), "America/New_York");
        assert_eq!(default_for_country("XXX"), "UTC");
    }

    #[test]
    fn zone_list_is_canonical_and_includes_utc() {
        let z = zone_names();
        assert!(z.contains(&"UTC") && z.contains(&"Europe/Warsaw"));
        assert!(!z.contains(&"US/Eastern"));
        assert!(z.len() > 300);
    }

    #[test]
    fn warsaw_offsets_follow_dst() {
        let tz = parse("Europe/Warsaw").unwrap();
        // 2026: CEST from 29 March 01:00 UTC to 25 October 01:00 UTC.
        let p = offset_pieces(tz, ms("2026-01-01T00:00:00Z"), ms("2026-12-31T00:00:00Z"));
        assert_eq!(
            p,
            vec![
                (ms("2026-01-01T00:00:00Z"), 3_600_000),
                (ms("2026-03-29T01:00:00Z"), 7_200_000),
                (ms("2026-10-25T01:00:00Z"), 3_600_000)
            ]
        );
        assert_eq!(
            format_local(tz, ms("2026-01-14T23:30:00Z")),
            "2026-01-15 00:30:00+01:00"
        );
        assert_eq!(
            parse_day_start(tz, "2026-07-01"),
            Some(ms("2026-06-30T22:00:00Z"))
        );
        assert_eq!(
            parse_day_end(tz, "2026-01-15"),
            Some(ms("2026-01-15T23:00:00Z"))
        );
        assert_eq!(
            local_ms_sql(
                tz,
                "t",
                ms("2026-01-01T00:00:00Z"),
                ms("2026-02-01T00:00:00Z")
            ),
            "(t + 3600000)"
        );
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_the_first_local_time() {
        // America/Santiago skips 00:00–01:00 on its spring-forward day (2026-09-06).
        let tz = parse("America/Santiago").unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let start = day_start_ms(tz, d);
        assert_eq!(format_local(tz, start), "2026-09-06 01:00:00-03:00");
    }
}
