//! Tests of the option rules.

use super::*;

#[test]
fn numbers_display_without_float_formatting() {
    for (n, text) in [
        (0.5, "0.5"),
        (2.0, "2"),
        (-1.25, "-1.25"),
        (1e-7, "0"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (1000.5, "1000.5"),
        (123456789.0, "123456789"),
    ] {
        assert_eq!(display_number(n), text);
    }
}

#[test]
fn protocols_must_be_distinct_tokens() {
    assert!(validate_protocols::<&str>(&[]).is_ok());
    assert!(validate_protocols(&["v1.chat", "x-y_z"]).is_ok());
    for bad in ["", "a b", "a,b", "é", "a/b"] {
        let err = validate_protocols(&[bad]).unwrap_err();
        assert!(err.to_string().contains(&format!("\"{bad}\"")), "{err}");
    }
    // Every byte: a token byte is visible ASCII and not a separator.
    for b in 0..=255u8 {
        let separator = b"()<>@,;:\\\"/[]?={}".contains(&b);
        assert_eq!(
            is_token_byte(b),
            b.is_ascii_graphic() && !separator,
            "byte {b}"
        );
    }
    let err = validate_protocols(&["a", "b", "a"]).unwrap_err();
    assert!(err.to_string().contains("\"a\" is listed twice"), "{err}");
}

#[test]
fn enumerations_name_the_bad_value() {
    assert_eq!(
        BinaryType::parse("arraybuffer").unwrap(),
        BinaryType::ArrayBuffer
    );
    let err = BinaryType::parse("Blob").unwrap_err();
    assert!(err.to_string().contains("binaryType") && err.to_string().contains("\"Blob\""));
    assert_eq!(
        Overflow::parse("drop-oldest").unwrap(),
        Overflow::DropOldest
    );
    let err = Overflow::parse("drop-newest").unwrap_err();
    assert!(err.to_string().contains("queue.overflow") && err.to_string().contains("drop-newest"));
}

fn problem_with(change: impl FnOnce(&mut Options)) -> String {
    let mut options = Options::default();
    change(&mut options);
    let err = options.validate().unwrap_err();
    assert_eq!(err.code(), "INVALID_OPTION");
    err.to_string()
}

#[test]
fn each_rule_names_its_option_and_value() {
    assert!(Options::default().validate().is_ok());
    let msg = problem_with(|o| o.connect_timeout_ms = Some(0));
    assert!(
        msg.contains(option_name!("connectTimeoutMs", "connect_timeout_ms")),
        "{msg}"
    );
    let msg = problem_with(|o| {
        o.reconnect = Some(ReconnectPolicy {
            factor: 0.5,
            ..Default::default()
        })
    });
    assert!(
        msg.contains("reconnect.factor") && msg.contains("0.5"),
        "{msg}"
    );
    let msg = problem_with(|o| {
        o.reconnect = Some(ReconnectPolicy {
            final_codes: vec![4000, 999],
            ..Default::default()
        })
    });
    assert!(
        msg.contains(option_name!(
            "reconnect.finalCodes",
            "reconnect.final_codes"
        )) && msg.contains("999"),
        "{msg}"
    );
    let msg = problem_with(|o| {
        o.heartbeat = Some(HeartbeatPolicy {
            interval_ms: 1000,
            timeout_ms: 1000,
            ..Default::default()
        })
    });
    assert!(
        msg.contains(option_name!("heartbeat.timeoutMs", "heartbeat.timeout_ms"))
            && msg.contains("1000"),
        "{msg}"
    );
    let msg = problem_with(|o| {
        o.heartbeat = Some(HeartbeatPolicy {
            interval_ms: 0,
            ..Default::default()
        })
    });
    assert!(
        msg.contains(option_name!(
            "heartbeat.intervalMs",
            "heartbeat.interval_ms"
        )),
        "{msg}"
    );
    let msg = problem_with(|o| o.protocols = vec!["a b".into()]);
    assert!(msg.contains("protocols"), "{msg}");
}
