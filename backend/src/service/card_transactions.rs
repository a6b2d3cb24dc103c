//! Card transactions, the MRS feed's stand-in: what the spend-based rule control reads
//! (`repo::card_facts::transactions`). Loaded by CSV import or a JSON batch; both are checked by
//! the same code, stored all or nothing, and need `DataManage` like the BIN and FX imports.
//!
//! CSV: `pan,amount,currency,mcc,occurred_at[,cleared_at][,external_id][,merchant_name]`. With
//! the header line the columns are taken by name (any order, the optional ones may be left
//! out); without it, in this order. Cells may be quoted (`"Café, Berlin"`, `""` for a quote).
//!
//! * `pan`: 12–19 digits passing Luhn. Stored only as its keyed hash ([`Keys::pan_hash`], as
//!   everywhere else); it is never stored, logged or echoed in clear.
//! * `amount`: a decimal in major units (`125.50`; negative for a refund) with at most the
//!   currency's ISO 4217 minor-unit digits; stored in minor units.
//! * `currency`: ISO 4217 alpha-3 known to the platform. `mcc`: 4 digits.
//! * `occurred_at`, `cleared_at`: RFC 3339 (`2026-11-20T14:05:00Z`) or `YYYY-MM-DD HH:MM:SS`
//!   (UTC); `cleared_at` defaults to `occurred_at` and is not before it.
//! * `external_id`: the feed's id, optional. A transaction whose `external_id` is already stored
//!   (or earlier in the same import) is skipped, so a feed can be re-sent safely.
//!
//! Errors name the row and field: `line[3].amount` (line of the file) for CSV, `items[2].amount`
//! (index in the batch) for JSON; at most [`MAX_ERRORS`] are listed.
//!
//! [`Keys::pan_hash`]: super::super::Keys::pan_hash

use super::super::entity::card_transactions;
use super::super::error::{ServiceError, ServiceResult};
use super::super::{audit, Backend, Principal};
use super::feed_csv::{nonempty, parse_instant, Layout, TIME_FORMAT};
use access_core::domain::{Currency, Mcc, Money, MoneyError, Pan};
use access_core::model::{Capability, FieldError};
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;

/// Rows (CSV lines or batch items) per import.
pub const MAX_ROWS: usize = 100_000;
/// Problems listed in one answer; checking stops there.
pub const MAX_ERRORS: usize = 100;
/// How far ahead of the server's clock `occurred_at` may be (time zones, clock skew).
const FUTURE_SLACK_MS: i64 = 86_400_000;
/// Rows per INSERT statement (10 columns each, well under every database's bind limit).
const INSERT_CHUNK: usize = 500;
const MAX_EXTERNAL_ID: usize = 128;
const MAX_MERCHANT_NAME: usize = 200;

/// The CSV columns, in their order when the file has no header; the first five are required.
const CSV: Layout = Layout {
    columns: &[
        "pan",
        "amount",
        "currency",
        "mcc",
        "occurred_at",
        "cleared_at",
        "external_id",
        "merchant_name",
    ],
    required: 5,
    max_rows: MAX_ROWS,
};

/// One transaction as sent (JSON item or CSV line), before checking.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewCardTransaction {
    pub pan: String,
    pub amount: String,
    pub currency: String,
    pub mcc: String,
    pub occurred_at: String,
    #[serde(default)]
    pub cleared_at: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub merchant_name: Option<String>,
}

/// Never prints the card number.
impl fmt::Debug for NewCardTransaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewCardTransaction")
            .field("pan", &"<redacted>")
            .field("amount", &self.amount)
            .field("currency", &self.currency)
            .field("mcc", &self.mcc)
            .field("occurred_at", &self.occurred_at)
            .field("cleared_at", &self.cleared_at)
            .field("external_id", &self.external_id)
            .field("merchant_name", &self.merchant_name)
            .finish()
    }
}

/// The REST body: `{"items": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CardTransactionBatch {
    pub items: Vec<NewCardTransaction>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardTransactionImportReport {
    /// Transactions stored.
    pub imported: u64,
    /// Transactions whose `external_id` was already stored (or repeated in the import).
    pub skipped: u64,
}

/// A transaction that passed every check (`Pan` prints masked).
#[derive(Debug)]
struct Checked {
    pan: Pan,
    external_id: Option<String>,
    occurred_at: i64,
    cleared_at: i64,
    amount: Money,
    mcc: String,
    merchant_name: Option<String>,
}

/// Import transactions from CSV (see the module docs). All or nothing.
pub async fn import_csv(
    b: &Backend,
    p: &Principal,
    csv: &str,
) -> ServiceResult<CardTransactionImportReport> {
    p.require(Capability::DataManage)?;
    let rows = parse_csv(csv, b.now_ms()).map_err(ServiceError::Validation)?;
    let report = store(b, rows).await?;
    record(b, p, "card_transactions.import", &report).await;
    Ok(report)
}

