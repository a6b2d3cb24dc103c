//! Terms & Conditions: the list of documents and (Admin, User) the upload form. A plain
//! multipart form, so it works before WASM loads; errors come back in the URL.

use super::common::fmt_ms;
use super::locations::{can, form_field};
use crate::api::terms::list_documents;
use access_core::model::{
    kind_label, AppError, Capability, DocumentMeta, DocumentView, DOCUMENT_KINDS,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn human_size(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{:.1} kB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

#[component]
pub fn TermsPage() -> impl IntoView {
    let docs = Resource::new(|| (), |_| list_documents());
    let manage = can(Capability::TermsManage);
    let q = use_query_map();
    let client = RwSignal::new(None::<AppError>);
    // The server's answer (in the URL after a no-WASM post) or the browser's own check.
    let error_for = move |field: &'static str| {
        move || {
            let from_client = client.with(|e| {
                e.as_ref().and_then(|e| {
                    access_core::model::error::error_for(e.field_errors(), field).map(str::to_owned)
                })
            });
            let from_url = q.with(|q| {
                (q.get("error_field").as_deref() == Some(field))
                    .then(|| q.get("error"))
                    .flatten()
            });
            from_client
                .or(from_url)
                .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
        }
    };
    let form_level = move || {
        q.with(|q| {
            (q.get("error_field").as_deref() == Some("form"))
                .then(|| q.get("error"))
                .flatten()
                .map(|m| view! { <p class="form-error" role="alert">{m}</p> })
        })
    };
    let uploaded = move || {
        q.with(|q| q.get("uploaded")).map(|_| {
            view! { <p class="notice" role="status">"Document uploaded; it is now listed below."</p> }
        })
    };
    let check = move |ev: leptos::ev::SubmitEvent| {
        let meta = DocumentMeta {
            kind: form_field(&ev, "kind").unwrap_or_default(),
            effective_date: form_field(&ev, "effective_date").unwrap_or_default(),
            // The file itself is checked by the browser (`required`) and by the server.
            file_name: "file".into(),
            content_type: None,
        };
        let errors = meta.validate(None);
        if errors.is_empty() {
            client.set(None);
        } else {
            ev.prevent_default();
            client.set(Some(AppError::Validation(errors)));
        }
    };
    view! {
        <Title text="Terms & Conditions · Access Control"/>
        <h1>"Terms & Conditions"</h1>
        <p class="muted">
            "The Terms and Conditions and the Privacy Policy for the use of this portal. Documents cannot be edited or deleted; "
            "a new file for the same date replaces that date's version. Issuers, service providers and the call center must accept the current versions."
        </p>
        {uploaded}
        {move || manage.get().then(|| view! {
            <h2>"Upload a document"</h2>
            <form class="form" method="post" action="/api/panel/terms" enctype="multipart/form-data"
                on:submit=check novalidate>
                {form_level}
                <label for="kind">"Document"</label>
                <select id="kind" name="kind">
                    {DOCUMENT_KINDS
                        .into_iter()
                        .map(|(k, l)| view! { <option value=k>{l}</option> })
                        .collect_view()}
                </select>
                {error_for("kind")}
                <label for="effective_date">"Effective date"</label>
                <input id="effective_date" name="effective_date" type="date" placeholder="YYYY-MM-DD"/>
                {error_for("effective_date")}
                <label for="file">"File (PDF, HTML or text, up to 5 MB)"</label>
                <input id="file" name="file" type="file" accept=".pdf,.html,.htm,.txt,.md"/>
                {error_for("file")}
                <div class="actions">
                    <button type="submit" class="primary">"Upload"</button>
                </div>
            </form>
        })}
        <h2>"Documents"</h2>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match docs.await {
                    Ok(docs) if docs.is_empty() => view! { <p class="muted">"No documents yet."</p> }.into_any(),
                    Ok(docs) => view! {
                        <table class="grid" id="documents">
                            <thead><tr><th>"Document"</th><th>"Effective date"</th><th>"File"</th><th>"Size"</th><th>"Uploaded by"</th><th>"Uploaded"</th><th></th></tr></thead>
                            <tbody>{docs.into_iter().map(doc_row).collect_view()}</tbody>
                        </table>
                    }
                        .into_any(),
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Transition>
    }
}

fn doc_row(d: DocumentView) -> impl IntoView {
    view! {
        <tr>
            <td>{kind_label(&d.kind)}</td>
            <td>{d.effective_date}</td>
            <td><a href=format!("/api/panel/terms/{}/content", d.id) target="_blank" rel="noopener">{d.file_name}</a></td>
            <td>{human_size(d.size)}</td>
            <td>{d.uploaded_by}</td>
            <td>{fmt_ms(d.uploaded_at)}</td>
            <td>{d.current.then(|| view! { <span class="badge">"current"</span> })}</td>
        </tr>
    }
}
