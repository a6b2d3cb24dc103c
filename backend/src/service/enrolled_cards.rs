//! The Enrolled cards screen and `/api/v1/admin/enrolled-cards`.

use super::super::entity::{enrolled_cards, operations};
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo;
use super::super::{Backend, Principal};
use access_core::domain::{entitlement, Ruleset, UsageRecord};
use access_core::model::{
    paging, Capability, CardDetail, CardFilter, CardView, CardVisits, EnrolmentEventView, Page,
    Role,
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

pub fn view(c: enrolled_cards::Model, issuers: &HashMap<String, String>) -> CardView {
    CardView {
        issuer_name: issuers.get(&c.ica).cloned(),
        id: c.id,
        masked_pan: c.masked_pan,
        pan_hash: c.pan_hash,
        bin: c.bin,
        last4: c.last4,
        aref: c.aref,
        ica: c.ica,
        product_code: c.product_code,
        enrolled_at: c.enrolled_at,
        created_at: c.created_at,
        status: c.status,
        unenrolled_at: c.unenrolled_at,
    }
}

/// `None` = every card; `Some(icas)` = an issuer's own.
async fn card_scope(b: &Backend, p: &Principal) -> ServiceResult<Option<Vec<String>>> {
    let scope = p.require(Capability::CardsView)?;
    Ok(match p.scope_tenant(scope)? {
        None => None,
        Some(t) if p.role == Role::Issuer => Some(repo::tenants::icas(&b.db, t).await?),
        Some(_) => Some(vec![]),
    })
}

pub async fn list(
    b: &Backend,
    p: &Principal,
    filter: &CardFilter,
) -> ServiceResult<Page<CardView>> {
    let icas = card_scope(b, p).await?;
    let (page, page_size) = paging(filter.page, filter.page_size);
    let (items, total) =
        repo::enrolled_cards::list(&b.db, filter, icas.as_deref(), page, page_size).await?;
    let issuers = repo::enrolled_cards::issuer_names(&b.db).await?;
    Ok(Page {
        items: items.into_iter().map(|c| view(c, &issuers)).collect(),
        page,
        page_size,
        total,
    })
}

pub async fn get(b: &Backend, p: &Principal, id: &str) -> ServiceResult<CardDetail> {
    let icas = card_scope(b, p).await?;
    let card = repo::enrolled_cards::get(&b.db, id)
        .await?
        .filter(|c| icas.as_ref().is_none_or(|i| i.contains(&c.ica)))
        .ok_or(ServiceError::NotFound)?;
    let completed_entries = operations::Entity::find()
        .filter(operations::Column::PanHash.eq(card.pan_hash.clone()))
        .filter(operations::Column::Status.eq("COMPLETED"))
        .count(&b.db)
        .await?;
    let recent = operations::Entity::find()
        .filter(operations::Column::PanHash.eq(card.pan_hash.clone()))
        .order_by_desc(operations::Column::OccurredAt)
        .limit(20)
        .all(&b.db)
        .await?
        .into_iter()
        .map(super::operations::view)
        .collect();
    let visits = visits(b, &card).await?;
    let issuers = repo::enrolled_cards::issuer_names(&b.db).await?;
    let history = repo::enrolled_cards::events(&b.db, &card.id)
        .await?
        .into_iter()
        .map(|e| EnrolmentEventView {
            kind: e.kind,
            effective_at: e.effective_at,
            recorded_at: e.recorded_at,
            source: e.source,
            actor: e.actor,
        })
        .collect();
    // Card details are card data: every view is audited (PCI DSS req. 10.2.1.1).
    super::super::audit::record(
        &b.db,
        b.now_ms(),
        super::super::audit::Entry {
            actor: super::super::audit::Actor::User(&p.user_id),
            action: "card.view",
            target_type: Some("enrolled_card"),
            target_id: Some(&card.id),
            outcome: "success",
            detail: Some(serde_json::json!({ "maskedPan": card.masked_pan })),
            client_addr: None,
        },
    )
    .await;
    Ok(CardDetail {
        card: view(card, &issuers),
        completed_entries,
        visits,
        recent,
        history,
    })
}

/// Free and paid visits available now under each ruleset the card may fall under.
async fn visits(b: &Backend, card: &enrolled_cards::Model) -> ServiceResult<Vec<CardVisits>> {
    let now = b.clock.now();
    let now_ms = now.timestamp_millis();
    let rulesets = repo::rulesets::for_card_bin(&b.db, &card.ica, &card.bin, now_ms).await?;
    if rulesets.is_empty() {
        return Ok(vec![]);
    }
    let history = repo::card_facts::history(&b.db, &card.pan_hash, now_ms).await?;
    Ok(card_visits(card, &rulesets, &history, now))
}

/// What the card has left under each of `rulesets` (those of its ICA and BIN) that it falls
/// under: its product, and its enrolment for "enrolled cards only" ones. By ruleset name.
pub(super) fn card_visits(
    card: &enrolled_cards::Model,
    rulesets: &[Ruleset],
    history: &[UsageRecord],
    now: DateTime<Utc>,
) -> Vec<CardVisits> {
    let mut out: Vec<CardVisits> = rulesets
        .iter()
        .filter(|r| r.product_codes.is_empty() || r.product_codes.contains(&card.product_code))
        // An unenrolled card no longer falls under "enrolled cards only" rulesets.
        .filter(|r| !r.enrolled_only || card.status == enrolled_cards::ENROLLED)
        .map(|r| {
            let e = entitlement(r, history, now);
            CardVisits {
                ruleset_id: r.id.to_string(),
                ruleset_name: r.name.clone(),
                ruleset_version: r.version,
                period_days: e.period_days,
                free_used: e.free_used,
                paid_used: e.paid_used,
                free_available: e.free_left,
                paid_available: e.paid_left,
            }
        })
        .collect();
    out.sort_by(|a, b| a.ruleset_name.cmp(&b.ruleset_name));
    out
}
