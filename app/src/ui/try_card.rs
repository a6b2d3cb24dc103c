//! "Try a card": a box on the rule and location details pages that runs the real decision
//! engine for a test card number at a location and time and explains it step by step.
//! Nothing is recorded. Shown only to unscoped roles (Admin, User, Call Center); the server
//! refuses the others anyway.

use super::common::{action_error, field_error, form_error};
use crate::api::rules::rule_locations;
use crate::api::session::get_me;
use crate::api::try_card::TryCard as TryCardFn;
use access_core::domain::ruleset::LocationScope;
use access_core::model::{can_try_card, LocationView, TryCardResult};
use leptos::prelude::*;

/// Whether the signed-in user may try cards; asked once the page is live in the browser (as
/// `super::locations::can`), so the server's HTML never waits on it.
fn may_try() -> Signal<bool> {
    let ok = RwSignal::new(false);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(Some(me)) = get_me().await {
                ok.set(can_try_card(me.role));
            }
        });
    });
    ok.into()
}

/// The box on a location's page: the location is fixed.
#[component]
pub fn LocationTryCard(location_id: String) -> impl IntoView {
    let ok = may_try();
    // Erased: the pages around it are deep already.
    (move || {
        let fixed = location_id.clone();
        ok.get()
            .then(move || view! { <TryCardForm fixed=fixed choices=vec![]/> })
    })
    .into_any()
}

/// One group of the location select: its label and `(id, label)` options.
type Group = (&'static str, Vec<(String, String)>);

/// The box on a rule's page: the locations the rule covers first, then the others.
#[component]
pub fn RuleTryCard(scope: LocationScope, services: Vec<String>) -> impl IntoView {
    let groups = RwSignal::new(None::<Vec<Group>>);
    Effect::new(move |_| {
        let (scope, services) = (scope.clone(), services.clone());
        leptos::task::spawn_local(async move {
            if !matches!(get_me().await, Ok(Some(me)) if can_try_card(me.role)) {
                return;
            }
            let all = rule_locations().await.unwrap_or_default();
            groups.set(Some(location_groups(&scope, &services, all)));
        });
    });
    (move || {
        groups
            .get()
            .map(|g| view! { <TryCardForm fixed=String::new() choices=g/> })
    })
    .into_any()
}

fn covers(scope: &LocationScope, services: &[String], l: &LocationView) -> bool {
    let in_scope = match scope {
        LocationScope::Locations { ids } => ids.iter().any(|id| id.to_string() == l.id),
        LocationScope::Country { country } => country.eq_ignore_ascii_case(&l.country),
    };
    in_scope
        && services
            .iter()
            .any(|s| s.eq_ignore_ascii_case(&l.service_code))
}

fn location_groups(
    scope: &LocationScope,
    services: &[String],
    all: Vec<LocationView>,
) -> Vec<Group> {
    let option = |l: &LocationView| {
        (
            l.id.clone(),
            format!("{} — {}, {}", l.name, l.country, l.service_code),
        )
    };
    let (covered, other): (Vec<_>, Vec<_>) = all.iter().partition(|l| covers(scope, services, l));
    [
        ("Covered by this rule", covered),
        ("Other locations", other),
    ]
    .into_iter()
    .filter(|(_, ls)| !ls.is_empty())
    .map(|(label, ls)| (label, ls.into_iter().map(option).collect()))
    .collect()
}

/// The form and its result. `fixed` non-empty = that location, else a select of `choices`.
#[component]
fn TryCardForm(fixed: String, choices: Vec<Group>) -> impl IntoView {
    let action = ServerAction::<TryCardFn>::new();
    let err = action_error(action.value());
    let location = if fixed.is_empty() {
        view! {
            <label for="try-location">"Location"</label>
            <select id="try-location" name="input[location_id]">
                {choices
                    .into_iter()
                    .map(|(label, options)| view! {
                        <optgroup label=label>
                            {options
                                .into_iter()
                                .map(|(id, name)| view! { <option value=id>{name}</option> })
                                .collect_view()}
                        </optgroup>
                    })
                    .collect_view()}
            </select>
        }
        .into_any()
    } else {
        view! { <input type="hidden" name="input[location_id]" value=fixed/> }.into_any()
    };
    view! {
        <section class="try-card" id="try-card">
            <h2>"Try a card"</h2>
            <p class="muted">
                "Runs the real decision engine for a card at a location and time and explains it. Nothing is recorded."
            </p>
            <ActionForm action attr:class="form try-card-form">
                {form_error(err)}
                <label for="try-pan">"Card number (PAN)"</label>
                <input id="try-pan" name="input[pan]" inputmode="numeric" autocomplete="off" maxlength="30"/>
                {field_error(err, "pan")}
                {location}
                {field_error(err, "location_id")}
                <label for="try-at">"At (UTC, YYYY-MM-DDTHH:MM; empty = now)"</label>
                <input id="try-at" name="input[at]" placeholder="2026-11-22T10:00" maxlength="40"/>
                {field_error(err, "at")}
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        "Try the card"
                    </button>
                </div>
            </ActionForm>
            {move || action.value().get().and_then(Result::ok).map(result_view)}
        </section>
    }
}

fn result_view(r: TryCardResult) -> impl IntoView {
    let class = if r.granted {
        "try-outcome granted"
    } else {
        "try-outcome rejected"
    };
    view! {
        <div class="try-result" role="status">
            <p class=class><strong>{r.outcome}</strong></p>
            <p class="muted">
                {format!("Card {} at {}, {} (UTC).", r.masked_pan, r.location_name, r.at)}
            </p>
            <ul class="try-details">
                {r.details.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}
            </ul>
            <table class="grid try-steps">
                <thead>
                    <tr><th>"Ruleset"</th><th>"Step"</th><th>"Result"</th><th>"Detail"</th></tr>
                </thead>
                <tbody>
                    {r.steps
                        .into_iter()
                        .map(|s| {
                            let (mark, class) = if s.passed {
                                ("✓ passed", "step-passed")
                            } else {
                                ("✗ failed", "step-failed")
                            };
                            view! {
                                <tr class=class>
                                    <td>{s.ruleset.unwrap_or_else(|| "—".into())}</td>
                                    <td>{s.step}</td>
                                    <td>{mark}</td>
                                    <td>{s.detail}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
