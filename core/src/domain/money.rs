//! Money in ISO 4217 minor units, its wire decimal form, and FX conversion.
//!
//! * An amount is an `i64` count of the currency's minor units (cents; whole yen for JPY; fils
//!   for BHD/KWD), never a binary float.
//! * Wire form: `{"amount": "25.00", "currency": "EUR"}` — the amount is a decimal string with
//!   exactly the currency's minor-unit digits when formatted (`"2500"` for JPY). Parsing accepts
//!   up to that many fraction digits (`"25"`, `"25.5"`, `"25.50"` for EUR) and rejects more.
//! * FX conversion multiplies with [`rust_decimal::Decimal`] and rounds **half-up (midpoint
//!   away from zero)** to the target currency's minor units, once per converted amount. Half-up
//!   is what cardholders and issuers see on statements; banker's rounding is not used here.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Errors of currency codes, amounts and conversions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency code {0:?} (expected an ISO 4217 alpha-3 code such as EUR)")]
    UnknownCurrency(String),
    #[error("invalid amount {0:?} (expected a decimal such as 25.00)")]
    InvalidAmount(String),
    #[error("{currency} amounts have at most {digits} decimal places")]
    TooManyDecimals { currency: Currency, digits: u8 },
    #[error("amount out of range")]
    Overflow,
    #[error("currency mismatch: {0} vs {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("no FX rate from {from} to {to}")]
    NoRate { from: Currency, to: Currency },
}

/// An ISO 4217 currency known to the platform, with its number of minor-unit digits.
/// (One byte: an index into the sorted table; ordering is by code.)
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(u8);

struct Def {
    code: &'static str,
    digits: u8,
}

const fn def(code: &'static str, digits: u8) -> Def {
    Def { code, digits }
}

const fn index_of(code: &str) -> u8 {
    let b = code.as_bytes();
    let mut i = 0;
    while i < CURRENCIES.len() {
        let c = CURRENCIES[i].code.as_bytes();
        if c.len() == b.len() && c[0] == b[0] && c[1] == b[1] && c[2] == b[2] {
            return i as u8;
        }
        i += 1;
    }
    panic!("currency not in the table")
}

/// The supported currencies (ISO 4217 alpha-3, minor-unit digits), sorted by code.
const CURRENCIES: &[Def] = &[
    def("AED", 2),
    def("AUD", 2),
    def("BGN", 2),
    def("BHD", 3),
    def("BRL", 2),
    def("CAD", 2),
    def("CHF", 2),
    def("CNY", 2),
    def("CZK", 2),
    def("DKK", 2),
    def("EUR", 2),
    def("GBP", 2),
    def("HKD", 2),
    def("HUF", 2),
    def("ILS", 2),
    def("INR", 2),
    def("ISK", 0),
    def("JOD", 3),
    def("JPY", 0),
    def("KRW", 0),
    def("KWD", 3),
    def("MXN", 2),
    def("NOK", 2),
    def("NZD", 2),
    def("OMR", 3),
    def("PLN", 2),
    def("QAR", 2),
    def("RON", 2),
    def("SAR", 2),
    def("SEK", 2),
    def("SGD", 2),
    def("TND", 3),
    def("TRY", 2),
    def("UAH", 2),
    def("USD", 2),
    def("ZAR", 2),
];

impl Currency {
    pub const EUR: Currency = Currency(index_of("EUR"));
    pub const USD: Currency = Currency(index_of("USD"));
    pub const GBP: Currency = Currency(index_of("GBP"));
    pub const PLN: Currency = Currency(index_of("PLN"));
    pub const CHF: Currency = Currency(index_of("CHF"));
    pub const JPY: Currency = Currency(index_of("JPY"));
    pub const SEK: Currency = Currency(index_of("SEK"));
    pub const NOK: Currency = Currency(index_of("NOK"));
    pub const DKK: Currency = Currency(index_of("DKK"));
    pub const CZK: Currency = Currency(index_of("CZK"));
    pub const HUF: Currency = Currency(index_of("HUF"));
    pub const AED: Currency = Currency(index_of("AED"));
    pub const CAD: Currency = Currency(index_of("CAD"));
    pub const AUD: Currency = Currency(index_of("AUD"));
    pub const BHD: Currency = Currency(index_of("BHD"));
    pub const KWD: Currency = Currency(index_of("KWD"));

