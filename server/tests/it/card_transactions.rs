//! Card transactions (the MRS feed's stand-in) through HTTP: CSV import and the JSON batch, the
//! PAN stored only as its hash, all or nothing, idempotent by `external_id`, the role check, and
//! the spend rule at `/pos/check_entry` seeing what was loaded.

use crate::common;

use backend::demo::LOC_BER_LOUNGE;
use backend::entity::{audit_log, card_transactions};
use common::pos::paired;
use common::TestApp;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};

const BATCH: &str = "/api/v1/admin/card-transactions";
const IMPORT: &str = "/api/v1/admin/card-transactions/import";
/// In the demo's 510510 BIN (ruleset "Business": 1,000 EUR of spend in 30 days at the Berlin
/// lounge), with no transactions of its own.
const FRESH: &str = "5105100000000001";
/// Luhn-valid, in no BIN range: only stored here.
const OTHER: &str = "4111111111111111";

fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn post_csv(app: &TestApp, token: &str, csv: &str) -> (StatusCode, Value) {
    let (status, text) = app.post_csv(IMPORT, token, csv).await;
    assert!(!text.contains(FRESH) && !text.contains(OTHER), "{text}");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn post_batch(app: &TestApp, token: &str, items: Value) -> (StatusCode, Value) {
    let (s, body) = app
        .call(Method::POST, BATCH, token, Some(json!({ "items": items })))
        .await;
    assert!(!body.to_string().contains(FRESH), "{body}");
    (s, body)
}

async fn rows_of(app: &TestApp, pan: &str) -> Vec<card_transactions::Model> {
    card_transactions::Entity::find()
        .filter(card_transactions::Column::PanHash.eq(app.backend.keys.pan_hash(pan)))
        .order_by_asc(card_transactions::Column::OccurredAt)
        .all(&app.backend.db)
        .await
        .unwrap()
}

async fn count(app: &TestApp) -> u64 {
    card_transactions::Entity::find()
        .count(&app.backend.db)
        .await
        .unwrap()
}

fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_millis()
}

