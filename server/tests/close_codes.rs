//! Frames that break the protocol get a close frame with the code that says why: 1002 for a
//! broken protocol (1003 for a reserved opcode), 1007 for a text message that is not UTF-8
//! (like 1009 for a size).

mod support;

use std::time::Duration;

use support::{client_frame, connect, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::MaybeTlsStream;

/// Opens `/echo`, writes `bytes` as they are, and returns the code of the server's close
/// frame (the first frame it sends back), or `None` if the connection ends without one.
async fn close_code_after(server: &Server, bytes: &[u8]) -> Option<u16> {
    let client = connect(&server.ws_url("/echo")).await;
    let MaybeTlsStream::Plain(mut tcp) = client.into_inner() else {
        panic!("plain TCP expected");
    };
    tcp.write_all(bytes).await.unwrap();
    let mut head = [0u8; 4];
    let read = tokio::time::timeout(Duration::from_secs(10), tcp.read_exact(&mut head)).await;
    match read.expect("an answer within 10 s") {
        Ok(_) if head[0] == 0x88 => Some(u16::from_be_bytes([head[2], head[3]])),
        Ok(_) => panic!("expected a close frame, got {head:?}"),
        Err(_) => None,
    }
}

#[tokio::test]
async fn protocol_errors_close_with_1002_and_bad_utf8_with_1007() {
    let server = Server::start("page");
    // Unmasked, from a client.
    assert_eq!(
        close_code_after(&server, &[0x81, 0x02, b'h', b'i']).await,
        Some(1002)
    );
    // A reserved opcode: yawc, the WebSocket layer, fails it with 1003 (data of a type it
    // cannot accept) rather than 1002; RFC 6455 only requires the connection to be failed.
    assert_eq!(
        close_code_after(&server, &client_frame(0x3, b"x")).await,
        Some(1003)
    );
    // A text message that is not UTF-8.
    assert_eq!(
        close_code_after(&server, &client_frame(0x1, &[0xff, 0xfe, 0xfd])).await,
        Some(1007)
    );
    server
        .wait_for_metric(r#"duplex_closes_total{code="1002",endpoint="/echo"}"#, 1.0)
        .await;
    server
        .wait_for_metric(r#"duplex_closes_total{code="1003",endpoint="/echo"}"#, 1.0)
        .await;
    server
        .wait_for_metric(r#"duplex_closes_total{code="1007",endpoint="/echo"}"#, 1.0)
        .await;
}

/// `client_frame` without FIN: a fragment that more frames continue.
fn fragment(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = client_frame(opcode, payload);
    frame[0] &= 0x7f;
    frame
}

/// Fragments that break RFC 6455's rules (section 5.4) get their close frame at once: yawc,
/// under the server, sends none when its own assembly of fragments fails (the peer waited for
/// the close timeout, then TCP closed), so the server assembles them and sends it itself.
#[tokio::test]
async fn broken_fragments_close_with_1002_and_a_fragmented_message_over_the_limit_with_1009() {
    let server = Server::start_with("page", &["--max-message-size", "1000"]);
    // A continuation with nothing to continue (Autobahn 5.9).
    assert_eq!(
        close_code_after(&server, &client_frame(0x0, b"nothing to continue")).await,
        Some(1002)
    );
    // A new message before the fragmented one ended.
    let mut interleaved = fragment(0x1, b"first half");
    interleaved.extend(client_frame(0x1, b"another message"));
    assert_eq!(close_code_after(&server, &interleaved).await, Some(1002));
    // Fragments of 600 bytes: the second takes the message over the 1000-byte limit.
    let mut too_large = fragment(0x2, &[7; 600]);
    too_large.extend(fragment(0x0, &[7; 600]));
    assert_eq!(close_code_after(&server, &too_large).await, Some(1009));
    // Fragments within the limit, with a ping between them, are one message.
    let mut client = connect(&server.ws_url("/echo")).await;
    let MaybeTlsStream::Plain(tcp) = client.get_mut() else {
        panic!("plain TCP expected");
    };
    let mut whole = fragment(0x1, b"hel");
    whole.extend(client_frame(0x9, b"p"));
    whole.extend(client_frame(0x0, b"lo"));
    tcp.write_all(&whole).await.unwrap();
    let echoed = support::next(&mut client).await;
    assert_eq!(echoed.into_text().unwrap().as_str(), "hello");
}

/// A server-initiated close is one close frame: once the peer answers it, the server sends
/// nothing more and closes TCP. (yawc answers every close frame it reads; a second close
/// frame after the handshake makes Chromium fail the connection with 1006 instead of the
/// server's code.)
#[tokio::test]
async fn the_peers_answer_to_the_servers_close_gets_no_second_close_frame() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let server = Server::start_with("page", &["--test-hooks"]);
    let mut client = connect(&server.ws_url("/hooks")).await;
    client
        .send(Message::text("hook:close 4000 go away"))
        .await
        .unwrap();
    let MaybeTlsStream::Plain(mut tcp) = client.into_inner() else {
        panic!("plain TCP expected");
    };
    let mut close = [0u8; 2 + 2 + 7];
    tokio::time::timeout(Duration::from_secs(10), tcp.read_exact(&mut close))
        .await
        .expect("the server's close frame within 10 s")
        .unwrap();
    assert_eq!(&close[..4], &[0x88, 9, 0x0f, 0xa0], "{close:?}");
    assert_eq!(&close[4..], b"go away");
    tcp.write_all(&client_frame(0x8, &[0x0f, 0xa0]))
        .await
        .unwrap();
    let mut after = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut after))
        .await
        .expect("the server closes TCP within 10 s")
        .unwrap();
    assert!(
        after.is_empty(),
        "after the handshake the server sent {after:?}"
    );
}

/// Opens `/echo` offering permessage-deflate (the server accepts it) or not, writes `bytes`
/// as they are, and returns everything the server sends until it closes TCP.
async fn answer_to(server: &Server, offer_deflate: bool, bytes: &[u8]) -> Vec<u8> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = server.ws_url("/echo").into_client_request().unwrap();
    if offer_deflate {
        let offer = "permessage-deflate; client_max_window_bits";
        let headers = request.headers_mut();
        headers.insert("Sec-WebSocket-Extensions", offer.parse().unwrap());
    }
    let (client, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    let agreed = response.headers().contains_key("Sec-WebSocket-Extensions");
    assert_eq!(
        agreed, offer_deflate,
        "permessage-deflate agreed when offered"
    );
    let MaybeTlsStream::Plain(mut tcp) = client.into_inner() else {
        panic!("plain TCP expected");
    };
    tcp.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut answer))
        .await
        .expect("the server closes TCP within 10 s")
        .unwrap();
    answer
}

