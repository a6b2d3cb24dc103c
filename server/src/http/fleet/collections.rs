//! Prepare-collection sessions.

use super::error::FleetApiResult;
use super::extract::{Body, FleetCaller};
use super::wire::{self, ts};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use backend::service::fleet::collections::{self, CollectionInput};
use backend::service::fleet::ids;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct CollectionRequest {
    /// Minor units (kobo for NGN).
    pub amount: i64,
    /// Default NGN.
    pub currency: Option<String>,
    pub reference: Option<String>,
    pub description: Option<String>,
    /// Default 30, at most 1440.
    pub expires_in_minutes: Option<i64>,
    pub metadata: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionSession {
    /// `sess_<uuid>`
    pub session_id: String,
    pub terminal_id: String,
    pub amount: i64,
    pub currency: String,
    pub reference: Option<String>,
    pub status: String,
    pub expires_at: String,
    pub created_at: String,
}

#[utoipa::path(post, path = "/api/v1/admin/pos-terminals/{terminalID}/prepare-collection", tag = "fleet",
    params(("terminalID" = String, Path)), request_body = CollectionRequest,
    responses((status = 201, body = CollectionSession),
              (status = 400, description = "terminal_inactive, terminal_unassigned, invalid_request"),
              (status = 404, description = "terminal_not_found"), (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn prepare(
    FleetCaller(b, p): FleetCaller,
    Path(id): Path<String>,
    Body(input): Body<CollectionInput>,
) -> FleetApiResult<(StatusCode, Json<CollectionSession>)> {
    let s = collections::prepare(&b, &p, &id, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(CollectionSession {
            session_id: wire::id(ids::SESSION, &s.id),
            terminal_id: wire::id(ids::TERMINAL, &s.terminal_id),
            amount: s.amount_minor,
            currency: s.currency,
            reference: s.reference,
            status: s.status,
            expires_at: ts(s.expires_at),
            created_at: ts(s.created_at),
        }),
    ))
}
