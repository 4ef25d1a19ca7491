//! macOS application firewall messages (`socketfilterfw`, `Firewall`, kernel stealth-mode and
//! `ipfw` lines).
