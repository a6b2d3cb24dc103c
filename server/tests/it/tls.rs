//! HTTPS served by the binary itself: a self-signed certificate made here (rcgen), a request
//! that trusts it, HSTS on the answer, and a POS simulator that pairs and pings over TLS with
//! the certificate as its extra CA (`pos-sim --ca-cert`).

use crate::common;

use common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

struct Pem {
    cert: String,
    _dir: tempfile::TempDir,
    cert_path: std::path::PathBuf,
    key_path: std::path::PathBuf,
}

fn self_signed() -> Pem {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let dir = tempfile::tempdir().expect("temp dir");
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key_pair.serialize_pem()).unwrap();
    Pem {
        cert: cert.pem(),
        _dir: dir,
        cert_path,
        key_path,
    }
}

#[tokio::test]
async fn https_with_a_self_signed_certificate_hsts_and_the_pos_simulator() {
    let app = TestApp::start(backend::db::TestDb::sqlite()).await;
    let pem = self_signed();
    let base =
        server::startup::spawn_tls_for_tests(app.backend.clone(), &pem.cert_path, &pem.key_path)
            .await
            .expect("HTTPS server");
    assert!(base.starts_with("https://"));

    // A client that does not trust the certificate gets nowhere.
    let strict = reqwest::Client::new();
    assert!(strict.get(format!("{base}/healthz")).send().await.is_err());

    // One that trusts it: the answer, with HSTS.
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.cert.as_bytes()).unwrap())
        .build()
        .unwrap();
    let resp = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age="),
        "{:?}",
        resp.headers()
    );
    // The plain-HTTP server (no TLS) sends no HSTS.
    let plain = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert!(plain.headers().get("strict-transport-security").is_none());

    // The admin API over HTTPS.
    let resp = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"email": backend::demo::ADMIN_EMAIL, "password": common::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    // The simulator, trusting the certificate as `--ca-cert` does, pairs and pings over TLS.
    let admin = app.admin_token().await;
    let serial = "TLS-SIM-0001";
    let (s, body) = app
        .call(
            Method::POST,
            &format!(
                "/api/v1/admin/locations/{}/terminals",
                backend::demo::LOC_WAW_LOUNGE
            ),
            &admin,
            Some(json!({"serial_number": serial})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, code) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/terminals/{serial}/pairing-code"),
            &admin,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{code}");
    server::sim::trust_ca_pem(pem.cert.as_bytes()).expect("CA");
    let mut t = server::sim::Terminal::new(&base, serial, common::pos::keys()[0].clone()).unwrap();
    let clock = app.clock.clone();
    t.clock = std::sync::Arc::new(move || backend::Clock::now(&clock).timestamp());
    t.pair(code["code"].as_str().unwrap())
        .await
        .expect("pairs over TLS");
    t.ping().await.expect("pings over TLS");
    app.finish().await;
}

#[test]
fn a_certificate_and_a_key_that_do_not_fit_are_refused() {
    let a = self_signed();
    let b = self_signed();
    let err = server::tls::server_config(&a.cert_path, &b.key_path).unwrap_err();
    assert!(format!("{err:#}").contains("do not fit"), "{err:#}");
    let missing = server::tls::server_config(std::path::Path::new("/nonexistent.pem"), &a.key_path);
    assert!(missing.is_err());
}
