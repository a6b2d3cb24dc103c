//! `enrolment_events`: the history of one enrolled card (enrolled, changed, unenrolled).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "enrolment_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub card_id: String,
    /// `ENROLLED`, `UPDATED`, `UNENROLLED` or `REENROLLED`.
    pub kind: String,
    /// When it took effect at MRS (the enrolment or unenrolment date).
    pub effective_at: i64,
    /// When this server learnt of it.
    pub recorded_at: i64,
    /// `api`, `csv`, `mrs` or `panel`.
    pub source: String,
    /// The signed-in user's email; `None` for the MRS pull.
    pub actor: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
