//! Issue 14, authorization and card data, through the real HTTP surface (SQLite always,
//! PostgreSQL with `TEST_DATABASE_URL`): ruleset ownership, a Service Provider's location
//! country and service, "Show transactions" for scoped roles, the audit trail (card data,
//! exports, 403s) and its Admin-only reading, the per-terminal velocity limit of
//! `/pos/check_entry` (also across two app servers), and no PAN in clear in the audit log.

use crate::common;

use backend::demo::{ISSUER_TENANT, LOC_BER_LOUNGE, LOC_WAW_LOUNGE, PROVIDER_TENANT};
use backend::demo_world::{CARD_BUSINESS_SPEND, CARD_WORLD, RULESET_BUSINESS, RULESET_WORLD};
use backend::entity::audit_log;
use backend::Settings;
use common::pos::paired;
use common::TestApp;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use std::sync::Arc;

fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn ruleset(name: &str, ica: &str, from: &str, to: &str) -> Value {
    json!({"name": name, "validFrom": "2026-01-01T00:00:00Z", "validTo": null,
           "issuerCountry": null, "binRanges": [{"ica": ica, "from": from, "to": to}],
           "locations": {"kind": "country", "country": "POL"}, "services": ["LOUNGE"],
           "totalUsage": null,
           "cardholder": {"free": "unlimited", "paid": null, "periodDays": null, "perLocationCap": null},
           "adults": {"free": null, "paid": null, "maxPerEntry": 0},
           "children": {"free": null, "paid": null, "maxPerEntry": 0},
           "childFreeUnderAge": null, "spend": null})
}

