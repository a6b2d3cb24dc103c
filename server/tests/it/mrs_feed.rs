//! The MRS pull adapter against a local stub MRS: pages applied and the cursor kept across
//! syncs, a bad page refused whole with the cursor left where it was, and a failing MRS
//! recorded without touching the door.

use crate::common;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use backend::demo::{self, LOC_WAW_LOUNGE};
use backend::demo_world::CARD_WORLD;
use backend::repo;
use backend::service::mrs_sync::{self, SyncError, FEED};
use common::pos::paired;
use common::{luhn, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use server::mrs_http::HttpMrs;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct Stub {
    /// cursor ("" = none) → the answer.
    pages: Arc<Mutex<HashMap<String, (StatusCode, String)>>>,
    seen: Arc<Mutex<Vec<HashMap<String, String>>>>,
}

async fn enrolments(State(s): State<Stub>, Query(q): Query<HashMap<String, String>>) -> Response {
    s.seen.lock().unwrap().push(q.clone());
    let cursor = q.get("since").cloned().unwrap_or_default();
    let (status, body) = s
        .pages
        .lock()
        .unwrap()
        .get(&cursor)
        .cloned()
        .unwrap_or((StatusCode::OK, r#"{"items":[],"has_more":false}"#.into()));
    (status, [("content-type", "application/json")], body).into_response()
}

async fn stub() -> (String, Stub) {
    let s = Stub::default();
    let app = Router::new()
        .route("/mrs/enrolments", get(enrolments))
        .with_state(s.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://user:secret@{addr}/mrs"), s)
}

fn page(items: Value, next: Option<&str>, more: bool) -> (StatusCode, String) {
    (
        StatusCode::OK,
        json!({"items": items, "next_cursor": next, "has_more": more}).to_string(),
    )
}

/// How many of the AREFs `{prefix}1`…`{prefix}n` are listed on Enrolled cards.
async fn total(app: &TestApp, token: &str, prefix: &str, n: usize) -> usize {
    let mut found = 0;
    for i in 1..=n {
        let (s, page) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/enrolled-cards?aref={prefix}{i}"),
                token,
                None,
            )
            .await;
        assert_eq!(s, reqwest::StatusCode::OK, "{page}");
        found += page["total"].as_u64().unwrap() as usize;
    }
    found
}

#[tokio::test]
async fn pages_are_applied_and_the_cursor_is_kept() {
    for app in TestApp::each().await {
        let name = app.db.name().to_owned();
        let admin = app.admin_token().await;
        let (url, s) = stub().await;
        let mrs = HttpMrs::new(&url, Duration::from_secs(2)).unwrap();
        assert!(!mrs.display_url().contains("secret"), "credentials in logs");
        let (a, b, c) = (
            luhn("541234000077001"),
            luhn("541234000077002"),
            luhn("541234000077003"),
        );
        {
            let mut pages = s.pages.lock().unwrap();
            pages.insert(
                String::new(),
                page(
                    json!([
                        {"pan": a, "aref": "MRS-1", "enrolled_at": "2026-11-01"},
                        {"pan": b, "aref": "MRS-2", "enrolled_at": "2026-11-02"}
                    ]),
                    Some("c1"),
                    true,
                ),
            );
            pages.insert(
                "c1".into(),
                page(
                    json!([{"pan": c, "aref": "MRS-3", "enrolled_at": "2026-11-03"}]),
                    Some("c2"),
                    false,
                ),
            );
        }
        let r = mrs_sync::sync(&app.backend, &mrs).await.unwrap();
        assert_eq!(r.pages, 2, "{name}");
        assert_eq!(r.changes.enrolled, 3, "{name}");
        assert_eq!(r.cursor.as_deref(), Some("c2"));
        assert_eq!(total(&app, &admin, "MRS-", 5).await, 3, "{name}");
        let state = repo::mrs_sync_state::get(&app.backend.db, FEED)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(state.cursor.as_deref(), Some("c2"));
        assert_eq!(state.last_error, None);

        // The next sync asks from the stored cursor, and MRS has nothing new.
        s.seen.lock().unwrap().clear();
        let r = mrs_sync::sync(&app.backend, &mrs).await.unwrap();
        assert_eq!(r.changes, Default::default());
        let seen = s.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].get("since").map(String::as_str), Some("c2"));
        assert_eq!(seen[0].get("limit").map(String::as_str), Some("5000"));

        // A page with a bad PAN is refused whole; the cursor stays; no PAN in the error.
        s.pages.lock().unwrap().insert(
            "c2".into(),
            page(
                json!([
                    {"pan": luhn("541234000077004"), "aref": "MRS-4", "enrolled_at": "2026-11-04"},
                    {"pan": "5412340000770050", "aref": "MRS-5", "enrolled_at": "2026-11-04"}
                ]),
                Some("c3"),
                false,
            ),
        );
        let e = mrs_sync::sync(&app.backend, &mrs).await.unwrap_err();
        assert!(matches!(e, SyncError::Rejected(_)), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("items[1].pan"), "{msg}");
        assert!(!msg.contains("5412340000770050"), "{msg}");
        assert_eq!(total(&app, &admin, "MRS-", 5).await, 3, "{name}");
        let state = repo::mrs_sync_state::get(&app.backend.db, FEED)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(state.cursor.as_deref(), Some("c2"));
        assert!(state.last_error.unwrap().contains("items[1].pan"));
        app.finish().await;
    }
}

#[tokio::test]
async fn a_failing_mrs_is_recorded_and_never_blocks_the_door() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let (url, s) = stub().await;
        s.pages.lock().unwrap().insert(
            String::new(),
            (StatusCode::SERVICE_UNAVAILABLE, "down".into()),
        );
        let mrs = HttpMrs::new(&url, Duration::from_secs(2)).unwrap();
        let e = mrs_sync::sync(&app.backend, &mrs).await.unwrap_err();
        assert!(matches!(e, SyncError::Mrs(_)), "{e}");
        assert!(e.to_string().contains("503"), "{e}");
        let state = repo::mrs_sync_state::get(&app.backend.db, FEED)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(state.cursor, None);

        // Not JSON of the page's shape: an error naming the place, no value.
        s.pages
            .lock()
            .unwrap()
            .insert(String::new(), (StatusCode::OK, r#"{"items": 7}"#.into()));
        let e = mrs_sync::sync(&app.backend, &mrs).await.unwrap_err();
        assert!(e.to_string().contains("not an enrolment page"), "{e}");

        // Unreachable MRS: the door still answers.
        let dead = HttpMrs::new("http://127.0.0.1:9/mrs", Duration::from_millis(300)).unwrap();
        assert!(mrs_sync::sync(&app.backend, &dead).await.is_err());
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let g = t.check(CARD_WORLD, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{g}");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_simulator_enrols_its_cards_once() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let sim = backend::mrs::SimulatedMrs { cards: 7 };
        let r = mrs_sync::sync(&app.backend, &sim).await.unwrap();
        assert_eq!(r.changes.enrolled, 7);
        assert_eq!(total(&app, &admin, "SIM-000", 9).await, 7);
        let r = mrs_sync::sync(&app.backend, &sim).await.unwrap();
        assert_eq!(
            r.changes,
            Default::default(),
            "nothing new after the cursor"
        );
        app.finish().await;
    }
}
