//! The MRS pull: fetch enrolment changes after the stored cursor, apply each page with the
//! same checks and storage as the REST feed (all or nothing, idempotent by AREF), then move
//! the cursor. A page is applied before its cursor is stored, so a crash in between only
//! repeats a page, which changes nothing. Several app servers may pull at once for the same
//! reason. A failing MRS is recorded and retried at the next tick; it never touches entries.

use super::super::error::ServiceError;
use super::super::mrs::{Mrs, MrsError};
use super::super::{repo, Backend};
use super::enrolments::{self, EnrolmentImportReport, MAX_ROWS};

/// The feed's name in `mrs_sync_state`.
pub const FEED: &str = "enrolments";
/// Changes asked for per call.
pub const PAGE: usize = 5_000;
/// Pages per sync at most, so one sync stays bounded; the next tick goes on.
const MAX_PAGES: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Mrs(#[from] MrsError),
    #[error("MRS sent enrolments this server refuses: {0}")]
    Rejected(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub pages: usize,
    pub changes: EnrolmentImportReport,
    pub cursor: Option<String>,
}

/// Pull and apply until MRS has nothing more (or `MAX_PAGES`).
pub async fn sync(b: &Backend, mrs: &dyn Mrs) -> Result<SyncReport, SyncError> {
    let result = pull(b, mrs).await;
    if let Err(e) = &result {
        repo::mrs_sync_state::failed(&b.db, FEED, &e.to_string(), b.now_ms())
            .await
            .map_err(ServiceError::from)?;
    }
    result
}

async fn pull(b: &Backend, mrs: &dyn Mrs) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport {
        cursor: repo::mrs_sync_state::get(&b.db, FEED)
            .await
            .map_err(ServiceError::from)?
            .and_then(|s| s.cursor),
        ..SyncReport::default()
    };
    for _ in 0..MAX_PAGES {
        let page = mrs
            .enrolments_since(report.cursor.as_deref(), PAGE.min(MAX_ROWS))
            .await?;
        report.pages += 1;
        if !page.items.is_empty() {
            let r = enrolments::apply_pulled(b, page.items)
                .await
                .map_err(|e| match e {
                    // Name the fields (line numbers of the page), never the values.
                    ServiceError::Validation(fields) => SyncError::Rejected(
                        fields
                            .iter()
                            .take(5)
                            .map(|f| format!("{}: {}", f.field, f.message))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
                    other => SyncError::Service(other),
                })?;
            report.changes.enrolled += r.enrolled;
            report.changes.updated += r.updated;
            report.changes.unenrolled += r.unenrolled;
            report.changes.unchanged += r.unchanged;
        }
        if page.next_cursor.is_some() {
            report.cursor = page.next_cursor;
        }
        repo::mrs_sync_state::advance(&b.db, FEED, report.cursor.clone(), b.now_ms())
            .await
            .map_err(ServiceError::from)?;
        if !page.has_more {
            break;
        }
    }
    Ok(report)
}
