//! The fleet screens' parts that used to exist only in the platform REST API: a terminal's
//! descriptive fields (edit), its analytics, its collection sessions and terminal IDs, and the
//! processor terminal-ID inventory page. Admin only (every call passes the fleet gate).

use super::charts::BarChart;
use super::common::{action_error, field_error, fmt_ms, form_error};
use crate::api::fleet::{
    list_collections, list_inventory, terminal_analytics, AssignTerminalId, ImportTerminalIds,
    PrepareCollection, ReleaseTerminalId, ReserveTerminalId, RetireTerminalId,
    UpdateTerminalDetails,
};
use access_core::model::{
    currency_digits, fmt_minor, AppError, FleetAnalyticsQuery, FleetInventoryFilter,
    FleetProcessor, FleetTerminalDetail,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

fn value_field(
    label: &'static str,
    id: &'static str,
    name: &'static str,
    maxlength: u32,
    value: Option<String>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input id=id name=name maxlength=maxlength value=value.unwrap_or_default()/>
        {field_error(error, name)}
    }
}

/// The terminal's descriptive fields, editable (the fleet API's `PATCH`).
#[component]
pub fn DetailsForm(
    action: ServerAction<UpdateTerminalDetails>,
    d: FleetTerminalDetail,
) -> impl IntoView {
    let error = action_error(action.value());
    let saved = move || {
        action
            .value()
            .get()
            .is_some_and(|r| r.is_ok())
            .then(|| view! { <p class="notice" role="status">"Saved."</p> })
    };
    view! {
        <ActionForm action=action attr:class="form fleet-details-form" attr:id="fleet-details-form">
            <h2>"Edit details"</h2>
            {form_error(error)}
            {saved}
            <input type="hidden" name="id" value=d.id.clone()/>
            {value_field("Name", "fleet-terminal-name", "terminal_name", 100, d.terminal_name.clone(), error)}
            {value_field("Device model", "fleet-device-model", "device_model", 100, d.device_model.clone(), error)}
            {value_field("OEM", "fleet-oem", "oem", 100, d.oem.clone(), error)}
            {value_field("Profile", "fleet-profile", "profile_id", 64, d.profile_id.clone(), error)}
            {value_field("Contact name", "fleet-contact-name", "contact_name", 100, d.contact_name.clone(), error)}
            {value_field("Contact email", "fleet-contact-email", "contact_email", 254, d.contact_email.clone(), error)}
            {value_field("Contact phone", "fleet-contact-phone", "contact_phone", 32, d.contact_phone.clone(), error)}
            <label for="fleet-notes">"Onboarding notes"</label>
            <textarea id="fleet-notes" name="onboarding_notes" maxlength="2000">{d.onboarding_notes.clone().unwrap_or_default()}</textarea>
            {field_error(error, "onboarding_notes")}
            <div class="actions">
                <button type="submit" disabled=move || action.pending().get()>"Save details"</button>
            </div>
        </ActionForm>
    }
}

fn money(minor: i64) -> String {
    // The fleet sums amounts whatever their currency (as its API does): two decimals.
    fmt_minor(minor, 2)
}

