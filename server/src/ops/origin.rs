//! The Origin check of WebSocket handshakes, against cross-site WebSocket hijacking.
//!
//! A browser sends the page's origin with every WebSocket handshake, and cookies go along
//! whichever page opened the socket: without this check any site could talk to this server
//! as its visitor. Clients that are not browsers send no Origin and pass. Operations layer:
//! imports nothing of the crate.

use std::net::IpAddr;

use axum::http::{HeaderValue, Uri};

/// One `--allow-origin` value: `*`, or an exact `scheme://host[:port]` origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigin {
    /// `*`: every origin passes.
    Any,
    /// This origin passes.
    Exact(Origin),
}

impl AllowedOrigin {
    /// Parses a flag value; the error names the value and the rule.
    pub fn parse(value: &str) -> Result<AllowedOrigin, String> {
        if value.trim() == "*" {
            return Ok(AllowedOrigin::Any);
        }
        Origin::parse(value.trim()).map(AllowedOrigin::Exact)
    }
}

/// A web origin: scheme, host and port (the scheme's default port when none is written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `http` or `https`, lowercase.
    pub scheme: String,
    /// The host, lowercase; an IPv6 address keeps its brackets.
    pub host: String,
    /// The port, or the scheme's default.
    pub port: u16,
}

impl Origin {
    /// Parses `scheme://host[:port]` as browsers send it in the Origin header.
    pub fn parse(value: &str) -> Result<Origin, String> {
        let rule = "an origin is http:// or https:// followed by a host and an optional port, with no path (e.g. https://example.com:8443)";
        let uri: Uri = value
            .parse()
            .map_err(|_| format!("{value:?} is not an origin: {rule}"))?;
        let scheme = uri.scheme_str().unwrap_or("").to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(format!("{value:?} is not an origin: {rule}")),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| format!("{value:?} is not an origin: {rule}"))?;
        let has_path = !matches!(uri.path(), "" | "/") || uri.query().is_some();
        if has_path || authority.as_str().contains('@') || value.ends_with('/') {
            return Err(format!("{value:?} is not an origin: {rule}"));
        }
        Ok(Origin {
            scheme,
            host: authority.host().to_ascii_lowercase(),
            port: authority.port_u16().unwrap_or(default_port),
        })
    }

    /// Whether the host is this machine: `localhost`, `*.localhost`, 127.0.0.0/8 or `[::1]`.
    pub fn is_loopback(&self) -> bool {
        if self.host == "localhost" || self.host.ends_with(".localhost") {
            return true;
        }
        let bare = self.host.trim_start_matches('[').trim_end_matches(']');
        bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// One `--allow-host` value: a name (or address) this server is reached by, for the
/// own-origin rule; `.example.com` also stands for every subdomain of `example.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost(String);

impl AllowedHost {
    /// Parses a flag value; the error names the value and the rule.
    pub fn parse(value: &str) -> Result<AllowedHost, String> {
        let rule = "a host is a name or an IP address without scheme, port or path (e.g. chat.example.com, .example.com for its subdomains too, 192.168.1.5, [::1])";
        let host = value.trim().to_ascii_lowercase();
        let bare = host.strip_prefix('.').unwrap_or(&host);
        let ip = bare.starts_with('[')
            && bare.ends_with(']')
            && bare[1..bare.len() - 1]
                .parse::<std::net::Ipv6Addr>()
                .is_ok();
        let name = !bare.is_empty()
            && bare.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if ip || name {
            Ok(AllowedHost(host))
        } else {
            Err(format!("{value:?} is not a host: {rule}"))
        }
    }

    /// Whether `host` (lowercase, from a Host header without its port) is this one.
    fn matches(&self, host: &str) -> bool {
        match self.0.strip_prefix('.') {
            Some(domain) => host == domain || host.ends_with(&self.0),
            None => host == self.0,
        }
    }
}

/// Which origins may open WebSockets: the server's own (when the Host it came to is a
/// localhost name or an allowed host), localhost on any port, and the `--allow-origin` list.
#[derive(Debug, Clone, Default)]
pub struct OriginPolicy {
    allowed: Vec<AllowedOrigin>,
    hosts: Vec<AllowedHost>,
}

impl OriginPolicy {
    /// A policy that lets `allowed` through besides loopback origins and the server's own
    /// origin; the own-origin rule holds only for a Host that is a localhost name or address
    /// or one of `hosts` (a page on a DNS-rebinding name gets 403).
    pub fn new(allowed: Vec<AllowedOrigin>, hosts: Vec<AllowedHost>) -> OriginPolicy {
        OriginPolicy { allowed, hosts }
    }

    /// Checks a handshake's Origin and Host headers; the error says why the origin is refused.
    pub fn check(
        &self,
        origin: Option<&HeaderValue>,
        host: Option<&HeaderValue>,
    ) -> Result<(), String> {
        let Some(origin) = origin else {
            return Ok(()); // not a browser
        };
        if self.allowed.contains(&AllowedOrigin::Any) {
            return Ok(());
        }
        let text = origin.to_str().unwrap_or("");
        let parsed = Origin::parse(text).map_err(|_| {
            format!("origin {text:?} is not allowed: not an http(s) origin (a sandboxed or file page sends \"null\")")
        })?;
        if parsed.is_loopback() || self.is_own_origin(&parsed, host) {
            return Ok(());
        }
        if self.allowed.contains(&AllowedOrigin::Exact(parsed)) {
            return Ok(());
        }
        Err(format!(
            "origin {text:?} is not allowed: only this server's own origin, localhost origins and --allow-origin ones may open WebSockets here"
        ))
    }
}

impl OriginPolicy {
    /// The page came from this server: the origin's host and port are the Host header's, and
    /// that host is one this server is known by (not whatever name resolved to it).
    fn is_own_origin(&self, origin: &Origin, host: Option<&HeaderValue>) -> bool {
        let Some(host) = host.and_then(|h| h.to_str().ok()) else {
            return false;
        };
        let Ok(authority) = host.parse::<axum::http::uri::Authority>() else {
            return false;
        };
        let default_port = if origin.scheme == "https" { 443 } else { 80 };
        let same = authority.host().eq_ignore_ascii_case(&origin.host)
            && authority.port_u16().unwrap_or(default_port) == origin.port;
        // The origin's host is the Host's, lowercase: a local name or an allowed one?
        same && (origin.is_loopback() || self.hosts.iter().any(|h| h.matches(&origin.host)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(policy: &OriginPolicy, origin: &str, host: &str) -> bool {
        policy
            .check(
                Some(&HeaderValue::from_str(origin).unwrap()),
                Some(&HeaderValue::from_str(host).unwrap()),
            )
            .is_ok()
    }

    #[test]
    fn loopback_and_own_origins_pass_by_default_and_others_do_not() {
        let policy = OriginPolicy::default();
        assert!(check(&policy, "http://localhost:8000", "example.com"));
        assert!(check(&policy, "http://127.0.0.1:41234", "127.0.0.1:9900"));
        assert!(check(&policy, "http://[::1]:3000", "127.0.0.1:9900"));
        // DNS rebinding: a name that resolves here is not this server's own origin.
        assert!(!check(&policy, "http://evil.example", "evil.example"));
        let known = OriginPolicy::new(
            vec![],
            vec![
                AllowedHost::parse("chat.example.com").unwrap(),
                AllowedHost::parse(".corp.example").unwrap(),
            ],
        );
        assert!(check(
            &known,
            "https://chat.example.com",
            "chat.example.com"
        ));
        assert!(check(
            &known,
            "http://chat.example.com:9900",
            "chat.example.com:9900"
        ));
        assert!(check(&known, "http://a.corp.example", "a.corp.example"));
        assert!(!check(&known, "http://evil.example", "evil.example"));
        assert!(!check(&known, "http://xcorp.example", "xcorp.example"));
        assert!(!check(
            &known,
            "http://chat.example.com:9901",
            "chat.example.com:9900"
        ));
        assert!(!check(&policy, "https://evil.example", "127.0.0.1:9900"));
        assert!(!check(&policy, "null", "127.0.0.1:9900"));
        assert!(!check(
            &policy,
            "http://localhost.evil.example",
            "127.0.0.1:9900"
        ));
        assert!(policy.check(None, None).is_ok());
    }

    #[test]
    fn the_allow_list_adds_exact_origins_or_every_origin() {
        let listed = OriginPolicy::new(
            vec![AllowedOrigin::parse("https://app.example").unwrap()],
            vec![],
        );
        assert!(check(&listed, "https://app.example", "api.example"));
        assert!(check(&listed, "https://app.example:443", "api.example"));
        assert!(!check(&listed, "http://app.example", "api.example"));
        let any = OriginPolicy::new(vec![AllowedOrigin::parse("*").unwrap()], vec![]);
        assert!(check(&any, "https://evil.example", "api.example"));
    }

    #[test]
    fn a_bad_flag_value_is_named() {
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://example.com/path",
            "https://",
        ] {
            let error = AllowedOrigin::parse(bad).unwrap_err();
            assert!(error.contains(bad), "{error}");
        }
        for bad in [
            "",
            "http://a.example",
            "a.example:80",
            "a.example/x",
            "a..example",
            "[zz]",
        ] {
            let error = AllowedHost::parse(bad).unwrap_err();
            assert!(error.contains(&format!("{bad:?}")), "{error}");
        }
    }
}
