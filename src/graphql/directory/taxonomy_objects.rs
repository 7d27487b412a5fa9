//! Taxonomies and their terms.

use super::*;

// ---- taxonomy --------------------------------------------------------------

/// A vocabulary: `service-category` (what), `audience` (who), `accessibility`, `hub-facility`.
#[derive(Debug, Clone)]
pub struct Taxonomy(pub taxonomy::Model);

/// A vocabulary: `service-category` (what), `audience` (who), `accessibility`, `hub-facility`.
#[Object]
impl Taxonomy {
    /// Id of the taxonomy.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Name, as `taxonomyTerms(taxonomy:)` takes it.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the vocabulary is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Where the vocabulary is published.
    async fn uri(&self) -> Option<&str> {
        self.0.uri.as_deref()
    }
    /// Version of the vocabulary.
    async fn version(&self) -> Option<&str> {
        self.0.version.as_deref()
    }
}

/// A term in a taxonomy's tree (HSDS `taxonomy_term`).
#[derive(Debug, Clone)]
pub struct TaxonomyTerm(pub taxonomy_term::Model);

/// A term in a taxonomy's tree (HSDS `taxonomy_term`).
#[Object]
impl TaxonomyTerm {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::TaxonomyTerm, &self.0.id)
    }
    /// The id as HSDS data and exports carry it (a UUID).
    async fn hsds_id(&self) -> &str {
        &self.0.id
    }
    /// Short code of the term.
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the term covers.
    async fn description(&self) -> Option<&str> {
        Some(self.0.description.as_str()).filter(|d| !d.is_empty())
    }
    /// Name of the taxonomy the term belongs to.
    async fn taxonomy(&self) -> &str {
        self.0
            .taxonomy
            .as_deref()
            .or(self.0.taxonomy_id.as_deref())
            .unwrap_or("")
    }
    /// Language of the term's name.
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }
    /// Persistent identifier of the term.
    async fn term_uri(&self) -> Option<&str> {
        self.0.term_uri.as_deref()
    }
    /// The broader term, if any.
    async fn parent(&self, ctx: &Context<'_>) -> GqlResult<Option<TaxonomyTerm>> {
        let Some(parent) = &self.0.parent_id else {
            return Ok(None);
        };
        Ok(load(ctx, TermById(parent.clone())).await?.map(TaxonomyTerm))
    }
    /// The narrower terms.
    #[graphql(complexity = "crate::graphql::budget::ASSUMED_LIST_LENGTH * child_complexity")]
    async fn children(&self, ctx: &Context<'_>) -> GqlResult<Vec<TaxonomyTerm>> {
        Ok(load_many(ctx, ChildTerms(self.0.id.clone()))
            .await?
            .into_iter()
            .map(TaxonomyTerm)
            .collect())
    }
}