/// The terminal's transactions over a period (the fleet API's analytics).
#[component]
pub fn Analytics(id: String) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let interval = RwSignal::new("day".to_owned());
    let data = Resource::new(
        move || {
            (
                id.clone(),
                FleetAnalyticsQuery {
                    from: Some(from.get()),
                    to: Some(to.get()),
                    interval: Some(interval.get()),
                },
            )
        },
        |(id, q)| terminal_analytics(id, q),
    );
    view! {
        <section class="fleet-analytics" id="fleet-analytics">
            <h2>"Analytics"</h2>
            <div class="filters">
                <label>"From"
                    <input type="date" name="analytics_from" prop:value=move || from.get()
                        on:change=move |ev| from.set(event_target_value(&ev))/>
                </label>
                <label>"To"
                    <input type="date" name="analytics_to" prop:value=move || to.get()
                        on:change=move |ev| to.set(event_target_value(&ev))/>
                </label>
                <label>"Interval"
                    <select name="analytics_interval" on:change=move |ev| interval.set(event_target_value(&ev))>
                        {[("day", "Day"), ("week", "Week"), ("month", "Month")]
                            .into_iter()
                            .map(|(v, text)| view! { <option value=v selected=move || interval.get() == v>{text}</option> })
                            .collect_view()}
                    </select>
                </label>
                <span class="muted">"Default: the last 30 days"</span>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(a) => {
                            let s = a.summary.clone();
                            let every = (a.series.len() / 10).max(1);
                            let series: Vec<(String, u64)> = a
                                .series
                                .iter()
                                .map(|(at, st)| (fmt_ms(*at).get(5..10).unwrap_or_default().to_owned(), st.count))
                                .collect();
                            let channels = a.by_channel.clone();
                            view! {
                                <div class="stats">
                                    <div class="stat"><span class="stat-value" data-stat="transactions">{s.count}</span><span class="stat-label">"Transactions"</span></div>
                                    <div class="stat"><span class="stat-value" data-stat="successful">{s.successful}</span><span class="stat-label">"Successful"</span></div>
                                    <div class="stat"><span class="stat-value" data-stat="failed">{s.failed}</span><span class="stat-label">"Failed"</span></div>
                                    <div class="stat"><span class="stat-value" data-stat="success-rate">{format!("{:.2}%", s.success_rate)}</span><span class="stat-label">"Success rate"</span></div>
                                    <div class="stat"><span class="stat-value" data-stat="volume">{money(s.volume_minor)}</span><span class="stat-label">"Volume"</span></div>
                                    <div class="stat"><span class="stat-value">{money(s.settled_minor)}</span><span class="stat-label">"Settled (after fees)"</span></div>
                                </div>
                                <p class="muted">{match a.last_transaction_at {
                                    Some(t) => format!("Last successful transaction {} ({} days ago).", fmt_ms(t), a.days_since_last_transaction.unwrap_or(0)),
                                    None => "No successful transaction yet.".to_owned(),
                                }}</p>
                                <BarChart title="Transactions per bucket" data=series label_every=every color="#6a4fc2"/>
                                <table class="grid" id="fleet-channels">
                                    <thead><tr><th>"Channel"</th><th>"Transactions"</th><th>"Successful"</th><th>"Volume"</th></tr></thead>
                                    <tbody>
                                        {channels
                                            .into_iter()
                                            .map(|(c, st)| view! {
                                                <tr><td>{c}</td><td>{st.count}</td><td>{st.successful}</td><td>{money(st.volume_minor)}</td></tr>
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                                .into_any()
                        }
                        Err(e) => super::status::error_page(e),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Prepare a collection on the terminal and list its recent sessions.
#[component]
pub fn Collections(id: String) -> impl IntoView {
    let prepare = ServerAction::<PrepareCollection>::new();
    let error = action_error(prepare.value());
    let tid = id.clone();
    let list = Resource::new(
        move || (tid.clone(), prepare.version().get()),
        |(id, _)| list_collections(id),
    );
    view! {
        <section class="fleet-collections" id="fleet-collections">
            <h2>"Collection sessions"</h2>
            <ActionForm action=prepare attr:class="form fleet-collection-form" attr:id="fleet-collection-form">
                <h3>"Prepare a collection"</h3>
                {form_error(error)}
                <input type="hidden" name="id" value=id/>
                <label for="fleet-collection-amount">"Amount"</label>
                <input id="fleet-collection-amount" name="amount" inputmode="decimal" placeholder="25.00"/>
                {field_error(error, "amount")}
                <label for="fleet-collection-currency">"Currency"</label>
                <input id="fleet-collection-currency" name="currency" maxlength="3" placeholder="NGN"/>
                {field_error(error, "currency")}
                <label for="fleet-collection-reference">"Reference (optional)"</label>
                <input id="fleet-collection-reference" name="reference" maxlength="64"/>
                {field_error(error, "reference")}
                <label for="fleet-collection-description">"Description (optional)"</label>
                <input id="fleet-collection-description" name="description" maxlength="255"/>
                {field_error(error, "description")}
                <label for="fleet-collection-expiry">"Expires in minutes (optional)"</label>
                <input id="fleet-collection-expiry" name="expires_in_minutes" inputmode="numeric"/>
                {field_error(error, "expires_in_minutes")}
                <div class="actions">
                    <button type="submit" disabled=move || prepare.pending().get()>"Prepare collection"</button>
                </div>
            </ActionForm>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="muted">"No collection sessions yet."</p> }.into_any(),
                        Ok(rows) => view! {
                            <table class="grid" id="fleet-collections-table">
                                <thead><tr><th>"Session"</th><th>"Amount"</th><th>"Status"</th><th>"Reference"</th><th>"Created"</th><th>"Expires"</th></tr></thead>
                                <tbody>
                                    {rows
                                        .into_iter()
                                        .map(|c| view! {
                                            <tr data-session=c.id.clone()>
                                                <td class="mono">{c.id.clone()}</td>
                                                <td>{format!("{} {}", fmt_minor(c.amount_minor, currency_digits(&c.currency)), c.currency)}</td>
                                                <td>{c.status.clone()}</td>
                                                <td>{c.reference.clone().unwrap_or_default()}</td>
                                                <td>{fmt_ms(c.created_at)}</td>
                                                <td>{fmt_ms(c.expires_at)}</td>
                                            </tr>
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                        .into_any(),
                        Err(e) => super::status::error_page(e),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Reserve a processor terminal ID for this terminal, then assign it (a mapping).
#[component]
pub fn TerminalIds(
    id: String,
    known: Vec<FleetProcessor>,
    assign: ServerAction<AssignTerminalId>,
) -> impl IntoView {
    let reserve = ServerAction::<ReserveTerminalId>::new();
    let error = action_error(reserve.value());
    let assign_error = action_error(assign.value());
    let tid = id.clone();
    let reserved = move || {
        reserve.value().get().and_then(|r| r.ok()).map(|item| {
            let tid = tid.clone();
            view! {
                <ActionForm action=assign attr:class="inline fleet-assign-id-form">
                    <input type="hidden" name="id" value=tid/>
                    <input type="hidden" name="inventory_id" value=item.id.clone()/>
                    <span>{format!("Reserved {} ({}) until {} ", item.terminal_code, item.processor_code, item.reserved_until.map(fmt_ms).unwrap_or_default())}</span>
                    <button type="submit" disabled=move || assign.pending().get()>"Assign to this terminal"</button>
                </ActionForm>
            }
        })
    };
    view! {
        <section class="fleet-terminal-ids" id="fleet-terminal-ids">
            <h2>"Terminal IDs from the inventory"</h2>
            <ActionForm action=reserve attr:class="inline fleet-reserve-form" attr:id="fleet-reserve-form">
                {form_error(error)}
                <input type="hidden" name="id" value=id/>
                <label for="fleet-reserve-processor">"Processor"</label>
                <select id="fleet-reserve-processor" name="processor_code">
                    {known
                        .into_iter()
                        .map(|p| view! { <option value=p.code>{p.name}</option> })
                        .collect_view()}
                </select>
                <button type="submit" disabled=move || reserve.pending().get()>"Reserve an ID"</button>
            </ActionForm>
            {form_error(assign_error)}
            {reserved}
            <p class="muted"><A href="/fleet/inventory">"The whole inventory"</A></p>
        </section>
    }
}

const INVENTORY_STATUSES: [(&str, &str); 5] = [
    ("", "All"),
    ("available", "Available"),
    ("reserved", "Reserved"),
    ("assigned", "Assigned"),
    ("retired", "Retired"),
];

fn inventory_filter() -> Memo<FleetInventoryFilter> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            FleetInventoryFilter {
                processor: get("processor"),
                status: get("status"),
                search: get("search"),
                page: get("page").and_then(|p| p.parse().ok()),
            }
        })
    })
}

/// The processor terminal-ID inventory: list (filtered by processor, status, search), import,
/// release and retire.
#[component]
pub fn InventoryPage() -> impl IntoView {
    let filter = inventory_filter();
    let import = ServerAction::<ImportTerminalIds>::new();
    let release = ServerAction::<ReleaseTerminalId>::new();
    let retire = ServerAction::<RetireTerminalId>::new();
    let import_error = action_error(import.value());
    let release_error = action_error(release.value());
    let retire_error = action_error(retire.value());
    let page = Resource::new(
        move || {
            (
                filter.get(),
                import.version().get(),
                release.version().get(),
                retire.version().get(),
            )
        },
        |(f, ..)| list_inventory(f),
    );
    let f = move || filter.get();
    let imported = move || {
        import.value().get().and_then(|r| r.ok()).map(|r| {
            view! {
                <p class="notice" role="status" id="fleet-import-result">
                    {format!("Imported {}, duplicates {}, failed {}", r.imported, r.duplicates, r.failed)}
                    {(!r.failed_ids.is_empty()).then(|| format!(" ({})", r.failed_ids.join(", ")))}
                </p>
            }
        })
    };
    view! {
        <Title text="Terminal IDs · Fleet · Access Control"/>
        <div class="page-head">
            <h1>"Terminal-ID inventory"</h1>
            <A href="/fleet">"Back to the fleet"</A>
        </div>
        <Form method="GET" action="/fleet/inventory" attr:class="filters" attr:id="inventory-filters">
            <label>"Processor"
                <select name="processor">
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            page.await
                                .map(|p| {
                                    let current = p.processor.clone();
                                    p.processors
                                        .into_iter()
                                        .map(|pr| {
                                            let selected = pr.code == current;
                                            view! { <option value=pr.code selected=selected>{pr.name}</option> }
                                        })
                                        .collect_view()
                                })
                                .ok()
                        })}
                    </Suspense>
                </select>
            </label>
            <label>"Status"
                <select name="status">
                    {INVENTORY_STATUSES
                        .iter()
                        .map(|(v, text)| view! {
                            <option value=*v selected=move || f().status.unwrap_or_default() == *v>{*text}</option>
                        })
                        .collect_view()}
                </select>
            </label>
            <label>"Search"<input name="search" prop:value=move || f().search.unwrap_or_default()/></label>
            <button type="submit">"Apply"</button>
        </Form>
        {form_error(release_error)}
        {form_error(retire_error)}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => {
                        let total = p.total;
                        let pages = total.div_ceil(p.page_size).max(1);
                        let current = p.page;
                        let link = move |n: u64| {
                            let mut pairs = vec![("page", n.to_string())];
                            let fl = filter.get_untracked();
                            for (k, v) in [("processor", fl.processor), ("status", fl.status), ("search", fl.search)] {
                                if let Some(v) = v {
                                    pairs.push((k, v));
                                }
                            }
                            format!("/fleet/inventory?{}", access_core::model::query_string(&pairs))
                        };
                        view! {
                            <p class="muted" id="inventory-total">{format!("{total} terminal IDs")}</p>
                            <table class="grid" id="inventory-table">
                                <thead><tr><th>"Terminal ID"</th><th>"Processor"</th><th>"Status"</th><th>"Terminal"</th><th>"Batch"</th><th>"Added"</th><th></th></tr></thead>
                                <tbody>
                                    {p.items
                                        .into_iter()
                                        .map(|i| {
                                            let releasable = i.status == "reserved" || i.status == "assigned";
                                            let retirable = i.status != "retired";
                                            let (rid, tid) = (i.id.clone(), i.id.clone());
                                            view! {
                                                <tr data-inventory=i.terminal_code.clone()>
                                                    <td class="mono">{i.terminal_code.clone()}</td>
                                                    <td>{i.processor_code.clone()}</td>
                                                    <td>{i.status.clone()}</td>
                                                    <td>{i.terminal_id.clone().map(|t| view! { <A href=format!("/fleet/{t}")>{t.clone()}</A> })}</td>
                                                    <td>{i.batch_id.clone().unwrap_or_default()}</td>
                                                    <td>{fmt_ms(i.created_at)}</td>
                                                    <td class="row-actions">
                                                        {releasable.then(|| view! {
                                                            <ActionForm action=release attr:class="inline">
                                                                <input type="hidden" name="inventory_id" value=rid/>
                                                                <button type="submit">"Release"</button>
                                                            </ActionForm>
                                                        })}
                                                        {retirable.then(|| view! {
                                                            <ActionForm action=retire attr:class="inline fleet-retire-form">
                                                                <input type="hidden" name="inventory_id" value=tid/>
                                                                <input name="reason" placeholder="Reason" maxlength="500" aria-label="Reason to retire"/>
                                                                <button type="submit" class="danger">"Retire"</button>
                                                            </ActionForm>
                                                        })}
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            <nav class="pager">
                                {(current > 1).then(|| view! { <A href=link(current - 1)>"Previous"</A> })}
                                <span>{format!("Page {current} of {pages}")}</span>
                                {(current < pages).then(|| view! { <A href=link(current + 1)>"Next"</A> })}
                            </nav>
                        }
                            .into_any()
                    }
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Transition>
        <ActionForm action=import attr:class="form fleet-import-form" attr:id="fleet-import-form">
            <h2>"Import terminal IDs"</h2>
            {form_error(import_error)}
            {imported}
            <label for="fleet-import-processor">"Processor"</label>
            <select id="fleet-import-processor" name="processor">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        page.await
                            .map(|p| {
                                let current = p.processor.clone();
                                p.processors
                                    .into_iter()
                                    .map(|pr| {
                                        let selected = pr.code == current;
                                        view! { <option value=pr.code selected=selected>{pr.name}</option> }
                                    })
                                    .collect_view()
                            })
                            .ok()
                    })}
                </Suspense>
            </select>
            <label for="fleet-import-ids">"Terminal IDs (one per line)"</label>
            <textarea id="fleet-import-ids" name="terminal_ids" rows="6"></textarea>
            {field_error(import_error, "terminal_ids")}
            <label for="fleet-import-batch">"Batch reference (optional)"</label>
            <input id="fleet-import-batch" name="batch_reference" maxlength="64"/>
            {field_error(import_error, "batch_reference")}
            <label for="fleet-import-notes">"Notes (optional)"</label>
            <input id="fleet-import-notes" name="notes" maxlength="500"/>
            <div class="actions">
                <button type="submit" disabled=move || import.pending().get()>"Import"</button>
            </div>
        </ActionForm>
    }
}
