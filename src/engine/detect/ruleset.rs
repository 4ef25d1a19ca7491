//! Loading rules: the bundled set compiled into the binary, plus an analyst's rule folder.
//!
//! A rule file is either Sigma (detection and correlation rules, one or more YAML documents) or
//! a ThreatLens analytic document (it has a `threatlens-analytic:` block, see
//! [`super::analytics::config`]). Every rule is compiled when loaded, so a bad rule fails the
//! load with its file named rather than failing later during a scan.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rsigma_eval::correlation::compile_correlation;
use rsigma_eval::{CompiledCorrelation, CompiledRule, compile_rule};
use rsigma_parser::{CorrelationRule, SigmaRule, parse_sigma_yaml};

use crate::engine::detect::RuleError;
use crate::engine::detect::analytics::config::{ANALYTIC_KEY, AnalyticSpec, parse_analytics};
use crate::engine::detect::logsource::formats_for;
use crate::engine::detect::meta::{DEFAULT_FOLD_FIELDS, FOLD_ATTRIBUTE, RuleMeta};
use crate::engine::event::EventFormat;

/// The rule files compiled into the binary, by file name.
const BUNDLED: &[(&str, &str)] = &[
    (
        "auth_brute_force.yml",
        include_str!("../../../assets/rules/auth_brute_force.yml"),
    ),
    (
        "auth_invalid_user.yml",
        include_str!("../../../assets/rules/auth_invalid_user.yml"),
    ),
    (
        "auth_success_after_failures.yml",
        include_str!("../../../assets/rules/auth_success_after_failures.yml"),
    ),
    (
        "firewall_remote_service_denied.yml",
        include_str!("../../../assets/rules/firewall_remote_service_denied.yml"),
    ),
    (
        "network_scan.yml",
        include_str!("../../../assets/rules/network_scan.yml"),
    ),
    (
        "web_attacks.yml",
        include_str!("../../../assets/rules/web_attacks.yml"),
    ),
    (
        "web_scanners.yml",
        include_str!("../../../assets/rules/web_scanners.yml"),
    ),
    (
        "zeek_http_attacks.yml",
        include_str!("../../../assets/rules/zeek_http_attacks.yml"),
    ),
    (
        "suricata_alerts.yml",
        include_str!("../../../assets/rules/suricata_alerts.yml"),
    ),
    (
        "zeek_ssh_brute_force.yml",
        include_str!("../../../assets/rules/zeek_ssh_brute_force.yml"),
    ),
    (
        "analytics/beaconing.yml",
        include_str!("../../../assets/rules/analytics/beaconing.yml"),
    ),
    (
        "analytics/exfiltration.yml",
        include_str!("../../../assets/rules/analytics/exfiltration.yml"),
    ),
    (
        "analytics/dns_tunnelling.yml",
        include_str!("../../../assets/rules/analytics/dns_tunnelling.yml"),
    ),
    (
        "analytics/long_connections.yml",
        include_str!("../../../assets/rules/analytics/long_connections.yml"),
    ),
];

/// A compiled Sigma detection rule and what we need to route and fold its matches.
#[derive(Debug, Clone)]
pub struct LoadedRule {
    /// The parsed rule, kept for the correlation engine's bookkeeping.
    pub sigma: SigmaRule,
    /// The compiled rule.
    pub compiled: CompiledRule,
    /// Identity and ATT&CK tagging.
    pub meta: RuleMeta,
    /// The formats whose events this rule sees.
    pub formats: Vec<EventFormat>,
    /// The fields its matches are folded by.
    pub fold_fields: Vec<String>,
}

/// A compiled Sigma correlation rule.
#[derive(Debug, Clone)]
pub struct LoadedCorrelation {
    /// The parsed rule.
    pub rule: CorrelationRule,
    /// The compiled rule (group-by fields, window).
    pub compiled: CompiledCorrelation,
    /// Identity and ATT&CK tagging.
    pub meta: RuleMeta,
}

#[derive(Debug, Default)]
struct Loaded {
    rules: Vec<LoadedRule>,
    correlations: Vec<LoadedCorrelation>,
    analytics: Vec<AnalyticSpec>,
}

/// The loaded rules, ready to make detectors. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    loaded: Arc<Loaded>,
}

