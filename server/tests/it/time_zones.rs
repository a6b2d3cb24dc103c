//! Time zones (issue 19) through HTTP with a real RS256 terminal: a Warsaw location's entry at
//! 23:30 UTC falls on the next local day at local hour 0 — on the dashboard, in the summary
//! report's days, in the date filters — and CSV timestamps carry the UTC offset. A location's
//! zone defaults from its country and must be an IANA zone.

use crate::common;

use access_core::domain::{BinRange, CardholderTerms, GuestTerms, Limit, LocationScope, Ruleset};
use backend::entity::bin_ranges;
use chrono::TimeZone;
use common::pos::paired;
use common::{luhn, TestApp};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{json, Value};

fn at(d: u32, h: u32, m: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, d, h, m, 0)
        .single()
        .unwrap()
}

/// Free, unlimited cardholder entries at `loc` for the BIN.
async fn free_ruleset(app: &TestApp, bin: &str, ica: &str, loc: &str) {
    bin_ranges::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        bin_from: Set(bin.into()),
        bin_to: Set(bin.into()),
        ica: Set(ica.into()),
        issuer_name: Set("Test Bank".into()),
        issuer_country: Set("POL".into()),
        product_code: Set("MCS".into()),
        created_at: Set(0),
    }
    .insert(&app.backend.db)
    .await
    .unwrap();
    let mut r: Ruleset = backend::demo_world::demo_rulesets(common::start_time()).remove(0);
    r.id = uuid::Uuid::new_v4();
    r.name = format!("tz {bin}");
    r.issuer_country = None;
    r.product_codes = vec![];
    r.bin_ranges = vec![BinRange {
        ica: ica.into(),
        from: bin.into(),
        to: bin.into(),
    }];
    r.locations = LocationScope::Locations {
        ids: vec![uuid::Uuid::parse_str(loc).unwrap()],
    };
    r.services = vec!["LOUNGE".into()];
    r.total_usage = None;
    r.spend = None;
    r.cardholder = CardholderTerms {
        free: Some(Limit::Unlimited),
        paid: None,
        period_days: None,
        per_location_cap: None,
    };
    r.adults = GuestTerms::none();
    r.children = GuestTerms::none();
    r.child_free_under_age = None;
    backend::repo::rulesets::save_version(&app.backend.db, &r, None, "test", 0)
        .await
        .unwrap();
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    let (s, body) = app.call(Method::GET, path, token, None).await;
    assert_eq!(s, StatusCode::OK, "{path}: {body}");
    body
}

async fn get_csv(app: &TestApp, token: &str, path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let resp = app
        .http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    let bytes = resp.bytes().await.unwrap();
    let mut r = csv::Reader::from_reader(&bytes[..]);
    let headers = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (headers, rows)
}

fn col(headers: &[String], name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

#[tokio::test]
async fn location_zone_defaults_from_country_and_must_be_iana() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let base = json!({"name": "Zone Lounge", "country": "POL", "service_code": "LOUNGE",
                          "postal_code": "00-001", "city": "Warsaw"});
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &admin,
                Some(base.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{name}: {body}");
        assert_eq!(body["time_zone"], "Europe/Warsaw", "{name}: from POL");
        let id = body["id"].as_str().unwrap().to_owned();

        let mut bad = base.clone();
        bad["time_zone"] = json!("Europe/Atlantis");
        let (s, body) = app
            .call(Method::POST, "/api/v1/admin/locations", &admin, Some(bad))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(
            body["error"]["fields"][0]["field"], "time_zone",
            "{name}: {body}"
        );

        let mut other = base.clone();
        other["time_zone"] = json!("America/New_York");
        let (s, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/admin/locations/{id}"),
                &admin,
                Some(other),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["time_zone"], "America/New_York");

        // A country without a zone of its own in the table falls back to UTC.
        let mut nowhere = base.clone();
        nowhere["country"] = json!("XXX");
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &admin,
                Some(nowhere),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{name}: {body}");
        assert_eq!(body["time_zone"], "UTC");

        let zones = get_json(&app, &admin, "/api/v1/admin/time-zones").await;
        let zones: Vec<&str> = zones
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(zones.contains(&"Europe/Warsaw") && zones.contains(&"UTC"));

        // The panel's list comes from the same service (the browser bundles no zone data).
        let cookie = app.admin_cookie().await;
        let resp = app
            .http
            .post(app.url("/api/fn/locations/time_zones"))
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let panel: Vec<String> = resp.json().await.unwrap();
        assert_eq!(panel.len(), zones.len());
        app.finish().await;
    }
}

