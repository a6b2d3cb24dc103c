//! The acquirer lifecycle through the POS API (issue 13): paid guests authorized against the
//! check-time reference, one authorization for concurrent confirms, voids on expiry (retried
//! with backoff), refunds on reversal, no double spend while a confirm outlives its grant, and
//! the ruleset's total-usage cap exact under concurrent cards; and the spend grace period at
//! the door.

use crate::common;

use access_core::domain::{
    BinRange, CardholderTerms, Currency, GuestTerms, Limit, LocationScope, Money, PaidTerms,
    Ruleset, SpendControl, TotalUsageCap,
};
use backend::acquirer::{AcqOutcome, AcqResponse, Acquirer, SimulatedAcquirer};
use backend::db::TestDb;
use backend::demo::{self, LOC_WAW_FAST, LOC_WAW_LOUNGE};
use backend::demo_world::CARD_WORLD;
use backend::entity::{acquirer_calls, bin_ranges, card_transactions, locations, operations};
use backend::service::{acquirer_ledger, entry};
use backend::Settings;
use common::pos::paired;
use common::{luhn, TestApp};
use reqwest::Method;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{json, Value};
use server::sim::SimError;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

/// The simulator, counting calls by kind (with their idempotency keys), optionally slow or
/// blocked inside the paid-guest authorization, and failing the first `void_failures` voids.
#[derive(Default)]
struct Double {
    calls: Mutex<Vec<(&'static str, String)>>,
    more_delay: Option<Duration>,
    more_gate: Option<Arc<Semaphore>>,
    entered: Arc<Notify>,
    void_failures: AtomicU32,
}

impl Double {
    fn log(&self, kind: &'static str, key: &str) {
        self.calls.lock().unwrap().push((kind, key.to_owned()));
    }
    fn count(&self, kind: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k == kind)
            .count()
    }
    fn keys(&self, kind: &str) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, key)| key.clone())
            .collect()
    }
}

#[async_trait::async_trait]
impl Acquirer for Double {
    async fn account_status(&self, pan: &str, key: &str) -> AcqResponse {
        self.log("asi", key);
        SimulatedAcquirer.account_status(pan, key).await
    }
    async fn authorize(&self, pan: &str, amount: Money, key: &str) -> AcqResponse {
        self.log("auth", key);
        SimulatedAcquirer.authorize(pan, amount, key).await
    }
    async fn authorize_more(&self, reference: &str, amount: Money, key: &str) -> AcqResponse {
        self.log("more", key);
        self.entered.notify_one();
        if let Some(d) = self.more_delay {
            tokio::time::sleep(d).await;
        }
        if let Some(gate) = &self.more_gate {
            let _permit = gate.acquire().await.unwrap();
        }
        SimulatedAcquirer
            .authorize_more(reference, amount, key)
            .await
    }
    async fn void(&self, reference: &str, amount: Money, key: &str) -> AcqResponse {
        self.log("void", key);
        if self
            .void_failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return AcqResponse::new(AcqOutcome::Unavailable, "91");
        }
        SimulatedAcquirer.void(reference, amount, key).await
    }
    async fn refund(&self, reference: &str, amount: Money, key: &str) -> AcqResponse {
        self.log("refund", key);
        SimulatedAcquirer.refund(reference, amount, key).await
    }
}

fn settings() -> Settings {
    Settings {
        // Generous: the blocked-acquirer test holds a call while the clock moves.
        acquirer_timeout: Duration::from_secs(20),
        ..Settings::default()
    }
}

async fn ledger(app: &TestApp, op: &str) -> Vec<acquirer_calls::Model> {
    acquirer_calls::Entity::find()
        .filter(acquirer_calls::Column::OperationId.eq(op))
        .order_by_asc(acquirer_calls::Column::CreatedAt)
        .all(&app.backend.db)
        .await
        .unwrap()
}

