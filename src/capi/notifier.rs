//! `InitializeNapAgentNotifier`, `UninitializeNapAgentNotifier` and
//! `naputil_announce_nap_agent_change` (see `crate::notifier`).

use super::contain;
use crate::notifier;
use crate::types::base::{HANDLE, HRESULT};
use crate::types::nap::{NapNotifyType, WINAPI_HRESULT, WINAPI_VOID};

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
/// Windows) not a file descriptor other than 0 that is open for writing
/// (the read end of a pipe, a directory or a read-only file cannot be
/// signalled);
/// `HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED)` if `type` already has a
/// subscriber (even the same handle), which stays subscribed.
#[no_mangle]
pub extern "system" fn InitializeNapAgentNotifier(r#type: NapNotifyType, hNotifyEvent: HANDLE) -> WINAPI_HRESULT {
    contain(|| notifier::subscribe(r#type, hNotifyEvent))
}

/// Ends the subscription of kind `type` made by `InitializeNapAgentNotifier`.
///
/// When it returns, the library no longer uses the subscribed handle, and
/// the caller may close it. A `type` without a subscriber, or not a
/// `NapNotifyType` value at all, is silently ignored, as on Windows.
#[no_mangle]
pub extern "system" fn UninitializeNapAgentNotifier(r#type: NapNotifyType) -> WINAPI_VOID {
    contain(|| notifier::unsubscribe(r#type))
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
    contain(|| notifier::announce(r#type))
}
