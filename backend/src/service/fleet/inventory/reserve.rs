//! Reserving an ID for a terminal and assigning it (which creates the processor mapping).

use super::super::super::super::entity::{processor_mappings, terminal_id_inventory as inv};
use super::super::super::super::{Backend, Principal};
use super::super::error::{FleetError, FleetResult};
use super::super::{mappings, processors, support};
use super::{item, sweep_expired, takeable, ASSIGNED, AVAILABLE, RESERVATION_TTL_MS, RESERVED};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveInput {
    pub processor_code: Option<String>,
}

/// Reserve the oldest available ID of a processor for a terminal.
pub async fn reserve(
    b: &Backend,
    p: &Principal,
    raw_terminal: &str,
    input: &ReserveInput,
) -> FleetResult<inv::Model> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_terminal).await?;
    let code = input
        .processor_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| FleetError::field("processor_code", "Required."))?;
    let processor = processors::find(code).ok_or(FleetError::InvalidProcessor)?;
    let now = b.now_ms();
    // Housekeeping on its own (the reads below treat lapsed reservations as available anyway).
    sweep_expired(&b.db, processor.code, now).await?;
    let txn = b.db.begin().await?;
    support::lock_terminal(&txn, &t.id).await?;
    let held = inv::Entity::find()
        .filter(inv::Column::ProcessorId.eq(processor.code))
        .filter(inv::Column::Status.eq(RESERVED))
        .filter(inv::Column::ReservedBy.eq(t.id.clone()))
        .filter(inv::Column::ReservedUntil.gt(now))
        .count(&txn)
        .await?;
    if held > 0 {
        return Err(FleetError::AlreadyReserved);
    }
    let mapped = processor_mappings::Entity::find()
        .filter(processor_mappings::Column::TerminalId.eq(t.id.clone()))
        .filter(processor_mappings::Column::ProcessorId.eq(processor.code))
        .filter(processor_mappings::Column::DeletedAt.is_null())
        .count(&txn)
        .await?;
    if mapped > 0 {
        return Err(FleetError::DuplicateMapping(
            "The terminal already has a terminal ID of this processor.".into(),
        ));
    }
    // Another server may take the candidate between the read and the write: the write is
    // conditional, and a lost race just picks the next candidate.
    let mut won = None;
    for _ in 0..8 {
        let candidate = inv::Entity::find()
            .select_only()
            .column(inv::Column::Id)
            .filter(inv::Column::ProcessorId.eq(processor.code))
            .filter(takeable(now))
            .order_by_asc(inv::Column::CreatedAt)
            .order_by_asc(inv::Column::TerminalCode)
            .into_tuple::<String>()
            .one(&txn)
            .await?;
        let Some(candidate) = candidate else { break };
        let res = inv::Entity::update_many()
            .col_expr(inv::Column::Status, Expr::value(RESERVED))
            .col_expr(inv::Column::ReservedBy, Expr::value(t.id.clone()))
            .col_expr(inv::Column::ReservedAt, Expr::value(now))
            .col_expr(
                inv::Column::ReservedUntil,
                Expr::value(now + RESERVATION_TTL_MS),
            )
            .col_expr(inv::Column::UpdatedAt, Expr::value(now))
            .filter(inv::Column::Id.eq(candidate.clone()))
            .filter(takeable(now))
            .exec(&txn)
            .await?;
        if res.rows_affected == 1 {
            won = Some(candidate);
            break;
        }
    }
    let id = won.ok_or(FleetError::NoAvailableIds)?;
    let row = inv::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(FleetError::InventoryNotFound)?;
    let meta = json!({"inventory_id": row.id, "processor_code": row.processor_id,
                      "processor_terminal_id": row.terminal_code});
    support::record_event(
        &txn,
        &t.id,
        "processor_id_reserved",
        p,
        Some(meta.clone()),
        now,
    )
    .await?;
    txn.commit().await?;
    support::audit(
        b,
        p,
        "fleet.inventory.reserve",
        "terminal",
        &t.id,
        Some(meta),
    )
    .await;
    Ok(row)
}

/// Why an item cannot be assigned to this terminal now.
pub(super) fn assign_refusal(m: &inv::Model, terminal_id: &str, now: i64) -> Option<FleetError> {
    let mine = m.reserved_by.as_deref() == Some(terminal_id);
    let lapsed = m.reserved_until.is_none_or(|u| u <= now);
    match m.status.as_str() {
        RESERVED if mine && !lapsed => None,
        RESERVED | AVAILABLE if mine && lapsed => Some(FleetError::ReservationExpired),
        _ => Some(FleetError::NotReserved),
    }
}

pub async fn assign(
    b: &Backend,
    p: &Principal,
    raw_terminal: &str,
    raw_inventory: &str,
) -> FleetResult<inv::Model> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_terminal).await?;
    let now = b.now_ms();
    let txn = b.db.begin().await?;
    support::lock_terminal(&txn, &t.id).await?;
    let m = item(&txn, raw_inventory).await?;
    if let Some(e) = assign_refusal(&m, &t.id, now) {
        return Err(e);
    }
    let mapping =
        mappings::insert_locked(&txn, &t.id, &m.processor_id, &m.terminal_code, false, now).await?;
    let res = inv::Entity::update_many()
        .col_expr(inv::Column::Status, Expr::value(ASSIGNED))
        .col_expr(inv::Column::AssignedTerminalId, Expr::value(t.id.clone()))
        .col_expr(inv::Column::AssignedAt, Expr::value(now))
        .col_expr(inv::Column::MappingId, Expr::value(mapping.id.clone()))
        .col_expr(inv::Column::UpdatedAt, Expr::value(now))
        .filter(inv::Column::Id.eq(m.id.clone()))
        .filter(inv::Column::Status.eq(RESERVED))
        .filter(inv::Column::ReservedBy.eq(t.id.clone()))
        .filter(inv::Column::ReservedUntil.gt(now))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        // Released or retired by someone else meanwhile: nothing of this is kept.
        return Err(FleetError::NotReserved);
    }
    let row = item(&txn, &m.id).await?;
    let meta = json!({"inventory_id": row.id, "mapping_id": mapping.id,
                      "processor_code": row.processor_id, "processor_terminal_id": row.terminal_code});
    support::record_event(
        &txn,
        &t.id,
        "processor_id_assigned",
        p,
        Some(meta.clone()),
        now,
    )
    .await?;
    txn.commit().await?;
    support::audit(
        b,
        p,
        "fleet.inventory.assign",
        "terminal",
        &t.id,
        Some(meta),
    )
    .await;
    Ok(row)
}
