//! Counts worked out by hand from the corpus files (the commands are quoted with each number).

// Helpers of the tests below: an unreadable corpus file must fail the test loudly.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use threatlens::engine::event::{Action, Event, EventFormat, Outcome};
use threatlens::engine::ingest::InputFormat;

use super::{assert_accounted, corpus, failures_by_source, ingest, ingest_with, ingest_with_year};

#[test]
fn vps_auth_log_brute_force_and_the_one_success() {
    let Some(corpus) = corpus() else { return };
    let (report, events) = ingest(&corpus.join("syslog_auth/vps2022_auth.log"));
    assert_accounted(&report);
    assert_eq!(report.error_count, 0, "{:?}", report.errors);

    // Password guesses: each is logged twice, by pam_unix and by sshd's `error: PAM:` line.
    // grep -c 'pam_unix(sshd:auth): authentication failure' → 1767
    // grep -c 'error: PAM: Authentication failure' → 1767
    let logins = failures_by_source(&events, Some(Action::Login));
    assert_eq!(logins.values().sum::<usize>(), 1767 * 2);
    // { grep -o 'rhost=[^ ]*'; grep -o 'error: PAM: .* from [^ ]*$' | sed 's/.* from //'; }
    //   | sort | uniq -c | sort -rn
    assert_eq!(logins.get("49.88.112.117"), Some(&2620));
    assert_eq!(logins.get("61.177.173.48"), Some(&358));
    assert_eq!(logins.get("61.177.172.114"), Some(&178));
    assert_eq!(logins.get("61.177.173.49"), Some(&108));
    assert_eq!(logins.get("61.177.173.47"), Some(&108));
    assert_eq!(logins.len(), 11, "grep -o 'rhost=[^ ]*' | sort -u | wc -l");

    // Every sshd line but the accepted login and the session opening records a failed or
    // aborted authentication: awk '$5 ~ /^sshd\[/' | grep -v Accepted | grep -v 'session
    // opened' | wc -l → 5276, and grep -oE '([0-9]+\.){3}[0-9]+' | sort | uniq -c on them.
    let all = failures_by_source(&events, None);
    assert_eq!(all.values().sum::<usize>(), 5276);
    assert_eq!(all.get("49.88.112.117"), Some(&3514));
    assert_eq!(all.get("61.177.173.48"), Some(&478));
    assert_eq!(all.get("194.31.98.143"), Some(&167));

    // grep -c 'Invalid user' → 76
    let invalid = events
        .iter()
        .filter(|e| e.action == Some(Action::InvalidUser))
        .count();
    assert_eq!(invalid, 76);

    // grep Accepted → one keyboard-interactive/pam login for adam from 73.49.186.26, a source
    // that appears nowhere else in the file (grep -c 73.49.186.26 → 1).
    let successes: Vec<&Event> = events
        .iter()
        .filter(|e| e.outcome == Some(Outcome::Success))
        .collect();
    assert_eq!(successes.len(), 1);
    let success = successes[0];
    assert_eq!(success.user.as_deref(), Some("adam"));
    assert_eq!(success.src_text().as_deref(), Some("73.49.186.26"));
    assert_eq!(success.src_port, Some(47080));
    assert_eq!(
        success.auth_method.as_deref(),
        Some("keyboard-interactive/pam")
    );
    assert_eq!(success.reporter.as_deref(), Some("vultr"));
    assert!(!all.contains_key("73.49.186.26"));
}

#[test]
fn loghub_openssh_matches_its_structured_csv() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("syslog_auth");
    let (report, events) = ingest(&dir.join("loghub_OpenSSH_2k.log"));
    assert_accounted(&report);
    assert_eq!(report.lines, 2000);
    assert_eq!(report.error_count, 0, "{:?}", report.errors);

    let templates = template_counts(&dir.join("loghub_OpenSSH_2k.log_structured.csv"));
    let expected = |prefix: &str| -> usize {
        templates
            .iter()
            .filter(|(template, _)| template.starts_with(prefix))
            .map(|(_, count)| count)
            .sum()
    };
    // E9 + E10: `Failed password for [invalid user] <*> from <*> port <*> ssh2` (383 + 135).
    let failed_password = events
        .iter()
        .filter(|e| e.auth_method.as_deref() == Some("password"))
        .filter(|e| e.outcome == Some(Outcome::Failure) && e.extra("repeated").is_none())
        .count();
    assert_eq!(failed_password, expected("Failed password for"));
    assert_eq!(failed_password, 518);

    // E14: `message repeated <*> times: [ Failed password ...]`, one event each.
    let repeated = events
        .iter()
        .filter(|e| e.extra("repeated").is_some())
        .count();
    assert_eq!(repeated, expected("message repeated"));

    // E1: `Accepted password for <*> from <*> port <*> ssh2`.
    let accepted = events
        .iter()
        .filter(|e| e.outcome == Some(Outcome::Success))
        .count();
    assert_eq!(accepted, expected("Accepted password for"));

    // E13: `Invalid user <*> from <*>`.
    let invalid = events
        .iter()
        .filter(|e| e.action == Some(Action::InvalidUser))
        .count();
    assert_eq!(invalid, expected("Invalid user"));

    // E19 + E20: `pam_unix(sshd:auth): authentication failure; ...`.
    let pam = events
        .iter()
        .filter(|e| e.auth_method.as_deref() == Some("pam") && e.action == Some(Action::Login))
        .count();
    assert_eq!(pam, expected("pam_unix(sshd:auth): authentication failure"));

    // E27: `reverse mapping checking getaddrinfo for <*> [<*>] failed - POSSIBLE BREAK-IN`.
    let reverse = events
        .iter()
        .filter(|e| e.extra("dns_name").is_some())
        .count();
    assert_eq!(reverse, expected("reverse mapping checking"));
}

