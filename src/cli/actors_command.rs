//! `threatlens actors`: rank known groups for a hand-given set of techniques, or measure the
//! ranking on ATT&CK's own attributed campaigns (`--self-test`).

use std::process::ExitCode;

use threatlens::engine::attack::actors::{ActorRanker, Observed, RankOptions, RankedGroup};
use threatlens::engine::attack::self_test::{self, percent};

use super::ActorsArgs;
use super::attack_command::load_or_explain;

/// Runs the command.
pub fn run(args: &ActorsArgs) -> anyhow::Result<ExitCode> {
    let Some(loaded) = load_or_explain(&args.attack)? else {
        return Ok(ExitCode::from(2));
    };
    let base = &loaded.base;

    if args.self_test {
        let result = self_test::run(base, &RankOptions::default());
        if args.json {
            println!("{}", serde_json::to_string_pretty(&result)?);
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "leave-one-out over {} attributed campaigns of ATT&CK {}",
            result.cases,
            base.version()
        );
        for (name, accuracy) in [("ranking", result.ranking), ("jaccard", result.jaccard)] {
            println!(
                "  {name:8} top-1 {:>2}/{} ({:>5.1}%)   top-5 {:>2}/{} ({:>5.1}%)",
                accuracy.top1,
                result.cases,
                percent(accuracy.top1, result.cases),
                accuracy.top5,
                result.cases,
                percent(accuracy.top5, result.cases),
            );
        }
        return Ok(ExitCode::SUCCESS);
    }

    if args.techniques.is_empty() {
        anyhow::bail!("name at least one technique (e.g. T1110 T1046), or use --self-test");
    }
    let mut observed = Vec::new();
    for id in &args.techniques {
        match base.resolve(id) {
            Some(resolved) => {
                if let Some(old) = resolved.revoked {
                    eprintln!(
                        "note: {} was revoked; ranking with {}",
                        old.meta.attack_id, resolved.technique.meta.attack_id
                    );
                }
                observed.push(Observed {
                    technique: resolved.technique.meta.attack_id.clone(),
                    confidence: 1.0,
                });
            }
            None => eprintln!(
                "warning: {id} is not a technique in ATT&CK {}",
                base.version()
            ),
        }
    }
    let ranker = ActorRanker::new(base, RankOptions::default());
    let ranked = ranker.rank(&observed, args.limit);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&ranked)?);
    } else {
        print_ranking(&ranked, &base.version());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_ranking(ranked: &[RankedGroup], version: &str) {
    println!(
        "groups whose recorded techniques are most similar (ATT&CK {version}; similarity, not attribution)"
    );
    if ranked.is_empty() {
        println!("  no group in the data uses these techniques");
    }
    for (position, group) in ranked.iter().enumerate() {
        let shared: Vec<String> = group
            .shared_techniques
            .iter()
            .map(|shared| {
                if shared.matched == shared.id {
                    shared.id.clone()
                } else {
                    format!("{}~{}", shared.id, shared.matched)
                }
            })
            .collect();
        let hunt: Vec<&str> = group.hunt_next.iter().map(|h| h.id.as_str()).collect();
        println!(
            "{:>2}. {} {} score {:.3}\n    shared: {}\n    hunt next: {}",
            position + 1,
            group.id,
            group.name,
            group.score,
            shared.join(", "),
            hunt.join(", ")
        );
        if !group.software.is_empty() {
            println!("    software: {}", group.software.join(", "));
        }
    }
}
