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
    ] {
        assert!(
            help.contains(flag) && help.contains(env),
            "{flag} {env}:\n{help}"
        );
    }
}
