use crate::api::session::Login;
use access_core::model::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let message = move || {
        login.value().with(|v| match v {
            Some(Err(AppError::InvalidCredentials)) => {
                Some("Invalid e-mail or password.".to_owned())
            }
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        })
    };
    view! {
        <Title text="Sign in · Access Control"/>
        <main class="login">
            <div class="login-card">
                <h1>"Access Control"</h1>
                <p class="muted">"Sign in to the admin panel."</p>
                <ActionForm action=login>
                    <label for="email">"E-mail"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required/>
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required/>
                    {move || message().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                    <button type="submit" class="primary" disabled=move || login.pending().get()>
                        "Sign in"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
