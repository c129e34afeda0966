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
use crate::sync::{SpinGuard, SpinLock};
use core::sync::atomic::{AtomicBool, Ordering};

/// Win32 error `ERROR_ALREADY_INITIALIZED`; `InitializeNapAgentNotifier`
/// returns `HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED)` for a type that
/// already has a subscriber.
#[cfg(not(naputil_header_win32))]
pub const ERROR_ALREADY_INITIALIZED: DWORD = 1247;

/// `HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED)`.
const E_ALREADY_INITIALIZED: HRESULT = (0x8007_0000_u32 | 1247) as HRESULT;

/// The subscribed handle of each notification type, indexed by
/// [`slot`]; stored as its bits because a raw pointer is not `Send`.
static SUBSCRIBERS: SpinLock<[Option<usize>; 2]> = SpinLock::new([None, None]);

/// Locks [`SUBSCRIBERS`], first making sure it is held across `fork()` so
/// that a child never inherits it locked by a thread it does not have.
fn subscribers() -> SpinGuard<'static, [Option<usize>; 2]> {
    static FORK_HANDLERS: AtomicBool = AtomicBool::new(false);
    if !FORK_HANDLERS.swap(true, Ordering::AcqRel) {
        #[cfg(unix)]
        // SAFETY: registers plain extern "C" functions with no captures.
        unsafe {
            libc::pthread_atfork(Some(before_fork), Some(after_fork), Some(after_fork));
        }
    }
    SUBSCRIBERS.lock()
}

#[cfg(unix)]
extern "C" fn before_fork() {
    core::mem::forget(SUBSCRIBERS.lock());
}

