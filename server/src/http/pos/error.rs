//! POS wire errors: `{"error": {"code": "SOME_CODE", "message": "..."}}` (POS-API.md, Errors).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PosError {
    InvalidRequest(String),
    InvalidPublicKey(String),
    Unauthorized,
    PairingFailed,
    TerminalDisabled,
    AccessNotFound,
    AccessExpired,
    AlreadyConfirmed,
    PayloadTooLarge,
    TooManyRequests(u64),
    Internal,
}

impl PosError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        use PosError::*;
        match self {
            InvalidRequest(m) => (StatusCode::BAD_REQUEST, "INVALID_REQUEST", m.clone()),
            InvalidPublicKey(m) => (StatusCode::BAD_REQUEST, "INVALID_PUBLIC_KEY", m.clone()),
            Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "Authentication failed.".into(),
            ),
            PairingFailed => (
                StatusCode::FORBIDDEN,
                "PAIRING_FAILED",
                "Pairing failed.".into(),
            ),
            TerminalDisabled => (
                StatusCode::FORBIDDEN,
                "TERMINAL_DISABLED",
                "This terminal is disabled.".into(),
            ),
            AccessNotFound => (
                StatusCode::NOT_FOUND,
                "ACCESS_NOT_FOUND",
                "Unknown accessId for this terminal.".into(),
            ),
            AccessExpired => (
                StatusCode::CONFLICT,
                "ACCESS_EXPIRED",
                "The grant has expired.".into(),
            ),
            AlreadyConfirmed => (
                StatusCode::CONFLICT,
                "ALREADY_CONFIRMED",
                "Already confirmed with other guest numbers.".into(),
            ),
            PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "The request body is too large.".into(),
            ),
            TooManyRequests(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                "Too many attempts; retry later.".into(),
            ),
            Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "Internal error.".into(),
            ),
        }
    }
}

impl IntoResponse for PosError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        let mut resp = (
            status,
            Json(serde_json::json!({ "error": { "code": code, "message": message } })),
        )
            .into_response();
        if let PosError::TooManyRequests(secs) = self {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

impl From<backend::ServiceError> for PosError {
    fn from(e: backend::ServiceError) -> Self {
        tracing::error!(error = %e, "POS request failed");
        PosError::Internal
    }
}

/// JSON body rejections become `INVALID_REQUEST` (or `PAYLOAD_TOO_LARGE`) naming the problem.
pub fn from_json_rejection(e: axum::extract::rejection::JsonRejection) -> PosError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        PosError::PayloadTooLarge
    } else {
        PosError::InvalidRequest(crate::http::error::redacted(&e.body_text()))
    }
}

/// A JSON body extractor that answers in the POS error shape.
pub struct PosJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for PosJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PosError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(mut value) = Json::<serde_json::Value>::from_request(req, state)
            .await
            .map_err(from_json_rejection)?;
        crate::http::error::integral_numbers(&mut value);
        serde_json::from_value(value)
            .map(PosJson)
            .map_err(|e| PosError::InvalidRequest(crate::http::error::redacted(&e.to_string())))
    }
}
