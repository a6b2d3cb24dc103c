//! `POST /pos/check_entry` and `POST /pos/confirm_entry` (POS-API.md, "Entry flow").

use super::auth::PosTerminal;
use super::error::{PosError, PosJson};
use super::pair::rfc3339;
use access_core::domain::{GuestAllowance, Money, Pan, RejectCode};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::Json;
use backend::service::entry::{self, CheckOutcome, ConfirmError, ConfirmOutcome, TerminalRef};
use backend::Backend;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckRequest {
    /// Card number or wallet token number: 12–19 digits, Luhn-valid.
    #[schema(pattern = r"^[0-9]{12,19}$")]
    pub pan: String,
    /// `MM/YY`; optional, never stored.
    #[serde(default)]
    #[schema(pattern = r"^(0[1-9]|1[0-2])/[0-9]{2}$")]
    pub expiry: Option<String>,
    /// `CONTACTLESS`, `CHIP`, `MAGSTRIPE` or `MANUAL`.
    #[schema(pattern = r"^(CONTACTLESS|CHIP|MAGSTRIPE|MANUAL)$")]
    pub entry_mode: String,
}

/// Prints the card number masked, never in clear.
impl std::fmt::Debug for CheckRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckRequest")
            .field("pan", &access_core::domain::MaskedPan(&self.pan))
            .field("expiry", &self.expiry.as_ref().map(|_| "**/**"))
            .field("entry_mode", &self.entry_mode)
            .finish()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfirmRequest {
    pub access_id: String,
    pub adult_guests: u32,
    pub child_guests: u32,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoneyDto {
    pub amount: String,
    pub currency: String,
}

fn money(m: Money) -> MoneyDto {
    MoneyDto {
        amount: m.amount_string(),
        currency: m.currency().code().to_owned(),
    }
}

fn terminal(t: &PosTerminal) -> TerminalRef {
    TerminalRef {
        id: t.id.clone(),
        serial: t.serial_number.clone(),
        location_id: t.location_id.clone(),
    }
}

/// The per-terminal velocity limit: a stolen terminal key must not be a card-testing oracle.
/// Counted before the card number is looked at, so invalid card numbers count too.
async fn velocity(b: &Backend, t: &PosTerminal) -> Result<(), PosError> {
    let limit = b.settings.pos_velocity_per_minute;
    if limit == 0 {
        return Ok(());
    }
    let now = b.now_ms();
    match backend::repo::velocity::admit(&b.db, &t.id, now, limit).await {
        Ok(true) => Ok(()),
        Ok(false) => {
            let window_end =
                backend::repo::velocity::window_of(now) + backend::repo::velocity::WINDOW_MS;
            let secs = ((window_end - now + 999) / 1000).max(1) as u64;
            tracing::warn!(terminal = %t.serial_number, limit, "check_entry velocity limit reached");
            Err(PosError::TooManyRequests(secs))
        }
        Err(e) => {
            tracing::error!(error = %e, "velocity counter");
            Err(PosError::Internal)
        }
    }
}

fn valid_expiry(e: &str) -> bool {
    let b = e.as_bytes();
    b.len() == 5
        && b[2] == b'/'
        && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
        && matches!(e[..2].parse::<u8>(), Ok(1..=12))
}

fn guests(g: &GuestAllowance, child: bool) -> Value {
    let mut v = json!({
        "max": g.max,
        "freeAvailable": g.free_available,
        "paidAvailable": g.paid_available,
        "price": g.price.map(money),
    });
    if child {
        v["freeUnderAge"] = json!(g.free_under_age);
    }
    v
}

/// The terminal's `Accept-Language` header, if readable.
fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// A REJECTED answer with the code's message in the terminal's language (an Admin's text, else
/// the built-in English one), and that language as `Content-Language`.
async fn rejected(
    b: &Backend,
    headers: &HeaderMap,
    access_id: &str,
    code: RejectCode,
) -> (HeaderMap, Json<Value>) {
    let (language, message) =
        backend::service::pos_messages::for_terminal(b, code, accept_language(headers)).await;
    let mut out = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&language) {
        out.insert(header::CONTENT_LANGUAGE, v);
    }
    (
        out,
        Json(json!({
            "status": "REJECTED",
            "accessId": access_id,
            "code": code.as_str(),
            "message": message,
        })),
    )
}

#[utoipa::path(post, tag = "pos", path = "/pos/check_entry", request_body = CheckRequest,
    params(("Accept-Language" = Option<String>, Header, description = "The language of a reject's `message` (RFC 9110 q-values; e.g. `de-DE,de;q=0.9`): the most preferred language an Admin wrote a text in for that code, else English; the answer's `Content-Language` names it")),
    responses((status = 200, description = "GRANTED or REJECTED with a reject code and its message in the terminal's language (`Accept-Language`); every call records an operation"),
              (status = 400, description = "INVALID_REQUEST"), (status = 401, description = "UNAUTHORIZED"),
              (status = 403, description = "TERMINAL_DISABLED"),
              (status = 429, description = "TOO_MANY_REQUESTS: the terminal's per-minute velocity limit (`--pos-velocity-per-minute`, default 60) is reached; `Retry-After` tells when the next window opens")),
    security(("pos_jwt" = [])))]
