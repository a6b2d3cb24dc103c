//! The panel's Fleet screens: their server functions (form-encoded, as `ActionForm` posts
//! them, with the session cookie) and the server-rendered pages, on every database.

use crate::common;

use backend::demo::{self, LOC_WAW_LOUNGE};
use common::pos::paired;
use common::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

/// A server function of the fleet screens, called as the browser calls it.
async fn call(
    app: &TestApp,
    cookie: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let resp = app
        .http
        .post(app.url(&format!("/api/fn/fleet/{endpoint}")))
        .header("cookie", cookie)
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn serials(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {page}"))
        .iter()
        .map(|t| t["serial_number"].as_str().unwrap().to_owned())
        .collect()
}

/// The wire id (`term_<uuid>`) of the terminal with this serial.
async fn terminal_id(app: &TestApp, cookie: &str, serial: &str) -> String {
    let (s, page) = call(app, cookie, "list", &[("filter[search]", serial)]).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let item = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["serial_number"] == serial)
        .unwrap_or_else(|| panic!("{serial} listed: {page}"))
        .clone();
    item["id"].as_str().unwrap().to_owned()
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String) {
    let resp = app
        .http
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn admin_lists_changes_status_assigns_and_maps() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let token = app.admin_token().await;
        let pos = paired(&app, &token, LOC_WAW_LOUNGE, "SIM-PANEL-FLEET-1", 0).await;
        assert!(pos.ping().await.is_ok(), "{db}");
        let cookie = app.admin_cookie().await;

        // No filter at all (an empty body) lists every terminal.
        let (s, all) = call(&app, &cookie, "list", &[]).await;
        assert_eq!(s, StatusCode::OK, "{db}: {all}");
        let everything = serials(&all);
        assert!(
            everything.contains(&demo::READY_TERMINAL.to_owned()),
            "{db}: {all}"
        );
        assert!(everything.contains(&"SIM-PANEL-FLEET-1".to_owned()));
        assert_eq!(all["total"].as_u64().unwrap() as usize, everything.len());

        let id = terminal_id(&app, &cookie, "SIM-PANEL-FLEET-1").await;
        assert!(id.starts_with("term_"), "{id}");

        // Status change through the panel: the terminal is refused by the POS API at once.
        let (s, body) = call(
            &app,
            &cookie,
            "status",
            &[
                ("id", &id),
                ("status", "suspended"),
                ("reason", "panel audit"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        match pos.ping().await {
            Err(server::sim::SimError::Status { status: 403, body }) => {
                assert_eq!(body["error"]["code"], "TERMINAL_DISABLED", "{body}")
            }
            other => panic!("{db}: expected TERMINAL_DISABLED, got {other:?}"),
        }

        // The status filter, one or several values.
        let (s, suspended) =
            call(&app, &cookie, "list", &[("filter[status][0]", "suspended")]).await;
        assert_eq!(s, StatusCode::OK, "{db}: {suspended}");
        let list = serials(&suspended);
        assert!(
            list.contains(&"SIM-PANEL-FLEET-1".to_owned()),
            "{db}: {suspended}"
        );
        assert!(!list.contains(&demo::READY_TERMINAL.to_owned()));
        assert!(suspended["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "suspended"));
        let (_, both) = call(
            &app,
            &cookie,
            "list",
            &[
                ("filter[status][0]", "suspended"),
                ("filter[status][1]", "active"),
            ],
        )
        .await;
        let list = serials(&both);
        assert!(
            list.contains(&"SIM-PANEL-FLEET-1".to_owned())
                && list.contains(&demo::READY_TERMINAL.to_owned()),
            "{both}"
        );
        // A bad filter value is a validation error, not a crash.
        let (s, bad) = call(&app, &cookie, "list", &[("filter[status][0]", "paused")]).await;
        assert!(s.is_client_error() || s.is_server_error(), "{bad}");
        assert_eq!(bad["Validation"][0]["field"], "filter", "{bad}");

        // Details: the status move is an event with its reason; the lifecycle's next statuses.
        let (s, d) = call(&app, &cookie, "get", &[("id", &id)]).await;
        assert_eq!(s, StatusCode::OK, "{db}: {d}");
        assert_eq!(d["serial_number"], "SIM-PANEL-FLEET-1");
        assert_eq!(d["status"], "suspended");
        assert_eq!(d["location_name"], "Warsaw Chopin Lounge", "{d}");
        assert_eq!(
            d["next_statuses"],
            serde_json::json!(["active", "inactive", "blocked"])
        );
        let ev = d["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event_type"] == "terminal_suspended")
            .unwrap_or_else(|| panic!("{d}"));
        assert!(ev["metadata"].as_str().unwrap().contains("panel audit"));

        // Back to active: the POS API answers again.
        let (s, body) = call(
            &app,
            &cookie,
            "status",
            &[("id", &id), ("status", "active"), ("reason", "")],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(pos.ping().await.is_ok(), "{db}");

        // Assignment and unassignment.
        let (s, body) = call(
            &app,
            &cookie,
            "assign",
            &[
                ("id", &id),
                ("business_id", "biz_42"),
                ("business_name", "Corner Shop"),
                ("ledger_account_id", ""),
                ("ledger_account_name", ""),
                ("assignment_reason", "New store"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        let (_, assigned) = call(
            &app,
            &cookie,
            "list",
            &[
                ("filter[assignment]", "assigned"),
                ("filter[search]", "SIM-PANEL"),
            ],
        )
        .await;
        assert_eq!(serials(&assigned), ["SIM-PANEL-FLEET-1"], "{assigned}");
        assert_eq!(assigned["items"][0]["business_name"], "Corner Shop");
        let (_, d) = call(&app, &cookie, "get", &[("id", &id)]).await;
        assert_eq!(
            d["current_assignment"]["business_name"], "Corner Shop",
            "{d}"
        );
        let (s, body) = call(&app, &cookie, "unassign", &[("id", &id)]).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let (_, d) = call(&app, &cookie, "get", &[("id", &id)]).await;
        assert_eq!(d["current_assignment"], Value::Null, "{d}");
        assert_eq!(d["assignments"].as_array().unwrap().len(), 1);

        // Processor mappings: create (the first is primary), list, a second one, set primary,
        // delete; the primary cannot be deleted.
        let (s, m1) = call(
            &app,
            &cookie,
            "mappings/create",
            &[
                ("id", &id),
                ("processor_code", "nibss"),
                ("processor_terminal_id", "2070LA12"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}: {m1}");
        assert!(m1["id"].as_str().unwrap().starts_with("map_"));
        assert_eq!(m1["is_primary"], true);
        let (s, dup) = call(
            &app,
            &cookie,
            "mappings/create",
            &[
                ("id", &id),
                ("processor_code", "nibss"),
                ("processor_terminal_id", "2070LA12"),
            ],
        )
        .await;
        assert!(s.is_client_error() || s.is_server_error(), "{dup}");
        let (_, m2) = call(
            &app,
            &cookie,
            "mappings/create",
            &[
                ("id", &id),
                ("processor_code", "interswitch"),
                ("processor_terminal_id", "ISW123456"),
                ("is_primary", "true"),
            ],
        )
        .await;
        assert_eq!(m2["is_primary"], true, "{m2}");
        let (s, list) = call(&app, &cookie, "mappings", &[("id", &id)]).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        assert_eq!(list.as_array().unwrap().len(), 2);
        let m1_id = m1["id"].as_str().unwrap();
        let (s, body) = call(
            &app,
            &cookie,
            "mappings/primary",
            &[("id", &id), ("mapping_id", m1_id)],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let (_, d) = call(&app, &cookie, "get", &[("id", &id)]).await;
        assert_eq!(d["terminal_id"], "2070LA12", "{d}");
        let (s, refused) = call(
            &app,
            &cookie,
            "mappings/delete",
            &[("id", &id), ("mapping_id", m1_id)],
        )
        .await;
        assert!(s.is_client_error() || s.is_server_error(), "{refused}");
        assert!(refused.to_string().contains("primary"), "{refused}");
        let m2_id = m2["id"].as_str().unwrap();
        let (s, body) = call(
            &app,
            &cookie,
            "mappings/delete",
            &[("id", &id), ("mapping_id", m2_id)],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let (_, d) = call(&app, &cookie, "get", &[("id", &id)]).await;
        let states: Vec<(Value, Value)> = d["processors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["processor_code"].clone(), m["active"].clone()))
            .collect();
        assert_eq!(states.len(), 2, "{d}");
        assert!(
            states.contains(&(Value::from("interswitch"), Value::from(false))),
            "{d}"
        );

        // Metrics: an empty query is the last 30 days by day; weeks over a date range.
        let (s, series) = call(&app, &cookie, "metrics", &[]).await;
        assert_eq!(s, StatusCode::OK, "{db}: {series}");
        let points = series.as_array().unwrap();
        assert_eq!(points.len(), 30, "{series}");
        assert!(
            points.last().unwrap()["total"].as_u64().unwrap() >= 4,
            "{series}"
        );
        let (s, weeks) = call(
            &app,
            &cookie,
            "metrics",
            &[
                ("query[from]", "2026-11-01"),
                ("query[to]", "2026-11-22"),
                ("query[interval]", "week"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{weeks}");
        assert_eq!(weeks.as_array().unwrap().len(), 4, "{weeks}");
        let (_, bad) = call(
            &app,
            &cookie,
            "metrics",
            &[("query[from]", "2026-11-22"), ("query[to]", "2026-11-01")],
        )
        .await;
        assert_eq!(bad["Validation"][0]["field"], "range", "{bad}");
        app.finish().await;
    }
}

#[tokio::test]
async fn only_admins_may_use_the_fleet_functions() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let admin = app.admin_cookie().await;
        let id = terminal_id(&app, &admin, demo::READY_TERMINAL).await;
        let user = app
            .session_cookie("user@demo.example", &app.others_password)
            .await;
        for (endpoint, form) in [
            ("list", vec![]),
            ("get", vec![("id", id.as_str())]),
            ("status", vec![("id", id.as_str()), ("status", "blocked")]),
            (
                "assign",
                vec![
                    ("id", id.as_str()),
                    ("business_id", "b"),
                    ("business_name", "B"),
                ],
            ),
            ("unassign", vec![("id", id.as_str())]),
            ("mappings", vec![("id", id.as_str())]),
            (
                "mappings/create",
                vec![
                    ("id", id.as_str()),
                    ("processor_code", "nibss"),
                    ("processor_terminal_id", "2070LA99"),
                ],
            ),
            ("metrics", vec![]),
        ] {
            let (s, body) = call(&app, &user, endpoint, &form).await;
            assert!(
                s.is_client_error() || s.is_server_error(),
                "{db} {endpoint}"
            );
            assert_eq!(body, Value::from("Forbidden"), "{db} {endpoint}");
            // Signed out: sign-in required.
            let (_, body) = call(&app, "ac_session=none", endpoint, &form).await;
            assert_eq!(body, Value::from("Unauthenticated"), "{db} {endpoint}");
        }
        // Nothing changed.
        let (_, d) = call(&app, &admin, "get", &[("id", &id)]).await;
        assert_eq!(d["status"], "active", "{d}");
        assert!(d["processors"].as_array().unwrap().is_empty(), "{d}");
        // The page answers with the server's message, not a crash.
        let (s, html) = page(&app, &user, "/fleet").await;
        assert_eq!(s, StatusCode::OK, "{db}");
        assert!(
            html.contains("you do not have permission for this"),
            "{db}: {html}"
        );
        assert!(!html.contains(demo::READY_TERMINAL));
        app.finish().await;
    }
}

#[tokio::test]
async fn fleet_pages_render_on_the_server() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let cookie = app.admin_cookie().await;
        let id = terminal_id(&app, &cookie, demo::READY_TERMINAL).await;
        let (s, html) = page(&app, &cookie, "/fleet").await;
        assert_eq!(s, StatusCode::OK, "{db}");
        assert!(html.contains("id=\"fleet\""), "{db}: {html}");
        assert!(html.contains(demo::READY_TERMINAL), "{db}: {html}");
        assert!(
            html.contains("href=\"/fleet\""),
            "the nav links the page: {html}"
        );
        // The status filter is kept in the URL.
        let (s, html) = page(&app, &cookie, "/fleet?status=suspended").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("id=\"fleet\""), "{db}: {html}");
        assert!(!html.contains(demo::READY_TERMINAL), "{db}: {html}");
        let (s, html) = page(&app, &cookie, &format!("/fleet/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{db}");
        assert!(html.contains(demo::READY_TERMINAL), "{db}: {html}");
        assert!(html.contains("id=\"fleet-mappings\""), "{db}: {html}");
        assert!(html.contains("id=\"fleet-status-form\""), "{db}: {html}");
        app.finish().await;
    }
}
