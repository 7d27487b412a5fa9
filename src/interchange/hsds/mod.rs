//! Open Referral HSDS 3.0 JSON in and out.
//!
//! `read` finds documents (files, paged lists, NDJSON, directories), `map`
//! turns each into table rows, `write` stores the differences, and `export`
//! writes the directory back out as HSDS documents, a page at a time. The
//! REST API (`http::hsds`) shares `export`'s document builders.

pub mod api;
pub mod export;
pub mod map;
pub mod read;
pub mod write;

use std::path::Path;

use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};

use crate::error::{AppError, AppResult};
use crate::services::areas::SCOTLAND;
pub use write::Written;

/// Where service areas name a council area: the Scottish Government's
/// statistical geography URIs, keyed by GSS code.
const AREA_URI: &str = "http://statistics.gov.scot/id/statistical-geography/";
/// GSS code of Scotland as a whole (our `SCOTLAND`).
const SCOTLAND_GSS: &str = "S92000003";

/// The area code a service area's `uri` names, if it is a statistical-geography URI.
pub fn area_code_of_uri(uri: &str) -> Option<String> {
    let code = uri.strip_prefix(AREA_URI)?;
    let valid = code.len() == 9 && code.starts_with('S') && code[1..].chars().all(|c| c.is_ascii_digit());
    match code {
        SCOTLAND_GSS => Some(SCOTLAND.to_owned()),
        _ if valid => Some(code.to_owned()),
        _ => None,
    }
}

/// The statistical-geography URI of an area code.
pub fn uri_of_area_code(code: &str) -> String {
    if code == SCOTLAND {
        format!("{AREA_URI}{SCOTLAND_GSS}")
    } else {
        format!("{AREA_URI}{code}")
    }
}

/// How to import.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Stop at the first bad record, writing nothing at all.
    pub strict: bool,
    /// Records per transaction.
    pub batch: usize,
    pub show_progress: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            strict: false,
            batch: 200,
            show_progress: false,
        }
    }
}

/// A record not imported, or imported with a loss, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The file (and line, for NDJSON).
    pub source: String,
    /// JSON pointer into the file.
    pub pointer: String,
    pub reason: String,
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}: {}", self.source, self.reason)
        } else {
            write!(f, "{} {}: {}", self.source, self.pointer, self.reason)
        }
    }
}

/// What an import did.
#[derive(Debug, Default, Clone)]
pub struct ImportReport {
    /// Records read and written (or found unchanged).
    pub imported: usize,
    /// Records refused, with why; nothing of them was written.
    pub rejected: Vec<Issue>,
    /// Records written with something left out (e.g. a link to an unknown record).
    pub warnings: Vec<Issue>,
    /// Organizations, services and locations created, updated, unchanged.
    pub written: Written,
}

/// One record on its way to the database.
struct Pending {
    source: String,
    pointer: String,
    flat: map::Flat,
}

/// Imports every HSDS document under `path`. Records go to the database in
/// batches of `options.batch`, each batch in one transaction (with
/// `strict`, all of them in one, rolled back at the first bad record).
pub async fn import<C>(db: &C, path: &Path, options: ImportOptions) -> AppResult<ImportReport>
where
    C: ConnectionTrait + TransactionTrait,
{
    let files = read::files(path)
        .map_err(|e| AppError::bad_input(&["path"], format!("cannot read {}: {e}", path.display())))?;
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let progress = if options.show_progress {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{bar:40}] {bytes}/{total_bytes} ({eta} left) {msg}")
                .map_err(|e| AppError::Internal(e.to_string()))?
                .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut report = ImportReport::default();
    let strict_txn = if options.strict { Some(db.begin().await?) } else { None };
    let mut documents = read::Documents::new(files);
    let mut batch: Vec<Pending> = Vec::with_capacity(options.batch);
    let now = Utc::now();
    while let Some(next) = documents.next() {
        progress.set_position(documents.bytes_read);
        let document = match next {
            Ok(document) => document,
            Err(unreadable) => {
                report.rejected.push(Issue {
                    source: unreadable.source,
                    pointer: String::new(),
                    reason: unreadable.reason,
                });
                if options.strict {
                    return Ok(report);
                }
                continue;
            }
        };
        let refused = |reason: String, pointer: String| Issue {
            source: document.source.clone(),
            pointer,
            reason,
        };
        let kind = document.value.as_object().map(map::kind_of);
        let flat = match kind {
            Some(Some(map::Kind::ApiInfo)) => continue,
            Some(Some(kind)) => map::flatten(&document.value, kind, now)
                .map_err(|p| refused(p.reason, format!("{}{}", document.pointer, p.pointer))),
            Some(None) => Err(refused(
                "not an HSDS object this importer knows".into(),
                document.pointer.clone(),
            )),
            None => Err(refused("expected an object".into(), document.pointer.clone())),
        };
        match flat {
            Ok(flat) => batch.push(Pending {
                source: document.source,
                pointer: document.pointer,
                flat,
            }),
            Err(issue) => {
                report.rejected.push(issue);
                if options.strict {
                    // Dropping the transaction rolls it back.
                    return Ok(report);
                }
            }
        }
        if batch.len() >= options.batch {
            let ok = match &strict_txn {
                Some(txn) => flush(txn, &mut batch, &mut report, options.strict).await?,
                None => {
                    let txn = db.begin().await?;
                    flush(&txn, &mut batch, &mut report, false).await?;
                    txn.commit().await?;
                    true
                }
            };
            if !ok {
                return Ok(report);
            }
            progress.set_message(format!("{} records", report.imported));
        }
    }
    let ok = match &strict_txn {
        Some(txn) => flush(txn, &mut batch, &mut report, options.strict).await?,
        None => {
            let txn = db.begin().await?;
            flush(&txn, &mut batch, &mut report, false).await?;
            txn.commit().await?;
            true
        }
    };
    if let (Some(txn), true) = (strict_txn, ok) {
        txn.commit().await?;
    }
    crate::db::analyze(db).await?;
    progress.finish_and_clear();
    Ok(report)
}

/// Checks and writes one batch; `false` when strict and a record was refused.
async fn flush(
    txn: &impl ConnectionTrait,
    batch: &mut Vec<Pending>,
    report: &mut ImportReport,
    strict: bool,
) -> AppResult<bool> {
    if batch.is_empty() {
        return Ok(true);
    }
    let pending = std::mem::take(batch);
    let places: Vec<(String, String)> = pending.iter().map(|p| (p.source.clone(), p.pointer.clone())).collect();
    let (good, problems) = write::check_references(txn, pending.into_iter().map(|p| p.flat).collect()).await?;
    let refused = !problems.is_empty();
    for (i, problem) in problems {
        let (source, pointer) = places[i].clone();
        report.rejected.push(Issue {
            source,
            pointer: format!("{pointer}{}", problem.pointer),
            reason: problem.reason,
        });
    }
    if strict && refused {
        return Ok(false);
    }
    for (i, flat) in &good {
        let (source, pointer) = &places[*i];
        for warning in &flat.warnings {
            report.warnings.push(Issue {
                source: source.clone(),
                pointer: format!("{pointer}{}", warning.pointer),
                reason: warning.reason.clone(),
            });
        }
    }
    report.imported += good.len();
    let records = good.into_iter().map(|(_, flat)| flat).collect();
    report.written += write::write(txn, records, Utc::now()).await?;
    Ok(true)
}
