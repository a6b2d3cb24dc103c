//! The dashboard's "occupancy over the day" (issue 19): people in, every half hour of one
//! local day, at the chosen location or summed over the caller's locations. The same rule as
//! the live check ([`super::capacity`]): the people of every completed entry (reversals
//! excluded) count for the location's typical stay after the entry. Open grants' seats are
//! a live-only fact and are not part of the history.

use super::super::entity::{locations, operations::Column as C};
use super::super::error::ServiceResult;
use super::super::repo::{self, operations::OpScope};
use super::super::tz::Tz;
use super::super::Backend;
use access_core::domain::{occupancy_at, Admission};
use access_core::model::{OperationFilter, MAX_STAY_MINUTES};
use chrono::{NaiveDate, TimeZone};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// Minutes between two points of the curve.
pub const STEP_MINUTES: i64 = 30;

/// One local day's curve.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Curve {
    /// The local day, `YYYY-MM-DD`.
    pub day: String,
    /// (local `HH:MM`, people in), every [`STEP_MINUTES`] from the day's start up to the
    /// day's end or now, whichever is first.
    pub points: Vec<(String, u64)>,
    /// The location's capacity, for a one-location view of a location that has one.
    pub capacity: Option<u32>,
}

/// The curve of `day` (else today in `zone`) over the operations `scope` and `f` select
/// (location and service; `f`'s dates are the caller's range, not the curve's day).
pub async fn day_curve(
    b: &Backend,
    scope: &OpScope,
    f: &OperationFilter,
    zone: Tz,
    day: Option<&str>,
) -> ServiceResult<Curve> {
    let now = b.now_ms();
    let day = day
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .or_else(|| {
            chrono::DateTime::from_timestamp_millis(now)
                .map(|t| t.with_timezone(&zone).date_naive())
        })
        .unwrap_or_default();
    let start = super::super::tz::day_start_ms(zone, day);
    let end = day
        .succ_opt()
        .map(|d| super::super::tz::day_start_ms(zone, d))
        .unwrap_or(start + 86_400_000);
    let last = end.min(now);
    let samples: Vec<i64> = (0..)
        .map(|k| start + k * STEP_MINUTES * 60_000)
        .take_while(|t| *t <= last && *t < end)
        .collect();
    let mut curve = Curve {
        day: day.format("%Y-%m-%d").to_string(),
        points: Vec::with_capacity(samples.len()),
        capacity: None,
    };
    let one_location = f.location_id.as_deref().filter(|s| !s.is_empty());
    let located = OperationFilter {
        location_id: f.location_id.clone(),
        service_code: f.service_code.clone(),
        ..Default::default()
    }
    .normalized();
    let completed = repo::operations::condition(&located, scope, zone)
        .add(C::Status.eq("COMPLETED"))
        .add(C::OccurredAt.lte(last));

    // The locations with entries that can still count on this day (the longest stay allowed
    // looks back furthest), then their stays: the real look-back is the longest of those.
    let far = start - i64::from(MAX_STAY_MINUTES) * 60_000;
    let ids: Vec<String> = repo::operations::count_by(
        &b.db,
        completed.clone().add(C::OccurredAt.gt(far)),
        "location_id",
    )
    .await?
    .into_iter()
    .filter_map(|r| r.key)
    .collect();
    let places: HashMap<String, (i64, Option<i32>)> = if ids.is_empty() {
        HashMap::new()
    } else {
        locations::Entity::find()
            .select_only()
            .columns([
                locations::Column::Id,
                locations::Column::StayMinutes,
                locations::Column::Capacity,
            ])
            .filter(locations::Column::Id.is_in(ids))
            .into_tuple::<(String, i32, Option<i32>)>()
            .all(&b.db)
            .await?
            .into_iter()
            .map(|(id, stay, cap)| (id, (i64::from(stay.max(1)) * 60_000, cap)))
            .collect()
    };
    if let Some(id) = one_location {
        curve.capacity = match places.get(id) {
            Some((_, cap)) => cap.and_then(|c| u32::try_from(c).ok()),
            None => locations::Entity::find_by_id(id.to_owned())
                .select_only()
                .column(locations::Column::Capacity)
                .into_tuple::<Option<i32>>()
                .one(&b.db)
                .await?
                .flatten()
                .and_then(|c| u32::try_from(c).ok()),
        };
    }
    let longest = places.values().map(|(stay, _)| *stay).max().unwrap_or(0);

    let mut per_location: HashMap<String, Vec<Admission>> = HashMap::new();
    if longest > 0 {
        let rows: Vec<(Option<String>, i64, i64)> =
            super::super::entity::operations::Entity::find()
                .select_only()
                .column(C::LocationId)
                .column(C::OccurredAt)
                .column_as(
                    Expr::cust(
                        "CAST(SUM(1 + free_adult_guests + paid_adult_guests + free_child_guests \
                     + paid_child_guests) AS BIGINT)",
                    ),
                    "people",
                )
                .filter(completed.add(C::OccurredAt.gt(start - longest)))
                .group_by(C::LocationId)
                .group_by(C::OccurredAt)
                .into_tuple()
                .all(&b.db)
                .await?;
        for (location, at_ms, people) in rows {
            let Some(location) = location else { continue };
            per_location.entry(location).or_default().push(Admission {
                at_ms,
                people: u32::try_from(people.max(0)).unwrap_or(u32::MAX),
            });
        }
    }
    let mut total = vec![0u64; samples.len()];
    for (location, admissions) in &per_location {
        let Some((stay, _)) = places.get(location) else {
            continue;
        };
        for (sum, n) in total
            .iter_mut()
            .zip(occupancy_at(admissions, *stay, &samples))
        {
            *sum += n;
        }
    }
    curve.points = samples
        .iter()
        .zip(total)
        .map(|(t, n)| {
            let label = zone
                .timestamp_millis_opt(*t)
                .single()
                .map(|l| l.format("%H:%M").to_string())
                .unwrap_or_default();
            (label, n)
        })
        .collect();
    Ok(curve)
}