async fn status_of(app: &TestApp, id: &str) -> String {
    operations::Entity::find_by_id(id.to_owned())
        .one(&app.backend.db)
        .await
        .unwrap()
        .unwrap()
        .status
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

async fn new_location(app: &TestApp, name: &str) -> String {
    let loc = uuid::Uuid::new_v4().to_string();
    locations::ActiveModel {
        id: Set(loc.clone()),
        name: Set(name.into()),
        country: Set("DEU".into()),
        service_code: Set("LOUNGE".into()),
        postal_code: Set("10115".into()),
        city: Set("Berlin".into()),
        address: Set(None),
        cooldown_minutes: Set(None),
        capacity: Set(None),
        stay_minutes: Set(120),
        offline_allowed: Set(true),
        offline_max_per_card_per_day: Set(None),
        time_zone: Set("Europe/Berlin".into()),
        tenant_id: Set(None),
        created_at: Set(0),
        updated_at: Set(0),
        created_by: Set("t".into()),
        modified_by: Set("t".into()),
    }
    .insert(&app.backend.db)
    .await
    .unwrap();
    loc
}

async fn add_bin(app: &TestApp, bin: &str, ica: &str) {
    bin_ranges::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        bin_from: Set(bin.into()),
        bin_to: Set(bin.into()),
        ica: Set(ica.into()),
        issuer_name: Set("Test Bank".into()),
        issuer_country: Set("DEU".into()),
        product_code: Set("MCS".into()),
        created_at: Set(0),
    }
    .insert(&app.backend.db)
    .await
    .unwrap();
}

/// `free` cardholder entries at `loc`; adult guests (max 1) paid at 10 EUR when `paid_guests`.
fn ruleset(bin: &str, ica: &str, free: Limit, loc: &str, paid_guests: bool) -> Ruleset {
    let mut r = backend::demo_world::demo_rulesets(common::start_time()).remove(0);
    r.id = uuid::Uuid::new_v4();
    r.name = format!("test {bin}");
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
    r.cardholder = CardholderTerms {
        free: Some(free),
        paid: None,
        period_days: None,
        per_location_cap: None,
    };
    r.adults = if paid_guests {
        GuestTerms {
            free: None,
            paid: Some(PaidTerms {
                price: Money::from_minor(1000, Currency::from_code("EUR").unwrap()),
                limit: Limit::Unlimited,
            }),
            max_per_entry: 1,
        }
    } else {
        GuestTerms::none()
    };
    r.children = GuestTerms::none();
    r.child_free_under_age = None;
    r
}

async fn save(app: &TestApp, r: &Ruleset) {
    backend::repo::rulesets::save_version(&app.backend.db, r, None, "test", 0)
        .await
        .unwrap();
}

/// Bug 1: the documented insufficient-funds card (…9051x) with one paid adult guest is
/// refused at confirm (the guests are authorized against the card's check-time reference, not
/// the operation id); the grant stays open and completes without the paid guest.
#[tokio::test]
async fn insufficient_funds_card_is_refused_for_a_paid_guest_at_confirm() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let card = "5412340000090515";
        let g = t.check(card, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{g}");
        assert_eq!(g["guests"]["adults"]["freeAvailable"], 1, "{g}");
        let id = g["accessId"].as_str().unwrap().to_owned();
        let c = t.confirm(&id, 2, 0).await.unwrap();
        assert_eq!(c["status"], "REJECTED", "{c}");
        assert_eq!(c["code"], "CARD_AUTH_INSUFFICIENT_FUNDS", "{c}");
        assert_eq!(status_of(&app, &id).await, "PENDING");
        // The grant is left open: one (free) adult guest completes it.
        let c = t.confirm(&id, 1, 0).await.unwrap();
        assert_eq!(c["status"], "COMPLETED", "{c}");
        let calls = ledger(&app, &id).await;
        let kinds: Vec<(&str, &str)> = calls
            .iter()
            .map(|c| (c.kind.as_str(), c.outcome.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("ACCOUNT_STATUS", "APPROVED"),
                ("ADDITIONAL_AUTHORIZATION", "INSUFFICIENT_FUNDS")
            ]
        );
        let reference = calls[0].reference.clone().unwrap();
        assert_eq!(calls[1].reference.as_deref(), Some(reference.as_str()));
        assert!(!reference.contains(&id));
        // An approved card's paid guest goes through, against its own reference.
        app.clock.advance(minutes(61));
        let g = t.check(CARD_WORLD, "CONTACTLESS").await.unwrap();
        let id = g["accessId"].as_str().unwrap().to_owned();
        let c = t.confirm(&id, 2, 0).await.unwrap();
        assert_eq!(c["status"], "COMPLETED", "{c}");
        assert_eq!(c["total"]["amount"], "25.00");
        let calls = ledger(&app, &id).await;
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1].outcome, "APPROVED");
        assert_eq!(calls[1].amount_minor, Some(2500));
        app.finish().await;
    }
}

