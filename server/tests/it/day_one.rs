//! Production day one, through HTTP from an empty database: the first admin by the command's
//! code path, its forced password change, organisations made through the API (an issuer with
//! an ICA, a provider with a location), one user of each role and the scope each one sees; the
//! user lifecycle (disable, reset), deactivating an organisation, and ICA conflicts.

use crate::common;

use backend::db::TestDb;
use common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::config::AdminCreate;

const ADMIN: &str = "root@bank.example";
const PASSWORD: &str = "a-long-enough-password";

/// `server admin create --email root@bank.example`: the one-time password it prints.
async fn create_admin_by_command(app: &TestApp) -> String {
    let args = AdminCreate {
        email: ADMIN.into(),
        password_stdin: false,
    };
    let out = server::admin_cli::create(&app.backend, &args, &mut std::io::empty())
        .await
        .expect("admin create");
    assert!(out.contains(ADMIN), "{out}");
    out.lines()
        .find_map(|l| {
            l.split_once("first sign-in): ")
                .map(|(_, pw)| pw.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no one-time password in {out:?}"))
}

fn ruleset(name: &str, ica: &str) -> Value {
    json!({"name": name, "validFrom": "2026-01-01T00:00:00Z", "validTo": null,
           "issuerCountry": null, "binRanges": [{"ica": ica, "from": "541234", "to": "541299"}],
           "locations": {"kind": "country", "country": "POL"}, "services": ["LOUNGE"],
           "totalUsage": null,
           "cardholder": {"free": "unlimited", "paid": null, "periodDays": null, "perLocationCap": null},
           "adults": {"free": null, "paid": null, "maxPerEntry": 0},
           "children": {"free": null, "paid": null, "maxPerEntry": 0},
           "childFreeUnderAge": null, "spend": null})
}

fn location(name: &str) -> Value {
    json!({"name": name, "country": "POL", "service_code": "LOUNGE",
           "postal_code": "02-235", "city": "Warsaw", "time_zone": "Europe/Warsaw"})
}

fn names(list: &Value) -> Vec<String> {
    let items = list["items"].as_array().or(list.as_array()).cloned();
    let mut v: Vec<String> = items
        .unwrap_or_default()
        .iter()
        .map(|i| i["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn from_an_empty_database_to_every_role_in_its_scope() {
    for db in TestDb::all().await {
        let app = TestApp::start_empty(db).await;
        let db = app.db.name();
        assert!(!backend::service::users::has_admin(&app.backend)
            .await
            .unwrap());

        // The admin, made by the command; its one-time password only opens the password change.
        let one_time = create_admin_by_command(&app).await;
        assert!(backend::service::users::has_admin(&app.backend)
            .await
            .unwrap());
        let again = server::admin_cli::create(
            &app.backend,
            &AdminCreate {
                email: ADMIN.into(),
                password_stdin: false,
            },
            &mut std::io::empty(),
        )
        .await;
        assert!(again.unwrap_err().to_string().contains("already exists"));

        let t = app.token(ADMIN, &one_time).await;
        let (s, body) = app.call(Method::GET, "/api/v1/admin/users", &t, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{db}: {body}");
        assert_eq!(body["error"]["code"], "password_change_required");
        let (s, body) = app.call(Method::GET, "/api/v1/admin/me", &t, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{db}: {body}");

        // The panel sends the same admin to the password page.
        let cookie = app.session_cookie(ADMIN, &one_time).await;
        let resp = app
            .http
            .get(app.url("/"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_redirection(), "{db}: {}", resp.status());
        assert_eq!(resp.headers()["location"], "/password");

        // Wrong current password, then the change.
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/auth/password",
                &t,
                Some(json!({"current_password": "nope", "new_password": PASSWORD})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}: {body}");
        assert_eq!(body["error"]["fields"][0]["field"], "current_password");
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/auth/password",
                &t,
                Some(json!({"current_password": one_time, "new_password": PASSWORD})),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{db}: {body}");
        let (s, me) = app.call(Method::GET, "/api/v1/admin/me", &t, None).await;
        assert_eq!(s, StatusCode::OK, "{db}: {me}");
        assert_eq!(me["password_change_required"], false);
        // The other session (the panel cookie) ended with the change.
        let resp = app
            .http
            .get(app.url("/"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["location"], "/login", "{db}");
        assert_eq!(
            app.token_for(ADMIN, &one_time).await.0,
            StatusCode::UNAUTHORIZED
        );
        let admin = app.token(ADMIN, PASSWORD).await;

        // Organisations: an issuer with an ICA, a provider with one of two locations.
        let (s, issuer) = app
            .call(
                Method::POST,
                "/api/v1/admin/tenants",
                &admin,
                Some(json!({"name": "First Bank", "kind": "ISSUER", "icas": ["4321"]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {issuer}");
        assert_eq!(issuer["icas"], json!(["4321"]));
        let issuer_id = issuer["id"].as_str().unwrap().to_owned();
        let (s, provider) = app
            .call(
                Method::POST,
                "/api/v1/admin/tenants",
                &admin,
                Some(json!({"name": "Lounge Co", "kind": "SERVICE_PROVIDER"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {provider}");
        let provider_id = provider["id"].as_str().unwrap().to_owned();

        // An ICA belongs to one issuer: a second claim is a conflict naming the field.
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/tenants",
                &admin,
                Some(json!({"name": "Copy Bank", "kind": "ISSUER", "icas": ["4321"]})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{db}: {body}");
        assert_eq!(body["error"]["code"], "conflict");
        assert_eq!(body["error"]["fields"][0]["field"], "icas");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("First Bank"));
        let (s, other) = app
            .call(
                Method::POST,
                "/api/v1/admin/tenants",
                &admin,
                Some(json!({"name": "Other Bank", "kind": "ISSUER", "icas": ["8888"]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {other}");
        let other_id = other["id"].as_str().unwrap().to_owned();
        let (s, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/admin/tenants/{other_id}"),
                &admin,
                Some(json!({"name": "Other Bank", "icas": ["8888", "4321"]})),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{db}: {body}");
        assert_eq!(body["error"]["fields"][0]["field"], "icas");
        // Providers have no ICAs; the kind stays.
        let (s, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/admin/tenants/{provider_id}"),
                &admin,
                Some(json!({"name": "Lounge Co", "kind": "ISSUER"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}: {body}");
        assert_eq!(body["error"]["fields"][0]["field"], "kind");

        let mut loc_ids = Vec::new();
        for name in ["Provider Lounge", "Platform Lounge"] {
            let (s, l) = app
                .call(
                    Method::POST,
                    "/api/v1/admin/locations",
                    &admin,
                    Some(location(name)),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{db}: {l}");
            loc_ids.push(l["id"].as_str().unwrap().to_owned());
        }
        let (s, body) = app
            .call(
                Method::PUT,
                &format!(
                    "/api/v1/admin/tenants/{provider_id}/locations/{}",
                    loc_ids[0]
                ),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        assert_eq!(body["locations"][0]["name"], "Provider Lounge");
        // Not to an issuer; not to a second provider.
        let (s, _) = app
            .call(
                Method::PUT,
                &format!("/api/v1/admin/tenants/{issuer_id}/locations/{}", loc_ids[1]),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{db}");

        // One user of each role, in the organisation its role needs.
        let mut users = std::collections::HashMap::new();
        for (role, tenant) in [
            ("USER", None),
            ("ISSUER", Some(&issuer_id)),
            ("SERVICE_PROVIDER", Some(&provider_id)),
            ("CALL_CENTER", None),
        ] {
            let email = format!("{}@bank.example", role.to_lowercase());
            let (s, u) = app
                .call(
                    Method::POST,
                    "/api/v1/admin/users",
                    &admin,
                    Some(json!({"first_name": "F", "last_name": role, "email": email,
                                "role": role, "tenant_id": tenant, "password": PASSWORD})),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{db}: {u}");
            users.insert(role, (u["id"].as_str().unwrap().to_owned(), email));
        }
        // A role the organisation's kind does not allow.
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/users",
                &admin,
                Some(
                    json!({"first_name": "W", "last_name": "Rong", "email": "wrong@bank.example",
                            "role": "ISSUER", "tenant_id": provider_id, "password": PASSWORD}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{db}: {body}");
        assert_eq!(body["error"]["fields"][0]["field"], "tenant_id");

        let tok = |role: &'static str| {
            let email = users[role].1.clone();
            let app = &app;
            async move { app.token(&email, PASSWORD).await }
        };
        let user = tok("USER").await;
        let issuer_t = tok("ISSUER").await;
        let provider_t = tok("SERVICE_PROVIDER").await;
        let cc = tok("CALL_CENTER").await;

        // Rulesets: the issuer's own (its ICA only), and a platform one on another ICA.
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/rulesets",
                &issuer_t,
                Some(ruleset("Bank rules", "8888")),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{db}: issuer outside its ICAs {body}"
        );
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/rulesets",
                &issuer_t,
                Some(ruleset("Bank rules", "4321")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {body}");
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/rulesets",
                &admin,
                Some(ruleset("Platform rules", "8888")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{db}: {body}");

        let both_rules = ["Bank rules", "Platform rules"];
        let both_locs = ["Platform Lounge", "Provider Lounge"];
        for (who, token, rules, locs) in [
            ("admin", &admin, &both_rules[..], Some(&both_locs[..])),
            ("user", &user, &both_rules[..], Some(&both_locs[..])),
            ("call center", &cc, &both_rules[..], Some(&both_locs[..])),
            (
                "issuer",
                &issuer_t,
                &["Bank rules"][..],
                Some(&both_locs[..]),
            ),
            (
                "provider",
                &provider_t,
                &[][..],
                Some(&["Provider Lounge"][..]),
            ),
        ] {
            let (s, list) = app
                .call(Method::GET, "/api/v1/admin/locations", token, None)
                .await;
            assert_eq!(s, StatusCode::OK, "{db} {who}: {list}");
            assert_eq!(names(&list), locs.unwrap(), "{db}: {who}'s locations");
            if who != "provider" {
                let (s, list) = app
                    .call(Method::GET, "/api/v1/admin/rulesets", token, None)
                    .await;
                assert_eq!(s, StatusCode::OK, "{db} {who}: {list}");
                assert_eq!(names(&list), rules, "{db}: {who}'s rulesets");
            }
        }
        // Users and organisations: the view-only User reads, the scoped roles do not; only the
        // Admin changes them.
        for (who, token, can_view) in [
            ("user", &user, true),
            ("issuer", &issuer_t, false),
            ("provider", &provider_t, false),
            ("call center", &cc, false),
        ] {
            for path in ["/api/v1/admin/users", "/api/v1/admin/tenants"] {
                let (s, _) = app.call(Method::GET, path, token, None).await;
                assert_eq!(s.is_success(), can_view, "{db}: {who} GET {path} → {s}");
            }
            let (s, _) = app
                .call(
                    Method::POST,
                    "/api/v1/admin/tenants",
                    token,
                    Some(json!({"name": "Nope", "kind": "ISSUER"})),
                )
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{db}: {who}");
        }
        let (_, list) = app
            .call(Method::GET, "/api/v1/admin/users", &admin, None)
            .await;
        let row = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == "user@bank.example")
            .cloned()
            .unwrap();
        assert!(row["last_sign_in_at"].as_i64().is_some(), "{db}: {row}");
        assert_eq!(row["disabled"], false);

        // Disabling revokes at once: the next request is refused, sign-in too; enabling
        // lets it sign in again.
        let user_id = users["USER"].0.clone();
        let (s, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/users/{user_id}/disable"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        assert_eq!(body["disabled"], true);
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/users", &user, None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{db}: disabled user's token");
        assert_eq!(
            app.token_for("user@bank.example", PASSWORD).await.0,
            StatusCode::UNAUTHORIZED
        );
        let (s, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/users/{user_id}/enable"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        app.token("user@bank.example", PASSWORD).await;

        // An admin's reset: a one-time password, sessions ended, change forced.
        let cc_id = users["CALL_CENTER"].0.clone();
        let (s, otp) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/users/{cc_id}/password-reset"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: {otp}");
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/locations", &cc, None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{db}: reset ends sessions");
        let cc2 = app
            .token(
                "call_center@bank.example",
                otp["password"].as_str().unwrap(),
            )
            .await;
        let (s, body) = app
            .call(Method::GET, "/api/v1/admin/locations", &cc2, None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{db}: {body}");
        assert_eq!(body["error"]["code"], "password_change_required");

        // Deactivating the provider organisation signs its user out; its data stays.
        let (s, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/tenants/{provider_id}/deactivate"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        assert_eq!(body["active"], false);
        assert_eq!(body["locations"][0]["name"], "Provider Lounge");
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/locations", &provider_t, None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{db}");
        assert_eq!(
            app.token_for("service_provider@bank.example", PASSWORD)
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
        let (s, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/tenants/{provider_id}/activate"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        app.token("service_provider@bank.example", PASSWORD).await;

        // Unassigning gives the location back to the platform.
        let (s, body) = app
            .call(
                Method::DELETE,
                &format!(
                    "/api/v1/admin/tenants/{provider_id}/locations/{}",
                    loc_ids[0]
                ),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{db}: {body}");
        assert_eq!(body["locations"], json!([]));
        app.finish().await;
    }
}

#[tokio::test]
async fn admin_create_reads_the_password_from_stdin_and_prints_no_secret() {
    let app = TestApp::start_empty(TestDb::sqlite()).await;
    let args = AdminCreate {
        email: "Ops@Bank.example".into(),
        password_stdin: true,
    };
    let mut stdin = std::io::Cursor::new(format!("{PASSWORD}\n"));
    let out = server::admin_cli::create(&app.backend, &args, &mut stdin)
        .await
        .unwrap();
    assert!(!out.contains(PASSWORD), "{out}");
    // No forced change: the operator chose this password.
    let t = app.token("ops@bank.example", PASSWORD).await;
    let (s, _) = app.call(Method::GET, "/api/v1/admin/users", &t, None).await;
    assert_eq!(s, StatusCode::OK);
    // Too short a password is refused, naming the problem.
    let mut short = std::io::Cursor::new("short\n");
    let err = server::admin_cli::create(
        &app.backend,
        &AdminCreate {
            email: "x@bank.example".into(),
            password_stdin: true,
        },
        &mut short,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("password"), "{err}");
    app.finish().await;
}

#[tokio::test]
async fn the_panel_password_page_lifts_a_forced_change() {
    let app = TestApp::start_empty(TestDb::sqlite()).await;
    let one_time = create_admin_by_command(&app).await;
    let cookie = app.session_cookie(ADMIN, &one_time).await;
    let page = |path: &'static str| {
        let (app, cookie) = (&app, cookie.clone());
        async move {
            app.http
                .get(app.url(path))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(page("/users").await.headers()["location"], "/password");
    // The password page itself renders (no redirect loop).
    assert_eq!(page("/password").await.status(), StatusCode::OK);

    let change = |confirm: &'static str| {
        let (app, cookie, one_time) = (&app, cookie.clone(), one_time.clone());
        async move {
            app.http
                .post(app.url("/api/fn/password"))
                .header("cookie", cookie)
                .form(&[
                    ("current_password", one_time.as_str()),
                    ("new_password", PASSWORD),
                    ("confirm_password", confirm),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // Two different new passwords: refused, still forced.
    let resp = change("something-else-entirely").await;
    assert!(resp.text().await.unwrap().contains("confirm_password"));
    assert_eq!(page("/").await.headers()["location"], "/password");
    // Then the change: the panel opens, with the same session.
    change(PASSWORD).await;
    let resp = page("/users").await;
    assert_eq!(resp.status(), StatusCode::OK, "{:?}", resp.headers());
    app.token(ADMIN, PASSWORD).await;
    app.finish().await;
}
