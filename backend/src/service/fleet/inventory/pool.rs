//! Importing IDs into the pool and listing it.

use super::super::super::super::entity::terminal_id_inventory as inv;
use super::super::super::super::{Backend, Principal};
use super::super::error::{FleetError, FleetResult};
use super::super::{mappings, support};
use super::{
    processor_of, sweep_expired, takeable, ASSIGNED, AVAILABLE, DEFAULT_LIMIT, MAX_IMPORT,
    MAX_LIMIT, RESERVED, RETIRED,
};
use sea_orm::sea_query::{Expr, Func, LikeExpr, OnConflict};
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashSet;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportInput {
    #[serde(default)]
    pub terminal_ids: Vec<String>,
    pub batch_reference: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportResult {
    pub imported: u64,
    pub duplicates: u64,
    pub failed: u64,
    pub batch_reference: Option<String>,
    pub inventory_ids: Vec<String>,
    /// The IDs counted as `failed` (not a valid processor terminal ID).
    pub failed_ids: Vec<String>,
}

pub async fn import(
    b: &Backend,
    p: &Principal,
    raw_processor: &str,
    input: &ImportInput,
) -> FleetResult<ImportResult> {
    support::require(p)?;
    let processor = processor_of(raw_processor)?;
    if input.terminal_ids.is_empty() {
        return Err(FleetError::EmptyList);
    }
    if input.terminal_ids.len() > MAX_IMPORT {
        return Err(FleetError::field(
            "terminal_ids",
            &format!("At most {MAX_IMPORT} per import."),
        ));
    }
    let mut errors = Vec::new();
    let batch = support::opt_text(
        "batch_reference",
        input.batch_reference.as_deref(),
        64,
        &mut errors,
    );
    let notes = support::opt_text("notes", input.notes.as_deref(), 1000, &mut errors);
    if !errors.is_empty() {
        return Err(FleetError::InvalidRequest(errors));
    }
    let now = b.now_ms();
    let mut out = ImportResult {
        imported: 0,
        duplicates: 0,
        failed: 0,
        batch_reference: batch.clone(),
        inventory_ids: Vec::new(),
        failed_ids: Vec::new(),
    };
    let mut seen = HashSet::new();
    let txn = b.db.begin().await?;
    for raw in &input.terminal_ids {
        let code = raw.trim();
        if !mappings::valid_processor_terminal_id(code) {
            out.failed += 1;
            out.failed_ids.push(raw.clone());
            continue;
        }
        if !seen.insert(code.to_owned()) {
            out.duplicates += 1;
            continue;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let row = inv::ActiveModel {
            id: Set(id.clone()),
            processor_id: Set(processor.code.to_owned()),
            terminal_code: Set(code.to_owned()),
            status: Set(AVAILABLE.to_owned()),
            batch_id: Set(batch.clone()),
            notes: Set(notes.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let inserted = inv::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([inv::Column::ProcessorId, inv::Column::TerminalCode])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        if inserted == 1 {
            out.imported += 1;
            out.inventory_ids.push(id);
        } else {
            out.duplicates += 1;
        }
    }
    txn.commit().await?;
    let detail = json!({"processor": processor.code, "imported": out.imported,
                        "duplicates": out.duplicates, "failed": out.failed, "batch_reference": batch});
    support::audit(
        b,
        p,
        "fleet.inventory.import",
        "processor",
        processor.code,
        Some(detail),
    )
    .await;
    Ok(out)
}

/// The list's query as given.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct InventoryQuery {
    pub status: Option<String>,
    pub search: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InventoryPage {
    pub items: Vec<inv::Model>,
    pub limit: u64,
    pub offset: u64,
    pub total_count: u64,
    /// The instant the page was read (for effective statuses).
    pub now: i64,
}

fn parse_u64(name: &str, v: Option<&str>, default: u64, min: u64, max: u64) -> FleetResult<u64> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                FleetError::InvalidFilter(format!("{name}: a whole number from {min} to {max}."))
            }),
    }
}

pub async fn list(
    b: &Backend,
    p: &Principal,
    raw_processor: &str,
    q: &InventoryQuery,
) -> FleetResult<InventoryPage> {
    support::require(p)?;
    let processor = processor_of(raw_processor)?;
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) if [AVAILABLE, RESERVED, ASSIGNED, RETIRED].contains(&s) => Some(s.to_owned()),
        Some(s) => {
            return Err(FleetError::InvalidFilter(format!(
                "status: '{s}' is not one of available, reserved, assigned, retired."
            )))
        }
    };
    let limit = parse_u64("limit", q.limit.as_deref(), DEFAULT_LIMIT, 1, MAX_LIMIT)?;
    let offset = parse_u64("offset", q.offset.as_deref(), 0, 0, i64::MAX as u64)?;
    let now = b.now_ms();
    sweep_expired(&b.db, processor.code, now).await?;
    let mut select = inv::Entity::find().filter(inv::Column::ProcessorId.eq(processor.code));
    // By effective status, whether or not the sweep above won against concurrent writers.
    select = match status.as_deref() {
        None => select,
        Some(AVAILABLE) => select.filter(takeable(now)),
        Some(RESERVED) => select
            .filter(inv::Column::Status.eq(RESERVED))
            .filter(inv::Column::ReservedUntil.gt(now)),
        Some(s) => select.filter(inv::Column::Status.eq(s)),
    };
    if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        select = select.filter(
            Expr::expr(Func::lower(Expr::col((
                inv::Entity,
                inv::Column::TerminalCode,
            ))))
            .like(LikeExpr::new(support::like_pattern(s)).escape('\\')),
        );
    }
    let total_count = select.clone().count(&b.db).await?;
    let items = select
        .order_by_desc(inv::Column::CreatedAt)
        .order_by_asc(inv::Column::TerminalCode)
        .offset(offset)
        .limit(limit)
        .all(&b.db)
        .await?;
    Ok(InventoryPage {
        items,
        limit,
        offset,
        total_count,
        now,
    })
}
