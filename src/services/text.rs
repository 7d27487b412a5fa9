//! Full-text search over services: name, description, organization name and
//! taxonomy term names, stemmed for English (SQLite FTS5 with the porter
//! tokenizer; PostgreSQL `english` text search with weighted fields).
//!
//! Input is always treated as words: everything but letters and digits
//! separates words, so quotes, `*`, `NEAR`, `:` or `-` cannot form query
//! syntax on either database.

use std::collections::HashMap;

use entity::{organization, service};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QuerySelect, Statement, Value};

use crate::db::json_list;
use crate::error::AppResult;
use crate::services::related;

/// Words considered per query, and characters per word: enough for any real search.
const MAX_WORDS: usize = 16;
const MAX_WORD_CHARS: usize = 64;
/// Services reindexed per statement.
const CHUNK: usize = 500;

/// English stop words (the Snowball list PostgreSQL's `english` configuration
/// drops). Dropping them on both databases keeps results the same on each.
const STOP_WORDS: &[&str] = &[
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "should",
    "now",
];

/// The words of a search text, lower-cased, without stop words.
pub fn words(text: &str) -> Vec<String> {
    let all: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(MAX_WORD_CHARS).collect::<String>().to_lowercase())
        .collect();
    all.into_iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .take(MAX_WORDS)
        .collect()
}

