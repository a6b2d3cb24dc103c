//! The Operations screen and `/api/v1/admin/operations`: the filtered list, details, "Show
//! rule", "Show transactions" and the reversal of DOMAIN.md.

use super::super::entity::{card_transactions, locations, operations};
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo::{self, operations::OpScope};
use super::super::{audit, Backend, Principal};
use access_core::model::{
    authz, paging, AcquirerCallView, Capability, CardTransactionView, LocationOption,
    OperationDetail, OperationFilter, OperationView, Page, Role, RuleVersionView, Scope,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// How long after the entry a Service Provider may still reverse it.
pub const PROVIDER_REVERSAL_WINDOW_MS: i64 = 30 * 60 * 1000;
pub const MAX_REASON_LEN: usize = 500;

pub fn view(o: operations::Model) -> OperationView {
    let amounts = super::amounts::of(&o)
        .into_iter()
        .map(|m| access_core::model::AmountView {
            currency: m.currency().code().to_owned(),
            amount_minor: m.minor(),
        })
        .collect();
    OperationView {
        amounts,
        id: o.id,
        op_type: o.op_type,
        status: o.status,
        masked_pan: o.masked_pan,
        bin: o.bin,
        last4: o.last4,
        terminal_serial: o.terminal_serial,
        location_id: o.location_id,
        location_name: o.location_name,
        service_code: o.service_code,
        country: o.country,
        ica: o.ica,
        ica_name: o.ica_name,
        product_code: o.product_code,
        entry_mode: o.entry_mode,
        ruleset_id: o.ruleset_id,
        ruleset_version: o.ruleset_version,
        reject_code: o.reject_code,
        card_auth_response_code: o.card_auth_response_code,
        cardholder_paid: o.cardholder_paid,
        free_entry: o.free_entry,
        free_adult_guests: o.free_adult_guests,
        paid_adult_guests: o.paid_adult_guests,
        free_child_guests: o.free_child_guests,
        paid_child_guests: o.paid_child_guests,
        total_minor: o.total_minor,
        currency: o.currency,
        over_limit: o.over_limit,
        offline_policy_breach: o.offline_policy_breach,
        offline_basis: o.offline_basis,
        requested_at: o.requested_at,
        occurred_at: o.occurred_at,
        confirmed_at: o.confirmed_at,
        updated_at: o.updated_at,
        reversed_at: o.reversed_at,
        reversed_by: o.reversed_by,
        reversal_reason: o.reversal_reason,
        acquirer: None,
        occurred_local: None,
    }
}

/// The operations `cap` lets this caller reach: all, a provider's locations, an issuer's ICAs.
pub async fn op_scope(b: &Backend, p: &Principal, cap: Capability) -> ServiceResult<OpScope> {
    let scope = p.require(cap)?;
    let Some(tenant) = p.scope_tenant(scope)? else {
        return Ok(OpScope::All);
    };
    Ok(match p.role {
        Role::Issuer => OpScope::Icas(repo::tenants::icas(&b.db, tenant).await?),
        Role::ServiceProvider => OpScope::Locations(tenant_locations(b, tenant).await?),
        // A scoped role of another kind has no data of its own.
        _ => OpScope::Locations(vec![]),
    })
}

async fn tenant_locations(b: &Backend, tenant: &str) -> ServiceResult<Vec<String>> {
    Ok(locations::Entity::find()
        .select_only()
        .column(locations::Column::Id)
        .filter(locations::Column::TenantId.eq(tenant))
        .into_tuple::<String>()
        .all(&b.db)
        .await?)
}

pub async fn list(
    b: &Backend,
    p: &Principal,
    filter: &OperationFilter,
) -> ServiceResult<Page<OperationView>> {
    let scope = op_scope(b, p, Capability::OperationsView).await?;
    let filter = filter.normalized();
    let (page, page_size) = paging(filter.page, filter.page_size);
    let zone =
        super::zones::view_zone(b, filter.location_id.as_deref(), filter.tz.as_deref()).await?;
    let (items, total) =
        repo::operations::list(&b.db, &filter, &scope, zone, page, page_size).await?;
    Ok(Page {
        items: items
            .into_iter()
            .map(|o| {
                let mut v = view(o);
                v.occurred_local = Some(crate::tz::format_local(zone, v.occurred_at));
                v
            })
            .collect(),
        page,
        page_size,
        total,
    })
}

/// May the caller follow the live feed of operation changes? The same gate as the list.
pub fn may_follow(p: &Principal) -> ServiceResult<()> {
    p.require(Capability::OperationsView)?;
    Ok(())
}

/// The live feed's change mark (see `repo::operations::latest_update`); system-level, the feed
/// carries no operation data.
pub async fn change_mark(b: &Backend) -> ServiceResult<(i64, u64)> {
    Ok(repo::operations::latest_update(&b.db).await?)
}

/// The locations the caller may filter the list by.
pub async fn locations(b: &Backend, p: &Principal) -> ServiceResult<Vec<LocationOption>> {
    let scope = op_scope(b, p, Capability::OperationsView).await?;
    let mut q = locations::Entity::find().order_by_asc(locations::Column::Name);
    if let OpScope::Locations(ids) = &scope {
        q = q.filter(locations::Column::Id.is_in(ids.clone()));
    }
    Ok(q.all(&b.db)
        .await?
        .into_iter()
        .map(|l| LocationOption {
            id: l.id,
            name: l.name,
            country: l.country,
            service_code: l.service_code,
        })
        .collect())
}

async fn in_scope(
    b: &Backend,
    p: &Principal,
    cap: Capability,
    id: &str,
) -> ServiceResult<operations::Model> {
    let scope = op_scope(b, p, cap).await?;
    repo::operations::get(&b.db, id)
        .await?
        .filter(|o| scope.allows(o))
        // Someone else's operation is, for this caller, not there.
        .ok_or(ServiceError::NotFound)
}

/// Why `p` may not reverse `op` at `now` (the caller already passed the scope check).
pub fn reversal_refusal(p: &Principal, op: &operations::Model, now: i64) -> Option<ServiceError> {
    if op.status != "COMPLETED" {
        return Some(ServiceError::Conflict(
            "Only a completed entry can be reversed.".into(),
        ));
    }
    match authz::allowed(p.role, Capability::OperationsReverse) {
        None => Some(ServiceError::Forbidden),
        Some(Scope::All) => None,
        Some(Scope::OwnTenant) if now - op.occurred_at > PROVIDER_REVERSAL_WINDOW_MS => {
            Some(ServiceError::Forbidden)
        }
        Some(Scope::OwnTenant) => None,
    }
}

pub async fn get(b: &Backend, p: &Principal, id: &str) -> ServiceResult<OperationDetail> {
    let op = in_scope(b, p, Capability::OperationsView, id).await?;
    let can_reverse = match op_scope(b, p, Capability::OperationsReverse).await {
        Ok(scope) => scope.allows(&op) && reversal_refusal(p, &op, b.now_ms()).is_none(),
        Err(_) => false,
    };
    let acquirer_calls = super::acquirer_ledger::calls_of(&b.db, &op.id)
        .await?
        .into_iter()
        .map(|c| AcquirerCallView {
            kind: c.kind,
            reference: c.reference,
            amount_minor: c.amount_minor,
            currency: c.currency,
            idempotency_key: c.idempotency_key,
            outcome: c.outcome,
            response_code: c.response_code,
            attempts: c.attempts,
            next_attempt_at: c.next_attempt_at,
            last_error: c.last_error,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
        .collect();
    let acquirer_pending = super::acquirer_ledger::pending_count(&b.db).await?;
    // The details show the entry on its own location's clock.
    let zone = super::zones::view_zone(b, op.location_id.as_deref(), None).await?;
    let mut operation = view(op);
    operation.occurred_local = Some(crate::tz::format_local(zone, operation.occurred_at));
    Ok(OperationDetail {
        operation,
        can_reverse,
        acquirer_calls,
        acquirer_pending,
    })
}

/// "Show rule": the ruleset version the operation was decided under.
pub async fn rule(b: &Backend, p: &Principal, id: &str) -> ServiceResult<RuleVersionView> {
    let op = in_scope(b, p, Capability::OperationsView, id).await?;
    let (Some(rid), Some(version)) = (op.ruleset_id, op.ruleset_version) else {
        return Err(ServiceError::NotFound);
    };
    let rs = repo::rulesets::load_version(&b.db, &rid, version.max(0) as u32)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(RuleVersionView {
        ruleset_id: rid,
        version,
        name: rs.name.clone(),
        json: serde_json::to_string_pretty(&rs).unwrap_or_default(),
    })
}

fn tx_view(t: card_transactions::Model) -> CardTransactionView {
    CardTransactionView {
        id: t.id,
        occurred_at: t.occurred_at,
        amount_minor: t.amount_minor,
        currency: t.currency,
        mcc: t.mcc,
        merchant_name: t.merchant_name,
    }
}

/// "Show transactions". Admin, User and Call Center see the card's transactions in the 400
/// days before the entry, newest first (the spend check's look-back never exceeds that). A
/// scoped role (Service Provider, Issuer) sees only the transactions the spend check used: the
/// check is run again under the ruleset version the operation was decided under, over the
/// transactions stored by then — nothing else of the cardholder's spending.
pub async fn transactions(
    b: &Backend,
    p: &Principal,
    id: &str,
) -> ServiceResult<Vec<CardTransactionView>> {
    let scope = p.require(Capability::OperationsView)?;
    let op = in_scope(b, p, Capability::OperationsView, id).await?;
    if p.scope_tenant(scope)?.is_some() {
        return spend_check_transactions(b, &op).await;
    }
    let since = op.occurred_at - 400 * 86_400_000;
    Ok(card_transactions::Entity::find()
        .filter(card_transactions::Column::PanHash.eq(op.pan_hash))
        .filter(card_transactions::Column::OccurredAt.gte(since))
        .filter(card_transactions::Column::OccurredAt.lte(op.occurred_at))
        .order_by_desc(card_transactions::Column::OccurredAt)
        .limit(500)
        .all(&b.db)
        .await?
        .into_iter()
        .map(tx_view)
        .collect())
}

/// The transactions the spend check of `op` counted (none without spend control).
async fn spend_check_transactions(
    b: &Backend,
    op: &operations::Model,
) -> ServiceResult<Vec<CardTransactionView>> {
    let (Some(rid), Some(version)) = (op.ruleset_id.as_deref(), op.ruleset_version) else {
        return Ok(vec![]);
    };
    let Some(spend) = repo::rulesets::load_version(&b.db, rid, version.max(0) as u32)
        .await?
        .and_then(|r| r.spend)
    else {
        return Ok(vec![]);
    };
    let now = super::super::clock::from_ms(op.occurred_at);
    let days = spend.period_days.saturating_add(spend.grace_days) as i64;
    let since = now - chrono::Duration::days(days);
    let decided_at = op.requested_at.max(op.occurred_at);
    let (rows, txs): (Vec<_>, Vec<_>) =
        repo::card_facts::transactions(&b.db, &op.pan_hash, since.timestamp_millis())
            .await?
            .into_iter()
            // What the check could see: stored before the decision, not after the entry.
            .filter(|(m, _)| m.created_at <= decided_at && m.occurred_at <= op.occurred_at)
            .unzip();
    let rates =
        repo::card_facts::fx_rates_since(&b.db, (since - chrono::Duration::days(7)).date_naive())
            .await?;
    let check = access_core::domain::evaluate_spend(
        &spend,
        &txs,
        &access_core::domain::FxTable::new(rates),
        now,
    );
    let mut used: Vec<card_transactions::Model> = check
        .used
        .iter()
        .filter_map(|i| rows.get(*i).cloned())
        .collect();
    used.sort_by(|a, c| c.occurred_at.cmp(&a.occurred_at).then(a.id.cmp(&c.id)));
    Ok(used.into_iter().map(tx_view).collect())
}

/// COMPLETED → REVERSED, per DOMAIN.md: Admin any time, a Service Provider within 30 minutes
/// of the entry and only at its own locations. Recorded with the user and the time; from then
/// on the entry no longer counts (every count reads COMPLETED/PENDING operations only).
pub async fn reverse(
    b: &Backend,
    p: &Principal,
    id: &str,
    reason: Option<String>,
) -> ServiceResult<OperationView> {
    let op = in_scope(b, p, Capability::OperationsReverse, id).await?;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_LEN)
    {
        return Err(ServiceError::field("reason", "At most 500 characters."));
    }
    let now = b.now_ms();
    if let Some(e) = reversal_refusal(p, &op, now) {
        return Err(e);
    }
    // Conditional on the status, so two concurrent reversals cannot both succeed.
    let res = operations::Entity::update_many()
        .col_expr(operations::Column::Status, Expr::value("REVERSED"))
        .col_expr(operations::Column::ReversedAt, Expr::value(now))
        .col_expr(
            operations::Column::ReversedBy,
            Expr::value(p.user_id.clone()),
        )
        .col_expr(
            operations::Column::ReversalReason,
            Expr::value(reason.clone()),
        )
        .col_expr(operations::Column::UpdatedAt, Expr::value(now))
        .filter(operations::Column::Id.eq(id))
        .filter(operations::Column::Status.eq("COMPLETED"))
        .exec(&b.db)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::Conflict(
            "Only a completed entry can be reversed.".into(),
        ));
    }
    audit::record(
        &b.db,
        now,
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action: "operation.reverse",
            target_type: Some("operation"),
            target_id: Some(id),
            outcome: "success",
            detail: reason.as_ref().map(|r| serde_json::json!({ "reason": r })),
            client_addr: None,
        },
    )
    .await;
    let op = repo::operations::get(&b.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    // A paid entry is given back: one refund per currency, owed now and retried until the
    // acquirer takes it.
    let paid = super::amounts::of(&op);
    if op.op_type == "ONLINE" && !paid.is_empty() {
        if let Err(e) = super::acquirer_ledger::refund_entry(b, id, &paid).await {
            tracing::error!(error = %e, operation_id = id, "owing a refund failed");
        }
    }
    Ok(view(op))
}