/// Two concurrent confirms of one accessId: one additional authorization, the same answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_confirms_authorize_once() {
    for db in TestDb::all().await {
        let acq = Arc::new(Double {
            more_delay: Some(Duration::from_millis(300)),
            ..Double::default()
        });
        let app = TestApp::start_with(db, settings(), Some(acq.clone())).await;
        let admin = app.admin_token().await;
        let t = Arc::new(paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await);
        let g = t.check(CARD_WORLD, "CONTACTLESS").await.unwrap();
        let id = g["accessId"].as_str().unwrap().to_owned();
        let (a, b) = {
            let (t1, t2) = (t.clone(), t.clone());
            let (i1, i2) = (id.clone(), id.clone());
            tokio::join!(
                tokio::spawn(async move { t1.confirm(&i1, 2, 0).await }),
                tokio::spawn(async move { t2.confirm(&i2, 2, 0).await })
            )
        };
        let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
        assert_eq!(a["status"], "COMPLETED", "{a}");
        assert_eq!(a, b);
        assert_eq!(acq.count("more"), 1, "{}", app.db.name());
        app.finish().await;
    }
}

/// A paid cardholder's grant that expires is voided exactly once; a void the gateway fails
/// twice is retried with backoff until it succeeds; a reversed paid entry is refunded once.
#[tokio::test]
async fn expiry_voids_and_reversal_refunds_exactly_once() {
    for db in TestDb::all().await {
        let acq = Arc::new(Double {
            void_failures: AtomicU32::new(2),
            ..Double::default()
        });
        let app = TestApp::start_with(db, settings(), Some(acq.clone())).await;
        let admin = app.admin_token().await;
        let t = paired(&app, &admin, LOC_WAW_FAST, "PAX-A920-DEMO0003", 0).await;
        let card = "2221000000000009";
        let g = t.check(card, "CONTACTLESS").await.unwrap();
        assert_eq!(g["cardholder"]["paid"], true, "{g}");
        let id = g["accessId"].as_str().unwrap().to_owned();
        assert_eq!(acq.count("auth"), 1);

        app.clock.advance(minutes(6));
        assert_eq!(entry::sweep_expired(&app.backend).await.unwrap(), 1);
        assert_eq!(status_of(&app, &id).await, "EXPIRED");
        assert_eq!(acq.count("void"), 1, "voided at expiry (failed once)");
        let owed = |calls: &[acquirer_calls::Model]| {
            calls
                .iter()
                .filter(|c| c.kind == "VOID")
                .cloned()
                .collect::<Vec<_>>()
        };
        let v = owed(&ledger(&app, &id).await);
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].outcome.as_str(), v[0].attempts, v[0].amount_minor),
            ("PENDING", 1, Some(1500))
        );
        assert_eq!(
            acquirer_ledger::pending_count(&app.backend.db)
                .await
                .unwrap(),
            1
        );
        // Not due yet: nothing sent. Sweeping again owes nothing new.
        assert_eq!(acquirer_ledger::retry_due(&app.backend).await.unwrap(), 0);
        assert_eq!(entry::sweep_expired(&app.backend).await.unwrap(), 0);
        assert_eq!(acq.count("void"), 1);
        // Backoff: 10 s, then 20 s.
        app.clock.advance(chrono::Duration::seconds(10));
        assert_eq!(acquirer_ledger::retry_due(&app.backend).await.unwrap(), 0);
        assert_eq!(acq.count("void"), 2);
        app.clock.advance(chrono::Duration::seconds(10));
        assert_eq!(acquirer_ledger::retry_due(&app.backend).await.unwrap(), 0);
        assert_eq!(acq.count("void"), 2, "second retry only after 20 s");
        app.clock.advance(chrono::Duration::seconds(10));
        assert_eq!(acquirer_ledger::retry_due(&app.backend).await.unwrap(), 1);
        assert_eq!(acq.count("void"), 3);
        let v = owed(&ledger(&app, &id).await);
        assert_eq!((v[0].outcome.as_str(), v[0].attempts), ("VOIDED", 3));
        let keys = acq.keys("void");
        assert!(
            keys.iter().all(|k| *k == keys[0]),
            "one idempotency key: {keys:?}"
        );
        assert_eq!(
            acquirer_ledger::pending_count(&app.backend.db)
                .await
                .unwrap(),
            0
        );
        // The operation details show the ledger and what is still owed.
        let admin = app.admin_token().await;
        let (s, d) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/operations/{id}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(s, 200, "{d}");
        let kinds: Vec<(&str, &str)> = d["acquirer_calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["kind"].as_str().unwrap(), c["outcome"].as_str().unwrap()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("ACCOUNT_STATUS", "APPROVED"),
                ("AUTHORIZATION", "APPROVED"),
                ("VOID", "VOIDED")
            ],
            "{d}"
        );
        assert_eq!(d["acquirer_pending"], 0);
        // …and the detailed export, in one column.
        let resp = app
            .http
            .get(app.url(
                "/api/v1/admin/reports/operations?format=csv&kind=detailed&terminal=PAX-A920-DEMO0003",
            ))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let csv = resp.text().await.unwrap();
        assert!(
            csv.lines().next().unwrap().ends_with("Acquirer calls"),
            "{csv}"
        );
        let line = csv
            .lines()
            .find(|l| l.starts_with(&id))
            .expect("the operation's row");
        assert!(
            line.contains(
                "ACCOUNT_STATUS APPROVED; AUTHORIZATION APPROVED 15.00 EUR; VOID VOIDED 15.00 EUR"
            ),
            "{line}"
        );
        app.clock.advance(minutes(10));
        assert_eq!(acquirer_ledger::retry_due(&app.backend).await.unwrap(), 0);
        assert_eq!(acq.count("void"), 3);

        // A completed paid entry, reversed: one refund, however often it is asked for.
        let g = t.check(card, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{g}");
        let id = g["accessId"].as_str().unwrap().to_owned();
        let c = t.confirm(&id, 0, 0).await.unwrap();
        assert_eq!(c["status"], "COMPLETED", "{c}");
        let admin = app.admin_token().await; // the clock moved past the first token
        let path = format!("/api/v1/admin/operations/{id}/reversal");
        let (s, body) = app
            .call(Method::POST, &path, &admin, Some(json!({"reason": "test"})))
            .await;
        assert_eq!(s, 200, "{body}");
        let (s, _) = app
            .call(
                Method::POST,
                &path,
                &admin,
                Some(json!({"reason": "again"})),
            )
            .await;
        assert_eq!(s, 409);
        assert_eq!(acq.count("refund"), 1);
        let r: Vec<_> = ledger(&app, &id)
            .await
            .into_iter()
            .filter(|c| c.kind == "REFUND")
            .collect();
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].outcome.as_str(), r[0].amount_minor),
            ("REFUNDED", Some(1500))
        );
        assert_eq!(acq.count("void"), 3, "a captured entry is not voided");
        app.finish().await;
    }
}

