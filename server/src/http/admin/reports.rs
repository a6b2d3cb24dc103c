//! "Export Report": `GET /api/v1/admin/reports/operations?format=csv|xlsx&kind=summary|detailed
//! &...filters` and `GET /api/v1/admin/reports/cards?format=csv|xlsx&...filters`.
//!
//! Streamed: a task pages through the rows (keyset pages of the service) and hands chunks to
//! the response body through a bounded channel, so memory stays flat however many rows match.
//! CSV chunks go out as each page is written; XLSX is written by `rust_xlsxwriter` in its
//! constant-memory mode to a temporary file, which is then streamed and deleted.
//! The panel downloads with its session cookie; API clients use their bearer token.
//!
//! Every export is audited (`export.operations_detailed`, `export.operations_summary`,
//! `export.cards`): who, when, the format, the filters, the client address and the rows
//! written — recorded when the download ends (`success`), fails (`failure`) or is abandoned by
//! the client (`incomplete`), so a download cut short is on the record too.

use super::super::error::{ApiError, ApiResult};
use super::schema::{self, ApiErrorBody};
use super::users::bad_query;
use crate::http::error::unprocessable;
use access_core::model::{
    currency_digits, AppError, CardFilter, CardReportRow, FieldError, OperationFilter,
};
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRef, FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use backend::repo::operations::ExportRow;
use backend::service::auth::{self, SessionKind, COOKIE_NAME};
use backend::service::reports::{self, CardPages, OperationRows};
use backend::tz::Tz;
use backend::{Backend, Principal, ServiceError};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Read};
use tokio::sync::{mpsc, Semaphore, SemaphorePermit};
use utoipa::IntoParams;

/// XLSX exports running at once on one server. Each holds a blocking thread, CPU and the
/// writer's temp files for as long as the download lasts; beyond this, 503 with `Retry-After`
/// (CSV exports are cheap streams and are not limited).
pub const MAX_CONCURRENT_XLSX: usize = 2;

static XLSX_SLOTS: Semaphore = Semaphore::const_new(MAX_CONCURRENT_XLSX);

/// A slot for an XLSX export (held until its writer ends), or 503 when all are taken.
fn xlsx_slot(format: Format) -> ApiResult<Option<SemaphorePermit<'static>>> {
    match format {
        Format::Csv => Ok(None),
        Format::Xlsx => XLSX_SLOTS.try_acquire().map(Some).map_err(|_| {
            ApiError(AppError::Busy {
                retry_after_secs: 10,
            })
        }),
    }
}

/// The caller of a download: a bearer token (API) or the panel's session cookie.
pub struct ExportCaller(pub Backend, pub Principal);

impl<S> FromRequestParts<S> for ExportCaller
where
    Backend: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let b = Backend::from_ref(state);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let p = match bearer {
            Some(t) => auth::authenticate(&b, &t, SessionKind::Bearer).await?,
            None => {
                let t = auth::cookie_value(&parts.headers, COOKIE_NAME)
                    .ok_or(ApiError(AppError::Unauthenticated))?;
                auth::authenticate(&b, &t, SessionKind::Cookie).await?
            }
        };
        Ok(ExportCaller(b, p))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    Csv,
    Xlsx,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// `csv` (default) or `xlsx`.
    #[param(pattern = r"^(csv|xlsx)$")]
    pub format: Option<String>,
    /// `detailed` (default: one row per operation) or `summary` (per day, location and service).
    #[param(pattern = r"^(detailed|summary)$")]
    pub kind: Option<String>,
}

fn invalid(field: &str, msg: &str) -> ApiError {
    ApiError(AppError::Validation(vec![FieldError::new(field, msg)]))
}

fn format_of(p: &ReportParams) -> Result<Format, ApiError> {
    match p.format.as_deref().unwrap_or("csv") {
        "csv" => Ok(Format::Csv),
        "xlsx" => Ok(Format::Xlsx),
        _ => Err(invalid("format", "csv or xlsx")),
    }
}

