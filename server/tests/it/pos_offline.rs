//! Offline mode through HTTP with the terminal simulator: fallback BIN ranges and whitelisted
//! PAN hashes (rule and enrollment changes, ETag/304, the shared HMAC vectors), and offline
//! reports (idempotency, races, atomic validation, over-limit flags, a lost answer retried).

use crate::common;

use access_core::domain::{
    BinRange, CardholderTerms, GuestTerms, Limit, LocationScope, Pan, Ruleset,
};
use backend::db::TestDb;
use backend::demo::{self, LOC_BER_LOUNGE, LOC_WAW_FAST, LOC_WAW_LOUNGE};
use backend::demo_world::{CARD_GOLD, CARD_NO_RULES, CARD_WORLD};
use backend::entity::{bin_ranges, enrolled_cards, operations};
use backend::{Backend, Keys, ManualClock, Settings};
use chrono::{DateTime, Duration, Utc};
use common::pos::paired;
use common::{luhn, TestApp};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{json, Value};
use server::sim::offline::{self as sim_offline, QueuedEntry, ReportOptions};
use server::sim::state::StateDir;
use server::sim::Terminal;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A conditional GET of an offline list: status, ETag, body.
async fn get_list(t: &Terminal, path: &str, etag: Option<&str>) -> (u16, Option<String>, Value) {
    let mut req = t
        .http()
        .get(format!("{}{path}", t.base_url))
        .bearer_auth(t.token());
    if let Some(tag) = etag {
        req = req.header("If-None-Match", tag);
    }
    let resp = req.send().await.expect("list request");
    let status = resp.status().as_u16();
    let tag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = resp.text().await.unwrap_or_default();
    (
        status,
        tag,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn ranges(t: &Terminal) -> (String, Vec<Value>) {
    let (s, tag, body) = get_list(t, "/pos/fallback_bin_ranges", None).await;
    assert_eq!(s, 200, "{body}");
    (
        tag.expect("ETag"),
        body["ranges"].as_array().unwrap().clone(),
    )
}

async fn hashes(t: &Terminal) -> (String, Vec<String>) {
    let (s, tag, body) = get_list(t, "/pos/whitelisted_pans", None).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["algorithm"], "HMAC-SHA256");
    let list = body["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_owned())
        .collect();
    (tag.expect("ETag"), list)
}

fn range(from: &str, to: &str, service: &str) -> Value {
    json!({"from": from, "to": to, "service": service})
}

async fn add_ruleset(app: &TestApp, r: &Ruleset) {
    backend::repo::rulesets::save_version(&app.backend.db, r, None, "test", app.backend.now_ms())
        .await
        .unwrap();
}

async fn add_bin(app: &TestApp, from: &str, to: &str, ica: &str, product: &str) {
    bin_ranges::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        bin_from: Set(from.into()),
        bin_to: Set(to.into()),
        ica: Set(ica.into()),
        issuer_name: Set("Test Bank".into()),
        issuer_country: Set("POL".into()),
        product_code: Set(product.into()),
        created_at: Set(0),
    }
    .insert(&app.backend.db)
    .await
    .unwrap();
}

/// Free entries only, `free` of them, at the given locations and services.
fn free_only(
    ranges: &[(&str, &str, &str)],
    free: u32,
    locations: &[&str],
    services: &[&str],
) -> Ruleset {
    let mut r = backend::demo_world::demo_rulesets(common::start_time()).remove(0);
    r.id = uuid::Uuid::new_v4();
    r.name = format!("test {}", r.id);
    r.issuer_country = None;
    r.product_codes = vec![];
    r.bin_ranges = ranges
        .iter()
        .map(|(from, to, ica)| BinRange {
            ica: ica.to_string(),
            from: from.to_string(),
            to: to.to_string(),
        })
        .collect();
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

/// Enroll a card as the MRS integration would: hashes from the server's keys.
async fn enroll(app: &TestApp, pan: &str, ica: &str, product: &str) -> String {
    let p = Pan::parse(pan).unwrap();
    let id = uuid::Uuid::new_v4().to_string();
    enrolled_cards::ActiveModel {
        id: Set(id.clone()),
        pan_hash: Set(app.backend.keys.pan_hash(pan)),
        whitelist_hash: Set(app.backend.keys.whitelist_hash(pan)),
        masked_pan: Set(p.masked()),
        bin: Set(p.bin(6).to_owned()),
        last4: Set(p.last4().to_owned()),
        aref: Set(format!("AREF-{id}")),
        ica: Set(ica.into()),
        product_code: Set(product.into()),
        enrolled_at: Set(app.backend.now_ms()),
        created_at: Set(app.backend.now_ms()),
        status: Set(enrolled_cards::ENROLLED.into()),
        unenrolled_at: Set(None),
        updated_at: Set(0),
    }
    .insert(&app.backend.db)
    .await
    .unwrap();
    id
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn entry(pan: &str, at: DateTime<Utc>, basis: &str, adults: u32, children: u32) -> QueuedEntry {
    QueuedEntry {
        offline_id: uuid::Uuid::new_v4().to_string(),
        pan: pan.into(),
        occurred_at: ts(at),
        basis: basis.into(),
        adult_guests: adults,
        child_guests: children,
    }
}

async fn report(t: &Terminal, entries: &[QueuedEntry]) -> Vec<Value> {
    let (s, body) = t.offline_report(entries).await.expect("report sent");
    assert_eq!(s, 200, "{body}");
    body["results"].as_array().unwrap().clone()
}

/// Operations stored from offline reports (the demo's history has OFFLINE rows of its own,
/// without an `offline_id`).
async fn offline_ops(app: &TestApp) -> Vec<operations::Model> {
    operations::Entity::find()
        .filter(operations::Column::OpType.eq("OFFLINE"))
        .filter(operations::Column::OfflineId.is_not_null())
        .all(&app.backend.db)
        .await
        .unwrap()
}

async fn admin_op(app: &TestApp, admin: &str, id: &str) -> Value {
    let (s, body) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/operations/{id}"),
            admin,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["operation"].clone()
}

fn hours(n: i64) -> Duration {
    Duration::hours(n)
}

// ---------------------------------------------------------------------------------------------
// Lists

#[tokio::test]
async fn ranges_follow_rules_with_etag_and_304() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let fast = paired(&app, &admin, LOC_WAW_FAST, "PAX-A920-DEMO0003", 1).await;

        // The demo: "World" (POL, lounge, 54123400–54123499) at the Warsaw lounge; "Gold"
        // (fast line, listed location) at the Warsaw fast line only.
        let (tag0, r) = ranges(&t).await;
        assert_eq!(r, vec![range("541234", "541234", "LOUNGE")], "{name}");
        assert_eq!(
            ranges(&fast).await.1,
            vec![range("222100", "222100", "FAST_LINE")],
            "{name}"
        );
        let (s, tag, body) = get_list(&t, "/pos/fallback_bin_ranges", Some(&tag0)).await;
        assert_eq!(
            (s, tag.as_deref(), body),
            (304, Some(tag0.as_str()), Value::Null)
        );

        // Overlapping and adjacent ranges merge; another location's and another service's
        // rulesets stay out; a ruleset starting within validUntil (default 24 h) is in.
        let here = free_only(
            &[
                ("54123450", "54123599", "1234"),
                ("54123600", "54123649", "1234"),
                ("400000", "400099", "4000"),
            ],
            1,
            &[LOC_WAW_LOUNGE],
            &["LOUNGE"],
        );
        add_ruleset(&app, &here).await;
        add_ruleset(
            &app,
            &free_only(
                &[("300000", "300000", "3")],
                1,
                &[LOC_BER_LOUNGE],
                &["LOUNGE"],
            ),
        )
        .await;
        add_ruleset(
            &app,
            &free_only(
                &[("310000", "310000", "3")],
                1,
                &[LOC_WAW_LOUNGE],
                &["FAST_LINE"],
            ),
        )
        .await;
        let mut later = free_only(
            &[("600000", "600000", "6")],
            1,
            &[LOC_WAW_LOUNGE],
            &["LOUNGE"],
        );
        later.valid_from = app.backend.clock.now() + hours(12);
        add_ruleset(&app, &later).await;
        let mut expired = free_only(
            &[("610000", "610000", "6")],
            1,
            &[LOC_WAW_LOUNGE],
            &["LOUNGE"],
        );
        expired.valid_from = app.backend.clock.now() - hours(48);
        expired.valid_to = Some(app.backend.clock.now() - hours(1));
        add_ruleset(&app, &expired).await;

        let (tag1, r) = ranges(&t).await;
        assert_ne!(tag1, tag0);
        assert_eq!(
            r,
            vec![
                range("400000", "400099", "LOUNGE"),
                range("54123400", "54123649", "LOUNGE"),
                range("600000", "600000", "LOUNGE"),
            ],
            "{name}"
        );
        // The old tag no longer matches: 200 with the new list.
        let (s, tag, _) = get_list(&t, "/pos/fallback_bin_ranges", Some(&tag0)).await;
        assert_eq!((s, tag), (200, Some(tag1.clone())));
        // A shorter validUntil leaves the later ruleset out; a bad one is a 400.
        let until = ts(app.backend.clock.now() + hours(1));
        let (s, _, body) = get_list(
            &t,
            &format!("/pos/fallback_bin_ranges?validUntil={until}"),
            None,
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(body["validUntil"], until.as_str());
        assert_eq!(body["ranges"].as_array().unwrap().len(), 2, "{body}");
        let (s, _, body) = get_list(&t, "/pos/fallback_bin_ranges?validUntil=tomorrow", None).await;
        assert_eq!(s, 400);
        assert_eq!(body["error"]["code"], "INVALID_REQUEST");

        // Deleting the rules (admin API) brings the first list, and its tag, back.
        for id in [here.id, later.id] {
            let (s, body) = app
                .call(
                    Method::DELETE,
                    &format!("/api/v1/admin/rulesets/{id}"),
                    &admin,
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
        }
        let (tag2, r) = ranges(&t).await;
        assert_eq!((tag2, r), (tag0, vec![range("541234", "541234", "LOUNGE")]));
        app.finish().await;
    }
}

#[tokio::test]
async fn whitelist_follows_enrollment_and_usage_with_etag_and_304() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let keys = &app.backend.keys;

        // Only the World card: the Gold card's entries are paid, the business card's need
        // spend, the no-rules card is not enrolled.
        let (tag0, h) = hashes(&t).await;
        assert_eq!(h, vec![keys.whitelist_hash(CARD_WORLD)], "{name}");
        let (s, tag, _) = get_list(&t, "/pos/whitelisted_pans", Some(&tag0)).await;
        assert_eq!((s, tag.as_deref()), (304, Some(tag0.as_str())));

        // Enrolling: a World card in range joins; a card of another product or another ICA,
        // or out of every range, does not.
        let newcomer = luhn("541234000000077");
        let id = enroll(&app, &newcomer, "1234", "MCW").await;
        enroll(&app, &luhn("541234000000088"), "1234", "MCG").await;
        enroll(&app, &luhn("541234000000099"), "9876", "MCW").await;
        enroll(&app, &luhn("541299000000011"), "1234", "MCW").await;
        let (tag1, h) = hashes(&t).await;
        assert_ne!(tag1, tag0);
        let mut want = vec![
            keys.whitelist_hash(CARD_WORLD),
            keys.whitelist_hash(&newcomer),
        ];
        want.sort();
        assert_eq!(h, want, "{name}");
        assert!(h.iter().all(|x| x.len() == 64
            && x.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))));

        // Usage: the World card spends its 3 free visits (online), and drops out.
        for i in 0..3 {
            let g = t.check(CARD_WORLD, "CONTACTLESS").await.unwrap();
            assert_eq!(g["status"], "GRANTED", "{name} visit {i}: {g}");
            t.confirm(g["accessId"].as_str().unwrap(), 0, 0)
                .await
                .unwrap();
            app.clock.advance(hours(2));
        }
        assert_eq!(
            hashes(&t).await.1,
            vec![keys.whitelist_hash(&newcomer)],
            "{name}"
        );

        // Un-enrolling removes the card; a free-only ruleset's per-location cap counts.
        enrolled_cards::Entity::delete_by_id(id)
            .exec(&app.backend.db)
            .await
            .unwrap();
        assert_eq!(hashes(&t).await.1, Vec::<String>::new(), "{name}");
        add_bin(&app, "450000", "450099", "45", "MCS").await;
        let mut capped = free_only(
            &[("450000", "450099", "0045")],
            5,
            &[LOC_WAW_LOUNGE],
            &["LOUNGE"],
        );
        capped.cardholder.per_location_cap = Some(1);
        add_ruleset(&app, &capped).await;
        let capped_card = luhn("450001000000001");
        enroll(&app, &capped_card, "45", "MCS").await;
        assert_eq!(
            hashes(&t).await.1,
            vec![keys.whitelist_hash(&capped_card)],
            "{name}: leading zeros of the ICA don't matter"
        );
        let g = t.check(&capped_card, "CHIP").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{g}");
        t.confirm(g["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        assert_eq!(hashes(&t).await.1, Vec::<String>::new(), "{name}");
        app.finish().await;
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vector {
    secret_hex: String,
    pan: String,
    hmac_sha256_hex: String,
}

fn vectors() -> Vec<Vector> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/data/whitelist-hmac-vectors.json"
    ))
    .expect("vector file");
    let v: Value = serde_json::from_str(&text).unwrap();
    serde_json::from_value(v["vectors"].clone()).unwrap()
}

