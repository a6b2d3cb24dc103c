//! `ruleset_cap_claims` (migration m0006): one row per capped ruleset and period, leased by a
//! conditional update while a grant that uses the cap is decided and written; `seq` counts them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "ruleset_cap_claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ruleset_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub period_start: i64,
    pub seq: i64,
    pub holder: Option<String>,
    pub held_until: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
