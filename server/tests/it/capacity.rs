//! Live capacity (issue 19) through the POS API with real RS256 terminals: the occupancy
//! (cardholders and guests of completed entries within the location's `stay_minutes`,
//! reversals excluded, open grants holding their seats) never exceeds the capacity under
//! concurrent terminals on two app servers; a confirm whose guests don't fit is refused with
//! `LOCATION_FULL` and the grant stays open; a reversal frees a seat; entries older than the
//! stay don't count; "Try a card" explains a full location; `stay_minutes` is validated.

use crate::common;

use access_core::domain::{BinRange, CardholderTerms, GuestTerms, Limit, LocationScope, Ruleset};
use backend::entity::{bin_ranges, operations};
use backend::Settings;
use common::pos::paired;
use common::{luhn, TestApp};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use std::sync::Arc;

/// A location made through the admin REST API.
async fn new_location(app: &TestApp, admin: &str, name: &str, capacity: i32, stay: i32) -> String {
    let (s, body) = app
        .call(
            Method::POST,
            "/api/v1/admin/locations",
            admin,
            Some(json!({
                "name": name, "country": "DEU", "service_code": "LOUNGE",
                "postal_code": "10115", "city": "Berlin",
                "capacity": capacity, "stay_minutes": stay,
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["capacity"], capacity);
    assert_eq!(body["stay_minutes"], stay);
    body["id"].as_str().unwrap().to_owned()
}

/// Free, unlimited cardholder entries at `loc` for the BIN, with up to 2 free adult guests.
async fn free_ruleset(app: &TestApp, bin: &str, ica: &str, loc: &str) {
    bin_ranges::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        bin_from: Set(bin.into()),
        bin_to: Set(bin.into()),
        ica: Set(ica.into()),
        issuer_name: Set("Test Bank".into()),
        issuer_country: Set("DEU".into()),
        product_code: Set("MCS".into()),
        created_at: Set(0),
    }
    .insert(&app.backend.db)
    .await
    .unwrap();
    let mut r: Ruleset = backend::demo_world::demo_rulesets(common::start_time()).remove(0);
    r.id = uuid::Uuid::new_v4();
    r.name = format!("capacity {bin}");
    r.issuer_country = None;
    r.product_codes = vec![];
    r.bin_ranges = vec![BinRange {
        ica: ica.into(),
        from: bin.into(),
        to: bin.into(),
    }];
    r.locations = LocationScope::Locations {
        ids: vec![uuid::Uuid::parse_str(loc).unwrap()],
    };
    r.services = vec!["LOUNGE".into()];
    r.total_usage = None;
    r.spend = None;
    r.cardholder = CardholderTerms {
        free: Some(Limit::Unlimited),
        paid: None,
        period_days: None,
        per_location_cap: None,
    };
    r.adults = GuestTerms {
        free: Some(Limit::Unlimited),
        paid: None,
        max_per_entry: 2,
    };
    r.children = GuestTerms::none();
    r.child_free_under_age = None;
    backend::repo::rulesets::save_version(&app.backend.db, &r, None, "test", 0)
        .await
        .unwrap();
}

/// People admitted at `loc` (completed entries, cardholder + guests), straight from storage.
async fn people_in(app: &TestApp, loc: &str) -> i64 {
    operations::Entity::find()
        .filter(operations::Column::LocationId.eq(loc))
        .filter(operations::Column::Status.eq("COMPLETED"))
        .all(&app.backend.db)
        .await
        .unwrap()
        .iter()
        .map(|o| {
            1 + i64::from(
                o.free_adult_guests
                    + o.paid_adult_guests
                    + o.free_child_guests
                    + o.paid_child_guests,
            )
        })
        .sum()
}

async fn occupancy(app: &TestApp, admin: &str, loc: &str) -> Value {
    let (s, body) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/locations/{loc}/occupancy"),
            admin,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body
}

/// 40 checks (each confirmed with 0 or 1 guest) from 10 terminals, half of them on a second
/// app server over the same database, at a location with capacity 5: at most 5 people in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_terminals_never_admit_beyond_capacity() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let second = backend::Backend::new(
            app.db.open().await,
            Arc::new(app.clock.clone()),
            backend::Keys::for_tests(),
            Settings::default(),
        );
        let second = server::startup::spawn_for_tests(second).await.unwrap();
        let admin = app.admin_token().await;
        let loc = new_location(&app, &admin, "Small Lounge", 5, 120).await;
        free_ruleset(&app, "446688", "6666", &loc).await;
        let mut terminals = Vec::new();
        for i in 0..10 {
            let mut t = paired(&app, &admin, &loc, &format!("FULL-{i:02}"), i).await;
            if i % 2 == 1 {
                t.base_url = second.clone();
            }
            terminals.push(Arc::new(t));
        }
        let mut tasks = Vec::new();
        for (i, t) in terminals.iter().enumerate() {
            let t = t.clone();
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                for k in 0..4 {
                    let card = luhn(&format!("4466880000{:05}", i * 4 + k));
                    let g: Value = t.check(&card, "CONTACTLESS").await.expect("check");
                    if g["status"] != "GRANTED" {
                        out.push(g["code"].as_str().unwrap().to_owned());
                        continue;
                    }
                    let id = g["accessId"].as_str().unwrap().to_owned();
                    let guests = ((i + k) % 2) as u32;
                    let mut c = t.confirm(&id, guests, 0).await.expect("confirm");
                    if c["code"] == "LOCATION_FULL" {
                        // The grant stays open: the cardholder alone still fits.
                        out.push("GUESTS_REFUSED".to_owned());
                        c = t.confirm(&id, 0, 0).await.expect("confirm alone");
                    }
                    out.push(c["status"].as_str().unwrap().to_owned());
                }
                out
            }));
        }
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.extend(task.await.unwrap());
        }
        assert!(
            outcomes
                .iter()
                .all(|o| ["COMPLETED", "LOCATION_FULL", "GUESTS_REFUSED"].contains(&o.as_str())),
            "{name}: {outcomes:?}"
        );
        let people = people_in(&app, &loc).await;
        assert_eq!(people, 5, "{name}: {outcomes:?}");
        assert!(
            outcomes.iter().any(|o| o == "LOCATION_FULL"),
            "{name}: {outcomes:?}"
        );
        let o = occupancy(&app, &admin, &loc).await;
        assert_eq!(o["people_in"], 5, "{name}: {o}");
        assert_eq!(o["reserved"], 0, "{name}: {o}");
        assert_eq!(o["capacity"], 5, "{name}: {o}");
        app.finish().await;
    }
}