/// A test server whose whitelist secret is `secret` (the rest as `TestApp::start`).
async fn start_with_whitelist_secret(db: TestDb, secret: Vec<u8>) -> TestApp {
    let conn = db.open().await;
    let clock = ManualClock::new(common::start_time());
    let keys = Keys::new(vec![1; 32], secret, vec![3; 32]);
    let backend = Backend::new(conn, Arc::new(clock.clone()), keys, Settings::default());
    let report = demo::seed(&backend, Some(common::ADMIN_PASSWORD.into()))
        .await
        .expect("seed demo");
    let base = server::startup::spawn_for_tests(backend.clone())
        .await
        .expect("spawn server");
    TestApp {
        base,
        backend,
        clock,
        http: reqwest::Client::new(),
        others_password: report.other_users_password.unwrap_or_default(),
        db,
    }
}

#[tokio::test]
async fn hashes_match_the_independent_vectors() {
    let vs = vectors();
    assert_eq!(vs.len(), 4);
    for v in &vs {
        let secret = hex::decode(&v.secret_hex).unwrap();
        let keys = Keys::new(vec![0; 32], secret.clone(), vec![0; 32]);
        assert_eq!(
            keys.whitelist_hash(&v.pan),
            v.hmac_sha256_hex,
            "server, {}",
            v.pan
        );
        assert_eq!(
            sim_offline::whitelist_hash(&secret, &v.pan),
            v.hmac_sha256_hex,
            "simulator, {}",
            v.pan
        );
    }
    // End to end: a server configured with the first vector's secret lists the World card
    // (the first vector's PAN) with exactly the vector's hash, and the simulator given the same
    // secret admits it on the whitelist.
    let first = &vs[0];
    assert_eq!(first.pan, CARD_WORLD);
    for db in TestDb::all().await {
        let secret = hex::decode(&first.secret_hex).unwrap();
        let app = start_with_whitelist_secret(db, secret.clone()).await;
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        assert_eq!(hashes(&t).await.1, vec![first.hmac_sha256_hex.clone()]);
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path()).unwrap();
        sim_offline::sync(&t, &state).await.unwrap();
        let now = (t.clock)();
        assert_eq!(
            sim_offline::decide(&state, CARD_WORLD, Some(&secret), now).unwrap(),
            Some("WHITELIST")
        );
        app.finish().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Reports

#[tokio::test]
async fn reported_twice_recorded_once_and_counted() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let now = app.backend.clock.now();
        let entries = vec![
            entry(CARD_WORLD, now - hours(4), "WHITELIST", 1, 1),
            entry(CARD_WORLD, now - hours(2), "BIN_RANGE", 0, 0),
            entry(&luhn("541234000000123"), now - hours(1), "BIN_RANGE", 0, 0),
        ];
        let first = report(&t, &entries).await;
        assert_eq!(first.len(), 3);
        for (r, e) in first.iter().zip(&entries) {
            assert_eq!(r["offlineId"], e.offline_id.as_str());
            assert_eq!(r["status"], "RECORDED", "{name}: {r}");
            assert_eq!(r["overLimit"], false, "{name}: {r}");
        }
        // Again, and with one id twice in the same request: the first operations' ids.
        let mut again = entries.clone();
        again.push(entries[0].clone());
        let second = report(&t, &again).await;
        for (i, r) in second.iter().enumerate() {
            assert_eq!(r["status"], "DUPLICATE", "{name}: {r}");
            assert_eq!(r["operationId"], first[i % 3]["operationId"], "{name}");
        }
        let fresh = entry(CARD_WORLD, now - hours(6), "WHITELIST", 0, 0);
        let in_one = report(&t, &[fresh.clone(), fresh.clone()]).await;
        assert_eq!(in_one[0]["status"], "RECORDED");
        assert_eq!(in_one[1]["status"], "DUPLICATE");
        assert_eq!(in_one[0]["operationId"], in_one[1]["operationId"]);

        let ops = offline_ops(&app).await;
        assert_eq!(ops.len(), 4, "{name}");
        for o in &ops {
            assert_eq!(
                (o.status.as_str(), o.op_type.as_str()),
                ("COMPLETED", "OFFLINE")
            );
            let row = serde_json::to_string(o).unwrap();
            assert!(
                !row.contains(CARD_WORLD) && !row.contains("541234000000123"),
                "{row}"
            );
        }
        // The panel's view (admin API): type, basis time, guests, ruleset.
        let op = admin_op(&app, &admin, first[0]["operationId"].as_str().unwrap()).await;
        assert_eq!(op["op_type"], "OFFLINE");
        assert_eq!(op["status"], "COMPLETED");
        assert_eq!(op["over_limit"], false);
        assert_eq!(op["masked_pan"], "541234******1232");
        assert_eq!(op["occurred_at"], (now - hours(4)).timestamp_millis());
        assert_eq!(op["ruleset_id"], backend::demo_world::RULESET_WORLD);
        assert_eq!(
            (
                op["free_adult_guests"].as_i64(),
                op["free_child_guests"].as_i64()
            ),
            (Some(1), Some(1))
        );

        // They count: 3 free visits a year, 3 used offline → the online tap is paid.
        let g = t.check(CARD_WORLD, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        assert_eq!(g["cardholder"]["paid"], true, "{name}: {g}");
        app.finish().await;
    }
}

