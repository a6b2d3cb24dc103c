//! Storage access, one module per aggregate. Functions take any connection or transaction.

pub mod card_facts;
pub mod enrolled_cards;
pub mod locations;
pub mod mrs_sync_state;
pub mod offline;
pub mod operations;
pub mod ruleset_list;
pub mod rulesets;
pub mod sessions;
pub mod tenants;
pub mod throttle;
pub mod users;
pub mod velocity;

/// Escape `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern that matches a substring.
pub fn like_contains(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}
