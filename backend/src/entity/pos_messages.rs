//! `pos_messages` (m0013): an Admin's text for a reject code in one language. Mirrors the
//! migration column for column.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "pos_messages")]
pub struct Model {
    /// The wire reject code, e.g. `LIMIT_EXCEEDED`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// ISO 639-1, lowercase.
    #[sea_orm(primary_key, auto_increment = false)]
    pub language: String,
    pub message: String,
    pub updated_at: i64,
    /// The user id of the Admin who set it.
    pub updated_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
