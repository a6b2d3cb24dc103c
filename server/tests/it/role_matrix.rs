//! Every role against every admin endpoint that exists: allowed, or 403 — per DOMAIN.md.

use crate::common;

use access_core::model::{authz::allowed, Capability, Role, Scope};
use common::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

struct Endpoint {
    method: Method,
    path: &'static str,
    body: Option<fn() -> Value>,
    needs: Capability,
    /// `needs` over all data: a role holding it only for its tenant is refused as well.
    unscoped: bool,
}

impl Endpoint {
    fn allows(&self, role: Role) -> bool {
        match allowed(role, self.needs) {
            Some(Scope::All) => true,
            Some(Scope::OwnTenant) => !self.unscoped,
            None => false,
        }
    }
}

fn user_body() -> Value {
    json!({"first_name": "M", "last_name": "X", "email": format!("m{}@example.com", uuid::Uuid::new_v4().simple()),
           "role": "USER", "password": "a-long-enough-password"})
}

fn tenant_body() -> Value {
    json!({"name": format!("Matrix org {}", uuid::Uuid::new_v4().simple()), "kind": "SERVICE_PROVIDER"})
}

fn tenant_rename_body() -> Value {
    json!({"name": "Matrix org renamed"})
}

fn location_body() -> Value {
    json!({"name": "Warsaw Chopin Lounge", "country": "POL", "service_code": "LOUNGE",
           "postal_code": "02-235", "city": "Warsaw", "time_zone": "Europe/Warsaw",
           "tenant_id": backend::demo::PROVIDER_TENANT})
}

fn ruleset_body() -> Value {
    json!({"name": "Matrix", "validFrom": "2026-01-01T00:00:00Z", "validTo": null,
           "issuerCountry": null, "binRanges": [{"ica": "1234", "from": "541234", "to": "541299"}],
           "locations": {"kind": "country", "country": "POL"}, "services": ["LOUNGE"],
           "totalUsage": null,
           "cardholder": {"free": "unlimited", "paid": null, "periodDays": null, "perLocationCap": null},
           "adults": {"free": null, "paid": null, "maxPerEntry": 0},
           "children": {"free": null, "paid": null, "maxPerEntry": 0},
           "childFreeUnderAge": null, "spend": null})
}

fn card_transactions_body() -> Value {
    json!({"items": [{"pan": "5105105105105100", "amount": "10.00", "currency": "EUR", "mcc": "5812",
           "occurred_at": "2026-11-20T12:00:00Z"}]})
}

fn try_card_body() -> Value {
    json!({"pan": backend::demo_world::CARD_WORLD, "location_id": backend::demo::LOC_WAW_LOUNGE})
}

/// Future-dated, so it asks nobody for consent during the matrix.
fn document_body() -> Value {
    json!({"kind": "TERMS", "effective_date": "2099-01-01", "file_name": "t.txt", "content_base64": "VA=="})
}

