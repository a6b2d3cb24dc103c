//! Test harness: a real server on a loopback port over a throw-away database, driven over HTTP.
#![allow(dead_code)]

use backend::db::TestDb;
use backend::{demo, Backend, Keys, ManualClock, Settings};
use chrono::TimeZone;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

pub struct TestApp {
    pub base: String,
    pub backend: Backend,
    pub clock: ManualClock,
    pub http: reqwest::Client,
    pub others_password: String,
    pub db: TestDb,
}

/// A Luhn-valid card number: `body` followed by its check digit.
pub fn luhn(body: &str) -> String {
    (0..10)
        .map(|c| format!("{body}{c}"))
        .find(|p| access_core::domain::luhn_valid(p))
        .expect("a check digit exists for a digit string")
}

pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .single()
        .expect("valid time")
}

impl TestApp {
    pub async fn start(db: TestDb) -> TestApp {
        TestApp::start_with(db, Settings::default(), None).await
    }

    /// A server with its own settings and, optionally, another acquirer.
    pub async fn start_with(
        db: TestDb,
        settings: Settings,
        acquirer: Option<Arc<dyn backend::acquirer::Acquirer>>,
    ) -> TestApp {
        TestApp::start_inner(db, settings, acquirer, true).await
    }

    /// A server over an empty (migrated) database: no demo data, no user at all.
    pub async fn start_empty(db: TestDb) -> TestApp {
        TestApp::start_inner(db, Settings::default(), None, false).await
    }

    async fn start_inner(
        db: TestDb,
        settings: Settings,
        acquirer: Option<Arc<dyn backend::acquirer::Acquirer>>,
        seed: bool,
    ) -> TestApp {
        // `RUST_LOG=warn cargo test -- --nocapture` shows the server's logs of a failing test.
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_test_writer()
                .try_init();
        }
        let conn = db.open().await;
        let clock = ManualClock::new(start_time());
        let mut backend = Backend::new(conn, Arc::new(clock.clone()), Keys::for_tests(), settings);
        if let Some(a) = acquirer {
            backend = backend.with_acquirer(a);
        }
        let others_password = if seed {
            demo::seed(&backend, Some(ADMIN_PASSWORD.into()))
                .await
                .expect("seed demo")
                .other_users_password
                .unwrap_or_default()
        } else {
            String::new()
        };
        let base = server::startup::spawn_for_tests(backend.clone())
            .await
            .expect("spawn server");
        TestApp {
            base,
            backend,
            clock,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            others_password,
            db,
        }
    }

    /// Every database of this run: SQLite always, PostgreSQL when `TEST_DATABASE_URL` is set.
    pub async fn each() -> Vec<TestApp> {
        let mut apps = Vec::new();
        for db in TestDb::all().await {
            apps.push(TestApp::start(db).await);
        }
        apps
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn token_for(&self, email: &str, password: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url("/api/v1/auth/token"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("token request");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Sign in through the panel's login server function; the `ac_session=…` cookie pair.
    pub async fn session_cookie(&self, email: &str, password: &str) -> String {
        let resp = self
            .http
            .post(self.url("/api/fn/login"))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .expect("login request");
        resp.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("ac_session="))
            .and_then(|v| v.split(';').next())
            .unwrap_or_else(|| panic!("session cookie of {email}"))
            .to_owned()
    }

    /// POST a CSV body (an import endpoint) with a bearer token: status and the raw answer.
    pub async fn post_csv(&self, path: &str, token: &str, csv: &str) -> (StatusCode, String) {
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(csv.to_owned())
            .send()
            .await
            .expect("csv request");
        let status = resp.status();
        (status, resp.text().await.unwrap_or_default())
    }

    /// The demo admin's panel session cookie.
    pub async fn admin_cookie(&self) -> String {
        self.session_cookie(demo::ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    pub async fn admin_token(&self) -> String {
        self.token(demo::ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    pub async fn token(&self, email: &str, password: &str) -> String {
        let (status, body) = self.token_for(email, password).await;
        assert_eq!(status, StatusCode::OK, "sign-in of {email}: {body}");
        body["access_token"].as_str().expect("token").to_owned()
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn finish(self) {
        self.db.cleanup().await;
    }
}

/// POS helpers shared by the entry-flow tests.
pub mod pos {
    use super::TestApp;
    use reqwest::{Method, StatusCode};
    use serde_json::json;
    use server::sim::{self, Terminal};
    use std::sync::{Arc, OnceLock};

    /// RSA-2048 generation costs ~100 ms; tests share a few keys (terminals may share one).
    pub fn keys() -> &'static Vec<rsa::RsaPrivateKey> {
        static KEYS: OnceLock<Vec<rsa::RsaPrivateKey>> = OnceLock::new();
        KEYS.get_or_init(|| (0..3).map(|_| sim::generate_key(2048).unwrap()).collect())
    }

    /// Add (unless it exists) and pair a terminal at a location; a simulator tied to the
    /// server's clock.
    pub async fn paired(
        app: &TestApp,
        admin: &str,
        location: &str,
        serial: &str,
        key: usize,
    ) -> Terminal {
        let (s, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/locations/{location}/terminals"),
                admin,
                Some(json!({"serial_number": serial})),
            )
            .await;
        assert!(
            s == StatusCode::CREATED || body.to_string().contains("already exists"),
            "{body}"
        );
        let (s, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/terminals/{serial}/pairing-code"),
                admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let mut t = Terminal::new(&app.base, serial, keys()[key % 3].clone()).unwrap();
        let clock = app.clock.clone();
        t.clock = Arc::new(move || backend::Clock::now(&clock).timestamp());
        t.pair(body["code"].as_str().unwrap()).await.expect("pairs");
        t
    }
}

// ---------------------------------------------------------------------------------------------
// Sign-in from clients behind a trusted proxy (the security tests and the burst tests).

pub fn behind_proxy() -> Settings {
    Settings {
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..Settings::default()
    }
}

pub async fn apps(settings: impl Fn() -> Settings) -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in TestDb::all().await {
        apps.push(TestApp::start_with(db, settings(), None).await);
    }
    apps
}

/// `POST /api/v1/auth/token` as a client behind the proxy (`X-Forwarded-For: <client>`).
pub async fn sign_in_from(
    app: &TestApp,
    client: &str,
    email: &str,
    password: &str,
) -> (StatusCode, Option<String>, Value) {
    let resp = app
        .http
        .post(app.url("/api/v1/auth/token"))
        .header("x-forwarded-for", format!("198.51.100.200, {client}"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("token request");
    let status = resp.status();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, retry, resp.json().await.unwrap_or(Value::Null))
}
