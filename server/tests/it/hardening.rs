//! Hostile input through the real HTTP surface: no card number echoed in an error, no 5xx from
//! arbitrary query strings on any list endpoint or from arbitrary JWT claims, and the browser
//! security headers.

use crate::common;

use backend::demo::{self, LOC_WAW_LOUNGE};
use backend::demo_world::CARD_WORLD;
use common::pos::paired;
use common::TestApp;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A small deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const NASTY: &[&str] = &[
    "",
    "0",
    "-1",
    "1",
    "18446744073709551616",
    "99999999999999999999999",
    "-9223372036854775808",
    "9223372036854775807",
    "1e309",
    "NaN",
    "2026-13-45",
    "2026-02-30",
    "9999-12-31",
    "0000-01-01",
    "+275760-09-13",
    "2026-11-22T25:61:61Z",
    "%FF%FE",
    "%00",
    "\u{202e}",
    "'; DROP TABLE users; --",
    "a%",
    "_",
    "\\",
    "5412345678901232",
    "true",
    "[]",
    "{}",
];

fn random_query(rng: &mut Rng, params: &[String]) -> String {
    let n = 1 + rng.next() % 4;
    (0..n)
        .map(|_| {
            let name = if params.is_empty() || rng.next().is_multiple_of(5) {
                rng.pick(&["page", "page_size", "x", "from", "until", "format"])
                    .to_owned()
            } else {
                params[(rng.next() % params.len() as u64) as usize].clone()
            };
            let value = rng.pick(NASTY);
            format!(
                "{}={}",
                name,
                value
                    .bytes()
                    .map(|b| if b.is_ascii_alphanumeric() || b == b'-' || b == b'%' {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    })
                    .collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn arbitrary_query_strings_never_break_a_list_endpoint() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let doc: Value = app
            .http
            .get(app.url("/api-docs/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut tried = 0;
        let mut visited = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            let Some(get) = item.get("get") else { continue };
            if path.contains('{') || !path.starts_with("/api/v1/admin") {
                continue;
            }
            visited.push(path.clone());
            let params: Vec<String> = get["parameters"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|p| p["in"] == "query")
                        .filter_map(|p| p["name"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            for _ in 0..40 {
                let q = random_query(&mut rng, &params);
                let resp = app
                    .http
                    .get(app.url(&format!("{path}?{q}")))
                    .bearer_auth(&admin)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{path}?{q}: connection dropped: {e}"));
                let status = resp.status();
                let body = resp.text().await.unwrap_or_default();
                assert!(
                    status.is_success() || status.is_client_error(),
                    "{path}?{q}: {status} {body}"
                );
                if status.is_client_error() {
                    assert!(
                        !body.contains("5412345678901232"),
                        "{path}?{q}: PAN echoed: {body}"
                    );
                }
                tried += 1;
            }
        }
        assert!(
            tried > 200,
            "only {tried} requests: are the list endpoints documented?"
        );
        // The list endpoints of issue 14 are among them.
        for path in ["/api/v1/admin/audit-log", "/api/v1/admin/rulesets"] {
            assert!(
                visited.iter().any(|p| p == path),
                "{path} not fuzzed: {visited:?}"
            );
        }
        app.finish().await;
    }
}

#[derive(serde::Serialize)]
struct AnyClaims {
    #[serde(flatten)]
    claims: serde_json::Map<String, Value>,
}

#[tokio::test]
async fn arbitrary_jwt_claims_are_refused_cleanly() {
    let app = TestApp::start(backend::db::TestDb::sqlite()).await;
    let admin = app.admin_token().await;
    let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
    let key = server::sim::encoding_key(t.key()).unwrap();
    let now = backend::Clock::now(&app.clock).timestamp();
    let numbers = [
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(-1),
        json!(0),
        json!(1.5e300),
        json!(-1.5e300),
        json!("now"),
        json!(null),
        json!([1]),
        json!(now),
        json!(now + 600),
        json!(now - 600),
    ];
    let subs = [
        json!(demo::READY_TERMINAL),
        json!(""),
        json!(7),
        json!("x".repeat(10_000)),
        json!(null),
    ];
    let mut tried = 0;
    for iat in &numbers {
        for exp in &numbers {
            for sub in &subs {
                let mut claims = serde_json::Map::new();
                claims.insert("sub".into(), sub.clone());
                claims.insert("iat".into(), iat.clone());
                claims.insert("exp".into(), exp.clone());
                let token = jsonwebtoken::encode(
                    &Header::new(Algorithm::RS256),
                    &AnyClaims { claims },
                    &key,
                )
                .unwrap();
                let resp = t
                    .http()
                    .get(format!("{}/pos/ping", t.base_url))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("iat {iat} exp {exp}: connection dropped: {e}"));
                // Only iat = exp = now is valid (within the skew, at most 300 s); every other
                // combination has a wrong type, is out of range or lives too long.
                let status = resp.status();
                let valid =
                    sub == &json!(demo::READY_TERMINAL) && iat == &json!(now) && exp == &json!(now);
                if valid {
                    assert_eq!(status, StatusCode::OK);
                } else {
                    assert!(
                        status.is_client_error(),
                        "sub {sub} iat {iat} exp {exp}: {status}"
                    );
                }
                tried += 1;
            }
        }
    }
    // Another algorithm with the same claims: refused.
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": demo::READY_TERMINAL, "iat": now, "exp": now + 60}),
        &EncodingKey::from_secret(b"guess"),
    )
    .unwrap();
    let resp = t
        .http()
        .get(format!("{}/pos/ping", t.base_url))
        .bearer_auth(&hs)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(tried > 800);
    // The terminal itself still gets in.
    assert!(t.ping().await.is_ok());
    app.finish().await;
}

#[tokio::test]
async fn a_pan_sent_as_a_number_is_not_echoed() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let resp = t
            .http()
            .post(format!("{}/pos/check_entry", t.base_url))
            .bearer_auth(t.token())
            .json(&json!({"pan": 5412345678901232u64, "entryMode": "CONTACTLESS"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let body = resp.text().await.unwrap();
        assert!(!body.contains(&CARD_WORLD[..12]), "PAN echoed: {body}");
        assert!(body.contains("INVALID_REQUEST"), "{body}");

        let resp = app
            .http
            .post(app.url("/api/v1/admin/card-transactions"))
            .bearer_auth(&admin)
            .json(&json!({"items": [{"pan": 5412345678901232u64}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let body = resp.text().await.unwrap();
        assert!(!body.contains(&CARD_WORLD[..12]), "PAN echoed: {body}");
        app.finish().await;
    }
}

#[tokio::test]
async fn responses_carry_the_security_headers() {
    let app = TestApp::start(backend::db::TestDb::sqlite()).await;
    let resp = app.http.get(app.url("/login")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    // A bearer token is never cached.
    let resp = app
        .http
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"email": demo::ADMIN_EMAIL, "password": common::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    app.finish().await;
}

#[tokio::test]
async fn csv_exports_neutralise_formulas() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let evil = r#"=HYPERLINK("http://evil.example","prize")"#;
        let (s, body) = app
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/admin/locations/{LOC_WAW_LOUNGE}"),
                &admin,
                Some(json!({
                    "name": evil, "country": "POL", "service_code": "LOUNGE",
                    "postal_code": "00-950", "city": "Warsaw", "address": "Marszałkowska 1",
                    "time_zone": "Europe/Warsaw"
                })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let g = t.check(CARD_WORLD, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{g}");
        t.confirm(g["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        let csv = app
            .http
            .get(app.url("/api/v1/admin/reports/operations?format=csv"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            csv.contains(r#""'=HYPERLINK(""http://evil.example"",""prize"")""#),
            "{csv}"
        );
        assert!(
            !csv.contains(r#","=HYPERLINK"#) && !csv.contains(",=HYPERLINK"),
            "{csv}"
        );
        app.finish().await;
    }
}
