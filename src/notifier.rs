//! The subscriptions behind `InitializeNapAgentNotifier` and
//! `UninitializeNapAgentNotifier`, and the announcement of a NAP agent
//! change to them (exported by `capi::notifier`).
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

use crate::support::lock::SpinLock;
use crate::types::base::{E_FAIL, E_INVALIDARG, HANDLE, HRESULT, S_FALSE, S_OK};
use crate::types::nap::{tagNapNotifyType, NapNotifyType, E_ALREADY_INITIALIZED};

/// The subscribed handle of each notification type, indexed by
/// [`slot`]; stored as its bits because a raw pointer is not `Send`.
static SUBSCRIBERS: SpinLock<[Option<usize>; 2]> = SpinLock::new([None, None]);

/// The index of `type` in [`SUBSCRIBERS`], or `None` if it is not a type
/// one can subscribe to.
fn slot(r#type: NapNotifyType) -> Option<usize> {
    match tagNapNotifyType::from_raw(r#type)? {
        tagNapNotifyType::napNotifyTypeServiceState => Some(0),
        tagNapNotifyType::napNotifyTypeQuarState => Some(1),
        tagNapNotifyType::napNotifyTypeUnknown => None,
    }
}

/// `InitializeNapAgentNotifier`.
pub(crate) fn subscribe(r#type: NapNotifyType, handle: HANDLE) -> HRESULT {
    let Some(index) = slot(r#type) else {
        return E_INVALIDARG;
    };
    if !platform::can_signal(handle) {
        return E_INVALIDARG;
    }
    let mut subscribers = SUBSCRIBERS.lock();
    if subscribers[index].is_some() {
        return E_ALREADY_INITIALIZED;
    }
    subscribers[index] = Some(handle as usize);
    S_OK
}

/// `UninitializeNapAgentNotifier`.
pub(crate) fn unsubscribe(r#type: NapNotifyType) {
    if let Some(index) = slot(r#type) {
        SUBSCRIBERS.lock()[index] = None;
    }
}

/// `naputil_announce_nap_agent_change`.
pub(crate) fn announce(r#type: NapNotifyType) -> HRESULT {
    let Some(index) = slot(r#type) else {
        return E_INVALIDARG;
    };
    // The lock is held while signalling so that a concurrent
    // `unsubscribe` returns only once the handle is no longer in use.
    // Signalling never blocks and calls nothing back.
    let subscribers = SUBSCRIBERS.lock();
    match subscribers[index] {
        None => S_FALSE,
        Some(handle) if platform::signal(handle as HANDLE) => S_OK,
        Some(_) => E_FAIL,
    }
}

#[cfg(unix)]
mod platform {
    //! A `HANDLE` is a file descriptor.
    use crate::types::base::HANDLE;
    use core::ffi::c_int;

    /// The descriptor a handle stands for, if it can be one. NULL is never
    /// a valid handle (as on Windows, where code passes NULL after a failed
    /// `CreateEvent`), so descriptor 0, standard input, cannot subscribe.
    fn descriptor(handle: HANDLE) -> Option<c_int> {
        c_int::try_from(handle as isize).ok().filter(|fd| *fd > 0)
    }

    /// Whether `handle` is a file descriptor open for writing (a pipe's
    /// write end, an eventfd, a socket): the only kind `signal` can make
    /// readable. A read end, a directory or a file opened read-only is not.
    pub(super) fn can_signal(handle: HANDLE) -> bool {
        // SAFETY: F_GETFL only queries the descriptor's status flags.
        descriptor(handle).is_some_and(|fd| match unsafe { libc::fcntl(fd, libc::F_GETFL) } {
            -1 => false,
            flags => matches!(flags & libc::O_ACCMODE, libc::O_WRONLY | libc::O_RDWR),
        })
    }

    /// Makes `handle` readable; false if it cannot be signalled (checked
    /// again each time: the descriptor may have been closed or replaced
    /// since it was subscribed).
    pub(super) fn signal(handle: HANDLE) -> bool {
        let Some(fd) = descriptor(handle).filter(|_| can_signal(handle)) else {
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
    use crate::types::base::{BOOL, HANDLE};

    #[link(name = "kernel32")]
    extern "system" {
        fn SetEvent(hEvent: HANDLE) -> BOOL;
    }

    /// `INVALID_HANDLE_VALUE`.
    const INVALID: isize = -1;

    /// Whether `handle` may be an event handle.
    pub(super) fn can_signal(handle: HANDLE) -> bool {
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
    use crate::capi::notifier::{
        naputil_announce_nap_agent_change, InitializeNapAgentNotifier, UninitializeNapAgentNotifier,
    };
    use crate::types::nap::tagNapNotifyType::{napNotifyTypeQuarState, napNotifyTypeServiceState};
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
        for h in
            [core::ptr::null_mut(), handle(-1), handle(write), (i32::MAX as isize + 1) as HANDLE, usize::MAX as HANDLE]
        {
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
