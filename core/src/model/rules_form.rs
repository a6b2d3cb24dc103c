//! The ruleset form as flat HTML fields (so it posts before WASM loads), and its conversion to
//! and from `RulesetDraft`. Field names are the draft's camelCase JSON paths, so the errors of
//! `RulesetDraft::build` land beside their inputs. Lists are typed as text: BIN ranges one per
//! line (`ICA FROM TO`), product codes and MCCs comma-separated; locations and services are
//! checkboxes named `loc.<id>` and `svc.<code>`.

use super::FieldError;
use crate::domain::ruleset::{
    BinRange, CardholderTermsDraft, GuestTermsDraft, Limit, LocationScope, MoneyInput,
    PaidTermsDraft, RulesetDraft, SpendControlDraft, TotalUsageCap,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::HashMap;

pub type FormMap = HashMap<String, String>;

/// Every plain key of the form (checkbox groups `loc.*`/`svc.*` come on top).
pub const FORM_KEYS: [&str; 45] = [
    "name",
    "description",
    "validFrom",
    "validTo",
    "issuerCountry",
    "productCodes",
    "binRanges",
    "locations.kind",
    "locations.country",
    "totalUsage.limit",
    "totalUsage.periodDays",
    "cardholder.free",
    "cardholder.free.count",
    "cardholder.periodDays",
    "cardholder.perLocationCap",
    "cardholder.paid",
    "cardholder.paid.limit",
    "cardholder.paid.price.amount",
    "cardholder.paid.price.currency",
    "adults.free",
    "adults.free.count",
    "adults.paid",
    "adults.paid.limit",
    "adults.paid.price.amount",
    "adults.paid.price.currency",
    "adults.maxPerEntry",
    "children.free",
    "children.free.count",
    "children.paid",
    "children.paid.limit",
    "children.paid.price.amount",
    "children.paid.price.currency",
    "children.maxPerEntry",
    "childFreeUnderAge",
    "spend",
    "spend.amount.amount",
    "spend.amount.currency",
    "spend.periodDays",
    "spend.mccs",
    "spend.graceDays",
    "rpm",
    "enrolledOnly",
    "totalUsage",
    "locations.ids",
    "services",
];

fn get<'a>(m: &'a FormMap, k: &str) -> &'a str {
    m.get(k).map(|s| s.trim()).unwrap_or("")
}

fn checked(m: &FormMap, k: &str) -> bool {
    !matches!(get(m, k), "" | "false" | "off")
}

fn opt_u32(m: &FormMap, k: &str, errs: &mut Vec<FieldError>) -> Option<u32> {
    let v = get(m, k);
    if v.is_empty() {
        return None;
    }
    match v.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            errs.push(FieldError::new(k, "must be a whole number"));
            None
        }
    }
}

/// Empty = unlimited.
fn limit(m: &FormMap, k: &str, errs: &mut Vec<FieldError>) -> Limit {
    match opt_u32(m, k, errs) {
        None => Limit::Unlimited,
        Some(n) => Limit::Count(n),
    }
}

fn date_time(m: &FormMap, k: &str, errs: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let v = get(m, k);
    if v.is_empty() {
        return None;
    }
    let parsed = DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
                .map(|n| n.and_utc())
        })
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|n| n.and_utc())
        });
    if parsed.is_none() {
        errs.push(FieldError::new(k, "enter a date and time (UTC)"));
    }
    parsed
}

fn list(v: &str) -> Vec<String> {
    v.split([',', ' ', '\n'])
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty())
        .collect()
}

fn money(m: &FormMap, path: &str) -> Option<MoneyInput> {
    let amount = get(m, &format!("{path}.amount")).to_owned();
    let currency = get(m, &format!("{path}.currency")).to_uppercase();
    (!amount.is_empty() || !currency.is_empty()).then_some(MoneyInput { amount, currency })
}

