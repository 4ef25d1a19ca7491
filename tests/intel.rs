//! Threat intelligence: loading our own fixtures and every public feed sample, matching events,
//! and `threatlens scan --intel` end to end.
//!
//! Expected counts for the fixtures in `tests/data/intel/feeds/` are worked out by hand from the
//! files (each test says how). Corpus counts were taken with one-off Python commands written
//! independently of this code (`ipaddress`, `csv`, `json` from the standard library); each
//! test quotes the command's logic.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use threatlens::engine::event::{Event, EventFormat, Location};
use threatlens::engine::intel::{
    IntelFileReport, IntelMatcher, IntelSet, IntelSetBuilder, load_file, load_paths,
};

fn feed(name: &str) -> PathBuf {
    common::fixture("intel/feeds").join(name)
}

fn load_one(path: &Path) -> (IntelFileReport, IntelSet) {
    let mut builder = IntelSetBuilder::default();
    let report = load_file(path, &mut builder);
    (report, builder.build())
}

fn event_at(time: &str) -> Event {
    let mut event = Event::new(Location { file: 0, line: 1 }, EventFormat::SuricataFlow);
    event.time = Some(time.parse().expect("a test timestamp"));
    event
}

fn ip_names(set: &IntelSet, address: &str) -> Vec<String> {
    let mut names = Vec::new();
    set.match_ip(address.parse().expect("a test address"), |number| {
        names.push(
            set.indicator(number)
                .expect("a matched indicator exists")
                .name
                .clone(),
        );
    });
    names.sort();
    names
}

// ---------------------------------------------------------------- fixtures of our own

#[test]
fn stix_fixture_loads_what_logs_can_match_and_counts_the_rest() {
    let (report, set) = load_one(&feed("bundle.json"));
    assert_eq!(report.kind, Some("stix"));
    // 10 indicators in the file: ip, cidr, domain, url, hash (2 values: SHA-256 OR MD5) and the
    // expired one load (6 indicators, 7 values); the AND and the registry key are unsupported;
    // one is revoked; one has an unterminated pattern.
    assert_eq!(report.indicators, 6);
    assert_eq!(report.values, 7);
    assert_eq!(report.revoked, 1);
    assert_eq!(report.invalid, 1);
    assert_eq!(report.unsupported_count(), 2);
    assert_eq!(
        report.unsupported["AND of observations (needs correlation across events)"],
        1
    );
    assert_eq!(
        report.unsupported["object type windows-registry-key not in logs"],
        1
    );
    assert!(report.invalid_listed[0].reason.starts_with("bad pattern"));
    assert_eq!(
        report.invalid_listed[0].subject,
        "indicator--0a000000-0000-4000-8000-0000000000bb"
    );

    assert_eq!(ip_names(&set, "203.0.113.66"), ["Test C2 server"]);
    assert_eq!(ip_names(&set, "198.51.100.255"), ["Scanner network"]);
    assert!(ip_names(&set, "198.51.101.0").is_empty());
    assert!(
        ip_names(&set, "192.0.2.200").is_empty(),
        "AND pattern is not loaded"
    );
    assert!(ip_names(&set, "192.0.2.201").is_empty(), "revoked");

    let c2 = (0..set.len() as u32)
        .filter_map(|number| set.indicator(number))
        .find(|indicator| indicator.name == "Test C2 server")
        .unwrap();
    assert_eq!(c2.confidence, Some(90));
    assert_eq!(c2.actors[0].name, "Example Panda");
    assert_eq!(
        c2.actors[0].id,
        "intrusion-set--0a000000-0000-4000-8000-0000000000a1"
    );
    assert_eq!(c2.kill_chain_phases, ["mitre-attack:command-and-control"]);
    let url = (0..set.len() as u32)
        .filter_map(|number| set.indicator(number))
        .find(|indicator| indicator.name == "Payload URL")
        .unwrap();
    assert_eq!(url.techniques, ["T1105"], "from the indicates relationship");
}

