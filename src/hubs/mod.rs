//! Hubs: libraries and community venues acting as Community Hubs, Health
//! and Wellbeing Hubs or warm spaces, their live status and its history.
//! Plain Rust over sea-orm; the resolvers, the seeders and the expiry
//! sweeper call it. Access is the caller's business (`partners::access`).

pub mod announce;
pub mod commit;
pub mod expiry;
pub mod model;
pub mod reads;
pub mod writes;

pub use model::{HubKind, HubStatus, Reason};
