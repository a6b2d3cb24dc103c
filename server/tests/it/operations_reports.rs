//! Issue 8 (admin panel II): operations list and details, reversal per role and time,
//! exports (CSV and XLSX read back, tenant scope, no clear PAN), enrolled cards, dashboard.

use crate::common;

use backend::demo;
use backend::entity::{enrolled_cards, operations};
use common::TestApp;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{json, Value};

const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;
/// A made-up clear PAN: its masked form is stored, the clear digits must never come out.
const CLEAR_PAN: &str = "5412349876501234";

struct Op<'a> {
    status: &'a str,
    location: &'a str,
    location_name: &'a str,
    service: &'a str,
    ica: &'a str,
    terminal: &'a str,
    paid: bool,
    total: i64,
    adults: (i32, i32),
    children: (i32, i32),
    reject: Option<&'a str>,
    at: i64,
}

impl Default for Op<'_> {
    fn default() -> Self {
        Op {
            status: "COMPLETED",
            location: demo::LOC_WAW_LOUNGE,
            location_name: "Warsaw Chopin Lounge",
            service: "LOUNGE",
            ica: "1234",
            terminal: "T-OPS-1",
            paid: false,
            total: 0,
            adults: (0, 0),
            children: (0, 0),
            reject: None,
            at: 0,
        }
    }
}

async fn insert(app: &TestApp, op: Op<'_>) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    operations::ActiveModel {
        id: Set(id.clone()),
        op_type: Set("ONLINE".into()),
        status: Set(op.status.into()),
        pan_hash: Set("ab".repeat(32)),
        masked_pan: Set(format!("{}******{}", &CLEAR_PAN[..6], &CLEAR_PAN[12..])),
        bin: Set(CLEAR_PAN[..6].into()),
        last4: Set(CLEAR_PAN[12..].into()),
        terminal_serial: Set(Some(op.terminal.into())),
        location_id: Set(Some(op.location.into())),
        location_name: Set(Some(op.location_name.into())),
        service_code: Set(Some(op.service.into())),
        country: Set(Some("POL".into())),
        ica: Set(Some(op.ica.into())),
        ica_name: Set(Some("Demo Bank".into())),
        product_code: Set(Some("MCW".into())),
        entry_mode: Set("CONTACTLESS".into()),
        reject_code: Set(op.reject.map(str::to_owned)),
        cardholder_paid: Set(op.paid),
        cardholder_price_minor: Set(op.paid.then_some(op.total)),
        free_entry: Set(!op.paid),
        currency: Set((op.total > 0).then(|| "PLN".to_owned())),
        free_adult_guests: Set(op.adults.0),
        paid_adult_guests: Set(op.adults.1),
        free_child_guests: Set(op.children.0),
        paid_child_guests: Set(op.children.1),
        total_minor: Set(op.total),
        over_limit: Set(false),
        requested_at: Set(op.at - 1000),
        occurred_at: Set(op.at),
        confirmed_at: Set(Some(op.at + 500)),
        updated_at: Set(op.at + 500),
        ..Default::default()
    }
    .insert(&app.backend.db)
    .await
    .expect("insert operation");
    id
}

async fn tokens(app: &TestApp) -> [(String, String); 5] {
    let pw = app.others_password.clone();
    [
        ("admin".into(), app.admin_token().await),
        ("user".into(), app.token("user@demo.example", &pw).await),
        (
            "provider".into(),
            app.token("provider@demo.example", &pw).await,
        ),
        ("issuer".into(), app.token("issuer@demo.example", &pw).await),
        (
            "callcenter".into(),
            app.token("callcenter@demo.example", &pw).await,
        ),
    ]
}

