//! OpenAPI schemas of the admin API's bodies and query parameters.
//!
//! The wire types live in the `app` crate (shared with the browser), which does not depend on
//! `utoipa`; these are their mirrors, for the document only. The tests below keep each mirror
//! honest: its JSON must deserialize into the real type and serialize back with the same keys,
//! so a field added, removed or renamed in `app` fails here.

// Mirrors are only ever built by `Default` in the tests.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

// ---------------------------------------------------------------------------------------------
// Errors and paging

/// Every error of the admin API.
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(example = json!({"error": {"code": "invalid_request", "message": "invalid input",
    "fields": [{"field": "name", "message": "Enter a name (up to 200 characters)."}]}}))]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ApiErrorDetail {
    /// unauthorized, invalid_credentials, forbidden, consent_required,
    /// password_change_required, not_found, invalid_request, conflict, too_many_requests,
    /// internal_error.
    pub code: String,
    /// For people; a conflict's message says what is in the way.
    pub message: String,
    /// With invalid_request (and a conflict on one field, e.g. `icas`): each problem, named by
    /// its field (`email`, `binRanges[1].to`,
    /// `line[3].bin_to`, or `body` / `query` when the request could not be read). Empty otherwise.
    pub fields: Vec<FieldError>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// One page of a list.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// From 1.
    pub page: u64,
    pub page_size: u64,
    /// Matching items over all pages.
    pub total: u64,
}

/// Paging of a list.
#[derive(Debug, Default, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// From 1 (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Default 25, at most 200.
    #[param(minimum = 1, maximum = 200)]
    pub page_size: Option<u64>,
}

/// The most pages a list can be asked for (deeper pages are never useful and the offset
/// `(page - 1) * page_size` must not overflow).
pub const MAX_PAGE: u64 = 1_000_000;
/// The largest page a list serves (as `access_core::model::paging` clamps the panel's requests).
pub const MAX_PAGE_SIZE: u64 = 200;

/// Checks the `YYYY-MM-DD` filters of a list (absent or empty = no bound): a value of another
/// shape is 400 naming the field, an impossible day (`2026-02-30`) 422. The repositories skip
/// a day they cannot read, so without this a typo would silently widen the list.
pub fn check_days(fields: &[(&str, Option<&str>)]) -> Result<(), access_core::model::AppError> {
    use access_core::model::{AppError, FieldError};
    let mut malformed = Vec::new();
    let mut impossible = Vec::new();
    for (name, value) in fields {
        let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        let b = v.as_bytes();
        let shaped = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shaped {
            malformed.push(FieldError::new(*name, "A day as YYYY-MM-DD."));
        } else if access_core::model::day_start_ms(v).is_none() {
            impossible.push(FieldError::new(*name, "No such day."));
        }
    }
    if !malformed.is_empty() {
        Err(AppError::Validation(malformed))
    } else if !impossible.is_empty() {
        Err(AppError::Unprocessable(impossible))
    } else {
        Ok(())
    }
}

/// Refuses paging outside the documented bounds (400 naming the field) instead of silently
/// clamping it, so that a client asking for 1000 rows learns it gets at most 200.
pub fn check_paging(
    page: Option<u64>,
    page_size: Option<u64>,
) -> Result<(), access_core::model::AppError> {
    let mut errors = Vec::new();
    if page.is_some_and(|p| !(1..=MAX_PAGE).contains(&p)) {
        errors.push(access_core::model::FieldError::new(
            "page",
            format!("a whole number from 1 to {MAX_PAGE}"),
        ));
    }
    if page_size.is_some_and(|s| !(1..=MAX_PAGE_SIZE).contains(&s)) {
        errors.push(access_core::model::FieldError::new(
            "page_size",
            format!("a whole number from 1 to {MAX_PAGE_SIZE}"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(access_core::model::AppError::Validation(errors))
    }
}

// ---------------------------------------------------------------------------------------------
// Users and the caller

#[derive(Debug, Default, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    #[default]
    Admin,
    User,
    ServiceProvider,
    Issuer,
    CallCenter,
}

/// The caller.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub tenant_id: Option<String>,
    /// True until the caller has accepted the current T&C and Privacy Policy (roles that must).
    pub consent_required: bool,
    /// True while the caller signs in with a one-time password: everything but
    /// `POST /api/v1/auth/password` answers 403 `password_change_required`.
    pub password_change_required: bool,
}

/// A panel user (never the password).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub tenant_id: Option<String>,
    pub tenant_name: Option<String>,
    /// Epoch ms.
    pub created_at: i64,
    /// A disabled user cannot sign in.
    pub disabled: bool,
    /// Set by a one-time password: the next sign-in must choose a new one.
    pub must_change_password: bool,
    /// Epoch ms of the last successful sign-in.
    pub last_sign_in_at: Option<i64>,
    /// Sign-in locked after too many failed attempts until this epoch ms (`null`: not
    /// locked); `POST /api/v1/admin/users/{id}/unlock` lifts it.
    pub locked_until: Option<i64>,
}

/// A one-time password, shown once; the user must change it at the next sign-in.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct OneTimePassword {
    pub user_id: String,
    pub password: String,
}

/// Self-service password change.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters, not the current one.
    pub new_password: String,
}

/// A location of a service-provider organisation.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct OrgLocation {
    pub id: String,
    pub name: String,
    pub city: String,
}

/// An organisation (tenant): an issuer with its ICAs or a service provider with its locations.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: String,
    pub name: String,
    /// ISSUER or SERVICE_PROVIDER.
    pub kind: String,
    /// A deactivated organisation's users are signed out and cannot sign in.
    pub active: bool,
    /// An issuer's ICAs; each belongs to one issuer only.
    pub icas: Vec<String>,
    /// A service provider's locations.
    pub locations: Vec<OrgLocation>,
    /// Users in the organisation.
    pub users: u64,
    /// Epoch ms.
    pub created_at: i64,
}

