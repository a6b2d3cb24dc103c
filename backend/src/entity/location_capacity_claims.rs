//! `location_capacity_claims` (migration m0012): one row per location with a capacity, leased
//! by a conditional update while a grant (or a confirm's guests) is counted against the live
//! occupancy and written.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "location_capacity_claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub location_id: String,
    pub holder: Option<String>,
    pub held_until: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
