//! Close frames: the codes the server closes with, and the peer's close as it came.
//! Transport layer: imports nothing of the crate.

use yawc::Frame;

/// The close code sent to every peer on shutdown.
pub const GOING_AWAY: u16 = 1001;
/// The close code for a frame that breaks the protocol (unmasked, reserved opcode...).
pub const PROTOCOL_ERROR: u16 = 1002;
/// The close code for a text message that is not UTF-8.
pub const INVALID_PAYLOAD: u16 = 1007;
/// The close code for a peer that pings more than `--max-pings-per-second`.
pub const POLICY_VIOLATION: u16 = 1008;
/// The largest payload of a control frame (RFC 6455, 5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;
/// The longest close reason (a control frame's payload less the two bytes of the code).
pub const MAX_CLOSE_REASON: usize = MAX_CONTROL_PAYLOAD - 2;

/// The code and reason of the peer's close frame (1005 for one without a code).
pub fn peer_close(frame: &Frame) -> (u16, String) {
    let code = frame.close_code().map_or(1005, u16::from);
    let reason = frame.close_reason().ok().flatten().unwrap_or_default();
    (code, reason.to_owned())
}