/// Create or edit an organisation.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct OrganisationInput {
    /// Up to 200 characters.
    pub name: String,
    /// ISSUER or SERVICE_PROVIDER; fixed once created (on edit it may be empty).
    pub kind: String,
    /// Issuers only: 1–11 digits each; one owned by another issuer answers 409 naming `icas`.
    #[serde(default)]
    pub icas: Vec<String>,
}

/// Create or edit a user.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct UserInput {
    /// Up to 100 characters.
    pub first_name: String,
    /// Up to 100 characters.
    pub last_name: String,
    /// Unique.
    pub email: String,
    pub role: Role,
    /// Required for SERVICE_PROVIDER and ISSUER (their organisation), ignored otherwise.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// At least 12 characters; required on create, on edit absent or empty keeps the current
    /// one (a new one ends the user's other sessions).
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Default, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Substring, any case.
    pub first_name: Option<String>,
    /// Substring, any case.
    pub last_name: Option<String>,
    /// Substring, any case.
    pub email: Option<String>,
}

#[derive(Debug, Default, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// A piece of the actor's e-mail (any case), or a user or terminal id.
    pub actor: Option<String>,
    /// The action exactly (`export.cards`), or a prefix ending in `.` (`export.`).
    pub action: Option<String>,
    /// First day, `YYYY-MM-DD` (UTC), inclusive.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (UTC), inclusive.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub until: Option<String>,
}

/// One audit entry.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: String,
    /// Epoch ms.
    pub at: i64,
    /// `USER`, `TERMINAL` or `SYSTEM`.
    pub actor_kind: String,
    pub actor_id: Option<String>,
    /// The user's e-mail, when the actor is a user that still exists.
    pub actor_email: Option<String>,
    /// E.g. `ruleset.update`, `card.try`, `card.view`, `export.cards`, `authz.denied`.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// `success`, `denied`, `failure`, `incomplete`, …
    pub outcome: String,
    /// JSON text with the particulars (an export's format, filters and row count; a denial's
    /// capability, method and path). Never a PAN in clear.
    pub detail: Option<String>,
    pub client_addr: Option<String>,
}

/// An organisation a scoped user belongs to.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct TenantView {
    pub id: String,
    pub name: String,
    /// ISSUER or SERVICE_PROVIDER.
    pub kind: String,
}

// ---------------------------------------------------------------------------------------------
// Operations and the dashboard

#[derive(Debug, Default, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OperationFilter {
    /// Location country, ISO 3166 alpha-3.
    pub country: Option<String>,
    pub location_id: Option<String>,
    /// LOUNGE or FAST_LINE.
    pub service_code: Option<String>,
    /// PENDING, COMPLETED, REJECTED, EXPIRED or REVERSED.
    pub status: Option<String>,
    /// ONLINE or OFFLINE.
    pub op_type: Option<String>,
    /// `YYYY-MM-DD`, a local day in the view's zone (the filtered location's, else `tz`,
    /// else UTC).
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: Option<String>,
    /// `YYYY-MM-DD`, a local day in the view's zone, inclusive.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub until: Option<String>,
    /// A piece of the masked PAN (`543210******1234`), matched as a substring.
    pub masked_pan: Option<String>,
    pub bin: Option<String>,
    pub last4: Option<String>,
    /// Terminal serial number.
    pub terminal: Option<String>,
    pub ica: Option<String>,
    /// IANA zone of a view over several locations (e.g. Europe/Warsaw); ignored when
    /// `location_id` is given (that location's zone applies). Default UTC.
    pub tz: Option<String>,
}

/// One operation (an entry request and its outcome); never a clear PAN.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct OperationView {
    pub id: String,
    /// ONLINE or OFFLINE.
    pub op_type: String,
    /// PENDING, COMPLETED, REJECTED, EXPIRED or REVERSED.
    pub status: String,
    pub masked_pan: String,
    pub bin: String,
    pub last4: String,
    pub terminal_serial: Option<String>,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    pub service_code: Option<String>,
    pub country: Option<String>,
    pub ica: Option<String>,
    pub ica_name: Option<String>,
    pub product_code: Option<String>,
    pub entry_mode: String,
    pub ruleset_id: Option<String>,
    pub ruleset_version: Option<i32>,
    pub reject_code: Option<String>,
    pub card_auth_response_code: Option<String>,
    pub cardholder_paid: bool,
    pub free_entry: bool,
    pub free_adult_guests: i32,
    pub paid_adult_guests: i32,
    pub free_child_guests: i32,
    pub paid_child_guests: i32,
    /// Amount charged, in minor units of `currency`: all of it, unless `amounts` lists several
    /// currencies (then the first of them).
    pub total_minor: i64,
    pub currency: Option<String>,
    /// What the entry cost, one amount per currency (each price of a ruleset has its own
    /// currency); empty when free.
    pub amounts: Vec<AmountView>,
    pub over_limit: bool,
    /// An offline entry that breached its location's offline policy: `OFFLINE_DISABLED` or
    /// `DAILY_LIMIT` (then also `over_limit`).
    pub offline_policy_breach: Option<String>,
    /// An offline entry's ground at the terminal: `WHITELIST` or `BIN_RANGE`.
    pub offline_basis: Option<String>,
    /// Epoch ms.
    pub requested_at: i64,
    /// Epoch ms.
    pub occurred_at: i64,
    /// Epoch ms.
    pub confirmed_at: Option<i64>,
    /// Epoch ms.
    pub updated_at: i64,
    /// Epoch ms.
    pub reversed_at: Option<i64>,
    /// The user who reversed it.
    pub reversed_by: Option<String>,
    pub reversal_reason: Option<String>,
    /// Detailed export only: the acquirer ledger in one line (absent elsewhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acquirer: Option<String>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct OperationDetail {
    pub operation: OperationView,
    /// Whether a reversal by this caller would be accepted now.
    pub can_reverse: bool,
    /// The operation's calls to the acquirer, oldest first (the acquirer ledger).
    pub acquirer_calls: Vec<AcquirerCallView>,
    /// Voids and refunds owed to the acquirer and not yet accepted, over all operations.
    pub acquirer_pending: u64,
}

