//! Fleet (Admin only): every tenant's POS terminals with the fleet API's filters (kept in the
//! URL), server-side paging, and a terminal's page with status changes, business assignment,
//! processor mappings, recent events and the fleet metrics drawn as a chart; the descriptive
//! fields, analytics, collection sessions and terminal IDs are in `fleet_more`.

use super::charts::BarChart;
use super::common::{action_error, field_error, fmt_ms, form_error};
use super::fleet_more::{Analytics, Collections, DetailsForm, TerminalIds};
use crate::api::fleet::{
    fleet_metrics, get_terminal, list_terminals, AssignTerminal, AssignTerminalId, CreateMapping,
    DeleteMapping, SetPrimaryMapping, UnassignTerminal, UpdateTerminalDetails,
    UpdateTerminalStatus,
};
use access_core::model::{
    AppError, FleetAssignment, FleetEvent, FleetFilter, FleetMapping, FleetMetricsQuery,
    FleetProcessor, FleetTerminalDetail, FleetTerminalRow, FLEET_STATUSES,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

fn query_filter() -> Memo<FleetFilter> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            FleetFilter {
                status: q
                    .get_all("status")
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect(),
                search: get("search"),
                assignment: get("assignment"),
                tenant_id: get("tenant_id"),
                sort: get("sort"),
                order: get("order"),
                page: get("page").and_then(|p| p.parse().ok()),
            }
        })
    })
}

fn page_href(f: &FleetFilter, page: u64) -> String {
    let qs = f.query_string();
    if qs.is_empty() {
        format!("/fleet?page={page}")
    } else {
        format!("/fleet?page={page}&{qs}")
    }
}

fn opt(v: &Option<String>) -> String {
    v.clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "—".into())
}

fn opt_ms(v: Option<i64>) -> String {
    v.map(fmt_ms).unwrap_or_else(|| "never".into())
}

fn status_badge(status: &str) -> impl IntoView {
    let class = format!("status status-{status}");
    view! { <span class=class>{status.to_owned()}</span> }
}

