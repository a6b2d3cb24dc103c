//! The one mapping from service errors to REST responses:
//! `{"error": {"code": "...", "message": "...", "fields": [...]}}`.

use access_core::model::AppError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use backend::ServiceError;

#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(e.into())
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
        AppError::Forbidden | AppError::ConsentRequired | AppError::PasswordChangeRequired => {
            StatusCode::FORBIDDEN
        }
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Validation(_) | AppError::Transport(_) => StatusCode::BAD_REQUEST,
        AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) | AppError::FieldConflict(_) => StatusCode::CONFLICT,
        AppError::TooManyRequests { .. } | AppError::AccountLocked { .. } => {
            StatusCode::TOO_MANY_REQUESTS
        }
        AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let body = serde_json::json!({
            "error": {
                "code": e.code(),
                "message": e.to_string(),
                "fields": e.field_errors(),
            }
        });
        let mut resp = (status_of(&e), Json(body)).into_response();
        if let AppError::TooManyRequests { retry_after_secs }
        | AppError::AccountLocked { retry_after_secs }
        | AppError::Busy { retry_after_secs } = e
        {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The panel's server functions (`/api/fn/…`) with the same statuses as the REST API: Leptos
/// answers every error of a server function with 500 (and a `serverfnerror` header), which made
/// a wrong password or a refusal look like a crash. Here that answer's body (the `AppError`, as
/// the browser decodes it) gets its real status; the body stays as it is so the panel still reads
/// the field errors. One difference from REST: a server function's arguments are typed by the
/// function itself (a decoding failure is a `Transport` error, 400), so a `Validation` error is
/// always well-formed input breaking a rule, 422.
pub async fn server_fn_status(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    const ERROR_HEADER: &str = "serverfnerror";
    let is_fn = req.uri().path().starts_with("/api/fn/");
    let resp = next.run(req).await;
    if !is_fn
        || resp.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !resp.headers().contains_key(ERROR_HEADER)
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    // An encoded AppError is a few hundred bytes; a bigger body is no AppError, left at 500.
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(e) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = match e {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ref other => status_of(other),
        };
        if let AppError::TooManyRequests { retry_after_secs }
        | AppError::AccountLocked { retry_after_secs }
        | AppError::Busy { retry_after_secs } = e
        {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                parts.headers.insert(header::RETRY_AFTER, v);
            }
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// For handlers whose documented schema states everything it can: a service's validation
/// failure then means the request matched the schema but broke a rule the schema cannot
/// express (a Luhn check digit, a CSV row, an unknown reference), which is 422, not 400.
pub fn unprocessable(e: ServiceError) -> ApiError {
    match AppError::from(e) {
        AppError::Validation(fields) => ApiError(AppError::Unprocessable(fields)),
        other => ApiError(other),
    }
}

/// Rewrites every number with no fractional part (`183.0`, `1e3`) as an integer, in place. JSON
/// has one number type and JSON Schema counts `183.0` as an integer, but serde refuses it for an
/// integer field; body extractors apply this before typing the body, so a client (or a
/// generator) that writes integers as floats is not refused for it.
pub fn integral_numbers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                // 2^63 and 2^64 are exact in f64; the casts below are then lossless.
                if f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
                    *v = Value::from(f as i64);
                } else if f.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&f) {
                    *v = Value::from(f as u64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// A parser's message made safe to send back: extractors quote what they could not read, and a
/// PAN sent as a JSON number or in a query string would be echoed in clear (PCI DSS req. 3).
/// Every run of 9 or more digits becomes `…`; a message needs no longer number to be useful.
pub fn redacted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 9 {
            out.push('…');
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in message.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn integral_floats_become_integers() {
        let mut v = serde_json::json!({"a": 183.0, "b": [1.5, -2.0, 7], "c": "3.0"});
        super::integral_numbers(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"a": 183, "b": [1.5, -2, 7], "c": "3.0"})
        );
        assert!(v["a"].is_u64() && v["b"][1].is_i64());
    }

    #[test]
    fn long_digit_runs_are_removed() {
        assert_eq!(
            redacted(
                "invalid type: integer `5412345678901232`, expected a string at line 1 column 20"
            ),
            "invalid type: integer `…`, expected a string at line 1 column 20"
        );
        assert_eq!(redacted("12345678 ok 123456789"), "12345678 ok …");
        assert_eq!(redacted(""), "");
    }
}
