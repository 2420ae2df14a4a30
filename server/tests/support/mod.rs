//! Shared by several test crates; each uses only part of it.
#![allow(dead_code)]
//! Starts the real `duplex-server` binary on a free port and talks to it.

pub mod redis;
pub mod session;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};

/// The safety net of every wait: generous, for a loaded 2-core machine.
pub const SAFETY: Duration = Duration::from_secs(60);

/// `future`, or a panic naming `what` when it takes longer than the safety timeout: for the
/// waits that have no timeout of their own (a send the peer never reads, a whole test body).
pub async fn within<F: std::future::Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(SAFETY, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not done within {SAFETY:?}"))
}

/// `command` set up so its process is killed when the test process dies (a failed or killed
/// test must not leave servers behind holding the test runner's pipes open). Linux only:
/// `PR_SET_PDEATHSIG` fires when the spawning thread ends, and every test spawns from its own
/// thread and keeps the child no longer than that thread lives.
pub fn dies_with_test(command: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches only the new process.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// A WebSocket client over plain TCP.
pub type Client =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A running `duplex-server`, killed when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`, as the server printed it.
    pub address: String,
    /// `http` or `https`, as the server printed it.
    pub scheme: String,
    www: TempDir,
}

impl Server {
    /// Starts the binary with `--port 0` and a www/ folder holding `index.html`.
    pub fn start(index_html: &str) -> Server {
        Server::start_with(index_html, &[])
    }

    /// Starts the binary with `--port 0`, a www/ folder holding `index.html`, and `args`.
    pub fn start_with(index_html: &str, args: &[&str]) -> Server {
        Server::start_wrapped(index_html, args, &[])
    }

    /// The same, started through `wrapper` (e.g. `["prlimit", "--nofile=1024:1024", "--"]`).
    pub fn start_wrapped(index_html: &str, args: &[&str], wrapper: &[&str]) -> Server {
        let www = TempDir::new("www");
        std::fs::write(www.path().join("index.html"), index_html).unwrap();
        let binary = env!("CARGO_BIN_EXE_duplex-server");
        let mut command = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut command = Command::new(program);
                command.args(rest).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        let mut child = dies_with_test(&mut command)
            .args(["--port", "0", "--www"])
            .arg(www.path())
            .args(["--pkg", "no-such-pkg"])
            .args(args)
            .env("DUPLEX_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(log_file(www.path()))
            .spawn()
            .expect("start duplex-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let (scheme, address) = line
            .trim()
            .strip_prefix("duplex-server listening on ")
            .and_then(|url| url.split_once("://"))
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
        Server {
            address: address.to_owned(),
            scheme: scheme.to_owned(),
            child,
            www,
        }
    }

    /// The server's resident memory now (VmRSS of /proc/PID/status), in bytes.
    pub fn rss_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read /proc/PID/status");
        let kib: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status");
        kib * 1024
    }

    /// `ws://127.0.0.1:PORT{path}`.
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.address)
    }

    /// The server's www/ folder.
    pub fn www(&self) -> &Path {
        self.www.path()
    }

    /// The server's log so far (its standard error), for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.www.path().with_extension("log")).unwrap_or_default()
    }

    /// A plain HTTP/1.1 GET; returns the status code and the body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.address
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        parse_response(&response)
    }

    /// The same GET, without blocking the test's runtime, within the safety timeout.
    pub async fn get_async(&self, path: &str) -> (u16, String) {
        within(&format!("GET {path}"), self.get_async_unbounded(path)).await
    }

    async fn get_async_unbounded(&self, path: &str) -> (u16, String) {
        let mut stream = tokio::net::TcpStream::connect(&self.address).await.unwrap();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.address
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        parse_response(&response)
    }

    /// The value of one series of `/metrics`, e.g.
    /// `duplex_connections_open{endpoint="/echo"}`; 0 when absent.
    pub async fn metric(&self, series: &str) -> f64 {
        let (status, body) = self.get_async("/metrics").await;
        assert_eq!(status, 200, "{body}");
        body.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0.0)
    }

    /// Waits (polling /metrics) until `series` has `value`; fails after the safety timeout.
    pub async fn wait_for_metric(&self, series: &str, value: f64) {
        let start = Instant::now();
        loop {
            let now = self.metric(series).await;
            if now == value {
                return;
            }
            assert!(
                start.elapsed() < SAFETY,
                "{series} stayed {now}, expected {value}\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGTERM to the server.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the server to exit; fails after the safety timeout.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < SAFETY, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            // A failing test shows what the server said (its last lines).
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(80)..].join("\n");
            eprintln!(
                "--- duplex-server {} log (last 80 lines) ---\n{tail}",
                self.address
            );
        }
        let _ = std::fs::remove_file(self.www.path().with_extension("log"));
    }
}

