//! The "Audit log" screen (Admin only): who did what, when, from where; filtered by actor,
//! action and days, paged, newest first.

use super::common::fmt_ms;
use crate::api::audit::list_audit;
use access_core::model::{AuditEntryView, AuditFilter};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

fn query_filter() -> Memo<AuditFilter> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            AuditFilter {
                actor: get("actor"),
                action: get("action"),
                from: get("from"),
                until: get("until"),
                page: get("page").and_then(|p| p.parse().ok()),
                page_size: None,
            }
        })
    })
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn page_href(f: &AuditFilter, page: u64) -> String {
    let mut parts = vec![format!("page={page}")];
    for (k, v) in f.query_pairs() {
        parts.push(format!("{k}={}", urlencode(&v)));
    }
    format!("/audit?{}", parts.join("&"))
}

/// Suggestions for the action filter: an action exactly, or a prefix ending in `.`.
const ACTIONS: &[(&str, &str)] = &[
    ("authz.denied", "Authorization failures (403)"),
    ("card.", "Card data: try a card, card details"),
    ("export.", "Exports"),
    ("sign_in", "Sign-ins (failed ones included)"),
    ("user.", "Users"),
    ("ruleset.", "Rulesets"),
    ("location.", "Locations"),
    ("tenant.", "Organisations"),
    ("terminal.", "Terminals"),
];

#[component]
pub fn AuditPage() -> impl IntoView {
    let filter = query_filter();
    let entries = Resource::new(move || filter.get(), list_audit);
    view! {
        <Title text="Audit log · Access Control"/>
        <div class="page-head">
            <h1>"Audit log"</h1>
        </div>
        <Form method="GET" action="/audit" attr:class="filters">
            <label>"Actor (e-mail or id)"
                <input name="actor" prop:value=move || filter.get().actor.unwrap_or_default()/>
            </label>
            <label>"Action (exact, or a prefix ending in “.”)"
                <input name="action" list="audit-actions" prop:value=move || filter.get().action.unwrap_or_default()/>
                <datalist id="audit-actions">
                    {ACTIONS
                        .iter()
                        .map(|(value, label)| view! { <option value=*value>{*label}</option> })
                        .collect_view()}
                </datalist>
            </label>
            <label>"From"
                <input type="date" name="from" prop:value=move || filter.get().from.unwrap_or_default()/>
            </label>
            <label>"Until"
                <input type="date" name="until" prop:value=move || filter.get().until.unwrap_or_default()/>
            </label>
            <button type="submit">"Filter"</button>
            <A href="/audit">"Clear"</A>
        </Form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(page) => {
                        let f = filter.get_untracked();
                        let pages = page.pages();
                        view! {
                            <table class="grid">
                                <thead>
                                    <tr><th>"When"</th><th>"Actor"</th><th>"Action"</th><th>"Target"</th><th>"Outcome"</th><th>"Client address"</th><th>"Details"</th></tr>
                                </thead>
                                <tbody>
                                    {page.items.into_iter().map(entry_row).collect_view()}
                                </tbody>
                            </table>
                            <p class="pager">
                                {format!("{} entries · page {} of {} ", page.total, page.page, pages)}
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

fn entry_row(e: AuditEntryView) -> impl IntoView {
    let actor = match (&e.actor_email, &e.actor_id) {
        (Some(email), _) => email.clone(),
        (None, Some(id)) => format!("{} {id}", e.actor_kind.to_lowercase()),
        (None, None) => e.actor_kind.to_lowercase(),
    };
    let target = match (&e.target_type, &e.target_id) {
        (Some(t), Some(id)) => format!("{t} {id}"),
        (Some(t), None) => t.clone(),
        _ => String::new(),
    };
    view! {
        <tr>
            <td>{fmt_ms(e.at)}</td>
            <td>{actor}</td>
            <td>{e.action}</td>
            <td>{target}</td>
            <td>{e.outcome}</td>
            <td>{e.client_addr.unwrap_or_default()}</td>
            <td><code class="audit-detail">{e.detail.unwrap_or_default()}</code></td>
        </tr>
    }
}
