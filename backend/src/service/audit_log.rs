//! The audit log, read by Admin only (the "Audit log" screen and
//! `GET /api/v1/admin/audit-log`): newest first, filtered by actor, action and days, paged.

use super::super::entity::{audit_log, users};
use super::super::error::ServiceResult;
use super::super::repo::like_contains;
use super::super::{Backend, Principal};
use access_core::model::{
    day_start_ms, paging, AuditEntryView, AuditFilter, Capability, FieldError, Page,
};
use sea_orm::sea_query::{Expr, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

const DAY_MS: i64 = 86_400_000;

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

pub async fn list(
    b: &Backend,
    p: &Principal,
    filter: &AuditFilter,
) -> ServiceResult<Page<AuditEntryView>> {
    p.require(Capability::AuditView)?;
    let mut errors = Vec::new();
    let mut day = |field: &str, v: &Option<String>| match nonempty(v) {
        None => None,
        Some(d) => {
            let ms = day_start_ms(d);
            if ms.is_none() {
                errors.push(FieldError::new(field, "A day as YYYY-MM-DD."));
            }
            ms
        }
    };
    let from = day("from", &filter.from);
    let until = day("until", &filter.until);
    if !errors.is_empty() {
        return Err(super::super::ServiceError::Validation(errors));
    }
    let (page, page_size) = paging(filter.page, filter.page_size);

    let mut cond = Condition::all();
    if let Some(ms) = from {
        cond = cond.add(audit_log::Column::At.gte(ms));
    }
    if let Some(ms) = until {
        cond = cond.add(audit_log::Column::At.lt(ms.saturating_add(DAY_MS)));
    }
    if let Some(a) = nonempty(&filter.action) {
        cond = cond.add(if a.ends_with('.') {
            // `%escaped%` → `escaped%`: a prefix match.
            let esc = like_contains(a);
            let prefix = format!("{}%", &esc[1..esc.len() - 1]);
            Expr::col(audit_log::Column::Action).like(LikeExpr::new(prefix).escape('\\'))
        } else {
            audit_log::Column::Action.eq(a)
        });
    }
    if let Some(actor) = nonempty(&filter.actor) {
        let ids: Vec<String> = users::Entity::find()
            .filter(
                Expr::expr(Func::lower(Expr::col(users::Column::Email)))
                    .like(LikeExpr::new(like_contains(&actor.to_lowercase())).escape('\\')),
            )
            .select_only()
            .column(users::Column::Id)
            .limit(1000)
            .into_tuple::<String>()
            .all(&b.db)
            .await?;
        cond = cond.add(
            Condition::any()
                .add(audit_log::Column::ActorId.eq(actor))
                .add(audit_log::Column::ActorId.is_in(ids)),
        );
    }
    let q = audit_log::Entity::find().filter(cond);
    let total = q.clone().count(&b.db).await?;
    let rows = q
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .offset(page.saturating_sub(1).saturating_mul(page_size))
        .limit(page_size)
        .all(&b.db)
        .await?;
    let user_ids: Vec<String> = rows
        .iter()
        .filter(|r| r.actor_kind == "USER")
        .filter_map(|r| r.actor_id.clone())
        .collect();
    let emails: HashMap<String, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Email)
        .into_tuple::<(String, String)>()
        .all(&b.db)
        .await?
        .into_iter()
        .collect();
    let items = rows
        .into_iter()
        .map(|r| AuditEntryView {
            actor_email: r
                .actor_id
                .as_ref()
                .filter(|_| r.actor_kind == "USER")
                .and_then(|id| emails.get(id).cloned()),
            id: r.id,
            at: r.at,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            outcome: r.outcome,
            detail: r.detail_json,
            client_addr: r.client_addr,
        })
        .collect();
    Ok(Page {
        items,
        page,
        page_size,
        total,
    })
}