/// One typed cell: CSV renders text, XLSX keeps the type. Text is borrowed from the row
/// where it can be, so writing a report allocates nothing per cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(Cow<'a, str>),
    Int(i64),
    Bool(bool),
    /// Minor units and the currency's digits.
    Money(i64, u32),
    /// Epoch ms, shown as date and time (UTC).
    Time(i64),
    /// Epoch ms and the zone's UTC offset then (ms): the local date and time, in CSV with
    /// the offset (`2026-01-15 00:30:00+01:00`), in XLSX as the local wall time.
    LocalTime(i64, i64),
    /// Epoch ms of a UTC day, shown as a date.
    Day(i64),
}

fn text<'a>(s: impl Into<Cow<'a, str>>) -> Cell<'a> {
    Cell::Text(s.into())
}

fn opt_text(s: Option<&str>) -> Cell<'_> {
    s.map(text).unwrap_or(Cell::Empty)
}

/// Appends two decimal digits.
fn push2(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Appends epoch ms as `YYYY-MM-DD HH:MM:SS` (`YYYY-MM-DD` without `with_time`), UTC;
/// nothing when the instant is out of range.
fn push_time(out: &mut String, ms: i64, with_time: bool) {
    use chrono::{Datelike, Timelike};
    let Some(t) = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms) else {
        return;
    };
    let year = t.year();
    if !(0..=9999).contains(&year) {
        // chrono's own rendering of such years (sign, more digits); never in practice.
        let pattern = if with_time {
            "%Y-%m-%d %H:%M:%S"
        } else {
            "%Y-%m-%d"
        };
        let _ = write!(out, "{}", t.format(pattern));
        return;
    }
    let year = year as u32;
    push2(out, year / 100);
    push2(out, year % 100);
    out.push('-');
    push2(out, t.month());
    out.push('-');
    push2(out, t.day());
    if with_time {
        out.push(' ');
        push2(out, t.hour());
        out.push(':');
        push2(out, t.minute());
        out.push(':');
        push2(out, t.second());
    }
}

/// Appends minor units as a decimal amount with `digits` decimals (as
/// [`access_core::model::fmt_minor`], without its allocation).
fn push_minor(out: &mut String, minor: i64, digits: u32) {
    if digits == 0 {
        let _ = write!(out, "{minor}");
        return;
    }
    let p = 10u64.pow(digits);
    if minor < 0 {
        out.push('-');
    }
    let a = minor.unsigned_abs();
    let _ = write!(out, "{}.{:0width$}", a / p, a % p, width = digits as usize);
}

/// A text cell as a spreadsheet will read it: one starting with `=`, `+`, `-`, `@`, tab or CR
/// would run as a formula (CSV injection), so it gets a leading `'` as OWASP recommends.
/// Numbers, money and dates are not text cells and stay as they are.
fn is_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[cfg(test)]
fn csv_text(s: &str) -> String {
    let mut scratch = String::new();
    // The cell's text is the scratch buffer or the borrowed text itself.
    Cell::Text(s.into()).csv(&mut scratch).to_owned()
}

impl Cell<'_> {
    /// The cell's CSV text, into `out` (a scratch buffer: cleared first, no allocation once
    /// it has grown to a cell's size).
    fn csv<'s>(&'s self, out: &'s mut String) -> &'s str {
        out.clear();
        match self {
            Cell::Empty => return "",
            Cell::Text(s) if !is_formula(s) => return s,
            Cell::Text(s) => {
                out.push('\'');
                out.push_str(s);
            }
            Cell::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Cell::Bool(b) => return if *b { "true" } else { "false" },
            Cell::Money(m, d) => push_minor(out, *m, *d),
            Cell::Time(ms) => push_time(out, *ms, true),
            Cell::Day(ms) => push_time(out, *ms, false),
            Cell::LocalTime(ms, off) => {
                push_time(out, ms + off, true);
                out.push(if *off < 0 { '-' } else { '+' });
                let m = (off.unsigned_abs() / 60_000) as u32;
                push2(out, m / 60);
                out.push(':');
                push2(out, m % 60);
            }
        }
        out
    }
}

#[cfg(test)]
mod xlsx_slot_tests {
    use super::*;

