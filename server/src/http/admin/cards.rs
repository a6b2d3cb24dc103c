//! `/api/v1/admin/enrolled-cards` (+ `/{id}`).

use super::super::error::ApiResult;
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody, Paging};
use super::users::bad_query;
use app::backend::service::enrolled_cards;
use app::model::{CardDetail, CardFilter, CardView, Page};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::Json;

/// List enrolled cards
///
/// Latest enrolment first; an Issuer sees its own ICAs' cards.
#[utoipa::path(get, path = "/api/v1/admin/enrolled-cards", tag = "admin", operation_id = "list_enrolled_cards",
    params(schema::CardFilter, Paging),
    responses(
        (status = 200, description = "One page of cards", body = schema::Page<schema::CardView>),
        (status = 400, description = "invalid_request: a malformed query (field `query`)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view enrolled cards; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    ApiCaller(b, p): ApiCaller,
    q: Result<Query<CardFilter>, QueryRejection>,
) -> ApiResult<Json<Page<CardView>>> {
    let Query(filter) = q.map_err(bad_query)?;
    Ok(Json(enrolled_cards::list(&b, &p, &filter).await?))
}

/// Get an enrolled card
///
/// The card, its count of completed entries and its recent operations.
#[utoipa::path(get, path = "/api/v1/admin/enrolled-cards/{id}", tag = "admin", operation_id = "get_enrolled_card",
    params(("id" = String, Path, description = "Card id")),
    responses(
        (status = 200, description = "The card", body = schema::CardDetail),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view enrolled cards; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such card, or not the caller's", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<CardDetail>> {
    Ok(Json(enrolled_cards::get(&b, &p, &id).await?))
}
