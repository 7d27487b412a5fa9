//! Referral pathways: ordered routes from an entry point such as a library
//! to the services that help, curated by the HSCP of the area, and the
//! counts of referrals made along them. Plain Rust over sea-orm; the
//! resolvers and the seeders call it. Access is the caller's business
//! (`partners::access`).

pub mod activity;
pub mod model;
pub mod reads;
pub mod writes;

pub use model::{Bucket, PathwayStatus, ReferralMethod, StepKind};
