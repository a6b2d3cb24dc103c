//! Every role against every admin endpoint that exists: allowed, or 403 — per DOMAIN.md.

mod common;

use app::model::{authz::allowed, Capability, Role, Scope};
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
           "tenant_id": app::backend::demo::PROVIDER_TENANT})
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
    json!({"pan": app::backend::demo_world::CARD_WORLD, "location_id": app::backend::demo::LOC_WAW_LOUNGE})
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
        Role::Admin => app::backend::demo::ADMIN_EMAIL,
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
        for role in Role::ALL {
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
                    .replace("{provider}", app::backend::demo::PROVIDER_TENANT)
                    .replace("{loc}", app::backend::demo::LOC_WAW_LOUNGE)
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