/// One call to the acquirer for an operation.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct AcquirerCallView {
    /// `ACCOUNT_STATUS`, `AUTHORIZATION`, `ADDITIONAL_AUTHORIZATION`, `VOID`, `REFUND`.
    pub kind: String,
    /// The acquirer's reference of the authorization.
    pub reference: Option<String>,
    /// Minor units.
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    /// Derived from the operation; the same on every retry.
    pub idempotency_key: String,
    /// `APPROVED`, `DECLINED`, `INSUFFICIENT_FUNDS`, `UNAVAILABLE`; for voids and refunds
    /// `PENDING` (owed, retried with backoff), `VOIDED`, `REFUNDED`.
    pub outcome: String,
    pub response_code: Option<String>,
    pub attempts: i32,
    /// Epoch ms: the next retry of an owed void or refund.
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    /// Epoch ms.
    pub created_at: i64,
    /// Epoch ms.
    pub updated_at: i64,
}

/// The ruleset version an operation was decided under.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RuleVersionView {
    pub ruleset_id: String,
    pub version: i32,
    pub name: String,
    /// The version's definition, pretty-printed JSON.
    pub json: String,
}

/// A card transaction the spend check looked at.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CardTransactionView {
    pub id: String,
    /// Epoch ms.
    pub occurred_at: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub mcc: String,
    pub merchant_name: Option<String>,
}

/// `POST /api/v1/admin/operations/{id}/reversal`; the body may also be empty.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ReversalInput {
    /// Up to 500 characters.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

#[derive(Debug, Default, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardFilter {
    /// `YYYY-MM-DD`, a local day in the view's zone.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: Option<String>,
    /// `YYYY-MM-DD`, a local day in the view's zone, inclusive.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub until: Option<String>,
    pub location_id: Option<String>,
    pub service_code: Option<String>,
    /// IANA zone of a view over several locations; ignored when `location_id` is given (that
    /// location's zone applies). Default UTC.
    pub tz: Option<String>,
}

/// The traffic dashboard: completed (not reversed) entries unless said otherwise.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct DashboardData {
    pub entries: u64,
    pub free_entries: u64,
    pub paid_entries: u64,
    pub adult_guests: u64,
    pub child_guests: u64,
    pub rejections: u64,
    /// `[local day (YYYY-MM-DD), entries, guest entries]` per day.
    #[schema(schema_with = per_day_rows)]
    pub per_day: Vec<(String, u64, u64)>,
    /// Entries per local hour of day in `time_zone`, 24 values.
    pub per_hour: Vec<u64>,
    /// `[reject code, count]`.
    #[schema(schema_with = name_count_rows)]
    pub rejections_by_code: Vec<(String, u64)>,
    /// `[location name, entries]`, most first.
    #[schema(schema_with = name_count_rows)]
    pub top_locations: Vec<(String, u64)>,
    /// The IANA zone of the days and hours above and of the date filters.
    pub time_zone: String,
    /// The local day (`YYYY-MM-DD`) of `occupancy`: the `until` day, else today.
    pub occupancy_day: String,
    /// `[local HH:MM, people in]` every 30 minutes of `occupancy_day` up to now: the chosen
    /// location, else summed over the view's locations (completed entries within each
    /// location's typical stay).
    #[schema(schema_with = name_count_rows)]
    pub occupancy: Vec<(String, u64)>,
    /// The chosen location's capacity, when the view is one location with a capacity.
    pub capacity: Option<u32>,
}

/// A list of fixed-length rows `[name, count, …]`. The exact OpenAPI 3.1 form would be
/// `prefixItems` (utoipa's derive writes the invalid 3.0-era `items: [...]`), but Schemathesis
/// 4.32 rewrites `prefixItems` in response schemas into `items: [...]` and then rejects that
/// under JSON Schema 2020-12, so the conformance step could not run: each row is stated as an
/// array of exactly `len` strings or counts, the column order in the field's description.
fn tuple_rows(len: usize) -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{Array, OneOfBuilder, Schema};
    let cell = Schema::OneOf(
        OneOfBuilder::new()
            .item(string_schema())
            .item(count_schema())
            .build(),
    );
    let row = Array::builder()
        .items(utoipa::openapi::RefOr::T(cell))
        .min_items(Some(len))
        .max_items(Some(len))
        .build();
    Array::new(row)
}

fn count_schema() -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(0))
        .into()
}

fn string_schema() -> utoipa::openapi::Schema {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .into()
}

fn per_day_rows() -> utoipa::openapi::schema::Array {
    tuple_rows(3)
}

fn name_count_rows() -> utoipa::openapi::schema::Array {
    tuple_rows(2)
}

// ---------------------------------------------------------------------------------------------
// Enrolled cards

#[derive(Debug, Default, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CardFilter {
    pub bin: Option<String>,
    pub last4: Option<String>,
    pub aref: Option<String>,
    pub product: Option<String>,
    pub ica: Option<String>,
    /// `YYYY-MM-DD`, UTC.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub created_from: Option<String>,
    /// `YYYY-MM-DD`, UTC, inclusive.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub created_until: Option<String>,
}

