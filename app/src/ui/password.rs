//! `/password`: choose a new password with the current one. Signing in with a one-time
//! password (a new admin, an admin's reset) lands here, and nothing else opens until it is done.

use super::common::{action_error, field_error, form_error};
use crate::api::session::{get_me, ChangePassword, Logout};
use access_core::model::MIN_PASSWORD_LEN;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PasswordPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let logout = ServerAction::<Logout>::new();
    let me = Resource::new(|| (), |_| get_me());
    let result = action_error(change.value());
    view! {
        <Title text="Change password · Access Control"/>
        <main class="login">
            <div class="login-card">
                <h1>"Change password"</h1>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(Some(me)) if me.password_change_required => view! {
                                <p class="notice" role="status">
                                    {format!("Signed in as {} with a one-time password: choose your own to continue.", me.email)}
                                </p>
                            }.into_any(),
                            Ok(Some(me)) => view! { <p class="muted">{format!("Signed in as {}.", me.email)}</p> }.into_any(),
                            _ => view! { <p class="muted">"Sign in first."</p> }.into_any(),
                        }
                    })}
                </Suspense>
                <ActionForm action=change>
                    {form_error(result)}
                    <label for="current_password">"Current password"</label>
                    <input id="current_password" name="current_password" type="password" autocomplete="current-password" required/>
                    {field_error(result, "current_password")}
                    <label for="new_password">"New password"</label>
                    <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength=MIN_PASSWORD_LEN.to_string()/>
                    {field_error(result, "new_password")}
                    <label for="confirm_password">"Confirm new password"</label>
                    <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required/>
                    {field_error(result, "confirm_password")}
                    <p class="muted">{format!("At least {MIN_PASSWORD_LEN} characters.")}</p>
                    <button type="submit" class="primary" disabled=move || change.pending().get()>
                        "Change password"
                    </button>
                </ActionForm>
                <ActionForm action=logout attr:class="inline">
                    <button type="submit" class="link">"Sign out"</button>
                </ActionForm>
            </div>
        </main>
    }
}