#[test]
fn drop_fixture_counts_comments_and_bad_lines_with_line_numbers() {
    let (report, set) = load_one(&feed("drop.txt"));
    assert_eq!(report.kind, Some("spamhaus_drop"));
    // Lines: 2 comments, 2 ranges, 1 blank, `not-an-address` (line 6), `10.300.0.0/8` (line 7).
    assert_eq!(report.values, 2);
    assert_eq!(report.skipped, 3);
    assert_eq!(report.invalid, 2);
    let lines: Vec<u64> = report
        .invalid_listed
        .iter()
        .map(|problem| problem.line)
        .collect();
    assert_eq!(lines, [6, 7]);
    assert_eq!(ip_names(&set, "192.0.2.127"), ["Spamhaus DROP SBL000001"]);
    assert!(
        ip_names(&set, "192.0.2.128").is_empty(),
        "a /25 ends at .127"
    );
    assert_eq!(
        ip_names(&set, "2001:db8:bad:ffff::1"),
        ["Spamhaus DROP SBL000002"]
    );
}

#[test]
fn feodo_fixture_reads_by_header_and_flags_the_bad_address() {
    let (report, set) = load_one(&feed("feodo.csv"));
    assert_eq!(report.kind, Some("feodo_csv"));
    // Three rows: two good addresses, `203.0.113.300` on line 8; the last line is a comment.
    assert_eq!(report.indicators, 2);
    assert_eq!(report.invalid, 1);
    assert_eq!(report.invalid_listed[0].line, 8);
    assert_eq!(ip_names(&set, "203.0.113.11"), ["QakBot botnet C2"]);
}

#[test]
fn domain_list_with_a_byte_order_mark_matches_subdomains() {
    let (report, set) = load_one(&feed("domains.txt"));
    assert_eq!(report.kind, Some("domain_list"));
    assert_eq!(report.values, 2);
    assert_eq!(report.invalid, 1, "Bad..Domain on line 2");
    assert_eq!(report.invalid_listed[0].line, 2);
    let mut matched = Vec::new();
    set.match_domain("a.x.example.org", |_, name| matched.push(name.to_owned()));
    assert_eq!(matched, ["x.example.org"]);
}

#[test]
fn matcher_folds_repeats_and_respects_validity_and_defaults_c2_technique() {
    let (_, set) = load_one(&feed("bundle.json"));
    let mut matcher = IntelMatcher::new(&set);
    for minute in ["10:00", "10:05", "10:10"] {
        let mut event = event_at(&format!("2026-03-14T{minute}:00Z"));
        event.dst_ip = Some("203.0.113.66".parse().unwrap());
        matcher.observe(&event);
    }
    // The expired indicator (valid until 2025-06-01) matches an event from before that date
    // only.
    let mut old = event_at("2025-03-01T00:00:00Z");
    old.dst_ip = Some("192.0.2.202".parse().unwrap());
    matcher.observe(&old);
    let mut new = event_at("2026-03-01T00:00:00Z");
    new.dst_ip = Some("192.0.2.202".parse().unwrap());
    matcher.observe(&new);

    let found = matcher.finish();
    assert_eq!(found.len(), 2);
    let c2 = found
        .iter()
        .find(|d| d.title.contains("Test C2 server"))
        .unwrap();
    assert_eq!(c2.count, 3);
    assert_eq!(
        c2.rule_id,
        "intel:indicator--0a000000-0000-4000-8000-00000000c2c2"
    );
    assert_eq!(c2.techniques, ["T1071"]);
    assert_eq!(c2.tactics, ["command-and-control"]);
    assert_eq!(c2.severity.as_str(), "high", "confidence 90");
    let detail = |name: &str| {
        c2.details
            .iter()
            .find(|(key, _)| key == name)
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(detail("matched"), "203.0.113.66");
    assert_eq!(detail("matched_field"), "dst_ip");
    assert_eq!(detail("actors"), "Example Panda");
    let expired = found.iter().find(|d| d.title.contains("Expired")).unwrap();
    assert_eq!(
        expired.count, 1,
        "only the event inside the validity window"
    );
}

// ---------------------------------------------------------------- end to end

#[test]
fn scan_with_intel_reports_each_hit_as_a_detection() {
    let logs = common::fixture("intel/logs/eve.json");
    let output = Command::new(env!("CARGO_BIN_EXE_threatlens"))
        .args(["scan", "--format", "json", "--quiet", "--intel"])
        .arg(common::fixture("intel/feeds"))
        .arg(&logs)
        .env_remove("RUST_LOG")
        .env_remove("THREATLENS_ATTACK")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(0));
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    let intel: Vec<&Value> = document["detections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule_id"].as_str().unwrap().starts_with("intel:"))
        .collect();
    let find = |title: &str, matched: &str| {
        intel
            .iter()
            .find(|d| {
                d["title"].as_str().unwrap().contains(title) && d["details"]["matched"] == matched
            })
            .unwrap_or_else(|| panic!("no detection for {title} / {matched}: {intel:#?}"))
    };

    // Worked out from logs/eve.json against the four feeds (see the fixture lines):
    // three flows to the C2 address, one DNS query under the phishing domain (in the STIX
    // bundle and in domains.txt), the HTTP request for the payload URL, its file hash, the
    // DROP /25 holding 192.0.2.99 (the HTTP event and the fileinfo event), the scanner range,
    // and the Feodo address. The expired, revoked and AND-pattern addresses give nothing.
    assert_eq!(intel.len(), 8, "{intel:#?}");
    let c2 = find("Test C2 server", "203.0.113.66");
    assert_eq!(c2["count"], 3);
    assert_eq!(c2["severity"], "high");
    assert_eq!(c2["techniques"][0]["id"], "T1071");
    assert_eq!(c2["evidence"].as_array().unwrap().len(), 3);
    assert_eq!(
        find("Phishing domain", "evil-updates.example")["details"]["matched_field"],
        "domain"
    );
    find("domains.txt list", "evil-updates.example");
    let url = find("Payload URL", "files.example.net/payload.bin");
    assert_eq!(url["techniques"][0]["id"], "T1105");
    find(
        "Dropper hash",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    assert_eq!(find("Spamhaus DROP SBL000001", "192.0.2.99")["count"], 2);
    assert_eq!(find("Scanner network", "198.51.100.23")["severity"], "low");
    let feodo = find("Pikabot botnet C2", "203.0.113.10");
    assert_eq!(feodo["techniques"][0]["id"], "T1071");
    assert_eq!(feodo["details"]["source"], "feodo.csv");
}

