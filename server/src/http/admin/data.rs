//! Reference data over REST:
//! - `GET /api/v1/admin/bin-ranges?bin=&ica=&page=&page_size=`;
//!   `POST /api/v1/admin/bin-ranges/import[?replace=true]` with a `text/csv` body
//!   (`bin_from,bin_to,ica,issuer_name,issuer_country,product_code`).
//! - `GET /api/v1/admin/fx-rates?date=&currency=`; `POST /api/v1/admin/fx-rates/import`
//!   (`text/csv`: `rate_date,base_currency,quote_currency,rate`); `PUT /api/v1/admin/fx-rates/{id}`
//!   `{"rate": "4.31"}`.
//!
//! CSV errors name the line and column: `line[3].bin_to`.

use super::super::error::unprocessable;
use super::super::error::ApiResult;
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody, Paging};
use super::users::{bad_body, bad_query};
use access_core::model::{
    BinFilter, BinRangeView, FxFilter, FxRateInput, FxRateView, ImportReport, Page,
};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::Json;
use backend::service::data;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Empty the BIN table first (default false).
    #[serde(default)]
    pub replace: bool,
}

/// List BIN ranges
///
/// The BIN table, by `bin_from`.
#[utoipa::path(get, path = "/api/v1/admin/bin-ranges", tag = "admin", operation_id = "list_bin_ranges",
    params(schema::BinFilter, Paging),
    responses(
        (status = 200, description = "One page of BIN ranges", body = schema::Page<schema::BinRangeView>),
        (status = 400, description = "invalid_request: a malformed query (field `query`), or `bin` is not up to 8 digits", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view reference data; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list_bins(
    ApiCaller(b, p): ApiCaller,
    q: Result<Query<BinFilter>, QueryRejection>,
) -> ApiResult<Json<Page<BinRangeView>>> {
    let Query(filter) = q.map_err(bad_query)?;
    schema::check_paging(filter.page, filter.page_size)?;
    Ok(Json(
        data::list_bins(&b, &p, &filter)
            .await
            .map_err(unprocessable)?,
    ))
}

/// Import BIN ranges
///
/// From CSV, all or nothing; `replace=true` empties the table first.
#[utoipa::path(post, path = "/api/v1/admin/bin-ranges/import", tag = "admin", operation_id = "import_bin_ranges",
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv",
        description = "`bin_from,bin_to,ica,issuer_name,issuer_country,product_code` per line (header optional): 6–8 digit BINs of equal length, ICA 1–11 digits, issuer country ISO 3166 alpha-3, product code 3 characters",
        example = "bin_from,bin_to,ica,issuer_name,issuer_country,product_code\n541234,541299,1234,Demo Bank,POL,MCG\n"),
    responses(
        (status = 200, description = "Rows imported", body = schema::ImportReport),
        (status = 400, description = "invalid_request: every bad cell, named `line[N].column` (N = line of the file), `line[N]` for a wrong column count, `csv` when empty; or field `query`", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage reference data; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn import_bins(
    ApiCaller(b, p): ApiCaller,
    q: Result<Query<ImportQuery>, QueryRejection>,
    body: String,
) -> ApiResult<Json<ImportReport>> {
    let Query(q) = q.map_err(bad_query)?;
    Ok(Json(
        data::import_bins(&b, &p, &body, q.replace)
            .await
            .map_err(unprocessable)?,
    ))
}

/// List FX rates
///
/// Newest date first.
#[utoipa::path(get, path = "/api/v1/admin/fx-rates", tag = "admin", operation_id = "list_fx_rates",
    params(schema::FxFilter, Paging),
    responses(
        (status = 200, description = "One page of FX rates", body = schema::Page<schema::FxRateView>),
        (status = 400, description = "invalid_request: a malformed query (field `query`)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view reference data; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list_fx(
    ApiCaller(b, p): ApiCaller,
    q: Result<Query<FxFilter>, QueryRejection>,
) -> ApiResult<Json<Page<FxRateView>>> {
    let Query(filter) = q.map_err(bad_query)?;
    schema::check_days(&[("date", filter.date.as_deref())])?;
    schema::check_paging(filter.page, filter.page_size)?;
    Ok(Json(
        data::list_fx(&b, &p, &filter)
            .await
            .map_err(unprocessable)?,
    ))
}

/// Import FX rates
///
/// From CSV, all or nothing; a rate for an existing (date, base, quote) replaces it.
#[utoipa::path(post, path = "/api/v1/admin/fx-rates/import", tag = "admin", operation_id = "import_fx_rates",
    request_body(content = String, content_type = "text/csv",
        description = "`rate_date,base_currency,quote_currency,rate` per line (header optional): date `YYYY-MM-DD`, ISO 4217 codes that differ, rate a positive decimal of quote units per base unit",
        example = "rate_date,base_currency,quote_currency,rate\n2026-11-01,EUR,PLN,4.3215\n"),
    responses(
        (status = 200, description = "Rows imported", body = schema::ImportReport),
        (status = 400, description = "invalid_request: every bad cell, named `line[N].column` (N = line of the file), `line[N]` for a wrong column count, `csv` when empty", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage reference data; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn import_fx(ApiCaller(b, p): ApiCaller, body: String) -> ApiResult<Json<ImportReport>> {
    Ok(Json(
        data::import_fx(&b, &p, &body)
            .await
            .map_err(unprocessable)?,
    ))
}

/// Correct an FX rate
#[utoipa::path(put, path = "/api/v1/admin/fx-rates/{id}", tag = "admin", operation_id = "update_fx_rate",
    params(("id" = String, Path, description = "FX rate id")),
    request_body = schema::FxRateInput,
    responses(
        (status = 200, description = "The updated rate", body = schema::FxRateView),
        (status = 400, description = "invalid_request: `rate` is not a positive decimal, or `body` when it is not JSON", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage reference data; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such rate", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn update_fx(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<FxRateInput>, JsonRejection>,
) -> ApiResult<Json<FxRateView>> {
    let Json(input) = body.map_err(bad_body)?;
    Ok(Json(
        data::update_fx(&b, &p, &id, &input.rate)
            .await
            .map_err(unprocessable)?,
    ))
}
