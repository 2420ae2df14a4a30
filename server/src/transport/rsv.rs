//! RSV1 where RFC 7692 forbids it, caught on the bytes read, under yawc. Transport layer:
//! imports nothing of the crate.
//!
//! RFC 7692 (section 6) lets RSV1 ("compressed") be set on the first frame of a data message
//! only; on a continuation frame or a control frame the connection must be failed. yawc
//! checks neither: it inflates a continuation frame with RSV1, answers a ping or a close
//! frame with RSV1 as any other, and by the time a frame reaches the server its RSV1 is gone
//! (`Frame::is_compressed` is private to yawc and cleared once the payload is inflated). So
//! [`ReservedBitGuard`] sits between yawc and the socket and reads the frame headers as the
//! bytes go by: the frames before a forbidden RSV1 reach yawc as they came, the offending
//! frame never does, and the next read fails with a [`ForbiddenRsv1`] that the
//! [`Wire`](super::wire::Wire) answers with close 1002.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The error a read fails with once a frame had RSV1 where it may not; its message is the
/// close reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForbiddenRsv1(&'static str);

impl std::fmt::Display for ForbiddenRsv1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ForbiddenRsv1 {}

impl ForbiddenRsv1 {
    /// The read error that reports this rule broken.
    fn error(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }

    /// The rule `error` (an error of a read) reports as broken, if it is one of these.
    pub fn of(error: &io::Error) -> Option<ForbiddenRsv1> {
        error.get_ref()?.downcast_ref::<ForbiddenRsv1>().copied()
    }
}

/// Where the reading is in the stream of frames.
#[derive(Debug, Default)]
struct Scan {
    /// The bytes of the current frame's header read so far (at most the first 10 are kept:
    /// the length is in them; the mask that may follow is only counted).
    head: [u8; 10],
    /// How many bytes of the header were read (0: the next byte starts a frame).
    head_read: usize,
    /// The payload bytes of the current frame still to come.
    payload_left: u64,
}

impl Scan {
    /// Goes over `bytes`, the next ones read; `Err((at, rule))` if the frame whose first byte
    /// is `bytes[at]` has RSV1 where it may not.
    fn scan(&mut self, bytes: &[u8]) -> Result<(), (usize, ForbiddenRsv1)> {
        let mut at = 0;
        while at < bytes.len() {
            if self.payload_left > 0 {
                let skip = usize::try_from(self.payload_left)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len() - at);
                at += skip;
                self.payload_left -= skip as u64;
                continue;
            }
            let byte = bytes[at];
            if self.head_read == 0 {
                if let Some(rule) = forbidden_rsv1(byte) {
                    return Err((at, rule));
                }
            }
            if let Some(slot) = self.head.get_mut(self.head_read) {
                *slot = byte;
            }
            self.head_read += 1;
            at += 1;
            if let Some((size, payload)) = header_size(&self.head[..self.head_read.min(10)]) {
                if self.head_read == size {
                    self.head_read = 0;
                    self.payload_left = payload;
                }
            }
        }
        Ok(())
    }
}

/// The rule a frame whose first byte is `first` breaks with its RSV1, if it does.
fn forbidden_rsv1(first: u8) -> Option<ForbiddenRsv1> {
    const RSV1: u8 = 0x40;
    if first & RSV1 == 0 {
        return None;
    }
    match first & 0x0f {
        0x0 => Some(ForbiddenRsv1(
            "RSV1 on a continuation frame: RFC 7692 allows it on a message's first frame only",
        )),
        opcode if opcode & 0x08 != 0 => Some(ForbiddenRsv1(
            "RSV1 on a control frame: RFC 7692 allows it on a message's first frame only",
        )),
        _ => None,
    }
}

