//! MITRE ATT&CK: the knowledge base behind every detection, and the ranking of known groups.
//!
//! ```text
//! STIX bundle(s) ─► stix (raw objects) ─► build ─► KnowledgeBase ─► index_file (cache)
//!                                                      │
//!                         observed techniques ─► actors (similarity ranking, explanations)
//! ```
//!
//! Where the data comes from is [`source`]'s job: a file the user names, the local cache, or a
//! download that replaces the cache only once it parsed. Nothing about ATT&CK is hard-coded:
//! tactics, names and relationships all come from the loaded version.

pub mod actors;
pub mod build;
pub mod card;
pub mod diff;
pub mod download;
pub mod index_file;
pub mod knowledge;
pub mod self_test;
pub mod source;
pub mod stix;

pub use knowledge::KnowledgeBase;
pub use source::{AttackError, LoadedAttack};
