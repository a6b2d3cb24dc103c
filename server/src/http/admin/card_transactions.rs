//! Card transactions over REST (the MRS feed's stand-in), read by the spend-based rule control:
//! - `POST /api/v1/admin/card-transactions` with `{"items": [{"pan", "amount", "currency",
//!   "mcc", "occurred_at", "cleared_at"?, "external_id"?, "merchant_name"?}]}` → 201.
//! - `POST /api/v1/admin/card-transactions/import` with a `text/csv` body
//!   (`pan,amount,currency,mcc,occurred_at[,cleared_at][,external_id][,merchant_name]`).
//!
//! Errors name the item or line and the field: `items[2].amount`, `line[3].amount`. The PAN is
//! stored only as its hash and never echoed, not even in the message for a malformed body.

use super::super::error::{unprocessable, ApiError, ApiResult};
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody};
use access_core::model::{AppError, FieldError};
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::Json;
use backend::service::card_transactions::{
    self as service, CardTransactionBatch, CardTransactionImportReport,
};

/// Room for [`service::MAX_ROWS`] rows.
pub const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// A body that is not the batch. serde's messages may quote the offending value (a PAN sent as
/// a number, say), so only a missing field's name and the position are passed on.
pub fn bad_json(e: serde_json::Error) -> ApiError {
    let message = match e.classify() {
        serde_json::error::Category::Data if e.to_string().starts_with("missing field") => {
            e.to_string()
        }
        serde_json::error::Category::Data => format!(
            "a value of the wrong type at line {}, column {}",
            e.line(),
            e.column()
        ),
        _ => format!("not valid JSON at line {}, column {}", e.line(), e.column()),
    };
    ApiError(AppError::Validation(vec![FieldError::new("body", message)]))
}

/// Add card transactions
///
/// A batch from the card transaction feed, all or nothing. A transaction whose `external_id` is
/// already stored is skipped, so a batch may be re-sent.
#[utoipa::path(post, path = "/api/v1/admin/card-transactions", tag = "admin", operation_id = "create_card_transactions",
    request_body = schema::CardTransactionBatch,
    responses(
        (status = 201, description = "Transactions stored and skipped", body = schema::CardTransactionImportReport),
        (status = 400, description = "invalid_request: every bad value, named `items[N].field` (N from 0), `items` when empty or over 100,000, `body` when it is not the JSON batch", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage reference data; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn create(
    ApiCaller(b, p): ApiCaller,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<CardTransactionImportReport>)> {
    let batch: CardTransactionBatch = serde_json::from_slice(&body).map_err(bad_json)?;
    Ok((
        StatusCode::CREATED,
        Json(
            service::create_batch(&b, &p, batch.items)
                .await
                .map_err(unprocessable)?,
        ),
    ))
}

/// Import card transactions
///
/// From CSV, all or nothing. A transaction whose `external_id` is already stored is skipped.
#[utoipa::path(post, path = "/api/v1/admin/card-transactions/import", tag = "admin", operation_id = "import_card_transactions",
    request_body(content = String, content_type = "text/csv",
        description = "`pan,amount,currency,mcc,occurred_at[,cleared_at][,external_id][,merchant_name]`, up to 100,000 lines. With this header the columns are taken by name (the optional ones may be left out); without it, in this order. PAN 12–19 digits passing Luhn (stored only as a hash); amount a decimal in major units with at most the currency's ISO 4217 digits (negative for a refund); currency ISO 4217; MCC 4 digits; times RFC 3339 or `YYYY-MM-DD HH:MM:SS` UTC, `cleared_at` defaults to `occurred_at`",
        example = "pan,amount,currency,mcc,occurred_at,cleared_at,external_id,merchant_name\n5105105105105100,125.50,EUR,5411,2026-11-20T14:05:00Z,,mrs-000123,Supermarket\n"),
    responses(
        (status = 200, description = "Transactions stored and skipped", body = schema::CardTransactionImportReport),
        (status = 400, description = "invalid_request: every bad cell, named `line[N].column` (N = line of the file), `line[N]` for a wrong column count or quotes, `csv` when empty or over 100,000 lines (at most 100 problems are listed)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage reference data; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn import(
    ApiCaller(b, p): ApiCaller,
    body: String,
) -> ApiResult<Json<CardTransactionImportReport>> {
    Ok(Json(
        service::import_csv(&b, &p, &body)
            .await
            .map_err(unprocessable)?,
    ))
}