/// The size of a frame's header and its payload length, once `head` (its first bytes) holds
/// enough of it to tell.
fn header_size(head: &[u8]) -> Option<(usize, u64)> {
    let second = *head.get(1)?;
    let extended = match second & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if second & 0x80 != 0 { 4 } else { 0 };
    let length = match extended {
        0 => u64::from(second & 0x7f),
        _ => head
            .get(2..2 + extended)?
            .iter()
            .fold(0, |length, byte| (length << 8) | u64::from(*byte)),
    };
    Some((2 + extended + mask, length))
}

/// A byte stream whose reading stops before a frame with a forbidden RSV1 (see the module
/// doc); writing passes through.
pub struct ReservedBitGuard<S> {
    inner: S,
    scan: Scan,
    /// A forbidden RSV1 was found: every read from now on fails with it.
    broken: Option<ForbiddenRsv1>,
}

impl<S> ReservedBitGuard<S> {
    /// Watches what is read from `inner`, from the first frame on.
    pub fn new(inner: S) -> ReservedBitGuard<S> {
        ReservedBitGuard {
            inner,
            scan: Scan::default(),
            broken: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ReservedBitGuard<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(rule) = this.broken {
            return Poll::Ready(Err(rule.error()));
        }
        let before = buf.filled().len();
        std::task::ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if let Err((at, rule)) = this.scan.scan(&buf.filled()[before..]) {
            // The frames before it are yawc's to read (and answer); the bytes from the
            // offending frame on are never handed over.
            this.broken = Some(rule);
            buf.set_filled(before + at);
            if at == 0 {
                return Poll::Ready(Err(rule.error()));
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ReservedBitGuard<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame's bytes: `first` is its first byte (FIN, RSV, opcode).
    fn frame(first: u8, payload_len: usize) -> Vec<u8> {
        let mut bytes = vec![first];
        match payload_len {
            0..=125 => bytes.push(0x80 | payload_len as u8),
            126..=0xffff => {
                bytes.push(0x80 | 126);
                bytes.extend((payload_len as u16).to_be_bytes());
            }
            _ => {
                bytes.push(0x80 | 127);
                bytes.extend((payload_len as u64).to_be_bytes());
            }
        }
        bytes.extend([1, 2, 3, 4]);
        bytes.extend(std::iter::repeat_n(0x41, payload_len));
        bytes
    }

    /// Scans `bytes` in pieces of `piece` bytes; where the offending frame starts, if any.
    fn offending_frame(bytes: &[u8], piece: usize) -> Option<usize> {
        let mut scan = Scan::default();
        let mut offset = 0;
        for chunk in bytes.chunks(piece) {
            if let Err((at, _)) = scan.scan(chunk) {
                return Some(offset + at);
            }
            offset += chunk.len();
        }
        None
    }

    #[test]
    fn rsv1_is_allowed_on_a_first_frame_only_whatever_the_reads_cut() {
        // A compressed fragmented text (RSV1 on its first frame), a ping between, its end.
        let mut allowed = frame(0x41, 200);
        allowed.extend(frame(0x89, 3));
        allowed.extend(frame(0x80, 70_000));
        allowed.extend(frame(0xc2, 5));
        for piece in [1, 2, 3, 7, 1000, usize::MAX] {
            assert_eq!(offending_frame(&allowed, piece), None, "pieces of {piece}");
        }
        for forbidden in [0xc0, 0xc9, 0xca, 0xc8] {
            let mut bytes = allowed.clone();
            bytes.extend(frame(forbidden, 2));
            bytes.extend(frame(0x82, 1));
            for piece in [1, 5, 64, usize::MAX] {
                assert_eq!(
                    offending_frame(&bytes, piece),
                    Some(allowed.len()),
                    "{forbidden:#x} in pieces of {piece}"
                );
            }
        }
    }

    #[test]
    fn the_error_names_the_rule_and_is_recognised() {
        let error = forbidden_rsv1(0xc9).unwrap().error();
        let rule = ForbiddenRsv1::of(&error).unwrap();
        assert!(rule.to_string().contains("control frame"), "{rule}");
        assert!(ForbiddenRsv1::of(&io::Error::other("reset")).is_none());
    }
}