    /// Looks a code up (exactly three upper-case letters, e.g. `"EUR"`).
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        CURRENCIES
            .binary_search_by(|c| c.code.cmp(code))
            .map(|i| Currency(i as u8))
            .map_err(|_| MoneyError::UnknownCurrency(code.to_string()))
    }

    /// The ISO 4217 alpha-3 code.
    pub fn code(&self) -> &'static str {
        CURRENCIES[self.0 as usize].code
    }

    /// Number of minor-unit digits (2 for EUR, 0 for JPY, 3 for BHD).
    pub fn minor_digits(&self) -> u8 {
        CURRENCIES[self.0 as usize].digits
    }

    /// Every supported currency, sorted by code.
    pub fn all() -> impl Iterator<Item = Currency> {
        (0..CURRENCIES.len()).map(|i| Currency(i as u8))
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::from_code(&s).map_err(serde::de::Error::custom)
    }
}

const POW10: [i64; 4] = [1, 10, 100, 1000];

/// An amount in minor units of a currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub const fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    pub fn is_positive(&self) -> bool {
        self.minor > 0
    }

    /// Parses a decimal amount string (`"25"`, `"25.5"`, `"25.00"`, `"-3.10"`): optional `-`,
    /// one or more digits, optionally `.` and 1..=minor-digits digits. No `+`, spaces,
    /// exponents or thousands separators.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, MoneyError> {
        let invalid = || MoneyError::InvalidAmount(amount.to_string());
        let (neg, body) = match amount.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, amount),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let digits = currency.minor_digits() as usize;
        let mut minor: i64 = 0;
        for b in int_part.bytes() {
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add((b - b'0') as i64))
                .ok_or(MoneyError::Overflow)?;
        }
        minor = minor
            .checked_mul(POW10[digits])
            .ok_or(MoneyError::Overflow)?;
        if let Some(frac) = frac_part {
            if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            if frac.len() > digits {
                return Err(MoneyError::TooManyDecimals {
                    currency,
                    digits: currency.minor_digits(),
                });
            }
            let mut f: i64 = 0;
            for b in frac.bytes() {
                f = f * 10 + (b - b'0') as i64;
            }
            f *= POW10[digits - frac.len()];
            minor = minor.checked_add(f).ok_or(MoneyError::Overflow)?;
        }
        Ok(Money {
            minor: if neg { -minor } else { minor },
            currency,
        })
    }

    /// [`Money::parse`] with the currency given as its code.
    pub fn parse_with_code(amount: &str, currency: &str) -> Result<Money, MoneyError> {
        Money::parse(amount, Currency::from_code(currency)?)
    }

    /// The wire decimal string: exactly the currency's minor-unit digits (`"25.00"`,
    /// JPY `"2500"`, BHD `"1.250"`).
    pub fn amount_string(&self) -> String {
        let digits = self.currency.minor_digits() as usize;
        let abs = self.minor.unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        if digits == 0 {
            return format!("{sign}{abs}");
        }
        let p = POW10[digits] as u64;
        format!("{sign}{}.{:0width$}", abs / p, abs % p, width = digits)
    }

    /// The exact decimal value (`25.00`).
    pub fn to_decimal(&self) -> Decimal {
        Decimal::new(self.minor, self.currency.minor_digits() as u32)
    }

    /// Rounds a decimal half-up (midpoint away from zero) to the currency's minor units.
    pub fn from_decimal(value: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let digits = currency.minor_digits() as u32;
        let mut r = value.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
        r.rescale(digits);
        if r.scale() != digits {
            return Err(MoneyError::Overflow);
        }
        let minor = i64::try_from(r.mantissa()).map_err(|_| MoneyError::Overflow)?;
        Ok(Money { minor, currency })
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn checked_mul(self, n: u32) -> Result<Money, MoneyError> {
        let minor = self
            .minor
            .checked_mul(n as i64)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// Converts with `rate` (1 unit of `self.currency` = `rate` units of `to`), rounding
    /// half-up to `to`'s minor units.
    pub fn convert(self, rate: Decimal, to: Currency) -> Result<Money, MoneyError> {
        if self.currency == to {
            return Ok(self);
        }
        // Integer fast path: minor × mantissa × 10^(to digits − from digits − scale), rounded
        // half away from zero; falls back to Decimal when it would not fit.
        let e =
            to.minor_digits() as i32 - self.currency.minor_digits() as i32 - rate.scale() as i32;
        if let Some(p) = (self.minor as i128).checked_mul(rate.mantissa()) {
            let q = if e >= 0 {
                10i128.checked_pow(e as u32).and_then(|f| p.checked_mul(f))
            } else {
                10i128.checked_pow((-e) as u32).map(|d| {
                    let q = p / d;
                    if (p % d).unsigned_abs() * 2 >= d as u128 {
                        q + p.signum()
                    } else {
                        q
                    }
                })
            };
            if let Some(q) = q {
                return i64::try_from(q)
                    .map(|minor| Money {
                        minor,
                        currency: to,
                    })
                    .map_err(|_| MoneyError::Overflow);
            }
        }
        let v = self
            .to_decimal()
            .checked_mul(rate)
            .ok_or(MoneyError::Overflow)?;
        Money::from_decimal(v, to)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_string(), self.currency)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_string(), self.currency)
    }
}

