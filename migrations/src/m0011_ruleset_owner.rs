//! Ruleset ownership: `rulesets.owner_tenant_id` names the issuer tenant that owns a ruleset
//! (`NULL` = the platform: Admin and User only). Issuers read and write their own rulesets only.
//!
//! Existing rulesets are assigned here: a ruleset created under an issuer tenant
//! (`rulesets.tenant_id`) keeps that issuer; otherwise the issuer tenant whose ICAs cover the
//! ICAs of the ruleset's BIN ranges, when exactly one issuer matches; else the platform.
//!
//! Also `terminal_velocity`: the per-terminal fixed-window counter of `/pos/check_entry`
//! (one row per terminal: the current one-minute window's start and its count), shared by every
//! app server on the database (part of the same security change, issue 14).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, string_null};
use std::collections::{BTreeSet, HashMap};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Rulesets {
    Table,
    Id,
    TenantId,
    OwnerTenantId,
}

#[derive(DeriveIden)]
enum RulesetBinRanges {
    Table,
    RulesetId,
    Ica,
}

#[derive(DeriveIden)]
enum TenantIcas {
    Table,
    TenantId,
    Ica,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Kind,
}

#[derive(DeriveIden)]
enum TerminalVelocity {
    Table,
    TerminalId,
    WindowStart,
    Count,
}

const OWNER_INDEX: &str = "idx_rulesets_owner_tenant";

/// "0047" and "47" are one ICA.
fn norm(ica: &str) -> String {
    let t = ica.trim().trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.into()
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Rulesets::Table)
                    .add_column(string_null(Rulesets::OwnerTenantId))
                    .take(),
            )
            .await?;
        crate::common::index(
            manager,
            OWNER_INDEX,
            Rulesets::Table,
            vec![Rulesets::OwnerTenantId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(TerminalVelocity::Table)
                    .if_not_exists()
                    .col(crate::common::pk_text(TerminalVelocity::TerminalId))
                    .col(big_integer(TerminalVelocity::WindowStart))
                    .col(integer(TerminalVelocity::Count))
                    .take(),
            )
            .await?;

        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        // Issuer tenants and their ICAs.
        let issuers: BTreeSet<String> = db
            .query_all(
                backend.build(
                    Query::select()
                        .column(Tenants::Id)
                        .from(Tenants::Table)
                        .and_where(Expr::col(Tenants::Kind).eq("ISSUER")),
                ),
            )
            .await?
            .iter()
            .map(|r| r.try_get::<String>("", "id"))
            .collect::<Result<_, _>>()?;
        let mut owners_of_ica: HashMap<String, BTreeSet<String>> = HashMap::new();
        for r in db
            .query_all(
                backend.build(
                    Query::select()
                        .columns([TenantIcas::TenantId, TenantIcas::Ica])
                        .from(TenantIcas::Table),
                ),
            )
            .await?
        {
            let tenant: String = r.try_get("", "tenant_id")?;
            let ica: String = r.try_get("", "ica")?;
            if issuers.contains(&tenant) {
                owners_of_ica.entry(norm(&ica)).or_default().insert(tenant);
            }
        }
        let mut icas_of: HashMap<String, BTreeSet<String>> = HashMap::new();
        for r in db
            .query_all(
                backend.build(
                    Query::select()
                        .columns([RulesetBinRanges::RulesetId, RulesetBinRanges::Ica])
                        .from(RulesetBinRanges::Table),
                ),
            )
            .await?
        {
            let id: String = r.try_get("", "ruleset_id")?;
            let ica: String = r.try_get("", "ica")?;
            icas_of.entry(id).or_default().insert(norm(&ica));
        }
        for r in db
            .query_all(
                backend.build(
                    Query::select()
                        .columns([Rulesets::Id, Rulesets::TenantId])
                        .from(Rulesets::Table),
                ),
            )
            .await?
        {
            let id: String = r.try_get("", "id")?;
            let created_under: Option<String> = r.try_get("", "tenant_id")?;
            let owner = match created_under.filter(|t| issuers.contains(t)) {
                Some(t) => Some(t),
                None => {
                    // Issuers that own every ICA of the ruleset's BIN ranges.
                    let icas = icas_of.remove(&id).unwrap_or_default();
                    let mut candidates: Option<BTreeSet<String>> = None;
                    for ica in &icas {
                        let owners = owners_of_ica.get(ica).cloned().unwrap_or_default();
                        candidates = Some(match candidates {
                            None => owners,
                            Some(c) => c.intersection(&owners).cloned().collect(),
                        });
                    }
                    match candidates {
                        Some(c) if c.len() == 1 => c.into_iter().next(),
                        _ => None,
                    }
                }
            };
            if let Some(owner) = owner {
                db.execute(
                    backend.build(
                        Query::update()
                            .table(Rulesets::Table)
                            .value(Rulesets::OwnerTenantId, owner)
                            .and_where(Expr::col(Rulesets::Id).eq(id)),
                    ),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::common::drop_tables(manager, vec![TerminalVelocity::Table.into_iden()]).await?;
        manager
            .drop_index(
                Index::drop()
                    .name(OWNER_INDEX)
                    .table(Rulesets::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Rulesets::Table)
                    .drop_column(Rulesets::OwnerTenantId)
                    .take(),
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::norm;

    #[test]
    fn ica_spellings_are_one() {
        assert_eq!(norm("0047"), "47");
        assert_eq!(norm("47"), "47");
        assert_eq!(norm("0000"), "0");
    }
}
