//! The HTTP surface. Handlers are thin: parse, call a service, map the result.

pub mod admin;
pub mod assets;
pub mod audit;
pub mod error;
pub mod fleet;
pub mod hardening;
pub mod health;
pub mod live;
pub mod openapi;
pub mod origin;
pub mod pages;
pub mod pos;

use axum::extract::FromRef;
use backend::Backend;
use leptos::config::LeptosOptions;

/// Axum state shared by every route.
#[derive(Clone)]
pub struct AppState {
    pub backend: Backend,
    pub leptos_options: LeptosOptions,
    pub key_cache: pos::auth::KeyCache,
    pub operations_feed: live::OperationsFeed,
}

impl AppState {
    /// Also starts this server's live-feed probe, so call it inside the tokio runtime.
    pub fn new(backend: Backend, leptos_options: LeptosOptions) -> Self {
        Self {
            operations_feed: live::OperationsFeed::start(backend.clone()),
            backend,
            leptos_options,
            key_cache: pos::auth::KeyCache::default(),
        }
    }
}

impl FromRef<AppState> for pos::auth::KeyCache {
    fn from_ref(s: &AppState) -> Self {
        s.key_cache.clone()
    }
}

impl FromRef<AppState> for live::OperationsFeed {
    fn from_ref(s: &AppState) -> Self {
        s.operations_feed.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

impl FromRef<AppState> for Backend {
    fn from_ref(s: &AppState) -> Self {
        s.backend.clone()
    }
}

/// The client's IP address when the server knows it (for throttling and the audit log):
/// the one [`stamp_client_ip`] computed at the edge.
pub struct ClientAddr(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<backend::client::ClientIp>()
                .map(|c| c.0.to_string()),
        ))
    }
}

/// Compute the client's address once, at the edge: the peer, or behind a trusted proxy
/// (`--trusted-proxies`) the right-most forwarded address that is not a trusted proxy
/// (see [`backend::client::client_ip`]). Stored as a request extension.
pub async fn stamp_client_ip(
    axum::extract::State(b): axum::extract::State<Backend>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // Never trust a value a client could have smuggled in.
    req.extensions_mut().remove::<backend::client::ClientIp>();
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(peer) = peer {
        let ip = backend::client::client_ip(peer, req.headers(), &b.settings.trusted_proxies);
        req.extensions_mut().insert(backend::client::ClientIp(ip));
    }
    next.run(req).await
}
