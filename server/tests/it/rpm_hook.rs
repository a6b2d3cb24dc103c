//! RPM rulesets (issue 19): with `--rpm-url` the server asks an external rule engine about
//! cards of rulesets flagged RPM, before deciding, with a short timeout. Tested through HTTP
//! with real RS256 terminals against a local stub engine (axum): approve → granted; refuse,
//! timeout or error → a clean `UNMET_REQUIREMENTS` reject; the engine never sees the clear PAN
//! and is asked only about RPM rulesets that cover the card; without `--rpm-url` the flag has
//! no effect.

use crate::common;

use access_core::domain::{BinRange, CardholderTerms, GuestTerms, Limit, LocationScope};
use axum::http::StatusCode as AxStatus;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use backend::entity::bin_ranges;
use backend::Settings;
use common::pos::paired;
use common::{luhn, TestApp};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{json, Value};
use server::rpm_http::HttpRpm;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const APPROVE: u8 = 0;
const REFUSE: u8 = 1;
const SLOW: u8 = 2;
const BROKEN: u8 = 3;
const GARBAGE: u8 = 4;

struct Stub {
    url: String,
    mode: Arc<AtomicU8>,
    seen: Arc<Mutex<Vec<Value>>>,
}

/// The external rule engine: answers as `mode` says, keeps every request body.
async fn stub() -> Stub {
    let mode = Arc::new(AtomicU8::new(APPROVE));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (m, s) = (mode.clone(), seen.clone());
    let app = Router::new().route(
        "/verdict",
        post(move |Json(body): Json<Value>| {
            let (m, s) = (m.clone(), s.clone());
            async move {
                s.lock().unwrap().push(body);
                match m.load(Ordering::SeqCst) {
                    APPROVE => Json(json!({"verdict": "APPROVE"})).into_response(),
                    REFUSE => Json(json!({"verdict": "REFUSE"})).into_response(),
                    SLOW => {
                        tokio::time::sleep(Duration::from_millis(1500)).await;
                        Json(json!({"verdict": "APPROVE"})).into_response()
                    }
                    BROKEN => AxStatus::INTERNAL_SERVER_ERROR.into_response(),
                    _ => Json(json!({"verdict": "MAYBE"})).into_response(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Stub {
        url: format!("http://{addr}/verdict"),
        mode,
        seen,
    }
}

/// A free, unlimited ruleset for one BIN at `loc`, RPM-flagged or not.
async fn ruleset(app: &TestApp, bin: &str, loc: &str, rpm: bool) -> String {
    bin_ranges::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        bin_from: Set(bin.into()),
        bin_to: Set(bin.into()),
        ica: Set("4722".into()),
        issuer_name: Set("RPM Bank".into()),
        issuer_country: Set("CHE".into()),
        product_code: Set("MCS".into()),
        created_at: Set(0),
    }
    .insert(&app.backend.db)
    .await
    .unwrap();
    let mut r = backend::demo_world::demo_rulesets(common::start_time()).remove(0);
    r.id = uuid::Uuid::new_v4();
    r.name = format!("rpm {bin}");
    r.rpm = rpm;
    r.issuer_country = None;
    r.product_codes = vec![];
    r.bin_ranges = vec![BinRange {
        ica: "4722".into(),
        from: bin.into(),
        to: bin.into(),
    }];
    r.locations = LocationScope::Locations {
        ids: vec![uuid::Uuid::parse_str(loc).unwrap()],
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
    r.id.to_string()
}

#[tokio::test]
async fn the_rule_engine_decides_rpm_rulesets() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let engine = stub().await;
        // A second app server over the same database, configured with the rule engine (the
        // first one has none).
        let settings = Settings {
            rpm_timeout: Duration::from_millis(300),
            ..Settings::default()
        };
        let with_rpm = backend::Backend::new(
            app.db.open().await,
            Arc::new(app.clock.clone()),
            backend::Keys::for_tests(),
            settings,
        )
        .with_rpm(Arc::new(
            HttpRpm::new(&engine.url, Duration::from_millis(300), false).unwrap(),
        ));
        let rpm_base = server::startup::spawn_for_tests(with_rpm).await.unwrap();
        let admin = app.admin_token().await;
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &admin,
                Some(
                    json!({"name": "RPM Lounge", "country": "CHE", "service_code": "LOUNGE",
                            "postal_code": "8000", "city": "Zurich"}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let loc = body["id"].as_str().unwrap().to_owned();
        let rpm_ruleset = ruleset(&app, "472200", &loc, true).await;
        ruleset(&app, "472300", &loc, false).await;
        let mut t = paired(&app, &admin, &loc, "RPM-01", 0).await;
        t.base_url = rpm_base;
        let card = |n: u32| luhn(&format!("472200{n:09}"));

        // Approve: granted; the engine saw the masked PAN and the card hash, never the PAN.
        let pan = card(1);
        let g = t.check(&pan, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        let asked = engine.seen.lock().unwrap().clone();
        assert_eq!(asked.len(), 1, "{name}: {asked:?}");
        let q = &asked[0];
        assert_eq!(q["rulesetId"], rpm_ruleset.as_str());
        assert_eq!(q["locationId"], loc.as_str());
        assert_eq!(q["bin"], "472200");
        assert_eq!(
            q["maskedPan"],
            format!("472200******{}", &pan[pan.len() - 4..])
        );
        assert_eq!(q["cardHash"], app.backend.keys.pan_hash(&pan));
        assert_eq!(q["country"], "CHE");
        assert_eq!(q["service"], "LOUNGE");
        assert!(q["at"].as_str().unwrap().starts_with("2026-11-22T10:00:00"));
        assert!(!q.to_string().contains(&pan), "{name}: clear PAN sent");

        // Refuse: a clean reject with the contract's code for unmet requirements.
        engine.mode.store(REFUSE, Ordering::SeqCst);
        let r = t.check(&card(2), "CONTACTLESS").await.unwrap();
        assert_eq!(r["status"], "REJECTED", "{name}: {r}");
        assert_eq!(r["code"], "UNMET_REQUIREMENTS", "{name}: {r}");
        let (s, op) = app
            .call(
                Method::GET,
                &format!(
                    "/api/v1/admin/operations/{}",
                    r["accessId"].as_str().unwrap()
                ),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(op["operation"]["reject_code"], "UNMET_REQUIREMENTS");
        assert_eq!(op["operation"]["ruleset_id"], rpm_ruleset.as_str());

        // No verdict within the timeout, an error, an answer that is no verdict: the same.
        for (mode, what) in [
            (SLOW, "timeout"),
            (BROKEN, "HTTP 500"),
            (GARBAGE, "no verdict"),
        ] {
            engine.mode.store(mode, Ordering::SeqCst);
            let started = Instant::now();
            let r = t.check(&card(10 + u32::from(mode)), "CHIP").await.unwrap();
            assert_eq!(r["code"], "UNMET_REQUIREMENTS", "{name}: {what}: {r}");
            assert!(
                started.elapsed() < Duration::from_millis(1200),
                "{name}: {what}: the check waited {:?}",
                started.elapsed()
            );
        }

        // A ruleset without the flag: the engine is not asked.
        engine.mode.store(REFUSE, Ordering::SeqCst);
        let before = engine.seen.lock().unwrap().len();
        let g = t.check(&luhn("472300000000001"), "CHIP").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        assert_eq!(engine.seen.lock().unwrap().len(), before, "{name}");

        // The app server without --rpm-url: the flag has no effect.
        t.base_url = app.base.clone();
        let g = t.check(&card(30), "CHIP").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        assert_eq!(engine.seen.lock().unwrap().len(), before, "{name}");
        app.finish().await;
    }
}
