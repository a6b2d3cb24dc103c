//! Enrolled-card queries (Admin panel II): the filtered list and keyset pages for the export.

use super::super::entity::enrolled_cards::{self, Column as C};
use super::super::entity::{enrolment_events, tenant_icas, tenants};
use access_core::model::{day_start_ms, CardFilter};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Statement, Value,
};
use std::collections::HashMap;

/// `icas`: `None` = every card, `Some` = only these ICAs (an issuer).
pub fn condition(f: &CardFilter, icas: Option<&[String]>) -> Condition {
    let mut c = Condition::all();
    if let Some(icas) = icas {
        c = c.add(C::Ica.is_in(icas.to_vec()));
    }
    let n = |v: &Option<String>| {
        v.as_ref()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    if let Some(v) = n(&f.bin) {
        c = c.add(C::Bin.eq(v));
    }
    if let Some(v) = n(&f.last4) {
        c = c.add(C::Last4.eq(v));
    }
    if let Some(v) = n(&f.aref) {
        c = c.add(C::Aref.eq(v));
    }
    if let Some(v) = n(&f.product) {
        c = c.add(C::ProductCode.eq(v.to_uppercase()));
    }
    if let Some(v) = n(&f.ica) {
        c = c.add(C::Ica.eq(v));
    }
    if let Some(ms) = n(&f.created_from).as_deref().and_then(day_start_ms) {
        c = c.add(C::EnrolledAt.gte(ms));
    }
    if let Some(ms) = n(&f.created_until).as_deref().and_then(day_start_ms) {
        c = c.add(C::EnrolledAt.lt(ms + 86_400_000));
    }
    c
}

fn select(f: &CardFilter, icas: Option<&[String]>) -> Select<enrolled_cards::Entity> {
    enrolled_cards::Entity::find().filter(condition(f, icas))
}

pub async fn list<D: ConnectionTrait>(
    db: &D,
    f: &CardFilter,
    icas: Option<&[String]>,
    page: u64,
    page_size: u64,
) -> Result<(Vec<enrolled_cards::Model>, u64), DbErr> {
    let total = select(f, icas).count(db).await?;
    let items = select(f, icas)
        .order_by_desc(C::EnrolledAt)
        .order_by_desc(C::Id)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .all(db)
        .await?;
    Ok((items, total))
}

/// The next keyset page after `after` (enrolled_at, id), oldest first.
pub async fn page_after<D: ConnectionTrait>(
    db: &D,
    f: &CardFilter,
    icas: Option<&[String]>,
    after: Option<(i64, String)>,
    limit: u64,
) -> Result<Vec<enrolled_cards::Model>, DbErr> {
    let mut q = select(f, icas);
    if let Some((at, id)) = after {
        // Redundant bound: lets the planner start the range scan at the page boundary.
        q = q.filter(C::EnrolledAt.gte(at)).filter(
            Condition::any()
                .add(C::EnrolledAt.gt(at))
                .add(Condition::all().add(C::EnrolledAt.eq(at)).add(C::Id.gt(id))),
        );
    }
    q.order_by_asc(C::EnrolledAt)
        .order_by_asc(C::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn get<D: ConnectionTrait>(
    db: &D,
    id: &str,
) -> Result<Option<enrolled_cards::Model>, DbErr> {
    enrolled_cards::Entity::find_by_id(id.to_owned())
        .one(db)
        .await
}

/// ICA → issuer (tenant) name.
pub async fn issuer_names<D: ConnectionTrait>(db: &D) -> Result<HashMap<String, String>, DbErr> {
    let names: HashMap<String, String> = tenants::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(tenant_icas::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| names.get(&r.tenant_id).map(|n| (r.ica, n.clone())))
        .collect())
}

/// Whether the card (by PAN hash) is enrolled now (and not unenrolled).
pub async fn is_enrolled<D: ConnectionTrait>(db: &D, pan_hash: &str) -> Result<bool, DbErr> {
    Ok(enrolled_cards::Entity::find()
        .filter(C::PanHash.eq(pan_hash))
        .filter(C::Status.eq(enrolled_cards::ENROLLED))
        .count(db)
        .await?
        > 0)
}

/// Keys per `IN (...)` list: few round trips, well under every database's bind limit.
const IN_CHUNK: usize = 2_000;

/// The stored enrolments among these AREFs. Give them sorted: the index is then read in order.
pub async fn by_arefs<D: ConnectionTrait>(
    db: &D,
    arefs: &[&str],
) -> Result<Vec<enrolled_cards::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in arefs.chunks(IN_CHUNK) {
        out.extend(
            enrolled_cards::Entity::find()
                .filter(C::Aref.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// (PAN hash, AREF) of the stored enrolments among these PAN hashes (give them sorted).
pub async fn arefs_of_pan_hashes<D: ConnectionTrait>(
    db: &D,
    pan_hashes: &[&str],
) -> Result<Vec<(String, String)>, DbErr> {
    let mut out = Vec::new();
    for chunk in pan_hashes.chunks(IN_CHUNK) {
        let rows: Vec<(String, String)> = enrolled_cards::Entity::find()
            .select_only()
            .column(C::PanHash)
            .column(C::Aref)
            .filter(C::PanHash.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Bound values of one multi-row INSERT at most: under SQLite's 32,766 and PostgreSQL's
/// 65,535.
const MAX_BINDS: usize = 28_000;

/// `INSERT INTO table (cols) VALUES (...), (...)` for `rows` rows, with the backend's
/// placeholders. Built by hand: the ORM's per-value statement building cost more than the
/// database's insert itself for 100,000-row imports.
fn insert_sql(backend: DbBackend, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = String::with_capacity(64 + rows * columns.len() * 7);
    sql.push_str("INSERT INTO ");
    sql.push_str(table);
    sql.push_str(" (");
    sql.push_str(&columns.join(", "));
    sql.push_str(") VALUES ");
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push(',');
            }
            n += 1;
            match backend {
                DbBackend::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

/// Insert rows in multi-row statements of as many rows as the bind limit allows.
async fn insert_rows<D: ConnectionTrait, R>(
    db: &D,
    table: &str,
    columns: &[&str],
    rows: Vec<R>,
    values: impl Fn(R, &mut Vec<Value>),
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let per = (MAX_BINDS / columns.len()).max(1);
    let mut full_sql: Option<String> = None;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut binds = Vec::with_capacity(per * columns.len());
        let mut n = 0;
        for r in rows.by_ref().take(per) {
            values(r, &mut binds);
            n += 1;
        }
        let sql = if n == per {
            full_sql
                .get_or_insert_with(|| insert_sql(backend, table, columns, per))
                .clone()
        } else {
            insert_sql(backend, table, columns, n)
        };
        db.execute(Statement::from_sql_and_values(backend, sql, binds))
            .await?;
    }
    Ok(())
}

/// Insert new enrolments (a unique index fails the statement on a stored AREF or card).
/// Give them sorted by PAN hash with time-ordered ids: every index is then written in order.
pub async fn insert_many<D: ConnectionTrait>(
    db: &D,
    rows: Vec<enrolled_cards::Model>,
) -> Result<(), DbErr> {
    insert_rows(
        db,
        "enrolled_cards",
        &[
            "id",
            "pan_hash",
            "whitelist_hash",
            "masked_pan",
            "bin",
            "last4",
            "aref",
            "ica",
            "product_code",
            "enrolled_at",
            "created_at",
            "status",
            "unenrolled_at",
            "updated_at",
        ],
        rows,
        |r, v| {
            v.extend([
                r.id.into(),
                r.pan_hash.into(),
                r.whitelist_hash.into(),
                r.masked_pan.into(),
                r.bin.into(),
                r.last4.into(),
                r.aref.into(),
                r.ica.into(),
                r.product_code.into(),
                r.enrolled_at.into(),
                r.created_at.into(),
                r.status.into(),
                r.unenrolled_at.into(),
                r.updated_at.into(),
            ])
        },
    )
    .await
}

/// Append enrolment history events in multi-row statements.
pub async fn insert_events<D: ConnectionTrait>(
    db: &D,
    rows: Vec<enrolment_events::Model>,
) -> Result<(), DbErr> {
    insert_rows(
        db,
        "enrolment_events",
        &[
            "id",
            "card_id",
            "kind",
            "effective_at",
            "recorded_at",
            "source",
            "actor",
        ],
        rows,
        |r, v| {
            v.extend([
                r.id.into(),
                r.card_id.into(),
                r.kind.into(),
                r.effective_at.into(),
                r.recorded_at.into(),
                r.source.into(),
                r.actor.into(),
            ])
        },
    )
    .await
}

/// The card's enrolment history, newest first.
pub async fn events<D: ConnectionTrait>(
    db: &D,
    card_id: &str,
) -> Result<Vec<enrolment_events::Model>, DbErr> {
    enrolment_events::Entity::find()
        .filter(enrolment_events::Column::CardId.eq(card_id))
        .order_by_desc(enrolment_events::Column::RecordedAt)
        .order_by_desc(enrolment_events::Column::EffectiveAt)
        .all(db)
        .await
}
