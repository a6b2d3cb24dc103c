use super::super::error::{unprocessable, ApiError, ApiResult};
use super::schema::{self, ApiErrorBody};
use access_core::model::{AppError, Me};
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::Json;
use backend::service::auth::{self, SessionKind};
use backend::{Backend, Principal};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(value_type = String, example = "Bearer")]
    pub token_type: &'static str,
    /// Lifetime in seconds.
    pub expires_in: i64,
}

/// Get a bearer token
///
/// E-mail and password → a short-lived bearer token for the admin API. Failed attempts are
/// throttled per account and per client address.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "admin", operation_id = "issue_token",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A bearer token for the admin API", body = TokenResponse),
        (status = 400, description = "invalid_request: the body is not `{\"email\", \"password\"}` (field `body`)", body = ApiErrorBody),
        (status = 401, description = "invalid_credentials: unknown e-mail, wrong password or disabled user", body = ApiErrorBody),
        (status = 429, description = "too_many_requests: too many attempts from the client address (it alone waits), or account_locked: 10 failed sign-ins locked the account for 30 minutes (an Admin can unlock it); retry after `Retry-After` seconds", body = ApiErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the next attempt is accepted"))),
        (status = 503, description = "service_unavailable: every password-hashing slot is busy; retry after `Retry-After` seconds", body = ApiErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn issue_token(
    State(b): State<Backend>,
    crate::http::ClientAddr(ip): crate::http::ClientAddr,
    body: Result<Json<TokenRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<TokenResponse>> {
    let Json(req) = body.map_err(|e| {
        ApiError(AppError::Validation(vec![
            access_core::model::FieldError::new(
                "body",
                crate::http::error::redacted(&e.body_text()),
            ),
        ]))
    })?;
    let issued = auth::sign_in(
        &b,
        &req.email,
        &req.password,
        ip.as_deref(),
        SessionKind::Bearer,
    )
    .await?;
    Ok(Json(TokenResponse {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: b.settings.bearer_ttl_secs,
    }))
}

fn bearer(parts: &Parts) -> Result<String, ApiError> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or(ApiError(AppError::Unauthenticated))
}

/// The caller of an admin endpoint, from `Authorization: Bearer <token>`. A caller that must
/// still change its one-time password is refused with 403 `password_change_required`.
pub struct ApiCaller(pub Backend, pub Principal);

impl<S> FromRequestParts<S> for ApiCaller
where
    Backend: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let b = Backend::from_ref(state);
        let token = bearer(parts)?;
        let p = auth::authenticate(&b, &token, SessionKind::Bearer).await?;
        Ok(ApiCaller(b, p))
    }
}

/// As [`ApiCaller`], also while the password must be changed; with the token.
pub struct PendingCaller(pub Backend, pub Principal, pub String);

impl<S> FromRequestParts<S> for PendingCaller
where
    Backend: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let b = Backend::from_ref(state);
        let token = bearer(parts)?;
        let (p, _) = auth::authenticate_pending(&b, &token, SessionKind::Bearer).await?;
        Ok(PendingCaller(b, p, token))
    }
}

/// Change one's password
///
/// With the current password. Also the forced change after a one-time password (until then
/// every other endpoint answers 403 `password_change_required`). The caller's other sessions
/// and tokens end; this token stays valid.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "admin", operation_id = "change_password",
    request_body = schema::PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "invalid_request: `current_password` wrong or missing, `new_password` too short or unchanged, or `body`", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn change_password(
    PendingCaller(b, p, token): PendingCaller,
    crate::http::ClientAddr(ip): crate::http::ClientAddr,
    body: Result<Json<access_core::model::PasswordChange>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<axum::http::StatusCode> {
    let Json(change) = body.map_err(super::users::bad_body)?;
    auth::change_password(&b, &p, &token, &change, ip.as_deref())
        .await
        .map_err(unprocessable)?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The caller
///
/// The caller's own user, and whether it must still accept the current documents.
#[utoipa::path(get, path = "/api/v1/admin/me", tag = "admin", operation_id = "get_me",
    responses(
        (status = 200, description = "The caller", body = schema::Me),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn me(ApiCaller(b, p): ApiCaller) -> ApiResult<Json<Me>> {
    Ok(Json(auth::current_user(&b, &p).await?))
}
