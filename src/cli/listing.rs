//! How `partner list` and `token list` print their rows: a table with a
//! header for people, tab-separated values (with the same header) for
//! spreadsheets and `cut`, or JSON for scripts.

use clap::ValueEnum;
use serde_json::Value;

/// The output format of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Aligned columns under a header.
    #[default]
    Table,
    /// A header line, then one tab-separated line per row.
    Tsv,
    /// One JSON array of objects, one per row.
    Json,
}

/// A listing: column headers, and each row as cells and as a JSON object.
pub struct Listing {
    headers: &'static [&'static str],
    rows: Vec<(Vec<String>, Value)>,
}

impl Listing {
    pub fn new(headers: &'static [&'static str]) -> Listing {
        Listing {
            headers,
            rows: Vec::new(),
        }
    }

    /// Adds a row: one cell per header, and the row as JSON.
    pub fn push(&mut self, cells: Vec<String>, json: Value) {
        debug_assert_eq!(cells.len(), self.headers.len());
        self.rows.push((cells, json));
    }

    /// The listing in `format`, ending with a newline (JSON: `[]` when empty).
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => {
                let rows: Vec<&Value> = self.rows.iter().map(|(_, json)| json).collect();
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&rows).expect("JSON values serialise")
                )
            }
            Format::Tsv => {
                let mut out = self.headers.join("\t") + "\n";
                for (cells, _) in &self.rows {
                    // A tab or newline inside a cell would shift the columns.
                    let cells: Vec<String> = cells.iter().map(|c| c.replace(['\t', '\n', '\r'], " ")).collect();
                    out += &(cells.join("\t") + "\n");
                }
                out
            }
            Format::Table => {
                let clean = |c: &str| c.replace(['\t', '\n', '\r'], " ");
                let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
                for (cells, _) in &self.rows {
                    for (width, cell) in widths.iter_mut().zip(cells) {
                        *width = (*width).max(clean(cell).chars().count());
                    }
                }
                let line = |cells: Vec<String>| {
                    let padded: Vec<String> = cells
                        .iter()
                        .zip(&widths)
                        .map(|(cell, width)| format!("{cell:<width$}"))
                        .collect();
                    padded.join("  ").trim_end().to_owned() + "\n"
                };
                let mut out = line(self.headers.iter().map(|h| h.to_string()).collect());
                for (cells, _) in &self.rows {
                    out += &line(cells.iter().map(|c| clean(c)).collect());
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample() -> Listing {
        let mut listing = Listing::new(&["ID", "NAME"]);
        listing.push(
            vec!["1".into(), "Leith\tLibrary".into()],
            json!({ "id": "1", "name": "Leith\tLibrary" }),
        );
        listing.push(vec!["22".into(), "Ayr".into()], json!({ "id": "22", "name": "Ayr" }));
        listing
    }

    #[test]
    fn a_table_has_a_header_and_aligned_columns() {
        assert_eq!(sample().render(Format::Table), "ID  NAME\n1   Leith Library\n22  Ayr\n");
    }

    #[test]
    fn tsv_has_a_header_and_no_stray_tabs() {
        assert_eq!(sample().render(Format::Tsv), "ID\tNAME\n1\tLeith Library\n22\tAyr\n");
    }

    #[test]
    fn json_keeps_values_as_they_are() {
        let parsed: Value = serde_json::from_str(&sample().render(Format::Json)).unwrap();
        assert_eq!(parsed[0]["name"], "Leith\tLibrary");
        assert_eq!(Listing::new(&["ID"]).render(Format::Json), "[]\n");
    }
}