/// Store a batch of transactions (the REST feed). All or nothing.
pub async fn create_batch(
    b: &Backend,
    p: &Principal,
    items: Vec<NewCardTransaction>,
) -> ServiceResult<CardTransactionImportReport> {
    p.require(Capability::DataManage)?;
    if items.is_empty() {
        return Err(ServiceError::field("items", "at least one transaction"));
    }
    if items.len() > MAX_ROWS {
        return Err(ServiceError::field("items", &too_many()));
    }
    let now = b.now_ms();
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(items.len());
    for (i, t) in items.iter().enumerate() {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        if let Some(c) = check(&format!("items[{i}]"), t, now, &mut errors) {
            rows.push(c);
        }
    }
    if !errors.is_empty() {
        errors.truncate(MAX_ERRORS);
        return Err(ServiceError::Validation(errors));
    }
    let report = store(b, rows).await?;
    record(b, p, "card_transactions.create", &report).await;
    Ok(report)
}

fn too_many() -> String {
    format!("at most {MAX_ROWS} transactions per import")
}

/// Checks one transaction; problems go to `errors` named `{prefix}.{field}`.
fn check(
    prefix: &str,
    t: &NewCardTransaction,
    now_ms: i64,
    errors: &mut Vec<FieldError>,
) -> Option<Checked> {
    let before = errors.len();
    let mut err = |field: &str, message: &str| {
        errors.push(FieldError::new(format!("{prefix}.{field}"), message));
    };
    // `PanError` messages never contain the digits.
    let pan = Pan::parse(t.pan.trim())
        .map_err(|e| err("pan", &e.to_string()))
        .ok();
    let currency = Currency::from_code(&t.currency.trim().to_uppercase())
        .map_err(|_| err("currency", "an ISO 4217 currency code, e.g. EUR"))
        .ok();
    let amount = currency.and_then(|c| {
        Money::parse(t.amount.trim(), c)
            .map_err(|e| match e {
                MoneyError::TooManyDecimals { .. } | MoneyError::Overflow => {
                    err("amount", &e.to_string())
                }
                _ => err("amount", "a decimal amount in major units, e.g. 125.50"),
            })
            .ok()
    });
    let mcc = t.mcc.trim();
    if Mcc::parse(mcc).is_none() {
        err("mcc", "4 digits, e.g. 5411");
    }
    let occurred_at = match parse_instant(&t.occurred_at) {
        Some(at) if at > now_ms + FUTURE_SLACK_MS => {
            err("occurred_at", "not in the future");
            None
        }
        Some(at) => Some(at),
        None => {
            err("occurred_at", TIME_FORMAT);
            None
        }
    };
    let cleared_at = match nonempty(&t.cleared_at) {
        None => occurred_at,
        Some(s) => match (parse_instant(s), occurred_at) {
            (None, _) => {
                err("cleared_at", TIME_FORMAT);
                None
            }
            (Some(c), Some(o)) if c < o => {
                err("cleared_at", "not before occurred_at");
                None
            }
            (c, _) => c,
        },
    };
    let external_id = nonempty(&t.external_id).map(str::to_owned);
    if external_id
        .as_ref()
        .is_some_and(|x| x.chars().count() > MAX_EXTERNAL_ID)
    {
        err("external_id", "up to 128 characters");
    }
    let merchant_name = nonempty(&t.merchant_name).map(str::to_owned);
    if merchant_name
        .as_ref()
        .is_some_and(|m| m.chars().count() > MAX_MERCHANT_NAME)
    {
        err("merchant_name", "up to 200 characters");
    }
    if errors.len() > before {
        return None;
    }
    Some(Checked {
        pan: pan?,
        external_id,
        occurred_at: occurred_at?,
        cleared_at: cleared_at?,
        amount: amount?,
        mcc: mcc.to_owned(),
        merchant_name,
    })
}

/// Parses and checks the CSV; errors name `line[N]` (N = line of the file).
fn parse_csv(csv: &str, now_ms: i64) -> Result<Vec<Checked>, Vec<FieldError>> {
    let rows = CSV.read(csv)?;
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        let mut row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let t = NewCardTransaction {
            pan: row.take(0).unwrap_or_default(),
            amount: row.take(1).unwrap_or_default(),
            currency: row.take(2).unwrap_or_default(),
            mcc: row.take(3).unwrap_or_default(),
            occurred_at: row.take(4).unwrap_or_default(),
            cleared_at: row.take(5),
            external_id: row.take(6),
            merchant_name: row.take(7),
        };
        if let Some(c) = check(&format!("line[{}]", row.line), &t, now_ms, &mut errors) {
            out.push(c);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.truncate(MAX_ERRORS);
        Err(errors)
    }
}

