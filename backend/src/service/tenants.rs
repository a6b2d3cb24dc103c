//! The Organisations screen and `/api/v1/admin/tenants`: issuer organisations with their ICAs
//! (an ICA belongs to at most one issuer) and service-provider organisations with their
//! locations. Deactivating an organisation signs its users out; nothing is deleted, so the
//! audit trail keeps every reference.

use super::super::entity::{locations, tenant_icas, tenants, users};
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo::sessions;
use super::super::{audit, Backend, Principal};
use access_core::model::{
    Capability, FieldError, OrgLocation, OrganisationInput, OrganisationView, KIND_ISSUER,
    KIND_PROVIDER,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

async fn view_of<C: ConnectionTrait>(db: &C, t: tenants::Model) -> ServiceResult<OrganisationView> {
    let icas = tenant_icas::Entity::find()
        .filter(tenant_icas::Column::TenantId.eq(t.id.as_str()))
        .order_by_asc(tenant_icas::Column::Ica)
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.ica)
        .collect();
    let locs = locations::Entity::find()
        .filter(locations::Column::TenantId.eq(t.id.as_str()))
        .order_by_asc(locations::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|l| OrgLocation {
            id: l.id,
            name: l.name,
            city: l.city,
        })
        .collect();
    let users = users::Entity::find()
        .filter(users::Column::TenantId.eq(t.id.as_str()))
        .count(db)
        .await?;
    Ok(OrganisationView {
        id: t.id,
        name: t.name,
        kind: t.kind,
        active: t.active,
        icas,
        locations: locs,
        users,
        created_at: t.created_at,
    })
}

/// Every organisation, by name (the user form's tenant choice reads it too).
pub async fn list(b: &Backend, p: &Principal) -> ServiceResult<Vec<OrganisationView>> {
    p.require(Capability::UsersView)?;
    let rows = tenants::Entity::find()
        .order_by_asc(tenants::Column::Name)
        .all(&b.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        out.push(view_of(&b.db, t).await?);
    }
    Ok(out)
}

pub async fn get(b: &Backend, p: &Principal, id: &str) -> ServiceResult<OrganisationView> {
    p.require(Capability::UsersView)?;
    let t = tenants::Entity::find_by_id(id.to_owned())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    view_of(&b.db, t).await
}

fn validated(input: &OrganisationInput) -> ServiceResult<OrganisationInput> {
    let input = input.normalized();
    let errors = input.validate();
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    Ok(input)
}

/// 409 naming `icas` when one of them belongs to another issuer.
async fn check_icas_free<C: ConnectionTrait>(
    db: &C,
    tenant_id: &str,
    icas: &[String],
) -> ServiceResult<()> {
    if icas.is_empty() {
        return Ok(());
    }
    let taken = tenant_icas::Entity::find()
        .filter(tenant_icas::Column::Ica.is_in(icas.iter().cloned()))
        .filter(tenant_icas::Column::TenantId.ne(tenant_id))
        .one(db)
        .await?;
    if let Some(row) = taken {
        let owner = tenants::Entity::find_by_id(row.tenant_id.clone())
            .one(db)
            .await?
            .map(|t| t.name)
            .unwrap_or(row.tenant_id);
        return Err(ica_conflict(&row.ica, &owner));
    }
    Ok(())
}

fn ica_conflict(ica: &str, owner: &str) -> ServiceError {
    ServiceError::FieldConflict(FieldError::new(
        "icas",
        format!("ICA {ica} already belongs to the issuer {owner}."),
    ))
}

/// Replace the issuer's ICAs by `icas` (a concurrent claim still hits the unique index).
async fn save_icas<C: ConnectionTrait>(
    db: &C,
    tenant_id: &str,
    icas: &[String],
) -> ServiceResult<()> {
    check_icas_free(db, tenant_id, icas).await?;
    let mut del =
        tenant_icas::Entity::delete_many().filter(tenant_icas::Column::TenantId.eq(tenant_id));
    if !icas.is_empty() {
        del = del.filter(tenant_icas::Column::Ica.is_not_in(icas.iter().cloned()));
    }
    del.exec(db).await?;
    let existing: Vec<String> = tenant_icas::Entity::find()
        .filter(tenant_icas::Column::TenantId.eq(tenant_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.ica)
        .collect();
    for ica in icas.iter().filter(|i| !existing.contains(i)) {
        tenant_icas::ActiveModel {
            tenant_id: Set(tenant_id.to_owned()),
            ica: Set(ica.clone()),
        }
        .insert(db)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                ica_conflict(ica, "another organisation")
            }
            _ => ServiceError::Db(e),
        })?;
    }
    Ok(())
}

pub async fn create(
    b: &Backend,
    p: &Principal,
    input: &OrganisationInput,
) -> ServiceResult<OrganisationView> {
    p.require(Capability::UsersManage)?;
    let input = validated(input)?;
    let id = uuid::Uuid::new_v4().to_string();
    let txn = b.db.begin().await?;
    tenants::ActiveModel {
        id: Set(id.clone()),
        name: Set(input.name.clone()),
        kind: Set(input.kind.clone()),
        created_at: Set(b.now_ms()),
        active: Set(true),
    }
    .insert(&txn)
    .await?;
    save_icas(&txn, &id, &input.icas).await?;
    txn.commit().await?;
    record(b, p, "tenant.create", &id, Some(&input)).await;
    get(b, p, &id).await
}