fn paid(m: &FormMap, path: &str, errs: &mut Vec<FieldError>) -> Option<PaidTermsDraft> {
    checked(m, &format!("{path}.paid")).then(|| PaidTermsDraft {
        price: money(m, &format!("{path}.paid.price")),
        limit: limit(m, &format!("{path}.paid.limit"), errs),
    })
}

fn free(m: &FormMap, path: &str, errs: &mut Vec<FieldError>) -> Option<Limit> {
    checked(m, &format!("{path}.free")).then(|| limit(m, &format!("{path}.free.count"), errs))
}

fn guests(m: &FormMap, path: &str, errs: &mut Vec<FieldError>) -> GuestTermsDraft {
    GuestTermsDraft {
        free: free(m, path, errs),
        paid: paid(m, path, errs),
        max_per_entry: opt_u32(m, &format!("{path}.maxPerEntry"), errs).unwrap_or(0),
    }
}

/// The form's fields → the draft; text that is not even of the right type is reported here,
/// the rules themselves by `RulesetDraft::build`.
pub fn draft_from_form(m: &FormMap) -> Result<RulesetDraft, Vec<FieldError>> {
    let mut errs = Vec::new();
    let valid_from = date_time(m, "validFrom", &mut errs);
    if valid_from.is_none() && get(m, "validFrom").is_empty() {
        errs.push(FieldError::new("validFrom", "required"));
    }
    let valid_to = date_time(m, "validTo", &mut errs);
    let mut bin_ranges = Vec::new();
    for (i, line) in get(m, "binRanges")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|p| !p.is_empty())
            .collect();
        match parts.as_slice() {
            [ica, from, to] => bin_ranges.push(BinRange {
                ica: ica.to_string(),
                from: from.to_string(),
                to: to.to_string(),
            }),
            [ica, range] if range.contains('-') => {
                let (from, to) = range.split_once('-').unwrap_or((range, range));
                bin_ranges.push(BinRange {
                    ica: ica.to_string(),
                    from: from.to_string(),
                    to: to.to_string(),
                })
            }
            _ => errs.push(FieldError::new(
                format!("binRanges[{i}]"),
                "write each range as: ICA FROM TO",
            )),
        }
    }
    let locations = if get(m, "locations.kind") == "country" {
        LocationScope::Country {
            country: get(m, "locations.country").to_uppercase(),
        }
    } else {
        let mut ids = Vec::new();
        let mut keys: Vec<&String> = m.keys().filter(|k| k.starts_with("loc.")).collect();
        keys.sort();
        for k in keys {
            if checked(m, k) {
                match uuid::Uuid::parse_str(&k[4..]) {
                    Ok(u) => ids.push(u),
                    Err(_) => errs.push(FieldError::new("locations.ids", "unknown location")),
                }
            }
        }
        LocationScope::Locations { ids }
    };
    let mut services: Vec<String> = m
        .keys()
        .filter(|k| k.starts_with("svc.") && checked(m, k))
        .map(|k| k[4..].to_owned())
        .collect();
    services.sort();
    let total_usage = if checked(m, "totalUsage") || !get(m, "totalUsage.limit").is_empty() {
        opt_u32(m, "totalUsage.limit", &mut errs).map(|limit| TotalUsageCap {
            limit,
            period_days: opt_u32(m, "totalUsage.periodDays", &mut errs),
        })
    } else {
        None
    };
    let cardholder = CardholderTermsDraft {
        free: free(m, "cardholder", &mut errs),
        paid: paid(m, "cardholder", &mut errs),
        period_days: opt_u32(m, "cardholder.periodDays", &mut errs),
        per_location_cap: opt_u32(m, "cardholder.perLocationCap", &mut errs),
    };
    let adults = guests(m, "adults", &mut errs);
    let children = guests(m, "children", &mut errs);
    let child_free_under_age = match opt_u32(m, "childFreeUnderAge", &mut errs) {
        None => None,
        Some(n) if n <= 255 => Some(n as u8),
        Some(_) => {
            errs.push(FieldError::new("childFreeUnderAge", "between 1 and 17"));
            None
        }
    };
    let spend = checked(m, "spend").then(|| SpendControlDraft {
        amount: money(m, "spend.amount"),
        period_days: opt_u32(m, "spend.periodDays", &mut errs).unwrap_or(0),
        mccs: list(get(m, "spend.mccs")),
        grace_days: opt_u32(m, "spend.graceDays", &mut errs).unwrap_or(0),
    });
    let issuer_country = Some(get(m, "issuerCountry").to_uppercase()).filter(|s| !s.is_empty());
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(RulesetDraft {
        name: get(m, "name").to_owned(),
        description: get(m, "description").to_owned(),
        valid_from: valid_from.unwrap_or_default(),
        valid_to,
        issuer_country,
        product_codes: list(get(m, "productCodes")),
        bin_ranges,
        locations,
        services,
        total_usage,
        cardholder,
        adults,
        children,
        child_free_under_age,
        spend,
        rpm: checked(m, "rpm"),
        enrolled_only: checked(m, "enrolledOnly"),
    })
}

