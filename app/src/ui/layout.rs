use crate::api::session::{get_me, Logout};
use access_core::model::{authz::allowed, Capability, Me};
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

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

/// The signed-in frame: navigation, the user, sign-out, and the page.
/// Signed-out visitors never get here: the server redirects page loads to `/login`.
#[component]
pub fn Shell() -> impl IntoView {
    let me = Resource::new(|| (), |_| get_me());
    let logout = ServerAction::<Logout>::new();
    view! {
        <div class="shell">
            <header class="topbar">
                <span class="brand">"Access Control"</span>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(Some(me)) => view! {
                                <nav class="mainnav" aria-label="Main">
                                    {nav_items(&me)
                                        .into_iter()
                                        .map(|(href, label)| view! { <A href=href exact=true>{label}</A> })
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
            <main class="page">
                <Outlet/>
            </main>
        </div>
    }
}
