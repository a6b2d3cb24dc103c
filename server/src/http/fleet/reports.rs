//! Fleet metrics and per-terminal analytics.

use super::error::FleetApiResult;
use super::extract::{FleetCaller, Params};
use super::wire::{self, ts, ts_opt};
use axum::extract::Path;
use axum::Json;
use backend::service::fleet::analytics::{self, Stats};
use backend::service::fleet::buckets::RangeQuery;
use backend::service::fleet::ids;
use backend::service::fleet::metrics::{self, MetricsQuery};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct MetricPoint {
    /// The bucket's start (UTC midnight; Monday for weeks, the 1st for months).
    pub bucket: String,
    /// Terminals that existed at the bucket's end (or at `to`).
    pub total: u64,
    pub active: u64,
    pub assigned: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Metrics {
    pub series: Vec<MetricPoint>,
}

#[utoipa::path(get, path = "/api/v1/admin/pos-terminals/metrics", tag = "fleet",
    params(("from" = String, Query, description = "RFC 3339", format = DateTime), ("to" = String, Query, description = "RFC 3339", format = DateTime),
           ("interval" = Option<String>, Query, description = "day (default), week, month", pattern = r"^(day|week|month)?$"),
           ("tenant_id" = Option<String>, Query, description = "Tenant UUID (`tenant_<uuid>` or `<uuid>`)", pattern = r"^((tenant_)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$")),
    responses((status = 200, body = Metrics), (status = 400, description = "invalid_date_range, invalid_filter"),
              (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn metrics(
    FleetCaller(b, p): FleetCaller,
    Params(q): Params<MetricsQuery>,
) -> FleetApiResult<Json<Metrics>> {
    let points = metrics::metrics(&b, &p, &q).await?;
    Ok(Json(Metrics {
        series: points
            .into_iter()
            .map(|m| MetricPoint {
                bucket: ts(m.bucket),
                total: m.total,
                active: m.active,
                assigned: m.assigned,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodOut {
    pub from: String,
    pub to: String,
    pub interval: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    pub transaction_count: u64,
    pub transaction_volume: i64,
    pub successful_transactions: u64,
    pub failed_transactions: u64,
    pub success_rate: f64,
    pub average_transaction_size: i64,
    pub total_settled: i64,
    pub total_fees: i64,
    pub last_transaction_at: Option<String>,
    pub days_since_last_transaction: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPoint {
    pub bucket: String,
    pub transaction_count: u64,
    pub transaction_volume: i64,
    pub successful_transactions: u64,
    pub failed_transactions: u64,
    pub success_rate: f64,
    pub average_transaction_size: i64,
    pub settled_amount: i64,
    pub fees_collected: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelStats {
    pub count: u64,
    pub volume: i64,
    pub success_rate: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Analytics {
    pub terminal_id: String,
    pub period: PeriodOut,
    pub summary: Summary,
    pub series: Vec<SeriesPoint>,
    /// Per channel: `card_processor`, `nfc_purchase`, or a collection's channel.
    pub by_channel: BTreeMap<String, ChannelStats>,
}

fn point(bucket: i64, s: &Stats) -> SeriesPoint {
    SeriesPoint {
        bucket: ts(bucket),
        transaction_count: s.count,
        transaction_volume: s.volume,
        successful_transactions: s.successful,
        failed_transactions: s.failed,
        success_rate: s.success_rate(),
        average_transaction_size: s.average(),
        settled_amount: s.settled(),
        fees_collected: s.fees,
    }
}

#[utoipa::path(get, path = "/api/v1/admin/pos-terminals/{terminalID}/analytics", tag = "fleet",
    params(("terminalID" = String, Path), ("from" = String, Query, description = "RFC 3339", format = DateTime),
           ("to" = String, Query, description = "RFC 3339", format = DateTime),
           ("interval" = Option<String>, Query, description = "day (default), week, month", pattern = r"^(day|week|month)?$")),
    responses((status = 200, body = Analytics), (status = 400, description = "invalid_date_range"),
              (status = 404, description = "terminal_not_found"), (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn analytics(
    FleetCaller(b, p): FleetCaller,
    Path(id): Path<String>,
    Params(q): Params<RangeQuery>,
) -> FleetApiResult<Json<Analytics>> {
    let a = analytics::analytics(&b, &p, &id, &q).await?;
    let s = &a.summary;
    Ok(Json(Analytics {
        terminal_id: wire::id(ids::TERMINAL, &a.terminal_id),
        period: PeriodOut {
            from: ts(a.period.from),
            to: ts(a.period.to),
            interval: a.period.interval.as_str().to_owned(),
        },
        summary: Summary {
            transaction_count: s.count,
            transaction_volume: s.volume,
            successful_transactions: s.successful,
            failed_transactions: s.failed,
            success_rate: s.success_rate(),
            average_transaction_size: s.average(),
            total_settled: s.settled(),
            total_fees: s.fees,
            last_transaction_at: ts_opt(a.last_transaction_at),
            days_since_last_transaction: a.days_since_last_transaction,
        },
        series: a.series.iter().map(|(b, s)| point(*b, s)).collect(),
        by_channel: a
            .by_channel
            .iter()
            .map(|(c, s)| {
                (
                    c.clone(),
                    ChannelStats {
                        count: s.count,
                        volume: s.volume,
                        success_rate: s.success_rate(),
                    },
                )
            })
            .collect(),
    }))
}