/// Inserts the checked rows in one transaction; a known `external_id` is skipped (also when
/// another import stores it at the same moment: `ON CONFLICT DO NOTHING`).
async fn store(b: &Backend, rows: Vec<Checked>) -> ServiceResult<CardTransactionImportReport> {
    let now = b.now_ms();
    let total = rows.len() as u64;
    let mut seen = HashSet::new();
    let mut imported = 0;
    let txn = b.db.begin().await?;
    let mut chunk = Vec::with_capacity(INSERT_CHUNK.min(rows.len()));
    for r in rows {
        if let Some(x) = &r.external_id {
            if !seen.insert(x.clone()) {
                continue;
            }
        }
        chunk.push(card_transactions::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            pan_hash: Set(b.keys.pan_hash(r.pan.digits())),
            external_id: Set(r.external_id),
            occurred_at: Set(r.occurred_at),
            cleared_at: Set(r.cleared_at),
            amount_minor: Set(r.amount.minor()),
            currency: Set(r.amount.currency().code().to_owned()),
            mcc: Set(r.mcc),
            merchant_name: Set(r.merchant_name),
            created_at: Set(now),
        });
        if chunk.len() == INSERT_CHUNK {
            imported += insert(&txn, std::mem::take(&mut chunk)).await?;
        }
    }
    if !chunk.is_empty() {
        imported += insert(&txn, chunk).await?;
    }
    txn.commit().await?;
    Ok(CardTransactionImportReport {
        imported,
        skipped: total - imported,
    })
}

/// Inserts the rows; the number actually inserted.
async fn insert<C: sea_orm::ConnectionTrait>(
    db: &C,
    rows: Vec<card_transactions::ActiveModel>,
) -> ServiceResult<u64> {
    Ok(card_transactions::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(card_transactions::Column::ExternalId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?)
}

async fn record(b: &Backend, p: &Principal, action: &str, r: &CardTransactionImportReport) {
    audit::record(
        &b.db,
        b.now_ms(),
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action,
            target_type: Some("card_transactions"),
            target_id: None,
            outcome: "success",
            detail: Some(serde_json::json!({"imported": r.imported, "skipped": r.skipped})),
            client_addr: None,
        },
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000_000; // 2026-11-18

    fn fields(e: Vec<FieldError>) -> Vec<String> {
        e.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn csv_with_header_by_name_and_without_in_order() {
        let rows = parse_csv(
            "merchant_name,pan,amount,currency,mcc,occurred_at\n\"Café, \"\"Berlin\"\"\",5105105105105100,125.5,eur,5411,2026-11-10T12:00:00+01:00\n",
            NOW,
        )
        .unwrap();
        assert_eq!(rows[0].amount.minor(), 12_550);
        assert_eq!(rows[0].amount.currency().code(), "EUR");
        assert_eq!(rows[0].merchant_name.as_deref(), Some("Café, \"Berlin\""));
        assert_eq!(rows[0].cleared_at, rows[0].occurred_at);
        let rows = parse_csv(
            "5105105105105100,1500,JPY,5812,2026-11-10 11:00:00,2026-11-11 11:00:00,x-1\n",
            NOW,
        )
        .unwrap();
        assert_eq!(rows[0].amount.minor(), 1500);
        assert_eq!(rows[0].cleared_at - rows[0].occurred_at, 86_400_000);
        assert_eq!(rows[0].external_id.as_deref(), Some("x-1"));
    }

    #[test]
    fn csv_errors_name_line_and_field_without_the_pan() {
        let e = parse_csv(
            "pan,amount,currency,mcc,occurred_at,cleared_at\n\
             5105105105105101,1.234,EUR,54a1,yesterday,2026-11-01T00:00:00Z\n\
             5105105105105100,1.5,QQQ,5411,2026-11-10T00:00:00Z,2026-11-09T00:00:00Z\n\
             5105105105105100,1.5\n\
             5105105105105100,\"1.5,EUR,5411,2026-11-10T00:00:00Z,\n",
            NOW,
        )
        .unwrap_err();
        assert!(!format!("{e:?}").contains("5105105105105101"));
        assert_eq!(
            fields(e),
            [
                "line[2].pan",
                "line[2].amount",
                "line[2].mcc",
                "line[2].occurred_at",
                "line[3].currency",
                "line[3].cleared_at",
                "line[4]",
                "line[5]"
            ]
        );
        assert_eq!(
            fields(parse_csv("pan,amount,mcc,extra\n", NOW).unwrap_err()),
            ["line[1]", "line[1].currency", "line[1].occurred_at"]
        );
        assert_eq!(fields(parse_csv("\n\n", NOW).unwrap_err()), ["csv"]);
    }

    #[test]
    fn decimals_follow_the_currency() {
        let t = |amount: &str, currency: &str| NewCardTransaction {
            pan: "5105105105105100".into(),
            amount: amount.into(),
            currency: currency.into(),
            mcc: "5411".into(),
            occurred_at: "2026-11-10T00:00:00Z".into(),
            ..Default::default()
        };
        let mut e = Vec::new();
        let minor = |c: Option<Checked>| c.map(|c| c.amount.minor());
        assert_eq!(
            minor(check("x", &t("1.250", "BHD"), NOW, &mut e)),
            Some(1250)
        );
        assert_eq!(minor(check("x", &t("12", "JPY"), NOW, &mut e)), Some(12));
        assert!(e.is_empty());
        assert!(check("x", &t("1.5", "JPY"), NOW, &mut e).is_none());
        assert!(check("x", &t("1.005", "EUR"), NOW, &mut e).is_none());
        assert_eq!(fields(e), ["x.amount", "x.amount"]);
        assert!(!format!("{:?}", t("1", "EUR")).contains("5105105105105100"));
    }
}
