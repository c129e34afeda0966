//! The C API layer: every exported function and static, and nothing else.
//!
//! Each exported function is written out literally — `#[no_mangle]`, its
//! calling convention (`extern "system"` for Windows API functions, which
//! the header spells `WINAPI`; `extern "C"` for the `naputil_*` family), its
//! C signature and its documentation — because cbindgen reads the source
//! and cannot see functions a macro would generate. Its body does three
//! things: checks the arguments (NULL and out-pointers with the helpers
//! below), calls one function of the layer beneath, and reports misuse the
//! layer beneath answered with. The whole body runs inside [`contain`].
//!
//! The submodules are declared in the order cbindgen emits their
//! declarations.

// Each exported function's documentation states its contract for the C
// caller, which is what a `# Safety` section would repeat.
#![allow(clippy::missing_safety_doc)]
#![allow(non_snake_case)]

use crate::heap::stacks;
use crate::types::base::{E_FAIL, HRESULT};
use core::panic::AssertUnwindSafe;

pub(crate) mod iids;
pub(crate) mod alloc;
pub(crate) mod diag;
pub(crate) mod imalloc;
mod lifecycle;
pub(crate) mod nap;
pub(crate) mod notifier;
pub(crate) mod spy;
pub(crate) mod soh;
pub(crate) mod com;
mod objects;

/// The value an exported function returns if its body panics (which no
/// input should cause): chosen once per return type.
pub(crate) trait OnPanic {
    const ON_PANIC: Self;
}

impl OnPanic for () {
    const ON_PANIC: Self = ();
}

/// An HRESULT: `E_FAIL`, the unspecified failure.
impl OnPanic for HRESULT {
    const ON_PANIC: Self = E_FAIL;
}

impl OnPanic for u32 {
    const ON_PANIC: Self = 0;
}

impl OnPanic for u64 {
    const ON_PANIC: Self = 0;
}

impl OnPanic for usize {
    const ON_PANIC: Self = 0;
}

impl<T> OnPanic for *mut T {
    const ON_PANIC: Self = core::ptr::null_mut();
}

impl<T> OnPanic for *const T {
    const ON_PANIC: Self = core::ptr::null();
}

/// Runs an exported function's body; if it panics, returns the return
/// type's [`OnPanic`] value instead of unwinding into C.
#[inline(always)]
pub(crate) fn contain<R: OnPanic>(body: impl FnOnce() -> R) -> R {
    contain_or(R::ON_PANIC, body)
}

/// [`contain`] for a function that allocates, frees, or reports misuse:
/// while call stacks are on (`NAPUTIL_BACKTRACE`), its caller's stack is
/// captured on entry, starting at `entry`, the function's own address, so
/// that what it allocates or frees is recorded with where the call came
/// from. `body` is to be a closure marked `#[inline(always)]` (see
/// `stacks::during_call`).
#[inline(always)]
pub(crate) fn contain_traced<R: OnPanic>(entry: *const (), body: impl FnOnce() -> R) -> R {
    contain(|| stacks::during_call(entry as usize, body))
}

/// [`contain`] for a return type whose panic value depends on the function
/// (an `int` or a `SIZE_T` answer).
#[inline(always)]
pub(crate) fn contain_or<R>(on_panic: R, body: impl FnOnce() -> R) -> R {
    std::panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

/// Returns `$error` from the enclosing body when the pointer `$p` is NULL.
macro_rules! require_non_null {
    ($p:expr, $error:expr) => {
        if $p.is_null() {
            return $error;
        }
    };
}
pub(crate) use require_non_null;

/// Writes `value` to the caller's out-pointer `out`, which the caller has
/// checked is not NULL.
///
/// # Safety
/// `out` points to writable storage for a `T`, as the exported function's
/// contract requires of the C caller.
#[inline(always)]
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    // SAFETY: guaranteed by the caller. Written unaligned: C callers may
    // hand in storage of any alignment.
    unsafe { out.write_unaligned(value) }
}
