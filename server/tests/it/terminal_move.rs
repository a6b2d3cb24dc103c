//! Moving a terminal between locations and unassigning it (issue 19), through the panel's
//! server function, the fleet API and the admin API — one service behind all three — with a
//! real RS256 terminal: a moved terminal's entries land at its new location; an unassigned
//! one's checks answer `UNKNOWN_DEVICE` and its offline lists are empty.

use crate::common;

use access_core::domain::{BinRange, CardholderTerms, GuestTerms, Limit, LocationScope};
use backend::entity::{bin_ranges, operations, terminals};
use common::pos::paired;
use common::{luhn, TestApp};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};

async fn new_location(app: &TestApp, admin: &str, name: &str) -> String {
    let (s, body) = app
        .call(
            Method::POST,
            "/api/v1/admin/locations",
            admin,
            Some(
                json!({"name": name, "country": "NLD", "service_code": "LOUNGE",
                        "postal_code": "1011", "city": "Amsterdam"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Free unlimited entries for BIN 473300 at both locations.
async fn free_at(app: &TestApp, locs: &[&str]) {
    bin_ranges::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        bin_from: Set("473300".into()),
        bin_to: Set("473300".into()),
        ica: Set("4733".into()),
        issuer_name: Set("Move Bank".into()),
        issuer_country: Set("NLD".into()),
        product_code: Set("MCS".into()),
        created_at: Set(0),
    }
    .insert(&app.backend.db)
    .await
    .unwrap();
    let mut r = backend::demo_world::demo_rulesets(common::start_time()).remove(0);
    r.id = uuid::Uuid::new_v4();
    r.name = "move".into();
    r.issuer_country = None;
    r.product_codes = vec![];
    r.bin_ranges = vec![BinRange {
        ica: "4733".into(),
        from: "473300".into(),
        to: "473300".into(),
    }];
    r.locations = LocationScope::Locations {
        ids: locs
            .iter()
            .map(|l| uuid::Uuid::parse_str(l).unwrap())
            .collect(),
    };
    r.services = vec!["LOUNGE".into()];
    r.total_usage = None;
    r.spend = None;
    r.enrolled_only = false;
    r.cardholder = CardholderTerms {
        free: Some(Limit::Unlimited),
        paid: None,
        period_days: None,
        per_location_cap: None,
    };
    r.adults = GuestTerms::none();
    r.children = GuestTerms::none();
    r.child_free_under_age = None;
    backend::repo::rulesets::save_version(&app.backend.db, &r, None, "test", 0)
        .await
        .unwrap();
}

/// Check and confirm a card: the operation's stored location.
async fn enter(app: &TestApp, t: &server::sim::Terminal, n: u32) -> (Value, Option<String>) {
    let g = t
        .check(&luhn(&format!("473300{n:09}")), "CONTACTLESS")
        .await
        .unwrap();
    let id = g["accessId"].as_str().unwrap().to_owned();
    if g["status"] == "GRANTED" {
        let c = t.confirm(&id, 0, 0).await.unwrap();
        assert_eq!(c["status"], "COMPLETED", "{c}");
    }
    let op = operations::Entity::find_by_id(id)
        .one(&app.backend.db)
        .await
        .unwrap()
        .unwrap();
    (g, op.location_id)
}

async fn fleet_move(app: &TestApp, admin: &str, fleet_id: &str, to: Value) -> (StatusCode, Value) {
    app.call(
        Method::PUT,
        &format!("/api/v1/admin/pos-terminals/{fleet_id}/location"),
        admin,
        Some(json!({ "location_id": to })),
    )
    .await
}

#[tokio::test]
async fn a_moved_terminal_enters_at_its_new_location_an_unassigned_one_is_unknown() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let a = new_location(&app, &admin, "Lounge A").await;
        let b = new_location(&app, &admin, "Lounge B").await;
        free_at(&app, &[&a, &b]).await;
        let t = paired(&app, &admin, &a, "MOVE-01", 0).await;
        let row = terminals::Entity::find()
            .filter(terminals::Column::SerialNumber.eq("MOVE-01"))
            .one(&app.backend.db)
            .await
            .unwrap()
            .unwrap();
        let fleet_id = format!("term_{}", row.id);

        let (g, at) = enter(&app, &t, 1).await;
        assert_eq!(g["location"]["id"], a.as_str(), "{name}: {g}");
        assert_eq!(at.as_deref(), Some(a.as_str()));

        // The panel's "Move to…" (a server function, as the browser posts it).
        let cookie = app.admin_cookie().await;
        let resp = app
            .http
            .post(app.url("/api/fn/locations/move-terminal"))
            .header("cookie", &cookie)
            .header("accept", "application/json")
            .form(&[
                ("location_id", a.as_str()),
                ("serial_number", "MOVE-01"),
                ("to", b.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{name}: {}", resp.status());
        let (g, at) = enter(&app, &t, 2).await;
        assert_eq!(g["location"]["id"], b.as_str(), "{name}: {g}");
        assert_eq!(at.as_deref(), Some(b.as_str()), "{name}");

        // The fleet API: back to A (its pairing stays: the same terminal key still works).
        let (s, body) = fleet_move(&app, &admin, &fleet_id, json!(a)).await;
        assert_eq!(s, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["location_id"], a.as_str(), "{name}: {body}");
        let (g, at) = enter(&app, &t, 3).await;
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        assert_eq!(at.as_deref(), Some(a.as_str()), "{name}");

        // Unassigned (fleet API): UNKNOWN_DEVICE, and empty offline lists.
        let (s, body) = fleet_move(&app, &admin, &fleet_id, Value::Null).await;
        assert_eq!(s, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["location_id"], Value::Null);
        let (g, at) = enter(&app, &t, 4).await;
        assert_eq!(g["status"], "REJECTED", "{name}: {g}");
        assert_eq!(g["code"], "UNKNOWN_DEVICE", "{name}: {g}");
        assert_eq!(at, None);
        let (s, list) = t
            .request(Method::GET, "/pos/fallback_bin_ranges", None)
            .await
            .unwrap();
        assert_eq!((s, list["ranges"].clone()), (200, json!([])), "{name}");

        // The panel's "Unassign" works the same way; then the admin API assigns it again.
        let (s, _) = app
            .call(
                Method::PUT,
                "/api/v1/admin/terminals/MOVE-01/location",
                &admin,
                Some(json!({"location_id": b})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let resp = app
            .http
            .post(app.url("/api/fn/locations/move-terminal"))
            .header("cookie", &cookie)
            .header("accept", "application/json")
            .form(&[
                ("location_id", b.as_str()),
                ("serial_number", "MOVE-01"),
                ("to", ""),
            ])
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{name}: {}", resp.status());
        let (g, _) = enter(&app, &t, 5).await;
        assert_eq!(g["code"], "UNKNOWN_DEVICE", "{name}: {g}");

        // Errors: an unknown location names the field; an unknown terminal is 404.
        let (s, body) = fleet_move(&app, &admin, &fleet_id, json!(uuid::Uuid::new_v4())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert_eq!(
            body["error"]["fields"][0]["field"], "location_id",
            "{name}: {body}"
        );
        let unknown = format!("term_{}", uuid::Uuid::new_v4());
        let (s, body) = fleet_move(&app, &admin, &unknown, json!(a)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{name}: {body}");
        // The moves are audited and recorded as terminal events.
        let (s, audit) = app
            .call(
                Method::GET,
                "/api/v1/admin/audit-log?action=terminal.move",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(audit["total"], 5, "{name}: {audit}");
        app.finish().await;
    }
}
