//! Failure counters in the database, so every app server behind the balancer sees them.

use super::super::entity::auth_throttle;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

/// Seconds until `key` may try again, if it is locked now.
pub async fn locked_for<C: ConnectionTrait>(
    db: &C,
    key: &str,
    now: i64,
) -> Result<Option<u64>, DbErr> {
    Ok(auth_throttle::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .and_then(|row| row.locked_until)
        .filter(|until| *until > now)
        .map(|until| ((until - now) as u64).div_ceil(1000)))
}

/// Count one failure; lock the key once `max` failures fall within `window_ms`.
pub async fn record_failure<C: ConnectionTrait>(
    db: &C,
    key: &str,
    now: i64,
    max: i32,
    window_ms: i64,
    lock_ms: i64,
) -> Result<(), DbErr> {
    let existing = auth_throttle::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?;
    let (failures, window_start) = match &existing {
        Some(row) if now - row.window_start < window_ms => (row.failures + 1, row.window_start),
        _ => (1, now),
    };
    let locked_until = (failures >= max).then_some(now + lock_ms);
    let model = auth_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(failures),
        window_start: Set(window_start),
        locked_until: Set(locked_until),
    };
    if existing.is_some() {
        model.update(db).await?;
    } else if let Err(e) = model.insert(db).await {
        // Another server inserted the row first: count on top of theirs.
        tracing::debug!(error = %e, "throttle insert raced; retrying as update");
        auth_throttle::ActiveModel {
            key: Set(key.to_owned()),
            failures: Set(failures),
            window_start: Set(window_start),
            locked_until: Set(locked_until),
        }
        .update(db)
        .await?;
    }
    Ok(())
}

pub async fn clear<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), DbErr> {
    auth_throttle::Entity::delete_by_id(key.to_owned())
        .exec(db)
        .await
        .map(|_| ())
}
