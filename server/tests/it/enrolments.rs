//! The MRS enrolment feed through the admin REST API: CSV and JSON enrolment, idempotent resend,
//! all-or-nothing imports that name the bad line, unenrolment with history, the offline
//! whitelist following along, and "enrolled cards only" rulesets at the door and in try-a-card.

use crate::common;

use access_core::domain::{BinRange, CardholderTerms, GuestTerms, Limit, LocationScope, Ruleset};
use backend::demo::{self, LOC_WAW_LOUNGE};
use backend::entity::bin_ranges;
use common::pos::paired;
use common::{luhn, TestApp};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{json, Value};
use server::sim::Terminal;

const IMPORT: &str = "/api/v1/admin/enrolled-cards/import";
const ENROL: &str = "/api/v1/admin/enrolled-cards";

async fn whitelist(t: &Terminal) -> (String, Vec<String>) {
    let resp = t
        .http()
        .get(format!("{}/pos/whitelisted_pans", t.base_url))
        .bearer_auth(t.token())
        .send()
        .await
        .expect("whitelist");
    assert_eq!(resp.status(), StatusCode::OK);
    let tag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = resp.json().await.unwrap();
    let list = body["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_owned())
        .collect();
    (tag, list)
}

/// The BIN table entry of the test cards (ICA 47, product MCW): imports take ICA and product
/// from it.
async fn add_bin(app: &TestApp) {
    bin_ranges::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        bin_from: Set("470000".into()),
        bin_to: Set("470099".into()),
        ica: Set("47".into()),
        issuer_name: Set("Test Bank".into()),
        issuer_country: Set("POL".into()),
        product_code: Set("MCW".into()),
        created_at: Set(0),
    }
    .insert(&app.backend.db)
    .await
    .unwrap();
}

/// Five free lounge visits at the Warsaw lounge for 4700xx cards (enrolled ones only when
/// `enrolled_only`).
async fn add_ruleset(app: &TestApp, enrolled_only: bool) -> uuid::Uuid {
    let mut r = backend::demo_world::demo_rulesets(common::start_time()).remove(0);
    r.id = uuid::Uuid::new_v4();
    r.name = format!("4700 enrolled only: {enrolled_only}");
    r.issuer_country = None;
    r.product_codes = vec![];
    r.bin_ranges = vec![BinRange {
        ica: "0047".into(),
        from: "470000".into(),
        to: "470099".into(),
    }];
    r.locations = LocationScope::Locations {
        ids: vec![uuid::Uuid::parse_str(LOC_WAW_LOUNGE).unwrap()],
    };
    r.services = vec!["LOUNGE".into()];
    r.cardholder = CardholderTerms {
        free: Some(Limit::Count(5)),
        paid: None,
        period_days: None,
        per_location_cap: None,
    };
    r.adults = GuestTerms::none();
    r.children = GuestTerms::none();
    r.spend = None;
    r.total_usage = None;
    r.enrolled_only = enrolled_only;
    save(app, &r).await;
    r.id
}

async fn save(app: &TestApp, r: &Ruleset) {
    backend::repo::rulesets::save_version(&app.backend.db, r, None, "test", app.backend.now_ms())
        .await
        .unwrap();
}