/// An enrolled card: masked PAN and the keyed hash only.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CardView {
    pub id: String,
    pub masked_pan: String,
    pub pan_hash: String,
    pub bin: String,
    pub last4: String,
    pub aref: String,
    pub ica: String,
    pub issuer_name: Option<String>,
    pub product_code: String,
    /// Epoch ms.
    pub enrolled_at: i64,
    /// Epoch ms.
    pub created_at: i64,
    /// `ENROLLED` or `UNENROLLED` (an unenrolled card keeps its row for history).
    pub status: String,
    /// Epoch ms; set when unenrolled.
    pub unenrolled_at: Option<i64>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CardDetail {
    pub card: CardView,
    pub completed_entries: u64,
    /// Visits available under each active ruleset the card's ICA, BIN and product fall under.
    pub visits: Vec<CardVisits>,
    /// Recent operations of the card.
    pub recent: Vec<OperationView>,
    /// Enrolment history, newest first.
    pub history: Vec<EnrolmentEventView>,
}

/// One change in a card's enrolment.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct EnrolmentEventView {
    /// `ENROLLED`, `UPDATED`, `UNENROLLED` or `REENROLLED`.
    pub kind: String,
    /// Epoch ms: when it took effect at MRS.
    pub effective_at: i64,
    /// Epoch ms: when this server recorded it.
    pub recorded_at: i64,
    /// `api`, `csv`, `mrs` or `panel`.
    pub source: String,
    /// Who sent it; null for the MRS pull.
    pub actor: Option<String>,
}

/// One enrolment from the MRS feed.
#[derive(Default, Serialize, ToSchema)]
pub struct NewEnrolment {
    /// 12–19 digits passing Luhn. Stored only as its keyed hashes and masked form, never echoed.
    pub pan: String,
    /// MRS's account reference, 1–64 printable characters: one AREF is one enrolment.
    pub aref: String,
    /// `YYYY-MM-DD` (UTC midnight), RFC 3339, or `YYYY-MM-DD HH:MM:SS` in UTC.
    pub enrolled_at: String,
    /// 3 letters; defaults to the card's BIN table entry.
    pub product_code: Option<String>,
    /// 1–11 digits; defaults to the card's BIN table entry. An Issuer may send its own only.
    pub ica: Option<String>,
    /// `enrolled` (default) or `unenrolled` (needs `unenrolled_at`).
    pub status: Option<String>,
    /// As `enrolled_at`, not before it; alone it means unenrolled.
    pub unenrolled_at: Option<String>,
}

/// Prints the card number masked, never in clear.
impl std::fmt::Debug for NewEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewEnrolment")
            .field("pan", &access_core::domain::MaskedPan(&self.pan))
            .field("aref", &self.aref)
            .field("enrolled_at", &self.enrolled_at)
            .field("product_code", &self.product_code)
            .field("ica", &self.ica)
            .field("status", &self.status)
            .field("unenrolled_at", &self.unenrolled_at)
            .finish()
    }
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct EnrolmentBatch {
    /// 1 to 100,000 enrolments, stored all or nothing.
    pub items: Vec<NewEnrolment>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct EnrolmentImportReport {
    /// New enrolments, and unenrolled cards enrolled again.
    pub enrolled: u64,
    /// Enrolments whose PAN, product, ICA or dates changed.
    pub updated: u64,
    /// Enrolments that became unenrolled.
    pub unenrolled: u64,
    /// Resent with the same values: nothing changed.
    pub unchanged: u64,
}

/// The card's free and paid visits under one ruleset now (location caps and cooldowns are
/// decided at the door).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CardVisits {
    pub ruleset_id: String,
    pub ruleset_name: String,
    pub ruleset_version: u32,
    /// The rolling period in days; null = the ruleset's whole validity.
    pub period_days: Option<u32>,
    pub free_used: u32,
    pub paid_used: u32,
    /// null = unlimited.
    pub free_available: Option<u32>,
    /// null = unlimited.
    pub paid_available: Option<u32>,
}

// ---------------------------------------------------------------------------------------------
// Locations and their terminals

#[derive(Debug, Default, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocationFilter {
    /// ISO 3166 alpha-3.
    pub country: Option<String>,
    /// Substring of the name.
    pub name: Option<String>,
    /// Service code.
    pub service: Option<String>,
}

/// A location's live occupancy now.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct OccupancyView {
    /// Cardholders and guests of completed entries within the last `stay_minutes`
    /// (reversed entries excluded).
    pub people_in: u32,
    /// Seats held by open grants (granted, not yet confirmed nor expired).
    pub reserved: u32,
    /// Most people in at once; none: unlimited.
    pub capacity: Option<i32>,
    pub stay_minutes: i32,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct LocationView {
    pub id: String,
    pub name: String,
    pub country: String,
    pub service_code: String,
    pub service_name: String,
    pub postal_code: String,
    pub city: String,
    pub address: Option<String>,
    pub cooldown_minutes: Option<i32>,
    /// Most people in at once (live occupancy); none: unlimited.
    pub capacity: Option<i32>,
    /// Typical stay in minutes: an admitted person counts toward the occupancy this long.
    pub stay_minutes: i32,
    /// IANA time zone.
    pub time_zone: String,
    /// Offline policy: terminals here may admit offline (else their fallback BIN ranges and
    /// whitelist are empty, and offline reports are flagged `OFFLINE_DISABLED`).
    pub offline_allowed: bool,
    /// Offline policy: the most offline entries of one card here per UTC day; null = no
    /// limit. Reports beyond it are recorded and flagged `DAILY_LIMIT` (over the limit).
    pub offline_max_per_card_per_day: Option<i32>,
    pub tenant_id: Option<String>,
    /// Epoch ms.
    pub created_at: i64,
    /// Epoch ms.
    pub updated_at: i64,
    pub created_by: String,
    pub modified_by: String,
}

