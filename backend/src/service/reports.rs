//! "Export Report": operations Summary and Detailed, and enrolled cards. The service reads in
//! keyset pages (so a caller that writes each page out before asking for the next keeps its
//! memory flat however many rows match); the wire formats (CSV, XLSX) are the edge's business.

use super::super::error::ServiceResult;
use super::super::repo::{self, operations::ExportRow, operations::OpScope};
use super::super::tz::{self, Tz};
use super::super::{Backend, Principal};
use super::operations::op_scope;
use access_core::model::{Capability, CardFilter, CardReportRow, OperationFilter, Role};
use futures_util::StreamExt;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryResult, QueryStream};
use std::collections::HashMap;

/// Rows per keyset page (one statement each). The rows of a page are streamed off the
/// connection, not collected, so this bounds how long one statement holds a connection (and
/// the page's acquirer ledger), not the memory of the rows.
pub const EXPORT_PAGE: u64 = 20_000;

/// The detailed export's rows, one at a time, oldest first.
pub struct OperationRows {
    b: Backend,
    filter: OperationFilter,
    scope: OpScope,
    /// The report's zone: its date filters, and the timestamps the edge writes.
    pub zone: Tz,
    /// The keyset position of the last row handed out (`occurred_at`, `id`).
    after: Option<(i64, String)>,
    done: bool,
    pub page_size: u64,
    /// The current page's rows as they come off the connection.
    stream: Option<QueryStream>,
    rows_in_page: u64,
    /// The current page's acquirer ledger: operation id → the report's text.
    ledger: HashMap<String, String>,
}

/// One row of the detailed export; [`OperationRecord::fields`] reads it without allocating.
pub struct OperationRecord {
    row: QueryResult,
    acquirer: Option<String>,
}

impl OperationRecord {
    pub fn fields(&self) -> ServiceResult<ExportRow<'_>> {
        let mut f = ExportRow::read(&self.row)?;
        f.acquirer = self.acquirer.as_deref();
        Ok(f)
    }
}

impl OperationRows {
    /// The next row, or `None` once every row was returned.
    pub async fn next(&mut self) -> ServiceResult<Option<OperationRecord>> {
        loop {
            if self.stream.is_none() {
                if self.done {
                    return Ok(None);
                }
                self.start_page().await?;
            }
            let Some(stream) = self.stream.as_mut() else {
                continue;
            };
            match stream.next().await {
                Some(row) => {
                    let row = row?;
                    self.rows_in_page += 1;
                    let (at, id) = ExportRow::key(&row)?;
                    let acquirer = if self.ledger.is_empty() {
                        None
                    } else {
                        self.ledger.remove(id)
                    };
                    match &mut self.after {
                        Some((a, last)) => {
                            *a = at;
                            last.clear();
                            last.push_str(id);
                        }
                        None => self.after = Some((at, id.to_owned())),
                    }
                    return Ok(Some(OperationRecord { row, acquirer }));
                }
                None => {
                    // A short page was the last one.
                    self.stream = None;
                    if self.rows_in_page < self.page_size {
                        self.done = true;
                    }
                }
            }
        }
    }

    /// The next page: its acquirer ledger (one query), then its rows as a stream.
    async fn start_page(&mut self) -> ServiceResult<()> {
        let after = self.after.as_ref().map(|(at, id)| (*at, id.as_str()));
        let ids = repo::operations::export_page_ids(
            &self.filter,
            &self.scope,
            self.zone,
            after,
            self.page_size,
        );
        let mut calls = super::super::entity::acquirer_calls::Entity::find()
            .filter(super::super::entity::acquirer_calls::Column::OperationId.in_subquery(ids))
            .all(&self.b.db)
            .await?;
        super::acquirer_ledger::sort_calls(&mut calls);
        self.ledger.clear();
        for c in calls {
            let amount = match (c.amount_minor, c.currency.as_deref()) {
                (Some(m), Some(cur)) => {
                    format!(
                        " {} {cur}",
                        access_core::model::fmt_minor(m, access_core::model::currency_digits(cur))
                    )
                }
                _ => String::new(),
            };
            let text = self.ledger.entry(c.operation_id).or_default();
            if !text.is_empty() {
                text.push_str("; ");
            }
            text.push_str(&format!("{} {}{amount}", c.kind, c.outcome));
        }
        self.stream = Some(
            repo::operations::export_stream(
                &self.b.db,
                &self.filter,
                &self.scope,
                self.zone,
                after,
                self.page_size,
            )
            .await?,
        );
        self.rows_in_page = 0;
        Ok(())
    }
}

