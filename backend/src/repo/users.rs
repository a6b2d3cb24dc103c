use super::super::entity::{tenants, users};
use super::like_contains;
use access_core::model::{Role, UserFilter, UserView};
use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

fn ci_contains(col: users::Column, needle: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::expr(Func::lower(Expr::col(col)))
        .like(LikeExpr::new(like_contains(&needle.to_lowercase())).escape('\\'))
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &UserFilter,
    page: u64,
    page_size: u64,
) -> Result<(Vec<UserView>, u64), DbErr> {
    let mut q = users::Entity::find();
    for (col, val) in [
        (users::Column::FirstName, &filter.first_name),
        (users::Column::LastName, &filter.last_name),
        (users::Column::Email, &filter.email),
    ] {
        if let Some(v) = val.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            q = q.filter(ci_contains(col, v));
        }
    }
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_asc(users::Column::LastName)
        .order_by_asc(users::Column::FirstName)
        .order_by_asc(users::Column::Email)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .all(db)
        .await?;
    let names = tenant_names(db).await?;
    Ok((rows.into_iter().map(|u| view(u, &names)).collect(), total))
}

async fn tenant_names<C: ConnectionTrait>(db: &C) -> Result<HashMap<String, String>, DbErr> {
    Ok(tenants::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}

pub fn view(u: users::Model, tenant_names: &HashMap<String, String>) -> UserView {
    UserView {
        tenant_name: u
            .tenant_id
            .as_ref()
            .and_then(|t| tenant_names.get(t).cloned()),
        id: u.id,
        email: u.email,
        first_name: u.first_name,
        last_name: u.last_name,
        role: Role::parse(&u.role).unwrap_or(Role::CallCenter),
        tenant_id: u.tenant_id,
        created_at: u.created_at,
        disabled: u.disabled,
        must_change_password: u.must_change_password,
        last_sign_in_at: u.last_sign_in_at,
        locked_until: None,
    }
}

pub async fn get_view<C: ConnectionTrait>(db: &C, id: &str) -> Result<Option<UserView>, DbErr> {
    match users::Entity::find_by_id(id.to_owned()).one(db).await? {
        Some(u) => Ok(Some(view(u, &tenant_names(db).await?))),
        None => Ok(None),
    }
}

pub async fn find_by_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find()
        .filter(users::Column::Email.eq(email.to_lowercase()))
        .one(db)
        .await
}
