//! Report export links with an in-page progress line (a progressive enhancement).
//!
//! Server-rendered, and in the browser until the page is hydrated (or with JavaScript off), an
//! [`ExportLink`] is a plain download link. Once hydrated, a plain left click is intercepted: the
//! page fetches the same URL with the session cookie, counts what arrives (bytes, and for CSV the
//! lines), shows it in the screen's [`ExportStatus`] line with a Cancel button, then hands the file
//! to the browser as a Blob download. One export at a time per screen ([`ExportProgress`]).

use leptos::prelude::*;

/// Where the screen's export stands (only the browser moves it on from `Idle`).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum ExportState {
    Idle,
    Running {
        name: String,
        bytes: u64,
        rows: Option<u64>,
    },
    Done {
        name: String,
        bytes: u64,
        rows: Option<u64>,
    },
    Cancelled {
        name: String,
    },
    Failed {
        name: String,
        message: String,
    },
}

impl ExportState {
    fn key(&self) -> &'static str {
        match self {
            ExportState::Idle => "idle",
            ExportState::Running { .. } => "running",
            ExportState::Done { .. } => "done",
            ExportState::Cancelled { .. } => "cancelled",
            ExportState::Failed { .. } => "failed",
        }
    }

    fn message(&self) -> Option<String> {
        match self {
            ExportState::Idle => None,
            ExportState::Running { name, bytes, rows } => Some(format!(
                "Exporting {name}… {} received{}",
                megabytes(*bytes),
                rows_note(*rows)
            )),
            ExportState::Done { name, bytes, rows } => Some(format!(
                "Done: {name}, {}{}",
                megabytes(*bytes),
                rows_note(*rows)
            )),
            ExportState::Cancelled { name } => Some(format!("Cancelled: {name}")),
            ExportState::Failed { name, message } => {
                Some(format!("Export of {name} failed: {message}"))
            }
        }
    }
}

/// The progress of a screen's exports, shared (as context) by its [`ExportLink`]s and its
/// [`ExportStatus`] line.
#[derive(Clone, Copy)]
pub struct ExportProgress {
    state: RwSignal<ExportState>,
    #[cfg(feature = "hydrate")]
    abort: StoredValue<Option<web_sys::AbortController>, LocalStorage>,
}

impl ExportProgress {
    /// Provides the screen's progress to the export links and status line below; a running
    /// export is aborted when the screen goes away.
    pub fn provide() -> Self {
        let progress = Self {
            state: RwSignal::new(ExportState::Idle),
            #[cfg(feature = "hydrate")]
            abort: StoredValue::new_local(None),
        };
        #[cfg(feature = "hydrate")]
        on_cleanup(move || progress.cancel());
        provide_context(progress);
        progress
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn running(&self) -> bool {
        self.state
            .try_with_untracked(|s| matches!(s, ExportState::Running { .. }))
            .unwrap_or(false)
    }

    fn cancel(&self) {
        #[cfg(feature = "hydrate")]
        if let Some(controller) = self.abort.try_update_value(Option::take).flatten() {
            controller.abort();
        }
    }
}

/// A report download link: `href` is the export URL, `name` the file name it implies (used when
/// the response does not name the file).
#[component]
pub fn ExportLink(
    #[prop(into)] href: Signal<String>,
    #[prop(into)] name: String,
    label: &'static str,
) -> impl IntoView {
    let progress = use_context::<ExportProgress>();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            let Some(progress) = progress else {
                return;
            };
            // New tab, save as, middle click…: the browser does as it always did.
            if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key()
            {
                return;
            }
            ev.prevent_default();
            if !progress.running() {
                client::start(progress, href.get_untracked(), name.clone());
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, progress, &name);
    };
    view! {
        <a href=move || href.get() download rel="external" on:click=on_click>{label}</a>
    }
}

/// The screen's export progress line (empty until an export starts in this page).
#[component]
pub fn ExportStatus() -> impl IntoView {
    let progress = expect_context::<ExportProgress>();
    let state = progress.state;
    let running = Memo::new(move |_| state.with(|s| matches!(s, ExportState::Running { .. })));
    view! {
        <span class="export-progress" role="status" aria-live="polite" data-state=move || state.with(ExportState::key)>
            {move || state.with(ExportState::message)}
            {move || {
                running
                    .get()
                    .then(|| {
                        view! {
                            " "
                            <button type="button" class="export-cancel" on:click=move |_| progress.cancel()>
                                "Cancel"
                            </button>
                        }
                    })
            }}
        </span>
    }
}

