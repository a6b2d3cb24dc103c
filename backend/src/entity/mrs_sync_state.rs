//! `mrs_sync_state`: where the MRS pull adapter stands, shared by every app server.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "mrs_sync_state")]
pub struct Model {
    /// The feed (`enrolments`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// MRS's opaque cursor after the last applied page; `None` = from the start.
    pub cursor: Option<String>,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
