//! `PATCH /api/v1/admin/pos-terminals/{terminalID}` (not in the seed, which has no endpoint
//! for status changes): the fleet status and the descriptive fleet fields.
//!
//! Status moves: any status to any other, except out of `blocked` ("permanently blocked").
//! Each move records `terminal_activated` / `terminal_deactivated` / `terminal_suspended` /
//! `terminal_blocked` with `{"from", "to", "reason"}`; the POS API reads the status on every
//! request, so a terminal that is no longer `active` is refused at once.

use super::super::super::entity::terminals;
use super::super::super::{Backend, Principal};
use super::error::{FleetError, FleetResult};
use super::support::{self, TerminalStatus};
use access_core::model::FieldError;
use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

/// Present-and-null (`Some(None)`, clear) apart from absent (`None`, keep).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A partial update: absent fields are kept, `null` clears a nullable field.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalPatch {
    pub status: Option<String>,
    /// Why the status changes (kept on the event).
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub terminal_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub profile_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub device_model: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub oem: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub contact_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub contact_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub onboarding_notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub settlement_account_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub settlement_frequency: Option<Option<String>>,
    pub settlement_enabled: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub settlement_account: Option<Option<Value>>,
    #[serde(default, deserialize_with = "present")]
    pub virtual_account: Option<Option<Value>>,
    #[serde(default, deserialize_with = "present")]
    pub geo_latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "present")]
    pub geo_longitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "present")]
    pub metadata: Option<Option<Value>>,
    #[serde(default, deserialize_with = "present")]
    pub config: Option<Option<Value>>,
}

/// The validated change set: `Some(v)` = set the column to `v`.
#[derive(Debug, Default)]
struct Changes {
    status: Option<TerminalStatus>,
    reason: Option<String>,
    text: Vec<(terminals::Column, Option<String>)>,
    settlement_enabled: Option<bool>,
    geo_latitude: Option<Option<f64>>,
    geo_longitude: Option<Option<f64>>,
}

fn text_change(
    out: &mut Changes,
    errors: &mut Vec<FieldError>,
    col: terminals::Column,
    field: &str,
    v: &Option<Option<String>>,
    max: usize,
) {
    if let Some(v) = v {
        let value = support::opt_text(field, v.as_deref(), max, errors);
        out.text.push((col, value));
    }
}

fn json_change(
    out: &mut Changes,
    errors: &mut Vec<FieldError>,
    col: terminals::Column,
    field: &str,
    v: &Option<Option<Value>>,
) {
    match v {
        None => {}
        Some(None) | Some(Some(Value::Null)) => out.text.push((col, None)),
        Some(Some(value)) => {
            let text = support::json_object(field, value, 16 * 1024, errors);
            out.text.push((col, text));
        }
    }
}

fn coordinate(
    field: &str,
    v: Option<Option<f64>>,
    limit: f64,
    errors: &mut Vec<FieldError>,
) -> Option<Option<f64>> {
    if let Some(Some(x)) = v {
        if !x.is_finite() || x.abs() > limit {
            errors.push(FieldError::new(field, format!("From -{limit} to {limit}.")));
        }
    }
    v
}

