//! Admin panel I over REST: locations and their terminals, T&C documents and consent, rulesets,
//! BIN ranges and FX rates — each operation, validation rule and role, on every database.

use crate::common;

use backend::demo;
use common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

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

fn location_body(name: &str) -> Value {
    json!({
        "name": name, "country": "pol", "service_code": "LOUNGE", "postal_code": "00-950",
        "city": "Warsaw", "address": "Marszałkowska 1", "cooldown_minutes": 30,
        "time_zone": "Europe/Warsaw"
    })
}

async fn others(app: &TestApp, email: &str) -> String {
    app.token(email, &app.others_password).await
}

#[tokio::test]
async fn locations_crud_filters_and_validation() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let t = app.admin_token().await;
        let (s, loc) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &t,
                Some(location_body("Gate B Lounge")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {loc}");
        assert_eq!(loc["country"], "POL");
        assert_eq!(loc["service_name"], "Lounge");
        assert_eq!(loc["cooldown_minutes"], 30);
        assert_eq!(loc["created_by"], demo::ADMIN_EMAIL);
        let id = loc["id"].as_str().unwrap().to_owned();

        // Every field rule, each named.
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &t,
                Some(json!({
                    "name": " ", "country": "PL", "service_code": "SPA", "postal_code": "",
                    "city": "", "cooldown_minutes": "-5", "capacity": "lots", "time_zone": "Mars Time!"
                })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}");
        assert_eq!(
            fields(&body),
            [
                "name",
                "country",
                "service_code",
                "postal_code",
                "city",
                "cooldown_minutes",
                "capacity",
                "time_zone"
            ],
            "{db}: {body}"
        );
        // A tenant must be a service provider.
        let mut bad_tenant = location_body("X");
        bad_tenant["tenant_id"] = json!(demo::ISSUER_TENANT);
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &t,
                Some(bad_tenant),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&body), ["tenant_id"]);
        // Malformed JSON.
        let resp = app
            .http
            .post(app.url("/api/v1/admin/locations"))
            .bearer_auth(&t)
            .header("content-type", "application/json")
            .body("{nope")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

        // Filters: country, name (substring, any case), service; and paging.
        let get = |q: &'static str| {
            let app = &app;
            let t = t.clone();
            async move {
                let (s, page) = app
                    .call(
                        Method::GET,
                        &format!("/api/v1/admin/locations{q}"),
                        &t,
                        None,
                    )
                    .await;
                assert_eq!(s, StatusCode::OK, "{page}");
                page
            }
        };
        assert_eq!(get("").await["total"], 5, "{db}");
        assert_eq!(get("?country=deu").await["total"], 2);
        assert_eq!(get("?name=gate%20b").await["items"][0]["id"], id.as_str());
        assert_eq!(get("?service=FAST_LINE").await["total"], 2);
        assert_eq!(get("?country=POL&service=LOUNGE").await["total"], 2);
        let p = get("?page_size=2&page=3").await;
        assert_eq!(p["items"].as_array().unwrap().len(), 1);
        assert_eq!(p["page"], 3);
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/locations?page=x", &t, None)
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // Edit.
        let mut edit = location_body("Gate B Lounge (renamed)");
        edit["cooldown_minutes"] = Value::Null;
        edit["service_code"] = json!("FAST_LINE");
        let (s, edited) = app
            .call(
                Method::PUT,
                &format!("/api/v1/admin/locations/{id}"),
                &t,
                Some(edit),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{edited}");
        assert_eq!(edited["name"], "Gate B Lounge (renamed)");
        assert_eq!(edited["cooldown_minutes"], Value::Null);
        assert_eq!(edited["service_code"], "FAST_LINE");
        let (s, _) = app
            .call(
                Method::PUT,
                "/api/v1/admin/locations/nope",
                &t,
                Some(location_body("Y")),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Terminals: add, duplicate, list, pairing code (shown once, new one replaces), delete.
        let terms = format!("/api/v1/admin/locations/{id}/terminals");
        let (s, term) = app
            .call(
                Method::POST,
                &terms,
                &t,
                Some(json!({"serial_number": "GATEB-0001"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{term}");
        assert_eq!(term["pairing_status"], "NOT_PAIRED");
        let (s, body) = app
            .call(
                Method::POST,
                &terms,
                &t,
                Some(json!({"serial_number": "GATEB-0001"})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(fields(&body), ["serial_number"]);
        let (s, body) = app
            .call(
                Method::POST,
                &terms,
                &t,
                Some(json!({"serial_number": "a b"})),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(fields(&body), ["serial_number"]);
        let (_, list) = app.call(Method::GET, &terms, &t, None).await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        let (s, code) = app
            .call(
                Method::POST,
                "/api/v1/admin/terminals/GATEB-0001/pairing-code",
                &t,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(code["code"].as_str().unwrap().len(), 8);

        // A location with terminals cannot go; without, it can.
        let loc_path = format!("/api/v1/admin/locations/{id}");
        let (s, body) = app.call(Method::DELETE, &loc_path, &t, None).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        let (s, _) = app
            .call(
                Method::DELETE,
                "/api/v1/admin/terminals/GATEB-0001",
                &t,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = app.call(Method::DELETE, &loc_path, &t, None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = app.call(Method::GET, &loc_path, &t, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.call(Method::DELETE, &loc_path, &t, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        app.finish().await;
    }
}

#[tokio::test]
async fn locations_are_scoped_per_role() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let provider = others(&app, "provider@demo.example").await;
        let issuer = others(&app, "issuer@demo.example").await;
        let cc = others(&app, "callcenter@demo.example").await;
        let user = others(&app, "user@demo.example").await;

        // The service provider sees its two locations only; the others are not there.
        let (_, page) = app
            .call(Method::GET, "/api/v1/admin/locations", &provider, None)
            .await;
        assert_eq!(page["total"], 2, "{db}: {page}");
        for item in page["items"].as_array().unwrap() {
            assert_eq!(item["tenant_id"], demo::PROVIDER_TENANT);
        }
        let ber = format!("/api/v1/admin/locations/{}", demo::LOC_BER_LOUNGE);
        let (s, _) = app.call(Method::GET, &ber, &provider, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .call(Method::PUT, &ber, &provider, Some(location_body("Mine")))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .call(
                Method::POST,
                &format!("{ber}/terminals"),
                &provider,
                Some(json!({"serial_number": "NOT-MINE-1"})),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // What it creates lands in its own tenant, whatever it asks for.
        let mut body = location_body("Provider's new lounge");
        body["tenant_id"] = json!(demo::ISSUER_TENANT);
        let (s, created) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &provider,
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        assert_eq!(created["tenant_id"], demo::PROVIDER_TENANT);
        let own = format!(
            "/api/v1/admin/locations/{}",
            created["id"].as_str().unwrap()
        );
        let (s, _) = app
            .call(
                Method::POST,
                &format!("{own}/terminals"),
                &provider,
                Some(json!({"serial_number": "PROV-0001"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, _) = app
            .call(
                Method::POST,
                "/api/v1/admin/terminals/PROV-0001/pairing-code",
                &provider,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);

        // Issuer and call center view all, change nothing; a User manages.
        for (who, tok) in [("issuer", &issuer), ("callcenter", &cc)] {
            let (_, page) = app
                .call(Method::GET, "/api/v1/admin/locations", tok, None)
                .await;
            assert_eq!(page["total"], 5, "{db} {who}");
            let (s, body) = app
                .call(
                    Method::POST,
                    "/api/v1/admin/locations",
                    tok,
                    Some(location_body("No")),
                )
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who}: {body}");
            let (s, _) = app.call(Method::DELETE, &own, tok, None).await;
            assert_eq!(s, StatusCode::FORBIDDEN);
            let (s, _) = app
                .call(
                    Method::POST,
                    "/api/v1/admin/terminals/PROV-0001/pairing-code",
                    tok,
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN);
        }
        let (s, _) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &user,
                Some(location_body("By a user")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/locations", "not-a-token", None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        app.finish().await;
    }
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn upload_json(
    app: &TestApp,
    token: &str,
    kind: &str,
    date: &str,
    text: &str,
) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        "/api/v1/admin/terms",
        token,
        Some(json!({
            "kind": kind, "effective_date": date, "file_name": format!("{kind}.txt"),
            "content_base64": b64(text.as_bytes())
        })),
    )
    .await
}

/// A hand-built multipart body (the test client has no multipart support).
fn multipart(kind: &str, date: &str, file_name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----panel-admin-test-boundary";
    let mut body = Vec::new();
    for (name, value) in [("kind", kind), ("effective_date", date)] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn terms_upload_replace_and_validation() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let t = app.admin_token().await;
        let (s, terms) = upload_json(&app, &t, "TERMS", "2026-01-01", "Terms v1").await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {terms}");
        assert_eq!(terms["current"], true);
        assert_eq!(terms["size"], 8);
        assert_eq!(terms["uploaded_by"], demo::ADMIN_EMAIL);
        assert_eq!(terms["content_type"], "text/plain; charset=utf-8");

        // Multipart works too.
        let (ct, body) = multipart("PRIVACY", "2026-02-01", "privacy.pdf", b"%PDF-1.4 privacy");
        let resp = app
            .http
            .post(app.url("/api/v1/admin/terms"))
            .bearer_auth(&t)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "{db}");
        let privacy: Value = resp.json().await.unwrap();
        assert_eq!(privacy["file_name"], "privacy.pdf");
        assert_eq!(privacy["content_type"], "application/pdf");

        // The file comes back as uploaded.
        let resp = app
            .http
            .get(app.url(&format!(
                "/api/v1/admin/terms/{}/content",
                privacy["id"].as_str().unwrap()
            )))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "application/pdf");
        assert_eq!(resp.bytes().await.unwrap().as_ref(), b"%PDF-1.4 privacy");

        // Validation, each field named.
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/terms",
                &t,
                Some(json!({"kind": "EULA", "effective_date": "1.1.2026", "file_name": "", "content_base64": ""})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&body),
            ["kind", "effective_date", "file", "file"],
            "{db}"
        );
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/terms",
                &t,
                Some(json!({"kind": "TERMS", "effective_date": "2026-01-01", "file_name": "a.txt", "content_base64": "***"})),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(fields(&body), ["content_base64"]);

        // Same kind and date: replaces; a later date is listed but not yet in force.
        let (s, terms2) = upload_json(&app, &t, "TERMS", "2026-01-01", "Terms v1 fixed").await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, future) = upload_json(&app, &t, "TERMS", "2027-01-01", "Terms v2").await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(future["current"], false);
        let (_, list) = app.call(Method::GET, "/api/v1/admin/terms", &t, None).await;
        let list = list.as_array().unwrap().clone();
        assert_eq!(list.len(), 3, "{db}: {list:?}");
        assert_eq!(list[0]["effective_date"], "2027-01-01");
        assert!(list
            .iter()
            .any(|d| d["id"] == terms2["id"] && d["current"] == true));
        let (s, _) = app
            .call(
                Method::GET,
                &format!(
                    "/api/v1/admin/terms/{}/content",
                    terms["id"].as_str().unwrap()
                ),
                &t,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "the replaced version is gone");
        // No edit, no delete.
        let (s, _) = app
            .call(
                Method::DELETE,
                &format!("/api/v1/admin/terms/{}", terms2["id"].as_str().unwrap()),
                &t,
                None,
            )
            .await;
        assert!(s == StatusCode::METHOD_NOT_ALLOWED || s == StatusCode::NOT_FOUND);
        app.finish().await;
    }
}

#[tokio::test]
async fn consent_is_required_until_both_documents_are_accepted() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let admin = app.admin_token().await;
        let issuer = others(&app, "issuer@demo.example").await;
        // No documents yet: nothing to accept.
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/locations", &issuer, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{db}");

        let (_, terms) = upload_json(&app, &admin, "TERMS", "2026-01-01", "T").await;
        let (_, privacy) = upload_json(&app, &admin, "PRIVACY", "2026-01-01", "P").await;
        let (terms_id, privacy_id) = (
            terms["id"].as_str().unwrap().to_owned(),
            privacy["id"].as_str().unwrap().to_owned(),
        );
        for who in [
            "issuer@demo.example",
            "provider@demo.example",
            "callcenter@demo.example",
        ] {
            let tok = others(&app, who).await;
            let (s, body) = app
                .call(Method::GET, "/api/v1/admin/locations", &tok, None)
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{db} {who}");
            assert_eq!(body["error"]["code"], "consent_required");
            // The documents stay readable.
            let (s, _) = app
                .call(Method::GET, "/api/v1/admin/terms", &tok, None)
                .await;
            assert_eq!(s, StatusCode::OK);
            let (_, pending) = app
                .call(Method::GET, "/api/v1/admin/consent", &tok, None)
                .await;
            assert_eq!(pending.as_array().unwrap().len(), 2, "{who}");
        }
        // Admin and User need none.
        let user = others(&app, "user@demo.example").await;
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/locations", &user, None)
            .await;
        assert_eq!(s, StatusCode::OK);

        // One box only: refused, naming the other document.
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/consent",
                &issuer,
                Some(json!({"document_ids": [terms_id]})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&body), ["PRIVACY"]);
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/consent",
                &issuer,
                Some(json!({"document_ids": []})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&body), ["TERMS", "PRIVACY"]);
        let (s, _) = app
            .call(
                Method::POST,
                "/api/v1/admin/consent",
                &issuer,
                Some(json!({"document_ids": [terms_id, privacy_id]})),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/locations", &issuer, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: accepted");
        // Only Admin and User manage documents.
        let (s, body) = upload_json(&app, &issuer, "TERMS", "2026-03-01", "x").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(body["error"]["code"], "forbidden");
        let (s, _) = upload_json(&app, &user, "PRIVACY", "2025-06-01", "old").await;
        assert_eq!(s, StatusCode::CREATED);
        // An older version changes nothing; a replaced current one asks again.
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/locations", &issuer, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        upload_json(&app, &admin, "PRIVACY", "2026-01-01", "P fixed").await;
        let (s, body) = app
            .call(Method::GET, "/api/v1/admin/locations", &issuer, None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(body["error"]["code"], "consent_required");
        let (_, pending) = app
            .call(Method::GET, "/api/v1/admin/consent", &issuer, None)
            .await;
        assert_eq!(pending.as_array().unwrap().len(), 1);
        assert_eq!(pending[0]["kind"], "PRIVACY");
        app.finish().await;
    }
}

fn has(page: &Value, id: &str) -> bool {
    page["items"]
        .as_array()
        .is_some_and(|a| a.iter().any(|r| r["id"] == id))
}

fn ruleset_body(name: &str, ica: &str) -> Value {
    json!({
        "name": name, "description": "Gold cards in Warsaw",
        "validFrom": "2026-01-01T00:00:00Z", "validTo": "2027-01-01T00:00:00Z",
        "issuerCountry": "POL", "productCodes": ["MCG"],
        "binRanges": [{"ica": ica, "from": "541234", "to": "541299"}],
        "locations": {"kind": "locations", "ids": [demo::LOC_WAW_LOUNGE]},
        "services": ["LOUNGE"],
        "totalUsage": {"limit": 1000, "periodDays": 30},
        "cardholder": {"free": {"count": 3}, "paid": {"price": {"amount": "25.00", "currency": "EUR"}, "limit": "unlimited"},
                       "periodDays": 365, "perLocationCap": null},
        "adults": {"free": {"count": 1}, "paid": null, "maxPerEntry": 2},
        "children": {"free": "unlimited", "paid": null, "maxPerEntry": 2},
        "childFreeUnderAge": 6,
        "spend": {"amount": {"amount": "100.00", "currency": "EUR"}, "periodDays": 10, "mccs": ["5411"], "graceDays": 3},
        "rpm": false
    })
}

#[tokio::test]
async fn rulesets_versions_validation_and_scope() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let t = app.admin_token().await;
        let (s, created) = app
            .call(
                Method::POST,
                "/api/v1/admin/rulesets",
                &t,
                Some(ruleset_body("Gold lounge", "1234")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {created}");
        let id = created["summary"]["id"].as_str().unwrap().to_owned();
        assert_eq!(created["summary"]["current_version"], 1);
        assert_eq!(created["summary"]["created_by"], demo::ADMIN_EMAIL);
        assert_eq!(created["draft"]["name"], "Gold lounge");
        assert_eq!(created["versions"].as_array().unwrap().len(), 1);

        // Contradictions are refused, each named by its JSON path.
        let mut bad = ruleset_body("", "1234");
        bad["validTo"] = json!("2025-01-01T00:00:00Z");
        bad["binRanges"] = json!([
            {"ica": "1234", "from": "541200", "to": "541299"},
            {"ica": "1234", "from": "541250", "to": "541260"}
        ]);
        bad["cardholder"]["paid"]["price"] = Value::Null;
        bad["spend"]["mccs"] = json!(["54x1"]);
        bad["adults"]["paid"] =
            json!({"price": {"amount": "5", "currency": "XYZ"}, "limit": "unlimited"});
        let (s, body) = app
            .call(Method::POST, "/api/v1/admin/rulesets", &t, Some(bad))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}");
        let f = fields(&body);
        for want in [
            "name",
            "validTo",
            "binRanges[1]",
            "cardholder.paid.price",
            "spend.mccs[0]",
            "adults.paid.price.currency",
        ] {
            assert!(
                f.iter().any(|x| x.starts_with(want)),
                "{db}: {want} missing in {f:?}"
            );
        }
        let mut unknown_loc = ruleset_body("X", "1234");
        unknown_loc["locations"]["ids"] = json!([uuid::Uuid::new_v4()]);
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/rulesets",
                &t,
                Some(unknown_loc),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&body), ["locations.ids[0]"]);

        // Edit = a new version; the old one stays readable.
        let path = format!("/api/v1/admin/rulesets/{id}");
        let (s, edited) = app
            .call(
                Method::PUT,
                &path,
                &t,
                Some(ruleset_body("Gold lounge v2", "1234")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{edited}");
        assert_eq!(edited["summary"]["current_version"], 2);
        assert_eq!(edited["versions"][0]["version"], 2);
        let (_, v1) = app
            .call(Method::GET, &format!("{path}/versions/1"), &t, None)
            .await;
        assert_eq!(v1["name"], "Gold lounge");
        let (_, versions) = app
            .call(Method::GET, &format!("{path}/versions"), &t, None)
            .await;
        assert_eq!(versions.as_array().unwrap().len(), 2);

        // Filters.
        let (_, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/rulesets?name=GOLD&service=LOUNGE&ica=1234&status=active",
                &t,
                None,
            )
            .await;
        assert_eq!(page["total"], 1, "{db}: {page}");
        let (_, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/rulesets?status=expired",
                &t,
                None,
            )
            .await;
        assert_eq!(page["total"], 0);
        let (_, page) = app
            .call(Method::GET, "/api/v1/admin/rulesets?country=DEU", &t, None)
            .await;
        assert_eq!(page["total"], 0);

        // Scope: the issuer sees the rulesets it owns — not the admin's platform ruleset on its
        // own ICA (`id`), nor another ICA's — and may not use another ICA; the provider sees
        // rulesets of its locations; the call center views; nobody else edits.
        let admin_other = app
            .call(
                Method::POST,
                "/api/v1/admin/rulesets",
                &t,
                Some({
                    let mut b = ruleset_body("Other bank", "9999");
                    b["locations"] = json!({"kind": "locations", "ids": [demo::LOC_BER_LOUNGE]});
                    b
                }),
            )
            .await
            .1;
        let other = admin_other["summary"]["id"].as_str().unwrap().to_owned();
        let issuer = others(&app, "issuer@demo.example").await;
        let (_, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/rulesets?page_size=200",
                &issuer,
                None,
            )
            .await;
        assert!(!has(&page, &id) && !has(&page, &other), "{db}: {page}");
        assert!(
            has(&page, backend::demo_world::RULESET_WORLD),
            "{db}: {page}"
        );
        let (s, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/rulesets/{other}"),
                &issuer,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // A BIN range on its ICA does not make the platform's ruleset the issuer's.
        for method in [Method::GET, Method::DELETE] {
            let (s, _) = app.call(method, &path, &issuer, None).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{db}");
        }
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/rulesets",
                &issuer,
                Some(ruleset_body("Not mine", "9999")),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&body), ["binRanges[0].ica"]);
        let (s, mine) = app
            .call(
                Method::POST,
                "/api/v1/admin/rulesets",
                &issuer,
                Some(ruleset_body("Issuer's own", "5678")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{mine}");
        let provider = others(&app, "provider@demo.example").await;
        let (_, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/rulesets?page_size=200",
                &provider,
                None,
            )
            .await;
        let mine_id = mine["summary"]["id"].as_str().unwrap();
        assert!(
            has(&page, &id) && has(&page, mine_id) && !has(&page, &other),
            "{db}: WAW rulesets only: {page}"
        );
        let (s, _) = app.call(Method::DELETE, &path, &provider, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let cc = others(&app, "callcenter@demo.example").await;
        let (_, page) = app
            .call(Method::GET, "/api/v1/admin/rulesets", &cc, None)
            .await;
        let (_, all) = app
            .call(Method::GET, "/api/v1/admin/rulesets", &t, None)
            .await;
        assert_eq!(page["total"], all["total"]);
        assert!(has(&all, &other));

        // Soft delete: gone from lists and reads, its versions kept for operations.
        let (s, _) = app.call(Method::DELETE, &path, &t, None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = app.call(Method::GET, &path, &t, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.call(Method::DELETE, &path, &t, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let v = backend::repo::rulesets::load_version(&app.backend.db, &id, 1)
            .await
            .unwrap();
        assert!(v.is_some());
        app.finish().await;
    }
}

async fn post_csv(app: &TestApp, token: &str, path: &str, csv: &str) -> (StatusCode, Value) {
    let (status, text) = app.post_csv(path, token, csv).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn bin_table_and_fx_rates() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let t = app.admin_token().await;
        let (_, before) = app
            .call(Method::GET, "/api/v1/admin/bin-ranges", &t, None)
            .await;
        let before = before["total"].as_u64().unwrap_or(0);
        let csv = "bin_from,bin_to,ica,issuer_name,issuer_country,product_code\n\
                   77000000,77000999,88888,E2E Bank,pol,mcw\n770010,770019,88888,E2E Bank,POL,MCG\n";
        let (s, rep) = post_csv(&app, &t, "/api/v1/admin/bin-ranges/import", csv).await;
        assert_eq!(s, StatusCode::OK, "{db}: {rep}");
        assert_eq!(rep["imported"], 2);
        // Importing again updates, not duplicates.
        post_csv(&app, &t, "/api/v1/admin/bin-ranges/import", csv).await;
        let (_, page) = app
            .call(Method::GET, "/api/v1/admin/bin-ranges?ica=88888", &t, None)
            .await;
        assert_eq!(page["total"], 2, "{db}: {page}");
        let (_, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/bin-ranges?bin=77000500",
                &t,
                None,
            )
            .await;
        assert_eq!(page["items"][0]["product_code"], "MCW");
        let (_, all) = app
            .call(Method::GET, "/api/v1/admin/bin-ranges", &t, None)
            .await;
        assert_eq!(all["total"].as_u64().unwrap(), before + 2);
        // A bad file changes nothing and names line and column.
        let (s, body) = post_csv(
            &app,
            &t,
            "/api/v1/admin/bin-ranges/import",
            "770020,770029,88888,X,POL,MCG\n770029,770020,88888,X,POL,MCG\n",
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&body), ["line[2].bin_to"]);
        let (_, page) = app
            .call(Method::GET, "/api/v1/admin/bin-ranges?ica=88888", &t, None)
            .await;
        assert_eq!(page["total"], 2);

        // FX: import, re-import replaces the rate of the same day and pair, edit.
        let (s, rep) = post_csv(
            &app,
            &t,
            "/api/v1/admin/fx-rates/import",
            "rate_date,base_currency,quote_currency,rate\n2026-10-03,CHF,JPY,170.50\n2026-10-03,USD,JPY,150.1\n",
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{rep}");
        post_csv(
            &app,
            &t,
            "/api/v1/admin/fx-rates/import",
            "2026-10-03,CHF,JPY,171.25\n",
        )
        .await;
        let (_, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/fx-rates?date=2026-10-03&currency=chf",
                &t,
                None,
            )
            .await;
        assert_eq!(page["total"], 1, "{db}: {page}");
        assert_eq!(page["items"][0]["rate"], "171.25");
        let id = page["items"][0]["id"].as_str().unwrap().to_owned();
        let (s, edited) = app
            .call(
                Method::PUT,
                &format!("/api/v1/admin/fx-rates/{id}"),
                &t,
                Some(json!({"rate": "4.2950"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(edited["rate"], "4.295");
        let (s, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/admin/fx-rates/{id}"),
                &t,
                Some(json!({"rate": "-1"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&body), ["rate"]);
        let (s, body) = post_csv(
            &app,
            &t,
            "/api/v1/admin/fx-rates/import",
            "2026-10-03,EUR,XYZ,1\n",
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&body), ["line[1].quote_currency"]);

        // Everyone reads; only Admin and User maintain.
        for who in [
            "issuer@demo.example",
            "provider@demo.example",
            "callcenter@demo.example",
        ] {
            let tok = others(&app, who).await;
            let (s, _) = app
                .call(Method::GET, "/api/v1/admin/fx-rates", &tok, None)
                .await;
            assert_eq!(s, StatusCode::OK, "{who}");
            let (s, _) = post_csv(
                &app,
                &tok,
                "/api/v1/admin/fx-rates/import",
                "2026-11-21,EUR,PLN,4\n",
            )
            .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
        }
        let user = others(&app, "user@demo.example").await;
        let (s, _) = post_csv(
            &app,
            &user,
            "/api/v1/admin/fx-rates/import",
            "2026-11-21,EUR,PLN,4\n",
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        app.finish().await;
    }
}