pub async fn check_entry(
    State(b): State<Backend>,
    t: PosTerminal,
    headers: HeaderMap,
    PosJson(req): PosJson<CheckRequest>,
) -> Result<(HeaderMap, Json<Value>), PosError> {
    velocity(&b, &t).await?;
    let pan =
        Pan::parse(req.pan.trim()).map_err(|e| PosError::InvalidRequest(format!("pan: {e}")))?;
    if !matches!(
        req.entry_mode.as_str(),
        "CONTACTLESS" | "CHIP" | "MAGSTRIPE" | "MANUAL"
    ) {
        return Err(PosError::InvalidRequest(
            "entryMode: one of CONTACTLESS, CHIP, MAGSTRIPE, MANUAL".into(),
        ));
    }
    if req.expiry.as_deref().is_some_and(|e| !valid_expiry(e)) {
        return Err(PosError::InvalidRequest("expiry: MM/YY".into()));
    }
    let outcome = entry::check_entry(&b, &terminal(&t), &pan, &req.entry_mode).await?;
    Ok(match outcome {
        CheckOutcome::Rejected { access_id, code } => {
            rejected(&b, &headers, &access_id, code).await
        }
        CheckOutcome::Granted {
            access_id,
            expires_at,
            grant,
            location,
        } => (
            HeaderMap::new(),
            Json(json!({
                "status": "GRANTED",
                "accessId": access_id,
                "expiresAt": rfc3339(expires_at),
                "service": location.service_code,
                "location": {"id": location.id, "name": location.name},
                "cardholder": {
                    "paid": grant.cardholder_paid,
                    "price": grant.cardholder_price.filter(|_| grant.cardholder_paid).map(money),
                },
                "remainingVisits": {"free": grant.remaining_free, "paid": grant.remaining_paid},
                "guests": {
                    "adults": guests(&grant.adults, false),
                    "children": guests(&grant.children, true),
                },
            })),
        ),
    })
}

#[utoipa::path(post, tag = "pos", path = "/pos/confirm_entry", request_body = ConfirmRequest,
    params(("Accept-Language" = Option<String>, Header, description = "The language of a reject's `message`, as for check_entry")),
    responses((status = 200, description = "COMPLETED, or REJECTED when the guests' amount authorization is declined or, with LOCATION_FULL, when the guests don't fit in the location's capacity (the grant stays open; confirm fewer guests)"),
              (status = 400, description = "INVALID_REQUEST (guests above max or available)"), (status = 404, description = "ACCESS_NOT_FOUND"),
              (status = 409, description = "ACCESS_EXPIRED or ALREADY_CONFIRMED")),
    security(("pos_jwt" = [])))]
pub async fn confirm_entry(
    State(b): State<Backend>,
    t: PosTerminal,
    headers: HeaderMap,
    PosJson(req): PosJson<ConfirmRequest>,
) -> Result<(HeaderMap, Json<Value>), PosError> {
    let outcome = entry::confirm_entry(
        &b,
        &terminal(&t),
        req.access_id.trim(),
        req.adult_guests,
        req.child_guests,
    )
    .await
    .map_err(|e| match e {
        ConfirmError::NotFound => PosError::AccessNotFound,
        ConfirmError::Expired => PosError::AccessExpired,
        ConfirmError::AlreadyConfirmed => PosError::AlreadyConfirmed,
        ConfirmError::InvalidGuests(m) => PosError::InvalidRequest(m),
        // A retry while another confirm of the grant awaits the acquirer: try again shortly.
        ConfirmError::InProgress => PosError::TooManyRequests(1),
        ConfirmError::Service(e) => e.into(),
    })?;
    Ok(match outcome {
        ConfirmOutcome::Declined { access_id, code } => {
            rejected(&b, &headers, &access_id, code).await
        }
        ConfirmOutcome::Completed {
            access_id,
            split,
            currency,
            remaining_free,
            remaining_paid,
        } => {
            let mut body = json!({
                "status": "COMPLETED",
                "accessId": access_id,
                "cardholderPaid": split.cardholder_paid,
                "freeAdultGuests": split.free_adults,
                "paidAdultGuests": split.paid_adults,
                "freeChildGuests": split.free_children,
                "paidChildGuests": split.paid_children,
                "total": money(split.primary(currency)),
                "remainingVisits": {"free": remaining_free, "paid": remaining_paid},
            });
            // Prices in several currencies (cardholder EUR, guests PLN): `total` is the first,
            // `totals` lists every currency's amount (an addition to the POS contract's shape).
            if split.amounts.len() > 1 {
                body["totals"] = json!(split.amounts.iter().map(|m| money(*m)).collect::<Vec<_>>());
            }
            (HeaderMap::new(), Json(body))
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn expiry_format() {
        assert!(super::valid_expiry("12/28"));
        assert!(!super::valid_expiry("13/28"));
        assert!(!super::valid_expiry("1228"));
    }
}
