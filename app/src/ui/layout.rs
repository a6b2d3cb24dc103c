use crate::api::session::{get_me, Logout};
use access_core::model::{authz::allowed, AppError, Capability, Me};
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use super::feedback::{ToastRegion, Toasts};
use super::status::NotFoundPage;

fn nav_items(me: &Me) -> Vec<(&'static str, &'static str)> {
    let can = |c| allowed(me.role, c).is_some();
    let mut items = vec![("/", "Dashboard")];
    if can(Capability::UsersView) {
        items.push(("/users", "Users"));
    }
    if can(Capability::UsersManage) {
        items.push(("/organisations", "Organisations"));
    }
    if can(Capability::RulesetsView) {
        items.push(("/rules", "Rules"));
    }
    if can(Capability::LocationsView) {
        items.push(("/locations", "Locations"));
    }
    if can(Capability::OperationsView) {
        items.push(("/operations", "Operations"));
    }
    if can(Capability::CardsView) {
        items.push(("/cards", "Enrolled cards"));
    }
    if can(Capability::DataView) {
        items.push(("/data", "BIN & FX"));
    }
    if can(Capability::FleetApi) {
        items.push(("/fleet", "Fleet"));
    }
    if can(Capability::AuditView) {
        items.push(("/audit", "Audit log"));
    }
    if can(Capability::PosMessages) {
        items.push(("/pos-messages", "POS messages"));
    }
    items.push(("/terms", "Terms & Conditions"));
    items
}

/// The signed-in user, loaded once by the frame and shared with the pages (role checks).
#[derive(Clone, Copy)]
pub struct MeResource(pub Resource<Result<Option<Me>, AppError>>);

/// The frame's `me` resource (a fresh one outside the frame).
pub fn use_me() -> Resource<Result<Option<Me>, AppError>> {
    use_context::<MeResource>()
        .map(|m| m.0)
        .unwrap_or_else(|| Resource::new(|| (), |_| get_me()))
}

/// The signed-in frame: navigation, the user, sign-out, and the page.
/// Signed-out visitors never get here: the server redirects page loads to `/login`.
#[component]
pub fn Shell() -> impl IntoView {
    view! { <Frame><Outlet/></Frame> }
}

/// An address no route knows: the 404 page inside the frame, so the navigation stays.
#[component]
pub fn NotFoundShell() -> impl IntoView {
    view! { <Frame><NotFoundPage/></Frame> }
}

#[component]
fn Frame(children: Children) -> impl IntoView {
    let me = Resource::new(|| (), |_| get_me());
    provide_context(MeResource(me));
    // Browser only: the role is known, so every action a role may not use is gone (tests wait
    // for this before asserting that an action is absent).
    Effect::new(move |_| {
        if me.get().is_some() {
            if let Some(body) = document().body() {
                let _ = body.set_attribute("data-caps", "ready");
            }
        }
    });
    let logout = ServerAction::<Logout>::new();
    let toasts = Toasts::provide();
    let menu_open = RwSignal::new(false);
    view! {
        // Keyboard users get past the navigation; focus moves into the page (the router would
        // otherwise only scroll to the fragment).
        <a href="#content" class="skip-link" on:click=|ev| {
            use leptos::wasm_bindgen::JsCast;
            if let Some(main) = document()
                .get_element_by_id("content")
                .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlElement>().ok())
            {
                ev.prevent_default();
                let _ = main.focus();
            }
        }>"Skip to content"</a>
        <div class="shell">
            <header class="topbar">
                <span class="brand">"Access Control"</span>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(Some(me)) => view! {
                                // Phones: the navigation folds behind this button (CSS shows it
                                // below 600 px only).
                                <button type="button" class="nav-toggle" aria-controls="mainnav"
                                    aria-expanded=move || if menu_open.get() { "true" } else { "false" }
                                    on:click=move |_| menu_open.update(|o| *o = !*o)>"Menu"</button>
                                <nav class="mainnav" id="mainnav" aria-label="Main"
                                    class:open=move || menu_open.get()
                                    on:click=move |_| menu_open.set(false)>
                                    // Sub-pages keep their section highlighted (`/rules/…` → Rules);
                                    // only the dashboard needs the exact address.
                                    {nav_items(&me)
                                        .into_iter()
                                        .map(|(href, label)| view! { <A href=href exact={href == "/"}>{label}</A> })
                                        .collect_view()}
                                </nav>
                                <span class="whoami">
                                    {format!("{} {} · {}", me.first_name, me.last_name, me.role.label())}
                                </span>
                                <a href="/password" class="link">"Change password"</a>
                                <ActionForm action=logout attr:class="inline">
                                    <button type="submit" class="link">"Sign out"</button>
                                </ActionForm>
                            }
                                .into_any(),
                            _ => view! { <a href="/login">"Sign in"</a> }.into_any(),
                        }
                    })}
                </Suspense>
            </header>
            <main class="page" id="content" tabindex="-1">
                {children()}
            </main>
            <ToastRegion toasts/>
        </div>
    }
}
