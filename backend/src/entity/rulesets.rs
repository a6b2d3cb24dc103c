//! `rulesets` (see docs/DATA-MODEL.md). Mirrors the migration column for column.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "rulesets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub current_version: i32,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub valid_from: i64,
    pub valid_to: i64,
    pub issuer_country: Option<String>,
    pub product_codes: String,
    pub rpm: bool,
    /// Only enrolled cards (MRS) match this ruleset.
    pub enrolled_only: bool,
    pub total_usage_limit: Option<i64>,
    pub total_usage_period_days: Option<i32>,
    pub cardholder_free_enabled: bool,
    pub cardholder_free_count: Option<i32>,
    pub cardholder_free_period_days: Option<i32>,
    pub cardholder_per_location_limit: Option<i32>,
    pub cardholder_paid_enabled: bool,
    pub cardholder_paid_count: Option<i32>,
    pub cardholder_price_minor: Option<i64>,
    pub cardholder_currency: Option<String>,
    pub adult_free_enabled: bool,
    pub adult_free_count: Option<i32>,
    pub adult_paid_enabled: bool,
    pub adult_paid_count: Option<i32>,
    pub adult_price_minor: Option<i64>,
    pub adult_currency: Option<String>,
    pub adult_max_per_entry: i32,
    pub child_free_enabled: bool,
    pub child_free_count: Option<i32>,
    pub child_paid_enabled: bool,
    pub child_paid_count: Option<i32>,
    pub child_price_minor: Option<i64>,
    pub child_currency: Option<String>,
    pub child_max_per_entry: i32,
    pub child_free_under_age: Option<i32>,
    pub spend_enabled: bool,
    pub spend_amount_minor: Option<i64>,
    pub spend_currency: Option<String>,
    pub spend_period_days: Option<i32>,
    pub spend_mccs: String,
    pub spend_grace_days: Option<i32>,
    pub location_country: Option<String>,
    pub all_locations_of_country: bool,
    /// Tenant the ruleset was created under (historic; see `owner_tenant_id`).
    pub tenant_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub modified_by: String,
    pub modified_at: i64,
    pub deleted_at: Option<i64>,
    /// The issuer tenant that owns the ruleset; `None` = the platform (Admin/User only).
    pub owner_tenant_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
