use super::common::{action_error, field_error, fmt_ms, form_error};
use super::feedback::{toast_on_ok, ConfirmButton};
use super::locations::can;
use crate::api::users::{
    get_user, list_tenants, list_users, CreateUser, DeleteUser, ResetUserPassword, SetUserDisabled,
    UnlockUser, UpdateUser,
};
use access_core::model::{Capability, Role, UserFilter, UserView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};

fn query_filter() -> Memo<UserFilter> {
    let q = use_query_map();
    Memo::new(move |_| {
        q.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            UserFilter {
                first_name: get("first_name"),
                last_name: get("last_name"),
                email: get("email"),
                page: get("page").and_then(|p| p.parse().ok()),
                page_size: None,
            }
        })
    })
}

fn page_href(f: &UserFilter, page: u64) -> String {
    let mut parts = vec![format!("page={page}")];
    for (k, v) in [
        ("first_name", &f.first_name),
        ("last_name", &f.last_name),
        ("email", &f.email),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}={}", urlencode(v)));
        }
    }
    format!("/users?{}", parts.join("&"))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let filter = query_filter();
    let users = Resource::new(move || filter.get(), list_users);
    // The view-only User reads the list; only who may manage users sees "Add user".
    let manage = can(Capability::UsersManage);
    view! {
        <Title text="Users · Access Control"/>
        <div class="page-head">
            <h1>"Users"</h1>
            <Show when=move || manage.get()>
                <A href="/users/new" attr:class="button primary">"Add user"</A>
            </Show>
        </div>
        <Form method="GET" action="/users" attr:class="filters">
            <label>"First name filter"
                <input name="first_name" prop:value=move || filter.get().first_name.unwrap_or_default()/>
            </label>
            <label>"Last name filter"
                <input name="last_name" prop:value=move || filter.get().last_name.unwrap_or_default()/>
            </label>
            <label>"E-mail filter"
                <input name="email" prop:value=move || filter.get().email.unwrap_or_default()/>
            </label>
            <button type="submit">"Filter"</button>
            <A href="/users">"Clear"</A>
        </Form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(page) => {
                        let f = filter.get_untracked();
                        let pages = page.pages();
                        let empty = page.items.is_empty();
                        let filtered = f.first_name.is_some() || f.last_name.is_some() || f.email.is_some();
                        view! {
                            <table class="grid">
                                <thead>
                                    <tr><th>"First name"</th><th>"Last name"</th><th>"Role"</th><th>"E-mail"</th><th>"Tenant"</th><th>"Status"</th><th>"Last sign-in"</th><th>"Created"</th></tr>
                                </thead>
                                <tbody>
                                    {page.items.into_iter().map(user_row).collect_view()}
                                </tbody>
                            </table>
                            {empty.then(|| super::common::empty_state("users", filtered, "/users"))}
                            <p class="pager">
                                {format!("{} users · page {} of {} ", page.total, page.page, pages)}
                                {(page.page > 1).then(|| view! { <A href=page_href(&f, page.page - 1)>"Previous"</A> })}
                                " "
                                {(page.page < pages).then(|| view! { <A href=page_href(&f, page.page + 1)>"Next"</A> })}
                            </p>
                        }
                            .into_any()
                    }
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Transition>
    }
}

fn user_row(u: UserView) -> impl IntoView {
    let status = status_label(&u);
    view! {
        <tr>
            <td><A href=format!("/users/{}", u.id)>{u.first_name}</A></td>
            <td>{u.last_name}</td>
            <td>{u.role.label()}</td>
            <td>{u.email}</td>
            <td>{u.tenant_name.unwrap_or_default()}</td>
            <td>{status}</td>
            <td>{u.last_sign_in_at.map(fmt_ms).unwrap_or_else(|| "never".into())}</td>
            <td>{fmt_ms(u.created_at)}</td>
        </tr>
    }
}

fn status_label(u: &UserView) -> &'static str {
    if u.disabled {
        "Disabled"
    } else if u.locked_until.is_some() {
        "Locked (too many failed sign-ins)"
    } else if u.must_change_password {
        "Active (password change pending)"
    } else {
        "Active"
    }
}

/// The fields shared by the add and edit forms; `user` pre-fills them when editing.
#[component]
fn UserFields(
    result: Signal<Option<access_core::model::AppError>>,
    user: Option<UserView>,
    /// The organisation a new user starts in (from the Organisations screen's link).
    #[prop(optional)]
    tenant: Option<String>,
) -> impl IntoView {
    let tenants = Resource::new(|| (), |_| list_tenants());
    let editing = user.is_some();
    let u = user.unwrap_or(UserView {
        id: String::new(),
        email: String::new(),
        first_name: String::new(),
        last_name: String::new(),
        role: Role::User,
        tenant_id: None,
        tenant_name: None,
        created_at: 0,
        disabled: false,
        must_change_password: false,
        last_sign_in_at: None,
        locked_until: None,
    });
    let current_tenant = u.tenant_id.clone().or(tenant).unwrap_or_default();
    view! {
        {form_error(result)}
        <label for="first_name">"First name"</label>
        <input id="first_name" name="first_name" value=u.first_name required maxlength="100"/>
        {field_error(result, "first_name")}
        <label for="last_name">"Last name"</label>
        <input id="last_name" name="last_name" value=u.last_name required maxlength="100"/>
        {field_error(result, "last_name")}
        <label for="email">"E-mail"</label>
        <input id="email" name="email" type="email" value=u.email required/>
        {field_error(result, "email")}
        <label for="role">"Role"</label>
        <select id="role" name="role">
            {Role::ALL
                .iter()
                .copied()
                .map(|r| view! { <option value=r.as_str() selected=r == u.role>{r.label()}</option> })
                .collect_view()}
        </select>
        {field_error(result, "role")}
        <label for="tenant_id">"Tenant"</label>
        <select id="tenant_id" name="tenant_id">
            <option value="">"— none (Admin, User, Call Center) —"</option>
            <Suspense fallback=|| ()>
                {move || {
                    let current = current_tenant.clone();
                    Suspend::new(async move {
                        tenants
                            .await
                            .unwrap_or_default()
                            .into_iter()
                            .map(|t| {
                                let selected = t.id == current;
                                view! { <option value=t.id selected=selected>{format!("{} ({})", t.name, t.kind)}</option> }
                            })
                            .collect_view()
                    })
                }}
            </Suspense>
        </select>
        {field_error(result, "tenant_id")}
        <label for="password">{if editing { "New password (leave empty to keep)" } else { "Password" }}</label>
        <input id="password" name="password" type="password" autocomplete="new-password"/>
        {field_error(result, "password")}
    }
}