/// A second issuer (ICA 8888) with one user; its bearer token.
async fn other_issuer(app: &TestApp, admin: &str) -> (String, String) {
    let (s, t) = app
        .call(
            Method::POST,
            "/api/v1/admin/tenants",
            admin,
            Some(json!({"name": "Other Bank", "kind": "ISSUER", "icas": ["8888"]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let tenant = t["id"].as_str().unwrap().to_owned();
    let email = "issuer2@other.example";
    let (s, u) = app
        .call(
            Method::POST,
            "/api/v1/admin/users",
            admin,
            Some(
                json!({"first_name": "Other", "last_name": "Issuer", "email": email,
                        "role": "ISSUER", "tenant_id": tenant,
                        "password": "other-issuer-password"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{u}");
    (tenant, app.token(email, "other-issuer-password").await)
}

async fn others(app: &TestApp, email: &str) -> String {
    app.token(email, &app.others_password).await
}

async fn audit_rows(app: &TestApp, action: &str) -> Vec<audit_log::Model> {
    // The export audit is written when the producing task ends: give it a moment.
    for _ in 0..50 {
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq(action))
            .order_by_asc(audit_log::Column::At)
            .all(&app.backend.db)
            .await
            .unwrap();
        if !rows.is_empty() {
            return rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    vec![]
}

#[tokio::test]
async fn rulesets_belong_to_their_owner() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let admin = app.admin_token().await;
        let issuer = others(&app, "issuer@demo.example").await;
        let (tenant2, issuer2) = other_issuer(&app, &admin).await;

        // The demo's issuer rulesets are its own; the business ruleset is the platform's.
        let (s, own) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/rulesets/{RULESET_WORLD}"),
                &issuer,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: {own}");
        assert_eq!(own["summary"]["owner_tenant_id"], ISSUER_TENANT);
        let (s, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/rulesets/{RULESET_BUSINESS}"),
                &issuer,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{db}");

        // A platform ruleset on the issuer's ICA is not the issuer's (the old hole: one BIN
        // range of its ICA made it "its own" for update and delete).
        let (s, platform) = app
            .call(
                Method::POST,
                "/api/v1/admin/rulesets",
                &admin,
                Some(ruleset("Platform on 1234", "1234", "541234", "541299")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {platform}");
        assert_eq!(platform["summary"]["owner_tenant_id"], Value::Null);
        let pid = platform["summary"]["id"].as_str().unwrap().to_owned();

        // The other issuer's own ruleset.
        let (s, theirs) = app
            .call(
                Method::POST,
                "/api/v1/admin/rulesets",
                &issuer2,
                Some(ruleset("Other Bank lounge", "8888", "888800", "888899")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {theirs}");
        assert_eq!(theirs["summary"]["owner_tenant_id"], tenant2.as_str());
        let tid = theirs["summary"]["id"].as_str().unwrap().to_owned();

        for id in [&pid, &tid] {
            let path = format!("/api/v1/admin/rulesets/{id}");
            let (s, body) = app.call(Method::GET, &path, &issuer, None).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{db} read {id}: {body}");
            let (s, _) = app
                .call(Method::GET, &format!("{path}/versions/1"), &issuer, None)
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{db} version {id}");
            let (s, body) = app
                .call(
                    Method::PUT,
                    &path,
                    &issuer,
                    Some(ruleset("Stripped", "1234", "541234", "541299")),
                )
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{db} update {id}: {body}");
            let (s, body) = app.call(Method::DELETE, &path, &issuer, None).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{db} delete {id}: {body}");
        }
        // Unchanged by the refused writes.
        let (_, still) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/rulesets/{tid}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(still["summary"]["name"], "Other Bank lounge");
        assert_eq!(still["summary"]["current_version"], 1);

        // The list shows the caller's own only.
        let (_, list) = app
            .call(
                Method::GET,
                "/api/v1/admin/rulesets?page_size=200",
                &issuer,
                None,
            )
            .await;
        let ids: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&RULESET_WORLD), "{db}: {ids:?}");
        assert!(
            !ids.contains(&pid.as_str()) && !ids.contains(&tid.as_str()),
            "{db}"
        );
        let (_, list2) = app
            .call(Method::GET, "/api/v1/admin/rulesets", &issuer2, None)
            .await;
        assert_eq!(list2["total"], 1, "{db}: {list2}");
        assert_eq!(list2["items"][0]["id"], tid.as_str());

        // The owner reads and writes its own.
        let path = format!("/api/v1/admin/rulesets/{tid}");
        let (s, body) = app
            .call(
                Method::PUT,
                &path,
                &issuer2,
                Some(ruleset("Other Bank lounge v2", "8888", "888800", "888899")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        assert_eq!(body["summary"]["owner_tenant_id"], tenant2.as_str());
        // An issuer cannot put another issuer's ICA into its ruleset…
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/rulesets",
                &issuer2,
                Some(ruleset("Poach", "1234", "541234", "541299")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}: {body}");
        assert_eq!(fields(&body), ["binRanges[0].ica"]);
        // …and neither can an admin editing it: an owned ruleset stays within its owner's ICAs.
        let (s, body) = app
            .call(
                Method::PUT,
                &path,
                &admin,
                Some(ruleset("Poach", "1234", "541234", "541299")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}: {body}");
        assert_eq!(fields(&body), ["binRanges[0].ica"]);
        // Admin and User manage every ruleset; the owner stays.
        let user = others(&app, "user@demo.example").await;
        let (s, body) = app
            .call(
                Method::PUT,
                &path,
                &user,
                Some(ruleset("Other Bank lounge v3", "8888", "888800", "888899")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        assert_eq!(body["summary"]["owner_tenant_id"], tenant2.as_str());
        let (s, _) = app.call(Method::DELETE, &path, &issuer2, None).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{db}");
        app.finish().await;
    }
}

#[tokio::test]
async fn provider_cannot_change_country_or_service() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let admin = app.admin_token().await;
        let provider = others(&app, "provider@demo.example").await;
        let path = format!("/api/v1/admin/locations/{LOC_WAW_LOUNGE}");
        let (s, loc) = app.call(Method::GET, &path, &provider, None).await;
        assert_eq!(s, StatusCode::OK, "{db}: {loc}");
        let body = |name: &str, country: &str, service: &str| {
            json!({"name": name, "country": country, "service_code": service,
                   "postal_code": loc["postal_code"], "city": loc["city"],
                   "time_zone": loc["time_zone"]})
        };
        let country = loc["country"].as_str().unwrap().to_owned();
        let service = loc["service_code"].as_str().unwrap().to_owned();
        assert_eq!((country.as_str(), service.as_str()), ("POL", "LOUNGE"));

        let (s, e) = app
            .call(
                Method::PUT,
                &path,
                &provider,
                Some(body("Renamed", "DEU", "LOUNGE")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}: {e}");
        assert_eq!(fields(&e), ["country"]);
        assert!(e.to_string().contains("administrator"), "{e}");
        let (s, e) = app
            .call(
                Method::PUT,
                &path,
                &provider,
                Some(body("Renamed", "POL", "FAST_LINE")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}: {e}");
        assert_eq!(fields(&e), ["service_code"]);
        let (s, e) = app
            .call(
                Method::PUT,
                &path,
                &provider,
                Some(body("Renamed", "DEU", "FAST_LINE")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&e), ["country", "service_code"]);
        // Nothing changed.
        let (_, now) = app.call(Method::GET, &path, &admin, None).await;
        assert_eq!(now["country"], "POL");
        assert_eq!(now["name"], loc["name"]);
        // Other fields stay the provider's to edit.
        let (s, e) = app
            .call(
                Method::PUT,
                &path,
                &provider,
                Some(body("Renamed", "POL", "LOUNGE")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: {e}");
        assert_eq!(e["name"], "Renamed");
        // The admin may change both.
        let mut b = body("Renamed", "DEU", "FAST_LINE");
        b["tenant_id"] = json!(PROVIDER_TENANT);
        let (s, e) = app.call(Method::PUT, &path, &admin, Some(b)).await;
        assert_eq!(s, StatusCode::OK, "{db}: {e}");
        assert_eq!(e["country"], "DEU");
        app.finish().await;
    }
}

#[tokio::test]
async fn show_transactions_is_the_spend_check_for_scoped_roles() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let admin = app.admin_token().await;
        // The Berlin lounge (Germany: the spend ruleset) becomes the provider's.
        let (s, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/admin/tenants/{PROVIDER_TENANT}/locations/{LOC_BER_LOUNGE}"),
                &admin,
                None,
            )
            .await;
        assert!(s.is_success(), "{db}: {s} {body}");
        let t = paired(&app, &admin, LOC_BER_LOUNGE, "SCOPE-BER-1", 0).await;
        let g = t.check(CARD_BUSINESS_SPEND, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{db}: {g}");
        let c = t
            .confirm(g["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        assert_eq!(c["status"], "COMPLETED", "{db}: {c}");
        let (_, ops) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/operations?location_id={LOC_BER_LOUNGE}"),
                &admin,
                None,
            )
            .await;
        let op = ops["items"][0]["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/admin/operations/{op}/transactions");

        // Admin: every transaction of the card in the look-back (the demo has 4, one 45 days
        // old, outside the 30-day spend window).
        let (s, all) = app.call(Method::GET, &path, &admin, None).await;
        assert_eq!(s, StatusCode::OK, "{db}: {all}");
        assert_eq!(all.as_array().unwrap().len(), 4, "{db}: {all}");
        // The provider: only the three the spend check counted.
        let provider = others(&app, "provider@demo.example").await;
        let (s, used) = app.call(Method::GET, &path, &provider, None).await;
        assert_eq!(s, StatusCode::OK, "{db}: {used}");
        let used = used.as_array().unwrap();
        assert_eq!(used.len(), 3, "{db}: {used:?}");
        let window_start = common::start_time().timestamp_millis() - 30 * 86_400_000;
        assert!(
            used.iter()
                .all(|t| t["occurred_at"].as_i64().unwrap() >= window_start),
            "{db}: {used:?}"
        );
        assert!(
            used.iter()
                .all(|t| t["merchant_name"] != "Department store"),
            "{db}"
        );
        // Another provider's operation is not there for it (unchanged 404 rule).
        let issuer = others(&app, "issuer@demo.example").await;
        let (s, _) = app.call(Method::GET, &path, &issuer, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{db}: not the issuer's ICA");
        app.finish().await;
    }
}

#[tokio::test]
async fn card_data_access_exports_and_denials_are_audited() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let admin = app.admin_token().await;
        let (_, me) = app
            .call(Method::GET, "/api/v1/admin/me", &admin, None)
            .await;
        let admin_id = me["id"].as_str().unwrap().to_owned();

        // Try a card.
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/try-card",
                &admin,
                Some(json!({"pan": CARD_WORLD, "location_id": LOC_WAW_LOUNGE})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        let rows = audit_rows(&app, "card.try").await;
        assert_eq!(rows.len(), 1, "{db}");
        assert_eq!(rows[0].actor_id.as_deref(), Some(admin_id.as_str()));
        let detail = rows[0].detail_json.clone().unwrap_or_default();
        assert!(detail.contains("541234******1232"), "{detail}");
        assert!(!detail.contains(CARD_WORLD), "{detail}");

        // Card details.
        let (_, cards) = app
            .call(Method::GET, "/api/v1/admin/enrolled-cards", &admin, None)
            .await;
        let card = cards["items"][0]["id"].as_str().unwrap().to_owned();
        let (s, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/enrolled-cards/{card}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let rows = audit_rows(&app, "card.view").await;
        assert_eq!(rows.len(), 1, "{db}");
        assert_eq!(rows[0].target_id.as_deref(), Some(card.as_str()));

        // Every export: who, filters, format, rows.
        let resp = app
            .http
            .get(app.url("/api/v1/admin/reports/cards?format=csv&ica=1234"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let csv = resp.text().await.unwrap();
        let data_lines = csv.lines().count() as u64 - 1;
        let rows = audit_rows(&app, "export.cards").await;
        assert_eq!(rows.len(), 1, "{db}");
        assert_eq!(rows[0].outcome, "success");
        let d: Value = serde_json::from_str(rows[0].detail_json.as_deref().unwrap()).unwrap();
        assert_eq!(d["format"], "csv");
        assert_eq!(d["filters"]["ica"], "1234");
        assert_eq!(d["rows"], data_lines, "{db}: {d}");
        for (url, action) in [
            (
                "/api/v1/admin/reports/operations?format=xlsx&kind=detailed",
                "export.operations_detailed",
            ),
            (
                "/api/v1/admin/reports/operations?format=csv&kind=summary",
                "export.operations_summary",
            ),
        ] {
            let resp = app
                .http
                .get(app.url(url))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            let _ = resp.bytes().await.unwrap();
            let rows = audit_rows(&app, action).await;
            assert_eq!(rows.len(), 1, "{db}: {action}");
            assert_eq!(rows[0].actor_id.as_deref(), Some(admin_id.as_str()));
            assert!(rows[0].client_addr.is_some(), "{db}: {action}");
        }

        // A 403 from the gate, with the client address; the caller learns nothing more.
        let provider = others(&app, "provider@demo.example").await;
        let (s, body) = app
            .call(Method::GET, "/api/v1/admin/users", &provider, None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
        let rows = audit_rows(&app, "authz.denied").await;
        assert_eq!(rows.len(), 1, "{db}");
        assert_eq!(rows[0].outcome, "denied");
        assert_eq!(rows[0].client_addr.as_deref(), Some("127.0.0.1"));
        let d: Value = serde_json::from_str(rows[0].detail_json.as_deref().unwrap()).unwrap();
        assert_eq!(d["capability"], "UsersView");
        assert_eq!(d["path"], "/api/v1/admin/users");
        assert_eq!(d["role"], "SERVICE_PROVIDER");
        // The panel's server functions go through the same gate and the same audit.
        let cookie = app
            .session_cookie("provider@demo.example", &app.others_password)
            .await;
        let resp = app
            .http
            .post(app.url("/api/fn/users/list"))
            .header("cookie", cookie)
            .header("accept", "application/json")
            .form(&[("filter[page]", "1")])
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::FORBIDDEN, "{db}: {text}");
        let rows = audit_rows(&app, "authz.denied").await;
        assert_eq!(rows.len(), 2, "{db}: panel 403 ({status} {text}) audited");
        let d: Value = serde_json::from_str(rows[1].detail_json.as_deref().unwrap()).unwrap();
        assert_eq!(d["path"], "/api/fn/users/list");
        // A 404 (another tenant's object) is no authorization failure to record.
        let issuer = others(&app, "issuer@demo.example").await;
        let (s, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/rulesets/{RULESET_BUSINESS}"),
                &issuer,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(audit_rows(&app, "authz.denied").await.len(), 2, "{db}");

        // Reading the log: Admin only, filtered and paged.
        let (s, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/audit-log?action=export.&page_size=2",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: {page}");
        assert_eq!(page["total"], 3, "{db}: {page}");
        assert_eq!(page["items"].as_array().unwrap().len(), 2);
        assert_eq!(page["items"][0]["actor_email"], backend::demo::ADMIN_EMAIL);
        let (_, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/audit-log?actor=provider@demo&action=authz.denied",
                &admin,
                None,
            )
            .await;
        assert_eq!(page["total"], 2, "{db}: {page}");
        let (_, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/audit-log?from=2000-01-01&until=2000-01-31",
                &admin,
                None,
            )
            .await;
        assert_eq!(page["total"], 0, "{db}: {page}");
        let (s, e) = app
            .call(
                Method::GET,
                "/api/v1/admin/audit-log?from=yesterday",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(fields(&e), ["from"]);
        for who in [
            "user@demo.example",
            "callcenter@demo.example",
            "issuer@demo.example",
        ] {
            let tok = others(&app, who).await;
            let (s, _) = app
                .call(Method::GET, "/api/v1/admin/audit-log", &tok, None)
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{db}: {who}");
        }
        // The audit log never holds a PAN in clear.
        for r in audit_log::Entity::find()
            .all(&app.backend.db)
            .await
            .unwrap()
        {
            let text = format!("{r:?}");
            for pan in [CARD_WORLD, CARD_BUSINESS_SPEND] {
                assert!(!text.contains(pan), "{db}: {text}");
            }
        }
        app.finish().await;
    }
}

async fn velocity_app(db: backend::db::TestDb, limit: u32) -> TestApp {
    TestApp::start_with(
        db,
        Settings {
            pos_velocity_per_minute: limit,
            ..Settings::default()
        },
        None,
    )
    .await
}

#[tokio::test]
async fn check_entry_velocity_limit_per_terminal() {
    for db in backend::db::TestDb::all().await {
        let app = velocity_app(db, 3).await;
        let name = app.db.name();
        let admin = app.admin_token().await;
        let t1 = paired(&app, &admin, LOC_WAW_LOUNGE, "VEL-1", 0).await;
        let t2 = paired(&app, &admin, LOC_WAW_LOUNGE, "VEL-2", 1).await;
        let body = json!({"pan": CARD_WORLD, "entryMode": "CONTACTLESS"});
        for i in 0..3 {
            let (s, b) = t1
                .request(Method::POST, "/pos/check_entry", Some(&body))
                .await
                .unwrap();
            assert_eq!(s, 200, "{name} #{i}: {b}");
        }
        // The fourth in the minute: the contract's 429 envelope with Retry-After.
        let resp = app
            .http
            .post(app.url("/pos/check_entry"))
            .bearer_auth(t1.token())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "{name}");
        let retry: u64 = resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        let e: Value = resp.json().await.unwrap();
        assert_eq!(e["error"]["code"], "TOO_MANY_REQUESTS", "{name}: {e}");
        assert!(e["error"]["message"].is_string());
        // Malformed checks count too (no card-testing by bad requests).
        let (s, _) = t1
            .request(
                Method::POST,
                "/pos/check_entry",
                Some(&json!({"pan": "1234", "entryMode": "CONTACTLESS"})),
            )
            .await
            .unwrap();
        assert_eq!(s, 429, "{name}");
        // Another terminal has its own allowance.
        let (s, b) = t2
            .request(Method::POST, "/pos/check_entry", Some(&body))
            .await
            .unwrap();
        assert_eq!(s, 200, "{name}: {b}");
        // The next minute opens a new window.
        app.clock.advance(chrono::Duration::seconds(61));
        let (s, b) = t1
            .request(Method::POST, "/pos/check_entry", Some(&body))
            .await
            .unwrap();
        assert_eq!(s, 200, "{name}: {b}");
        app.finish().await;
    }
}

/// Two app servers (each its own pool) on one database share a terminal's allowance.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn velocity_limit_holds_across_two_app_servers() {
    for db in backend::db::TestDb::all().await {
        let app = velocity_app(db, 10).await;
        let name = app.db.name();
        let second = backend::Backend::new(
            app.db.open().await,
            Arc::new(app.clock.clone()),
            backend::Keys::for_tests(),
            Settings {
                pos_velocity_per_minute: 10,
                ..Settings::default()
            },
        );
        let base2 = server::startup::spawn_for_tests(second).await.unwrap();
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, "VEL-TWO", 2).await;
        // The same terminal (same key) talking to the second server.
        let mut t2 =
            server::sim::Terminal::new(&base2, "VEL-TWO", common::pos::keys()[2].clone()).unwrap();
        t2.clock = t.clock.clone();
        let (t, t2) = (Arc::new(t), Arc::new(t2));
        let mut tasks = Vec::new();
        for i in 0..30 {
            let t = if i % 2 == 0 { t.clone() } else { t2.clone() };
            tasks.push(tokio::spawn(async move {
                let body = json!({"pan": CARD_WORLD, "entryMode": "CONTACTLESS"});
                t.request(Method::POST, "/pos/check_entry", Some(&body))
                    .await
                    .unwrap()
                    .0
            }));
        }
        let mut ok = 0;
        let mut limited = 0;
        for task in tasks {
            match task.await.unwrap() {
                200 => ok += 1,
                429 => limited += 1,
                other => panic!("{name}: {other}"),
            }
        }
        assert_eq!((ok, limited), (10, 20), "{name}");
        app.finish().await;
    }
}

#[tokio::test]
async fn velocity_limit_zero_is_off() {
    let db = backend::db::TestDb::sqlite();
    let app = velocity_app(db, 0).await;
    let admin = app.admin_token().await;
    let t = paired(&app, &admin, LOC_WAW_LOUNGE, "VEL-OFF", 0).await;
    let body = json!({"pan": CARD_WORLD, "entryMode": "CONTACTLESS"});
    for _ in 0..70 {
        let (s, b) = t
            .request(Method::POST, "/pos/check_entry", Some(&body))
            .await
            .unwrap();
        assert_eq!(s, 200, "{b}");
    }
    app.finish().await;
}

/// The acquirer adapter does not follow a redirect (the PAN and the URL's credentials would go
/// wherever it points): a 3xx is an unavailable acquirer; the credentials are sent as HTTP
/// Basic to the configured host only and never shown by the adapter.
#[tokio::test]
async fn acquirer_adapter_never_follows_redirects() {
    use axum::http::HeaderMap;
    use axum::routing::post;
    use backend::acquirer::{AcqOutcome, Acquirer};
    use std::sync::Mutex;
    /// (path, Authorization header) of every request the stub got.
    type Hits = Arc<Mutex<Vec<(String, Option<String>)>>>;
    let hits: Hits = Arc::new(Mutex::new(Vec::new()));
    let record = |hits: Hits, path: &'static str| {
        move |headers: HeaderMap| {
            let hits = hits.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                hits.lock().unwrap().push((path.to_owned(), auth));
                if path == "/acq/account-status" {
                    axum::response::Response::builder()
                        .status(307)
                        .header("location", "/elsewhere/account-status")
                        .body(axum::body::Body::empty())
                        .unwrap()
                } else {
                    axum::response::Response::builder()
                        .status(200)
                        .header("content-type", "application/json")
                        .body(axum::body::Body::from(r#"{"responseCode":"00"}"#))
                        .unwrap()
                }
            }
        }
    };
    let router = axum::Router::new()
        .route(
            "/acq/account-status",
            post(record(hits.clone(), "/acq/account-status")),
        )
        .route(
            "/elsewhere/account-status",
            post(record(hits.clone(), "/elsewhere/account-status")),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let url = format!("http://gw:s3cr3t@{addr}/acq");
    let acq =
        server::acquirer_http::HttpAcquirer::new(&url, std::time::Duration::from_secs(2)).unwrap();
    assert!(!format!("{acq:?}").contains("s3cr3t"));
    assert_eq!(acq.display_url(), format!("http://***@{addr}/acq"));
    let answer = acq.account_status(CARD_WORLD, "k-1").await;
    assert_eq!(answer.outcome, AcqOutcome::Unavailable, "{answer:?}");
    let hits = hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 1, "the redirect was followed: {hits:?}");
    assert_eq!(hits[0].0, "/acq/account-status");
    assert!(
        hits[0]
            .1
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic ")),
        "credentials of the URL go as HTTP Basic: {hits:?}"
    );
    // Production refuses plain http:// (and says so without the credentials).
    let err = server::acquirer_http::HttpAcquirer::with_policy(
        &url,
        std::time::Duration::from_secs(2),
        true,
    )
    .unwrap_err();
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
    assert!(err.to_string().contains("https://"), "{err}");
}

/// Migration m0011 assigns existing rulesets an owner: the issuer they were created under; else
/// the one issuer whose ICAs cover all their BIN ranges' ICAs (leading zeros ignored); else the
/// platform. Run as an upgrade: the rows exist, m0011 is rolled back and applied again.
#[tokio::test]
async fn migration_assigns_existing_rulesets_an_owner() {
    use access_core::domain::ruleset::RulesetDraft;
    use backend::entity::{rulesets, tenant_icas, tenants};
    use migrations::MigratorTrait;
    use sea_orm::{ActiveModelTrait, Set};
    for db in backend::db::TestDb::all().await {
        let name = db.name();
        let conn = db.open().await;
        for (id, kind, icas) in [
            ("t-a", "ISSUER", vec!["1111"]),
            ("t-b", "ISSUER", vec!["2222", "0333"]),
            ("t-p", "SERVICE_PROVIDER", vec!["4444"]),
        ] {
            tenants::ActiveModel {
                id: Set(id.into()),
                name: Set(format!("Tenant {id}")),
                kind: Set(kind.into()),
                created_at: Set(0),
                active: Set(true),
            }
            .insert(&conn)
            .await
            .unwrap();
            for ica in icas {
                tenant_icas::ActiveModel {
                    tenant_id: Set(id.into()),
                    ica: Set(ica.into()),
                }
                .insert(&conn)
                .await
                .unwrap();
            }
        }
        let now = common::start_time();
        /// (ruleset, created under, BIN range ICAs, expected owner)
        type Case<'a> = (&'a str, Option<&'a str>, Vec<&'a str>, Option<&'a str>);
        let cases: [Case; 6] = [
            ("created under A", Some("t-a"), vec!["1111"], Some("t-a")),
            ("B by zero-padded ICA", None, vec!["333"], Some("t-b")),
            ("B twice", None, vec!["2222", "0333"], Some("t-b")),
            ("A and B", None, vec!["1111", "2222"], None),
            ("nobody's ICA", None, vec!["9999"], None),
            ("a provider's ICA", None, vec!["4444"], None),
        ];
        let mut ids = Vec::new();
        for (label, under, icas, _) in &cases {
            let mut body = ruleset(label, icas[0], "500000", "500099");
            body["binRanges"] = Value::Array(
                icas.iter()
                    .enumerate()
                    .map(|(i, ica)| {
                        json!({"ica": ica, "from": format!("50{i}000"), "to": format!("50{i}099")})
                    })
                    .collect(),
            );
            let draft: RulesetDraft = serde_json::from_value(body).unwrap();
            let r = draft.build(uuid::Uuid::new_v4(), 1, now).unwrap();
            backend::repo::rulesets::save_version(&conn, &r, *under, "migration-test", 0)
                .await
                .unwrap();
            ids.push(r.id.to_string());
        }
        // Back to before m0011 (the column goes), then the upgrade — on one connection: a
        // pooled SQLite connection that saw the old schema would refuse the re-added column.
        conn.close().await.unwrap();
        let mut opts = sea_orm::ConnectOptions::new(db.url.clone());
        opts.max_connections(1).sqlx_logging(false);
        if let Some(schema) = &db.schema {
            opts.set_schema_search_path(schema.clone());
        }
        let conn = sea_orm::Database::connect(opts).await.unwrap();
        // m0011 and every migration after it.
        let since_m0011 = migrations::Migrator::migrations()
            .iter()
            .rev()
            .take_while(|m| m.name() != "m0011_ruleset_owner")
            .count() as u32
            + 1;
        migrations::Migrator::down(&conn, Some(since_m0011))
            .await
            .unwrap();
        migrations::Migrator::up(&conn, None).await.unwrap();
        for ((label, _, _, want), id) in cases.iter().zip(&ids) {
            let row = rulesets::Entity::find_by_id(id.clone())
                .one(&conn)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(row.owner_tenant_id.as_deref(), *want, "{name}: {label}");
        }
        db.cleanup().await;
    }
}
