//! The MRS enrolment feed over HTTP (JSON), pulled. Contract, relative to the configured base
//! URL:
//!
//! `GET {base}/enrolments?limit=N[&since=CURSOR]` →
//! `{"items": [{"pan", "aref", "enrolled_at", "product_code"?, "ica"?, "status"?,
//! "unenrolled_at"?}], "next_cursor": "…", "has_more": false}`
//!
//! Items are the same as the REST feed's (`POST /api/v1/admin/enrolled-cards`). A non-2xx
//! answer, a network error, a timeout or a body of another shape is an error the sync records
//! and retries at its next tick. PANs are never logged; the URL's credentials neither.

use backend::mrs::{Mrs, MrsError, MrsPage};
use std::time::Duration;

pub struct HttpMrs {
    base: reqwest::Url,
    http: reqwest::Client,
}

impl HttpMrs {
    pub fn new(base_url: &str, timeout: Duration) -> anyhow::Result<Self> {
        let base = reqwest::Url::parse(base_url.trim_end_matches('/'))
            .map_err(|e| anyhow::anyhow!("--mrs-url is not a URL: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") {
            anyhow::bail!("--mrs-url must be http:// or https://");
        }
        Ok(Self {
            base,
            http: reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
        })
    }

    /// The base URL without user and password, for logs.
    pub fn display_url(&self) -> String {
        let mut u = self.base.clone();
        let _ = u.set_username("");
        let _ = u.set_password(None);
        u.to_string()
    }
}

#[async_trait::async_trait]
impl Mrs for HttpMrs {
    async fn enrolments_since(
        &self,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<MrsPage, MrsError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| MrsError::Unavailable("base URL cannot take a path".into()))?
            .pop_if_empty()
            .push("enrolments");
        url.query_pairs_mut()
            .append_pair("limit", &limit.to_string());
        if let Some(c) = cursor {
            url.query_pairs_mut().append_pair("since", c);
        }
        let resp = self.http.get(url).send().await.map_err(|e| {
            MrsError::Unavailable(if e.is_timeout() {
                "timeout".into()
            } else {
                "network error".into()
            })
        })?;
        if !resp.status().is_success() {
            return Err(MrsError::Unavailable(format!("HTTP {}", resp.status())));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|_| MrsError::Unavailable("body not received".into()))?;
        // serde's message names the place (line, column), never a value it could not read.
        serde_json::from_slice::<MrsPage>(&bytes).map_err(|e| {
            MrsError::BadAnswer(format!(
                "not an enrolment page (line {}, column {})",
                e.line(),
                e.column()
            ))
        })
    }
}
