//! POS messages over REST (Admin only):
//! - `GET /api/v1/admin/pos-messages[?language=de]`: every reject code × language;
//! - `PUT /api/v1/admin/pos-messages/{language}/{code}` `{"message": "..."}`: set a text;
//! - `DELETE /api/v1/admin/pos-messages/{language}/{code}`: back to the built-in text;
//! - `GET /api/v1/admin/pos-messages/preview?code=&accept_language=`: what a terminal sees.

use super::super::error::ApiResult;
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody};
use super::users::{bad_body, bad_query};
use access_core::model::{PosMessageFilter, PosMessageInput, PosMessagePreview, PosMessageView};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::Json;
use backend::service::pos_messages;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// The reject code, e.g. `LIMIT_EXCEEDED`.
    #[param(
        pattern = "^(CARD_ASI_FAILED|CARD_AUTH_INSUFFICIENT_FUNDS|CARD_AMOUNT_AUTH_FAILED|LIMIT_EXCEEDED|UNMET_REQUIREMENTS|TEMPORARILY_BLOCKED|MISSING_ACCESS_RULES|UNKNOWN_DEVICE|COOLDOWN_ACTIVE|LOCATION_FULL)$"
    )]
    pub code: String,
    /// An `Accept-Language` header value as a terminal sends it, e.g. `de-DE,de;q=0.9`
    /// (empty: English).
    #[serde(default)]
    pub accept_language: String,
}

/// List POS messages
///
/// Every reject code in every supported language (ISO 639-1: en, de, fr, es, it, pl, nl, pt,
/// cs, sv, ar, ja), or in one. `message` is what a terminal asking for that language gets:
/// the Admin's text when `custom`, else the English one.
#[utoipa::path(get, path = "/api/v1/admin/pos-messages", tag = "admin", operation_id = "list_pos_messages",
    params(schema::PosMessageFilter),
    responses(
        (status = 200, description = "Codes × languages", body = Vec<schema::PosMessageView>),
        (status = 400, description = "invalid_request: `language` is not a supported language, or field `query`", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: Admin only", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    ApiCaller(b, p): ApiCaller,
    q: Result<Query<PosMessageFilter>, QueryRejection>,
) -> ApiResult<Json<Vec<PosMessageView>>> {
    let Query(filter) = q.map_err(bad_query)?;
    Ok(Json(pos_messages::list(&b, &p, &filter).await?))
}

/// Set a POS message
///
/// The text terminals asking for `language` show for `code`; audited (`pos_message.update`,
/// old and new text). App servers pick it up within `--pos-messages-ttl` seconds (at once on
/// the one that served this call).
#[utoipa::path(put, path = "/api/v1/admin/pos-messages/{language}/{code}", tag = "admin", operation_id = "update_pos_message",
    params(("language" = String, Path, description = "ISO 639-1, e.g. `de`", pattern = "^(en|de|fr|es|it|pl|nl|pt|cs|sv|ar|ja)$"),
           ("code" = String, Path, description = "Reject code, e.g. `LIMIT_EXCEEDED`", pattern = "^(CARD_ASI_FAILED|CARD_AUTH_INSUFFICIENT_FUNDS|CARD_AMOUNT_AUTH_FAILED|LIMIT_EXCEEDED|UNMET_REQUIREMENTS|TEMPORARILY_BLOCKED|MISSING_ACCESS_RULES|UNKNOWN_DEVICE|COOLDOWN_ACTIVE|LOCATION_FULL)$")),
    request_body = schema::PosMessageInput,
    responses(
        (status = 200, description = "The message as terminals now get it", body = schema::PosMessageView),
        (status = 400, description = "invalid_request: `language` or `code` unknown; `message` empty, over 200 characters or not one line; `body` when it is not JSON", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: Admin only", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn update(
    ApiCaller(b, p): ApiCaller,
    Path((language, code)): Path<(String, String)>,
    body: Result<Json<PosMessageInput>, JsonRejection>,
) -> ApiResult<Json<PosMessageView>> {
    let Json(input) = body.map_err(bad_body)?;
    Ok(Json(
        pos_messages::update(&b, &p, &language, &code, &input.message).await?,
    ))
}

/// Reset a POS message
///
/// Drops the Admin's text: terminals asking for `language` get the built-in English text for
/// `code` again. Audited (`pos_message.reset`); resetting a default changes nothing.
#[utoipa::path(delete, path = "/api/v1/admin/pos-messages/{language}/{code}", tag = "admin", operation_id = "reset_pos_message",
    params(("language" = String, Path, description = "ISO 639-1, e.g. `de`", pattern = "^(en|de|fr|es|it|pl|nl|pt|cs|sv|ar|ja)$"),
           ("code" = String, Path, description = "Reject code, e.g. `LIMIT_EXCEEDED`", pattern = "^(CARD_ASI_FAILED|CARD_AUTH_INSUFFICIENT_FUNDS|CARD_AMOUNT_AUTH_FAILED|LIMIT_EXCEEDED|UNMET_REQUIREMENTS|TEMPORARILY_BLOCKED|MISSING_ACCESS_RULES|UNKNOWN_DEVICE|COOLDOWN_ACTIVE|LOCATION_FULL)$")),
    responses(
        (status = 200, description = "The message as terminals now get it", body = schema::PosMessageView),
        (status = 400, description = "invalid_request: `language` or `code` unknown", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: Admin only", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn reset(
    ApiCaller(b, p): ApiCaller,
    Path((language, code)): Path<(String, String)>,
) -> ApiResult<Json<PosMessageView>> {
    Ok(Json(pos_messages::reset(&b, &p, &language, &code).await?))
}

/// Preview a POS message
///
/// What a terminal sending this `Accept-Language` gets for `code`: the most preferred
/// language (by q-value; `q=0` excluded) that has a text for the code, else English.
#[utoipa::path(get, path = "/api/v1/admin/pos-messages/preview", tag = "admin", operation_id = "preview_pos_message",
    params(PreviewQuery),
    responses(
        (status = 200, description = "The language chosen and the message", body = schema::PosMessagePreview),
        (status = 400, description = "invalid_request: `code` unknown, `accept_language` over 1024 characters, or field `query`", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: Admin only", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn preview(
    ApiCaller(b, p): ApiCaller,
    q: Result<Query<PreviewQuery>, QueryRejection>,
) -> ApiResult<Json<PosMessagePreview>> {
    let Query(q) = q.map_err(bad_query)?;
    Ok(Json(
        pos_messages::preview(&b, &p, &q.code, &q.accept_language).await?,
    ))
}