/// An FTS5 query matching all the words, each quoted so it is never syntax.
fn fts5_query(words: &[String], column: Option<&str>) -> String {
    words
        .iter()
        .map(|w| match column {
            Some(column) => format!("{column} : \"{w}\""),
            None => format!("\"{w}\""),
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// `service.id IN (services matching all the words)`; `None` when the text has no words.
pub fn matching(backend: DatabaseBackend, text: &str) -> Option<SimpleExpr> {
    let words = words(text);
    if words.is_empty() {
        return None;
    }
    Some(match backend {
        DatabaseBackend::Sqlite => Expr::cust_with_values(
            r#""service"."id" IN (SELECT service_id FROM service_fts WHERE service_fts MATCH ?)"#,
            [fts5_query(&words, None)],
        ),
        _ => Expr::cust_with_values(
            r#""service"."id" IN (SELECT service_id FROM service_search WHERE document @@ plainto_tsquery('english', $1))"#,
            [words.join(" ")],
        ),
    })
}

/// How well a service matches: whether every word is in its name, and a score (higher is better).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relevance {
    pub in_name: bool,
    pub score: f64,
}

/// The relevance of the given services (already known to match) to the text:
/// scoring only them keeps the cost proportional to the matches that remain
/// after the other filters, not to every match of the words. One statement
/// whatever their number: they go as one JSON parameter.
pub async fn relevance(
    db: &impl ConnectionTrait,
    text: &str,
    service_ids: &[String],
) -> AppResult<HashMap<String, Relevance>> {
    let words = words(text);
    let mut found = HashMap::new();
    if words.is_empty() || service_ids.is_empty() {
        return Ok(found);
    }
    let backend = db.get_database_backend();
    match backend {
        DatabaseBackend::Sqlite => {
            // bm25 is lower-is-better; weights favour the name, then terms
            // and organization. The name matches are looked up once (an
            // uncorrelated `IN` is built once per statement), and the rows
            // come aggregated as one JSON row: a few hundred rows would
            // otherwise each cross from sqlx-sqlite's worker thread on
            // their own (see `db::rows_as_json`). The score is printed with
            // 17 digits, as JSON's 15 could make unequal scores tie.
            // MATERIALIZED keeps SQLite from flattening the scoring into the
            // aggregate, where bm25() cannot run.
            //
            // The candidates go as one JSON array, as on PostgreSQL: with a
            // `?` per candidate every count of them was another statement,
            // prepared anew and kept in each pooled connection's statement
            // cache, thousands of parameters long at 100,000 services.
            //
            // The candidates are matched by the rowids of their entries
            // against the word's list of rowids, which FTS5 reads without
            // visiting a row: the unary `+` keeps SQLite from handing the
            // rowids to FTS5 as look-ups, each of which reads the word's
            // whole list again (0.9 ms against 3 ms for 44 candidates;
            // comparing the unindexed service id read every matching row:
            // 6 ms).
            let statement = Statement::from_sql_and_values(
                backend,
                "WITH scored AS MATERIALIZED (\
                     SELECT service_id, -bm25(service_fts, 0.0, 10.0, 1.0, 2.0, 4.0) AS score, \
                            rowid IN (SELECT rowid FROM service_fts WHERE service_fts MATCH ?) AS in_name \
                     FROM service_fts WHERE service_fts MATCH ? \
                     AND +rowid IN (SELECT fts_rowid FROM service_fts_row \
                                    WHERE service_id IN (SELECT value FROM json_each(?)))) \
                 SELECT json_group_array(json_array(service_id, json(printf('%!.17g', score)), in_name)) AS found \
                 FROM scored",
                [
                    Value::from(fts5_query(&words, Some("name"))),
                    Value::from(fts5_query(&words, None)),
                    Value::from(json_list(service_ids)),
                ],
            );
            if let Some(row) = db.query_one_raw(statement).await? {
                let text: String = row.try_get("", "found")?;
                let rows: Vec<(String, f64, i64)> = serde_json::from_str(&text)
                    .map_err(|e| crate::error::AppError::Internal(format!("text relevance: {e}")))?;
                for (id, score, in_name) in rows {
                    found.insert(
                        id,
                        Relevance {
                            in_name: in_name != 0,
                            score,
                        },
                    );
                }
            }
        }
        _ => {
            let statement = postgres_relevance_statement(&words, service_ids)?;
            for row in db.query_all_raw(statement).await? {
                let id: String = row.try_get("", "service_id")?;
                let score: f64 = row.try_get("", "score")?;
                let in_name: bool = row.try_get("", "in_name")?;
                found.insert(id, Relevance { in_name, score });
            }
        }
    }
    Ok(found)
}

/// PostgreSQL's relevance statement: `$1` the words, `$2` the candidates.
///
/// The candidates go as one JSON array, not a parameter each: the
/// statement's text is then the same whatever their number, so it
/// is prepared once. With `IN ($2, ..., $n)` the generic plan
/// PostgreSQL settles on after five executions compared every
/// matching document with every id in turn: 80-110 ms for 850
/// candidates.
///
/// A few candidates (the radius search's, once the box and the
/// other filters have had their say) are each looked up by key
/// and tested: `IS TRUE` keeps the test off the words' index,
/// which the generic plan would otherwise read whole (2,471
/// documents for "support" at 20,000 services: 2-10 ms against
/// 0.13 ms for 44 candidates). Many candidates are matched
/// through that index and joined by hash.
pub fn postgres_relevance_statement(words: &[String], service_ids: &[String]) -> AppResult<Statement> {
    let test = if service_ids.len() <= LOOKED_UP_AT_MOST {
        "(s.document @@ q) IS TRUE"
    } else {
        "s.document @@ q"
    };
    Ok(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        format!(
            "SELECT s.service_id, ts_rank(s.document, q)::float8 AS score, \
                    (ts_filter(s.document, '{{a}}') @@ q) AS in_name \
             FROM json_array_elements_text($2::json) AS c(id) \
             JOIN service_search s ON s.service_id = c.id, \
                  plainto_tsquery('english', $1) AS q \
             WHERE {test}"
        ),
        [Value::from(words.join(" ")), Value::from(json_list(service_ids))],
    ))
}

/// Most candidates whose relevance PostgreSQL reads by looking each one up
/// (see `relevance`); more are matched through the index of words.
const LOOKED_UP_AT_MOST: usize = 500;

/// What the index holds for one service.
struct Document {
    id: String,
    name: String,
    description: String,
    organization: String,
    terms: String,
}

/// Rebuilds the index entries of these services (a deleted service's entry goes).
pub async fn reindex(db: &impl ConnectionTrait, service_ids: &[String]) -> AppResult<()> {
    for chunk in service_ids.chunks(CHUNK) {
        let documents = documents(db, chunk).await?;
        write(db, chunk, &documents).await?;
    }
    Ok(())
}

/// Rebuilds the whole index.
pub async fn reindex_all(db: &impl ConnectionTrait) -> AppResult<()> {
    let ids: Vec<String> = service::Entity::find()
        .select_only()
        .column(service::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    reindex(db, &ids).await
}

async fn documents(db: &impl ConnectionTrait, ids: &[String]) -> AppResult<Vec<Document>> {
    let services: Vec<(String, String, Option<String>, String)> = service::Entity::find()
        .select_only()
        .columns([
            service::Column::Id,
            service::Column::Name,
            service::Column::Description,
            service::Column::OrganizationId,
        ])
        .filter(service::Column::Id.is_in(ids.to_vec()))
        .into_tuple()
        .all(db)
        .await?;
    let organization_ids: Vec<String> = services.iter().map(|s| s.3.clone()).collect();
    let organizations: HashMap<String, String> = organization::Entity::find()
        .select_only()
        .columns([organization::Column::Id, organization::Column::Name])
        .filter(organization::Column::Id.is_in(organization_ids))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut terms: HashMap<String, Vec<String>> = HashMap::new();
    for (service_id, term) in related::terms_of(db, "service", ids).await? {
        terms.entry(service_id).or_default().push(term.name);
    }
    Ok(services
        .into_iter()
        .map(|(id, name, description, organization_id)| Document {
            organization: organizations.get(&organization_id).cloned().unwrap_or_default(),
            terms: terms.remove(&id).unwrap_or_default().join(" "),
            description: description.unwrap_or_default(),
            id,
            name,
        })
        .collect())
}

async fn write(db: &impl ConnectionTrait, ids: &[String], documents: &[Document]) -> AppResult<()> {
    let backend = db.get_database_backend();
    match backend {
        DatabaseBackend::Sqlite => {
            // Each entry is found by its rowid (`service_fts_row`), not by
            // the id FTS5 keeps unindexed; new entries get the next rowids.
            let among = json_list(ids);
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                "DELETE FROM service_fts WHERE rowid IN (SELECT fts_rowid FROM service_fts_row \
                 WHERE service_id IN (SELECT value FROM json_each(?)))",
                [Value::from(among.clone())],
            ))
            .await?;
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                "DELETE FROM service_fts_row WHERE service_id IN (SELECT value FROM json_each(?))",
                [Value::from(among)],
            ))
            .await?;
            if documents.is_empty() {
                return Ok(());
            }
            let last: i64 = match db
                .query_one_raw(Statement::from_string(
                    backend,
                    "SELECT rowid FROM service_fts ORDER BY rowid DESC LIMIT 1",
                ))
                .await?
            {
                Some(row) => row.try_get_by_index(0)?,
                None => 0,
            };
            let rowids: Vec<i64> = (1..).map(|n| last + n).take(documents.len()).collect();
            let rows = vec!["(?, ?, ?, ?, ?, ?)"; documents.len()].join(", ");
            let values = documents.iter().zip(&rowids).flat_map(|(d, rowid)| {
                [Value::from(*rowid)]
                    .into_iter()
                    .chain([&d.id, &d.name, &d.description, &d.organization, &d.terms].map(|v| Value::from(v.clone())))
            });
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "INSERT INTO service_fts (rowid, service_id, name, description, organization, terms) VALUES {rows}"
                ),
                values.collect::<Vec<_>>(),
            ))
            .await?;
            let rows = vec!["(?, ?)"; documents.len()].join(", ");
            let values = documents
                .iter()
                .zip(&rowids)
                .flat_map(|(d, rowid)| [Value::from(d.id.clone()), Value::from(*rowid)]);
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                format!("INSERT INTO service_fts_row (service_id, fts_rowid) VALUES {rows}"),
                values.collect::<Vec<_>>(),
            ))
            .await?;
        }
        _ => {
            let placeholders = crate::db::placeholders(backend, 1, ids.len());
            let values: Vec<Value> = ids.iter().map(|id| id.clone().into()).collect();
            let present: std::collections::HashSet<&str> = documents.iter().map(|d| d.id.as_str()).collect();
            if present.len() < ids.len() {
                db.execute_raw(Statement::from_sql_and_values(
                    backend,
                    format!("DELETE FROM service_search WHERE service_id IN ({placeholders})"),
                    values,
                ))
                .await?;
            }
            if documents.is_empty() {
                return Ok(());
            }
            let rows: Vec<String> = (0..documents.len())
                .map(|i| {
                    let n = i * 5;
                    format!(
                        "(${}, setweight(to_tsvector('english', ${}), 'A') || setweight(to_tsvector('english', ${}), 'C') \
                         || setweight(to_tsvector('english', ${}), 'B') || setweight(to_tsvector('english', ${}), 'B'))",
                        n + 1,
                        n + 2,
                        n + 3,
                        n + 4,
                        n + 5
                    )
                })
                .collect();
            let values = documents.iter().flat_map(|d| {
                [&d.id, &d.name, &d.description, &d.organization, &d.terms].map(|v| Value::from(v.clone()))
            });
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "INSERT INTO service_search (service_id, document) VALUES {} \
                     ON CONFLICT (service_id) DO UPDATE SET document = EXCLUDED.document",
                    rows.join(", ")
                ),
                values.collect::<Vec<_>>(),
            ))
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_is_only_ever_words() {
        assert_eq!(
            words(r#"young "people" NEAR(x*) name:café -mental"#),
            ["young", "people", "near", "x", "name", "café", "mental"]
        );
        assert!(words("*** :: \"\" ''").is_empty());
        assert!(
            words("the and of").is_empty(),
            "stop words only: matches nothing on both databases"
        );
        assert_eq!(fts5_query(&words("carer's support"), None), r#""carer" AND "support""#);
        assert_eq!(fts5_query(&words("x"), Some("name")), r#"name : "x""#);
        assert_eq!(words(&"word ".repeat(100)).len(), MAX_WORDS);
    }
}