    #[test]
    fn xlsx_exports_beyond_the_limit_are_busy_and_csv_is_not_limited() {
        let held: Vec<_> = (0..MAX_CONCURRENT_XLSX)
            .map(|_| xlsx_slot(Format::Xlsx).unwrap())
            .collect();
        let busy = xlsx_slot(Format::Xlsx).unwrap_err();
        assert!(matches!(
            busy.0,
            AppError::Busy {
                retry_after_secs: 10
            }
        ));
        assert!(xlsx_slot(Format::Csv).unwrap().is_none());
        drop(held);
        assert!(xlsx_slot(Format::Xlsx).unwrap().is_some());
    }
}

#[cfg(test)]
mod csv_injection_tests {
    use super::csv_text;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(
            csv_text("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        for s in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_text(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(csv_text("Warsaw Lounge"), "Warsaw Lounge");
        assert_eq!(csv_text(""), "");
    }
}

/// A report column: its header and how a row fills its cell (times in the report's zone).
/// One table per report, so a header cannot drift from its cell.
pub type Column<R> = (&'static str, for<'a> fn(&'a R, Tz) -> Cell<'a>);

/// A column of the detailed report: its cells borrow from the database row.
pub type OpColumn = (&'static str, for<'r> fn(&ExportRow<'r>, Tz) -> Cell<'r>);

fn headers<R>(columns: &[(&'static str, R)]) -> Vec<String> {
    columns.iter().map(|(h, _)| (*h).to_owned()).collect()
}

fn money_digits(o: &ExportRow<'_>) -> u32 {
    o.currency.map(currency_digits).unwrap_or(2)
}

/// A local date and time: epoch ms with the zone's UTC offset then.
fn local(ms: i64, zone: Tz) -> Cell<'static> {
    Cell::LocalTime(ms, backend::tz::offset_ms(zone, ms))
}

fn opt_local(ms: Option<i64>, zone: Tz) -> Cell<'static> {
    ms.map(|ms| local(ms, zone)).unwrap_or(Cell::Empty)
}

/// The amounts as the report shows them (`25.00 EUR; 200.00 PLN`): the list of several
/// currencies when there is one, else the total.
fn amounts_text(o: &ExportRow<'_>) -> String {
    let mut out = String::new();
    for (i, m) in backend::service::amounts::decode(o.total_minor, o.currency, o.amounts)
        .iter()
        .enumerate()
    {
        if i > 0 {
            out.push_str("; ");
        }
        let code = m.currency().code();
        push_minor(&mut out, m.minor(), currency_digits(code));
        out.push(' ');
        out.push_str(code);
    }
    out
}

/// The detailed operations report: every column of the seed's operation details.
pub const DETAILED: &[OpColumn] = &[
    ("Operation ID", |o, _| text(o.id)),
    ("Type", |o, _| text(o.op_type)),
    ("Status", |o, _| text(o.status)),
    ("Masked PAN", |o, _| text(o.masked_pan)),
    ("BIN", |o, _| text(o.bin)),
    ("Last 4", |o, _| text(o.last4)),
    ("Terminal", |o, _| opt_text(o.terminal_serial)),
    ("Location ID", |o, _| opt_text(o.location_id)),
    ("Location", |o, _| opt_text(o.location_name)),
    ("Service", |o, _| opt_text(o.service_code)),
    ("Country", |o, _| opt_text(o.country)),
    ("ICA ID", |o, _| opt_text(o.ica)),
    ("ICA name", |o, _| opt_text(o.ica_name)),
    ("Product", |o, _| opt_text(o.product_code)),
    ("Payment", |o, _| text(o.entry_mode)),
    ("Ruleset ID", |o, _| opt_text(o.ruleset_id)),
    ("Ruleset version", |o, _| {
        o.ruleset_version
            .map(|v| Cell::Int(v.into()))
            .unwrap_or(Cell::Empty)
    }),
    ("Reject error code", |o, _| opt_text(o.reject_code)),
    ("Card auth response code", |o, _| {
        opt_text(o.card_auth_response_code)
    }),
    ("Paid cardholder", |o, _| Cell::Bool(o.cardholder_paid)),
    ("Free adult guests", |o, _| {
        Cell::Int(o.free_adult_guests.into())
    }),
    ("Paid adult guests", |o, _| {
        Cell::Int(o.paid_adult_guests.into())
    }),
    ("Free children guests", |o, _| {
        Cell::Int(o.free_child_guests.into())
    }),
    ("Paid children guests", |o, _| {
        Cell::Int(o.paid_child_guests.into())
    }),
    ("Amount", |o, _| Cell::Money(o.total_minor, money_digits(o))),
    ("Currency", |o, _| opt_text(o.currency)),
    ("Over limit", |o, _| Cell::Bool(o.over_limit)),
    ("Offline policy breach", |o, _| {
        opt_text(o.offline_policy_breach)
    }),
    ("Requested date", |o, zone| local(o.requested_at, zone)),
    ("Entry date", |o, zone| local(o.occurred_at, zone)),
    ("Confirmed date", |o, zone| opt_local(o.confirmed_at, zone)),
    ("Last change date", |o, zone| local(o.updated_at, zone)),
    ("Reversed at", |o, zone| opt_local(o.reversed_at, zone)),
    ("Reversed by", |o, _| opt_text(o.reversed_by)),
    ("Reversed reason", |o, _| opt_text(o.reversal_reason)),
    ("Time zone", |_, zone| text(zone.name())),
    ("Amounts", |o, _| text(amounts_text(o))),
    ("Acquirer calls", |o, _| opt_text(o.acquirer)),
];

/// The enrolled-cards report: one row per card × ruleset it falls under.
pub const CARDS: &[Column<CardReportRow>] = &[
    ("Masked PAN", |r, _| text(&r.card.masked_pan)),
    ("Hash", |r, _| text(&r.card.pan_hash)),
    ("AREF", |r, _| text(&r.card.aref)),
    ("ICA", |r, _| text(&r.card.ica)),
    ("Issuer name", |r, _| {
        opt_text(r.card.issuer_name.as_deref())
    }),
    ("Product", |r, _| text(&r.card.product_code)),
    ("Enrollment date", |r, _| Cell::Time(r.card.enrolled_at)),
    ("Available free entries", |r, _| {
        entries_left(r.visits.as_ref().map(|v| v.free_available))
    }),
    ("Available paid entries", |r, _| {
        entries_left(r.visits.as_ref().map(|v| v.paid_available))
    }),
    ("Ruleset ID", |r, _| {
        r.visits
            .as_ref()
            .map_or(Cell::Empty, |v| text(&v.ruleset_id))
    }),
    ("Ruleset", |r, _| {
        r.visits.as_ref().map_or(Cell::Empty, |v| {
            text(format!("{} v{}", v.ruleset_name, v.ruleset_version))
        })
    }),
    ("Status", |r, _| text(&r.card.status)),
    ("Card ID", |r, _| text(&r.card.id)),
];

/// Entries left: a number, `unlimited`, or empty when no ruleset applies.
fn entries_left(n: Option<Option<u32>>) -> Cell<'static> {
    match n {
        None => Cell::Empty,
        Some(None) => text("unlimited"),
        Some(Some(n)) => Cell::Int(n.into()),
    }
}

/// Where a report's cells go: a CSV buffer or an XLSX sheet.
trait Sink {
    fn cell(&mut self, cell: &Cell<'_>) -> Result<(), String>;
    fn end_row(&mut self) -> Result<(), String>;
    /// Enough is buffered to be sent on.
    fn full(&self) -> bool;
}

/// Why an export stopped early.
enum Fail {
    /// Reading the rows failed.
    Source(ServiceError),
    /// Writing them failed.
    Sink(String),
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Source(e) => write!(f, "{e}"),
            Fail::Sink(e) => f.write_str(e),
        }
    }
}

/// Where a report's rows come from.
enum Source {
    /// Straight from the database, row by row.
    Operations(OperationRows),
    /// A page at a time (each card row is computed from its history), and the page's rest.
    Cards(CardPages, std::vec::IntoIter<CardReportRow>),
    /// Already aggregated (the summary: days × locations × services).
    Rows(std::vec::IntoIter<Vec<Cell<'static>>>),
}

impl Source {
    /// The next row into `sink`; false once every row was written.
    async fn write_row<S: Sink>(&mut self, sink: &mut S) -> Result<bool, Fail> {
        let sink_err = Fail::Sink;
        match self {
            Source::Operations(p) => {
                let zone = p.zone;
                let Some(rec) = p.next().await.map_err(Fail::Source)? else {
                    return Ok(false);
                };
                let o = rec.fields().map_err(Fail::Source)?;
                for (_, cell) in DETAILED {
                    sink.cell(&cell(&o, zone)).map_err(sink_err)?;
                }
            }
            Source::Cards(p, rest) => {
                let r = loop {
                    if let Some(r) = rest.next() {
                        break r;
                    }
                    match p.next_page().await.map_err(Fail::Source)? {
                        Some(rows) => *rest = rows.into_iter(),
                        None => return Ok(false),
                    }
                };
                for (_, cell) in CARDS {
                    sink.cell(&cell(&r, Tz::UTC)).map_err(sink_err)?;
                }
            }
            Source::Rows(rows) => {
                let Some(cells) = rows.next() else {
                    return Ok(false);
                };
                for c in &cells {
                    sink.cell(c).map_err(sink_err)?;
                }
            }
        }
        sink.end_row().map_err(Fail::Sink)?;
        Ok(true)
    }
}

/// Who exports what; recorded with the row count when the export ends (see the module docs).
struct ExportAudit {
    b: Backend,
    user_id: String,
    action: &'static str,
    format: Format,
    filters: serde_json::Value,
    client_addr: Option<String>,
}

/// A [`Source`] that counts the rows it writes and audits the export when dropped (the
/// producing task ends: finished, failed, or the client went away).
struct Audited {
    source: Source,
    rows: u64,
    finished: bool,
    failed: bool,
    audit: Option<ExportAudit>,
    handle: tokio::runtime::Handle,
}

impl Audited {
    fn new(source: Source, audit: ExportAudit) -> Self {
        Self {
            source,
            rows: 0,
            finished: false,
            failed: false,
            audit: Some(audit),
            handle: tokio::runtime::Handle::current(),
        }
    }

