//! The entry service's guarantees, below HTTP, on every database of the run (SQLite, and
//! PostgreSQL when `TEST_DATABASE_URL` is set): the card hold between check and confirm, the
//! confirm's idempotency, and the offline reports' de-duplication by the terminal's id.
//! The HTTP tests (`server/tests/it`) cover the wire; these pin the protocol itself.

use std::sync::Arc;

use access_core::domain::{Pan, RejectCode};
use backend::db::TestDb;
use backend::demo::{self, LOC_WAW_LOUNGE, READY_TERMINAL};
use backend::demo_world::CARD_WORLD;
use backend::entity::{operations, terminals};
use backend::service::entry::{self, CheckOutcome, ConfirmError, ConfirmOutcome, TerminalRef};
use backend::service::offline::{self, ReportEntryInput, ReportStatus};
use backend::{Backend, Clock, Keys, ManualClock, Settings};
use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

struct World {
    db: TestDb,
    backend: Backend,
    clock: ManualClock,
    terminal: TerminalRef,
}

/// The demo world on each database, with the demo's ready terminal at the Warsaw lounge.
async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for db in TestDb::all().await {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap());
        let backend = Backend::new(
            db.open().await,
            Arc::new(clock.clone()),
            Keys::for_tests(),
            Settings::default(),
        );
        demo::seed(&backend, Some("Demo-Admin-Pass-1".into()))
            .await
            .expect("seed demo");
        let t = terminals::Entity::find()
            .filter(terminals::Column::SerialNumber.eq(READY_TERMINAL))
            .one(&backend.db)
            .await
            .expect("query")
            .expect("demo terminal");
        assert_eq!(t.location_id.as_deref(), Some(LOC_WAW_LOUNGE));
        let terminal = TerminalRef {
            id: t.id,
            serial: t.serial_number,
            location_id: t.location_id,
        };
        out.push(World {
            db,
            backend,
            clock,
            terminal,
        });
    }
    out
}

fn pan(s: &str) -> Pan {
    Pan::parse(s).expect("test PAN")
}

async fn count(b: &Backend, status: &str) -> u64 {
    operations::Entity::find()
        .filter(operations::Column::Status.eq(status))
        .count(&b.db)
        .await
        .expect("count")
}

async fn offline_count(b: &Backend) -> u64 {
    operations::Entity::find()
        .filter(operations::Column::OpType.eq("OFFLINE"))
        .count(&b.db)
        .await
        .expect("count")
}

fn granted_id(o: &CheckOutcome) -> Option<&str> {
    match o {
        CheckOutcome::Granted { access_id, .. } => Some(access_id),
        CheckOutcome::Rejected { .. } => None,
    }
}

