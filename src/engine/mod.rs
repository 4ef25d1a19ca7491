//! The analysis engine: everything ThreatLens knows how to do, with no user interface.
//!
//! ```text
//! files ─► ingest (one parser per format) ─► Event ─► detect (Sigma rules, analytics) ─► Detection
//! ```
//!
//! [`scan::Scan`] is the one entry point that the command line, the tests and the benchmarks
//! use: it reads files on worker threads, runs the detector, and returns a [`scan::ScanOutcome`]
//! with a report per file. Nothing here imports a GUI crate.
#![warn(missing_docs)]

pub mod attack;
pub mod detect;
pub mod event;
pub mod export;
pub mod ingest;
pub mod intel;
pub mod scan;
pub mod storage;
pub mod taxii;
