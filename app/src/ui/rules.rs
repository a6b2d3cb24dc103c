//! Rules: list with filters (in the URL), "Rule details" (audit fields, definition, version
//! history), and the full "Adding a new rule" form (edit = a new version).

use super::common::{action_error, fmt_ms, form_error};
use super::feedback::ConfirmButton;
use super::locations::{can, form_field, urlencode};
use super::try_card::RuleTryCard;
use crate::api::rules::{get_ruleset, list_rulesets, rule_locations, DeleteRuleset, SaveRuleset};
use access_core::model::rules_form::{check_form, form_from_draft, FormMap, FORM_KEYS};
use access_core::model::{AppError, Capability, RulesetFilter, RulesetSummary, SERVICE_CODES};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

fn query_filter() -> Memo<RulesetFilter> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            RulesetFilter {
                name: get("name"),
                country: get("country"),
                service: get("service"),
                ica: get("ica"),
                status: get("status"),
                page: get("page").and_then(|p| p.parse().ok()),
                page_size: None,
            }
        })
    })
}

fn page_href(f: &RulesetFilter, page: u64) -> String {
    let mut parts = vec![format!("page={page}")];
    for (k, v) in [
        ("name", &f.name),
        ("country", &f.country),
        ("service", &f.service),
        ("ica", &f.ica),
        ("status", &f.status),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}={}", urlencode(v)));
        }
    }
    format!("/rules?{}", parts.join("&"))
}

fn validity(from: i64, to: Option<i64>) -> String {
    format!(
        "{} → {}",
        fmt_ms(from),
        to.map(fmt_ms).unwrap_or_else(|| "open-ended".into())
    )
}

