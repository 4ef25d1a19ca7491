//! Where the peer sits in an sshd message, read so that a crafted user name cannot move it.
//!
//! OpenSSH writes `... for <user> from <peer> port <n> ssh2[: <auth info>]`. Both the user name
//! and parts of the auth info come from the client, and either may contain ` from 1.2.3.4`. The
//! peer is therefore taken from a ` from ` whose whole tail fits the grammar that follows a real
//! peer (`port`, `on <local> port`, `rdomain`, `ssh1`/`ssh2`, `via`, `[preauth]`, then the end or
//! `: <info>`). When several do, the one matching the peer already known for the session wins,
//! else the leftmost (text after a real `ssh2: ` may be client-chosen; the user name before it
//! is bounded by the grammar that follows).

use std::sync::LazyLock;

use memchr::memmem::Finder;

use crate::engine::ingest::address::{Peer, parse_peer, split_host_port};

/// A peer as read from a message, with the parts that follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerAt<'a> {
    /// The remote address or host name.
    pub peer: Peer,
    /// The remote port.
    pub port: Option<u16>,
    /// The local end from `on <addr> port <n>`.
    pub local: Option<(Peer, Option<u16>)>,
    /// The message ends in `[preauth]`.
    pub preauth: bool,
    /// What follows `ssh2: ` (key type and fingerprint, client user...).
    pub info: Option<&'a str>,
}

/// Reads `<peer>[ port N][ on ADDR port N][ rdomain X][ ssh2][ via ADDR][: info][ [preauth]]`.
///
/// `None` when anything else follows the peer, so a ` from ` inside a user name is rejected.
pub fn read_tail(text: &str, allow_info: bool) -> Option<PeerAt<'_>> {
    let (token, mut rest) = next_token(text);
    let peer = peer_token(token)?;
    let mut at = PeerAt {
        peer,
        port: None,
        local: None,
        preauth: false,
        info: None,
    };

    loop {
        let (word, after) = next_token(rest);
        match word {
            "" => return Some(at),
            "[preauth]" if after.trim().is_empty() => {
                at.preauth = true;
                return Some(at);
            }
            "port" if at.port.is_none() => {
                let (number, after) = next_token(after);
                let (number, info) = split_info(number, after, allow_info);
                at.port = Some(number.parse().ok()?);
                if let Some(info) = info {
                    return Some(with_info(at, info));
                }
                rest = after;
            }
            "on" if at.local.is_none() => {
                let (address, after) = next_token(after);
                let local = peer_token(address)?;
                let (port_word, after_port) = next_token(after);
                if port_word == "port" {
                    let (number, after_number) = next_token(after_port);
                    at.local = Some((local, Some(number.parse().ok()?)));
                    rest = after_number;
                } else {
                    at.local = Some((local, None));
                    rest = after;
                }
            }
            "rdomain" | "via" => rest = next_token(after).1,
            _ => {
                let (word, info) = split_info(word, after, allow_info);
                if !matches!(word, "ssh" | "ssh1" | "ssh2") {
                    return None;
                }
                if let Some(info) = info {
                    return Some(with_info(at, info));
                }
                rest = after;
            }
        }
    }
}

/// Finds the real ` from <peer>` in `text`; returns the text before it (the user part) and the
/// peer. `known` is the peer already seen for this session, used to choose between readings.
pub fn find_from<'a>(
    text: &'a str,
    allow_info: bool,
    known: Option<&Peer>,
) -> Option<(&'a str, PeerAt<'a>)> {
    static FROM: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(" from "));
    let at_start = text.starts_with("from ").then_some(0);
    let starts = at_start
        .into_iter()
        .chain(FROM.find_iter(text.as_bytes()).map(|index| index + 1));

    let mut first = None;
    for start in starts {
        let before = text.get(..start).unwrap_or_default().trim_end_matches(' ');
        let Some(tail) = text.get(start + "from ".len()..) else {
            continue;
        };
        let Some(at) = read_tail(tail, allow_info) else {
            continue;
        };
        if known.is_some_and(|known| *known == at.peer) {
            return Some((before, at));
        }
        if first.is_none() {
            first = Some((before, at));
        }
    }
    first
}

