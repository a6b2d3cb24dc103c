//! `POST /api/v1/admin/pos-terminals/{terminalID}/prepare-collection`: a pending payment
//! session on an active, assigned terminal, expiring after `expires_in_minutes`.
//!
//! A terminal shows one amount at a time: preparing a session cancels the terminal's other
//! pending sessions, and marks its overdue ones `expired`.

use super::super::super::entity::{collection_sessions, terminals};
use super::super::super::{Backend, Principal};
use super::error::{FleetError, FleetResult};
use super::support;
use access_core::model::FieldError;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde::Deserialize;
use serde_json::{json, Value};

pub const DEFAULT_CURRENCY: &str = "NGN";
pub const DEFAULT_EXPIRY_MINUTES: i64 = 30;
pub const MAX_EXPIRY_MINUTES: i64 = 24 * 60;
/// Amounts are minor units; this bounds them far above any real payment.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionInput {
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub reference: Option<String>,
    pub description: Option<String>,
    pub expires_in_minutes: Option<i64>,
    pub metadata: Option<Value>,
}

struct Valid {
    amount: i64,
    currency: String,
    reference: Option<String>,
    description: Option<String>,
    expires_in_minutes: i64,
    metadata: Option<String>,
}

fn validate(i: &CollectionInput) -> FleetResult<Valid> {
    let mut errors = Vec::new();
    let amount = match i.amount {
        Some(a) if (1..=MAX_AMOUNT).contains(&a) => a,
        Some(_) => {
            errors.push(FieldError::new(
                "amount",
                "A positive amount in minor units.",
            ));
            0
        }
        None => {
            errors.push(FieldError::new("amount", "Required."));
            0
        }
    };
    let currency = i
        .currency
        .as_deref()
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| DEFAULT_CURRENCY.into());
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        errors.push(FieldError::new("currency", "An ISO 4217 code, e.g. NGN."));
    }
    let reference = support::opt_text("reference", i.reference.as_deref(), 64, &mut errors);
    let description = support::opt_text("description", i.description.as_deref(), 255, &mut errors);
    let expires_in_minutes = i.expires_in_minutes.unwrap_or(DEFAULT_EXPIRY_MINUTES);
    if !(1..=MAX_EXPIRY_MINUTES).contains(&expires_in_minutes) {
        errors.push(FieldError::new(
            "expires_in_minutes",
            format!("From 1 to {MAX_EXPIRY_MINUTES}."),
        ));
    }
    let metadata = match &i.metadata {
        None | Some(Value::Null) => None,
        Some(v) => support::json_object("metadata", v, 8 * 1024, &mut errors),
    };
    if !errors.is_empty() {
        return Err(FleetError::InvalidRequest(errors));
    }
    Ok(Valid {
        amount,
        currency,
        reference,
        description,
        expires_in_minutes,
        metadata,
    })
}

pub async fn prepare(
    b: &Backend,
    p: &Principal,
    raw_terminal: &str,
    input: &CollectionInput,
) -> FleetResult<collection_sessions::Model> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_terminal).await?;
    let v = validate(input)?;
    let now = b.now_ms();
    let txn = b.db.begin().await?;
    support::lock_terminal(&txn, &t.id).await?;
    let t = terminals::Entity::find_by_id(t.id.clone())
        .one(&txn)
        .await?
        .ok_or(FleetError::TerminalNotFound)?;
    if t.status != "active" {
        return Err(FleetError::TerminalInactive);
    }
    if !t.assigned {
        return Err(FleetError::TerminalUnassigned);
    }
    for (status, overdue) in [("expired", true), ("cancelled", false)] {
        let mut u = collection_sessions::Entity::update_many()
            .col_expr(collection_sessions::Column::Status, Expr::value(status))
            .filter(collection_sessions::Column::TerminalId.eq(t.id.clone()))
            .filter(collection_sessions::Column::Status.eq("pending"));
        if overdue {
            u = u.filter(collection_sessions::Column::ExpiresAt.lte(now));
        }
        u.exec(&txn).await?;
    }
    let session = collection_sessions::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        terminal_id: Set(t.id.clone()),
        amount_minor: Set(v.amount),
        currency: Set(v.currency),
        channel: Set(None),
        reference: Set(v.reference),
        description: Set(v.description),
        metadata_json: Set(v.metadata),
        status: Set("pending".into()),
        expires_at: Set(now + v.expires_in_minutes * 60_000),
        created_by: Set(Some(p.user_id.clone())),
        created_at: Set(now),
        completed_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let meta = json!({"session_id": session.id, "amount": session.amount_minor,
                      "currency": session.currency, "reference": session.reference});
    support::record_event(
        &txn,
        &t.id,
        "collection_prepared",
        p,
        Some(meta.clone()),
        now,
    )
    .await?;
    txn.commit().await?;
    support::audit(
        b,
        p,
        "fleet.collection.prepare",
        "terminal",
        &t.id,
        Some(meta),
    )
    .await;
    Ok(session)
}

/// The terminal's most recent collection sessions (newest first, at most `limit`), for the
/// panel's terminal screen. A pending session past its expiry reads as `expired`.
pub async fn recent(
    b: &Backend,
    p: &Principal,
    raw_terminal: &str,
    limit: u64,
) -> FleetResult<Vec<collection_sessions::Model>> {
    use sea_orm::{QueryOrder, QuerySelect};
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_terminal).await?;
    let now = b.now_ms();
    let mut rows = collection_sessions::Entity::find()
        .filter(collection_sessions::Column::TerminalId.eq(t.id))
        .order_by_desc(collection_sessions::Column::CreatedAt)
        .order_by_desc(collection_sessions::Column::Id)
        .limit(limit.clamp(1, 100))
        .all(&b.db)
        .await?;
    for r in &mut rows {
        if r.status == "pending" && r.expires_at <= now {
            r.status = "expired".into();
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let v = validate(&CollectionInput {
            amount: Some(50_000),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(v.currency, "NGN");
        assert_eq!(v.expires_in_minutes, 30);
        match validate(&CollectionInput {
            amount: Some(0),
            currency: Some("euro".into()),
            expires_in_minutes: Some(0),
            metadata: Some(json!("x")),
            ..Default::default()
        }) {
            Err(FleetError::InvalidRequest(e)) => assert_eq!(e.len(), 4),
            other => panic!("{}", other.is_ok()),
        }
    }
}