    /// Rows into `sink` until it is full; false once every row was written.
    async fn fill<S: Sink>(&mut self, sink: &mut S) -> Result<bool, Fail> {
        while !sink.full() {
            match self.source.write_row(sink).await {
                Ok(true) => self.rows += 1,
                Ok(false) => {
                    self.finished = true;
                    return Ok(false);
                }
                Err(e) => {
                    if matches!(e, Fail::Source(_)) {
                        self.failed = true;
                    }
                    return Err(e);
                }
            }
        }
        Ok(true)
    }
}

impl Drop for Audited {
    fn drop(&mut self) {
        let Some(a) = self.audit.take() else {
            return;
        };
        let outcome = if self.failed {
            "failure"
        } else if self.finished {
            "success"
        } else {
            "incomplete"
        };
        let rows = self.rows;
        self.handle.spawn(async move {
            let format = match a.format {
                Format::Csv => "csv",
                Format::Xlsx => "xlsx",
            };
            backend::audit::record(
                &a.b.db,
                a.b.now_ms(),
                backend::audit::Entry {
                    actor: backend::audit::Actor::User(&a.user_id),
                    action: a.action,
                    target_type: Some("report"),
                    target_id: None,
                    outcome,
                    detail: Some(serde_json::json!({
                        "format": format,
                        "filters": a.filters,
                        "rows": rows,
                    })),
                    client_addr: a.client_addr.as_deref(),
                },
            )
            .await;
        });
    }
}

type Chunk = Result<Bytes, io::Error>;

fn stream_response(rx: mpsc::Receiver<Chunk>, format: Format, name: &str) -> Response {
    // Fused: a body layer (gzip) may poll again after the end, which `unfold` alone forbids.
    let stream =
        futures_util::StreamExt::fuse(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
        }));
    let (ctype, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let mut resp = Response::new(Body::from_stream(stream));
    *resp.status_mut() = StatusCode::OK;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// CSV chunks of about this size go to the response.
const CSV_CHUNK: usize = 128 * 1024;

/// CSV written straight into a buffer that is handed on as a chunk once it is full.
struct CsvSink {
    w: csv::Writer<Vec<u8>>,
    scratch: String,
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::with_capacity(CSV_CHUNK + 16 * 1024))
}

impl CsvSink {
    fn new() -> Self {
        Self {
            w: csv_writer(),
            scratch: String::with_capacity(256),
        }
    }

