//! The panel's `#[server]` functions: thin adapters from the browser to the service layer.
//! Each one resolves the caller from its session cookie and calls one service function.

pub mod audit;
pub mod cards;
pub mod dashboard;
pub mod data;
pub mod fleet;
pub mod locations;
pub mod operations;
pub mod pos_messages;
pub mod rules;
pub mod session;
pub mod tenants;
pub mod terms;
pub mod try_card;
pub mod users;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    use access_core::model::AppError;
    use backend::service::auth::{self, SessionKind, COOKIE_NAME};
    use backend::{Backend, Principal};
    use leptos::prelude::*;

    pub fn backend() -> Result<Backend, AppError> {
        use_context::<Backend>().ok_or(AppError::Internal)
    }

    pub async fn session_token() -> Option<String> {
        let headers: axum::http::HeaderMap = leptos_axum::extract().await.ok()?;
        auth::cookie_value(&headers, COOKIE_NAME)
    }

    /// The signed-in caller, or `Unauthenticated`.
    pub async fn principal() -> Result<(Backend, Principal), AppError> {
        let b = backend()?;
        let token = session_token().await.ok_or(AppError::Unauthenticated)?;
        let p = auth::authenticate(&b, &token, SessionKind::Cookie).await?;
        Ok((b, p))
    }

    /// The caller even while it must change its one-time password (the password page, "me",
    /// sign-out); the second value says whether it must.
    pub async fn principal_pending() -> Result<(Backend, Principal, String, bool), AppError> {
        let b = backend()?;
        let token = session_token().await.ok_or(AppError::Unauthenticated)?;
        let (p, must_change) = auth::authenticate_pending(&b, &token, SessionKind::Cookie).await?;
        Ok((b, p, token, must_change))
    }

    /// The client's address as the edge computed it (trusted proxies resolved).
    pub async fn client_addr() -> Option<String> {
        let parts = use_context::<axum::http::request::Parts>()?;
        parts
            .extensions
            .get::<backend::client::ClientIp>()
            .map(|c| c.0.to_string())
    }
}
