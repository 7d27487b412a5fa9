//! Partners and their access: who they are (kind, organisation, areas), the
//! scopes each kind may hold, the tokens issued to them and authentication.
//! Plain Rust over sea-orm; the CLI, the HTTP layer and the resolvers call it.

pub mod access;
pub mod audit;
pub mod auth;
pub mod idempotency;
pub mod keys;
pub mod kind;
pub mod registry;
pub mod tokens;

pub use auth::{Viewer, authenticate};
pub use keys::JwtKeys;
pub use kind::PartnerKind;
pub use registry::{NewPartner, Partner, add_partner, disable_partner, find_partner, list_partners, working_areas};
pub use tokens::{IssuedToken, issue_token, list_tokens, revoke_token};
