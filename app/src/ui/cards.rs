//! Enrolled cards: the list with the seed's filters (in the URL), the enrolment import with a
//! preview, details with the enrolment history and unenrolment, export.

use super::common::{action_error, all_errors, fmt_ms, form_error};
use super::export::{ExportLink, ExportProgress, ExportStatus};
use super::locations::can;
use super::operations::amount;
use crate::api::cards::{get_card, list_cards, ImportEnrolments, UnenrolCard};
use access_core::model::{
    preview_enrolments, Capability, CardFilter, CardView, EnrolmentImportReport,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

fn query_filter() -> Memo<CardFilter> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            CardFilter {
                bin: get("bin"),
                last4: get("last4"),
                aref: get("aref"),
                product: get("product"),
                ica: get("ica"),
                created_from: get("created_from"),
                created_until: get("created_until"),
                page: get("page").and_then(|p| p.parse().ok()),
                page_size: None,
            }
        })
    })
}

fn page_href(f: &CardFilter, page: u64) -> String {
    let qs = f.query_string();
    if qs.is_empty() {
        format!("/cards?page={page}")
    } else {
        format!("/cards?page={page}&{qs}")
    }
}

#[component]
pub fn CardsPage() -> impl IntoView {
    let filter = query_filter();
    let import = ServerAction::<ImportEnrolments>::new();
    let cards = Resource::new(
        move || (filter.get(), import.version().get()),
        |(f, _)| list_cards(f),
    );
    let manage = can(Capability::CardsManage);
    let f = move || filter.get();
    let export = move |format: &str| {
        let qs = filter.get().query_string();
        let mut url = format!("/api/v1/admin/reports/cards?format={format}");
        if !qs.is_empty() {
            url.push('&');
            url.push_str(&qs);
        }
        url
    };
    ExportProgress::provide();
    let export_ok = can(Capability::ReportsExport);
    view! {
        <Title text="Enrolled cards · Access Control"/>
        <h1>"Enrolled cards"</h1>
        <Form method="GET" action="/cards" attr:class="filters">
            <label>"BIN"<input name="bin" prop:value=move || f().bin.unwrap_or_default() size="8"/></label>
            <label>"Last 4 digits"<input name="last4" prop:value=move || f().last4.unwrap_or_default() size="5"/></label>
            <label>"AREF"<input name="aref" prop:value=move || f().aref.unwrap_or_default()/></label>
            <label>"Product"<input name="product" prop:value=move || f().product.unwrap_or_default() size="5"/></label>
            <label>"ICA"<input name="ica" prop:value=move || f().ica.unwrap_or_default() size="6"/></label>
            <label>"Created from"<input type="date" name="created_from" prop:value=move || f().created_from.unwrap_or_default()/></label>
            <label>"Created until"<input type="date" name="created_until" prop:value=move || f().created_until.unwrap_or_default()/></label>
            <button type="submit">"Filter"</button>
            <A href="/cards">"Clear"</A>
        </Form>
        // Only roles that may export see the links (the Call Center may not).
        <Show when=move || export_ok.get()>
            <p class="exports">
                "Export report: "
                <ExportLink href=move || export("csv") name="enrolled-cards.csv" label="CSV"/>
                " · "
                <ExportLink href=move || export("xlsx") name="enrolled-cards.xlsx" label="XLSX"/>
                " "
                <ExportStatus/>
            </p>
        </Show>
        {move || manage.get().then(|| view! { <ImportForm import=import/> })}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match cards.await {
                    Ok(page) => {
                        let f = filter.get_untracked();
                        let pages = page.pages();
                        view! {
                            <table class="grid">
                                <thead><tr><th>"Masked PAN"</th><th>"AREF"</th><th>"ICA"</th><th>"Product"</th><th>"Enrollment date"</th><th>"Status"</th></tr></thead>
                                <tbody>{page.items.into_iter().map(card_row).collect_view()}</tbody>
                            </table>
                            <p class="pager">
                                {format!("{} cards · page {} of {} ", page.total, page.page, pages)}
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

fn card_row(c: CardView) -> impl IntoView {
    let status = status_text(&c);
    view! {
        <tr>
            <td class="mono"><A href=format!("/cards/{}", c.id)>{c.masked_pan}</A></td>
            <td>{c.aref}</td>
            <td>{c.ica}</td>
            <td>{c.product_code}</td>
            <td>{fmt_ms(c.enrolled_at)}</td>
            <td>{status}</td>
        </tr>
    }
}

fn status_text(c: &CardView) -> String {
    match c.unenrolled_at {
        Some(at) if c.status != "ENROLLED" => format!("Unenrolled {}", fmt_ms(at)),
        _ if c.status != "ENROLLED" => "Unenrolled".to_owned(),
        _ => "Enrolled".to_owned(),
    }
}

fn report_text(r: &EnrolmentImportReport) -> String {
    format!(
        "Imported: {} enrolled, {} updated, {} unenrolled, {} unchanged.",
        r.enrolled, r.updated, r.unenrolled, r.unchanged
    )
}

/// "Import enrolments": a CSV file (or pasted text), a preview of its first rows with the PAN
/// masked, then the same all-or-nothing import as the REST API, its errors line by line.
#[component]
fn ImportForm(import: ServerAction<ImportEnrolments>) -> impl IntoView {
    let (csv, set_csv) = signal(String::new());
    let result = action_error(import.value());
    let done = move || {
        import
            .value()
            .with(|v| v.as_ref().and_then(|r| r.as_ref().ok()).map(report_text))
    };
    let preview = move || csv.with(|c| preview_enrolments(c, 5));
    let on_file = move |ev: leptos::ev::Event| read_file(ev, set_csv);
    view! {
        <details class="import">
            <summary>"Import enrolments"</summary>
            <ActionForm action=import attr:class="form">
                <label for="enrol_file">"CSV file (pan,aref,enrolled_at[,product_code][,ica][,status][,unenrolled_at]; up to 2 MB here, larger files through the REST API)"</label>
                <input id="enrol_file" type="file" accept=".csv,text/csv" on:change=on_file/>
                <label for="enrol_csv">"…or paste the lines"</label>
                <textarea id="enrol_csv" name="csv" rows="4" prop:value=csv
                    on:input=move |ev| set_csv.set(event_target_value(&ev))></textarea>
                {move || {
                    let rows = preview();
                    (!rows.is_empty()).then(|| view! {
                        <table class="grid preview" aria-label="Preview">
                            <caption>"Preview of the first rows"</caption>
                            <thead><tr><th>"Line"</th><th>"Masked PAN"</th><th>"AREF"</th><th>"Enrollment date"</th></tr></thead>
                            <tbody>{rows.into_iter().map(|(line, pan, aref, at)| view! {
                                <tr><td>{line}</td><td class="mono">{pan}</td><td>{aref}</td><td>{at}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                    })
                }}
                {all_errors(result)}
                {form_error(result)}
                <button type="submit" class="primary">"Import enrolments"</button>
                {move || done().map(|t| view! { <p class="notice" role="status">{t}</p> })}
            </ActionForm>
        </details>
    }
}

/// Read the chosen file into the textarea (the browser only; the server never sees the file
/// until the form is sent).
#[cfg(feature = "hydrate")]
fn read_file(ev: leptos::ev::Event, set_csv: WriteSignal<String>) {
    use wasm_bindgen::JsCast;
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    leptos::task::spawn_local(async move {
        if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
            set_csv.set(text.as_string().unwrap_or_default());
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn read_file(_: leptos::ev::Event, _: WriteSignal<String>) {}

fn visits_left(n: Option<u32>) -> String {
    n.map_or_else(|| "unlimited".to_owned(), |n| n.to_string())
}

#[component]
pub fn CardDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let unenrol = ServerAction::<UnenrolCard>::new();
    super::feedback::toast_on_ok(unenrol.value(), "Card unenrolled.");
    let card = Resource::new(
        move || (id(), unenrol.version().get()),
        |(id, _)| get_card(id),
    );
    let manage = can(Capability::CardsManage);
    let unenrol_error = action_error(unenrol.value());
    view! {
        <Title text="Card details · Access Control"/>
        <div class="page-head">
            <h1>"Card details"</h1>
            <A href="/cards">"Back to enrolled cards"</A>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match card.await {
                    Ok(d) => {
                        let c = d.card;
                        let enrolled = c.status == "ENROLLED";
                        let card_id = c.id.clone();
                        let status = status_text(&c);
                        let rows = vec![
                            ("Masked PAN", c.masked_pan.clone()),
                            ("Hash", c.pan_hash.clone()),
                            ("AREF", c.aref.clone()),
                            ("ICA", c.ica.clone()),
                            ("Issuer name", c.issuer_name.clone().unwrap_or_else(|| "—".into())),
                            ("Product", c.product_code.clone()),
                            ("Enrollment date", fmt_ms(c.enrolled_at)),
                            ("Status", status),
                            ("Completed entries", d.completed_entries.to_string()),
                        ];
                        let history = d.history;
                        view! {
                            <table class="grid details">
                                <tbody>
                                    {rows.into_iter().map(|(k, v)| view! { <tr><th scope="row">{k}</th><td class="mono">{v}</td></tr> }).collect_view()}
                                </tbody>
                            </table>
                            {move || (manage.get() && enrolled).then(|| {
                                let id = card_id.clone();
                                view! {
                                    <ActionForm action=unenrol attr:class="inline">
                                        <input type="hidden" name="id" value=id/>
                                        <button type="submit" class="danger" title="The card stops matching enrolled-only rules and leaves the offline whitelist; its history stays">"Unenrol"</button>
                                    </ActionForm>
                                }
                            })}
                            {form_error(unenrol_error)}
                            <h2>"Visits available"</h2>
                            {if d.visits.is_empty() {
                                view! { <p class="muted">"No active ruleset covers this card's ICA, BIN and product."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="grid visits">
                                        <thead><tr><th>"Rule"</th><th>"Period"</th><th>"Free used"</th><th>"Free available"</th><th>"Paid used"</th><th>"Paid available"</th></tr></thead>
                                        <tbody>
                                            {d.visits
                                                .into_iter()
                                                .map(|v| view! {
                                                    <tr data-ruleset=v.ruleset_id.clone()>
                                                        <td><A href=format!("/rules/{}", v.ruleset_id)>{format!("{} (v{})", v.ruleset_name, v.ruleset_version)}</A></td>
                                                        <td>{v.period_days.map_or_else(|| "whole validity".to_owned(), |d| format!("last {d} days"))}</td>
                                                        <td>{v.free_used}</td>
                                                        <td>{visits_left(v.free_available)}</td>
                                                        <td>{v.paid_used}</td>
                                                        <td>{visits_left(v.paid_available)}</td>
                                                    </tr>
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                    <p class="muted">"Location caps and cooldowns apply at the door."</p>
                                }
                                    .into_any()
                            }}
                            <h2>"Enrolment history"</h2>
                            <table class="grid history">
                                <thead><tr><th>"Change"</th><th>"Effective"</th><th>"Recorded"</th><th>"Source"</th><th>"By"</th></tr></thead>
                                <tbody>
                                    {history.into_iter().map(|e| view! {
                                        <tr>
                                            <td>{e.kind}</td>
                                            <td>{fmt_ms(e.effective_at)}</td>
                                            <td>{fmt_ms(e.recorded_at)}</td>
                                            <td>{e.source}</td>
                                            <td>{e.actor.unwrap_or_else(|| "—".into())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <h2>"Recent operations"</h2>
                            <table class="grid">
                                <thead><tr><th>"Date"</th><th>"Status"</th><th>"Location"</th><th>"Amount"</th><th>"Rule"</th></tr></thead>
                                <tbody>
                                    {d.recent
                                        .into_iter()
                                        .map(|o| {
                                            let rule = o.ruleset_id.is_some().then(|| view! { <A href=format!("/operations/{}/rule", o.id)>"Show rule"</A> });
                                            view! {
                                                <tr>
                                                    <td><A href=format!("/operations/{}", o.id)>{fmt_ms(o.occurred_at)}</A></td>
                                                    <td>{o.status.clone()}</td>
                                                    <td>{o.location_name.clone().unwrap_or_default()}</td>
                                                    <td>{amount(o.total_minor, &o.currency)}</td>
                                                    <td>{rule}</td>
                                                </tr>
                                            }
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
        </Suspense>
    }
}
