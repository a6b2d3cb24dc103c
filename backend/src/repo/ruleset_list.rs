//! The Rules list: filters, scope and paging over the `rulesets` table and its child tables.

use super::super::entity::{
    locations, ruleset_bin_ranges, ruleset_locations, ruleset_services, rulesets,
};
use super::like_contains;
use access_core::model::{RulesetFilter, RulesetSummary};
use sea_orm::sea_query::{Expr, Func, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// Whose rulesets a scoped caller sees.
#[derive(Debug, Clone)]
pub enum RulesetScope {
    All,
    /// An issuer: the rulesets it owns (`owner_tenant_id`), nothing else — a BIN range on
    /// one of its ICAs does not make another issuer's or the platform's ruleset its own.
    Issuer {
        tenant_id: String,
        icas: Vec<String>,
    },
    /// A service provider: rulesets that apply at one of its locations.
    Provider {
        tenant_id: String,
    },
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn scope_condition(scope: &RulesetScope) -> Option<Condition> {
    match scope {
        RulesetScope::All => None,
        RulesetScope::Issuer { tenant_id, .. } => {
            Some(Condition::all().add(rulesets::Column::OwnerTenantId.eq(tenant_id.clone())))
        }
        RulesetScope::Provider { tenant_id } => {
            let own_locations = Query::select()
                .column(locations::Column::Id)
                .from(locations::Entity)
                .and_where(locations::Column::TenantId.eq(tenant_id.clone()))
                .to_owned();
            let own_countries = Query::select()
                .column(locations::Column::Country)
                .from(locations::Entity)
                .and_where(locations::Column::TenantId.eq(tenant_id.clone()))
                .to_owned();
            Some(
                Condition::any()
                    .add(
                        rulesets::Column::Id.in_subquery(
                            Query::select()
                                .column(ruleset_locations::Column::RulesetId)
                                .from(ruleset_locations::Entity)
                                .and_where(
                                    ruleset_locations::Column::LocationId
                                        .in_subquery(own_locations),
                                )
                                .to_owned(),
                        ),
                    )
                    .add(
                        Condition::all()
                            .add(rulesets::Column::AllLocationsOfCountry.eq(true))
                            .add(rulesets::Column::LocationCountry.in_subquery(own_countries)),
                    ),
            )
        }
    }
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &RulesetFilter,
    scope: &RulesetScope,
    now_ms: i64,
    page: u64,
    page_size: u64,
) -> Result<(Vec<RulesetSummary>, u64), DbErr> {
    let mut q = rulesets::Entity::find().filter(rulesets::Column::DeletedAt.is_null());
    if let Some(c) = scope_condition(scope) {
        q = q.filter(c);
    }
    if let Some(n) = nonempty(&filter.name) {
        q = q.filter(
            Expr::expr(Func::lower(Expr::col(rulesets::Column::Name)))
                .like(LikeExpr::new(like_contains(&n.to_lowercase())).escape('\\')),
        );
    }
    if let Some(c) = nonempty(&filter.country) {
        q = q.filter(rulesets::Column::IssuerCountry.eq(c.to_uppercase()));
    }
    if let Some(s) = nonempty(&filter.service) {
        q = q.filter(
            rulesets::Column::Id.in_subquery(
                Query::select()
                    .column(ruleset_services::Column::RulesetId)
                    .from(ruleset_services::Entity)
                    .and_where(ruleset_services::Column::ServiceCode.eq(s.to_uppercase()))
                    .to_owned(),
            ),
        );
    }
    if let Some(i) = nonempty(&filter.ica) {
        q = q.filter(
            rulesets::Column::Id.in_subquery(
                Query::select()
                    .column(ruleset_bin_ranges::Column::RulesetId)
                    .from(ruleset_bin_ranges::Entity)
                    .and_where(ruleset_bin_ranges::Column::Ica.eq(i))
                    .to_owned(),
            ),
        );
    }
    match nonempty(&filter.status) {
        Some("active") => {
            q = q
                .filter(rulesets::Column::ValidFrom.lte(now_ms))
                .filter(rulesets::Column::ValidTo.gt(now_ms))
        }
        Some("upcoming") => q = q.filter(rulesets::Column::ValidFrom.gt(now_ms)),
        Some("expired") => q = q.filter(rulesets::Column::ValidTo.lte(now_ms)),
        _ => {}
    }
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_desc(rulesets::Column::ModifiedAt)
        .order_by_asc(rulesets::Column::Id)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .all(db)
        .await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut services: HashMap<String, Vec<String>> = HashMap::new();
    for s in ruleset_services::Entity::find()
        .filter(ruleset_services::Column::RulesetId.is_in(ids.clone()))
        .order_by_asc(ruleset_services::Column::ServiceCode)
        .all(db)
        .await?
    {
        services
            .entry(s.ruleset_id)
            .or_default()
            .push(s.service_code);
    }
    let mut icas: HashMap<String, Vec<String>> = HashMap::new();
    for b in ruleset_bin_ranges::Entity::find()
        .filter(ruleset_bin_ranges::Column::RulesetId.is_in(ids))
        .order_by_asc(ruleset_bin_ranges::Column::Ica)
        .all(db)
        .await?
    {
        let e = icas.entry(b.ruleset_id).or_default();
        if !e.contains(&b.ica) {
            e.push(b.ica);
        }
    }
    let items = rows
        .into_iter()
        .map(|r| {
            let s = services.remove(&r.id).unwrap_or_default();
            let i = icas.remove(&r.id).unwrap_or_default();
            summary(r, s, i)
        })
        .collect();
    Ok((items, total))
}

/// Whether the ruleset is in the scope (for single-row reads and writes).
pub async fn in_scope<C: ConnectionTrait>(
    db: &C,
    id: &str,
    scope: &RulesetScope,
) -> Result<bool, DbErr> {
    let mut q = rulesets::Entity::find().filter(rulesets::Column::Id.eq(id));
    if let Some(c) = scope_condition(scope) {
        q = q.filter(c);
    }
    Ok(q.select_only()
        .column(rulesets::Column::Id)
        .into_tuple::<String>()
        .one(db)
        .await?
        .is_some())
}

pub fn summary(r: rulesets::Model, services: Vec<String>, icas: Vec<String>) -> RulesetSummary {
    RulesetSummary {
        id: r.id,
        name: r.name,
        current_version: r.current_version,
        valid_from: r.valid_from,
        valid_to: (r.valid_to != i64::MAX).then_some(r.valid_to),
        issuer_country: r.issuer_country,
        product_codes: r.product_codes,
        services,
        icas,
        owner_tenant_id: r.owner_tenant_id,
        created_by: r.created_by,
        created_at: r.created_at,
        modified_by: r.modified_by,
        modified_at: r.modified_at,
    }
}
