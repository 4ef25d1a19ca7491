//! MITRE ATT&CK data: what the technique ids on detections mean.
//!
//! For now a [`catalog::TechniqueCatalog`] of technique names and tactics read from an ATT&CK
//! STIX bundle the user names; the full knowledge base (groups, mitigations, cache, downloads)
//! is issue #3.

pub mod catalog;

pub use catalog::{AttackError, TechniqueCatalog};