/// Authorize and set up a detailed export (the caller's tenant scope applies).
pub async fn operations(
    b: &Backend,
    p: &Principal,
    filter: &OperationFilter,
) -> ServiceResult<OperationRows> {
    let scope = op_scope(b, p, Capability::ReportsExport).await?;
    let filter = filter.normalized();
    let zone =
        super::zones::view_zone(b, filter.location_id.as_deref(), filter.tz.as_deref()).await?;
    Ok(OperationRows {
        b: b.clone(),
        filter,
        scope,
        zone,
        after: None,
        done: false,
        page_size: b.settings.export_page_rows.max(1),
        stream: None,
        rows_in_page: 0,
        ledger: HashMap::new(),
    })
}

/// One summary line: a local day (in the report's zone) × location × service.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// The local day as epoch ms of that date's 00:00 read as UTC (a calendar date, not an
    /// instant).
    pub day_ms: i64,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    pub service_code: Option<String>,
    /// Completed entries (reversed ones no longer count).
    pub entries: i64,
    pub adult_guests: i64,
    pub child_guests: i64,
    pub free_entries: i64,
    pub paid_entries: i64,
    pub rejected: i64,
    /// Amounts in minor units, one per `SummaryReport::currencies`.
    pub amounts_minor: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SummaryReport {
    /// The IANA zone whose local days the rows are.
    pub zone: Tz,
    pub currencies: Vec<String>,
    pub rows: Vec<SummaryRow>,
}

/// The summary: the database groups, so only days × locations × services come back.
pub async fn summary(
    b: &Backend,
    p: &Principal,
    filter: &OperationFilter,
) -> ServiceResult<SummaryReport> {
    let scope = op_scope(b, p, Capability::ReportsExport).await?;
    let filter = filter.normalized();
    let zone =
        super::zones::view_zone(b, filter.location_id.as_deref(), filter.tz.as_deref()).await?;
    let cond = repo::operations::condition(&filter, &scope, zone);
    let local = match repo::operations::occurred_range(&b.db, cond).await? {
        Some((lo, hi)) => tz::local_ms_sql(zone, "occurred_at", lo, hi),
        None => "occurred_at".to_owned(),
    };
    // Entries priced in several currencies (cardholder EUR, guests PLN) add to each.
    let mixed = repo::operations::mixed_amounts(&b.db, &filter, &scope, zone, &local).await?;
    let mut currencies = repo::operations::currencies(&b.db, &filter, &scope, zone).await?;
    for g in &mixed {
        for m in super::amounts::decode(0, None, g.amounts.as_deref()) {
            let c = m.currency().code().to_owned();
            if !currencies.contains(&c) {
                currencies.push(c);
            }
        }
    }
    currencies.sort();
    let index: HashMap<&str, usize> = currencies
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let mut rows: Vec<SummaryRow> = Vec::new();
    for g in repo::operations::summary(&b.db, &filter, &scope, zone, &local).await? {
        let day_ms = g.day * 86_400_000;
        let same = rows.last().is_some_and(|r| {
            r.day_ms == day_ms
                && r.location_id == g.location_id
                && r.location_name == g.location_name
                && r.service_code == g.service_code
        });
        if !same {
            rows.push(SummaryRow {
                day_ms,
                location_id: g.location_id.clone(),
                location_name: g.location_name.clone(),
                service_code: g.service_code.clone(),
                entries: 0,
                adult_guests: 0,
                child_guests: 0,
                free_entries: 0,
                paid_entries: 0,
                rejected: 0,
                amounts_minor: vec![0; currencies.len()],
            });
        }
        let r = rows.last_mut().expect("pushed above");
        r.entries += g.entries;
        r.adult_guests += g.adult_guests;
        r.child_guests += g.child_guests;
        r.free_entries += g.free_entries;
        r.paid_entries += g.paid_entries;
        r.rejected += g.rejected;
        if let Some(i) = g.currency.as_deref().and_then(|c| index.get(c)) {
            r.amounts_minor[*i] += g.amount_minor;
        }
    }
    for g in mixed {
        let day_ms = g.day * 86_400_000;
        let Some(r) = rows.iter_mut().find(|r| {
            r.day_ms == day_ms
                && r.location_id == g.location_id
                && r.location_name == g.location_name
                && r.service_code == g.service_code
        }) else {
            continue;
        };
        for m in super::amounts::decode(0, None, g.amounts.as_deref()) {
            if let Some(i) = index.get(m.currency().code()) {
                r.amounts_minor[*i] += m.minor() * g.n;
            }
        }
    }
    Ok(SummaryReport {
        zone,
        currencies,
        rows,
    })
}