#[tokio::test]
async fn csv_import_hashes_the_pan_is_all_or_nothing_and_idempotent() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let t = app.admin_token().await;
        let before = count(&app).await;

        // (a) Valid rows: minor units by the currency's digits, PAN only as its hash.
        let csv = format!(
            "pan,amount,currency,mcc,occurred_at,cleared_at,external_id,merchant_name\n\
             {OTHER},125.50,EUR,5411,2026-11-15T12:00:00Z,2026-11-16T08:00:00Z,ct-1,\"Café, Berlin\"\n\
             {OTHER},1500,jpy,5812,2026-11-16 09:30:00,,ct-2,\n\
             {OTHER},1.25,BHD,4511,2026-11-17T10:00:00+02:00,,,\n"
        );
        let (s, rep) = post_csv(&app, &t, &csv).await;
        assert_eq!(s, StatusCode::OK, "{db}: {rep}");
        assert_eq!(rep, json!({"imported": 3, "skipped": 0}), "{db}");
        let rows = rows_of(&app, OTHER).await;
        assert_eq!(rows.len(), 3, "{db}");
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.amount_minor, r.currency.as_str(), r.mcc.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (12_550, "EUR", "5411"),
                (1500, "JPY", "5812"),
                (1250, "BHD", "4511")
            ],
            "{db}"
        );
        assert_eq!(rows[0].occurred_at, ms("2026-11-15T12:00:00Z"));
        assert_eq!(rows[0].cleared_at, ms("2026-11-16T08:00:00Z"));
        assert_eq!(rows[0].external_id.as_deref(), Some("ct-1"));
        assert_eq!(rows[0].merchant_name.as_deref(), Some("Café, Berlin"));
        assert_eq!(rows[1].occurred_at, ms("2026-11-16T09:30:00Z"));
        assert_eq!(rows[1].cleared_at, rows[1].occurred_at);
        assert_eq!(rows[1].merchant_name, None);
        assert_eq!(rows[2].occurred_at, ms("2026-11-17T08:00:00Z"));
        assert_eq!(rows[2].external_id, None);
        for r in &rows {
            assert!(
                !serde_json::to_string(r).unwrap().contains(OTHER),
                "{db}: {r:?}"
            );
            assert_ne!(r.pan_hash, OTHER);
        }
        let audit = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("card_transactions.import"))
            .all(&app.backend.db)
            .await
            .unwrap();
        assert_eq!(audit.len(), 1, "{db}");
        assert!(!format!("{audit:?}").contains(OTHER));

        // (b) Bad lines: 400 naming line and field, nothing stored (the good line neither).
        let bad = format!(
            "pan,amount,currency,mcc,occurred_at,external_id\n\
             {OTHER},10.00,EUR,5411,2026-11-18T10:00:00Z,ct-new\n\
             4111111111111112,10.005,EUR,541,2026-11-18T10:00:00Z,ct-bad\n\
             {OTHER},10,XXX,5411,18.11.2026,\n\
             {OTHER},10\n"
        );
        let (s, body) = post_csv(&app, &t, &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}: {body}");
        assert_eq!(
            fields(&body),
            [
                "line[3].pan",
                "line[3].amount",
                "line[3].mcc",
                "line[4].currency",
                "line[4].occurred_at",
                "line[5]"
            ],
            "{db}: {body}"
        );
        assert!(!body.to_string().contains("4111111111111112"));
        assert_eq!(count(&app).await, before + 3, "{db}");
        let (s, body) = post_csv(&app, &t, "pan,amount\n").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&body),
            ["line[1].currency", "line[1].mcc", "line[1].occurred_at"]
        );

        // (c) The same external ids again: skipped, not duplicated; a new one is stored.
        let (s, rep) = post_csv(&app, &t, &csv).await;
        assert_eq!(s, StatusCode::OK, "{db}: {rep}");
        // The row without an external id cannot be recognized: stored again.
        assert_eq!(rep, json!({"imported": 1, "skipped": 2}), "{db}");
        let again = format!(
            "{OTHER},5.00,EUR,5411,2026-11-18T10:00:00Z,,ct-1\n\
             {OTHER},6.00,EUR,5411,2026-11-18T11:00:00Z,,ct-3\n\
             {OTHER},6.00,EUR,5411,2026-11-18T11:00:00Z,,ct-3\n"
        );
        let (s, rep) = post_csv(&app, &t, &again).await;
        assert_eq!(s, StatusCode::OK, "{db}: {rep}");
        assert_eq!(rep, json!({"imported": 1, "skipped": 2}), "{db}");
        assert_eq!(count(&app).await, before + 5, "{db}");
        let ct1: Vec<_> = rows_of(&app, OTHER)
            .await
            .into_iter()
            .filter(|r| r.external_id.as_deref() == Some("ct-1"))
            .collect();
        assert_eq!(ct1.len(), 1);
        assert_eq!(ct1[0].amount_minor, 12_550, "the first import wins");
        app.finish().await;
    }
}

