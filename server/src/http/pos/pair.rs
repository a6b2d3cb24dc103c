use super::auth::PosTerminal;
use super::error::{PosError, PosJson};
use axum::extract::State;
use axum::Json;
use backend::service::pairing::{self, PairError};
use backend::Backend;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PairRequest {
    /// The terminal's serial number, as added in the admin panel.
    pub serial_number: String,
    /// The 8-digit code an operator generated for this serial number.
    pub pairing_code: String,
    /// Base64 of the DER SubjectPublicKeyInfo of an RSA 2048–4096-bit key.
    pub public_key: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PairResponse {
    pub status: &'static str,
    pub serial_number: String,
    pub location_id: Option<String>,
    pub server_time: String,
}

pub fn rfc3339(ms: i64) -> String {
    backend::clock::from_ms(ms).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[utoipa::path(post, tag = "pos", path = "/pos/pair", request_body = PairRequest,
    responses((status = 200, body = PairResponse), (status = 400, description = "INVALID_REQUEST or INVALID_PUBLIC_KEY"),
              (status = 403, description = "PAIRING_FAILED"), (status = 429, description = "TOO_MANY_REQUESTS")))]
pub async fn pair(
    State(b): State<Backend>,
    crate::http::ClientAddr(ip): crate::http::ClientAddr,
    PosJson(req): PosJson<PairRequest>,
) -> Result<Json<PairResponse>, PosError> {
    match pairing::pair(
        &b,
        req.serial_number.trim(),
        req.pairing_code.trim(),
        &req.public_key,
        ip.as_deref(),
    )
    .await
    {
        Ok(p) => Ok(Json(PairResponse {
            status: "PAIRED",
            serial_number: p.serial_number,
            location_id: p.location_id,
            server_time: rfc3339(p.server_time_ms),
        })),
        Err(PairError::InvalidPublicKey(m)) => Err(PosError::InvalidPublicKey(m.to_owned())),
        Err(PairError::Failed(_)) => Err(PosError::PairingFailed),
        Err(PairError::Throttled(s)) => Err(PosError::TooManyRequests(s)),
        Err(PairError::Service(e)) => Err(e.into()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PingResponse {
    pub server_time: String,
}

#[utoipa::path(get, tag = "pos", path = "/pos/ping", responses((status = 200, body = PingResponse), (status = 401, description = "UNAUTHORIZED"), (status = 403, description = "TERMINAL_DISABLED")),
    security(("pos_jwt" = [])))]
pub async fn ping(State(b): State<Backend>, _t: PosTerminal) -> Json<PingResponse> {
    Json(PingResponse {
        server_time: rfc3339(b.now_ms()),
    })
}
