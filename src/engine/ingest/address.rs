//! Addresses as logs write them: IPv4, IPv6 (full, compressed, zero-padded, mapped, scoped),
//! bracketed or not, joined to a port with `:` or `.`, or a host name where an address belongs.

use std::net::{IpAddr, Ipv4Addr};

/// A peer as a log names it: a parsed address, or the text kept as a host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// A valid IP address (IPv4-mapped IPv6 is folded to IPv4).
    Ip(IpAddr),
    /// Anything else: a DNS name, an object name, or a malformed address kept as written.
    Host(String),
}

/// Parses an address, folding `::ffff:a.b.c.d` to IPv4 and dropping brackets and a `%zone`.
/// Returns `None` for anything that is not a valid address.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let text = text
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(text);
    let text = text
        .split_once('%')
        .map_or(text, |(address, _zone)| address);
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    let ip: IpAddr = text.parse().ok()?;
    Some(ip.to_canonical())
}

/// Parses an IPv4 address written with leading zeros (`192.030.0.6`), read as decimal.
///
/// Some loggers pad octets; `std` rejects them. The padded form is kept as a host name by
/// [`parse_peer`], because tools disagree on octal readings; this helper exists for formats that
/// document decimal padding.
pub fn parse_padded_ipv4(text: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(Ipv4Addr::from(octets))
}

/// Classifies a peer: a valid address, or the text kept as a host name.
pub fn parse_peer(text: &str) -> Peer {
    match parse_ip(text) {
        Some(ip) => Peer::Ip(ip),
        None => Peer::Host(text.trim().to_owned()),
    }
}

/// Splits `address:port` where IPv6 is written without brackets (`fe80::1:22`): the port is
/// after the last `:`. Also accepts `[v6]:port` and `v4:port`.
pub fn split_host_port(text: &str) -> Option<(&str, u16)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':')?.parse().ok()?;
        return Some((host, port));
    }
    let (host, port) = text.rsplit_once(':')?;
    let port = port.parse().ok()?;
    (!host.is_empty()).then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_forms_compare_equal() {
        let compressed = parse_ip("2001:db8::1").unwrap();
        assert_eq!(
            parse_ip("2001:0db8:0000:0000:0000:0000:0000:0001"),
            Some(compressed)
        );
        assert_eq!(parse_ip("[2001:db8::1]"), Some(compressed));
        assert_eq!(
            parse_ip("::ffff:1.2.3.4"),
            Some(IpAddr::from([1, 2, 3, 4])),
            "mapped IPv6 folds to IPv4"
        );
        assert!(parse_ip("fe80::1%en0").is_some());
    }

    #[test]
    fn malformed_and_names_are_hosts() {
        assert_eq!(
            parse_peer("2001:db8::g1"),
            Peer::Host("2001:db8::g1".into())
        );
        assert_eq!(parse_peer("example.com"), Peer::Host("example.com".into()));
        assert_eq!(parse_peer("192.030.0.6"), Peer::Host("192.030.0.6".into()));
        assert_eq!(
            parse_padded_ipv4("192.030.0.6"),
            Some(Ipv4Addr::new(192, 30, 0, 6))
        );
    }

    #[test]
    fn host_port_splits_at_last_colon() {
        assert_eq!(split_host_port("fe80::1:22"), Some(("fe80::1", 22)));
        assert_eq!(split_host_port("10.0.0.1:443"), Some(("10.0.0.1", 443)));
        assert_eq!(
            split_host_port("[2001:db8::1]:80"),
            Some(("2001:db8::1", 80))
        );
        assert_eq!(split_host_port("10.0.0.1"), None);
    }
}
