//! The Users screen and `/api/v1/admin/users`.

use super::super::entity::users;
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo::{self, sessions};
use super::super::{audit, Backend, Principal};
use super::password;
use crate::model::{
    paging, Capability, FieldError, Page, Role, TenantView, UserFilter, UserInput, UserView,
};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

pub async fn list(
    b: &Backend,
    p: &Principal,
    filter: &UserFilter,
) -> ServiceResult<Page<UserView>> {
    p.require(Capability::UsersView)?;
    let (page, page_size) = paging(filter.page, filter.page_size);
    let (items, total) = repo::users::list(&b.db, filter, page, page_size).await?;
    Ok(Page {
        items,
        page,
        page_size,
        total,
    })
}

pub async fn get(b: &Backend, p: &Principal, id: &str) -> ServiceResult<UserView> {
    p.require(Capability::UsersView)?;
    repo::users::get_view(&b.db, id)
        .await?
        .ok_or(ServiceError::NotFound)
}

pub async fn tenants(b: &Backend, p: &Principal) -> ServiceResult<Vec<TenantView>> {
    p.require(Capability::UsersView)?;
    Ok(repo::tenants::list(&b.db).await?)
}

/// Checks that need the database: the tenant exists and is of the kind the role needs, and the
/// e-mail is not taken by someone else.
async fn validate_against_db(
    b: &Backend,
    input: &UserInput,
    editing_id: Option<&str>,
) -> ServiceResult<Vec<FieldError>> {
    let mut errors = Vec::new();
    if let (Some(role), Some(tenant_id)) = (Role::parse(&input.role), &input.tenant_id) {
        match repo::tenants::get(&b.db, tenant_id).await? {
            None => errors.push(FieldError::new("tenant_id", "Unknown tenant.")),
            Some(t) => {
                let expected = match role {
                    Role::Issuer => Some("ISSUER"),
                    Role::ServiceProvider => Some("SERVICE_PROVIDER"),
                    _ => None,
                };
                if expected.is_some_and(|k| k != t.kind) {
                    errors.push(FieldError::new(
                        "tenant_id",
                        format!("A {} needs a tenant of that kind.", role.label()),
                    ));
                }
            }
        }
    }
    if let Some(existing) = repo::users::find_by_email(&b.db, &input.email).await? {
        if Some(existing.id.as_str()) != editing_id {
            errors.push(FieldError::new(
                "email",
                "A user with this e-mail already exists.",
            ));
        }
    }
    Ok(errors)
}

async fn validated(
    b: &Backend,
    input: &UserInput,
    editing_id: Option<&str>,
) -> ServiceResult<(UserInput, Role)> {
    let input = input.normalized();
    let mut errors = input.validate(editing_id.is_none());
    if errors.is_empty() {
        errors = validate_against_db(b, &input, editing_id).await?;
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let role =
        Role::parse(&input.role).ok_or_else(|| ServiceError::field("role", "Choose a role."))?;
    // Only scoped roles carry a tenant; others see everything and must not look scoped.
    let input = UserInput {
        tenant_id: input.tenant_id.filter(|_| role.needs_tenant()),
        ..input
    };
    Ok((input, role))
}

pub async fn create(b: &Backend, p: &Principal, input: &UserInput) -> ServiceResult<UserView> {
    p.require(Capability::UsersManage)?;
    let (input, role) = validated(b, input, None).await?;
    let hash = password::hash(input.password.clone().unwrap_or_default()).await?;
    let now = b.now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    users::ActiveModel {
        id: Set(id.clone()),
        email: Set(input.email.clone()),
        first_name: Set(input.first_name),
        last_name: Set(input.last_name),
        role: Set(role.as_str().to_owned()),
        tenant_id: Set(input.tenant_id),
        password_hash: Set(hash),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&b.db)
    .await
    .map_err(|e| unique_email(e, &input.email))?;
    record(b, p, "user.create", &id).await;
    get(b, p, &id).await
}

pub async fn update(
    b: &Backend,
    p: &Principal,
    id: &str,
    input: &UserInput,
) -> ServiceResult<UserView> {
    p.require(Capability::UsersManage)?;
    let existing = users::Entity::find_by_id(id.to_owned())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let (input, role) = validated(b, input, Some(id)).await?;
    if id == p.user_id && role != p.role {
        return Err(ServiceError::field(
            "role",
            "You cannot change your own role.",
        ));
    }
    let password_changed = input.password.is_some();
    let mut model: users::ActiveModel = existing.into();
    model.email = Set(input.email.clone());
    model.first_name = Set(input.first_name);
    model.last_name = Set(input.last_name);
    model.role = Set(role.as_str().to_owned());
    model.tenant_id = Set(input.tenant_id);
    if let Some(pw) = input.password {
        model.password_hash = Set(password::hash(pw).await?);
    }
    model.updated_at = Set(b.now_ms());
    model
        .update(&b.db)
        .await
        .map_err(|e| unique_email(e, &input.email))?;
    if password_changed && id != p.user_id {
        // A reset password ends the user's other sessions.
        sessions::delete_for_user(&b.db, id).await?;
    }
    record(b, p, "user.update", id).await;
    get(b, p, id).await
}

pub async fn delete(b: &Backend, p: &Principal, id: &str) -> ServiceResult<()> {
    p.require(Capability::UsersManage)?;
    if id == p.user_id {
        return Err(ServiceError::Conflict("You cannot delete yourself.".into()));
    }
    let res = users::Entity::delete_by_id(id.to_owned())
        .exec(&b.db)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    record(b, p, "user.delete", id).await;
    Ok(())
}

fn unique_email(e: sea_orm::DbErr, email: &str) -> ServiceError {
    if matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        ServiceError::Validation(vec![FieldError::new(
            "email",
            format!("A user with the e-mail {email} already exists."),
        )])
    } else {
        ServiceError::Db(e)
    }
}

async fn record(b: &Backend, p: &Principal, action: &str, id: &str) {
    audit::record(
        &b.db,
        b.now_ms(),
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action,
            target_type: Some("user"),
            target_id: Some(id),
            outcome: "success",
            detail: None,
            client_addr: None,
        },
    )
    .await;
}