/// Create or edit a location. The numbers may be sent as JSON numbers or strings.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct LocationInput {
    /// Up to 200 characters.
    pub name: String,
    /// ISO 3166 alpha-3, e.g. POL.
    pub country: String,
    /// LOUNGE or FAST_LINE (see `GET /api/v1/admin/services`).
    pub service_code: String,
    /// Up to 20 characters.
    pub postal_code: String,
    /// Up to 100 characters.
    pub city: String,
    /// Up to 300 characters.
    #[serde(default)]
    pub address: Option<String>,
    /// Whole number of minutes between two entries of a card.
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub cooldown_minutes: Option<String>,
    /// Whole number.
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub capacity: Option<String>,
    /// Typical stay in minutes, 1 to 10080 (default 120): how long an admitted person counts
    /// toward the live occupancy.
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub stay_minutes: Option<String>,
    /// IANA time zone, e.g. Europe/Warsaw (see `GET /api/v1/admin/time-zones`); absent: the
    /// country's zone (POL → Europe/Warsaw; UTC for a country without one).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Offline entries allowed here: `true` (default when absent) or `false`.
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub offline_allowed: Option<String>,
    /// The most offline entries of one card here per UTC day, 1 to 1000; absent or null: no
    /// limit.
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub offline_max_per_card_per_day: Option<String>,
    /// The owning service provider (Admin only; a service provider's own tenant otherwise).
    #[serde(default)]
    pub tenant_id: Option<String>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ServiceView {
    pub code: String,
    pub name: String,
}

/// A POS terminal standing at a location.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct LocationTerminal {
    pub id: String,
    pub serial_number: String,
    pub location_id: Option<String>,
    /// PAIRED or NOT_PAIRED.
    pub pairing_status: String,
    /// active, inactive, suspended or blocked.
    pub status: String,
    /// Epoch ms.
    pub paired_at: Option<i64>,
    /// Epoch ms.
    pub created_at: i64,
}

/// A pairing code: shown once, valid for a limited time (2 h by default), single use.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct PairingCode {
    pub serial_number: String,
    pub code: String,
    /// Epoch ms.
    pub expires_at: i64,
}

// ---------------------------------------------------------------------------------------------
// Reference data

#[derive(Debug, Default, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BinFilter {
    /// A BIN (up to 8 digits) the range must contain, or a prefix of its start.
    pub bin: Option<String>,
    pub ica: Option<String>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct BinRangeView {
    pub id: String,
    pub bin_from: String,
    pub bin_to: String,
    pub ica: String,
    pub issuer_name: String,
    /// ISO 3166 alpha-3.
    pub issuer_country: String,
    pub product_code: String,
    /// Epoch ms.
    pub created_at: i64,
}

#[derive(Debug, Default, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FxFilter {
    /// `YYYY-MM-DD`.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub date: Option<String>,
    /// Base or quote currency (ISO 4217).
    pub currency: Option<String>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct FxRateView {
    pub id: String,
    /// `YYYY-MM-DD`.
    pub rate_date: String,
    pub base_currency: String,
    pub quote_currency: String,
    /// Quote units per base unit, a decimal string.
    pub rate: String,
    /// Epoch ms.
    pub updated_at: i64,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct FxRateInput {
    /// A positive decimal, e.g. `"4.3215"`.
    pub rate: String,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct PosMessageView {
    /// The wire reject code, e.g. `LIMIT_EXCEEDED`.
    pub code: String,
    /// ISO 639-1, e.g. `de`.
    pub language: String,
    /// What a terminal asking for this language gets: the Admin's text when `custom`, else
    /// the English one.
    pub message: String,
    /// The built-in (seed) English text.
    pub default_message: String,
    /// Whether an Admin set this code's text in this language.
    pub custom: bool,
    /// Epoch ms of the last change (custom only).
    pub updated_at: Option<i64>,
    /// User id of the Admin who changed it (custom only).
    pub updated_by: Option<String>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct PosMessageInput {
    /// 1–200 characters, one line without control characters (`POS_MESSAGE_PATTERN`), not
    /// only spaces; stored trimmed.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub message: String,
}

#[derive(Debug, Default, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PosMessageFilter {
    /// Only this language (ISO 639-1); all supported languages when absent.
    #[param(pattern = "^(|en|de|fr|es|it|pl|nl|pt|cs|sv|ar|ja)$")]
    pub language: Option<String>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct PosMessagePreview {
    pub code: String,
    /// The header value previewed.
    pub accept_language: String,
    /// The language of the message (the answer's `Content-Language`).
    pub language: String,
    pub message: String,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    /// Rows stored.
    pub imported: u64,
}

// ---------------------------------------------------------------------------------------------
// Card transactions (the MRS feed's stand-in)

/// One transaction of the feed.
#[derive(Default, Serialize, ToSchema)]
#[schema(example = json!({"pan": "5105105105105100", "amount": "125.50", "currency": "EUR",
    "mcc": "5411", "occurred_at": "2026-11-20T14:05:00Z", "cleared_at": null,
    "external_id": "mrs-000123", "merchant_name": "Supermarket"}))]
pub struct NewCardTransaction {
    /// 12–19 digits passing Luhn. Stored only as its hash, never echoed.
    pub pan: String,
    /// A decimal in major units with at most the currency's ISO 4217 digits (`"125.50"`,
    /// JPY `"1500"`); negative for a refund.
    pub amount: String,
    /// ISO 4217 alpha-3.
    pub currency: String,
    /// Merchant category code, 4 digits.
    pub mcc: String,
    /// RFC 3339, or `YYYY-MM-DD HH:MM:SS` in UTC.
    pub occurred_at: String,
    /// As `occurred_at`, not before it; defaults to it.
    pub cleared_at: Option<String>,
    /// The feed's id, up to 128 characters: a transaction whose id is already stored is skipped.
    pub external_id: Option<String>,
    /// Up to 200 characters.
    pub merchant_name: Option<String>,
}

