//! Plain aligned text tables for `reimage list` and `reimage jobs`.

use crate::safe_text::escape;
use unicode_width::UnicodeWidthStr;

/// Render rows under a header, columns padded to the widest cell (the last not padded).
/// Cells come from the cloud or the journal: each is escaped (see [`crate::safe_text`]),
/// and widths are terminal columns, so wide (CJK) names keep the columns aligned.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| escape(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            out.push_str(cell);
            if i != last {
                out.extend(std::iter::repeat_n(' ', *w - cell.width() + 2));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn aligns_columns() {
        let t = super::render(
            &["ID", "NAME"],
            &[
                vec!["1".into(), "web".into()],
                vec!["22".into(), "db".into()],
            ],
        );
        assert_eq!(t, "ID  NAME\n1   web\n22  db\n");
    }

    #[test]
    fn wide_names_keep_columns_aligned() {
        let t = super::render(
            &["NAME", "IP"],
            &[
                vec!["数据库".into(), "10.0.0.1".into()],
                vec!["web".into(), "10.0.0.2".into()],
            ],
        );
        assert_eq!(t, "NAME    IP\n数据库  10.0.0.1\nweb     10.0.0.2\n");
    }

    #[test]
    fn cells_are_escaped_and_measured_as_shown() {
        let t = super::render(
            &["NAME", "IP"],
            &[
                vec!["a\x1b[2J".into(), "1".into()],
                vec!["b".into(), "2".into()],
            ],
        );
        assert_eq!(t, "NAME      IP\na\\x1b[2J  1\nb         2\n");
    }
}
