//! Releasing an ID back to the pool and retiring it for good.

use super::super::super::super::entity::{processor_mappings, terminal_id_inventory as inv};
use super::super::super::super::{Backend, Principal};
use super::super::error::{FleetError, FleetResult};
use super::super::{mappings, support};
use super::{effective_status, item, takeable, ASSIGNED, AVAILABLE, RESERVED, RETIRED};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde::Deserialize;
use serde_json::json;

fn released(now: i64) -> [(inv::Column, sea_orm::sea_query::SimpleExpr); 9] {
    use inv::Column as C;
    let null_s = || Expr::value(Option::<String>::None);
    let null_i = || Expr::value(Option::<i64>::None);
    [
        (C::Status, Expr::value(AVAILABLE)),
        (C::ReservedBy, null_s()),
        (C::ReservedAt, null_i()),
        (C::ReservedUntil, null_i()),
        (C::AssignedTerminalId, null_s()),
        (C::AssignedAt, null_i()),
        (C::MappingId, null_s()),
        (C::ReleasedAt, Expr::value(now)),
        (C::UpdatedAt, Expr::value(now)),
    ]
}

fn release_update(now: i64) -> sea_orm::UpdateMany<inv::Entity> {
    let mut u = inv::Entity::update_many();
    for (c, v) in released(now) {
        u = u.col_expr(c, v);
    }
    u
}

/// The inventory ID assigned through a mapping goes back to the pool (inside a transaction
/// that holds the terminal's lock).
pub async fn release_for_mapping_locked<C: ConnectionTrait>(
    db: &C,
    mapping_id: &str,
    now: i64,
) -> FleetResult<u64> {
    Ok(release_update(now)
        .filter(inv::Column::MappingId.eq(mapping_id))
        .filter(inv::Column::Status.eq(ASSIGNED))
        .exec(db)
        .await?
        .rows_affected)
}

/// Release an assigned ID: its mapping is soft-deleted (a primary is replaced by the next
/// mapping), the ID returns to the pool. `Ok(false)` when the row changed meanwhile.
async fn release_assigned(
    b: &Backend,
    p: &Principal,
    m: &inv::Model,
    now: i64,
) -> FleetResult<bool> {
    let txn = b.db.begin().await?;
    let terminal = match &m.assigned_terminal_id {
        Some(tid) => match support::lock_terminal(&txn, tid).await {
            Ok(()) => Some(tid.clone()),
            Err(FleetError::TerminalNotFound) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let mapping = match &m.mapping_id {
        Some(mid) => {
            processor_mappings::Entity::find_by_id(mid.clone())
                .filter(processor_mappings::Column::DeletedAt.is_null())
                .one(&txn)
                .await?
        }
        None => None,
    };
    let mut changed = match &mapping {
        Some(mapping) => mappings::deactivate_locked(&txn, mapping, now).await?,
        None => 0,
    };
    changed += release_update(now)
        .filter(inv::Column::Id.eq(m.id.clone()))
        .filter(inv::Column::Status.eq(ASSIGNED))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Ok(false);
    }
    if let Some(tid) = &terminal {
        let meta = json!({"inventory_id": m.id, "processor_code": m.processor_id,
                          "processor_terminal_id": m.terminal_code});
        support::record_event(&txn, tid, "processor_id_released", p, Some(meta), now).await?;
    }
    txn.commit().await?;
    Ok(true)
}

pub async fn release(
    b: &Backend,
    p: &Principal,
    raw_inventory: &str,
    reason: Option<&str>,
) -> FleetResult<inv::Model> {
    support::require(p)?;
    let mut errors = Vec::new();
    let reason = support::opt_text("reason", reason, 500, &mut errors);
    if !errors.is_empty() {
        return Err(FleetError::InvalidRequest(errors));
    }
    for _ in 0..4 {
        let m = item(&b.db, raw_inventory).await?;
        let now = b.now_ms();
        let done = match effective_status(&m, now) {
            AVAILABLE => return Err(FleetError::AlreadyAvailable),
            RETIRED => {
                return Err(FleetError::InvalidTransition(
                    "A retired terminal ID cannot return to the pool.".into(),
                ))
            }
            RESERVED => {
                release_update(now)
                    .filter(inv::Column::Id.eq(m.id.clone()))
                    .filter(inv::Column::Status.eq(RESERVED))
                    .filter(inv::Column::ReservedUntil.gt(now))
                    .exec(&b.db)
                    .await?
                    .rows_affected
                    == 1
            }
            _ => release_assigned(b, p, &m, now).await?,
        };
        if done {
            let row = item(&b.db, &m.id).await?;
            let detail = json!({"from": m.status, "reason": reason});
            support::audit(
                b,
                p,
                "fleet.inventory.release",
                "terminal_id",
                &m.id,
                Some(detail),
            )
            .await;
            return Ok(row);
        }
    }
    Err(FleetError::InvalidTransition(
        "The terminal ID keeps changing; try again.".into(),
    ))
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetireInput {
    pub reason: Option<String>,
}

pub async fn retire(
    b: &Backend,
    p: &Principal,
    raw_inventory: &str,
    input: &RetireInput,
) -> FleetResult<inv::Model> {
    support::require(p)?;
    let mut errors = Vec::new();
    let reason = support::opt_text("reason", input.reason.as_deref(), 500, &mut errors);
    if reason.is_none() && errors.is_empty() {
        errors.push(access_core::model::FieldError::new("reason", "Required."));
    }
    if !errors.is_empty() {
        return Err(FleetError::InvalidRequest(errors));
    }
    for _ in 0..4 {
        let m = item(&b.db, raw_inventory).await?;
        let now = b.now_ms();
        match effective_status(&m, now) {
            ASSIGNED => return Err(FleetError::CurrentlyAssigned),
            RETIRED => {
                return Err(FleetError::InvalidTransition(
                    "The terminal ID is already retired.".into(),
                ))
            }
            RESERVED => {
                return Err(FleetError::InvalidTransition(
                    "The terminal ID is reserved; release it first.".into(),
                ))
            }
            _ => {}
        }
        let res = inv::Entity::update_many()
            .col_expr(inv::Column::Status, Expr::value(RETIRED))
            .col_expr(inv::Column::RetiredAt, Expr::value(now))
            .col_expr(inv::Column::RetiredReason, Expr::value(reason.clone()))
            .col_expr(inv::Column::ReservedBy, Expr::value(Option::<String>::None))
            .col_expr(inv::Column::ReservedAt, Expr::value(Option::<i64>::None))
            .col_expr(inv::Column::ReservedUntil, Expr::value(Option::<i64>::None))
            .col_expr(inv::Column::UpdatedAt, Expr::value(now))
            .filter(inv::Column::Id.eq(m.id.clone()))
            .filter(takeable(now))
            .exec(&b.db)
            .await?;
        if res.rows_affected == 1 {
            let row = item(&b.db, &m.id).await?;
            let detail = json!({"reason": reason});
            support::audit(
                b,
                p,
                "fleet.inventory.retire",
                "terminal_id",
                &m.id,
                Some(detail),
            )
            .await;
            return Ok(row);
        }
    }
    Err(FleetError::InvalidTransition(
        "The terminal ID keeps changing; try again.".into(),
    ))
}
