//! The acquirer ledger (`acquirer_calls`): every call made to the acquirer for an operation,
//! and the voids and refunds still owed.
//!
//! Invariant: every approved amount authorization ends in exactly one of *captured with a
//! completed entry*, *voided*, or *refunded*. A void or refund is first written as an owed row
//! (`PENDING`, unique idempotency key — so it is owed once, whoever notices first), then
//! attempted; one that fails stays `PENDING` and is retried by [`retry_due`] with exponential
//! backoff until the acquirer accepts it. Nothing is dropped: the panel shows the owed count.

use super::super::acquirer::{bounded, idem_key, AcqOutcome, AcqResponse, CallKind};
use super::super::entity::acquirer_calls;
use super::super::error::ServiceResult;
use super::super::Backend;
use access_core::domain::{Currency, Money};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

pub const PENDING: &str = "PENDING";
pub const VOIDED: &str = "VOIDED";
pub const REFUNDED: &str = "REFUNDED";

/// First retry after 10 s, doubling, at most an hour apart.
pub fn backoff_ms(attempts: i32) -> i64 {
    let exp = attempts.clamp(1, 20) - 1;
    (10_000i64 << exp).min(3_600_000)
}

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Record an authorization-type call (account status, authorization, additional
/// authorization) and its answer. A repeat of the same idempotency key updates the row.
#[allow(clippy::too_many_arguments)]
pub async fn record<C: ConnectionTrait>(
    db: &C,
    operation_id: &str,
    kind: CallKind,
    amount: Option<Money>,
    key: &str,
    reference: Option<&str>,
    answer: &AcqResponse,
    now: i64,
) -> Result<(), DbErr> {
    let row = acquirer_calls::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        operation_id: Set(operation_id.to_owned()),
        kind: Set(kind.as_str().to_owned()),
        reference: Set(answer
            .reference
            .clone()
            .or_else(|| reference.map(str::to_owned))),
        amount_minor: Set(amount.map(|a| a.minor())),
        currency: Set(amount.map(|a| a.currency().code().to_owned())),
        idempotency_key: Set(key.to_owned()),
        outcome: Set(answer.outcome.as_str().to_owned()),
        response_code: Set(Some(answer.response_code.clone())),
        attempts: Set(1),
        next_attempt_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    match row.insert(db).await {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => acquirer_calls::Entity::update_many()
            .col_expr(
                acquirer_calls::Column::Outcome,
                Expr::value(answer.outcome.as_str()),
            )
            .col_expr(
                acquirer_calls::Column::ResponseCode,
                Expr::value(answer.response_code.clone()),
            )
            .col_expr(
                acquirer_calls::Column::Attempts,
                Expr::col(acquirer_calls::Column::Attempts).add(1),
            )
            .col_expr(acquirer_calls::Column::UpdatedAt, Expr::value(now))
            .filter(acquirer_calls::Column::IdempotencyKey.eq(key))
            .exec(db)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    }
}

/// The operation's ledger, oldest first (operation details, export).
pub async fn calls_of<C: ConnectionTrait>(
    db: &C,
    operation_id: &str,
) -> Result<Vec<acquirer_calls::Model>, DbErr> {
    let mut calls = acquirer_calls::Entity::find()
        .filter(acquirer_calls::Column::OperationId.eq(operation_id))
        .all(db)
        .await?;
    sort_calls(&mut calls);
    Ok(calls)
}

/// Oldest first; calls of the same instant in lifecycle order.
pub fn sort_calls(calls: &mut [acquirer_calls::Model]) {
    let rank = |kind: &str| match kind {
        "ACCOUNT_STATUS" => 0,
        "AUTHORIZATION" => 1,
        "ADDITIONAL_AUTHORIZATION" => 2,
        "VOID" => 3,
        _ => 4,
    };
    calls.sort_by(|a, b| {
        (a.created_at, rank(&a.kind), a.updated_at).cmp(&(
            b.created_at,
            rank(&b.kind),
            b.updated_at,
        ))
    });
}

/// The check-time reference of the operation: its approved amount authorization's, else its
/// account status inquiry's.
pub async fn reference_of<C: ConnectionTrait>(
    db: &C,
    operation_id: &str,
) -> Result<Option<String>, DbErr> {
    let calls = calls_of(db, operation_id).await?;
    let approved = |kind: CallKind| {
        calls
            .iter()
            .filter(|c| c.kind == kind.as_str() && c.outcome == "APPROVED")
            .find_map(|c| c.reference.clone())
    };
    Ok(approved(CallKind::Authorization).or_else(|| approved(CallKind::AccountStatus)))
}

/// The amounts authorized (approved authorizations and additional authorizations of the
/// operation), one per currency in order of first use (each price has its own currency), with
/// the reference they were made against.
fn authorized(calls: &[acquirer_calls::Model]) -> Option<(String, Vec<Money>)> {
    let mut totals: Vec<(String, i64)> = Vec::new();
    let mut reference = None;
    for c in calls.iter().filter(|c| {
        c.outcome == "APPROVED"
            && (c.kind == CallKind::Authorization.as_str()
                || c.kind == CallKind::AdditionalAuthorization.as_str())
    }) {
        if let Some(cur) = c.currency.clone() {
            match totals.iter_mut().find(|t| t.0 == cur) {
                Some(t) => t.1 += c.amount_minor.unwrap_or(0),
                None => totals.push((cur, c.amount_minor.unwrap_or(0))),
            }
        }
        if c.kind == CallKind::Authorization.as_str() || reference.is_none() {
            reference = reference.or_else(|| c.reference.clone());
        }
    }
    let reference = reference.or_else(|| {
        calls
            .iter()
            .find(|c| c.kind == CallKind::AccountStatus.as_str() && c.outcome == "APPROVED")
            .and_then(|c| c.reference.clone())
    })?;
    let amounts: Vec<Money> = totals
        .into_iter()
        .filter(|(_, m)| *m > 0)
        .filter_map(|(c, m)| Some(Money::from_minor(m, Currency::from_code(&c).ok()?)))
        .collect();
    (!amounts.is_empty()).then_some((reference, amounts))
}

/// The idempotency key of an owed void or refund: the first currency keeps the key it always
/// had, another currency's carries its code.
fn keyed(operation_id: &str, kind: CallKind, amount: Money, first: bool) -> String {
    let key = idem_key(operation_id, kind, amount.minor());
    if first {
        key
    } else {
        format!("{key}:{}", amount.currency().code())
    }
}

/// Write an owed void or refund (once per operation, kind and amount); its idempotency key.
async fn owe<C: ConnectionTrait>(
    db: &C,
    operation_id: &str,
    kind: CallKind,
    reference: &str,
    amount: Money,
    key: String,
    now: i64,
) -> Result<String, DbErr> {
    let row = acquirer_calls::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        operation_id: Set(operation_id.to_owned()),
        kind: Set(kind.as_str().to_owned()),
        reference: Set(Some(reference.to_owned())),
        amount_minor: Set(Some(amount.minor())),
        currency: Set(Some(amount.currency().code().to_owned())),
        idempotency_key: Set(key.clone()),
        outcome: Set(PENDING.to_owned()),
        response_code: Set(None),
        attempts: Set(0),
        next_attempt_at: Set(Some(now)),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    match row.insert(db).await {
        Ok(_) => Ok(key),
        Err(e) if is_unique_violation(&e) => Ok(key),
        Err(e) => Err(e),
    }
}

/// Release what the operation has authorized (grant expired, lost, or not stored): owe one
/// void for the whole authorized amount and try it now. No-op when nothing is authorized.
pub async fn void_authorizations(b: &Backend, operation_id: &str) -> ServiceResult<()> {
    let calls = calls_of(&b.db, operation_id).await?;
    let Some((reference, totals)) = authorized(&calls) else {
        return Ok(());
    };
    // One void per currency for what is still authorized in it.
    for (i, total) in totals.into_iter().enumerate() {
        let code = total.currency().code();
        // Already released (or owed) in this currency: voids and refunds written so far,
        // whatever their state.
        let released: i64 = calls
            .iter()
            .filter(|c| c.kind == CallKind::Void.as_str() || c.kind == CallKind::Refund.as_str())
            .filter(|c| c.currency.as_deref().is_none_or(|c| c == code))
            .filter_map(|c| c.amount_minor)
            .sum();
        let remaining = total.minor() - released;
        if remaining <= 0 {
            continue;
        }
        // Keyed by the cumulative amount authorized, so noticing twice owes it once.
        let key = keyed(operation_id, CallKind::Void, total, i == 0);
        let amount = Money::from_minor(remaining, total.currency());
        let key = owe(
            &b.db,
            operation_id,
            CallKind::Void,
            &reference,
            amount,
            key,
            b.now_ms(),
        )
        .await?;
        attempt_key(b, &key).await?;
    }
    Ok(())
}

/// Refund a reversed paid entry: owe one refund per currency of what was captured (each
/// price in its own currency) and try them now.
pub async fn refund_entry(
    b: &Backend,
    operation_id: &str,
    captured: &[Money],
) -> ServiceResult<()> {
    let captured: Vec<Money> = captured.iter().copied().filter(|m| m.minor() > 0).collect();
    if captured.is_empty() {
        return Ok(());
    }
    let Some(reference) = reference_of(&b.db, operation_id).await? else {
        tracing::error!(
            operation_id,
            "a paid entry has no acquirer reference to refund"
        );
        return Ok(());
    };
    for (i, amount) in captured.into_iter().enumerate() {
        let key = owe(
            &b.db,
            operation_id,
            CallKind::Refund,
            &reference,
            amount,
            keyed(operation_id, CallKind::Refund, amount, i == 0),
            b.now_ms(),
        )
        .await?;
        attempt_key(b, &key).await?;
    }
    Ok(())
}

async fn attempt_key(b: &Backend, key: &str) -> ServiceResult<()> {
    let row = acquirer_calls::Entity::find()
        .filter(acquirer_calls::Column::IdempotencyKey.eq(key))
        .one(&b.db)
        .await?;
    if let Some(row) = row {
        attempt(b, row).await?;
    }
    Ok(())
}

/// One attempt at an owed void or refund that is due. The row is claimed first (a conditional
/// update of its attempt counter, which also schedules the next try), so two app servers never
/// send it at once; the acquirer sees the same idempotency key on every attempt.
async fn attempt(b: &Backend, row: acquirer_calls::Model) -> ServiceResult<bool> {
    let now = b.now_ms();
    if row.outcome != PENDING || row.next_attempt_at.is_some_and(|t| t > now) {
        return Ok(false);
    }
    let attempts = row.attempts + 1;
    let claimed = acquirer_calls::Entity::update_many()
        .col_expr(acquirer_calls::Column::Attempts, Expr::value(attempts))
        .col_expr(
            acquirer_calls::Column::NextAttemptAt,
            Expr::value(now + backoff_ms(attempts)),
        )
        .col_expr(acquirer_calls::Column::UpdatedAt, Expr::value(now))
        .filter(acquirer_calls::Column::Id.eq(row.id.clone()))
        .filter(acquirer_calls::Column::Outcome.eq(PENDING))
        .filter(acquirer_calls::Column::Attempts.eq(row.attempts))
        .exec(&b.db)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(false);
    }
    let (Some(reference), Some(minor), Some(currency)) = (
        row.reference.as_deref(),
        row.amount_minor,
        row.currency
            .as_deref()
            .and_then(|c| Currency::from_code(c).ok()),
    ) else {
        tracing::error!(
            id = row.id,
            "an owed acquirer call lacks its reference or amount"
        );
        return Ok(false);
    };
    let amount = Money::from_minor(minor, currency);
    let timeout = b.settings.acquirer_timeout;
    let (answer, done) = if row.kind == CallKind::Refund.as_str() {
        (
            bounded(
                timeout,
                b.acquirer.refund(reference, amount, &row.idempotency_key),
            )
            .await,
            REFUNDED,
        )
    } else {
        (
            bounded(
                timeout,
                b.acquirer.void(reference, amount, &row.idempotency_key),
            )
            .await,
            VOIDED,
        )
    };
    let ok = answer.outcome == AcqOutcome::Approved;
    let mut update = acquirer_calls::Entity::update_many()
        .col_expr(
            acquirer_calls::Column::ResponseCode,
            Expr::value(answer.response_code.clone()),
        )
        .col_expr(acquirer_calls::Column::UpdatedAt, Expr::value(b.now_ms()));
    if ok {
        update = update
            .col_expr(acquirer_calls::Column::Outcome, Expr::value(done))
            .col_expr(
                acquirer_calls::Column::NextAttemptAt,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(
                acquirer_calls::Column::LastError,
                Expr::value(Option::<String>::None),
            );
    } else {
        tracing::warn!(
            id = row.id,
            kind = row.kind,
            code = answer.response_code,
            attempts,
            "acquirer {} failed; retried later",
            row.kind
        );
        update = update.col_expr(
            acquirer_calls::Column::LastError,
            Expr::value(Some(format!(
                "{} ({})",
                answer.outcome.as_str(),
                answer.response_code
            ))),
        );
    }
    update
        .filter(acquirer_calls::Column::Id.eq(row.id.clone()))
        .exec(&b.db)
        .await?;
    Ok(ok)
}

/// Retry the owed voids and refunds that are due; how many succeeded. Safe on every app
/// server at once. Run by the background job next to the grant sweeper.
pub async fn retry_due(b: &Backend) -> ServiceResult<u64> {
    let due = acquirer_calls::Entity::find()
        .filter(acquirer_calls::Column::Outcome.eq(PENDING))
        .filter(acquirer_calls::Column::NextAttemptAt.lte(b.now_ms()))
        .order_by_asc(acquirer_calls::Column::NextAttemptAt)
        .limit(100)
        .all(&b.db)
        .await?;
    let mut n = 0;
    for row in due {
        if attempt(b, row).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// Voids and refunds owed and not yet accepted by the acquirer (the panel's pending count).
pub async fn pending_count<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    acquirer_calls::Entity::find()
        .filter(acquirer_calls::Column::Outcome.eq(PENDING))
        .count(db)
        .await
}