/// Prints the card number masked, never in clear.
impl std::fmt::Debug for NewCardTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCardTransaction")
            .field("pan", &access_core::domain::MaskedPan(&self.pan))
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

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CardTransactionBatch {
    /// 1 to 100,000 transactions, stored all or nothing.
    pub items: Vec<NewCardTransaction>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CardTransactionImportReport {
    /// Transactions stored.
    pub imported: u64,
    /// Transactions skipped: their `external_id` was already stored (or came twice).
    pub skipped: u64,
}

// ---------------------------------------------------------------------------------------------
// Rulesets

#[derive(Debug, Default, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RulesetFilter {
    /// Substring of the name, any case.
    pub name: Option<String>,
    /// Issuer country (alpha-3).
    pub country: Option<String>,
    /// Service code (`LOUNGE`, `FAST_LINE`).
    pub service: Option<String>,
    /// An ICA of one of its BIN ranges.
    pub ica: Option<String>,
    /// `active` (valid now), `upcoming` or `expired`; absent = all.
    pub status: Option<String>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RulesetSummary {
    pub id: String,
    pub name: String,
    pub current_version: i32,
    /// Epoch ms.
    pub valid_from: i64,
    /// Epoch ms; absent = open-ended.
    pub valid_to: Option<i64>,
    pub issuer_country: Option<String>,
    pub product_codes: String,
    pub services: Vec<String>,
    pub icas: Vec<String>,
    /// The issuer tenant that owns the ruleset (an issuer reads and writes its own only);
    /// null = the platform (Admin and User).
    pub owner_tenant_id: Option<String>,
    pub created_by: String,
    /// Epoch ms.
    pub created_at: i64,
    pub modified_by: String,
    /// Epoch ms.
    pub modified_at: i64,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RulesetVersionView {
    pub version: i32,
    pub created_by: String,
    /// Epoch ms.
    pub created_at: i64,
}

/// A ruleset: its audit fields, the current definition and the version history.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RulesetDetail {
    pub summary: RulesetSummary,
    pub draft: RulesetDraft,
    pub versions: Vec<RulesetVersionView>,
}

/// A count or unlimited: `"unlimited"` or `{"count": 3}`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Limit {
    #[default]
    Unlimited,
    Count(u32),
}

/// Written by hand: the derive leaves `{"count": n}` open, but serde reads an externally
/// tagged variant from a one-key object and refuses any other key.
impl utoipa::PartialSchema for Limit {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            AdditionalProperties, KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type,
        };
        let unlimited = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["unlimited"]));
        let count = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "count",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                    .minimum(Some(0))
                    .maximum(Some(u32::MAX)),
            )
            .required("count")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        OneOfBuilder::new()
            .item(unlimited)
            .item(count)
            .description(Some(
                "A count or unlimited: `\"unlimited\"` or `{\"count\": 3}`.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Limit {}

/// A money field as typed: `{"amount": "25.00", "currency": "EUR"}`.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct MoneyInput {
    pub amount: String,
    /// ISO 4217.
    pub currency: String,
}

/// One BIN range of an ICA: `from`/`to` of equal length (6–8 digits).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct BinRange {
    pub ica: String,
    pub from: String,
    pub to: String,
}

/// Where a ruleset applies: these locations, or every location of a country offering one of
/// the ruleset's services (including ones added later).
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum LocationScope {
    Locations { ids: Vec<uuid::Uuid> },
    Country { country: String },
}

impl Default for LocationScope {
    fn default() -> Self {
        LocationScope::Country {
            country: String::new(),
        }
    }
}

/// "Total number of usage" over all cards, optionally per rolling period.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotalUsageCap {
    pub limit: u32,
    pub period_days: Option<u32>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaidTermsDraft {
    /// Required when the paid option is chosen.
    pub price: Option<MoneyInput>,
    pub limit: Limit,
}

/// The cardholder's own entries.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardholderTermsDraft {
    /// Absent = no free option.
    pub free: Option<Limit>,
    /// Absent = no paid option.
    pub paid: Option<PaidTermsDraft>,
    /// Makes every count a rolling window of this many days.
    pub period_days: Option<u32>,
    pub per_location_cap: Option<u32>,
}

/// Adult or child guests.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GuestTermsDraft {
    pub free: Option<Limit>,
    pub paid: Option<PaidTermsDraft>,
    /// Most guests of this kind on one entry; 0 when neither free nor paid.
    pub max_per_entry: u32,
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpendControlDraft {
    pub amount: Option<MoneyInput>,
    pub period_days: u32,
    /// 4-digit MCCs; empty = every MCC counts.
    pub mccs: Vec<String>,
    /// At most 90.
    pub grace_days: u32,
}

/// The ruleset form. Validation errors name camelCase JSON paths: `binRanges[1].to`,
/// `cardholder.paid.price.amount`, `spend.mccs[0]`.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RulesetDraft {
    /// Up to 200 characters.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// RFC 3339.
    #[schema(
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$"
    )]
    pub valid_from: DateTime<Utc>,
    /// RFC 3339, after `validFrom`; absent = open-ended.
    #[schema(
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$"
    )]
    pub valid_to: Option<DateTime<Utc>>,
    /// ISO 3166 alpha-3.
    pub issuer_country: Option<String>,
    /// 3 characters each, e.g. MCG.
    #[serde(default)]
    pub product_codes: Vec<String>,
    /// At least one; ranges of one ICA must not overlap.
    pub bin_ranges: Vec<BinRange>,
    pub locations: LocationScope,
    /// At least one service code.
    pub services: Vec<String>,
    pub total_usage: Option<TotalUsageCap>,
    pub cardholder: CardholderTermsDraft,
    pub adults: GuestTermsDraft,
    pub children: GuestTermsDraft,
    /// 1–17.
    #[schema(minimum = 1, maximum = 17)]
    pub child_free_under_age: Option<u8>,
    pub spend: Option<SpendControlDraft>,
    #[serde(default)]
    pub rpm: bool,
    /// Only cards enrolled in MRS (and not unenrolled) match.
    #[serde(default)]
    pub enrolled_only: bool,
}