#[test]
fn scan_names_an_unreadable_intel_file_and_goes_on() {
    let output = Command::new(env!("CARGO_BIN_EXE_threatlens"))
        .args([
            "scan",
            "--format",
            "json",
            "--intel",
            "/nonexistent/intel.json",
            "--intel",
        ])
        .arg(feed("drop.txt"))
        .arg(common::fixture("intel/logs/eve.json"))
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/intel.json"), "{stderr}");
    assert!(
        stderr.contains("drop.txt: spamhaus_drop: 2 indicators (2 values)"),
        "{stderr}"
    );
    assert!(stderr.contains("2 invalid (first at line 6"), "{stderr}");
}

// ---------------------------------------------------------------- the public corpus

fn corpus_file(name: &str) -> Option<PathBuf> {
    Some(common::corpus()?.join("threat_intel").join(name))
}

/// Loads a corpus file and checks kind, indicators, values, invalid entries and unsupported.
fn check_corpus(
    name: &str,
    kind: &str,
    indicators: u64,
    values: u64,
    invalid: u64,
    unsupported: u64,
) -> Option<(IntelFileReport, IntelSet)> {
    let path = corpus_file(name)?;
    let (report, set) = load_one(&path);
    assert_eq!(report.failure, None, "{name}");
    assert_eq!(report.kind, Some(kind), "{name}");
    assert_eq!(report.indicators, indicators, "{name} indicators");
    assert_eq!(report.values, values, "{name} values");
    assert_eq!(
        report.invalid, invalid,
        "{name} invalid: {:?}",
        report.invalid_listed
    );
    assert_eq!(
        report.unsupported_count(),
        unsupported,
        "{name} unsupported: {:?}",
        report.unsupported
    );
    Some((report, set))
}

