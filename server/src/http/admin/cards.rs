//! `/api/v1/admin/enrolled-cards` (+ `/{id}`), and the enrolment feed (MRS's REST and CSV
//! doors):
//! - `POST /api/v1/admin/enrolled-cards` with `{"items": [{"pan", "aref", "enrolled_at",
//!   "product_code"?, "ica"?, "status"?, "unenrolled_at"?}]}`.
//! - `POST /api/v1/admin/enrolled-cards/import` with a `text/csv` body.
//! - `DELETE /api/v1/admin/enrolled-cards/{id}[?unenrolled_at=]`: unenrol, the row stays.

use super::super::error::unprocessable;
use super::super::error::ApiResult;
use super::auth::ApiCaller;
use super::card_transactions::bad_json;
use super::schema::{self, ApiErrorBody, Paging};
use super::users::bad_query;
use access_core::model::{CardDetail, CardFilter, CardView, Page};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::Json;
use backend::service::enrolled_cards;
use backend::service::enrolments::{self, EnrolmentBatch, EnrolmentImportReport};
use serde::Deserialize;
use utoipa::IntoParams;

/// Room for [`enrolments::MAX_ROWS`] rows.
pub const BODY_LIMIT: usize = 32 * 1024 * 1024;

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
    schema::check_days(&[
        ("created_from", filter.created_from.as_deref()),
        ("created_until", filter.created_until.as_deref()),
    ])?;
    schema::check_paging(filter.page, filter.page_size)?;
    Ok(Json(
        enrolled_cards::list(&b, &p, &filter)
            .await
            .map_err(unprocessable)?,
    ))
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

/// Enrol cards
///
/// A batch from the MRS enrolment feed, all or nothing, idempotent by AREF: a resend with the
/// same values changes nothing (`unchanged`). An Issuer may enrol its own ICAs' cards only.
#[utoipa::path(post, path = "/api/v1/admin/enrolled-cards", tag = "admin", operation_id = "create_enrolments",
    request_body = schema::EnrolmentBatch,
    responses(
        (status = 200, description = "What the batch changed", body = schema::EnrolmentImportReport),
        (status = 400, description = "invalid_request: every bad value, named `items[N].field` (N from 0), `items` when empty or over 100,000, `body` when it is not the JSON batch", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not enrol cards; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 409, description = "conflict: another request enrolled the same AREF or card at the same moment; resend", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn enrol(
    ApiCaller(b, p): ApiCaller,
    body: Bytes,
) -> ApiResult<Json<EnrolmentImportReport>> {
    let batch: EnrolmentBatch = serde_json::from_slice(&body).map_err(bad_json)?;
    Ok(Json(
        enrolments::create_batch(&b, &p, batch.items)
            .await
            .map_err(unprocessable)?,
    ))
}

/// Import enrolments
///
/// From CSV, all or nothing, idempotent by AREF.
#[utoipa::path(post, path = "/api/v1/admin/enrolled-cards/import", tag = "admin", operation_id = "import_enrolments",
    request_body(content = String, content_type = "text/csv",
        description = "`pan,aref,enrolled_at[,product_code][,ica][,status][,unenrolled_at]`, up to 100,000 lines. With this header the columns are taken by name (the optional ones may be left out); without it, in this order. Dates `YYYY-MM-DD` or RFC 3339; `product_code` and `ica` default to the card's BIN table entry; `status` `enrolled` (default) or `unenrolled` with `unenrolled_at`",
        example = "pan,aref,enrolled_at\n5412345678901232,AREF-0001,2026-11-01\n"),
    responses(
        (status = 200, description = "What the import changed", body = schema::EnrolmentImportReport),
        (status = 400, description = "invalid_request: every bad cell, named `line[N].column` (N = line of the file), `line[N]` for a wrong column count or quotes, `csv` when empty or over 100,000 lines (at most 100 problems are listed)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not enrol cards; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 409, description = "conflict: another request enrolled the same AREF or card at the same moment; resend", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn import(
    ApiCaller(b, p): ApiCaller,
    body: String,
) -> ApiResult<Json<EnrolmentImportReport>> {
    Ok(Json(
        enrolments::import_csv(&b, &p, &body)
            .await
            .map_err(unprocessable)?,
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnenrolParams {
    /// `YYYY-MM-DD`, RFC 3339 or `YYYY-MM-DD HH:MM:SS` (UTC); absent or empty = now. An impossible
    /// date in this shape answers 422.
    #[param(
        pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?)?$"
    )]
    pub unenrolled_at: Option<String>,
}

/// Unenrol a card
///
/// The card stops matching "enrolled cards only" rulesets and leaves the offline whitelist;
/// its row and history stay. Unenrolling an unenrolled card changes nothing.
#[utoipa::path(delete, path = "/api/v1/admin/enrolled-cards/{id}", tag = "admin", operation_id = "unenrol_card",
    params(("id" = String, Path, description = "Card id"), UnenrolParams),
    responses(
        (status = 200, description = "What changed (`unenrolled` 1, or `unchanged` 1)", body = schema::EnrolmentImportReport),
        (status = 400, description = "invalid_request: `unenrolled_at` malformed or before the enrolment", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not unenrol cards; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such card, or not the caller's", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn unenrol(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
    q: Result<Query<UnenrolParams>, QueryRejection>,
) -> ApiResult<Json<EnrolmentImportReport>> {
    let Query(q) = q.map_err(bad_query)?;
    Ok(Json(
        enrolments::unenrol(&b, &p, &id, q.unenrolled_at.as_deref())
            .await
            .map_err(unprocessable)?,
    ))
}
