//! `operations` (see docs/DATA-MODEL.md). Mirrors the migration column for column.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "operations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub op_type: String,
    pub status: String,
    pub pan_hash: String,
    pub masked_pan: String,
    pub bin: String,
    pub last4: String,
    pub terminal_id: Option<String>,
    pub terminal_serial: Option<String>,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    pub service_code: Option<String>,
    pub country: Option<String>,
    pub ica: Option<String>,
    pub ica_name: Option<String>,
    pub product_code: Option<String>,
    pub entry_mode: String,
    pub ruleset_id: Option<String>,
    pub ruleset_version: Option<i32>,
    pub reject_code: Option<String>,
    pub card_auth_response_code: Option<String>,
    pub cardholder_paid: bool,
    pub cardholder_price_minor: Option<i64>,
    pub free_entry: bool,
    pub currency: Option<String>,
    pub free_adult_guests: i32,
    pub paid_adult_guests: i32,
    pub free_child_guests: i32,
    pub paid_child_guests: i32,
    pub total_minor: i64,
    pub over_limit: bool,
    pub offline_id: Option<String>,
    pub offline_basis: Option<String>,
    pub expires_at: Option<i64>,
    pub requested_at: i64,
    pub occurred_at: i64,
    pub confirmed_at: Option<i64>,
    pub updated_at: i64,
    pub reversed_at: Option<i64>,
    pub reversed_by: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub reversal_reason: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub decision_json: Option<String>,
    /// The confirm that owns this grant while it talks to the acquirer (migration m0006).
    pub confirm_claim: Option<String>,
    /// Guest seats an open grant holds at a capped location while its confirm runs (m0012).
    pub reserved_guests: i32,
    /// Every currency's amount (`EUR:2500;PLN:20000`) when the entry cost more than one
    /// currency; `None` otherwise (`total_minor`/`currency` say it all).
    pub amounts: Option<String>,
    /// An offline entry that breached its location's offline policy (m0014):
    /// `OFFLINE_DISABLED` or `DAILY_LIMIT` (the entry is then also `over_limit`).
    pub offline_policy_breach: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
