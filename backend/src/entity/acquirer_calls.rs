//! `acquirer_calls` (migration m0006): the acquirer ledger, one row per call for an operation.
//! Mirrors the migration column for column.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "acquirer_calls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub operation_id: String,
    /// `ACCOUNT_STATUS`, `AUTHORIZATION`, `ADDITIONAL_AUTHORIZATION`, `VOID`, `REFUND`.
    pub kind: String,
    pub reference: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub idempotency_key: String,
    /// `APPROVED`, `DECLINED`, `INSUFFICIENT_FUNDS`, `UNAVAILABLE` for authorizations;
    /// `PENDING` (owed, retried), `VOIDED`, `REFUNDED` for voids and refunds.
    pub outcome: String,
    pub response_code: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
