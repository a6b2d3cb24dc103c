//! The pages for "not found" and "not allowed", and the page-level error view that picks them:
//! a designed page with a way back instead of a bare message, and (server-rendered) the HTTP
//! status that matches it, so a bookmarked stale link answers 404 and a forbidden form 403.

use super::layout::use_me;
use access_core::model::{authz::allowed, AppError, Capability};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The status of the page being server-rendered. Only takes effect where the route renders
/// completely before answering (`SsrMode::Async`: detail and form pages) or synchronously.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(opts), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(code),
    ) {
        opts.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Page not found · Access Control"/>
        <section class="status-page" aria-labelledby="status-title">
            <p class="status-code">"404"</p>
            <h1 id="status-title">"Page not found"</h1>
            <p>"This address leads nowhere: the object may have been deleted, or the link is mistyped."</p>
            <p class="actions">
                <A href="/" attr:class="button primary">"Back to the dashboard"</A>
            </p>
        </section>
    }
}

#[component]
pub fn ForbiddenPage() -> impl IntoView {
    set_status(403);
    view! {
        <Title text="No access · Access Control"/>
        <section class="status-page" aria-labelledby="status-title">
            <p class="status-code">"403"</p>
            <h1 id="status-title">"No access to this page"</h1>
            <p>"Your role does not include this screen or action. An administrator can change your role if you need it."</p>
            <p class="actions">
                <A href="/" attr:class="button primary">"Back to the dashboard"</A>
            </p>
        </section>
    }
}

/// What a page shows when its data could not be loaded: the designed pages for an unknown id
/// and a refusal, the message otherwise.
pub fn error_page(e: AppError) -> AnyView {
    match e {
        AppError::NotFound => view! { <NotFoundPage/> }.into_any(),
        AppError::Forbidden => view! { <ForbiddenPage/> }.into_any(),
        other => view! { <p class="form-error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}

/// Renders `children` only for a role with `cap`; anyone else gets the refusal page (403), not
/// a form that would be refused on submit.
#[component]
pub fn RequireCap(cap: Capability, children: ChildrenFn) -> impl IntoView {
    let me = use_me();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    let may = matches!(me.await, Ok(Some(m)) if allowed(m.role, cap).is_some());
                    if may {
                        children().into_any()
                    } else {
                        view! { <ForbiddenPage/> }.into_any()
                    }
                })
            }}
        </Suspense>
    }
}