#[tokio::test]
async fn over_limit_entries_are_recorded_and_flagged() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let now = app.backend.clock.now();
        add_bin(&app, "470000", "470000", "47", "MCS").await;
        add_ruleset(
            &app,
            &free_only(
                &[("470000", "470000", "47")],
                1,
                &[LOC_WAW_LOUNGE],
                &["LOUNGE"],
            ),
        )
        .await;
        let one_free = luhn("470000000000555");
        // Sent newest first: the entries are judged in time order, so the earliest gets the
        // one free entry.
        let limit = vec![
            entry(&one_free, now - hours(1), "BIN_RANGE", 0, 0),
            entry(&one_free, now - hours(3), "BIN_RANGE", 0, 0),
            entry(&one_free, now - hours(5), "BIN_RANGE", 0, 0),
        ];
        let r = report(&t, &limit).await;
        let flags: Vec<_> = r
            .iter()
            .map(|x| x["overLimit"].as_bool().unwrap())
            .collect();
        assert_eq!(flags, vec![true, true, false], "{name}: {r:?}");
        let op = admin_op(&app, &admin, r[0]["operationId"].as_str().unwrap()).await;
        assert_eq!(
            (op["over_limit"].clone(), op["reject_code"].clone()),
            (json!(true), json!("LIMIT_EXCEEDED"))
        );
        assert_eq!(op["status"], "COMPLETED");

        // Cooldown (60 min here), guests above the grant's max, no rules, and an earlier
        // report's entries (a later report sees them).
        let r = report(
            &t,
            &[
                entry(CARD_WORLD, now - hours(6), "WHITELIST", 0, 0),
                entry(
                    CARD_WORLD,
                    now - hours(6) + Duration::minutes(10),
                    "WHITELIST",
                    0,
                    0,
                ),
                entry(CARD_WORLD, now - hours(3), "WHITELIST", 5, 0),
                entry(CARD_NO_RULES, now - hours(2), "BIN_RANGE", 0, 0),
            ],
        )
        .await;
        let flags: Vec<_> = r
            .iter()
            .map(|x| x["overLimit"].as_bool().unwrap())
            .collect();
        assert_eq!(flags, vec![false, true, true, true], "{name}: {r:?}");
        let codes = [
            (1, json!("COOLDOWN_ACTIVE")),
            (2, Value::Null),
            (3, json!("MISSING_ACCESS_RULES")),
        ];
        for (i, code) in codes {
            let op = admin_op(&app, &admin, r[i]["operationId"].as_str().unwrap()).await;
            assert_eq!(op["reject_code"], code, "{name}: entry {i}: {op}");
            assert_eq!(op["over_limit"], true);
        }
        let later = report(&t, &[entry(&one_free, now - hours(7), "BIN_RANGE", 0, 0)]).await;
        assert_eq!(
            later[0]["overLimit"], true,
            "{name}: the first report's entries count"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn an_invalid_entry_rejects_the_whole_request() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let now = app.backend.clock.now();
        let good = || entry(CARD_WORLD, now - hours(1), "WHITELIST", 0, 0);
        let body = |entries: Vec<Value>| json!({ "entries": entries });
        let as_json = |e: QueuedEntry| serde_json::to_value(e).unwrap();

        let mut bad_pan = as_json(good());
        bad_pan["pan"] = json!("5412345678901234");
        let mut future = as_json(good());
        future["occurredAt"] = json!(ts(now + Duration::minutes(5)));
        let mut negative = as_json(good());
        negative["adultGuests"] = json!(-1);
        let mut missing = as_json(good());
        missing.as_object_mut().unwrap().remove("basis");
        let cases = [
            (body(vec![as_json(good()), bad_pan]), "entries[1].pan"),
            (body(vec![future]), "entries[0].occurredAt"),
            (
                body(vec![as_json(good()), as_json(good()), negative]),
                "entries[2].adultGuests",
            ),
            (body(vec![missing]), "entries[0].basis"),
            (
                body((0..1001).map(|_| as_json(good())).collect()),
                "entries:",
            ),
            (json!({"entries": "all of them"}), "entries:"),
        ];
        for (req, field) in cases {
            let (s, v) = t
                .request(Method::POST, "/pos/offline_reports", Some(&req))
                .await
                .unwrap();
            assert_eq!(s, 400, "{name}: {field}: {v}");
            assert_eq!(v["error"]["code"], "INVALID_REQUEST");
            let msg = v["error"]["message"].as_str().unwrap();
            assert!(msg.starts_with(field), "{name}: {msg}");
            assert!(
                !msg.contains("5412345678901234") && !msg.contains(CARD_WORLD),
                "{msg}"
            );
        }
        // Over 1 MiB: 413.
        let huge = json!({"entries": [], "padding": "x".repeat(1_100_000)});
        let (s, v) = t
            .request(Method::POST, "/pos/offline_reports", Some(&huge))
            .await
            .unwrap();
        assert_eq!(
            (s, v["error"]["code"].clone()),
            (413, json!("PAYLOAD_TOO_LARGE"))
        );
        assert!(
            offline_ops(&app).await.is_empty(),
            "{name}: nothing recorded"
        );

        // Within the clock-skew allowance (60 s) is not the future.
        let mut skewed = good();
        skewed.occurred_at = ts(now + Duration::seconds(30));
        assert_eq!(report(&t, &[skewed]).await[0]["status"], "RECORDED");
        assert_eq!(report(&t, &[]).await, Vec::<Value>::new());
        app.finish().await;
    }
}

