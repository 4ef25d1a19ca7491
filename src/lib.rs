//! ThreatLens: reads firewall, auth and network-sensor logs, finds suspicious activity, and tags
//! each finding with MITRE ATT&CK techniques.
//!
//! The crate is one library with two front doors: the `threatlens` binary's headless commands
//! (`scan`, `events`, `attack`, `actors`, `intel`) and the desktop app ([`app`] state and jobs,
//! [`ui`] views). Both call [`engine`], which never imports a GUI crate.
//!
//! ```text
//! files ─► engine::ingest ─► events ─┬─► engine::detect (Sigma, analytics) ─┬─► detections
//!                                    └─► engine::intel (indicators, feeds) ─┘        │
//!   engine::attack (ATT&CK knowledge base, actor ranking) ◄──────────────────────────┤
//!   engine::taxii (TAXII 2.1 sync) ─► engine::intel        engine::export (JSON, STIX, …) ◄┘
//! ```
//!
//! Data on disk (ATT&CK cache and index, synced collections) lives where
//! [`engine::storage`] says, and is only ever replaced whole.
//!
//! # Failure handling
//! - A bad line is counted in its file's [`engine::ingest::FileReport`] with its line number and
//!   a reason; parsing goes on.
//! - A file that cannot be opened or recognized is reported by name; the other files still load.
//! - A failed download or sync leaves the stored data exactly as it was.
//! - Engine errors are `thiserror` enums per area; the binary adds context with `anyhow`.
//!
//! # Log levels (`RUST_LOG`)
//! - `error`: a run cannot go on.
//! - `warn`: something the user should know that did not stop the run (a damaged archive).
//! - `info`: one line per run step ("read 3 files, 412 detections").
//! - `debug`: per file and per rule.
//! - `trace`: per line; never enabled by default.

pub mod app;
pub mod engine;
pub mod ui;