fn validate(patch: &TerminalPatch) -> FleetResult<Changes> {
    use terminals::Column as C;
    let mut errors = Vec::new();
    let mut c = Changes::default();
    if let Some(s) = &patch.status {
        c.status = TerminalStatus::parse(s);
        if c.status.is_none() {
            errors.push(FieldError::new(
                "status",
                "One of active, inactive, suspended, blocked.",
            ));
        }
    }
    c.reason = support::opt_text("reason", patch.reason.as_deref(), 500, &mut errors);
    text_change(
        &mut c,
        &mut errors,
        C::TerminalName,
        "terminal_name",
        &patch.terminal_name,
        100,
    );
    text_change(
        &mut c,
        &mut errors,
        C::ProfileId,
        "profile_id",
        &patch.profile_id,
        64,
    );
    text_change(
        &mut c,
        &mut errors,
        C::DeviceModel,
        "device_model",
        &patch.device_model,
        100,
    );
    text_change(&mut c, &mut errors, C::Oem, "oem", &patch.oem, 100);
    text_change(
        &mut c,
        &mut errors,
        C::ContactName,
        "contact_name",
        &patch.contact_name,
        100,
    );
    text_change(
        &mut c,
        &mut errors,
        C::ContactEmail,
        "contact_email",
        &patch.contact_email,
        254,
    );
    text_change(
        &mut c,
        &mut errors,
        C::ContactPhone,
        "contact_phone",
        &patch.contact_phone,
        32,
    );
    text_change(
        &mut c,
        &mut errors,
        C::OnboardingNotes,
        "onboarding_notes",
        &patch.onboarding_notes,
        2000,
    );
    text_change(
        &mut c,
        &mut errors,
        C::SettlementAccountId,
        "settlement_account_id",
        &patch.settlement_account_id,
        64,
    );
    text_change(
        &mut c,
        &mut errors,
        C::SettlementFrequency,
        "settlement_frequency",
        &patch.settlement_frequency,
        32,
    );
    if let Some(Some(email)) = &patch.contact_email {
        if !email.trim().is_empty() && !email.contains('@') {
            errors.push(FieldError::new("contact_email", "An e-mail address."));
        }
    }
    json_change(
        &mut c,
        &mut errors,
        C::SettlementAccountJson,
        "settlement_account",
        &patch.settlement_account,
    );
    json_change(
        &mut c,
        &mut errors,
        C::VirtualAccountJson,
        "virtual_account",
        &patch.virtual_account,
    );
    json_change(
        &mut c,
        &mut errors,
        C::MetadataJson,
        "metadata",
        &patch.metadata,
    );
    json_change(&mut c, &mut errors, C::ConfigJson, "config", &patch.config);
    c.settlement_enabled = patch.settlement_enabled;
    c.geo_latitude = coordinate("geo_latitude", patch.geo_latitude, 90.0, &mut errors);
    c.geo_longitude = coordinate("geo_longitude", patch.geo_longitude, 180.0, &mut errors);
    if errors.is_empty() {
        Ok(c)
    } else {
        Err(FleetError::InvalidRequest(errors))
    }
}

fn set_text(m: &mut terminals::ActiveModel, col: terminals::Column, v: Option<String>) {
    use terminals::Column as C;
    match col {
        C::TerminalName => m.terminal_name = Set(v),
        C::ProfileId => m.profile_id = Set(v),
        C::DeviceModel => m.device_model = Set(v),
        C::Oem => m.oem = Set(v),
        C::ContactName => m.contact_name = Set(v),
        C::ContactEmail => m.contact_email = Set(v),
        C::ContactPhone => m.contact_phone = Set(v),
        C::OnboardingNotes => m.onboarding_notes = Set(v),
        C::SettlementAccountId => m.settlement_account_id = Set(v),
        C::SettlementFrequency => m.settlement_frequency = Set(v),
        C::SettlementAccountJson => m.settlement_account_json = Set(v),
        C::VirtualAccountJson => m.virtual_account_json = Set(v),
        C::MetadataJson => m.metadata_json = Set(v),
        C::ConfigJson => m.config_json = Set(v),
        _ => {}
    }
}