/// The one close frame (code, reason) that is all of `answer`, or a panic showing `answer`.
fn only_close_frame(answer: &[u8]) -> (u16, String) {
    assert!(
        answer.len() >= 4 && answer[0] == 0x88,
        "not a close frame: {answer:?}"
    );
    let len = usize::from(answer[1]);
    assert_eq!(
        answer.len(),
        2 + len,
        "more than one close frame: {answer:?}"
    );
    let code = u16::from_be_bytes([answer[2], answer[3]]);
    (code, String::from_utf8_lossy(&answer[4..]).into_owned())
}

/// `client_frame` with RSV1 set: a compressed message's (first) frame.
fn compressed(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = client_frame(opcode, payload);
    frame[0] |= 0x40;
    frame
}

/// Compressed data that does not inflate gets one close frame, 1007 (as Node's `ws`), with a
/// reason. yawc reports it as an I/O error and queues a close 1011 of its own; the server
/// had taken an I/O error for the socket's and dropped the connection without any close.
#[tokio::test]
async fn compressed_data_that_does_not_inflate_closes_with_1007() {
    let server = Server::start("page");
    // Not deflate at all (a stored block whose length and its complement disagree).
    let garbage: Vec<u8> = (0xf0..=0xff).cycle().take(64).collect();
    // "abc" in a valid stored block, then a block of the reserved type 3.
    let valid_then_junk = [
        0x00, 0x03, 0x00, 0xfc, 0xff, b'a', b'b', b'c', 0x07, 0xff, 0xff,
    ];
    for data in [&garbage[..], &valid_then_junk[..]] {
        let answer = answer_to(&server, true, &compressed(0x2, data)).await;
        let (code, reason) = only_close_frame(&answer);
        assert_eq!(code, 1007, "{reason}");
        assert!(reason.starts_with("invalid compressed data: "), "{reason}");
    }
    server
        .wait_for_metric(r#"duplex_closes_total{code="1007",endpoint="/echo"}"#, 2.0)
        .await;
    let log = server.log();
    assert!(log.contains("code=1007"), "{log}");
}

/// RFC 7692 (section 6) allows RSV1 on the first frame of a data message only: on a
/// continuation or a control frame the connection fails with 1002 and a reason naming the
/// rule, and the frame is not acted on (yawc inflated such a continuation, answered such a
/// ping with a pong and such a close with its close).
#[tokio::test]
async fn rsv1_on_a_continuation_or_a_control_frame_closes_with_1002() {
    let server = Server::start("page");
    // "abc" and "def" in stored deflate blocks.
    let abc = [0x00, 0x03, 0x00, 0xfc, 0xff, b'a', b'b', b'c'];
    let def = [0x00, 0x03, 0x00, 0xfc, 0xff, b'd', b'e', b'f'];
    let mut plain_then_compressed = fragment(0x2, b"abc");
    plain_then_compressed.extend(compressed(0x0, &def));
    let mut both_compressed = compressed(0x2, &abc);
    both_compressed[0] &= 0x7f;
    both_compressed.extend(compressed(0x0, &def));
    // With the extension agreed, and without it for the control frames.
    let cases = [
        (true, plain_then_compressed, "continuation frame"),
        (true, both_compressed, "continuation frame"),
        (true, compressed(0x9, b"x"), "control frame"),
        (true, compressed(0x8, &[0x03, 0xe8]), "control frame"),
        (true, compressed(0xa, b"x"), "control frame"),
        (false, compressed(0x9, b"x"), "control frame"),
        (false, compressed(0x8, &[0x03, 0xe8]), "control frame"),
    ];
    for (deflate, bytes, names) in &cases {
        let answer = answer_to(&server, *deflate, bytes).await;
        let (code, reason) = only_close_frame(&answer);
        assert_eq!(code, 1002, "{names}, deflate {deflate}: {reason}");
        assert!(reason.contains(names), "{reason}");
        assert!(reason.contains("RFC 7692"), "{reason}");
    }
    let closes = cases.len() as f64;
    server
        .wait_for_metric(
            r#"duplex_closes_total{code="1002",endpoint="/echo"}"#,
            closes,
        )
        .await;
}
