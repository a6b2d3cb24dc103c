//! `/api/v1/admin/operations` (+ `/{id}`, `/{id}/rule`, `/{id}/transactions`,
//! `/{id}/reversal`) and `/api/v1/admin/dashboard`.

use super::super::error::{ApiError, ApiResult};
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody, Paging};
use super::users::bad_query;
use crate::http::error::unprocessable;
use access_core::model::{
    AppError, CardTransactionView, DashboardData, DashboardFilter, FieldError, OperationDetail,
    OperationFilter, OperationView, Page, ReversalInput, RuleVersionView,
};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::Json;
use backend::service::{dashboard, operations};

/// List operations
///
/// Entry requests and their outcomes, newest first; scoped roles see their tenant's.
#[utoipa::path(get, path = "/api/v1/admin/operations", tag = "admin", operation_id = "list_operations",
    params(schema::OperationFilter, Paging),
    responses(
        (status = 200, description = "One page of operations", body = schema::Page<schema::OperationView>),
        (status = 400, description = "invalid_request: a malformed query (field `query`)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view operations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    ApiCaller(b, p): ApiCaller,
    q: Result<Query<OperationFilter>, QueryRejection>,
) -> ApiResult<Json<Page<OperationView>>> {
    let Query(filter) = q.map_err(bad_query)?;
    schema::check_days(&[
        ("from", filter.from.as_deref()),
        ("until", filter.until.as_deref()),
    ])?;
    schema::check_paging(filter.page, filter.page_size)?;
    Ok(Json(
        operations::list(&b, &p, &filter)
            .await
            .map_err(unprocessable)?,
    ))
}

/// Get an operation
///
/// The operation and whether the caller may reverse it.
#[utoipa::path(get, path = "/api/v1/admin/operations/{id}", tag = "admin", operation_id = "get_operation",
    params(("id" = String, Path, description = "Operation id")),
    responses(
        (status = 200, description = "The operation", body = schema::OperationDetail),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view operations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such operation, or not in the caller's tenant", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<OperationDetail>> {
    Ok(Json(operations::get(&b, &p, &id).await?))
}

/// Show rule
///
/// The ruleset version the operation was decided under.
#[utoipa::path(get, path = "/api/v1/admin/operations/{id}/rule", tag = "admin", operation_id = "get_operation_rule",
    params(("id" = String, Path, description = "Operation id")),
    responses(
        (status = 200, description = "The ruleset version", body = schema::RuleVersionView),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view operations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such operation (or not in the caller's tenant), or it was not decided under a ruleset", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn rule(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<RuleVersionView>> {
    Ok(Json(operations::rule(&b, &p, &id).await?))
}

/// Show transactions
///
/// The card's transactions in the 400 days before the entry (the spend check's look-back),
/// newest first, at most 500.
#[utoipa::path(get, path = "/api/v1/admin/operations/{id}/transactions", tag = "admin", operation_id = "list_operation_transactions",
    params(("id" = String, Path, description = "Operation id")),
    responses(
        (status = 200, description = "The card's transactions", body = Vec<schema::CardTransactionView>),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view operations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such operation, or not in the caller's tenant", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn transactions(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CardTransactionView>>> {
    Ok(Json(operations::transactions(&b, &p, &id).await?))
}

/// Reverse an operation
///
/// `POST /{id}/reversal` with an optional `{"reason": "..."}` (an empty body is fine).
/// COMPLETED → REVERSED: an Admin any time, a Service Provider within 30 minutes of the entry
/// and only at its own locations. From then on the entry no longer counts.
#[utoipa::path(post, path = "/api/v1/admin/operations/{id}/reversal", tag = "admin", operation_id = "reverse_operation",
    params(("id" = String, Path, description = "Operation id")),
    request_body(content = Option<schema::ReversalInput>, description = "Optional; an empty body is fine"),
    responses(
        (status = 200, description = "The reversed operation", body = schema::OperationView),
        (status = 400, description = "invalid_request: the body is not JSON (field `body`), or `reason` is longer than 500 characters", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not reverse, or a Service Provider's 30 minutes are over; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such operation, or not in the caller's tenant", body = ApiErrorBody),
        (status = 409, description = "conflict: only a completed entry can be reversed", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn reverse(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<OperationView>> {
    let input: ReversalInput = if body.iter().all(u8::is_ascii_whitespace) {
        ReversalInput::default()
    } else {
        // `null` is an absent body too (what a client serializing "no reason" may send).
        serde_json::from_slice::<Option<ReversalInput>>(&body)
            .map_err(|e| {
                ApiError(AppError::Validation(vec![FieldError::new(
                    "body",
                    crate::http::error::redacted(&e.to_string()),
                )]))
            })?
            .unwrap_or_default()
    };
    Ok(Json(operations::reverse(&b, &p, &id, input.reason).await?))
}

/// Dashboard
///
/// The traffic dashboard's numbers over the filtered days (absent = all time).
#[utoipa::path(get, path = "/api/v1/admin/dashboard", tag = "admin", operation_id = "get_dashboard",
    params(schema::DashboardFilter),
    responses(
        (status = 200, description = "The dashboard", body = schema::DashboardData),
        (status = 400, description = "invalid_request: a malformed query (field `query`)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view operations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn dashboard(
    ApiCaller(b, p): ApiCaller,
    q: Result<Query<DashboardFilter>, QueryRejection>,
) -> ApiResult<Json<DashboardData>> {
    let Query(filter) = q.map_err(bad_query)?;
    schema::check_days(&[
        ("from", filter.from.as_deref()),
        ("until", filter.until.as_deref()),
    ])?;
    Ok(Json(
        dashboard::data(&b, &p, &filter)
            .await
            .map_err(unprocessable)?,
    ))
}