#[test]
fn corpus_address_lists() {
    // Python: every line parses with ipaddress.ip_network(strict=False); 539 lines, 0 comments.
    check_corpus(
        "et_compromised_ips_mirror.txt",
        "address_list",
        1,
        539,
        0,
        0,
    );
    // Same check: 3483 lines, all valid (2338 distinct; duplicates fold in the set).
    check_corpus("threatfox_ips_mirror.txt", "address_list", 1, 3483, 0, 0);
    // 51 IPv6 ranges with a trailing space each, all valid.
    if let Some((_, set)) =
        check_corpus("spamhaus_dropv6_stripped.txt", "address_list", 1, 51, 0, 0)
    {
        assert_eq!(
            ip_names(&set, "2a12:2640::1").len(),
            1,
            "first line 2a12:2640::/29"
        );
    }
    // 940 lines: 4 `;` comments and 936 `CIDR ; SBLnnn` rows, each named by its SBL id.
    if let Some((report, set)) = check_corpus(
        "spamhaus_drop_2023-02-20.txt",
        "spamhaus_drop",
        936,
        936,
        0,
        0,
    ) {
        assert_eq!(report.skipped, 4);
        assert_eq!(
            ip_names(&set, "1.10.20.1"),
            ["Spamhaus DROP SBL256894"],
            "1.10.16.0/20"
        );
    }
    // RITA's feed: 165.227.88.15, r-1x.com, 24.220.113.36, 0.gravatar.com.
    if let Some((_, set)) = check_corpus("rita_threat_feed.txt", "mixed_list", 1, 4, 0, 0) {
        let mut matched = Vec::new();
        set.match_domain("www.r-1x.com", |_, name| matched.push(name.to_owned()));
        assert_eq!(matched, ["r-1x.com"]);
    }
}

#[test]
fn corpus_abuse_ch_csvs() {
    // Python: csv.reader over the lines not starting with `#`: a header and 28 rows, every
    // dst_ip valid, all Pikabot.
    if let Some((report, set)) = check_corpus(
        "feodo_ipblocklist_2024-04-04.csv",
        "feodo_csv",
        28,
        28,
        0,
        0,
    ) {
        // 8 banner lines come before the header; after the rows, `# END 28 entries`.
        assert_eq!(report.skipped, 1);
        assert_eq!(ip_names(&set, "192.9.135.73"), ["Pikabot botnet C2"]);
    }
    // Python: csv.reader: header + 11125 rows of 9 columns; every url has a scheme and a host.
    if let Some((_, set)) = check_corpus(
        "urlhaus_csv_preprocessed_2025-04.csv",
        "urlhaus_csv",
        11125,
        11125,
        0,
        0,
    ) {
        let mut hits = Vec::new();
        set.match_url("117.209.87.242:60905/bin.sh", |number| hits.push(number));
        assert_eq!(
            hits.len(),
            1,
            "first row http://117.209.87.242:60905/bin.sh"
        );
        let indicator = set.indicator(hits[0]).unwrap();
        assert_eq!(indicator.id, "urlhaus_csv:3520667");
        assert_eq!(indicator.name, "malware_download");
    }
}

#[test]
fn corpus_misp_events() {
    // Python over Attribute + Object[].Attribute: md5, sha1, sha256 (to_ids true) load; 2
    // links, a comment, a text, a filename and a regkey|value are types logs do not carry.
    if let Some((report, set)) =
        check_corpus("misp_feed_event_xorist.json", "misp_event", 1, 3, 0, 0)
    {
        assert_eq!(report.skipped, 6);
        let mut hits = 0;
        set.match_hash("0749bae92ca336a02c83d126e04ec628", |_| hits += 1);
        assert_eq!(hits, 1);
    }
    // Python: sha1 37, domain 19, ip-dst 12 (all to_ids true, all valid) = 68 values; text 38,
    // filename 15, link 1 skipped. Galaxy threat-actor: Sofacy.
    if let Some((report, set)) =
        check_corpus("misp_event_sednit_objects.json", "misp_event", 1, 68, 0, 0)
    {
        assert_eq!(report.skip_reasons["MISP type text not in logs"], 38);
        assert_eq!(report.skip_reasons["MISP type filename not in logs"], 15);
        let indicator = set.indicator(0).unwrap();
        assert_eq!(
            indicator.name,
            "OSINT - Sednit update: How Fancy Bear Spent the Year"
        );
        assert_eq!(indicator.actors[0].name, "Sofacy");
        assert_eq!(ip_names(&set, "185.216.35.26").len(), 1);
    }
}