#[tokio::test]
async fn a_card_is_held_between_check_and_confirm_even_under_concurrent_checks() {
    for w in worlds().await {
        let db = w.db.name();
        // Eight terminals' worth of simultaneous checks of one card: one grant, the rest held.
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (b, t) = (w.backend.clone(), w.terminal.clone());
            tasks.push(tokio::spawn(async move {
                entry::check_entry(&b, &t, &pan(CARD_WORLD), "Payment").await
            }));
        }
        let mut granted = Vec::new();
        let mut held = 0;
        for task in tasks {
            match task.await.expect("join").expect("check") {
                CheckOutcome::Granted { access_id, .. } => granted.push(access_id),
                CheckOutcome::Rejected { code, .. } => {
                    assert_eq!(code, RejectCode::TemporarilyBlocked, "{db}");
                    held += 1;
                }
            }
        }
        assert_eq!((granted.len(), held), (1, 7), "{db}: exactly one grant");

        // Confirming releases the hold: the next check is decided on its own merits again
        // (the lounge's cooldown, not the hold, answers now).
        let done = entry::confirm_entry(&w.backend, &w.terminal, &granted[0], 0, 0)
            .await
            .expect("confirm");
        assert!(matches!(done, ConfirmOutcome::Completed { .. }), "{db}");
        match entry::check_entry(&w.backend, &w.terminal, &pan(CARD_WORLD), "Payment")
            .await
            .expect("check")
        {
            CheckOutcome::Rejected { code, .. } => {
                assert_ne!(code, RejectCode::TemporarilyBlocked, "{db}: hold released")
            }
            CheckOutcome::Granted { .. } => {}
        }

        // A grant that is never confirmed holds the card until it lapses; then the sweeper
        // expires it and the card may enter again.
        w.clock.advance(Duration::days(1));
        let next = entry::check_entry(&w.backend, &w.terminal, &pan(CARD_WORLD), "Payment")
            .await
            .expect("check");
        let next_id = granted_id(&next).expect("granted a day later").to_owned();
        let again = entry::check_entry(&w.backend, &w.terminal, &pan(CARD_WORLD), "Payment")
            .await
            .expect("check");
        assert!(granted_id(&again).is_none(), "{db}: still held");
        w.clock
            .advance(Duration::seconds(w.backend.settings.grant_ttl_secs + 1));
        assert!(
            entry::sweep_expired(&w.backend).await.expect("sweep") >= 1,
            "{db}"
        );
        let lapsed = operations::Entity::find_by_id(next_id)
            .one(&w.backend.db)
            .await
            .expect("query")
            .expect("operation");
        assert_eq!(lapsed.status, "EXPIRED", "{db}");
        let after = entry::check_entry(&w.backend, &w.terminal, &pan(CARD_WORLD), "Payment")
            .await
            .expect("check");
        assert!(
            granted_id(&after).is_some(),
            "{db}: granted after the hold lapsed"
        );
        w.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_confirm_retried_with_the_same_numbers_completes_once() {
    for w in worlds().await {
        let db = w.db.name();
        let completed_before = count(&w.backend, "COMPLETED").await;
        let check = entry::check_entry(&w.backend, &w.terminal, &pan(CARD_WORLD), "Payment")
            .await
            .expect("check");
        let id = granted_id(&check).expect("granted").to_owned();

        // A lost answer retried, and two copies racing: all see the one completion.
        let (b1, t1, i1) = (w.backend.clone(), w.terminal.clone(), id.clone());
        let (b2, t2, i2) = (w.backend.clone(), w.terminal.clone(), id.clone());
        let (a, b) = tokio::join!(
            async move { entry::confirm_entry(&b1, &t1, &i1, 1, 0).await },
            async move { entry::confirm_entry(&b2, &t2, &i2, 1, 0).await },
        );
        let retry = entry::confirm_entry(&w.backend, &w.terminal, &id, 1, 0).await;
        for outcome in [a, b, retry] {
            match outcome.expect("confirm") {
                ConfirmOutcome::Completed {
                    access_id, split, ..
                } => {
                    assert_eq!(access_id, id, "{db}");
                    assert_eq!(split.free_adults + split.paid_adults, 1, "{db}");
                }
                other => panic!("{db}: {other:?}"),
            }
        }
        // Other numbers for a completed grant are refused, not applied.
        let changed = entry::confirm_entry(&w.backend, &w.terminal, &id, 2, 0).await;
        assert!(
            matches!(changed, Err(ConfirmError::AlreadyConfirmed)),
            "{db}: {changed:?}"
        );
        // An access id of another terminal, or none at all, is unknown.
        let unknown = entry::confirm_entry(&w.backend, &w.terminal, "no-such-id", 0, 0).await;
        assert!(matches!(unknown, Err(ConfirmError::NotFound)), "{db}");

        assert_eq!(
            count(&w.backend, "COMPLETED").await,
            completed_before + 1,
            "{db}: one more completed entry"
        );
        let op = operations::Entity::find_by_id(id)
            .one(&w.backend.db)
            .await
            .expect("query")
            .expect("operation");
        assert_eq!(op.free_adult_guests + op.paid_adult_guests, 1, "{db}");
        w.db.cleanup().await;
    }
}

fn report_input(offline_id: &str, at: chrono::DateTime<Utc>) -> ReportEntryInput {
    ReportEntryInput {
        offline_id: Some(offline_id.to_owned()),
        pan: Some(CARD_WORLD.to_owned()),
        occurred_at: Some(at.to_rfc3339()),
        basis: Some("BIN_RANGE".to_owned()),
        adult_guests: Some(0),
        child_guests: Some(0),
    }
}

#[tokio::test]
async fn an_offline_entry_sent_twice_or_concurrently_is_recorded_once() {
    for w in worlds().await {
        let db = w.db.name();
        let at = w.clock.now() - Duration::minutes(30);
        let offline_before = offline_count(&w.backend).await;
        let id = "6f1c2d3e-4b5a-4c6d-8e7f-102132435465";

        // The same report from two connections at once (a retry racing the original).
        let (b1, t1) = (w.backend.clone(), w.terminal.clone());
        let (b2, t2) = (w.backend.clone(), w.terminal.clone());
        let (first, second) = tokio::join!(
            async move { offline::report(&b1, &t1, vec![report_input(id, at)]).await },
            async move { offline::report(&b2, &t2, vec![report_input(id, at)]).await },
        );
        let first = first.expect("report");
        let second = second.expect("report");
        let mut statuses = vec![first[0].status, second[0].status];
        statuses.sort_by_key(|s| s.as_str());
        assert_eq!(
            statuses,
            vec![ReportStatus::Duplicate, ReportStatus::Recorded],
            "{db}"
        );
        assert_eq!(first[0].operation_id, second[0].operation_id, "{db}");

        // A later resend, in a batch with a new entry: the old one stays a duplicate.
        let other = "6f1c2d3e-4b5a-4c6d-8e7f-102132435466";
        let resend = offline::report(
            &w.backend,
            &w.terminal,
            vec![
                report_input(id, at),
                report_input(other, at + Duration::minutes(1)),
            ],
        )
        .await
        .expect("report");
        assert_eq!(resend[0].status, ReportStatus::Duplicate, "{db}");
        assert_eq!(resend[0].operation_id, first[0].operation_id, "{db}");
        assert_eq!(resend[1].status, ReportStatus::Recorded, "{db}");

        assert_eq!(
            offline_count(&w.backend).await,
            offline_before + 2,
            "{db}: two entries, each stored once"
        );
        w.db.cleanup().await;
    }
}
