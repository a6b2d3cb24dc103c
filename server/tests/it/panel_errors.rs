//! The panel's server functions and pages answer ordinary refusals with their real status and
//! the structured error the panel decodes (never a 500): a wrong password 401, a role's refusal
//! 403, an unknown id 404, a validation failure 422 with the field named; unknown ids on detail
//! pages answer 404 and forbidden forms 403, each with a page that leads back.

use crate::common;

use access_core::model::AppError;
use backend::demo;
use common::TestApp;
use reqwest::StatusCode;

const UNKNOWN_ID: &str = "00000000-0000-4000-8000-000000000000";

/// POST a server function's form fields, as the panel does; the status and the decoded error.
async fn call_fn(
    app: &TestApp,
    cookie: Option<&str>,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Option<AppError>, String) {
    let mut req = app
        .http
        .post(app.url(&format!("/api/fn/{endpoint}")))
        .header("accept", "application/json")
        .form(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let resp = req.send().await.expect("server fn request");
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).ok(), text)
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String) {
    let resp = app
        .http
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .expect("page request");
    let status = resp.status();
    (status, resp.text().await.unwrap_or_default())
}

#[tokio::test]
async fn server_functions_answer_refusals_with_their_status() {
    for app in TestApp::each().await {
        let db = app.db.name();

        // A wrong password: 401 with the message the sign-in form shows.
        let (s, e, text) = call_fn(
            &app,
            None,
            "login",
            &[
                ("email", demo::ADMIN_EMAIL),
                ("password", "not-the-password"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{db}: {text}");
        assert_eq!(e, Some(AppError::InvalidCredentials), "{db}: {text}");

        // Signed out: 401.
        let (s, e, text) = call_fn(&app, None, "users/get", &[("id", UNKNOWN_ID)]).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{db}: {text}");
        assert_eq!(e, Some(AppError::Unauthenticated), "{db}");

        let admin = app.admin_cookie().await;
        // An unknown id: 404.
        for endpoint in [
            "users/get",
            "rules/get",
            "locations/get",
            "operations/get",
            "cards/get",
        ] {
            let (s, e, text) = call_fn(&app, Some(&admin), endpoint, &[("id", UNKNOWN_ID)]).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{db}: {endpoint}: {text}");
            assert_eq!(e, Some(AppError::NotFound), "{db}: {endpoint}");
        }

        // A validation failure: 422, each field named.
        let (s, e, text) = call_fn(
            &app,
            Some(&admin),
            "users/create",
            &[
                ("first_name", ""),
                ("last_name", "Nowak"),
                ("email", "not-an-address"),
                ("role", "USER"),
                ("password", "a-long-enough-password-1"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}: {text}");
        let fields: Vec<String> = e
            .as_ref()
            .map(|e| e.field_errors().iter().map(|f| f.field.clone()).collect())
            .unwrap_or_default();
        assert!(fields.contains(&"first_name".to_owned()), "{db}: {text}");
        assert!(fields.contains(&"email".to_owned()), "{db}: {text}");

        // A refusal: 403 for the view-only User adding a user (nothing is created).
        let user = app
            .session_cookie("user@demo.example", &app.others_password)
            .await;
        let (s, e, text) = call_fn(
            &app,
            Some(&user),
            "users/create",
            &[
                ("first_name", "Eve"),
                ("last_name", "Nowak"),
                ("email", "eve@demo.example"),
                ("role", "ADMIN"),
                ("password", "a-long-enough-password-1"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{db}: {text}");
        assert_eq!(e, Some(AppError::Forbidden), "{db}");
        let (s, _, text) = call_fn(
            &app,
            Some(&admin),
            "users/list",
            &[("filter[email]", "eve@")],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}: {text}");
        let list: serde_json::Value = serde_json::from_str(&text).expect("a page of users");
        assert_eq!(list["total"], 0, "{db}: {text}");

        // Arguments the function cannot decode: 400, still an AppError.
        let (s, e, text) = call_fn(&app, Some(&admin), "users/get", &[]).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{db}: {text}");
        assert!(matches!(e, Some(AppError::Transport(_))), "{db}: {text}");

        app.finish().await;
    }
}

#[tokio::test]
async fn unknown_ids_and_forbidden_forms_get_designed_pages() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let admin = app.admin_cookie().await;
        for path in [
            format!("/users/{UNKNOWN_ID}"),
            format!("/rules/{UNKNOWN_ID}"),
            format!("/rules/{UNKNOWN_ID}/edit"),
            format!("/locations/{UNKNOWN_ID}"),
            format!("/locations/{UNKNOWN_ID}/edit"),
            format!("/operations/{UNKNOWN_ID}"),
            format!("/cards/{UNKNOWN_ID}"),
            format!("/organisations/{UNKNOWN_ID}"),
            "/no-such-screen".to_owned(),
        ] {
            let (s, html) = page(&app, &admin, &path).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{db}: {path}");
            assert!(html.contains("Page not found"), "{db}: {path}: {html}");
            // A way back: the navigation and a link to the dashboard.
            assert!(html.contains(r#"aria-label="Main""#), "{db}: {path}");
            assert!(html.contains("Back to the dashboard"), "{db}: {path}");
        }
        // A known id still answers 200.
        let (s, _) = page(
            &app,
            &admin,
            &format!("/rules/{}", backend::demo_world::RULESET_BUSINESS),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}");

        // A form the role may not use: 403 and the refusal page, not the form.
        let user = app
            .session_cookie("user@demo.example", &app.others_password)
            .await;
        for path in ["/users/new", "/organisations/new"] {
            let (s, html) = page(&app, &user, path).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{db}: {path}");
            assert!(html.contains("No access to this page"), "{db}: {path}");
            assert!(!html.contains(r#"name="email""#), "{db}: {path}: the form");
        }
        app.finish().await;
    }
}
