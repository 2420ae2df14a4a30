//! What crosses between JS and the engine besides numbers: strings in (`dx_arg`), strings
//! out (the `out` list), and the `fields` array of numbers that describe a command or event.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;

use duplex_ws::{CloseInfo, Error};

use crate::message::{Global, FREED};

static ARGS: Global<Vec<Vec<u8>>> = Global(RefCell::new(Vec::new()));
static OUT: Global<Vec<String>> = Global(RefCell::new(Vec::new()));
static FIELDS: Global<[f64; 8]> = Global(RefCell::new([0.0; 8]));

/// Makes room for a string argument of `len` UTF-8 bytes, which JS writes at the address
/// returned; arguments are taken in the order they were given by the next call.
#[no_mangle]
pub extern "C" fn dx_arg(len: usize) -> *mut u8 {
    ARGS.with(|args| {
        let mut args = args.borrow_mut();
        args.push(vec![0; len]);
        args.last_mut()
            .map_or(core::ptr::null_mut(), |arg| arg.as_mut_ptr())
    })
}

/// The address of string `i` of the last call's output.
#[no_mangle]
pub extern "C" fn dx_out_ptr(i: usize) -> *const u8 {
    OUT.with(|out| {
        out.borrow()
            .get(i)
            .map_or(core::ptr::null(), |s| s.as_ptr())
    })
}

/// The UTF-8 length of string `i` of the last call's output.
#[no_mangle]
pub extern "C" fn dx_out_len(i: usize) -> usize {
    OUT.with(|out| out.borrow().get(i).map_or(0, String::len))
}

/// The address of the numbers that describe the last command or event.
#[no_mangle]
pub extern "C" fn dx_fields() -> *mut f64 {
    FIELDS.0.as_ptr().cast()
}

/// The ids of messages let go of since the last [`dx_freed_clear`]: their address...
#[no_mangle]
pub extern "C" fn dx_freed_ptr() -> *const u32 {
    FREED.with(|freed| freed.borrow().as_ptr())
}

/// ... and their count.
#[no_mangle]
pub extern "C" fn dx_freed_len() -> usize {
    FREED.with(|freed| freed.borrow().len())
}

/// JS has let go of the freed messages.
#[no_mangle]
pub extern "C" fn dx_freed_clear() {
    FREED.with(|freed| freed.borrow_mut().clear());
}

/// The string arguments given since the last call, in order.
pub fn take_args() -> Vec<String> {
    let args = ARGS.with(|args| core::mem::take(&mut *args.borrow_mut()));
    args.into_iter()
        // SAFETY: the only writer of these bytes is js/core.js's `args`, which writes what
        // `TextEncoder.encode` made: UTF-8 by definition. (Checking again would add the
        // standard library's UTF-8 validation, about 0.4 kB, to every page's download.)
        .map(|bytes| unsafe { String::from_utf8_unchecked(bytes) })
        .collect()
}

/// The first string argument (empty if none was given).
pub fn take_arg() -> String {
    take_args().into_iter().next().unwrap_or_default()
}

/// Starts a new output: no strings, fields zero.
pub fn clear() {
    OUT.with(|out| out.borrow_mut().clear());
    FIELDS.with(|fields| *fields.borrow_mut() = [0.0; 8]);
}

/// Appends a string to the output.
pub fn put(text: String) {
    OUT.with(|out| out.borrow_mut().push(text));
}

/// Sets field `i`.
pub fn field(i: usize, value: f64) {
    FIELDS.with(|fields| {
        if let Some(slot) = fields.borrow_mut().get_mut(i) {
            *slot = value;
        }
    });
}

/// An error for JS: its message and its code, as the next two output strings.
pub fn put_error(error: &Error) {
    put(error.message());
    put(String::from(error.code()));
}

/// An optional error: field `at` says whether there is one (then its two strings follow).
pub fn put_maybe_error(at: usize, error: Option<&Error>) {
    field(at, f64::from(u8::from(error.is_some())));
    if let Some(error) = error {
        put_error(error);
    }
}

/// How a connection closed: code and wasClean in fields `at`, `at + 1`; the reason as the
/// next output string.
pub fn put_close(at: usize, info: &CloseInfo) {
    field(at, f64::from(info.code));
    field(at + 1, f64::from(u8::from(info.was_clean)));
    put(info.reason.clone());
}

/// A call's outcome for JS: 0, or -1 with the error in the output.
pub fn status(result: Result<(), Error>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(error) => {
            clear();
            put_error(&error);
            -1
        }
    }
}
