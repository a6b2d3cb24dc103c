//! `terminal_assignments` (see docs/DATA-MODEL.md). Mirrors the migration column for column.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "terminal_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub terminal_id: String,
    pub business_id: String,
    pub business_name: String,
    pub ledger_account_id: Option<String>,
    pub ledger_account_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub assignment_reason: Option<String>,
    pub assigned_by: String,
    pub assigned_at: i64,
    pub unassigned_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