    /// What was written since the last chunk (taken between rows).
    fn take(&mut self) -> Result<Bytes, io::Error> {
        std::mem::replace(&mut self.w, csv_writer())
            .into_inner()
            .map(Bytes::from)
            .map_err(|e| io::Error::other(e.to_string()))
    }
}

impl Sink for CsvSink {
    fn cell(&mut self, cell: &Cell<'_>) -> Result<(), String> {
        let field = cell.csv(&mut self.scratch);
        self.w.write_field(field).map_err(|e| e.to_string())
    }

    fn end_row(&mut self) -> Result<(), String> {
        self.w
            .write_record(None::<&[u8]>)
            .map_err(|e| e.to_string())
    }

    fn full(&self) -> bool {
        self.w.get_ref().len() >= CSV_CHUNK
    }
}

/// Start the export: the rows are produced by a task while the response streams.
fn export(
    mut source: Audited,
    headers: Vec<String>,
    format: Format,
    name: &str,
    slot: Option<SemaphorePermit<'static>>,
) -> Response {
    let (tx, rx) = mpsc::channel::<Chunk>(4);
    match format {
        Format::Csv => {
            tokio::spawn(async move {
                let mut sink = CsvSink::new();
                let header = headers
                    .iter()
                    .try_for_each(|h| sink.w.write_field(h))
                    .and_then(|()| sink.w.write_record(None::<&[u8]>));
                if let Err(e) = header {
                    let _ = tx.send(Err(io::Error::other(e.to_string()))).await;
                    return;
                }
                loop {
                    let more = match source.fill(&mut sink).await {
                        Ok(more) => more,
                        Err(e) => {
                            let _ = tx.send(Err(io::Error::other(e.to_string()))).await;
                            break;
                        }
                    };
                    let chunk = sink.take();
                    let failed = chunk.is_err();
                    // A closed channel means the client went away: stop reading.
                    if tx.send(chunk).await.is_err() || failed || !more {
                        break;
                    }
                }
            });
        }
        Format::Xlsx => {
            let handle = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || {
                let _slot = slot;
                // rust_xlsxwriter panics when its constant-memory temp files cannot be written
                // (a full disk): end the download with an error rather than a truncated file.
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    write_xlsx(&handle, &mut source, &headers, &tx)
                }));
                let failure = match outcome {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(e),
                    Err(_) => Some("the XLSX writer failed (is the disk full?)".to_owned()),
                };
                if let Some(e) = failure {
                    tracing::error!(error = %e, "xlsx export failed");
                    let _ = tx.blocking_send(Err(io::Error::other(e)));
                }
            });
        }
    }
    stream_response(rx, format, name)
}

