//! The ATT&CK knowledge base and actor ranking: on our own small bundle, and on the real v18.1
//! data when `../shared/attack` is there.

mod common;

use threatlens::engine::attack::actors::{ActorRanker, Observed, RankOptions};
use threatlens::engine::attack::source;
use threatlens::engine::attack::{KnowledgeBase, self_test};

fn mini() -> KnowledgeBase {
    source::parse_bundles(&[common::fixture("attack/mini-attack.json")]).expect("our bundle loads")
}

fn observed(ids: &[&str]) -> Vec<Observed> {
    ids.iter()
        .map(|id| Observed {
            technique: (*id).to_owned(),
            confidence: 1.0,
        })
        .collect()
}

#[test]
fn mini_bundle_builds_tree_tactics_and_relationships() {
    let base = mini();

    assert_eq!(base.version(), "0.9-test");
    let order: Vec<&str> = base.domains[0]
        .tactics
        .iter()
        .map(|&t| base.tactics[t as usize].short_name.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "discovery",
            "credential-access",
            "command-and-control",
            "exfiltration"
        ],
        "the matrix's order, not the objects' order"
    );

    let (_, brute) = base.technique("t1110").unwrap();
    assert_eq!(brute.meta.name, "Brute Force");
    assert_eq!(base.tactic_names(brute), ["credential-access"]);
    let subs: Vec<&str> = brute
        .subtechniques
        .iter()
        .map(|&s| base.techniques[s as usize].meta.attack_id.as_str())
        .collect();
    assert_eq!(subs, ["T1110.001", "T1110.003"]);
    let (_, guessing) = base.technique("T1110.001").unwrap();
    assert_eq!(
        base.techniques[guessing.parent.unwrap() as usize]
            .meta
            .attack_id,
        "T1110"
    );

    // Live techniques: T1110, T1046, T1071, T1041; subs T1110.001, T1110.003. T1043 is revoked
    // and T1064 deprecated.
    assert_eq!(base.live_counts(), (4, 2));
}

#[test]
fn mini_bundle_mitigations_strategies_and_analytics() {
    let base = mini();
    let (_, brute) = base.technique("T1110").unwrap();

    let mitigations: Vec<(&str, bool)> = brute
        .mitigations
        .iter()
        .map(|&m| &base.mitigations[m as usize].meta)
        .map(|meta| (meta.name.as_str(), meta.deprecated))
        .collect();
    assert_eq!(
        mitigations,
        [("Account Lockout Test", false), ("Old Advice", true)]
    );

    let strategy = &base.detection_strategies[brute.detection_strategies[0] as usize];
    assert_eq!(strategy.meta.attack_id, "DET9001");
    assert_eq!(
        strategy.analytics.len(),
        1,
        "the missing analytic is skipped"
    );
    let analytic = &base.analytics[strategy.analytics[0] as usize];
    let source = &analytic.log_sources[0];
    assert_eq!(source.name, "linux:syslog");
    assert_eq!(
        base.data_components[source.data_component.unwrap() as usize]
            .meta
            .name,
        "User Account Authentication"
    );
}

#[test]
fn revoked_technique_resolves_to_its_replacement() {
    let base = mini();

    let resolved = base.resolve("T1043").unwrap();

    assert_eq!(resolved.technique.meta.attack_id, "T1071");
    assert_eq!(resolved.revoked.unwrap().meta.name, "Commonly Used Port");
    assert!(base.resolve("T1071").unwrap().revoked.is_none());
    assert!(base.resolve("T9999").is_none());
}

#[test]
fn groups_using_skip_deprecated_groups_and_count_campaigns_when_asked() {
    let base = mini();
    let (brute, _) = base.technique("T1110").unwrap();

    let direct: Vec<&str> = base
        .groups_using(brute)
        .map(|g| g.meta.name.as_str())
        .collect();
    assert_eq!(direct, ["Alpha Bear"], "Delta Retired is deprecated");

    let with_campaigns: Vec<&str> = base
        .groups_using_with_campaigns(brute)
        .iter()
        .map(|&g| base.groups[g as usize].meta.name.as_str())
        .collect();
    assert_eq!(with_campaigns, ["Alpha Bear", "Gamma Spider"]);
}

