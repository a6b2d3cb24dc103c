//! Page loads of the panel need a session: signed-out visitors go to `/login`, users signed in
//! with a one-time password go to `/password`, and users who still owe consent go to `/consent`.
//! Server functions check for themselves.

use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use backend::service::auth::{self, SessionKind, COOKIE_NAME};
use backend::Backend;

const PUBLIC_PREFIXES: [&str; 8] = [
    "/login",
    "/pkg",
    "/api",
    "/pos",
    "/healthz",
    "/readyz",
    "/api-docs",
    "/favicon",
];

fn is_page(req: &Request) -> bool {
    let path = req.uri().path();
    req.method() == Method::GET
        && !PUBLIC_PREFIXES.iter().any(|p| path.starts_with(p))
        && !path.rsplit('/').next().unwrap_or("").contains('.')
}

pub async fn require_session(State(b): State<Backend>, req: Request, next: Next) -> Response {
    if !is_page(&req) {
        return next.run(req).await;
    }
    let token = auth::cookie_value(req.headers(), COOKIE_NAME);
    let principal = match token {
        Some(t) => auth::authenticate_pending(&b, &t, SessionKind::Cookie)
            .await
            .ok(),
        None => None,
    };
    let path = req.uri().path();
    match principal {
        None => {
            let mut resp = Redirect::to("/login").into_response();
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                "no-store".parse().expect("static header"),
            );
            resp
        }
        // A one-time password: choosing a new one comes before anything else.
        Some((_, true)) if path != "/password" => Redirect::to("/password").into_response(),
        Some((p, false)) if !p.consent_ok && path != "/consent" => {
            Redirect::to("/consent").into_response()
        }
        Some(_) => next.run(req).await,
    }
}
