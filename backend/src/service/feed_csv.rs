//! CSV reading shared by the feed imports (card transactions, enrolments). With a header line
//! the columns are taken by name (any order; the optional ones may be left out); without it, in
//! the documented order. Cells may be quoted (`"Café, Berlin"`, `""` for a quote) and are
//! trimmed. Errors name `line[N]` (N = line of the file) and, for a cell, the column.

use access_core::model::FieldError;

/// The columns of one feed: the first `required` must be present.
pub struct Layout {
    pub columns: &'static [&'static str],
    pub required: usize,
    /// Data lines per import.
    pub max_rows: usize,
}

/// One data line, its cells by column index into [`Layout::columns`] (`None` = not given).
pub struct Row {
    pub line: usize,
    cells: Vec<Option<String>>,
}

/// Cells may hold a PAN: `Debug` shows the line and how many cells, never their text.
impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row")
            .field("line", &self.line)
            .field("cells", &self.cells.len())
            .finish()
    }
}

impl Row {
    /// The cell of column `col`, taken out of the row.
    pub fn take(&mut self, col: usize) -> Option<String> {
        self.cells.get_mut(col).and_then(Option::take)
    }
}

impl Layout {
    /// Splits the file into data lines, in file order; a line whose structure is wrong (quotes,
    /// number of cells) is an `Err` in its place, so callers report problems in line order.
    /// A bad header, an empty file or too many lines fail the whole file.
    pub fn read(&self, csv: &str) -> Result<Vec<Result<Row, FieldError>>, Vec<FieldError>> {
        let mut lines = csv
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty())
            .peekable();
        let mut order: Vec<usize> = (0..self.columns.len()).collect();
        let mut fixed = true;
        if let Some((n, first)) = lines.peek().copied() {
            let head = split_line(first).unwrap_or_default();
            // A header starts with a column name (no data cell ever is one).
            if head
                .first()
                .is_some_and(|h| self.columns.iter().any(|c| h.eq_ignore_ascii_case(c)))
            {
                lines.next();
                order = self.header(n, &head)?;
                fixed = false;
            }
        }
        let rows: Vec<(usize, &str)> = lines.collect();
        if rows.is_empty() {
            return Err(vec![FieldError::new("csv", "no rows")]);
        }
        if rows.len() > self.max_rows {
            return Err(vec![FieldError::new(
                "csv",
                format!("at most {} rows per import", self.max_rows),
            )]);
        }
        Ok(rows
            .into_iter()
            .map(|(n, line)| self.row(n, line, &order, fixed))
            .collect())
    }

    fn row(&self, n: usize, line: &str, order: &[usize], fixed: bool) -> Result<Row, FieldError> {
        let cells = split_line(line)
            .ok_or_else(|| FieldError::new(format!("line[{n}]"), "unbalanced quotes"))?;
        let count_ok = if fixed {
            (self.required..=self.columns.len()).contains(&cells.len())
        } else {
            cells.len() == order.len()
        };
        if !count_ok {
            let expected = if fixed {
                format!(
                    "{} to {} columns: {}",
                    self.required,
                    self.columns.len(),
                    self.columns.join(",")
                )
            } else {
                format!("{} columns, as in the header", order.len())
            };
            return Err(FieldError::new(format!("line[{n}]"), expected));
        }
        let mut by_column = vec![None; self.columns.len()];
        for (cell, &col) in cells.into_iter().zip(order) {
            by_column[col] = Some(cell);
        }
        Ok(Row {
            line: n,
            cells: by_column,
        })
    }

    /// The column index of each header cell.
    fn header(&self, n: usize, head: &[String]) -> Result<Vec<usize>, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut order = Vec::new();
        for h in head {
            match self.columns.iter().position(|c| h.eq_ignore_ascii_case(c)) {
                Some(i) if order.contains(&i) => {
                    errors.push(FieldError::new(format!("line[{n}].{h}"), "repeated column"))
                }
                Some(i) => order.push(i),
                None => errors.push(FieldError::new(
                    format!("line[{n}]"),
                    format!("unknown column {h:?}; columns: {}", self.columns.join(",")),
                )),
            }
        }
        for (i, c) in self.columns.iter().enumerate().take(self.required) {
            if !order.contains(&i) {
                errors.push(FieldError::new(format!("line[{n}].{c}"), "column missing"));
            }
        }
        if errors.is_empty() {
            Ok(order)
        } else {
            Err(errors)
        }
    }
}

/// Splits one CSV line at commas; a cell may be quoted (`"a, b"`, `""` inside for a quote).
/// Cells are trimmed. `None` for an unterminated quote.
fn split_line(line: &str) -> Option<Vec<String>> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(ch) = chars.next() {
        match ch {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            '"' if quoted => quoted = false,
            '"' if cell.trim().is_empty() => {
                cell.clear();
                quoted = true;
            }
            ',' if !quoted => cells.push(std::mem::take(&mut cell).trim().to_owned()),
            _ => cell.push(ch),
        }
    }
    if quoted {
        return None;
    }
    cells.push(cell.trim().to_owned());
    Some(cells)
}

pub const TIME_FORMAT: &str = "RFC 3339 (2026-11-20T14:05:00Z) or YYYY-MM-DD HH:MM:SS in UTC";

/// RFC 3339, or `YYYY-MM-DD HH:MM:SS` taken as UTC; epoch milliseconds.
pub fn parse_instant(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc().timestamp_millis())
}

/// The trimmed value, `None` when absent or blank.
pub fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: Layout = Layout {
        columns: &["a", "b", "c"],
        required: 2,
        max_rows: 2,
    };

    #[test]
    fn header_by_name_or_fixed_order() {
        let mut rows = LAYOUT.read("c,a,b\n3,1,2\n").unwrap();
        let mut r = rows.remove(0).unwrap();
        assert_eq!((r.take(0), r.take(2)), (Some("1".into()), Some("3".into())));
        let mut rows = LAYOUT.read("\"x, \"\"y\"\"\",2\n").unwrap();
        let mut r = rows.remove(0).unwrap();
        assert_eq!((r.take(0), r.take(2)), (Some("x, \"y\"".into()), None));
    }

    #[test]
    fn errors_name_lines() {
        let names = |e: Vec<FieldError>| e.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(
            names(LAYOUT.read("a,x\n1,2\n").unwrap_err()),
            ["line[1]", "line[1].b"]
        );
        assert_eq!(names(LAYOUT.read("1,2\n1,2\n1,2\n").unwrap_err()), ["csv"]);
        assert_eq!(names(LAYOUT.read("\n").unwrap_err()), ["csv"]);
        let rows = LAYOUT.read("1\n\"1,2\n").unwrap();
        let errs: Vec<_> = rows.into_iter().filter_map(Result::err).collect();
        assert_eq!(names(errs), ["line[1]", "line[2]"]);
    }
}
