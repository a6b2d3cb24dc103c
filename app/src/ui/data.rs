//! Reference data: the BIN table and FX rates — lists with filters in the URL, CSV import
//! (pasted text; works before WASM loads), and editing a rate.

use super::common::{action_error, all_errors, fmt_ms, form_error};
use super::locations::{can, urlencode};
use crate::api::data::{list_bins, list_fx, ImportBins, ImportFx, UpdateFx};
use access_core::model::{BinFilter, Capability, FxFilter};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

#[component]
pub fn DataPage() -> impl IntoView {
    let q = use_query_map();
    let get = move |k: &'static str| q.with(|q| q.get(k).filter(|v| !v.is_empty()));
    let bin_filter = Memo::new(move |_| BinFilter {
        bin: get("bin"),
        ica: get("ica"),
        page: get("bin_page").and_then(|p| p.parse().ok()),
        page_size: Some(20),
    });
    let fx_filter = Memo::new(move |_| FxFilter {
        date: get("date"),
        currency: get("currency"),
        page: get("fx_page").and_then(|p| p.parse().ok()),
        page_size: Some(20),
    });
    let import_bins = ServerAction::<ImportBins>::new();
    let import_fx = ServerAction::<ImportFx>::new();
    let update_fx = ServerAction::<UpdateFx>::new();
    super::feedback::toast_on_ok(update_fx.value(), "FX rate saved.");
    let bins = Resource::new(
        move || (bin_filter.get(), import_bins.version().get()),
        |(f, _)| list_bins(f),
    );
    let fx = Resource::new(
        move || {
            (
                fx_filter.get(),
                import_fx.version().get(),
                update_fx.version().get(),
            )
        },
        |(f, ..)| list_fx(f),
    );
    let manage = can(Capability::DataManage);
    let href = move |key: &str, page: u64| {
        let mut parts = vec![format!("{key}={page}")];
        for k in ["bin", "ica", "date", "currency"] {
            if let Some(v) = get(k) {
                parts.push(format!("{k}={}", urlencode(&v)));
            }
        }
        format!("/data?{}", parts.join("&"))
    };
    view! {
        <Title text="BIN table & FX rates · Access Control"/>
        <h1>"BIN table & FX rates"</h1>
        <h2>"BIN table"</h2>
        <Form method="GET" action="/data" attr:class="filters">
            <label>"BIN"<input name="bin" maxlength="8" prop:value=move || get("bin").unwrap_or_default()/></label>
            <label>"ICA"<input name="ica" prop:value=move || get("ica").unwrap_or_default()/></label>
            <button type="submit">"Filter"</button>
            <A href="/data">"Clear"</A>
        </Form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match bins.await {
                    Ok(page) => {
                        let pages = page.pages();
                        view! {
                            <table class="grid" id="bins">
                                <thead><tr><th>"BIN from"</th><th>"BIN to"</th><th>"ICA"</th><th>"Issuer"</th><th>"Country"</th><th>"Product"</th><th>"Imported"</th></tr></thead>
                                <tbody>{page.items.into_iter().map(|r| view! {
                                    <tr><td>{r.bin_from}</td><td>{r.bin_to}</td><td>{r.ica}</td><td>{r.issuer_name}</td><td>{r.issuer_country}</td><td>{r.product_code}</td><td>{fmt_ms(r.created_at)}</td></tr>
                                }).collect_view()}</tbody>
                            </table>
                            <p class="pager">
                                {format!("{} ranges · page {} of {} ", page.total, page.page, pages)}
                                {(page.page > 1).then(|| view! { <A href=href("bin_page", page.page - 1)>"Previous"</A> })}
                                " "
                                {(page.page < pages).then(|| view! { <A href=href("bin_page", page.page + 1)>"Next"</A> })}
                            </p>
                        }
                            .into_any()
                    }
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Transition>
        {move || manage.get().then(|| {
            let result = action_error(import_bins.value());
            view! {
                <ActionForm action=import_bins attr:class="form">
                    <label for="bin_csv">"Import CSV (bin_from,bin_to,ica,issuer_name,issuer_country,product_code)"</label>
                    <textarea id="bin_csv" name="csv" rows="4"></textarea>
                    {all_errors(result)}
                    <label class="check"><input type="checkbox" name="replace" value="on"/>" Replace the whole table"</label>
                    {form_error(result)}
                    <button type="submit" class="primary">"Import BIN ranges"</button>
                </ActionForm>
            }
        })}
        <h2>"FX rates"</h2>
        <Form method="GET" action="/data" attr:class="filters">
            <label>"Date"<input name="date" type="date" prop:value=move || get("date").unwrap_or_default()/></label>
            <label>"Currency"<input name="currency" maxlength="3" prop:value=move || get("currency").unwrap_or_default()/></label>
            <button type="submit">"Filter"</button>
        </Form>
        {form_error(action_error(update_fx.value()))}
        {all_errors(action_error(update_fx.value()))}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match fx.await {
                    Ok(page) => {
                        let pages = page.pages();
                        view! {
                            <table class="grid" id="fx">
                                <thead><tr><th>"Date"</th><th>"Base"</th><th>"Quote"</th><th>"Rate"</th><th>"Updated"</th></tr></thead>
                                <tbody>{page.items.into_iter().map(|r| {
                                    let rate = r.rate.clone();
                                    let rid = r.id.clone();
                                    view! {
                                        <tr>
                                            <td>{r.rate_date}</td><td>{r.base_currency}</td><td>{r.quote_currency}</td>
                                            <td>{move || if manage.get() {
                                                let (id, rate) = (rid.clone(), rate.clone());
                                                view! {
                                                    <ActionForm action=update_fx attr:class="inline">
                                                        <input type="hidden" name="id" value=id/>
                                                        <input name="rate" value=rate size="10" aria-label="Rate"/>
                                                        <button type="submit">"Save"</button>
                                                    </ActionForm>
                                                }.into_any()
                                            } else {
                                                view! { <span>{rate.clone()}</span> }.into_any()
                                            }}</td>
                                            <td>{fmt_ms(r.updated_at)}</td>
                                        </tr>
                                    }
                                }).collect_view()}</tbody>
                            </table>
                            <p class="pager">
                                {format!("{} rates · page {} of {} ", page.total, page.page, pages)}
                                {(page.page > 1).then(|| view! { <A href=href("fx_page", page.page - 1)>"Previous"</A> })}
                                " "
                                {(page.page < pages).then(|| view! { <A href=href("fx_page", page.page + 1)>"Next"</A> })}
                            </p>
                        }
                            .into_any()
                    }
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Transition>
        {move || manage.get().then(|| {
            let result = action_error(import_fx.value());
            view! {
                <ActionForm action=import_fx attr:class="form">
                    <label for="fx_csv">"Import CSV (rate_date,base_currency,quote_currency,rate)"</label>
                    <textarea id="fx_csv" name="csv" rows="4"></textarea>
                    {all_errors(result)}
                    {form_error(result)}
                    <button type="submit" class="primary">"Import FX rates"</button>
                </ActionForm>
            }
        })}
    }
}