fn choice(
    label: &'static str,
    name: &'static str,
    options: &'static [(&'static str, &'static str)],
    value: impl Fn() -> Option<String> + Send + Sync + Copy + 'static,
) -> impl IntoView {
    view! {
        <label>{label}
            <select name=name>
                {options
                    .iter()
                    .map(|(v, text)| view! {
                        <option value=*v selected=move || value().unwrap_or_default() == *v>{*text}</option>
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

const ASSIGNMENTS: [(&str, &str); 3] = [
    ("", "All"),
    ("assigned", "Assigned"),
    ("unassigned", "Unassigned"),
];
const SORTS: [(&str, &str); 4] = [
    ("", "Created"),
    ("terminal_id", "Terminal ID"),
    ("status", "Status"),
    ("terminal_name", "Name"),
];
const ORDERS: [(&str, &str); 2] = [("", "Newest first"), ("asc", "Oldest first")];

/// A labelled text input of a form with its field error beneath.
fn text_field(
    label: &'static str,
    id: &'static str,
    name: &'static str,
    maxlength: u32,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input id=id name=name maxlength=maxlength/>
        {field_error(error, name)}
    }
}
#[component]
pub fn FleetPage() -> impl IntoView {
    let filter = query_filter();
    let terminals = Resource::new(move || filter.get(), list_terminals);
    let f = move || filter.get();
    view! {
        <Title text="Fleet · Access Control"/>
        <div class="page-head">
            <h1>"Fleet"</h1>
            <A href="/fleet/inventory">"Terminal-ID inventory"</A>
        </div>
        <Form method="GET" action="/fleet" attr:class="filters fleet-filters" attr:id="fleet-filters">
            <fieldset class="fleet-statuses">
                <legend>"Status"</legend>
                {FLEET_STATUSES
                    .into_iter()
                    .map(|s| view! {
                        <label class="check">
                            <input type="checkbox" name="status" value=s
                                prop:checked=move || filter.with(|f| f.status.iter().any(|x| x == s))/>
                            {s}
                        </label>
                    })
                    .collect_view()}
            </fieldset>
            <label>"Search"
                <input name="search" type="search" placeholder="Serial, terminal ID, name, business"
                    prop:value=move || f().search.unwrap_or_default()/>
            </label>
            {choice("Assignment", "assignment", &ASSIGNMENTS, move || filter.get().assignment)}
            <label>"Tenant"
                <input name="tenant_id" size="12" placeholder="tenant_…" prop:value=move || f().tenant_id.unwrap_or_default()/>
            </label>
            {choice("Sort by", "sort", &SORTS, move || filter.get().sort)}
            {choice("Order", "order", &ORDERS, move || filter.get().order)}
            <button type="submit">"Filter"</button>
            <A href="/fleet">"Clear"</A>
        </Form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match terminals.await {
                    Ok(page) => {
                        let f = filter.get_untracked();
                        let pages = page.pages();
                        view! {
                            <table class="grid fleet" id="fleet">
                                <thead>
                                    <tr>
                                        <th>"Serial"</th><th>"Terminal ID"</th><th>"Name"</th><th>"Status"</th>
                                        <th>"Tenant"</th><th>"Assignment"</th><th>"Location"</th><th>"Last seen"</th>
                                    </tr>
                                </thead>
                                <tbody>{page.items.into_iter().map(terminal_row).collect_view()}</tbody>
                            </table>
                            {(page.total == 0).then(|| view! { <p class="muted">"No terminals match these filters."</p> })}
                            <p class="pager">
                                {format!("{} terminals · page {} of {} ", page.total, page.page, pages)}
                                {(page.page > 1).then(|| view! { <A href=page_href(&f, page.page - 1)>"Previous"</A> })}
                                " "
                                {(page.page < pages).then(|| view! { <A href=page_href(&f, page.page + 1)>"Next"</A> })}
                            </p>
                            <MetricsChart tenant_id=None/>
                        }
                            .into_any()
                    }
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Transition>
    }
    .into_any()
}

fn terminal_row(t: FleetTerminalRow) -> impl IntoView {
    let assignment = if t.assigned {
        t.business_name.clone().unwrap_or_else(|| "assigned".into())
    } else {
        "unassigned".into()
    };
    let location = t.location_name.clone().or(t.location_id.clone());
    view! {
        <tr data-terminal-id=t.id.clone() data-status=t.status.clone()>
            <td class="mono"><A href=format!("/fleet/{}", t.id)>{t.serial_number.clone()}</A></td>
            <td class="mono">{opt(&t.terminal_id)}</td>
            <td>{opt(&t.terminal_name)}</td>
            <td>{status_badge(&t.status)}</td>
            <td>{opt(&t.tenant_name)}</td>
            <td>{assignment}</td>
            <td>{opt(&location)}</td>
            <td>{opt_ms(t.last_seen_at)}</td>
        </tr>
    }
}

const INTERVALS: [(&str, &str); 2] = [("day", "Day"), ("week", "Week")];

/// The fleet metrics (total, active and assigned terminals per bucket) over a range, of one
/// tenant or of the whole fleet. The range is picked in the page (no reload).
#[component]
fn MetricsChart(tenant_id: Option<String>) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let interval = RwSignal::new("day".to_owned());
    let series = Resource::new(
        move || FleetMetricsQuery {
            from: Some(from.get()),
            to: Some(to.get()),
            interval: Some(interval.get()),
            tenant_id: tenant_id.clone(),
        },
        fleet_metrics,
    );
    view! {
        <section class="fleet-metrics" id="fleet-metrics">
            <h2>"Fleet metrics"</h2>
            <div class="filters">
                <label>"From"
                    <input type="date" name="metrics_from" prop:value=move || from.get()
                        on:change=move |ev| from.set(event_target_value(&ev))/>
                </label>
                <label>"To"
                    <input type="date" name="metrics_to" prop:value=move || to.get()
                        on:change=move |ev| to.set(event_target_value(&ev))/>
                </label>
                <label>"Interval"
                    <select name="metrics_interval" on:change=move |ev| interval.set(event_target_value(&ev))>
                        {INTERVALS
                            .into_iter()
                            .map(|(v, text)| view! { <option value=v selected=move || interval.get() == v>{text}</option> })
                            .collect_view()}
                    </select>
                </label>
                <span class="muted">"Default: the last 30 days"</span>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match series.await {
                        Ok(points) => {
                            let every = (points.len() / 10).max(1);
                            let label = |ms: i64| fmt_ms(ms).get(5..10).unwrap_or_default().to_owned();
                            let active: Vec<(String, u64)> =
                                points.iter().map(|p| (label(p.bucket), p.active)).collect();
                            let assigned: Vec<(String, u64)> =
                                points.iter().map(|p| (label(p.bucket), p.assigned)).collect();
                            let last = points.last().copied();
                            view! {
                                {last.map(|p| view! {
                                    <p class="fleet-latest">
                                        {format!("Latest bucket: {} terminals · {} active · {} assigned", p.total, p.active, p.assigned)}
                                    </p>
                                })}
                                <div class="charts">
                                    <BarChart title="Active terminals" data=active label_every=every color="#2e9e6a"/>
                                    <BarChart title="Assigned terminals" data=assigned label_every=every/>
                                </div>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
pub fn FleetTerminalPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let status = ServerAction::<UpdateTerminalStatus>::new();
    let assign = ServerAction::<AssignTerminal>::new();
    let unassign = ServerAction::<UnassignTerminal>::new();
    let create = ServerAction::<CreateMapping>::new();
    let primary = ServerAction::<SetPrimaryMapping>::new();
    let delete = ServerAction::<DeleteMapping>::new();
    let details = ServerAction::<UpdateTerminalDetails>::new();
    let assign_id = ServerAction::<AssignTerminalId>::new();
    let detail = Resource::new(
        move || {
            (
                id(),
                status.version().get(),
                assign.version().get(),
                unassign.version().get(),
                create.version().get(),
                primary.version().get(),
                delete.version().get(),
                details.version().get(),
                assign_id.version().get(),
            )
        },
        |(id, ..)| get_terminal(id),
    );
    let actions = MappingActions {
        create,
        primary,
        delete,
    };
    view! {
        <Title text="Terminal · Fleet · Access Control"/>
        <div class="page-head">
            <h1>"Terminal"</h1>
            <A href="/fleet">"Back to the fleet"</A>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => {
                        let tenant = d.tenant_id.clone();
                        view! {
                            <h2 class="fleet-serial mono">{d.serial_number.clone()}</h2>
                            {detail_table(&d)}
                            <div class="fleet-forms">
                                <StatusForm action=status id=d.id.clone() current=d.status.clone() next=d.next_statuses.clone()/>
                                <AssignmentForm assign=assign unassign=unassign id=d.id.clone() current=d.current_assignment.clone()/>
                            </div>
                            <DetailsForm action=details d=d.clone()/>
                            <Mappings actions=actions id=d.id.clone() list=d.processors.clone() known=d.known_processors.clone()/>
                            <TerminalIds id=d.id.clone() known=d.known_processors.clone() assign=assign_id/>
                            <Analytics id=d.id.clone()/>
                            <Collections id=d.id.clone()/>
                            <Assignments list=d.assignments.clone()/>
                            <Events list=d.events.clone()/>
                            <MetricsChart tenant_id=tenant/>
                        }
                            .into_any()
                    }
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Transition>
    }
    .into_any()
}

fn detail_table(d: &FleetTerminalDetail) -> impl IntoView {
    let assignment = d
        .current_assignment
        .as_ref()
        .map(|a| format!("{} ({})", a.business_name, a.business_id))
        .unwrap_or_else(|| "unassigned".into());
    let tenant = match (&d.tenant_name, &d.tenant_id) {
        (Some(n), _) => n.clone(),
        (None, Some(id)) => id.clone(),
        _ => "—".into(),
    };
    let rows: Vec<(&'static str, String)> = vec![
        ("Terminal", d.id.clone()),
        ("Serial number", d.serial_number.clone()),
        ("Terminal ID", opt(&d.terminal_id)),
        ("Name", opt(&d.terminal_name)),
        ("Tenant", tenant),
        ("Assignment", assignment),
        ("Device model", opt(&d.device_model)),
        ("OEM", opt(&d.oem)),
        ("Profile", opt(&d.profile_id)),
        (
            "Location",
            opt(&d.location_name.clone().or(d.location_id.clone())),
        ),
        ("Pairing", d.pairing_status.clone()),
        ("Activated", opt_ms(d.activated_at)),
        ("Last seen", opt_ms(d.last_seen_at)),
        ("Created", fmt_ms(d.created_at)),
        ("Updated", fmt_ms(d.updated_at)),
    ];
    view! {
        <table class="grid details fleet-details">
            <tbody>
                <tr><th scope="row">"Status"</th><td>{status_badge(&d.status)}</td></tr>
                {rows
                    .into_iter()
                    .map(|(k, v)| view! { <tr><th scope="row">{k}</th><td>{v}</td></tr> })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn StatusForm(
    action: ServerAction<UpdateTerminalStatus>,
    id: String,
    current: String,
    next: Vec<String>,
) -> impl IntoView {
    let error = action_error(action.value());
    if next.is_empty() {
        return view! {
            <section class="fleet-status">
                <h2>"Status"</h2>
                <p class="muted">{format!("This terminal is {current}; a blocked terminal stays blocked.")}</p>
            </section>
        }
        .into_any();
    }
    view! {
        <ActionForm action=action attr:class="form fleet-status-form" attr:id="fleet-status-form">
            <h2>"Change status"</h2>
            {form_error(error)}
            <input type="hidden" name="id" value=id/>
            <label for="fleet-status">"New status"</label>
            <select id="fleet-status" name="status">
                {next
                    .into_iter()
                    .map(|s| {
                        let v = s.clone();
                        view! { <option value=v>{s}</option> }
                    })
                    .collect_view()}
            </select>
            {field_error(error, "status")}
            {text_field("Reason", "fleet-reason", "reason", 500, error)}
            <div class="actions">
                <button type="submit" disabled=move || action.pending().get()>"Change status"</button>
            </div>
        </ActionForm>
    }
    .into_any()
}

#[component]
fn AssignmentForm(
    assign: ServerAction<AssignTerminal>,
    unassign: ServerAction<UnassignTerminal>,
    id: String,
    current: Option<FleetAssignment>,
) -> impl IntoView {
    let error = action_error(assign.value());
    let unassign_error = action_error(unassign.value());
    let uid = id.clone();
    let heading = if current.is_some() {
        "Reassign"
    } else {
        "Assign to a business"
    };
    view! {
        <ActionForm action=assign attr:class="form fleet-assign-form" attr:id="fleet-assign-form">
            <h2>{heading}</h2>
            {form_error(error)}
            <input type="hidden" name="id" value=id/>
            {text_field("Business ID", "fleet-business-id", "business_id", 64, error)}
            {text_field("Business name", "fleet-business-name", "business_name", 200, error)}
            {text_field("Ledger account ID", "fleet-ledger-id", "ledger_account_id", 64, error)}
            {text_field("Ledger account name", "fleet-ledger-name", "ledger_account_name", 200, error)}
            {text_field("Reason", "fleet-assign-reason", "assignment_reason", 500, error)}
            <div class="actions">
                <button type="submit" disabled=move || assign.pending().get()>"Assign"</button>
            </div>
        </ActionForm>
        {current.map(|a| view! {
            <ActionForm action=unassign attr:class="inline fleet-unassign-form">
                {form_error(unassign_error)}
                <input type="hidden" name="id" value=uid/>
                <span>{format!("Assigned to {} since {} ", a.business_name, fmt_ms(a.assigned_at))}</span>
                <button type="submit" class="danger" disabled=move || unassign.pending().get()>"Unassign"</button>
            </ActionForm>
        })}
    }
    .into_any()
}

#[derive(Clone, Copy)]
struct MappingActions {
    create: ServerAction<CreateMapping>,
    primary: ServerAction<SetPrimaryMapping>,
    delete: ServerAction<DeleteMapping>,
}

#[component]
fn Mappings(
    actions: MappingActions,
    id: String,
    list: Vec<FleetMapping>,
    known: Vec<FleetProcessor>,
) -> impl IntoView {
    let MappingActions {
        create,
        primary,
        delete,
    } = actions;
    let create_error = action_error(create.value());
    let primary_error = action_error(primary.value());
    let delete_error = action_error(delete.value());
    let empty = list.is_empty();
    let rows = list
        .into_iter()
        .map(|m| {
            let tid = id.clone();
            let tid2 = id.clone();
            let mid = m.id.clone();
            let mid2 = m.id.clone();
            let can_primary = m.active && !m.is_primary;
            let active = m.active;
            view! {
                <tr data-mapping-id=m.id.clone() class:inactive=!m.active>
                    <td>{m.processor_code.clone()}</td>
                    <td class="mono">{m.processor_terminal_id.clone()}</td>
                    <td>{if m.is_primary { "primary" } else { "" }}</td>
                    <td>{if m.active { "active" } else { "deleted" }}</td>
                    <td>{fmt_ms(m.created_at)}</td>
                    <td class="row-actions">
                        {can_primary.then(|| view! {
                            <ActionForm action=primary attr:class="inline">
                                <input type="hidden" name="id" value=tid/>
                                <input type="hidden" name="mapping_id" value=mid/>
                                <button type="submit">"Make primary"</button>
                            </ActionForm>
                        })}
                        {active.then(|| view! {
                            <ActionForm action=delete attr:class="inline">
                                <input type="hidden" name="id" value=tid2/>
                                <input type="hidden" name="mapping_id" value=mid2/>
                                <button type="submit" class="danger">"Delete"</button>
                            </ActionForm>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="fleet-mappings">
            <h2>"Processor mappings"</h2>
            {form_error(primary_error)}
            {form_error(delete_error)}
            <table class="grid" id="fleet-mappings">
                <thead>
                    <tr><th>"Processor"</th><th>"Processor terminal ID"</th><th>"Primary"</th><th>"State"</th><th>"Created"</th><th></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {empty.then(|| view! { <p class="muted">"No processor mappings yet."</p> })}
            <ActionForm action=create attr:class="form fleet-mapping-form" attr:id="fleet-mapping-form">
                <h3>"Add a mapping"</h3>
                {form_error(create_error)}
                <input type="hidden" name="id" value=id.clone()/>
                <label for="fleet-processor">"Processor"</label>
                <select id="fleet-processor" name="processor_code">
                    {known
                        .into_iter()
                        .map(|p| view! { <option value=p.code>{p.name}</option> })
                        .collect_view()}
                </select>
                {field_error(create_error, "processor_code")}
                <label for="fleet-processor-tid">"Processor terminal ID"</label>
                <input id="fleet-processor-tid" name="processor_terminal_id" maxlength="32"/>
                {field_error(create_error, "processor_terminal_id")}
                <label for="fleet-primary">"Primary"</label>
                <input id="fleet-primary" type="checkbox" name="is_primary" value="true"/>
                <div class="actions">
                    <button type="submit" disabled=move || create.pending().get()>"Add mapping"</button>
                </div>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[component]
fn Assignments(list: Vec<FleetAssignment>) -> impl IntoView {
    (!list.is_empty()).then(|| {
        view! {
            <section class="fleet-assignments">
                <h2>"Assignment history"</h2>
                <table class="grid" id="fleet-assignments">
                    <thead>
                        <tr><th>"Business"</th><th>"Ledger account"</th><th>"Reason"</th><th>"By"</th><th>"From"</th><th>"Until"</th></tr>
                    </thead>
                    <tbody>
                        {list
                            .into_iter()
                            .map(|a| view! {
                                <tr>
                                    <td>{format!("{} ({})", a.business_name, a.business_id)}</td>
                                    <td>{opt(&a.ledger_account_name.clone().or(a.ledger_account_id.clone()))}</td>
                                    <td>{opt(&a.reason)}</td>
                                    <td>{a.assigned_by.clone()}</td>
                                    <td>{fmt_ms(a.assigned_at)}</td>
                                    <td>{a.unassigned_at.map(fmt_ms).unwrap_or_else(|| "current".into())}</td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </section>
        }
    })
    .into_any()
}

#[component]
fn Events(list: Vec<FleetEvent>) -> impl IntoView {
    let empty = list.is_empty();
    view! {
        <section class="fleet-events">
            <h2>"Recent events"</h2>
            {empty.then(|| view! { <p class="muted">"No events yet."</p> })}
            <ul id="fleet-events">
                {list
                    .into_iter()
                    .map(|e| view! {
                        <li data-event=e.event_type.clone()>
                            <span class="muted">{fmt_ms(e.at)}</span>" "
                            <strong>{e.event_type.clone()}</strong>
                            {e.actor_name.clone().map(|n| format!(" by {n}"))}
                            {(!e.metadata.is_empty()).then(|| view! { " " <code>{e.metadata.clone()}</code> })}
                        </li>
                    })
                    .collect_view()}
            </ul>
        </section>
    }
    .into_any()
}
