//! The payment processors the platform knows. The seed addresses a processor by "UUID or
//! code" but defines no endpoint to manage them, so the registry is static: each has a fixed
//! UUID and a lower-case code (the code is what `processor_mappings.processor_id` and
//! `terminal_id_inventory.processor_id` store).

use super::ids;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Processor {
    pub id: &'static str,
    pub code: &'static str,
    pub name: &'static str,
}

pub const ALL: &[Processor] = &[
    Processor {
        id: "5a1c0000-0000-4000-8000-000000000001",
        code: "nibss",
        name: "NIBSS",
    },
    Processor {
        id: "5a1c0000-0000-4000-8000-000000000002",
        code: "interswitch",
        name: "Interswitch",
    },
    Processor {
        id: "5a1c0000-0000-4000-8000-000000000003",
        code: "upsl",
        name: "Unified Payment Services",
    },
    Processor {
        id: "5a1c0000-0000-4000-8000-000000000004",
        code: "etranzact",
        name: "eTranzact",
    },
];

/// A processor by code (any case), UUID, or `proc_<uuid>`.
pub fn find(input: &str) -> Option<&'static Processor> {
    let s = input.trim();
    if let Some(uuid) = ids::parse(s, ids::PROCESSOR) {
        return ALL.iter().find(|p| p.id == uuid);
    }
    ALL.iter().find(|p| p.code.eq_ignore_ascii_case(s))
}

/// A processor by its stored code.
pub fn by_code(code: &str) -> Option<&'static Processor> {
    ALL.iter().find(|p| p.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_code_uuid_and_prefixed_uuid() {
        assert_eq!(find("NIBSS").map(|p| p.code), Some("nibss"));
        assert_eq!(
            find("5a1c0000-0000-4000-8000-000000000002").map(|p| p.code),
            Some("interswitch")
        );
        assert_eq!(
            find("proc_5a1c0000-0000-4000-8000-000000000003").map(|p| p.code),
            Some("upsl")
        );
        assert!(find("visa").is_none());
        assert!(find("5a1c0000-0000-4000-8000-0000000000ff").is_none());
    }
}