/// Overlapping reports at the same time — from one terminal, and the same ids from another
/// terminal too — store every entry exactly once and agree on its operation.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_overlapping_reports_store_each_entry_once() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let t = Arc::new(paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await);
        let other = Arc::new(paired(&app, &admin, LOC_WAW_LOUNGE, "PAX-A920-DEMO0002", 1).await);
        let now = app.backend.clock.now();
        let mut total = 0;
        for round in 0..3 {
            let all: Vec<QueuedEntry> = (0..30)
                .map(|i| {
                    let pan = luhn(&format!("541234{round}{i:08}"));
                    entry(
                        &pan,
                        now - Duration::minutes(90 - i as i64),
                        "BIN_RANGE",
                        0,
                        0,
                    )
                })
                .collect();
            let batches = [
                (t.clone(), all[0..20].to_vec()),
                (t.clone(), all[10..30].to_vec()),
                (t.clone(), all.iter().rev().cloned().collect::<Vec<_>>()),
                (t.clone(), all[3..9].to_vec()),
                (t.clone(), all[25..30].to_vec()),
                (other.clone(), all[5..25].to_vec()),
            ];
            let mut tasks = Vec::new();
            for (term, batch) in batches {
                tasks.push(tokio::spawn(async move {
                    let (s, body) = term.offline_report(&batch).await.expect("sent");
                    (s, body)
                }));
            }
            let mut recorded: HashMap<String, usize> = HashMap::new();
            let mut op_of: HashMap<String, String> = HashMap::new();
            for task in tasks {
                let (s, body) = task.await.unwrap();
                assert_eq!(s, 200, "{name}: round {round}: {body}");
                for r in body["results"].as_array().unwrap() {
                    let id = r["offlineId"].as_str().unwrap().to_owned();
                    let op = r["operationId"].as_str().unwrap().to_owned();
                    if r["status"] == "RECORDED" {
                        *recorded.entry(id.clone()).or_default() += 1;
                    }
                    let first = op_of.entry(id).or_insert_with(|| op.clone());
                    assert_eq!(*first, op, "{name}: round {round}: one operation per entry");
                }
            }
            assert_eq!(recorded.len(), 30, "{name}: round {round}");
            assert!(recorded.values().all(|n| *n == 1), "{name}: {recorded:?}");
            total += 30;
            let ops = offline_ops(&app).await;
            assert_eq!(ops.len(), total, "{name}: round {round}");
            let ids: HashSet<_> = ops.iter().filter_map(|o| o.offline_id.clone()).collect();
            assert_eq!(ids.len(), total);
        }
        app.finish().await;
    }
}

