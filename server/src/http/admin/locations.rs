//! `/api/v1/admin/locations`: list (filters `country`, `name`, `service`, `page`, `page_size`),
//! create, get, update, delete. Terminals of a location: see `terminals.rs`.

use super::super::error::unprocessable;
use super::super::error::ApiResult;
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody, Paging};
use super::users::{bad_query, typed_body};
use access_core::model::{
    LocationFilter, LocationInput, LocationView, OccupancyView, Page, ServiceView,
};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::Json;
use backend::service::{capacity, locations};

/// List locations
///
/// By country and name; a Service Provider sees its own.
#[utoipa::path(get, path = "/api/v1/admin/locations", tag = "admin", operation_id = "list_locations",
    params(schema::LocationFilter, Paging),
    responses(
        (status = 200, description = "One page of locations", body = schema::Page<schema::LocationView>),
        (status = 400, description = "invalid_request: a malformed query (field `query`)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    ApiCaller(b, p): ApiCaller,
    q: Result<Query<LocationFilter>, QueryRejection>,
) -> ApiResult<Json<Page<LocationView>>> {
    let Query(filter) = q.map_err(bad_query)?;
    schema::check_paging(filter.page, filter.page_size)?;
    Ok(Json(
        locations::list(&b, &p, &filter)
            .await
            .map_err(unprocessable)?,
    ))
}

/// List services
///
/// The services a location can offer.
#[utoipa::path(get, path = "/api/v1/admin/services", tag = "admin", operation_id = "list_services",
    responses(
        (status = 200, description = "The services", body = Vec<schema::ServiceView>),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn services(ApiCaller(b, p): ApiCaller) -> ApiResult<Json<Vec<ServiceView>>> {
    Ok(Json(locations::services(&b, &p).await?))
}

/// List time zones
///
/// The IANA zones a location may choose (`time_zone`), sorted; a location created without one
/// gets its country's zone.
#[utoipa::path(get, path = "/api/v1/admin/time-zones", tag = "admin", operation_id = "list_time_zones",
    responses(
        (status = 200, description = "IANA zone names, e.g. Europe/Warsaw", body = Vec<String>),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn time_zones(ApiCaller(_b, p): ApiCaller) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(backend::service::zones::names(&p)))
}

/// Get a location
#[utoipa::path(get, path = "/api/v1/admin/locations/{id}", tag = "admin", operation_id = "get_location",
    params(("id" = String, Path, description = "Location id")),
    responses(
        (status = 200, description = "The location", body = schema::LocationView),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such location, or not the caller's tenant's", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<LocationView>> {
    Ok(Json(locations::get(&b, &p, &id).await?))
}

/// Live occupancy of a location
///
/// People admitted (cardholders and guests of completed entries, reversals excluded) within
/// the location's `stay_minutes`, the seats open grants hold, and the capacity.
#[utoipa::path(get, path = "/api/v1/admin/locations/{id}/occupancy", tag = "admin", operation_id = "location_occupancy",
    params(("id" = String, Path, description = "Location id")),
    responses(
        (status = 200, description = "The occupancy now", body = schema::OccupancyView),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such location, or not the caller's tenant's", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn occupancy(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<OccupancyView>> {
    Ok(Json(capacity::view(&b, &p, &id).await?))
}

/// Create a location
#[utoipa::path(post, path = "/api/v1/admin/locations", tag = "admin", operation_id = "create_location",
    request_body = schema::LocationInput,
    responses(
        (status = 201, description = "The new location", body = schema::LocationView),
        (status = 400, description = "invalid_request: `fields` name the bad inputs (`name`, `country`, `service_code`, `postal_code`, `city`, `address`, `cooldown_minutes`, `capacity`, `stay_minutes`, `time_zone`, `offline_allowed`, `offline_max_per_card_per_day`, `tenant_id`), or `body` when it is not JSON", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn create(
    ApiCaller(b, p): ApiCaller,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<LocationView>)> {
    let input: LocationInput = typed_body(body)?;
    Ok((
        StatusCode::CREATED,
        Json(
            locations::create(&b, &p, &input)
                .await
                .map_err(unprocessable)?,
        ),
    ))
}

/// Edit a location
#[utoipa::path(put, path = "/api/v1/admin/locations/{id}", tag = "admin", operation_id = "update_location",
    params(("id" = String, Path, description = "Location id")),
    request_body = schema::LocationInput,
    responses(
        (status = 200, description = "The updated location", body = schema::LocationView),
        (status = 400, description = "invalid_request: `fields` name the bad inputs (`name`, `country`, `service_code`, `postal_code`, `city`, `address`, `cooldown_minutes`, `capacity`, `stay_minutes`, `time_zone`, `offline_allowed`, `offline_max_per_card_per_day`, `tenant_id`), or `body` when it is not JSON", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such location, or not the caller's tenant's", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn update(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> ApiResult<Json<LocationView>> {
    let input: LocationInput = typed_body(body)?;
    Ok(Json(
        locations::update(&b, &p, &id, &input)
            .await
            .map_err(unprocessable)?,
    ))
}

/// Delete a location
///
/// Only one without terminals (delete or move them first) that no operation refers to.
#[utoipa::path(delete, path = "/api/v1/admin/locations/{id}", tag = "admin", operation_id = "delete_location",
    params(("id" = String, Path, description = "Location id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage locations; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such location, or not the caller's tenant's", body = ApiErrorBody),
        (status = 409, description = "conflict: the location still has terminals, or operations refer to it", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn delete(ApiCaller(b, p): ApiCaller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    locations::delete(&b, &p, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
