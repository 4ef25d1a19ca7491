//! What a finding says about the rule behind it: title, severity, ATT&CK techniques and tactics.
//!
//! Techniques and tactics come from Sigma tags: `attack.t1110.001` is technique `T1110.001`,
//! `attack.credential-access` (or `attack.credential_access`) is tactic `credential-access`.
//! Other `attack.*` tags (groups, software) are not techniques and are ignored here.

use rsigma_parser::Level;

use crate::engine::detect::detection::Severity;

/// The ATT&CK Enterprise tactics, by the short names rule tags use.
const TACTICS: &[&str] = &[
    "reconnaissance",
    "resource-development",
    "initial-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "defense-evasion",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
    "exfiltration",
    "impact",
];

/// The fields a simple rule's matches are folded by when the rule does not say.
pub const DEFAULT_FOLD_FIELDS: &[&str] = &["src_ip", "dst_ip", "dst_port", "user"];

/// The custom rule attribute naming the fields a rule's matches are folded by.
pub const FOLD_ATTRIBUTE: &str = "threatlens-fold";

/// A rule's identity and tagging, as copied into every detection it makes.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleMeta {
    /// Rule id (the Sigma `id`, or a name made from file and title when the rule has none).
    pub id: String,
    /// Rule title.
    pub title: String,
    /// Severity from the rule's `level`.
    pub severity: Severity,
    /// ATT&CK technique ids, upper case.
    pub techniques: Vec<String>,
    /// ATT&CK tactic short names.
    pub tactics: Vec<String>,
    /// The file the rule came from (`bundled:<name>` for bundled rules).
    pub source: String,
}

impl RuleMeta {
    /// Metadata from a rule's id, title, level and tags.
    pub fn new(
        id: String,
        title: &str,
        level: Option<Level>,
        tags: &[String],
        source: &str,
    ) -> Self {
        let severity = level.map_or(Severity::Medium, |level| {
            Severity::from_sigma(level.as_str())
        });
        let (techniques, tactics) = attack_from_tags(tags);
        Self {
            id,
            title: title.to_owned(),
            severity,
            techniques,
            tactics,
            source: source.to_owned(),
        }
    }
}

/// Technique ids and tactic names from Sigma tags, each listed once, in tag order.
pub fn attack_from_tags(tags: &[String]) -> (Vec<String>, Vec<String>) {
    let mut techniques = Vec::new();
    let mut tactics = Vec::new();
    for tag in tags {
        let lowered = tag.to_ascii_lowercase();
        let Some(name) = lowered.strip_prefix("attack.") else {
            continue;
        };

        if let Some(id) = technique_id(name) {
            push_unique(&mut techniques, id);
            continue;
        }

        let tactic = name.replace('_', "-");
        if TACTICS.contains(&tactic.as_str()) {
            push_unique(&mut tactics, tactic);
        }
    }
    (techniques, tactics)
}

/// `t1110` → `T1110`, `t1110.001` → `T1110.001`; anything else is not a technique.
fn technique_id(name: &str) -> Option<String> {
    let digits = name.strip_prefix('t')?;
    let (main, sub) = match digits.split_once('.') {
        Some((main, sub)) => (main, Some(sub)),
        None => (digits, None),
    };
    let numeric = |text: &str| text.bytes().all(|byte| byte.is_ascii_digit());
    if main.len() != 4 || !numeric(main) {
        return None;
    }
    match sub {
        Some(sub) if sub.len() == 3 && numeric(sub) => Some(format!("T{main}.{sub}")),
        Some(_) => None,
        None => Some(format!("T{main}")),
    }
}

/// Adds `value` unless it is already there.
pub fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_give_techniques_and_tactics() {
        let tags: Vec<String> = [
            "attack.credential-access",
            "attack.t1110.001",
            "attack.T1110",
            "attack.credential_access",
            "attack.g0016",
            "attack.t1110.01",
            "cve.2021-44228",
        ]
        .iter()
        .map(|tag| (*tag).to_owned())
        .collect();

        let (techniques, tactics) = attack_from_tags(&tags);

        assert_eq!(techniques, vec!["T1110.001", "T1110"]);
        assert_eq!(tactics, vec!["credential-access"]);
    }

    #[test]
    fn level_gives_severity_and_missing_level_is_medium() {
        let high = RuleMeta::new("a".into(), "A", Some(Level::High), &[], "x");
        let none = RuleMeta::new("b".into(), "B", None, &[], "x");
        assert_eq!(high.severity, Severity::High);
        assert_eq!(none.severity, Severity::Medium);
    }
}
