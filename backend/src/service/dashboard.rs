//! The traffic dashboard: entries per day and hour, guests, free vs paid, rejections by code,
//! top locations — over the caller's operations scope, days and hours in the view's zone
//! ([`super::zones::view_zone`]).

use super::super::entity::operations::Column as C;
use super::super::error::ServiceResult;
use super::super::repo;
use super::super::tz;
use super::super::{Backend, Principal};
use super::operations::op_scope;
use access_core::model::{Capability, DashboardData, DashboardFilter, OperationFilter};
use sea_orm::ColumnTrait;

pub async fn data(
    b: &Backend,
    p: &Principal,
    filter: &DashboardFilter,
) -> ServiceResult<DashboardData> {
    let scope = op_scope(b, p, Capability::OperationsView).await?;
    let f = OperationFilter {
        from: filter.from.clone(),
        until: filter.until.clone(),
        location_id: filter.location_id.clone(),
        service_code: filter.service_code.clone(),
        tz: filter.tz.clone(),
        ..Default::default()
    }
    .normalized();
    let zone = super::zones::view_zone(b, f.location_id.as_deref(), f.tz.as_deref()).await?;
    let base = repo::operations::condition(&f, &scope, zone);
    let completed = base.clone().add(C::Status.eq("COMPLETED"));
    let db = &b.db;
    let count = |rows: &[repo::operations::KeyCount]| rows.iter().map(|r| r.n as u64).sum::<u64>();

    let by_paid = repo::operations::count_by(
        db,
        completed.clone(),
        "CASE WHEN cardholder_paid THEN 1 ELSE 0 END",
    )
    .await?;
    let paid_entries = by_paid
        .iter()
        .filter(|r| r.key.as_deref() == Some("1"))
        .map(|r| r.n as u64)
        .sum();
    let entries = count(&by_paid);

    // Days and hours on the zone's wall clock, exact across its DST changes in the range.
    let local = match repo::operations::occurred_range(db, completed.clone()).await? {
        Some((lo, hi)) => tz::local_ms_sql(zone, "occurred_at", lo, hi),
        None => "occurred_at".to_owned(),
    };
    let mut per_day: Vec<(String, u64, u64)> =
        repo::operations::count_by(db, completed.clone(), &format!("{local} / 86400000"))
            .await?
            .into_iter()
            .filter_map(|r| {
                let day: i64 = r.key?.parse().ok()?;
                let d = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(day * 86_400_000)?;
                Some((
                    d.format("%Y-%m-%d").to_string(),
                    r.n as u64,
                    r.guests as u64,
                ))
            })
            .collect();
    per_day.sort();

    let mut per_hour = vec![0u64; 24];
    for r in repo::operations::count_by(db, completed.clone(), &format!("({local} / 3600000) % 24"))
        .await?
    {
        if let Some(h) = r
            .key
            .and_then(|k| k.parse::<usize>().ok())
            .filter(|h| *h < 24)
        {
            per_hour[h] += r.n as u64;
        }
    }

    let adult_guests = sum_col(
        db,
        completed.clone(),
        "free_adult_guests + paid_adult_guests",
    )
    .await?;
    let child_guests = sum_col(
        db,
        completed.clone(),
        "free_child_guests + paid_child_guests",
    )
    .await?;

    let mut rejections_by_code: Vec<(String, u64)> = repo::operations::count_by(
        db,
        base.clone().add(C::Status.eq("REJECTED")),
        "COALESCE(reject_code, '-')",
    )
    .await?
    .into_iter()
    .map(|r| (r.key.unwrap_or_default(), r.n as u64))
    .collect();
    rejections_by_code.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let rejections = rejections_by_code.iter().map(|r| r.1).sum();

    let mut top_locations: Vec<(String, u64)> =
        repo::operations::count_by(db, completed, "COALESCE(location_name, '-')")
            .await?
            .into_iter()
            .map(|r| (r.key.unwrap_or_default(), r.n as u64))
            .collect();
    top_locations.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top_locations.truncate(10);

    let occupancy =
        super::occupancy_curve::day_curve(b, &scope, &f, zone, f.until.as_deref()).await?;

    Ok(DashboardData {
        entries,
        free_entries: entries - paid_entries,
        paid_entries,
        adult_guests,
        child_guests,
        rejections,
        per_day,
        per_hour,
        rejections_by_code,
        top_locations,
        time_zone: zone.name().to_owned(),
        occupancy_day: occupancy.day,
        occupancy: occupancy.points,
        capacity: occupancy.capacity,
    })
}

async fn sum_col(
    db: &sea_orm::DatabaseConnection,
    cond: sea_orm::sea_query::Condition,
    expr: &str,
) -> ServiceResult<u64> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{EntityTrait, QueryFilter, QuerySelect};
    let v: Option<i64> = super::super::entity::operations::Entity::find()
        .select_only()
        .column_as(
            Expr::cust(format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")),
            "s",
        )
        .filter(cond)
        .into_tuple()
        .one(db)
        .await?;
    Ok(v.unwrap_or(0).max(0) as u64)
}
