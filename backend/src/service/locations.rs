//! The Locations screen and `/api/v1/admin/locations`. A service provider sees and manages only
//! its tenant's locations (and creates them in its tenant); an issuer and the call center view all.

use super::super::entity::{locations, terminals};
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo;
use super::super::{audit, Backend, Principal};
use access_core::model::{
    paging, Capability, FieldError, LocationFilter, LocationInput, LocationView, Page, Role, Scope,
    ServiceView,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

pub async fn list(
    b: &Backend,
    p: &Principal,
    filter: &LocationFilter,
) -> ServiceResult<Page<LocationView>> {
    let scope = p.require(Capability::LocationsView)?;
    let tenant = p.scope_tenant(scope)?;
    let (page, page_size) = paging(filter.page, filter.page_size);
    let (items, total) = repo::locations::list(&b.db, filter, tenant, page, page_size).await?;
    Ok(Page {
        items,
        page,
        page_size,
        total,
    })
}

pub async fn services(b: &Backend, p: &Principal) -> ServiceResult<Vec<ServiceView>> {
    p.require(Capability::LocationsView)?;
    Ok(repo::locations::services(&b.db).await?)
}

/// The location if the caller may see (`cap` = view) or change (`cap` = manage) it; someone
/// else's location is, for a scoped caller, not there.
async fn in_scope(
    b: &Backend,
    p: &Principal,
    cap: Capability,
    id: &str,
) -> ServiceResult<locations::Model> {
    let scope = p.require(cap)?;
    let tenant = p.scope_tenant(scope)?;
    let loc = repo::locations::get(&b.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if tenant.is_some() && loc.tenant_id.as_deref() != tenant {
        return Err(ServiceError::NotFound);
    }
    Ok(loc)
}

pub async fn get(b: &Backend, p: &Principal, id: &str) -> ServiceResult<LocationView> {
    let loc = in_scope(b, p, Capability::LocationsView, id).await?;
    let names = repo::locations::service_names(&b.db).await?;
    Ok(repo::locations::view(loc, &names))
}

async fn validated(
    b: &Backend,
    p: &Principal,
    scope: Scope,
    input: &LocationInput,
) -> ServiceResult<access_core::model::ValidLocation> {
    let mut v = input.validate().map_err(ServiceError::Validation)?;
    let mut errors = Vec::new();
    if !repo::locations::service_names(&b.db)
        .await?
        .contains_key(&v.service_code)
    {
        errors.push(FieldError::new("service_code", "Unknown service."));
    }
    match scope {
        // A service provider's locations always belong to its own tenant.
        Scope::OwnTenant => v.tenant_id = p.scope_tenant(scope)?.map(str::to_owned),
        Scope::All => {
            if let Some(t) = &v.tenant_id {
                match repo::tenants::get(&b.db, t).await? {
                    Some(t) if t.kind == "SERVICE_PROVIDER" => {}
                    _ => errors.push(FieldError::new(
                        "tenant_id",
                        "Choose a service-provider tenant, or none.",
                    )),
                }
            }
        }
    }
    // The zone: a name from the IANA list, or (not given) the country's zone.
    match v.time_zone.as_deref() {
        None => v.time_zone = Some(crate::tz::default_for_country(&v.country).to_owned()),
        Some(z) => match crate::tz::parse(z) {
            Some(tz) => v.time_zone = Some(tz.name().to_owned()),
            None => errors.push(FieldError::new(
                "time_zone",
                "Choose a time zone from the IANA list, e.g. Europe/Warsaw.",
            )),
        },
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    Ok(v)
}

pub async fn create(
    b: &Backend,
    p: &Principal,
    input: &LocationInput,
) -> ServiceResult<LocationView> {
    let scope = p.require(Capability::LocationsManage)?;
    let v = validated(b, p, scope, input).await?;
    let now = b.now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    locations::ActiveModel {
        id: Set(id.clone()),
        name: Set(v.name),
        country: Set(v.country),
        service_code: Set(v.service_code),
        postal_code: Set(v.postal_code),
        city: Set(v.city),
        address: Set(v.address),
        cooldown_minutes: Set(v.cooldown_minutes),
        capacity: Set(v.capacity),
        stay_minutes: Set(v.stay_minutes),
        time_zone: Set(v.time_zone.unwrap_or_else(|| "UTC".into())),
        offline_allowed: Set(v.offline_allowed),
        offline_max_per_card_per_day: Set(v.offline_max_per_card_per_day),
        tenant_id: Set(v.tenant_id),
        created_at: Set(now),
        updated_at: Set(now),
        created_by: Set(p.email.clone()),
        modified_by: Set(p.email.clone()),
    }
    .insert(&b.db)
    .await?;
    record(b, p, "location.create", &id).await;
    get(b, p, &id).await
}

pub async fn update(
    b: &Backend,
    p: &Principal,
    id: &str,
    input: &LocationInput,
) -> ServiceResult<LocationView> {
    let existing = in_scope(b, p, Capability::LocationsManage, id).await?;
    let scope = p.require(Capability::LocationsManage)?;
    let v = validated(b, p, scope, input).await?;
    // The country and the service decide which issuers' country-wide rulesets admit cards
    // here: only an administrator may change them (a service provider would otherwise opt its
    // location into other rulesets silently).
    if p.role != Role::Admin {
        let mut errors = Vec::new();
        if v.country != existing.country {
            errors.push(FieldError::new(
                "country",
                "Only an administrator can change a location's country.",
            ));
        }
        if v.service_code != existing.service_code {
            errors.push(FieldError::new(
                "service_code",
                "Only an administrator can change a location's service.",
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
    }
    let mut m: locations::ActiveModel = existing.into();
    m.name = Set(v.name);
    m.country = Set(v.country);
    m.service_code = Set(v.service_code);
    m.postal_code = Set(v.postal_code);
    m.city = Set(v.city);
    m.address = Set(v.address);
    m.cooldown_minutes = Set(v.cooldown_minutes);
    m.capacity = Set(v.capacity);
    m.stay_minutes = Set(v.stay_minutes);
    m.time_zone = Set(v.time_zone.unwrap_or_else(|| "UTC".into()));
    m.offline_allowed = Set(v.offline_allowed);
    m.offline_max_per_card_per_day = Set(v.offline_max_per_card_per_day);
    m.tenant_id = Set(v.tenant_id);
    m.updated_at = Set(b.now_ms());
    m.modified_by = Set(p.email.clone());
    m.update(&b.db).await?;
    record(b, p, "location.update", id).await;
    get(b, p, id).await
}

/// Delete a location that has no terminals left (delete or move them first).
pub async fn delete(b: &Backend, p: &Principal, id: &str) -> ServiceResult<()> {
    let loc = in_scope(b, p, Capability::LocationsManage, id).await?;
    let terminals = terminals::Entity::find()
        .filter(terminals::Column::LocationId.eq(loc.id.clone()))
        .count(&b.db)
        .await?;
    if terminals > 0 {
        return Err(ServiceError::Conflict(format!(
            "The location still has {terminals} terminal(s); delete them first."
        )));
    }
    locations::Entity::delete_by_id(loc.id)
        .exec(&b.db)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => ServiceError::Conflict(
                "The location is still referenced (operations); it cannot be deleted.".into(),
            ),
            _ => ServiceError::Db(e),
        })?;
    record(b, p, "location.delete", id).await;
    Ok(())
}

async fn record(b: &Backend, p: &Principal, action: &str, id: &str) {
    audit::record(
        &b.db,
        b.now_ms(),
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action,
            target_type: Some("location"),
            target_id: Some(id),
            outcome: "success",
            detail: None,
            client_addr: None,
        },
    )
    .await;
}

/// Location names by id, for lists that show where terminals stand (the fleet screens).
/// Names only; the caller has passed its own gate for the rows that carry the ids, and the
/// caller must be allowed to view locations.
pub async fn names_by_id(
    b: &Backend,
    p: &Principal,
    ids: impl IntoIterator<Item = String>,
) -> ServiceResult<std::collections::HashMap<String, String>> {
    p.require(Capability::LocationsView)?;
    let mut ids: Vec<String> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(locations::Entity::find()
        .filter(locations::Column::Id.is_in(ids))
        .all(&b.db)
        .await?
        .into_iter()
        .map(|l| (l.id, l.name))
        .collect())
}