// ---------------------------------------------------------------------------------------------
// The simulator

#[tokio::test]
async fn simulator_syncs_enters_offline_and_retries_a_lost_answer_without_double_counting() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path()).unwrap();
        let secret = vec![2u8; 32]; // `Keys::for_tests()`'s whitelist secret

        let s = sim_offline::sync(&t, &state).await.unwrap();
        assert_eq!((s.ranges.count, s.whitelist.count), (1, 1), "{name}");
        assert!(s.ranges.changed && s.whitelist.changed);
        let s = sim_offline::sync(&t, &state).await.unwrap();
        assert!(
            !s.ranges.changed && !s.whitelist.changed,
            "{name}: 304 both"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("whitelisted-pans.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        // Offline decisions from the kept lists.
        let now = (t.clock)();
        let in_range = luhn("541234000000321");
        let e1 = sim_offline::enter_offline(&state, CARD_WORLD, 1, 0, Some(&secret), now).unwrap();
        assert_eq!(e1.unwrap().basis, "WHITELIST");
        let e2 = sim_offline::enter_offline(&state, CARD_WORLD, 0, 0, None, now + 7200).unwrap();
        assert_eq!(e2.unwrap().basis, "BIN_RANGE", "no secret: ranges only");
        let e3 = sim_offline::enter_offline(&state, &in_range, 0, 0, Some(&secret), now).unwrap();
        assert_eq!(e3.unwrap().basis, "BIN_RANGE");
        assert!(
            sim_offline::enter_offline(&state, CARD_NO_RULES, 0, 0, Some(&secret), now)
                .unwrap()
                .is_none()
        );
        assert!(
            sim_offline::enter_offline(&state, CARD_GOLD, 0, 0, Some(&secret), now)
                .unwrap()
                .is_none()
        );
        assert!(sim_offline::enter_offline(&state, "5412345678901234", 0, 0, None, now).is_err());
        // Lists past validUntil are not used.
        assert!(sim_offline::decide(&state, CARD_WORLD, None, now + 25 * 3600).is_err());
        let queued = sim_offline::queue(&state).unwrap();
        assert_eq!(queued.len(), 3);

        // The connection is cut after the server committed the first batch (2 entries).
        app.clock.advance(hours(4));
        let opts = ReportOptions {
            batch_size: 2,
            lose_first_response: true,
        };
        assert!(sim_offline::report(&t, &state, &opts).await.is_err());
        assert_eq!(
            sim_offline::queue(&state).unwrap(),
            queued,
            "{name}: queue kept"
        );
        assert_eq!(
            offline_ops(&app).await.len(),
            2,
            "{name}: the server committed"
        );
        // The retry sends everything again: the first two are DUPLICATE, nothing counts twice.
        let opts = ReportOptions {
            batch_size: 2,
            lose_first_response: false,
        };
        let s = sim_offline::report(&t, &state, &opts).await.unwrap();
        assert_eq!(
            (s.duplicates, s.recorded, s.remaining),
            (2, 1, 0),
            "{name}: {s:?}"
        );
        assert!(sim_offline::queue(&state).unwrap().is_empty());
        let ops = offline_ops(&app).await;
        assert_eq!(ops.len(), 3, "{name}");
        let ids: HashSet<_> = ops.iter().filter_map(|o| o.offline_id.clone()).collect();
        let sent: HashSet<_> = queued.iter().map(|q| q.offline_id.clone()).collect();
        assert_eq!(ids, sent);
        // Two of the World card's three free visits are used: the online tap shows one left.
        let g = t.check(CARD_WORLD, "CONTACTLESS").await.unwrap();
        assert_eq!(g["remainingVisits"]["free"], 0, "{name}: {g}");

        // An entry the server refuses is set aside; the rest goes through.
        let bad = QueuedEntry {
            occurred_at: ts(app.backend.clock.now() + hours(1)),
            ..entry(&in_range, app.backend.clock.now(), "BIN_RANGE", 0, 0)
        };
        let good = entry(&in_range, app.backend.clock.now(), "BIN_RANGE", 0, 0);
        std::fs::write(
            dir.path().join("offline-queue.json"),
            serde_json::to_vec(&vec![bad.clone(), good]).unwrap(),
        )
        .unwrap();
        let s = sim_offline::report(&t, &state, &ReportOptions::default())
            .await
            .unwrap();
        assert_eq!(
            (s.set_aside, s.recorded, s.remaining),
            (1, 1, 0),
            "{name}: {s:?}"
        );
        assert_eq!(sim_offline::rejected(&state).unwrap(), vec![bad]);

        // A day later the lists are revalidated (304) and usable again.
        app.clock.advance(hours(24));
        let now = (t.clock)();
        assert!(sim_offline::decide(&state, &in_range, None, now).is_err());
        let s = sim_offline::sync(&t, &state).await.unwrap();
        assert!(!s.ranges.changed, "{name}");
        assert_eq!(
            sim_offline::decide(&state, &in_range, None, now).unwrap(),
            Some("BIN_RANGE")
        );
        app.finish().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Measurement (ignored by default)

/// `cargo test -p server --test pos_offline -- --ignored --nocapture whitelist_100k`
#[tokio::test]
#[ignore = "measurement: inserts 100,000 enrolled cards"]
async fn whitelist_100k() {
    const CARDS: usize = 100_000;
    const USED_UP: usize = 1_000;
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let now = app.backend.now_ms();
        let started = std::time::Instant::now();
        let mut rows = Vec::with_capacity(1000);
        let mut used_up_hashes = Vec::new();
        for i in 0..CARDS {
            let pan = luhn(&format!("5412349{i:08}"));
            let pan_hash = app.backend.keys.pan_hash(&pan);
            if i < USED_UP {
                used_up_hashes.push(pan_hash.clone());
            }
            rows.push(enrolled_cards::ActiveModel {
                id: Set(uuid::Uuid::new_v4().to_string()),
                pan_hash: Set(pan_hash),
                whitelist_hash: Set(app.backend.keys.whitelist_hash(&pan)),
                masked_pan: Set(access_core::domain::mask_pan(&pan)),
                bin: Set(pan[..6].to_owned()),
                last4: Set(pan[pan.len() - 4..].to_owned()),
                aref: Set(format!("AREF-{i}")),
                ica: Set("1234".into()),
                product_code: Set("MCW".into()),
                enrolled_at: Set(now),
                created_at: Set(now),
                status: Set(enrolled_cards::ENROLLED.into()),
                unenrolled_at: Set(None),
                updated_at: Set(0),
            });
            if rows.len() == 1000 {
                enrolled_cards::Entity::insert_many(std::mem::take(&mut rows))
                    .exec_without_returning(&app.backend.db)
                    .await
                    .unwrap();
            }
        }
        // 1,000 cards have used their 3 free visits (3 completed operations each).
        let mut ops = Vec::new();
        for (i, h) in used_up_hashes.iter().enumerate() {
            for k in 0..3 {
                ops.push(operation_row(h, now - (i as i64 * 3 + k) * 60_000));
            }
        }
        for chunk in ops.chunks(200) {
            operations::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&app.backend.db)
                .await
                .unwrap();
        }
        let enrolled = enrolled_cards::Entity::find()
            .count(&app.backend.db)
            .await
            .unwrap();
        println!(
            "{name}: {enrolled} enrolled cards set up in {:?}",
            started.elapsed()
        );

        let mut best_http = std::time::Duration::MAX;
        let mut best_service = std::time::Duration::MAX;
        let mut count = 0;
        let mut bytes = 0;
        for _ in 0..3 {
            let s = std::time::Instant::now();
            let resp = t
                .http()
                .get(format!("{}/pos/whitelisted_pans", t.base_url))
                .bearer_auth(t.token())
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            let raw = resp.bytes().await.unwrap();
            best_http = best_http.min(s.elapsed());
            bytes = raw.len();
            let body: Value = serde_json::from_slice(&raw).unwrap();
            count = body["hashes"].as_array().unwrap().len();
            let s = std::time::Instant::now();
            let tref = backend::service::entry::TerminalRef {
                id: String::new(),
                serial: String::new(),
                location_id: Some(LOC_WAW_LOUNGE.into()),
            };
            backend::service::offline::whitelisted_pans(&app.backend, &tref, None)
                .await
                .unwrap();
            best_service = best_service.min(s.elapsed());
        }
        // + the demo's World card.
        assert_eq!(count, CARDS - USED_UP + 1, "{name}");
        println!(
            "{name}: whitelist of {count} hashes for {enrolled} enrolled cards: service {best_service:?}, \
             HTTP GET of {bytes} bytes {best_http:?} (best of 3, debug build)"
        );
        app.finish().await;
    }
}

