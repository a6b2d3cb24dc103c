//! The platform admin API for the terminal fleet (shared/spec/003), through real HTTP, on
//! every database of the run.

use crate::common;

use backend::demo;
use backend::entity::{collection_sessions, operations, terminal_id_inventory};
use common::TestApp;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{json, Value};
use server::sim::{self, Terminal};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

const T: &str = "/api/v1/admin/pos-terminals";
const P: &str = "/api/v1/admin/pos-processors";

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

fn is_rfc3339_z(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

fn bare(id: &str) -> &str {
    id.split_once('_').map(|(_, b)| b).unwrap_or(id)
}

async fn get(app: &TestApp, tok: &str, path: &str) -> (StatusCode, Value) {
    app.call(Method::GET, path, tok, None).await
}

async fn send(app: &TestApp, m: Method, tok: &str, path: &str, body: Value) -> (StatusCode, Value) {
    app.call(m, path, tok, Some(body)).await
}

/// Wire ids (`term_<uuid>`) of the terminals, by serial number.
async fn terminal_ids(app: &TestApp, tok: &str) -> HashMap<String, String> {
    let (s, body) = get(app, tok, &format!("{T}?page_size=200")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["terminals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["serial_number"].as_str().unwrap().to_owned(),
                t["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn patch_terminal(app: &TestApp, tok: &str, id: &str, body: Value) -> Value {
    let (s, b) = send(app, Method::PATCH, tok, &format!("{T}/{id}"), body).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

async fn assign_business(app: &TestApp, tok: &str, id: &str, biz: &str, name: &str) -> Value {
    let (s, b) = send(
        app,
        Method::PUT,
        tok,
        &format!("{T}/{id}/assignment"),
        json!({"business_id": biz, "business_name": name, "ledger_account_id": "ledger_1",
               "ledger_account_name": name, "assignment_reason": "New store opening"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

async fn list_serials(app: &TestApp, tok: &str, query: &str) -> Vec<String> {
    let (s, body) = get(app, tok, &format!("{T}?{query}")).await;
    assert_eq!(s, StatusCode::OK, "{query}: {body}");
    body["terminals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["serial_number"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn list_filters_sorts_pages_and_enriches() {
    for app in TestApp::each().await {
        let tok = app.admin_token().await;
        let ids = terminal_ids(&app, &tok).await;
        assert_eq!(ids.len(), 5);
        let t1 = &ids[demo::READY_TERMINAL];
        let t4 = &ids["ING-MOVE5000-DEMO4"];
        let t5 = &ids["ING-MOVE5000-DEMO5"];

        // Base shape, no enrichments unless asked.
        let (s, body) = get(&app, &tok, T).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            body["pagination"],
            json!({"page": 1, "page_size": 50, "total": 5})
        );
        let first = &body["terminals"][0];
        assert!(first["id"].as_str().unwrap().starts_with("term_"));
        for k in [
            "tenant_id",
            "terminal_id",
            "terminal_name",
            "status",
            "processor_id",
            "serial_number",
            "device_model",
            "oem",
            "assigned",
            "activated_at",
            "created_at",
            "updated_at",
            "metadata",
        ] {
            assert!(first.get(k).is_some(), "{k} missing: {first}");
        }
        for k in [
            "tenant_name",
            "business",
            "business_name",
            "settlement_account",
            "virtual_account",
            "processor_ids",
        ] {
            assert!(first.get(k).is_none(), "{k} not requested: {first}");
        }
        assert!(is_rfc3339_z(&first["created_at"]));

        // Prepare some variety through the API.
        patch_terminal(&app, &tok, t1, json!({
            "terminal_name": "Main Store POS", "metadata": {"firmware_version": "1.2.3"},
            "settlement_account": {"account_code": "0123456789", "account_name": "Acme Retail Store",
                                   "bank_code": "058", "bank_name": "GTBank", "provider": "paystack"},
            "virtual_account": {"account_code": "9900123456", "bank_code": "101", "status": "active"},
        })).await;
        patch_terminal(
            &app,
            &tok,
            t4,
            json!({"terminal_name": "Berlin Lounge", "status": "suspended"}),
        )
        .await;
        patch_terminal(&app, &tok, t5, json!({"status": "blocked"})).await;
        assign_business(&app, &tok, t1, "biz_1", "Acme Retail Store").await;
        let (s, b) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{T}/{t1}/processors"),
            json!({"processor_code": "nibss", "processor_terminal_id": "2070LA12"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");

        // Filters.
        let provider = demo::PROVIDER_TENANT;
        assert_eq!(
            list_serials(&app, &tok, &format!("tenant_id=tenant_{provider}"))
                .await
                .len(),
            3
        );
        assert_eq!(
            list_serials(&app, &tok, &format!("tenant_id={provider}"))
                .await
                .len(),
            3
        );
        let mut st = list_serials(&app, &tok, "status=suspended&status=blocked").await;
        st.sort();
        assert_eq!(st, vec!["ING-MOVE5000-DEMO4", "ING-MOVE5000-DEMO5"]);
        assert_eq!(list_serials(&app, &tok, "status=active").await.len(), 3);
        assert_eq!(
            list_serials(&app, &tok, "status=active,blocked")
                .await
                .len(),
            4
        );
        assert_eq!(
            list_serials(&app, &tok, "assignment=assigned").await,
            vec![demo::READY_TERMINAL]
        );
        assert_eq!(
            list_serials(&app, &tok, "assignment=unassigned")
                .await
                .len(),
            4
        );
        assert_eq!(
            list_serials(&app, &tok, "search=demo4").await,
            vec!["ING-MOVE5000-DEMO4"]
        );
        assert_eq!(
            list_serials(&app, &tok, "search=MAIN%20store").await,
            vec![demo::READY_TERMINAL]
        );
        assert_eq!(
            list_serials(&app, &tok, "search=acme").await,
            vec![demo::READY_TERMINAL]
        );
        assert_eq!(
            list_serials(&app, &tok, "search=2070la").await,
            vec![demo::READY_TERMINAL]
        );
        assert!(list_serials(&app, &tok, "search=%25_x").await.is_empty());
        assert!(list_serials(&app, &tok, "profile_id=none").await.is_empty());

        // Sorting: names first (missing ones last), status alphabetical.
        let by_name = list_serials(&app, &tok, "sort=terminal_name&order=asc").await;
        assert_eq!(&by_name[..2], &["ING-MOVE5000-DEMO4", demo::READY_TERMINAL]);
        let (_, body) = get(&app, &tok, &format!("{T}?sort=status&order=asc")).await;
        let statuses: Vec<&str> = body["terminals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            statuses,
            vec!["active", "active", "active", "blocked", "suspended"]
        );
        let by_tid = list_serials(&app, &tok, "sort=terminal_id&order=desc").await;
        assert_eq!(by_tid[0], demo::READY_TERMINAL);

        // Paging: every terminal exactly once.
        let mut seen = HashSet::new();
        for page in 1..=3 {
            let (_, body) = get(&app, &tok, &format!("{T}?page={page}&page_size=2")).await;
            assert_eq!(body["pagination"]["total"], 5);
            assert_eq!(body["pagination"]["page_size"], 2);
            let items = body["terminals"].as_array().unwrap();
            assert_eq!(items.len(), if page < 3 { 2 } else { 1 });
            for t in items {
                assert!(seen.insert(t["id"].as_str().unwrap().to_owned()));
            }
        }
        assert_eq!(seen.len(), 5);
        assert_eq!(list_serials(&app, &tok, "page_size=200").await.len(), 5);

        // Enrichments.
        let (_, body) = get(&app, &tok, &format!(
            "{T}?include_tenant=true&include_business=true&include_settlement=true\
             &include_virtual_account=true&include_processor_mappings=true&sort=terminal_name&order=asc")).await;
        let items = body["terminals"].as_array().unwrap();
        let main = items.iter().find(|t| t["id"] == json!(t1)).unwrap();
        assert_eq!(main["tenant_name"], "SkyLounge Operations");
        assert_eq!(main["business_name"], "Acme Retail Store");
        assert_eq!(
            main["business"],
            json!({"id": "biz_1", "name": "Acme Retail Store"})
        );
        assert_eq!(main["settlement_account"]["bank_name"], "GTBank");
        assert_eq!(main["virtual_account"]["account_code"], "9900123456");
        assert_eq!(
            main["processor_ids"],
            json!([{"processor_id": "nibss", "terminal_id": "2070LA12"}])
        );
        assert_eq!(main["terminal_id"], "2070LA12");
        assert_eq!(main["terminal_name"], "Main Store POS");
        assert_eq!(main["metadata"], json!({"firmware_version": "1.2.3"}));
        assert_eq!(main["assigned"], true);
        assert_eq!(
            main["processor_id"],
            "proc_5a1c0000-0000-4000-8000-000000000001"
        );
        let berlin = items.iter().find(|t| t["id"] == json!(t4)).unwrap();
        assert_eq!(berlin["tenant_name"], Value::Null);
        assert_eq!(berlin["business"], Value::Null);
        assert_eq!(berlin["settlement_account"], Value::Null);
        assert_eq!(berlin["processor_ids"], json!([]));

        // Bad values: 400 invalid_filter.
        for q in [
            "status=paused",
            "status=active&status=nope",
            "assignment=maybe",
            "sort=serial",
            "order=up",
            "page=0",
            "page=abc",
            "page_size=201",
            "page_size=0",
            "tenant_id=acme",
            "include_tenant=maybe",
            "include_processor_mappings=2",
        ] {
            let (s, body) = get(&app, &tok, &format!("{T}?{q}")).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {body}");
            assert_eq!(code(&body), "invalid_filter", "{q}");
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn details_show_assignments_events_config_and_processors() {
    for app in TestApp::each().await {
        let tok = app.admin_token().await;
        let ids = terminal_ids(&app, &tok).await;
        let t1 = ids[demo::READY_TERMINAL].clone();

        let (s, d) = get(&app, &tok, &format!("{T}/{t1}")).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["id"], json!(t1));
        assert_eq!(d["device_serial"], demo::READY_TERMINAL);
        assert_eq!(d["device_model"], "PAX A920");
        assert_eq!(d["tenant_id"], format!("tenant_{}", demo::PROVIDER_TENANT));
        assert_eq!(d["tenant_name"], "SkyLounge Operations");
        assert_eq!(d["status"], "active");
        assert_eq!(d["current_assignment"], Value::Null);
        assert_eq!(d["settlement_enabled"], false);
        for k in [
            "contact_name",
            "contact_email",
            "contact_phone",
            "onboarding_notes",
            "settlement_account_id",
            "settlement_frequency",
            "geo_latitude",
            "geo_longitude",
            "settlement_account",
            "activated_at",
        ] {
            assert!(d.get(k).is_some(), "{k} missing");
        }
        for k in ["assignments", "events", "effective_config", "processor_ids"] {
            assert!(d.get(k).is_none(), "{k} not requested");
        }
        // The bare UUID works as well; unknown and malformed ids are 404.
        let (s, _) = get(&app, &tok, &format!("{T}/{}", bare(&t1))).await;
        assert_eq!(s, StatusCode::OK);
        for missing in [format!("term_{}", uuid::Uuid::new_v4()), "nope".to_owned()] {
            let (s, body) = get(&app, &tok, &format!("{T}/{missing}")).await;
            assert_eq!(s, StatusCode::NOT_FOUND);
            assert_eq!(code(&body), "terminal_not_found");
        }

        // Two assignments: the second closes the first.
        patch_terminal(&app, &tok, &t1, json!({
            "contact_name": "John Manager", "contact_email": "john@acmeretail.com",
            "contact_phone": "+2348012345678", "onboarding_notes": "Installed at main checkout counter",
            "settlement_account_id": "acc_1", "settlement_frequency": "end_of_day",
            "settlement_enabled": true, "geo_latitude": 6.5244, "geo_longitude": 3.3792,
            "config": {"max_transaction_amount": 100000},
        })).await;
        let first = assign_business(&app, &tok, &t1, "biz_1", "First Shop").await;
        assert!(first["id"].as_str().unwrap().starts_with("assign_"));
        assert!(first["assigned_by"].as_str().unwrap().starts_with("admin_"));
        assert!(is_rfc3339_z(&first["assigned_at"]));
        app.clock.advance(chrono::Duration::minutes(1));
        let second = assign_business(&app, &tok, &t1, "biz_2", "Second Shop").await;
        let (s, body) = send(
            &app,
            Method::PUT,
            &tok,
            &format!("{T}/{t1}/assignment"),
            json!({"business_name": "No id"}),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(code(&body), "invalid_request");

        // Many events: only the last 25, oldest first.
        for i in 0..30 {
            app.clock.advance(chrono::Duration::seconds(1));
            patch_terminal(
                &app,
                &tok,
                &t1,
                json!({"terminal_name": format!("POS {i}")}),
            )
            .await;
        }
        let (s, d) = get(&app, &tok, &format!(
            "{T}/{t1}?include_assignments=true&include_events=true&include_config=true&include_processors=true")).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["contact_email"], "john@acmeretail.com");
        assert_eq!(d["geo_latitude"], 6.5244);
        assert_eq!(d["settlement_enabled"], true);
        assert_eq!(d["current_assignment"]["id"], second["id"]);
        assert_eq!(d["current_assignment"]["business_id"], "biz_2");
        assert_eq!(d["current_assignment"]["business_name"], "Second Shop");
        assert_eq!(d["current_assignment"]["ledger_account_id"], "ledger_1");
        assert_eq!(
            d["current_assignment"]["assignment_reason"],
            "New store opening"
        );
        let history = d["assignments"].as_array().unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0]["business_name"], "Second Shop");
        assert_eq!(history[1]["id"], first["id"]);
        assert_eq!(history[1]["ledger_account_name"], "First Shop");
        assert!(is_rfc3339_z(&history[1]["unassigned_at"]));
        let events = d["events"].as_array().unwrap();
        assert_eq!(events.len(), 25);
        assert_eq!(events[24]["event_type"], "terminal_updated");
        assert!(events[24]["timestamp"].as_str() >= events[0]["timestamp"].as_str());
        assert!(events[24]["actor_id"]
            .as_str()
            .unwrap()
            .starts_with("admin_"));
        assert_eq!(events[24]["actor_name"], "Ada Admin");
        assert_eq!(events[24]["metadata"]["fields"], json!(["terminal_name"]));
        let cfg = &d["effective_config"];
        assert_eq!(cfg["settlement_frequency"], "end_of_day");
        assert_eq!(cfg["max_transaction_amount"], 100000);
        assert_eq!(
            cfg["allowed_channels"],
            json!(["card_processor", "nfc_purchase"])
        );
        assert_eq!(d["processor_ids"], json!([]));

        // The events of the whole history are there when fewer than 25.
        let t2 = &ids["PAX-A920-DEMO0002"];
        assign_business(&app, &tok, t2, "biz_3", "Third").await;
        let (_, d2) = get(&app, &tok, &format!("{T}/{t2}?include_events=1")).await;
        let types: Vec<&str> = d2["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event_type"].as_str().unwrap())
            .collect();
        assert_eq!(types, vec!["terminal_assigned"]);
        let (s, body) = get(&app, &tok, &format!("{T}/{t2}?include_events=yes")).await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_filter")
        );
        app.finish().await;
    }
}

fn sim_keys() -> &'static rsa::RsaPrivateKey {
    static KEY: std::sync::OnceLock<rsa::RsaPrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| sim::generate_key(2048).expect("key"))
}

async fn paired_terminal(app: &TestApp, tok: &str, serial: &str) -> Terminal {
    let (s, body) = send(
        app,
        Method::POST,
        tok,
        &format!("/api/v1/admin/locations/{}/terminals", demo::LOC_WAW_LOUNGE),
        json!({"serial_number": serial}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/terminals/{serial}/pairing-code"),
            tok,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let pairing = body["code"].as_str().unwrap().to_owned();
    let mut t = Terminal::new(&app.base, serial, sim_keys().clone()).unwrap();
    let clock = app.clock.clone();
    t.clock = Arc::new(move || backend::Clock::now(&clock).timestamp());
    t.pair(&pairing).await.expect("pairs");
    t
}

fn assert_disabled(r: Result<Value, sim::SimError>) {
    match r {
        Err(sim::SimError::Status { status: 403, body }) => {
            assert_eq!(code(&body), "TERMINAL_DISABLED")
        }
        other => panic!("expected TERMINAL_DISABLED, got {other:?}"),
    }
}

#[tokio::test]
async fn status_changes_gate_the_pos_api_at_once() {
    for app in TestApp::each().await {
        let tok = app.admin_token().await;
        let pos = paired_terminal(&app, &tok, "SIM-FLEET-1").await;
        assert!(pos.ping().await.is_ok());
        let id = terminal_ids(&app, &tok).await["SIM-FLEET-1"].clone();

        let d = patch_terminal(
            &app,
            &tok,
            &id,
            json!({"status": "suspended", "reason": "audit"}),
        )
        .await;
        assert_eq!(d["status"], "suspended");
        assert_eq!(d["pairing_status"], "PAIRED");
        assert_disabled(pos.ping().await);
        app.clock.advance(chrono::Duration::seconds(1));
        patch_terminal(&app, &tok, &id, json!({"status": "inactive"})).await;
        assert_disabled(pos.ping().await);
        app.clock.advance(chrono::Duration::seconds(1));
        patch_terminal(&app, &tok, &id, json!({"status": "active"})).await;
        assert!(pos.ping().await.is_ok());
        app.clock.advance(chrono::Duration::seconds(1));
        patch_terminal(&app, &tok, &id, json!({"status": "blocked"})).await;
        assert_disabled(pos.ping().await);
        app.clock.advance(chrono::Duration::seconds(1));

        // Blocked is permanent; bad values are refused.
        let (s, body) = send(
            &app,
            Method::PATCH,
            &tok,
            &format!("{T}/{id}"),
            json!({"status": "active"}),
        )
        .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_transition")
        );
        for bad in [
            json!({"status": "paused"}),
            json!({"colour": "red"}),
            json!({"geo_latitude": 100}),
        ] {
            let (s, body) =
                send(&app, Method::PATCH, &tok, &format!("{T}/{id}"), bad.clone()).await;
            assert_eq!(
                (s, code(&body)),
                (StatusCode::BAD_REQUEST, "invalid_request"),
                "{bad}"
            );
        }
        let resp = app
            .http
            .patch(app.url(&format!("{T}/{id}")))
            .bearer_auth(&tok)
            .body("{not json")
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let (s, body) = send(
            &app,
            Method::PATCH,
            &tok,
            &format!("{T}/term_{}", uuid::Uuid::new_v4()),
            json!({"status": "active"}),
        )
        .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::NOT_FOUND, "terminal_not_found")
        );

        let (_, d) = get(&app, &tok, &format!("{T}/{id}?include_events=true")).await;
        let moves: Vec<(String, Value)> = d["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["event_type"].as_str().unwrap().starts_with("terminal_")
                    && e["metadata"].get("to").is_some()
            })
            .map(|e| {
                (
                    e["event_type"].as_str().unwrap().to_owned(),
                    e["metadata"].clone(),
                )
            })
            .collect();
        let kinds: Vec<&str> = moves.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            vec![
                "terminal_suspended",
                "terminal_deactivated",
                "terminal_activated",
                "terminal_blocked"
            ]
        );
        assert_eq!(
            moves[0].1,
            json!({"from": "active", "to": "suspended", "reason": "audit"})
        );
        let all: Vec<&str> = d["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event_type"].as_str().unwrap())
            .collect();
        // Pairing history recorded by the access-control side shows up too.
        assert!(all.contains(&"terminal_created") && all.contains(&"terminal_paired"));
        app.finish().await;
    }
}

#[tokio::test]
async fn metrics_count_total_active_and_assigned_per_bucket() {
    for app in TestApp::each().await {
        let tok = app.admin_token().await;
        let ids = terminal_ids(&app, &tok).await;
        // Demo terminals exist from 2026-11-22T10:00Z. A day later one is suspended, two
        // days later one is assigned.
        app.clock.advance(chrono::Duration::days(1));
        let tok = app.admin_token().await;
        patch_terminal(
            &app,
            &tok,
            &ids["ING-MOVE5000-DEMO4"],
            json!({"status": "suspended"}),
        )
        .await;
        app.clock.advance(chrono::Duration::days(1));
        let tok = app.admin_token().await;
        assign_business(&app, &tok, &ids["PAX-A920-DEMO0002"], "biz", "Shop").await;

        let (s, body) = get(
            &app,
            &tok,
            &format!("{T}/metrics?from=2026-11-21T00:00:00Z&to=2026-11-25T12:00:00Z"),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let series = body["series"].as_array().unwrap();
        let rows: Vec<(String, u64, u64, u64)> = series
            .iter()
            .map(|p| {
                (
                    p["bucket"].as_str().unwrap().to_owned(),
                    p["total"].as_u64().unwrap(),
                    p["active"].as_u64().unwrap(),
                    p["assigned"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("2026-11-21T00:00:00Z".to_owned(), 0, 0, 0),
                ("2026-11-22T00:00:00Z".to_owned(), 5, 5, 0),
                ("2026-11-23T00:00:00Z".to_owned(), 5, 4, 0),
                ("2026-11-24T00:00:00Z".to_owned(), 5, 4, 1),
                ("2026-11-25T00:00:00Z".to_owned(), 5, 4, 1),
            ]
        );
        // Per tenant: the provider's three terminals (the suspended one is not theirs).
        let (_, body) = get(
            &app,
            &tok,
            &format!(
                "{T}/metrics?from=2026-11-23T00:00:00Z&to=2026-11-24T23:00:00Z&tenant_id=tenant_{}",
                demo::PROVIDER_TENANT
            ),
        )
        .await;
        assert_eq!(
            body["series"],
            json!([
                {"bucket": "2026-11-23T00:00:00Z", "total": 3, "active": 3, "assigned": 0},
                {"bucket": "2026-11-24T00:00:00Z", "total": 3, "active": 3, "assigned": 1},
            ])
        );
        // Weeks start on Monday, months on the 1st; offsets are read as instants.
        let (_, body) = get(
            &app,
            &tok,
            &format!(
            "{T}/metrics?from=2026-11-22T12:00:00%2B02:00&to=2026-11-30T00:00:00Z&interval=week"),
        )
        .await;
        let buckets: Vec<&str> = body["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["bucket"].as_str().unwrap())
            .collect();
        assert_eq!(
            buckets,
            vec![
                "2026-11-16T00:00:00Z",
                "2026-11-23T00:00:00Z",
                "2026-11-30T00:00:00Z"
            ]
        );
        let (_, body) = get(
            &app,
            &tok,
            &format!(
                "{T}/metrics?from=2026-10-15T00:00:00Z&to=2026-11-30T00:00:00Z&interval=month"
            ),
        )
        .await;
        assert_eq!(
            body["series"],
            json!([
                {"bucket": "2026-10-01T00:00:00Z", "total": 0, "active": 0, "assigned": 0},
                {"bucket": "2026-11-01T00:00:00Z", "total": 5, "active": 4, "assigned": 1},
            ])
        );

        for q in [
            "",
            "from=2026-11-21T00:00:00Z",
            "from=yesterday&to=2026-11-21T00:00:00Z",
            "from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z",
            "from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&interval=hour",
            "from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        ] {
            let (s, body) = get(&app, &tok, &format!("{T}/metrics?{q}")).await;
            assert_eq!(
                (s, code(&body)),
                (StatusCode::BAD_REQUEST, "invalid_date_range"),
                "{q}"
            );
        }
        let (s, body) = get(
            &app,
            &tok,
            &format!("{T}/metrics?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&tenant_id=x"),
        )
        .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_filter")
        );
        app.finish().await;
    }
}

async fn insert_op(app: &TestApp, terminal: &str, status: &str, mode: &str, total: i64, at: i64) {
    let id = uuid::Uuid::new_v4().to_string();
    operations::ActiveModel {
        id: Set(id),
        op_type: Set("ONLINE".into()),
        status: Set(status.into()),
        pan_hash: Set("0".repeat(64)),
        masked_pan: Set("541234******1234".into()),
        bin: Set("541234".into()),
        last4: Set("1234".into()),
        terminal_id: Set(Some(terminal.into())),
        entry_mode: Set(mode.into()),
        cardholder_paid: Set(total > 0),
        free_entry: Set(total == 0),
        free_adult_guests: Set(0),
        paid_adult_guests: Set(0),
        free_child_guests: Set(0),
        paid_child_guests: Set(0),
        total_minor: Set(total),
        over_limit: Set(false),
        requested_at: Set(at),
        occurred_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&app.backend.db)
    .await
    .expect("insert operation");
}

#[tokio::test]
async fn analytics_come_from_operations_and_collections() {
    for app in TestApp::each().await {
        let tok = app.admin_token().await;
        let ids = terminal_ids(&app, &tok).await;
        let wire_id = ids[demo::READY_TERMINAL].clone();
        let tid = bare(&wire_id).to_owned();
        let day = 86_400_000i64;
        let d0 = common::start_time().timestamp_millis(); // 2026-11-22T10:00Z
        insert_op(&app, &tid, "COMPLETED", "CONTACTLESS", 1500, d0).await;
        insert_op(&app, &tid, "COMPLETED", "CHIP", 2500, d0 + 1000).await;
        insert_op(&app, &tid, "REJECTED", "CHIP", 0, d0 + 2000).await;
        insert_op(&app, &tid, "PENDING", "CHIP", 900, d0 + 3000).await;
        insert_op(&app, &tid, "COMPLETED", "CHIP", 4000, d0 + day).await;
        insert_op(&app, &tid, "REVERSED", "CONTACTLESS", 700, d0 + day).await;
        // Another terminal's rows do not count.
        insert_op(
            &app,
            bare(&ids["PAX-A920-DEMO0002"]),
            "COMPLETED",
            "CHIP",
            99999,
            d0,
        )
        .await;

        // A collection that completed, one that lapsed, one still pending.
        assign_business(&app, &tok, &wire_id, "biz_1", "Shop").await;
        let (s, c1) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{T}/{wire_id}/prepare-collection"),
            json!({"amount": 50000, "reference": "INV-1"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{c1}");
        let mut done: collection_sessions::ActiveModel = collection_sessions::Entity::find_by_id(
            bare(c1["session_id"].as_str().unwrap()).to_owned(),
        )
        .one(&app.backend.db)
        .await
        .unwrap()
        .unwrap()
        .into();
        done.status = Set("completed".into());
        done.channel = Set(Some("va_pos_payment".into()));
        done.completed_at = Set(Some(d0 + 60_000));
        done.update(&app.backend.db).await.unwrap();
        let (s, _) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{T}/{wire_id}/prepare-collection"),
            json!({"amount": 7000, "expires_in_minutes": 1}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        app.clock
            .advance(chrono::Duration::days(1) + chrono::Duration::hours(1));
        let tok = app.admin_token().await;
        let (s, _) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{T}/{wire_id}/prepare-collection"),
            json!({"amount": 1234}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);

        let (s, a) = get(&app, &tok, &format!(
            "{T}/{wire_id}/analytics?from=2026-11-22T00:00:00Z&to=2026-11-23T23:59:59Z&interval=day")).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        assert_eq!(a["terminal_id"], json!(wire_id));
        assert_eq!(
            a["period"],
            json!({"from": "2026-11-22T00:00:00Z", "to": "2026-11-23T23:59:59Z", "interval": "day"})
        );
        let sum = &a["summary"];
        // Operations: 3 completed (8000), rejected + reversed failed, pending ignored.
        // Collections: one completed (50000), one expired; the live one ignored.
        assert_eq!(sum["transaction_count"], 7);
        assert_eq!(sum["successful_transactions"], 4);
        assert_eq!(sum["failed_transactions"], 3);
        assert_eq!(sum["transaction_volume"], 58000);
        assert_eq!(sum["success_rate"], 57.14);
        assert_eq!(sum["average_transaction_size"], 14500);
        assert_eq!(sum["total_settled"], 58000);
        assert_eq!(sum["total_fees"], 0);
        assert_eq!(sum["last_transaction_at"], "2026-11-23T10:00:00Z");
        assert_eq!(sum["days_since_last_transaction"], 0);
        let series = a["series"].as_array().unwrap();
        assert_eq!(series.len(), 2);
        assert_eq!(series[0]["bucket"], "2026-11-22T00:00:00Z");
        assert_eq!(series[0]["transaction_count"], 5);
        assert_eq!(series[0]["successful_transactions"], 3);
        assert_eq!(series[0]["transaction_volume"], 54000);
        assert_eq!(series[0]["success_rate"], 60.0);
        assert_eq!(series[0]["average_transaction_size"], 18000);
        assert_eq!(series[0]["settled_amount"], 54000);
        assert_eq!(series[0]["fees_collected"], 0);
        assert_eq!(series[1]["transaction_count"], 2);
        assert_eq!(series[1]["failed_transactions"], 1);
        let ch = &a["by_channel"];
        assert_eq!(
            ch["nfc_purchase"],
            json!({"count": 2, "volume": 1500, "success_rate": 50.0})
        );
        assert_eq!(
            ch["card_processor"],
            json!({"count": 3, "volume": 6500, "success_rate": 66.67})
        );
        assert_eq!(
            ch["va_pos_payment"],
            json!({"count": 1, "volume": 50000, "success_rate": 100.0})
        );
        assert_eq!(ch["collection"]["count"], 1);

        // Fees from the effective configuration.
        patch_terminal(&app, &tok, &wire_id, json!({"config": {"fee_bps": 100}})).await;
        let (_, a) = get(
            &app,
            &tok,
            &format!("{T}/{wire_id}/analytics?from=2026-11-22T00:00:00Z&to=2026-11-23T23:59:59Z"),
        )
        .await;
        assert_eq!(a["summary"]["total_fees"], 580);
        assert_eq!(a["summary"]["total_settled"], 57420);

        // An empty period.
        let (_, a) = get(
            &app,
            &tok,
            &format!(
                "{T}/{}/analytics?from=2026-11-22T00:00:00Z&to=2026-11-22T23:00:00Z",
                ids["ING-MOVE5000-DEMO4"]
            ),
        )
        .await;
        assert_eq!(a["summary"]["transaction_count"], 0);
        assert_eq!(a["summary"]["success_rate"], 0.0);
        assert_eq!(a["summary"]["last_transaction_at"], Value::Null);
        assert_eq!(a["by_channel"], json!({}));

        let (s, body) = get(
            &app,
            &tok,
            &format!(
                "{T}/term_{}/analytics?from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z",
                uuid::Uuid::new_v4()
            ),
        )
        .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::NOT_FOUND, "terminal_not_found")
        );
        for q in [
            "",
            "from=2026-11-23T00:00:00Z&to=2026-11-22T00:00:00Z",
            "from=x&to=y",
            "from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z&interval=year",
        ] {
            let (s, body) = get(&app, &tok, &format!("{T}/{wire_id}/analytics?{q}")).await;
            assert_eq!(
                (s, code(&body)),
                (StatusCode::BAD_REQUEST, "invalid_date_range"),
                "{q}"
            );
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn prepare_collection_checks_the_terminal_and_expires() {
    for app in TestApp::each().await {
        let tok = app.admin_token().await;
        let ids = terminal_ids(&app, &tok).await;
        let id = ids[demo::READY_TERMINAL].clone();
        let path = format!("{T}/{id}/prepare-collection");
        let body = json!({"amount": 50000, "currency": "NGN", "reference": "INV-2025-001",
                          "description": "Payment for order #12345", "expires_in_minutes": 30,
                          "metadata": {"order_id": "12345"}});

        let (s, b) = send(&app, Method::POST, &tok, &path, body.clone()).await;
        assert_eq!(
            (s, code(&b)),
            (StatusCode::BAD_REQUEST, "terminal_unassigned")
        );
        assign_business(&app, &tok, &id, "biz_1", "Shop").await;
        patch_terminal(&app, &tok, &id, json!({"status": "suspended"})).await;
        let (s, b) = send(&app, Method::POST, &tok, &path, body.clone()).await;
        assert_eq!(
            (s, code(&b)),
            (StatusCode::BAD_REQUEST, "terminal_inactive")
        );
        patch_terminal(&app, &tok, &id, json!({"status": "active"})).await;

        let (s, first) = send(&app, Method::POST, &tok, &path, body.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{first}");
        assert!(first["session_id"].as_str().unwrap().starts_with("sess_"));
        assert_eq!(first["terminal_id"], json!(id));
        assert_eq!(first["amount"], 50000);
        assert_eq!(first["currency"], "NGN");
        assert_eq!(first["reference"], "INV-2025-001");
        assert_eq!(first["status"], "pending");
        assert_eq!(first["created_at"], "2026-11-22T10:00:00Z");
        assert_eq!(first["expires_at"], "2026-11-22T10:30:00Z");

        // Defaults; a newer session replaces the pending one; an overdue one expires.
        let (s, second) = send(
            &app,
            Method::POST,
            &tok,
            &path,
            json!({"amount": 100, "expires_in_minutes": 1}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(second["currency"], "NGN");
        assert_eq!(second["reference"], Value::Null);
        app.clock.advance(chrono::Duration::minutes(2));
        let (s, third) = send(
            &app,
            Method::POST,
            &tok,
            &path,
            json!({"amount": 200, "currency": "eur"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(third["currency"], "EUR");
        assert_eq!(third["expires_at"], "2026-11-22T10:32:00Z");
        let status_of = |v: &Value| bare(v["session_id"].as_str().unwrap()).to_owned();
        for (session, want) in [
            (&first, "cancelled"),
            (&second, "expired"),
            (&third, "pending"),
        ] {
            let row = collection_sessions::Entity::find_by_id(status_of(session))
                .one(&app.backend.db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(row.status, want);
        }

        for bad in [
            json!({}),
            json!({"amount": 0}),
            json!({"amount": -5}),
            json!({"amount": "ten"}),
            json!({"amount": 10, "currency": "EURO"}),
            json!({"amount": 10, "expires_in_minutes": 0}),
            json!({"amount": 10, "metadata": [1]}),
            json!({"amount": 10, "tip": 1}),
        ] {
            let (s, b) = send(&app, Method::POST, &tok, &path, bad.clone()).await;
            assert_eq!(
                (s, code(&b)),
                (StatusCode::BAD_REQUEST, "invalid_request"),
                "{bad}"
            );
        }
        let (s, b) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{T}/term_{}/prepare-collection", uuid::Uuid::new_v4()),
            body,
        )
        .await;
        assert_eq!((s, code(&b)), (StatusCode::NOT_FOUND, "terminal_not_found"));
        // Unassigning makes it refuse again; unassigning twice is terminal_unassigned.
        let (s, _) = app
            .call(Method::DELETE, &format!("{T}/{id}/assignment"), &tok, None)
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, b) = app
            .call(Method::DELETE, &format!("{T}/{id}/assignment"), &tok, None)
            .await;
        assert_eq!(
            (s, code(&b)),
            (StatusCode::BAD_REQUEST, "terminal_unassigned")
        );
        let (s, b) = send(&app, Method::POST, &tok, &path, json!({"amount": 1})).await;
        assert_eq!(
            (s, code(&b)),
            (StatusCode::BAD_REQUEST, "terminal_unassigned")
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn processor_mappings_create_list_set_primary_and_soft_delete() {
    for app in TestApp::each().await {
        let tok = app.admin_token().await;
        let ids = terminal_ids(&app, &tok).await;
        let id = ids[demo::READY_TERMINAL].clone();
        let other = ids["PAX-A920-DEMO0002"].clone();
        let path = format!("{T}/{id}/processors");

        let (s, list) = get(&app, &tok, &path).await;
        assert_eq!((s, list), (StatusCode::OK, json!({"processor_ids": []})));
        // The first mapping is primary even when not asked.
        let (s, nibss) = send(&app, Method::POST, &tok, &path,
            json!({"processor_code": "nibss", "processor_terminal_id": "2070LA12", "is_primary": false})).await;
        assert_eq!(s, StatusCode::CREATED, "{nibss}");
        assert!(nibss["id"].as_str().unwrap().starts_with("map_"));
        assert_eq!(nibss["processor_code"], "nibss");
        assert_eq!(nibss["processor_terminal_id"], "2070LA12");
        assert_eq!(nibss["is_primary"], true);
        assert_eq!(nibss["active"], true);
        assert!(is_rfc3339_z(&nibss["created_at"]) && is_rfc3339_z(&nibss["updated_at"]));
        let (_, d) = get(&app, &tok, &format!("{T}/{id}")).await;
        assert_eq!(d["terminal_id"], "2070LA12");

        app.clock.advance(chrono::Duration::seconds(1));
        let (s, isw) = send(&app, Method::POST, &tok, &path,
            json!({"processor_code": "INTERSWITCH", "processor_terminal_id": "ISW123456", "is_primary": true})).await;
        assert_eq!(s, StatusCode::CREATED, "{isw}");
        assert_eq!(isw["processor_code"], "interswitch");
        let (_, list) = get(&app, &tok, &path).await;
        let flags: Vec<(Value, Value)> = list["processor_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["processor_code"].clone(), m["is_primary"].clone()))
            .collect();
        assert_eq!(
            flags,
            vec![
                (json!("nibss"), json!(false)),
                (json!("interswitch"), json!(true))
            ]
        );
        let (_, d) = get(&app, &tok, &format!("{T}/{id}?include_processors=true")).await;
        assert_eq!(d["terminal_id"], "ISW123456");
        assert_eq!(
            d["processor_id"],
            "proc_5a1c0000-0000-4000-8000-000000000002"
        );
        assert_eq!(d["processor_ids"].as_array().unwrap().len(), 2);

        // Errors of create.
        for (body, want) in [
            (
                json!({"processor_code": "nibss", "processor_terminal_id": "OTHER1"}),
                "duplicate_mapping",
            ),
            (
                json!({"processor_code": "visa", "processor_terminal_id": "X1"}),
                "invalid_processor",
            ),
            (json!({"processor_terminal_id": "X1"}), "invalid_request"),
            (
                json!({"processor_code": "upsl", "processor_terminal_id": "bad id!"}),
                "invalid_request",
            ),
        ] {
            let (s, b) = send(&app, Method::POST, &tok, &path, body.clone()).await;
            assert_eq!((s, code(&b)), (StatusCode::BAD_REQUEST, want), "{body}");
        }
        let (s, b) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{T}/{other}/processors"),
            json!({"processor_code": "nibss", "processor_terminal_id": "2070LA12"}),
        )
        .await;
        assert_eq!(
            (s, code(&b)),
            (StatusCode::BAD_REQUEST, "duplicate_mapping")
        );

        // Set primary back (bare id accepted), refuse deleting the primary, delete the other.
        let nibss_id = nibss["id"].as_str().unwrap();
        let isw_id = isw["id"].as_str().unwrap();
        let (s, b) = app
            .call(
                Method::PATCH,
                &format!("{path}/{}/primary", bare(nibss_id)),
                &tok,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
        let (s, b) = app
            .call(Method::DELETE, &format!("{path}/{nibss_id}"), &tok, None)
            .await;
        assert_eq!(
            (s, code(&b)),
            (StatusCode::BAD_REQUEST, "cannot_delete_primary")
        );
        let (s, _) = app
            .call(Method::DELETE, &format!("{path}/{isw_id}"), &tok, None)
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (_, list) = get(&app, &tok, &path).await;
        let isw_row = list["processor_ids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == isw["id"])
            .unwrap()
            .clone();
        assert_eq!(isw_row["active"], false);
        assert_eq!(isw_row["is_primary"], false);
        let (_, d) = get(&app, &tok, &format!("{T}/{id}")).await;
        assert_eq!(d["terminal_id"], "2070LA12");
        // Soft-deleted: gone for every operation, and the processor can be mapped again.
        for (m, p) in [
            (Method::DELETE, format!("{path}/{isw_id}")),
            (Method::PATCH, format!("{path}/{isw_id}/primary")),
            (
                Method::PATCH,
                format!("{path}/map_{}/primary", uuid::Uuid::new_v4()),
            ),
            (Method::DELETE, format!("{T}/{other}/processors/{nibss_id}")),
            (Method::DELETE, format!("{path}/garbage")),
        ] {
            let (s, b) = app.call(m, &p, &tok, None).await;
            assert_eq!(
                (s, code(&b)),
                (StatusCode::NOT_FOUND, "mapping_not_found"),
                "{p}"
            );
        }
        let (s, _) = send(
            &app,
            Method::POST,
            &tok,
            &path,
            json!({"processor_code": "interswitch", "processor_terminal_id": "ISW123456"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, b) = get(
            &app,
            &tok,
            &format!("{T}/term_{}/processors", uuid::Uuid::new_v4()),
        )
        .await;
        assert_eq!((s, code(&b)), (StatusCode::NOT_FOUND, "terminal_not_found"));
        app.finish().await;
    }
}

async fn inv_list(app: &TestApp, tok: &str, q: &str) -> Value {
    let (s, body) = get(app, tok, &format!("{P}/nibss/terminal-ids{q}")).await;
    assert_eq!(s, StatusCode::OK, "{q}: {body}");
    body
}

async fn reserve(app: &TestApp, tok: &str, term: &str, processor: &str) -> (StatusCode, Value) {
    send(
        app,
        Method::POST,
        tok,
        &format!("{T}/{term}/processor-ids/reserve"),
        json!({"processor_code": processor}),
    )
    .await
}

async fn retire(app: &TestApp, tok: &str, inv: &str, body: Value) -> (StatusCode, Value) {
    send(
        app,
        Method::PATCH,
        tok,
        &format!("{P}/terminal-ids/{inv}/retire"),
        body,
    )
    .await
}

async fn inventory_status(app: &TestApp, inv_id: &str) -> String {
    terminal_id_inventory::Entity::find_by_id(bare(inv_id).to_owned())
        .one(&app.backend.db)
        .await
        .unwrap()
        .unwrap()
        .status
}

#[tokio::test]
async fn inventory_lifecycle_end_to_end() {
    for app in TestApp::each().await {
        let mut tok = app.admin_token().await;
        let ids = terminal_ids(&app, &tok).await;
        let a = ids[demo::READY_TERMINAL].clone();
        let b = ids["PAX-A920-DEMO0002"].clone();

        // Import: duplicates in the batch and in the pool are counted, bad IDs fail.
        let (s, imp) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{P}/nibss/terminal-ids/import"),
            json!({
            "terminal_ids": ["2070LA20", "2070LA21", "2070LA22", "2070LA20", "bad id!"],
            "batch_reference": "BATCH-2025-001", "notes": "Q1 2025 allocation from NIBSS"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{imp}");
        assert_eq!(
            (
                imp["imported"].clone(),
                imp["duplicates"].clone(),
                imp["failed"].clone()
            ),
            (json!(3), json!(1), json!(1))
        );
        assert_eq!(imp["batch_reference"], "BATCH-2025-001");
        let inv_ids: Vec<String> = imp["inventory_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(inv_ids.len(), 3);
        assert!(inv_ids.iter().all(|i| i.starts_with("inv_")));
        // By UUID and by prefixed UUID of the processor too.
        let (s, imp2) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{P}/5a1c0000-0000-4000-8000-000000000001/terminal-ids/import"),
            json!({"terminal_ids": ["2070LA20", "2070LA23"]}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            (imp2["imported"].clone(), imp2["duplicates"].clone()),
            (json!(1), json!(1))
        );
        assert_eq!(imp2["batch_reference"], Value::Null);
        let (s, imp3) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{P}/proc_5a1c0000-0000-4000-8000-000000000001/terminal-ids/import"),
            json!({"terminal_ids": ["2070LA24"]}),
        )
        .await;
        assert_eq!((s, imp3["imported"].clone()), (StatusCode::OK, json!(1)));
        let (s, b2) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{P}/visa/terminal-ids/import"),
            json!({"terminal_ids": ["X"]}),
        )
        .await;
        assert_eq!(
            (s, code(&b2)),
            (StatusCode::NOT_FOUND, "processor_not_found")
        );
        let (s, b2) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{P}/nibss/terminal-ids/import"),
            json!({"terminal_ids": []}),
        )
        .await;
        assert_eq!((s, code(&b2)), (StatusCode::BAD_REQUEST, "empty_list"));
        let (s, b2) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{P}/nibss/terminal-ids/import"),
            json!({}),
        )
        .await;
        assert_eq!((s, code(&b2)), (StatusCode::BAD_REQUEST, "empty_list"));

        // List: filters and offset paging.
        let all = inv_list(&app, &tok, "").await;
        assert_eq!(
            all["pagination"],
            json!({"limit": 50, "offset": 0, "total_count": 5})
        );
        let item = &all["data"][0];
        for k in [
            "id",
            "processor_code",
            "processor_terminal_id",
            "status",
            "batch_reference",
            "created_at",
        ] {
            assert!(item.get(k).is_some(), "{k}");
        }
        assert_eq!(
            inv_list(&app, &tok, "?search=la2").await["pagination"]["total_count"],
            5
        );
        assert_eq!(
            inv_list(&app, &tok, "?search=LA23").await["data"][0]["processor_terminal_id"],
            "2070LA23"
        );
        let page = inv_list(&app, &tok, "?limit=2&offset=4").await;
        assert_eq!(page["data"].as_array().unwrap().len(), 1);
        assert_eq!(
            page["pagination"],
            json!({"limit": 2, "offset": 4, "total_count": 5})
        );
        let mut codes = HashSet::new();
        for off in [0, 2, 4] {
            for d in inv_list(&app, &tok, &format!("?limit=2&offset={off}")).await["data"]
                .as_array()
                .unwrap()
            {
                assert!(codes.insert(d["processor_terminal_id"].as_str().unwrap().to_owned()));
            }
        }
        assert_eq!(codes.len(), 5);
        assert_eq!(
            inv_list(&app, &tok, "?status=available").await["pagination"]["total_count"],
            5
        );
        assert_eq!(
            get(&app, &tok, &format!("{P}/upsl/terminal-ids")).await.1["data"],
            json!([])
        );
        for (q, want) in [
            ("nibss/terminal-ids?status=lost", "invalid_filter"),
            ("nibss/terminal-ids?limit=0", "invalid_filter"),
            ("nibss/terminal-ids?limit=201", "invalid_filter"),
            ("nibss/terminal-ids?offset=-1", "invalid_filter"),
        ] {
            let (s, body) = get(&app, &tok, &format!("{P}/{q}")).await;
            assert_eq!((s, code(&body)), (StatusCode::BAD_REQUEST, want), "{q}");
        }
        // The path names a processor that does not exist: 404, not a bad request.
        let (s, body) = get(&app, &tok, &format!("{P}/visa/terminal-ids")).await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::NOT_FOUND, "processor_not_found")
        );

        // Reserve for A: the oldest available ID, held one hour.
        let (s, r) = reserve(&app, &tok, &a, "nibss").await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["status"], "reserved");
        assert_eq!(r["processor_code"], "nibss");
        assert_eq!(r["reserved_for_terminal_id"], json!(a));
        assert_eq!(r["reserved_at"], "2026-11-22T10:00:00Z");
        assert_eq!(r["expires_at"], "2026-11-22T11:00:00Z");
        let inv = r["inventory_id"].as_str().unwrap().to_owned();
        assert!(inv.starts_with("inv_"));
        let reserved = inv_list(&app, &tok, "?status=reserved").await;
        assert_eq!(reserved["data"][0]["reserved_for_terminal_id"], json!(a));
        let (s, e) = reserve(&app, &tok, &a, "nibss").await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "already_reserved"));
        let (s, e) = reserve(&app, &tok, &a, "interswitch").await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "no_available_ids"));
        let (s, e) = reserve(&app, &tok, &a, "visa").await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "invalid_processor")
        );
        let (s, e) = reserve(
            &app,
            &tok,
            &format!("term_{}", uuid::Uuid::new_v4()),
            "nibss",
        )
        .await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "terminal_not_found"));

        // Assign: only the terminal it is reserved for.
        let assign_path = |term: &str, inv: &str| format!("{T}/{term}/processor-ids/{inv}/assign");
        let (s, e) = app
            .call(Method::POST, &assign_path(&b, &inv), &tok, None)
            .await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "not_reserved"));
        let (s, e) = app
            .call(
                Method::POST,
                &assign_path(&a, &format!("inv_{}", uuid::Uuid::new_v4())),
                &tok,
                None,
            )
            .await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::NOT_FOUND, "inventory_not_found")
        );
        app.clock.advance(chrono::Duration::minutes(15));
        tok = app.admin_token().await; // bearer tokens live 15 minutes
        let (s, asg) = app
            .call(Method::POST, &assign_path(&a, bare(&inv)), &tok, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{asg}");
        assert_eq!(asg["inventory_id"], json!(inv));
        assert_eq!(asg["status"], "assigned");
        assert_eq!(asg["assigned_to_terminal_id"], json!(a));
        assert_eq!(asg["assigned_at"], "2026-11-22T10:15:00Z");
        let code_assigned = asg["processor_terminal_id"].as_str().unwrap().to_owned();
        let mapping_id = asg["mapping_id"].as_str().unwrap().to_owned();
        let (_, maps) = get(&app, &tok, &format!("{T}/{a}/processors")).await;
        assert_eq!(maps["processor_ids"][0]["id"], json!(mapping_id));
        assert_eq!(
            maps["processor_ids"][0]["processor_terminal_id"],
            json!(code_assigned)
        );
        assert_eq!(maps["processor_ids"][0]["is_primary"], true);
        let (_, d) = get(&app, &tok, &format!("{T}/{a}")).await;
        assert_eq!(d["terminal_id"], json!(code_assigned));
        let listed = inv_list(&app, &tok, "?status=assigned").await;
        assert_eq!(listed["data"][0]["assigned_to_terminal_id"], json!(a));
        assert_eq!(listed["data"][0]["mapping_id"], json!(mapping_id));
        let (s, e) = app
            .call(Method::POST, &assign_path(&a, &inv), &tok, None)
            .await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "not_reserved"));
        // The terminal now has a nibss ID: no second reservation.
        let (s, e) = reserve(&app, &tok, &a, "nibss").await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "duplicate_mapping")
        );

        // Assigned: retire refused, release returns it and drops the mapping.
        let release_path = |inv: &str| format!("{P}/terminal-ids/{inv}/release");
        let (s, e) = retire(&app, &tok, &inv, json!({"reason": "x"})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "currently_assigned")
        );
        let (s, rel) = send(
            &app,
            Method::POST,
            &tok,
            &release_path(&inv),
            json!({"reason": "Terminal decommissioned"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{rel}");
        assert_eq!(
            rel,
            json!({"inventory_id": inv, "processor_terminal_id": code_assigned,
                               "status": "available", "released_at": "2026-11-22T10:15:00Z"})
        );
        let (_, maps) = get(&app, &tok, &format!("{T}/{a}/processors")).await;
        assert_eq!(maps["processor_ids"][0]["active"], false);
        let (_, d) = get(&app, &tok, &format!("{T}/{a}")).await;
        assert_eq!(d["terminal_id"], Value::Null);
        let (s, e) = app
            .call(Method::POST, &release_path(&inv), &tok, None)
            .await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "already_available")
        );

        // Retire an available ID: permanent.
        let (s, e) = retire(&app, &tok, &inv, json!({})).await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "invalid_request"));
        let (s, ret) = retire(
            &app,
            &tok,
            &inv,
            json!({"reason": "Revoked by NIBSS due to compliance issue"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{ret}");
        assert_eq!(
            ret,
            json!({"inventory_id": inv, "processor_terminal_id": code_assigned, "status": "retired",
                               "retired_at": "2026-11-22T10:15:00Z",
                               "retired_reason": "Revoked by NIBSS due to compliance issue"})
        );
        let (s, e) = retire(&app, &tok, &inv, json!({"reason": "again"})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "invalid_transition")
        );
        let (s, e) = app
            .call(Method::POST, &release_path(&inv), &tok, None)
            .await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "invalid_transition")
        );
        let (s, e) = app
            .call(Method::POST, &assign_path(&a, &inv), &tok, None)
            .await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "not_reserved"));
        assert_eq!(
            inv_list(&app, &tok, "?status=retired").await["data"][0]["retired_reason"],
            "Revoked by NIBSS due to compliance issue"
        );
        for p in [
            release_path("inv_00000000-0000-4000-8000-000000000000"),
            release_path("nope"),
        ] {
            let (s, e) = app.call(Method::POST, &p, &tok, None).await;
            assert_eq!(
                (s, code(&e)),
                (StatusCode::NOT_FOUND, "inventory_not_found")
            );
        }
        let (s, e) = retire(&app, &tok, "nope", json!({"reason": "x"})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::NOT_FOUND, "inventory_not_found")
        );

        // A reservation can be released, and a live one cannot be retired.
        let (s, r) = reserve(&app, &tok, &b, "nibss").await;
        assert_eq!(s, StatusCode::OK);
        let rb = r["inventory_id"].as_str().unwrap().to_owned();
        assert_ne!(rb, inv, "a retired ID is never reserved");
        let (s, e) = retire(&app, &tok, &rb, json!({"reason": "x"})).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "invalid_transition")
        );
        let (s, rel) = app.call(Method::POST, &release_path(&rb), &tok, None).await;
        assert_eq!(
            (s, rel["status"].clone()),
            (StatusCode::OK, json!("available"))
        );

        // An expired reservation returns to available and cannot be assigned.
        let (s, r) = reserve(&app, &tok, &b, "nibss").await;
        assert_eq!(s, StatusCode::OK);
        let rb = r["inventory_id"].as_str().unwrap().to_owned();
        app.clock.advance(chrono::Duration::minutes(61));
        tok = app.admin_token().await;
        let (s, e) = app
            .call(Method::POST, &assign_path(&b, &rb), &tok, None)
            .await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "reservation_expired")
        );
        assert_eq!(
            inv_list(&app, &tok, "?status=reserved").await["pagination"]["total_count"],
            0
        );
        assert_eq!(inventory_status(&app, &rb).await, "available");
        let row = inv_list(
            &app,
            &tok,
            &format!("?search={}", r["processor_terminal_id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(row["data"][0]["status"], "available");
        assert!(row["data"][0].get("reserved_for_terminal_id").is_none());
        let (s, e) = app
            .call(Method::POST, &assign_path(&b, &rb), &tok, None)
            .await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "reservation_expired")
        );
        let (s, e) = app.call(Method::POST, &release_path(&rb), &tok, None).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::BAD_REQUEST, "already_available")
        );
        // Reserved again, it can be assigned; deleting its (non-primary) mapping frees it.
        let (s, r) = reserve(&app, &tok, &b, "nibss").await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let rb = r["inventory_id"].as_str().unwrap().to_owned();
        let (s, _) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{T}/{b}/processors"),
            json!({"processor_code": "upsl", "processor_terminal_id": "U1"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, asg) = app
            .call(Method::POST, &assign_path(&b, &rb), &tok, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{asg}");
        let m = asg["mapping_id"].as_str().unwrap();
        let (s, _) = app
            .call(
                Method::DELETE,
                &format!("{T}/{b}/processors/{m}"),
                &tok,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(inventory_status(&app, &rb).await, "available");
        app.finish().await;
    }
}

/// Two admins at once: the server runs on a multi-threaded runtime, so the requests really
/// overlap; the database decides, not a lock in this process.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reservations_of_the_last_id_have_one_winner() {
    for app in TestApp::each().await {
        let tok = app.admin_token().await;
        let ids = terminal_ids(&app, &tok).await;
        let serials = [
            "PAX-A920-DEMO0002",
            "PAX-A920-DEMO0003",
            "ING-MOVE5000-DEMO4",
            "ING-MOVE5000-DEMO5",
        ];
        for round in 0..3 {
            let (s, _) = send(
                &app,
                Method::POST,
                &tok,
                &format!("{P}/upsl/terminal-ids/import"),
                json!({"terminal_ids": [format!("LAST{round}")]}),
            )
            .await;
            assert_eq!(s, StatusCode::OK);
            // Two different terminals race for the one available ID.
            let x = &ids[serials[round % 2 * 2]];
            let y = &ids[serials[round % 2 * 2 + 1]];
            let body = json!({"processor_code": "upsl"});
            let path_x = format!("{T}/{x}/processor-ids/reserve");
            let path_y = format!("{T}/{y}/processor-ids/reserve");
            let (r1, r2) = tokio::join!(
                send(&app, Method::POST, &tok, &path_x, body.clone()),
                send(&app, Method::POST, &tok, &path_y, body.clone()),
            );
            let mut outcomes = vec![
                (r1.0, code(&r1.1).to_owned()),
                (r2.0, code(&r2.1).to_owned()),
            ];
            outcomes.sort();
            assert_eq!(
                outcomes,
                vec![
                    (StatusCode::OK, String::new()),
                    (StatusCode::NOT_FOUND, "no_available_ids".to_owned())
                ],
                "round {round}: {} / {}",
                r1.1,
                r2.1
            );
            let (_, listed) = get(
                &app,
                &tok,
                &format!("{P}/upsl/terminal-ids?status=reserved"),
            )
            .await;
            assert_eq!(listed["pagination"]["total_count"], 1);
            // Free the winner's terminal for the next rounds.
            let winner = if r1.0 == StatusCode::OK { &r1.1 } else { &r2.1 };
            let (s, _) = send(
                &app,
                Method::PATCH,
                &tok,
                &format!(
                    "{P}/terminal-ids/{}/retire",
                    winner["inventory_id"].as_str().unwrap()
                ),
                json!({"reason": "test"}),
            )
            .await;
            assert_eq!(
                s,
                StatusCode::BAD_REQUEST,
                "a live reservation is not retired"
            );
            let (s, _) = app
                .call(
                    Method::POST,
                    &format!(
                        "{P}/terminal-ids/{}/release",
                        winner["inventory_id"].as_str().unwrap()
                    ),
                    &tok,
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK);
            let (s, _) = send(
                &app,
                Method::PATCH,
                &tok,
                &format!(
                    "{P}/terminal-ids/{}/retire",
                    winner["inventory_id"].as_str().unwrap()
                ),
                json!({"reason": "used up"}),
            )
            .await;
            assert_eq!(s, StatusCode::OK);
        }
        // The same terminal asking twice at once gets one reservation.
        let (s, _) = send(
            &app,
            Method::POST,
            &tok,
            &format!("{P}/upsl/terminal-ids/import"),
            json!({"terminal_ids": ["TWIN1", "TWIN2"]}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let x = &ids[demo::READY_TERMINAL];
        let body = json!({"processor_code": "upsl"});
        let path_x = format!("{T}/{x}/processor-ids/reserve");
        let (r1, r2) = tokio::join!(
            send(&app, Method::POST, &tok, &path_x, body.clone()),
            send(&app, Method::POST, &tok, &path_x, body.clone()),
        );
        let mut outcomes = vec![
            (r1.0, code(&r1.1).to_owned()),
            (r2.0, code(&r2.1).to_owned()),
        ];
        outcomes.sort();
        assert_eq!(
            outcomes,
            vec![
                (StatusCode::OK, String::new()),
                (StatusCode::BAD_REQUEST, "already_reserved".to_owned())
            ]
        );
        app.finish().await;
    }
}

/// Every fleet endpoint, with a body where it takes one.
fn endpoints(term: &str) -> Vec<(Method, String, Option<Value>)> {
    let inv = format!("inv_{}", uuid::Uuid::new_v4());
    let map = format!("map_{}", uuid::Uuid::new_v4());
    vec![
        (Method::GET, T.to_owned(), None),
        (
            Method::GET,
            format!("{T}/metrics?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z"),
            None,
        ),
        (Method::GET, format!("{T}/{term}"), None),
        (
            Method::PATCH,
            format!("{T}/{term}"),
            Some(json!({"status": "suspended"})),
        ),
        (
            Method::PUT,
            format!("{T}/{term}/assignment"),
            Some(json!({"business_id": "b", "business_name": "B"})),
        ),
        (Method::DELETE, format!("{T}/{term}/assignment"), None),
        (
            Method::GET,
            format!("{T}/{term}/analytics?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z"),
            None,
        ),
        (
            Method::POST,
            format!("{T}/{term}/prepare-collection"),
            Some(json!({"amount": 1})),
        ),
        (Method::GET, format!("{T}/{term}/processors"), None),
        (
            Method::POST,
            format!("{T}/{term}/processors"),
            Some(json!({"processor_code": "nibss", "processor_terminal_id": "R1"})),
        ),
        (
            Method::PATCH,
            format!("{T}/{term}/processors/{map}/primary"),
            None,
        ),
        (Method::DELETE, format!("{T}/{term}/processors/{map}"), None),
        (
            Method::POST,
            format!("{T}/{term}/processor-ids/reserve"),
            Some(json!({"processor_code": "nibss"})),
        ),
        (
            Method::POST,
            format!("{T}/{term}/processor-ids/{inv}/assign"),
            None,
        ),
        (
            Method::POST,
            format!("{P}/nibss/terminal-ids/import"),
            Some(json!({"terminal_ids": ["R1"]})),
        ),
        (Method::GET, format!("{P}/nibss/terminal-ids"), None),
        (
            Method::POST,
            format!("{P}/terminal-ids/{inv}/release"),
            None,
        ),
        (
            Method::PATCH,
            format!("{P}/terminal-ids/{inv}/retire"),
            Some(json!({"reason": "r"})),
        ),
    ]
}

#[tokio::test]
async fn only_admins_with_a_valid_token_get_in() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let term = terminal_ids(&app, &admin).await[demo::READY_TERMINAL].clone();
        let others = [
            app.token("user@demo.example", &app.others_password).await,
            app.token("provider@demo.example", &app.others_password)
                .await,
            app.token("issuer@demo.example", &app.others_password).await,
            app.token("callcenter@demo.example", &app.others_password)
                .await,
        ];
        for (method, path, body) in endpoints(&term) {
            // No token, or a bad one: 401.
            let mut req = app.http.request(method.clone(), app.url(&path));
            if let Some(b) = &body {
                req = req.json(b);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
            let b: Value = resp.json().await.unwrap();
            assert_eq!(code(&b), "unauthorized");
            let (s, b) = app
                .call(method.clone(), &path, "not-a-token", body.clone())
                .await;
            assert_eq!(
                (s, code(&b)),
                (StatusCode::UNAUTHORIZED, "unauthorized"),
                "{method} {path}"
            );
            // Other roles: 403 forbidden, even with a malformed request.
            for tok in &others {
                let (s, b) = app.call(method.clone(), &path, tok, body.clone()).await;
                assert_eq!(
                    (s, code(&b)),
                    (StatusCode::FORBIDDEN, "forbidden"),
                    "{method} {path}"
                );
                let (s, b) = app
                    .call(
                        method.clone(),
                        &format!("{path}?page_size=9999"),
                        tok,
                        Some(json!([])),
                    )
                    .await;
                assert_eq!(
                    (s, code(&b)),
                    (StatusCode::FORBIDDEN, "forbidden"),
                    "{method} {path}"
                );
            }
        }
        // Nothing changed for the refused calls.
        let (_, d) = get(&app, &admin, &format!("{T}/{term}")).await;
        assert_eq!(d["status"], "active");
        // An admin token expires like any bearer token.
        app.clock.advance(chrono::Duration::hours(1));
        let (s, b) = get(&app, &admin, T).await;
        assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "unauthorized"));
        app.finish().await;
    }
}
