//! The Enrolled cards screen and `/api/v1/admin/enrolled-cards`.

use super::super::entity::{enrolled_cards, operations};
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo;
use super::super::{Backend, Principal};
use crate::model::{paging, Capability, CardDetail, CardFilter, CardView, Page, Role};
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
    let issuers = repo::enrolled_cards::issuer_names(&b.db).await?;
    Ok(CardDetail {
        card: view(card, &issuers),
        completed_entries,
        recent,
    })
}
