//! Pairing and JWT authentication of the POS API, through real HTTP with real RSA keys.

use crate::common;

use backend::demo;
use base64::Engine;
use common::TestApp;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use rsa::pkcs8::EncodePublicKey;
use serde_json::{json, Value};
use server::sim::{self, Terminal};
use std::sync::{Arc, OnceLock};

/// RSA-2048 generation costs ~100 ms; the tests share a few keys.
fn keys() -> &'static Vec<rsa::RsaPrivateKey> {
    static KEYS: OnceLock<Vec<rsa::RsaPrivateKey>> = OnceLock::new();
    KEYS.get_or_init(|| (0..3).map(|_| sim::generate_key(2048).unwrap()).collect())
}

async fn add_terminal(app: &TestApp, admin: &str, serial: &str) {
    let (s, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/locations/{}/terminals", demo::LOC_WAW_LOUNGE),
            admin,
            Some(json!({"serial_number": serial})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}

async fn code_for(app: &TestApp, admin: &str, serial: &str) -> String {
    let (s, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/terminals/{serial}/pairing-code"),
            admin,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let code = body["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 8);
    assert!(code.bytes().all(|c| c.is_ascii_digit()));
    code
}

fn sim_terminal(app: &TestApp, serial: &str, key: usize) -> Terminal {
    let mut t = Terminal::new(&app.base, serial, keys()[key].clone()).unwrap();
    let clock = app.clock.clone();
    t.clock = Arc::new(move || backend::Clock::now(&clock).timestamp());
    t
}

async fn raw_pair(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let resp = app
        .http
        .post(app.url("/pos/pair"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = resp.status();
    (s, resp.json().await.unwrap_or(Value::Null))
}

fn code_of(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn pairing_accepts_one_good_code_and_refuses_the_rest() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        for s in ["SIM-A", "SIM-B", "SIM-C"] {
            add_terminal(&app, &admin, s).await;
        }
        let a = sim_terminal(&app, "SIM-A", 0);
        let code_a = code_for(&app, &admin, "SIM-A").await;

        // Wrong code.
        let wrong = if code_a == "00000000" {
            "11111111"
        } else {
            "00000000"
        };
        match a.pair(wrong).await {
            Err(sim::SimError::Status { status: 403, body }) => {
                assert_eq!(code_of(&body), "PAIRING_FAILED")
            }
            other => panic!("wrong code: {other:?}"),
        }
        // The code of another serial number.
        let code_b = code_for(&app, &admin, "SIM-B").await;
        match a.pair(&code_b).await {
            Err(sim::SimError::Status { status: 403, .. }) => {}
            other => panic!("other serial's code: {other:?}"),
        }
        // Success.
        let ok = a.pair(&code_a).await.expect("pairs");
        assert_eq!(ok["status"], "PAIRED");
        assert_eq!(ok["serialNumber"], "SIM-A");
        assert_eq!(ok["locationId"], demo::LOC_WAW_LOUNGE);
        assert!(ok["serverTime"].as_str().unwrap().ends_with('Z'));
        // The same code again, and the paired terminal again: refused alike.
        match a.pair(&code_a).await {
            Err(sim::SimError::Status { status: 403, body }) => {
                assert_eq!(code_of(&body), "PAIRING_FAILED")
            }
            other => panic!("reused code: {other:?}"),
        }
        // No code for a paired terminal.
        let (s, _) = app
            .call(
                Method::POST,
                "/api/v1/admin/terminals/SIM-A/pairing-code",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        // The paired terminal can call the API.
        assert!(a.ping().await.is_ok());

        // Expired: two hours later the code is dead.
        let c = sim_terminal(&app, "SIM-C", 1);
        let code_c = code_for(&app, &admin, "SIM-C").await;
        app.clock
            .advance(chrono::Duration::hours(2) + chrono::Duration::seconds(1));
        match c.pair(&code_c).await {
            Err(sim::SimError::Status { status: 403, .. }) => {}
            other => panic!("expired code: {other:?}"),
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn pairing_refuses_bad_keys_and_throttles() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        add_terminal(&app, &admin, "SIM-K").await;
        let code = code_for(&app, &admin, "SIM-K").await;
        let small = sim::generate_key(1024).unwrap();
        let small_b64 = base64::engine::general_purpose::STANDARD.encode(
            small
                .to_public_key()
                .to_public_key_der()
                .unwrap()
                .as_bytes(),
        );
        for (what, key) in [
            ("not base64", "%%%not-base64%%%".to_owned()),
            (
                "not RSA",
                base64::engine::general_purpose::STANDARD.encode(b"\x30\x03\x02\x01\x00"),
            ),
            ("1024-bit", small_b64),
        ] {
            let (s, body) = raw_pair(
                &app,
                json!({"serialNumber": "SIM-K", "pairingCode": code, "publicKey": key}),
            )
            .await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{what}: {body}");
            assert_eq!(code_of(&body), "INVALID_PUBLIC_KEY", "{what}");
        }
        // Missing field: INVALID_REQUEST.
        let (s, body) = raw_pair(&app, json!({"serialNumber": "SIM-K"})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(code_of(&body), "INVALID_REQUEST");

        // Throttling per serial number: the 3 bad keys count, then wrong codes up to the limit.
        let t = sim_terminal(&app, "SIM-K", 2);
        let mut last = None;
        for _ in 0..3 {
            last = Some(t.pair("12345678").await);
        }
        match last.unwrap() {
            Err(sim::SimError::Status { status: 429, .. })
            | Err(sim::SimError::Status { status: 403, .. }) => {}
            other => panic!("{other:?}"),
        }
        let resp = app.http.post(app.url("/pos/pair"))
            .json(&json!({"serialNumber": "SIM-K", "pairingCode": code, "publicKey": sim::public_key_b64(&keys()[2]).unwrap()}))
            .send().await.unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "even the right code waits out the lock"
        );
        assert!(resp.headers().get("retry-after").is_some());
        let body: Value = resp.json().await.unwrap();
        assert_eq!(code_of(&body), "TOO_MANY_REQUESTS");
        app.finish().await;
    }
}

fn b64url(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

async fn call_with(
    app: &TestApp,
    token: Option<&str>,
    raw_header: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = app.http.get(app.url("/pos/ping"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(h) = raw_header {
        req = req.header("authorization", h);
    }
    let resp = req.send().await.unwrap();
    let s = resp.status();
    (s, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_bad_token_is_refused() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        add_terminal(&app, &admin, "SIM-J").await;
        add_terminal(&app, &admin, "SIM-O").await;
        let t = sim_terminal(&app, "SIM-J", 0);
        t.pair(&code_for(&app, &admin, "SIM-J").await)
            .await
            .unwrap();
        let other = sim_terminal(&app, "SIM-O", 1);
        other
            .pair(&code_for(&app, &admin, "SIM-O").await)
            .await
            .unwrap();

        let now = backend::Clock::now(&app.clock).timestamp();
        let key_j = sim::encoding_key(&keys()[0]).unwrap();
        let key_o = sim::encoding_key(&keys()[1]).unwrap();
        let good = sim::sign_jwt(&key_j, "SIM-J", now, now + 120);
        assert_eq!(call_with(&app, Some(&good), None).await.0, StatusCode::OK);

        let parts: Vec<&str> = good.split('.').collect();
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            b64url(&json!({"sub": "SIM-J", "iat": now, "exp": now + 290})),
            parts[2]
        );
        let none_alg = format!(
            "{}.{}.",
            b64url(&json!({"alg": "none", "typ": "JWT"})),
            parts[1]
        );
        let spki = keys()[0].to_public_key().to_public_key_der().unwrap();
        let hs256 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &json!({"sub": "SIM-J", "iat": now, "exp": now + 120}),
            &EncodingKey::from_secret(spki.as_bytes()),
        )
        .unwrap();
        let cases: Vec<(&str, Option<String>, Option<&str>)> = vec![
            ("missing header", None, None),
            ("not Bearer", None, Some("Basic abc")),
            ("garbage", Some("garbage".into()), None),
            ("alg none", Some(none_alg), None),
            ("HS256 with the public key as secret", Some(hs256), None),
            (
                "signed by another terminal's key",
                Some(sim::sign_jwt(&key_o, "SIM-J", now, now + 120)),
                None,
            ),
            ("tampered payload", Some(tampered), None),
            (
                "expired",
                Some(sim::sign_jwt(&key_j, "SIM-J", now - 400, now - 100)),
                None,
            ),
            (
                "iat in the future",
                Some(sim::sign_jwt(&key_j, "SIM-J", now + 120, now + 200)),
                None,
            ),
            (
                "lifetime over the maximum",
                Some(sim::sign_jwt(&key_j, "SIM-J", now, now + 600)),
                None,
            ),
            (
                "unknown sub",
                Some(sim::sign_jwt(&key_j, "NO-SUCH-TERMINAL", now, now + 120)),
                None,
            ),
        ];
        for (what, token, header) in cases {
            let (s, body) = call_with(&app, token.as_deref(), header).await;
            assert_eq!(
                s,
                StatusCode::UNAUTHORIZED,
                "{}: {what}: {body}",
                app.db.name()
            );
            assert_eq!(code_of(&body), "UNAUTHORIZED", "{what}");
        }
        // Within the skew allowance is fine.
        let skewed = sim::sign_jwt(&key_j, "SIM-J", now + 30, now + 150);
        assert_eq!(call_with(&app, Some(&skewed), None).await.0, StatusCode::OK);

        // Suspended and blocked terminals: 403 TERMINAL_DISABLED, at once.
        for status in ["suspended", "blocked"] {
            set_status(&app, "SIM-J", status).await;
            let (s, body) = call_with(&app, Some(&good), None).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{status}");
            assert_eq!(code_of(&body), "TERMINAL_DISABLED");
        }
        set_status(&app, "SIM-J", "active").await;
        assert_eq!(call_with(&app, Some(&good), None).await.0, StatusCode::OK);

        // Unpaired: its key is gone, so its tokens are too.
        let (s, _) = app
            .call(
                Method::POST,
                "/api/v1/admin/terminals/SIM-J/unpair",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            call_with(&app, Some(&good), None).await.0,
            StatusCode::UNAUTHORIZED
        );
        app.finish().await;
    }
}

async fn set_status(app: &TestApp, serial: &str, status: &str) {
    use backend::entity::terminals;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    terminals::Entity::update_many()
        .col_expr(terminals::Column::Status, status.into())
        .filter(terminals::Column::SerialNumber.eq(serial))
        .exec(&app.backend.db)
        .await
        .unwrap();
}