impl RuleSet {
    /// Every ATT&CK technique id the rules, correlations and analytics are tagged with, sorted.
    pub fn technique_ids(&self) -> Vec<String> {
        let metas = (self.loaded.rules.iter().map(|rule| &rule.meta))
            .chain(self.loaded.correlations.iter().map(|rule| &rule.meta))
            .chain(self.loaded.analytics.iter().map(|analytic| &analytic.meta));
        let mut ids: Vec<String> = metas.flat_map(|meta| meta.techniques.clone()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The rules bundled with ThreatLens.
    pub fn bundled() -> Result<Self, RuleError> {
        let mut loaded = Loaded::default();
        for (name, text) in BUNDLED {
            loaded.add_text(&format!("bundled:{name}"), text)?;
        }
        loaded.finish()
    }

    /// Bundled rules plus every `.yml`/`.yaml` file under `dir`.
    pub fn with_dir(dir: &Path) -> Result<Self, RuleError> {
        let mut loaded = Loaded::default();
        for (name, text) in BUNDLED {
            loaded.add_text(&format!("bundled:{name}"), text)?;
        }
        loaded.add_dir(dir)?;
        loaded.finish()
    }

    /// Only the `.yml`/`.yaml` files under `dir`, without the bundled rules.
    pub fn from_dir_only(dir: &Path) -> Result<Self, RuleError> {
        let mut loaded = Loaded::default();
        loaded.add_dir(dir)?;
        loaded.finish()
    }

    /// Rules from YAML text, as if read from a file called `name`. For tests and tools.
    pub fn from_yaml(name: &str, text: &str) -> Result<Self, RuleError> {
        let mut loaded = Loaded::default();
        loaded.add_text(name, text)?;
        loaded.finish()
    }

    /// Number of rules (detection, correlation) and analytics loaded.
    pub fn len(&self) -> usize {
        let loaded = &self.loaded;
        loaded.rules.len() + loaded.correlations.len() + loaded.analytics.len()
    }

    /// True when no rule is loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The Sigma detection rules.
    pub fn rules(&self) -> &[LoadedRule] {
        &self.loaded.rules
    }

    /// The Sigma correlation rules.
    pub fn correlations(&self) -> &[LoadedCorrelation] {
        &self.loaded.correlations
    }

    /// The statistical analytics.
    pub fn analytics(&self) -> &[AnalyticSpec] {
        &self.loaded.analytics
    }
}

impl Loaded {
    fn add_dir(&mut self, dir: &Path) -> Result<(), RuleError> {
        let mut files = Vec::new();
        collect_rule_files(dir, &mut files)?;
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|source| RuleError::Io {
                path: path.clone(),
                source,
            })?;
            self.add_text(&path.display().to_string(), &text)?;
        }
        Ok(())
    }

    fn add_text(&mut self, source: &str, text: &str) -> Result<(), RuleError> {
        let invalid = |reason: String| RuleError::Invalid {
            path: source.to_owned(),
            reason,
        };

        if text.lines().any(|line| line.starts_with(ANALYTIC_KEY)) {
            let specs = parse_analytics(text, source).map_err(invalid)?;
            self.analytics.extend(specs);
            return Ok(());
        }

        let collection = parse_sigma_yaml(text).map_err(|error| invalid(error.to_string()))?;
        if !collection.errors.is_empty() {
            return Err(invalid(collection.errors.join("; ")));
        }
        if !collection.filters.is_empty() {
            tracing::warn!(
                file = source,
                "Sigma filter rules are not supported; ignored"
            );
        }

        for rule in collection.rules {
            let loaded = load_rule(rule, source).map_err(invalid)?;
            self.rules.push(loaded);
        }
        for rule in collection.correlations {
            let loaded = load_correlation(rule, source).map_err(invalid)?;
            self.correlations.push(loaded);
        }
        Ok(())
    }

