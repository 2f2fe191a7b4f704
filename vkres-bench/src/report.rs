//! Markdown tables.

use crate::stats::Summary;

/// One row of a timing table: a way's name, its summary (`None`: cannot do the work here) and
/// the cells after the times (throughput, ratio, note).
pub struct Row {
    pub name: String,
    pub summary: Option<Summary>,
    pub extra: Vec<String>,
}

impl Row {
    pub fn new(name: impl Into<String>, summary: Option<Summary>, extra: Vec<String>) -> Self {
        Row { name: name.into(), summary, extra }
    }
}

/// A table with the columns `first | median ms | min ms | max ms | extra...`.
pub fn timing_table(first: &str, extra: &[&str], rows: &[Row]) -> String {
    let mut out = format!("| {first} | median ms | min ms | max ms |");
    for column in extra {
        out += &format!(" {column} |");
    }
    out += "\n|---|---:|---:|---:|";
    out += &"---:|".repeat(extra.len());
    out.push('\n');
    for row in rows {
        match row.summary {
            Some(s) => out += &format!("| {} | {:.2} | {:.2} | {:.2} |", row.name, s.median_ms, s.min_ms, s.max_ms),
            None => out += &format!("| {} | n/a | | |", row.name),
        }
        for (i, cell) in row.extra.iter().enumerate() {
            out += &format!(" {cell} |");
            if i + 1 == extra.len() {
                break;
            }
        }
        out += &" |".repeat(extra.len().saturating_sub(row.extra.len()));
        out.push('\n');
    }
    out
}

/// A plain table: a header row and rows of cells.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|", header.join(" | "));
    out += &"---|".repeat(header.len());
    out.push('\n');
    for row in rows {
        out += &format!("| {} |\n", row.join(" | "));
    }
    out
}

/// `a / b` as `0.00x`, or `n/a`.
pub fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
        _ => "n/a".into(),
    }
}

/// A number with two decimals, or `n/a`.
pub fn num(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".into(), |v| format!("{v:.2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        let s = Summary { median_ms: 2.0, min_ms: 1.0, max_ms: 3.0 };
        let rows = [Row::new("a", Some(s), vec!["1.00x".into()]), Row::new("b", None, vec![])];
        let t = timing_table("way", &["ratio"], &rows);
        assert_eq!(
            t,
            "| way | median ms | min ms | max ms | ratio |\n|---|---:|---:|---:|---:|\n\
             | a | 2.00 | 1.00 | 3.00 | 1.00x |\n| b | n/a | | | |\n"
        );
        assert_eq!(table(&["x", "y"], &[vec!["1".into(), "2".into()]]), "| x | y |\n|---|---|\n| 1 | 2 |\n");
        assert_eq!(ratio(Some(3.0), Some(2.0)), "1.50x");
        assert_eq!(ratio(None, Some(2.0)), "n/a");
        assert_eq!(num(None), "n/a");
    }
}