/// The acquirer blocks inside a confirm while the clock passes `expiresAt`; another terminal
/// then taps the same card (one entry left). Never two COMPLETED: the lapsed grant is expired
/// before its hold is taken over, the blocked confirm then fails, and its guest authorization
/// is voided.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_confirm_outliving_its_grant_never_double_spends() {
    for db in TestDb::all().await {
        let gate = Arc::new(Semaphore::new(0));
        let acq = Arc::new(Double {
            more_gate: Some(gate.clone()),
            ..Double::default()
        });
        let entered = acq.entered.clone();
        let app = TestApp::start_with(db, settings(), Some(acq.clone())).await;
        let admin = app.admin_token().await;
        let loc = new_location(&app, "Slow Lounge").await;
        add_bin(&app, "445566", "2222").await;
        save(
            &app,
            &ruleset("445566", "2222", Limit::Count(1), &loc, true),
        )
        .await;
        let t1 = Arc::new(paired(&app, &admin, &loc, "SLOW-01", 0).await);
        let t2 = paired(&app, &admin, &loc, "SLOW-02", 1).await;
        let card = luhn("445566000000001");

        let g = t1.check(&card, "CONTACTLESS").await.unwrap();
        assert_eq!(g["status"], "GRANTED", "{g}");
        assert_eq!(g["remainingVisits"]["free"], 0, "{g}");
        let id = g["accessId"].as_str().unwrap().to_owned();
        let blocked = {
            let (t1, id) = (t1.clone(), id.clone());
            tokio::spawn(async move { t1.confirm(&id, 1, 0).await })
        };
        entered.notified().await;
        app.clock.advance(minutes(6));
        let g2 = t2.check(&card, "CONTACTLESS").await.unwrap();
        assert_eq!(g2["status"], "GRANTED", "{g2}");
        let c2 = t2
            .confirm(g2["accessId"].as_str().unwrap(), 0, 0)
            .await
            .unwrap();
        assert_eq!(c2["status"], "COMPLETED");
        gate.add_permits(1);
        match blocked.await.unwrap() {
            Err(SimError::Status { status: 409, body }) => {
                assert_eq!(body["error"]["code"], "ACCESS_EXPIRED", "{body}")
            }
            other => panic!("{other:?}"),
        }
        let completed = operations::Entity::find()
            .filter(operations::Column::PanHash.eq(app.backend.keys.pan_hash(&card)))
            .filter(operations::Column::Status.eq("COMPLETED"))
            .all(&app.backend.db)
            .await
            .unwrap();
        assert_eq!(completed.len(), 1, "{}", app.db.name());
        assert_eq!(status_of(&app, &id).await, "EXPIRED");
        let voids: Vec<_> = ledger(&app, &id)
            .await
            .into_iter()
            .filter(|c| c.kind == "VOID")
            .collect();
        assert_eq!(voids.len(), 1);
        assert_eq!(
            (voids[0].outcome.as_str(), voids[0].amount_minor),
            ("VOIDED", Some(1000))
        );
        app.finish().await;
    }
}

