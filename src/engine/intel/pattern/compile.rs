//! From a parsed pattern to the values a log event can be checked against.
//!
//! A pattern compiles when it is, in effect, "any of these values was seen": a single
//! observation whose comparisons are `=`, `IN` or `ISSUBSET` on an address, domain, URL, file hash
//! or e-mail address, joined by OR (within or between observations). Anything needing state
//! across events or a second property of the same object (an AND, FOLLOWEDBY, REPEATS) or a
//! per-event evaluation (LIKE, MATCHES, `!=`) cannot be turned into a set lookup; such patterns
//! are refused with a short reason so they can be counted and listed.

use super::{Comparison, Comparisons, Operator, PathStep, Pattern, Qualifier, Value};
use crate::engine::intel::indicator::{HashKind, Observable};

/// What a pattern compiled to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    /// Values that make the indicator fire.
    pub observables: Vec<Observable>,
    /// Branches of an OR that could not be compiled (the others still match), with reasons.
    pub skipped_branches: Vec<String>,
}

/// Compiles a pattern, or says in a few words why it cannot be matched against logs.
pub fn compile(pattern: &Pattern) -> Result<Compiled, String> {
    let mut compiled = Compiled {
        observables: Vec::new(),
        skipped_branches: Vec::new(),
    };
    pattern_values(pattern, &mut compiled)?;
    if compiled.observables.is_empty() {
        // Every branch was skipped: report the first reason for the whole pattern.
        return Err(compiled
            .skipped_branches
            .into_iter()
            .next()
            .unwrap_or_else(|| "no matchable value".to_owned()));
    }
    Ok(compiled)
}

fn pattern_values(pattern: &Pattern, out: &mut Compiled) -> Result<(), String> {
    match pattern {
        Pattern::Observation(comparisons) => comparison_values(comparisons, out),
        Pattern::Or(parts) => {
            for part in parts {
                if let Err(reason) = pattern_values(part, out) {
                    out.skipped_branches.push(reason);
                }
            }
            Ok(())
        }
        Pattern::And(_) => Err("AND of observations (needs correlation across events)".into()),
        Pattern::FollowedBy(_) => Err("FOLLOWEDBY (needs ordered correlation)".into()),
        Pattern::Qualified(inner, Qualifier::Within(_)) if is_single(inner) => {
            pattern_values(inner, out)
        }
        Pattern::Qualified(inner, Qualifier::Repeats(1)) => pattern_values(inner, out),
        Pattern::Qualified(_, Qualifier::Repeats(_)) => {
            Err("REPEATS qualifier (needs counting across events)".into())
        }
        Pattern::Qualified(_, Qualifier::Within(_)) => {
            Err("WITHIN over several observations (needs correlation)".into())
        }
        Pattern::Qualified(_, Qualifier::StartStop(..)) => {
            Err("START/STOP qualifier (time window not supported)".into())
        }
    }
}

fn is_single(pattern: &Pattern) -> bool {
    match pattern {
        Pattern::Observation(_) => true,
        Pattern::Or(parts) => parts.iter().all(is_single),
        Pattern::Qualified(inner, _) => is_single(inner),
        Pattern::And(_) | Pattern::FollowedBy(_) => false,
    }
}

fn comparison_values(comparisons: &Comparisons, out: &mut Compiled) -> Result<(), String> {
    match comparisons {
        Comparisons::Leaf(comparison) => {
            out.observables.extend(leaf_values(comparison)?);
            Ok(())
        }
        Comparisons::Or(parts) => {
            for part in parts {
                if let Err(reason) = comparison_values(part, out) {
                    out.skipped_branches.push(reason);
                }
            }
            Ok(())
        }
        Comparisons::And(parts) => Err(format!(
            "AND of {} comparisons in one observation",
            describe_objects(parts)
        )),
    }
}

fn describe_objects(parts: &[Comparisons]) -> String {
    let mut types: Vec<&str> = Vec::new();
    collect_types(parts, &mut types);
    types.dedup();
    types.join("/")
}

fn collect_types<'a>(parts: &'a [Comparisons], types: &mut Vec<&'a str>) {
    for part in parts {
        match part {
            Comparisons::Leaf(comparison) => types.push(&comparison.object_type),
            Comparisons::And(inner) | Comparisons::Or(inner) => collect_types(inner, types),
        }
    }
}

/// Which kind of value a path names, when logs carry it.
#[derive(Clone, Copy)]
enum Target {
    Address,
    Domain,
    Url,
    Hash(HashKind),
    Email,
}

