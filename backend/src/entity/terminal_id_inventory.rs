//! `terminal_id_inventory` (see docs/DATA-MODEL.md). Mirrors the migration column for column.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "terminal_id_inventory")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub processor_id: String,
    pub terminal_code: String,
    pub status: String,
    pub reserved_by: Option<String>,
    pub reserved_at: Option<i64>,
    pub reserved_until: Option<i64>,
    pub assigned_terminal_id: Option<String>,
    pub assigned_at: Option<i64>,
    pub mapping_id: Option<String>,
    pub batch_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub notes: Option<String>,
    pub released_at: Option<i64>,
    pub retired_at: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub retired_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
