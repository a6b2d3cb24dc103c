//! Processor mappings: a terminal's IDs at payment processors, one of them primary.
//!
//! Invariants (checked under the terminal's row lock): at most one active mapping per
//! processor per terminal, an active processor terminal ID belongs to one terminal only,
//! exactly one primary among a terminal's active mappings (the first one becomes primary).
//! The primary mapping is mirrored on the terminal (`terminal_code`, `processor_id`), which
//! is what the fleet API shows as the terminal's `terminal_id`.

use super::super::super::entity::{processor_mappings, terminals};
use super::super::super::{Backend, Principal};
use super::error::{FleetError, FleetResult};
use super::{ids, processors, support};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingInput {
    pub processor_code: Option<String>,
    pub processor_terminal_id: Option<String>,
    pub is_primary: Option<bool>,
}

/// A processor-issued terminal ID: 1–32 letters, digits, `-` or `_`.
pub fn valid_processor_terminal_id(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// Every mapping of a terminal, deleted ones too, oldest first.
pub async fn all_for_terminal<C: ConnectionTrait>(
    db: &C,
    terminal_id: &str,
) -> FleetResult<Vec<processor_mappings::Model>> {
    Ok(processor_mappings::Entity::find()
        .filter(processor_mappings::Column::TerminalId.eq(terminal_id))
        .order_by_asc(processor_mappings::Column::CreatedAt)
        .order_by_asc(processor_mappings::Column::Id)
        .all(db)
        .await?)
}

async fn active_for_terminal<C: ConnectionTrait>(
    db: &C,
    terminal_id: &str,
) -> FleetResult<Vec<processor_mappings::Model>> {
    Ok(processor_mappings::Entity::find()
        .filter(processor_mappings::Column::TerminalId.eq(terminal_id))
        .filter(processor_mappings::Column::DeletedAt.is_null())
        .order_by_asc(processor_mappings::Column::CreatedAt)
        .order_by_asc(processor_mappings::Column::Id)
        .all(db)
        .await?)
}

pub async fn list(
    b: &Backend,
    p: &Principal,
    raw_terminal: &str,
) -> FleetResult<Vec<processor_mappings::Model>> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_terminal).await?;
    all_for_terminal(&b.db, &t.id).await
}

/// Mirror the primary mapping on the terminal row (or clear it when there is none).
async fn mirror_primary<C: ConnectionTrait>(
    db: &C,
    terminal_id: &str,
    primary: Option<&processor_mappings::Model>,
    now: i64,
) -> FleetResult<()> {
    terminals::Entity::update_many()
        .col_expr(
            terminals::Column::TerminalCode,
            Expr::value(primary.map(|m| m.processor_terminal_id.clone())),
        )
        .col_expr(
            terminals::Column::ProcessorId,
            Expr::value(primary.map(|m| m.processor_id.clone())),
        )
        .col_expr(terminals::Column::UpdatedAt, Expr::value(now))
        .filter(terminals::Column::Id.eq(terminal_id))
        .exec(db)
        .await?;
    Ok(())
}

async fn clear_primary<C: ConnectionTrait>(db: &C, terminal_id: &str, now: i64) -> FleetResult<()> {
    processor_mappings::Entity::update_many()
        .col_expr(processor_mappings::Column::IsPrimary, Expr::value(false))
        .col_expr(processor_mappings::Column::UpdatedAt, Expr::value(now))
        .filter(processor_mappings::Column::TerminalId.eq(terminal_id))
        .filter(processor_mappings::Column::IsPrimary.eq(true))
        .exec(db)
        .await?;
    Ok(())
}

/// Insert a mapping inside a transaction that holds the terminal's lock, enforcing the
/// invariants; also used by the inventory's assign.
pub async fn insert_locked<C: ConnectionTrait>(
    db: &C,
    terminal_id: &str,
    processor_code: &str,
    processor_terminal_id: &str,
    want_primary: bool,
    now: i64,
) -> FleetResult<processor_mappings::Model> {
    let active = active_for_terminal(db, terminal_id).await?;
    if active.iter().any(|m| m.processor_id == processor_code) {
        return Err(FleetError::DuplicateMapping(
            "Processor mapping already exists for this terminal.".into(),
        ));
    }
    let elsewhere = processor_mappings::Entity::find()
        .filter(processor_mappings::Column::ProcessorId.eq(processor_code))
        .filter(processor_mappings::Column::ProcessorTerminalId.eq(processor_terminal_id))
        .filter(processor_mappings::Column::DeletedAt.is_null())
        .one(db)
        .await?;
    if elsewhere.is_some() {
        return Err(FleetError::DuplicateMapping(
            "This processor terminal ID is mapped to another terminal.".into(),
        ));
    }
    let primary = want_primary || active.is_empty();
    if primary {
        clear_primary(db, terminal_id, now).await?;
    }
    let m = processor_mappings::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        terminal_id: Set(terminal_id.to_owned()),
        processor_id: Set(processor_code.to_owned()),
        processor_terminal_id: Set(processor_terminal_id.to_owned()),
        is_primary: Set(primary),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    }
    .insert(db)
    .await?;
    if primary {
        mirror_primary(db, terminal_id, Some(&m), now).await?;
    } else {
        support::touch_terminal(db, terminal_id, now).await?;
    }
    Ok(m)
}