/// Rename, and for an issuer replace its ICAs. The kind cannot change.
pub async fn update(
    b: &Backend,
    p: &Principal,
    id: &str,
    input: &OrganisationInput,
) -> ServiceResult<OrganisationView> {
    p.require(Capability::UsersManage)?;
    let existing = tenants::Entity::find_by_id(id.to_owned())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut input = input.normalized();
    if input.kind.is_empty() {
        input.kind = existing.kind.clone();
    }
    let input = validated(&input)?;
    if input.kind != existing.kind {
        return Err(ServiceError::field(
            "kind",
            "The kind of an organisation cannot change.",
        ));
    }
    let txn = b.db.begin().await?;
    let mut m: tenants::ActiveModel = existing.into();
    m.name = Set(input.name.clone());
    m.update(&txn).await?;
    if input.kind == KIND_ISSUER {
        save_icas(&txn, id, &input.icas).await?;
    }
    txn.commit().await?;
    record(b, p, "tenant.update", id, Some(&input)).await;
    get(b, p, id).await
}

/// Deactivate (its users are signed out at once and cannot sign in) or reactivate.
pub async fn set_active(
    b: &Backend,
    p: &Principal,
    id: &str,
    active: bool,
) -> ServiceResult<OrganisationView> {
    p.require(Capability::UsersManage)?;
    let existing = tenants::Entity::find_by_id(id.to_owned())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut m: tenants::ActiveModel = existing.into();
    m.active = Set(active);
    m.update(&b.db).await?;
    if !active {
        sessions::delete_for_tenant(&b.db, id).await?;
    }
    let action = if active {
        "tenant.activate"
    } else {
        "tenant.deactivate"
    };
    record(b, p, action, id, None).await;
    get(b, p, id).await
}

/// Locations no provider holds yet (the ones the Organisations screen offers to assign).
pub async fn unassigned_locations(b: &Backend, p: &Principal) -> ServiceResult<Vec<OrgLocation>> {
    p.require(Capability::UsersManage)?;
    Ok(locations::Entity::find()
        .filter(locations::Column::TenantId.is_null())
        .order_by_asc(locations::Column::Name)
        .all(&b.db)
        .await?
        .into_iter()
        .map(|l| OrgLocation {
            id: l.id,
            name: l.name,
            city: l.city,
        })
        .collect())
}

async fn provider(b: &Backend, id: &str) -> ServiceResult<tenants::Model> {
    let t = tenants::Entity::find_by_id(id.to_owned())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if t.kind != KIND_PROVIDER {
        return Err(ServiceError::field(
            "location_id",
            "Only service-provider organisations have locations.",
        ));
    }
    Ok(t)
}

/// Give a location to a service provider. A location another provider holds must be
/// unassigned there first.
pub async fn assign_location(
    b: &Backend,
    p: &Principal,
    tenant_id: &str,
    location_id: &str,
) -> ServiceResult<OrganisationView> {
    p.require(Capability::UsersManage)?;
    provider(b, tenant_id).await?;
    let loc = locations::Entity::find_by_id(location_id.to_owned())
        .one(&b.db)
        .await?
        .ok_or_else(|| ServiceError::field("location_id", "Unknown location."))?;
    match loc.tenant_id.as_deref() {
        Some(t) if t == tenant_id => {}
        Some(other) => {
            let owner = tenants::Entity::find_by_id(other.to_owned())
                .one(&b.db)
                .await?
                .map(|t| t.name)
                .unwrap_or_else(|| other.to_owned());
            return Err(ServiceError::FieldConflict(FieldError::new(
                "location_id",
                format!(
                    "The location {} belongs to {owner}; unassign it there first.",
                    loc.name
                ),
            )));
        }
        None => {
            set_location_tenant(b, p, loc, Some(tenant_id)).await?;
        }
    }
    record(b, p, "tenant.location_assign", tenant_id, None).await;
    get(b, p, tenant_id).await
}

pub async fn unassign_location(
    b: &Backend,
    p: &Principal,
    tenant_id: &str,
    location_id: &str,
) -> ServiceResult<OrganisationView> {
    p.require(Capability::UsersManage)?;
    provider(b, tenant_id).await?;
    let loc = locations::Entity::find_by_id(location_id.to_owned())
        .one(&b.db)
        .await?
        .filter(|l| l.tenant_id.as_deref() == Some(tenant_id))
        .ok_or(ServiceError::NotFound)?;
    set_location_tenant(b, p, loc, None).await?;
    record(b, p, "tenant.location_unassign", tenant_id, None).await;
    get(b, p, tenant_id).await
}

async fn set_location_tenant(
    b: &Backend,
    p: &Principal,
    loc: locations::Model,
    tenant_id: Option<&str>,
) -> ServiceResult<()> {
    let mut m: locations::ActiveModel = loc.into();
    m.tenant_id = Set(tenant_id.map(str::to_owned));
    m.updated_at = Set(b.now_ms());
    m.modified_by = Set(p.email.clone());
    m.update(&b.db).await?;
    Ok(())
}

async fn record(
    b: &Backend,
    p: &Principal,
    action: &str,
    id: &str,
    input: Option<&OrganisationInput>,
) {
    audit::record(
        &b.db,
        b.now_ms(),
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action,
            target_type: Some("tenant"),
            target_id: Some(id),
            outcome: "success",
            detail: input.map(|i| serde_json::json!({ "name": i.name, "icas": i.icas })),
            client_addr: None,
        },
    )
    .await;
}
