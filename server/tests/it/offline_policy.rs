//! Offline policy per location (issue 19, seed: "Defining fallback to offline entrances")
//! through HTTP with a real RS256 terminal: offline off → empty fallback BIN ranges and
//! whitelist (ETags follow the content: the old tag is no longer "not modified") and every
//! offline report flagged `OFFLINE_DISABLED`; a daily limit per card flags the entries beyond
//! it `DAILY_LIMIT` (recorded, over the limit, visible on the operation and in the export);
//! the location API validates the two fields.

use crate::common;

use access_core::domain::{BinRange, CardholderTerms, GuestTerms, Limit, LocationScope, Pan};
use backend::entity::{bin_ranges, enrolled_cards};
use chrono::{DateTime, Duration, Utc};
use common::pos::paired;
use common::{luhn, TestApp};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{json, Value};
use server::sim::offline::QueuedEntry;
use server::sim::Terminal;

fn location_body(offline_allowed: Value, max: Value) -> Value {
    json!({
        "name": "Offline Lounge", "country": "AUT", "service_code": "LOUNGE",
        "postal_code": "1010", "city": "Vienna",
        "offline_allowed": offline_allowed, "offline_max_per_card_per_day": max,
    })
}

async fn set_policy(app: &TestApp, admin: &str, loc: &str, allowed: bool, max: Value) -> Value {
    let (s, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/locations/{loc}"),
            admin,
            Some(location_body(json!(allowed), max)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body
}

/// A location with a free ruleset for BIN 471100 and one enrolled card in it.
async fn setup(app: &TestApp, admin: &str) -> (String, String) {
    let (s, body) = app
        .call(
            Method::POST,
            "/api/v1/admin/locations",
            admin,
            Some(location_body(Value::Null, Value::Null)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["offline_allowed"], true, "default: allowed");
    assert_eq!(body["offline_max_per_card_per_day"], Value::Null);
    let loc = body["id"].as_str().unwrap().to_owned();
    bin_ranges::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        bin_from: Set("471100".into()),
        bin_to: Set("471100".into()),
        ica: Set("4711".into()),
        issuer_name: Set("Test Bank".into()),
        issuer_country: Set("POL".into()),
        product_code: Set("MCS".into()),
        created_at: Set(0),
    }
    .insert(&app.backend.db)
    .await
    .unwrap();
    let mut r = backend::demo_world::demo_rulesets(common::start_time()).remove(0);
    r.id = uuid::Uuid::new_v4();
    r.name = "offline policy".into();
    r.issuer_country = None;
    r.product_codes = vec![];
    r.bin_ranges = vec![BinRange {
        ica: "4711".into(),
        from: "471100".into(),
        to: "471100".into(),
    }];
    r.locations = LocationScope::Locations {
        ids: vec![uuid::Uuid::parse_str(&loc).unwrap()],
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
    let pan = luhn("471100000000123");
    let p = Pan::parse(&pan).unwrap();
    let now = app.backend.now_ms();
    enrolled_cards::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        pan_hash: Set(app.backend.keys.pan_hash(&pan)),
        whitelist_hash: Set(app.backend.keys.whitelist_hash(&pan)),
        masked_pan: Set(p.masked()),
        bin: Set(p.bin(6).to_owned()),
        last4: Set(p.last4().to_owned()),
        aref: Set("AREF-OFFLINE-POLICY".into()),
        ica: Set("4711".into()),
        product_code: Set("MCS".into()),
        enrolled_at: Set(now),
        created_at: Set(now),
        status: Set(enrolled_cards::ENROLLED.into()),
        unenrolled_at: Set(None),
        updated_at: Set(0),
    }
    .insert(&app.backend.db)
    .await
    .unwrap();
    (loc, pan)
}

/// A conditional GET of an offline list: status, ETag, the list's items.
async fn list(t: &Terminal, path: &str, key: &str, etag: Option<&str>) -> (u16, String, Value) {
    let mut req = t
        .http()
        .get(format!("{}{path}", t.base_url))
        .bearer_auth(t.token());
    if let Some(tag) = etag {
        req = req.header("If-None-Match", tag);
    }
    let resp = req.send().await.expect("list");
    let status = resp.status().as_u16();
    let tag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, tag, body[key].clone())
}

fn entry(pan: &str, at: DateTime<Utc>) -> QueuedEntry {
    QueuedEntry {
        offline_id: uuid::Uuid::new_v4().to_string(),
        pan: pan.into(),
        occurred_at: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        basis: "WHITELIST".into(),
        adult_guests: 0,
        child_guests: 0,
    }
}

async fn report(t: &Terminal, entries: &[QueuedEntry]) -> Vec<Value> {
    let (s, body) = t.offline_report(entries).await.expect("report");
    assert_eq!(s, 200, "{body}");
    body["results"].as_array().unwrap().clone()
}

async fn operation(app: &TestApp, admin: &str, id: &Value) -> Value {
    let (s, body) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/operations/{}", id.as_str().unwrap()),
            admin,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["operation"].clone()
}

#[tokio::test]
async fn offline_off_empties_the_lists_and_flags_reports() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let (loc, pan) = setup(&app, &admin).await;
        let t = paired(&app, &admin, &loc, "OFFPOL-01", 0).await;
        let now = app.backend.clock.now();

        let (s, bins_on, ranges) = list(&t, "/pos/fallback_bin_ranges", "ranges", None).await;
        assert_eq!(s, 200);
        assert_eq!(
            ranges,
            json!([{"from": "471100", "to": "471100", "service": "LOUNGE"}]),
            "{name}"
        );
        let (s, pans_on, hashes) = list(&t, "/pos/whitelisted_pans", "hashes", None).await;
        assert_eq!(s, 200);
        assert_eq!(
            hashes,
            json!([app.backend.keys.whitelist_hash(&pan)]),
            "{name}"
        );

        let body = set_policy(&app, &admin, &loc, false, Value::Null).await;
        assert_eq!(body["offline_allowed"], false);
        // The terminal revalidating its lists gets the empty ones (not 304), with new tags
        // that then answer 304.
        let (s, bins_off, ranges) =
            list(&t, "/pos/fallback_bin_ranges", "ranges", Some(&bins_on)).await;
        assert_eq!((s, ranges), (200, json!([])), "{name}");
        assert_ne!(bins_off, bins_on);
        let (s, _, _) = list(&t, "/pos/fallback_bin_ranges", "ranges", Some(&bins_off)).await;
        assert_eq!(s, 304, "{name}");
        let (s, pans_off, hashes) =
            list(&t, "/pos/whitelisted_pans", "hashes", Some(&pans_on)).await;
        assert_eq!((s, hashes), (200, json!([])), "{name}");
        assert_ne!(pans_off, pans_on);
        let (s, _, _) = list(&t, "/pos/whitelisted_pans", "hashes", Some(&pans_off)).await;
        assert_eq!(s, 304, "{name}");

        // An offline entry made anyway (a list kept from before) is recorded, flagged.
        let r = report(&t, &[entry(&pan, now - Duration::hours(26))]).await;
        assert_eq!(r[0]["status"], "RECORDED", "{name}: {r:?}");
        assert_eq!(r[0]["overLimit"], true, "{name}: {r:?}");
        let op = operation(&app, &admin, &r[0]["operationId"]).await;
        assert_eq!(
            op["offline_policy_breach"], "OFFLINE_DISABLED",
            "{name}: {op}"
        );
        assert_eq!(op["over_limit"], true);
        assert_eq!(op["status"], "COMPLETED");

        // On again: the same content, so the same tags as before.
        set_policy(&app, &admin, &loc, true, Value::Null).await;
        let (s, tag, _) = list(&t, "/pos/fallback_bin_ranges", "ranges", Some(&bins_off)).await;
        assert_eq!((s, tag.as_str()), (200, bins_on.as_str()), "{name}");
        let (s, tag, _) = list(&t, "/pos/whitelisted_pans", "hashes", None).await;
        assert_eq!((s, tag.as_str()), (200, pans_on.as_str()), "{name}");
        app.finish().await;
    }
}