    /// Checks what only the whole set can tell: unique ids and correlation references.
    fn finish(self) -> Result<RuleSet, RuleError> {
        let mut known: HashMap<&str, &str> = HashMap::new();
        let identities = self
            .rules
            .iter()
            .map(|rule| (&rule.meta, rule.sigma.name.as_deref()))
            .chain(
                self.correlations
                    .iter()
                    .map(|corr| (&corr.meta, corr.rule.name.as_deref())),
            );
        for (meta, name) in identities {
            if let Some(first) = known.insert(meta.id.as_str(), meta.source.as_str()) {
                return Err(RuleError::Invalid {
                    path: meta.source.clone(),
                    reason: format!("rule id {} is already used in {first}", meta.id),
                });
            }
            if let Some(name) = name {
                known.entry(name).or_insert(meta.source.as_str());
            }
        }

        for corr in &self.correlations {
            if let Some(missing) = corr
                .rule
                .rules
                .iter()
                .find(|r| !known.contains_key(r.as_str()))
            {
                return Err(RuleError::Invalid {
                    path: corr.meta.source.clone(),
                    reason: format!(
                        "correlation '{}' refers to unknown rule {missing}",
                        corr.meta.title
                    ),
                });
            }
        }

        for spec in &self.analytics {
            if let Some(first) = known.insert(spec.meta.id.as_str(), spec.meta.source.as_str()) {
                return Err(RuleError::Invalid {
                    path: spec.meta.source.clone(),
                    reason: format!("rule id {} is already used in {first}", spec.meta.id),
                });
            }
        }

        tracing::debug!(
            rules = self.rules.len(),
            correlations = self.correlations.len(),
            analytics = self.analytics.len(),
            "rules loaded"
        );
        Ok(RuleSet {
            loaded: Arc::new(self),
        })
    }
}

fn load_rule(mut rule: SigmaRule, source: &str) -> Result<LoadedRule, String> {
    let id = rule
        .id
        .clone()
        .unwrap_or_else(|| format!("{source}#{}", rule.title));
    rule.id = Some(id.clone());

    let compiled =
        compile_rule(&rule).map_err(|error| format!("rule '{}': {error}", rule.title))?;
    let formats = formats_for(&rule.logsource);
    if formats.is_empty() {
        tracing::warn!(
            file = source,
            rule = rule.title,
            "no ThreatLens log format has this rule's logsource; it will never match"
        );
    }
    let fold_fields =
        fold_fields(&rule).map_err(|error| format!("rule '{}': {error}", rule.title))?;
    let meta = RuleMeta::new(id, &rule.title, rule.level, &rule.tags, source);

    Ok(LoadedRule {
        sigma: rule,
        compiled,
        meta,
        formats,
        fold_fields,
    })
}

fn load_correlation(mut rule: CorrelationRule, source: &str) -> Result<LoadedCorrelation, String> {
    let id = rule
        .id
        .clone()
        .unwrap_or_else(|| format!("{source}#{}", rule.title));
    rule.id = Some(id.clone());

    let compiled = compile_correlation(&rule)
        .map_err(|error| format!("correlation '{}': {error}", rule.title))?;
    let meta = RuleMeta::new(id, &rule.title, rule.level, &rule.tags, source);
    Ok(LoadedCorrelation {
        rule,
        compiled,
        meta,
    })
}

/// The rule's `threatlens-fold` list, or the default fold fields.
fn fold_fields(rule: &SigmaRule) -> Result<Vec<String>, String> {
    let Some(value) = rule.custom_attributes.get(FOLD_ATTRIBUTE) else {
        return Ok(DEFAULT_FOLD_FIELDS
            .iter()
            .map(|f| (*f).to_owned())
            .collect());
    };
    let list = value
        .as_sequence()
        .ok_or_else(|| format!("{FOLD_ATTRIBUTE} must be a list of field names"))?;
    list.iter()
        .map(|item| {
            item.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{FOLD_ATTRIBUTE} must be a list of field names"))
        })
        .collect()
}

/// Every `.yml` / `.yaml` file under `dir`, recursively.
fn collect_rule_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), RuleError> {
    let io_error = |source| RuleError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let path = entry.map_err(io_error)?.path();
        if path.is_dir() {
            collect_rule_files(&path, files)?;
            continue;
        }
        let is_yaml = path
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| ext.eq_ignore_ascii_case("yml") || ext.eq_ignore_ascii_case("yaml"));
        if is_yaml {
            files.push(path);
        }
    }
    Ok(())
}
