//! The `--redis` value: a `redis://` URL, checked at start. Rooms layer (backplane): imports
//! nothing of the crate.

use std::fmt;

/// A checked `redis://[USER:PASSWORD@]HOST[:PORT][/DB]` URL.
#[derive(Clone)]
pub struct RedisUrl {
    url: String,
}

impl RedisUrl {
    /// Checks `value`; the error names the value and the rule (clap adds the flag).
    ///
    /// ```
    /// use duplex_server::rooms::backplane::RedisUrl;
    /// assert!(RedisUrl::parse("redis://127.0.0.1:6379").is_ok());
    /// assert!(RedisUrl::parse("http://x").unwrap_err().contains("not a redis:// URL"));
    /// ```
    pub fn parse(value: &str) -> Result<RedisUrl, String> {
        let rule =
            "a redis:// URL like redis://127.0.0.1:6379 (optionally with user:password@ and /DB)";
        if value.starts_with("rediss://") {
            return Err(format!(
                "{value:?}: TLS to Redis (rediss://) is not supported by this build; expected {rule}"
            ));
        }
        let Some(rest) = value.strip_prefix("redis://") else {
            return Err(format!("{value:?} is not a redis:// URL; expected {rule}"));
        };
        let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        if host.is_empty() || host.starts_with(['/', ':']) {
            return Err(format!("{value:?} names no host; expected {rule}"));
        }
        if let Err(error) = redis::Client::open(value) {
            return Err(format!(
                "{value:?} is not a valid Redis URL ({error}); expected {rule}"
            ));
        }
        Ok(RedisUrl {
            url: value.to_owned(),
        })
    }

    /// The URL, password included: only for connecting.
    pub fn as_str(&self) -> &str {
        &self.url
    }
}

/// Shows the URL without its password, so that logs and `--help` output never carry it.
impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rest = &self.url["redis://".len()..];
        match rest.rsplit_once('@') {
            Some((user, host)) => {
                let user = user.split_once(':').map_or(user, |(user, _)| user);
                write!(f, "redis://{user}:***@{host}")
            }
            None => f.write_str(&self.url),
        }
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_urls_pass_and_others_say_why_not() {
        assert!(RedisUrl::parse("redis://localhost").is_ok());
        assert!(RedisUrl::parse("redis://127.0.0.1:6379/2").is_ok());
        assert!(RedisUrl::parse("http://x")
            .unwrap_err()
            .contains("not a redis:// URL"));
        assert!(RedisUrl::parse("rediss://x").unwrap_err().contains("TLS"));
        assert!(RedisUrl::parse("redis://").unwrap_err().contains("no host"));
        assert!(RedisUrl::parse("redis://:6379")
            .unwrap_err()
            .contains("no host"));
    }

    #[test]
    fn the_password_never_shows() {
        let url = RedisUrl::parse("redis://me:secret@db:6379").unwrap();
        assert_eq!(url.to_string(), "redis://me:***@db:6379");
        assert!(!format!("{url:?}").contains("secret"));
        assert_eq!(url.as_str(), "redis://me:secret@db:6379");
    }
}