/// A ruleset capped at 5 entries in total; 40 distinct cards tap at once from 10 terminals:
/// exactly 5 complete, on every database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ruleset_total_usage_cap_is_exact_under_concurrent_cards() {
    for app in TestApp::each().await {
        cap_race(&app, None).await;
        app.finish().await;
    }
}

/// The same race from two app servers (each its own connection pool) on one database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ruleset_total_usage_cap_holds_across_two_app_servers() {
    for app in TestApp::each().await {
        let second = backend::Backend::new(
            app.db.open().await,
            Arc::new(app.clock.clone()),
            backend::Keys::for_tests(),
            Settings::default(),
        );
        let base = server::startup::spawn_for_tests(second).await.unwrap();
        cap_race(&app, Some(base)).await;
        app.finish().await;
    }
}

/// Half the terminals talk to `second` when given.
async fn cap_race(app: &TestApp, second: Option<String>) {
    let admin = app.admin_token().await;
    let loc = new_location(app, "Capped Lounge").await;
    add_bin(app, "446677", "3333").await;
    let mut r = ruleset("446677", "3333", Limit::Unlimited, &loc, false);
    r.total_usage = Some(TotalUsageCap {
        limit: 5,
        period_days: None,
    });
    save(app, &r).await;
    let mut terminals = Vec::new();
    for i in 0..10 {
        let mut t = paired(app, &admin, &loc, &format!("CAP-{i:02}"), i).await;
        if let Some(base) = second.as_ref().filter(|_| i % 2 == 1) {
            t.base_url = base.clone();
        }
        terminals.push(Arc::new(t));
    }
    let mut tasks = Vec::new();
    for (i, t) in terminals.iter().enumerate() {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for k in 0..4 {
                let card = luhn(&format!("4466770000{:05}", i * 4 + k));
                let g: Value = t.check(&card, "CONTACTLESS").await.expect("check");
                if g["status"] == "GRANTED" {
                    let c = t
                        .confirm(g["accessId"].as_str().unwrap(), 0, 0)
                        .await
                        .expect("confirm");
                    out.push(c["status"].as_str().unwrap().to_owned());
                } else {
                    out.push(g["code"].as_str().unwrap().to_owned());
                }
            }
            out
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.extend(task.await.unwrap());
    }
    let name = app.db.name();
    let completed = outcomes.iter().filter(|o| *o == "COMPLETED").count();
    assert_eq!(completed, 5, "{name}: {outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| o == "COMPLETED" || o == "LIMIT_EXCEEDED"),
        "{name}: {outcomes:?}"
    );
    let rows = operations::Entity::find()
        .filter(operations::Column::RulesetId.eq(r.id.to_string()))
        .filter(operations::Column::Status.eq("COMPLETED"))
        .all(&app.backend.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 5, "{name}");
}

