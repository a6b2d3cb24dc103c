//! The mandatory consent screen: Issuer, Service Provider and Call Center land here (the server
//! redirects every page) until they tick both boxes for the current documents.

use super::common::{action_error, field_error, form_error};
use super::locations::form_field;
use crate::api::terms::{pending_documents, AcceptDocuments};
use access_core::model::{kind_label, AppError, FieldError};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ConsentPage() -> impl IntoView {
    let pending = Resource::new(|| (), |_| pending_documents());
    let accept = ServerAction::<AcceptDocuments>::new();
    let client = RwSignal::new(None::<AppError>);
    let server = action_error(accept.value());
    let result = Signal::derive(move || client.get().or_else(|| server.get()));
    view! {
        <Title text="Consent · Access Control"/>
        <h1>"Before you continue"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match pending.await {
                    Ok(docs) if docs.is_empty() => view! {
                        <p>"You have accepted the current documents."</p>
                        <p><a href="/">"Continue to the dashboard"</a></p>
                    }
                        .into_any(),
                    Ok(docs) => {
                        let kinds: Vec<String> = docs.iter().map(|d| d.kind.clone()).collect();
                        let check = move |ev: leptos::ev::SubmitEvent| {
                            let errors: Vec<FieldError> = kinds
                                .iter()
                                .filter(|k| {
                                    let name = if k.as_str() == "TERMS" { "accept_terms" } else { "accept_privacy" };
                                    form_field(&ev, name).is_none_or(|v| v.is_empty())
                                })
                                .map(|k| FieldError::new(k.clone(), format!("Accept the {} to continue.", kind_label(k))))
                                .collect();
                            if errors.is_empty() {
                                client.set(None);
                            } else {
                                ev.prevent_default();
                                client.set(Some(AppError::Validation(errors)));
                            }
                        };
                        view! {
                            <p>"To use the portal, read and accept the current Terms and Conditions and Privacy Policy."</p>
                            <div on:submit:capture=check>
                                <ActionForm action=accept attr:class="form consent">
                                    {form_error(result)}
                                    {docs
                                        .into_iter()
                                        .map(|d| {
                                            let (name, field): (&'static str, &'static str) = if d.kind == "TERMS" {
                                                ("accept_terms", "TERMS")
                                            } else {
                                                ("accept_privacy", "PRIVACY")
                                            };
                                            view! {
                                                <label class="check">
                                                    <input type="checkbox" id=name name=name value=d.id.clone()/>
                                                    {format!(" I have read and accept the {} (effective {}) ", kind_label(&d.kind), d.effective_date)}
                                                    <a href=format!("/api/panel/terms/{}/content", d.id) target="_blank" rel="noopener">
                                                        {format!("read {}", d.file_name)}
                                                    </a>
                                                </label>
                                                {field_error(result, field)}
                                            }
                                        })
                                        .collect_view()}
                                    <div class="actions">
                                        <button type="submit" class="primary">"Accept and continue"</button>
                                    </div>
                                </ActionForm>
                            </div>
                        }
                            .into_any()
                    }
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Suspense>
    }
}
