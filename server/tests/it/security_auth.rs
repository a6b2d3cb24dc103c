//! Issue 14, availability and sessions: client address behind a trusted proxy, per-address and
//! per-account throttles (atomic), account lockout with an Admin unlock, bounded password
//! hashing under a burst (POS keeps answering, memory stays bounded), session timeouts and
//! rotation, the cross-site check on panel writes, and the pages' CSP. Through real HTTP, on
//! SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.

use crate::common;

use backend::demo;
use backend::Settings;
use common::{apps, behind_proxy, sign_in_from, TestApp, ADMIN_PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const USER: &str = "user@demo.example";

async fn user_id(app: &TestApp, admin: &str, email: &str) -> String {
    let (s, page) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/users?email={email}"),
            admin,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .and_then(|items| items.iter().find(|u| u["email"] == email))
        .and_then(|u| u["id"].as_str())
        .expect("user listed")
        .to_owned()
}

async fn failed_sign_in_addrs(app: &TestApp) -> Vec<Option<String>> {
    use backend::entity::audit_log;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("sign_in"))
        .filter(audit_log::Column::Outcome.eq("failure"))
        .all(&app.backend.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.client_addr)
        .collect()
}

#[tokio::test]
async fn per_address_throttle_behind_a_trusted_proxy_spares_other_clients() {
    for app in apps(|| Settings {
        addr_max_attempts: 5,
        ..behind_proxy()
    })
    .await
    {
        // Client A guesses five times: its own attempts run out, nobody else's.
        for _ in 0..5 {
            let (s, _, body) = sign_in_from(&app, "203.0.113.1", USER, "wrong password!").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
        }
        let (s, retry, body) =
            sign_in_from(&app, "203.0.113.1", demo::ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(body["error"]["code"], "too_many_requests");
        let secs: u64 = retry.expect("Retry-After").parse().unwrap();
        assert!((1..=300).contains(&secs), "{secs}");

        // Client B, same proxy: the admin and the guessed-at user both sign in.
        let (s, _, body) =
            sign_in_from(&app, "203.0.113.2", demo::ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let (s, _, body) = sign_in_from(&app, "203.0.113.2", USER, &app.others_password).await;
        assert_eq!(s, StatusCode::OK, "{body}");

        // The audit log names the client, not the proxy.
        let addrs = failed_sign_in_addrs(&app).await;
        assert_eq!(addrs.len(), 5);
        assert!(addrs.iter().all(|a| a.as_deref() == Some("203.0.113.1")));

        // The soft limit is over once its window is.
        app.clock.advance(chrono::Duration::minutes(6));
        let (s, _, body) =
            sign_in_from(&app, "203.0.113.1", demo::ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_panel_sign_in_sees_the_client_behind_the_proxy_too() {
    for app in apps(|| Settings {
        addr_max_attempts: 2,
        ..behind_proxy()
    })
    .await
    {
        let login = |client: &'static str, password: &'static str| {
            app.http
                .post(app.url("/api/fn/login"))
                .header("x-forwarded-for", client)
                .form(&[("email", USER), ("password", password)])
                .send()
        };
        for _ in 0..2 {
            login("203.0.113.7", "wrong password!").await.unwrap();
        }
        assert_eq!(
            failed_sign_in_addrs(&app).await,
            vec![Some("203.0.113.7".to_owned()); 2]
        );
        // That client waits; another one behind the same proxy signs in.
        let r = login("203.0.113.7", "wrong password!").await.unwrap();
        let body: Value = r.json().await.unwrap();
        assert!(
            body["TooManyRequests"]["retry_after_secs"]
                .as_u64()
                .is_some(),
            "{body}"
        );
        let pw: &'static str = Box::leak(app.others_password.clone().into_boxed_str());
        let r = login("203.0.113.8", pw).await.unwrap();
        assert!(
            r.headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().starts_with("ac_session=")),
            "signed in"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn without_trusted_proxies_forwarding_headers_are_ignored() {
    for app in apps(|| Settings {
        addr_max_attempts: 3,
        ..Settings::default()
    })
    .await
    {
        for i in 0..3 {
            let (s, _, _) = sign_in_from(&app, &format!("203.0.113.{i}"), USER, "nope").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        // Three different "clients", one peer: the peer's allowance is used up.
        let (s, _, _) = sign_in_from(&app, "203.0.113.9", USER, "nope").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert!(failed_sign_in_addrs(&app)
            .await
            .iter()
            .all(|a| a.as_deref() == Some("127.0.0.1")));
        app.finish().await;
    }
}

#[tokio::test]
async fn ten_failures_lock_the_account_for_30_minutes_until_an_admin_unlocks_it() {
    for app in apps(behind_proxy).await {
        let admin = app.admin_token().await;
        let id = user_id(&app, &admin, USER).await;
        // Ten failures from ten addresses (a distributed guess): the account itself locks.
        for i in 0..10 {
            let (s, _, body) =
                sign_in_from(&app, &format!("203.0.113.{i}"), USER, "wrong password!").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
        }
        let (s, retry, body) = sign_in_from(&app, "203.0.113.50", USER, &app.others_password).await;
        assert_eq!(
            s,
            StatusCode::TOO_MANY_REQUESTS,
            "right password, locked: {body}"
        );
        assert_eq!(body["error"]["code"], "account_locked");
        let secs: u64 = retry.expect("Retry-After").parse().unwrap();
        assert!(secs >= 30 * 60 - 5, "locked at least 30 minutes: {secs}");
        // Other accounts are unaffected.
        app.admin_token().await;

        // Still locked after 29 minutes; the Users API shows it.
        app.clock.advance(chrono::Duration::minutes(29));
        let (s, _, _) = sign_in_from(&app, "203.0.113.51", USER, &app.others_password).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        let admin = app.admin_token().await;
        let (s, u) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/users/{id}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(u["locked_until"].as_i64().is_some(), "{u}");

        // Only an Admin may unlock.
        let issuer = app.token("issuer@demo.example", &app.others_password).await;
        let (s, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/users/{id}/unlock"),
                &issuer,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, u) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/users/{id}/unlock"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{u}");
        assert!(u["locked_until"].is_null(), "{u}");
        let (s, _, body) = sign_in_from(&app, "203.0.113.52", USER, &app.others_password).await;
        assert_eq!(s, StatusCode::OK, "{body}");

        // Locked again, the lock simply runs out after 30 minutes.
        for i in 0..10 {
            sign_in_from(&app, &format!("203.0.113.{}", 100 + i), USER, "wrong!").await;
        }
        let (s, _, _) = sign_in_from(&app, "203.0.113.53", USER, &app.others_password).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        app.clock.advance(chrono::Duration::minutes(31));
        let (s, _, body) = sign_in_from(&app, "203.0.113.53", USER, &app.others_password).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        app.finish().await;
    }
}

#[tokio::test]
async fn parallel_guesses_cannot_exceed_the_allowance() {
    for app in apps(|| Settings {
        hash_wait: Duration::from_secs(60),
        ..behind_proxy()
    })
    .await
    {
        let guesses = (0..30).map(|i| {
            let app = &app;
            async move {
                sign_in_from(app, &format!("203.0.113.{i}"), USER, "wrong password!")
                    .await
                    .0
            }
        });
        let statuses = futures_util::future::join_all(guesses).await;
        let verified = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        let refused = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        assert_eq!(verified + refused, 30, "{statuses:?}");
        assert_eq!(
            verified, 10,
            "exactly the allowance was checked: {statuses:?}"
        );
        assert_eq!(failed_sign_in_addrs(&app).await.len(), 30);
        // The account is locked now, even for the right password.
        let (s, _, body) = sign_in_from(&app, "203.0.113.99", USER, &app.others_password).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(body["error"]["code"], "account_locked");
        app.finish().await;
    }
}

async fn alive(app: &TestApp, cookie: &str) -> bool {
    let resp = app
        .http
        .post(app.url("/api/fn/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    !resp.json::<Value>().await.unwrap().is_null()
}

#[tokio::test]
async fn sessions_end_when_idle_and_at_their_absolute_lifetime() {
    for app in apps(|| Settings {
        session_idle_secs: 60,
        session_max_secs: 300,
        ..Settings::default()
    })
    .await
    {
        let cookie = app.admin_cookie().await;
        assert!(alive(&app, &cookie).await);
        app.clock.advance(chrono::Duration::seconds(50));
        assert!(alive(&app, &cookie).await, "used within the idle time");
        app.clock.advance(chrono::Duration::seconds(61));
        assert!(!alive(&app, &cookie).await, "idle for more than 60 s");

        // Used every 50 s, a session still ends 300 s after sign-in.
        let cookie = app.admin_cookie().await;
        for _ in 0..5 {
            app.clock.advance(chrono::Duration::seconds(50));
            assert!(alive(&app, &cookie).await);
        }
        app.clock.advance(chrono::Duration::seconds(55));
        assert!(!alive(&app, &cookie).await, "past the absolute lifetime");
        app.finish().await;
    }
}

#[tokio::test]
async fn sign_in_rotates_the_session_and_role_changes_revoke_it() {
    for app in apps(Settings::default).await {
        // The cookie names the whole lifetime; the server ends it sooner.
        let resp = app
            .http
            .post(app.url("/api/fn/login"))
            .form(&[("email", demo::ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
            .send()
            .await
            .unwrap();
        let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
        assert!(set_cookie.contains("Max-Age=43200"), "{set_cookie}");
        let old = set_cookie.split(';').next().unwrap().to_owned();

        // Signing in again from the same browser: a new id, the old one is dead.
        let resp = app
            .http
            .post(app.url("/api/fn/login"))
            .header("cookie", &old)
            .form(&[("email", demo::ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
            .send()
            .await
            .unwrap();
        let new = resp.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        assert_ne!(old, new);
        assert!(!alive(&app, &old).await, "the previous session was dropped");
        assert!(alive(&app, &new).await);

        // An Admin changes the user's role: its cookie and tokens end.
        let admin = app.admin_token().await;
        let id = user_id(&app, &admin, USER).await;
        let cookie = app.session_cookie(USER, &app.others_password).await;
        let token = app.token(USER, &app.others_password).await;
        let (s, u) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/users/{id}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/admin/users/{id}"),
                &admin,
                Some(
                    json!({"first_name": u["first_name"], "last_name": u["last_name"],
                    "email": USER, "role": "CALL_CENTER"}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(
            !alive(&app, &cookie).await,
            "role change ends the panel session"
        );
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/me", &token, None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "and the bearer token");

        // Disabling and password resets revoke too.
        let cookie = app.session_cookie(USER, &app.others_password).await;
        let (s, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/users/{id}/disable"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(!alive(&app, &cookie).await, "disable ends the session");
        app.call(
            Method::POST,
            &format!("/api/v1/admin/users/{id}/enable"),
            &admin,
            None,
        )
        .await;
        let cookie = app.session_cookie(USER, &app.others_password).await;
        let (s, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/users/{id}/password-reset"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            !alive(&app, &cookie).await,
            "a password reset ends the session"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn cross_site_panel_writes_are_refused() {
    for app in apps(Settings::default).await {
        let login = |headers: &[(&str, &str)]| {
            let mut req = app
                .http
                .post(app.url("/api/fn/login"))
                .form(&[("email", demo::ADMIN_EMAIL), ("password", ADMIN_PASSWORD)]);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            req.send()
        };
        let r = login(&[("origin", "https://evil.example")]).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden");
        let r = login(&[("sec-fetch-site", "cross-site")]).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // The same page's own requests pass.
        let origin = app.base.clone();
        let r = login(&[
            ("origin", origin.as_str()),
            ("sec-fetch-site", "same-origin"),
        ])
        .await
        .unwrap();
        assert!(
            r.status().is_redirection() || r.status().is_success(),
            "{}",
            r.status()
        );

        // A cookie-carrying write from another site: refused before the handler.
        let cookie = app.admin_cookie().await;
        let r = app
            .http
            .post(app.url("/api/fn/users/unlock"))
            .header("cookie", &cookie)
            .header("origin", "https://evil.example")
            .form(&[("id", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // Reads are not concerned.
        let r = app
            .http
            .get(app.url("/users"))
            .header("cookie", &cookie)
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);

        // Bearer clients (no cookie) are not concerned, whatever their Origin.
        let admin = app.admin_token().await;
        let id = user_id(&app, &admin, USER).await;
        let r = app
            .http
            .post(app.url(&format!("/api/v1/admin/users/{id}/unlock")))
            .bearer_auth(&admin)
            .header("origin", "https://elsewhere.example")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        app.finish().await;
    }
}

async fn login_page(app: &TestApp) -> (String, String) {
    let r = app.http.get(app.url("/login")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    (csp, r.text().await.unwrap())
}

#[tokio::test]
async fn pages_carry_a_csp_with_the_hydration_nonce() {
    for app in apps(Settings::default).await {
        let (csp, html) = login_page(&app).await;
        for part in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "'wasm-unsafe-eval'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(part), "{part} in {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .expect("a nonce")
            .to_owned();
        assert!(nonce.len() >= 16);
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "the hydration script carries the nonce"
        );
        let (csp2, _) = login_page(&app).await;
        assert!(!csp2.contains(&nonce), "a fresh nonce per response");
        // JSON answers get a policy too (no script at all).
        let r = app.http.get(app.url("/healthz")).send().await.unwrap();
        assert!(r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        app.finish().await;
    }
}

#[tokio::test]
async fn pairing_is_throttled_per_client_address_behind_the_proxy() {
    for app in apps(|| Settings {
        pairing_max_failures_per_addr: 4,
        ..behind_proxy()
    })
    .await
    {
        let pair = |client: &'static str, serial: &'static str| {
            app.http
                .post(app.url("/pos/pair"))
                .header("x-forwarded-for", client)
                .json(&json!({"serialNumber": serial, "pairingCode": "12345678",
                    "publicKey": server::sim::public_key_b64(&common::pos::keys()[0]).unwrap()}))
                .send()
        };
        for serial in ["NOPE-1", "NOPE-2", "NOPE-3", "NOPE-4"] {
            let r = pair("203.0.113.1", serial).await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN);
        }
        let r = pair("203.0.113.1", "NOPE-5").await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers().get("retry-after").is_some());
        // Another client behind the same proxy still pairs.
        let r = pair("203.0.113.2", "NOPE-5").await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "checked, not throttled");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_sweeper_job_purges_expired_sessions_and_stale_throttle_rows() {
    use backend::entity::{auth_throttle, sessions};
    use sea_orm::{EntityTrait, PaginatorTrait};
    for app in apps(behind_proxy).await {
        app.admin_cookie().await;
        sign_in_from(&app, "203.0.113.1", USER, "wrong").await;
        let count = |app: &TestApp| {
            let db = app.backend.db.clone();
            async move {
                (
                    sessions::Entity::find().count(&db).await.unwrap(),
                    auth_throttle::Entity::find().count(&db).await.unwrap(),
                )
            }
        };
        let (s0, t0) = count(&app).await;
        assert!(s0 >= 1 && t0 >= 1, "{s0} {t0}");
        purge(&app).await;
        assert_eq!(count(&app).await, (s0, t0), "nothing stale yet");
        app.clock.advance(chrono::Duration::hours(13));
        purge(&app).await;
        assert_eq!(count(&app).await, (0, 0));
        app.finish().await;
    }
}

async fn purge(app: &TestApp) {
    backend::service::auth::purge(&app.backend)
        .await
        .expect("purge");
}