/// Typed cells into a constant-memory worksheet.
struct XlsxSink<'w> {
    ws: &'w mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    date_time: rust_xlsxwriter::Format,
    date: rust_xlsxwriter::Format,
    money2: rust_xlsxwriter::Format,
    money3: rust_xlsxwriter::Format,
}

impl Sink for XlsxSink<'_> {
    fn cell(&mut self, cell: &Cell<'_>) -> Result<(), String> {
        let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
        let (ws, row, c) = (&mut *self.ws, self.row, self.col);
        self.col += 1;
        match cell {
            Cell::Empty => {}
            Cell::Text(s) => {
                ws.write_string(row, c, s.as_ref()).map_err(err)?;
            }
            Cell::Int(n) => {
                ws.write_number(row, c, *n as f64).map_err(err)?;
            }
            Cell::Bool(b) => {
                ws.write_boolean(row, c, *b).map_err(err)?;
            }
            Cell::Money(m, d) => {
                let v = *m as f64 / 10f64.powi(*d as i32);
                let f = if *d == 3 { &self.money3 } else { &self.money2 };
                ws.write_number_with_format(row, c, v, f).map_err(err)?;
            }
            Cell::Time(_) | Cell::Day(_) | Cell::LocalTime(..) => {
                let ms = match cell {
                    Cell::LocalTime(ms, off) => ms + off,
                    Cell::Time(ms) | Cell::Day(ms) => *ms,
                    _ => 0,
                };
                let dt = rust_xlsxwriter::ExcelDateTime::from_timestamp(ms.div_euclid(1000))
                    .map_err(err)?;
                let f = if matches!(cell, Cell::Day(_)) {
                    &self.date
                } else {
                    &self.date_time
                };
                ws.write_datetime_with_format(row, c, &dt, f).map_err(err)?;
            }
        }
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), String> {
        self.row += 1;
        self.col = 0;
        if self.row > 1_048_575 {
            return Err("more rows than one XLSX sheet holds (1,048,575)".into());
        }
        Ok(())
    }

    /// The sheet goes to a temporary file: never full.
    fn full(&self) -> bool {
        false
    }
}

