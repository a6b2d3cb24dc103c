//! Terms & Conditions: upload (a new file for the same kind and date replaces that version),
//! list, download; no edit or delete. Consent: the current version of each kind must be accepted
//! by the roles that need it before anything else.

use super::super::entity::{consents, documents};
use super::super::error::{ServiceError, ServiceResult};
use super::super::{audit, Backend, Principal};
use super::auth;
use access_core::model::{Capability, DocumentMeta, DocumentView, FieldError, DOCUMENT_KINDS};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

fn view(d: &documents::Model, current: &HashSet<String>) -> DocumentView {
    DocumentView {
        id: d.id.clone(),
        kind: d.kind.clone(),
        effective_date: d.effective_date.clone(),
        file_name: d.file_name.clone(),
        content_type: d.content_type.clone(),
        size: d.content.len() as u64,
        sha256: d.sha256.clone(),
        uploaded_by: d.uploaded_by.clone(),
        uploaded_at: d.uploaded_at,
        current: current.contains(&d.id),
    }
}

fn today(b: &Backend) -> String {
    b.clock.now().format("%Y-%m-%d").to_string()
}

/// Every document, newest effective date first, marking the ones in force today.
pub async fn list(b: &Backend, p: &Principal) -> ServiceResult<Vec<DocumentView>> {
    p.require(Capability::TermsView)?;
    let docs = documents::Entity::find()
        .select_only()
        .columns([
            documents::Column::Id,
            documents::Column::Kind,
            documents::Column::EffectiveDate,
            documents::Column::FileName,
            documents::Column::ContentType,
            documents::Column::Sha256,
            documents::Column::UploadedBy,
            documents::Column::UploadedAt,
        ])
        .order_by_desc(documents::Column::EffectiveDate)
        .order_by_asc(documents::Column::Kind)
        .into_tuple::<(String, String, String, String, String, String, String, i64)>()
        .all(&b.db)
        .await?;
    let sizes = sizes(b).await?;
    let today = today(b);
    let mut current = HashSet::new();
    for (kind, _) in DOCUMENT_KINDS {
        // Sorted newest first: the first of a kind not in the future is in force.
        if let Some(d) = docs
            .iter()
            .find(|d| d.1 == kind && d.2.as_str() <= today.as_str())
        {
            current.insert(d.0.clone());
        }
    }
    Ok(docs
        .into_iter()
        .map(|(id, kind, date, name, ct, sha, by, at)| DocumentView {
            size: sizes.iter().find(|s| s.0 == id).map_or(0, |s| s.1),
            current: current.contains(&id),
            id,
            kind,
            effective_date: date,
            file_name: name,
            content_type: ct,
            sha256: sha,
            uploaded_by: by,
            uploaded_at: at,
        })
        .collect())
}

/// Sizes without loading every document's bytes into the list.
async fn sizes(b: &Backend) -> ServiceResult<Vec<(String, u64)>> {
    use sea_orm::sea_query::{Expr, Func};
    let rows: Vec<(String, i64)> = documents::Entity::find()
        .select_only()
        .column(documents::Column::Id)
        .column_as(
            Expr::expr(
                Func::cust(sea_orm::sea_query::Alias::new("LENGTH"))
                    .arg(Expr::col(documents::Column::Content)),
            )
            .cast_as(sea_orm::sea_query::Alias::new("BIGINT")),
            "len",
        )
        .into_tuple()
        .all(&b.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, n.max(0) as u64))
        .collect())
}

