//! The Users screen and `/api/v1/admin/users`.

use super::super::entity::users;
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo::{self, sessions};
use super::super::{audit, Backend, Principal};
use super::password;
use access_core::model::{
    paging, Capability, FieldError, OneTimePassword, Page, Role, TenantView, UserFilter, UserInput,
    UserView,
};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

pub async fn list(
    b: &Backend,
    p: &Principal,
    filter: &UserFilter,
) -> ServiceResult<Page<UserView>> {
    p.require(Capability::UsersView)?;
    let (page, page_size) = paging(filter.page, filter.page_size);
    let (mut items, total) = repo::users::list(&b.db, filter, page, page_size).await?;
    for u in &mut items {
        u.locked_until = super::auth::locked_until(b, &u.email).await?;
    }
    Ok(Page {
        items,
        page,
        page_size,
        total,
    })
}

pub async fn get(b: &Backend, p: &Principal, id: &str) -> ServiceResult<UserView> {
    p.require(Capability::UsersView)?;
    let mut u = repo::users::get_view(&b.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    u.locked_until = super::auth::locked_until(b, &u.email).await?;
    Ok(u)
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
            Some(t) if !t.active && role.needs_tenant() => errors.push(FieldError::new(
                "tenant_id",
                "This organisation is deactivated.",
            )),
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
    let hash = password::hash(b, input.password.clone().unwrap_or_default()).await?;
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
        ..Default::default()
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
    // A new role or organisation changes what the user may do: its sessions start over.
    let scope_changed = existing.role != role.as_str() || existing.tenant_id != input.tenant_id;
    let mut model: users::ActiveModel = existing.into();
    model.email = Set(input.email.clone());
    model.first_name = Set(input.first_name);
    model.last_name = Set(input.last_name);
    model.role = Set(role.as_str().to_owned());
    model.tenant_id = Set(input.tenant_id);
    if let Some(pw) = input.password {
        model.password_hash = Set(password::hash(b, pw).await?);
    }
    model.updated_at = Set(b.now_ms());
    model
        .update(&b.db)
        .await
        .map_err(|e| unique_email(e, &input.email))?;
    if (password_changed || scope_changed) && id != p.user_id {
        // A reset password or a role change ends the user's sessions and tokens.
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

/// Disable (sign-in refused, every session and bearer token revoked at once) or enable a user.
pub async fn set_disabled(
    b: &Backend,
    p: &Principal,
    id: &str,
    disabled: bool,
) -> ServiceResult<UserView> {
    p.require(Capability::UsersManage)?;
    if id == p.user_id && disabled {
        return Err(ServiceError::Conflict(
            "You cannot disable yourself.".into(),
        ));
    }
    let existing = users::Entity::find_by_id(id.to_owned())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut model: users::ActiveModel = existing.into();
    model.disabled = Set(disabled);
    model.updated_at = Set(b.now_ms());
    model.update(&b.db).await?;
    if disabled {
        sessions::delete_for_user(&b.db, id).await?;
    }
    record(
        b,
        p,
        if disabled {
            "user.disable"
        } else {
            "user.enable"
        },
        id,
    )
    .await;
    get(b, p, id).await
}

/// Give a user a one-time password (returned once, stored hashed): its sessions and tokens end
/// and the next sign-in must choose a new password.
pub async fn reset_password(
    b: &Backend,
    p: &Principal,
    id: &str,
) -> ServiceResult<OneTimePassword> {
    p.require(Capability::UsersManage)?;
    if id == p.user_id {
        return Err(ServiceError::Conflict(
            "Change your own password on the password page.".into(),
        ));
    }
    let existing = users::Entity::find_by_id(id.to_owned())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let one_time = password::generate();
    let mut model: users::ActiveModel = existing.into();
    model.password_hash = Set(password::hash(b, one_time.clone()).await?);
    model.must_change_password = Set(true);
    model.updated_at = Set(b.now_ms());
    model.update(&b.db).await?;
    sessions::delete_for_user(&b.db, id).await?;
    record(b, p, "user.password_reset", id).await;
    Ok(OneTimePassword {
        user_id: id.to_owned(),
        password: one_time,
    })
}

/// Lift a sign-in lock (too many failed attempts) before it runs out. Admin only.
pub async fn unlock(b: &Backend, p: &Principal, id: &str) -> ServiceResult<UserView> {
    p.require(Capability::UsersManage)?;
    let existing = users::Entity::find_by_id(id.to_owned())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    super::auth::unlock(b, &existing.email).await?;
    record(b, p, "user.unlock", id).await;
    get(b, p, id).await
}

/// Whether any enabled Admin exists (a server without one says how to create it).
pub async fn has_admin(b: &Backend) -> ServiceResult<bool> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    Ok(users::Entity::find()
        .filter(users::Column::Role.eq(Role::Admin.as_str()))
        .filter(users::Column::Disabled.eq(false))
        .count(&b.db)
        .await?
        > 0)
}

/// The new admin of `server admin create`.
#[derive(Debug, Clone)]
pub struct CreatedAdmin {
    pub id: String,
    pub email: String,
    /// Generated here (print it once): the first sign-in must change it.
    pub one_time_password: Option<String>,
}

/// Create an Admin from the command line, in an empty or existing database, without demo data.
/// With no password given a one-time password is generated and a change is forced at the first
/// sign-in. An existing e-mail is refused.
pub async fn create_admin(
    b: &Backend,
    email: &str,
    password_given: Option<String>,
) -> ServiceResult<CreatedAdmin> {
    let email = email.trim().to_lowercase();
    if !access_core::model::is_plausible_email(&email) {
        return Err(ServiceError::field(
            "email",
            "Enter an e-mail address like name@example.com.",
        ));
    }
    if let Some(problem) = password_given
        .as_deref()
        .and_then(access_core::model::password_problem)
    {
        return Err(ServiceError::Validation(vec![FieldError::new(
            "password", problem,
        )]));
    }
    if repo::users::find_by_email(&b.db, &email).await?.is_some() {
        return Err(ServiceError::Conflict(format!(
            "A user with the e-mail {email} already exists."
        )));
    }
    let generated = password_given.is_none();
    let clear = password_given.unwrap_or_else(password::generate);
    let now = b.now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    users::ActiveModel {
        id: Set(id.clone()),
        email: Set(email.clone()),
        first_name: Set("Platform".into()),
        last_name: Set("Admin".into()),
        role: Set(Role::Admin.as_str().to_owned()),
        tenant_id: Set(None),
        password_hash: Set(password::hash(b, clear.clone()).await?),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        must_change_password: Set(generated),
        last_sign_in_at: Set(None),
    }
    .insert(&b.db)
    .await
    .map_err(|e| unique_email(e, &email))?;
    audit::record(
        &b.db,
        now,
        audit::Entry {
            actor: audit::Actor::System,
            action: "user.create_admin",
            target_type: Some("user"),
            target_id: Some(&id),
            outcome: "success",
            detail: Some(serde_json::json!({ "email": email, "via": "command line" })),
            client_addr: None,
        },
    )
    .await;
    Ok(CreatedAdmin {
        id,
        email,
        one_time_password: generated.then_some(clear),
    })
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
