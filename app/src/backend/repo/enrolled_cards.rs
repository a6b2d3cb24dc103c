//! Enrolled-card queries (Admin panel II): the filtered list and keyset pages for the export.

use super::super::entity::enrolled_cards::{self, Column as C};
use super::super::entity::{tenant_icas, tenants};
use crate::model::{day_start_ms, CardFilter};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use std::collections::HashMap;

/// `icas`: `None` = every card, `Some` = only these ICAs (an issuer).
pub fn condition(f: &CardFilter, icas: Option<&[String]>) -> Condition {
    let mut c = Condition::all();
    if let Some(icas) = icas {
        c = c.add(C::Ica.is_in(icas.to_vec()));
    }
    let n = |v: &Option<String>| {
        v.as_ref()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    if let Some(v) = n(&f.bin) {
        c = c.add(C::Bin.eq(v));
    }
    if let Some(v) = n(&f.last4) {
        c = c.add(C::Last4.eq(v));
    }
    if let Some(v) = n(&f.aref) {
        c = c.add(C::Aref.eq(v));
    }
    if let Some(v) = n(&f.product) {
        c = c.add(C::ProductCode.eq(v.to_uppercase()));
    }
    if let Some(v) = n(&f.ica) {
        c = c.add(C::Ica.eq(v));
    }
    if let Some(ms) = n(&f.created_from).as_deref().and_then(day_start_ms) {
        c = c.add(C::EnrolledAt.gte(ms));
    }
    if let Some(ms) = n(&f.created_until).as_deref().and_then(day_start_ms) {
        c = c.add(C::EnrolledAt.lt(ms + 86_400_000));
    }
    c
}

fn select(f: &CardFilter, icas: Option<&[String]>) -> Select<enrolled_cards::Entity> {
    enrolled_cards::Entity::find().filter(condition(f, icas))
}

pub async fn list<D: ConnectionTrait>(
    db: &D,
    f: &CardFilter,
    icas: Option<&[String]>,
    page: u64,
    page_size: u64,
) -> Result<(Vec<enrolled_cards::Model>, u64), DbErr> {
    let total = select(f, icas).count(db).await?;
    let items = select(f, icas)
        .order_by_desc(C::EnrolledAt)
        .order_by_desc(C::Id)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .all(db)
        .await?;
    Ok((items, total))
}

/// The next keyset page after `after` (enrolled_at, id), oldest first.
pub async fn page_after<D: ConnectionTrait>(
    db: &D,
    f: &CardFilter,
    icas: Option<&[String]>,
    after: Option<(i64, String)>,
    limit: u64,
) -> Result<Vec<enrolled_cards::Model>, DbErr> {
    let mut q = select(f, icas);
    if let Some((at, id)) = after {
        // Redundant bound: lets the planner start the range scan at the page boundary.
        q = q.filter(C::EnrolledAt.gte(at)).filter(
            Condition::any()
                .add(C::EnrolledAt.gt(at))
                .add(Condition::all().add(C::EnrolledAt.eq(at)).add(C::Id.gt(id))),
        );
    }
    q.order_by_asc(C::EnrolledAt)
        .order_by_asc(C::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn get<D: ConnectionTrait>(
    db: &D,
    id: &str,
) -> Result<Option<enrolled_cards::Model>, DbErr> {
    enrolled_cards::Entity::find_by_id(id.to_owned())
        .one(db)
        .await
}

/// ICA → issuer (tenant) name.
pub async fn issuer_names<D: ConnectionTrait>(db: &D) -> Result<HashMap<String, String>, DbErr> {
    let names: HashMap<String, String> = tenants::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(tenant_icas::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| names.get(&r.tenant_id).map(|n| (r.ica, n.clone())))
        .collect())
}
