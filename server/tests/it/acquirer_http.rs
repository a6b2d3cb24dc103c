//! The HTTP acquirer adapter against a local stub gateway: answers mapped to outcomes, and a
//! slow or broken gateway turned into a clean, prompt reject at the terminal.

use crate::common;

use access_core::domain::{Currency, Money};
use axum::extract::OriginalUri;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use backend::acquirer::{AcqOutcome, Acquirer};
use backend::demo::LOC_WAW_LOUNGE;
use backend::Settings;
use common::pos::paired;
use common::TestApp;
use serde_json::{json, Value};
use server::acquirer_http::HttpAcquirer;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A gateway stub: the PAN's last-but-one four digits choose the answer, like the simulator,
/// plus `7000` → sleeps 3 s, `7500` → HTTP 500, `7600` → not JSON. Check-time calls answer with
/// a reference `REF-<marker>-<n>`; calls on a reference answer by the marker it carries. It
/// records every request: the body plus `_path` and `_key` (the Idempotency-Key header).
async fn stub() -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let counter = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let answer = |seen: Arc<Mutex<Vec<Value>>>, counter: Arc<std::sync::atomic::AtomicU32>| {
        move |uri: OriginalUri, headers: HeaderMap, Json(body): Json<Value>| {
            let seen = seen.clone();
            let counter = counter.clone();
            async move {
                let path = uri.path().to_owned();
                let mut record = body.clone();
                record["_path"] = Value::String(path.clone());
                record["_key"] = headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .map(|k| Value::String(k.to_owned()))
                    .unwrap_or(Value::Null);
                seen.lock().unwrap().push(record);
                let on_reference = path.starts_with("/acq/authorizations/");
                let marker = if on_reference {
                    path.split('/')
                        .nth(3)
                        .and_then(|r| r.split('-').nth(1))
                        .map(str::to_owned)
                } else {
                    let pan = body["pan"].as_str().unwrap_or("").to_owned();
                    pan.get(pan.len().saturating_sub(5)..pan.len().saturating_sub(1))
                        .map(str::to_owned)
                };
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let reference = format!("REF-{}-{n}", marker.as_deref().unwrap_or("0000"));
                let ok = json!({"responseCode": "00", "reference": reference}).to_string();
                let funds = r#"{"responseCode":"51"}"#.to_owned();
                let (status, text) = match marker.as_deref() {
                    Some("7000") => {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        (StatusCode::OK, ok)
                    }
                    Some("7500") => (StatusCode::INTERNAL_SERVER_ERROR, "oops".to_owned()),
                    Some("7600") => (StatusCode::OK, "<html>".to_owned()),
                    Some("9051") if !path.ends_with("/account-status") => (StatusCode::OK, funds),
                    Some("9005") if path.ends_with("/account-status") => {
                        (StatusCode::OK, r#"{"responseCode":"05"}"#.to_owned())
                    }
                    _ => (StatusCode::OK, ok),
                };
                (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
            }
        }
    };
    let app = Router::new()
        .route(
            "/acq/account-status",
            post(answer(seen.clone(), counter.clone())),
        )
        .route(
            "/acq/authorizations",
            post(answer(seen.clone(), counter.clone())),
        )
        .route(
            "/acq/authorizations/{reference}/{action}",
            post(answer(seen.clone(), counter.clone())),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/acq"), seen)
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::from_code("EUR").unwrap())
}

#[tokio::test]
async fn gateway_answers_map_to_outcomes() {
    let (url, seen) = stub().await;
    let acq = HttpAcquirer::new(&url, Duration::from_millis(500)).unwrap();
    let ok = acq.account_status("5412340000000001", "k-1").await;
    assert_eq!(
        (ok.outcome, ok.response_code.as_str()),
        (AcqOutcome::Approved, "00")
    );
    let asi = acq.account_status("5412340000090051", "k-2").await;
    assert_eq!(
        (asi.outcome, asi.response_code.as_str()),
        (AcqOutcome::Declined, "05")
    );
    let funds = acq.authorize("5412340000090515", eur(2500), "k-3").await;
    assert_eq!(funds.outcome, AcqOutcome::InsufficientFunds);
    assert_eq!(funds.response_code, "51");
    for broken in ["5412340000075003", "5412340000076001"] {
        let r = acq.authorize(broken, eur(100), "k-4").await;
        assert_eq!(
            (r.outcome, r.response_code.as_str()),
            (AcqOutcome::Unavailable, "91")
        );
    }
    let started = Instant::now();
    let slow = acq.account_status("5412340000070004", "k-5").await;
    assert_eq!(slow.outcome, AcqOutcome::Unavailable);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let bodies = seen.lock().unwrap().clone();
    assert!(bodies
        .iter()
        .any(|b| b["amountMinor"] == 2500 && b["currency"] == "EUR"));

    // The lifecycle on a reference: additional authorization, void, refund; each with its
    // idempotency key, the reference path-escaped, no PAN.
    let r = ok.reference.clone().expect("a reference");
    assert!(r.starts_with("REF-0000-"), "{r}");
    assert!(acq
        .authorize_more(&r, eur(1000), "op:more")
        .await
        .approved());
    assert!(acq.void(&r, eur(1000), "op:void").await.approved());
    assert!(acq.refund(&r, eur(1000), "op:refund").await.approved());
    let funds_ref = acq
        .account_status("5412340000090515", "k-7")
        .await
        .reference
        .unwrap();
    assert_eq!(
        acq.authorize_more(&funds_ref, eur(2500), "op2:more")
            .await
            .outcome,
        AcqOutcome::InsufficientFunds
    );
    let bodies = seen.lock().unwrap().clone();
    for (action, key) in [
        ("increments", "op:more"),
        ("void", "op:void"),
        ("refunds", "op:refund"),
    ] {
        let b = bodies
            .iter()
            .find(|b| b["_path"] == format!("/acq/authorizations/{r}/{action}"))
            .unwrap_or_else(|| panic!("{action}: {bodies:?}"));
        assert_eq!(
            (b["_key"].as_str(), b["idempotencyKey"].as_str()),
            (Some(key), Some(key))
        );
        assert_eq!(
            (b["amountMinor"].as_i64(), b["pan"].as_str()),
            (Some(1000), None)
        );
    }

    let nowhere = HttpAcquirer::new("http://127.0.0.1:9", Duration::from_millis(300)).unwrap();
    assert_eq!(
        nowhere
            .account_status("5412340000000001", "k-6")
            .await
            .outcome,
        AcqOutcome::Unavailable
    );
}

/// Through the POS API: an approved card is granted via the gateway; a gateway that hangs
/// makes the terminal get CARD_ASI_FAILED within the configured timeout, not a hang.
#[tokio::test]
async fn slow_gateway_is_a_prompt_clean_reject_at_the_terminal() {
    let (url, _) = stub().await;
    let timeout = Duration::from_millis(400);
    for db in backend::db::TestDb::all().await {
        let settings = Settings {
            acquirer_timeout: timeout,
            ..Settings::default()
        };
        let acq = Arc::new(HttpAcquirer::new(&url, timeout).unwrap());
        let app = TestApp::start_with(db, settings, Some(acq)).await;
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, "ACQ-TEST-01", 0).await;

        // 54123400 + 7000 marker, Luhn-valid: the stub sleeps 3 s.
        let slow_card = "5412340000070004";
        assert!(access_core::domain::Pan::parse(slow_card).is_ok());
        let started = Instant::now();
        let g = t.check(slow_card, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "REJECTED", "{g}");
        assert_eq!(g["code"], "CARD_ASI_FAILED", "{g}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );

        let g = t.check("5412340000000001", "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{g}");
        app.finish().await;
    }
}

/// Through the POS API with the gateway: the insufficient-funds card with one paid adult guest
/// is REJECTED at confirm; the guests' authorization went to the check-time reference, and no
/// request to the gateway ever carried the operation id.
#[tokio::test]
async fn paid_guests_are_authorized_on_the_check_time_reference() {
    let (url, seen) = stub().await;
    for db in backend::db::TestDb::all().await {
        let timeout = Duration::from_millis(1000);
        let settings = Settings {
            acquirer_timeout: timeout,
            ..Settings::default()
        };
        let acq = Arc::new(HttpAcquirer::new(&url, timeout).unwrap());
        let app = TestApp::start_with(db, settings, Some(acq)).await;
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, "ACQ-TEST-02", 0).await;
        seen.lock().unwrap().clear();
        let g = t.check("5412340000090515", "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{g}");
        let id = g["accessId"].as_str().unwrap().to_owned();
        let c = t.confirm(&id, 2, 0).await.unwrap();
        assert_eq!(c["status"], "REJECTED", "{c}");
        assert_eq!(c["code"], "CARD_AUTH_INSUFFICIENT_FUNDS", "{c}");
        let bodies = seen.lock().unwrap().clone();
        assert_eq!(bodies.len(), 2, "{bodies:?}");
        assert_eq!(bodies[0]["_path"], "/acq/account-status");
        let increment = &bodies[1];
        let path = increment["_path"].as_str().unwrap();
        assert!(
            path.starts_with("/acq/authorizations/REF-9051-") && path.ends_with("/increments"),
            "{path}"
        );
        assert_eq!(increment["amountMinor"], 2500);
        assert!(increment.get("pan").is_none());
        for b in &bodies {
            let text = b.to_string();
            assert!(
                !text.contains(&id) || b["_key"].as_str().is_some_and(|k| k.starts_with(&id)),
                "the operation id only in the idempotency key: {text}"
            );
            assert!(!b["_path"].as_str().unwrap().contains(&id));
        }
        app.finish().await;
    }
}