async fn card_by_aref(app: &TestApp, token: &str, aref: &str) -> Value {
    let (s, page) = app
        .call(Method::GET, &format!("{ENROL}?aref={aref}"), token, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    page["items"][0].clone()
}

fn fields(v: &Value) -> Vec<String> {
    v["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn csv_enrolment_reaches_the_screen_and_the_whitelist_and_unenrolment_keeps_history() {
    for app in TestApp::each().await {
        let name = app.db.name().to_owned();
        let admin = app.admin_token().await;
        add_bin(&app).await;
        let ruleset = add_ruleset(&app, false).await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let (tag0, before) = whitelist(&t).await;
        let a = luhn("470001000000001");
        let b = luhn("470002000000002");
        let csv = format!(
            "pan,aref,enrolled_at\n{a},AREF-T-1,2026-11-01\n{b},AREF-T-2,2026-11-02T08:30:00Z\n"
        );

        // A file with one bad line imports nothing and names the line and column.
        let bad = format!("{csv}4700030000000000,AREF-T-3,2026-11-03\n");
        let (s, body) = app.post_csv(IMPORT, &admin, &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(fields(&v), vec!["line[4].pan".to_owned()], "{name}: {body}");
        assert!(!body.contains("4700030000000000"), "clear PAN in {body}");
        let (s, page) = app
            .call(Method::GET, &format!("{ENROL}?bin=470001"), &admin, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["total"], 0, "{name}: nothing imported: {page}");

        // The good file enrols both; the screen lists them with the BIN table's ICA/product.
        let (s, body) = app.post_csv(IMPORT, &admin, &csv).await;
        assert_eq!(s, StatusCode::OK, "{name}: {body}");
        let report: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(report["enrolled"], 2, "{report}");
        assert_eq!(report["unchanged"], 0, "{report}");
        let card = card_by_aref(&app, &admin, "AREF-T-1").await;
        assert_eq!(card["status"], "ENROLLED");
        assert_eq!(card["ica"], "47");
        assert_eq!(card["product_code"], "MCW");
        assert_eq!(card["masked_pan"], format!("470001******{}", &a[12..]));
        assert!(!card.to_string().contains(&a), "clear PAN in {card}");

        // ... and the whitelist has their hashes under a new ETag.
        let keys = &app.backend.keys;
        let (tag1, after) = whitelist(&t).await;
        assert_ne!(tag1, tag0, "{name}");
        assert!(after.contains(&keys.whitelist_hash(&a)), "{name}");
        assert!(after.contains(&keys.whitelist_hash(&b)), "{name}");
        assert_eq!(after.len(), before.len() + 2);

        // A resend of the same file changes nothing.
        let (s, body) = app.post_csv(IMPORT, &admin, &csv).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let report: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(report["unchanged"], 2, "{report}");
        assert_eq!(report["enrolled"], 0, "{report}");
        assert_eq!(report["updated"], 0, "{report}");
        assert_eq!(
            whitelist(&t).await.0,
            tag1,
            "{name}: a resend keeps the ETag"
        );

        // The report: one row per card × ruleset with the entries left and the ruleset id.
        let resp = app
            .http
            .get(app.url("/api/v1/admin/reports/cards?format=csv&aref=AREF-T-2"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let report = resp.text().await.unwrap();
        let mut lines = report.lines();
        let header = lines.next().unwrap();
        assert!(
            header.contains("Available free entries,Available paid entries,Ruleset ID"),
            "{header}"
        );
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 1, "{report}");
        assert!(rows[0].contains(&format!(",5,0,{ruleset},")), "{report}");
        assert!(!report.contains(&b), "clear PAN in {report}");

        // Call center may read cards but not enrol them.
        let cc = app
            .token("callcenter@demo.example", &app.others_password)
            .await;
        let (s, _) = app.post_csv(IMPORT, &cc, &csv).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{name}");

        // Unenrol card A: it leaves the whitelist, the row stays with its history.
        let id = card["id"].as_str().unwrap();
        let (s, r) = app
            .call(
                Method::DELETE,
                &format!("{ENROL}/{id}?unenrolled_at=2026-11-20"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: {r}");
        assert_eq!(r["unenrolled"], 1, "{r}");
        let (tag2, now) = whitelist(&t).await;
        assert_ne!(tag2, tag1);
        assert!(!now.contains(&keys.whitelist_hash(&a)), "{name}");
        assert!(now.contains(&keys.whitelist_hash(&b)), "{name}");
        let (s, d) = app
            .call(Method::GET, &format!("{ENROL}/{id}"), &admin, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["card"]["status"], "UNENROLLED", "{d}");
        let kinds: Vec<&str> = d["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            vec!["UNENROLLED", "ENROLLED"],
            "{name}: newest first: {d}"
        );
        // Unenrolling again changes nothing.
        let (s, r) = app
            .call(Method::DELETE, &format!("{ENROL}/{id}"), &admin, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["unchanged"], 1, "{r}");
        app.finish().await;
    }
}

#[tokio::test]
async fn enrolled_only_rulesets_grant_enrolled_cards_only() {
    for app in TestApp::each().await {
        let name = app.db.name().to_owned();
        let admin = app.admin_token().await;
        add_bin(&app).await;
        add_ruleset(&app, true).await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let pan = luhn("470010000000001");

        // Not enrolled: no ruleset applies, and try-a-card says why.
        let g = t.check(&pan, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "REJECTED", "{name}: {g}");
        assert_eq!(g["code"], "MISSING_ACCESS_RULES", "{name}: {g}");
        let (s, r) = app
            .call(
                Method::POST,
                "/api/v1/admin/try-card",
                &admin,
                Some(json!({"pan": pan, "location_id": LOC_WAW_LOUNGE})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["granted"], false, "{r}");
        assert!(r.to_string().contains("not enrolled"), "{name}: {r}");

        // Enrolled through the JSON feed: granted.
        let (s, rep) = app
            .call(
                Method::POST,
                ENROL,
                &admin,
                Some(json!({"items": [{"pan": pan, "aref": "AREF-G-1", "enrolled_at": "2026-11-01"}]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{name}: {rep}");
        assert_eq!(rep["enrolled"], 1, "{rep}");
        let g = t.check(&pan, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        t.confirm(g["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        app.clock.advance(chrono::Duration::hours(2));
        let admin = app.admin_token().await;

        // A bad JSON item names its index and field.
        let (s, e) = app
            .call(
                Method::POST,
                ENROL,
                &admin,
                Some(json!({"items": [{"pan": pan, "aref": "", "enrolled_at": "2026-11-01"}]})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(fields(&e), vec!["items[0].aref".to_owned()], "{e}");
        assert!(!e.to_string().contains(&pan), "clear PAN in {e}");

        // Unenrolled: the gated ruleset no longer grants.
        let card = card_by_aref(&app, &admin, "AREF-G-1").await;
        let (s, r) = app
            .call(
                Method::DELETE,
                &format!("{ENROL}/{}", card["id"].as_str().unwrap()),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let g = t.check(&pan, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "REJECTED", "{name}: {g}");
        assert_eq!(g["code"], "MISSING_ACCESS_RULES", "{name}: {g}");

        // Re-enrolled by a resend with the same AREF: granted again.
        let (s, rep) = app
            .call(
                Method::POST,
                ENROL,
                &admin,
                Some(json!({"items": [{"pan": pan, "aref": "AREF-G-1", "enrolled_at": "2026-11-21"}]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{rep}");
        let g = t.check(&pan, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{name}: {g}");
        app.finish().await;
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// Benchmark (prints its figures): `ENROL_ROWS=1000000 cargo test --release -p server --test
/// enrolments -- --ignored --nocapture import_benchmark`. Imports the rows through the CSV
/// endpoint in requests of 100,000 lines (the maximum), then times the offline whitelist that
/// lists them all. The test process holds server and client: its peak RSS covers both.
#[tokio::test]
#[ignore = "measurement: imports 1,000,000 enrolments"]
async fn import_benchmark() {
    let rows: usize = std::env::var("ENROL_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    const PER_REQUEST: usize = 100_000;
    for app in TestApp::each().await {
        let name = app.db.name().to_owned();
        let admin = app.admin_token().await;
        add_bin(&app).await;
        add_ruleset(&app, false).await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let rss_before = peak_rss_kib();
        let mut rss_after_first = 0;
        let started = std::time::Instant::now();
        let mut done = 0;
        while done < rows {
            let n = PER_REQUEST.min(rows - done);
            let mut csv = String::with_capacity(n * 48 + 32);
            csv.push_str("pan,aref,enrolled_at\n");
            for i in done..done + n {
                let pan = luhn(&format!("47000{i:010}"));
                csv.push_str(&format!("{pan},BENCH-{i},2026-11-01\n"));
            }
            let (s, body) = app.post_csv(IMPORT, &admin, &csv).await;
            assert_eq!(s, StatusCode::OK, "{body}");
            done += n;
            if rss_after_first == 0 {
                rss_after_first = peak_rss_kib();
            }
        }
        let secs = started.elapsed().as_secs_f64();
        let rss_end = peak_rss_kib();
        // Again: every row unchanged (the idempotent path reads and compares only).
        let started = std::time::Instant::now();
        let csv: String = std::iter::once("pan,aref,enrolled_at\n".to_owned())
            .chain(
                (0..PER_REQUEST.min(rows))
                    .map(|i| format!("{},BENCH-{i},2026-11-01\n", luhn(&format!("47000{i:010}")))),
            )
            .collect();
        let (s, body) = app.post_csv(IMPORT, &admin, &csv).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let resend = started.elapsed().as_secs_f64();
        let started = std::time::Instant::now();
        let (_, list) = whitelist(&t).await;
        let wl = started.elapsed().as_secs_f64();
        assert!(list.len() >= rows, "{name}: {} listed", list.len());
        println!(
            "{name}: imported {rows} enrolments in {secs:.1} s = {:.0} rows/s; peak RSS {} MiB \
             before, {} MiB after the first 100k, {} MiB at the end; resend of 100k unchanged \
             {:.0} rows/s; whitelist of {} cards in {wl:.2} s",
            rows as f64 / secs,
            rss_before / 1024,
            rss_after_first / 1024,
            rss_end / 1024,
            PER_REQUEST.min(rows) as f64 / resend,
            list.len(),
        );
        app.finish().await;
    }
}
