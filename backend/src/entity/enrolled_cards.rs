//! `enrolled_cards` (see docs/DATA-MODEL.md). Mirrors the migration column for column.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "enrolled_cards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub pan_hash: String,
    pub whitelist_hash: String,
    pub masked_pan: String,
    pub bin: String,
    pub last4: String,
    pub aref: String,
    pub ica: String,
    pub product_code: String,
    pub enrolled_at: i64,
    pub created_at: i64,
    /// `ENROLLED` or `UNENROLLED`: an unenrolled card keeps its row for history.
    pub status: String,
    pub unenrolled_at: Option<i64>,
    /// Last change by the feed (0 for rows older than the feed).
    pub updated_at: i64,
}

/// The `status` of an enrolled card.
pub const ENROLLED: &str = "ENROLLED";
pub const UNENROLLED: &str = "UNENROLLED";

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