/// Classifies a token where a peer belongs; rejects text no log writes for a peer.
pub fn peer_token(token: &str) -> Option<Peer> {
    let token = token.trim_end_matches(',');
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '_' | '%');
    let inner = token
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(token);
    if inner.is_empty() || inner.len() > 255 || !inner.chars().all(allowed) {
        return None;
    }
    if matches!(inner, "from" | "port" | "user") {
        return None;
    }
    Some(parse_peer(inner))
}

/// Reads `ip:port` as Dropbear writes it (`1.2.3.4:22`, `::ffff:1.2.3.4:22`, `<1.2.3.4:22>`).
pub fn joined_peer(text: &str) -> Option<(Peer, Option<u16>)> {
    let text = text
        .trim()
        .trim_start_matches('<')
        .trim_end_matches([':', '>']);
    if let Some((host, port)) = split_host_port(text)
        && let Some(peer) = peer_token(host)
    {
        return Some((peer, Some(port)));
    }
    peer_token(text).map(|peer| (peer, None))
}

fn with_info<'a>(mut at: PeerAt<'a>, info: &'a str) -> PeerAt<'a> {
    let trimmed = info.trim();
    if let Some(rest) = trimmed.strip_suffix("[preauth]") {
        at.preauth = true;
        at.info = Some(rest.trim_end());
    } else {
        at.info = Some(trimmed);
    }
    at
}

/// Splits `word:` (the last grammar word, followed by `: info`) into the word and the info.
fn split_info<'a>(word: &'a str, after: &'a str, allow_info: bool) -> (&'a str, Option<&'a str>) {
    match word.strip_suffix(':') {
        Some(bare) if allow_info => (bare, Some(after)),
        _ => (word, None),
    }
}

fn next_token(text: &str) -> (&str, &str) {
    let text = text.trim_start_matches(' ');
    match text.find(' ') {
        Some(end) => (&text[..end], &text[end..]),
        None => (text, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn ip(text: &str) -> Peer {
        Peer::Ip(text.parse::<IpAddr>().unwrap())
    }

    #[test]
    fn tail_grammar() {
        let at = read_tail("192.0.2.1 port 22 ssh2: RSA SHA256:abc", true).unwrap();
        assert_eq!(
            (at.peer, at.port, at.info),
            (ip("192.0.2.1"), Some(22), Some("RSA SHA256:abc"))
        );
        let at = read_tail(
            "192.0.2.10 port 62004 on 192.0.2.9 port 22 rdomain \"\"",
            false,
        )
        .unwrap();
        assert_eq!(at.local, Some((ip("192.0.2.9"), Some(22))));
        let at = read_tail("aaaa:bbbb:cccc:1234::1:1", false).unwrap();
        assert_eq!(at.peer, ip("aaaa:bbbb:cccc:1234::1:1"));
        assert!(read_tail("10.10.1.1 from 127.0.0.1 port 1 ssh2", true).is_none());
        assert!(read_tail("192.0.2.1' from 69.61.56.115 port 31778", false).is_none());
        let at = read_tail("1.2.3.4 port 12345 [preauth]", false).unwrap();
        assert!(at.preauth);
    }

    #[test]
    fn user_names_cannot_inject_a_peer() {
        let cases = [
            (
                "from 10.10.1.1 from 127.0.0.1 port 58946 ssh2",
                "from 10.10.1.1",
            ),
            (
                "test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2",
                "test from 10.10.1.2 port 55555 ssh2",
            ),
            (
                "test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2",
                "test",
            ),
            (
                "user from 127.0.0.1 port 20000 ssh1: ruser from 1.2.3.4",
                "user",
            ),
        ];
        for (text, user) in cases {
            let (before, at) = find_from(text, true, None).unwrap();
            assert_eq!((before, at.peer), (user, ip("127.0.0.1")), "{text}");
        }
    }

    #[test]
    fn the_session_peer_breaks_ties() {
        let text = "x from 1.2.3.4 port 1 ssh2: y from 9.9.9.9 port 2 ssh2";
        let known = ip("9.9.9.9");
        let (_, at) = find_from(text, true, Some(&known)).unwrap();
        assert_eq!(at.peer, known);
    }

    #[test]
    fn dropbear_joined_peers() {
        assert_eq!(
            joined_peer("::ffff:198.51.100.215:60495"),
            Some((ip("198.51.100.215"), Some(60495)))
        );
        assert_eq!(
            joined_peer("<192.0.2.3:52289>:"),
            Some((ip("192.0.2.3"), Some(52289)))
        );
    }
}
