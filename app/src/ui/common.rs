use access_core::model::{error::error_for, AppError};
use leptos::prelude::*;

/// The error of an action's latest result, as a copyable signal for the form helpers.
pub fn action_error<T>(
    value: impl With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
) -> Signal<Option<AppError>>
where
    T: Send + Sync + 'static,
{
    Signal::derive(move || value.with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned())))
}

/// Every field error of the latest error, `field: message` (imports name lines and cells).
pub fn all_errors(result: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        result.with(|e| {
            e.as_ref().map(|e| {
                e.field_errors()
                    .iter()
                    .map(|f| view! { <p class="field-error" role="alert">{format!("{}: {}", f.field, f.message)}</p> })
                    .collect_view()
            })
        })
    }
}

/// The message for `field` in the latest error, shown beside the input.
pub fn field_error(error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    move || {
        error.with(|e| {
            e.as_ref()
                .and_then(|e| error_for(e.field_errors(), field).map(str::to_owned))
                .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
        })
    }
}

/// A form-level message for errors that are not about one field.
pub fn form_error(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.with(|e| {
            e.as_ref().map(|e| {
                let text = match e {
                    AppError::Validation(_) | AppError::Unprocessable(_) => {
                        "Please correct the fields marked below.".to_owned()
                    }
                    other => other.to_string(),
                };
                view! { <p class="form-error" role="alert">{text}</p> }
            })
        })
    }
}

#[allow(dead_code)] // every screen has arrived; kept for the next placeholder
pub fn not_yet(title: &'static str) -> impl IntoView {
    view! {
        <section class="page">
            <h1>{title}</h1>
            <p class="muted">"Not yet available: this screen arrives with its own issue."</p>
        </section>
    }
}

/// Format epoch milliseconds as `YYYY-MM-DD HH:MM` UTC.
pub fn fmt_ms(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}
