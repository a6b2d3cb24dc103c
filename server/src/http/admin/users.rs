use super::super::error::{unprocessable, ApiError, ApiResult};
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody, Paging};
use access_core::model::{
    AppError, FieldError, OneTimePassword, Page, UserFilter, UserInput, UserView,
};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::Json;
use backend::service::users;

pub fn bad_body(e: JsonRejection) -> ApiError {
    ApiError(AppError::Validation(vec![FieldError::new(
        "body",
        crate::http::error::redacted(&e.body_text()),
    )]))
}

/// A JSON body typed after `integral_numbers` (so `3.0` reads as an integer field's 3); any
/// problem is 400 naming `body`.
pub fn typed_body<T: serde::de::DeserializeOwned>(
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<T, ApiError> {
    let Json(mut value) = body.map_err(bad_body)?;
    crate::http::error::integral_numbers(&mut value);
    serde_json::from_value(value).map_err(|e| {
        ApiError(AppError::Validation(vec![FieldError::new(
            "body",
            crate::http::error::redacted(&e.to_string()),
        )]))
    })
}

pub fn bad_query(e: QueryRejection) -> ApiError {
    ApiError(AppError::Validation(vec![FieldError::new(
        "query",
        crate::http::error::redacted(&e.body_text()),
    )]))
}

/// List users
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", operation_id = "list_users",
    params(schema::UserFilter, Paging),
    responses(
        (status = 200, description = "One page of users", body = schema::Page<schema::UserView>),
        (status = 400, description = "invalid_request: a malformed query (field `query`)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view users; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    ApiCaller(b, p): ApiCaller,
    q: Result<Query<UserFilter>, QueryRejection>,
) -> ApiResult<Json<Page<UserView>>> {
    let Query(filter) = q.map_err(bad_query)?;
    schema::check_paging(filter.page, filter.page_size)?;
    Ok(Json(
        users::list(&b, &p, &filter).await.map_err(unprocessable)?,
    ))
}

/// Get a user
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", tag = "admin", operation_id = "get_user",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = schema::UserView),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view users; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such user", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get(ApiCaller(b, p): ApiCaller, Path(id): Path<String>) -> ApiResult<Json<UserView>> {
    Ok(Json(users::get(&b, &p, &id).await?))
}

/// Create a user
///
/// Admin only.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", operation_id = "create_user",
    request_body = schema::UserInput,
    responses(
        (status = 201, description = "The new user", body = schema::UserView),
        (status = 400, description = "invalid_request: `fields` name the bad inputs (`first_name`, `last_name`, `email` — also when taken, `role` — also when changing one's own, `tenant_id`, `password`), or `body` when it is not JSON", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage users; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn create(
    ApiCaller(b, p): ApiCaller,
    body: Result<Json<UserInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let Json(input) = body.map_err(bad_body)?;
    Ok((
        StatusCode::CREATED,
        Json(users::create(&b, &p, &input).await.map_err(unprocessable)?),
    ))
}

/// Edit a user
///
/// Admin only; a new password ends the user's other sessions.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}", tag = "admin", operation_id = "update_user",
    params(("id" = String, Path, description = "User id")),
    request_body = schema::UserInput,
    responses(
        (status = 200, description = "The updated user", body = schema::UserView),
        (status = 400, description = "invalid_request: `fields` name the bad inputs (`first_name`, `last_name`, `email` — also when taken, `role` — also when changing one's own, `tenant_id`, `password`), or `body` when it is not JSON", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage users; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such user", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn update(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<UserInput>, JsonRejection>,
) -> ApiResult<Json<UserView>> {
    let Json(input) = body.map_err(bad_body)?;
    Ok(Json(
        users::update(&b, &p, &id, &input)
            .await
            .map_err(unprocessable)?,
    ))
}

/// Delete a user
///
/// Admin only; not oneself.
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}", tag = "admin", operation_id = "delete_user",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage users; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such user", body = ApiErrorBody),
        (status = 409, description = "conflict: the caller cannot delete itself", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn delete(ApiCaller(b, p): ApiCaller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    users::delete(&b, &p, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disable a user
///
/// Admin only; not oneself. Sign-in is refused and the user's sessions and bearer tokens are
/// revoked at once (its next request answers 401).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/disable", tag = "admin", operation_id = "disable_user",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = schema::UserView),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage users", body = ApiErrorBody),
        (status = 404, description = "not_found: no such user", body = ApiErrorBody),
        (status = 409, description = "conflict: the caller cannot disable itself", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn disable(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(users::set_disabled(&b, &p, &id, true).await?))
}

/// Unlock a user's sign-in
///
/// Admin only. Lifts the lock set after repeated failed sign-ins (10 within the window lock
/// the account for 30 minutes) and forgets the failures.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/unlock", tag = "admin", operation_id = "unlock_user",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user (`locked_until` now null)", body = schema::UserView),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage users", body = ApiErrorBody),
        (status = 404, description = "not_found: no such user", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn unlock(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(users::unlock(&b, &p, &id).await?))
}

/// Enable a user
///
/// Admin only.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/enable", tag = "admin", operation_id = "enable_user",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = schema::UserView),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage users", body = ApiErrorBody),
        (status = 404, description = "not_found: no such user", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn enable(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(users::set_disabled(&b, &p, &id, false).await?))
}

/// Reset a user's password
///
/// Admin only; not oneself. Answers a one-time password (shown once): the user's sessions end
/// and its next sign-in must choose a new password.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/password-reset", tag = "admin", operation_id = "reset_user_password",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The one-time password", body = schema::OneTimePassword),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage users", body = ApiErrorBody),
        (status = 404, description = "not_found: no such user", body = ApiErrorBody),
        (status = 409, description = "conflict: the caller changes its own password with `POST /api/v1/auth/password`", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn reset_password(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<OneTimePassword>> {
    Ok(Json(users::reset_password(&b, &p, &id).await?))
}
