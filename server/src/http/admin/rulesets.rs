//! `/api/v1/admin/rulesets`: list (filters `name`, `country`, `service`, `ica`, `status` =
//! `active|upcoming|expired`, `page`, `page_size`), create and edit with the ruleset form
//! (`RulesetDraft`, camelCase JSON; errors name JSON paths such as `binRanges[1].to`), details,
//! soft delete, and `/{id}/versions` (+ `/{id}/versions/{n}`, that version's definition).

use super::super::error::unprocessable;
use super::super::error::ApiResult;
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody, Paging};
use super::users::{bad_query, typed_body};
use access_core::domain::ruleset::RulesetDraft;
use access_core::model::{Page, RulesetDetail, RulesetFilter, RulesetSummary, RulesetVersionView};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::Json;
use backend::service::rulesets;

/// List rulesets
///
/// Current versions; an Issuer sees the rulesets it owns, a Service Provider those of its locations.
#[utoipa::path(get, path = "/api/v1/admin/rulesets", tag = "admin", operation_id = "list_rulesets",
    params(schema::RulesetFilter, Paging),
    responses(
        (status = 200, description = "One page of rulesets", body = schema::Page<schema::RulesetSummary>),
        (status = 400, description = "invalid_request: a malformed query (field `query`)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view rulesets; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    ApiCaller(b, p): ApiCaller,
    q: Result<Query<RulesetFilter>, QueryRejection>,
) -> ApiResult<Json<Page<RulesetSummary>>> {
    let Query(filter) = q.map_err(bad_query)?;
    schema::check_paging(filter.page, filter.page_size)?;
    Ok(Json(
        rulesets::list(&b, &p, &filter)
            .await
            .map_err(unprocessable)?,
    ))
}

/// Get a ruleset
///
/// "Rule details": audit fields, the current definition and the version history.
#[utoipa::path(get, path = "/api/v1/admin/rulesets/{id}", tag = "admin", operation_id = "get_ruleset",
    params(("id" = String, Path, description = "Ruleset id")),
    responses(
        (status = 200, description = "The ruleset", body = schema::RulesetDetail),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view rulesets; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such ruleset (or deleted), or not the caller's: an Issuer's own rulesets only (another issuer's or the platform's answers 404), a Service Provider's those at its locations", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<RulesetDetail>> {
    Ok(Json(rulesets::get(&b, &p, &id).await?))
}

/// Create a ruleset
///
/// Saved as version 1. Owned by the creator's issuer tenant when an Issuer creates it (its BIN
/// ranges must be on that issuer's ICAs), by the platform when Admin or User does.
#[utoipa::path(post, path = "/api/v1/admin/rulesets", tag = "admin", operation_id = "create_ruleset",
    request_body = schema::RulesetDraft,
    responses(
        (status = 201, description = "The new ruleset", body = schema::RulesetDetail),
        (status = 400, description = "invalid_request: every problem, named by its camelCase JSON path (`name`, `validTo`, `binRanges[1].to`, `binRanges[0].ica` — also when not one of the owning Issuer's ICAs, `locations.ids[0]`, `services[0]`, `cardholder.paid.price.amount`, `spend.mccs[0]` ...), or `body` when it is not a ruleset", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage rulesets; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn create(
    ApiCaller(b, p): ApiCaller,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<RulesetDetail>)> {
    let draft: RulesetDraft = typed_body(body)?;
    Ok((
        StatusCode::CREATED,
        Json(
            rulesets::create(&b, &p, &draft)
                .await
                .map_err(unprocessable)?,
        ),
    ))
}

/// Edit a ruleset
///
/// Saves a new version; earlier versions stay readable.
#[utoipa::path(put, path = "/api/v1/admin/rulesets/{id}", tag = "admin", operation_id = "update_ruleset",
    params(("id" = String, Path, description = "Ruleset id")),
    request_body = schema::RulesetDraft,
    responses(
        (status = 200, description = "The ruleset with its new version", body = schema::RulesetDetail),
        (status = 400, description = "invalid_request: every problem, named by its camelCase JSON path (`name`, `validTo`, `binRanges[1].to`, `binRanges[0].ica` — also when not one of the owning Issuer's ICAs, `locations.ids[0]`, `services[0]`, `cardholder.paid.price.amount`, `spend.mccs[0]` ...), or `body` when it is not a ruleset", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage rulesets; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such ruleset (or deleted), or not the caller's: an Issuer's own rulesets only (another issuer's or the platform's answers 404), a Service Provider's those at its locations", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn update(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> ApiResult<Json<RulesetDetail>> {
    let draft: RulesetDraft = typed_body(body)?;
    Ok(Json(
        rulesets::update(&b, &p, &id, &draft)
            .await
            .map_err(unprocessable)?,
    ))
}

/// Delete a ruleset
///
/// Soft delete: it no longer applies; operations keep pointing at their version.
#[utoipa::path(delete, path = "/api/v1/admin/rulesets/{id}", tag = "admin", operation_id = "delete_ruleset",
    params(("id" = String, Path, description = "Ruleset id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage rulesets; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such ruleset (or deleted), or not the caller's: an Issuer's own rulesets only (another issuer's or the platform's answers 404), a Service Provider's those at its locations", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn delete(ApiCaller(b, p): ApiCaller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    rulesets::delete(&b, &p, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List a ruleset's versions
///
/// The version history, newest first.
#[utoipa::path(get, path = "/api/v1/admin/rulesets/{id}/versions", tag = "admin", operation_id = "list_ruleset_versions",
    params(("id" = String, Path, description = "Ruleset id")),
    responses(
        (status = 200, description = "The versions", body = Vec<schema::RulesetVersionView>),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view rulesets; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such ruleset (or deleted), or not the caller's: an Issuer's own rulesets only (another issuer's or the platform's answers 404), a Service Provider's those at its locations", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn versions(
    ApiCaller(b, p): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RulesetVersionView>>> {
    Ok(Json(rulesets::versions(&b, &p, &id).await?))
}

/// Get a ruleset version
///
/// One saved version's definition.
#[utoipa::path(get, path = "/api/v1/admin/rulesets/{id}/versions/{version}", tag = "admin", operation_id = "get_ruleset_version",
    params(("id" = String, Path, description = "Ruleset id"),
           ("version" = u32, Path, description = "Version number, from 1")),
    responses(
        (status = 200, description = "The version's definition", body = schema::RulesetDraft),
        (status = 400, description = "`version` is not a number (plain-text rejection, not the JSON error body)", content_type = "text/plain", body = String),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not view rulesets; consent_required: the current documents must be accepted first", body = ApiErrorBody),
        (status = 404, description = "not_found: no such ruleset or version, or outside the caller's scope", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn version(
    ApiCaller(b, p): ApiCaller,
    Path((id, version)): Path<(String, u32)>,
) -> ApiResult<Json<RulesetDraft>> {
    Ok(Json(rulesets::version(&b, &p, &id, version).await?))
}
