//! Caching of the panel's static files under `/pkg`.
//!
//! A release site (`cargo xtask site --release`) names the WASM bundle and its JavaScript after
//! their content (`access-control.<16 hex>.wasm`): a new build is a new URL, so browsers keep
//! those for a year without asking again (`immutable`). Everything else there (the CSS, a debug
//! bundle under fixed names) is revalidated on each load (`no-cache`: a 304 when unchanged).
//! Pages are `no-store` (see [`super::hardening`]): they carry the hashed names.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// `<name>.<16 lowercase hex>.(js|wasm)`, as the xtask writes them.
fn is_hashed(file: &str) -> bool {
    let mut parts = file.rsplitn(3, '.');
    let (Some(ext), Some(hash), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !name.is_empty()
        && matches!(ext, "js" | "wasm")
        && hash.len() == 16
        && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What `Cache-Control` a successful `/pkg/...` answer gets.
pub fn cache_control(path: &str) -> Option<&'static str> {
    let file = path.strip_prefix("/pkg/")?;
    Some(if is_hashed(file) {
        IMMUTABLE
    } else {
        REVALIDATE
    })
}

pub async fn cache_headers(req: Request, next: Next) -> Response {
    let policy = cache_control(req.uri().path());
    let mut resp = next.run(req).await;
    if let Some(policy) = policy {
        let ok = matches!(resp.status(), StatusCode::OK | StatusCode::NOT_MODIFIED);
        // An error answer (a missing file) must not be cached for a year.
        let value = if ok { policy } else { "no-store" };
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_hashed_bundle_files_are_immutable() {
        assert_eq!(
            cache_control("/pkg/access-control.0123456789abcdef.wasm"),
            Some(IMMUTABLE)
        );
        assert_eq!(
            cache_control("/pkg/access-control.0123456789abcdef.js"),
            Some(IMMUTABLE)
        );
        // Fixed names (the debug bundle, the CSS) are revalidated.
        assert_eq!(
            cache_control("/pkg/access-control_bg.wasm"),
            Some(REVALIDATE)
        );
        assert_eq!(cache_control("/pkg/access-control.js"), Some(REVALIDATE));
        assert_eq!(cache_control("/pkg/access-control.css"), Some(REVALIDATE));
        assert_eq!(
            cache_control("/pkg/access-control.0123456789ABCDEF.wasm"),
            Some(REVALIDATE)
        );
        assert_eq!(
            cache_control("/pkg/x.0123456789abcdef.css"),
            Some(REVALIDATE)
        );
        // Not under /pkg: left to the rest of the stack.
        assert_eq!(cache_control("/favicon.svg"), None);
        assert_eq!(cache_control("/"), None);
    }
}
