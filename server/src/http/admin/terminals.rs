use super::super::error::ApiResult;
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody};
use super::users::bad_body;
use axum::extract::rejection::JsonRejection;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use backend::service::terminals::{self, PairingCode, TerminalView};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTerminal {
    /// 4–64 characters: letters, digits, `-`, `_` or `.`; unique. Surrounding spaces are
    /// trimmed.
    #[schema(pattern = r"^\s*[A-Za-z0-9._-]{4,64}\s*$")]
    pub serial_number: String,
}

/// List a location's terminals
///
/// The terminals standing at the location, by serial number.
#[utoipa::path(get, path = "/api/v1/admin/locations/{id}/terminals", tag = "admin", operation_id = "list_location_terminals",
    params(("id" = String, Path, description = "Location id")),
    responses(
        (status = 200, description = "The location's terminals", body = Vec<schema::LocationTerminal>),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such location, or not the caller's tenant's", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list_for_location(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TerminalView>>> {
    Ok(Json(terminals::list_for_location(&b, &p, &id).await?))
}

/// Add a terminal
///
/// Register a terminal at the location, NOT_PAIRED; issue a pairing code next.
#[utoipa::path(post, path = "/api/v1/admin/locations/{id}/terminals", tag = "admin", operation_id = "add_location_terminal",
    params(("id" = String, Path, description = "Location id")),
    request_body = NewTerminal,
    responses(
        (status = 201, description = "The new terminal", body = schema::LocationTerminal),
        (status = 400, description = "invalid_request: `serial_number` is malformed, or `body` when it is not JSON", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such location, or not the caller's tenant's", body = ApiErrorBody),
        (status = 409, description = "conflict: a terminal with this `serial_number` already exists (`fields` names it)", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn add(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<NewTerminal>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<TerminalView>)> {
    let Json(req) = body.map_err(bad_body)?;
    Ok((
        StatusCode::CREATED,
        Json(terminals::add_to_location(&b, &p, &id, &req.serial_number).await?),
    ))
}

/// Issue a pairing code
///
/// For an unpaired terminal: shown once, stored hashed, single use; a new code replaces any
/// earlier unused one.
#[utoipa::path(post, path = "/api/v1/admin/terminals/{serial}/pairing-code", tag = "admin", operation_id = "issue_pairing_code",
    params(("serial" = String, Path, description = "The terminal's serial number")),
    responses(
        (status = 201, description = "The pairing code", body = schema::PairingCode),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no terminal with this serial number, or not at the caller's tenant's locations", body = ApiErrorBody),
        (status = 409, description = "conflict: the terminal is already paired; unpair it first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn pairing_code(
    ApiCaller(b, p): ApiCaller,
    Path(serial): Path<String>,
) -> ApiResult<(StatusCode, Json<PairingCode>)> {
    Ok((
        StatusCode::CREATED,
        Json(terminals::pairing_code(&b, &p, &serial).await?),
    ))
}

/// Unpair a terminal
///
/// Drop the terminal's key: it must pair again before it can call the POS API.
#[utoipa::path(post, path = "/api/v1/admin/terminals/{serial}/unpair", tag = "admin", operation_id = "unpair_terminal",
    params(("serial" = String, Path, description = "The terminal's serial number")),
    responses(
        (status = 200, description = "The terminal, now NOT_PAIRED", body = schema::LocationTerminal),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no terminal with this serial number, or not at the caller's tenant's locations", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn unpair(
    ApiCaller(b, p): ApiCaller,
    Path(serial): Path<String>,
) -> ApiResult<Json<TerminalView>> {
    Ok(Json(terminals::unpair(&b, &p, &serial).await?))
}

/// Where to move a terminal.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveTerminal {
    /// The new location; `null` unassigns the terminal from any location (its checks then
    /// answer `UNKNOWN_DEVICE`).
    pub location_id: Option<String>,
}

/// Move or unassign a terminal
///
/// Move a terminal to another location, or unassign it (`location_id: null`); the pairing
/// stays. An unassigned terminal's checks answer `UNKNOWN_DEVICE`.
#[utoipa::path(put, path = "/api/v1/admin/terminals/{serial}/location", tag = "admin", operation_id = "move_terminal",
    params(("serial" = String, Path, description = "The terminal's serial number")),
    request_body = MoveTerminal,
    responses(
        (status = 200, description = "The terminal at its new location", body = schema::LocationTerminal),
        (status = 400, description = "invalid_request: `location_id` names no location the caller may manage, or `body` when it is not JSON", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no terminal with this serial number, or not at the caller's tenant's locations", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn move_terminal(
    ApiCaller(b, p): ApiCaller,
    Path(serial): Path<String>,
    body: Result<Json<MoveTerminal>, JsonRejection>,
) -> ApiResult<Json<TerminalView>> {
    let Json(req) = body.map_err(bad_body)?;
    let to = req
        .location_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    Ok(Json(terminals::move_to(&b, &p, &serial, to).await?))
}

/// Delete a terminal
#[utoipa::path(delete, path = "/api/v1/admin/terminals/{serial}", tag = "admin", operation_id = "delete_terminal",
    params(("serial" = String, Path, description = "The terminal's serial number")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no terminal with this serial number, or not at the caller's tenant's locations", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn delete(
    ApiCaller(b, p): ApiCaller,
    Path(serial): Path<String>,
) -> ApiResult<StatusCode> {
    terminals::delete(&b, &p, &serial).await?;
    Ok(StatusCode::NO_CONTENT)
}
