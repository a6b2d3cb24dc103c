//! POS messages (seed: "Setting up POS messages"): the text a terminal shows beside a reject
//! code, per language. The built-in texts are the seed's English ones
//! ([`crate::domain::RejectCode::message`]); an Admin may override any code in any of the
//! [`POS_LANGUAGES`]. The terminal's `Accept-Language` header picks the language: the most
//! preferred language (by q-value, RFC 9110 §12.5.4) that has a text for the code, else English.

use super::FieldError;
use crate::domain::RejectCode;
use serde::{Deserialize, Serialize};

/// The languages an Admin can write messages in: ISO 639-1 code and English name. English is
/// the fallback and always has a text (the built-in one unless overridden).
pub const POS_LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("it", "Italian"),
    ("pl", "Polish"),
    ("nl", "Dutch"),
    ("pt", "Portuguese"),
    ("cs", "Czech"),
    ("sv", "Swedish"),
    ("ar", "Arabic"),
    ("ja", "Japanese"),
];

/// The fallback language.
pub const FALLBACK_LANGUAGE: &str = "en";

/// Longest message: terminal screens are small; the seed's longest text is 114 characters.
pub const POS_MESSAGE_MAX_CHARS: usize = 200;

pub fn is_pos_language(code: &str) -> bool {
    POS_LANGUAGES.iter().any(|(c, _)| *c == code)
}

pub fn language_name(code: &str) -> Option<&'static str> {
    POS_LANGUAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
}

/// The languages of an `Accept-Language` header, most preferred first: each range's primary
/// subtag, lowercased (`de-DE` → `de`), ordered by q-value (a stable sort, so equal weights keep
/// the header's order), without ranges of `q=0` (RFC 9110: "not acceptable"), without `*`
/// (any language: the fallback serves it) and without duplicates (the first, heaviest, wins).
/// A malformed range or q-value is skipped, never an error: the terminal still gets an answer.
/// Bounded work: at most 1 KiB of the header and 32 ranges are read.
pub fn accept_language(header: &str) -> Vec<String> {
    let mut cut = header.len().min(1024);
    while !header.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut ranges: Vec<(u16, String)> = Vec::new();
    for item in header[..cut].split(',').take(32) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let mut q = Some(1000u16);
        for p in parts {
            let p = p.trim();
            if let Some(v) = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")) {
                q = qvalue(v.trim());
            }
        }
        let Some(q) = q else { continue };
        if q == 0 || tag.is_empty() || tag == "*" {
            continue;
        }
        let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        if !(1..=8).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
            continue;
        }
        ranges.push((q, primary));
    }
    ranges.sort_by_key(|r| std::cmp::Reverse(r.0));
    let mut out: Vec<String> = Vec::new();
    for (_, l) in ranges {
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

/// An RFC 9110 qvalue (`0`, `0.5`, `1.000`, at most three decimals) in thousandths.
fn qvalue(v: &str) -> Option<u16> {
    let (int, frac) = match v.split_once('.') {
        Some((i, f)) => (i, f),
        None => (v, ""),
    };
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = 0;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u16::from(b - b'0') * [100, 10, 1][i];
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// Validate a message an Admin typed: 1–200 characters, one line, no control characters
/// anywhere (a terminal prints it as is), not only spaces. Checked on the text as sent — not
/// after trimming — so the API document's `maxLength` and `pattern` state the exact rule;
/// the stored text is trimmed.
pub fn check_pos_message(field: &str, message: &str) -> Result<String, FieldError> {
    if message.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "One line without control characters (tabs, line breaks).",
        ));
    }
    if message.chars().count() > POS_MESSAGE_MAX_CHARS {
        return Err(FieldError::new(
            field,
            format!("At most {POS_MESSAGE_MAX_CHARS} characters."),
        ));
    }
    let m = message.trim();
    if m.is_empty() {
        return Err(FieldError::new(
            field,
            "Enter the message the terminal shows.",
        ));
    }
    Ok(m.to_owned())
}

/// A reject code as written in a path or form: the exact wire code.
pub fn check_reject_code(field: &str, code: &str) -> Result<RejectCode, FieldError> {
    RejectCode::parse(code)
        .ok_or_else(|| FieldError::new(field, "Unknown reject code (see POS-API.md)."))
}

