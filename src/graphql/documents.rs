//! Parsed GraphQL documents, kept by their text.
//!
//! Partner websites and dashboards send the same few documents over and
//! over with different variables. async-graphql's parser (pest) was the
//! largest single cost of a small request: 40% of the instructions of a
//! service by id (`bench/RESULTS.md`, the sixth pass). A document is parsed
//! once while it stays here and cloned for each request that sends it.
//!
//! The cache is bounded by the length of the texts it keeps, so documents
//! sent once (or by a client varying its text on purpose) only push out the
//! least used; a text longer than a shard's share of the bound is parsed
//! every time. Documents that do not parse are never kept.

use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::parser::{self, parse_query};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// Bytes of query text kept by default: hundreds of typical documents (a
/// few hundred bytes to a few kilobytes each).
pub const DEFAULT_CAPACITY_BYTES: u64 = 512 * 1024;

/// Weighs an entry by its text: a parsed document's size grows with it.
#[derive(Clone)]
struct TextLength;

impl Weighter<String, ExecutableDocument> for TextLength {
    fn weight(&self, text: &String, _: &ExecutableDocument) -> u64 {
        // At least 1: quick_cache never evicts entries of weight 0.
        (text.len() as u64).max(1)
    }
}

/// Documents by text, with counts of how often one was found.
pub struct ParsedDocuments {
    cache: Cache<String, ExecutableDocument, TextLength>,
    found: AtomicU64,
    parsed: AtomicU64,
}

impl ParsedDocuments {
    /// A cache keeping up to `capacity_bytes` of query text.
    pub fn new(capacity_bytes: u64) -> Self {
        // quick_cache sizes its tables by an estimate of the entry count.
        let estimated_entries = usize::try_from(capacity_bytes / 512).unwrap_or(usize::MAX).max(16);
        ParsedDocuments {
            cache: Cache::with_weighter(estimated_entries, capacity_bytes, TextLength),
            found: AtomicU64::new(0),
            parsed: AtomicU64::new(0),
        }
    }

    /// The document `query` parses to: a copy of the kept one if there is
    /// one, else parsed now (and kept, if it parses).
    pub fn parse(&self, query: &str) -> Result<ExecutableDocument, parser::Error> {
        if let Some(document) = self.cache.get(query) {
            self.found.fetch_add(1, Ordering::Relaxed);
            return Ok(document);
        }
        let document = parse_query(query)?;
        self.parsed.fetch_add(1, Ordering::Relaxed);
        self.cache.insert(query.to_owned(), document.clone());
        Ok(document)
    }

    /// Documents served from the cache so far.
    pub fn found(&self) -> u64 {
        self.found.load(Ordering::Relaxed)
    }

    /// Documents parsed (not found in the cache) so far, counting only those that parsed.
    pub fn parsed(&self) -> u64 {
        self.parsed.load(Ordering::Relaxed)
    }
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        ParsedDocuments::new(DEFAULT_CAPACITY_BYTES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AREAS: &str = "query Areas { areas { code name } }";

    #[test]
    fn a_document_is_parsed_once_and_then_found() {
        let documents = ParsedDocuments::new(64 * 1024);
        let first = documents.parse(AREAS).unwrap();
        let second = documents.parse(AREAS).unwrap();
        assert_eq!((documents.parsed(), documents.found()), (1, 1));
        // The copy is the document itself, positions and all.
        assert_eq!(format!("{first:?}"), format!("{second:?}"));
        assert_eq!(format!("{second:?}"), format!("{:?}", parse_query(AREAS).unwrap()));
    }

    #[test]
    fn a_document_that_does_not_parse_is_reported_each_time_and_not_kept() {
        let documents = ParsedDocuments::new(64 * 1024);
        for _ in 0..2 {
            let error = documents.parse("{ areas { code ").unwrap_err();
            assert!(error.to_string().contains("expected"), "{error}");
        }
        assert_eq!((documents.parsed(), documents.found()), (0, 0));
        assert_eq!(documents.cache.len(), 0);
    }

    #[test]
    fn the_cache_keeps_no_more_text_than_its_capacity() {
        let capacity = 8 * 1024;
        let documents = ParsedDocuments::new(capacity);
        for i in 0..1_000 {
            documents.parse(&format!("query Q{i} {{ areas {{ code }} }}")).unwrap();
        }
        assert!(documents.cache.weight() <= capacity, "{}", documents.cache.weight());
        assert!(documents.cache.len() < 1_000);
        assert_eq!(documents.parsed(), 1_000);
    }
}