#[test]
fn bundle_with_byte_order_mark_and_compression_loads() {
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(common::fixture("attack/mini-attack.json")).unwrap();
    let with_bom = dir.path().join("bom.json");
    std::fs::write(&with_bom, [b"\xef\xbb\xbf".as_slice(), &plain].concat()).unwrap();
    let zstd_file = dir.path().join("mini.json.zst");
    std::fs::write(&zstd_file, zstd::encode_all(plain.as_slice(), 3).unwrap()).unwrap();

    for path in [with_bom, zstd_file] {
        let base = source::parse_bundles(&[path]).unwrap();
        assert_eq!(base.live_counts(), (4, 2));
    }
}

#[test]
fn not_a_bundle_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken-attack.json");
    std::fs::write(&path, b"{\"objects\": [1, 2").unwrap();

    let error = source::parse_bundles(std::slice::from_ref(&path)).unwrap_err();

    assert!(error.to_string().contains("broken-attack.json"), "{error}");
}

#[test]
fn ranking_prefers_the_group_sharing_rare_techniques_and_explains_itself() {
    let base = mini();
    let ranker = ActorRanker::new(&base, RankOptions::default());

    let ranked = ranker.rank(&observed(&["T1110.001", "T1046", "T1041"]), 10);

    // Alpha uses T1110.001 and T1046 directly and T1041 through HiddenTunnel; Beta has T1046
    // and a sibling of T1110.001 (T1110.003); Gamma has only a campaign's T1110, the parent.
    let names: Vec<&str> = ranked.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["Alpha Bear", "Beta Kitten", "Gamma Spider"]);
    let alpha = &ranked[0];
    assert_eq!(alpha.id, "G9001");
    assert_eq!(alpha.software, ["HiddenTunnel"]);
    let exfil = alpha
        .shared_techniques
        .iter()
        .find(|s| s.id == "T1041")
        .unwrap();
    assert_eq!(exfil.via, threatlens::engine::attack::actors::Via::Software);
    let hunt: Vec<&str> = alpha.hunt_next.iter().map(|h| h.id.as_str()).collect();
    assert!(
        hunt.contains(&"T1071"),
        "Alpha's unseen C2 technique: {hunt:?}"
    );
    let beta_guess = ranked[1]
        .shared_techniques
        .iter()
        .find(|s| s.id == "T1110.001")
        .unwrap();
    assert_eq!(beta_guess.matched, "T1110.003");
    assert!((beta_guess.credit - 0.1).abs() < 1e-9, "sibling credit");

    // By hand: three groups have profiles, so idf = ln(4/(df+1)) + 1: 1.693 for T1110.001 and
    // T1041 (Alpha only), 1.288 for T1046 (Alpha and Beta). Alpha covers T1110.001 and T1046
    // fully and T1041 at the software weight 0.5: (1.693 + 1.288 + 0.847) / 4.674 = 0.819,
    // damped by 5 / (5 + 3) for its five techniques: 0.512.
    assert!((alpha.score - 0.512).abs() < 1e-9, "{}", alpha.score);
    assert!(ranked.iter().all(|g| g.score > 0.0 && g.score <= 1.0));
}

#[test]
fn ranking_drops_deprecated_groups_and_follows_revoked_ids() {
    let base = mini();
    let ranker = ActorRanker::new(&base, RankOptions::default());

    let ranked = ranker.rank(&observed(&["T1043"]), 10);

    // T1043 was revoked by T1071, which Alpha and Gamma both use directly: both cover the
    // observation fully, and the small-profile damping (5/8 for Alpha's five techniques, 2/5 for
    // Gamma's two) puts Alpha first.
    let ids: Vec<&str> = ranked.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids, ["G9001", "G9003"]);
    assert!((ranked[0].score - 0.625).abs() < 1e-9);
    assert!((ranked[1].score - 0.4).abs() < 1e-9);
    assert!(!ids.contains(&"G9004"));
}

mod v18_1 {
    use super::*;

    fn enterprise() -> Option<KnowledgeBase> {
        let path = common::attack_bundle("enterprise-attack.json.zst")?;
        Some(source::parse_bundles(&[path]).expect("v18.1 loads"))
    }

    fn groups_direct(base: &KnowledgeBase, id: &str) -> usize {
        let (index, _) = base.technique(id).expect("technique in v18.1");
        base.groups_using(index).count()
    }

