//! `InitializeNapAgentNotifier` and `UninitializeNapAgentNotifier`, and the
//! function that announces a NAP agent change to their subscribers.
//!
//! There is no NAP agent outside Windows, so the library defines what a
//! subscription means and lets the program (or its tests) announce changes:
//!
//! - On POSIX systems the `HANDLE` given to `InitializeNapAgentNotifier` is a
//!   file descriptor cast to a pointer (`(HANDLE)(intptr_t)fd`), typically an
//!   `eventfd` or the write end of a pipe. `naputil_announce_nap_agent_change`
//!   makes it readable by writing one 8-byte value (the number 1 in native
//!   byte order), which is what `eventfd` expects and what a pipe passes on.
//!   The subscriber waits with `poll`/`select`/`read` on the other end.
//! - On Windows the `HANDLE` is an event handle, and an announcement calls
//!   `SetEvent` on it.
//!
//! Each notification type has at most one subscriber, as on Windows. The
//! library never closes a subscribed handle; once `UninitializeNapAgentNotifier`
//! has returned, it will not use the handle again. All three functions may be
//! called from any thread.

#![allow(non_snake_case)]

use crate::ffi::{guard, guard_void};
use crate::nap_types::{tagNapNotifyType, NapNotifyType, WINAPI_HRESULT, WINAPI_VOID};
use crate::win::{DWORD, E_FAIL, E_INVALIDARG, HANDLE, HRESULT, S_FALSE, S_OK};
use parking_lot::Mutex;

/// Win32 error `ERROR_ALREADY_INITIALIZED`; `InitializeNapAgentNotifier`
/// returns `HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED)` for a type that
/// already has a subscriber.
#[cfg(not(naputil_header_win32))]
pub const ERROR_ALREADY_INITIALIZED: DWORD = 1247;

/// `HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED)`.
const E_ALREADY_INITIALIZED: HRESULT = (0x8007_0000_u32 | 1247) as HRESULT;

/// The subscribed handle of each notification type, indexed by
/// [`slot`]; stored as its bits because a raw pointer is not `Send`.
static SUBSCRIBERS: Mutex<[Option<usize>; 2]> = Mutex::new([None, None]);

/// The index of `type` in [`SUBSCRIBERS`], or `None` if it is not a type
/// one can subscribe to.
fn slot(r#type: NapNotifyType) -> Option<usize> {
    match tagNapNotifyType::from_raw(r#type)? {
        tagNapNotifyType::napNotifyTypeServiceState => Some(0),
        tagNapNotifyType::napNotifyTypeQuarState => Some(1),
        tagNapNotifyType::napNotifyTypeUnknown => None,
    }
}

/// Subscribes `hNotifyEvent` to NAP agent changes of kind `type`.
///
/// `type` is `napNotifyTypeServiceState` (the NAP agent service started or
/// stopped) or `napNotifyTypeQuarState` (the quarantine state changed).
///
/// Outside Windows `hNotifyEvent` is an open file descriptor cast to
/// `HANDLE`, e.g. `(HANDLE)(intptr_t)efd` for an `eventfd` or the write end
/// of a pipe. Whenever a change of kind `type` is announced with
/// `naputil_announce_nap_agent_change`, the library writes one 8-byte value
/// to it, so that it (or the pipe's read end) becomes readable. Making the
/// descriptor non-blocking is advisable but not required. On Windows
/// `hNotifyEvent` is an event handle that is set on each change.
///
/// The handle stays owned by the caller: call `UninitializeNapAgentNotifier`
/// before closing it.
///
/// Returns `S_OK`; `E_INVALIDARG` if `type` is not one of the two values
/// above or `hNotifyEvent` is not an open file descriptor (a NULL or
/// `INVALID_HANDLE_VALUE` handle on Windows);
/// `HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED)` if `type` already has a
/// subscriber (even the same handle), which stays subscribed.
#[no_mangle]
pub extern "system" fn InitializeNapAgentNotifier(r#type: NapNotifyType, hNotifyEvent: HANDLE) -> WINAPI_HRESULT {
    guard(E_FAIL, || {
        let Some(index) = slot(r#type) else {
            return E_INVALIDARG;
        };
        if !platform::is_valid(hNotifyEvent) {
            return E_INVALIDARG;
        }
        let mut subscribers = SUBSCRIBERS.lock();
        if subscribers[index].is_some() {
            return E_ALREADY_INITIALIZED;
        }
        subscribers[index] = Some(hNotifyEvent as usize);
        S_OK
    })
}

/// Ends the subscription of kind `type` made by `InitializeNapAgentNotifier`.
///
/// When it returns, the library no longer uses the subscribed handle, and
/// the caller may close it. A `type` without a subscriber, or not a
/// `NapNotifyType` value at all, is silently ignored, as on Windows.
#[no_mangle]
pub extern "system" fn UninitializeNapAgentNotifier(r#type: NapNotifyType) -> WINAPI_VOID {
    guard_void(|| {
        if let Some(index) = slot(r#type) {
            SUBSCRIBERS.lock()[index] = None;
        }
    })
}