#[component]
pub fn RulesPage() -> impl IntoView {
    let filter = query_filter();
    let rules = Resource::new(move || filter.get(), list_rulesets);
    let manage = can(Capability::RulesetsManage);
    let sel = move |v: &'static str| move || filter.get().status.as_deref() == Some(v);
    view! {
        <Title text="Rules · Access Control"/>
        <div class="page-head">
            <h1>"Rules"</h1>
            {move || manage.get().then(|| view! { <A href="/rules/new" attr:class="button primary">"Add rule"</A> })}
        </div>
        <Form method="GET" action="/rules" attr:class="filters">
            <label>"Name"<input name="name" prop:value=move || filter.get().name.unwrap_or_default()/></label>
            <label>"Issuer country"<input name="country" maxlength="3" prop:value=move || filter.get().country.unwrap_or_default()/></label>
            <label>"ICA"<input name="ica" prop:value=move || filter.get().ica.unwrap_or_default()/></label>
            <label>"Service"
                <select name="service">
                    <option value="">"Any"</option>
                    {SERVICE_CODES.into_iter().map(|(c, l)| view! {
                        <option value=c selected=move || filter.get().service.as_deref() == Some(c)>{l}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Status"
                <select name="status">
                    <option value="">"Any"</option>
                    <option value="active" selected=sel("active")>"Active"</option>
                    <option value="upcoming" selected=sel("upcoming")>"Upcoming"</option>
                    <option value="expired" selected=sel("expired")>"Expired"</option>
                </select>
            </label>
            <button type="submit">"Filter"</button>
            <A href="/rules">"Clear"</A>
        </Form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rules.await {
                    Ok(page) => {
                        let f = filter.get_untracked();
                        let pages = page.pages();
                        view! {
                            <table class="grid" id="rules">
                                <thead><tr><th>"Name"</th><th>"Issuer country"</th><th>"ICAs"</th><th>"Services"</th><th>"Valid"</th><th>"Version"</th><th>"Modified"</th></tr></thead>
                                <tbody>{page.items.into_iter().map(rule_row).collect_view()}</tbody>
                            </table>
                            <p class="pager">
                                {format!("{} rules · page {} of {} ", page.total, page.page, pages)}
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

fn rule_row(r: RulesetSummary) -> impl IntoView {
    view! {
        <tr>
            <td><A href=format!("/rules/{}", r.id)>{r.name}</A></td>
            <td>{r.issuer_country.unwrap_or_else(|| "any".into())}</td>
            <td>{r.icas.join(", ")}</td>
            <td>{r.services.join(", ")}</td>
            <td>{validity(r.valid_from, r.valid_to)}</td>
            <td>{r.current_version}</td>
            <td>{format!("{} by {}", fmt_ms(r.modified_at), r.modified_by)}</td>
        </tr>
    }
}

#[component]
pub fn RuleDetailsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let rule = Resource::new(id, get_ruleset);
    let del = ServerAction::<DeleteRuleset>::new();
    let manage = can(Capability::RulesetsManage);
    view! {
        <Title text="Rule details · Access Control"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rule.await {
                    Ok(r) => {
                        let s = r.summary.clone();
                        let d = r.draft.clone();
                        let json = serde_json::to_string_pretty(&d).unwrap_or_default();
                        let (edit, rid) = (format!("/rules/{}/edit", s.id), s.id.clone());
                        let rname = s.name.clone();
                        view! {
                            <div class="page-head">
                                <h1>{s.name.clone()}</h1>
                                {move || manage.get().then(|| view! { <A href=edit.clone() attr:class="button">"Edit"</A> })}
                            </div>
                            <dl class="details" id="rule-audit">
                                <dt>"Ruleset ID"</dt><dd>{s.id.clone()}</dd>
                                <dt>"Current version"</dt><dd>{s.current_version}</dd>
                                <dt>"Created by"</dt><dd>{s.created_by.clone()}</dd>
                                <dt>"Creation date"</dt><dd>{fmt_ms(s.created_at)}</dd>
                                <dt>"Modified by"</dt><dd>{s.modified_by.clone()}</dd>
                                <dt>"Modification date"</dt><dd>{fmt_ms(s.modified_at)}</dd>
                                <dt>"Description"</dt><dd>{d.description.clone()}</dd>
                                <dt>"Valid"</dt><dd>{validity(s.valid_from, s.valid_to)}</dd>
                                <dt>"Issuer country"</dt><dd>{d.issuer_country.clone().unwrap_or_else(|| "any".into())}</dd>
                                <dt>"Product codes"</dt><dd>{d.product_codes.join(", ")}</dd>
                                <dt>"BIN ranges"</dt><dd>{d.bin_ranges.iter().map(|b| format!("ICA {}: {}–{}", b.ica, b.from, b.to)).collect::<Vec<_>>().join("; ")}</dd>
                                <dt>"Services"</dt><dd>{d.services.join(", ")}</dd>
                                <dt>"RPM ruleset"</dt><dd>{if d.rpm { "yes" } else { "no" }}</dd>
                                <dt>"Enrolled cards only"</dt><dd>{if d.enrolled_only { "yes" } else { "no" }}</dd>
                            </dl>
                            <details>
                                <summary>"Full definition"</summary>
                                <pre class="json">{json}</pre>
                            </details>
                            <h2>"Version history"</h2>
                            <table class="grid" id="versions">
                                <thead><tr><th>"Version"</th><th>"Saved by"</th><th>"Saved"</th></tr></thead>
                                <tbody>
                                    {r.versions.into_iter().map(|v| view! {
                                        <tr><td>{v.version}</td><td>{v.created_by}</td><td>{fmt_ms(v.created_at)}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <RuleTryCard scope=d.locations.clone() services=d.services.clone()/>
                            {move || {
                                let (rid, rname) = (rid.clone(), rname.clone());
                                manage.get().then(move || view! {
                                    <ActionForm action=del attr:class="danger-zone">
                                        <input type="hidden" name="id" value=rid/>
                                        {form_error(action_error(del.value()))}
                                        <ConfirmButton label="Delete rule" confirm="Yes, delete the rule"
                                            title=format!("Delete the rule {rname}?")
                                            consequence="Entries stop being granted by it at once; operations it decided keep their record of it. This cannot be undone."/>
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

/// Messages for `key` itself and its list items (`key[0]`, `key[1].to`, …).
fn errs(result: Signal<Option<AppError>>, key: impl Into<String>) -> impl IntoView {
    let key: String = key.into();
    move || {
        result.with(|e| {
            e.as_ref().map(|e| {
                e.field_errors()
                    .iter()
                    .filter(|f| {
                        f.field == key
                            || f.field.strip_prefix(key.as_str()).is_some_and(|r| r.starts_with('['))
                    })
                    .map(|f| view! { <p class="field-error" role="alert" data-field=f.field.clone()>{format!("{}: {}", f.field, f.message)}</p> })
                    .collect_view()
            })
        })
    }
}

fn id_of(key: &str) -> String {
    key.replace('.', "-")
}

fn text(
    m: &FormMap,
    key: impl Into<String>,
    label: &'static str,
    result: Signal<Option<AppError>>,
) -> impl IntoView {
    let key: String = key.into();
    let value = m.get(&key).cloned().unwrap_or_default();
    view! {
        <label for=id_of(&key)>{label}</label>
        <input id=id_of(&key) name=format!("f[{key}]") value=value/>
        {errs(result, key.clone())}
    }
}

fn check(m: &FormMap, key: impl Into<String>, label: &'static str) -> impl IntoView {
    let key: String = key.into();
    let on = m.contains_key(&key);
    view! {
        <label class="check"><input type="checkbox" id=id_of(&key) name=format!("f[{key}]") checked=on/>" "{label}</label>
    }
}

fn paid_block(m: &FormMap, path: &'static str, result: Signal<Option<AppError>>) -> impl IntoView {
    let k = |s: &str| format!("{path}.{s}");
    view! {
        {check(m, k("free"), "Free entries")}
        {text(m, k("free.count"), "Number of free invitations (empty = unlimited)", result)}
        {errs(result, k("free"))}
        {check(m, k("paid"), "Paid entries")}
        {text(m, k("paid.limit"), "Number of paid invitations (empty = unlimited)", result)}
        {text(m, k("paid.price.amount"), "Amount", result)}
        {text(m, k("paid.price.currency"), "Currency (ISO 4217, e.g. EUR)", result)}
        {errs(result, k("paid.price"))}
        {errs(result, k("paid"))}
    }
}

#[component]
fn RuleForm(id: Option<String>, values: FormMap) -> impl IntoView {
    let save = ServerAction::<SaveRuleset>::new();
    let client = RwSignal::new(None::<AppError>);
    let server = action_error(save.value());
    let result = Signal::derive(move || client.get().or_else(|| server.get()));
    let locs = Resource::new(|| (), |_| rule_locations());
    let m = values;
    let loc_kind_country = m.get("locations.kind").map(String::as_str) == Some("country");
    let selected_locs: Vec<String> = m
        .keys()
        .filter_map(|k| k.strip_prefix("loc.").map(str::to_owned))
        .collect();
    let known_locs = RwSignal::new(Vec::<String>::new());
    let checker = move |ev: leptos::ev::SubmitEvent| {
        let mut fm = FormMap::new();
        let keys = FORM_KEYS
            .iter()
            .map(|k| k.to_string())
            .chain(
                known_locs
                    .get_untracked()
                    .into_iter()
                    .map(|l| format!("loc.{l}")),
            )
            .chain(SERVICE_CODES.iter().map(|(c, _)| format!("svc.{c}")));
        for k in keys {
            if let Some(v) = form_field(&ev, &format!("f[{k}]")) {
                fm.insert(k, v);
            }
        }
        let errors = check_form(&fm);
        if errors.is_empty() {
            client.set(None);
        } else {
            ev.prevent_default();
            client.set(Some(AppError::Validation(errors)));
        }
    };
    view! {
        <div on:submit:capture=checker>
            <ActionForm action=save attr:class="form rule-form" attr:novalidate=true>
                <input type="hidden" name="id" value=id.clone().unwrap_or_default()/>
                {form_error(result)}
                <fieldset>
                    <legend>"Ruleset"</legend>
                    {text(&m, "name", "Name", result)}
                    {text(&m, "description", "Description", result)}
                    {text(&m, "validFrom", "Valid from (UTC, YYYY-MM-DDTHH:MM)", result)}
                    {text(&m, "validTo", "Valid to (UTC; empty = open-ended)", result)}
                </fieldset>
                <fieldset>
                    <legend>"Country and product"</legend>
                    {text(&m, "issuerCountry", "Country of the issuer (alpha-3; empty = any)", result)}
                    {text(&m, "productCodes", "Product codes (comma-separated, e.g. MCG, MCW)", result)}
                    <label for="binRanges">"ICAs with BIN ranges (one per line: ICA FROM TO)"</label>
                    <textarea id="binRanges" name="f[binRanges]" rows="4">{m.get("binRanges").cloned().unwrap_or_default()}</textarea>
                    {errs(result, "binRanges")}
                </fieldset>
                <fieldset>
                    <legend>"Rules"</legend>
                    <p class="label">"Services"</p>
                    {SERVICE_CODES.into_iter().map(|(c, l)| {
                        let key = format!("svc.{c}");
                        let on = m.contains_key(&key);
                        view! { <label class="check"><input type="checkbox" name=format!("f[{key}]") checked=on/>" "{l}</label> }
                    }).collect_view()}
                    {errs(result, "services")}
                    {check(&m, "totalUsage", "Limit the total number of usage")}
                    {text(&m, "totalUsage.limit", "Total number of usage", result)}
                    {text(&m, "totalUsage.periodDays", "Period of time in days (empty = whole validity)", result)}
                    {errs(result, "totalUsage")}
                </fieldset>
                <fieldset>
                    <legend>"Location rules"</legend>
                    <label class="check"><input type="radio" name="f[locations.kind]" value="locations" checked=!loc_kind_country/>" Selected locations"</label>
                    <Suspense fallback=|| ()>
                        {
                            let selected = selected_locs.clone();
                            move || {
                                let selected = selected.clone();
                                Suspend::new(async move {
                                    let list = locs.await.unwrap_or_default();
                                    known_locs.set(list.iter().map(|l| l.id.clone()).collect());
                                    list.into_iter().map(|l| {
                                        let on = selected.contains(&l.id);
                                        view! {
                                            <label class="check loc">
                                                <input type="checkbox" name=format!("f[loc.{}]", l.id) checked=on/>
                                                {format!(" {} ({}, {})", l.name, l.country, l.service_name)}
                                            </label>
                                        }
                                    }).collect_view()
                                })
                            }
                        }
                    </Suspense>
                    {errs(result, "locations.ids")}
                    <label class="check"><input type="radio" name="f[locations.kind]" value="country" checked=loc_kind_country/>" All locations of a country (for the chosen services)"</label>
                    {text(&m, "locations.country", "Country of the locations (alpha-3)", result)}
                    {errs(result, "locations")}
                    {check(&m, "rpm", "RPM ruleset (external rules)")}
                    {check(&m, "enrolledOnly", "Enrolled cards only (cards not enrolled in MRS do not match)")}
                </fieldset>
                <fieldset>
                    <legend>"Cardholder entry cost"</legend>
                    {paid_block(&m, "cardholder", result)}
                    {text(&m, "cardholder.periodDays", "Period of time in days", result)}
                    {text(&m, "cardholder.perLocationCap", "Number of usage per each location", result)}
                    {errs(result, "cardholder")}
                </fieldset>
                <fieldset>
                    <legend>"Adult guests"</legend>
                    {paid_block(&m, "adults", result)}
                    {text(&m, "adults.maxPerEntry", "Number of guests per flight", result)}
                    {errs(result, "adults")}
                </fieldset>
                <fieldset>
                    <legend>"Children guests"</legend>
                    {paid_block(&m, "children", result)}
                    {text(&m, "children.maxPerEntry", "Number of guests per flight", result)}
                    {text(&m, "childFreeUnderAge", "Free entry for children under (years)", result)}
                    {errs(result, "children")}
                </fieldset>
                <fieldset>
                    <legend>"Spend based control"</legend>
                    {check(&m, "spend", "Require spending")}
                    {text(&m, "spend.amount.amount", "Amount", result)}
                    {text(&m, "spend.amount.currency", "Currency", result)}
                    {errs(result, "spend.amount")}
                    {text(&m, "spend.periodDays", "Period of time (in days)", result)}
                    {text(&m, "spend.mccs", "MCC IDs (comma-separated; empty = all)", result)}
                    {errs(result, "spend.mccs")}
                    {text(&m, "spend.graceDays", "Grace period (in days)", result)}
                    <p class="muted" id="spend-grace-help">
                        "Grace period: a card that met the spend requirement at any moment within the "
                        "last N days keeps qualifying (the spend period is evaluated for every end "
                        "date from N days ago to now). Example: period 30, grace 5 — spend met on "
                        "any 30-day window ending in the last 5 days is enough. 0 = only the window "
                        "ending now."
                    </p>
                    {errs(result, "spend")}
                </fieldset>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || save.pending().get()>
                        {if id.is_some() { "Save as a new version" } else { "Create rule" }}
                    </button>
                    <A href="/rules">"Cancel"</A>
                </div>
            </ActionForm>
        </div>
    }
}

fn new_rule_defaults() -> FormMap {
    let mut m = FormMap::new();
    for (k, v) in [
        ("locations.kind", "locations"),
        ("cardholder.free", "on"),
        ("adults.maxPerEntry", "0"),
        ("children.maxPerEntry", "0"),
    ] {
        m.insert(k.into(), v.into());
    }
    m
}

#[component]
pub fn NewRulePage() -> impl IntoView {
    view! {
        <Title text="Add rule · Access Control"/>
        <h1>"Adding a new rule"</h1>
        <RuleForm id=None values=new_rule_defaults()/>
    }
}

#[component]
pub fn EditRulePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let rule = Resource::new(id, get_ruleset);
    view! {
        <Title text="Edit rule · Access Control"/>
        <h1>"Edit rule"</h1>
        <p class="muted">"Saving creates a new version; operations keep pointing at the version they were decided under."</p>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rule.await {
                    Ok(r) => view! { <RuleForm id=Some(r.summary.id.clone()) values=form_from_draft(&r.draft)/> }.into_any(),
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Suspense>
    }
}
