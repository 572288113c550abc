//! Per-client rate limit: a token bucket per client address, in memory, charged only for
//! requests that would reach HubSpot. Layer: broker (pure: the caller passes the time in, so
//! tests drive a fake clock). It is the broker's only state and it is per instance. IPv6
//! clients are keyed by their /64, which one host usually owns. The client address is the TCP
//! peer, or the one a trusted proxy names in a configured header (`client_address`).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// 20 requests at once, then one a second: a sign-in is 2-3 requests and a refresh 1 every
/// 30 minutes per rep, so a real client never meets it.
pub const BURST: u32 = 20;
pub const PER_SECOND: f64 = 1.0;
/// Bound on remembered clients; see `Limiter::check` for what happens past it.
pub const MAX_CLIENTS: usize = 65_536;

/// The peer part of a client key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeerKey {
    V4([u8; 4]),
    /// The first 64 bits of an IPv6 address.
    V6Prefix(u64),
}

impl PeerKey {
    pub fn of(ip: IpAddr) -> PeerKey {
        match ip {
            IpAddr::V4(v4) => PeerKey::V4(v4.octets()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => PeerKey::V4(v4.octets()),
                None => PeerKey::V6Prefix((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

/// The client's address: the TCP `peer`, unless the broker sits behind a trusted proxy that
/// names the client in a header (`values`: every instance of it, in order). The proxy appends
/// what it saw last, so the rightmost entry is the one it vouches for; anything to its left
/// came from the client and could be forged. A missing or unreadable value falls back to the
/// peer (a request that did not come through the proxy is keyed as who sent it).
pub fn client_address<'a>(values: impl Iterator<Item = &'a [u8]>, peer: IpAddr) -> IpAddr {
    let Some(last) = values.last() else {
        return peer;
    };
    let Ok(text) = std::str::from_utf8(last) else {
        return peer;
    };
    let entry = text.rsplit(',').next().unwrap_or("").trim();
    entry.parse::<IpAddr>().or_else(|_| entry.parse::<std::net::SocketAddr>().map(|a| a.ip())).unwrap_or(peer)
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct Limiter<K> {
    burst: f64,
    per_second: f64,
    max_clients: usize,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Eq + Hash> Limiter<K> {
    pub fn new(burst: u32, per_second: f64, max_clients: usize) -> Self {
        Limiter { burst: f64::from(burst), per_second, max_clients, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `key` at time `now`. `Err` carries how long until one is free
    /// (whole seconds, at least 1, for `Retry-After`).
    ///
    /// When `max_clients` keys are held, buckets that have refilled completely are forgotten
    /// (they hold no information); if every bucket is still draining, all are forgotten. That
    /// keeps memory bounded under a flood from many addresses at the cost of briefly letting
    /// clients start afresh: the limit is a courtesy to HubSpot's app-wide quota, not the
    /// broker's security boundary.
    pub fn check(&self, key: K, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= self.max_clients && !buckets.contains_key(&key) {
            let full_after = Duration::from_secs_f64(self.burst / self.per_second);
            buckets.retain(|_, b| now.saturating_duration_since(b.at) < full_after);
            if buckets.len() >= self.max_clients {
                buckets.clear();
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket { tokens: self.burst, at: now });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.at = bucket.at.max(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.per_second;
            Err((wait.ceil() as u64).max(1))
        }
    }

    #[cfg(test)]
    pub fn clients(&self) -> usize {
        self.buckets.lock().map(|b| b.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn a_burst_passes_then_the_next_request_waits_for_a_refill() {
        let limiter = Limiter::new(BURST, PER_SECOND, MAX_CLIENTS);
        let t0 = Instant::now();
        for i in 0..BURST {
            assert_eq!(limiter.check("a", t0), Ok(()), "request {i}");
        }
        assert_eq!(limiter.check("a", t0), Err(1));
        assert_eq!(limiter.check("a", t0 + secs(0.5)), Err(1));
        assert_eq!(limiter.check("a", t0 + secs(1.0)), Ok(()));
        assert_eq!(limiter.check("a", t0 + secs(1.0)), Err(1));
    }

    #[test]
    fn refill_is_capped_at_the_burst() {
        let limiter = Limiter::new(3, 1.0, 10);
        let t0 = Instant::now();
        for _ in 0..3 {
            limiter.check("a", t0).unwrap();
        }
        let later = t0 + secs(3600.0);
        for _ in 0..3 {
            assert_eq!(limiter.check("a", later), Ok(()));
        }
        assert!(limiter.check("a", later).is_err());
    }

    #[test]
    fn retry_after_is_whole_seconds_until_one_token() {
        let limiter = Limiter::new(1, 0.25, 10); // one token every 4 s
        let t0 = Instant::now();
        limiter.check("a", t0).unwrap();
        assert_eq!(limiter.check("a", t0), Err(4));
        assert_eq!(limiter.check("a", t0 + secs(1.5)), Err(3));
        assert_eq!(limiter.check("a", t0 + secs(3.9)), Err(1));
        assert_eq!(limiter.check("a", t0 + secs(4.0)), Ok(()));
    }

    #[test]
    fn clients_have_separate_buckets() {
        let limiter = Limiter::new(1, 1.0, 10);
        let t0 = Instant::now();
        assert!(limiter.check("a", t0).is_ok());
        assert!(limiter.check("a", t0).is_err());
        assert!(limiter.check("b", t0).is_ok());
    }

    #[test]
    fn a_clock_going_backwards_does_not_mint_tokens() {
        let limiter = Limiter::new(1, 1.0, 10);
        let t0 = Instant::now() + secs(100.0);
        limiter.check("a", t0).unwrap();
        assert!(limiter.check("a", t0 - secs(50.0)).is_err());
        assert!(limiter.check("a", t0).is_err());
    }

    #[test]
    fn memory_is_bounded_by_forgetting_refilled_buckets_first() {
        let limiter = Limiter::new(2, 1.0, 3);
        let t0 = Instant::now();
        limiter.check(1, t0).unwrap();
        limiter.check(2, t0).unwrap();
        limiter.check(3, t0 + secs(1.5)).unwrap();
        limiter.check(3, t0 + secs(1.5)).unwrap();
        // At t0+2.5 s, keys 1 and 2 have refilled (2 tokens take 2 s) and are forgotten; key 3
        // is still draining and keeps its state.
        limiter.check(4, t0 + secs(2.5)).unwrap();
        assert_eq!(limiter.clients(), 2);
        limiter.check(3, t0 + secs(2.5)).unwrap();
        assert!(limiter.check(3, t0 + secs(2.5)).is_err());
    }

    #[test]
    fn when_every_bucket_is_draining_the_table_starts_over_rather_than_grow() {
        let limiter = Limiter::new(2, 1.0, 3);
        let t0 = Instant::now();
        for key in 0..10 {
            limiter.check(key, t0).unwrap();
            assert!(limiter.clients() <= 3);
        }
    }

    #[test]
    fn the_client_is_the_rightmost_address_the_proxy_appended() {
        let peer: IpAddr = "10.0.0.9".parse().unwrap();
        let from = |values: &[&str]| client_address(values.iter().map(|v| v.as_bytes()), peer);
        assert_eq!(from(&[]), peer);
        assert_eq!(from(&["203.0.113.7"]), "203.0.113.7".parse::<IpAddr>().unwrap());
        // A client-forged entry on the left is ignored.
        assert_eq!(from(&["1.1.1.1, 203.0.113.7"]), "203.0.113.7".parse::<IpAddr>().unwrap());
        assert_eq!(from(&["1.1.1.1", "198.51.100.2 "]), "198.51.100.2".parse::<IpAddr>().unwrap());
        assert_eq!(from(&["[2001:db8::1]:443"]), "2001:db8::1".parse::<IpAddr>().unwrap());
        assert_eq!(from(&["203.0.113.7:8080"]), "203.0.113.7".parse::<IpAddr>().unwrap());
        assert_eq!(from(&["unknown"]), peer);
        assert_eq!(from(&["1.1.1.1, "]), peer);
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_slash_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(PeerKey::of(a), PeerKey::of(b));
        assert_ne!(PeerKey::of(a), PeerKey::of(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(PeerKey::of(mapped), PeerKey::of(v4));
        assert_ne!(PeerKey::of(v4), PeerKey::of("192.0.2.8".parse().unwrap()));
    }
}
