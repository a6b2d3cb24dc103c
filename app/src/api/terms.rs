//! Server functions of the Terms & Conditions screen and the consent screen. (The upload is a
//! plain multipart form posted to `/api/panel/terms`, see the server's `http/admin/terms.rs`.)

use access_core::model::{AppError, DocumentView};
#[cfg(feature = "ssr")]
use backend::service::terms;
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "terms/list")]
pub async fn list_documents() -> Result<Vec<DocumentView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(terms::list(&b, &p).await?)
}

#[server(prefix = "/api/fn", endpoint = "terms/pending")]
pub async fn pending_documents() -> Result<Vec<DocumentView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(terms::pending(&b, &p).await?)
}

/// The two checkboxes of the consent screen carry the ids of the documents they accept.
#[server(prefix = "/api/fn", endpoint = "terms/accept")]
pub async fn accept_documents(
    accept_terms: Option<String>,
    accept_privacy: Option<String>,
) -> Result<(), AppError> {
    let (b, p) = super::ctx::principal().await?;
    let ids: Vec<String> = [accept_terms, accept_privacy]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    terms::accept(&b, &p, &ids).await?;
    leptos_axum::redirect("/");
    Ok(())
}
