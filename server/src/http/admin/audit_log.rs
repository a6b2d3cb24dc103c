//! `GET /api/v1/admin/audit-log`: the audit trail, Admin only.

use super::super::error::ApiResult;
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody, Paging};
use super::users::bad_query;
use crate::http::error::unprocessable;
use access_core::model::{AuditEntryView, AuditFilter, Page};
use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::Json;
use backend::service::audit_log;

/// Read the audit log
///
/// Admin only. Newest first. What is recorded: every admin change (users, tenants, locations,
/// terminals, rulesets, reference data, T&C), every access to card data (`card.try`,
/// `card.view`, `export.*` with format, filters and row count), failed sign-ins, and
/// authorization failures (`authz.denied`: a 403 from the gate, with the capability, the request
/// and the client address).
#[utoipa::path(get, path = "/api/v1/admin/audit-log", tag = "admin", operation_id = "list_audit_log",
    params(schema::AuditFilter, Paging),
    responses(
        (status = 200, description = "One page of audit entries", body = schema::Page<schema::AuditEntryView>),
        (status = 400, description = "invalid_request: `from` or `until` not `YYYY-MM-DD`, or a malformed query (field `query`)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: only an Admin reads the audit log", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    ApiCaller(b, p): ApiCaller,
    q: Result<Query<AuditFilter>, QueryRejection>,
) -> ApiResult<Json<Page<AuditEntryView>>> {
    let Query(filter) = q.map_err(bad_query)?;
    schema::check_paging(filter.page, filter.page_size)?;
    schema::check_days(&[
        ("from", filter.from.as_deref()),
        ("until", filter.until.as_deref()),
    ])?;
    Ok(Json(
        audit_log::list(&b, &p, &filter)
            .await
            .map_err(unprocessable)?,
    ))
}
