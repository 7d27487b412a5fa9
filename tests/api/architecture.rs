//! The layers of `src/` point only down: entry (main, cli, seed) -> http ->
//! graphql -> interchange (import, export and the change feed, which span
//! the domains) -> domains -> plumbing. A domain may use another only
//! where that one is shared (the directory, `services`; access and audit,
//! `partners`). Read from the `crate::` paths of every source file (test
//! modules aside), so the shape cannot drift back: a new module must be
//! given a layer here, and a known debt that is paid must leave the list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer, top first.
const LAYERS: &[(&str, &[&str])] = &[
    ("entry", &["main", "cli", "seed"]),
    ("http", &["http"]),
    ("graphql", &["graphql"]),
    ("interchange", &["interchange"]),
    ("domain", &["services", "hubs", "pathways", "partners"]),
    (
        "plumbing",
        &[
            "config",
            "bulk",
            "db",
            "error",
            "events",
            "telemetry",
            "page",
            "rows",
            "input",
            "metrics",
            "write_turns",
            "allocator",
            "sqlite_alloc",
        ],
    ),
];

/// Domains the others may use.
const SHARED_DOMAINS: &[&str] = &["services", "partners"];

/// Imports that break the rules today, each with what is to be done; the
/// test fails when one is gone (take it off) or a new one appears.
const KNOWN_DEBTS: &[(&str, &str, &str)] = &[];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

fn source_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/hubs/reads.rs` -> `hubs`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str().to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The top-level modules named by `crate::` paths in `text`, up to its
/// test module: `crate::db::x`, `use crate::{db, error::AppError}`.
fn crate_paths(text: &str) -> BTreeSet<String> {
    // Doc comments and comments name other modules without importing them.
    let code: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let code = code.as_str();
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        // `hubgraph::crate::` cannot occur; `$crate::` in macros names this crate too.
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(leading_name(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 || item.is_empty() {
                    item.push(c);
                }
            }
            found.insert(leading_name(&item));
        } else {
            found.insert(leading_name(rest));
        }
    }
    found.remove("");
    found
}

fn leading_name(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn imports_point_only_down_the_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    // (from, to) -> the files that import so.
    let mut edges: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = module_of(&src, file);
        if from == "lib" {
            continue; // the crate root declares and re-exports everything
        }
        assert!(layer_of(&from).is_some(), "src/{from} has no layer: add it to LAYERS");
        for to in crate_paths(&std::fs::read_to_string(file).unwrap()) {
            if to != from && layer_of(&to).is_some() {
                let shown = file.strip_prefix(root).unwrap().display().to_string();
                edges.entry((from.clone(), to)).or_default().insert(shown);
            }
        }
    }

    let mut broken = Vec::new();
    let mut debts_seen = BTreeSet::new();
    for ((from, to), files) in &edges {
        let (a, b) = (layer_of(from).unwrap(), layer_of(to).unwrap());
        let same_layer_ok = match LAYERS[a].0 {
            "entry" | "plumbing" => true,
            "domain" => SHARED_DOMAINS.contains(&to.as_str()),
            _ => false,
        };
        if b > a || (a == b && same_layer_ok) {
            continue;
        }
        if KNOWN_DEBTS.iter().any(|(f, t, _)| f == from && t == to) {
            debts_seen.insert((from.clone(), to.clone()));
            continue;
        }
        broken.push(format!("{from} ({}) -> {to} ({}): {files:?}", LAYERS[a].0, LAYERS[b].0));
    }
    assert!(
        broken.is_empty(),
        "imports up the layers or across domains:\n{}",
        broken.join("\n")
    );
    for (from, to, why) in KNOWN_DEBTS {
        assert!(
            debts_seen.contains(&(from.to_string(), to.to_string())),
            "{from} -> {to} is paid ({why}): take it off KNOWN_DEBTS"
        );
    }

    // No cycles between modules but through a known debt.
    let debt = |from: &str, to: &str| KNOWN_DEBTS.iter().any(|(f, t, _)| *f == from && *t == to);
    let graph: BTreeMap<&str, Vec<&str>> =
        edges
            .keys()
            .filter(|(f, t)| !debt(f, t))
            .fold(BTreeMap::new(), |mut graph, (from, to)| {
                graph.entry(from.as_str()).or_default().push(to.as_str());
                graph
            });
    for start in graph.keys() {
        let mut stack = vec![(*start, vec![*start])];
        let mut seen = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            for next in graph.get(at).into_iter().flatten() {
                assert!(*next != *start, "an import cycle: {} -> {next}", path.join(" -> "));
                if seen.insert(*next) {
                    let mut longer = path.clone();
                    longer.push(next);
                    stack.push((next, longer));
                }
            }
        }
    }
}

#[test]
fn crate_paths_are_read_whole() {
    let text = "//! See [`crate::graphql`].\nuse crate::db::x;\nuse crate::{error::{AppError, AppResult}, page,\n services::areas};\nfn f() { crate::events::go(); }\n#[cfg(test)]\nmod tests { use crate::http; }";
    let names: Vec<String> = crate_paths(text).into_iter().collect();
    assert_eq!(names, ["db", "error", "events", "page", "services"]);
}

/// One module style: a module with submodules is `foo/mod.rs`, never
/// `foo.rs` beside a `foo/`.
#[test]
fn modules_with_submodules_live_in_their_own_directory() {
    fn walk(dir: &Path, mixed: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                let holds_modules = std::fs::read_dir(&path)
                    .unwrap()
                    .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "rs"));
                if holds_modules && path.with_extension("rs").is_file() {
                    mixed.push(path.display().to_string());
                }
                walk(&path, mixed);
            }
        }
    }
    let mut mixed = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut mixed);
    assert!(mixed.is_empty(), "foo.rs beside foo/ (use foo/mod.rs): {mixed:?}");
}

/// Lines a hand-written source file may have before it is split.
const MAX_LINES: usize = 800;

/// Files over [`MAX_LINES`] today, to be split (the demo set into data
/// files); the test fails when one of them fits, so it leaves the list.
const TOO_LONG: &[&str] = &[
    "src/services/writes.rs",
    "src/pathways/writes.rs",
    "src/http/ws.rs",
    "src/seed/pathways.rs",
    "src/interchange/hsds/export.rs",
    "src/interchange/hsds/write.rs",
    "src/interchange/hsds/map.rs",
    "src/services/opening.rs",
    "src/seed/demo.rs",
];

#[test]
fn source_files_stay_short_enough_to_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    source_files(&root.join("src"), &mut files);
    let mut long = BTreeSet::new();
    for file in files {
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        let name = file.strip_prefix(root).unwrap().display().to_string();
        if lines > MAX_LINES {
            assert!(TOO_LONG.contains(&name.as_str()), "{name} has {lines} lines: split it");
            long.insert(name);
        }
    }
    for name in TOO_LONG {
        assert!(
            long.contains(*name),
            "{name} fits in {MAX_LINES} lines now: take it off TOO_LONG"
        );
    }
}
