//! Card numbers: validation (12–19 digits, Luhn), masking, BIN extraction, and the card's
//! profile from the BIN table.
//!
//! A [`Pan`] never prints its digits: `Debug` and `Display` show the masked form, and it has no
//! serde impls, so it cannot end up in a log line or a JSON body by accident.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a card number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PanError {
    #[error("card number must be 12 to 19 digits, got {0}")]
    Length(usize),
    #[error("card number must contain digits only")]
    NonDigit,
    #[error("card number fails the Luhn check")]
    Luhn,
}

/// A validated primary account number (digits only).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Pan(String);

impl Pan {
    /// Accepts exactly 12–19 ASCII digits passing the Luhn check (no spaces or dashes).
    pub fn parse(s: &str) -> Result<Pan, PanError> {
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PanError::NonDigit);
        }
        if !(12..=19).contains(&s.len()) {
            return Err(PanError::Length(s.len()));
        }
        if !luhn_valid(s) {
            return Err(PanError::Luhn);
        }
        Ok(Pan(s.to_string()))
    }

    /// The digits in clear: only for hashing and for the acquirer call.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// First 6, `******`, last 4 (`541234******1234`).
    pub fn masked(&self) -> String {
        mask_pan(&self.0)
    }

    /// The first `n` digits (6 = the classic BIN; 8 = the BIN for range matching). `n` is
    /// capped at 8 (the PAN has at least 12 digits, so 8 are always there).
    pub fn bin(&self, n: usize) -> &str {
        &self.0[..n.min(8)]
    }

    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

impl fmt::Debug for Pan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pan({})", self.masked())
    }
}

impl fmt::Display for Pan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// The Luhn (mod 10) check over a digit string; false for anything not all digits or empty.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() {
        return false;
    }
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = (b - b'0') as u32;
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    matches!(sum % 10, 0)
}

/// Masks a card number: at most the first 6 and the last 4 digits stay, and always at least 6
/// digits are hidden (PCI DSS req. 3.4), so a short PAN shows fewer leading digits: 16 digits
/// or more → first 6 + last 4; 15 → 5 + 4; 14 → 4 + 4; 13 → 3 + 4; 12 → 2 + 4; 10–11 →
/// 0–1 + 4. The hidden part is always `******` (the length is not told). Input shorter than 10
/// characters, or not ASCII, is fully masked (never echo a short input back).
pub fn mask_pan(digits: &str) -> String {
    if digits.len() < 10 || !digits.is_ascii() {
        return "*".repeat(digits.chars().count().max(4));
    }
    let first = digits.len().saturating_sub(10).min(6);
    format!("{}******{}", &digits[..first], &digits[digits.len() - 4..])
}

/// A card number as request types print it in `Debug`: masked by [`mask_pan`] over its digits
/// (spaces and dashes dropped), never in clear.
pub struct MaskedPan<'a>(pub &'a str);

impl fmt::Debug for MaskedPan<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits: String = self.0.chars().filter(char::is_ascii_digit).collect();
        // Anything besides digits, spaces and dashes is not echoed at all.
        let clean = self
            .0
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
        if clean {
            write!(f, "{:?}", mask_pan(&digits))
        } else {
            f.write_str("\"<redacted>\"")
        }
    }
}

/// What the BIN table says about a card, plus the card's leading digits.
///
/// `bin` holds the PAN's first 8 digits ([`Pan::bin`]`(8)`); ruleset BIN ranges (6–8 digits)
/// compare against its first that-many digits. A shorter `bin` only matches ranges no longer
/// than itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardProfile {
    pub bin: String,
    pub ica: String,
    pub issuer_name: String,
    /// ISO 3166 alpha-3, as the locations' countries.
    pub issuer_country: String,
    /// Mastercard product code, 3 characters (`MCG`, `MCW`, `MCB`, …).
    pub product_code: String,
    /// Enrolled in MRS now (not unenrolled): what "enrolled cards only" rulesets ask for.
    #[serde(default)]
    pub enrolled: bool,
}

impl CardProfile {
    /// The card's first `len` digits, if it has that many.
    pub fn bin_prefix(&self, len: usize) -> Option<&str> {
        self.bin.get(..len)
    }
}

/// ICA numbers compare without leading zeros (`"001234"` is `"1234"`).
pub fn same_ica(a: &str, b: &str) -> bool {
    a == b || a.trim_start_matches('0') == b.trim_start_matches('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pan_validation_table() {
        let cases: &[(&str, Result<(), PanError>)] = &[
            ("5412345678901232", Ok(())),
            ("4111111111111111", Ok(())),
            ("378282246310005", Ok(())),
            ("5412345678901234", Err(PanError::Luhn)),
            ("541234567890", Err(PanError::Luhn)),
            ("541234567892", Ok(())), // 12 digits
            ("541234567899", Err(PanError::Luhn)),
            ("4111111111111111110", Ok(())), // 19 digits
            ("4111111111111111113", Err(PanError::Luhn)),
            ("41111111111", Err(PanError::Length(11))),
            ("41111111111111111111", Err(PanError::Length(20))),
            ("5412 3456 7890 1232", Err(PanError::NonDigit)),
            ("541234567890123a", Err(PanError::NonDigit)),
            ("", Err(PanError::Length(0))),
        ];
        for (s, want) in cases {
            assert_eq!(Pan::parse(s).map(|_| ()), *want, "{s:?}");
        }
    }

    #[test]
    fn masking_and_bin() {
        let p = Pan::parse("5412345678901232").unwrap();
        assert_eq!(p.masked(), "541234******1232");
        assert_eq!(format!("{p:?}"), "Pan(541234******1232)");
        assert_eq!(p.to_string(), "541234******1232");
        assert_eq!(p.bin(6), "541234");
        assert_eq!(p.bin(8), "54123456");
        assert_eq!(p.bin(12), "54123456");
        assert_eq!(p.last4(), "1232");
        assert_eq!(mask_pan("123"), "****");
        // 12 digits: 2 + 4 shown, 6 hidden.
        assert_eq!(mask_pan("541234567899"), "54******7899");
    }

    #[test]
    fn short_pans_show_fewer_digits() {
        // (PAN, mask): never more than first 6 / last 4, never fewer than 6 digits hidden.
        for (pan, want) in [
            ("5412345678901234567", "541234******4567"),
            ("5412345678901232", "541234******1232"),
            ("541234567890123", "54123******0123"),
            ("54123456789012", "5412******9012"),
            ("5412345678901", "541******8901"),
            ("541234567890", "54******7890"),
            ("54123456789", "5******6789"),
            ("5412345678", "******5678"),
            ("541234567", "*********"),
        ] {
            let m = mask_pan(pan);
            assert_eq!(m, want, "{pan}");
            let shown = m.chars().filter(char::is_ascii_digit).count();
            assert!(shown <= 10 && pan.len() - shown >= 6, "{pan}: {m}");
        }
    }

    #[test]
    fn masked_pan_debug() {
        assert_eq!(
            format!("{:?}", MaskedPan("5412 3456 7890 1232")),
            "\"541234******1232\""
        );
        assert_eq!(
            format!("{:?}", MaskedPan("5412345678901")),
            "\"541******8901\""
        );
        assert_eq!(
            format!("{:?}", MaskedPan("x5412345678901232")),
            "\"<redacted>\""
        );
    }

    #[test]
    fn ica_compare() {
        assert!(same_ica("001234", "1234"));
        assert!(!same_ica("1234", "1235"));
    }

    #[test]
    fn luhn_rejects_non_digits() {
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("12a4"));
        assert!(luhn_valid("0"));
    }
}