/// Capacity 2: a confirm with 2 guests is refused (`LOCATION_FULL`, the grant stays open), one
/// guest fits; the location is then full until the entry is reversed.
#[tokio::test]
async fn guests_beyond_capacity_are_refused_and_a_reversal_frees_seats() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let loc = new_location(&app, &admin, "Pair Lounge", 2, 120).await;
        free_ruleset(&app, "446699", "7777", &loc).await;
        let t = paired(&app, &admin, &loc, "PAIR-01", 0).await;
        let a = luhn("446699000000001");
        let b = luhn("446699000000002");

        let g = t.check(&a, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        let id = g["accessId"].as_str().unwrap().to_owned();
        let c = t.confirm(&id, 2, 0).await.unwrap();
        assert_eq!(c["status"], "REJECTED", "{name}: {c}");
        assert_eq!(c["code"], "LOCATION_FULL", "{name}: {c}");
        assert!(c["message"].as_str().is_some_and(|m| !m.is_empty()), "{c}");
        let op = operations::Entity::find_by_id(id.clone())
            .one(&app.backend.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(op.status, "PENDING", "{name}: the grant stays open");
        let c = t.confirm(&id, 1, 0).await.unwrap();
        assert_eq!(c["status"], "COMPLETED", "{name}: {c}");
        assert_eq!(people_in(&app, &loc).await, 2);

        let g = t.check(&b, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "REJECTED", "{name}: {g}");
        assert_eq!(g["code"], "LOCATION_FULL", "{name}: {g}");

        let (s, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/operations/{id}/reversal"),
                &admin,
                Some(json!({"reason": "left at once"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let o = occupancy(&app, &admin, &loc).await;
        assert_eq!(o["people_in"], 0, "{name}: {o}");

        let g = t.check(&b, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        // The open grant holds its seat.
        let o = occupancy(&app, &admin, &loc).await;
        assert_eq!(o["reserved"], 1, "{name}: {o}");
        let c = t
            .confirm(g["accessId"].as_str().unwrap(), 1, 0)
            .await
            .unwrap();
        assert_eq!(c["status"], "COMPLETED", "{name}: {c}");
        app.finish().await;
    }
}

/// Capacity 1, a 30-minute stay: full right after an entry (and "Try a card" says why), free
/// again once the entry is older than the stay.
#[tokio::test]
async fn entries_older_than_the_stay_do_not_count() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let loc = new_location(&app, &admin, "Quick Lounge", 1, 30).await;
        free_ruleset(&app, "446611", "8888", &loc).await;
        let t = paired(&app, &admin, &loc, "QUICK-01", 1).await;
        let a = luhn("446611000000001");
        let b = luhn("446611000000002");

        let g = t.check(&a, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        let c = t
            .confirm(g["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        assert_eq!(c["status"], "COMPLETED", "{name}: {c}");

        app.clock.advance(chrono::Duration::minutes(29));
        let g = t.check(&b, "CONTACTLESS").await.unwrap();
        assert_eq!(g["code"], "LOCATION_FULL", "{name}: {g}");

        // The clock moved past the bearer token's 15 minutes.
        let admin = app.admin_token().await;
        let (s, r) = app
            .call(
                Method::POST,
                "/api/v1/admin/try-card",
                &admin,
                Some(json!({"pan": b, "location_id": loc})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["granted"], false, "{r}");
        assert_eq!(r["reject_code"], "LOCATION_FULL", "{r}");
        let step = r["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == "Capacity (live occupancy)")
            .cloned()
            .unwrap_or_else(|| panic!("no capacity step in {r}"));
        assert_eq!(step["passed"], false, "{step}");
        assert!(
            step["detail"]
                .as_str()
                .unwrap()
                .contains("1 of 1 people in"),
            "{step}"
        );

        app.clock.advance(chrono::Duration::minutes(2));
        let o = occupancy(&app, &admin, &loc).await;
        assert_eq!(o["people_in"], 0, "{name}: {o}");
        let g = t.check(&b, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        app.finish().await;
    }
}

/// `stay_minutes` is validated and named in the error; without it the default is 120.
#[tokio::test]
async fn stay_minutes_is_validated_and_defaults_to_120() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let base = json!({
            "name": "Stay Lounge", "country": "DEU", "service_code": "LOUNGE",
            "postal_code": "10115", "city": "Berlin",
        });
        for bad in [json!(0), json!("x"), json!(10_081)] {
            let mut body = base.clone();
            body["stay_minutes"] = bad;
            let (s, r) = app
                .call(Method::POST, "/api/v1/admin/locations", &admin, Some(body))
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
            assert_eq!(r["error"]["fields"][0]["field"], "stay_minutes", "{r}");
        }
        let (s, r) = app
            .call(Method::POST, "/api/v1/admin/locations", &admin, Some(base))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["stay_minutes"], 120, "{r}");
        assert_eq!(r["capacity"], Value::Null, "{r}");
        app.finish().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Moving a terminal (issue 19): the same helpers, another of the items.

/// A terminal moved to another location admits there (its operations land at the new
/// location); unassigned, its checks answer `UNKNOWN_DEVICE`; assigned again, it works again.
#[tokio::test]
async fn a_moved_terminal_admits_at_its_new_location_and_an_unassigned_one_is_unknown() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let from = new_location(&app, &admin, "Old Lounge", 100, 120).await;
        let to = new_location(&app, &admin, "New Lounge", 100, 120).await;
        free_ruleset(&app, "446622", "9999", &from).await;
        free_ruleset(&app, "446633", "9998", &to).await;
        let t = paired(&app, &admin, &from, "MOVE-01", 2).await;
        let card_from = luhn("446622000000001");
        let card_to = luhn("446633000000001");
        let move_to = |loc: Value| {
            app.call(
                Method::PUT,
                "/api/v1/admin/terminals/MOVE-01/location",
                &admin,
                Some(json!({ "location_id": loc })),
            )
        };

        let g = t.check(&card_from, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        assert_eq!(g["location"]["id"], from.as_str());
        let c = t
            .confirm(g["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        assert_eq!(c["status"], "COMPLETED", "{name}: {c}");

        let (s, body) = move_to(json!(to)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let g = t.check(&card_to, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        assert_eq!(g["location"]["id"], to.as_str());
        let id = g["accessId"].as_str().unwrap().to_owned();
        let op = operations::Entity::find_by_id(id.clone())
            .one(&app.backend.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(op.location_id.as_deref(), Some(to.as_str()));
        let c = t.confirm(&id, 0, 0).await.unwrap();
        assert_eq!(c["status"], "COMPLETED", "{name}: {c}");
        let (s, list) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/locations/{to}/terminals"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(list.to_string().contains("MOVE-01"), "{list}");

        let (s, body) = move_to(json!("no-such-location")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "location_id", "{body}");

        let (s, body) = move_to(Value::Null).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let g = t.check(&card_to, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "REJECTED", "{name}: {g}");
        assert_eq!(g["code"], "UNKNOWN_DEVICE", "{name}: {g}");

        let (s, body) = move_to(json!(from)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let g = t.check(&card_from, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        app.finish().await;
    }
}
