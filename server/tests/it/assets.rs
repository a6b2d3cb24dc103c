//! The panel's static files: a release site's content-hashed bundle is what the pages ask for,
//! and browsers may keep it for good; the pages themselves and unhashed files are not cached.

use crate::common::TestApp;
use reqwest::header::CACHE_CONTROL;
use reqwest::StatusCode;
use server::http::AppState;
use server::startup::{leptos_options, router};

const HASH: &str = "0123456789abcdef";

/// A site as `cargo xtask site --release` leaves it: hashed JS and WASM, and `hash.txt`.
fn release_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(
        pkg.join(format!("access-control.{HASH}.js")),
        "export default 1;",
    )
    .unwrap();
    std::fs::write(pkg.join(format!("access-control.{HASH}.wasm")), b"\0asm").unwrap();
    std::fs::write(pkg.join("access-control.css"), "body{}").unwrap();
    std::fs::write(
        dir.path().join("hash.txt"),
        format!("js: {HASH}\nwasm: {HASH}\n"),
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn a_release_site_serves_hashed_bundle_names_cached_for_good() {
    let site = release_site();
    for app in TestApp::each().await {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(app.backend.clone(), leptos_options(site.path(), addr));
        let served = router(state);
        tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                served.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await;
        });
        let base = format!("http://{addr}");
        let http = reqwest::Client::new();

        // The sign-in page names the hashed files, and is itself never stored.
        let page = http.get(format!("{base}/login")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()[CACHE_CONTROL], "no-store");
        let html = page.text().await.unwrap();
        assert!(
            html.contains(&format!("/pkg/access-control.{HASH}.js")),
            "{}: the page asks for the hashed script",
            app.db.name()
        );
        assert!(html.contains(&format!("/pkg/access-control.{HASH}.wasm")));
        assert!(!html.contains("access-control_bg.wasm"));

        for file in [
            format!("access-control.{HASH}.wasm"),
            format!("access-control.{HASH}.js"),
        ] {
            let resp = http.get(format!("{base}/pkg/{file}")).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{file}");
            assert_eq!(
                resp.headers()[CACHE_CONTROL],
                "public, max-age=31536000, immutable",
                "{file}"
            );
        }
        // Unhashed files are revalidated; a missing file is not cached at all.
        let css = http
            .get(format!("{base}/pkg/access-control.css"))
            .send()
            .await
            .unwrap();
        assert_eq!(css.status(), StatusCode::OK);
        assert_eq!(css.headers()[CACHE_CONTROL], "no-cache");
        let missing = http
            .get(format!("{base}/pkg/access-control.fedcba9876543210.wasm"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(missing.headers()[CACHE_CONTROL], "no-store");
        app.finish().await;
    }
}
