//! Ids on the wire carry a type prefix as the seed shows them (`term_<uuid>`); the database
//! stores the bare UUID. Inputs are accepted in either form.

pub const TERMINAL: &str = "term_";
pub const TENANT: &str = "tenant_";
pub const MAPPING: &str = "map_";
pub const INVENTORY: &str = "inv_";
pub const SESSION: &str = "sess_";
pub const ASSIGNMENT: &str = "assign_";
pub const PROCESSOR: &str = "proc_";
pub const ADMIN: &str = "admin_";
pub const USER: &str = "user_";

/// The stored form of an id given as `<prefix><uuid>` or `<uuid>`; `None` when it is not one.
pub fn parse(input: &str, prefix: &str) -> Option<String> {
    let s = input.trim();
    let bare = s.strip_prefix(prefix).unwrap_or(s);
    uuid::Uuid::parse_str(bare)
        .ok()
        .map(|u| u.hyphenated().to_string())
}

/// The wire form of a stored id.
pub fn wire(prefix: &str, id: &str) -> String {
    format!("{prefix}{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_prefixed_and_bare() {
        let u = "550e8400-e29b-41d4-a716-446655440000";
        assert_eq!(parse(u, TERMINAL).as_deref(), Some(u));
        assert_eq!(parse(&format!("term_{u}"), TERMINAL).as_deref(), Some(u));
        assert_eq!(
            parse("550E8400-E29B-41D4-A716-446655440000", TERMINAL).as_deref(),
            Some(u)
        );
        assert_eq!(parse(&format!("inv_{u}"), TERMINAL), None);
        assert_eq!(parse("nope", TERMINAL), None);
        assert_eq!(wire(TERMINAL, u), format!("term_{u}"));
    }
}
