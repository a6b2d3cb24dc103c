//! Honest feedback for actions (issue 18): a confirmation dialog that names the object and the
//! consequence before anything destructive, and a success toast after it.
//!
//! Toasts come two ways. An action that moves to another page (create, delete…) redirects with
//! `?done=<code>`; the frame maps the code to a fixed message (never text from the URL, so a
//! crafted link cannot put words in the panel's mouth), which also works before the page is
//! hydrated. An action that stays on its page pushes its message with [`toast_on_ok`].

use access_core::model::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The messages a redirect may ask for with `?done=<code>`.
pub fn done_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "user-created" => "User created.",
        "user-updated" => "User saved.",
        "user-deleted" => "User deleted.",
        "organisation-created" => "Organisation created.",
        "location-created" => "Location created.",
        "location-updated" => "Location saved.",
        "location-deleted" => "Location deleted.",
        "terminal-added" => "Terminal added.",
        "terminal-unpaired" => "Terminal unpaired.",
        "terminal-moved" => "Terminal moved.",
        "terminal-deleted" => "Terminal deleted.",
        "rule-saved" => "Rule saved.",
        "rule-deleted" => "Rule deleted.",
        "bins-imported" => "BIN ranges imported.",
        "fx-imported" => "FX rates imported.",
        _ => return None,
    })
}

/// The frame's toasts pushed by actions that stay on their page.
#[derive(Clone, Copy)]
pub struct Toasts(RwSignal<Vec<String>>);

impl Toasts {
    pub fn provide() -> Self {
        let t = Toasts(RwSignal::new(Vec::new()));
        provide_context(t);
        t
    }

    pub fn push(&self, message: impl Into<String>) {
        let message = message.into();
        self.0.update(|v| {
            // The latest few are enough; an old one scrolls out.
            v.push(message);
            if v.len() > 3 {
                v.remove(0);
            }
        });
    }
}

/// After each successful run of an action (its value turns `Ok`), a toast with `message`.
pub fn toast_on_ok<T>(
    value: impl With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    message: &'static str,
) where
    T: Send + Sync + 'static,
{
    let Some(toasts) = use_context::<Toasts>() else {
        return;
    };
    Effect::new(move |_| {
        if value.with(|v| matches!(v, Some(Ok(_)))) {
            toasts.push(message);
        }
    });
}

/// The toasts: the `?done=` message of this page and those pushed since; each can be dismissed.
#[component]
pub fn ToastRegion(toasts: Toasts) -> impl IntoView {
    let q = use_query_map();
    let dismissed_done = RwSignal::new(None::<String>);
    let done = Memo::new(move |_| q.with(|q| q.get("done")));
    view! {
        <div class="toasts" role="status" aria-live="polite">
            {move || {
                let code = done.get()?;
                if dismissed_done.get().as_deref() == Some(code.as_str()) {
                    return None;
                }
                let message = done_message(&code)?;
                Some(view! {
                    <p class="toast">
                        <span>{message}</span>
                        <button type="button" class="toast-close" aria-label="Dismiss"
                            on:click=move |_| dismissed_done.set(Some(code.clone()))>"×"</button>
                    </p>
                })
            }}
            {move || toasts.0.get().into_iter().enumerate().map(|(i, message)| view! {
                <p class="toast">
                    <span>{message}</span>
                    <button type="button" class="toast-close" aria-label="Dismiss"
                        on:click=move |_| toasts.0.update(|v| { if i < v.len() { v.remove(i); } })>"×"</button>
                </p>
            }).collect_view()}
        </div>
    }
}

/// A button that asks first: it opens a modal dialog naming the object (`title`) and what will
/// happen (`consequence`); only its confirm button submits the surrounding form. `children` are
/// extra form fields shown in the dialog (the reversal's reason). Needs the page to be live
/// (a destructive action never happens on one click, hydrated or not).
#[component]
pub fn ConfirmButton(
    /// The button that opens the dialog ("Delete user").
    label: &'static str,
    /// What the dialog asks, naming the object ("Delete the user Ada Admin?").
    #[prop(into)]
    title: String,
    /// What follows ("They can no longer sign in. This cannot be undone.").
    #[prop(into)]
    consequence: String,
    /// The dialog's submit button ("Yes, delete the user").
    confirm: &'static str,
    /// Extra fields inside the dialog (part of the form).
    #[prop(optional)]
    children: Option<Children>,
    #[prop(optional)] disabled: Option<Signal<bool>>,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let open = move |_| {
        if let Some(d) = dialog.get() {
            let _ = d.show_modal();
        }
    };
    let close = move |_| {
        if let Some(d) = dialog.get() {
            d.close();
        }
    };
    let is_disabled = move || disabled.map(|d| d.get()).unwrap_or(false);
    let label_of_dialog = title.clone();
    view! {
        <button type="button" class="danger" on:click=open disabled=is_disabled>{label}</button>
        <dialog node_ref=dialog class="confirm" aria-label=label_of_dialog>
            <h2>{title}</h2>
            <p>{consequence}</p>
            {children.map(|c| c())}
            <div class="actions">
                <button type="button" on:click=close>"Cancel"</button>
                // Submitting closes the dialog only if the form's own checks (a required reason)
                // pass; otherwise the browser shows them inside the dialog.
                <button type="submit" class="danger"
                    on:click=move |ev: leptos::ev::MouseEvent| {
                        use leptos::wasm_bindgen::JsCast;
                        let valid = ev
                            .target()
                            .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlButtonElement>().ok())
                            .and_then(|b| b.form())
                            .map(|f| f.check_validity())
                            .unwrap_or(true);
                        if valid {
                            if let Some(d) = dialog.get() {
                                d.close();
                            }
                        }
                    }>{confirm}</button>
            </div>
        </dialog>
    }
}
