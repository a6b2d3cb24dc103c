//! POS messages (issue 19, seed: "Setting up POS messages") through HTTP with real RS256
//! terminals: an Admin's German text reaches a terminal sending `Accept-Language:
//! de-DE,de;q=0.9` (with `Content-Language: de`), others get their best language or English;
//! q-values decide; a reset restores the built-in text; changes are validated (field named),
//! audited and Admin only; a second app server sees a change within its cache TTL.

use crate::common;

use backend::demo;
use backend::Settings;
use common::pos::paired;
use common::{luhn, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const GERMAN: &str = "Ihre Karte ist an diesem Ort nicht zugelassen.";
const ENGLISH: &str = "Your card is not allowed to be used in this location.";

/// A card whose BIN is in no table: `MISSING_ACCESS_RULES` anywhere.
fn unknown_card(n: u32) -> String {
    luhn(&format!("99887766{n:07}"))
}

/// check_entry with a given `Accept-Language`: (Content-Language, body).
async fn check_in(
    t: &server::sim::Terminal,
    lang: Option<&str>,
    pan: &str,
) -> (Option<String>, Value) {
    let mut req = t
        .http()
        .post(format!("{}/pos/check_entry", t.base_url))
        .bearer_auth(t.token())
        .json(&json!({"pan": pan, "entryMode": "CONTACTLESS"}));
    if let Some(l) = lang {
        req = req.header("accept-language", l);
    }
    let resp = req.send().await.expect("check");
    assert_eq!(resp.status(), StatusCode::OK);
    let cl = resp
        .headers()
        .get("content-language")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (cl, resp.json().await.expect("json"))
}

async fn set(app: &TestApp, token: &str, lang: &str, code: &str, msg: &str) -> (StatusCode, Value) {
    app.call(
        Method::PUT,
        &format!("/api/v1/admin/pos-messages/{lang}/{code}"),
        token,
        Some(json!({ "message": msg })),
    )
    .await
}

fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_german_terminal_gets_the_german_message() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, demo::LOC_BER_LOUNGE, "MSG-DE-01", 0).await;

        // Before any override: the built-in English text, whatever the terminal asks for.
        let (cl, body) = check_in(&t, Some("de-DE,de;q=0.9"), &unknown_card(1)).await;
        assert_eq!(body["code"], "MISSING_ACCESS_RULES", "{name}: {body}");
        assert_eq!(body["message"], ENGLISH, "{name}");
        assert_eq!(cl.as_deref(), Some("en"), "{name}");

        let (s, v) = set(
            &app,
            &admin,
            "de",
            "MISSING_ACCESS_RULES",
            &format!("  {GERMAN} "),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{name}: {v}");
        assert_eq!(v["message"], GERMAN, "{name}: trimmed");
        assert_eq!(v["custom"], true);
        assert_eq!(v["default_message"], ENGLISH);

        let (cl, body) = check_in(&t, Some("de-DE,de;q=0.9"), &unknown_card(2)).await;
        assert_eq!(body["status"], "REJECTED", "{name}: {body}");
        assert_eq!(body["message"], GERMAN, "{name}: {body}");
        assert_eq!(cl.as_deref(), Some("de"), "{name}");
        // No header, another language only, or German refused by q=0: English.
        for lang in [None, Some("pl-PL"), Some("de;q=0, en;q=0.5"), Some("*")] {
            let (cl, body) = check_in(&t, lang, &unknown_card(3)).await;
            assert_eq!(body["message"], ENGLISH, "{name}: {lang:?}");
            assert_eq!(cl.as_deref(), Some("en"), "{name}: {lang:?}");
        }
        // The heaviest language with a text wins, whatever the header's order.
        let (_, body) = check_in(&t, Some("en;q=0.4, fr, de;q=0.7"), &unknown_card(4)).await;
        assert_eq!(
            body["message"], GERMAN,
            "{name}: fr has no text, de outweighs en"
        );
        let (_, body) = check_in(&t, Some("de;q=0.3, en;q=0.8"), &unknown_card(5)).await;
        assert_eq!(body["message"], ENGLISH, "{name}: en outweighs de");
        // Other codes keep their English text for a German terminal.
        let mut unassigned = paired(&app, &admin, demo::LOC_BER_LOUNGE, "MSG-DE-02", 1).await;
        let (s, v) = app
            .call(
                Method::PUT,
                "/api/v1/admin/terminals/MSG-DE-02/location",
                &admin,
                Some(json!({"location_id": null})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: {v}");
        unassigned.accept_language = Some("de-DE,de;q=0.9".into());
        let body = unassigned.check(&unknown_card(6), "CHIP").await.unwrap();
        assert_eq!(body["code"], "UNKNOWN_DEVICE", "{name}: {body}");
        assert_eq!(
            body["message"],
            "The device is not assigned to any location."
        );

        // The preview says the same as the terminal.
        let (s, p) = app
            .call(
                Method::GET,
                "/api/v1/admin/pos-messages/preview?code=MISSING_ACCESS_RULES&accept_language=de-DE,de;q%3D0.9",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: {p}");
        assert_eq!(p["language"], "de");
        assert_eq!(p["message"], GERMAN);

        // The list: codes × languages, the override marked.
        let (s, list) = app
            .call(
                Method::GET,
                "/api/v1/admin/pos-messages?language=de",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: {list}");
        let rows = list.as_array().unwrap();
        assert_eq!(rows.len(), 10, "{name}: one row per reject code");
        let row = rows
            .iter()
            .find(|r| r["code"] == "MISSING_ACCESS_RULES")
            .unwrap();
        assert_eq!(row["custom"], true);
        assert!(row["updated_by"].is_string());
        let (_, all) = app
            .call(Method::GET, "/api/v1/admin/pos-messages", &admin, None)
            .await;
        assert_eq!(all.as_array().unwrap().len(), 10 * 12, "{name}");

        // Audited, with the old and new text.
        let (s, audit) = app
            .call(
                Method::GET,
                "/api/v1/admin/audit-log?action=pos_message.",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: {audit}");
        let entry = &audit["items"][0];
        assert_eq!(entry["action"], "pos_message.update", "{name}: {audit}");
        assert_eq!(entry["target_id"], "de/MISSING_ACCESS_RULES");
        assert!(entry["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(GERMAN));

        // Reset: the built-in text again, audited.
        let (s, v) = app
            .call(
                Method::DELETE,
                "/api/v1/admin/pos-messages/de/MISSING_ACCESS_RULES",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: {v}");
        assert_eq!(v["custom"], false);
        let (_, body) = check_in(&t, Some("de-DE,de;q=0.9"), &unknown_card(7)).await;
        assert_eq!(body["message"], ENGLISH, "{name}");
        let (_, audit) = app
            .call(
                Method::GET,
                "/api/v1/admin/audit-log?action=pos_message.reset",
                &admin,
                None,
            )
            .await;
        assert_eq!(audit["total"], 1, "{name}: {audit}");

        // English itself can be overridden.
        let (s, _) = set(
            &app,
            &admin,
            "en",
            "MISSING_ACCESS_RULES",
            "Not here, sorry.",
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, body) = check_in(&t, None, &unknown_card(8)).await;
        assert_eq!(body["message"], "Not here, sorry.", "{name}");
        app.finish().await;
    }
}

#[tokio::test]
async fn changes_are_validated_and_admin_only() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let (s, v) = set(&app, &admin, "de", "LIMIT_EXCEEDED", "   ").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {v}");
        assert_eq!(fields(&v), vec!["message"], "{name}: {v}");
        let (s, v) = set(&app, &admin, "de", "LIMIT_EXCEEDED", "two\nlines").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {v}");
        let (s, v) = set(&app, &admin, "de", "LIMIT_EXCEEDED", &"x".repeat(201)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {v}");
        let (s, v) = set(&app, &admin, "xx", "NOT_A_CODE", "Hallo").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {v}");
        assert_eq!(fields(&v), vec!["language", "code"], "{name}: {v}");
        let (s, v) = app
            .call(
                Method::GET,
                "/api/v1/admin/pos-messages?language=klingon",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {v}");
        let (s, v) = app
            .call(
                Method::GET,
                "/api/v1/admin/pos-messages/preview?code=NOPE&accept_language=de",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {v}");
        assert_eq!(fields(&v), vec!["code"], "{name}: {v}");

        // A User (manages most things) may neither read nor change them.
        let user = app.token("user@demo.example", &app.others_password).await;
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/pos-messages", &user, None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{name}");
        let (s, _) = set(&app, &user, "de", "LIMIT_EXCEEDED", "Hallo").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{name}");
        app.finish().await;
    }
}

/// Two app servers over one database: the one that did not serve the change picks it up
/// within its TTL (its copy is never read from the database per check).
#[tokio::test]
async fn another_app_server_sees_a_change_within_its_ttl() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let settings = Settings {
            pos_messages_ttl: Duration::from_millis(300),
            ..Settings::default()
        };
        let second = backend::Backend::new(
            app.db.open().await,
            Arc::new(app.clock.clone()),
            backend::Keys::for_tests(),
            settings,
        );
        let second = server::startup::spawn_for_tests(second).await.unwrap();
        let admin = app.admin_token().await;
        let mut t = paired(&app, &admin, demo::LOC_BER_LOUNGE, "MSG-TTL-01", 2).await;
        t.base_url = second;
        let (_, body) = check_in(&t, Some("de"), &unknown_card(11)).await;
        assert_eq!(body["message"], ENGLISH, "{name}");
        let (s, _) = set(&app, &admin, "de", "MISSING_ACCESS_RULES", GERMAN).await;
        assert_eq!(s, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(400)).await;
        let (cl, body) = check_in(&t, Some("de"), &unknown_card(12)).await;
        assert_eq!(body["message"], GERMAN, "{name}");
        assert_eq!(cl.as_deref(), Some("de"));
        app.finish().await;
    }
}
