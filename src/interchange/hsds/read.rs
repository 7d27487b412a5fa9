//! Finding HSDS documents under a path: a JSON file holding one object, a
//! paged list (`contents`) or an array; an NDJSON file (one object a line,
//! `.ndjson` or `.jsonl`); or a directory of such files, walked in name
//! order. Files are read one at a time and NDJSON a line at a time, so a
//! large export streams through.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One document and where it came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file, with the line for NDJSON (`services.ndjson:12`).
    pub source: String,
    /// JSON pointer of the document inside the file (`/contents/3`), or empty.
    pub pointer: String,
    pub value: Value,
}

/// A file that cannot be read as a whole.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub source: String,
    pub reason: String,
}

fn is_ndjson(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("ndjson") | Some("jsonl")
    )
}

/// JSON and NDJSON files, except Frictionless `datapackage.json`
/// descriptors, which describe the tabular (CSV) form and hold no records.
fn is_data_file(path: &Path) -> bool {
    let json = path.extension().and_then(|e| e.to_str()) == Some("json");
    let descriptor = path.file_name().and_then(|n| n.to_str()) == Some("datapackage.json");
    is_ndjson(path) || (json && !descriptor)
}

/// The data files under `path`, in name order (a file path is itself).
pub fn files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut found = Vec::new();
    let mut dirs = vec![path.to_owned()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?.path();
            if entry.is_dir() {
                dirs.push(entry);
            } else if is_data_file(&entry) {
                found.push(entry);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The documents of `files`, lazily.
pub struct Documents {
    files: VecDeque<PathBuf>,
    pending: VecDeque<Document>,
    lines: Option<(String, Lines<BufReader<File>>, usize)>,
    /// Bytes of input consumed so far (for the progress bar).
    pub bytes_read: u64,
}

impl Documents {
    pub fn new(files: Vec<PathBuf>) -> Documents {
        Documents {
            files: files.into(),
            pending: VecDeque::new(),
            lines: None,
            bytes_read: 0,
        }
    }

    /// Splits one parsed JSON file into its documents.
    fn split(&mut self, source: &str, value: Value) {
        let push = |pending: &mut VecDeque<Document>, pointer: String, value: Value| {
            pending.push_back(Document {
                source: source.to_owned(),
                pointer,
                value,
            })
        };
        match value {
            Value::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    push(&mut self.pending, format!("/{i}"), item);
                }
            }
            Value::Object(mut object) if object.get("contents").is_some_and(Value::is_array) => {
                if let Some(Value::Array(items)) = object.remove("contents") {
                    for (i, item) in items.into_iter().enumerate() {
                        push(&mut self.pending, format!("/contents/{i}"), item);
                    }
                }
            }
            other => push(&mut self.pending, String::new(), other),
        }
    }
}

impl Iterator for Documents {
    type Item = Result<Document, Unreadable>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(document) = self.pending.pop_front() {
                return Some(Ok(document));
            }
            if let Some((source, lines, number)) = &mut self.lines {
                match lines.next() {
                    Some(Ok(line)) => {
                        *number += 1;
                        self.bytes_read += line.len() as u64 + 1;
                        if line.trim().is_empty() {
                            continue;
                        }
                        let source = format!("{source}:{number}");
                        return Some(match serde_json::from_str(&line) {
                            Ok(value) => Ok(Document {
                                source,
                                pointer: String::new(),
                                value,
                            }),
                            Err(e) => Err(Unreadable {
                                source,
                                reason: format!("not JSON: {e}"),
                            }),
                        });
                    }
                    Some(Err(e)) => {
                        let source = source.clone();
                        self.lines = None;
                        return Some(Err(Unreadable {
                            source,
                            reason: format!("cannot read: {e}"),
                        }));
                    }
                    None => {
                        self.lines = None;
                        continue;
                    }
                }
            }
            let path = self.files.pop_front()?;
            let source = path.display().to_string();
            let file = match File::open(&path) {
                Ok(file) => file,
                Err(e) => {
                    return Some(Err(Unreadable {
                        source,
                        reason: format!("cannot open: {e}"),
                    }));
                }
            };
            if is_ndjson(&path) {
                self.lines = Some((source, BufReader::new(file).lines(), 0));
                continue;
            }
            self.bytes_read += file.metadata().map(|m| m.len()).unwrap_or(0);
            match serde_json::from_reader::<_, Value>(BufReader::new(file)) {
                Ok(value) => self.split(&source, value),
                Err(e) => {
                    return Some(Err(Unreadable {
                        source,
                        reason: format!("not JSON: {e}"),
                    }));
                }
            }
        }
    }
}
