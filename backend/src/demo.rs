//! `--demo`: a coherent demo world, seeded once (a second start finds it and does nothing).

use super::entity::{locations, pairing_codes, tenant_icas, tenants, terminals, users};
use super::error::ServiceResult;
use super::service::pairing;
use super::service::password;
use super::Backend;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

pub const ADMIN_EMAIL: &str = "admin@demo.example";

/// What the operator needs to know after seeding (printed once by the server).
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub created: bool,
    pub admin_email: String,
    /// Only when this start created the admin.
    pub admin_password: Option<String>,
    pub other_users_password: Option<String>,
    pub pairing_code: Option<(String, String)>,
}

pub const ISSUER_TENANT: &str = "00000000-0000-4000-8000-000000000001";
pub const PROVIDER_TENANT: &str = "00000000-0000-4000-8000-000000000002";
pub const LOC_WAW_LOUNGE: &str = "00000000-0000-4000-8000-0000000000a1";
pub const LOC_WAW_FAST: &str = "00000000-0000-4000-8000-0000000000a2";
pub const LOC_BER_LOUNGE: &str = "00000000-0000-4000-8000-0000000000a3";
pub const LOC_BER_FAST: &str = "00000000-0000-4000-8000-0000000000a4";
/// The demo terminal printed with a fresh pairing code on first start.
pub const READY_TERMINAL: &str = "PAX-A920-DEMO0001";

pub async fn seed(b: &Backend, admin_password: Option<String>) -> ServiceResult<DemoReport> {
    let already = users::Entity::find().count(&b.db).await? > 0;
    if already {
        return Ok(DemoReport {
            created: false,
            admin_email: ADMIN_EMAIL.into(),
            admin_password: None,
            other_users_password: None,
            pairing_code: None,
        });
    }
    let now = b.now_ms();
    for (id, name, kind) in [
        (ISSUER_TENANT, "Demo Bank (Issuer)", "ISSUER"),
        (PROVIDER_TENANT, "SkyLounge Operations", "SERVICE_PROVIDER"),
    ] {
        tenants::ActiveModel {
            id: Set(id.into()),
            name: Set(name.into()),
            kind: Set(kind.into()),
            created_at: Set(now),
            active: Set(true),
        }
        .insert(&b.db)
        .await?;
    }
    for ica in ["1234", "5678"] {
        tenant_icas::ActiveModel {
            tenant_id: Set(ISSUER_TENANT.into()),
            ica: Set(ica.into()),
        }
        .insert(&b.db)
        .await?;
    }
    let admin_password = admin_password.unwrap_or_else(random_password);
    let others_password = random_password();
    // (e-mail, first name, last name, role, tenant, password)
    type Person<'a> = (&'a str, &'a str, &'a str, &'a str, Option<&'a str>, &'a str);
    let people: [Person; 5] = [
        (ADMIN_EMAIL, "Ada", "Admin", "ADMIN", None, &admin_password),
        (
            "user@demo.example",
            "Uma",
            "User",
            "USER",
            None,
            &others_password,
        ),
        (
            "provider@demo.example",
            "Piotr",
            "Provider",
            "SERVICE_PROVIDER",
            Some(PROVIDER_TENANT),
            &others_password,
        ),
        (
            "issuer@demo.example",
            "Iris",
            "Issuer",
            "ISSUER",
            Some(ISSUER_TENANT),
            &others_password,
        ),
        (
            "callcenter@demo.example",
            "Carl",
            "Center",
            "CALL_CENTER",
            None,
            &others_password,
        ),
    ];
    for (email, first, last, role, tenant, pw) in people {
        users::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            email: Set(email.into()),
            first_name: Set(first.into()),
            last_name: Set(last.into()),
            role: Set(role.into()),
            tenant_id: Set(tenant.map(str::to_owned)),
            password_hash: Set(password::hash(b, pw.to_owned()).await?),
            disabled: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&b.db)
        .await?;
    }
    seed_places(b, now).await?;
    super::demo_world::seed(b, now).await?;
    let pairing_code = Some((
        READY_TERMINAL.to_owned(),
        issue_code(b, READY_TERMINAL, now).await?,
    ));
    Ok(DemoReport {
        created: true,
        admin_email: ADMIN_EMAIL.into(),
        admin_password: Some(admin_password),
        other_users_password: Some(others_password),
        pairing_code,
    })
}

