//! The Rules screens and `/api/v1/admin/rulesets`: list with filters, the form (create; edit =
//! a new version), details with audit fields and version history, soft delete. A ruleset has an
//! owner (`owner_tenant_id`): an issuer tenant or the platform. An issuer sees and edits only
//! the rulesets it owns (another tenant's ruleset answers 404), and an owned ruleset's BIN
//! ranges must lie within its owner's ICAs, whoever edits it; a service provider sees the
//! rulesets of its locations.

use super::super::entity::{locations, ruleset_services};
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo::{self, ruleset_list::RulesetScope};
use super::super::{audit, Backend, Principal};
use access_core::domain::ruleset::{LocationScope, Ruleset, RulesetDraft};
use access_core::model::{
    paging, Capability, FieldError, Page, Role, RulesetDetail, RulesetFilter, RulesetSummary,
    RulesetVersionView, Scope,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

async fn scope_of(b: &Backend, p: &Principal, scope: Scope) -> ServiceResult<RulesetScope> {
    let Some(tenant) = p.scope_tenant(scope)? else {
        return Ok(RulesetScope::All);
    };
    Ok(match p.role {
        Role::Issuer => RulesetScope::Issuer {
            tenant_id: tenant.to_owned(),
            icas: repo::tenants::icas(&b.db, tenant).await?,
        },
        Role::ServiceProvider => RulesetScope::Provider {
            tenant_id: tenant.to_owned(),
        },
        // A scoped grant to any other role would be a role-table mistake: show nothing.
        _ => return Err(ServiceError::Forbidden),
    })
}

pub async fn list(
    b: &Backend,
    p: &Principal,
    filter: &RulesetFilter,
) -> ServiceResult<Page<RulesetSummary>> {
    let scope = p.require(Capability::RulesetsView)?;
    let scope = scope_of(b, p, scope).await?;
    let (page, page_size) = paging(filter.page, filter.page_size);
    let (items, total) =
        repo::ruleset_list::list(&b.db, filter, &scope, b.now_ms(), page, page_size).await?;
    Ok(Page {
        items,
        page,
        page_size,
        total,
    })
}

async fn current_in_scope(
    b: &Backend,
    p: &Principal,
    cap: Capability,
    id: &str,
) -> ServiceResult<(Ruleset, super::super::entity::rulesets::Model, RulesetScope)> {
    let scope = p.require(cap)?;
    let scope = scope_of(b, p, scope).await?;
    let (r, row) = repo::rulesets::load_current(&b.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !repo::ruleset_list::in_scope(&b.db, id, &scope).await? {
        return Err(ServiceError::NotFound);
    }
    Ok((r, row, scope))
}

pub async fn get(b: &Backend, p: &Principal, id: &str) -> ServiceResult<RulesetDetail> {
    let (r, row, _) = current_in_scope(b, p, Capability::RulesetsView, id).await?;
    let services = ruleset_services::Entity::find()
        .filter(ruleset_services::Column::RulesetId.eq(id))
        .order_by_asc(ruleset_services::Column::ServiceCode)
        .all(&b.db)
        .await?
        .into_iter()
        .map(|s| s.service_code)
        .collect();
    let mut icas: Vec<String> = r.bin_ranges.iter().map(|b| b.ica.clone()).collect();
    icas.sort();
    icas.dedup();
    let versions = repo::rulesets::versions(&b.db, id)
        .await?
        .into_iter()
        .map(|v| RulesetVersionView {
            version: v.version,
            created_by: v.created_by,
            created_at: v.created_at,
        })
        .collect();
    Ok(RulesetDetail {
        summary: repo::ruleset_list::summary(row, services, icas),
        draft: r.to_draft(),
        versions,
    })
}

/// One saved version's definition (what an operation decided under points here).
pub async fn version(
    b: &Backend,
    p: &Principal,
    id: &str,
    version: u32,
) -> ServiceResult<RulesetDraft> {
    current_in_scope(b, p, Capability::RulesetsView, id).await?;
    Ok(repo::rulesets::load_version(&b.db, id, version)
        .await?
        .ok_or(ServiceError::NotFound)?
        .to_draft())
}

pub async fn versions(
    b: &Backend,
    p: &Principal,
    id: &str,
) -> ServiceResult<Vec<RulesetVersionView>> {
    Ok(get(b, p, id).await?.versions)
}

/// Checks that need the database: the locations and services exist, and a ruleset owned by an
/// issuer only uses that issuer's ICAs (`owner` = the owning tenant, `None` = the platform).
async fn validate_against_db(
    b: &Backend,
    owner: Option<&str>,
    r: &Ruleset,
) -> ServiceResult<Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Some(owner) = owner {
        let icas = repo::tenants::icas(&b.db, owner).await?;
        for (i, br) in r.bin_ranges.iter().enumerate() {
            if !icas.contains(&br.ica) {
                errors.push(FieldError::new(
                    format!("binRanges[{i}].ica"),
                    "Not one of your institution's ICAs.",
                ));
            }
        }
    }
    let services = repo::locations::service_names(&b.db).await?;
    for (i, s) in r.services.iter().enumerate() {
        if !services.contains_key(s) {
            errors.push(FieldError::new(
                format!("services[{i}]"),
                "Unknown service.",
            ));
        }
    }
    if let LocationScope::Locations { ids } = &r.locations {
        let wanted: Vec<String> = ids.iter().map(|u| u.to_string()).collect();
        let found: Vec<String> = locations::Entity::find()
            .filter(locations::Column::Id.is_in(wanted.clone()))
            .all(&b.db)
            .await?
            .into_iter()
            .map(|l| l.id)
            .collect();
        for (i, id) in wanted.iter().enumerate() {
            if !found.contains(id) {
                errors.push(FieldError::new(
                    format!("locations.ids[{i}]"),
                    "Unknown location.",
                ));
            }
        }
    }
    Ok(errors)
}

fn build(
    draft: &RulesetDraft,
    id: uuid::Uuid,
    version: u32,
    created: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<Ruleset> {
    draft
        .build(id, version, created)
        .map_err(|errs| ServiceError::Validation(errs.into_iter().map(FieldError::from).collect()))
}

pub async fn create(
    b: &Backend,
    p: &Principal,
    draft: &RulesetDraft,
) -> ServiceResult<RulesetDetail> {
    let scope = p.require(Capability::RulesetsManage)?;
    let tenant = p.scope_tenant(scope)?.map(str::to_owned);
    let now = b.clock.now();
    let r = build(draft, uuid::Uuid::new_v4(), 1, now)?;
    // A scoped creator (an issuer) owns what it creates; Admin and User create platform rulesets.
    let errors = validate_against_db(b, tenant.as_deref(), &r).await?;
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let txn = b.db.begin().await?;
    repo::rulesets::save_version(
        &txn,
        &r,
        tenant.as_deref(),
        &p.email,
        now.timestamp_millis(),
    )
    .await?;
    txn.commit().await?;
    let id = r.id.to_string();
    record(b, p, "ruleset.create", &id).await;
    get(b, p, &id).await
}

/// An edit saves a new version; operations keep pointing at the version they were decided under.
pub async fn update(
    b: &Backend,
    p: &Principal,
    id: &str,
    draft: &RulesetDraft,
) -> ServiceResult<RulesetDetail> {
    let (current, row, _) = current_in_scope(b, p, Capability::RulesetsManage, id).await?;
    let created = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(row.created_at)
        .unwrap_or(current.created_at);
    let r = build(draft, current.id, current.version + 1, created)?;
    let errors = validate_against_db(b, row.owner_tenant_id.as_deref(), &r).await?;
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let txn = b.db.begin().await?;
    repo::rulesets::save_version(&txn, &r, None, &p.email, b.now_ms()).await?;
    txn.commit().await?;
    record(b, p, "ruleset.update", id).await;
    get(b, p, id).await
}

pub async fn delete(b: &Backend, p: &Principal, id: &str) -> ServiceResult<()> {
    current_in_scope(b, p, Capability::RulesetsManage, id).await?;
    if !repo::rulesets::soft_delete(&b.db, id, &p.email, b.now_ms()).await? {
        return Err(ServiceError::NotFound);
    }
    record(b, p, "ruleset.delete", id).await;
    Ok(())
}

/// ICAs the caller may use in a ruleset (`None` = any).
pub async fn allowed_icas(b: &Backend, p: &Principal) -> ServiceResult<Option<Vec<String>>> {
    let scope = p.require(Capability::RulesetsView)?;
    Ok(match scope_of(b, p, scope).await? {
        RulesetScope::Issuer { icas, .. } => Some(icas),
        _ => None,
    })
}

async fn record(b: &Backend, p: &Principal, action: &str, id: &str) {
    audit::record(
        &b.db,
        b.now_ms(),
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action,
            target_type: Some("ruleset"),
            target_id: Some(id),
            outcome: "success",
            detail: None,
            client_addr: None,
        },
    )
    .await;
}
