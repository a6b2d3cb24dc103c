//! `/api/v1/admin/tenants`: organisations (issuers with ICAs, service providers with locations).

use super::super::error::unprocessable;
use super::super::error::ApiResult;
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody};
use super::users::bad_body;
use access_core::model::{OrganisationInput, OrganisationView};
use axum::extract::rejection::JsonRejection;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use backend::service::tenants;

/// List organisations
///
/// Every issuer and service-provider organisation, with its ICAs or locations.
#[utoipa::path(get, path = "/api/v1/admin/tenants", tag = "admin", operation_id = "list_tenants",
    responses(
        (status = 200, description = "The organisations, by name", body = Vec<schema::OrganisationView>),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view users; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(ApiCaller(b, p): ApiCaller) -> ApiResult<Json<Vec<OrganisationView>>> {
    Ok(Json(tenants::list(&b, &p).await?))
}

/// Get an organisation
#[utoipa::path(get, path = "/api/v1/admin/tenants/{id}", tag = "admin", operation_id = "get_tenant",
    params(("id" = String, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation", body = schema::OrganisationView),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view users", body = ApiErrorBody),
        (status = 404, description = "not_found: no such organisation", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrganisationView>> {
    Ok(Json(tenants::get(&b, &p, &id).await?))
}

/// Create an organisation
///
/// Admin only. An issuer with its ICAs, or a service provider (assign its locations after).
#[utoipa::path(post, path = "/api/v1/admin/tenants", tag = "admin", operation_id = "create_tenant",
    request_body = schema::OrganisationInput,
    responses(
        (status = 201, description = "The new organisation", body = schema::OrganisationView),
        (status = 400, description = "invalid_request: `fields` name the bad inputs (`name`, `kind`, `icas`), or `body` when it is not JSON", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: Admin only", body = ApiErrorBody),
        (status = 409, description = "conflict: an ICA already belongs to another issuer (`fields` names `icas`)", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn create(
    ApiCaller(b, p): ApiCaller,
    body: Result<Json<OrganisationInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<OrganisationView>)> {
    let Json(input) = body.map_err(bad_body)?;
    Ok((
        StatusCode::CREATED,
        Json(
            tenants::create(&b, &p, &input)
                .await
                .map_err(unprocessable)?,
        ),
    ))
}

/// Edit an organisation
///
/// Admin only. Renames it and, for an issuer, replaces its ICAs. The kind cannot change.
#[utoipa::path(put, path = "/api/v1/admin/tenants/{id}", tag = "admin", operation_id = "update_tenant",
    params(("id" = String, Path, description = "Organisation id")),
    request_body = schema::OrganisationInput,
    responses(
        (status = 200, description = "The organisation", body = schema::OrganisationView),
        (status = 400, description = "invalid_request: `fields` name the bad inputs (`name`, `kind`, `icas`)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: Admin only", body = ApiErrorBody),
        (status = 404, description = "not_found: no such organisation", body = ApiErrorBody),
        (status = 409, description = "conflict: an ICA already belongs to another issuer (`fields` names `icas`)", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn update(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<OrganisationInput>, JsonRejection>,
) -> ApiResult<Json<OrganisationView>> {
    let Json(input) = body.map_err(bad_body)?;
    Ok(Json(
        tenants::update(&b, &p, &id, &input)
            .await
            .map_err(unprocessable)?,
    ))
}

/// Deactivate an organisation
///
/// Admin only. Its users are signed out at once (sessions and bearer tokens) and cannot sign
/// in until it is activated again. Nothing is deleted.
#[utoipa::path(post, path = "/api/v1/admin/tenants/{id}/deactivate", tag = "admin", operation_id = "deactivate_tenant",
    params(("id" = String, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation", body = schema::OrganisationView),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: Admin only", body = ApiErrorBody),
        (status = 404, description = "not_found: no such organisation", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn deactivate(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrganisationView>> {
    Ok(Json(tenants::set_active(&b, &p, &id, false).await?))
}

/// Activate an organisation
///
/// Admin only.
#[utoipa::path(post, path = "/api/v1/admin/tenants/{id}/activate", tag = "admin", operation_id = "activate_tenant",
    params(("id" = String, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation", body = schema::OrganisationView),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: Admin only", body = ApiErrorBody),
        (status = 404, description = "not_found: no such organisation", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn activate(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrganisationView>> {
    Ok(Json(tenants::set_active(&b, &p, &id, true).await?))
}

/// Assign a location
///
/// Admin only. Gives the location to this service provider.
#[utoipa::path(put, path = "/api/v1/admin/tenants/{id}/locations/{location_id}", tag = "admin", operation_id = "assign_tenant_location",
    params(("id" = String, Path, description = "Organisation id"),
           ("location_id" = String, Path, description = "Location id")),
    responses(
        (status = 200, description = "The organisation", body = schema::OrganisationView),
        (status = 400, description = "invalid_request: `location_id` unknown, or the organisation is not a service provider", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: Admin only", body = ApiErrorBody),
        (status = 404, description = "not_found: no such organisation", body = ApiErrorBody),
        (status = 409, description = "conflict: another provider holds the location (`fields` names `location_id`)", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn assign_location(
    ApiCaller(b, p): ApiCaller,
    Path((id, location_id)): Path<(String, String)>,
) -> ApiResult<Json<OrganisationView>> {
    Ok(Json(
        tenants::assign_location(&b, &p, &id, &location_id).await?,
    ))
}

/// Unassign a location
///
/// Admin only. The location no longer belongs to any provider.
#[utoipa::path(delete, path = "/api/v1/admin/tenants/{id}/locations/{location_id}", tag = "admin", operation_id = "unassign_tenant_location",
    params(("id" = String, Path, description = "Organisation id"),
           ("location_id" = String, Path, description = "Location id")),
    responses(
        (status = 200, description = "The organisation", body = schema::OrganisationView),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: Admin only", body = ApiErrorBody),
        (status = 404, description = "not_found: no such organisation, or the location is not its", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn unassign_location(
    ApiCaller(b, p): ApiCaller,
    Path((id, location_id)): Path<(String, String)>,
) -> ApiResult<Json<OrganisationView>> {
    Ok(Json(
        tenants::unassign_location(&b, &p, &id, &location_id).await?,
    ))
}
