//! T&C documents and consent.
//!
//! REST (bearer token):
//! - `GET /api/v1/admin/terms`: every document, `current` marks the versions in force.
//! - `POST /api/v1/admin/terms`: upload, either `multipart/form-data` with fields `kind`
//!   (`TERMS`|`PRIVACY`), `effective_date` (`YYYY-MM-DD`) and `file`, or JSON
//!   `{"kind","effective_date","file_name","content_type"?,"content_base64"}`. A document for a
//!   kind and date that exists replaces it. No edit, no delete.
//! - `GET /api/v1/admin/terms/{id}/content`: the file.
//! - `GET /api/v1/admin/consent`: the caller's pending documents;
//!   `POST /api/v1/admin/consent` `{"document_ids": [...]}` accepts them (all pending at once).
//!
//! Panel (session cookie, plain HTML forms that work before WASM loads):
//! `POST /api/panel/terms` (multipart, then back to `/terms`) and
//! `GET /api/panel/terms/{id}/content`.

use super::super::error::{unprocessable, ApiError, ApiResult};
use super::auth::ApiCaller;
use super::schema::{self, ApiErrorBody};
use super::users::bad_body;
use access_core::model::{
    AppError, ConsentInput, DocumentMeta, DocumentUpload, DocumentView, FieldError,
};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use backend::service::auth::{self, SessionKind, COOKIE_NAME};
use backend::service::terms;
use backend::{Backend, Principal};
use base64::Engine;

