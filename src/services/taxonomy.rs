//! Taxonomies and their term trees.

use std::collections::HashSet;

use entity::{taxonomy, taxonomy_term};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Statement, Value};

use crate::error::AppResult;
use crate::page::{Page, PageRequest};
use crate::services::keyset;

pub async fn all_taxonomies(db: &impl ConnectionTrait) -> AppResult<Vec<taxonomy::Model>> {
    Ok(taxonomy::Entity::find()
        .order_by_asc(taxonomy::Column::Name)
        .all(db)
        .await?)
}

pub async fn find_term(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<taxonomy_term::Model>> {
    Ok(taxonomy_term::Entity::find_by_id(id.to_owned()).one(db).await?)
}

/// Which terms to list: those of one taxonomy (by name or id) and/or the
/// children of one parent, or only the top of the tree (terms with no
/// parent: a menu's first level).
#[derive(Debug, Default, Clone)]
pub struct TermFilter {
    pub taxonomy: Option<String>,
    pub parent_id: Option<String>,
    pub top_only: bool,
}

fn filtered(filter: &TermFilter) -> sea_orm::Select<taxonomy_term::Entity> {
    let mut select = taxonomy_term::Entity::find();
    if let Some(taxonomy) = &filter.taxonomy {
        select = select.filter(
            taxonomy_term::Column::Taxonomy
                .eq(taxonomy.clone())
                .or(taxonomy_term::Column::TaxonomyId.eq(taxonomy.clone())),
        );
    }
    if let Some(parent) = &filter.parent_id {
        select = select.filter(taxonomy_term::Column::ParentId.eq(parent.clone()));
    }
    if filter.top_only {
        select = select.filter(taxonomy_term::Column::ParentId.is_null());
    }
    select
}

pub async fn list_terms(
    db: &impl ConnectionTrait,
    filter: &TermFilter,
    page: &PageRequest,
) -> AppResult<Page<taxonomy_term::Model>> {
    let select = keyset::apply(
        filtered(filter),
        taxonomy_term::Column::Name.into_expr(),
        taxonomy_term::Column::Id.into_expr(),
        page,
    );
    Ok(Page::from_fetched(keyset::fetch(db, select).await?, page))
}

pub async fn count_terms(db: &impl ConnectionTrait, filter: &TermFilter) -> AppResult<u64> {
    Ok(filtered(filter).count(db).await?)
}

/// Every term of one taxonomy (by name or id).
pub async fn terms_of_taxonomy(db: &impl ConnectionTrait, taxonomy: &str) -> AppResult<Vec<taxonomy_term::Model>> {
    let filter = TermFilter {
        taxonomy: Some(taxonomy.to_owned()),
        ..TermFilter::default()
    };
    Ok(filtered(&filter).all(db).await?)
}

/// The given terms and all their descendants, in one statement however deep
/// the tree (a recursive query; `UNION` drops repeats, so even a cycle in
/// imported data ends).
pub async fn with_descendants(db: &impl ConnectionTrait, ids: &[String]) -> AppResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let statement = Statement::from_sql_and_values(
        backend,
        format!(
            "WITH RECURSIVE subtree(id) AS ( \
                 SELECT id FROM taxonomy_term WHERE id IN ({}) \
                 UNION \
                 SELECT term.id FROM taxonomy_term AS term JOIN subtree ON term.parent_id = subtree.id \
             ) SELECT id FROM subtree",
            crate::db::placeholders(backend, 1, ids.len())
        ),
        ids.iter().map(|id| Value::from(id.clone())),
    );
    let mut all: HashSet<String> = ids.iter().cloned().collect();
    for row in db.query_all_raw(statement).await? {
        all.insert(row.try_get_by_index(0)?);
    }
    let mut all: Vec<String> = all.into_iter().collect();
    all.sort();
    Ok(all)
}

/// Whether a term belongs to `taxonomy`, named by the taxonomy's name or id
/// (as the taxonomy filter of the directory matches them).
pub fn is_term_of(term: &taxonomy_term::Model, taxonomy: &str) -> bool {
    term.taxonomy.as_deref() == Some(taxonomy) || term.taxonomy_id.as_deref() == Some(taxonomy)
}

/// Checks that every id names a term of `taxonomy`: `NOT_FOUND` or
/// `INVALID` at `field.i` for each one that does not.
pub async fn check_terms_of(
    db: &impl ConnectionTrait,
    errors: &mut Vec<crate::services::writes::UserError>,
    field: &str,
    ids: &[String],
    taxonomy: &str,
) -> AppResult<()> {
    use crate::services::writes::UserError;
    if ids.is_empty() {
        return Ok(());
    }
    let found = taxonomy_term::Entity::find()
        .filter(taxonomy_term::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    for (i, id) in ids.iter().enumerate() {
        let index = i.to_string();
        match found.iter().find(|term| &term.id == id) {
            None => errors.push(UserError::new(&[field, &index], "NOT_FOUND", "no such taxonomy term")),
            Some(term) if !is_term_of(term, taxonomy) => errors.push(UserError::new(
                &[field, &index],
                "INVALID",
                format!("not a term of the {taxonomy} taxonomy"),
            )),
            Some(_) => {}
        }
    }
    Ok(())
}