fn write_xlsx(
    handle: &tokio::runtime::Handle,
    source: &mut Audited,
    headers: &[String],
    tx: &mpsc::Sender<Chunk>,
) -> Result<(), String> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    {
        let ws = wb.add_worksheet_with_constant_memory();
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)
                .map_err(err)?;
            ws.set_column_width(c as u16, 16).map_err(err)?;
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
        let mut sink = XlsxSink {
            ws,
            row: 1,
            col: 0,
            date_time: XFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            date: XFormat::new().set_num_format("yyyy-mm-dd"),
            money2: XFormat::new().set_num_format("0.00"),
            money3: XFormat::new().set_num_format("0.000"),
        };
        handle
            .block_on(source.fill(&mut sink))
            .map_err(|e| e.to_string())?;
    }
    wb.save(file.path()).map_err(err)?;
    drop(wb);
    let mut f = std::fs::File::open(file.path()).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        if tx
            .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
            .is_err()
        {
            break;
        }
    }
    Ok(())
}

fn summary_rows(r: reports::SummaryReport) -> (Vec<String>, Vec<Vec<Cell<'static>>>) {
    let mut headers: Vec<String> = [
        "Day",
        "Time zone",
        "Location ID",
        "Location",
        "Service",
        "Entries",
        "Adult guest entries",
        "Child guest entries",
        "Free entries",
        "Paid entries",
        "Rejected",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    headers.extend(r.currencies.iter().map(|c| format!("Amount {c}")));
    let digits: Vec<u32> = r.currencies.iter().map(|c| currency_digits(c)).collect();
    let zone = r.zone.name();
    let rows = r
        .rows
        .into_iter()
        .map(|s| {
            let mut cells = vec![
                Cell::Day(s.day_ms),
                text(zone),
                s.location_id.map(text).unwrap_or(Cell::Empty),
                s.location_name.map(text).unwrap_or(Cell::Empty),
                s.service_code.map(text).unwrap_or(Cell::Empty),
                Cell::Int(s.entries),
                Cell::Int(s.adult_guests),
                Cell::Int(s.child_guests),
                Cell::Int(s.free_entries),
                Cell::Int(s.paid_entries),
                Cell::Int(s.rejected),
            ];
            cells.extend(
                s.amounts_minor
                    .iter()
                    .zip(&digits)
                    .map(|(m, d)| Cell::Money(*m, *d)),
            );
            cells
        })
        .collect();
    (headers, rows)
}

fn audit_of<F: serde::Serialize>(
    b: &Backend,
    p: &Principal,
    action: &'static str,
    format: Format,
    filter: &F,
    client_addr: Option<String>,
) -> ExportAudit {
    // Only the filters that were given.
    let filters = match serde_json::to_value(filter) {
        Ok(serde_json::Value::Object(m)) => serde_json::Value::Object(
            m.into_iter()
                .filter(|(k, v)| !v.is_null() && k != "page" && k != "page_size")
                .collect(),
        ),
        _ => serde_json::Value::Null,
    };
    ExportAudit {
        b: b.clone(),
        user_id: p.user_id.clone(),
        action,
        format,
        filters,
        client_addr,
    }
}

/// Export operations
///
/// "Export Report": the operations matching the list's filters, as CSV or XLSX, streamed.
#[utoipa::path(get, path = "/api/v1/admin/reports/operations", tag = "admin", operation_id = "export_operations",
    params(ReportParams, schema::OperationFilter),
    responses(
        (status = 200, description = "The report, streamed (`Content-Disposition: attachment`). A failure after the first bytes ends the download early", content(
            ("text/csv"),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, description = "invalid_request: `format` or `kind` unknown, or a malformed query (field `query`)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: no valid bearer token or session cookie", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not export reports; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("session" = [])))]
pub async fn operations(
    ExportCaller(b, p): ExportCaller,
    crate::http::ClientAddr(ip): crate::http::ClientAddr,
    params: Result<Query<ReportParams>, QueryRejection>,
    q: Result<Query<OperationFilter>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(params) = params.map_err(bad_query)?;
    let Query(filter) = q.map_err(bad_query)?;
    schema::check_days(&[
        ("from", filter.from.as_deref()),
        ("until", filter.until.as_deref()),
    ])?;
    let format = format_of(&params)?;
    let slot = xlsx_slot(format)?;
    match params.kind.as_deref().unwrap_or("detailed") {
        "detailed" => {
            let pages = reports::operations(&b, &p, &filter)
                .await
                .map_err(unprocessable)?;
            let headers = headers(DETAILED);
            let audit = audit_of(&b, &p, "export.operations_detailed", format, &filter, ip);
            Ok(export(
                Audited::new(Source::Operations(pages), audit),
                headers,
                format,
                "operations-detailed",
                slot,
            ))
        }
        "summary" => {
            let report = reports::summary(&b, &p, &filter)
                .await
                .map_err(unprocessable)?;
            let (headers, rows) = summary_rows(report);
            let audit = audit_of(&b, &p, "export.operations_summary", format, &filter, ip);
            Ok(export(
                Audited::new(Source::Rows(rows.into_iter()), audit),
                headers,
                format,
                "operations-summary",
                slot,
            ))
        }
        _ => Err(invalid("kind", "summary or detailed")),
    }
}

/// Export enrolled cards
///
/// The cards matching the list's filters, as CSV or XLSX, streamed.
#[utoipa::path(get, path = "/api/v1/admin/reports/cards", tag = "admin", operation_id = "export_enrolled_cards",
    params(("format" = Option<String>, Query, description = "`csv` (default) or `xlsx`", pattern = r"^(csv|xlsx)$"), schema::CardFilter),
    responses(
        (status = 200, description = "The report, streamed (`Content-Disposition: attachment`). A failure after the first bytes ends the download early", content(
            ("text/csv"),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, description = "invalid_request: `format` unknown, or a malformed query (field `query`)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: no valid bearer token or session cookie", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not export reports; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = []), ("session" = [])))]
pub async fn cards(
    ExportCaller(b, p): ExportCaller,
    crate::http::ClientAddr(ip): crate::http::ClientAddr,
    params: Result<Query<ReportParams>, QueryRejection>,
    q: Result<Query<CardFilter>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(params) = params.map_err(bad_query)?;
    let Query(filter) = q.map_err(bad_query)?;
    schema::check_days(&[
        ("created_from", filter.created_from.as_deref()),
        ("created_until", filter.created_until.as_deref()),
    ])?;
    let format = format_of(&params)?;
    let slot = xlsx_slot(format)?;
    let pages = reports::cards(&b, &p, &filter)
        .await
        .map_err(unprocessable)?;
    let headers = headers(CARDS);
    let audit = audit_of(&b, &p, "export.cards", format, &filter, ip);
    Ok(export(
        Audited::new(Source::Cards(pages, Vec::new().into_iter()), audit),
        headers,
        format,
        "enrolled-cards",
        slot,
    ))
}