async fn seed_places(b: &Backend, now: i64) -> ServiceResult<()> {
    let places = [
        (
            LOC_WAW_LOUNGE,
            "Warsaw Chopin Lounge",
            "POL",
            "LOUNGE",
            "02-235",
            "Warsaw",
            Some("Żwirki i Wigury 1"),
            Some(60),
            Some(PROVIDER_TENANT),
            "Europe/Warsaw",
        ),
        (
            LOC_WAW_FAST,
            "Warsaw Chopin Fast Line",
            "POL",
            "FAST_LINE",
            "02-235",
            "Warsaw",
            None,
            None,
            Some(PROVIDER_TENANT),
            "Europe/Warsaw",
        ),
        (
            LOC_BER_LOUNGE,
            "Berlin Brandenburg Lounge",
            "DEU",
            "LOUNGE",
            "12529",
            "Schönefeld",
            Some("Willy-Brandt-Platz"),
            Some(30),
            None,
            "Europe/Berlin",
        ),
        (
            LOC_BER_FAST,
            "Berlin Brandenburg Fast Line",
            "DEU",
            "FAST_LINE",
            "12529",
            "Schönefeld",
            None,
            None,
            None,
            "Europe/Berlin",
        ),
    ];
    for (id, name, country, service, postal, city, address, cooldown, tenant, tz) in places {
        locations::ActiveModel {
            id: Set(id.into()),
            name: Set(name.into()),
            country: Set(country.into()),
            service_code: Set(service.into()),
            postal_code: Set(postal.into()),
            city: Set(city.into()),
            address: Set(address.map(str::to_owned)),
            cooldown_minutes: Set(cooldown),
            capacity: Set(None),
            stay_minutes: Set(120),
            offline_allowed: Set(true),
            offline_max_per_card_per_day: Set(None),
            time_zone: Set(tz.into()),
            tenant_id: Set(tenant.map(str::to_owned)),
            created_at: Set(now),
            updated_at: Set(now),
            created_by: Set(ADMIN_EMAIL.into()),
            modified_by: Set(ADMIN_EMAIL.into()),
        }
        .insert(&b.db)
        .await?;
    }
    let terminals_at = [
        (READY_TERMINAL, LOC_WAW_LOUNGE, Some(PROVIDER_TENANT)),
        ("PAX-A920-DEMO0002", LOC_WAW_LOUNGE, Some(PROVIDER_TENANT)),
        ("PAX-A920-DEMO0003", LOC_WAW_FAST, Some(PROVIDER_TENANT)),
        ("ING-MOVE5000-DEMO4", LOC_BER_LOUNGE, None),
        ("ING-MOVE5000-DEMO5", LOC_BER_FAST, None),
    ];
    for (serial, loc, tenant) in terminals_at {
        terminals::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            serial_number: Set(serial.into()),
            location_id: Set(Some(loc.into())),
            pairing_status: Set("NOT_PAIRED".into()),
            status: Set("active".into()),
            tenant_id: Set(tenant.map(str::to_owned)),
            device_model: Set(Some(
                if serial.starts_with("PAX") {
                    "PAX A920"
                } else {
                    "Ingenico Move/5000"
                }
                .into(),
            )),
            oem: Set(Some(
                if serial.starts_with("PAX") {
                    "PAX Technology"
                } else {
                    "Ingenico"
                }
                .into(),
            )),
            assigned: Set(false),
            settlement_enabled: Set(false),
            activated_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&b.db)
        .await?;
    }
    Ok(())
}

/// A pairing code for a demo terminal, as an operator would get it in the panel.
async fn issue_code(b: &Backend, serial: &str, now: i64) -> ServiceResult<String> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let t = terminals::Entity::find()
        .filter(terminals::Column::SerialNumber.eq(serial))
        .one(&b.db)
        .await?
        .ok_or(super::ServiceError::NotFound)?;
    let code = pairing::new_code();
    pairing_codes::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        terminal_id: Set(t.id),
        code_hash: Set(pairing::code_hash(b, serial, &code)),
        expires_at: Set(now + b.settings.pairing_code_ttl_secs * 1000),
        used_at: Set(None),
        created_by: Set(ADMIN_EMAIL.into()),
        created_at: Set(now),
    }
    .insert(&b.db)
    .await?;
    Ok(code)
}

fn random_password() -> String {
    password::generate()
}
