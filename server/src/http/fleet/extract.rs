//! Extractors of the fleet API: the caller (Admin only, checked before anything is parsed, so
//! other roles always get 403 `forbidden`), JSON bodies and query strings whose rejections
//! answer with the fleet's codes.

use super::error::FleetApiError;
use crate::http::admin::auth::ApiCaller;
use access_core::model::{authz, Capability};
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::Json;
use backend::service::fleet::FleetError;
use backend::{Backend, Principal, ServiceError};
use serde::de::DeserializeOwned;

/// An authenticated caller whose role may use the fleet API.
pub struct FleetCaller(pub Backend, pub Principal);

impl<S> FromRequestParts<S> for FleetCaller
where
    Backend: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = FleetApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ApiCaller(b, p) = ApiCaller::from_request_parts(parts, state).await?;
        if authz::allowed(p.role, Capability::FleetApi).is_none() {
            return Err(FleetError::Service(ServiceError::Forbidden).into());
        }
        Ok(FleetCaller(b, p))
    }
}

fn bad_body(message: String) -> FleetApiError {
    FleetError::field("body", &message).into()
}

/// A required JSON body; any problem with it is 400 `invalid_request`.
pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = FleetApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(mut value) = Json::<serde_json::Value>::from_request(req, state)
            .await
            .map_err(|e| bad_body(crate::http::error::redacted(&e.body_text())))?;
        crate::http::error::integral_numbers(&mut value);
        serde_json::from_value(value)
            .map(Body)
            .map_err(|e| bad_body(crate::http::error::redacted(&e.to_string())))
    }
}

/// An optional JSON body: empty or `null` means `T::default()` (no Content-Type needed then).
pub struct OptionalBody<T>(pub T);

impl<S, T> FromRequest<S> for OptionalBody<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = FleetApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| bad_body(crate::http::error::redacted(&e.body_text())))?;
        // JSON `null` is "no body" too: that is what a client serializing an absent
        // optional body sends.
        if bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null" {
            return Ok(OptionalBody(T::default()));
        }
        let mut value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| bad_body(crate::http::error::redacted(&e.to_string())))?;
        crate::http::error::integral_numbers(&mut value);
        serde_json::from_value(value)
            .map(OptionalBody)
            .map_err(|e| bad_body(crate::http::error::redacted(&e.to_string())))
    }
}

/// A query string; a malformed one is 400 `invalid_filter`.
pub struct Params<T>(pub T);

impl<S, T> FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = FleetApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Params(v))
            .map_err(|e| {
                FleetError::InvalidFilter(crate::http::error::redacted(&e.body_text())).into()
            })
    }
}