fn operation_row(pan_hash: &str, at: i64) -> operations::ActiveModel {
    operations::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        op_type: Set("ONLINE".into()),
        status: Set("COMPLETED".into()),
        pan_hash: Set(pan_hash.to_owned()),
        masked_pan: Set("541234******0000".into()),
        bin: Set("541234".into()),
        last4: Set("0000".into()),
        terminal_id: Set(None),
        terminal_serial: Set(None),
        location_id: Set(Some(LOC_WAW_LOUNGE.into())),
        location_name: Set(None),
        service_code: Set(Some("LOUNGE".into())),
        country: Set(Some("POL".into())),
        ica: Set(Some("1234".into())),
        ica_name: Set(None),
        product_code: Set(Some("MCW".into())),
        entry_mode: Set("CHIP".into()),
        ruleset_id: Set(Some(backend::demo_world::RULESET_WORLD.into())),
        ruleset_version: Set(Some(1)),
        reject_code: Set(None),
        card_auth_response_code: Set(Some("00".into())),
        cardholder_paid: Set(false),
        cardholder_price_minor: Set(None),
        free_entry: Set(true),
        currency: Set(Some("EUR".into())),
        free_adult_guests: Set(0),
        paid_adult_guests: Set(0),
        free_child_guests: Set(0),
        paid_child_guests: Set(0),
        total_minor: Set(0),
        over_limit: Set(false),
        offline_id: Set(None),
        offline_basis: Set(None),
        expires_at: Set(None),
        requested_at: Set(at),
        occurred_at: Set(at),
        confirmed_at: Set(Some(at)),
        updated_at: Set(at),
        reversed_at: Set(None),
        reversed_by: Set(None),
        reversal_reason: Set(None),
        decision_json: Set(None),
        confirm_claim: Set(None),
        reserved_guests: Set(0),
        amounts: Set(None),
        offline_policy_breach: Set(None),
    }
}