#[component]
pub fn NewUserPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let tenant = use_query_map().with_untracked(|q| q.get("tenant_id"));
    view! {
        <Title text="Add user · Access Control"/>
        <h1>"Add user"</h1>
        <ActionForm action=create attr:class="form">
            <UserFields result=action_error(create.value()) user=None tenant=tenant.unwrap_or_default()/>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Create user"</button>
                <A href="/users">"Cancel"</A>
            </div>
        </ActionForm>
    }
}

#[component]
pub fn EditUserPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let user = Resource::new(id, get_user);
    let update = ServerAction::<UpdateUser>::new();
    let delete = ServerAction::<DeleteUser>::new();
    let set_disabled = ServerAction::<SetUserDisabled>::new();
    let reset = ServerAction::<ResetUserPassword>::new();
    let unlock = ServerAction::<UnlockUser>::new();
    let manage = can(Capability::UsersManage);
    toast_on_ok(set_disabled.value(), "Account status changed.");
    toast_on_ok(unlock.value(), "Sign-in unlocked.");
    // After a disable/enable or an unlock the page shows the new status.
    Effect::new(move |_| {
        if let Some(Ok(_)) = set_disabled.value().get() {
            user.refetch();
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = unlock.value().get() {
            user.refetch();
        }
    });
    view! {
        <Title text="Edit user · Access Control"/>
        <h1>"Edit user"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(u) => {
                        let uid = u.id.clone();
                        let uid2 = u.id.clone();
                        let uid3 = u.id.clone();
                        let uid4 = u.id.clone();
                        let disabled = u.disabled;
                        let locked = u.locked_until;
                        let uid5 = u.id.clone();
                        let full_name = format!("{} {}", u.first_name, u.last_name);
                        let email = u.email.clone();
                        let status = status_label(&u);
                        let last = u.last_sign_in_at.map(fmt_ms).unwrap_or_else(|| "never".into());
                        view! {
                            <p class="muted" id="user-status">
                                {format!("Status: {status} · Last sign-in: {last}")}
                            </p>
                            <ActionForm action=update attr:class="form">
                                <input type="hidden" name="id" value=uid/>
                                <UserFields result=action_error(update.value()) user=Some(u)/>
                                <div class="actions">
                                    <Show when=move || manage.get()>
                                        <button type="submit" class="primary">"Save"</button>
                                    </Show>
                                    <A href="/users">{move || if manage.get() { "Cancel" } else { "Back" }}</A>
                                </div>
                            </ActionForm>
                            {move || {
                                let (uid2, uid3, uid4, uid5) =
                                    (uid2.clone(), uid3.clone(), uid4.clone(), uid5.clone());
                                let (name, email) = (full_name.clone(), email.clone());
                                manage.get().then(move || view! {
                                <section class="form" aria-label="Account">
                                    <h2>"Account"</h2>
                                    <ActionForm action=set_disabled attr:class="inline">
                                        <input type="hidden" name="id" value=uid3/>
                                        <input type="hidden" name="disabled" value=if disabled { "false" } else { "true" }/>
                                        {form_error(action_error(set_disabled.value()))}
                                        <button type="submit">
                                            {if disabled { "Enable user" } else { "Disable user" }}
                                        </button>
                                    </ActionForm>
                                    {locked.map(|until| view! {
                                        <ActionForm action=unlock attr:class="inline">
                                            <input type="hidden" name="id" value=uid5/>
                                            <p class="muted">{format!("Sign-in locked until {}", fmt_ms(until))}</p>
                                            {form_error(action_error(unlock.value()))}
                                            <button type="submit">"Unlock"</button>
                                        </ActionForm>
                                    })}
                                    <ActionForm action=reset attr:class="inline">
                                        <input type="hidden" name="id" value=uid4/>
                                        {form_error(action_error(reset.value()))}
                                        <button type="submit">"Reset password"</button>
                                    </ActionForm>
                                    {move || {
                                        reset.value().get().and_then(Result::ok).map(|otp| view! {
                                            <p class="notice" role="status" id="one-time-password">
                                                "One-time password (shown once; the user must change it at the next sign-in): "
                                                <code>{otp.password}</code>
                                            </p>
                                        })
                                    }}
                                </section>
                                <ActionForm action=delete attr:class="danger-zone">
                                    <input type="hidden" name="id" value=uid2/>
                                    {form_error(action_error(delete.value()))}
                                    <ConfirmButton label="Delete user" confirm="Yes, delete the user"
                                        title=format!("Delete the user {name}?")
                                        consequence=format!("{email} can no longer sign in and disappears from the user list; what they did stays in the audit log. This cannot be undone.")/>
                                </ActionForm>
                                })
                            }}
                        }
                            .into_any()
                    }
                    Err(e) => super::status::error_page(e),
                }
            })}
        </Suspense>
    }
}
