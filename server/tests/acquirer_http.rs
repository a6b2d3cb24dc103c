//! The HTTP acquirer adapter against a local stub gateway: answers mapped to outcomes, and a
//! slow or broken gateway turned into a clean, prompt reject at the terminal.

mod common;

use app::backend::acquirer::{AcqOutcome, Acquirer};
use app::backend::demo::LOC_WAW_LOUNGE;
use app::backend::Settings;
use app::domain::{Currency, Money};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use common::pos::paired;
use common::TestApp;
use serde_json::Value;
use server::acquirer_http::HttpAcquirer;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A gateway stub: the PAN's last-but-one four digits choose the answer, like the simulator,
/// plus `7000` → sleeps 3 s, `7500` → HTTP 500, `7600` → not JSON. It records what it saw.
async fn stub() -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let answer = |seen: Arc<Mutex<Vec<Value>>>| {
        move |Json(body): Json<Value>| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(body.clone());
                let pan = body["pan"].as_str().unwrap_or("").to_owned();
                let marker = pan.get(pan.len().saturating_sub(5)..pan.len().saturating_sub(1));
                let (status, text) = match marker {
                    Some("7000") => {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        (StatusCode::OK, r#"{"responseCode":"00"}"#)
                    }
                    Some("7500") => (StatusCode::INTERNAL_SERVER_ERROR, "oops"),
                    Some("7600") => (StatusCode::OK, "<html>"),
                    Some("9051") => (StatusCode::OK, r#"{"responseCode":"51"}"#),
                    Some("9005") => (StatusCode::OK, r#"{"responseCode":"05"}"#),
                    _ => (StatusCode::OK, r#"{"responseCode":"00"}"#),
                };
                (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
            }
        }
    };
    let app = Router::new()
        .route("/acq/account-status", post(answer(seen.clone())))
        .route("/acq/authorizations", post(answer(seen.clone())));
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
    for db in app::backend::db::TestDb::all().await {
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
        assert!(app::domain::Pan::parse(slow_card).is_ok());
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
