//! Errored fields answered as the GraphQL spec says ("Handling Field
//! Errors"): a field whose resolver failed is null, and when its type is
//! non-null the null moves up to the nearest nullable field or list item,
//! or to `data` itself.
//!
//! async-graphql 7.2 does neither: it leaves an errored field out of its
//! object, and turns an object whose every selected field errored into null
//! even where the schema says it is never null (async-graphql issues 798
//! and 1532). A client that reads responses by their schema (Apollo's
//! cache, generated types) takes such a response for a broken one. So every
//! response that has errors is completed here, after execution, from the
//! errors' paths, the document and the schema's field types: responses
//! without errors, nearly all of them, cost nothing.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, SelectionSet, Type,
    TypeKind, TypeSystemDefinition,
};
use async_graphql::{PathSegment, Response, Value};

use super::selections;

/// The declared type of every field of the schema's object and interface
/// types, and the names of its root types.
pub struct FieldTypes {
    fields: HashMap<String, HashMap<String, Type>>,
    query: String,
    mutation: String,
    subscription: String,
}

impl FieldTypes {
    /// Reads the types from a schema's SDL.
    pub fn from_sdl(sdl: &str) -> FieldTypes {
        let document = async_graphql::parser::parse_schema(sdl).expect("the schema's own SDL parses");
        let mut types = FieldTypes {
            fields: HashMap::new(),
            query: "Query".into(),
            mutation: "Mutation".into(),
            subscription: "Subscription".into(),
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    if let Some(name) = schema.query {
                        types.query = name.node.to_string();
                    }
                    if let Some(name) = schema.mutation {
                        types.mutation = name.node.to_string();
                    }
                    if let Some(name) = schema.subscription {
                        types.subscription = name.node.to_string();
                    }
                }
                TypeSystemDefinition::Type(definition) => {
                    let definition = definition.node;
                    let fields = match definition.kind {
                        TypeKind::Object(object) => object.fields,
                        TypeKind::Interface(interface) => interface.fields,
                        _ => continue,
                    };
                    let fields = fields
                        .into_iter()
                        .map(|field| (field.node.name.node.to_string(), field.node.ty.node))
                        .collect();
                    types.fields.insert(definition.name.node.to_string(), fields);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        types
    }

    /// hubgraph's own schema.
    pub fn of_hubgraph() -> &'static FieldTypes {
        static TYPES: OnceLock<FieldTypes> = OnceLock::new();
        TYPES.get_or_init(|| FieldTypes::from_sdl(&super::sdl()))
    }

    fn field(&self, type_name: &str, field_name: &str) -> Option<&Type> {
        self.fields.get(type_name)?.get(field_name)
    }

    fn root(&self, operation: OperationType) -> &str {
        match operation {
            OperationType::Query => &self.query,
            OperationType::Mutation => &self.mutation,
            OperationType::Subscription => &self.subscription,
        }
    }
}

/// Completes `response`, the result of the operation `operation_name` of
/// `document`: each error's field becomes null, or its nearest nullable
/// enclosing field or list item, or `data`. Errors without a path, or with
/// one this schema and document do not describe, are left as they are.
pub fn complete(
    response: &mut Response,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    types: &FieldTypes,
) {
    if response.errors.is_empty() {
        return;
    }
    let Some(operation) = operation(document, operation_name) else {
        return;
    };
    // Many errors may share a path, or a path but for its list indices (a
    // field failing in each item of a page): each shape is walked once.
    let mut walks: HashMap<Vec<Option<&str>>, Option<usize>> = HashMap::new();
    let mut walked: Vec<Vec<Step>> = Vec::new();
    let mut seen: HashSet<Vec<Result<&str, usize>>> = HashSet::new();
    let mut shapes: Vec<(&[PathSegment], usize)> = Vec::new();
    for error in &response.errors {
        let path = error.path.as_slice();
        // A field that has its value was answered: its resolver reported
        // the error beside it (an item of `nodes` refused as null).
        let segments: Vec<Result<&str, usize>> = path
            .iter()
            .map(|segment| match segment {
                PathSegment::Field(key) => Ok(key.as_str()),
                PathSegment::Index(index) => Err(*index),
            })
            .collect();
        let shape = segments.iter().map(|segment| segment.ok()).collect();
        if !seen.insert(segments) || answered(&response.data, path) {
            continue;
        }
        let walk = *walks.entry(shape).or_insert_with(|| {
            let steps = Walk::new(document, types, operation).steps(path)?;
            walked.push(steps);
            Some(walked.len() - 1)
        });
        if let Some(walk) = walk {
            shapes.push((path, walk));
        }
    }
    if shapes.is_empty() {
        return;
    }
    let mut data = std::mem::take(&mut response.data);
    // An error at a field's path shows the operation ran: `data` is an
    // object, null only because every root field failed.
    if data == Value::Null {
        data = Value::Object(Default::default());
    }
    // Objects that lost every field are null in async-graphql's answer;
    // an error below one shows it was an object, so it is one again before
    // any null is placed (a later error may null it for good).
    for (path, _) in &shapes {
        restore_objects(&mut data, path);
    }
    for (path, walk) in &shapes {
        place_null(&mut data, path, &walked[*walk]);
    }
    response.data = data;
}

