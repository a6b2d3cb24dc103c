//! The fleet API's error responses: the admin API's shape
//! (`{"error": {"code", "message", "fields"}}`) with the seed's codes and statuses.

use crate::http::error::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use backend::service::fleet::FleetError;

#[derive(Debug)]
pub enum FleetApiError {
    /// Authentication (401 `unauthorized`) and other admin-API errors.
    Api(ApiError),
    Fleet(FleetError),
}

impl From<FleetError> for FleetApiError {
    fn from(e: FleetError) -> Self {
        FleetApiError::Fleet(e)
    }
}

impl From<ApiError> for FleetApiError {
    fn from(e: ApiError) -> Self {
        FleetApiError::Api(e)
    }
}

impl IntoResponse for FleetApiError {
    fn into_response(self) -> Response {
        let e = match self {
            FleetApiError::Api(e) => return e.into_response(),
            FleetApiError::Fleet(FleetError::Service(e)) => {
                return ApiError::from(e).into_response()
            }
            FleetApiError::Fleet(e) => e,
        };
        let status = if e.is_not_found() {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::BAD_REQUEST
        };
        let body = serde_json::json!({
            "error": {
                "code": e.code().unwrap_or("invalid_request"),
                // Messages quote the caller's values; never a card number.
                "message": crate::http::error::redacted(&e.to_string()),
                "fields": e.field_errors(),
            }
        });
        (status, Json(body)).into_response()
    }
}

pub type FleetApiResult<T> = Result<T, FleetApiError>;
