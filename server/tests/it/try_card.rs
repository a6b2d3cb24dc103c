//! "Try a card" (`POST /api/v1/admin/try-card`): the real engine explained, nothing recorded,
//! the clear card number never returned, only unscoped roles.

use crate::common;

use backend::demo::{self, LOC_BER_LOUNGE, LOC_WAW_LOUNGE};
use backend::demo_world::{CARD_NO_RULES, CARD_WORLD, RULESET_WORLD};
use backend::entity::{audit_log, card_holds, operations};
use common::pos::paired;
use common::TestApp;
use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

const PATH: &str = "/api/v1/admin/try-card";

async fn try_card(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::POST, PATH, token, Some(body)).await
}

fn steps(v: &Value) -> &Vec<Value> {
    v["steps"].as_array().expect("steps")
}

fn field_errors(v: &Value) -> Vec<String> {
    v["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Rows that could have been written by a decision: operations, card holds, audit entries.
async fn recorded(app: &TestApp) -> (u64, u64, u64) {
    let db = &app.backend.db;
    (
        operations::Entity::find().count(db).await.unwrap(),
        card_holds::Entity::find().count(db).await.unwrap(),
        audit_log::Entity::find().count(db).await.unwrap(),
    )
}

#[tokio::test]
async fn explains_a_grant_and_records_nothing() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let before = recorded(&app).await;

        let (s, r) = try_card(
            &app,
            &admin,
            json!({"pan": CARD_WORLD, "location_id": LOC_WAW_LOUNGE}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{}: {r}", app.db.name());
        assert!(!r.to_string().contains(CARD_WORLD), "clear PAN in {r}");
        assert_eq!(r["masked_pan"], "541234******1232");
        assert_eq!(r["location_id"], LOC_WAW_LOUNGE);
        assert!(r["location_name"].as_str().unwrap().len() > 3, "{r}");
        // The test clock's now.
        assert_eq!(r["at"], common::start_time().to_rfc3339());
        assert_eq!(r["granted"], true);
        assert_eq!(r["ruleset_id"], RULESET_WORLD);
        assert_eq!(r["ruleset"], "World lounge access v1");
        let outcome = r["outcome"].as_str().unwrap();
        assert!(
            outcome.starts_with("GRANTED under \"World lounge access v1\": free entry"),
            "{outcome}"
        );
        let details = r["details"].to_string();
        assert!(details.contains("free 2, paid unlimited"), "{details}");
        assert!(
            details.contains("Adult guests: up to 2 on this entry (free 1, paid 5 at 25.00 EUR)"),
            "{details}"
        );
        assert!(details.contains("under 6 free"), "{details}");
        let st = steps(&r);
        assert!(
            st.iter().any(|s| s["ruleset"] == "World lounge access v1"
                && s["step"] == "Ruleset matches"
                && s["passed"] == true),
            "{r}"
        );
        let last = st.last().unwrap();
        assert_eq!(last["step"], "Decision");
        assert_eq!(last["passed"], true);

        // At an instant: before the demo rulesets' validity, none applies.
        let (s, r) = try_card(
            &app,
            &admin,
            json!({"pan": CARD_WORLD, "location_id": LOC_WAW_LOUNGE, "at": "2024-06-01T10:00"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["at"], "2024-06-01T10:00:00+00:00");
        assert_eq!(r["granted"], false, "{r}");
        assert_eq!(r["reject_code"], "MISSING_ACCESS_RULES");

        // Nothing recorded but the audit of each try (access to card data, `card.try`): a real
        // tap still gets the first of three free visits.
        let after = recorded(&app).await;
        assert_eq!((after.0, after.1), (before.0, before.1));
        assert_eq!(after.2, before.2 + 2, "one card.try audit entry per try");
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let g = t
            .check(CARD_WORLD, "CONTACTLESS")
            .await
            .expect("check_entry");
        assert_eq!(g["status"], "GRANTED", "{g}");
        assert_eq!(g["remainingVisits"]["free"], 2, "{g}");
        assert_eq!(
            operations::Entity::find()
                .count(&app.backend.db)
                .await
                .unwrap(),
            before.0 + 1
        );

        // With that grant open, trying explains the block.
        let (s, r) = try_card(
            &app,
            &admin,
            json!({"pan": CARD_WORLD, "location_id": LOC_WAW_LOUNGE, "at": ""}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["reject_code"], "TEMPORARILY_BLOCKED", "{r}");
        assert!(steps(&r)
            .iter()
            .any(|s| s["step"] == "Open grant" && s["passed"] == false));
        app.finish().await;
    }
}

#[tokio::test]
async fn explains_rejections() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;

        // A card no ruleset covers.
        let (s, r) = try_card(
            &app,
            &admin,
            json!({"pan": CARD_NO_RULES, "location_id": LOC_WAW_LOUNGE}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{}: {r}", app.db.name());
        assert!(!r.to_string().contains(CARD_NO_RULES), "clear PAN in {r}");
        assert_eq!(r["granted"], false);
        assert_eq!(r["reject_code"], "MISSING_ACCESS_RULES");
        let outcome = r["outcome"].as_str().unwrap();
        assert!(
            outcome.starts_with("REJECTED: MISSING_ACCESS_RULES — no active ruleset"),
            "{outcome}"
        );
        let last = steps(&r).last().unwrap().clone();
        assert_eq!(last["step"], "Decision");
        assert_eq!(last["passed"], false);
        assert!(
            last["detail"]
                .as_str()
                .unwrap()
                .contains("no active ruleset covers this card"),
            "{last}"
        );

        // A covered card at a location its ruleset doesn't cover: the failed condition.
        let (s, r) = try_card(
            &app,
            &admin,
            json!({"pan": CARD_WORLD, "location_id": LOC_BER_LOUNGE}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["granted"], false);
        let failed = steps(&r)
            .iter()
            .find(|s| s["ruleset"] == "World lounge access v1" && s["passed"] == false)
            .unwrap_or_else(|| panic!("no failed step in {r}"))
            .clone();
        assert_eq!(failed["step"], "Location", "{failed}");
        assert_eq!(failed["ruleset_id"], RULESET_WORLD);
        assert!(
            failed["detail"].as_str().unwrap().contains("DEU"),
            "{failed}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn field_errors_at_the_edge() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        for (body, field) in [
            (json!({"pan": "1234", "location_id": LOC_WAW_LOUNGE}), "pan"),
            // Luhn.
            (
                json!({"pan": "5412345678901233", "location_id": LOC_WAW_LOUNGE}),
                "pan",
            ),
            (json!({"pan": "", "location_id": LOC_WAW_LOUNGE}), "pan"),
            (
                json!({"pan": CARD_WORLD, "location_id": "00000000-0000-4000-8000-00000000ffff"}),
                "location_id",
            ),
            (json!({"pan": CARD_WORLD, "location_id": ""}), "location_id"),
            (
                json!({"pan": CARD_WORLD, "location_id": LOC_WAW_LOUNGE, "at": "tomorrow"}),
                "at",
            ),
        ] {
            let (s, r) = try_card(&app, &admin, body.clone()).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {r}");
            assert_eq!(r["error"]["code"], "invalid_request");
            assert_eq!(field_errors(&r), vec![field.to_owned()], "{body} → {r}");
            assert!(!r.to_string().contains("541234567890123"), "{r}");
        }
        // Every problem at once.
        let (s, r) = try_card(
            &app,
            &admin,
            json!({"pan": "x", "location_id": "nowhere", "at": "soon"}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_errors(&r), vec!["pan", "location_id", "at"], "{r}");
        // Spaces in the number are fine.
        let (s, r) = try_card(
            &app,
            &admin,
            json!({"pan": "5412 3456 7890 1232", "location_id": LOC_WAW_LOUNGE}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        // A body that is not the input is refused without being quoted back.
        let (s, r) = try_card(
            &app,
            &admin,
            json!({"pan": 5412345678901232u64, "location_id": LOC_WAW_LOUNGE}),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{r}");
        assert_eq!(field_errors(&r), vec!["body"]);
        assert!(!r.to_string().contains(CARD_WORLD), "{r}");
        app.finish().await;
    }
}

#[tokio::test]
async fn only_unscoped_roles() {
    for app in TestApp::each().await {
        let body = json!({"pan": CARD_WORLD, "location_id": LOC_WAW_LOUNGE});
        for (email, expect) in [
            ("issuer@demo.example", StatusCode::FORBIDDEN),
            ("provider@demo.example", StatusCode::FORBIDDEN),
            ("callcenter@demo.example", StatusCode::OK),
            ("user@demo.example", StatusCode::OK),
        ] {
            let token = app.token(email, &app.others_password).await;
            let (s, r) = try_card(&app, &token, body.clone()).await;
            assert_eq!(s, expect, "{}: {email} → {r}", app.db.name());
            if expect == StatusCode::FORBIDDEN {
                assert_eq!(r["error"]["code"], "forbidden", "{r}");
            }
        }
        // Scoped roles are refused before their input is looked at.
        let issuer = app.token("issuer@demo.example", &app.others_password).await;
        let (s, _) = try_card(&app, &issuer, json!({"pan": "1", "location_id": ""})).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = try_card(&app, "not-a-token", body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        app.finish().await;
    }
}

/// The panel's server function (form-encoded, as `ActionForm` posts it) and the two pages
/// that carry the box.
#[tokio::test]
async fn panel_server_function_and_pages() {
    for app in TestApp::each().await {
        let cookie = app.admin_cookie().await;
        let call = |pan: &str| {
            app.http
                .post(app.url("/api/fn/try_card"))
                .header("cookie", cookie.clone())
                .header("accept", "application/json")
                .form(&[
                    ("input[pan]", pan),
                    ("input[location_id]", LOC_WAW_LOUNGE),
                    ("input[at]", ""),
                ])
                .send()
        };
        let resp = call(CARD_WORLD).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{}", app.db.name());
        let r: Value = resp.json().await.unwrap();
        assert_eq!(r["granted"], true, "{r}");
        assert!(!r.to_string().contains(CARD_WORLD));
        let resp = call("1234").await.unwrap();
        assert!(resp.status().is_client_error() || resp.status().is_server_error());
        let e: Value = resp.json().await.unwrap();
        assert_eq!(e["Validation"][0]["field"], "pan", "{e}");

        for path in [
            format!("/locations/{LOC_WAW_LOUNGE}"),
            format!("/rules/{RULESET_WORLD}"),
        ] {
            let resp = app
                .http
                .get(app.url(&path))
                .header("cookie", cookie.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{path}");
            assert!(resp.text().await.unwrap().contains("<h1"), "{path}");
        }
        app.finish().await;
    }
}