// ---------------------------------------------------------------------------------------------
// Terms and consent

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    /// TERMS or PRIVACY.
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub effective_date: String,
    pub file_name: String,
    pub content_type: String,
    /// Bytes.
    pub size: u64,
    /// Hex.
    pub sha256: String,
    pub uploaded_by: String,
    /// Epoch ms.
    pub uploaded_at: i64,
    /// The version in force today for its kind.
    pub current: bool,
}

/// An upload as JSON: the metadata and the file in base64 (at most 5 MB decoded).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct DocumentUpload {
    /// TERMS or PRIVACY.
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub effective_date: String,
    /// Up to 200 characters, no path.
    pub file_name: String,
    /// Defaults from the file name.
    #[serde(default)]
    pub content_type: Option<String>,
    #[schema(
        content_encoding = "base64",
        pattern = r"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
    )]
    pub content_base64: String,
}

/// An upload as `multipart/form-data`.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct DocumentForm {
    /// TERMS or PRIVACY.
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub effective_date: String,
    /// The document (at most 5 MB); its part's file name and content type are kept.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ConsentInput {
    /// Every pending document (`GET /api/v1/admin/consent`) must be listed.
    pub document_ids: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Try a card

/// `POST /api/v1/admin/try-card`: a test card number at a location and time.
#[derive(Default, Serialize, ToSchema)]
pub struct TryCardInput {
    /// 12–19 digits passing the Luhn check (spaces and dashes are ignored). Never echoed back.
    pub pan: String,
    pub location_id: String,
    /// UTC, `YYYY-MM-DDTHH:MM` or RFC 3339; empty or absent = now.
    #[serde(default)]
    pub at: Option<String>,
}

/// Prints the card number masked, never in clear.
impl std::fmt::Debug for TryCardInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TryCardInput")
            .field("pan", &access_core::domain::MaskedPan(&self.pan))
            .field("location_id", &self.location_id)
            .field("at", &self.at)
            .finish()
    }
}

/// The engine's decision, explained; nothing was recorded.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct TryCardResult {
    /// First 6, `******`, last 4.
    pub masked_pan: String,
    pub location_id: String,
    pub location_name: String,
    /// The instant decided at (RFC 3339, UTC).
    pub at: DateTime<Utc>,
    pub granted: bool,
    /// One line: `GRANTED under "World lounge access" v1: free entry`, or
    /// `REJECTED: <code> — <explanation>`.
    pub outcome: String,
    /// The POS reject code of a rejection.
    pub reject_code: Option<String>,
    /// Why it was rejected (for operators).
    pub explanation: Option<String>,
    /// The ruleset that granted, or whose failure decided the rejection.
    pub ruleset_id: Option<String>,
    /// Its name and version.
    pub ruleset: Option<String>,
    /// A grant's terms: cardholder price, remaining visits, guest allowances.
    pub details: Vec<String>,
    /// The engine's steps in order, then the decision.
    pub steps: Vec<TryCardStep>,
}

/// One step of the explanation.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct TryCardStep {
    pub ruleset_id: Option<String>,
    /// The ruleset's name and version, when the step concerns one.
    pub ruleset: Option<String>,
    /// What was checked: `Card (BIN table)`, `Validity`, `Service`, `Location`, `BIN range`,
    /// `Issuer country`, `Product`, `Ruleset matches`, `Cardholder entries`, `Spend`, …,
    /// `Decision`.
    pub step: String,
    pub passed: bool,
    pub detail: String,
}

