//! Where the MRS pull stands: one row per feed, shared by every app server.

use super::super::entity::mrs_sync_state;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

pub async fn get<C: ConnectionTrait>(
    db: &C,
    feed: &str,
) -> Result<Option<mrs_sync_state::Model>, DbErr> {
    mrs_sync_state::Entity::find_by_id(feed.to_owned())
        .one(db)
        .await
}

/// A page was applied: move the cursor, clear the last error.
pub async fn advance<C: ConnectionTrait>(
    db: &C,
    feed: &str,
    cursor: Option<String>,
    now: i64,
) -> Result<(), DbErr> {
    upsert(
        db,
        mrs_sync_state::ActiveModel {
            name: Set(feed.to_owned()),
            cursor: Set(cursor),
            last_success_at: Set(Some(now)),
            last_error: Set(None),
            updated_at: Set(now),
        },
        &[
            mrs_sync_state::Column::Cursor,
            mrs_sync_state::Column::LastSuccessAt,
            mrs_sync_state::Column::LastError,
            mrs_sync_state::Column::UpdatedAt,
        ],
    )
    .await
}

/// A pull failed: keep the cursor, record why (shown to operators; never card data).
pub async fn failed<C: ConnectionTrait>(
    db: &C,
    feed: &str,
    error: &str,
    now: i64,
) -> Result<(), DbErr> {
    upsert(
        db,
        mrs_sync_state::ActiveModel {
            name: Set(feed.to_owned()),
            cursor: Set(None),
            last_success_at: Set(None),
            last_error: Set(Some(error.to_owned())),
            updated_at: Set(now),
        },
        &[
            mrs_sync_state::Column::LastError,
            mrs_sync_state::Column::UpdatedAt,
        ],
    )
    .await
}

async fn upsert<C: ConnectionTrait>(
    db: &C,
    row: mrs_sync_state::ActiveModel,
    update: &[mrs_sync_state::Column],
) -> Result<(), DbErr> {
    mrs_sync_state::Entity::insert(row)
        .on_conflict(
            OnConflict::column(mrs_sync_state::Column::Name)
                .update_columns(update.iter().copied())
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
