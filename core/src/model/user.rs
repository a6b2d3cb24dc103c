use super::{FieldError, Role};
use serde::{Deserialize, Serialize};

/// A panel user as lists and forms show it (never the password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub tenant_id: Option<String>,
    pub tenant_name: Option<String>,
    pub created_at: i64,
    /// A disabled user cannot sign in; its sessions and tokens were revoked.
    #[serde(default)]
    pub disabled: bool,
    /// Set by a one-time password: the next sign-in must choose a new one.
    #[serde(default)]
    pub must_change_password: bool,
    /// Epoch ms of the last successful sign-in.
    #[serde(default)]
    pub last_sign_in_at: Option<i64>,
    /// Sign-in locked (too many failed attempts) until this epoch ms; an Admin can unlock.
    #[serde(default)]
    pub locked_until: Option<i64>,
}

/// The signed-in user, as the panel shell needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub tenant_id: Option<String>,
    pub consent_required: bool,
    /// True while the user signs in with a one-time password and must choose its own.
    #[serde(default)]
    pub password_change_required: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserFilter {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

/// Create or edit a user. On edit an empty password keeps the current one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserInput {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub role: String,
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

/// Self-service password change: the current password and the new one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

impl PasswordChange {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.current_password.is_empty() {
            errors.push(FieldError::new("current_password", "Required."));
        }
        if let Some(e) = password_problem(&self.new_password) {
            errors.push(FieldError::new("new_password", e));
        } else if self.new_password == self.current_password {
            errors.push(FieldError::new(
                "new_password",
                "Choose a password different from the current one.",
            ));
        }
        errors
    }
}

/// Why a new password is not acceptable, if it is not.
pub fn password_problem(p: &str) -> Option<String> {
    if p.chars().count() < MIN_PASSWORD_LEN {
        Some(format!("At least {MIN_PASSWORD_LEN} characters."))
    } else if p.len() > 1024 {
        Some("At most 1024 characters.".into())
    } else {
        None
    }
}

/// A one-time password, shown once to the admin who reset it (the user must change it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneTimePassword {
    pub user_id: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantView {
    pub id: String,
    pub name: String,
    pub kind: String,
}

pub const MIN_PASSWORD_LEN: usize = 12;

impl UserInput {
    /// Trimmed copy with the e-mail lower-cased and an empty tenant/password treated as none.
    pub fn normalized(&self) -> UserInput {
        let opt = |v: &Option<String>| {
            v.as_ref()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        UserInput {
            first_name: self.first_name.trim().to_string(),
            last_name: self.last_name.trim().to_string(),
            email: self.email.trim().to_lowercase(),
            role: self.role.trim().to_string(),
            tenant_id: opt(&self.tenant_id),
            password: self.password.clone().filter(|p| !p.is_empty()),
        }
    }

    /// Field checks that need no database; run in the browser and again on the server.
    /// `creating`: a new user must get a password.
    pub fn validate(&self, creating: bool) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let name_check = |field: &str, value: &str, errors: &mut Vec<FieldError>| {
            if value.is_empty() {
                errors.push(FieldError::new(field, "Required."));
            } else if value.chars().count() > 100 {
                errors.push(FieldError::new(field, "At most 100 characters."));
            }
        };
        name_check("first_name", &self.first_name, &mut errors);
        name_check("last_name", &self.last_name, &mut errors);
        if !is_plausible_email(&self.email) {
            errors.push(FieldError::new(
                "email",
                "Enter an e-mail address like name@example.com.",
            ));
        }
        match Role::parse(&self.role) {
            None => errors.push(FieldError::new("role", "Choose a role.")),
            Some(role) if role.needs_tenant() && self.tenant_id.is_none() => errors.push(
                FieldError::new("tenant_id", "This role needs a tenant (its organisation)."),
            ),
            Some(_) => {}
        }
        match &self.password {
            None if creating => errors.push(FieldError::new("password", "Required.")),
            Some(p) if p.chars().count() < MIN_PASSWORD_LEN => errors.push(FieldError::new(
                "password",
                format!("At least {MIN_PASSWORD_LEN} characters."),
            )),
            Some(p) if p.len() > 1024 => {
                errors.push(FieldError::new("password", "At most 1024 characters."))
            }
            _ => {}
        }
        errors
    }
}

pub fn is_plausible_email(email: &str) -> bool {
    if email.len() > 254 || email.chars().any(char::is_whitespace) {
        return false;
    }
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> UserInput {
        UserInput {
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            email: "ada@example.com".into(),
            role: "USER".into(),
            tenant_id: None,
            password: Some("correct horse battery".into()),
        }
    }

    #[test]
    fn valid_input_passes() {
        assert!(valid().validate(true).is_empty());
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut u = valid();
        u.first_name.clear();
        u.email = "nope".into();
        u.password = Some("short".into());
        let fields: Vec<_> = u.validate(true).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["first_name", "email", "password"]);
    }

    #[test]
    fn scoped_roles_need_a_tenant() {
        let mut u = valid();
        u.role = "ISSUER".into();
        assert_eq!(u.validate(true)[0].field, "tenant_id");
        u.tenant_id = Some("t1".into());
        assert!(u.validate(true).is_empty());
    }

    #[test]
    fn editing_may_keep_the_password() {
        let mut u = valid();
        u.password = None;
        assert!(u.validate(false).is_empty());
        assert_eq!(u.validate(true)[0].field, "password");
    }

    #[test]
    fn normalized_lowercases_email_and_drops_empty_options() {
        let mut u = valid();
        u.email = "  Ada@Example.COM ".into();
        u.tenant_id = Some(" ".into());
        let n = u.normalized();
        assert_eq!(n.email, "ada@example.com");
        assert_eq!(n.tenant_id, None);
    }
}
