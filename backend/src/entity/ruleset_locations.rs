//! `ruleset_locations` (see docs/DATA-MODEL.md). Mirrors the migration column for column.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "ruleset_locations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ruleset_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub location_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