pub async fn create(
    b: &Backend,
    p: &Principal,
    raw_terminal: &str,
    input: &MappingInput,
) -> FleetResult<processor_mappings::Model> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_terminal).await?;
    let code = input
        .processor_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| FleetError::field("processor_code", "Required."))?;
    let processor = processors::find(code).ok_or(FleetError::InvalidProcessor)?;
    let ptid = input
        .processor_terminal_id
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    if !valid_processor_terminal_id(ptid) {
        return Err(FleetError::field(
            "processor_terminal_id",
            "1–32 letters, digits, '-' or '_'.",
        ));
    }
    let now = b.now_ms();
    let txn = b.db.begin().await?;
    support::lock_terminal(&txn, &t.id).await?;
    let m = insert_locked(
        &txn,
        &t.id,
        processor.code,
        ptid,
        input.is_primary.unwrap_or(false),
        now,
    )
    .await?;
    let meta = json!({"mapping_id": m.id, "processor_code": m.processor_id,
                      "processor_terminal_id": m.processor_terminal_id, "is_primary": m.is_primary});
    support::record_event(
        &txn,
        &t.id,
        "processor_mapping_created",
        p,
        Some(meta.clone()),
        now,
    )
    .await?;
    txn.commit().await?;
    support::audit(b, p, "fleet.mapping.create", "terminal", &t.id, Some(meta)).await;
    Ok(m)
}

/// The active mapping of this terminal, or `mapping_not_found`.
async fn active_mapping<C: ConnectionTrait>(
    db: &C,
    terminal_id: &str,
    raw_mapping: &str,
) -> FleetResult<processor_mappings::Model> {
    let id = ids::parse(raw_mapping, ids::MAPPING).ok_or(FleetError::MappingNotFound)?;
    processor_mappings::Entity::find_by_id(id)
        .filter(processor_mappings::Column::TerminalId.eq(terminal_id))
        .filter(processor_mappings::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or(FleetError::MappingNotFound)
}

pub async fn set_primary(
    b: &Backend,
    p: &Principal,
    raw_terminal: &str,
    raw_mapping: &str,
) -> FleetResult<()> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_terminal).await?;
    let now = b.now_ms();
    let txn = b.db.begin().await?;
    support::lock_terminal(&txn, &t.id).await?;
    let m = active_mapping(&txn, &t.id, raw_mapping).await?;
    if m.is_primary {
        txn.commit().await?;
        return Ok(());
    }
    clear_primary(&txn, &t.id, now).await?;
    let mut am: processor_mappings::ActiveModel = m.clone().into();
    am.is_primary = Set(true);
    am.updated_at = Set(now);
    let m = am.update(&txn).await?;
    mirror_primary(&txn, &t.id, Some(&m), now).await?;
    let meta = json!({"mapping_id": m.id, "processor_code": m.processor_id,
                      "processor_terminal_id": m.processor_terminal_id});
    support::record_event(
        &txn,
        &t.id,
        "processor_primary_changed",
        p,
        Some(meta.clone()),
        now,
    )
    .await?;
    txn.commit().await?;
    support::audit(b, p, "fleet.mapping.primary", "terminal", &t.id, Some(meta)).await;
    Ok(())
}

/// Soft-delete a mapping inside a locked transaction. A primary is replaced by the oldest
/// other active mapping (or cleared); an inventory ID assigned through it goes back to the
/// pool (returns how many). Used by `delete` (which refuses the primary first) and the
/// inventory's release.
pub async fn deactivate_locked<C: ConnectionTrait>(
    db: &C,
    m: &processor_mappings::Model,
    now: i64,
) -> FleetResult<u64> {
    let mut am: processor_mappings::ActiveModel = m.clone().into();
    am.deleted_at = Set(Some(now));
    am.is_primary = Set(false);
    am.updated_at = Set(now);
    am.update(db).await?;
    if m.is_primary {
        let next = active_for_terminal(db, &m.terminal_id)
            .await?
            .into_iter()
            .next();
        if let Some(next) = &next {
            let mut an: processor_mappings::ActiveModel = next.clone().into();
            an.is_primary = Set(true);
            an.updated_at = Set(now);
            an.update(db).await?;
        }
        mirror_primary(db, &m.terminal_id, next.as_ref(), now).await?;
    } else {
        support::touch_terminal(db, &m.terminal_id, now).await?;
    }
    super::inventory::release_for_mapping_locked(db, &m.id, now).await
}

pub async fn delete(
    b: &Backend,
    p: &Principal,
    raw_terminal: &str,
    raw_mapping: &str,
) -> FleetResult<()> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_terminal).await?;
    let now = b.now_ms();
    let txn = b.db.begin().await?;
    support::lock_terminal(&txn, &t.id).await?;
    let m = active_mapping(&txn, &t.id, raw_mapping).await?;
    if m.is_primary {
        return Err(FleetError::CannotDeletePrimary);
    }
    deactivate_locked(&txn, &m, now).await?;
    let meta = json!({"mapping_id": m.id, "processor_code": m.processor_id,
                      "processor_terminal_id": m.processor_terminal_id});
    support::record_event(
        &txn,
        &t.id,
        "processor_mapping_deleted",
        p,
        Some(meta.clone()),
        now,
    )
    .await?;
    txn.commit().await?;
    support::audit(b, p, "fleet.mapping.delete", "terminal", &t.id, Some(meta)).await;
    Ok(())
}