#[tokio::test]
async fn rest_batch_validates_like_the_csv_and_needs_data_manage() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let t = app.admin_token().await;
        let before = count(&app).await;

        // (d) A batch: 201 with the report.
        let items = json!([
            {"pan": OTHER, "amount": "19.99", "currency": "USD", "mcc": "5812",
             "occurred_at": "2026-11-20T19:00:00Z", "external_id": "rest-1", "merchant_name": "Diner"},
            {"pan": OTHER, "amount": "-5", "currency": "EUR", "mcc": "5411",
             "occurred_at": "2026-11-21 08:00:00", "cleared_at": "2026-11-21 09:00:00"}
        ]);
        let (s, rep) = post_batch(&app, &t, items.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {rep}");
        assert_eq!(rep, json!({"imported": 2, "skipped": 0}));
        let rows = rows_of(&app, OTHER).await;
        assert_eq!(
            rows.iter().map(|r| r.amount_minor).collect::<Vec<_>>(),
            [1999, -500],
            "{db}"
        );
        assert_eq!(rows[1].cleared_at - rows[1].occurred_at, 3_600_000);
        let (s, rep) = post_batch(&app, &t, items).await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(rep, json!({"imported": 1, "skipped": 1}), "{db}");

        // Field errors name the item; nothing of the batch is stored.
        let (s, body) = post_batch(
            &app,
            &t,
            json!([
                {"pan": OTHER, "amount": "1.00", "currency": "EUR", "mcc": "5411",
                 "occurred_at": "2026-11-20T19:00:00Z", "external_id": "rest-2"},
                {"pan": "5105100000000002", "amount": "1.001", "currency": "EUR", "mcc": "5411",
                 "occurred_at": "2026-11-20T19:00:00Z", "cleared_at": "2026-11-19T19:00:00Z"},
                {"pan": OTHER, "amount": "1", "currency": "EURO", "mcc": "54111",
                 "occurred_at": "2027-01-01T00:00:00Z"}
            ]),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}: {body}");
        assert_eq!(
            fields(&body),
            [
                "items[1].pan",
                "items[1].amount",
                "items[1].cleared_at",
                "items[2].currency",
                "items[2].mcc",
                "items[2].occurred_at"
            ],
            "{db}: {body}"
        );
        assert!(!body.to_string().contains("5105100000000002"));
        assert_eq!(count(&app).await, before + 3, "{db}");

        // Malformed bodies: 400 `body`, the card number never quoted back.
        for bad in [
            json!({"items": [{"pan": 5105100000000001u64, "amount": "1", "currency": "EUR",
                              "mcc": "5411", "occurred_at": "2026-11-20T19:00:00Z"}]}),
            json!({"items": "5105100000000001"}),
            json!({"items": [{"pan": FRESH}]}),
        ] {
            let (s, body) = app.call(Method::POST, BATCH, &t, Some(bad)).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{db}: {body}");
            assert_eq!(fields(&body), ["body"]);
            assert!(!body.to_string().contains(FRESH), "{body}");
        }
        let (s, body) = post_batch(&app, &t, json!([])).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&body), ["items"]);

        // (e) A role without DataManage: 403, nothing stored; no token: 401.
        let cc = app
            .token("callcenter@demo.example", &app.others_password)
            .await;
        let one = json!([{"pan": OTHER, "amount": "1.00", "currency": "EUR", "mcc": "5411",
                          "occurred_at": "2026-11-20T19:00:00Z"}]);
        let (s, body) = post_batch(&app, &cc, one.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{db}: {body}");
        assert_eq!(body["error"]["code"], "forbidden");
        let (s, body) = post_csv(
            &app,
            &cc,
            &format!("{OTHER},1.00,EUR,5411,2026-11-20T19:00:00Z\n"),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{db}: {body}");
        assert_eq!(body["error"]["code"], "forbidden");
        let (s, _) = post_batch(&app, "not-a-token", one).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(count(&app).await, before + 3, "{db}");
        app.finish().await;
    }
}

/// (f) What a cardholder notices: spend below the Business ruleset's 1,000 EUR is rejected at
/// the Berlin lounge; once the feed brings the card's spend there, the same card is granted.
#[tokio::test]
async fn loaded_spend_turns_a_rejection_into_a_grant() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let admin = app.admin_token().await;
        let berlin = paired(&app, &admin, LOC_BER_LOUNGE, "ING-MOVE5000-DEMO4", 0).await;
        let check = |pan: &'static str| {
            let berlin = &berlin;
            async move {
                berlin
                    .check(pan, "CONTACTLESS")
                    .await
                    .expect("check_entry answers 200")
            }
        };

        let r = check(FRESH).await;
        assert_eq!(r["code"], "UNMET_REQUIREMENTS", "{db}: {r}");

        // 600 EUR in the window and 900 EUR before it (the clock is 2026-11-22 10:00 UTC).
        let (s, rep) = post_batch(
            &app,
            &admin,
            json!([
                {"pan": FRESH, "amount": "600.00", "currency": "EUR", "mcc": "5411",
                 "occurred_at": "2026-11-10T12:00:00Z", "external_id": "spend-1"},
                {"pan": FRESH, "amount": "900.00", "currency": "EUR", "mcc": "5411",
                 "occurred_at": "2026-10-01T12:00:00Z", "external_id": "spend-old"}
            ]),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {rep}");
        let r = check(FRESH).await;
        assert_eq!(r["code"], "UNMET_REQUIREMENTS", "{db}: {r}");

        // 400 more by the CSV feed (and spend-1 again, skipped): 1,000 EUR, the threshold.
        let (s, rep) = post_csv(
            &app,
            &admin,
            &format!(
                "pan,amount,currency,mcc,occurred_at,external_id\n\
                 {FRESH},600.00,EUR,5411,2026-11-10T12:00:00Z,spend-1\n\
                 {FRESH},400,EUR,5812,2026-11-21 18:30:00,spend-2\n"
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{db}: {rep}");
        assert_eq!(rep, json!({"imported": 1, "skipped": 1}));
        let g = check(FRESH).await;
        assert_eq!(g["status"], "GRANTED", "{db}: {g}");
        assert_eq!(g["location"]["id"], LOC_BER_LOUNGE);
        app.finish().await;
    }
}