/// Grace at the door: the spend (100 EUR in 10 days) was met only by a purchase 13 days ago,
/// i.e. the window was last met 3 days ago. Grace 5 → granted; grace 2 → UNMET_REQUIREMENTS.
#[tokio::test]
async fn spend_grace_period_counts_at_the_door() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let loc = new_location(&app, "Grace Lounge").await;
        let t = paired(&app, &admin, &loc, "GRACE-01", 0).await;
        let now = app.backend.now_ms();
        for (bin, ica, grace) in [("447788", "4444", 5), ("447799", "5555", 2)] {
            add_bin(&app, bin, ica).await;
            let mut r = ruleset(bin, ica, Limit::Unlimited, &loc, false);
            r.spend = Some(SpendControl {
                amount: Money::from_minor(10_000, Currency::from_code("EUR").unwrap()),
                period_days: 10,
                mccs: vec![],
                grace_days: grace,
            });
            save(&app, &r).await;
            let card = luhn(&format!("{bin}000000001"));
            let at = now - 13 * 86_400_000;
            card_transactions::ActiveModel {
                id: Set(uuid::Uuid::new_v4().to_string()),
                pan_hash: Set(app.backend.keys.pan_hash(&card)),
                external_id: Set(Some(format!("grace-{bin}"))),
                occurred_at: Set(at),
                cleared_at: Set(at + 3_600_000),
                amount_minor: Set(10_000),
                currency: Set("EUR".into()),
                mcc: Set("5411".into()),
                merchant_name: Set(None),
                created_at: Set(now),
            }
            .insert(&app.backend.db)
            .await
            .unwrap();
            let g = t.check(&card, "CONTACTLESS").await.unwrap();
            if grace == 5 {
                assert_eq!(g["status"], "GRANTED", "{g}");
            } else {
                assert_eq!(g["code"], "UNMET_REQUIREMENTS", "{g}");
            }
        }
        app.finish().await;
    }
}
