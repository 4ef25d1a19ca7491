//! What an indicator is once loaded: its metadata, and the log-matchable values it names.
//!
//! Values are normalized once here (lower-case names, parsed networks, URL keys without scheme)
//! so the matcher compares like with like and does no parsing of intel on the hot path.

use std::net::IpAddr;

use ipnet::IpNet;
use jiff::Timestamp;
use serde::Serialize;

/// A threat actor (STIX `intrusion-set` or `threat-actor`) an indicator points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActorRef {
    /// STIX id (`intrusion-set--…`).
    pub id: String,
    /// Name as the bundle gives it (`APT1`).
    pub name: String,
}

/// One indicator: a STIX `indicator`, or one row (or the whole) of a plain feed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Indicator {
    /// STIX id, or the feed name for plain feeds.
    pub id: String,
    /// Human name (STIX `name`, feed malware family, or the feed title).
    pub name: String,
    /// Where it came from: the file name of the bundle or feed.
    pub source: String,
    /// STIX `labels` and `indicator_types`, feed threat types and tags.
    pub labels: Vec<String>,
    /// STIX confidence, 0 to 100.
    pub confidence: Option<u8>,
    /// Kill-chain phases as `chain:phase` (`mitre-attack:command-and-control`).
    pub kill_chain_phases: Vec<String>,
    /// ATT&CK technique ids from `indicates` relationships to attack-patterns.
    pub techniques: Vec<String>,
    /// Malware names from `indicates` relationships (or the feed's malware column).
    pub malware: Vec<String>,
    /// Intrusion sets and threat actors from `indicates` / `attributed-to` relationships.
    pub actors: Vec<ActorRef>,
    /// Start of validity (`valid_from`).
    pub valid_from: Option<Timestamp>,
    /// End of validity (`valid_until`).
    pub valid_until: Option<Timestamp>,
}

impl Indicator {
    /// True when the indicator is valid at `time` (always when the time is unknown).
    pub fn valid_at(&self, time: Option<Timestamp>) -> bool {
        let Some(time) = time else {
            return true;
        };
        self.valid_from.is_none_or(|from| time >= from)
            && self.valid_until.is_none_or(|until| time < until)
    }

    /// True when the indicator marks command-and-control, by its labels or kill-chain phases.
    pub fn is_command_and_control(&self) -> bool {
        let c2_word = |text: &str| {
            let text = text.to_ascii_lowercase();
            text.contains("command-and-control")
                || text.contains("botnet_cc")
                || text == "c2"
                || text == "c&c"
                || text.contains("-c2")
        };
        self.labels.iter().any(|label| c2_word(label))
            || self
                .kill_chain_phases
                .iter()
                .any(|phase| phase.ends_with(":command-and-control"))
    }
}

/// File hash algorithms found in logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashKind {
    /// MD5 (32 hex digits).
    Md5,
    /// SHA-1 (40 hex digits).
    Sha1,
    /// SHA-256 (64 hex digits).
    Sha256,
}

impl HashKind {
    /// Recognizes a STIX hash name (`MD5`, `SHA-1`, `'SHA-256'`) or a MISP/OTX type name.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name
            .trim_matches('\'')
            .to_ascii_lowercase()
            .replace(['-', '_'], "");
        match name.as_str() {
            "md5" | "filehashmd5" => Some(Self::Md5),
            "sha1" | "filehashsha1" => Some(Self::Sha1),
            "sha256" | "filehashsha256" => Some(Self::Sha256),
            _ => None,
        }
    }

    /// The algorithm whose digest has this many hex digits.
    pub fn from_hex_len(len: usize) -> Option<Self> {
        match len {
            32 => Some(Self::Md5),
            40 => Some(Self::Sha1),
            64 => Some(Self::Sha256),
            _ => None,
        }
    }
}

/// A value that can be looked for in log events.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Observable {
    /// An address (as a /32 or /128) or a CIDR range.
    Network(IpNet),
    /// A domain; its subdomains match too. Lower case, no trailing dot.
    Domain(String),
    /// A URL key from [`url_key`].
    Url(String),
    /// A file digest in lower-case hex.
    Hash(HashKind, String),
    /// An e-mail address, lower case.
    Email(String),
}

impl Observable {
    /// Reads an address or CIDR range (`192.0.2.1`, `198.51.100.0/24`, `2001:db8::/32`).
    ///
    /// Host bits set in a range (`10.1.2.3/8`) are cleared, as routers read them.
    pub fn network(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(address) = text.parse::<IpAddr>() {
            return Some(Self::Network(IpNet::from(address)));
        }
        text.parse::<IpNet>()
            .ok()
            .map(|net| Self::Network(net.trunc()))
    }

    /// Reads a domain name, or `None` when the text cannot be one.
    pub fn domain(text: &str) -> Option<Self> {
        normalize_domain(text).map(Self::Domain)
    }

    /// Reads a URL, or `None` when it has no host.
    pub fn url(text: &str) -> Option<Self> {
        url_key(text).map(Self::Url)
    }

