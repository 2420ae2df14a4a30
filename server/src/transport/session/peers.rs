//! Who holds the sessions of a registry: how many each peer holds, and the order its own
//! sessions lost their connections in. A full table takes room from the peer holding the most
//! sessions first, so that clients of one peer that say hello and go (a flood of hellos) push
//! out their own sessions, not the ones other peers' clients are coming back to.
//!
//! A peer is an address as the server sees it: an IPv4 address, or an IPv6 /64 (the block a
//! single host is usually given, so that a host's many IPv6 addresses count as one; a network
//! holding many /64s can still pass for many peers). Behind a reverse proxy every client is
//! the proxy: the rule then drops the session gone longest, as a table without peers would.
//! Transport layer (session): imports only `transport`.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use super::idle::IdleLog;

/// A peer as sessions are counted: an IPv4 address (IPv4-mapped IPv6 ones too) or the first
/// 64 bits of an IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerKey(IpAddr);

impl From<IpAddr> for PeerKey {
    fn from(address: IpAddr) -> PeerKey {
        match address {
            IpAddr::V4(v4) => PeerKey(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => PeerKey(IpAddr::V4(v4)),
                None => PeerKey(IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into())),
            },
        }
    }
}

impl std::fmt::Display for PeerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

/// Where a held session writes its departures: the registry's log (every session) and its
/// peer's; with the peer it is counted for.
pub struct Departures {
    /// The peer that started it.
    pub holder: PeerKey,
    /// The registry's log, then the peer's.
    pub logs: [Arc<IdleLog>; 2],
}

/// One peer's share of the table.
struct Holding {
    /// Sessions of the table it started (connected or not).
    held: usize,
    /// Their departures, oldest first.
    departures: Arc<IdleLog>,
}

/// The sessions each peer holds; see the module doc. Kept under the registry's lock, beside
/// the sessions themselves.
#[derive(Default)]
pub struct Holders {
    peers: HashMap<PeerKey, Holding>,
    /// The same counts, ordered: the last is the peer holding the most.
    by_count: BTreeSet<(usize, PeerKey)>,
}

impl Holders {
    /// `peer` holds one more session: the log its departures go to.
    pub fn hold(&mut self, peer: PeerKey) -> Arc<IdleLog> {
        let holding = self.peers.entry(peer).or_insert_with(|| Holding {
            held: 0,
            departures: Arc::default(),
        });
        self.by_count.remove(&(holding.held, peer));
        holding.held += 1;
        self.by_count.insert((holding.held, peer));
        holding.departures.clone()
    }

    /// A session of `peer` is forgotten (expired, or dropped to make room).
    pub fn release(&mut self, peer: PeerKey) {
        let Some(holding) = self.peers.get_mut(&peer) else {
            return;
        };
        self.by_count.remove(&(holding.held, peer));
        holding.held -= 1;
        if holding.held == 0 {
            self.peers.remove(&peer);
        } else {
            self.by_count.insert((holding.held, peer));
        }
    }

    /// Every peer with how many sessions it holds and the log of its departures, the one
    /// holding the most first.
    pub fn biggest_first(&self) -> impl Iterator<Item = (usize, PeerKey, &IdleLog)> {
        let log = |peer: &PeerKey| Some(&*self.peers.get(peer)?.departures);
        self.by_count
            .iter()
            .rev()
            .filter_map(move |(held, peer)| Some((*held, *peer, log(peer)?)))
    }

    /// How many sessions `peer` holds (what the tests look at).
    #[cfg(test)]
    pub fn held_by(&self, peer: PeerKey) -> usize {
        self.peers.get(&peer).map_or(0, |holding| holding.held)
    }

    /// Every peer's log of departures (for the sweep, which drops their stale entries).
    pub fn logs(&self) -> impl Iterator<Item = &IdleLog> {
        self.peers.values().map(|holding| &*holding.departures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(address: &str) -> PeerKey {
        PeerKey::from(address.parse::<IpAddr>().unwrap())
    }

    #[test]
    fn an_ipv6_host_is_its_64_bit_prefix_and_a_mapped_ipv4_address_is_the_ipv4_one() {
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_ne!(key("192.0.2.7"), key("192.0.2.8"));
        assert_eq!(key("2001:db8:1:2:aaaa::1").to_string(), "2001:db8:1:2::/64");
        assert_eq!(key("192.0.2.7").to_string(), "192.0.2.7");
    }

    #[test]
    fn the_biggest_holders_come_first_and_a_peer_holding_none_is_forgotten() {
        let mut holders = Holders::default();
        let (a, b, c) = (key("192.0.2.1"), key("192.0.2.2"), key("192.0.2.3"));
        let order = |holders: &Holders| -> Vec<PeerKey> {
            holders.biggest_first().map(|(_, peer, _)| peer).collect()
        };
        assert!(order(&holders).is_empty());
        holders.hold(a);
        holders.hold(b);
        holders.hold(b);
        holders.hold(c);
        holders.hold(c);
        holders.hold(c);
        assert_eq!(order(&holders), [c, b, a]);
        holders.release(c);
        holders.release(c);
        holders.release(b);
        holders.release(b);
        // A tie: the greater address first (any fixed order would do).
        assert_eq!(order(&holders), [c, a]);
        assert_eq!((holders.held_by(a), holders.held_by(b)), (1, 0));
        assert_eq!(holders.peers.len(), 2);
        holders.release(a);
        holders.release(c);
        assert!(order(&holders).is_empty() && holders.by_count.is_empty());
    }

    #[test]
    fn a_peer_keeps_one_log_for_all_its_sessions() {
        let mut holders = Holders::default();
        let a = key("192.0.2.1");
        let first = holders.hold(a);
        let second = holders.hold(a);
        assert!(Arc::ptr_eq(&first, &second));
        assert!(!Arc::ptr_eq(&first, &holders.hold(key("192.0.2.2"))));
    }
}
