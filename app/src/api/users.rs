#[cfg(feature = "ssr")]
use access_core::model::UserInput;
use access_core::model::{AppError, OneTimePassword, Page, TenantView, UserFilter, UserView};
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "users/list")]
pub async fn list_users(#[server(default)] filter: UserFilter) -> Result<Page<UserView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::users::list(&b, &p, &filter).await?)
}

#[server(prefix = "/api/fn", endpoint = "users/get")]
pub async fn get_user(id: String) -> Result<UserView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::users::get(&b, &p, &id).await?)
}

#[server(prefix = "/api/fn", endpoint = "users/tenants")]
pub async fn list_tenants() -> Result<Vec<TenantView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::users::tenants(&b, &p).await?)
}

/// Form fields arrive flat (so the form works before WASM loads too).
#[server(prefix = "/api/fn", endpoint = "users/create")]
pub async fn create_user(
    first_name: String,
    last_name: String,
    email: String,
    role: String,
    tenant_id: Option<String>,
    password: Option<String>,
) -> Result<UserView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    let input = UserInput {
        first_name,
        last_name,
        email,
        role,
        tenant_id,
        password,
    };
    let user = backend::service::users::create(&b, &p, &input).await?;
    leptos_axum::redirect("/users?done=user-created");
    Ok(user)
}

#[server(prefix = "/api/fn", endpoint = "users/update")]
pub async fn update_user(
    id: String,
    first_name: String,
    last_name: String,
    email: String,
    role: String,
    tenant_id: Option<String>,
    password: Option<String>,
) -> Result<UserView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    let input = UserInput {
        first_name,
        last_name,
        email,
        role,
        tenant_id,
        password,
    };
    let user = backend::service::users::update(&b, &p, &id, &input).await?;
    leptos_axum::redirect("/users?done=user-updated");
    Ok(user)
}

#[server(prefix = "/api/fn", endpoint = "users/delete")]
pub async fn delete_user(id: String) -> Result<(), AppError> {
    let (b, p) = super::ctx::principal().await?;
    backend::service::users::delete(&b, &p, &id).await?;
    leptos_axum::redirect("/users?done=user-deleted");
    Ok(())
}

/// Disable or enable a user (`disabled` = "true" / "false", as the form posts it).
#[server(prefix = "/api/fn", endpoint = "users/disabled")]
pub async fn set_user_disabled(id: String, disabled: String) -> Result<UserView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    let disabled = disabled == "true";
    Ok(backend::service::users::set_disabled(&b, &p, &id, disabled).await?)
}

/// A one-time password for the user, shown once on the page.
#[server(prefix = "/api/fn", endpoint = "users/reset-password")]
pub async fn reset_user_password(id: String) -> Result<OneTimePassword, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::users::reset_password(&b, &p, &id).await?)
}

/// Lift a sign-in lock (too many failed attempts).
#[server(prefix = "/api/fn", endpoint = "users/unlock")]
pub async fn unlock_user(id: String) -> Result<UserView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::users::unlock(&b, &p, &id).await?)
}
