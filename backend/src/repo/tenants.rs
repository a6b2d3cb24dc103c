use super::super::entity::{tenant_icas, tenants};
use access_core::model::TenantView;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<TenantView>, DbErr> {
    Ok(tenants::Entity::find()
        .order_by_asc(tenants::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|t| TenantView {
            id: t.id,
            name: t.name,
            kind: t.kind,
        })
        .collect())
}

pub async fn get<C: ConnectionTrait>(db: &C, id: &str) -> Result<Option<tenants::Model>, DbErr> {
    tenants::Entity::find_by_id(id.to_owned()).one(db).await
}

/// The ICAs an issuer tenant owns (its data scope).
pub async fn icas<C: ConnectionTrait>(db: &C, tenant_id: &str) -> Result<Vec<String>, DbErr> {
    Ok(tenant_icas::Entity::find()
        .filter(tenant_icas::Column::TenantId.eq(tenant_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.ica)
        .collect())
}
