//! Attempt counters in the database (`auth_throttle`), so every app server behind the balancer
//! sees them. An attempt is *reserved* before the password or code is checked, with one
//! conditional upsert: parallel guesses cannot multiply the allowance (the database admits at
//! most `max` of them per window, whatever the interleaving).

use super::super::entity::auth_throttle;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Statement, Value,
};

/// Limits of one counter.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Attempts admitted per window (and failures before a lock).
    pub max: i32,
    pub window_ms: i64,
    /// `Some`: reaching `max` failures locks the key this long (an account). `None`: the key
    /// only waits for its window to end (a client address: soft).
    pub lock_ms: Option<i64>,
}

/// Why an attempt was not admitted: seconds to wait, and whether the key is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after_secs: u64,
    pub locked: bool,
}

/// `?` placeholders as the backend wants them (`$1, $2, …` on PostgreSQL).
fn placeholders(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// Reserve one attempt for `key` at `now`: admitted (the counter went up by one) or refused
/// (locked, or `max` attempts already in this window). One statement, atomic on SQLite and
/// PostgreSQL: `INSERT … ON CONFLICT DO UPDATE … WHERE <allowance left>`.
pub async fn reserve<C: ConnectionTrait>(
    db: &C,
    key: &str,
    now: i64,
    limit: Limit,
) -> Result<Result<(), Refused>, DbErr> {
    let stale = now - limit.window_ms;
    // A window that ended, or a lock that expired, starts afresh at 1.
    let fresh = "(auth_throttle.window_start <= ? OR auth_throttle.locked_until <= ?)";
    let sql = format!(
        "INSERT INTO auth_throttle (\"key\", failures, window_start, locked_until) \
         VALUES (?, 1, ?, NULL) \
         ON CONFLICT (\"key\") DO UPDATE SET \
           failures = CASE WHEN {fresh} THEN 1 ELSE auth_throttle.failures + 1 END, \
           window_start = CASE WHEN {fresh} THEN ? ELSE auth_throttle.window_start END, \
           locked_until = CASE WHEN auth_throttle.locked_until <= ? THEN NULL \
                          ELSE auth_throttle.locked_until END \
         WHERE (auth_throttle.locked_until IS NULL OR auth_throttle.locked_until <= ?) \
           AND (auth_throttle.failures < ? OR auth_throttle.window_start <= ?)"
    );
    let values: Vec<Value> = vec![
        key.into(),
        now.into(),
        stale.into(),
        now.into(),
        stale.into(),
        now.into(),
        now.into(),
        now.into(),
        now.into(),
        limit.max.into(),
        stale.into(),
    ];
    let backend = db.get_database_backend();
    let res = db
        .execute(Statement::from_sql_and_values(
            backend,
            placeholders(backend, &sql),
            values,
        ))
        .await?;
    if res.rows_affected() == 1 {
        return Ok(Ok(()));
    }
    let row = auth_throttle::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?;
    let refused = match row {
        Some(r) => match r.locked_until.filter(|u| *u > now) {
            Some(until) => Refused {
                retry_after_secs: secs(until - now),
                locked: true,
            },
            None => Refused {
                retry_after_secs: secs(r.window_start + limit.window_ms - now),
                locked: false,
            },
        },
        None => Refused {
            retry_after_secs: 1,
            locked: false,
        },
    };
    Ok(Err(refused))
}

fn secs(ms: i64) -> u64 {
    (ms.max(1000) as u64).div_ceil(1000)
}

/// The reserved attempt failed: lock the key if it has reached its limit and locks.
pub async fn failed<C: ConnectionTrait>(
    db: &C,
    key: &str,
    now: i64,
    limit: Limit,
) -> Result<(), DbErr> {
    let Some(lock_ms) = limit.lock_ms else {
        return Ok(());
    };
    auth_throttle::Entity::update_many()
        .col_expr(
            auth_throttle::Column::LockedUntil,
            Expr::value(now + lock_ms),
        )
        .filter(auth_throttle::Column::Key.eq(key))
        .filter(auth_throttle::Column::Failures.gte(limit.max))
        .filter(auth_throttle::Column::LockedUntil.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The reserved attempt succeeded: give it back (a client address signing in correctly
/// should not use up its allowance).
pub async fn refund<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), DbErr> {
    auth_throttle::Entity::update_many()
        .col_expr(
            auth_throttle::Column::Failures,
            Expr::col(auth_throttle::Column::Failures).sub(1),
        )
        .filter(auth_throttle::Column::Key.eq(key))
        .filter(auth_throttle::Column::Failures.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Forget a key (a successful sign-in of the account; an admin's unlock).
pub async fn clear<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), DbErr> {
    auth_throttle::Entity::delete_by_id(key.to_owned())
        .exec(db)
        .await
        .map(|_| ())
}

/// Until when `key` is locked, if it is locked at `now`.
pub async fn locked_until<C: ConnectionTrait>(
    db: &C,
    key: &str,
    now: i64,
) -> Result<Option<i64>, DbErr> {
    Ok(auth_throttle::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .and_then(|r| r.locked_until)
        .filter(|u| *u > now))
}

/// Drop rows that no longer hold anything back: window over and no lock in force. Run by the
/// background sweeper. `window_ms`: the longest window of any counter.
pub async fn purge_stale<C: ConnectionTrait>(
    db: &C,
    now: i64,
    window_ms: i64,
) -> Result<u64, DbErr> {
    use sea_orm::sea_query::Condition;
    Ok(auth_throttle::Entity::delete_many()
        .filter(auth_throttle::Column::WindowStart.lte(now - window_ms))
        .filter(
            Condition::any()
                .add(auth_throttle::Column::LockedUntil.is_null())
                .add(auth_throttle::Column::LockedUntil.lte(now)),
        )
        .exec(db)
        .await?
        .rows_affected)
}
