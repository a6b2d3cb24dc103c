//! Users through the admin REST API, sign-in throttling, and the panel's page guard.

use crate::common;

use common::{TestApp, ADMIN_PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn users_crud_and_validation_over_rest() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let t = app.admin_token().await;
        let new_user = json!({
            "first_name": "Nina", "last_name": "Nowak", "email": "Nina.Nowak@Example.com",
            "role": "ISSUER", "tenant_id": backend::demo::ISSUER_TENANT,
            "password": "a-long-enough-password"
        });
        let (s, created) = app
            .call(
                Method::POST,
                "/api/v1/admin/users",
                &t,
                Some(new_user.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {created}");
        assert_eq!(created["email"], "nina.nowak@example.com");
        assert_eq!(created["tenant_name"], "Demo Bank (Issuer)");
        let id = created["id"].as_str().unwrap().to_owned();

        // Same e-mail again: refused, naming the field.
        let (s, body) = app
            .call(Method::POST, "/api/v1/admin/users", &t, Some(new_user))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}");
        assert_eq!(body["error"]["fields"][0]["field"], "email", "{db}: {body}");

        // Several bad fields at once: each named.
        let (s, body) = app
            .call(Method::POST, "/api/v1/admin/users", &t, Some(json!({
                "first_name": "", "last_name": "X", "email": "not-an-email", "role": "GOD", "password": "short"
            })))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<_> = body["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(fields, ["first_name", "email", "role", "password"], "{db}");

        // Malformed JSON: a clear 400, not a crash.
        let resp = app
            .http
            .post(app.url("/api/v1/admin/users"))
            .bearer_auth(&t)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

        // Filters: case-insensitive substring on each column.
        let (s, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/users?email=NINA&page_size=10",
                &t,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["total"], 1, "{db}: {page}");
        let (_, page) = app
            .call(Method::GET, "/api/v1/admin/users?last_name=nowak", &t, None)
            .await;
        assert_eq!(page["items"][0]["id"], id.as_str());
        let (_, page) = app
            .call(Method::GET, "/api/v1/admin/users?first_name=zzz", &t, None)
            .await;
        assert_eq!(page["total"], 0);
        // LIKE wildcards in a filter are literal.
        let (_, page) = app
            .call(Method::GET, "/api/v1/admin/users?email=%25", &t, None)
            .await;
        assert_eq!(page["total"], 0, "{db}: % must not match everything");

        // Edit keeps the password when none is given; the user can still sign in.
        let (s, updated) = app
            .call(Method::PUT, &format!("/api/v1/admin/users/{id}"), &t, Some(json!({
                "first_name": "Nina", "last_name": "Kowalska", "email": "nina.nowak@example.com",
                "role": "ISSUER", "tenant_id": backend::demo::ISSUER_TENANT
            })))
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: {updated}");
        assert_eq!(updated["last_name"], "Kowalska");
        app.token("nina.nowak@example.com", "a-long-enough-password")
            .await;

        // Delete; then it is gone.
        let (s, _) = app
            .call(
                Method::DELETE,
                &format!("/api/v1/admin/users/{id}"),
                &t,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = app
            .call(Method::GET, &format!("/api/v1/admin/users/{id}"), &t, None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // An admin cannot delete themself.
        let (_, me) = app.call(Method::GET, "/api/v1/admin/me", &t, None).await;
        let (s, _) = app
            .call(
                Method::DELETE,
                &format!("/api/v1/admin/users/{}", me["id"].as_str().unwrap()),
                &t,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        app.finish().await;
    }
}

#[tokio::test]
async fn bearer_tokens_are_required_and_expire() {
    for app in TestApp::each().await {
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/users", "garbage", None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let resp = app
            .http
            .get(app.url("/api/v1/admin/users"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let t = app.admin_token().await;
        let (s, _) = app.call(Method::GET, "/api/v1/admin/users", &t, None).await;
        assert_eq!(s, StatusCode::OK);
        app.clock.advance(chrono::Duration::minutes(16));
        let (s, _) = app.call(Method::GET, "/api/v1/admin/users", &t, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "bearer token lives 15 minutes");
        app.finish().await;
    }
}

#[tokio::test]
async fn repeated_sign_in_failures_are_throttled() {
    for app in TestApp::each().await {
        let email = backend::demo::ADMIN_EMAIL;
        for _ in 0..10 {
            let (s, body) = app.token_for(email, "wrong password!").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
            assert_eq!(body["error"]["code"], "invalid_credentials");
        }
        // Locked now, even with the right password.
        let resp = app
            .http
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"email": email, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(resp.headers().get("retry-after").is_some());
        app.clock.advance(chrono::Duration::minutes(31));
        app.admin_token().await;
        app.finish().await;
    }
}

#[tokio::test]
async fn panel_pages_redirect_to_sign_in_and_health_answers() {
    for app in TestApp::each().await {
        let resp = app.http.get(app.url("/users")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(resp.headers()["location"], "/login");
        let resp = app.http.get(app.url("/login")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let html = resp.text().await.unwrap();
        assert!(html.contains("Sign in"), "server-rendered sign-in page");
        assert_eq!(
            app.http
                .get(app.url("/healthz"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            app.http
                .get(app.url("/readyz"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        app.finish().await;
    }
}
