//! "Try a card" on the Rules and Locations screens and `POST /api/v1/admin/try-card`: the
//! real engine ([`entry::explain`]) for a test card number at a location and time, explained
//! step by step. No operation and no card hold are recorded; the access to card data is
//! audited (`card.try`: who, when, the masked card number, the location and instant).
//!
//! Only unscoped callers may ask (Admin, User, Call Center): the explanation names every
//! ruleset the card meets, whoever's tenant it belongs to.

use super::super::entity::{locations, rulesets};
use super::super::error::{ServiceError, ServiceResult};
use super::super::{Backend, Principal};
use super::entry;
use access_core::domain::{Decision, GuestAllowance, Pan, PanError, TraceStep, TraceStepKind};
use access_core::model::{
    pan_digits, parse_at, Capability, FieldError, TryCardInput, TryCardResult, TryCardStep,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

pub async fn try_card(
    b: &Backend,
    p: &Principal,
    input: &TryCardInput,
) -> ServiceResult<TryCardResult> {
    let scope = p.require(Capability::RulesetsView)?;
    if p.scope_tenant(scope)?.is_some() {
        super::super::audit::note_denial(super::super::audit::Denial {
            user_id: p.user_id.clone(),
            role: p.role.as_str().to_owned(),
            capability: "RulesetsView (all tenants)".into(),
        });
        return Err(ServiceError::Forbidden);
    }

    // Validate at the edge; every problem at once.
    let mut errs = Vec::new();
    let pan = match Pan::parse(&pan_digits(&input.pan)) {
        Ok(pan) => Some(pan),
        Err(e) => {
            errs.push(FieldError::new("pan", pan_message(&input.pan, &e)));
            None
        }
    };
    let location_id = input.location_id.trim();
    let location = if location_id.is_empty() {
        errs.push(FieldError::new("location_id", "Choose a location."));
        None
    } else {
        let l = locations::Entity::find_by_id(location_id.to_owned())
            .one(&b.db)
            .await?;
        if l.is_none() {
            errs.push(FieldError::new("location_id", "Unknown location."));
        }
        l
    };
    let at = match parse_at(input.at.as_deref()) {
        Ok(at) => at,
        Err(m) => {
            errs.push(FieldError::new("at", m));
            None
        }
    };
    let (Some(pan), Some(location), true) = (pan, location, errs.is_empty()) else {
        return Err(ServiceError::Validation(errs));
    };
    let at = at.unwrap_or_else(|| b.clock.now());

    let (decision, trace) = entry::explain(b, p, &pan, &location.id, at).await?;
    let names = ruleset_names(b, &decision, &trace).await?;
    super::super::audit::record(
        &b.db,
        b.now_ms(),
        super::super::audit::Entry {
            actor: super::super::audit::Actor::User(&p.user_id),
            action: "card.try",
            target_type: Some("location"),
            target_id: Some(&location.id),
            outcome: "success",
            detail: Some(serde_json::json!({
                "maskedPan": pan.masked(),
                "at": at.to_rfc3339(),
            })),
            client_addr: None,
        },
    )
    .await;
    Ok(result(&pan, &location, at, &decision, &trace, &names))
}

fn pan_message(typed: &str, e: &PanError) -> String {
    if typed.trim().is_empty() {
        return "Enter a card number.".into();
    }
    match e {
        PanError::NonDigit => "A card number has digits only.".into(),
        PanError::Length(n) => format!("A card number has 12 to 19 digits, not {n}."),
        PanError::Luhn => "Not a valid card number (the check digit is wrong).".into(),
    }
}

/// `name vN` of every ruleset the decision or the steps mention (the current version; the
/// engine only sees current versions). A ruleset gone from storage keeps its id.
async fn ruleset_names(
    b: &Backend,
    decision: &Decision,
    trace: &[TraceStep],
) -> ServiceResult<HashMap<String, String>> {
    let mut ids: Vec<String> = trace
        .iter()
        .filter_map(|s| s.ruleset_id)
        .chain(decided_by(decision))
        .map(|id| id.to_string())
        .collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut names: HashMap<String, String> = rulesets::Entity::find()
        .filter(rulesets::Column::Id.is_in(ids))
        .all(&b.db)
        .await?
        .into_iter()
        .map(|r| {
            let label = format!("{} v{}", r.name, r.current_version);
            (r.id, label)
        })
        .collect();
    // The grant names the version it used.
    if let Decision::Grant(g) = decision {
        let id = g.ruleset_id.to_string();
        if let Some(row) = rulesets::Entity::find_by_id(id.clone()).one(&b.db).await? {
            names.insert(id, format!("{} v{}", row.name, g.ruleset_version));
        }
    }
    Ok(names)
}

fn decided_by(d: &Decision) -> Option<uuid::Uuid> {
    match d {
        Decision::Grant(g) => Some(g.ruleset_id),
        Decision::Reject { ruleset_id, .. } => *ruleset_id,
    }
}

fn step_name(k: TraceStepKind) -> &'static str {
    match k {
        TraceStepKind::Card => "Card (BIN table)",
        TraceStepKind::OpenGrant => "Open grant",
        TraceStepKind::Validity => "Validity",
        TraceStepKind::Service => "Service",
        TraceStepKind::Location => "Location",
        TraceStepKind::BinRange => "BIN range",
        TraceStepKind::IssuerCountry => "Issuer country",
        TraceStepKind::Product => "Product",
        TraceStepKind::Enrolment => "Enrolment (MRS)",
        TraceStepKind::Rpm => "RPM rules",
        TraceStepKind::Matched => "Ruleset matches",
        TraceStepKind::Superseded => "Superseded version",
        TraceStepKind::Cooldown => "Cooldown",
        TraceStepKind::TotalUsage => "Total usage cap",
        TraceStepKind::LocationCap => "Per-location cap",
        TraceStepKind::CardholderEntry => "Cardholder entries",
        TraceStepKind::Spend => "Spend",
        TraceStepKind::Selected => "Selected",
        TraceStepKind::Capacity => "Capacity (live occupancy)",
    }
}

