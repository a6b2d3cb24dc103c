//! The online entry flow through HTTP with the terminal simulator: every reject code, free →
//! paid rollover, guests, cooldown, spend, confirm idempotency, expiry, and concurrency.

use crate::common;

use access_core::domain::{BinRange, CardholderTerms, GuestTerms, Limit, LocationScope, Ruleset};
use backend::demo::{self, LOC_BER_LOUNGE, LOC_WAW_FAST, LOC_WAW_LOUNGE};
use backend::demo_world::{CARD_BUSINESS_SPEND, CARD_NO_RULES, CARD_WORLD, RULESET_WORLD};
use backend::entity::{bin_ranges, locations, operations, terminals};
use common::pos::paired;
use common::TestApp;
use reqwest::Method;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use server::sim::{SimError, Terminal};

async fn check(t: &Terminal, pan: &str) -> Value {
    t.check(pan, "CONTACTLESS")
        .await
        .expect("check_entry answers 200")
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

async fn status_of(app: &TestApp, access_id: &str) -> String {
    operations::Entity::find_by_id(access_id.to_owned())
        .one(&app.backend.db)
        .await
        .unwrap()
        .unwrap()
        .status
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

#[tokio::test]
async fn free_then_paid_with_guests_cooldown_and_idempotent_confirm() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;

        let g = check(&t, CARD_WORLD).await;
        assert_eq!(g["status"], "GRANTED", "{g}");
        assert_eq!(g["service"], "LOUNGE");
        assert_eq!(g["location"]["id"], LOC_WAW_LOUNGE);
        assert_eq!(g["cardholder"], json!({"paid": false, "price": null}));
        assert_eq!(g["remainingVisits"], json!({"free": 2, "paid": null}));
        assert_eq!(
            g["guests"]["adults"],
            json!({"max": 2, "freeAvailable": 1, "paidAvailable": 5, "price": {"amount": "25.00", "currency": "EUR"}})
        );
        assert_eq!(g["guests"]["children"]["freeUnderAge"], 6);
        let id = g["accessId"].as_str().unwrap().to_owned();

        // Above max: 400, grant stays open.
        match t.confirm(&id, 3, 0).await {
            Err(SimError::Status { status: 400, body }) => {
                assert_eq!(body["error"]["code"], "INVALID_REQUEST")
            }
            other => panic!("{other:?}"),
        }
        let c = t.confirm(&id, 2, 1).await.unwrap();
        assert_eq!(c["status"], "COMPLETED");
        assert_eq!(
            (
                c["freeAdultGuests"].as_u64(),
                c["paidAdultGuests"].as_u64(),
                c["freeChildGuests"].as_u64()
            ),
            (Some(1), Some(1), Some(1))
        );
        assert_eq!(c["total"], json!({"amount": "25.00", "currency": "EUR"}));
        // The same confirm again: the same answer. Other numbers: 409.
        assert_eq!(t.confirm(&id, 2, 1).await.unwrap(), c);
        match t.confirm(&id, 1, 1).await {
            Err(SimError::Status { status: 409, body }) => {
                assert_eq!(body["error"]["code"], "ALREADY_CONFIRMED")
            }
            other => panic!("{other:?}"),
        }

        // Cooldown of the location (60 minutes).
        let r = check(&t, CARD_WORLD).await;
        assert_eq!(code(&r), "COOLDOWN_ACTIVE", "{r}");
        assert!(r["message"].as_str().unwrap().len() > 5);

        // Two more free visits, then paid at 25 EUR.
        for expect_free_left in [1, 0] {
            app.clock.advance(minutes(61));
            let g = check(&t, CARD_WORLD).await;
            assert_eq!(g["remainingVisits"]["free"], expect_free_left, "{g}");
            // One free adult guest was used already: only paid adults remain.
            assert_eq!(g["guests"]["adults"]["freeAvailable"], 0);
            t.confirm(g["accessId"].as_str().unwrap(), 0, 0)
                .await
                .unwrap();
        }
        app.clock.advance(minutes(61));
        let g = check(&t, CARD_WORLD).await;
        assert_eq!(g["status"], "GRANTED", "{g}");
        assert_eq!(
            g["cardholder"],
            json!({"paid": true, "price": {"amount": "25.00", "currency": "EUR"}})
        );
        let c = t
            .confirm(g["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        assert_eq!(c["cardholderPaid"], true);
        assert_eq!(c["total"]["amount"], "25.00");

        // The operation records what the panel shows, and never the PAN.
        let op = operations::Entity::find_by_id(g["accessId"].as_str().unwrap().to_owned())
            .one(&app.backend.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(op.masked_pan, "541234******1232");
        assert_eq!(
            (op.ica.as_deref(), op.product_code.as_deref()),
            (Some("1234"), Some("MCW"))
        );
        assert_eq!(op.ruleset_id.as_deref(), Some(RULESET_WORLD));
        assert_eq!(op.ruleset_version, Some(1));
        assert_eq!(op.terminal_serial.as_deref(), Some(demo::READY_TERMINAL));
        assert_eq!(op.card_auth_response_code.as_deref(), Some("00"));
        assert!(!serde_json::to_string(&op).unwrap().contains(CARD_WORLD));
        app.finish().await;
    }
}

async fn add_ruleset(app: &TestApp, r: Ruleset) {
    backend::repo::rulesets::save_version(&app.backend.db, &r, None, "test", app.backend.now_ms())
        .await
        .unwrap();
}

async fn add_bin(app: &TestApp, from: &str, to: &str, ica: &str) {
    bin_ranges::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        bin_from: Set(from.into()),
        bin_to: Set(to.into()),
        ica: Set(ica.into()),
        issuer_name: Set("Test Bank".into()),
        issuer_country: Set("DEU".into()),
        product_code: Set("MCS".into()),
        created_at: Set(0),
    }
    .insert(&app.backend.db)
    .await
    .unwrap();
}

/// Free entries only, `free` of them, at the given locations.
fn free_only(bin: &str, ica: &str, free: u32, locations: &[&str], services: &[&str]) -> Ruleset {
    let mut r = backend::demo_world::demo_rulesets(common::start_time()).remove(0);
    r.id = uuid::Uuid::new_v4();
    r.name = format!("test {bin}");
    r.issuer_country = None;
    r.product_codes = vec![];
    r.bin_ranges = vec![BinRange {
        ica: ica.into(),
        from: bin.into(),
        to: bin.into(),
    }];
    r.locations = LocationScope::Locations {
        ids: locations
            .iter()
            .map(|l| uuid::Uuid::parse_str(l).unwrap())
            .collect(),
    };
    r.services = services.iter().map(|s| s.to_string()).collect();
    r.cardholder = CardholderTerms {
        free: Some(Limit::Count(free)),
        paid: None,
        period_days: None,
        per_location_cap: None,
    };
    r.adults = GuestTerms::none();
    r.children = GuestTerms::none();
    r.child_free_under_age = None;
    r
}

#[tokio::test]
async fn every_reject_code_is_reached_by_a_real_scenario() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let lounge = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let lounge2 = paired(&app, &admin, LOC_WAW_LOUNGE, "PAX-A920-DEMO0002", 1).await;
        let fast = paired(&app, &admin, LOC_WAW_FAST, "PAX-A920-DEMO0003", 2).await;
        let berlin = paired(&app, &admin, LOC_BER_LOUNGE, "ING-MOVE5000-DEMO4", 0).await;

        assert_eq!(
            code(&check(&lounge, CARD_NO_RULES).await),
            "MISSING_ACCESS_RULES"
        );
        // ASI fails (simulator card ...9005x).
        assert_eq!(
            code(&check(&lounge, "5412340000090051").await),
            "CARD_ASI_FAILED"
        );
        // Paid cardholder entries are authorized at check.
        let ok = check(&fast, "2221000000000009").await;
        assert_eq!(ok["cardholder"]["price"]["amount"], "15.00", "{ok}");
        assert_eq!(
            code(&check(&fast, "2221000000090513").await),
            "CARD_AUTH_INSUFFICIENT_FUNDS"
        );
        assert_eq!(
            code(&check(&fast, "2221000000090968").await),
            "CARD_AMOUNT_AUTH_FAILED"
        );

        // A grant holds the card everywhere until confirmed or expired.
        let g = check(&lounge, CARD_WORLD).await;
        assert_eq!(g["status"], "GRANTED");
        assert_eq!(
            code(&check(&lounge2, CARD_WORLD).await),
            "TEMPORARILY_BLOCKED"
        );
        lounge
            .confirm(g["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        assert_eq!(code(&check(&lounge2, CARD_WORLD).await), "COOLDOWN_ACTIVE");

        // Spend: the demo business card reaches 1,000 EUR only with its USD spend converted.
        let s = check(&berlin, CARD_BUSINESS_SPEND).await;
        assert_eq!(s["status"], "GRANTED", "{s}");
        berlin
            .confirm(s["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        assert_eq!(
            code(&check(&berlin, "5105100000000001").await),
            "UNMET_REQUIREMENTS"
        );

        // LIMIT_EXCEEDED: one free entry, used.
        add_bin(&app, "555555", "555555", "4321").await;
        add_ruleset(
            &app,
            free_only("555555", "4321", 1, &[LOC_BER_LOUNGE], &["LOUNGE"]),
        )
        .await;
        let card = "5555550000000010";
        let g = check(&berlin, card).await;
        assert_eq!(g["status"], "GRANTED", "{g}");
        assert_eq!(g["remainingVisits"]["free"], 0);
        berlin
            .confirm(g["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        app.clock.advance(minutes(31));
        assert_eq!(code(&check(&berlin, card).await), "LIMIT_EXCEEDED");

        // UNKNOWN_DEVICE: the terminal's location is gone.
        terminals::Entity::update_many()
            .col_expr(terminals::Column::LocationId, Option::<String>::None.into())
            .filter(terminals::Column::SerialNumber.eq("PAX-A920-DEMO0002"))
            .exec(&app.backend.db)
            .await
            .unwrap();
        assert_eq!(code(&check(&lounge2, CARD_WORLD).await), "UNKNOWN_DEVICE");

        // Bad input: 400 INVALID_REQUEST, nothing recorded.
        for body in [
            json!({"pan": "5412345678901233", "entryMode": "CHIP"}),
            json!({"pan": "12", "entryMode": "CHIP"}),
            json!({"pan": CARD_WORLD, "entryMode": "TELEPATHY"}),
            json!({"pan": CARD_WORLD}),
        ] {
            let (s, v) = lounge
                .request(Method::POST, "/pos/check_entry", Some(&body))
                .await
                .unwrap();
            assert_eq!(s, 400, "{body}: {v}");
            assert_eq!(v["error"]["code"], "INVALID_REQUEST");
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn confirm_errors_and_expiry_of_unconfirmed_grants() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let other = paired(&app, &admin, LOC_WAW_LOUNGE, "PAX-A920-DEMO0002", 1).await;
        let unknown = uuid::Uuid::new_v4().to_string();
        match t.confirm(&unknown, 0, 0).await {
            Err(SimError::Status { status: 404, body }) => {
                assert_eq!(body["error"]["code"], "ACCESS_NOT_FOUND")
            }
            x => panic!("{x:?}"),
        }
        let g = check(&t, CARD_WORLD).await;
        let id = g["accessId"].as_str().unwrap().to_owned();
        // Another terminal can't confirm it.
        match other.confirm(&id, 0, 0).await {
            Err(SimError::Status { status: 404, .. }) => {}
            x => panic!("{x:?}"),
        }
        // Past expiresAt (5 minutes): 409 ACCESS_EXPIRED, and the card is free again.
        app.clock.advance(minutes(6));
        match t.confirm(&id, 0, 0).await {
            Err(SimError::Status { status: 409, body }) => {
                assert_eq!(body["error"]["code"], "ACCESS_EXPIRED")
            }
            x => panic!("{x:?}"),
        }
        assert_eq!(status_of(&app, &id).await, "EXPIRED");
        // The sweeper expires grants nobody confirms, releasing the card.
        let g2 = check(&t, CARD_WORLD).await;
        assert_eq!(g2["status"], "GRANTED", "{g2}");
        assert_eq!(
            g2["remainingVisits"]["free"], 2,
            "an expired grant does not count"
        );
        app.clock.advance(minutes(6));
        let swept = backend::service::entry::sweep_expired(&app.backend)
            .await
            .unwrap();
        assert_eq!(swept, 1);
        assert_eq!(
            status_of(&app, g2["accessId"].as_str().unwrap()).await,
            "EXPIRED"
        );
        assert_eq!(check(&other, CARD_WORLD).await["status"], "GRANTED");
        app.finish().await;
    }
}

/// Ten terminals tapping one card at the same instant, round after round, on a card with 3 free
/// entries and no paid terms: one grant per round, exactly 3 entries in all, on every database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_terminals_never_spend_more_than_the_card_has() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let loc = uuid::Uuid::new_v4().to_string();
        locations::ActiveModel {
            id: Set(loc.clone()),
            name: Set("Race Lounge".into()),
            country: Set("DEU".into()),
            service_code: Set("LOUNGE".into()),
            postal_code: Set("10115".into()),
            city: Set("Berlin".into()),
            address: Set(None),
            cooldown_minutes: Set(None),
            capacity: Set(None),
            stay_minutes: Set(120),
            offline_allowed: Set(true),
            offline_max_per_card_per_day: Set(None),
            time_zone: Set("Europe/Berlin".into()),
            tenant_id: Set(None),
            created_at: Set(0),
            updated_at: Set(0),
            created_by: Set("t".into()),
            modified_by: Set("t".into()),
        }
        .insert(&app.backend.db)
        .await
        .unwrap();
        add_bin(&app, "400000", "400000", "1111").await;
        add_ruleset(&app, free_only("400000", "1111", 3, &[&loc], &["LOUNGE"])).await;
        let mut terminals = Vec::new();
        for i in 0..10 {
            terminals.push(std::sync::Arc::new(
                paired(&app, &admin, &loc, &format!("RACE-{i:02}"), i).await,
            ));
        }
        for card in ["4000000000000002", "4000000000000010", "4000000000000028"] {
            // Each round, all 10 terminals tap at once; the card's hold lets at most one
            // through (the others see TEMPORARILY_BLOCKED), and the winner confirms before the
            // next round. After three entries every tap is LIMIT_EXCEEDED.
            let mut completed = 0;
            for round in 0..5 {
                let mut tasks = Vec::new();
                for t in &terminals {
                    let t = t.clone();
                    tasks.push(tokio::spawn(async move {
                        t.check(card, "CONTACTLESS").await.expect("check")
                    }));
                }
                let mut grants = Vec::new();
                let mut codes = Vec::new();
                for (i, task) in tasks.into_iter().enumerate() {
                    let g = task.await.unwrap();
                    if g["status"] == "GRANTED" {
                        grants.push((i, g["accessId"].as_str().unwrap().to_owned()));
                    } else {
                        codes.push(g["code"].as_str().unwrap().to_owned());
                    }
                }
                let name = app.db.name();
                assert!(grants.len() <= 1, "{name}: round {round}: {grants:?}");
                if round < 3 {
                    assert_eq!(grants.len(), 1, "{name}: round {round}: {codes:?}");
                    assert!(
                        codes.iter().all(|c| c == "TEMPORARILY_BLOCKED"),
                        "{name}: round {round}: {codes:?}"
                    );
                } else {
                    // Spent: no grant. A tap racing another's (rejecting) decision may still be
                    // told TEMPORARILY_BLOCKED if that decision outlasts the hold wait.
                    assert!(codes.contains(&"LIMIT_EXCEEDED".to_owned()), "{codes:?}");
                    assert!(
                        codes
                            .iter()
                            .all(|c| c == "LIMIT_EXCEEDED" || c == "TEMPORARILY_BLOCKED"),
                        "{name}: round {round}: {codes:?}"
                    );
                }
                for (i, access) in grants {
                    let c = terminals[i].confirm(&access, 0, 0).await.expect("confirm");
                    assert_eq!(c["status"], "COMPLETED");
                    completed += 1;
                }
            }
            assert_eq!(completed, 3, "{}: card {card}", app.db.name());
            let rows = operations::Entity::find()
                .filter(operations::Column::PanHash.eq(app.backend.keys.pan_hash(card)))
                .filter(operations::Column::Status.eq("COMPLETED"))
                .all(&app.backend.db)
                .await
                .unwrap();
            assert_eq!(rows.len(), 3);
        }
        // Free-for-all: 50 check+confirm pairs, 5 per terminal, all terminals at once; a tap
        // told TEMPORARILY_BLOCKED taps again (as a cardholder would). Exactly 3 complete and
        // every other pair ends LIMIT_EXCEEDED, card after card.
        for card in ["4000000000000036", "4000000000000044", "4000000000000051"] {
            let mut tasks = Vec::new();
            for t in &terminals {
                let t = t.clone();
                tasks.push(tokio::spawn(async move {
                    let mut outcomes = Vec::new();
                    for _ in 0..5 {
                        let mut tries = 0;
                        let outcome = loop {
                            let g = t.check(card, "CONTACTLESS").await.expect("check");
                            if g["status"] == "GRANTED" {
                                let c = t
                                    .confirm(g["accessId"].as_str().unwrap(), 0, 0)
                                    .await
                                    .expect("confirm");
                                break c["status"].as_str().unwrap().to_owned();
                            }
                            let code = g["code"].as_str().unwrap().to_owned();
                            tries += 1;
                            if code != "TEMPORARILY_BLOCKED" || tries > 500 {
                                break code;
                            }
                            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                        };
                        outcomes.push(outcome);
                    }
                    outcomes
                }));
            }
            let mut outcomes = Vec::new();
            for task in tasks {
                outcomes.extend(task.await.unwrap());
            }
            let completed = outcomes.iter().filter(|o| *o == "COMPLETED").count();
            let name = app.db.name();
            assert_eq!(completed, 3, "{name}: {card}: {outcomes:?}");
            assert!(
                outcomes
                    .iter()
                    .all(|o| o == "COMPLETED" || o == "LIMIT_EXCEEDED"),
                "{name}: {card}: {outcomes:?}"
            );
            let rows = operations::Entity::find()
                .filter(operations::Column::PanHash.eq(app.backend.keys.pan_hash(card)))
                .filter(operations::Column::Status.eq("COMPLETED"))
                .all(&app.backend.db)
                .await
                .unwrap();
            assert_eq!(rows.len(), 3, "{name}: {card}");
        }
        app.finish().await;
    }
}

/// Each app server keeps the rulesets and the BIN table in memory (checked against
/// `decision_data_version` on every tap): a change saved through one server — or written
/// straight into the database — decides the very next check on another server.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ruleset_or_bin_change_decides_the_next_check_on_another_app_server() {
    for app in TestApp::each().await {
        let second = backend::Backend::new(
            app.db.open().await,
            std::sync::Arc::new(app.clock.clone()),
            backend::Keys::for_tests(),
            backend::Settings::default(),
        );
        let second_base = server::startup::spawn_for_tests(second).await.unwrap();
        let admin = app.admin_token().await;
        let mut t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        t.base_url = second_base;
        add_bin(&app, "40044400", "40044499", "4444").await;
        let mut r = free_only("400444", "4444", 5, &[LOC_WAW_LOUNGE], &["LOUNGE"]);
        add_ruleset(&app, r.clone()).await;
        let card = |n: u32| common::luhn(&format!("400444000000{n:03}"));

        // The second server reads (and keeps) the ruleset: granted.
        let g = check(&t, &card(1)).await;
        assert_eq!(g["status"], "GRANTED", "{g}");

        // A new version that has ended: the second server's next check rejects.
        r.valid_to = Some(app.backend.clock.now() - minutes(1));
        add_ruleset(&app, r.clone()).await;
        let g = check(&t, &card(2)).await;
        assert_eq!(
            g["status"], "REJECTED",
            "an ended ruleset still granted: {g}"
        );

        // Valid again: granted again.
        r.valid_to = None;
        add_ruleset(&app, r.clone()).await;
        let g = check(&t, &card(3)).await;
        assert_eq!(g["status"], "GRANTED", "{g}");

        // The card's BIN range removed by hand in the database: the card is unknown at once.
        bin_ranges::Entity::delete_many()
            .filter(bin_ranges::Column::BinFrom.eq("40044400"))
            .exec(&app.backend.db)
            .await
            .unwrap();
        let g = check(&t, &card(4)).await;
        assert_eq!(
            g["status"], "REJECTED",
            "a removed BIN range still granted: {g}"
        );
        app.finish().await;
    }
}
