//! POS messages (Admin only): the text each reject code sends to the terminal, per language —
//! one language at a time (`?lang=de`), each code editable and resettable, and a preview of
//! what a terminal sending a given `Accept-Language` shows.

use super::common::{action_error, all_errors, fmt_ms, form_error};
use crate::api::pos_messages::{
    list_pos_messages, preview_pos_message, ResetPosMessage, UpdatePosMessage,
};
use access_core::domain::RejectCode;
use access_core::model::{language_name, PosMessageFilter, POS_LANGUAGES};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

#[component]
pub fn PosMessagesPage() -> impl IntoView {
    let q = use_query_map();
    let get = move |k: &'static str| q.with(|q| q.get(k).filter(|v| !v.is_empty()));
    let lang = Memo::new(move |_| get("lang").unwrap_or_else(|| "en".to_owned()));
    let update = ServerAction::<UpdatePosMessage>::new();
    let reset = ServerAction::<ResetPosMessage>::new();
    super::feedback::toast_on_ok(update.value(), "Message saved.");
    super::feedback::toast_on_ok(reset.value(), "Message reset to the default.");
    let rows = Resource::new(
        move || (lang.get(), update.version().get(), reset.version().get()),
        |(l, ..)| list_pos_messages(PosMessageFilter { language: Some(l) }),
    );
    let preview_code = Memo::new(move |_| {
        get("code").unwrap_or_else(|| RejectCode::LimitExceeded.as_str().to_owned())
    });
    let preview_accept = Memo::new(move |_| get("accept").unwrap_or_else(|| lang.get()));
    let preview = Resource::new(
        move || {
            (
                preview_code.get(),
                preview_accept.get(),
                update.version().get(),
                reset.version().get(),
            )
        },
        |(c, a, ..)| preview_pos_message(c, a),
    );
    let error = Signal::derive(move || {
        action_error(update.value())
            .get()
            .or_else(|| action_error(reset.value()).get())
    });
    view! {
        <Title text="POS messages · Access Control"/>
        <h1>"POS messages"</h1>
        <p class="muted">
            "The message a terminal shows for each reject code. The terminal's language (its "
            <code>"Accept-Language"</code>
            ") picks the text; a language without its own text gets the English one."
        </p>
        <nav class="tabs" aria-label="Language">
            {POS_LANGUAGES.iter().map(|(code, name)| {
                let code = *code;
                view! {
                    <A href=format!("/pos-messages?lang={code}")
                       attr:class=move || if lang.get() == code { "active" } else { "" }>
                        {format!("{name} ({code})")}
                    </A>
                    " "
                }
            }).collect_view()}
        </nav>
        {form_error(error)}
        {all_errors(error)}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(rows) => view! {
                        <table class="grid" id="pos-messages">
                            <thead><tr><th>"Code"</th><th>"Message the terminal shows"</th><th>"Source"</th><th></th></tr></thead>
                            <tbody>{rows.into_iter().map(|r| {
                                let source = if r.custom {
                                    format!("set {}", r.updated_at.map(fmt_ms).unwrap_or_default())
                                } else if r.language == "en" {
                                    "built-in".to_owned()
                                } else {
                                    "English (no text yet)".to_owned()
                                };
                                let (language, code) = (r.language.clone(), r.code.clone());
                                let (language2, code2) = (r.language.clone(), r.code.clone());
                                view! {
                                    <tr>
                                        <td><code>{r.code.clone()}</code></td>
                                        <td>
                                            <ActionForm action=update attr:class="inline">
                                                <input type="hidden" name="language" value=language/>
                                                <input type="hidden" name="code" value=code/>
                                                <input name="message" value=r.message.clone() size="60" maxlength="200"
                                                       aria-label=format!("Message for {}", r.code)/>
                                                <button type="submit">"Save"</button>
                                            </ActionForm>
                                            <p class="muted">{format!("Default: {}", r.default_message)}</p>
                                        </td>
                                        <td>{source}</td>
                                        <td>{r.custom.then(|| view! {
                                            <ActionForm action=reset attr:class="inline">
                                                <input type="hidden" name="language" value=language2/>
                                                <input type="hidden" name="code" value=code2/>
                                                <button type="submit">"Reset to default"</button>
                                            </ActionForm>
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any(),
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Transition>
        <h2>"Preview"</h2>
        <Form method="GET" action="/pos-messages" attr:class="filters">
            <input type="hidden" name="lang" prop:value=move || lang.get()/>
            <label>"Reject code"
                <select name="code">
                    {RejectCode::ALL.iter().copied().map(|c| {
                        let v = c.as_str();
                        view! { <option value=v selected=move || preview_code.get() == v>{v}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>"Terminal's Accept-Language"
                <input name="accept" prop:value=move || preview_accept.get() placeholder="de-DE,de;q=0.9"/>
            </label>
            <button type="submit">"Preview"</button>
        </Form>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match preview.await {
                    Ok(p) => view! {
                        <div class="terminal-preview" id="pos-preview">
                            <p class="muted">{format!(
                                "Content-Language: {} ({})",
                                p.language,
                                language_name(&p.language).unwrap_or("?")
                            )}</p>
                            <p><strong>{format!("REJECTED · {}", p.code)}</strong></p>
                            <p class="terminal-screen">{p.message}</p>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
