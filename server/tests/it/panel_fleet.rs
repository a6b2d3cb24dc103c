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
            assert_eq!(s, StatusCode::FORBIDDEN, "{db} {endpoint}");
            assert_eq!(body, Value::from("Forbidden"), "{db} {endpoint}");
            // Signed out: sign-in required.
            let (_, body) = call(&app, "ac_session=none", endpoint, &form).await;
            assert_eq!(body, Value::from("Unauthenticated"), "{db} {endpoint}");
        }
        // Nothing changed.
        let (_, d) = call(&app, &admin, "get", &[("id", &id)]).await;
        assert_eq!(d["status"], "active", "{d}");
        assert!(d["processors"].as_array().unwrap().is_empty(), "{d}");
        // The page answers with the refusal page (issue 18), not a crash.
        // The list page streams, so its status is whichever the refusal reached in time
        // (200 or 403); what the user sees is the refusal page either way.
        let (s, html) = page(&app, &user, "/fleet").await;
        assert!(
            s == StatusCode::OK || s == StatusCode::FORBIDDEN,
            "{db}: {s}"
        );
        assert!(html.contains("No access to this page"), "{db}: {html}");
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

/// What used to exist only in the fleet REST API, through the panel's server functions:
/// descriptive fields, analytics, the terminal-ID inventory (import, list, reserve, assign,
/// release, retire) and collection sessions; each refused to a non-admin.
#[tokio::test]
async fn details_analytics_inventory_and_collections_from_the_panel() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let admin = app.admin_cookie().await;
        let id = terminal_id(&app, &admin, demo::READY_TERMINAL).await;
        let user = app
            .session_cookie("user@demo.example", &app.others_password)
            .await;

        // Descriptive fields: set, then cleared by an empty field; others kept.
        let (s, body) = call(
            &app,
            &admin,
            "details",
            &[
                ("id", &id),
                ("terminal_name", "Gate 7"),
                ("device_model", "PAX A920"),
                ("contact_email", "ops@lounge.example"),
                ("onboarding_notes", "wall mount"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        let (_, d) = call(&app, &admin, "get", &[("id", &id)]).await;
        assert_eq!(d["terminal_name"], "Gate 7", "{d}");
        assert_eq!(d["device_model"], "PAX A920", "{d}");
        assert_eq!(d["contact_email"], "ops@lounge.example", "{d}");
        assert_eq!(d["onboarding_notes"], "wall mount", "{d}");
        let (s, _) = call(
            &app,
            &admin,
            "details",
            &[
                ("id", &id),
                ("terminal_name", ""),
                ("device_model", "PAX A920"),
                ("contact_email", "ops@lounge.example"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, d) = call(&app, &admin, "get", &[("id", &id)]).await;
        assert_eq!(d["terminal_name"], Value::Null, "{d}");
        assert_eq!(d["device_model"], "PAX A920", "{d}");
        // The form sends every field: one left empty is cleared.
        assert_eq!(d["onboarding_notes"], Value::Null, "{d}");
        let long = "5".repeat(40);
        let (s, bad) = call(
            &app,
            &admin,
            "details",
            &[("id", &id), ("contact_phone", &long)],
        )
        .await;
        assert!(!s.is_success(), "{db}: {bad}");
        assert_eq!(bad["Validation"][0]["field"], "contact_phone", "{bad}");

        // Analytics: the default period (30 days by day).
        let (s, a) = call(&app, &admin, "analytics", &[("id", &id)]).await;
        assert_eq!(s, StatusCode::OK, "{db}: {a}");
        assert_eq!(a["interval"], "day", "{a}");
        assert_eq!(a["series"].as_array().unwrap().len(), 30, "{a}");
        assert!(a["summary"]["count"].is_u64(), "{a}");

        // Inventory: import two IDs, list, reserve one for the terminal, assign, release.
        let (s, r) = call(
            &app,
            &admin,
            "inventory/import",
            &[
                ("processor", "upsl"),
                ("terminal_ids", "2UP10001\n2UP10002, id!"),
                ("batch_reference", "batch-1"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}: {r}");
        assert_eq!(r["imported"], 2, "{r}");
        assert_eq!(r["failed_ids"], serde_json::json!(["id!"]), "{r}");
        let (s, listed) = call(
            &app,
            &admin,
            "inventory",
            &[
                ("filter[processor]", "upsl"),
                ("filter[status]", "available"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}: {listed}");
        assert_eq!(listed["processor"], "upsl");
        assert_eq!(listed["total"], 2, "{listed}");
        let (s, item) = call(
            &app,
            &admin,
            "inventory/reserve",
            &[("id", &id), ("processor_code", "upsl")],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}: {item}");
        assert_eq!(item["status"], "reserved", "{item}");
        assert_eq!(item["terminal_id"], id.as_str(), "{item}");
        let inv = item["id"].as_str().unwrap().to_owned();
        let (s, body) = call(
            &app,
            &admin,
            "inventory/assign",
            &[("id", &id), ("inventory_id", &inv)],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        let (_, d) = call(&app, &admin, "get", &[("id", &id)]).await;
        assert!(
            d["processors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["processor_terminal_id"] == item["terminal_code"]),
            "the assigned ID is a mapping: {d}"
        );
        let (s, body) = call(&app, &admin, "inventory/release", &[("inventory_id", &inv)]).await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        let (s, bad) = call(&app, &admin, "inventory/retire", &[("inventory_id", &inv)]).await;
        assert!(!s.is_success(), "a reason is required: {bad}");
        let (s, body) = call(
            &app,
            &admin,
            "inventory/retire",
            &[("inventory_id", &inv), ("reason", "damaged")],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        let (_, listed) = call(
            &app,
            &admin,
            "inventory",
            &[("filter[processor]", "upsl"), ("filter[status]", "retired")],
        )
        .await;
        assert_eq!(listed["total"], 1, "{listed}");

        // Collections need an assigned terminal.
        let (s, _) = call(
            &app,
            &admin,
            "assign",
            &[
                ("id", &id),
                ("business_id", "biz-1"),
                ("business_name", "Lounge Ltd"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, bad) = call(
            &app,
            &admin,
            "collections/prepare",
            &[("id", &id), ("amount", "lots"), ("currency", "NGN")],
        )
        .await;
        assert!(!s.is_success(), "{bad}");
        assert_eq!(bad["Validation"][0]["field"], "amount", "{bad}");
        let (s, c) = call(
            &app,
            &admin,
            "collections/prepare",
            &[
                ("id", &id),
                ("amount", "25.00"),
                ("currency", "ngn"),
                ("reference", "ref-1"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}: {c}");
        assert_eq!(c["amount_minor"], 2500, "{c}");
        assert_eq!(c["currency"], "NGN", "{c}");
        assert_eq!(c["status"], "pending", "{c}");
        let (_, list) = call(&app, &admin, "collections", &[("id", &id)]).await;
        assert_eq!(list[0]["id"], c["id"], "{list}");
        assert_eq!(list[0]["reference"], "ref-1", "{list}");

        // Admin only.
        for (endpoint, form) in [
            ("details", vec![("id", id.as_str()), ("terminal_name", "X")]),
            ("analytics", vec![("id", id.as_str())]),
            ("collections", vec![("id", id.as_str())]),
            (
                "collections/prepare",
                vec![("id", id.as_str()), ("amount", "1.00")],
            ),
            ("inventory", vec![]),
            (
                "inventory/import",
                vec![("processor", "upsl"), ("terminal_ids", "2UP10009")],
            ),
            (
                "inventory/reserve",
                vec![("id", id.as_str()), ("processor_code", "upsl")],
            ),
            (
                "inventory/retire",
                vec![("inventory_id", inv.as_str()), ("reason", "x")],
            ),
        ] {
            let (s, body) = call(&app, &user, endpoint, &form).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{db} {endpoint}");
            assert_eq!(body, Value::from("Forbidden"), "{db} {endpoint}");
        }
        // The pages render on the server.
        let (s, html) = page(&app, &admin, &format!("/fleet/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        for part in [
            "fleet-details-form",
            "fleet-analytics",
            "fleet-collection-form",
            "fleet-reserve-form",
        ] {
            assert!(html.contains(part), "{db}: {part}");
        }
        let (s, html) = page(&app, &admin, "/fleet/inventory?processor=upsl").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("inventory-table"), "{db}: {html}");
        assert!(html.contains("2UP10001"), "{db}: {html}");
        app.finish().await;
    }
}