#[tokio::test]
async fn warsaw_days_and_hours_are_local() {
    for app in TestApp::each().await {
        let name = app.db.name();
        let admin = app.admin_token().await;
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &admin,
                Some(
                    json!({"name": "Night Lounge", "country": "POL", "service_code": "LOUNGE",
                            "postal_code": "00-001", "city": "Warsaw",
                            "time_zone": "Europe/Warsaw"}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let loc = body["id"].as_str().unwrap().to_owned();
        free_ruleset(&app, "447711", "7171", &loc).await;
        let t = paired(&app, &admin, &loc, "TZ-01", 0).await;

        // 22:30 UTC = 23:30 on 22 Nov in Warsaw (CET, +01:00); 23:30 UTC = 00:30 on 23 Nov.
        for (i, when) in [at(22, 22, 30), at(22, 23, 30)].into_iter().enumerate() {
            app.clock.set(when);
            let card = luhn(&format!("44771100000000{i}"));
            let g = t.check(&card, "CONTACTLESS").await.unwrap();
            assert_eq!(g["status"], "GRANTED", "{name}: {g}");
            let c = t
                .confirm(g["accessId"].as_str().unwrap(), 0, 0)
                .await
                .unwrap();
            assert_eq!(c["status"], "COMPLETED", "{name}: {c}");
        }
        // The clock moved past the token's 15 minutes: sign in again.
        let admin = app.admin_token().await;

        // The location's dashboard: its own zone.
        let d = get_json(
            &app,
            &admin,
            &format!("/api/v1/admin/dashboard?location_id={loc}"),
        )
        .await;
        assert_eq!(d["time_zone"], "Europe/Warsaw", "{name}: {d}");
        assert_eq!(
            d["per_day"],
            json!([["2026-11-22", 1, 0], ["2026-11-23", 1, 0]]),
            "{name}: {d}"
        );
        assert_eq!(d["per_hour"][0], 1, "{name}: {d}");
        assert_eq!(d["per_hour"][23], 1, "{name}: {d}");
        assert_eq!(d["per_hour"][22], 0, "{name}: {d}");
        // The date filter is a local day too: 23 Nov in Warsaw holds the 23:30 UTC entry only.
        let d = get_json(
            &app,
            &admin,
            &format!("/api/v1/admin/dashboard?location_id={loc}&from=2026-11-23&until=2026-11-23"),
        )
        .await;
        assert_eq!(d["entries"], 1, "{name}: {d}");

        // A view over all locations: UTC unless the viewer chooses a zone, and it says which.
        let d = get_json(
            &app,
            &admin,
            "/api/v1/admin/dashboard?from=2026-11-23&until=2026-11-23",
        )
        .await;
        assert_eq!(d["time_zone"], "UTC", "{name}: {d}");
        assert_eq!(d["entries"], 0, "{name}: {d}");
        let d = get_json(
            &app,
            &admin,
            "/api/v1/admin/dashboard?from=2026-11-23&until=2026-11-23&tz=Europe/Warsaw",
        )
        .await;
        assert_eq!(d["time_zone"], "Europe/Warsaw", "{name}: {d}");
        assert_eq!(d["entries"], 1, "{name}: {d}");
        assert_eq!(d["per_hour"][0], 1, "{name}: {d}");
        let (s, body) = app
            .call(
                Method::GET,
                "/api/v1/admin/dashboard?tz=Mars/Olympus",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"]["fields"][0]["field"], "tz", "{name}: {body}");

        // The operations list: the same local-day filter, and local times with the offset.
        let page = get_json(
            &app,
            &admin,
            &format!("/api/v1/admin/operations?location_id={loc}&from=2026-11-23&until=2026-11-23"),
        )
        .await;
        assert_eq!(page["total"], 1, "{name}: {page}");
        assert_eq!(
            page["items"][0]["occurred_local"], "2026-11-23 00:30:00+01:00",
            "{name}: {page}"
        );

        // Summary report: local days.
        let (h, rows) = get_csv(
            &app,
            &admin,
            &format!("/api/v1/admin/reports/operations?kind=summary&location_id={loc}"),
        )
        .await;
        let days: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r[col(&h, "Day")].as_str(),
                    r[col(&h, "Entries")].as_str(),
                    r[col(&h, "Time zone")].as_str(),
                )
            })
            .collect();
        assert_eq!(
            days,
            [
                ("2026-11-22", "1", "Europe/Warsaw"),
                ("2026-11-23", "1", "Europe/Warsaw")
            ],
            "{name}"
        );
        // The same report over all locations in UTC puts both on 22 Nov.
        let (h, rows) = get_csv(
            &app,
            &admin,
            "/api/v1/admin/reports/operations?kind=summary&from=2026-11-22&until=2026-11-22",
        )
        .await;
        let night: Vec<&Vec<String>> = rows
            .iter()
            .filter(|r| r[col(&h, "Location ID")] == loc)
            .collect();
        assert_eq!(night.len(), 1, "{name}: {rows:?}");
        assert_eq!(night[0][col(&h, "Entries")], "2");
        assert_eq!(night[0][col(&h, "Time zone")], "UTC");

        // Detailed report: timestamps carry the offset.
        let (h, rows) = get_csv(
            &app,
            &admin,
            &format!("/api/v1/admin/reports/operations?kind=detailed&location_id={loc}"),
        )
        .await;
        let entry_dates: Vec<&str> = rows
            .iter()
            .map(|r| r[col(&h, "Entry date")].as_str())
            .collect();
        assert_eq!(
            entry_dates,
            ["2026-11-22 23:30:00+01:00", "2026-11-23 00:30:00+01:00"],
            "{name}"
        );
        assert!(rows
            .iter()
            .all(|r| r[col(&h, "Time zone")] == "Europe/Warsaw"));
        let (h, rows) = get_csv(
            &app,
            &admin,
            &format!(
                "/api/v1/admin/reports/operations?kind=detailed&location_id={loc}&from=2026-11-23&until=2026-11-23"
            ),
        )
        .await;
        assert_eq!(rows.len(), 1, "{name}");
        assert_eq!(rows[0][col(&h, "Entry date")], "2026-11-23 00:30:00+01:00");
        app.finish().await;
    }
}
