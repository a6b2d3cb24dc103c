//! The role table of `DOMAIN.md`, as data: one function decides what each role may do and
//! over which scope. Every server function and REST endpoint asks it through the backend's
//! `Principal::require`; the UI asks it only to hide what would be refused anyway.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Admin,
    User,
    ServiceProvider,
    Issuer,
    CallCenter,
}

impl Role {
    /// Every variant, from the derive: a new variant cannot be missing here.
    pub const ALL: &'static [Role] = <Role as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::User => "USER",
            Role::ServiceProvider => "SERVICE_PROVIDER",
            Role::Issuer => "ISSUER",
            Role::CallCenter => "CALL_CENTER",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::User => "User",
            Role::ServiceProvider => "Service Provider",
            Role::Issuer => "Issuer",
            Role::CallCenter => "Call Center",
        }
    }

    /// Roles tied to one tenant (their data is scoped to it).
    pub fn needs_tenant(self) -> bool {
        matches!(self, Role::ServiceProvider | Role::Issuer)
    }

    /// Roles that must accept the current T&C and Privacy Policy before anything else.
    pub fn needs_consent(self) -> bool {
        matches!(
            self,
            Role::ServiceProvider | Role::Issuer | Role::CallCenter
        )
    }
}

/// Everything a signed-in user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::VariantArray)]
pub enum Capability {
    UsersView,
    UsersManage,
    RulesetsView,
    RulesetsManage,
    LocationsView,
    LocationsManage,
    OperationsView,
    OperationsReverse,
    CardsView,
    /// Enrol and unenrol cards (the MRS feed's REST and CSV doors).
    CardsManage,
    ReportsExport,
    TermsView,
    TermsManage,
    DataView,
    DataManage,
    FleetApi,
    /// The audit log (Admin only).
    AuditView,
    /// The messages terminals show per reject code and language (Admin only).
    PosMessages,
}

impl Capability {
    /// Every variant, from the derive: a new variant cannot be missing here.
    pub const ALL: &'static [Capability] = <Capability as strum::VariantArray>::VARIANTS;
}

/// How much of the data a permission covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// Everything.
    All,
    /// Only the user's tenant: an issuer's ICAs, a service provider's locations.
    OwnTenant,
}

/// The role table (DOMAIN.md, "Roles"). `None` = refused (403).
pub fn allowed(role: Role, cap: Capability) -> Option<Scope> {
    use Capability::*;
    use Role::*;
    use Scope::*;
    match (role, cap) {
        (Admin, _) => Some(All),

        (User, UsersView) => Some(All),
        (User, FleetApi | UsersManage | AuditView | PosMessages) => None,
        (User, OperationsReverse | CardsManage) => None,
        (User, _) => Some(All),

        (ServiceProvider, RulesetsView) => Some(OwnTenant),
        (ServiceProvider, LocationsView | LocationsManage) => Some(OwnTenant),
        (ServiceProvider, OperationsView | OperationsReverse) => Some(OwnTenant),
        (ServiceProvider, ReportsExport) => Some(OwnTenant),
        (ServiceProvider, TermsView | DataView) => Some(All),
        (ServiceProvider, _) => None,

        (Issuer, RulesetsView | RulesetsManage) => Some(OwnTenant),
        (Issuer, LocationsView) => Some(All),
        (Issuer, OperationsView | CardsView | CardsManage | ReportsExport) => Some(OwnTenant),
        (Issuer, TermsView | DataView) => Some(All),
        (Issuer, _) => None,

        (CallCenter, RulesetsView | LocationsView | OperationsView | CardsView) => Some(All),
        (CallCenter, TermsView | DataView) => Some(All),
        (CallCenter, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for &r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("ROOT"), None);
    }

    #[test]
    fn only_admin_reaches_fleet_api_and_manages_users() {
        for &r in Role::ALL {
            assert_eq!(allowed(r, Capability::FleetApi).is_some(), r == Role::Admin);
            assert_eq!(
                allowed(r, Capability::UsersManage).is_some(),
                r == Role::Admin
            );
        }
    }

    #[test]
    fn scoped_roles_get_own_tenant_scope() {
        assert_eq!(
            allowed(Role::Issuer, Capability::RulesetsManage),
            Some(Scope::OwnTenant)
        );
        assert_eq!(
            allowed(Role::ServiceProvider, Capability::OperationsReverse),
            Some(Scope::OwnTenant)
        );
        assert_eq!(allowed(Role::CallCenter, Capability::ReportsExport), None);
    }
}