/// An amount in one currency, in its minor units.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct AmountView {
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
    pub amount_minor: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use std::any::type_name;
    use std::collections::BTreeSet;

    fn keys(v: &serde_json::Value) -> BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// `D`'s JSON reads as `A` and `A` writes the same keys back.
    fn mirrors<D: Serialize + Default, A: Serialize + DeserializeOwned>(extra: &[&str]) {
        let doc = serde_json::to_value(D::default()).unwrap_or_default();
        let app: A = serde_json::from_value(doc.clone()).unwrap_or_else(|e| {
            panic!(
                "{} does not read as {}: {e}",
                type_name::<D>(),
                type_name::<A>()
            )
        });
        let mut doc_keys = keys(&doc);
        doc_keys.extend(extra.iter().map(|k| k.to_string()));
        let back = serde_json::to_value(app).unwrap_or_default();
        assert_eq!(
            doc_keys,
            keys(&back),
            "{} vs {}",
            type_name::<D>(),
            type_name::<A>()
        );
    }

    #[test]
    fn bodies_mirror_the_app_types() {
        use access_core::domain::ruleset as r;
        use access_core::model as m;
        use backend::service::card_transactions as ct;
        use backend::service::enrolments as en;
        use backend::service::terminals as t;
        mirrors::<Me, m::Me>(&[]);
        mirrors::<UserView, m::UserView>(&[]);
        mirrors::<UserInput, m::UserInput>(&[]);
        mirrors::<TenantView, m::TenantView>(&[]);
        mirrors::<OrganisationView, m::OrganisationView>(&[]);
        mirrors::<OrgLocation, m::OrgLocation>(&[]);
        mirrors::<OrganisationInput, m::OrganisationInput>(&[]);
        mirrors::<OneTimePassword, m::OneTimePassword>(&[]);
        mirrors::<PasswordChange, m::PasswordChange>(&[]);
        mirrors::<Page<UserView>, m::Page<m::UserView>>(&[]);
        mirrors::<OperationView, m::OperationView>(&[]);
        mirrors::<OperationDetail, m::OperationDetail>(&[]);
        mirrors::<RuleVersionView, m::RuleVersionView>(&[]);
        mirrors::<CardTransactionView, m::CardTransactionView>(&[]);
        mirrors::<ReversalInput, m::ReversalInput>(&[]);
        mirrors::<DashboardData, m::DashboardData>(&[]);
        mirrors::<CardView, m::CardView>(&[]);
        mirrors::<CardDetail, m::CardDetail>(&[]);
        mirrors::<CardVisits, m::CardVisits>(&[]);
        mirrors::<LocationView, m::LocationView>(&[]);
        mirrors::<OccupancyView, m::OccupancyView>(&[]);
        mirrors::<LocationInput, m::LocationInput>(&[]);
        mirrors::<ServiceView, m::ServiceView>(&[]);
        mirrors::<LocationTerminal, t::TerminalView>(&[]);
        mirrors::<PairingCode, t::PairingCode>(&[]);
        mirrors::<BinRangeView, m::BinRangeView>(&[]);
        mirrors::<FxRateView, m::FxRateView>(&[]);
        mirrors::<FxRateInput, m::FxRateInput>(&[]);
        mirrors::<ImportReport, m::ImportReport>(&[]);
        mirrors::<PosMessageView, m::PosMessageView>(&[]);
        mirrors::<PosMessageInput, m::PosMessageInput>(&[]);
        mirrors::<PosMessageFilter, m::PosMessageFilter>(&[]);
        mirrors::<PosMessagePreview, m::PosMessagePreview>(&[]);
        mirrors::<NewCardTransaction, ct::NewCardTransaction>(&[]);
        mirrors::<CardTransactionBatch, ct::CardTransactionBatch>(&[]);
        mirrors::<CardTransactionImportReport, ct::CardTransactionImportReport>(&[]);
        mirrors::<EnrolmentEventView, m::EnrolmentEventView>(&[]);
        mirrors::<NewEnrolment, en::NewEnrolment>(&[]);
        mirrors::<EnrolmentBatch, en::EnrolmentBatch>(&[]);
        mirrors::<EnrolmentImportReport, en::EnrolmentImportReport>(&[]);
        mirrors::<RulesetSummary, m::RulesetSummary>(&[]);
        mirrors::<RulesetVersionView, m::RulesetVersionView>(&[]);
        mirrors::<RulesetDetail, m::RulesetDetail>(&[]);
        mirrors::<RulesetDraft, r::RulesetDraft>(&[]);
        mirrors::<MoneyInput, r::MoneyInput>(&[]);
        mirrors::<BinRange, r::BinRange>(&[]);
        mirrors::<TotalUsageCap, r::TotalUsageCap>(&[]);
        mirrors::<PaidTermsDraft, r::PaidTermsDraft>(&[]);
        mirrors::<CardholderTermsDraft, r::CardholderTermsDraft>(&[]);
        mirrors::<GuestTermsDraft, r::GuestTermsDraft>(&[]);
        mirrors::<SpendControlDraft, r::SpendControlDraft>(&[]);
        mirrors::<DocumentView, m::DocumentView>(&[]);
        mirrors::<DocumentUpload, m::DocumentUpload>(&[]);
        mirrors::<ConsentInput, m::ConsentInput>(&[]);
        mirrors::<TryCardInput, m::TryCardInput>(&[]);
        mirrors::<TryCardResult, m::TryCardResult>(&[]);
        mirrors::<TryCardStep, m::TryCardStep>(&[]);
    }

    #[test]
    fn enums_mirror_the_app_types() {
        use access_core::domain::ruleset as r;
        fn same<D: Serialize, A: Serialize + DeserializeOwned>(d: D) {
            let v = serde_json::to_value(d).unwrap_or_default();
            let a: A = serde_json::from_value(v.clone())
                .unwrap_or_else(|e| panic!("{v} does not read as {}: {e}", type_name::<A>()));
            assert_eq!(serde_json::to_value(a).unwrap_or_default(), v);
        }
        for role in [
            Role::Admin,
            Role::User,
            Role::ServiceProvider,
            Role::Issuer,
            Role::CallCenter,
        ] {
            same::<_, access_core::model::Role>(role);
        }
        same::<_, r::Limit>(Limit::Unlimited);
        same::<_, r::Limit>(Limit::Count(3));
        same::<_, r::LocationScope>(LocationScope::Country {
            country: "POL".into(),
        });
        same::<_, r::LocationScope>(LocationScope::Locations {
            ids: vec![uuid::Uuid::nil()],
        });
    }

    #[test]
    fn filters_mirror_the_app_types() {
        use access_core::model as m;
        let paging = ["page", "page_size"];
        mirrors::<OperationFilter, m::OperationFilter>(&paging);
        mirrors::<CardFilter, m::CardFilter>(&paging);
        mirrors::<LocationFilter, m::LocationFilter>(&paging);
        mirrors::<BinFilter, m::BinFilter>(&paging);
        mirrors::<FxFilter, m::FxFilter>(&paging);
        mirrors::<RulesetFilter, m::RulesetFilter>(&paging);
        mirrors::<UserFilter, m::UserFilter>(&paging);
        mirrors::<DashboardFilter, m::DashboardFilter>(&[]);
        let p = serde_json::to_value(Paging::default()).unwrap_or_default();
        assert_eq!(keys(&p), paging.iter().map(|k| k.to_string()).collect());
    }

    #[test]
    fn error_body_matches_the_responses() {
        use crate::http::error::ApiError;
        use access_core::model::AppError;
        use axum::response::IntoResponse;
        use futures_util::FutureExt;
        let resp = ApiError(AppError::Validation(vec![
            access_core::model::FieldError::new("name", "Required."),
        ]))
        .into_response();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .now_or_never()
            .and_then(Result::ok)
            .unwrap_or_default();
        let real: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let doc = serde_json::to_value(ApiErrorBody {
            error: ApiErrorDetail {
                fields: vec![FieldError::default()],
                ..Default::default()
            },
        })
        .unwrap_or_default();
        assert_eq!(keys(&real), keys(&doc));
        assert_eq!(keys(&real["error"]), keys(&doc["error"]));
        assert_eq!(
            keys(&real["error"]["fields"][0]),
            keys(&doc["error"]["fields"][0])
        );
        assert_eq!(real["error"]["code"], "invalid_request");
    }
}
