//! Reference data an operator maintains: the BIN table and FX rates, with their CSV formats.
//!
//! BIN CSV: `bin_from,bin_to,ica,issuer_name,issuer_country,product_code` (header optional).
//! FX CSV: `rate_date,base_currency,quote_currency,rate` (header optional), `rate` a decimal
//! number of quote units per base unit.

use super::FieldError;
use crate::domain::money::Currency;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinRangeView {
    pub id: String,
    pub bin_from: String,
    pub bin_to: String,
    pub ica: String,
    pub issuer_name: String,
    pub issuer_country: String,
    pub product_code: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BinRow {
    pub bin_from: String,
    pub bin_to: String,
    pub ica: String,
    pub issuer_name: String,
    pub issuer_country: String,
    pub product_code: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BinFilter {
    /// A BIN (6–8 digits) the range must contain, or a prefix of its start.
    pub bin: Option<String>,
    pub ica: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FxRateView {
    pub id: String,
    pub rate_date: String,
    pub base_currency: String,
    pub quote_currency: String,
    pub rate: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FxRow {
    pub rate_date: String,
    pub base_currency: String,
    pub quote_currency: String,
    pub rate: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FxFilter {
    pub date: Option<String>,
    pub currency: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FxRateInput {
    pub rate: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub imported: u64,
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn cells(line: &str) -> Vec<String> {
    line.split(',')
        .map(|c| c.trim().trim_matches('"').trim().to_owned())
        .collect()
}

fn lines(csv: &str) -> impl Iterator<Item = (usize, &str)> {
    csv.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}

/// Checks one BIN row; errors are named `line[N].column` (N = line number in the file).
pub fn check_bin_row(n: usize, r: &BinRow) -> Vec<FieldError> {
    let f = |c: &str| format!("line[{n}].{c}");
    let mut e = Vec::new();
    let len_ok = |s: &str| digits(s) && (6..=8).contains(&s.len());
    if !len_ok(&r.bin_from) {
        e.push(FieldError::new(f("bin_from"), "6–8 digits"));
    }
    if !len_ok(&r.bin_to) {
        e.push(FieldError::new(f("bin_to"), "6–8 digits"));
    } else if r.bin_to.len() != r.bin_from.len() {
        e.push(FieldError::new(f("bin_to"), "same length as bin_from"));
    } else if r.bin_to < r.bin_from {
        e.push(FieldError::new(f("bin_to"), "not before bin_from"));
    }
    if !digits(&r.ica) || r.ica.len() > 11 {
        e.push(FieldError::new(f("ica"), "1–11 digits"));
    }
    if r.issuer_name.is_empty() || r.issuer_name.chars().count() > 200 {
        e.push(FieldError::new(f("issuer_name"), "1–200 characters"));
    }
    if r.issuer_country.len() != 3 || !r.issuer_country.bytes().all(|b| b.is_ascii_uppercase()) {
        e.push(FieldError::new(
            f("issuer_country"),
            "ISO 3166 alpha-3, e.g. POL",
        ));
    }
    if r.product_code.len() != 3 || !r.product_code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        e.push(FieldError::new(f("product_code"), "3 characters, e.g. MCG"));
    }
    e
}

pub fn parse_bin_csv(csv: &str) -> Result<Vec<BinRow>, Vec<FieldError>> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in lines(csv) {
        let c = cells(line);
        if c.first()
            .is_some_and(|h| h.eq_ignore_ascii_case("bin_from"))
        {
            continue;
        }
        if c.len() != 6 {
            errors.push(FieldError::new(
                format!("line[{n}]"),
                "expected 6 columns: bin_from,bin_to,ica,issuer_name,issuer_country,product_code",
            ));
            continue;
        }
        let row = BinRow {
            bin_from: c[0].clone(),
            bin_to: c[1].clone(),
            ica: c[2].clone(),
            issuer_name: c[3].clone(),
            issuer_country: c[4].to_uppercase(),
            product_code: c[5].to_uppercase(),
        };
        errors.extend(check_bin_row(n, &row));
        rows.push(row);
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("csv", "no rows"));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// A positive decimal rate, normalized.
pub fn check_rate(field: &str, rate: &str) -> Result<String, FieldError> {
    match rate.trim().parse::<rust_decimal::Decimal>() {
        Ok(d) if d > rust_decimal::Decimal::ZERO => Ok(d.normalize().to_string()),
        _ => Err(FieldError::new(
            field,
            "a positive decimal number, e.g. 4.3215",
        )),
    }
}

pub fn parse_fx_csv(csv: &str) -> Result<Vec<FxRow>, Vec<FieldError>> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in lines(csv) {
        let c = cells(line);
        if c.first()
            .is_some_and(|h| h.eq_ignore_ascii_case("rate_date"))
        {
            continue;
        }
        let f = |col: &str| format!("line[{n}].{col}");
        if c.len() != 4 {
            errors.push(FieldError::new(
                format!("line[{n}]"),
                "expected 4 columns: rate_date,base_currency,quote_currency,rate",
            ));
            continue;
        }
        if chrono::NaiveDate::parse_from_str(&c[0], "%Y-%m-%d").is_err() {
            errors.push(FieldError::new(f("rate_date"), "YYYY-MM-DD"));
        }
        let base = c[1].to_uppercase();
        let quote = c[2].to_uppercase();
        for (col, code) in [("base_currency", &base), ("quote_currency", &quote)] {
            if Currency::from_code(code).is_err() {
                errors.push(FieldError::new(f(col), "unknown ISO 4217 currency"));
            }
        }
        if base == quote {
            errors.push(FieldError::new(
                f("quote_currency"),
                "differs from the base currency",
            ));
        }
        let rate = match check_rate(&f("rate"), &c[3]) {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        rows.push(FxRow {
            rate_date: c[0].clone(),
            base_currency: base,
            quote_currency: quote,
            rate,
        });
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("csv", "no rows"));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_csv_rows_and_errors() {
        let ok = "bin_from,bin_to,ica,issuer_name,issuer_country,product_code\n541234,541299,1234,Demo Bank,pol,mcg\n";
        let rows = parse_bin_csv(ok).unwrap();
        assert_eq!(rows[0].issuer_country, "POL");
        let bad = "5412,541299,12a4,,PL,MC\n541299,541234,1,X,POL,MCG\nshort,row";
        let fields: Vec<_> = parse_bin_csv(bad)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "line[1].bin_from",
                "line[1].bin_to",
                "line[1].ica",
                "line[1].issuer_name",
                "line[1].issuer_country",
                "line[1].product_code",
                "line[2].bin_to",
                "line[3]"
            ]
        );
    }

    #[test]
    fn fx_csv_rows_and_errors() {
        let rows =
            parse_fx_csv("rate_date,base_currency,quote_currency,rate\n2026-11-01,eur,PLN,4.3000")
                .unwrap();
        assert_eq!(rows[0].rate, "4.3");
        let fields: Vec<_> = parse_fx_csv("2026-13-01,EUR,EUR,-1\n2026-11-01,QQQ,PLN,1")
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "line[1].rate_date",
                "line[1].quote_currency",
                "line[1].rate",
                "line[2].base_currency"
            ]
        );
    }
}