/// Apply a patch; returns the terminal's id (bare) for the caller to read it back.
pub async fn update(
    b: &Backend,
    p: &Principal,
    raw_id: &str,
    patch: &TerminalPatch,
) -> FleetResult<String> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_id).await?;
    let changes = validate(patch)?;
    let now = b.now_ms();
    let txn = b.db.begin().await?;
    support::lock_terminal(&txn, &t.id).await?;
    let t = terminals::Entity::find_by_id(t.id.clone())
        .one(&txn)
        .await?
        .ok_or(FleetError::TerminalNotFound)?;
    let id = t.id.clone();
    let from = TerminalStatus::parse(&t.status);
    let status_move = changes.status.filter(|to| Some(*to) != from);
    if status_move.is_some() && from == Some(TerminalStatus::Blocked) {
        return Err(FleetError::InvalidTransition(
            "A blocked terminal is blocked permanently.".into(),
        ));
    }
    let fields: Vec<&str> = changes.text.iter().map(|(c, _)| column_name(*c)).collect();
    let field_change = !changes.text.is_empty()
        || changes.settlement_enabled.is_some()
        || changes.geo_latitude.is_some()
        || changes.geo_longitude.is_some();
    let mut m: terminals::ActiveModel = t.clone().into();
    for (col, v) in changes.text.clone() {
        set_text(&mut m, col, v);
    }
    if let Some(v) = changes.settlement_enabled {
        m.settlement_enabled = Set(v);
    }
    if let Some(v) = changes.geo_latitude {
        m.geo_latitude = Set(v);
    }
    if let Some(v) = changes.geo_longitude {
        m.geo_longitude = Set(v);
    }
    if let Some(to) = status_move {
        m.status = Set(to.as_str().to_owned());
        if to == TerminalStatus::Active && t.activated_at.is_none() {
            m.activated_at = Set(Some(now));
        }
    }
    if status_move.is_none() && !field_change {
        txn.commit().await?;
        return Ok(id);
    }
    m.updated_at = Set(now);
    m.update(&txn).await?;
    if let Some(to) = status_move {
        let meta = json!({"from": t.status, "to": to.as_str(), "reason": changes.reason});
        support::record_event(&txn, &id, to.event_type(), p, Some(meta), now).await?;
    }
    if field_change {
        let meta = json!({ "fields": fields });
        support::record_event(&txn, &id, "terminal_updated", p, Some(meta), now).await?;
    }
    txn.commit().await?;
    let detail = json!({"status": status_move.map(|s| s.as_str()), "fields": fields});
    support::audit(b, p, "fleet.terminal.update", "terminal", &id, Some(detail)).await;
    Ok(id)
}

fn column_name(c: terminals::Column) -> &'static str {
    use terminals::Column as C;
    match c {
        C::TerminalName => "terminal_name",
        C::ProfileId => "profile_id",
        C::DeviceModel => "device_model",
        C::Oem => "oem",
        C::ContactName => "contact_name",
        C::ContactEmail => "contact_email",
        C::ContactPhone => "contact_phone",
        C::OnboardingNotes => "onboarding_notes",
        C::SettlementAccountId => "settlement_account_id",
        C::SettlementFrequency => "settlement_frequency",
        C::SettlementAccountJson => "settlement_account",
        C::VirtualAccountJson => "virtual_account",
        C::MetadataJson => "metadata",
        C::ConfigJson => "config",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_clears_absent_keeps() {
        let p: TerminalPatch =
            serde_json::from_str(r#"{"terminal_name": null, "status": "suspended"}"#).unwrap();
        assert_eq!(p.terminal_name, Some(None));
        assert_eq!(p.contact_name, None);
        let c = validate(&p).unwrap();
        assert_eq!(c.status, Some(TerminalStatus::Suspended));
        assert_eq!(c.text.len(), 1);
        assert_eq!(column_name(c.text[0].0), "terminal_name");
        assert_eq!(c.text[0].1, None);
    }

    #[test]
    fn invalid_values_are_field_errors() {
        let p: TerminalPatch = serde_json::from_str(
            r#"{"status": "paused", "metadata": [1], "geo_latitude": 91, "contact_email": "x"}"#,
        )
        .unwrap();
        match validate(&p) {
            Err(FleetError::InvalidRequest(errors)) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(
                    fields,
                    vec!["status", "contact_email", "metadata", "geo_latitude"]
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(serde_json::from_str::<TerminalPatch>(r#"{"colour": "red"}"#).is_err());
    }
}
