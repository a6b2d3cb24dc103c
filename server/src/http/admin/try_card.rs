//! `POST /api/v1/admin/try-card`: the real engine for a test card at a location and time,
//! explained step by step; records nothing (no operation, no card hold).

use super::super::error::{unprocessable, ApiError, ApiResult};
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody};
use access_core::model::{AppError, FieldError, TryCardInput, TryCardResult};
use axum::extract::rejection::JsonRejection;
use axum::Json;
use backend::service::try_card;

/// Unlike the other endpoints, a body that can't be read is not quoted back: it may hold a
/// card number.
fn unreadable(_: JsonRejection) -> ApiError {
    ApiError(AppError::Validation(vec![FieldError::new(
        "body",
        "Send a JSON object with `pan` and `location_id` (strings) and, optionally, `at`.",
    )]))
}

/// Try a card
///
/// Runs the decision engine for a test card number at a location and an instant (default now)
/// and explains it: which rulesets matched, which condition failed, the outcome. Nothing is
/// recorded. Only unscoped roles (Admin, User, Call Center): the explanation names every
/// tenant's rulesets.
#[utoipa::path(post, path = "/api/v1/admin/try-card", tag = "admin", operation_id = "try_card",
    request_body = schema::TryCardInput,
    responses(
        (status = 200, description = "The decision and its steps; the card number only masked", body = schema::TryCardResult),
        (status = 400, description = "invalid_request: `fields` name the bad inputs (`pan`, `location_id`, `at`), or `body` when it is not JSON", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view rulesets, or only its tenant's (Issuer, Service Provider); consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn try_card(
    ApiCaller(b, p): ApiCaller,
    body: Result<Json<TryCardInput>, JsonRejection>,
) -> ApiResult<Json<TryCardResult>> {
    let Json(input) = body.map_err(unreadable)?;
    Ok(Json(
        try_card::try_card(&b, &p, &input)
            .await
            .map_err(unprocessable)?,
    ))
}
