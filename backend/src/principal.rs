use super::error::{ServiceError, ServiceResult};
use access_core::model::{authz, Capability, Role, Scope};

/// The authenticated caller of a service: who, which role, which tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub user_id: String,
    pub email: String,
    pub role: Role,
    pub tenant_id: Option<String>,
    /// False while a role that must consent has not accepted the current documents.
    pub consent_ok: bool,
}

impl Principal {
    /// The single authorization gate: every service operation starts here.
    pub fn require(&self, cap: Capability) -> ServiceResult<Scope> {
        if !self.consent_ok && self.role.needs_consent() && cap != Capability::TermsView {
            return Err(ServiceError::ConsentRequired);
        }
        authz::allowed(self.role, cap).ok_or_else(|| {
            super::audit::note_denial(super::audit::Denial {
                user_id: self.user_id.clone(),
                role: self.role.as_str().to_owned(),
                capability: format!("{cap:?}"),
            });
            ServiceError::Forbidden
        })
    }

    /// The tenant a scoped permission is limited to (`None` = all data).
    pub fn scope_tenant(&self, scope: Scope) -> ServiceResult<Option<&str>> {
        match scope {
            Scope::All => Ok(None),
            // A scoped role without a tenant sees nothing rather than everything.
            Scope::OwnTenant => self
                .tenant_id
                .as_deref()
                .map(Some)
                .ok_or(ServiceError::Forbidden),
        }
    }
}