    #[test]
    fn counts_match_the_data() {
        let Some(base) = enterprise() else { return };

        assert_eq!(base.version(), "18.1");
        assert_eq!(base.live_counts(), (216, 475));
        assert_eq!(groups_direct(&base, "T1110"), 14);
        assert_eq!(groups_direct(&base, "T1078"), 44);
        assert_eq!(groups_direct(&base, "T1041"), 25);
        let (brute, _) = base.technique("T1110").unwrap();
        assert_eq!(base.groups_using_with_campaigns(brute).len(), 16);
        assert_eq!(base.domains[0].tactics.len(), 14);
    }

    #[test]
    fn three_domains_load_together_with_their_own_matrices() {
        let bundles: Option<Vec<_>> = ["enterprise", "mobile", "ics"]
            .iter()
            .map(|domain| common::attack_bundle(&format!("{domain}-attack.json.zst")))
            .collect();
        let Some(bundles) = bundles else { return };

        let base = source::parse_bundles(&bundles).unwrap();

        assert_eq!(
            base.version(),
            "Enterprise 18.1, Mobile 18.1, ICS 18.1",
            "collection names read from each bundle"
        );
        assert_eq!(base.domains[0].tactics.len(), 14);
        assert!(base.domains[1].tactics.len() > 5);
        // A Mobile technique keeps its Mobile tactic, not Enterprise's of the same short name.
        let (_, mobile) = base.technique("T1474").unwrap();
        let tactic = &base.tactics[mobile.tactics[0] as usize];
        assert_eq!(tactic.kill_chain, "mitre-mobile-attack");
    }

    #[test]
    fn brute_force_mitigations_and_tactic() {
        let Some(base) = enterprise() else { return };
        let (_, brute) = base.technique("T1110").unwrap();

        let mut mitigations: Vec<&str> = brute
            .mitigations
            .iter()
            .map(|&m| base.mitigations[m as usize].meta.attack_id.as_str())
            .collect();
        mitigations.sort_unstable();

        // Read off the bundle: the four `mitigates` relationships to T1110.
        assert_eq!(mitigations, ["M1018", "M1027", "M1032", "M1036"]);
        assert_eq!(base.tactic_names(brute), ["credential-access"]);
        assert_eq!(
            base.resolve("T1143").unwrap().technique.meta.attack_id,
            "T1564.003",
            "Hidden Window moved under Hide Artifacts"
        );
    }

    #[test]
    fn self_test_beats_plain_jaccard() {
        let Some(base) = enterprise() else { return };

        let result = self_test::run(&base, &RankOptions::default());

        // 24 campaigns carry an `attributed-to` relationship in v18.1; one of them (C0033,
        // attributed to PROMETHIUM) uses no technique, which leaves 23 cases.
        assert_eq!(result.cases, 23);
        eprintln!(
            "ranking top1 {} top5 {}; jaccard top1 {} top5 {}",
            result.ranking.top1, result.ranking.top5, result.jaccard.top1, result.jaccard.top5
        );
        assert!(result.ranking.top1 >= result.jaccard.top1);
        assert!(result.ranking.top5 >= result.jaccard.top5);
    }
}

#[test]
fn groups_named_by_intelligence_are_lifted_and_marked() {
    let base = mini();
    let ranker = ActorRanker::new(&base, RankOptions::default());
    let named = threatlens::engine::attack::actors::groups_named(
        &base,
        &[
            "intrusion-set--00000000-0000-4000-8000-00000000000c".to_owned(),
            "Delta Retired".to_owned(),
        ],
    );
    assert_eq!(named.len(), 1, "Gamma by STIX id; Delta is deprecated");

    let ranked = ranker.rank_with_intel(&observed(&["T1110.001", "T1046", "T1041"]), &named, 10);

    // Gamma scored 0.036 on techniques (see the test above: only the parent T1110, at 0.25
    // credit, 2/5 damping); named by intelligence it moves halfway to 1: 0.518, above Alpha's
    // 0.512.
    assert_eq!(ranked[0].name, "Gamma Spider");
    assert!(
        (ranked[0].score - 0.518).abs() < 1e-9,
        "{}",
        ranked[0].score
    );
    assert!(ranked[0].named_by_intel);
    assert!(!ranked[1].named_by_intel);
}