/// The enrolled-cards export's rows, page by page, oldest first.
pub struct CardPages {
    b: Backend,
    filter: CardFilter,
    icas: Option<Vec<String>>,
    issuers: HashMap<String, String>,
    /// The rulesets of each (ICA, BIN) seen so far: cards share few BINs.
    rulesets: HashMap<(String, String), Vec<access_core::domain::Ruleset>>,
    after: Option<(i64, String)>,
    done: bool,
    pub page_size: u64,
}

impl CardPages {
    /// The next page: one row per card × active ruleset it falls under (one row alone when
    /// none does), with the entries it has left there now.
    pub async fn next_page(&mut self) -> ServiceResult<Option<Vec<CardReportRow>>> {
        if self.done {
            return Ok(None);
        }
        let rows = repo::enrolled_cards::page_after(
            &self.b.db,
            &self.filter,
            self.icas.as_deref(),
            self.after.take(),
            self.page_size,
        )
        .await?;
        if (rows.len() as u64) < self.page_size {
            self.done = true;
        }
        if let Some(last) = rows.last() {
            self.after = Some((last.enrolled_at, last.id.clone()));
        }
        if rows.is_empty() {
            return Ok(None);
        }
        let now = self.b.clock.now();
        let now_ms = now.timestamp_millis();
        let hashes: Vec<String> = rows.iter().map(|c| c.pan_hash.clone()).collect();
        let histories = repo::card_facts::histories(&self.b.db, &hashes, now_ms).await?;
        let mut out = Vec::with_capacity(rows.len());
        for c in rows {
            let key = (c.ica.clone(), c.bin.clone());
            if !self.rulesets.contains_key(&key) {
                let found =
                    repo::rulesets::for_card_bin(&self.b.db, &c.ica, &c.bin, now_ms).await?;
                self.rulesets.insert(key.clone(), found);
            }
            let rulesets = self.rulesets.get(&key).map(Vec::as_slice).unwrap_or(&[]);
            let history = histories.get(&c.pan_hash).map(Vec::as_slice).unwrap_or(&[]);
            let visits = super::enrolled_cards::card_visits(&c, rulesets, history, now);
            let card = super::enrolled_cards::view(c, &self.issuers);
            if visits.is_empty() {
                out.push(CardReportRow { card, visits: None });
            } else {
                for v in visits {
                    out.push(CardReportRow {
                        card: card.clone(),
                        visits: Some(v),
                    });
                }
            }
        }
        Ok(Some(out))
    }
}

/// Authorize and set up the enrolled-cards export: Admin and User see every card, an Issuer
/// its own ICAs' cards, a Service Provider (who has no cards of its own) an empty report.
pub async fn cards(b: &Backend, p: &Principal, filter: &CardFilter) -> ServiceResult<CardPages> {
    let scope = p.require(Capability::ReportsExport)?;
    let icas = match p.scope_tenant(scope)? {
        None => None,
        Some(t) if p.role == Role::Issuer => Some(repo::tenants::icas(&b.db, t).await?),
        Some(_) => Some(vec![]),
    };
    Ok(CardPages {
        b: b.clone(),
        filter: filter.clone(),
        icas,
        issuers: repo::enrolled_cards::issuer_names(&b.db).await?,
        rulesets: HashMap::new(),
        after: None,
        done: false,
        page_size: b.settings.export_page_rows.max(1),
    })
}
