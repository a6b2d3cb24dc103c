//! Assigning a terminal to a business (not in the seed, which shows assignments but has no
//! endpoint for them): `PUT` / `DELETE /api/v1/admin/pos-terminals/{terminalID}/assignment`.
//! A new assignment closes the current one; the history stays in `terminal_assignments`.

use super::super::super::entity::{terminal_assignments, terminals};
use super::super::super::{Backend, Principal};
use super::details::{self, Assignment};
use super::error::{FleetError, FleetResult};
use super::support;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    pub business_id: Option<String>,
    pub business_name: Option<String>,
    pub ledger_account_id: Option<String>,
    pub ledger_account_name: Option<String>,
    pub assignment_reason: Option<String>,
}

struct Valid {
    business_id: String,
    business_name: String,
    ledger_account_id: Option<String>,
    ledger_account_name: Option<String>,
    assignment_reason: Option<String>,
}

fn validate(i: &AssignmentInput) -> FleetResult<Valid> {
    let mut errors = Vec::new();
    let business_id = support::opt_text("business_id", i.business_id.as_deref(), 64, &mut errors);
    let business_name = support::opt_text(
        "business_name",
        i.business_name.as_deref(),
        200,
        &mut errors,
    );
    let ledger_account_id = support::opt_text(
        "ledger_account_id",
        i.ledger_account_id.as_deref(),
        64,
        &mut errors,
    );
    let ledger_account_name = support::opt_text(
        "ledger_account_name",
        i.ledger_account_name.as_deref(),
        200,
        &mut errors,
    );
    let assignment_reason = support::opt_text(
        "assignment_reason",
        i.assignment_reason.as_deref(),
        500,
        &mut errors,
    );
    if business_id.is_none() && !errors.iter().any(|e| e.field == "business_id") {
        errors.push(access_core::model::FieldError::new(
            "business_id",
            "Required.",
        ));
    }
    if business_name.is_none() && !errors.iter().any(|e| e.field == "business_name") {
        errors.push(access_core::model::FieldError::new(
            "business_name",
            "Required.",
        ));
    }
    match (business_id, business_name) {
        (Some(business_id), Some(business_name)) if errors.is_empty() => Ok(Valid {
            business_id,
            business_name,
            ledger_account_id,
            ledger_account_name,
            assignment_reason,
        }),
        _ => Err(FleetError::InvalidRequest(errors)),
    }
}

/// Close the open assignment row of a terminal, if any.
async fn close_current<C: sea_orm::ConnectionTrait>(
    db: &C,
    id: &str,
    now: i64,
) -> FleetResult<u64> {
    Ok(terminal_assignments::Entity::update_many()
        .col_expr(terminal_assignments::Column::UnassignedAt, Expr::value(now))
        .filter(terminal_assignments::Column::TerminalId.eq(id))
        .filter(terminal_assignments::Column::UnassignedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

pub async fn assign(
    b: &Backend,
    p: &Principal,
    raw_id: &str,
    input: &AssignmentInput,
) -> FleetResult<Assignment> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_id).await?;
    let v = validate(input)?;
    let now = b.now_ms();
    let txn = b.db.begin().await?;
    support::lock_terminal(&txn, &t.id).await?;
    close_current(&txn, &t.id, now).await?;
    let row = terminal_assignments::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        terminal_id: Set(t.id.clone()),
        business_id: Set(v.business_id.clone()),
        business_name: Set(v.business_name.clone()),
        ledger_account_id: Set(v.ledger_account_id),
        ledger_account_name: Set(v.ledger_account_name),
        assignment_reason: Set(v.assignment_reason),
        assigned_by: Set(p.user_id.clone()),
        assigned_at: Set(now),
        unassigned_at: Set(None),
    }
    .insert(&txn)
    .await?;
    terminals::Entity::update_many()
        .col_expr(terminals::Column::Assigned, Expr::value(true))
        .col_expr(
            terminals::Column::BusinessId,
            Expr::value(v.business_id.clone()),
        )
        .col_expr(
            terminals::Column::BusinessName,
            Expr::value(v.business_name.clone()),
        )
        .col_expr(terminals::Column::UpdatedAt, Expr::value(now))
        .filter(terminals::Column::Id.eq(t.id.clone()))
        .exec(&txn)
        .await?;
    let meta = json!({"business_id": v.business_id, "business_name": v.business_name});
    support::record_event(&txn, &t.id, "terminal_assigned", p, Some(meta.clone()), now).await?;
    txn.commit().await?;
    support::audit(b, p, "fleet.terminal.assign", "terminal", &t.id, Some(meta)).await;
    let assigned_by = details::actors(b, std::iter::once(p.user_id.clone()))
        .await?
        .remove(&p.user_id)
        .unwrap_or(details::Actor {
            id: p.user_id.clone(),
            name: None,
            role: Some(p.role),
        });
    Ok(Assignment { row, assigned_by })
}

/// End the current assignment; `terminal_unassigned` when there is none.
pub async fn unassign(b: &Backend, p: &Principal, raw_id: &str) -> FleetResult<()> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_id).await?;
    let now = b.now_ms();
    let txn = b.db.begin().await?;
    support::lock_terminal(&txn, &t.id).await?;
    let closed = close_current(&txn, &t.id, now).await?;
    let t = terminals::Entity::find_by_id(t.id.clone())
        .one(&txn)
        .await?
        .ok_or(FleetError::TerminalNotFound)?;
    if closed == 0 && !t.assigned {
        return Err(FleetError::TerminalUnassigned);
    }
    let mut m: terminals::ActiveModel = t.clone().into();
    m.assigned = Set(false);
    m.business_id = Set(None);
    m.business_name = Set(None);
    m.updated_at = Set(now);
    m.update(&txn).await?;
    let meta = json!({"business_id": t.business_id, "business_name": t.business_name});
    support::record_event(&txn, &t.id, "terminal_unassigned", p, Some(meta), now).await?;
    txn.commit().await?;
    support::audit(b, p, "fleet.terminal.unassign", "terminal", &t.id, None).await;
    Ok(())
}

/// Move a terminal to another access-control location, or unassign it from any (`None`):
/// `PUT /api/v1/admin/pos-terminals/{terminalID}/location`. The same service as the admin
/// API's `PUT /api/v1/admin/terminals/{serial}/location` and the panel's "Move to…"
/// ([`crate::service::terminals::move_to`]: checks, terminal event, audit); only the id
/// differs (the fleet's `term_<uuid>`).
pub async fn move_to_location(
    b: &Backend,
    p: &Principal,
    raw_id: &str,
    location_id: Option<&str>,
) -> FleetResult<String> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_id).await?;
    super::super::terminals::move_to(b, p, &t.serial_number, location_id).await?;
    Ok(t.id)
}
