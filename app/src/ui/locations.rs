//! Locations: list with filters (kept in the URL), add/edit/delete, and the details screen with
//! the terminal list (add terminal, pairing code shown once, unpair, move to another location
//! or unassign, delete).

use super::common::{action_error, all_errors, field_error, fmt_ms, form_error};
use super::feedback::ConfirmButton;
use super::try_card::LocationTryCard;
use crate::api::locations::{
    get_location, list_locations, list_services, list_terminals, list_time_zones,
    location_occupancy, AddTerminal, CreateLocation, DeleteLocation, DeleteTerminal,
    IssuePairingCode, MoveTerminal, UnpairTerminal, UpdateLocation,
};
use access_core::model::{
    authz::allowed, AppError, Capability, LocationFilter, LocationInput, LocationView,
    SERVICE_CODES,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

fn query_filter() -> Memo<LocationFilter> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            LocationFilter {
                country: get("country"),
                name: get("name"),
                service: get("service"),
                page: get("page").and_then(|p| p.parse().ok()),
                page_size: None,
            }
        })
    })
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn page_href(f: &LocationFilter, page: u64) -> String {
    let mut parts = vec![format!("page={page}")];
    for (k, v) in [
        ("country", &f.country),
        ("name", &f.name),
        ("service", &f.service),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}={}", urlencode(v)));
        }
    }
    format!("/locations?{}", parts.join("&"))
}

/// Whether the signed-in user has `cap` (only hides what the server would refuse anyway).
/// Decided from the frame's `me` (already loaded with the page) once the page is live in the
/// browser, so the server's HTML never waits on it and hydration sees the same markup; every
/// such signal settles together, and the frame then marks `<body data-caps="ready">`.
pub(crate) fn can(cap: Capability) -> Signal<bool> {
    let me = super::layout::use_me();
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    Signal::derive(move || {
        live.get() && matches!(me.get(), Some(Ok(Some(m))) if allowed(m.role, cap).is_some())
    })
}

/// The text of a named field of the submitted form (browser only).
pub(crate) fn form_field(ev: &leptos::ev::SubmitEvent, name: &str) -> Option<String> {
    use leptos::wasm_bindgen::JsCast;
    let form = ev
        .target()?
        .dyn_into::<leptos::web_sys::HtmlFormElement>()
        .ok()?;
    let data = leptos::web_sys::FormData::new_with_form(&form).ok()?;
    data.get(name).as_string()
}