/// The admin API's endpoints and the capability each requires. Extend with every new endpoint.
fn endpoints() -> Vec<Endpoint> {
    use Capability::*;
    vec![
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/operations?status=COMPLETED&page=1",
            body: None,
            needs: OperationsView,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/audit-log?action=ruleset.&page=1",
            body: None,
            needs: AuditView,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/pos-messages?language=de",
            body: None,
            needs: PosMessages,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/dashboard",
            body: None,
            needs: OperationsView,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/enrolled-cards",
            body: None,
            needs: CardsView,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/reports/operations?format=csv&kind=detailed",
            body: None,
            needs: ReportsExport,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/reports/operations?format=xlsx&kind=summary",
            body: None,
            needs: ReportsExport,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/reports/cards?format=csv",
            body: None,
            needs: ReportsExport,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/locations",
            body: None,
            needs: LocationsView,
            unscoped: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/admin/locations",
            body: Some(location_body),
            needs: LocationsManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/locations/{loc}",
            body: None,
            needs: LocationsView,
            unscoped: false,
        },
        Endpoint {
            method: Method::PUT,
            path: "/api/v1/admin/locations/{loc}",
            body: Some(location_body),
            needs: LocationsManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::DELETE,
            path: "/api/v1/admin/locations/{newloc}",
            body: None,
            needs: LocationsManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/services",
            body: None,
            needs: LocationsView,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/terms",
            body: None,
            needs: TermsView,
            unscoped: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/admin/terms",
            body: Some(document_body),
            needs: TermsManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/consent",
            body: None,
            needs: TermsView,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/rulesets",
            body: None,
            needs: RulesetsView,
            unscoped: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/admin/rulesets",
            body: Some(ruleset_body),
            needs: RulesetsManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/admin/try-card",
            body: Some(try_card_body),
            needs: RulesetsView,
            unscoped: true,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/bin-ranges",
            body: None,
            needs: DataView,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/fx-rates",
            body: None,
            needs: DataView,
            unscoped: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/admin/card-transactions",
            body: Some(card_transactions_body),
            needs: DataManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/users",
            body: None,
            needs: UsersView,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/tenants",
            body: None,
            needs: UsersView,
            unscoped: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/admin/tenants",
            body: Some(tenant_body),
            needs: UsersManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/tenants/{newtenant}",
            body: None,
            needs: UsersView,
            unscoped: false,
        },
        Endpoint {
            method: Method::PUT,
            path: "/api/v1/admin/tenants/{newtenant}",
            body: Some(tenant_rename_body),
            needs: UsersManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/admin/tenants/{newtenant}/deactivate",
            body: None,
            needs: UsersManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/admin/tenants/{newtenant}/activate",
            body: None,
            needs: UsersManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::PUT,
            path: "/api/v1/admin/tenants/{provider}/locations/{newloc}",
            body: None,
            needs: UsersManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::DELETE,
            path: "/api/v1/admin/tenants/{provider}/locations/{newloc}",
            body: None,
            needs: UsersManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/admin/users/{target}/disable",
            body: None,
            needs: UsersManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/admin/users/{target}/enable",
            body: None,
            needs: UsersManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/admin/users/{target}/password-reset",
            body: None,
            needs: UsersManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::POST,
            path: "/api/v1/admin/users",
            body: Some(user_body),
            needs: UsersManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::GET,
            path: "/api/v1/admin/users/{admin}",
            body: None,
            needs: UsersView,
            unscoped: false,
        },
        Endpoint {
            method: Method::PUT,
            path: "/api/v1/admin/users/{target}",
            body: Some(user_body),
            needs: UsersManage,
            unscoped: false,
        },
        Endpoint {
            method: Method::DELETE,
            path: "/api/v1/admin/users/{target}",
            body: None,
            needs: UsersManage,
            unscoped: false,
        },
    ]
}

fn email_of(role: Role) -> &'static str {
    match role {
        Role::Admin => backend::demo::ADMIN_EMAIL,
        Role::User => "user@demo.example",
        Role::ServiceProvider => "provider@demo.example",
        Role::Issuer => "issuer@demo.example",
        Role::CallCenter => "callcenter@demo.example",
    }
}

#[tokio::test]
async fn every_role_against_every_endpoint() {
    for app in TestApp::each().await {
        let admin = app.admin_token().await;
        let (_, me) = app
            .call(Method::GET, "/api/v1/admin/me", &admin, None)
            .await;
        let admin_id = me["id"].as_str().unwrap().to_owned();
        let mut checked = 0;
        for &role in Role::ALL {
            let pw = if role == Role::Admin {
                common::ADMIN_PASSWORD.to_owned()
            } else {
                app.others_password.clone()
            };
            let token = app.token(email_of(role), &pw).await;
            for ep in endpoints() {
                // A fresh target user per call, so deletes and edits have something to act on.
                let (_, target) = app
                    .call(
                        Method::POST,
                        "/api/v1/admin/users",
                        &admin,
                        Some(user_body()),
                    )
                    .await;
                let newloc = if ep.path.contains("{newloc}") {
                    let (_, l) = app
                        .call(
                            Method::POST,
                            "/api/v1/admin/locations",
                            &admin,
                            Some(location_body()),
                        )
                        .await;
                    l["id"].as_str().unwrap_or_default().to_owned()
                } else {
                    String::new()
                };
                let newtenant = if ep.path.contains("{newtenant}") {
                    let (_, t) = app
                        .call(
                            Method::POST,
                            "/api/v1/admin/tenants",
                            &admin,
                            Some(tenant_body()),
                        )
                        .await;
                    t["id"].as_str().unwrap_or_default().to_owned()
                } else {
                    String::new()
                };
                let path = ep
                    .path
                    .replace("{newtenant}", &newtenant)
                    .replace("{provider}", backend::demo::PROVIDER_TENANT)
                    .replace("{loc}", backend::demo::LOC_WAW_LOUNGE)
                    .replace("{newloc}", &newloc)
                    .replace("{admin}", &admin_id)
                    .replace("{target}", target["id"].as_str().unwrap());
                let (status, body) = app
                    .call(ep.method.clone(), &path, &token, ep.body.map(|f| f()))
                    .await;
                let expect_allowed = ep.allows(role);
                if expect_allowed {
                    assert!(
                        status.is_success(),
                        "{}: {role:?} {} {path} → {status} {body}",
                        app.db.name(),
                        ep.method
                    );
                } else {
                    assert_eq!(
                        status,
                        StatusCode::FORBIDDEN,
                        "{}: {role:?} {} {path} → {body}",
                        app.db.name(),
                        ep.method
                    );
                    assert_eq!(body["error"]["code"], "forbidden");
                }
                checked += 1;
            }
        }
        assert_eq!(checked, Role::ALL.len() * endpoints().len());
        app.finish().await;
    }
}

