//! The admin panel: server-rendered, then hydrated by the `frontend` crate.

mod audit;
mod cards;
mod charts;
mod common;
mod consent;
mod dashboard;
mod data;
mod export;
mod feedback;
mod fleet;
mod fleet_more;
mod layout;
mod locations;
mod login;
mod operations;
mod password;
mod pos_messages;
mod rules;
mod status;
mod tenants;
mod terms;
mod try_card;
mod users;

use access_core::model::Capability;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};
use locations::{EditLocationPage, NewLocationPage};
use rules::{EditRulePage, NewRulePage};
use status::RequireCap;
use tenants::NewOrganisationPage;
use users::NewUserPage;

pub const OUTPUT_NAME: &str = "access-control";

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The pages' Content-Security-Policy, with this response's nonce: leptos renders its inline
/// hydration script (and the streamed resource scripts) with the per-request nonce that
/// `leptos_axum` provides, so no inline script without it runs (no `'unsafe-inline'`).
/// `'wasm-unsafe-eval'` lets the browser compile the panel's WebAssembly; nothing else is
/// evaluated. Everything else comes from this origin; no framing (`frame-ancestors 'none'`).
#[cfg(feature = "ssr")]
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(feature = "ssr")]
fn set_page_csp() {
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    if let Ok(v) = axum::http::HeaderValue::from_str(&page_csp(&nonce)) {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, v);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Runs only in the browser, once hydrated: tests and people can tell the page is live.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{OUTPUT_NAME}.css")/>
        <Title text="Access Control"/>
        <Router>
            // Detail and form pages render completely before answering (`SsrMode::Async`), so an
            // unknown id answers 404 and a form the role may not use 403 (status::set_status).
            <Routes fallback=layout::NotFoundShell>
                <Route path=path!("/login") view=login::LoginPage/>
                <Route path=path!("/password") view=password::PasswordPage/>
                <ParentRoute path=path!("") view=layout::Shell>
                    <Route path=path!("") view=dashboard::Dashboard/>
                    <Route path=path!("users") view=users::UsersPage/>
                    <Route path=path!("users/new") ssr=SsrMode::Async view=|| view! { <RequireCap cap=Capability::UsersManage><NewUserPage/></RequireCap> }/>
                    <Route path=path!("users/:id") view=users::EditUserPage ssr=SsrMode::Async/>
                    <Route path=path!("organisations") view=tenants::OrganisationsPage/>
                    <Route path=path!("organisations/new") ssr=SsrMode::Async view=|| view! { <RequireCap cap=Capability::UsersManage><NewOrganisationPage/></RequireCap> }/>
                    <Route path=path!("organisations/:id") view=tenants::OrganisationPage ssr=SsrMode::Async/>
                    <Route path=path!("rules") view=rules::RulesPage/>
                    <Route path=path!("rules/new") ssr=SsrMode::Async view=|| view! { <RequireCap cap=Capability::RulesetsManage><NewRulePage/></RequireCap> }/>
                    <Route path=path!("rules/:id") view=rules::RuleDetailsPage ssr=SsrMode::Async/>
                    <Route path=path!("rules/:id/edit") ssr=SsrMode::Async view=|| view! { <RequireCap cap=Capability::RulesetsManage><EditRulePage/></RequireCap> }/>
                    <Route path=path!("locations") view=locations::LocationsPage/>
                    <Route path=path!("locations/new") ssr=SsrMode::Async view=|| view! { <RequireCap cap=Capability::LocationsManage><NewLocationPage/></RequireCap> }/>
                    <Route path=path!("locations/:id") view=locations::LocationDetailsPage ssr=SsrMode::Async/>
                    <Route path=path!("locations/:id/edit") ssr=SsrMode::Async view=|| view! { <RequireCap cap=Capability::LocationsManage><EditLocationPage/></RequireCap> }/>
                    <Route path=path!("operations") view=operations::OperationsPage/>
                    <Route path=path!("operations/:id") view=operations::OperationDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("operations/:id/rule") view=operations::OperationRulePage ssr=SsrMode::Async/>
                    <Route path=path!("operations/:id/transactions") view=operations::OperationTransactionsPage ssr=SsrMode::Async/>
                    <Route path=path!("cards") view=cards::CardsPage/>
                    <Route path=path!("cards/:id") view=cards::CardDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("terms") view=terms::TermsPage/>
                    <Route path=path!("data") view=data::DataPage/>
                    <Route path=path!("consent") view=consent::ConsentPage/>
                    <Route path=path!("fleet") view=fleet::FleetPage/>
                    <Route path=path!("fleet/inventory") view=fleet_more::InventoryPage/>
                    <Route path=path!("fleet/:id") view=fleet::FleetTerminalPage ssr=SsrMode::Async/>
                    <Route path=path!("audit") view=audit::AuditPage/>
                    <Route path=path!("pos-messages") view=pos_messages::PosMessagesPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
