//! `GET /api/v1/admin/pos-terminals/metrics`: how many terminals existed, were `active` and
//! were assigned at the end of each bucket (or at `to`, for the last one).
//!
//! The past is reconstructed from the rows: a terminal exists from `created_at`; its status at
//! an instant is the `from` of its first status event after that instant (or its current
//! status when there is none); it is assigned while one of its `terminal_assignments` is open
//! (a terminal with no assignment rows keeps its current `assigned` flag). Deleted terminals
//! are gone from history.

use super::super::super::entity::{terminal_assignments, terminal_events, terminals};
use super::super::super::{Backend, Principal};
use super::buckets::{Period, RangeQuery};
use super::error::FleetResult;
use super::support::{self, STATUS_EVENTS};
use sea_orm::sea_query::{Expr, IntoColumnRef, Query, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct MetricsQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub interval: Option<String>,
    pub tenant_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricPoint {
    pub bucket: i64,
    pub total: u64,
    pub active: u64,
    pub assigned: u64,
}

#[derive(Debug, Default)]
struct History {
    created_at: i64,
    status: String,
    assigned: bool,
    /// `(at, from-status)`, ascending.
    status_changes: Vec<(i64, String)>,
    /// `(assigned_at, unassigned_at)`.
    assignments: Vec<(i64, Option<i64>)>,
}

impl History {
    fn status_at(&self, t: i64) -> &str {
        self.status_changes
            .iter()
            .find(|(at, _)| *at > t)
            .map(|(_, from)| from.as_str())
            .unwrap_or(&self.status)
    }

    fn assigned_at(&self, t: i64) -> bool {
        if self.assignments.is_empty() {
            return self.assigned;
        }
        self.assignments
            .iter()
            .any(|(a, u)| *a <= t && u.is_none_or(|u| u > t))
    }
}

/// `col IN (SELECT id FROM terminals [WHERE tenant_id = ?])`: rows of existing terminals
/// (of the tenant), selected in the database.
fn of_tenant(tenant: Option<&str>, col: impl IntoColumnRef) -> SimpleExpr {
    let mut sub = Query::select();
    sub.column(terminals::Column::Id).from(terminals::Entity);
    if let Some(t) = tenant {
        sub.and_where(Expr::col(terminals::Column::TenantId).eq(t));
    }
    Expr::col(col).in_subquery(sub.to_owned())
}

pub async fn metrics(
    b: &Backend,
    p: &Principal,
    q: &MetricsQuery,
) -> FleetResult<Vec<MetricPoint>> {
    support::require(p)?;
    let period = Period::parse(&RangeQuery {
        from: q.from.clone(),
        to: q.to.clone(),
        interval: q.interval.clone(),
    })?;
    let tenant = super::terminals::parse_tenant(q.tenant_id.as_deref())?;
    let buckets = period.buckets()?;
    let mut select = terminals::Entity::find()
        .select_only()
        .columns([
            terminals::Column::Id,
            terminals::Column::CreatedAt,
            terminals::Column::Status,
            terminals::Column::Assigned,
        ])
        .filter(terminals::Column::CreatedAt.lte(period.to));
    if let Some(t) = &tenant {
        select = select.filter(terminals::Column::TenantId.eq(t.clone()));
    }
    let mut fleet: HashMap<String, History> = select
        .into_tuple::<(String, i64, String, bool)>()
        .all(&b.db)
        .await?
        .into_iter()
        .map(|(id, created_at, status, assigned)| {
            (
                id,
                History {
                    created_at,
                    status,
                    assigned,
                    ..History::default()
                },
            )
        })
        .collect();
    if fleet.is_empty() {
        return Ok(buckets
            .iter()
            .map(|bk| MetricPoint {
                bucket: bk.start,
                total: 0,
                active: 0,
                assigned: 0,
            })
            .collect());
    }
    let events = terminal_events::Entity::find()
        .select_only()
        .columns([
            terminal_events::Column::TerminalId,
            terminal_events::Column::CreatedAt,
            terminal_events::Column::MetadataJson,
        ])
        .filter(terminal_events::Column::EventType.is_in(STATUS_EVENTS))
        .filter(terminal_events::Column::CreatedAt.gt(period.from))
        .filter(of_tenant(
            tenant.as_deref(),
            (terminal_events::Entity, terminal_events::Column::TerminalId),
        ))
        .order_by_asc(terminal_events::Column::CreatedAt)
        .into_tuple::<(String, i64, Option<String>)>()
        .all(&b.db)
        .await?;
    for (tid, at, meta) in events {
        let from = support::json_of(meta.as_deref())
            .and_then(|m| m.get("from").and_then(|f| f.as_str()).map(str::to_owned));
        if let (Some(h), Some(from)) = (fleet.get_mut(&tid), from) {
            h.status_changes.push((at, from));
        }
    }
    let assignments = terminal_assignments::Entity::find()
        .select_only()
        .columns([
            terminal_assignments::Column::TerminalId,
            terminal_assignments::Column::AssignedAt,
            terminal_assignments::Column::UnassignedAt,
        ])
        .filter(of_tenant(
            tenant.as_deref(),
            (
                terminal_assignments::Entity,
                terminal_assignments::Column::TerminalId,
            ),
        ))
        .into_tuple::<(String, i64, Option<i64>)>()
        .all(&b.db)
        .await?;
    for (tid, a, u) in assignments {
        if let Some(h) = fleet.get_mut(&tid) {
            h.assignments.push((a, u));
        }
    }
    Ok(buckets
        .iter()
        .map(|bk| {
            let t = (bk.end - 1).min(period.to);
            let mut point = MetricPoint {
                bucket: bk.start,
                total: 0,
                active: 0,
                assigned: 0,
            };
            for h in fleet.values().filter(|h| h.created_at <= t) {
                point.total += 1;
                point.active += u64::from(h.status_at(t) == "active");
                point.assigned += u64::from(h.assigned_at(t));
            }
            point
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_assignment_at_past_instants() {
        let h = History {
            created_at: 0,
            status: "blocked".into(),
            assigned: false,
            status_changes: vec![(10, "active".into()), (20, "suspended".into())],
            assignments: vec![(5, Some(15)), (30, None)],
        };
        assert_eq!(h.status_at(9), "active");
        assert_eq!(h.status_at(10), "suspended");
        assert_eq!(h.status_at(25), "blocked");
        assert!(!h.assigned_at(4));
        assert!(h.assigned_at(5));
        assert!(!h.assigned_at(15));
        assert!(h.assigned_at(31));
    }
}