fn count(n: Option<u32>) -> String {
    n.map_or("unlimited".to_string(), |n| n.to_string())
}

fn guests(kind: &str, a: &GuestAllowance) -> String {
    if a.max == 0 {
        return format!("{kind}: none");
    }
    let mut s = format!(
        "{kind}: up to {} on this entry (free {}, paid {}",
        a.max,
        count(a.free_available),
        count(a.paid_available)
    );
    if let Some(price) = &a.price {
        s.push_str(&format!(" at {price}"));
    }
    s.push(')');
    if let Some(age) = a.free_under_age {
        s.push_str(&format!("; under {age} free and uncounted"));
    }
    s
}

fn result(
    pan: &Pan,
    location: &locations::Model,
    at: chrono::DateTime<chrono::Utc>,
    decision: &Decision,
    trace: &[TraceStep],
    names: &HashMap<String, String>,
) -> TryCardResult {
    let name_of = |id: Option<uuid::Uuid>| {
        id.map(|id| {
            names
                .get(&id.to_string())
                .cloned()
                .unwrap_or_else(|| id.to_string())
        })
    };
    let mut steps: Vec<TryCardStep> = trace
        .iter()
        .map(|s| TryCardStep {
            ruleset_id: s.ruleset_id.map(|id| id.to_string()),
            ruleset: name_of(s.ruleset_id),
            step: step_name(s.step).to_string(),
            passed: s.passed,
            detail: s.detail.clone(),
        })
        .collect();
    let ruleset_id = decided_by(decision);
    let ruleset = name_of(ruleset_id);
    let mut out = TryCardResult {
        masked_pan: pan.masked(),
        location_id: location.id.clone(),
        location_name: location.name.clone(),
        at: at.to_rfc3339(),
        ruleset_id: ruleset_id.map(|id| id.to_string()),
        ruleset: ruleset.clone(),
        ..Default::default()
    };
    match decision {
        Decision::Grant(g) => {
            let entry = match (&g.cardholder_paid, &g.cardholder_price) {
                (false, _) => "free entry".to_string(),
                (true, Some(p)) => format!("paid entry ({p})"),
                (true, None) => "paid entry".to_string(),
            };
            out.granted = true;
            out.outcome = format!(
                "GRANTED under \"{}\": {entry}",
                ruleset.clone().unwrap_or_default()
            );
            out.details = vec![
                format!(
                    "Cardholder: {entry}; remaining visits after this one: free {}, paid {}",
                    count(g.remaining_free),
                    count(g.remaining_paid)
                ),
                guests("Adult guests", &g.adults),
                guests("Child guests", &g.children),
            ];
            steps.push(TryCardStep {
                ruleset_id: out.ruleset_id.clone(),
                ruleset,
                step: "Decision".into(),
                passed: true,
                detail: format!("GRANTED: {entry}"),
            });
        }
        Decision::Reject {
            code, explanation, ..
        } => {
            out.outcome = format!("REJECTED: {code} — {explanation}");
            out.reject_code = Some(code.as_str().to_string());
            out.explanation = Some(explanation.clone());
            steps.push(TryCardStep {
                ruleset_id: out.ruleset_id.clone(),
                ruleset,
                step: "Decision".into(),
                passed: false,
                detail: format!("REJECTED {code}: {explanation}"),
            });
        }
    }
    out.steps = steps;
    out
}
