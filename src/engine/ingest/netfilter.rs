//! Linux netfilter kernel log messages: iptables `LOG`, UFW, nftables; IPv4 and IPv6.
//!
//! Called by the syslog parser with the message part of a line (after the `kernel:` tag and
//! uptime), or with a whole line that has no syslog header.

use crate::engine::event::Event;

/// Fills `event` from a netfilter message.
///
/// Returns `None` when `message` is not a netfilter line at all (so the caller can try other
/// grammars), `Some(Ok(()))` when `event` was filled, and `Some(Err(reason))` when it looked like
/// netfilter but could not be read.
pub fn parse_message(message: &str, event: &mut Event) -> Option<Result<(), String>> {
    let _ = (message, event);
    None
}
