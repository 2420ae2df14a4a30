//! A real `redis-server` (Debian's package; `scripts/setup.sh --for-tests` installs it) on a
//! free loopback port, for the tests of `--redis`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{TempDir, SAFETY};

/// A `redis-server` on a free loopback port, killed when dropped.
pub struct Redis {
    port: u16,
    child: Option<Child>,
    dir: TempDir,
}

impl Redis {
    /// Starts one and waits until it answers PING; fails with what to do if Debian's
    /// `redis-server` is not installed.
    pub fn start() -> Redis {
        if Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            panic!(
                "redis-server is not installed, and the Redis backplane tests need it: \
                 run `scripts/setup.sh --for-tests` (it installs Debian's redis-server)"
            );
        }
        // redis-server cannot take port 0: take a free port, let go of it, pass it on.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut redis = Redis {
            port,
            child: None,
            dir: TempDir::new("redis"),
        };
        redis.restart();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }

    /// Starts redis-server again on the same port (after [`Redis::kill`]).
    pub fn restart(&mut self) {
        let child = super::dies_with_test(&mut Command::new("redis-server"))
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--logfile")
            .arg(self.log_path())
            .stdout(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let start = Instant::now();
        while !self.answers_ping() {
            let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
            assert!(
                start.elapsed() < SAFETY,
                "redis-server on port {} did not answer PING\n{log}",
                self.port
            );
            if let Some(Some(status)) = self.child.as_mut().map(|c| c.try_wait().unwrap()) {
                panic!("redis-server exited with {status}\n{log}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn answers_ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut answer = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut answer).is_ok()
            && &answer == b"+PONG\r\n"
    }

    /// Kills redis-server at once (SIGKILL): its clients see their connections end.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}
