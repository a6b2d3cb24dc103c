use super::super::entity::sessions;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    token_hash: String,
    user_id: &str,
    kind: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), DbErr> {
    sessions::ActiveModel {
        token_hash: Set(token_hash),
        user_id: Set(user_id.to_owned()),
        kind: Set(kind.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        last_seen_at: Set(now),
    }
    .insert(db)
    .await
    .map(|_| ())
}

pub async fn find<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> Result<Option<sessions::Model>, DbErr> {
    sessions::Entity::find_by_id(token_hash.to_owned())
        .one(db)
        .await
}

pub async fn touch<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), DbErr> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::LastSeenAt, now.into())
        .col_expr(sessions::Column::ExpiresAt, expires_at.into())
        .filter(sessions::Column::TokenHash.eq(token_hash))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn delete<C: ConnectionTrait>(db: &C, token_hash: &str) -> Result<(), DbErr> {
    sessions::Entity::delete_by_id(token_hash.to_owned())
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn delete_for_user<C: ConnectionTrait>(db: &C, user_id: &str) -> Result<(), DbErr> {
    sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .exec(db)
        .await
        .map(|_| ())
}

/// End every session of the user but one (the one changing its own password).
pub async fn delete_for_user_except<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    keep_hash: &str,
) -> Result<(), DbErr> {
    sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::TokenHash.ne(keep_hash))
        .exec(db)
        .await
        .map(|_| ())
}

/// End every session of every user of an organisation (it was deactivated).
pub async fn delete_for_tenant<C: ConnectionTrait>(db: &C, tenant_id: &str) -> Result<u64, DbErr> {
    use super::super::entity::users;
    use sea_orm::sea_query::Query;
    Ok(sessions::Entity::delete_many()
        .filter(
            sessions::Column::UserId.in_subquery(
                Query::select()
                    .column(users::Column::Id)
                    .from(users::Entity)
                    .and_where(users::Column::TenantId.eq(tenant_id))
                    .to_owned(),
            ),
        )
        .exec(db)
        .await?
        .rows_affected)
}

pub async fn delete_expired<C: ConnectionTrait>(db: &C, now: i64) -> Result<u64, DbErr> {
    Ok(sessions::Entity::delete_many()
        .filter(sessions::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected)
}

/// Sessions of `kind` created before `cutoff` (past their absolute lifetime).
pub async fn delete_older_than<C: ConnectionTrait>(
    db: &C,
    cutoff: i64,
    kind: &str,
) -> Result<u64, DbErr> {
    Ok(sessions::Entity::delete_many()
        .filter(sessions::Column::Kind.eq(kind))
        .filter(sessions::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}
