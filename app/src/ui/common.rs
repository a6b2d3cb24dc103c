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

/// What an empty list says, with a way out when filters emptied it
/// ("No operations match these filters — Clear filters").
pub fn empty_state(what: &'static str, filtered: bool, clear_href: &'static str) -> impl IntoView {
    use leptos_router::components::A;
    view! {
        <p class="empty-state" role="status">
            {if filtered {
                view! { {format!("No {what} match these filters. ")} <A href=clear_href>"Clear filters"</A> }.into_any()
            } else {
                view! { {format!("No {what} yet.")} }.into_any()
            }}
        </p>
    }
}

/// An instant in the viewer's own time zone with its abbreviation ("2026-12-06 07:22 GMT+1"),
/// UTC on hover. The server renders UTC (it does not know the browser's zone); once live, the
/// browser rewrites it with its zone.
#[component]
pub fn LocalTime(ms: i64) -> impl IntoView {
    let utc = fmt_ms(ms);
    let text = RwSignal::new(utc.clone());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(local) = browser_local(ms) {
            text.set(local);
        }
    });
    let iso = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    view! { <time datetime=iso title=utc class="local-time">{move || text.get()}</time> }
}

/// `YYYY-MM-DD HH:MM ZONE` in the browser's time zone (Intl's short zone name).
#[cfg(feature = "hydrate")]
fn browser_local(ms: i64) -> Option<String> {
    use js_sys::{Array, Date, Intl, Object, Reflect};
    use wasm_bindgen::JsValue;
    let opts = Object::new();
    for (k, v) in [
        ("year", "numeric"),
        ("month", "2-digit"),
        ("day", "2-digit"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("hourCycle", "h23"),
        ("timeZoneName", "short"),
    ] {
        Reflect::set(&opts, &JsValue::from_str(k), &JsValue::from_str(v)).ok()?;
    }
    let fmt = Intl::DateTimeFormat::new(&Array::of1(&JsValue::from_str("en-CA")), &opts);
    let parts = fmt.format_to_parts(&Date::new(&JsValue::from_f64(ms as f64)));
    let mut get = std::collections::HashMap::new();
    for p in parts.iter() {
        let kind = Reflect::get(&p, &JsValue::from_str("type"))
            .ok()?
            .as_string()?;
        let value = Reflect::get(&p, &JsValue::from_str("value"))
            .ok()?
            .as_string()?;
        get.insert(kind, value);
    }
    let g = |k: &str| get.get(k).cloned();
    Some(format!(
        "{}-{}-{} {}:{} {}",
        g("year")?,
        g("month")?,
        g("day")?,
        g("hour")?,
        g("minute")?,
        g("timeZoneName")?
    ))
}
