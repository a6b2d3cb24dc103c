//! `locations` (see docs/DATA-MODEL.md). Mirrors the migration column for column.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "locations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub country: String,
    pub service_code: String,
    pub postal_code: String,
    pub city: String,
    pub address: Option<String>,
    pub cooldown_minutes: Option<i32>,
    pub capacity: Option<i32>,
    /// Typical stay in minutes (live occupancy window); m0012.
    pub stay_minutes: i32,
    pub time_zone: String,
    /// Offline policy (m0014): terminals here may admit offline.
    pub offline_allowed: bool,
    /// Offline policy (m0014): most offline entries of one card here per UTC day; None = no limit.
    pub offline_max_per_card_per_day: Option<i32>,
    pub tenant_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: String,
    pub modified_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
