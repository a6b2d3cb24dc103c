//! Layers every response passes through: a panic becomes a logged 500 in the API's error
//! envelope (never a dropped connection), slow requests are cut off, and the browser gets the
//! headers that keep the panel out of frames and card data out of caches.

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, Response, StatusCode};
use axum::Router;
use std::any::Any;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

/// Longest time to answer (the response head; streamed exports and the live feed go on after).
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest time to receive a request body (a 32 MB import over a slow link fits).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(120);

fn panic_message(err: &(dyn Any + Send)) -> &str {
    err.downcast_ref::<&str>()
        .copied()
        .or_else(|| err.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

fn json_500(body: serde_json::Value) -> Response<Body> {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// The admin/panel envelope (`internal_error`).
fn admin_panic(err: Box<dyn Any + Send + 'static>) -> Response<Body> {
    tracing::error!(
        panic = panic_message(err.as_ref()),
        "request handler panicked"
    );
    json_500(serde_json::json!({
        "error": {"code": "internal_error", "message": "internal error", "fields": []}
    }))
}

/// The POS contract's envelope (`INTERNAL_ERROR`).
fn pos_panic(err: Box<dyn Any + Send + 'static>) -> Response<Body> {
    tracing::error!(panic = panic_message(err.as_ref()), "POS handler panicked");
    json_500(serde_json::json!({
        "error": {"code": "INTERNAL_ERROR", "message": "internal error"}
    }))
}

/// A NUL character in the query string (`%00`) is refused before any handler: PostgreSQL
/// cannot store or compare text containing it, so it would otherwise fail deep inside a query.
async fn refuse_nul(req: axum::extract::Request, next: axum::middleware::Next) -> Response<Body> {
    let nul = req
        .uri()
        .query()
        .is_some_and(|q| q.to_ascii_lowercase().contains("%00"));
    if !nul {
        return next.run(req).await;
    }
    let body = if req.uri().path().starts_with("/pos/") {
        serde_json::json!({"error": {"code": "INVALID_REQUEST", "message": "query: NUL characters are not allowed"}})
    } else {
        serde_json::json!({"error": {"code": "invalid_request", "message": "invalid request",
            "fields": [{"field": "query", "message": "NUL characters are not allowed"}]}})
    };
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = StatusCode::BAD_REQUEST;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// For the POS routes: their own panic envelope (applied inside [`harden`]).
pub fn harden_pos<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(CatchPanicLayer::custom(pos_panic))
}

/// Everything else: panics, timeouts, security headers. `Cache-Control: no-store` on the APIs
/// (tokens, pairing codes, card data); the pages set their own caching.
pub fn harden<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(axum::middleware::from_fn(refuse_nul))
        .layer(CatchPanicLayer::custom(admin_panic))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            |resp: &Response<Body>| cache_control(resp),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            // Pages set their own (with the hydration script's nonce, see `app::ui::page_csp`);
            // anything else (JSON, files) runs no script at all.
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; \
                 frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            RESPONSE_TIMEOUT,
        ))
}

/// JSON answers (tokens, pairing codes, card data) are never stored by browsers or proxies;
/// static assets (the WASM bundle, CSS) keep whatever the file service set.
fn cache_control(resp: &Response<Body>) -> Option<HeaderValue> {
    let json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    json.then(|| HeaderValue::from_static("no-store"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("a bug")
    }

    async fn send(router: Router, uri: &str) -> Response<Body> {
        router
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_panic_is_a_500_in_the_envelope_with_the_headers() {
        let app = harden(
            Router::new()
                .route("/api/v1/boom", get(boom))
                .merge(harden_pos(Router::new().route("/pos/boom", get(boom)))),
        );
        let resp = send(app.clone(), "/api/v1/boom").await;
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let h = resp.headers();
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert!(h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "internal_error");

        let resp = send(app, "/pos/boom").await;
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "INTERNAL_ERROR");
    }
}