fn ruleset_on(ica: &str, from: &str, to: &str) -> Value {
    let mut r = ruleset_body();
    r["binRanges"] = json!([{"ica": ica, "from": from, "to": to}]);
    r
}

/// Whose a ruleset is, for the own/other-tenant matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Owner {
    /// The demo issuer's (ICA 1234).
    DemoIssuer,
    /// Another issuer's (ICA 8888).
    OtherIssuer,
    /// The platform's, on the demo issuer's ICA (an issuer must not count it as its own).
    Platform,
}

/// What `role` gets for a read (`write` false) or an update/delete of a ruleset of `owner`
/// (all apply at the provider's Warsaw locations: Poland, lounge).
fn expected_ruleset(role: Role, owner: Owner, write: bool) -> StatusCode {
    match (role, write) {
        (Role::Admin | Role::User, _) => StatusCode::OK,
        (Role::Issuer, _) if owner == Owner::DemoIssuer => StatusCode::OK,
        (Role::Issuer, _) => StatusCode::NOT_FOUND,
        (Role::ServiceProvider | Role::CallCenter, false) => StatusCode::OK,
        (Role::ServiceProvider | Role::CallCenter, true) => StatusCode::FORBIDDEN,
    }
}

/// Rulesets × role × own/other tenant, reads and writes: another issuer's ruleset (and the
/// platform's) is not there for an issuer — read, update and delete all answer 404.
#[tokio::test]
async fn rulesets_by_role_and_owning_tenant() {
    for app in TestApp::each().await {
        let db = app.db.name();
        let admin = app.admin_token().await;
        let (_, other) = app
            .call(
                Method::POST,
                "/api/v1/admin/tenants",
                &admin,
                Some(json!({"name": "Matrix Other Bank", "kind": "ISSUER", "icas": ["8888"]})),
            )
            .await;
        let other_tenant = other["id"].as_str().unwrap().to_owned();
        let (s, u) = app
            .call(
                Method::POST,
                "/api/v1/admin/users",
                &admin,
                Some(json!({"first_name": "O", "last_name": "I", "email": "other-issuer@matrix.example",
                            "role": "ISSUER", "tenant_id": other_tenant,
                            "password": "a-long-enough-password"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{u}");
        let other_issuer = app
            .token("other-issuer@matrix.example", "a-long-enough-password")
            .await;
        let demo_issuer = app.token("issuer@demo.example", &app.others_password).await;
        let mut checked = 0;
        for &role in Role::ALL {
            let pw = if role == Role::Admin {
                common::ADMIN_PASSWORD.to_owned()
            } else {
                app.others_password.clone()
            };
            let token = app.token(email_of(role), &pw).await;
            for owner in [Owner::DemoIssuer, Owner::OtherIssuer, Owner::Platform] {
                for op in ["read", "update", "delete"] {
                    // A fresh ruleset of that owner for every call.
                    let (creator, body) = match owner {
                        Owner::DemoIssuer => (&demo_issuer, ruleset_on("1234", "541234", "541299")),
                        Owner::OtherIssuer => {
                            (&other_issuer, ruleset_on("8888", "888800", "888899"))
                        }
                        Owner::Platform => (&admin, ruleset_on("1234", "541234", "541299")),
                    };
                    let (s, r) = app
                        .call(
                            Method::POST,
                            "/api/v1/admin/rulesets",
                            creator,
                            Some(body.clone()),
                        )
                        .await;
                    assert_eq!(s, StatusCode::CREATED, "{db}: {r}");
                    let path = format!(
                        "/api/v1/admin/rulesets/{}",
                        r["summary"]["id"].as_str().unwrap()
                    );
                    let (method, send) = match op {
                        "read" => (Method::GET, None),
                        "update" => (Method::PUT, Some(body)),
                        _ => (Method::DELETE, None),
                    };
                    let (status, answer) = app.call(method, &path, &token, send).await;
                    let want = expected_ruleset(role, owner, op != "read");
                    let got = if status == StatusCode::NO_CONTENT {
                        StatusCode::OK
                    } else {
                        status
                    };
                    assert_eq!(got, want, "{db}: {role:?} {op} {owner:?} → {answer}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, Role::ALL.len() * 9);
        app.finish().await;
    }
}

/// Locations × role × own/other tenant: a provider reads and edits its own (not the country or
/// service), another's answers 404.
#[tokio::test]
async fn locations_by_role_and_owning_tenant() {
    use backend::demo::{LOC_BER_LOUNGE, LOC_WAW_LOUNGE};
    for app in TestApp::each().await {
        let db = app.db.name();
        for &role in Role::ALL {
            let pw = if role == Role::Admin {
                common::ADMIN_PASSWORD.to_owned()
            } else {
                app.others_password.clone()
            };
            let token = app.token(email_of(role), &pw).await;
            for (loc, own) in [(LOC_WAW_LOUNGE, true), (LOC_BER_LOUNGE, false)] {
                let path = format!("/api/v1/admin/locations/{loc}");
                let (s, _) = app.call(Method::GET, &path, &token, None).await;
                let want = match role {
                    Role::ServiceProvider if !own => StatusCode::NOT_FOUND,
                    _ => StatusCode::OK,
                };
                assert_eq!(s, want, "{db}: {role:?} read own={own}");
                let (country, service, tz) = if own {
                    ("POL", "LOUNGE", "Europe/Warsaw")
                } else {
                    ("DEU", "LOUNGE", "Europe/Berlin")
                };
                let same = json!({"name": "Matrix name", "country": country, "service_code": service,
                                  "postal_code": "00-001", "city": "City", "time_zone": tz,
                                  "tenant_id": if own { Some(backend::demo::PROVIDER_TENANT) } else { None }});
                let (s, b) = app.call(Method::PUT, &path, &token, Some(same)).await;
                let want = match role {
                    Role::Admin | Role::User => StatusCode::OK,
                    Role::ServiceProvider if own => StatusCode::OK,
                    Role::ServiceProvider => StatusCode::NOT_FOUND,
                    Role::Issuer | Role::CallCenter => StatusCode::FORBIDDEN,
                };
                assert_eq!(s, want, "{db}: {role:?} update own={own}: {b}");
                // Changing the country: Admin only.
                let moved = json!({"name": "Matrix name", "country": "CZE", "service_code": service,
                                   "postal_code": "00-001", "city": "City", "time_zone": tz,
                                   "tenant_id": if own { Some(backend::demo::PROVIDER_TENANT) } else { None }});
                let (s, b) = app.call(Method::PUT, &path, &token, Some(moved)).await;
                let want = match role {
                    Role::Admin => StatusCode::OK,
                    Role::User => StatusCode::UNPROCESSABLE_ENTITY,
                    Role::ServiceProvider if own => StatusCode::UNPROCESSABLE_ENTITY,
                    Role::ServiceProvider => StatusCode::NOT_FOUND,
                    Role::Issuer | Role::CallCenter => StatusCode::FORBIDDEN,
                };
                assert_eq!(s, want, "{db}: {role:?} move own={own}: {b}");
                if role == Role::Admin {
                    // Put it back for the next roles.
                    let back = json!({"name": "Matrix name", "country": country, "service_code": service,
                                      "postal_code": "00-001", "city": "City", "time_zone": tz,
                                      "tenant_id": if own { Some(backend::demo::PROVIDER_TENANT) } else { None }});
                    let (s, b) = app.call(Method::PUT, &path, &token, Some(back)).await;
                    assert_eq!(s, StatusCode::OK, "{b}");
                }
            }
        }
        app.finish().await;
    }
}