fn log_file(www: &Path) -> Stdio {
    std::fs::File::create(www.with_extension("log"))
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}

fn parse_response(response: &[u8]) -> (u16, String) {
    let response = String::from_utf8_lossy(response);
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Opens a WebSocket; panics if the handshake fails.
pub async fn connect(url: &str) -> Client {
    match tokio::time::timeout(SAFETY, tokio_tungstenite::connect_async(url)).await {
        Ok(Ok((client, _))) => client,
        Ok(Err(error)) => panic!("connect {url}: {error}"),
        Err(_) => panic!("connect {url}: no answer"),
    }
}

/// Opens a WebSocket with an Origin header: the client or the HTTP status of the refusal.
pub async fn connect_from(url: &str, origin: Option<&str>) -> Result<Client, u16> {
    let mut request = url.into_client_request().unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("Origin", origin.parse().unwrap());
    }
    let attempt = tokio::time::timeout(SAFETY, tokio_tungstenite::connect_async(request))
        .await
        .expect("an answer to the handshake");
    match attempt {
        Ok((client, _)) => Ok(client),
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(error) => panic!("connect {url}: {error}"),
    }
}

/// The HTTP status that refuses a handshake to `url` (panics if it succeeds).
pub async fn refusal(url: &str) -> u16 {
    match connect_from(url, None).await {
        Ok(_) => panic!("{url}: the handshake succeeded"),
        Err(status) => status,
    }
}

/// The next text, binary or close message (pings and pongs skipped), within the safety
/// timeout; panics if the connection ends first.
pub async fn next<S>(client: &mut S) -> Message
where
    S: futures_util::Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
{
    // One deadline for the whole wait: pings and pongs do not extend it.
    let deadline = tokio::time::Instant::now() + SAFETY;
    loop {
        let item = tokio::time::timeout_at(deadline, client.next())
            .await
            .expect("a message within the safety timeout")
            .expect("the connection goes on")
            .expect("no protocol error");
        if !matches!(item, Message::Ping(_) | Message::Pong(_)) {
            return item;
        }
    }
}

/// How a connection ended, as the client saw it.
#[derive(Debug)]
pub struct Ending {
    /// The data messages that came before the end.
    pub messages: Vec<Message>,
    /// The server's close frame, if one came.
    pub close: Option<CloseFrame>,
}

/// Reads until the connection ends (answering a close frame), within the safety timeout.
pub async fn read_to_end<S>(client: &mut S) -> Ending
where
    S: futures_util::Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
{
    let mut ending = Ending {
        messages: Vec::new(),
        close: None,
    };
    loop {
        let item = tokio::time::timeout(SAFETY, client.next())
            .await
            .expect("the connection ends within the safety timeout");
        match item {
            None | Some(Err(_)) => return ending,
            Some(Ok(Message::Close(frame))) => ending.close = frame,
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            Some(Ok(message)) => ending.messages.push(message),
        }
    }
}

/// The close code of a close message, or a panic that shows what came instead.
pub fn close_code(message: &Message) -> u16 {
    match message {
        Message::Close(Some(frame)) => u16::from(frame.code),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

/// Runs the binary with `args` to completion.
pub fn run_server(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_duplex-server"))
        .args(args)
        .output()
        .expect("run duplex-server")
}

/// A folder under the system's temporary folder, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "duplex-server-test-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One masked client frame (FIN set) with `opcode` and `payload` (under 64 KiB), as a peer
/// writes it on the wire.
pub fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x11, 0x22, 0x33, 0x44];
    let mut frame = vec![0x80 | opcode];
    if payload.len() < 126 {
        frame.push(0x80 | payload.len() as u8);
    } else {
        frame.push(0x80 | 126);
        frame.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    }
    frame.extend_from_slice(&mask);
    frame.extend(
        payload
            .iter()
            .enumerate()
            .map(|(i, byte)| byte ^ mask[i % 4]),
    );
    frame
}
