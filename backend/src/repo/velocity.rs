//! Per-terminal velocity limit of `check_entry`: a fixed one-minute window counted in the
//! database (`terminal_velocity`), so every app server on one database shares it.
//!
//! One statement per check, atomic on SQLite and PostgreSQL alike:
//! `INSERT … ON CONFLICT (terminal_id) DO UPDATE SET count = CASE WHEN window_start = :w THEN
//! count + 1 ELSE 1 END, window_start = :w WHERE window_start <> :w OR count < :limit
//! RETURNING count` — a new window starts at 1; within the window the row is only bumped while
//! under the limit, so when the limit is reached no row comes back (refused) and the counter
//! never runs past it. Concurrent checks serialise on the row. One row per terminal, reused
//! window after window, so the table never grows beyond the fleet.

use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr, DeriveIden};

#[derive(DeriveIden)]
enum TerminalVelocity {
    Table,
    TerminalId,
    WindowStart,
    Count,
}

/// Length of a counting window.
pub const WINDOW_MS: i64 = 60_000;

/// The start of the window `now_ms` falls in.
pub fn window_of(now_ms: i64) -> i64 {
    now_ms.div_euclid(WINDOW_MS) * WINDOW_MS
}

/// Counts one check of `terminal_id` at `now_ms`; `Ok(true)` if it is within `limit` a window.
pub async fn admit<C: ConnectionTrait>(
    db: &C,
    terminal_id: &str,
    now_ms: i64,
    limit: u32,
) -> Result<bool, DbErr> {
    let window = window_of(now_ms);
    let same_window =
        Expr::col((TerminalVelocity::Table, TerminalVelocity::WindowStart)).eq(window);
    let stmt = Query::insert()
        .into_table(TerminalVelocity::Table)
        .columns([
            TerminalVelocity::TerminalId,
            TerminalVelocity::WindowStart,
            TerminalVelocity::Count,
        ])
        .values_panic([terminal_id.into(), window.into(), 1i32.into()])
        .on_conflict(
            OnConflict::column(TerminalVelocity::TerminalId)
                .value(
                    TerminalVelocity::Count,
                    Expr::case(
                        same_window.clone(),
                        Expr::col((TerminalVelocity::Table, TerminalVelocity::Count)).add(1),
                    )
                    .finally(1),
                )
                .value(TerminalVelocity::WindowStart, window)
                .action_and_where(
                    Expr::col((TerminalVelocity::Table, TerminalVelocity::WindowStart))
                        .ne(window)
                        .or(
                            Expr::col((TerminalVelocity::Table, TerminalVelocity::Count))
                                .lt(limit as i64),
                        ),
                )
                .to_owned(),
        )
        .returning_col(TerminalVelocity::Count)
        .to_owned();
    let backend = db.get_database_backend();
    Ok(db.query_one(backend.build(&stmt)).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::DbBackend;

    #[test]
    fn windows_are_whole_minutes() {
        assert_eq!(window_of(0), 0);
        assert_eq!(window_of(59_999), 0);
        assert_eq!(window_of(60_000), 60_000);
        assert_eq!(window_of(-1), -60_000);
    }

    #[test]
    fn upsert_renders_for_both_backends() {
        // The statement must be one conditional upsert with RETURNING on both databases.
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let stmt = Query::insert()
                .into_table(TerminalVelocity::Table)
                .columns([TerminalVelocity::TerminalId])
                .values_panic(["t".into()])
                .on_conflict(
                    OnConflict::column(TerminalVelocity::TerminalId)
                        .value(TerminalVelocity::Count, 1)
                        .action_and_where(Expr::col(TerminalVelocity::Count).lt(3))
                        .to_owned(),
                )
                .returning_col(TerminalVelocity::Count)
                .to_owned();
            let sql = backend.build(&stmt).to_string();
            assert!(sql.contains("ON CONFLICT"), "{sql}");
            assert!(sql.contains("WHERE"), "{sql}");
            assert!(sql.contains("RETURNING"), "{sql}");
        }
    }
}