/// Everything the browser can check: the form's types, then the draft's own rules.
pub fn check_form(m: &FormMap) -> Vec<FieldError> {
    match draft_from_form(m) {
        Err(e) => e,
        // No clock in the browser: the creation time only labels the built ruleset.
        Ok(d) => match d.build(uuid::Uuid::nil(), 1, DateTime::<Utc>::UNIX_EPOCH) {
            Ok(_) => vec![],
            Err(e) => e.into_iter().map(FieldError::from).collect(),
        },
    }
}

fn put_limit(m: &mut FormMap, k: &str, l: &Limit) {
    if let Limit::Count(n) = l {
        m.insert(k.to_owned(), n.to_string());
    }
}

fn put_paid(m: &mut FormMap, path: &str, p: &Option<PaidTermsDraft>) {
    if let Some(p) = p {
        m.insert(format!("{path}.paid"), "on".into());
        put_limit(m, &format!("{path}.paid.limit"), &p.limit);
        if let Some(price) = &p.price {
            m.insert(format!("{path}.paid.price.amount"), price.amount.clone());
            m.insert(
                format!("{path}.paid.price.currency"),
                price.currency.clone(),
            );
        }
    }
}

fn put_free(m: &mut FormMap, path: &str, f: &Option<Limit>) {
    if let Some(l) = f {
        m.insert(format!("{path}.free"), "on".into());
        put_limit(m, &format!("{path}.free.count"), l);
    }
}