#[derive(Serialize, Deserialize)]
struct MoneyWire {
    amount: String,
    currency: String,
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        MoneyWire {
            amount: self.amount_string(),
            currency: self.currency.code().to_string(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = MoneyWire::deserialize(d)?;
        Money::parse_with_code(&w.amount, &w.currency).map_err(serde::de::Error::custom)
    }
}

/// One row of the FX table: on `date`, 1 `base` = `rate` `quote`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FxRate {
    pub date: NaiveDate,
    pub base: Currency,
    pub quote: Currency,
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
}

/// The daily FX table, indexed for lookups.
///
/// Lookup of `from → to` on a day: the same currency is rate 1; otherwise the pair's rate —
/// given directly, or derived from the reverse pair as `1 / rate` rounded to 12 decimal places
/// (a direct row wins over a derived one of the same day) — else a cross through EUR or USD.
/// The rate of the latest day on or before the requested day is used; when the table has only
/// later days, the earliest of those (a table that starts after a transaction still converts
/// it). Non-positive rates are dropped; of two rows for one pair and day the last given wins.
#[derive(Debug, Clone, Default)]
pub struct FxTable {
    /// Sorted by (base, quote, date); one row per key.
    rows: Vec<Row>,
}

#[derive(Debug, Clone)]
struct Row {
    base: Currency,
    quote: Currency,
    date: NaiveDate,
    rate: Decimal,
}

/// Decimal places of a derived (inverse) rate.
const INVERSE_DP: u32 = 12;

impl FxTable {
    pub fn new(rates: impl IntoIterator<Item = FxRate>) -> FxTable {
        let mut direct: Vec<Row> = rates
            .into_iter()
            .filter(|r| r.rate > Decimal::ZERO && r.base != r.quote)
            .map(|r| Row {
                base: r.base,
                quote: r.quote,
                date: r.date,
                rate: r.rate,
            })
            .collect();
        // Stable sort keeps input order within a key: keep the last of equal keys.
        direct.sort_by_key(|r| (r.base, r.quote, r.date));
        let mut rows: Vec<Row> = Vec::with_capacity(direct.len() * 2);
        for r in direct {
            match rows.last_mut() {
                Some(last) if (last.base, last.quote, last.date) == (r.base, r.quote, r.date) => {
                    *last = r
                }
                _ => rows.push(r),
            }
        }
        let n = rows.len();
        let key = |r: &Row| (r.base, r.quote, r.date);
        for i in 0..n {
            let r = &rows[i];
            let k = (r.quote, r.base, r.date);
            if rows[..n].binary_search_by(|x| key(x).cmp(&k)).is_ok() {
                continue;
            }
            if let Some(inv) = Decimal::ONE.checked_div(r.rate) {
                let inv = inv.round_dp(INVERSE_DP);
                if inv > Decimal::ZERO {
                    rows.push(Row {
                        base: r.quote,
                        quote: r.base,
                        date: r.date,
                        rate: inv,
                    });
                }
            }
        }
        rows.sort_by_key(key);
        FxTable { rows }
    }

