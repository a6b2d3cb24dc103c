//! Offline mode (POS-API.md, "Offline mode"): `GET /pos/fallback_bin_ranges`,
//! `GET /pos/whitelisted_pans` and `POST /pos/offline_reports`. Thin: the rules are in
//! `backend::service::offline`.

use super::auth::PosTerminal;
use super::error::{PosError, PosJson};
use super::pair::rfc3339;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use backend::service::entry::TerminalRef;
use backend::service::offline::{
    self, OfflineError, OfflineList, ReportEntryInput, MAX_REPORT_ENTRIES,
};
use backend::Backend;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

fn terminal(t: &PosTerminal) -> TerminalRef {
    TerminalRef {
        id: t.id.clone(),
        serial: t.serial_number.clone(),
        location_id: t.location_id.clone(),
    }
}

impl From<OfflineError> for PosError {
    fn from(e: OfflineError) -> Self {
        match e {
            OfflineError::Invalid { field, message } => {
                PosError::InvalidRequest(format!("{field}: {message}"))
            }
            OfflineError::Contended => {
                tracing::warn!("offline report kept racing concurrent reports");
                PosError::Internal
            }
            OfflineError::Service(e) => e.into(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// RFC 3339; until when the list must hold (rulesets active now *or before this time*
    /// are included). Default now + 24 h, at most 7 days ahead.
    #[serde(default)]
    #[param(format = DateTime)]
    pub valid_until: Option<String>,
}

fn requested_until(
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Option<DateTime<Utc>>, PosError> {
    let Query(q) =
        q.map_err(|e| PosError::InvalidRequest(crate::http::error::redacted(&e.body_text())))?;
    q.valid_until
        .map(|s| {
            DateTime::parse_from_rfc3339(s.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| PosError::InvalidRequest("validUntil: an RFC 3339 time".into()))
        })
        .transpose()
}

/// Whether `If-None-Match` names the current tag (weak or strong, list or `*`).
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

/// 304 with the tag, or 200 with the tag and the body.
fn conditional<B: Serialize>(
    headers: &HeaderMap,
    etag: &str,
    body: impl FnOnce() -> B,
) -> Response {
    conditional_with(headers, etag, || Json(body()).into_response())
}

/// [`conditional`] with a ready response for the 200.
fn conditional_with(headers: &HeaderMap, etag: &str, body: impl FnOnce() -> Response) -> Response {
    let tag = HeaderValue::from_str(etag).ok();
    let mut resp = if not_modified(headers, etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body()
    };
    let h = resp.headers_mut();
    if let Some(tag) = tag {
        h.insert(header::ETAG, tag);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    resp
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RangeDto {
    /// Digit string, 6 or 8 long, same length as `to`.
    pub from: String,
    pub to: String,
    pub service: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RangesResponse {
    pub generated_at: String,
    pub valid_until: String,
    pub ranges: Vec<RangeDto>,
}

#[utoipa::path(get, tag = "pos", path = "/pos/fallback_bin_ranges", params(ListQuery),
    responses((status = 200, body = RangesResponse, description = "The BIN ranges of the rulesets active at this terminal's \
location now or before validUntil, merged per service where they overlap. A card is in a range when its first that-many digits \
lie between from and to. Header ETag; ICA, product and issuer-country conditions are not applied (entries outside them are \
reported overLimit)."),
              (status = 304, description = "If-None-Match names the current ETag"),
              (status = 400, description = "INVALID_REQUEST (validUntil)"), (status = 401, description = "UNAUTHORIZED"),
              (status = 403, description = "TERMINAL_DISABLED")),
    security(("pos_jwt" = [])))]
pub async fn fallback_bin_ranges(
    State(b): State<Backend>,
    t: PosTerminal,
    headers: HeaderMap,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PosError> {
    let until = requested_until(q)?;
    let OfflineList {
        generated_at,
        valid_until,
        items,
        etag,
    } = offline::fallback_bin_ranges(&b, &terminal(&t), until).await?;
    Ok(conditional(&headers, &etag, move || RangesResponse {
        generated_at: rfc3339(generated_at.timestamp_millis()),
        valid_until: rfc3339(valid_until.timestamp_millis()),
        ranges: items
            .into_iter()
            .map(|r| RangeDto {
                from: r.from,
                to: r.to,
                service: r.service,
            })
            .collect(),
    }))
}

/// The body of `GET /pos/whitelisted_pans`, for the OpenAPI description: the body itself is
/// written by [`whitelist_body`] (same fields, same names).
#[allow(dead_code)]
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WhitelistResponse {
    pub generated_at: String,
    pub valid_until: String,
    /// Always `HMAC-SHA256`.
    pub algorithm: String,
    /// Sorted, distinct, 64 lowercase hex characters each.
    pub hashes: Vec<String>,
}

#[utoipa::path(get, tag = "pos", path = "/pos/whitelisted_pans", params(ListQuery),
    responses((status = 200, body = WhitelistResponse, description = "HMAC-SHA256 (shared whitelist secret, over the PAN's \
ASCII digits, lowercase hex) of the enrolled cards that some ruleset at this location admits free right now: BIN and ICA in \
its ranges, product and issuer country matching, free entries and per-location cap not used up in its window, total cap not \
reached, no spend condition. Paid-only entitlements are not whitelisted (nothing can be charged offline). Header ETag."),
              (status = 304, description = "If-None-Match names the current ETag"),
              (status = 400, description = "INVALID_REQUEST (validUntil)"), (status = 401, description = "UNAUTHORIZED"),
              (status = 403, description = "TERMINAL_DISABLED")),
    security(("pos_jwt" = [])))]
pub async fn whitelisted_pans(
    State(b): State<Backend>,
    t: PosTerminal,
    headers: HeaderMap,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PosError> {
    let until = requested_until(q)?;
    let list = offline::whitelisted_pans(&b, &terminal(&t), until).await?;
    let etag = list.etag.clone();
    Ok(conditional_with(&headers, &etag, move || {
        whitelist_body(list)
    }))
}

/// [`WhitelistResponse`] as bytes, the hashes written straight from their joined form: a
/// million `String`s through serde took longer than building the list.
fn whitelist_body(list: offline::Whitelist) -> Response {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        generated_at: String,
        valid_until: String,
        algorithm: &'static str,
    }
    let head = Head {
        generated_at: rfc3339(list.generated_at.timestamp_millis()),
        valid_until: rfc3339(list.valid_until.timestamp_millis()),
        algorithm: "HMAC-SHA256",
    };
    // `{"generatedAt":…,"algorithm":"HMAC-SHA256"}` without its closing brace, then the hashes.
    let Ok(mut body) = serde_json::to_vec(&head) else {
        return PosError::Internal.into_response();
    };
    body.pop();
    let hashes = list.hashes.json_array();
    body.reserve(hashes.len() + 12);
    body.extend_from_slice(b",\"hashes\":");
    body.extend_from_slice(&hashes);
    body.push(b'}');
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// The request body, for the OpenAPI description (parsed by hand to name bad fields).
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportRequest {
    /// At most 1,000.
    #[schema(max_items = 1000)]
    pub entries: Vec<ReportEntryDto>,
}

#[allow(dead_code)]
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportEntryDto {
    /// A UUID the terminal made when it admitted the entry: the idempotency key.
    #[schema(format = Uuid)]
    pub offline_id: String,
    /// 12–19 digits, Luhn-valid. Never stored in clear.
    #[schema(pattern = r"^[0-9]{12,19}$")]
    pub pan: String,
    /// RFC 3339; not later than the server's time plus the clock-skew allowance (60 s).
    #[schema(format = DateTime)]
    pub occurred_at: String,
    /// `BIN_RANGE` or `WHITELIST`.
    #[schema(pattern = r"^(BIN_RANGE|WHITELIST)$")]
    pub basis: String,
    /// 0–100.
    pub adult_guests: u32,
    /// 0–100.
    pub child_guests: u32,
}

/// Prints the card number masked, never in clear.
impl std::fmt::Debug for ReportEntryDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportEntryDto")
            .field("offline_id", &self.offline_id)
            .field("pan", &access_core::domain::MaskedPan(&self.pan))
            .field("occurred_at", &self.occurred_at)
            .field("basis", &self.basis)
            .field("adult_guests", &self.adult_guests)
            .field("child_guests", &self.child_guests)
            .finish()
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportResultDto {
    pub offline_id: String,
    /// `RECORDED`, or `DUPLICATE` (already reported: the first operation's id and flag).
    pub status: &'static str,
    pub operation_id: String,
    pub over_limit: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportResponse {
    pub results: Vec<ReportResultDto>,
}

fn text(
    e: &serde_json::Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<Option<String>, PosError> {
    match e.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(PosError::InvalidRequest(format!(
            "{path}.{name}: must be a string"
        ))),
    }
}

fn integer(
    e: &serde_json::Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<Option<i64>, PosError> {
    match e.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| PosError::InvalidRequest(format!("{path}.{name}: must be an integer"))),
        Some(_) => Err(PosError::InvalidRequest(format!(
            "{path}.{name}: must be an integer"
        ))),
    }
}

/// The JSON shape of the request; the service checks the values. Unknown fields are ignored
/// (a report must not be stuck on a terminal that sends more than the contract).
fn entries(body: &Value) -> Result<Vec<ReportEntryInput>, PosError> {
    let bad = |m: &str| PosError::InvalidRequest(m.to_owned());
    let list = match body.get("entries") {
        Some(Value::Array(list)) => list,
        Some(_) => return Err(bad("entries: must be an array")),
        None if body.is_object() => return Err(bad("entries: required")),
        None => return Err(bad("the body must be a JSON object")),
    };
    if list.len() > MAX_REPORT_ENTRIES {
        return Err(bad("entries: at most 1000 entries a request"));
    }
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            let path = format!("entries[{i}]");
            let e = e
                .as_object()
                .ok_or_else(|| PosError::InvalidRequest(format!("{path}: must be an object")))?;
            Ok(ReportEntryInput {
                offline_id: text(e, &path, "offlineId")?,
                pan: text(e, &path, "pan")?,
                occurred_at: text(e, &path, "occurredAt")?,
                basis: text(e, &path, "basis")?,
                adult_guests: integer(e, &path, "adultGuests")?,
                child_guests: integer(e, &path, "childGuests")?,
            })
        })
        .collect()
}

#[utoipa::path(post, tag = "pos", path = "/pos/offline_reports", request_body = ReportRequest,
    responses((status = 200, body = ReportResponse, description = "One result per entry, in request order. All entries are \
stored in one transaction. Each is a COMPLETED operation of type OFFLINE counting toward the card's usage; overLimit is the \
decision engine's verdict as of occurredAt (the panel flags it). An offlineId already reported answers DUPLICATE with the \
first operation's id (also within one request, and when requests race): reporting again never counts twice."),
              (status = 400, description = "INVALID_REQUEST naming the field (e.g. `entries[3].pan: card number fails the Luhn check`): \
bad PAN, occurredAt in the future beyond the clock skew, guests negative, more than 1,000 entries. Nothing is recorded."),
              (status = 401, description = "UNAUTHORIZED"), (status = 403, description = "TERMINAL_DISABLED"),
              (status = 413, description = "PAYLOAD_TOO_LARGE (body over 1 MiB)")),
    security(("pos_jwt" = [])))]
pub async fn offline_reports(
    State(b): State<Backend>,
    t: PosTerminal,
    PosJson(body): PosJson<Value>,
) -> Result<Json<ReportResponse>, PosError> {
    let inputs = entries(&body)?;
    let results = offline::report(&b, &terminal(&t), inputs).await?;
    Ok(Json(ReportResponse {
        results: results
            .into_iter()
            .map(|r| ReportResultDto {
                offline_id: r.offline_id,
                status: r.status.as_str(),
                operation_id: r.operation_id,
                over_limit: r.over_limit,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::OpenApi;

    #[derive(OpenApi)]
    #[openapi(paths(fallback_bin_ranges, whitelisted_pans, offline_reports))]
    struct Doc;

    #[test]
    fn documented() {
        let doc = Doc::openapi();
        for p in [
            "/pos/fallback_bin_ranges",
            "/pos/whitelisted_pans",
            "/pos/offline_reports",
        ] {
            assert!(doc.paths.paths.contains_key(p), "{p}");
        }
        let schemas = &doc.components.as_ref().unwrap().schemas;
        for s in [
            "RangesResponse",
            "WhitelistResponse",
            "ReportRequest",
            "ReportResponse",
        ] {
            assert!(schemas.contains_key(s), "{s}");
        }
        assert!(serde_json::to_string(&doc).is_ok());
    }

    #[test]
    fn if_none_match_forms() {
        let tag = "\"pans-abc\"";
        let mut h = HeaderMap::new();
        assert!(!not_modified(&h, tag));
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"pans-abc\""),
        );
        assert!(not_modified(&h, tag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(not_modified(&h, tag));
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"pans-abd\""),
        );
        assert!(!not_modified(&h, tag));
    }

    #[test]
    fn entry_shapes_name_the_field() {
        let msg = |v: Value| match entries(&v) {
            Err(PosError::InvalidRequest(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(msg(serde_json::json!({})), "entries: required");
        assert_eq!(
            msg(serde_json::json!({"entries": 3})),
            "entries: must be an array"
        );
        assert_eq!(
            msg(serde_json::json!({"entries": [{"pan": 5412345678901232u64}]})),
            "entries[0].pan: must be a string"
        );
        assert_eq!(
            msg(serde_json::json!({"entries": [{}, {"adultGuests": "two"}]})),
            "entries[1].adultGuests: must be an integer"
        );
        let ok =
            entries(&serde_json::json!({"entries": [{"adultGuests": -1, "extra": true}]})).unwrap();
        assert_eq!(ok[0].adult_guests, Some(-1));
    }
}