/// List T&C documents
///
/// Every Terms and Conditions and Privacy Policy document; `current` marks the versions in force.
#[utoipa::path(get, path = "/api/v1/admin/terms", tag = "admin", operation_id = "list_documents",
    responses(
        (status = 200, description = "The documents", body = Vec<schema::DocumentView>),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(ApiCaller(b, p): ApiCaller) -> ApiResult<Json<Vec<DocumentView>>> {
    Ok(Json(terms::list(&b, &p).await?))
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

fn field(name: &str, message: impl Into<String>) -> ApiError {
    ApiError(AppError::Validation(vec![FieldError::new(name, message)]))
}

/// Read `kind`, `effective_date` and `file` from a multipart body.
async fn read_multipart(mut mp: Multipart) -> Result<(DocumentMeta, Option<Vec<u8>>), ApiError> {
    let mut meta = DocumentMeta::default();
    let mut content = None;
    let (mut has_kind, mut has_date) = (false, false);
    loop {
        let next = mp
            .next_field()
            .await
            .map_err(|e| field("body", crate::http::error::redacted(&e.body_text())))?;
        let Some(f) = next else { break };
        match f.name().unwrap_or_default() {
            "kind" => {
                has_kind = true;
                meta.kind = f
                    .text()
                    .await
                    .map_err(|e| field("kind", crate::http::error::redacted(&e.body_text())))?
            }
            "effective_date" => {
                has_date = true;
                meta.effective_date = f.text().await.map_err(|e| {
                    field(
                        "effective_date",
                        crate::http::error::redacted(&e.body_text()),
                    )
                })?
            }
            "file" => {
                meta.file_name = f.file_name().unwrap_or_default().to_owned();
                meta.content_type = f.content_type().map(str::to_owned);
                let bytes = f
                    .bytes()
                    .await
                    .map_err(|e| field("file", crate::http::error::redacted(&e.body_text())))?;
                content = Some(bytes.to_vec());
            }
            _ => {}
        }
    }
    // A form without one of its three parts is not the panel's form (see `panel_upload`).
    Ok((meta, content.filter(|_| has_kind && has_date)))
}

/// The document's fields and its bytes (`None` when a form lacks one of its parts: `kind`,
/// `effective_date`, `file`).
async fn read_upload(req: Request) -> Result<(DocumentMeta, Option<Vec<u8>>), ApiError> {
    if is_multipart(req.headers()) {
        let mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| field("body", crate::http::error::redacted(&e.body_text())))?;
        return read_multipart(mp).await;
    }
    let body: Result<Json<DocumentUpload>, JsonRejection> = Json::from_request(req, &()).await;
    let Json(up) = body.map_err(bad_body)?;
    let content = base64::engine::general_purpose::STANDARD
        .decode(up.content_base64.trim())
        .map_err(|_| field("content_base64", "Not valid base64."))?;
    Ok((up.meta, Some(content)))
}

/// Upload a T&C document
///
/// As `multipart/form-data` or as JSON with the file in base64. A document for a kind and date
/// that exists is replaced; there is no edit and no delete.
#[utoipa::path(post, path = "/api/v1/admin/terms", tag = "admin", operation_id = "upload_document",
    request_body(description = "At most 5 MB of document",
        content((schema::DocumentForm = "multipart/form-data"), (schema::DocumentUpload = "application/json"))),
    responses(
        (status = 201, description = "The stored document", body = schema::DocumentView),
        (status = 400, description = "invalid_request: `kind`, `effective_date`, `file` (missing, empty, over 5 MB, bad name), `content_base64`, or `body` when it cannot be read (also when over the size limit)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 403, description = "forbidden: the role may not manage documents; consent_required: the current documents must be accepted first", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn upload(
    ApiCaller(b, p): ApiCaller,
    req: Request,
) -> ApiResult<(StatusCode, Json<DocumentView>)> {
    let (meta, content) = read_upload(req).await?;
    let content = content.unwrap_or_default();
    Ok((
        StatusCode::CREATED,
        Json(
            terms::upload(&b, &p, &meta, content)
                .await
                .map_err(unprocessable)?,
        ),
    ))
}

fn file_response(name: String, content_type: String, bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    resp
}

/// Download a T&C document
#[utoipa::path(get, path = "/api/v1/admin/terms/{id}/content", tag = "admin", operation_id = "get_document_content",
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document with its stored content type (e.g. application/pdf), `Content-Disposition: inline`, `Content-Security-Policy: sandbox`", content(("application/octet-stream"))),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
        (status = 404, description = "not_found: no such document", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn content(ApiCaller(b, p): ApiCaller, Path(id): Path<String>) -> ApiResult<Response> {
    let (name, ct, bytes) = terms::content(&b, &p, &id).await?;
    Ok(file_response(name, ct, bytes))
}

/// Pending documents
///
/// The current documents the caller has not accepted yet (empty for roles that need no consent).
#[utoipa::path(get, path = "/api/v1/admin/consent", tag = "admin", operation_id = "list_pending_documents",
    responses(
        (status = 200, description = "The pending documents", body = Vec<schema::DocumentView>),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn pending(ApiCaller(b, p): ApiCaller) -> ApiResult<Json<Vec<DocumentView>>> {
    Ok(Json(terms::pending(&b, &p).await?))
}

/// Accept documents
///
/// Accept the pending documents, all at once; then the rest of the API opens up.
#[utoipa::path(post, path = "/api/v1/admin/consent", tag = "admin", operation_id = "accept_documents",
    request_body = schema::ConsentInput,
    responses(
        (status = 204, description = "Accepted"),
        (status = 400, description = "invalid_request: a pending document is not listed (field `TERMS` or `PRIVACY`), or `body` when it is not JSON", body = ApiErrorBody),
        (status = 401, description = "unauthorized: missing, unknown or expired bearer token", body = ApiErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn accept(
    ApiCaller(b, p): ApiCaller,
    body: Result<Json<ConsentInput>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(input) = body.map_err(bad_body)?;
    terms::accept(&b, &p, &input.document_ids)
        .await
        .map_err(unprocessable)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn cookie_principal(b: &Backend, headers: &HeaderMap) -> Result<Principal, AppError> {
    let token = auth::cookie_value(headers, COOKIE_NAME).ok_or(AppError::Unauthenticated)?;
    Ok(auth::authenticate(b, &token, SessionKind::Cookie).await?)
}

fn back_to_terms(e: &AppError) -> Response {
    let (f, m) = match e.field_errors().first() {
        Some(fe) => (fe.field.clone(), fe.message.clone()),
        None => ("form".to_owned(), e.to_string()),
    };
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    Redirect::to(&format!("/terms?error_field={}&error={}", enc(&f), enc(&m))).into_response()
}

/// Upload a T&C document (panel form)
///
/// The panel's upload form (multipart, session cookie): back to `/terms` either way, with the
/// error in the URL so the page shows it beside its field.
#[utoipa::path(post, path = "/api/panel/terms", tag = "admin", operation_id = "panel_upload_document",
    request_body(content = schema::DocumentForm, content_type = "multipart/form-data", description = "At most 5 MB of document"),
    responses(
        (status = 303, description = "`Location: /terms?uploaded=<id>` when stored; `/terms?error_field=<field>&error=<message>` when refused (forbidden, consent_required, invalid input); `/login` when the session has expired",
            headers(("Location" = String))),
        (status = 400, description = "invalid_request: the body is not a multipart/form-data form (field `body`)", body = ApiErrorBody),
        (status = 401, description = "unauthorized: no session cookie (an expired one redirects to `/login`)", body = ApiErrorBody),
    ),
    security(("session" = [])))]
pub async fn panel_upload(State(b): State<Backend>, req: Request) -> Response {
    // The panel's form always posts multipart; anything else is not the form (a script or a
    // fuzzer), so it gets a plain 400 instead of a redirect a browser would follow.
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        return ApiError(AppError::Validation(vec![FieldError::new(
            "body",
            "a multipart/form-data upload form",
        )]))
        .into_response();
    }
    // No session cookie at all is no signed-in browser either: 401 like every other call.
    // A cookie that has expired is a browser whose session ended: back to the sign-in page.
    let has_cookie = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim().starts_with(&format!("{COOKIE_NAME}=")));
    if !has_cookie {
        return ApiError(AppError::Unauthenticated).into_response();
    }
    let principal = cookie_principal(&b, req.headers()).await;
    let upload = read_upload(req).await;
    // The panel's form always has its three parts (the file empty when none is chosen):
    // without one this is not the form, so a plain 400 rather than a redirect.
    if let Ok((_, None)) = upload {
        return field(
            "body",
            "the form needs its kind, effective_date and file parts",
        )
        .into_response();
    }
    let Ok(p) = principal else {
        return Redirect::to("/login").into_response();
    };
    let (meta, content) = match upload {
        Ok((meta, content)) => (meta, content.unwrap_or_default()),
        Err(ApiError(e)) => return back_to_terms(&e),
    };
    match terms::upload(&b, &p, &meta, content).await {
        Ok(d) => Redirect::to(&format!("/terms?uploaded={}", d.id)).into_response(),
        Err(e) => back_to_terms(&e.into()),
    }
}

/// Download a T&C document (panel)
///
/// The same file as `/api/v1/admin/terms/{id}/content`, with the session cookie.
#[utoipa::path(get, path = "/api/panel/terms/{id}/content", tag = "admin", operation_id = "panel_get_document_content",
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document with its stored content type (e.g. application/pdf), `Content-Disposition: inline`, `Content-Security-Policy: sandbox`", content(("application/octet-stream"))),
        (status = 401, description = "unauthorized: no valid session cookie", body = ApiErrorBody),
        (status = 404, description = "not_found: no such document", body = ApiErrorBody),
    ),
    security(("session" = [])))]
pub async fn panel_content(
    State(b): State<Backend>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let p = cookie_principal(&b, &headers).await?;
    let (name, ct, bytes) = terms::content(&b, &p, &id).await?;
    Ok(file_response(name, ct, bytes))
}