    pub fn empty() -> FxTable {
        FxTable::default()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The pair's rate on `on` (latest on or before, else earliest after).
    fn pair_rate(&self, on: NaiveDate, base: Currency, quote: Currency) -> Option<Decimal> {
        let lo = self
            .rows
            .partition_point(|r| (r.base, r.quote) < (base, quote));
        let rows = &self.rows[lo..];
        let len = rows.partition_point(|r| (r.base, r.quote) == (base, quote) && r.date <= on);
        if len > 0 {
            return Some(rows[len - 1].rate);
        }
        rows.first()
            .filter(|r| (r.base, r.quote) == (base, quote))
            .map(|r| r.rate)
    }

    /// The rate (1 `from` = rate `to`) to use on `on`.
    pub fn rate(&self, on: NaiveDate, from: Currency, to: Currency) -> Option<Decimal> {
        if from == to {
            return Some(Decimal::ONE);
        }
        if let Some(r) = self.pair_rate(on, from, to) {
            return Some(r);
        }
        for pivot in [Currency::EUR, Currency::USD] {
            if pivot == from || pivot == to {
                continue;
            }
            if let (Some(a), Some(b)) = (
                self.pair_rate(on, from, pivot),
                self.pair_rate(on, pivot, to),
            ) {
                return a.checked_mul(b);
            }
        }
        None
    }

    /// Converts `m` into `to` with the rate of `on`, rounding half-up.
    pub fn convert(&self, m: Money, to: Currency, on: NaiveDate) -> Result<Money, MoneyError> {
        if m.currency == to {
            return Ok(m);
        }
        let rate = self.rate(on, m.currency, to).ok_or(MoneyError::NoRate {
            from: m.currency,
            to,
        })?;
        m.convert(rate, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn day(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap()
    }

    #[test]
    fn currency_table() {
        for (code, digits) in [
            ("EUR", 2),
            ("USD", 2),
            ("GBP", 2),
            ("PLN", 2),
            ("CHF", 2),
            ("JPY", 0),
            ("SEK", 2),
            ("NOK", 2),
            ("DKK", 2),
            ("CZK", 2),
            ("HUF", 2),
            ("AED", 2),
            ("CAD", 2),
            ("AUD", 2),
            ("BHD", 3),
            ("KWD", 3),
        ] {
            let c = Currency::from_code(code).unwrap();
            assert_eq!(c.code(), code);
            assert_eq!(c.minor_digits(), digits, "{code}");
        }
        for bad in ["eur", "EU", "EURO", "XXX", "", "€"] {
            assert!(Currency::from_code(bad).is_err(), "{bad}");
        }
        // The table stays sorted (binary search relies on it).
        assert!(CURRENCIES.windows(2).all(|w| w[0].code < w[1].code));
        assert_eq!(Currency::all().count(), CURRENCIES.len());
        assert_eq!(Currency::KWD.code(), "KWD");
        assert!(Currency::EUR < Currency::USD);
    }

    #[test]
    fn parse_and_format() {
        let cases: &[(&str, Currency, Result<i64, ()>, &str)] = &[
            ("25.00", Currency::EUR, Ok(2500), "25.00"),
            ("25", Currency::EUR, Ok(2500), "25.00"),
            ("25.5", Currency::EUR, Ok(2550), "25.50"),
            ("0.05", Currency::EUR, Ok(5), "0.05"),
            ("-3.10", Currency::EUR, Ok(-310), "-3.10"),
            ("2500", Currency::JPY, Ok(2500), "2500"),
            ("1.250", Currency::BHD, Ok(1250), "1.250"),
            ("1.25", Currency::KWD, Ok(1250), "1.250"),
            ("25.001", Currency::EUR, Err(()), ""),
            ("25.0", Currency::JPY, Err(()), ""),
            ("25.", Currency::EUR, Err(()), ""),
            (".5", Currency::EUR, Err(()), ""),
            ("+1", Currency::EUR, Err(()), ""),
            ("1e3", Currency::EUR, Err(()), ""),
            (" 1", Currency::EUR, Err(()), ""),
            ("1,00", Currency::EUR, Err(()), ""),
            ("", Currency::EUR, Err(()), ""),
            ("-", Currency::EUR, Err(()), ""),
            ("99999999999999999999", Currency::EUR, Err(()), ""),
        ];
        for (s, c, want, shown) in cases {
            let got = Money::parse(s, *c);
            match want {
                Ok(minor) => {
                    let m = got.unwrap_or_else(|e| panic!("{s}: {e}"));
                    assert_eq!(m.minor(), *minor, "{s}");
                    assert_eq!(m.amount_string(), *shown, "{s}");
                }
                Err(()) => assert!(got.is_err(), "{s} should fail"),
            }
        }
    }

    #[test]
    fn serde_wire_form() {
        let m = Money::from_minor(2500, Currency::EUR);
        let j = serde_json::to_string(&m).unwrap();
        assert_eq!(j, r#"{"amount":"25.00","currency":"EUR"}"#);
        let back: Money = serde_json::from_str(&j).unwrap();
        assert_eq!(back, m);
        let jpy: Money = serde_json::from_str(r#"{"amount":"2500","currency":"JPY"}"#).unwrap();
        assert_eq!(jpy.minor(), 2500);
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1.001","currency":"EUR"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1.00","currency":"XXX"}"#).is_err());
    }

    #[test]
    fn decimal_rounding_half_up() {
        let cases = [
            ("1.005", Currency::EUR, 101),
            ("1.004", Currency::EUR, 100),
            ("-1.005", Currency::EUR, -101),
            ("2.5", Currency::JPY, 3),
            ("3.5", Currency::JPY, 4),
            ("0.0005", Currency::BHD, 1),
        ];
        for (v, c, minor) in cases {
            assert_eq!(Money::from_decimal(d(v), c).unwrap().minor(), minor, "{v}");
        }
    }

    #[test]
    fn arithmetic() {
        let a = Money::from_minor(150, Currency::EUR);
        assert_eq!(a.checked_add(a).unwrap().minor(), 300);
        assert_eq!(a.checked_mul(3).unwrap().minor(), 450);
        assert!(a.checked_add(Money::from_minor(1, Currency::PLN)).is_err());
        assert!(Money::from_minor(i64::MAX, Currency::EUR)
            .checked_add(a)
            .is_err());
    }

    #[test]
    fn fx_lookup_and_conversion() {
        let t = FxTable::new([
            FxRate {
                date: day("2024-01-01"),
                base: Currency::EUR,
                quote: Currency::PLN,
                rate: d("4.30"),
            },
            FxRate {
                date: day("2024-01-05"),
                base: Currency::EUR,
                quote: Currency::PLN,
                rate: d("4.40"),
            },
            FxRate {
                date: day("2024-01-03"),
                base: Currency::EUR,
                quote: Currency::USD,
                rate: d("1.10"),
            },
            FxRate {
                date: day("2024-01-03"),
                base: Currency::EUR,
                quote: Currency::JPY,
                rate: d("160"),
            },
            FxRate {
                date: day("2024-01-03"),
                base: Currency::GBP,
                quote: Currency::CHF,
                rate: d("-1"),
            },
        ]);
        // exact day / latest on or before / before any row → earliest
        assert_eq!(
            t.rate(day("2024-01-05"), Currency::EUR, Currency::PLN),
            Some(d("4.40"))
        );
        assert_eq!(
            t.rate(day("2024-01-04"), Currency::EUR, Currency::PLN),
            Some(d("4.30"))
        );
        assert_eq!(
            t.rate(day("2023-12-01"), Currency::EUR, Currency::PLN),
            Some(d("4.30"))
        );
        // inverse
        let pln = Money::parse("44.00", Currency::PLN).unwrap();
        assert_eq!(
            t.convert(pln, Currency::EUR, day("2024-01-06"))
                .unwrap()
                .amount_string(),
            "10.00"
        );
        // cross through EUR: 44 PLN = 10 EUR = 11 USD
        assert_eq!(
            t.convert(pln, Currency::USD, day("2024-01-06"))
                .unwrap()
                .amount_string(),
            "11.00"
        );
        // to a 0-digit currency, half-up
        let e = Money::parse("0.01", Currency::EUR).unwrap(); // 1.6 JPY
        assert_eq!(
            t.convert(e, Currency::JPY, day("2024-01-03"))
                .unwrap()
                .minor(),
            2
        );
        // identity, missing, negative rate dropped
        assert_eq!(
            t.convert(pln, Currency::PLN, day("2024-01-01")).unwrap(),
            pln
        );
        assert!(t
            .convert(
                Money::from_minor(1, Currency::GBP),
                Currency::CHF,
                day("2024-01-03")
            )
            .is_err());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// The integer fast path of `convert` equals the Decimal computation.
            #[test]
            fn fast_conversion_matches_decimal(
                minor in -1_000_000_000_000i64..1_000_000_000_000,
                mantissa in 1i64..10_000_000_000,
                scale in 0u32..14,
                from in 0usize..4, to in 0usize..4,
            ) {
                let cs = [Currency::EUR, Currency::JPY, Currency::BHD, Currency::PLN];
                let (from, to) = (cs[from], cs[to]);
                prop_assume!(from != to);
                let rate = Decimal::new(mantissa, scale);
                let m = Money::from_minor(minor, from);
                let slow = m.to_decimal().checked_mul(rate).map(|v| Money::from_decimal(v, to));
                let fast = m.convert(rate, to);
                match slow {
                    Some(Ok(v)) => prop_assert_eq!(fast, Ok(v)),
                    _ => prop_assert!(fast.is_err()),
                }
            }
        }
    }
}
