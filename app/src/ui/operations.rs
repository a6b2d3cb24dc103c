//! Operations: the live list with the seed's filters (kept in the URL), details, "Show rule",
//! "Show transactions", the reversal, and the export links.
//!
//! Live updates: while the list is open the browser follows the server's event stream
//! (`/api/panel/operations/events`, SSE) and refetches the current page when operations change,
//! so new entries appear without a reload.

use super::common::{action_error, field_error, fmt_ms, form_error, LocalTime};
use super::export::{ExportLink, ExportProgress, ExportStatus};
use super::feedback::{toast_on_ok, ConfirmButton};
use crate::api::operations::{
    get_operation, list_operations, operation_locations, operation_rule, operation_transactions,
    ReverseOperation,
};
use access_core::model::{
    currency_digits, fmt_minor, result_in_words, OperationFilter, OperationView,
    OPERATION_STATUSES, OPERATION_TYPES,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

fn query_filter() -> Memo<OperationFilter> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            OperationFilter {
                country: get("country"),
                location_id: get("location_id"),
                service_code: get("service_code"),
                status: get("status"),
                op_type: get("op_type"),
                from: get("from"),
                until: get("until"),
                masked_pan: get("masked_pan"),
                bin: get("bin"),
                last4: get("last4"),
                terminal: get("terminal"),
                ica: get("ica"),
                tz: get("tz"),
                page: get("page").and_then(|p| p.parse().ok()),
                page_size: None,
            }
        })
    })
}

fn page_href(f: &OperationFilter, page: u64) -> String {
    let qs = f.query_string();
    if qs.is_empty() {
        format!("/operations?page={page}")
    } else {
        format!("/operations?page={page}&{qs}")
    }
}

/// What the entry cost: one amount per currency (`25.00 EUR + 200.00 PLN`).
fn amounts(o: &OperationView) -> String {
    if o.amounts.len() > 1 {
        o.amounts
            .iter()
            .map(|a| a.display())
            .collect::<Vec<_>>()
            .join(" + ")
    } else {
        amount(o.total_minor, &o.currency)
    }
}

pub fn amount(minor: i64, currency: &Option<String>) -> String {
    match currency {
        Some(c) if minor != 0 => format!("{} {c}", fmt_minor(minor, currency_digits(c))),
        _ => "—".into(),
    }
}

/// Follows the live feed: the first signal bumps whenever the server says operations changed,
/// the second tells whether the feed is connected. Browser only; on the server both stay put.
pub fn operations_feed() -> (ReadSignal<u64>, ReadSignal<bool>) {
    let (tick, set_tick) = signal(0u64);
    let (live, set_live) = signal(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::{closure::Closure, JsCast};
        let Ok(es) = web_sys::EventSource::new("/api/panel/operations/events") else {
            return;
        };
        let on_change = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            set_live.set(true);
            set_tick.update(|t| *t += 1);
        });
        // The browser reconnects by itself; meanwhile the note says so.
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| set_live.set(false));
        let _ =
            es.add_event_listener_with_callback("operations", on_change.as_ref().unchecked_ref());
        es.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // Closed on cleanup, the source never calls them again; they stay (a few bytes a visit).
        on_change.forget();
        on_error.forget();
        let es = StoredValue::new_local(es);
        on_cleanup(move || {
            es.try_with_value(|es| es.close());
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_tick, set_live);
    (tick, live)
}

fn text_filter(
    label: &'static str,
    name: &'static str,
    value: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <label>{label}
            <input name=name prop:value=move || value().unwrap_or_default() size="10"/>
        </label>
    }
}

