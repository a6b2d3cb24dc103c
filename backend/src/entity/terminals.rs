//! `terminals` (see docs/DATA-MODEL.md). Mirrors the migration column for column.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "terminals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub serial_number: String,
    pub location_id: Option<String>,
    pub pairing_status: String,
    #[sea_orm(column_type = "Blob")]
    pub public_key_der: Option<Vec<u8>>,
    pub paired_at: Option<i64>,
    pub status: String,
    pub tenant_id: Option<String>,
    pub terminal_code: Option<String>,
    pub terminal_name: Option<String>,
    pub device_model: Option<String>,
    pub oem: Option<String>,
    pub profile_id: Option<String>,
    pub processor_id: Option<String>,
    pub assigned: bool,
    pub business_id: Option<String>,
    pub business_name: Option<String>,
    pub settlement_account_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub settlement_account_json: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub virtual_account_json: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub onboarding_notes: Option<String>,
    pub settlement_frequency: Option<String>,
    pub settlement_enabled: bool,
    pub geo_latitude: Option<f64>,
    pub geo_longitude: Option<f64>,
    #[sea_orm(column_type = "Text")]
    pub metadata_json: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub config_json: Option<String>,
    pub activated_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