/// EventTemplate → number of lines, from loghub's structured CSV.
fn template_counts(path: &Path) -> BTreeMap<String, usize> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|name| name == "EventTemplate")
        .unwrap();
    let mut counts = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        *counts.entry(record[column].to_owned()).or_default() += 1;
    }
    counts
}

#[test]
fn plaso_appfirewall_counts_and_new_year() {
    let Some(corpus) = corpus() else { return };
    let (report, events) = ingest_with_year(
        &corpus.join("appfirewall/plaso_appfirewall.log"),
        Some(2013),
    );
    assert_accounted(&report);
    assert_eq!(report.error_count, 0, "{:?}", report.errors);

    // grep -c ': Allow ' → 45; grep -c ': Deny ' → 0; LISTEN 40, CONNECT 5.
    assert_eq!(events.len(), 45);
    assert!(events.iter().all(|e| e.action == Some(Action::Allow)));
    assert!(events.iter().all(|e| e.format == EventFormat::Appfirewall));
    let operation = |name| {
        events
            .iter()
            .filter(|e| e.extra("operation") == Some(name))
            .count()
    };
    assert_eq!((operation("LISTEN"), operation("CONNECT")), (40, 5));
    // grep -o '<Info>: [A-Za-z]*' | sort | uniq -c → Skype 11, Notify 11, Dropbox 9.
    let by_process = |name| {
        events
            .iter()
            .filter(|e| e.process.as_deref() == Some(name))
            .count()
    };
    assert_eq!(
        (
            by_process("Skype"),
            by_process("Notify"),
            by_process("Dropbox")
        ),
        (11, 11, 9)
    );
    // `Logging: creating ...` and `--- last message repeated 1 time ---`.
    assert_eq!(report.skipped, 2);

    let last_two: Vec<String> = events[43..]
        .iter()
        .map(|e| e.time.unwrap().to_string())
        .collect();
    assert_eq!(last_two, ["2013-12-31T23:59:23Z", "2014-01-01T01:13:23Z"]);
}

#[test]
fn compressed_syslog_reads_like_plain() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("syslog_auth");
    let (gz, gz_events) = ingest_with_year(&dir.join("plaso_syslog.gz"), Some(2012));
    let (bz2, bz2_events) = ingest_with_year(&dir.join("plaso_syslog.bz2"), Some(2012));
    assert_eq!((gz.compression, bz2.compression), ("gzip", "bzip2"));
    for report in [&gz, &bz2] {
        assert_accounted(report);
        // zcat plaso_syslog.gz | wc -l → 15 lines; `MMM 22 ...` is a bad month and
        // `Mar 23 Wrong line ...` has no time: the two line errors.
        assert_eq!(report.lines, 15);
        assert_eq!(report.error_count, 2);
        assert_eq!(report.skip_reasons.get("continuation line"), Some(&1));
        assert_eq!(report.skip_reasons.get("repeated message notice"), Some(&1));
    }
    assert_eq!(gz.skip_reasons, bz2.skip_reasons);
    assert_eq!(gz_events, bz2_events);
}

#[test]
fn edge_cases_leap_day_needs_a_leap_year() {
    let Some(corpus) = corpus() else { return };
    let path = corpus.join("syslog_auth/plaso_syslog_edgecases.log");
    // The file's own comment says its events are in 2012; `Feb 29` reads then.
    let (leap, _) = ingest_with_year(&path, Some(2012));
    assert_eq!(leap.error_count, 1, "{:?}", leap.errors);
    assert_eq!(leap.errors[0].line, 8, "MMM month");
    // In a common year `Feb 29` is an error on that line only.
    let (common, _) = ingest_with_year(&path, Some(2013));
    assert_eq!(common.error_count, 2);
    assert_eq!(common.lines, 18);
}

#[test]
fn bsd_vv_and_obsolete_multiline() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("syslog_auth");
    // 5 `Invalid user` lines from 183.60.159.20 behind `<auth.info>`.
    let (report, events) = ingest(&dir.join("f2b_bsd_syslog_vv.txt"));
    assert_accounted(&report);
    assert_eq!(events.len(), 5);
    for event in &events {
        assert_eq!(event.action, Some(Action::InvalidUser));
        assert_eq!(event.src_text().as_deref(), Some("183.60.159.20"));
        assert_eq!(event.reporter.as_deref(), Some("pancake"));
        assert_eq!(event.extra("facility"), Some("auth.info"));
    }

    // `Connection from 192.0.2.4`, then `User root not allowed ...` with no address: the
    // refusal gets 192.0.2.4 from its session.
    let (_, events) = ingest_with(
        &dir.join("f2b_sshd_obsolete_multiline.log"),
        None,
        Some(InputFormat::Syslog),
    );
    let refused = &events[1];
    assert_eq!(refused.outcome, Some(Outcome::Failure));
    assert_eq!(refused.src_text().as_deref(), Some("192.0.2.4"));
    assert_eq!(refused.extra("src_from_session"), Some("true"));
}
