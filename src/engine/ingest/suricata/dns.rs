//! The `dns` object of eve events, in all three of its layouts.
//!
//! v1 writes one event per query or answer record (`type`, `rrname`, `rdata`). v2 writes one
//! answer event with `answers[]` and/or `grouped{}` (either may be missing, depending on the
//! configured formats). v3 (Suricata 8) puts the question in `queries[]`. Record data is a union:
//! mostly strings, but `SOA` (and some others) are objects, kept as compact JSON text.

use serde_json::{Map, Value as Json};

use crate::engine::event::Event;

/// Fills the query name and keeps type, rcode and answers in `extra`.
pub(super) fn fill_dns(dns: &Map<String, Json>, event: &mut Event) {
    let first_query = dns
        .get("queries")
        .and_then(Json::as_array)
        .and_then(|queries| queries.first())
        .and_then(Json::as_object);
    let question = first_query.unwrap_or(dns);
    event.domain = question
        .get("rrname")
        .and_then(Json::as_str)
        .map(str::to_owned);

    for (key, name) in [
        ("type", "dns.type"),
        ("id", "dns.id"),
        ("version", "dns.version"),
        ("rcode", "dns.rcode"),
    ] {
        if let Some(value) = dns.get(key) {
            event.push_extra(name, scalar_text(value));
        }
    }
    if let Some(rrtype) = question.get("rrtype") {
        event.push_extra("dns.rrtype", scalar_text(rrtype));
    }

    let answers = answer_data(dns);
    if !answers.is_empty() {
        event.push_extra("dns.answers", answers.join(","));
    }

    // Suricata writes a response from the server's side (src = resolver); our events keep the
    // client as src for queries and answers alike, so the two line up by source.
    let is_response = dns
        .get("type")
        .and_then(Json::as_str)
        .is_some_and(|kind| matches!(kind, "answer" | "response"));
    if is_response {
        swap_endpoints(event);
    }
}

fn swap_endpoints(event: &mut Event) {
    std::mem::swap(&mut event.src_ip, &mut event.dst_ip);
    std::mem::swap(&mut event.src_host, &mut event.dst_host);
    std::mem::swap(&mut event.src_port, &mut event.dst_port);
    std::mem::swap(&mut event.bytes_out, &mut event.bytes_in);
}

/// Record data from `rdata` (v1), `answers[]` (v2, v3) or, when those are absent, `grouped{}`.
fn answer_data(dns: &Map<String, Json>) -> Vec<String> {
    if let Some(rdata) = dns.get("rdata") {
        return vec![scalar_text(rdata)];
    }
    if let Some(answers) = dns.get("answers").and_then(Json::as_array) {
        return answers
            .iter()
            .filter_map(|answer| answer.get("rdata"))
            .map(scalar_text)
            .collect();
    }
    let Some(grouped) = dns.get("grouped").and_then(Json::as_object) else {
        return Vec::new();
    };
    grouped
        .values()
        .flat_map(|values| match values {
            Json::Array(items) => items.iter().map(scalar_text).collect(),
            other => vec![scalar_text(other)],
        })
        .collect()
}

/// A JSON value as text: strings unquoted, anything else as compact JSON.
pub(super) fn scalar_text(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::event::{EventFormat, Location};

    fn dns_event(json: &str) -> Event {
        let value: Json = serde_json::from_str(json).unwrap();
        let mut event = Event::new(Location { file: 0, line: 1 }, EventFormat::SuricataDns);
        fill_dns(value.as_object().unwrap(), &mut event);
        event
    }

    #[test]
    fn v1_answer_record() {
        let event = dns_event(
            r#"{"type":"answer","id":12308,"rcode":"NOERROR","rrname":"clients.l.google.com","rrtype":"A","ttl":299,"rdata":"172.217.13.110"}"#,
        );
        assert_eq!(event.domain.as_deref(), Some("clients.l.google.com"));
        assert_eq!(event.extra("dns.type"), Some("answer"));
        assert_eq!(event.extra("dns.rrtype"), Some("A"));
        assert_eq!(event.extra("dns.answers"), Some("172.217.13.110"));
    }

    #[test]
    fn answers_keep_the_client_as_source() {
        let value: Json = serde_json::from_str(
            r#"{"type":"answer","rrname":"example.org","rrtype":"A","rdata":"192.0.2.7"}"#,
        )
        .unwrap();
        let mut event = Event::new(Location { file: 0, line: 1 }, EventFormat::SuricataDns);
        // As Suricata writes an answer: from the resolver's port 53 to the client.
        event.src_ip = "192.168.86.1".parse().ok();
        event.src_port = Some(53);
        event.dst_ip = "192.168.86.85".parse().ok();
        event.dst_port = Some(39464);
        fill_dns(value.as_object().unwrap(), &mut event);
        assert_eq!(event.src_ip, "192.168.86.85".parse().ok());
        assert_eq!(event.src_port, Some(39464));
        assert_eq!(event.dst_ip, "192.168.86.1".parse().ok());
        assert_eq!(event.dst_port, Some(53));
    }

    #[test]
    fn v2_grouped_only_with_soa_object() {
        let event = dns_event(
            r#"{"version":2,"type":"answer","rrname":"example.org","rrtype":"SOA","rcode":"NOERROR","grouped":{"SOA":[{"mname":"ns.example.org","rname":"admin.example.org","serial":7}]}}"#,
        );
        assert_eq!(event.domain.as_deref(), Some("example.org"));
        assert_eq!(
            event.extra("dns.answers"),
            Some(r#"{"mname":"ns.example.org","rname":"admin.example.org","serial":7}"#)
        );
    }

    #[test]
    fn v3_queries_array() {
        let event = dns_event(
            r#"{"version":3,"type":"response","queries":[{"rrname":"www.example.com","rrtype":"A"}],"answers":[{"rrname":"www.example.com","rrtype":"A","rdata":"192.0.2.7"},{"rrname":"www.example.com","rrtype":"A","rdata":"192.0.2.8"}]}"#,
        );
        assert_eq!(event.domain.as_deref(), Some("www.example.com"));
        assert_eq!(event.extra("dns.rrtype"), Some("A"));
        assert_eq!(event.extra("dns.answers"), Some("192.0.2.7,192.0.2.8"));
    }
}
