//! Defence in depth beyond `SameSite=Strict`: a state-changing request of the panel (its
//! server functions under `/api/fn/`, form posts, any cookie-authenticated call) coming from
//! another site is refused with 403 before any handler runs.
//!
//! Refused: `Sec-Fetch-Site` other than `same-origin` / `none`, or an `Origin` whose host
//! (with port) differs from `Host`. A request with neither header (an older browser, a script)
//! passes: the session cookie is `SameSite=Strict` anyway. Bearer-token REST clients and
//! terminals send no session cookie and are not concerned.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode};
use axum::middleware::Next;
use backend::service::auth::{cookie_value, COOKIE_NAME};

fn safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether the request is the panel's (server function or a cookie-carrying call).
fn concerns_panel(req: &Request) -> bool {
    let path = req.uri().path();
    path.starts_with("/api/fn/")
        || (cookie_value(req.headers(), COOKIE_NAME).is_some()
            && !req.headers().contains_key(header::AUTHORIZATION)
            && !path.starts_with("/pos/"))
}

/// `Some(reason)` when the request comes from another site.
pub fn cross_site(headers: &HeaderMap) -> Option<&'static str> {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("");
        if !(site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none")) {
            return Some("Sec-Fetch-Site is not same-origin");
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest.trim_end_matches('/'));
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        match (origin_host, host) {
            (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => {}
            _ => return Some("Origin does not match Host"),
        }
    }
    None
}

pub async fn same_origin_writes(req: Request, next: Next) -> Response<Body> {
    if safe(req.method()) || !concerns_panel(&req) {
        return next.run(req).await;
    }
    let Some(reason) = cross_site(req.headers()) else {
        return next.run(req).await;
    };
    tracing::warn!(path = %req.uri().path(), reason, "cross-site panel request refused");
    let body = serde_json::json!({"error": {"code": "forbidden",
        "message": "cross-site request refused", "fields": []}});
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = StatusCode::FORBIDDEN;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, HeaderValue::from_static(v));
        }
        m
    }

    #[test]
    fn same_origin_passes_and_other_sites_do_not() {
        assert_eq!(cross_site(&h(&[])), None);
        assert_eq!(
            cross_site(&h(&[
                ("sec-fetch-site", "same-origin"),
                ("origin", "https://panel.example:8443"),
                ("host", "panel.example:8443")
            ])),
            None
        );
        assert!(cross_site(&h(&[("sec-fetch-site", "cross-site")])).is_some());
        assert!(cross_site(&h(&[("sec-fetch-site", "same-site")])).is_some());
        assert!(cross_site(&h(&[
            ("origin", "https://evil.example"),
            ("host", "panel.example")
        ]))
        .is_some());
        assert!(cross_site(&h(&[("origin", "null"), ("host", "panel.example")])).is_some());
    }
}