#[tokio::test]
async fn entries_beyond_the_daily_limit_are_recorded_and_flagged() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let (loc, pan) = setup(&app, &admin).await;
        let body = set_policy(&app, &admin, &loc, true, json!(2)).await;
        assert_eq!(body["offline_max_per_card_per_day"], 2);
        let t = paired(&app, &admin, &loc, "OFFPOL-02", 1).await;
        let now = app.backend.clock.now(); // 10:00 UTC
        let h = Duration::hours;
        // Three the same day (judged in time order: the latest is the third), one the day
        // before.
        let r = report(
            &t,
            &[
                entry(&pan, now - h(1)),
                entry(&pan, now - h(3)),
                entry(&pan, now - h(2)),
                entry(&pan, now - h(20)),
            ],
        )
        .await;
        let flags: Vec<_> = r.iter().map(|x| x["overLimit"].clone()).collect();
        assert_eq!(
            flags,
            vec![json!(true), json!(false), json!(false), json!(false)],
            "{name}: {r:?}"
        );
        let op = operation(&app, &admin, &r[0]["operationId"]).await;
        assert_eq!(op["offline_policy_breach"], "DAILY_LIMIT", "{name}: {op}");
        assert_eq!(op["status"], "COMPLETED", "recorded all the same");
        assert_eq!(
            op["reject_code"],
            Value::Null,
            "the rules themselves admitted it"
        );
        let ok = operation(&app, &admin, &r[1]["operationId"]).await;
        assert_eq!(ok["offline_policy_breach"], Value::Null);

        // A later report the same day sees the stored ones.
        let later = report(&t, &[entry(&pan, now - h(5))]).await;
        assert_eq!(later[0]["overLimit"], true, "{name}");

        // The detailed export carries the flag and the reason.
        let resp = app
            .http
            .get(app.url(
                "/api/v1/admin/reports/operations?format=csv&kind=detailed&terminal=OFFPOL-02",
            ))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let csv = resp.text().await.unwrap();
        let header = csv.lines().next().unwrap_or_default();
        assert!(header.contains("Offline policy breach"), "{name}: {header}");
        assert_eq!(csv.matches("DAILY_LIMIT").count(), 2, "{name}: {csv}");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_location_api_validates_the_policy() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &admin,
                Some(location_body(json!("maybe"), json!(0))),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        let fields: Vec<_> = body["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            fields,
            ["offline_allowed", "offline_max_per_card_per_day"],
            "{name}: {body}"
        );
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &admin,
                Some(location_body(json!(false), json!("3"))),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{name}: {body}");
        assert_eq!(body["offline_allowed"], false);
        assert_eq!(body["offline_max_per_card_per_day"], 3);
        app.finish().await;
    }
}