/// "12.3 MB", or "4.4 kB" under a megabyte (decimal units, as browsers count).
fn megabytes(bytes: u64) -> String {
    if bytes < 1_000_000 {
        format!("{:.1} kB", bytes as f64 / 1_000.0)
    } else {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    }
}

/// " (≈ 48,210 rows)" for CSV, nothing otherwise.
fn rows_note(rows: Option<u64>) -> String {
    rows.map(|r| format!(" (≈ {} rows)", thousands(r)))
        .unwrap_or_default()
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let lead = digits.len() % 3;
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && i % 3 == lead {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The file name of a `Content-Disposition: attachment; filename="…"` header.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn disposition_name(header: &str) -> Option<String> {
    header
        .split(';')
        .find_map(|part| {
            let (key, value) = part.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("filename")
                .then(|| value.trim().trim_matches('"').to_owned())
        })
        .filter(|n| !n.is_empty() && !n.contains(['/', '\\']))
}

#[cfg(feature = "hydrate")]
mod client {
    use super::{disposition_name, ExportProgress, ExportState};
    use js_sys::{Array, Reflect, Uint8Array};
    use leptos::prelude::*;
    use std::time::Duration;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        AbortController, AbortSignal, Blob, BlobPropertyBag, HtmlAnchorElement,
        ReadableStreamDefaultReader, RequestCredentials, RequestInit, Response, Url,
    };

    /// How often the progress line is redrawn while bytes arrive.
    const REDRAW_MS: f64 = 200.0;
    /// The object URL outlives the click so that every browser has started reading it.
    const REVOKE_AFTER: Duration = Duration::from_secs(40);

    struct Received {
        name: String,
        bytes: u64,
        rows: Option<u64>,
    }

    pub fn start(progress: ExportProgress, href: String, fallback_name: String) {
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(AbortController::signal);
        progress.abort.set_value(controller);
        progress.state.set(ExportState::Running {
            name: fallback_name.clone(),
            bytes: 0,
            rows: None,
        });
        leptos::task::spawn_local(async move {
            let outcome = fetch_and_save(progress, &href, &fallback_name, signal.as_ref()).await;
            let _ = progress.abort.try_update_value(|a| *a = None);
            let aborted = signal.as_ref().is_some_and(AbortSignal::aborted);
            let state = match outcome {
                Ok(Received { name, bytes, rows }) => ExportState::Done { name, bytes, rows },
                Err(_) if aborted => ExportState::Cancelled {
                    name: fallback_name,
                },
                Err(message) => ExportState::Failed {
                    name: fallback_name,
                    message,
                },
            };
            progress.state.try_set(state);
        });
    }

    async fn fetch_and_save(
        progress: ExportProgress,
        href: &str,
        fallback_name: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<Received, String> {
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_credentials(RequestCredentials::SameOrigin);
        init.set_signal(signal);
        let response: Response = JsFuture::from(window().fetch_with_str_and_init(href, &init))
            .await
            .map_err(|e| js_message(&e))?
            .dyn_into()
            .map_err(|e| js_message(&e))?;
        if !response.ok() {
            return Err(error_message(&response).await);
        }
        let headers = response.headers();
        let name = headers
            .get("content-disposition")
            .ok()
            .flatten()
            .and_then(|h| disposition_name(&h))
            .unwrap_or_else(|| fallback_name.to_owned());
        let content_type = headers.get("content-type").ok().flatten();
        let csv = name.to_ascii_lowercase().ends_with(".csv");
        let mut received = Received {
            name,
            bytes: 0,
            rows: csv.then_some(0),
        };
        progress.state.try_set(running(&received));

        let chunks = Array::new();
        let mut newlines = 0u64;
        let mut scratch = Vec::new();
        let mut drawn = js_sys::Date::now();
        if let Some(body) = response.body() {
            let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
            loop {
                let step = JsFuture::from(reader.read())
                    .await
                    .map_err(|e| js_message(&e))?;
                let done = Reflect::get(&step, &JsValue::from_str("done"))
                    .map(|d| d.is_truthy())
                    .unwrap_or(true);
                if done {
                    break;
                }
                let Ok(chunk) = Reflect::get(&step, &JsValue::from_str("value"))
                    .and_then(|v| v.dyn_into::<Uint8Array>())
                else {
                    continue;
                };
                let len = chunk.length() as usize;
                received.bytes += len as u64;
                if csv {
                    scratch.resize(len, 0);
                    chunk.copy_to(&mut scratch);
                    newlines += scratch.iter().filter(|&&b| b == b'\n').count() as u64;
                    // The first line is the header.
                    received.rows = Some(newlines.saturating_sub(1));
                }
                chunks.push(&chunk);
                let now = js_sys::Date::now();
                if now - drawn >= REDRAW_MS {
                    drawn = now;
                    progress.state.try_set(running(&received));
                }
            }
        } else {
            // No body stream (very old browsers): the whole body at once.
            let buffer = JsFuture::from(response.array_buffer().map_err(|e| js_message(&e))?)
                .await
                .map_err(|e| js_message(&e))?;
            let chunk = Uint8Array::new(&buffer);
            received.bytes = u64::from(chunk.length());
            chunks.push(&chunk);
        }

        let options = BlobPropertyBag::new();
        if let Some(content_type) = &content_type {
            options.set_type(content_type);
        }
        let blob = Blob::new_with_u8_array_sequence_and_options(&chunks, &options)
            .map_err(|e| js_message(&e))?;
        // The blob holds its own copy: let the chunks go.
        chunks.set_length(0);
        save(&blob, &received.name)?;
        Ok(received)
    }

    fn running(r: &Received) -> ExportState {
        ExportState::Running {
            name: r.name.clone(),
            bytes: r.bytes,
            rows: r.rows,
        }
    }

    /// Hands the blob to the browser as a download named `name`.
    fn save(blob: &Blob, name: &str) -> Result<(), String> {
        let url = Url::create_object_url_with_blob(blob).map_err(|e| js_message(&e))?;
        let link: HtmlAnchorElement = document()
            .create_element("a")
            .map_err(|e| js_message(&e))?
            .unchecked_into();
        link.set_href(&url);
        link.set_download(name);
        link.set_rel("external");
        let body = document().body();
        if let Some(body) = &body {
            let _ = body.append_child(&link);
        }
        link.click();
        link.remove();
        set_timeout(
            move || {
                let _ = Url::revoke_object_url(&url);
            },
            REVOKE_AFTER,
        );
        Ok(())
    }

    /// The message of the API's error body `{"error":{"code","message"}}`, else the status.
    async fn error_message(response: &Response) -> String {
        let status = format!("HTTP {} {}", response.status(), response.status_text());
        let Ok(promise) = response.text() else {
            return status;
        };
        let text = JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .filter(|m| !m.is_empty())
            .unwrap_or(status)
    }

    fn js_message(e: &JsValue) -> String {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "the download failed".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_content_disposition() {
        assert_eq!(
            disposition_name("attachment; filename=\"operations-detailed.csv\"").as_deref(),
            Some("operations-detailed.csv")
        );
        assert_eq!(
            disposition_name("attachment; FileName=cards.xlsx").as_deref(),
            Some("cards.xlsx")
        );
        assert_eq!(disposition_name("attachment"), None);
        assert_eq!(disposition_name("attachment; filename=\"../x\""), None);
    }

    #[test]
    fn progress_text() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(48_210), "48,210");
        assert_eq!(thousands(1_000_000), "1,000,000");
        let running = ExportState::Running {
            name: "operations-detailed.csv".into(),
            bytes: 12_300_000,
            rows: Some(48_210),
        };
        assert_eq!(
            running.message().as_deref(),
            Some("Exporting operations-detailed.csv… 12.3 MB received (≈ 48,210 rows)")
        );
        let done = ExportState::Done {
            name: "enrolled-cards.xlsx".into(),
            bytes: 245_400_000,
            rows: None,
        };
        assert_eq!(
            done.message().as_deref(),
            Some("Done: enrolled-cards.xlsx, 245.4 MB")
        );
        assert_eq!(megabytes(4_430), "4.4 kB");
    }
}