async fn get_bytes(app: &TestApp, path: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = app
        .http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = resp.status();
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ctype, resp.bytes().await.expect("body").to_vec())
}

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let headers = r
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("record").iter().map(str::to_owned).collect())
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
async fn reversal_per_role_and_time() {
    for app in TestApp::each().await {
        let [(_, admin), (_, user), (_, provider), (_, issuer), (_, cc)] = tokens(&app).await;
        let now = app.backend.now_ms();
        let own = insert(
            &app,
            Op {
                at: now,
                ..Default::default()
            },
        )
        .await;
        let foreign = insert(
            &app,
            Op {
                location: demo::LOC_BER_LOUNGE,
                location_name: "Berlin Brandenburg Lounge",
                at: now,
                ..Default::default()
            },
        )
        .await;
        let rejected = insert(
            &app,
            Op {
                status: "REJECTED",
                reject: Some("NO_RULESET"),
                at: now,
                ..Default::default()
            },
        )
        .await;
        let rev = |id: &str| format!("/api/v1/admin/operations/{id}/reversal");

        // Roles without the right are refused; a provider cannot see others' locations.
        for t in [&user, &issuer, &cc] {
            let (s, _) = app.call(Method::POST, &rev(&own), t, None).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{}", app.db.name());
        }
        let (s, _) = app
            .call(Method::POST, &rev(&foreign), &provider, None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/operations/{foreign}"),
                &provider,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Only COMPLETED → REVERSED.
        let (s, _) = app.call(Method::POST, &rev(&rejected), &admin, None).await;
        assert_eq!(s, StatusCode::CONFLICT);

        // The provider's window: 30 minutes after the entry.
        let (s, d) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/operations/{own}"),
                &provider,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(d["can_reverse"], json!(true));
        app.clock.advance(chrono::Duration::minutes(31));
        // Bearer tokens live 15 minutes: sign in again after the clock moved.
        let [(_, admin), (_, _), (_, provider), (_, _), (_, _)] = tokens(&app).await;
        let (_, d) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/operations/{own}"),
                &provider,
                None,
            )
            .await;
        assert_eq!(d["can_reverse"], json!(false));
        let (s, _) = app
            .call(
                Method::POST,
                &rev(&own),
                &provider,
                Some(json!({"reason": "late"})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // Admin: any time, recorded with user and time.
        let (_, me) = app
            .call(Method::GET, "/api/v1/admin/me", &admin, None)
            .await;
        let (s, body) = app
            .call(
                Method::POST,
                &rev(&own),
                &admin,
                Some(json!({"reason": "double tap"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "REVERSED");
        assert_eq!(body["reversed_by"], me["id"]);
        assert_eq!(body["reversal_reason"], "double tap");
        assert_eq!(body["reversed_at"], json!(app.backend.now_ms()));
        let (s, _) = app.call(Method::POST, &rev(&own), &admin, None).await;
        assert_eq!(s, StatusCode::CONFLICT, "a second reversal");

        // A provider within the window, at its own location, with no reason (empty body).
        let fresh = insert(
            &app,
            Op {
                at: app.backend.now_ms() - 10 * MIN,
                ..Default::default()
            },
        )
        .await;
        let (s, body) = app.call(Method::POST, &rev(&fresh), &provider, None).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["reversal_reason"], Value::Null);

        // Reversed entries stop counting: the list by status and the summary.
        let (_, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/operations?terminal=T-OPS-1&status=COMPLETED",
                &admin,
                None,
            )
            .await;
        assert_eq!(page["total"], json!(1), "{page}");
        let (s, _, bytes) = get_bytes(
            &app,
            "/api/v1/admin/reports/operations?format=csv&kind=summary&terminal=T-OPS-1",
            &admin,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (h, rows) = csv_rows(&bytes);
        let entries: i64 = rows
            .iter()
            .map(|r| r[col(&h, "Entries")].parse::<i64>().unwrap())
            .sum();
        assert_eq!(entries, 1, "only the foreign, not reversed entry: {rows:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn exports_read_back_with_scope_and_no_clear_pan() {
    for app in TestApp::each().await {
        let [(_, admin), (_, _user), (_, provider), (_, issuer), (_, cc)] = tokens(&app).await;
        let base = common::start_time().timestamp_millis() - 3 * DAY;
        let mut ids = Vec::new();
        for i in 0..7i64 {
            let (loc, name, ica) = match i % 3 {
                0 => (demo::LOC_WAW_LOUNGE, "Warsaw Chopin Lounge", "1234"),
                1 => (demo::LOC_BER_LOUNGE, "Berlin Brandenburg Lounge", "5678"),
                _ => (demo::LOC_BER_FAST, "Berlin Brandenburg Fast Line", "9999"),
            };
            ids.push(
                insert(
                    &app,
                    Op {
                        location: loc,
                        location_name: name,
                        ica,
                        terminal: "T-EXP-1",
                        paid: i % 2 == 1,
                        total: if i % 2 == 1 { 2550 } else { 0 },
                        adults: (1, i as i32 % 2),
                        children: (0, 1),
                        at: base + i * 3 * 3_600_000,
                        ..Default::default()
                    },
                )
                .await,
            );
        }
        let q = "terminal=T-EXP-1";

        // Detailed CSV: the same rows as the list, oldest first.
        let (s, ctype, bytes) = get_bytes(
            &app,
            &format!("/api/v1/admin/reports/operations?format=csv&kind=detailed&{q}"),
            &admin,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(ctype.starts_with("text/csv"), "{ctype}");
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(!text.contains(CLEAR_PAN), "clear PAN in the CSV");
        let (h, rows) = csv_rows(&bytes);
        assert_eq!(rows.len(), 7);
        let got: Vec<&str> = rows
            .iter()
            .map(|r| r[col(&h, "Operation ID")].as_str())
            .collect();
        assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
        let (_, page) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/operations?{q}&page_size=50"),
                &admin,
                None,
            )
            .await;
        for item in page["items"].as_array().unwrap() {
            let row = rows
                .iter()
                .find(|r| r[col(&h, "Operation ID")] == item["id"].as_str().unwrap())
                .expect("row of the list in the export");
            assert_eq!(
                row[col(&h, "Masked PAN")],
                item["masked_pan"].as_str().unwrap()
            );
            assert_eq!(row[col(&h, "Status")], item["status"].as_str().unwrap());
            assert_eq!(
                row[col(&h, "Location")],
                item["location_name"].as_str().unwrap()
            );
            assert_eq!(
                row[col(&h, "Paid cardholder")],
                item["cardholder_paid"].as_bool().unwrap().to_string()
            );
            let minor = item["total_minor"].as_i64().unwrap();
            assert_eq!(
                row[col(&h, "Amount")],
                format!("{}.{:02}", minor / 100, minor % 100)
            );
        }

        // Tenant scope: the issuer sees its ICAs (1234, 5678), the provider its locations.
        for (token, expect) in [(&issuer, 5usize), (&provider, 3usize)] {
            let (s, _, bytes) = get_bytes(
                &app,
                &format!("/api/v1/admin/reports/operations?format=csv&{q}"),
                token,
            )
            .await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(csv_rows(&bytes).1.len(), expect);
        }
        let (s, _, _) = get_bytes(
            &app,
            &format!("/api/v1/admin/reports/operations?format=csv&{q}"),
            &cc,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "Call Center does not export");

        // XLSX: opens, a header row, typed cells, dates as dates.
        let (s, ctype, bytes) = get_bytes(
            &app,
            &format!("/api/v1/admin/reports/operations?format=xlsx&kind=detailed&{q}"),
            &admin,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(ctype.contains("spreadsheetml"), "{ctype}");
        use calamine::{Data, DataType, Reader};
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx opens");
        let range = wb
            .worksheet_range_at(0)
            .expect("a sheet")
            .expect("readable");
        let rows: Vec<&[Data]> = range.rows().collect();
        assert_eq!(rows.len(), 8, "header + 7 rows");
        let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
        assert_eq!(header[0], "Operation ID");
        let c = |n: &str| col(&header, n);
        for (i, r) in rows[1..].iter().enumerate() {
            assert_eq!(r[c("Operation ID")], Data::String(ids[i].clone()));
            assert!(
                matches!(r[c("Entry date")], Data::DateTime(_)),
                "{:?}",
                r[c("Entry date")]
            );
            assert!(matches!(r[c("Paid cardholder")], Data::Bool(_)));
            assert!(matches!(
                r[c("Free adult guests")],
                Data::Float(_) | Data::Int(_)
            ));
            assert!(matches!(r[c("Amount")], Data::Float(_) | Data::Int(_)));
            for cell in r.iter() {
                assert!(!cell.to_string().contains(CLEAR_PAN));
            }
        }
        assert_eq!(rows[2][c("Amount")].as_f64(), Some(25.5));

        // Summary XLSX: per day × location × service, day as a date.
        let (s, _, bytes) = get_bytes(
            &app,
            &format!("/api/v1/admin/reports/operations?format=xlsx&kind=summary&{q}"),
            &admin,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx opens");
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
        assert!(header.contains(&"Amount PLN".to_owned()), "{header:?}");
        assert!(matches!(rows[1][0], Data::DateTime(_)));
        let total_entries: f64 = rows[1..]
            .iter()
            .map(|r| r[col(&header, "Entries")].as_f64().unwrap())
            .sum();
        assert_eq!(total_entries, 7.0);
        let amount: f64 = rows[1..]
            .iter()
            .map(|r| r[col(&header, "Amount PLN")].as_f64().unwrap())
            .sum();
        assert!((amount - 3.0 * 25.5).abs() < 1e-9, "{amount}");

        // Bad parameters are a 400, not a broken file.
        let (s, _, _) =
            get_bytes(&app, "/api/v1/admin/reports/operations?format=pdf", &admin).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        app.finish().await;
    }
}

#[tokio::test]
async fn enrolled_cards_list_scope_and_export() {
    for app in TestApp::each().await {
        let [(_, admin), (_, _), (_, provider), (_, issuer), (_, cc)] = tokens(&app).await;
        let t0 = common::start_time().timestamp_millis();
        for (i, ica) in ["1234", "9999", "5678"].iter().enumerate() {
            enrolled_cards::ActiveModel {
                id: Set(uuid::Uuid::new_v4().to_string()),
                pan_hash: Set(format!("{i:064}")),
                whitelist_hash: Set(format!("w{i}")),
                masked_pan: Set("999911******0001".into()),
                bin: Set("999911".into()),
                last4: Set(format!("000{i}")),
                aref: Set(format!("AREF-T-{i}")),
                ica: Set((*ica).into()),
                product_code: Set("MCW".into()),
                enrolled_at: Set(t0 + i as i64),
                created_at: Set(t0),
                status: Set(enrolled_cards::ENROLLED.into()),
                unenrolled_at: Set(None),
                updated_at: Set(0),
            }
            .insert(&app.backend.db)
            .await
            .unwrap();
        }
        let (s, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/enrolled-cards?bin=999911&product=mcw",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["total"], json!(3), "{page}");
        let (_, page) = app
            .call(
                Method::GET,
                "/api/v1/admin/enrolled-cards?bin=999911",
                &issuer,
                None,
            )
            .await;
        assert_eq!(page["total"], json!(2), "issuer: own ICAs only");
        let id = page["items"][0]["id"].as_str().unwrap().to_owned();
        let (s, d) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/enrolled-cards/{id}"),
                &cc,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(d["card"]["pan_hash"].is_string());
        let (s, _) = app
            .call(Method::GET, "/api/v1/admin/enrolled-cards", &provider, None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        let (s, _, bytes) = get_bytes(
            &app,
            "/api/v1/admin/reports/cards?format=csv&bin=999911",
            &issuer,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (h, rows) = csv_rows(&bytes);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r[col(&h, "ICA")] != "9999"));
        assert!(!rows[0][col(&h, "Issuer name")].is_empty());
        let (s, _, bytes) = get_bytes(
            &app,
            "/api/v1/admin/reports/cards?format=xlsx&bin=999911",
            &admin,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        use calamine::{Data, Reader};
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        assert_eq!(rows.len(), 4);
        assert!(matches!(rows[1][6], Data::DateTime(_)));
        app.finish().await;
    }
}

#[tokio::test]
async fn dashboard_numbers_from_fixture_operations() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        // 2025-01-10 and 2025-01-11, far from any demo data.
        let d0 = chrono::NaiveDate::from_ymd_opt(2025, 1, 10)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        let h = 3_600_000;
        let loc = |i: i64| {
            if i == 0 {
                (demo::LOC_WAW_LOUNGE, "Warsaw Chopin Lounge")
            } else {
                (demo::LOC_BER_LOUNGE, "Berlin Brandenburg Lounge")
            }
        };
        for (status, l, paid, adults, children, reject, at) in [
            ("COMPLETED", 0, false, (1, 0), (0, 0), None, d0 + 8 * h),
            ("COMPLETED", 0, true, (0, 1), (1, 0), None, d0 + 8 * h + 1),
            ("COMPLETED", 1, false, (0, 0), (0, 0), None, d0 + 9 * h),
            ("COMPLETED", 0, true, (0, 0), (0, 1), None, d0 + DAY + 8 * h),
            ("REVERSED", 1, true, (2, 0), (0, 0), None, d0 + DAY + 10 * h),
            (
                "REJECTED",
                0,
                false,
                (0, 0),
                (0, 0),
                Some("NO_RULESET"),
                d0 + 9 * h,
            ),
            (
                "REJECTED",
                1,
                false,
                (0, 0),
                (0, 0),
                Some("NO_RULESET"),
                d0 + 9 * h,
            ),
            (
                "REJECTED",
                1,
                false,
                (0, 0),
                (0, 0),
                Some("LIMIT_REACHED"),
                d0 + DAY,
            ),
        ] {
            let (location, location_name) = loc(l);
            insert(
                &app,
                Op {
                    status,
                    location,
                    location_name,
                    paid,
                    total: if paid { 1000 } else { 0 },
                    adults,
                    children,
                    reject,
                    at,
                    ..Default::default()
                },
            )
            .await;
        }
        let (s, d) = app
            .call(
                Method::GET,
                "/api/v1/admin/dashboard?from=2025-01-10&until=2025-01-11",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["entries"], json!(4), "{d}");
        assert_eq!(d["paid_entries"], json!(2));
        assert_eq!(d["free_entries"], json!(2));
        assert_eq!(d["adult_guests"], json!(2));
        assert_eq!(d["child_guests"], json!(2));
        assert_eq!(d["rejections"], json!(3));
        assert_eq!(
            d["per_day"],
            json!([["2025-01-10", 3, 3], ["2025-01-11", 1, 1]])
        );
        assert_eq!(d["per_hour"][8], json!(3));
        assert_eq!(d["per_hour"][9], json!(1));
        assert_eq!(d["per_hour"][10], json!(0), "reversed does not count");
        assert_eq!(
            d["rejections_by_code"],
            json!([["NO_RULESET", 2], ["LIMIT_REACHED", 1]])
        );
        assert_eq!(d["top_locations"][0], json!(["Warsaw Chopin Lounge", 3]));
        // Filtered by location.
        let (_, d) = app
            .call(
                Method::GET,
                &format!(
                    "/api/v1/admin/dashboard?from=2025-01-10&until=2025-01-10&location_id={}",
                    demo::LOC_BER_LOUNGE
                ),
                &admin,
                None,
            )
            .await;
        assert_eq!(d["entries"], json!(1));
        assert_eq!(d["rejections"], json!(1));
        // A provider sees only its own locations' traffic.
        let provider = app
            .token("provider@demo.example", &app.others_password)
            .await;
        let (_, d) = app
            .call(
                Method::GET,
                "/api/v1/admin/dashboard?from=2025-01-10&until=2025-01-11",
                &provider,
                None,
            )
            .await;
        assert_eq!(d["entries"], json!(3));
        app.finish().await;
    }
}

/// Occupancy over the day (issue 19): people in every 30 local minutes, counted for the
/// location's stay after each completed entry, reversals excluded, an entry of the evening
/// before still in at midnight; the location's capacity comes with the one-location view.
#[tokio::test]
async fn dashboard_occupancy_over_the_day() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let (s, l) = app
            .call(
                Method::POST,
                "/api/v1/admin/locations",
                &admin,
                Some(json!({
                    "name": "Occupancy Lounge", "country": "POL", "service_code": "LOUNGE",
                    "postal_code": "00-906", "city": "Warsaw", "time_zone": "Europe/Warsaw",
                    "capacity": 8, "stay_minutes": 60,
                })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{l}");
        let loc = l["id"].as_str().unwrap();
        let utc = |d: u32, h: u32, m: u32| {
            chrono::NaiveDate::from_ymd_opt(2025, 1, d)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis()
        };
        // Warsaw is UTC+1 in January: local 2025-01-10 starts at 2025-01-09 23:00 UTC.
        for (status, adults, at) in [
            ("COMPLETED", (0, 0), utc(9, 22, 30)), // 23:30 local the day before
            ("COMPLETED", (1, 0), utc(10, 8, 10)), // 09:10, with a guest
            ("COMPLETED", (0, 0), utc(10, 8, 40)), // 09:40
            ("REVERSED", (2, 0), utc(10, 8, 50)),  // never counts
        ] {
            insert(
                &app,
                Op {
                    status,
                    location: loc,
                    location_name: "Occupancy Lounge",
                    adults,
                    at,
                    ..Default::default()
                },
            )
            .await;
        }
        let expected = |points: &Value| {
            let at = |hhmm: &str| {
                points
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p[0] == hhmm)
                    .unwrap_or_else(|| panic!("no point {hhmm}: {points}"))[1]
                    .as_u64()
                    .unwrap()
            };
            assert_eq!(points.as_array().unwrap().len(), 48, "{points}");
            assert_eq!(points[0][0], "00:00");
            assert_eq!(points[47][0], "23:30");
            let got: Vec<u64> = [
                "00:00", "00:30", "09:00", "09:30", "10:00", "10:30", "11:00",
            ]
            .map(at)
            .to_vec();
            assert_eq!(got, [1, 0, 0, 2, 3, 1, 0], "{points}");
        };
        let (s, d) = app
            .call(
                Method::GET,
                &format!(
                    "/api/v1/admin/dashboard?from=2025-01-10&until=2025-01-10&location_id={loc}"
                ),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["occupancy_day"], "2025-01-10");
        assert_eq!(d["capacity"], 8);
        expected(&d["occupancy"]);
        // Over every location in the viewer's zone: the same people (nothing else that day).
        let (s, d) = app
            .call(
                Method::GET,
                "/api/v1/admin/dashboard?until=2025-01-10&tz=Europe/Warsaw",
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["capacity"], Value::Null);
        expected(&d["occupancy"]);
        app.finish().await;
    }
}

/// Peak RSS of this process (server and client both run in it), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// Reset the peak-RSS mark (Linux: `5` into clear_refs).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// `n` completed operations at terminal `terminal` in one statement, `per_instant` of them
/// sharing each `occurred_at` (ties cross the export's keyset page boundaries).
async fn bulk_insert(app: &TestApp, n: u64, terminal: &str, per_instant: u64) {
    use sea_orm::{ConnectionTrait, DbBackend};
    let pg = app.backend.db.get_database_backend() == DbBackend::Postgres;
    let t0 = common::start_time().timestamp_millis() - 30 * DAY;
    let cols = "id, op_type, status, pan_hash, masked_pan, bin, last4, terminal_serial, \
                location_id, location_name, service_code, country, ica, entry_mode, \
                cardholder_paid, free_entry, currency, free_adult_guests, paid_adult_guests, \
                free_child_guests, paid_child_guests, total_minor, over_limit, requested_at, \
                occurred_at, updated_at";
    let (src, paid) = if pg {
        (format!("generate_series(1, {n}) AS c(x)"), "(x % 2 = 1)")
    } else {
        ("c".to_owned(), "(x % 2)")
    };
    let at = format!("{t0} + (x / {per_instant}) * 1000");
    let select = format!(
        "SELECT '{terminal}-' || x, 'ONLINE', 'COMPLETED', 'h', '541234******0000', '541234', \
         '0000', '{terminal}', '{loc}', 'Warsaw Chopin Lounge', 'LOUNGE', 'POL', '1234', \
         'CHIP', {paid}, {paid} = {f}, 'PLN', 1, 0, 0, 1, 2500, {f}, {at}, {at}, {at} FROM {src}",
        loc = demo::LOC_WAW_LOUNGE,
        f = if pg { "false" } else { "0" },
    );
    let sql = if pg {
        format!("INSERT INTO operations ({cols}) {select}")
    } else {
        format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) \
             INSERT INTO operations ({cols}) {select}"
        )
    };
    app.backend
        .db
        .execute_unprepared(&sql)
        .await
        .expect("bulk insert");
}

/// A detailed export crosses several keyset pages (with ties on `occurred_at` at the page
/// boundaries) and yields every operation exactly once, oldest first.
#[tokio::test]
async fn exports_cross_keyset_pages_without_loss_or_repeats() {
    // Small pages (the production size is `EXPORT_PAGE`): the same paging code, few rows.
    let page = 500;
    let n = page * 2 + 301;
    let settings = || backend::Settings {
        export_page_rows: page,
        ..Default::default()
    };
    for app in common::apps(settings).await {
        let admin = app.admin_token().await;
        bulk_insert(&app, n, "T-PAGES", 7).await;
        let resp =
            app.http
                .get(app.url(
                    "/api/v1/admin/reports/operations?format=csv&kind=detailed&terminal=T-PAGES",
                ))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let body = resp.text().await.unwrap();
        let mut r = csv::Reader::from_reader(body.as_bytes());
        let ids: Vec<String> = r.records().map(|rec| rec.unwrap()[0].to_owned()).collect();
        assert_eq!(ids.len() as u64, n, "{}: every row once", app.db.name());
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{}: no repeats", app.db.name());

        // As a browser asks for them (gzip): each compressed stream ends cleanly, no cut-off.
        let raw = reqwest::Client::builder().no_gzip().build().unwrap();
        for (kind, format) in [
            ("detailed", "csv"),
            ("summary", "csv"),
            ("detailed", "xlsx"),
            ("summary", "xlsx"),
        ] {
            let mut resp = raw
                .get(app.url(&format!(
                    "/api/v1/admin/reports/operations?format={format}&kind={kind}&terminal=T-PAGES"
                )))
                .header("accept-encoding", "gzip")
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(
                resp.headers()["content-encoding"],
                "gzip",
                "{kind} {format}"
            );
            let mut gz = 0usize;
            loop {
                match resp.chunk().await {
                    Ok(Some(chunk)) => gz += chunk.len(),
                    Ok(None) => break,
                    Err(e) => panic!("{kind} {format}: cut off after {gz} bytes: {e}"),
                }
            }
            assert!(gz > 0, "{kind} {format}");
        }
        app.finish().await;
    }
}

/// Export benchmark (run by hand: `EXPORT_ROWS=1000000 cargo test -p server --test
/// operations_reports -- --ignored --nocapture export_benchmark`): time and peak RSS of the
/// streamed CSV and XLSX exports, beside PostgreSQL's own `COPY ... TO STDOUT CSV` when the
/// database is PostgreSQL and `psql` is on the PATH.
#[tokio::test]
#[ignore]
async fn export_benchmark() {
    use sea_orm::{ConnectionTrait, DbBackend};
    let n: u64 = std::env::var("EXPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let pg = app.backend.db.get_database_backend() == DbBackend::Postgres;
        let started = std::time::Instant::now();
        bulk_insert(&app, n, "T-BENCH", 1).await;
        println!(
            "{}: inserted {n} rows in {:.1?}",
            app.db.name(),
            started.elapsed()
        );

        let mut copy_secs = None;
        if pg {
            if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
                let started = std::time::Instant::now();
                let out = std::process::Command::new("psql")
                    .arg(&url)
                    .arg("-c")
                    .arg(format!(
                        "SET search_path TO {}",
                        app.db.schema.as_deref().unwrap_or("public")
                    ))
                    .arg("-c")
                    .arg("COPY (SELECT * FROM operations WHERE terminal_serial = 'T-BENCH' ORDER BY occurred_at, id) TO STDOUT CSV HEADER")
                    .output();
                match &out {
                    Ok(o) if !o.status.success() => {
                        println!("psql COPY failed: {}", String::from_utf8_lossy(&o.stderr))
                    }
                    Err(e) => println!("psql not run: {e}"),
                    _ => {}
                }
                if let Some(o) = out.ok().filter(|o| o.status.success()) {
                    let secs = started.elapsed().as_secs_f64();
                    println!(
                        "{}: COPY TO STDOUT CSV: {} bytes in {secs:.2} s",
                        app.db.name(),
                        o.stdout.len()
                    );
                    copy_secs = Some(secs);
                }
            }
        }
        for format in ["csv", "xlsx"] {
            reset_peak_rss();
            let base = peak_rss_kib();
            let started = std::time::Instant::now();
            let mut resp = app
                .http
                .get(app.url(&format!(
                    "/api/v1/admin/reports/operations?format={format}&kind=detailed&terminal=T-BENCH"
                )))
                .bearer_auth(&admin)
                .send()
                .await
                .expect("export");
            assert_eq!(resp.status(), StatusCode::OK);
            let mut bytes = 0usize;
            while let Some(chunk) = resp.chunk().await.expect("chunk") {
                bytes += chunk.len();
            }
            assert!(bytes > 0, "{format}: an empty export");
            let secs = started.elapsed().as_secs_f64();
            let peak = peak_rss_kib();
            let ratio = copy_secs
                .map(|c| format!(", {:.1}× the COPY time", secs / c))
                .unwrap_or_default();
            println!(
                "{}: {format} export of {n} rows: {bytes} bytes in {secs:.2} s, peak RSS {} MiB \
                 (was {} MiB before){ratio}",
                app.db.name(),
                peak / 1024,
                base / 1024
            );
        }
        app.finish().await;
    }
}

/// The panel's pages render on the server, and the export links work with the session cookie.
#[tokio::test]
async fn panel_pages_render_and_cookie_download() {
    for app in TestApp::each().await {
        let now = app.backend.now_ms();
        let id = insert(
            &app,
            Op {
                terminal: "T-PANEL-1",
                at: now,
                ..Default::default()
            },
        )
        .await;
        let cookie = app.admin_cookie().await;
        let page = |path: String| {
            let req = app
                .http
                .get(app.url(&path))
                .header("cookie", cookie.clone());
            async move {
                let resp = req.send().await.unwrap();
                (resp.status(), resp.text().await.unwrap())
            }
        };
        for (path, needle) in [
            ("/".to_owned(), "Entries per day"),
            (
                "/operations?terminal=T-PANEL-1".to_owned(),
                "541234******1234",
            ),
            (format!("/operations/{id}"), "Reverse this entry"),
            (
                format!("/operations/{id}/transactions"),
                "Card transactions",
            ),
            ("/cards".to_owned(), "Enrolled cards"),
        ] {
            let (s, html) = page(path.clone()).await;
            assert_eq!(s, StatusCode::OK, "{path}");
            assert!(html.contains(needle), "{path}: {needle} not in the page");
            assert!(!html.contains(CLEAR_PAN), "{path}: clear PAN");
        }
        let (s, body) = page(
            "/api/v1/admin/reports/operations?format=csv&kind=detailed&terminal=T-PANEL-1".into(),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains(&id), "the panel's download carries the row");
        app.finish().await;
    }
}