/// The JSON Schema pattern of a message: no control character (Unicode `Cc`, what
/// [`char::is_control`] refuses).
pub const POS_MESSAGE_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// Validate a language code of the admin API: one of [`POS_LANGUAGES`].
pub fn check_language(field: &str, language: &str) -> Result<String, FieldError> {
    // Exact, lower-case codes only: the API document's enum states the rule, and a lenient
    // match ("DE", " de") would accept what the document calls invalid.
    if is_pos_language(language) {
        Ok(language.to_owned())
    } else {
        let known: Vec<&str> = POS_LANGUAGES.iter().map(|(c, _)| *c).collect();
        Err(FieldError::new(
            field,
            format!("One of the supported languages: {}.", known.join(", ")),
        ))
    }
}

/// One reject code in one language, as the panel and the admin API show it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PosMessageView {
    /// The wire reject code.
    pub code: String,
    /// ISO 639-1.
    pub language: String,
    /// What a terminal asking for this language gets for this code: the override, else (for
    /// a language without one) the English text.
    pub message: String,
    /// The built-in (seed) English text, the message after a reset.
    pub default_message: String,
    /// Whether an Admin set this code's text in this language.
    pub custom: bool,
    /// Epoch ms of the last change (custom only).
    pub updated_at: Option<i64>,
    /// The user id of the Admin who changed it (custom only).
    pub updated_by: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PosMessageInput {
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PosMessageFilter {
    /// Only this language (ISO 639-1); all supported languages when empty.
    pub language: Option<String>,
}

/// What a terminal sending `accept_language` sees for `code`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PosMessagePreview {
    pub code: String,
    pub accept_language: String,
    /// The language the message is in (also the answer's `Content-Language`).
    pub language: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_values_order_the_languages() {
        assert_eq!(accept_language("de-DE,de;q=0.9"), vec!["de"]);
        assert_eq!(
            accept_language("fr;q=0.5, pl;q=0.8, en;q=0.1"),
            vec!["pl", "fr", "en"]
        );
        assert_eq!(accept_language("en;q=0, de"), vec!["de"]);
        assert_eq!(accept_language("*, it;q=0.2"), vec!["it"]);
        assert_eq!(accept_language("es, fr"), vec!["es", "fr"]);
        assert_eq!(accept_language("PT-br;Q=1.000"), vec!["pt"]);
    }

    #[test]
    fn malformed_ranges_are_skipped() {
        assert_eq!(
            accept_language("de;q=2, fr;q=0.1234, it;q=x, pl"),
            vec!["pl"]
        );
        assert_eq!(accept_language(""), Vec::<String>::new());
        assert_eq!(accept_language(";;,,"), Vec::<String>::new());
        assert_eq!(accept_language("d3-x, sv"), vec!["sv"]);
        let long = "de,".repeat(5000);
        assert_eq!(accept_language(&long), vec!["de"]);
        assert_eq!(
            accept_language("ü".repeat(700).as_str()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn messages_are_validated() {
        assert_eq!(check_pos_message("m", "  Hallo  ").unwrap(), "Hallo");
        assert!(check_pos_message("m", " ").is_err());
        assert!(check_pos_message("m", "a\nb").is_err());
        assert!(
            check_pos_message("m", "Hallo\n").is_err(),
            "a trailing line break is refused"
        );
        assert!(
            check_pos_message("m", "a\u{85}b").is_err(),
            "C1 controls too"
        );
        assert!(check_pos_message("m", &format!(" {} ", "x".repeat(199))).is_err());
        assert!(check_pos_message("m", &"x".repeat(201)).is_err());
        assert!(check_pos_message("m", &"ß".repeat(200)).is_ok());
        assert!(check_reject_code("code", "LIMIT_EXCEEDED").is_ok());
        assert!(check_reject_code("code", "NOPE").is_err());
        assert_eq!(check_language("language", "de").unwrap(), "de");
        assert!(check_language("language", "DE").is_err());
        assert!(check_language("language", " de").is_err());
        assert!(check_language("language", "xx").is_err());
    }
}
