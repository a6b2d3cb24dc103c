//! Locations: the filtered, paginated list and single-row views.

use super::super::entity::{locations, services};
use super::like_contains;
use access_core::model::{LocationFilter, LocationView, ServiceView};
use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

fn ci_contains(col: locations::Column, needle: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::expr(Func::lower(Expr::col(col)))
        .like(LikeExpr::new(like_contains(&needle.to_lowercase())).escape('\\'))
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// `tenant`: only that tenant's locations (a service provider's scope).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &LocationFilter,
    tenant: Option<&str>,
    page: u64,
    page_size: u64,
) -> Result<(Vec<LocationView>, u64), DbErr> {
    let mut q = locations::Entity::find();
    if let Some(t) = tenant {
        q = q.filter(locations::Column::TenantId.eq(t));
    }
    if let Some(c) = nonempty(&filter.country) {
        q = q.filter(ci_contains(locations::Column::Country, c));
    }
    if let Some(n) = nonempty(&filter.name) {
        q = q.filter(ci_contains(locations::Column::Name, n));
    }
    if let Some(s) = nonempty(&filter.service) {
        q = q.filter(locations::Column::ServiceCode.eq(s.to_uppercase()));
    }
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_asc(locations::Column::Country)
        .order_by_asc(locations::Column::Name)
        .order_by_asc(locations::Column::Id)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .all(db)
        .await?;
    let names = service_names(db).await?;
    Ok((rows.into_iter().map(|l| view(l, &names)).collect(), total))
}

pub async fn services<C: ConnectionTrait>(db: &C) -> Result<Vec<ServiceView>, DbErr> {
    Ok(services::Entity::find()
        .order_by_asc(services::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|s| ServiceView {
            code: s.code,
            name: s.name,
        })
        .collect())
}

pub async fn service_names<C: ConnectionTrait>(db: &C) -> Result<HashMap<String, String>, DbErr> {
    Ok(services::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.code, s.name))
        .collect())
}

pub async fn get<C: ConnectionTrait>(db: &C, id: &str) -> Result<Option<locations::Model>, DbErr> {
    locations::Entity::find_by_id(id.to_owned()).one(db).await
}

pub fn view(l: locations::Model, service_names: &HashMap<String, String>) -> LocationView {
    LocationView {
        service_name: service_names
            .get(&l.service_code)
            .cloned()
            .unwrap_or_else(|| l.service_code.clone()),
        id: l.id,
        name: l.name,
        country: l.country,
        service_code: l.service_code,
        postal_code: l.postal_code,
        city: l.city,
        address: l.address,
        cooldown_minutes: l.cooldown_minutes,
        capacity: l.capacity,
        stay_minutes: l.stay_minutes,
        time_zone: l.time_zone,
        offline_allowed: l.offline_allowed,
        offline_max_per_card_per_day: l.offline_max_per_card_per_day,
        tenant_id: l.tenant_id,
        created_at: l.created_at,
        updated_at: l.updated_at,
        created_by: l.created_by,
        modified_by: l.modified_by,
    }
}

/// The location, and the version of the decision data (`decision_data_version`, migration
/// `m0017`) in the same round trip: check_entry reads both on every tap.
pub async fn with_decision_version<C: ConnectionTrait>(
    db: &C,
    id: &str,
) -> Result<Option<(locations::Model, i64)>, DbErr> {
    use sea_orm::{DbBackend, FromQueryResult, Statement};
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT l.*, (SELECT version FROM decision_data_version WHERE id = 1) \
             AS decision_data_version FROM locations l WHERE l.id = $1"
        }
        _ => {
            "SELECT l.*, (SELECT version FROM decision_data_version WHERE id = 1) \
             AS decision_data_version FROM locations l WHERE l.id = ?"
        }
    };
    let Some(row) = db
        .query_one(Statement::from_sql_and_values(backend, sql, [id.into()]))
        .await?
    else {
        return Ok(None);
    };
    let location = locations::Model::from_query_result(&row, "")?;
    let version: i64 = row.try_get("", "decision_data_version")?;
    Ok(Some((location, version)))
}