/// Whether the value at `path` is there and not null.
fn answered(data: &Value, path: &[PathSegment]) -> bool {
    path.iter()
        .try_fold(data, |value, segment| match (segment, value) {
            (PathSegment::Field(key), Value::Object(object)) => object.get(key.as_str()),
            (PathSegment::Index(index), Value::List(items)) => items.get(*index),
            _ => None,
        })
        .is_some_and(|value| *value != Value::Null)
}

/// The operation a request ran.
fn operation<'a>(document: &'a ExecutableDocument, name: Option<&str>) -> Option<&'a OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(&operation.node),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|op| &op.node)
        }
        _ => None,
    }
}

/// What the schema says of one segment of an error's path.
struct Step {
    /// The segment may be null.
    nullable: bool,
    /// For a field, the response keys of the selection it is in, in the
    /// order the response lists them.
    siblings: Vec<String>,
}

/// Follows a path through an operation's selections and the schema.
struct Walk<'a> {
    document: &'a ExecutableDocument,
    types: &'a FieldTypes,
    /// The selections the next field segment is looked up in, each with
    /// the type it selects on.
    selections: Vec<(&'a str, &'a SelectionSet)>,
    /// The type of the value the path is at.
    current: Option<&'a Type>,
}

impl<'a> Walk<'a> {
    fn new(document: &'a ExecutableDocument, types: &'a FieldTypes, operation: &'a OperationDefinition) -> Walk<'a> {
        Walk {
            document,
            types,
            selections: vec![(types.root(operation.ty), &operation.selection_set.node)],
            current: None,
        }
    }

    fn steps(mut self, path: &[PathSegment]) -> Option<Vec<Step>> {
        if path.is_empty() {
            return None;
        }
        path.iter().map(|segment| self.step(segment)).collect()
    }

    fn step(&mut self, segment: &PathSegment) -> Option<Step> {
        match segment {
            PathSegment::Index(_) => {
                let BaseType::List(item) = &self.current?.base else {
                    return None;
                };
                self.current = Some(item);
                Some(Step {
                    nullable: item.nullable,
                    siblings: Vec::new(),
                })
            }
            PathSegment::Field(key) => {
                let mut fields = Vec::new();
                for (on, selection) in &self.selections {
                    fields.extend(selections::fields_of(self.document, on, selection)?);
                }
                let siblings = response_keys(&fields);
                let matching: Vec<&(&'a str, &'a Field)> = fields
                    .iter()
                    .filter(|(_, field)| field.response_key().node == key.as_str())
                    .collect();
                // Fields of one key selected on different types may differ
                // in type (`Organization` on one, `Organization!` on
                // another): which one the value is of cannot be told from
                // the response, so such an error is left as it is.
                let (on, field) = matching.first()?;
                let ty = self.types.field(on, &field.name.node)?;
                for (other_on, other) in &matching[1..] {
                    if self.types.field(other_on, &other.name.node)? != ty {
                        return None;
                    }
                }
                let named = selections::named_type(ty);
                self.selections = matching
                    .iter()
                    .map(|(_, field)| (named, &field.selection_set.node))
                    .collect();
                self.current = Some(ty);
                Some(Step {
                    nullable: ty.nullable,
                    siblings,
                })
            }
        }
    }
}

/// The distinct response keys of `fields`, first seen first.
fn response_keys(fields: &[(&str, &Field)]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for (_, field) in fields {
        let key = field.response_key().node.as_str();
        if !keys.iter().any(|seen| seen == key) {
            keys.push(key.to_owned());
        }
    }
    keys
}

/// Turns the nulls on `path` above its last segment back into objects.
fn restore_objects(data: &mut Value, path: &[PathSegment]) {
    let mut value = data;
    for (depth, segment) in path[..path.len() - 1].iter().enumerate() {
        let Some(child) = child_mut(value, segment) else {
            return;
        };
        let next_is_field = matches!(path[depth + 1], PathSegment::Field(_));
        if next_is_field && *child == Value::Null {
            *child = Value::Object(Default::default());
        }
        value = child;
    }
}

/// Nulls the errored field, or the nearest nullable segment above it, or
/// all of `data`.
fn place_null(data: &mut Value, path: &[PathSegment], steps: &[Step]) {
    let Some(depth) = steps.iter().rposition(|step| step.nullable) else {
        *data = Value::Null;
        return;
    };
    let mut value = data;
    for segment in &path[..depth] {
        match child_mut(value, segment) {
            // Null already: an earlier error nulled this part.
            Some(child) if *child != Value::Null => value = child,
            _ => return,
        }
    }
    match (&path[depth], value) {
        (PathSegment::Field(key), Value::Object(object)) => match object.get_mut(key.as_str()) {
            Some(field) => *field = Value::Null,
            None => {
                let siblings = &steps[depth].siblings;
                let rank = |k: &str| siblings.iter().position(|sibling| sibling == k);
                let at = object.keys().filter(|present| rank(present) < rank(key)).count();
                object.shift_insert(at, async_graphql::Name::new(key), Value::Null);
            }
        },
        (PathSegment::Index(index), Value::List(items)) => {
            if let Some(item) = items.get_mut(*index) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}

/// The value at `segment` of `value`, if there is one.
fn child_mut<'v>(value: &'v mut Value, segment: &PathSegment) -> Option<&'v mut Value> {
    match (segment, value) {
        (PathSegment::Field(key), Value::Object(object)) => object.get_mut(key.as_str()),
        (PathSegment::Index(index), Value::List(items)) => items.get_mut(*index),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