fn target_of(comparison: &Comparison) -> Result<Target, String> {
    let names: Vec<&str> = comparison
        .path
        .iter()
        .map(|step| match step {
            PathStep::Property(name) => name.as_str(),
            PathStep::Index(_) | PathStep::AnyIndex => "[]",
        })
        .collect();
    let object_type = comparison.object_type.as_str();
    let target = match (object_type, names.as_slice()) {
        ("ipv4-addr" | "ipv6-addr", ["value"]) => Target::Address,
        ("network-traffic", ["src_ref" | "dst_ref", "value"]) => Target::Address,
        ("domain-name", ["value"]) => Target::Domain,
        ("url", ["value"]) => Target::Url,
        ("email-addr", ["value"]) => Target::Email,
        ("email-message", ["from_ref" | "sender_ref", "value"]) => Target::Email,
        ("file", ["hashes", algorithm]) => match HashKind::from_name(algorithm) {
            Some(kind) => Target::Hash(kind),
            None => return Err(format!("file hash {algorithm} not in logs")),
        },
        (
            "ipv4-addr" | "ipv6-addr" | "domain-name" | "url" | "email-addr" | "file"
            | "network-traffic" | "email-message",
            _,
        ) => return Err(format!("{object_type}:{} not in logs", names.join("."))),
        _ => return Err(format!("object type {object_type} not in logs")),
    };
    Ok(target)
}

fn leaf_values(comparison: &Comparison) -> Result<Vec<Observable>, String> {
    let target = target_of(comparison)?;
    if comparison.negated {
        return Err("negated comparison".into());
    }
    let values: Vec<&Value> = match (comparison.operator, &comparison.value) {
        (Operator::Equal, value) => vec![value],
        (Operator::In, Value::List(values)) => values.iter().collect(),
        (Operator::IsSubset, value) if matches!(target, Target::Address) => vec![value],
        (Operator::Like, _) => return Err("LIKE comparison".into()),
        (Operator::Matches, _) => return Err("MATCHES comparison".into()),
        (operator, _) => return Err(format!("{operator:?} comparison")),
    };

    let mut observables = Vec::with_capacity(values.len());
    for value in values {
        let Value::Str(text) = value else {
            return Err("non-string value".into());
        };
        let observable = match target {
            Target::Address => Observable::network(text),
            Target::Domain => Observable::domain(text),
            Target::Url => Observable::url(text),
            Target::Hash(kind) => Observable::hash(text)
                .filter(|hash| matches!(hash, Observable::Hash(found, _) if *found == kind)),
            Target::Email => Observable::email(text),
        };
        observables.push(observable.ok_or_else(|| format!("invalid value {text:?}"))?);
    }
    Ok(observables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::intel::pattern::parse;

    fn compiled(pattern: &str) -> Result<Vec<String>, String> {
        let parsed = parse(pattern).map_err(|error| error.to_string())?;
        compile(&parsed).map(|compiled| {
            compiled
                .observables
                .iter()
                .map(Observable::to_text)
                .collect()
        })
    }

    #[test]
    fn compiles_addresses_ranges_and_lists() {
        assert_eq!(
            compiled("[ipv4-addr:value = '198.51.100.1']").unwrap(),
            ["198.51.100.1"]
        );
        assert_eq!(
            compiled("[ipv4-addr:value ISSUBSET '198.51.100.0/24']").unwrap(),
            ["198.51.100.0/24"]
        );
        assert_eq!(
            compiled("[ipv6-addr:value IN ('2001:db8::1', '2001:db8:1::/48')]").unwrap(),
            ["2001:db8::1", "2001:db8:1::/48"]
        );
        assert_eq!(
            compiled("[network-traffic:dst_ref.value = '203.0.113.9'] WITHIN 10 SECONDS").unwrap(),
            ["203.0.113.9"]
        );
    }

    #[test]
    fn compiles_or_across_observations_and_keeps_the_good_branches() {
        let parsed =
            parse("[domain-name:value = 'a.example'] OR [process:name = 'x.exe']").unwrap();
        let compiled = compile(&parsed).unwrap();
        assert_eq!(
            compiled.observables,
            [Observable::Domain("a.example".into())]
        );
        assert_eq!(
            compiled.skipped_branches,
            ["object type process not in logs"]
        );
    }

    #[test]
    fn compiles_hashes_with_quoted_algorithm_names() {
        let sha256 = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c";
        let pattern = format!("[file:hashes.'SHA-256' = '{}']", sha256.to_uppercase());
        assert_eq!(compiled(&pattern).unwrap(), [sha256]);
        assert!(
            compiled("[file:hashes.MD5 = 'abcd']")
                .unwrap_err()
                .starts_with("invalid value")
        );
    }

    #[test]
    fn refuses_what_needs_more_than_a_lookup() {
        let reason = |pattern| compiled(pattern).unwrap_err();
        assert_eq!(
            reason("[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'a.example']"),
            "AND of observations (needs correlation across events)"
        );
        assert_eq!(
            reason("[x509-certificate:issuer = 'CN=a' AND x509-certificate:serial_number = '1']"),
            "AND of x509-certificate comparisons in one observation"
        );
        assert_eq!(reason("[url:value LIKE 'http://%']"), "LIKE comparison");
        assert_eq!(
            reason("[ipv4-addr:value != '1.2.3.4']"),
            "NotEqual comparison"
        );
        assert_eq!(
            reason("[windows-registry-key:key = 'HKLM']"),
            "object type windows-registry-key not in logs"
        );
        assert_eq!(
            reason("[ipv4-addr:value = '1.2.3.4'] REPEATS 3 TIMES"),
            "REPEATS qualifier (needs counting across events)"
        );
    }
}
