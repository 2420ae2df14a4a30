//! Bad input on the command line: the message names the flag, the value and the rule.

mod support;

use std::net::TcpListener;
use support::{run_server, TempDir};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_port_that_is_not_a_number_names_the_flag_and_the_value() {
    let output = run_server(&["--port", "notaport"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("--port") && message.contains("notaport"),
        "{message}"
    );
}

#[test]
fn a_port_out_of_range_is_refused() {
    let output = run_server(&["--port", "70000"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("70000"), "{}", stderr(&output));
}

#[test]
fn a_port_in_use_names_the_port() {
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port().to_string();
    let www = TempDir::new("cli-www");
    let www_path = www.path().to_str().unwrap();
    let output = run_server(&["--port", &port, "--www", www_path]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains(&format!("port {port} is already in use")),
        "{message}"
    );
}

#[test]
fn a_missing_www_folder_is_named() {
    let output = run_server(&["--port", "0", "--www", "/no/such/folder"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("--www /no/such/folder"), "{message}");
}

#[test]
fn help_lists_every_flag_with_its_environment_twin() {
    let output = run_server(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for (flag, env) in [
        ("--host", "DUPLEX_HOST"),
        ("--port", "DUPLEX_PORT"),
        ("--www", "DUPLEX_WWW"),
        ("--pkg", "DUPLEX_PKG"),
        ("--max-message-size", "DUPLEX_MAX_MESSAGE_SIZE"),
        ("--max-frame-size", "DUPLEX_MAX_FRAME_SIZE"),
        ("--max-connections", "DUPLEX_MAX_CONNECTIONS"),
        ("--send-buffer", "DUPLEX_SEND_BUFFER"),
        ("--slow-reader-grace", "DUPLEX_SLOW_READER_GRACE"),
        ("--max-pings-per-second", "DUPLEX_MAX_PINGS_PER_SECOND"),
        ("--ping-interval", "DUPLEX_PING_INTERVAL"),
        ("--ping-timeout", "DUPLEX_PING_TIMEOUT"),
        ("--close-timeout", "DUPLEX_CLOSE_TIMEOUT"),
        ("--shutdown-timeout", "DUPLEX_SHUTDOWN_TIMEOUT"),
        ("--allow-origin", "DUPLEX_ALLOW_ORIGIN"),
        ("--allow-host", "DUPLEX_ALLOW_HOST"),
        ("--header-timeout", "DUPLEX_HEADER_TIMEOUT"),
        ("--max-http-connections", "DUPLEX_MAX_HTTP_CONNECTIONS"),
        ("--tls-cert", "DUPLEX_TLS_CERT"),
        ("--tls-key", "DUPLEX_TLS_KEY"),
        ("--test-hooks", "DUPLEX_TEST_HOOKS"),
    ] {
        assert!(
            help.contains(flag) && help.contains(env),
            "{flag} {env}:\n{help}"
        );
    }
}

#[test]
fn help_says_test_hooks_are_for_tests_only() {
    let output = run_server(&["--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("never in production"), "{help}");
}

#[test]
fn a_bad_duration_names_the_flag_and_the_value() {
    let output = run_server(&["--ping-timeout", "soonish"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("--ping-timeout") && message.contains("soonish"),
        "{message}"
    );
}

#[test]
fn a_zero_limit_is_refused_with_the_rule() {
    let output = run_server(&["--max-connections", "0"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("--max-connections") && message.contains("1 or more"),
        "{message}"
    );
}

#[test]
fn environment_twins_set_the_flags() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_duplex-server"))
        .env("DUPLEX_SEND_BUFFER", "nope")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("nope"), "{}", stderr(&output));
}

/// 0.1's DUPLEX_SEND_QUEUE would be ignored without a word: it stops the start, naming the
/// byte budget that replaced it.
#[test]
fn the_retired_send_queue_variable_stops_the_start_naming_its_replacement() {
    // (A missing --www folder ends a start that got past the flags: no server is left running
    // if the variable were ignored.)
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_duplex-server"))
        .args(["--port", "0", "--www", "/no/such/folder"])
        .env("DUPLEX_SEND_QUEUE", "64")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("DUPLEX_SEND_QUEUE") && message.contains("--send-buffer"),
        "{message}"
    );
}

#[test]
fn help_never_shows_the_redis_password() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_duplex-server"))
        .arg("--help")
        .env("DUPLEX_REDIS", "redis://user:s3cret-pw@127.0.0.1:6379/0")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("DUPLEX_REDIS"), "{help}");
    assert!(!help.contains("s3cret-pw"), "{help}");
}

#[test]
fn switches_take_one_and_yes_from_their_environment_twins() {
    let www = TempDir::new("cli-switches");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_duplex-server"))
        .args(["--port", "0", "--www"])
        .arg(www.path())
        .env("DUPLEX_TEST_HOOKS", "1")
        .env("DUPLEX_NO_DEFLATE", "yes")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The log up to the line that names the limits in force, once listening.
    let mut log = String::new();
    for line in std::io::BufRead::lines(std::io::BufReader::new(child.stderr.take().unwrap())) {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if line.contains("listening") || log.len() > 20_000 {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(log.contains("--test-hooks is on"), "{log}");
    assert!(log.contains("no_deflate: true"), "{log}");
}
