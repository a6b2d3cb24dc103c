//! Organisations (Admin only): issuers with their ICAs, service providers with their locations;
//! create, edit, deactivate (its users are signed out) and assign / unassign locations.

use super::common::{action_error, field_error, fmt_ms, form_error};
use crate::api::tenants::{
    get_organisation, list_organisations, unassigned_locations, AssignLocation, CreateOrganisation,
    SetOrganisationActive, UnassignLocation, UpdateOrganisation,
};
use access_core::model::{org_kind_label, OrganisationView, KIND_ISSUER, KIND_PROVIDER};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn OrganisationsPage() -> impl IntoView {
    let orgs = Resource::new(|| (), |_| list_organisations());
    view! {
        <Title text="Organisations · Access Control"/>
        <div class="page-head">
            <h1>"Organisations"</h1>
            <A href="/organisations/new" attr:class="button primary">"Add organisation"</A>
        </div>
        <p class="muted">
            "Issuers own ICAs (each ICA belongs to one issuer); service providers own locations. "
            "Issuer and Service Provider users belong to one organisation of their kind."
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match orgs.await {
                    Ok(list) => view! {
                        <table class="grid" id="organisations">
                            <thead>
                                <tr><th>"Name"</th><th>"Kind"</th><th>"ICAs / locations"</th><th>"Users"</th><th>"Status"</th><th>"Created"</th></tr>
                            </thead>
                            <tbody>
                                {list.into_iter().map(org_row).collect_view()}
                            </tbody>
                        </table>
                    }
                        .into_any(),
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Transition>
    }
}

fn holdings(o: &OrganisationView) -> String {
    if o.kind == KIND_ISSUER {
        if o.icas.is_empty() {
            "no ICA".into()
        } else {
            format!("ICA {}", o.icas.join(", "))
        }
    } else {
        match o.locations.len() {
            0 => "no location".into(),
            1 => o.locations[0].name.clone(),
            n => format!("{n} locations"),
        }
    }
}

fn org_row(o: OrganisationView) -> impl IntoView {
    let held = holdings(&o);
    view! {
        <tr>
            <td><A href=format!("/organisations/{}", o.id)>{o.name}</A></td>
            <td>{org_kind_label(&o.kind)}</td>
            <td>{held}</td>
            <td>{o.users}</td>
            <td>{if o.active { "Active" } else { "Deactivated" }}</td>
            <td>{fmt_ms(o.created_at)}</td>
        </tr>
    }
}

#[component]
pub fn NewOrganisationPage() -> impl IntoView {
    let create = ServerAction::<CreateOrganisation>::new();
    let result = action_error(create.value());
    view! {
        <Title text="Add organisation · Access Control"/>
        <h1>"Add organisation"</h1>
        <ActionForm action=create attr:class="form">
            {form_error(result)}
            <label for="name">"Name"</label>
            <input id="name" name="name" required maxlength="200"/>
            {field_error(result, "name")}
            <label for="kind">"Kind"</label>
            <select id="kind" name="kind">
                <option value=KIND_ISSUER>"Issuer"</option>
                <option value=KIND_PROVIDER>"Service Provider"</option>
            </select>
            {field_error(result, "kind")}
            <label for="icas">"ICAs"</label>
            <input id="icas" name="icas" placeholder="e.g. 1234, 5678" aria-describedby="icas-help"/>
            <p class="muted" id="icas-help">"Issuers only: their ICAs, separated by commas."</p>
            {field_error(result, "icas")}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Create organisation"</button>
                <A href="/organisations">"Cancel"</A>
            </div>
        </ActionForm>
    }
}

#[component]
pub fn OrganisationPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let org = Resource::new(id, get_organisation);
    let free = Resource::new(|| (), |_| unassigned_locations());
    let update = ServerAction::<UpdateOrganisation>::new();
    let set_active = ServerAction::<SetOrganisationActive>::new();
    let assign = ServerAction::<AssignLocation>::new();
    let unassign = ServerAction::<UnassignLocation>::new();
    super::feedback::toast_on_ok(update.value(), "Organisation saved.");
    super::feedback::toast_on_ok(set_active.value(), "Organisation status changed.");
    super::feedback::toast_on_ok(assign.value(), "Location assigned.");
    super::feedback::toast_on_ok(unassign.value(), "Location unassigned.");
    // Every change shows the organisation as it now is.
    Effect::new(move |_| {
        // Read all three (no `||` short-circuit), so the effect tracks every action.
        let done = [
            matches!(set_active.value().get(), Some(Ok(_))),
            matches!(assign.value().get(), Some(Ok(_))),
            matches!(unassign.value().get(), Some(Ok(_))),
        ];
        if done.contains(&true) {
            org.refetch();
            free.refetch();
        }
    });
    let saved = move || matches!(update.value().get(), Some(Ok(_)));
    view! {
        <Title text="Organisation · Access Control"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match org.await {
                    Ok(o) => {
                        let result = action_error(update.value());
                        let issuer = o.kind == KIND_ISSUER;
                        let oid = o.id.clone();
                        let oid2 = o.id.clone();
                        let oid3 = o.id.clone();
                        let locations = o.locations.clone();
                        let active = o.active;
                        view! {
                            <h1>{o.name.clone()}</h1>
                            <p class="muted" id="organisation-status">
                                {format!("{} · {} · {} user(s)", org_kind_label(&o.kind), if active { "Active" } else { "Deactivated" }, o.users)}
                                " "
                                <A href=format!("/users/new?tenant_id={}", o.id)>"Add user in this organisation"</A>
                            </p>
                            <ActionForm action=update attr:class="form">
                                <input type="hidden" name="id" value=oid/>
                                {form_error(result)}
                                {move || saved().then(|| view! { <p class="notice" role="status">"Saved."</p> })}
                                <label for="name">"Name"</label>
                                <input id="name" name="name" value=o.name.clone() required maxlength="200"/>
                                {field_error(result, "name")}
                                {issuer.then(|| view! {
                                    <label for="icas">"ICAs"</label>
                                    <input id="icas" name="icas" value=o.icas.join(", ") aria-describedby="icas-help"/>
                                    <p class="muted" id="icas-help">"Separated by commas; each ICA belongs to one issuer only."</p>
                                    {field_error(result, "icas")}
                                })}
                                <div class="actions">
                                    <button type="submit" class="primary">"Save"</button>
                                    <A href="/organisations">"Back"</A>
                                </div>
                            </ActionForm>
                            {(!issuer).then(|| view! {
                                <section class="form" aria-label="Locations">
                                    <h2>"Locations"</h2>
                                    {form_error(action_error(unassign.value()))}
                                    <table class="grid" id="organisation-locations">
                                        <thead><tr><th>"Name"</th><th>"City"</th><th></th></tr></thead>
                                        <tbody>
                                            {locations.into_iter().map(|l| {
                                                let oid = oid2.clone();
                                                view! {
                                                    <tr>
                                                        <td>{l.name.clone()}</td>
                                                        <td>{l.city.clone()}</td>
                                                        <td>
                                                            <ActionForm action=unassign attr:class="inline">
                                                                <input type="hidden" name="id" value=oid/>
                                                                <input type="hidden" name="location_id" value=l.id.clone()/>
                                                                <button type="submit" class="link" aria-label=format!("Unassign {}", l.name)>"Unassign"</button>
                                                            </ActionForm>
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    <ActionForm action=assign attr:class="inline">
                                        <input type="hidden" name="id" value=oid2.clone()/>
                                        {form_error(action_error(assign.value()))}
                                        <label for="location_id">"Location to assign"</label>
                                        <select id="location_id" name="location_id">
                                            <Suspense fallback=|| ()>
                                                {move || Suspend::new(async move {
                                                    free.await.unwrap_or_default().into_iter().map(|l| view! {
                                                        <option value=l.id>{format!("{} ({})", l.name, l.city)}</option>
                                                    }).collect_view()
                                                })}
                                            </Suspense>
                                        </select>
                                        <button type="submit">"Assign location"</button>
                                    </ActionForm>
                                </section>
                            })}
                            <ActionForm action=set_active attr:class="danger-zone">
                                <input type="hidden" name="id" value=oid3/>
                                <input type="hidden" name="active" value=if active { "false" } else { "true" }/>
                                {form_error(action_error(set_active.value()))}
                                {if active {
                                    view! {
                                        <p class="muted">"Deactivating signs its users out at once; they cannot sign in until it is activated again. Nothing is deleted."</p>
                                        <button type="submit" class="danger">"Deactivate organisation"</button>
                                    }.into_any()
                                } else {
                                    view! { <button type="submit">"Activate organisation"</button> }.into_any()
                                }}
                            </ActionForm>
                        }
                            .into_any()
                    }
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Suspense>
    }
}
