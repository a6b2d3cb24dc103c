//! An entry's amounts, one per currency (each price of a ruleset has its own currency).
//! Stored as `total_minor` + `currency` (the first amount) and, when there are several,
//! `amounts` = `EUR:2500;PLN:20000` (see migration m0014).

use super::super::entity::operations;
use access_core::domain::{Currency, Money};

/// The `amounts` column for `list`: `None` for one currency or none.
pub fn encode(list: &[Money]) -> Option<String> {
    (list.len() > 1).then(|| {
        list.iter()
            .map(|m| format!("{}:{}", m.currency().code(), m.minor()))
            .collect::<Vec<_>>()
            .join(";")
    })
}

/// `total_minor`/`currency` of `list`: its first amount (zero in `fallback` when empty).
pub fn primary(list: &[Money], fallback: Currency) -> Money {
    list.first().copied().unwrap_or(Money::zero(fallback))
}

/// The amounts of a stored operation, one per currency (empty when nothing was paid).
pub fn of(o: &operations::Model) -> Vec<Money> {
    decode(o.total_minor, o.currency.as_deref(), o.amounts.as_deref())
}

pub fn decode(total_minor: i64, currency: Option<&str>, amounts: Option<&str>) -> Vec<Money> {
    if let Some(list) = amounts.filter(|a| !a.is_empty()) {
        let parsed: Option<Vec<Money>> = list
            .split(';')
            .map(|part| {
                let (c, m) = part.split_once(':')?;
                Some(Money::from_minor(
                    m.parse().ok()?,
                    Currency::from_code(c).ok()?,
                ))
            })
            .collect();
        if let Some(p) = parsed {
            return p;
        }
    }
    match currency.and_then(|c| Currency::from_code(c).ok()) {
        Some(c) if total_minor != 0 => vec![Money::from_minor(total_minor, c)],
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_old_rows() {
        let eur = Money::from_minor(2500, Currency::EUR);
        let pln = Money::from_minor(20_000, Currency::PLN);
        assert_eq!(encode(&[eur]), None);
        let s = encode(&[eur, pln]).unwrap();
        assert_eq!(s, "EUR:2500;PLN:20000");
        assert_eq!(decode(2500, Some("EUR"), Some(&s)), vec![eur, pln]);
        // A row written before m0014: the single total.
        assert_eq!(decode(2500, Some("EUR"), None), vec![eur]);
        assert_eq!(decode(0, Some("EUR"), None), vec![]);
    }
}