fn select_filter(
    label: &'static str,
    name: &'static str,
    options: &'static [&'static str],
    value: impl Fn() -> Option<String> + Send + Sync + Copy + 'static,
) -> impl IntoView {
    view! {
        <label>{label}
            <select name=name>
                <option value="">"All"</option>
                {options
                    .iter()
                    .map(|o| view! { <option value=*o selected=move || value().as_deref() == Some(*o)>{*o}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

#[component]
pub fn OperationsPage() -> impl IntoView {
    let filter = query_filter();
    let (tick, live) = operations_feed();
    let ops = Resource::new(
        move || (filter.get(), tick.get()),
        |(f, _)| list_operations(f),
    );
    let locations = Resource::new(|| (), |_| operation_locations());
    let f = move || filter.get();
    let zones = Resource::new(|| (), |_| crate::api::locations::list_time_zones());
    let export_ok = super::locations::can(access_core::model::Capability::ReportsExport);
    view! {
        <Title text="Operations · Access Control"/>
        <div class="page-head">
            <h1>"Operations"</h1>
            <span class="muted live-note" data-live=move || if live.get() { "on" } else { "off" }>
                {move || if live.get() { "Live: new entries appear as they happen" } else { "Live updates connecting…" }}
            </span>
        </div>
        <Form method="GET" action="/operations" attr:class="filters">
            {text_filter("Country", "country", move || f().country)}
            <label>"Location"
                <select name="location_id">
                    <option value="">"All"</option>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let current = filter.get_untracked().location_id.unwrap_or_default();
                            locations
                                .await
                                .unwrap_or_default()
                                .into_iter()
                                .map(|l| {
                                    let selected = l.id == current;
                                    view! { <option value=l.id selected=selected>{l.name}</option> }
                                })
                                .collect_view()
                        })}
                    </Suspense>
                </select>
            </label>
            {text_filter("Service", "service_code", move || f().service_code)}
            {select_filter("Status", "status", &OPERATION_STATUSES, move || filter.get().status)}
            {select_filter("Type", "op_type", &OPERATION_TYPES, move || filter.get().op_type)}
            <label>"From"
                <input type="date" name="from" prop:value=move || f().from.unwrap_or_default()/>
            </label>
            <label>"Until"
                <input type="date" name="until" prop:value=move || f().until.unwrap_or_default()/>
            </label>
            {text_filter("Masked PAN", "masked_pan", move || f().masked_pan)}
            {text_filter("BIN", "bin", move || f().bin)}
            {text_filter("Last 4", "last4", move || f().last4)}
            {text_filter("Terminal", "terminal", move || f().terminal)}
            {text_filter("ICA", "ica", move || f().ica)}
            <label title="Days and times of a view over several locations; a chosen location's own zone applies otherwise">"Time zone"
                <select name="tz">
                    <option value="">"UTC"</option>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let current = filter.get_untracked().tz.unwrap_or_default();
                            zones
                                .await
                                .unwrap_or_default()
                                .into_iter()
                                .filter(|z| z != "UTC")
                                .map(|z| {
                                    let selected = z == current;
                                    let label = z.clone();
                                    view! { <option value=z selected=selected>{label}</option> }
                                })
                                .collect_view()
                        })}
                    </Suspense>
                </select>
            </label>
            <button type="submit">"Filter"</button>
            <A href="/operations">"Clear"</A>
        </Form>
        // Only roles that may export see the links (the Call Center may not).
        <Show when=move || export_ok.get()>
            <ExportLinks filter=filter/>
        </Show>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match ops.await {
                    Ok(page) => {
                        let f = filter.get_untracked();
                        let pages = page.pages();
                        let empty = page.items.is_empty();
                        // A chosen zone (or a location's own) is the server's; otherwise times
                        // read in the viewer's zone.
                        let zone_chosen = f.tz.is_some() || f.location_id.is_some();
                        // The zone only changes how times read; it filters nothing.
                        let filtered = !OperationFilter { tz: None, page: None, ..f.clone() }.query_string().is_empty();
                        view! {
                            <table class="grid ops">
                                <thead>
                                    <tr>
                                        <th>"Date"</th><th>"Result"</th><th>"Type"</th><th>"Masked PAN"</th>
                                        <th>"Location"</th><th>"Service"</th><th>"Country"</th><th>"Terminal"</th>
                                        <th>"ICA"</th><th>"Guests"</th><th>"Paid"</th><th>"Amount"</th>
                                    </tr>
                                </thead>
                                <tbody>{page.items.into_iter().map(|o| op_row(o, zone_chosen)).collect_view()}</tbody>
                            </table>
                            {empty.then(|| super::common::empty_state("operations", filtered, "/operations"))}
                            <p class="pager">
                                {format!("{} operations · page {} of {} ", page.total, page.page, pages)}
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

#[component]
fn ExportLinks(filter: Memo<OperationFilter>) -> impl IntoView {
    let href = move |format: &str, kind: &str| {
        let qs = filter.get().query_string();
        let mut url = format!("/api/v1/admin/reports/operations?format={format}&kind={kind}");
        if !qs.is_empty() {
            url.push('&');
            url.push_str(&qs);
        }
        url
    };
    ExportProgress::provide();
    view! {
        <p class="exports">
            "Export report: Summary "
            <ExportLink href=move || href("csv", "summary") name="operations-summary.csv" label="CSV"/>
            " · "
            <ExportLink href=move || href("xlsx", "summary") name="operations-summary.xlsx" label="XLSX"/>
            " — Detailed "
            <ExportLink href=move || href("csv", "detailed") name="operations-detailed.csv" label="CSV"/>
            " · "
            <ExportLink href=move || href("xlsx", "detailed") name="operations-detailed.xlsx" label="XLSX"/>
            " "
            <ExportStatus/>
        </p>
    }
}

fn op_row(o: OperationView, zone_chosen: bool) -> impl IntoView {
    let guests =
        o.free_adult_guests + o.paid_adult_guests + o.free_child_guests + o.paid_child_guests;
    let status_class = format!("status status-{}", o.status.to_lowercase());
    let paid = amounts(&o);
    let when = match (&o.occurred_local, zone_chosen) {
        (Some(local), true) => {
            view! { <span title=fmt_ms(o.occurred_at)>{local.clone()}</span> }.into_any()
        }
        _ => view! { <LocalTime ms=o.occurred_at/> }.into_any(),
    };
    view! {
        <tr data-op-id=o.id.clone()>
            <td class="when"><A href=format!("/operations/{}", o.id)>{when}</A></td>
            <td>
                <span class=status_class>{o.status.clone()}</span>
                " "
                <span class="result">{result_in_words(&o.status, o.reject_code.as_deref())}</span>
            </td>
            <td>{o.op_type.clone()}</td>
            <td class="mono">{o.masked_pan.clone()}</td>
            <td>{o.location_name.clone().unwrap_or_default()}</td>
            <td>{o.service_code.clone().unwrap_or_default()}</td>
            <td>{o.country.clone().unwrap_or_default()}</td>
            <td>{o.terminal_serial.clone().unwrap_or_default()}</td>
            <td>{o.ica.clone().unwrap_or_default()}</td>
            <td>{guests}</td>
            <td>{if o.cardholder_paid { "yes" } else { "no" }}</td>
            <td>{paid}</td>
        </tr>
    }
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".into())
}

fn opt_ms(v: Option<i64>) -> String {
    v.map(fmt_ms).unwrap_or_else(|| "—".into())
}

fn detail_rows(o: &OperationView) -> Vec<(&'static str, String)> {
    vec![
        ("Operation ID", o.id.clone()),
        ("Status", o.status.clone()),
        (
            "Result",
            result_in_words(&o.status, o.reject_code.as_deref()),
        ),
        ("Type", o.op_type.clone()),
        ("Masked PAN", o.masked_pan.clone()),
        ("Location", opt(&o.location_name)),
        ("Service", opt(&o.service_code)),
        ("Country", opt(&o.country)),
        ("Product", opt(&o.product_code)),
        ("Terminal", opt(&o.terminal_serial)),
        ("Reject error code", opt(&o.reject_code)),
        ("Card auth response code", opt(&o.card_auth_response_code)),
        ("ICA ID", opt(&o.ica)),
        ("ICA name", opt(&o.ica_name)),
        (
            "Entry date",
            match &o.occurred_local {
                // The location's local time with its offset, and UTC beside it.
                Some(l) => format!("{l} ({})", fmt_ms(o.occurred_at)),
                None => fmt_ms(o.occurred_at),
            },
        ),
        ("Requested date", fmt_ms(o.requested_at)),
        ("Confirmed date", opt_ms(o.confirmed_at)),
        ("Last change date", fmt_ms(o.updated_at)),
        ("Payment", o.entry_mode.clone()),
        ("Paid cardholder", o.cardholder_paid.to_string()),
        ("Free adult guests", o.free_adult_guests.to_string()),
        ("Paid adult guests", o.paid_adult_guests.to_string()),
        ("Free children guests", o.free_child_guests.to_string()),
        ("Paid children guests", o.paid_child_guests.to_string()),
        ("Amount", amounts(o)),
        (
            "Ruleset version",
            match (&o.ruleset_id, o.ruleset_version) {
                (Some(id), Some(v)) => format!("{id} v{v}"),
                _ => "—".into(),
            },
        ),
        ("Offline basis", opt(&o.offline_basis)),
        (
            "Over the limit",
            match (o.over_limit, o.offline_policy_breach.as_deref()) {
                (true, Some("OFFLINE_DISABLED")) => {
                    "yes (admitted offline where offline entries are not allowed)".into()
                }
                (true, Some("DAILY_LIMIT")) => {
                    "yes (beyond the location's offline entries per card per day)".into()
                }
                (true, _) => "yes (admitted offline with no entry left)".into(),
                (false, _) => "no".into(),
            },
        ),
        ("Reversed by", opt(&o.reversed_by)),
        ("Reversed at", opt_ms(o.reversed_at)),
        ("Reversed reason", opt(&o.reversal_reason)),
    ]
}

#[component]
pub fn OperationDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let reverse = ServerAction::<ReverseOperation>::new();
    toast_on_ok(reverse.value(), "Entry reversed.");
    let detail = Resource::new(
        move || (id(), reverse.version().get()),
        |(id, _)| get_operation(id),
    );
    view! {
        <Title text="Operation details · Access Control"/>
        <div class="page-head">
            <h1>"Operation details"</h1>
            <A href="/operations">"Back to operations"</A>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => {
                        let o = d.operation;
                        let oid = o.id.clone();
                        let has_rule = o.ruleset_id.is_some() && o.ruleset_version.is_some();
                        view! {
                            <p class="actions">
                                {has_rule.then(|| view! { <A href=format!("/operations/{oid}/rule")>"Show rule"</A> })}
                                " "
                                <A href=format!("/operations/{oid}/transactions")>"Show transactions"</A>
                            </p>
                            <table class="grid details">
                                <tbody>
                                    {detail_rows(&o)
                                        .into_iter()
                                        .map(|(k, v)| view! { <tr><th scope="row">{k}</th><td>{v}</td></tr> })
                                        .collect_view()}
                                </tbody>
                            </table>
                            <h2>"Acquirer calls"</h2>
                            <p class="muted" id="acquirer-pending">
                                {format!("Voids and refunds still owed to the acquirer (all operations): {}", d.acquirer_pending)}
                            </p>
                            {if d.acquirer_calls.is_empty() {
                                view! { <p class="muted">"No acquirer calls for this operation."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="grid acquirer-calls">
                                        <thead><tr>
                                            <th>"Kind"</th><th>"Outcome"</th><th>"Amount"</th><th>"Reference"</th>
                                            <th>"Response code"</th><th>"Attempts"</th><th>"Next attempt"</th>
                                            <th>"Idempotency key"</th><th>"Time"</th>
                                        </tr></thead>
                                        <tbody>
                                            {d.acquirer_calls
                                                .iter()
                                                .map(|c| view! {
                                                    <tr>
                                                        <td>{c.kind.clone()}</td>
                                                        <td>{c.outcome.clone()}</td>
                                                        <td>{c.amount_minor.map(|m| amount(m, &c.currency)).unwrap_or_else(|| "—".into())}</td>
                                                        <td>{opt(&c.reference)}</td>
                                                        <td>{opt(&c.response_code)}</td>
                                                        <td>{c.attempts}</td>
                                                        <td>{opt_ms(c.next_attempt_at)}</td>
                                                        <td>{c.idempotency_key.clone()}</td>
                                                        <td>{fmt_ms(c.created_at)}</td>
                                                    </tr>
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any()
                            }}
                            {d.can_reverse.then(|| {
                                let title = format!(
                                    "Reverse the entry of card {} at {}?",
                                    o.masked_pan,
                                    o.location_name.clone().unwrap_or_else(|| "an unknown location".into())
                                );
                                let err = action_error(reverse.value());
                                view! {
                                <ActionForm action=reverse attr:class="reverse-form">
                                    <h2>"Reverse this entry"</h2>
                                    {form_error(err)}
                                    {field_error(err, "reason")}
                                    <input type="hidden" name="id" value=oid.clone()/>
                                    <div class="actions">
                                        <ConfirmButton label="Reverse" confirm="Yes, reverse the entry"
                                            title=title
                                            consequence="The visit is given back to the card and any charge is voided or refunded through the acquirer. This cannot be undone."
                                            disabled=Signal::derive(move || reverse.pending().get())>
                                            <label for="reason">"Reason (required)"</label>
                                            <input id="reason" name="reason" maxlength="500" required=true/>
                                        </ConfirmButton>
                                    </div>
                                </ActionForm>
                            }})}
                        }
                            .into_any()
                    }
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn OperationRulePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let rule = Resource::new(id, operation_rule);
    view! {
        <Title text="Rule · Access Control"/>
        <div class="page-head">
            <h1>"Rule applied"</h1>
            <A href=move || format!("/operations/{}", id())>"Back to the operation"</A>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rule.await {
                    Ok(r) => view! {
                        <p>{format!("{} — ruleset {} version {} (read-only)", r.name, r.ruleset_id, r.version)}</p>
                        <pre class="rule-json">{r.json}</pre>
                    }
                        .into_any(),
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn OperationTransactionsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let txs = Resource::new(id, operation_transactions);
    view! {
        <Title text="Card transactions · Access Control"/>
        <div class="page-head">
            <h1>"Card transactions"</h1>
            <A href=move || format!("/operations/{}", id())>"Back to the operation"</A>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match txs.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No transactions of this card before the entry."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="grid">
                            <thead><tr><th>"Date"</th><th>"Amount"</th><th>"MCC"</th><th>"Merchant"</th></tr></thead>
                            <tbody>
                                {list
                                    .into_iter()
                                    .map(|t| view! {
                                        <tr>
                                            <td>{fmt_ms(t.occurred_at)}</td>
                                            <td>{format!("{} {}", fmt_minor(t.amount_minor, currency_digits(&t.currency)), t.currency)}</td>
                                            <td>{t.mcc}</td>
                                            <td>{t.merchant_name.unwrap_or_default()}</td>
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
        </Suspense>
    }
}