/// Store a document. A file for a kind and date that already has one replaces it (a new id, so
/// users who accepted the replaced file are asked again).
pub async fn upload(
    b: &Backend,
    p: &Principal,
    meta: &DocumentMeta,
    content: Vec<u8>,
) -> ServiceResult<DocumentView> {
    p.require(Capability::TermsManage)?;
    let errors = meta.validate(Some(content.len()));
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let kind = meta.kind.trim().to_owned();
    let date = chrono::NaiveDate::parse_from_str(meta.effective_date.trim(), "%Y-%m-%d")
        .map_err(|_| ServiceError::field("effective_date", "Enter the date as YYYY-MM-DD."))?
        .format("%Y-%m-%d")
        .to_string();
    let content_type = meta
        .content_type
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty() && c.len() <= 100 && !c.contains(['\r', '\n']))
        .unwrap_or(guess_type(&meta.file_name))
        .to_owned();
    let now = b.now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    let sha = hex::encode(Sha256::digest(&content));
    let txn = b.db.begin().await?;
    let replaced = documents::Entity::find()
        .filter(documents::Column::Kind.eq(kind.clone()))
        .filter(documents::Column::EffectiveDate.eq(date.clone()))
        .select_only()
        .column(documents::Column::Id)
        .into_tuple::<String>()
        .all(&txn)
        .await?;
    if !replaced.is_empty() {
        consents::Entity::delete_many()
            .filter(consents::Column::DocumentId.is_in(replaced.clone()))
            .exec(&txn)
            .await?;
        documents::Entity::delete_many()
            .filter(documents::Column::Id.is_in(replaced.clone()))
            .exec(&txn)
            .await?;
    }
    let doc = documents::ActiveModel {
        id: Set(id.clone()),
        kind: Set(kind),
        effective_date: Set(date),
        file_name: Set(meta.file_name.trim().to_owned()),
        content_type: Set(content_type),
        content: Set(content),
        sha256: Set(sha),
        uploaded_by: Set(p.email.clone()),
        uploaded_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    let action = if replaced.is_empty() {
        "terms.upload"
    } else {
        "terms.replace"
    };
    record(b, p, action, &id).await;
    let listed = list(b, p).await?;
    Ok(listed
        .into_iter()
        .find(|d| d.id == id)
        .unwrap_or_else(|| view(&doc, &HashSet::new())))
}

fn guess_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".pdf") {
        "application/pdf"
    } else if lower.ends_with(".html") || lower.ends_with(".htm") {
        "text/html"
    } else if lower.ends_with(".md") || lower.ends_with(".txt") {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

/// A document's file: (file name, content type, bytes). Readable by everyone signed in, also
/// while consent is pending (they must be able to read what they accept).
pub async fn content(
    b: &Backend,
    p: &Principal,
    id: &str,
) -> ServiceResult<(String, String, Vec<u8>)> {
    p.require(Capability::TermsView)?;
    let d = documents::Entity::find_by_id(id.to_owned())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((d.file_name, d.content_type, d.content))
}

/// The current documents the caller has not accepted yet.
pub async fn pending(b: &Backend, p: &Principal) -> ServiceResult<Vec<DocumentView>> {
    p.require(Capability::TermsView)?;
    let docs = auth::pending_documents(b, &p.user_id).await?;
    let current: HashSet<String> = docs.iter().map(|d| d.id.clone()).collect();
    Ok(docs.iter().map(|d| view(d, &current)).collect())
}

/// Accept documents. Every pending current document must be among `document_ids` (both the
/// T&C and the Privacy Policy); a missing one is named by its kind (`TERMS`/`PRIVACY`).
pub async fn accept(b: &Backend, p: &Principal, document_ids: &[String]) -> ServiceResult<()> {
    p.require(Capability::TermsView)?;
    let pending = auth::pending_documents(b, &p.user_id).await?;
    let given: HashSet<&str> = document_ids.iter().map(String::as_str).collect();
    let missing: Vec<FieldError> = pending
        .iter()
        .filter(|d| !given.contains(d.id.as_str()))
        .map(|d| {
            FieldError::new(
                d.kind.clone(),
                format!(
                    "Accept the {} to continue.",
                    access_core::model::kind_label(&d.kind)
                ),
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(ServiceError::Validation(missing));
    }
    let now = b.now_ms();
    for d in &pending {
        consents::ActiveModel {
            user_id: Set(p.user_id.clone()),
            document_id: Set(d.id.clone()),
            accepted_at: Set(now),
        }
        .insert(&b.db)
        .await?;
        record(b, p, "terms.accept", &d.id).await;
    }
    Ok(())
}

async fn record(b: &Backend, p: &Principal, action: &str, id: &str) {
    audit::record(
        &b.db,
        b.now_ms(),
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action,
            target_type: Some("document"),
            target_id: Some(id),
            outcome: "success",
            detail: None,
            client_addr: None,
        },
    )
    .await;
}