/// Announces a NAP agent change of kind `type` to its subscriber (this
/// library's stand-in for the Windows NAP agent service).
///
/// Makes the handle subscribed with `InitializeNapAgentNotifier(type, ...)`
/// signalled: outside Windows one 8-byte value is written to the file
/// descriptor, unless it cannot take more data without blocking (a full
/// pipe, an `eventfd` at its limit), in which case it is already readable
/// and nothing is written; on Windows the event is set. The call never
/// blocks and never raises `SIGPIPE`.
///
/// Returns `S_OK` when the subscriber was signalled; `S_FALSE` when `type`
/// has no subscriber; `E_INVALIDARG` if `type` is neither
/// `napNotifyTypeServiceState` nor `napNotifyTypeQuarState`; `E_FAIL` if the
/// handle could not be signalled (for example, the descriptor was closed or
/// a pipe's read end is gone). The subscription stays in place either way.
#[no_mangle]
pub extern "C" fn naputil_announce_nap_agent_change(r#type: NapNotifyType) -> HRESULT {
    guard(E_FAIL, || {
        let Some(index) = slot(r#type) else {
            return E_INVALIDARG;
        };
        // The lock is held while signalling so that a concurrent
        // `UninitializeNapAgentNotifier` returns only once the handle is
        // no longer in use. Signalling never blocks and calls nothing back.
        let subscribers = SUBSCRIBERS.lock();
        match subscribers[index] {
            None => S_FALSE,
            Some(handle) if platform::signal(handle as HANDLE) => S_OK,
            Some(_) => E_FAIL,
        }
    })
}

#[cfg(unix)]
mod platform {
    //! A `HANDLE` is a file descriptor.
    use crate::win::HANDLE;
    use core::ffi::c_int;

    /// The descriptor a handle stands for, if it can be one.
    fn descriptor(handle: HANDLE) -> Option<c_int> {
        c_int::try_from(handle as isize).ok().filter(|fd| *fd >= 0)
    }

    /// Whether `handle` is an open file descriptor.
    pub(super) fn is_valid(handle: HANDLE) -> bool {
        // SAFETY: F_GETFD only queries the descriptor's flags.
        descriptor(handle).is_some_and(|fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1)
    }

    /// Makes `handle` readable; false if it cannot be signalled.
    pub(super) fn signal(handle: HANDLE) -> bool {
        let Some(fd) = descriptor(handle) else {
            return false;
        };
        let mut poll = libc::pollfd { fd, events: libc::POLLOUT, revents: 0 };
        loop {
            // SAFETY: `poll` points to one valid pollfd; timeout 0 never
            // blocks.
            let ready = unsafe { libc::poll(&mut poll, 1, 0) };
            if ready >= 0 {
                break;
            }
            if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                return false;
            }
        }
        if poll.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
            return false;
        }
        if poll.revents & libc::POLLOUT == 0 {
            // Full: the reader has data waiting already.
            return true;
        }
        write_without_sigpipe(fd)
    }

    /// Writes the 8-byte value 1 to `fd`, with SIGPIPE blocked on this
    /// thread so that a pipe without a reader gives EPIPE instead of killing
    /// the process.
    fn write_without_sigpipe(fd: c_int) -> bool {
        let value: u64 = 1;
        // SAFETY: plain signal-mask calls on valid, initialised sets.
        unsafe {
            let mut sigpipe: libc::sigset_t = core::mem::zeroed();
            let mut previous: libc::sigset_t = core::mem::zeroed();
            let mut pending: libc::sigset_t = core::mem::zeroed();
            libc::sigemptyset(&mut sigpipe);
            libc::sigaddset(&mut sigpipe, libc::SIGPIPE);
            libc::sigpending(&mut pending);
            let was_pending = libc::sigismember(&pending, libc::SIGPIPE) == 1;
            libc::pthread_sigmask(libc::SIG_BLOCK, &sigpipe, &mut previous);

            let written = loop {
                // `value` is 8 readable bytes.
                let n = libc::write(fd, (&value as *const u64).cast(), 8);
                if n >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                    break n;
                }
            };
            let error = std::io::Error::last_os_error().raw_os_error();

            if written < 0 && error == Some(libc::EPIPE) && !was_pending {
                // Consume the SIGPIPE this write raised before unblocking.
                let mut received: c_int = 0;
                libc::sigwait(&sigpipe, &mut received);
            }
            libc::pthread_sigmask(libc::SIG_SETMASK, &previous, core::ptr::null_mut());

            written == 8 || (written < 0 && error == Some(libc::EAGAIN))
        }
    }
}

#[cfg(windows)]
mod platform {
    //! A `HANDLE` is an event handle.
    use crate::win::{BOOL, HANDLE};

    #[link(name = "kernel32")]
    extern "system" {
        fn SetEvent(hEvent: HANDLE) -> BOOL;
    }

    /// `INVALID_HANDLE_VALUE`.
    const INVALID: isize = -1;

    /// Whether `handle` may be an event handle.
    pub(super) fn is_valid(handle: HANDLE) -> bool {
        !handle.is_null() && handle as isize != INVALID
    }

    /// Sets the event; false if Windows refuses.
    pub(super) fn signal(handle: HANDLE) -> bool {
        // SAFETY: SetEvent validates the handle itself and fails on a bad one.
        unsafe { SetEvent(handle) != 0 }
    }
}