fn fmt_dt(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

/// The draft → the form's fields (to edit a ruleset).
pub fn form_from_draft(d: &RulesetDraft) -> FormMap {
    let mut m = FormMap::new();
    m.insert("name".into(), d.name.clone());
    m.insert("description".into(), d.description.clone());
    m.insert("validFrom".into(), fmt_dt(d.valid_from));
    if let Some(t) = d.valid_to {
        m.insert("validTo".into(), fmt_dt(t));
    }
    if let Some(c) = &d.issuer_country {
        m.insert("issuerCountry".into(), c.clone());
    }
    m.insert("productCodes".into(), d.product_codes.join(", "));
    m.insert(
        "binRanges".into(),
        d.bin_ranges
            .iter()
            .map(|b| format!("{} {} {}", b.ica, b.from, b.to))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    match &d.locations {
        LocationScope::Locations { ids } => {
            m.insert("locations.kind".into(), "locations".into());
            for id in ids {
                m.insert(format!("loc.{id}"), "on".into());
            }
        }
        LocationScope::Country { country } => {
            m.insert("locations.kind".into(), "country".into());
            m.insert("locations.country".into(), country.clone());
        }
    }
    for s in &d.services {
        m.insert(format!("svc.{s}"), "on".into());
    }
    if let Some(t) = &d.total_usage {
        m.insert("totalUsage".into(), "on".into());
        m.insert("totalUsage.limit".into(), t.limit.to_string());
        if let Some(p) = t.period_days {
            m.insert("totalUsage.periodDays".into(), p.to_string());
        }
    }
    put_free(&mut m, "cardholder", &d.cardholder.free);
    put_paid(&mut m, "cardholder", &d.cardholder.paid);
    if let Some(p) = d.cardholder.period_days {
        m.insert("cardholder.periodDays".into(), p.to_string());
    }
    if let Some(p) = d.cardholder.per_location_cap {
        m.insert("cardholder.perLocationCap".into(), p.to_string());
    }
    for (path, g) in [("adults", &d.adults), ("children", &d.children)] {
        put_free(&mut m, path, &g.free);
        put_paid(&mut m, path, &g.paid);
        m.insert(format!("{path}.maxPerEntry"), g.max_per_entry.to_string());
    }
    if let Some(a) = d.child_free_under_age {
        m.insert("childFreeUnderAge".into(), a.to_string());
    }
    if let Some(s) = &d.spend {
        m.insert("spend".into(), "on".into());
        if let Some(a) = &s.amount {
            m.insert("spend.amount.amount".into(), a.amount.clone());
            m.insert("spend.amount.currency".into(), a.currency.clone());
        }
        m.insert("spend.periodDays".into(), s.period_days.to_string());
        m.insert("spend.mccs".into(), s.mccs.join(", "));
        m.insert("spend.graceDays".into(), s.grace_days.to_string());
    }
    if d.rpm {
        m.insert("rpm".into(), "on".into());
    }
    if d.enrolled_only {
        m.insert("enrolledOnly".into(), "on".into());
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> FormMap {
        let mut m = FormMap::new();
        for (k, v) in [
            ("name", "Gold"),
            ("validFrom", "2026-01-01T00:00"),
            ("validTo", "2027-01-01T00:00"),
            ("issuerCountry", "pol"),
            ("productCodes", "MCG, mcw"),
            ("binRanges", "1234 541234 541299\n1234 541300-541399"),
            ("locations.kind", "country"),
            ("locations.country", "POL"),
            ("svc.LOUNGE", "on"),
            ("cardholder.free", "on"),
            ("cardholder.free.count", "3"),
            ("cardholder.periodDays", "365"),
            ("cardholder.paid", "on"),
            ("cardholder.paid.price.amount", "25.00"),
            ("cardholder.paid.price.currency", "EUR"),
            ("adults.maxPerEntry", "0"),
            ("children.maxPerEntry", "0"),
        ] {
            m.insert(k.into(), v.into());
        }
        m
    }

    #[test]
    fn form_round_trips_through_the_draft() {
        let d = draft_from_form(&form()).unwrap();
        assert_eq!(d.bin_ranges.len(), 2);
        assert_eq!(d.product_codes, ["MCG", "MCW"]);
        assert_eq!(d.cardholder.paid.as_ref().unwrap().limit, Limit::Unlimited);
        assert!(check_form(&form()).is_empty(), "{:?}", check_form(&form()));
        let back = draft_from_form(&form_from_draft(&d)).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn type_errors_and_rules_are_named_by_field() {
        let mut m = form();
        m.insert("cardholder.free.count".into(), "three".into());
        assert_eq!(check_form(&m)[0].field, "cardholder.free.count");
        let mut m = form();
        m.insert("validTo".into(), "2025-01-01T00:00".into());
        m.remove("cardholder.paid.price.amount");
        m.remove("cardholder.paid.price.currency");
        let fields: Vec<_> = check_form(&m).into_iter().map(|e| e.field).collect();
        assert!(fields.contains(&"validTo".to_owned()), "{fields:?}");
        assert!(
            fields.contains(&"cardholder.paid.price".to_owned()),
            "{fields:?}"
        );
    }
}