#[component]
pub fn LocationsPage() -> impl IntoView {
    let filter = query_filter();
    let locations = Resource::new(move || filter.get(), list_locations);
    let manage = can(Capability::LocationsManage);
    view! {
        <Title text="Locations · Access Control"/>
        <div class="page-head">
            <h1>"Locations"</h1>
            <Show when=move || manage.get()>
                <A href="/locations/new" attr:class="button primary">"Add location"</A>
            </Show>
        </div>
        <Form method="GET" action="/locations" attr:class="filters">
            <label>"Country code"
                <input name="country" maxlength="3" prop:value=move || filter.get().country.unwrap_or_default()/>
            </label>
            <label>"Location name"
                <input name="name" prop:value=move || filter.get().name.unwrap_or_default()/>
            </label>
            <label>"Service"
                <select name="service">
                    <option value="">"Any"</option>
                    {SERVICE_CODES
                        .into_iter()
                        .map(|(code, label)| {
                            view! {
                                <option value=code selected=move || filter.get().service.as_deref() == Some(code)>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <button type="submit">"Filter"</button>
            <A href="/locations">"Clear"</A>
        </Form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match locations.await {
                    Ok(page) => {
                        let f = filter.get_untracked();
                        let pages = page.pages();
                        view! {
                            <table class="grid" id="locations">
                                <thead>
                                    <tr><th>"Location name"</th><th>"Country code"</th><th>"Service"</th><th>"City"</th><th>"Address"</th></tr>
                                </thead>
                                <tbody>
                                    {page.items.into_iter().map(location_row).collect_view()}
                                </tbody>
                            </table>
                            <p class="pager">
                                {format!("{} locations · page {} of {} ", page.total, page.page, pages)}
                                {(page.page > 1).then(|| view! { <A href=page_href(&f, page.page - 1)>"Previous"</A> })}
                                " "
                                {(page.page < pages).then(|| view! { <A href=page_href(&f, page.page + 1)>"Next"</A> })}
                            </p>
                        }
                            .into_any()
                    }
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Transition>
    }
}

fn location_row(l: LocationView) -> impl IntoView {
    view! {
        <tr>
            <td><A href=format!("/locations/{}", l.id)>{l.name}</A></td>
            <td>{l.country}</td>
            <td>{l.service_name}</td>
            <td>{l.city}</td>
            <td>{l.address.unwrap_or_default()}</td>
        </tr>
    }
}

fn input_from(ev: &leptos::ev::SubmitEvent) -> LocationInput {
    let f = |k: &str| form_field(ev, k).unwrap_or_default();
    let o = |k: &str| form_field(ev, k);
    LocationInput {
        name: f("name"),
        country: f("country"),
        service_code: f("service_code"),
        postal_code: f("postal_code"),
        city: f("city"),
        address: o("address"),
        cooldown_minutes: o("cooldown_minutes"),
        capacity: o("capacity"),
        stay_minutes: o("stay_minutes"),
        time_zone: o("time_zone"),
        offline_allowed: o("offline_allowed"),
        offline_max_per_card_per_day: o("offline_max_per_card_per_day"),
        tenant_id: o("tenant_id"),
    }
}

/// Validate in the browser with the same code as the server; stop the submit on errors.
fn client_check(client: RwSignal<Option<AppError>>) -> impl Fn(leptos::ev::SubmitEvent) {
    move |ev| match input_from(&ev).validate() {
        Ok(_) => client.set(None),
        Err(errors) => {
            ev.prevent_default();
            client.set(Some(AppError::Validation(errors)));
        }
    }
}

/// The latest problem: the browser's check, else the server's answer.
fn merged(
    client: RwSignal<Option<AppError>>,
    server: Signal<Option<AppError>>,
) -> Signal<Option<AppError>> {
    Signal::derive(move || client.get().or_else(|| server.get()))
}

#[component]
fn LocationFields(
    result: Signal<Option<AppError>>,
    location: Option<LocationView>,
) -> impl IntoView {
    let l = location.unwrap_or(LocationView {
        id: String::new(),
        name: String::new(),
        country: String::new(),
        service_code: "LOUNGE".into(),
        service_name: String::new(),
        postal_code: String::new(),
        city: String::new(),
        address: None,
        cooldown_minutes: None,
        capacity: None,
        stay_minutes: access_core::model::DEFAULT_STAY_MINUTES,
        // Empty: the server takes the country's zone.
        time_zone: String::new(),
        offline_allowed: true,
        offline_max_per_card_per_day: None,
        tenant_id: None,
        created_at: 0,
        updated_at: 0,
        created_by: String::new(),
        modified_by: String::new(),
    });
    let services = Resource::new(|| (), |_| list_services());
    let zones = Resource::new(|| (), |_| list_time_zones());
    let current_service = l.service_code.clone();
    view! {
        {form_error(result)}
        <label for="name">"Name"</label>
        <input id="name" name="name" value=l.name maxlength="200"/>
        {field_error(result, "name")}
        <label for="country">"Country code"</label>
        <input id="country" name="country" value=l.country maxlength="3" placeholder="POL"/>
        {field_error(result, "country")}
        <label for="service_code">"Service"</label>
        <select id="service_code" name="service_code">
            <Suspense fallback=move || {
                let current = current_service.clone();
                SERVICE_CODES
                    .into_iter()
                    .map(|(c, n)| view! { <option value=c selected=c == current>{n}</option> })
                    .collect_view()
            }>
                {
                    let current = l.service_code.clone();
                    move || {
                        let current = current.clone();
                        Suspend::new(async move {
                            services
                                .await
                                .unwrap_or_default()
                                .into_iter()
                                .map(|s| {
                                    let selected = s.code == current;
                                    view! { <option value=s.code selected=selected>{s.name}</option> }
                                })
                                .collect_view()
                        })
                    }
                }
            </Suspense>
        </select>
        {field_error(result, "service_code")}
        <label for="postal_code">"Postal code"</label>
        <input id="postal_code" name="postal_code" value=l.postal_code maxlength="20"/>
        {field_error(result, "postal_code")}
        <label for="city">"City"</label>
        <input id="city" name="city" value=l.city maxlength="100"/>
        {field_error(result, "city")}
        <label for="address">"Address (optional)"</label>
        <input id="address" name="address" value=l.address.unwrap_or_default() maxlength="300"/>
        {field_error(result, "address")}
        <label for="cooldown_minutes">"Cooldown period in minutes (optional)"</label>
        <input id="cooldown_minutes" name="cooldown_minutes" inputmode="numeric"
            value=l.cooldown_minutes.map(|c| c.to_string()).unwrap_or_default()/>
        {field_error(result, "cooldown_minutes")}
        <label for="capacity">"Capacity (optional, live occupancy cap)"</label>
        <input id="capacity" name="capacity" inputmode="numeric"
            value=l.capacity.map(|c| c.to_string()).unwrap_or_default()/>
        {field_error(result, "capacity")}
        <label for="stay_minutes">"Typical stay in minutes (how long an admitted person counts toward the occupancy)"</label>
        <input id="stay_minutes" name="stay_minutes" inputmode="numeric"
            value=l.stay_minutes.to_string()/>
        {field_error(result, "stay_minutes")}
        <label for="time_zone">"Time zone"</label>
        <select id="time_zone" name="time_zone">
            <option value="" selected=l.time_zone.is_empty()>"The country's zone"</option>
            <Suspense fallback={
                let current = l.time_zone.clone();
                move || {
                    (!current.is_empty())
                        .then(|| { let (v, t) = (current.clone(), current.clone()); view! { <option value=v selected=true>{t}</option> } })
                }
            }>
                {
                    let current = l.time_zone.clone();
                    move || {
                        let current = current.clone();
                        Suspend::new(async move {
                            zones
                                .await
                                .unwrap_or_else(|_| vec![current.clone()])
                                .into_iter()
                                .map(|z| {
                                    let selected = z == current;
                                    let label = z.clone();
                                        view! { <option value=z selected=selected>{label}</option> }
                                })
                                .collect_view()
                        })
                    }
                }
            </Suspense>
        </select>
        {field_error(result, "time_zone")}
        <label for="offline_allowed">"Offline entries (terminals admit from their BIN ranges and whitelist when offline)"</label>
        <select id="offline_allowed" name="offline_allowed">
            <option value="true" selected=l.offline_allowed>"Allowed"</option>
            <option value="false" selected=!l.offline_allowed>"Not allowed (terminals get empty lists)"</option>
        </select>
        {field_error(result, "offline_allowed")}
        <label for="offline_max_per_card_per_day">"Most offline entries per card per day (optional; beyond it entries are flagged over the limit)"</label>
        <input id="offline_max_per_card_per_day" name="offline_max_per_card_per_day" inputmode="numeric"
            value=l.offline_max_per_card_per_day.map(|c| c.to_string()).unwrap_or_default()/>
        {field_error(result, "offline_max_per_card_per_day")}
        <input type="hidden" name="tenant_id" value=l.tenant_id.unwrap_or_default()/>
    }
}

#[component]
pub fn NewLocationPage() -> impl IntoView {
    let create = ServerAction::<CreateLocation>::new();
    let client = RwSignal::new(None::<AppError>);
    let result = merged(client, action_error(create.value()));
    view! {
        <Title text="Add location · Access Control"/>
        <h1>"Add location"</h1>
        <div on:submit:capture=client_check(client)>
            <ActionForm action=create attr:class="form" attr:novalidate=true>
                <LocationFields result location=None/>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Create location"</button>
                    <A href="/locations">"Cancel"</A>
                </div>
            </ActionForm>
        </div>
    }
}

#[component]
pub fn EditLocationPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let location = Resource::new(id, get_location);
    let update = ServerAction::<UpdateLocation>::new();
    let client = RwSignal::new(None::<AppError>);
    let result = merged(client, action_error(update.value()));
    view! {
        <Title text="Edit location · Access Control"/>
        <h1>"Edit location"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match location.await {
                    Ok(l) => {
                        let lid = l.id.clone();
                        let back = format!("/locations/{}", l.id);
                        view! {
                            <div on:submit:capture=client_check(client)>
                                <ActionForm action=update attr:class="form" attr:novalidate=true>
                                    <input type="hidden" name="id" value=lid/>
                                    <LocationFields result location=Some(l)/>
                                    <div class="actions">
                                        <button type="submit" class="primary">"Save"</button>
                                        <A href=back>"Cancel"</A>
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

/// "12 of 40 people in (3 seats held by open grants)": the live occupancy now.
#[component]
fn Occupancy(id: String) -> impl IntoView {
    let occ = Resource::new(move || id.clone(), location_occupancy);
    view! {
        <Suspense fallback=|| view! { <span class="muted">"…"</span> }>
            {move || Suspend::new(async move {
                match occ.await {
                    Ok(o) => {
                        let people = match o.capacity {
                            Some(c) => format!("{} of {} people in", o.people_in, c),
                            None => format!("{} people in (no capacity set)", o.people_in),
                        };
                        let held = if o.reserved > 0 {
                            format!(", {} seat(s) held by open grants", o.reserved)
                        } else {
                            String::new()
                        };
                        let full = o
                            .capacity
                            .is_some_and(|c| i64::from(o.people_in) + i64::from(o.reserved) >= i64::from(c));
                        view! {
                            <span class="occupancy" data-full=full.to_string()>
                                {format!("{people}{held} — admitted within the last {} min", o.stay_minutes)}
                                {full.then(|| view! { <strong>" · full"</strong> })}
                            </span>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <span class="form-error">{e.to_string()}</span> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn LocationDetailsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let location = Resource::new(id, get_location);
    let add = ServerAction::<AddTerminal>::new();
    let code = ServerAction::<IssuePairingCode>::new();
    let unpair = ServerAction::<UnpairTerminal>::new();
    let del_t = ServerAction::<DeleteTerminal>::new();
    let move_t = ServerAction::<MoveTerminal>::new();
    let del = ServerAction::<DeleteLocation>::new();
    let terminals = Resource::new(
        move || {
            (
                id(),
                add.version().get(),
                code.version().get(),
                unpair.version().get(),
                del_t.version().get(),
                move_t.version().get(),
            )
        },
        |(id, ..)| list_terminals(id),
    );
    let manage = can(Capability::LocationsManage);
    let add_err = action_error(add.value());
    view! {
        <Title text="Location details · Access Control"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match location.await {
                    Ok(l) => {
                        let lid = l.id.clone();
                        let (lid_add, lid_del) = (l.id.clone(), l.id.clone());
                        let lname = l.name.clone();
                        let edit_href = format!("/locations/{}/edit", l.id);
                        view! {
                            <div class="page-head">
                                <h1>{l.name.clone()}</h1>
                                <Show when=move || manage.get()>
                                    <A href=edit_href.clone() attr:class="button">"Edit"</A>
                                </Show>
                            </div>
                            <dl class="details">
                                <dt>"Location ID"</dt><dd>{l.id.clone()}</dd>
                                <dt>"Country code"</dt><dd>{l.country.clone()}</dd>
                                <dt>"Service"</dt><dd>{l.service_name.clone()}</dd>
                                <dt>"Postal code"</dt><dd>{l.postal_code.clone()}</dd>
                                <dt>"City"</dt><dd>{l.city.clone()}</dd>
                                <dt>"Address"</dt><dd>{l.address.clone().unwrap_or_else(|| "—".into())}</dd>
                                <dt>"Cooldown period"</dt><dd>{l.cooldown_minutes.map(|c| format!("{c} min")).unwrap_or_else(|| "—".into())}</dd>
                                <dt>"Capacity"</dt><dd>{l.capacity.map(|c| c.to_string()).unwrap_or_else(|| "— (unlimited)".into())}</dd>
                                <dt>"Typical stay"</dt><dd>{format!("{} min", l.stay_minutes)}</dd>
                                <dt>"Offline entries"</dt><dd>{match (l.offline_allowed, l.offline_max_per_card_per_day) {
                                    (false, _) => "not allowed".to_owned(),
                                    (true, None) => "allowed".to_owned(),
                                    (true, Some(n)) => format!("allowed, at most {n} per card per day"),
                                }}</dd>
                                <dt>"Occupancy now"</dt><dd><Occupancy id=l.id.clone()/></dd>
                                <dt>"Time zone"</dt><dd>{l.time_zone.clone()}</dd>
                                <dt>"Created"</dt><dd>{format!("{} by {}", fmt_ms(l.created_at), l.created_by)}</dd>
                                <dt>"Modified"</dt><dd>{format!("{} by {}", fmt_ms(l.updated_at), l.modified_by)}</dd>
                            </dl>
                            <LocationTryCard location_id=l.id.clone()/>
                            <h2>"Terminals"</h2>
                            {move || code.value().get().map(|r| match r {
                                Ok(c) => view! {
                                    <p class="notice pairing-code" role="status">
                                        {format!("Pairing code for {}: ", c.serial_number)}
                                        <strong class="code">{c.code}</strong>
                                        {format!(" — valid until {}. It is shown only once.", fmt_ms(c.expires_at))}
                                    </p>
                                }.into_any(),
                                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                            })}
                            {form_error(action_error(unpair.value()))}
                            {form_error(action_error(del_t.value()))}
                            {form_error(action_error(move_t.value()))}
                            {all_errors(action_error(move_t.value()))}
                            <TerminalTable lid=lid.clone() terminals manage code unpair del_t move_t/>
                            {move || {
                                let (lid_add, lid_del, lname) = (lid_add.clone(), lid_del.clone(), lname.clone());
                                manage.get().then(move || view! {
                                    <h3>"Add a new terminal"</h3>
                                    <ActionForm action=add attr:class="form inline-form">
                                        <input type="hidden" name="location_id" value=lid_add/>
                                        <label for="serial_number">"ID (serial number)"</label>
                                        <input id="serial_number" name="serial_number" maxlength="64"/>
                                        {field_error(add_err, "serial_number")}
                                        <button type="submit" class="primary">"Add terminal"</button>
                                    </ActionForm>
                                    <ActionForm action=del attr:class="danger-zone">
                                        <input type="hidden" name="id" value=lid_del/>
                                        {form_error(action_error(del.value()))}
                                        <ConfirmButton label="Delete location" confirm="Yes, delete the location"
                                            title=format!("Delete the location {lname}?")
                                            consequence="Its terminals can no longer grant entries here and it leaves every rule's scope; past operations keep their record. This cannot be undone."/>
                                    </ActionForm>
                                })
                            }}
                        }
                            .into_any()
                    }
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TerminalTable(
    lid: String,
    terminals: Resource<Result<Vec<crate::api::locations::TerminalRow>, AppError>>,
    manage: Signal<bool>,
    code: ServerAction<IssuePairingCode>,
    unpair: ServerAction<UnpairTerminal>,
    del_t: ServerAction<DeleteTerminal>,
    move_t: ServerAction<MoveTerminal>,
) -> impl IntoView {
    // Where a terminal can be moved: the other locations the user may see (the service
    // refuses those it may not manage, naming `location_id`).
    let others = Resource::new(
        || (),
        |_| {
            list_locations(LocationFilter {
                page_size: Some(200),
                ..Default::default()
            })
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading terminals…"</p> }>
            {
                let lid = lid.clone();
                move || {
                    let lid = lid.clone();
                    Suspend::new(async move {
                        let rows = terminals.await.unwrap_or_default();
                        if rows.is_empty() {
                            return view! { <p class="muted">"No terminals yet."</p> }.into_any();
                        }
                        view! {
                            <table class="grid" id="terminals">
                                <thead><tr><th>"Terminal ID"</th><th>"Terminal status"</th><th>"Fleet status"</th><th>"Paired at"</th><th></th></tr></thead>
                                <tbody>
                                    {rows
                                        .into_iter()
                                        .map(|t| {
                                            let paired = t.pairing_status == "PAIRED";
                                            let serial = t.serial_number.clone();
                                            let (s1, s2, s3, s4) = (serial.clone(), serial.clone(), serial.clone(), serial.clone());
                                            let (l2, l3, l4) = (lid.clone(), lid.clone(), lid.clone());
                                            view! {
                                                <tr data-serial=serial.clone()>
                                                    <td>{t.serial_number.clone()}</td>
                                                    <td>{if paired { "PAIRED" } else { "NOT PAIRED" }}</td>
                                                    <td>{t.status.clone()}</td>
                                                    <td>{t.paired_at.map(fmt_ms).unwrap_or_default()}</td>
                                                    <td class="row-actions">
                                                        {move || {
                                                            let (s1, s2, s3) = (s1.clone(), s2.clone(), s3.clone());
                                                            let s3b = s3.clone();
                                                            let (l2, l3) = (l2.clone(), l3.clone());
                                                            let (s4a, s4b, label) = (s4.clone(), s4.clone(), format!("Move {s4} to"));
                                                            let (l4a, l4b, here) = (l4.clone(), l4.clone(), l4.clone());
                                                            manage.get().then(move || view! {
                                                                {(!paired).then(|| view! {
                                                                    <ActionForm action=code attr:class="inline">
                                                                        <input type="hidden" name="serial_number" value=s1/>
                                                                        <button type="submit">"Get pairing code"</button>
                                                                    </ActionForm>
                                                                })}
                                                                {paired.then(|| { let s2b = s2.clone(); view! {
                                                                    <ActionForm action=unpair attr:class="inline">
                                                                        <input type="hidden" name="location_id" value=l2/>
                                                                        <input type="hidden" name="serial_number" value=s2.clone()/>
                                                                        <ConfirmButton label="Unpair" confirm="Yes, unpair"
                                                                            title=format!("Unpair the terminal {s2b}?")
                                                                            consequence="The device loses its credentials at once and cannot grant entries until it is paired again with a new code."/>
                                                                    </ActionForm>
                                                                }})}
                                                                <ActionForm action=move_t attr:class="inline move-terminal">
                                                                    <input type="hidden" name="location_id" value=l4a/>
                                                                    <input type="hidden" name="serial_number" value=s4a/>
                                                                    <select name="to" aria-label=label>
                                                                        <Suspense fallback=|| ()>
                                                                            {move || {
                                                                                let here = here.clone();
                                                                                Suspend::new(async move {
                                                                                    others.await.map(|p| p.items).unwrap_or_default()
                                                                                        .into_iter()
                                                                                        .filter(|o| o.id != here)
                                                                                        .map(|o| view! { <option value=o.id.clone()>{format!("{} ({})", o.name, o.city)}</option> })
                                                                                        .collect_view()
                                                                                })
                                                                            }}
                                                                        </Suspense>
                                                                    </select>
                                                                    <button type="submit">"Move to…"</button>
                                                                </ActionForm>
                                                                <ActionForm action=move_t attr:class="inline">
                                                                    <input type="hidden" name="location_id" value=l4b/>
                                                                    <input type="hidden" name="serial_number" value=s4b/>
                                                                    <input type="hidden" name="to" value=""/>
                                                                    <button type="submit">"Unassign"</button>
                                                                </ActionForm>
                                                                <ActionForm action=del_t attr:class="inline">
                                                                    <input type="hidden" name="location_id" value=l3/>
                                                                    <input type="hidden" name="serial_number" value=s3.clone()/>
                                                                    <ConfirmButton label="Delete" confirm="Yes, delete the terminal"
                                                                        title=format!("Delete the terminal {s3b}?")
                                                                        consequence="It leaves this location and can no longer be paired; its past operations stay. This cannot be undone."/>
                                                                </ActionForm>
                                                            })
                                                        }}
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    })
                }
            }
        </Transition>
    }
}