    /// Reads a hex digest of a known length.
    pub fn hash(text: &str) -> Option<Self> {
        let text = text.trim();
        let kind = HashKind::from_hex_len(text.len())?;
        text.bytes()
            .all(|byte| byte.is_ascii_hexdigit())
            .then(|| Self::Hash(kind, text.to_ascii_lowercase()))
    }

    /// Reads an e-mail address.
    pub fn email(text: &str) -> Option<Self> {
        let text = text.trim().trim_matches(['<', '>']);
        let (local, domain) = text.rsplit_once('@')?;
        (!local.is_empty() && normalize_domain(domain).is_some())
            .then(|| Self::Email(text.to_ascii_lowercase()))
    }

    /// The value as text, for detections and reports.
    pub fn to_text(&self) -> String {
        match self {
            Self::Network(net) if net.prefix_len() == net.max_prefix_len() => {
                net.addr().to_string()
            }
            Self::Network(net) => net.to_string(),
            Self::Domain(text) | Self::Url(text) | Self::Hash(_, text) | Self::Email(text) => {
                text.clone()
            }
        }
    }
}

/// Lower-cases a domain and drops one trailing dot; `None` for text that is not a name.
pub fn normalize_domain(text: &str) -> Option<String> {
    let name = text.trim().trim_end_matches('.');
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.contains('.')
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'*'))
        && !name.split('.').any(str::is_empty);
    valid.then(|| name.to_ascii_lowercase())
}

/// The form URLs are compared in: no scheme, lower-case host, no default port, no fragment.
///
/// `HTTP://Example.com:80/a?b#c` and `example.com/a?b` give the same key `example.com/a?b`;
/// a bare host gets the path `/`.
pub fn url_key(text: &str) -> Option<String> {
    let text = text.trim();
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => (String::new(), text),
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    if host_port.is_empty() {
        return None;
    }
    let (host, port) = split_host_port(host_port);
    let default_port = match scheme.as_str() {
        "https" => "443",
        _ => "80",
    };
    let mut key = host.to_ascii_lowercase();
    if let Some(port) = port.filter(|port| *port != default_port) {
        key.push(':');
        key.push_str(port);
    }
    if !path.starts_with('/') {
        key.push('/');
    }
    key.push_str(path);
    Some(key)
}

/// Splits `host:port`, `[v6]:port`, or a bare host (an IPv6 address without brackets stays whole).
pub fn split_host_port(text: &str) -> (&str, Option<&str>) {
    if let Some(inner) = text.strip_prefix('[') {
        return match inner.split_once(']') {
            Some((host, rest)) => (host, rest.strip_prefix(':')),
            None => (inner, None),
        };
    }
    match text.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            (host, (!port.is_empty()).then_some(port))
        }
        _ => (text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_keys_drop_scheme_default_port_and_fragment() {
        let key = url_key("HTTP://Example.COM:80/a/B?c=1#frag");
        assert_eq!(key.as_deref(), Some("example.com/a/B?c=1"));
        let key = url_key("http://117.209.87.242:60905/bin.sh");
        assert_eq!(key.as_deref(), Some("117.209.87.242:60905/bin.sh"));
        assert_eq!(url_key("https://x.test").as_deref(), Some("x.test/"));
        assert_eq!(
            url_key("https://x.test:443?q").as_deref(),
            Some("x.test/?q")
        );
        assert_eq!(url_key("http:///nohost"), None);
    }

    #[test]
    fn networks_clear_host_bits_and_read_plain_addresses() {
        let net = Observable::network("10.1.2.3/8").unwrap();
        assert_eq!(net.to_text(), "10.0.0.0/8");
        assert_eq!(
            Observable::network("2001:db8::1").unwrap().to_text(),
            "2001:db8::1"
        );
        assert_eq!(Observable::network("107.183.86"), None);
    }

    #[test]
    fn domains_and_hashes_are_checked() {
        assert_eq!(
            Observable::domain("Evil.Example."),
            Some(Observable::Domain("evil.example".into()))
        );
        assert_eq!(Observable::domain("localhost"), None);
        assert_eq!(Observable::domain("a..b"), None);
        let md5 = Observable::hash("0749BAE92CA336A02C83D126E04EC628").unwrap();
        assert_eq!(
            md5,
            Observable::Hash(HashKind::Md5, "0749bae92ca336a02c83d126e04ec628".into())
        );
        assert_eq!(Observable::hash("xyz"), None);
    }

    #[test]
    fn validity_window_is_half_open() {
        let indicator = Indicator {
            valid_from: Some("2024-01-01T00:00:00Z".parse().unwrap()),
            valid_until: Some("2024-02-01T00:00:00Z".parse().unwrap()),
            ..Indicator::default()
        };
        assert!(indicator.valid_at(Some("2024-01-01T00:00:00Z".parse().unwrap())));
        assert!(!indicator.valid_at(Some("2024-02-01T00:00:00Z".parse().unwrap())));
        assert!(!indicator.valid_at(Some("2023-12-31T23:59:59Z".parse().unwrap())));
        assert!(indicator.valid_at(None));
    }
}
