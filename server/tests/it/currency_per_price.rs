//! A currency per price (issue 19) through HTTP with a real RS256 terminal: a ruleset priced
//! in EUR for the cardholder and PLN for guests is accepted by the admin API; a paid
//! cardholder with paid guests is authorized in EUR at check and incremented in PLN at confirm
//! (the acquirer ledger says so); the operation, the reports and a reversal's refunds keep
//! each currency apart.

use crate::common;

use backend::entity::{acquirer_calls, bin_ranges, operations};
use common::pos::paired;
use common::{luhn, TestApp};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{json, Value};

async fn ledger(app: &TestApp, op: &str) -> Vec<acquirer_calls::Model> {
    acquirer_calls::Entity::find()
        .filter(acquirer_calls::Column::OperationId.eq(op))
        .order_by_asc(acquirer_calls::Column::CreatedAt)
        .order_by_asc(acquirer_calls::Column::Id)
        .all(&app.backend.db)
        .await
        .unwrap()
}

async fn csv_of(app: &TestApp, token: &str, path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let resp = app
        .http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    let bytes = resp.bytes().await.unwrap();
    let mut r = csv::Reader::from_reader(&bytes[..]);
    let headers = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (headers, rows)
}

fn col(headers: &[String], name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

/// The ruleset as the admin API takes it: cardholder paid only (25.00 EUR), adult guests
/// paid (100.00 PLN, up to 2), child guests paid (40.00 PLN, up to 1).
fn ruleset_body(loc: &str, bin: &str, ica: &str) -> Value {
    json!({
        "name": "EUR cardholder, PLN guests", "validFrom": "2026-01-01T00:00:00Z",
        "validTo": null, "issuerCountry": null,
        "binRanges": [{"ica": ica, "from": bin, "to": bin}],
        "locations": {"kind": "locations", "ids": [loc]}, "services": ["LOUNGE"],
        "totalUsage": null,
        "cardholder": {"free": null,
                       "paid": {"price": {"amount": "25.00", "currency": "EUR"}, "limit": "unlimited"},
                       "periodDays": null, "perLocationCap": null},
        "adults": {"free": null,
                   "paid": {"price": {"amount": "100.00", "currency": "PLN"}, "limit": "unlimited"},
                   "maxPerEntry": 2},
        "children": {"free": null,
                     "paid": {"price": {"amount": "40.00", "currency": "PLN"}, "limit": "unlimited"},
                     "maxPerEntry": 1},
        "childFreeUnderAge": null, "spend": null
    })
}

#[tokio::test]
async fn eur_cardholder_and_pln_guests_are_authorized_in_their_own_currencies() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &admin,
                Some(json!({"name": "Two Currency Lounge", "country": "POL",
                            "service_code": "LOUNGE", "postal_code": "00-001",
                            "city": "Warsaw"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let loc = body["id"].as_str().unwrap().to_owned();
        let (bin, ica) = ("448822", "8282");
        bin_ranges::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            bin_from: Set(bin.into()),
            bin_to: Set(bin.into()),
            ica: Set(ica.into()),
            issuer_name: Set("Test Bank".into()),
            issuer_country: Set("POL".into()),
            product_code: Set("MCW".into()),
            created_at: Set(0),
        }
        .insert(&app.backend.db)
        .await
        .unwrap();

        // The admin API takes a price per currency (it used to force one per ruleset).
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/rulesets",
                &admin,
                Some(ruleset_body(&loc, bin, ica)),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{name}: {body}");
        let rid = body["summary"]["id"].as_str().unwrap().to_owned();
        let (s, stored) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/rulesets/{rid}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{stored}");
        let text = stored.to_string();
        assert!(text.contains("EUR") && text.contains("PLN"), "{stored}");

        let t = paired(&app, &admin, &loc, "CUR-01", 0).await;
        let card = luhn("448822000000001");
        let g = t.check(&card, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        assert_eq!(g["cardholder"]["paid"], true, "{g}");
        assert_eq!(g["cardholder"]["price"]["currency"], "EUR", "{g}");
        assert_eq!(g["guests"]["adults"]["price"]["currency"], "PLN", "{g}");
        let id = g["accessId"].as_str().unwrap().to_owned();
        // Check: the cardholder's 25.00 EUR is authorized in EUR.
        let calls = ledger(&app, &id).await;
        let auth: Vec<_> = calls.iter().filter(|c| c.kind == "AUTHORIZATION").collect();
        assert_eq!(auth.len(), 1, "{name}: {calls:?}");
        assert_eq!(auth[0].amount_minor, Some(2500));
        assert_eq!(auth[0].currency.as_deref(), Some("EUR"));
        assert_eq!(auth[0].outcome, "APPROVED");

        // Confirm with 2 adults and 1 child: 240.00 PLN more, authorized in PLN.
        app.clock.advance(chrono::Duration::seconds(2));
        let c = t.confirm(&id, 2, 1).await.unwrap();
        assert_eq!(c["status"], "COMPLETED", "{name}: {c}");
        assert_eq!(
            c["total"],
            json!({"amount": "25.00", "currency": "EUR"}),
            "{c}"
        );
        assert_eq!(
            c["totals"],
            json!([{"amount": "25.00", "currency": "EUR"}, {"amount": "240.00", "currency": "PLN"}]),
            "{c}"
        );
        let calls = ledger(&app, &id).await;
        let kinds: Vec<(&str, Option<i64>, Option<&str>, &str)> = calls
            .iter()
            .filter(|c| c.kind != "ACCOUNT_STATUS")
            .map(|c| {
                (
                    c.kind.as_str(),
                    c.amount_minor,
                    c.currency.as_deref(),
                    c.outcome.as_str(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("AUTHORIZATION", Some(2500), Some("EUR"), "APPROVED"),
                (
                    "ADDITIONAL_AUTHORIZATION",
                    Some(24_000),
                    Some("PLN"),
                    "APPROVED"
                )
            ],
            "{name}"
        );
        // Against the check-time reference.
        assert_eq!(calls.last().unwrap().reference, auth[0].reference);

        // The operation: both currencies.
        let op = operations::Entity::find_by_id(id.clone())
            .one(&app.backend.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(op.total_minor, 2500);
        assert_eq!(op.currency.as_deref(), Some("EUR"));
        assert_eq!(op.amounts.as_deref(), Some("EUR:2500;PLN:24000"));
        let (s, d) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/operations/{id}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(
            d["operation"]["amounts"],
            json!([{"currency": "EUR", "amount_minor": 2500}, {"currency": "PLN", "amount_minor": 24000}]),
            "{d}"
        );

        // A second entry, cardholder alone: EUR only.
        app.clock.advance(chrono::Duration::minutes(5));
        let g2 = t
            .check(&luhn("448822000000002"), "CONTACTLESS")
            .await
            .unwrap();
        assert_eq!(g2["status"], "GRANTED", "{g2}");
        let c2 = t
            .confirm(g2["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        assert_eq!(c2["status"], "COMPLETED", "{c2}");
        assert!(c2.get("totals").is_none(), "{c2}");

        // Reports: amounts per currency.
        let (h, rows) = csv_of(
            &app,
            &admin,
            &format!("/api/v1/admin/reports/operations?kind=summary&location_id={loc}"),
        )
        .await;
        assert_eq!(rows.len(), 1, "{name}: {rows:?}");
        assert_eq!(rows[0][col(&h, "Entries")], "2");
        assert_eq!(
            rows[0][col(&h, "Amount EUR")],
            "50.00",
            "{name}: {h:?} {rows:?}"
        );
        assert_eq!(
            rows[0][col(&h, "Amount PLN")],
            "240.00",
            "{name}: {h:?} {rows:?}"
        );
        let (h, rows) = csv_of(
            &app,
            &admin,
            &format!("/api/v1/admin/reports/operations?kind=detailed&location_id={loc}"),
        )
        .await;
        let amounts: Vec<&str> = rows
            .iter()
            .map(|r| r[col(&h, "Amounts")].as_str())
            .collect();
        assert_eq!(amounts, ["25.00 EUR; 240.00 PLN", "25.00 EUR"], "{name}");

        // A reversal gives back each currency: one refund in EUR, one in PLN.
        let (s, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/operations/{id}/reversal"),
                &admin,
                Some(json!({"reason": "test"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let mut refunds: Vec<(Option<i64>, Option<String>)> = ledger(&app, &id)
            .await
            .into_iter()
            .filter(|c| c.kind == "REFUND")
            .map(|c| (c.amount_minor, c.currency))
            .collect();
        // Written in the same millisecond: their order in the ledger is not the point.
        refunds.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            refunds,
            [
                (Some(2500), Some("EUR".to_owned())),
                (Some(24_000), Some("PLN".to_owned()))
            ],
            "{name}"
        );
        app.finish().await;
    }
}