#[cfg(unix)]
extern "C" fn after_fork() {
    // SAFETY: `before_fork` locked it on this thread (the child's only
    // thread) and leaked the guard.
    unsafe { SUBSCRIBERS.force_unlock() };
}

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
/// above, or `hNotifyEvent` is NULL, `INVALID_HANDLE_VALUE` or (outside
/// Windows) not an open file descriptor other than 0;
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
        let mut subscribers = subscribers();
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
            subscribers()[index] = None;
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
        let subscribers = subscribers();
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

    /// The descriptor a handle stands for, if it can be one. NULL is never
    /// a valid handle (as on Windows, where code passes NULL after a failed
    /// `CreateEvent`), so descriptor 0, standard input, cannot subscribe.
    fn descriptor(handle: HANDLE) -> Option<c_int> {
        c_int::try_from(handle as isize).ok().filter(|fd| *fd > 0)
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
    pub(super) fn write_without_sigpipe(fd: c_int) -> bool {
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::nap_types::tagNapNotifyType::{napNotifyTypeQuarState, napNotifyTypeServiceState};
    use core::ffi::c_int;
    use parking_lot::Mutex;

    /// The subscriptions are process-wide: tests that touch them take turns.
    static SERIAL: Mutex<()> = Mutex::new(());

    const QUAR: NapNotifyType = napNotifyTypeQuarState as NapNotifyType;
    const SERVICE: NapNotifyType = napNotifyTypeServiceState as NapNotifyType;

    fn handle(fd: c_int) -> HANDLE {
        fd as isize as HANDLE
    }

    /// A pipe as (read end, write end), both non-blocking unless `blocking`.
    fn pipe(blocking: bool) -> (c_int, c_int) {
        let mut fds = [0 as c_int; 2];
        // SAFETY: `fds` has room for the two descriptors.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        if !blocking {
            for fd in fds {
                // SAFETY: `fd` was just opened.
                unsafe { libc::fcntl(fd, libc::F_SETFL, libc::fcntl(fd, libc::F_GETFL) | libc::O_NONBLOCK) };
            }
        }
        (fds[0], fds[1])
    }

    fn close(fd: c_int) {
        // SAFETY: closing a descriptor this test opened.
        unsafe { libc::close(fd) };
    }

    /// Reads what is waiting on the non-blocking `fd`, as 8-byte values.
    fn drain(fd: c_int) -> Vec<u64> {
        let mut values = Vec::new();
        loop {
            let mut value = 0u64;
            // SAFETY: `value` has 8 writable bytes.
            let n = unsafe { libc::read(fd, (&mut value as *mut u64).cast(), 8) };
            if n != 8 {
                return values;
            }
            values.push(value);
        }
    }

    #[test]
    fn bad_types_are_rejected() {
        let _serial = SERIAL.lock();
        let (read, write) = pipe(false);
        for t in [0, 3, 0x7fff_ffff, u32::MAX] {
            assert_eq!(InitializeNapAgentNotifier(t, handle(write)), E_INVALIDARG, "type {t}");
            assert_eq!(naputil_announce_nap_agent_change(t), E_INVALIDARG, "type {t}");
            UninitializeNapAgentNotifier(t);
        }
        close(read);
        close(write);
    }

    #[test]
    fn bad_handles_are_rejected() {
        let _serial = SERIAL.lock();
        let (read, write) = pipe(false);
        close(read);
        close(write);
        for h in [core::ptr::null_mut(), handle(-1), handle(write), (i32::MAX as isize + 1) as HANDLE, usize::MAX as HANDLE] {
            assert_eq!(InitializeNapAgentNotifier(QUAR, h), E_INVALIDARG);
        }
        assert_eq!(naputil_announce_nap_agent_change(QUAR), S_FALSE, "nothing was subscribed");
    }

    #[test]
    fn announcement_reaches_the_pipe_of_its_type_only() {
        let _serial = SERIAL.lock();
        let (read, write) = pipe(false);
        assert_eq!(InitializeNapAgentNotifier(QUAR, handle(write)), S_OK);
        assert_eq!(naputil_announce_nap_agent_change(SERVICE), S_FALSE);
        assert!(drain(read).is_empty());
        assert_eq!(naputil_announce_nap_agent_change(QUAR), S_OK);
        assert_eq!(naputil_announce_nap_agent_change(QUAR), S_OK);
        assert_eq!(drain(read), [1, 1]);

        UninitializeNapAgentNotifier(QUAR);
        assert_eq!(naputil_announce_nap_agent_change(QUAR), S_FALSE);
        assert!(drain(read).is_empty());
        UninitializeNapAgentNotifier(QUAR);
        close(read);
        close(write);
    }

    #[test]
    fn one_subscriber_per_type() {
        let _serial = SERIAL.lock();
        let (read_a, write_a) = pipe(false);
        let (read_b, write_b) = pipe(false);
        assert_eq!(InitializeNapAgentNotifier(SERVICE, handle(write_a)), S_OK);
        assert_eq!(InitializeNapAgentNotifier(SERVICE, handle(write_b)), E_ALREADY_INITIALIZED);
        assert_eq!(InitializeNapAgentNotifier(SERVICE, handle(write_a)), E_ALREADY_INITIALIZED);
        assert_eq!(E_ALREADY_INITIALIZED as u32, 0x8007_04DF);
        assert_eq!(InitializeNapAgentNotifier(QUAR, handle(write_b)), S_OK);

        assert_eq!(naputil_announce_nap_agent_change(SERVICE), S_OK);
        assert_eq!(drain(read_a), [1]);
        assert!(drain(read_b).is_empty());
        assert_eq!(naputil_announce_nap_agent_change(QUAR), S_OK);
        assert!(drain(read_a).is_empty());
        assert_eq!(drain(read_b), [1]);

        UninitializeNapAgentNotifier(SERVICE);
        UninitializeNapAgentNotifier(QUAR);
        for fd in [read_a, write_a, read_b, write_b] {
            close(fd);
        }
    }

    #[test]
    fn full_pipes_do_not_block_and_count_as_signalled() {
        let _serial = SERIAL.lock();
        for blocking in [false, true] {
            let (read, write) = pipe(blocking);
            // Fill the pipe, with O_NONBLOCK set just while filling.
            // SAFETY: plain descriptor calls on descriptors opened above.
            unsafe {
                let flags = libc::fcntl(write, libc::F_GETFL);
                libc::fcntl(write, libc::F_SETFL, flags | libc::O_NONBLOCK);
                let chunk = [0u8; 4096];
                while libc::write(write, chunk.as_ptr().cast(), chunk.len()) > 0 {}
                libc::fcntl(write, libc::F_SETFL, flags);
            }
            assert_eq!(InitializeNapAgentNotifier(QUAR, handle(write)), S_OK);
            assert_eq!(naputil_announce_nap_agent_change(QUAR), S_OK, "blocking: {blocking}");
            UninitializeNapAgentNotifier(QUAR);
            close(read);
            close(write);
        }
    }

    #[test]
    fn a_pipe_without_reader_fails_without_sigpipe() {
        let _serial = SERIAL.lock();
        let (read, write) = pipe(true);
        close(read);
        assert_eq!(InitializeNapAgentNotifier(SERVICE, handle(write)), S_OK);
        // Rust ignores SIGPIPE by default; a C program does not. Restore the
        // default action (which ends the process) for the duration.
        // SAFETY: swapping a signal disposition and restoring it.
        let previous = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        let first = naputil_announce_nap_agent_change(SERVICE);
        let second = naputil_announce_nap_agent_change(SERVICE);
        // SAFETY: as above.
        unsafe { libc::signal(libc::SIGPIPE, previous) };
        assert_eq!((first, second), (E_FAIL, E_FAIL));
        UninitializeNapAgentNotifier(SERVICE);
        close(write);
    }

    #[test]
    fn writing_to_a_pipe_without_reader_consumes_its_sigpipe() {
        let (read, write) = pipe(true);
        close(read);
        // SAFETY: swapping a signal disposition and restoring it.
        let previous = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        let written = platform::write_without_sigpipe(write);
        // SAFETY: as above.
        unsafe { libc::signal(libc::SIGPIPE, previous) };
        assert!(!written);
        close(write);
    }

    #[test]
    fn a_closed_descriptor_fails() {
        let _serial = SERIAL.lock();
        let (read, write) = pipe(false);
        assert_eq!(InitializeNapAgentNotifier(QUAR, handle(write)), S_OK);
        close(write);
        close(read);
        assert_eq!(naputil_announce_nap_agent_change(QUAR), E_FAIL);
        UninitializeNapAgentNotifier(QUAR);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn eventfd_counts_announcements() {
        let _serial = SERIAL.lock();
        // SAFETY: plain eventfd creation.
        let efd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK) };
        assert!(efd >= 0);
        assert_eq!(InitializeNapAgentNotifier(QUAR, handle(efd)), S_OK);
        for _ in 0..3 {
            assert_eq!(naputil_announce_nap_agent_change(QUAR), S_OK);
        }
        assert_eq!(drain(efd), [3]);
        UninitializeNapAgentNotifier(QUAR);
        close(efd);
    }

    #[test]
    fn concurrent_use_is_safe() {
        let _serial = SERIAL.lock();
        let (read, write) = pipe(false);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..500 {
                        let hr = InitializeNapAgentNotifier(QUAR, handle(write));
                        assert!(hr == S_OK || hr == E_ALREADY_INITIALIZED);
                        let hr = naputil_announce_nap_agent_change(QUAR);
                        assert!(hr == S_OK || hr == S_FALSE);
                        UninitializeNapAgentNotifier(QUAR);
                    }
                });
            }
            scope.spawn(|| {
                for _ in 0..2000 {
                    drain(read);
                }
            });
        });
        assert_eq!(naputil_announce_nap_agent_change(QUAR), S_FALSE);
        close(read);
        close(write);
    }
}