#[test]
fn corpus_otx_export() {
    // 6 lines, all is_active 1: FileHash-SHA256, domain, IPv4 (expires 2023-09-07), URL,
    // hostname, URL.
    if let Some((_, set)) = check_corpus(
        "otx_pulse_indicators_subscribed.ndjson",
        "otx_ndjson",
        6,
        6,
        0,
        0,
    ) {
        let mut matched = Vec::new();
        set.match_domain("m.cocktailreel.top", |number, _| matched.push(number));
        assert_eq!(matched.len(), 1);
        let mut expiring = Vec::new();
        set.match_ip("192.168.113.98".parse().unwrap(), |number| {
            expiring.push(number);
        });
        let indicator = set.indicator(expiring[0]).unwrap();
        assert_eq!(
            indicator.valid_until,
            Some("2023-09-07T00:00:00Z".parse().unwrap())
        );
        assert_eq!(indicator.name, "OTX pulse 192.168.113.98");
    }
}

#[test]
fn corpus_stix_bundles() {
    // One indicator [ipv4-addr:value = '10.0.0.0'].
    check_corpus("stix21_indicator_c2_ip.json", "stix", 1, 1, 0, 0);
    // An address and a SHA-256 indicator, both `indicates` the Poison Ivy malware.
    if let Some((_, set)) = check_corpus("stix21_indicators_c2_with_coa.json", "stix", 2, 2, 0, 0) {
        assert_eq!(set.indicator(0).unwrap().malware, ["Poison Ivy"]);
    }
    // Two infrastructure objects, each `consists-of` one observable (198.51.100.3,
    // example.com); no indicator objects.
    if let Some((_, set)) = check_corpus("stix21_infrastructure.json", "stix", 2, 2, 0, 0) {
        assert_eq!(ip_names(&set, "198.51.100.3"), ["Poison Ivy C2"]);
        let c2 = set.indicator(0).unwrap();
        assert!(c2.is_command_and_control());
        assert_eq!(c2.malware, ["Poison Ivy"]);
    }
    // Two email-message patterns (subject MATCHES, attachment name MATCHES): nothing logs carry.
    if let Some((report, _)) =
        check_corpus("stix21_malicious_email_indicator.json", "stix", 0, 0, 0, 2)
    {
        assert_eq!(report.unsupported["email-message:subject not in logs"], 1);
    }
    // APT1: 12 indicators; 4 CIDRs, 3 domains and 3 MD5s load; 2 x509 patterns AND issuer with
    // serial number. The domain indicators indicate the threat actor Ugly Gorilla, whom the
    // intrusion set APT1 is attributed to.
    if let Some((report, set)) = check_corpus("stix21_report_apt1.json", "stix", 10, 10, 0, 2) {
        assert_eq!(
            report.unsupported["AND of x509-certificate comparisons in one observation"],
            2
        );
        assert_eq!(
            ip_names(&set, "223.167.255.255"),
            ["HTRAN Hop Point Accessor"],
            "223.166.0.0/15"
        );
        let mut found = Vec::new();
        set.match_domain("www.hugesoft.org", |number, _| found.push(number));
        let indicator = set.indicator(found[0]).unwrap();
        let actors: Vec<&str> = indicator
            .actors
            .iter()
            .map(|actor| actor.name.as_str())
            .collect();
        assert_eq!(actors, ["Ugly Gorilla", "APT1"]);
    }
}

#[test]
fn corpus_folder_loads_every_file_without_failure() {
    let Some(folder) = corpus_file("") else {
        return;
    };
    let loaded = load_paths(&[folder]);
    // 15 feed files load; PROVENANCE.md (prose) is named as not a feed.
    assert_eq!(loaded.files.len(), 16);
    for file in &loaded.files {
        let is_prose = file.path.ends_with("PROVENANCE.md");
        assert_eq!(
            file.failure.is_some(),
            is_prose,
            "{}: {:?}",
            file.path.display(),
            file.failure
        );
    }
    // Sum of the per-file indicator counts checked above.
    let indicators: u64 = loaded.files.iter().map(|file| file.indicators).sum();
    let per_file: [u64; 15] = [1, 1, 1, 936, 1, 28, 11125, 1, 1, 6, 1, 2, 2, 0, 10];
    assert_eq!(indicators, per_file.iter().sum::<u64>());
    assert_eq!(loaded.set.len() as u64, indicators);
}
