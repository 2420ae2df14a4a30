//! The hook commands' parsing.
use super::*;

#[test]
fn commands_parse() {
    assert_eq!(parse_hook("hello"), None);
    assert_eq!(
        parse_hook("hook:close 4000 going away now"),
        Some(Ok(HookCommand::Close {
            code: 4000,
            reason: "going away now".into()
        }))
    );
    assert_eq!(
        parse_hook("hook:close 1000"),
        Some(Ok(HookCommand::Close {
            code: 1000,
            reason: String::new()
        }))
    );
    assert_eq!(parse_hook("hook:drop"), Some(Ok(HookCommand::Drop)));
    assert_eq!(
        parse_hook("hook:silence 250"),
        Some(Ok(HookCommand::Silence(Duration::from_millis(250))))
    );
    assert_eq!(
        parse_hook("hook:refuse 2"),
        Some(Ok(HookCommand::Refuse(2)))
    );
}

#[test]
fn malformed_commands_name_the_value() {
    for (command, named) in [
        ("hook:nap 5", "\"nap\""),
        ("hook:silence soon", "\"soon\""),
        ("hook:silence -1", "\"-1\""),
        ("hook:refuse 99999", "\"99999\""),
        ("hook:close abc", "\"abc\""),
        ("hook:close 1005 x", "1005"),
        ("hook:drop now", "\"now\""),
    ] {
        let error = parse_hook(command).unwrap().unwrap_err();
        assert!(error.contains(named), "{command}: {error}");
    }
}

#[test]
fn refusals_count_down_per_key() {
    let book = RefusalBook::default();
    book.refuse("a", 2);
    assert!(!book.take("b"));
    assert!(book.take("a"));
    assert!(book.take("a"));
    assert!(!book.take("a"));
}
