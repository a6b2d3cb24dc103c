//! The panel's live operations feed: server-sent events telling an open operations list that
//! something changed, so it refetches at once (its own page, filters and tenant scope) instead
//! of polling.
//!
//! Each app server probes the database once a second for the newest operation change (one
//! indexed `MAX(updated_at)` and the count at it) and fans that mark out to its connected browsers. Probing the
//! database rather than signalling in process is what makes it work behind a load balancer: an
//! entry handled by one server reaches browsers connected to any other.
//!
//! The events carry no operation data (only the change mark), so a scoped user learns nothing
//! beyond "the list may have changed".

use super::error::ApiResult;
use access_core::model::AppError;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use backend::service::{auth, operations};
use backend::Backend;
use futures_util::stream::{self, Stream};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;

/// Open feeds one user may hold on one server (a few browser tabs); beyond it, 429. Bounds what
/// one account (or a stolen cookie) can pin of the server's connections and memory.
pub const MAX_FEEDS_PER_USER: usize = 5;

/// Open feeds per user id, on this server.
static OPEN_FEEDS: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);

/// One open feed of a user; counted until the stream is dropped (the browser went away).
struct FeedSlot(String);

impl FeedSlot {
    fn take(user_id: &str) -> Option<FeedSlot> {
        let mut open = OPEN_FEEDS.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open
            .get_or_insert_with(HashMap::new)
            .entry(user_id.to_owned())
            .or_default();
        if *n >= MAX_FEEDS_PER_USER {
            return None;
        }
        *n += 1;
        Some(FeedSlot(user_id.to_owned()))
    }
}

impl Drop for FeedSlot {
    fn drop(&mut self) {
        let mut open = OPEN_FEEDS.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(map) = open.as_mut() {
            if let Some(n) = map.get_mut(&self.0) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    map.remove(&self.0);
                }
            }
        }
    }
}

/// How often each server probes for a change.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// The latest change mark, shared by every SSE connection of this server.
#[derive(Clone)]
pub struct OperationsFeed(watch::Receiver<(i64, u64)>);

impl OperationsFeed {
    /// Start the probe task (it ends when the last feed handle is dropped). Call inside the
    /// tokio runtime.
    pub fn start(backend: Backend) -> Self {
        let (tx, rx) = watch::channel((0, 0));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PROBE_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tx.closed() => return,
                    _ = tick.tick() => {}
                }
                match operations::change_mark(&backend).await {
                    Ok(mark) => {
                        tx.send_if_modified(|m| std::mem::replace(m, mark) != mark);
                    }
                    // Transient (e.g. the database restarting): keep the last mark, try again.
                    Err(e) => tracing::warn!(error = %e, "live feed: probe failed"),
                }
            }
        });
        Self(rx)
    }
}

/// `GET /api/panel/operations/events`: `event: operations`, `data: <ms>-<n>` (the change mark) whenever an
/// operation is added or changes; a comment every 15 s keeps proxies from closing the stream.
pub async fn operations_events(
    State(b): State<Backend>,
    State(feed): State<OperationsFeed>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let token = auth::cookie_value(&headers, auth::COOKIE_NAME).ok_or(AppError::Unauthenticated)?;
    let p = auth::authenticate(&b, &token, auth::SessionKind::Cookie).await?;
    operations::may_follow(&p)?;
    let slot = FeedSlot::take(&p.user_id).ok_or(AppError::TooManyRequests {
        retry_after_secs: 30,
    })?;
    let mut rx = feed.0;
    // The first event goes out at once, so the browser knows the feed is up.
    rx.mark_changed();
    // Fused, like every body stream: layers may poll once more after the end. The slot lives
    // in the stream's state, so closing the stream frees it.
    let events =
        futures_util::StreamExt::fuse(stream::unfold((rx, slot), |(mut rx, slot)| async move {
            rx.changed().await.ok()?;
            let (at, n) = *rx.borrow_and_update();
            let event = Event::default()
                .event("operations")
                .data(format!("{at}-{n}"));
            Some((Ok(event), (rx, slot)))
        }));
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
