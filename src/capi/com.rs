//! COM creation for the library's classes: `CoInitialize(Ex)`,
//! `CoUninitialize`, `CoCreateInstance`, `CoGetClassObject` (off Windows,
//! where ole32 has them), the class factories, and
//! `naputil_create_instance` / `naputil_get_class_object` (everywhere).

use super::iids::IID_IClassFactory;
use super::objects::{create_into, guid, with_out, ConstructorClass, Creatable, ProcessorClass};
use super::{contain, contain_traced, write_out};
use crate::types::base::{
    E_INVALIDARG, E_NOINTERFACE, GUID, HRESULT, IID_IUNKNOWN_VALUE, LPVOID, REFCLSID, REFIID, S_OK,
};
use crate::types::com::{IClassFactory, IUnknown, CLASS_E_NOAGGREGATION, REGDB_E_CLASSNOTREG};
use core::ffi::c_void;
#[cfg(not(windows))]
use {
    crate::com,
    crate::types::base::DWORD,
    crate::types::com::{CLSCTX_INPROC_SERVER, COINIT_APARTMENTTHREADED, CO_E_NOTINITIALIZED},
    crate::types::nap::{WINAPI_HRESULT, WINAPI_VOID},
};

/// What creating objects of one class, or handing out its factory, takes.
struct Class {
    create: fn() -> Result<*mut c_void, HRESULT>,
    iid: GUID,
    factory: *mut IClassFactory,
}

/// The class `clsid` names (`REGDB_E_CLASSNOTREG` when there is none).
fn class(clsid: GUID) -> Result<Class, HRESULT> {
    fn of<C: Creatable>() -> Class {
        Class { create: C::create, iid: C::iid(), factory: C::factory() }
    }
    if clsid == ConstructorClass::clsid() {
        Ok(of::<ConstructorClass>())
    } else if clsid == ProcessorClass::clsid() {
        Ok(of::<ProcessorClass>())
    } else {
        Err(REGDB_E_CLASSNOTREG)
    }
}

/// `CoCreateInstance` without the apartment and context checks.
///
/// # Safety
/// As `naputil_create_instance`'s contract.
unsafe fn create_instance(rclsid: REFCLSID, outer: *mut IUnknown, riid: REFIID, ppv: *mut LPVOID) -> HRESULT {
    // SAFETY: per the contract.
    let (Some(clsid), Some(riid)) = (unsafe { guid(rclsid) }, unsafe { guid(riid) }) else { return E_INVALIDARG };
    let class = match class(clsid) {
        Ok(class) => class,
        Err(e) => return e,
    };
    if !outer.is_null() {
        return CLASS_E_NOAGGREGATION;
    }
    // SAFETY: `ppv` is non-NULL and writable per the contract.
    unsafe { create_into(class.create, class.iid, riid, ppv) }
}

/// `CoGetClassObject` without the apartment and context checks.
///
/// # Safety
/// As `naputil_get_class_object`'s contract.
unsafe fn get_class_object(rclsid: REFCLSID, riid: REFIID, ppv: *mut LPVOID) -> HRESULT {
    // SAFETY: per the contract.
    let (Some(clsid), Some(riid)) = (unsafe { guid(rclsid) }, unsafe { guid(riid) }) else { return E_INVALIDARG };
    let class = match class(clsid) {
        Ok(class) => class,
        Err(e) => return e,
    };
    if riid != IID_IClassFactory && riid != IID_IUNKNOWN_VALUE {
        return E_NOINTERFACE;
    }
    // SAFETY: `ppv` is non-NULL and writable per the contract.
    unsafe { write_out(ppv, class.factory.cast()) };
    S_OK
}

/// The checks `CoCreateInstance` and `CoGetClassObject` make before the
/// class: an apartment, and a context that includes in-process servers
/// (the only kind of class the library has).
#[cfg(not(windows))]
fn runtime_checks(rclsid: REFCLSID, riid: REFIID, context: DWORD) -> HRESULT {
    if rclsid.is_null() || riid.is_null() {
        return E_INVALIDARG;
    }
    if !com::initialized() {
        return CO_E_NOTINITIALIZED;
    }
    if context & CLSCTX_INPROC_SERVER == 0 {
        return REGDB_E_CLASSNOTREG;
    }
    S_OK
}

/// Initialises COM on this thread in a single-threaded apartment:
/// `CoInitializeEx(pvReserved, COINIT_APARTMENTTHREADED)`.
#[no_mangle]
#[cfg(not(windows))]
pub extern "system" fn CoInitialize(pvReserved: LPVOID) -> WINAPI_HRESULT {
    contain(|| CoInitializeEx(pvReserved, COINIT_APARTMENTTHREADED))
}

/// Initialises COM on this thread, which `CoCreateInstance` and
/// `CoGetClassObject` require (as on Windows).
///
/// `pvReserved` must be NULL and `dwCoInit` a combination of the `COINIT_*`
/// flags, else `E_INVALIDARG`. Returns `S_OK` for the thread's first call,
/// `S_FALSE` when the thread is already initialised with the same model
/// (`COINIT_APARTMENTTHREADED` set or not), `RPC_E_CHANGED_MODE` when it is
/// initialised with the other one. Every `S_OK` and `S_FALSE` is to be
/// balanced by a `CoUninitialize` on the same thread. While any thread is
/// initialised with `COINIT_MULTITHREADED`, threads that are not may create
/// objects too (Windows' implicit multithreaded apartment). Objects keep
/// working after `CoUninitialize`: the library's classes do not depend on
/// the apartment.
#[no_mangle]
#[cfg(not(windows))]
pub extern "system" fn CoInitializeEx(pvReserved: LPVOID, dwCoInit: DWORD) -> WINAPI_HRESULT {
    contain(|| if pvReserved.is_null() { com::initialize(dwCoInit) } else { E_INVALIDARG })
}

/// Undoes one successful `CoInitialize(Ex)` of this thread; does nothing
/// when there is none.
#[no_mangle]
#[cfg(not(windows))]
pub extern "system" fn CoUninitialize() -> WINAPI_VOID {
    contain(com::uninitialize)
}

/// Creates an object of one of the library's classes: `CLSID_NapSoHConstructor`
/// (an `INapSoHConstructor`) or `CLSID_NapSoHProcessor` (an
/// `INapSoHProcessor`).
///
/// Answers, in this order: `E_POINTER` for a NULL `ppv`; `E_INVALIDARG`
/// for a NULL `rclsid` or `riid`; `CO_E_NOTINITIALIZED` if this thread has
/// not called `CoInitialize(Ex)` (and no thread is in the multithreaded
/// apartment); `REGDB_E_CLASSNOTREG` for any other class, or a
/// `dwClsContext` without `CLSCTX_INPROC_SERVER`; `CLASS_E_NOAGGREGATION`
/// for a non-NULL `pUnkOuter`; `E_NOINTERFACE` for a `riid` other than the
/// class's interface and `IID_IUnknown`; `E_OUTOFMEMORY`. On success
/// `*ppv` is the new object with one reference (release it with
/// `Release`); after every failure `*ppv` is NULL.
///
/// The objects are reference counted, safe to use from several threads at
/// once, and listed by the leak report while alive. On Windows this
/// function is ole32's; `naputil_create_instance` reaches the library's
/// classes there.
#[no_mangle]
#[cfg(not(windows))]
pub unsafe extern "system" fn CoCreateInstance(
    rclsid: REFCLSID,
    pUnkOuter: *mut IUnknown,
    dwClsContext: DWORD,
    riid: REFIID,
    ppv: *mut LPVOID,
) -> WINAPI_HRESULT {
    contain_traced(
        CoCreateInstance as *const (),
        #[inline(always)]
        move || unsafe {
            // SAFETY: per this function's contract.
            with_out(ppv, || match runtime_checks(rclsid, riid, dwClsContext) {
                S_OK => create_instance(rclsid, pUnkOuter, riid, ppv),
                e => e,
            })
        },
    )
}

/// Gets the class factory (`IClassFactory`) of one of the library's
/// classes (see `CoCreateInstance`).
///
/// Answers as `CoCreateInstance`, except that `riid` must be
/// `IID_IClassFactory` or `IID_IUnknown`. `pvReserved` (Windows'
/// `COSERVERINFO *`, for remote servers) is ignored. The factories are
/// static: their `AddRef` and `Release` return constants, and releasing
/// them is optional. On Windows this function is ole32's;
/// `naputil_get_class_object` reaches the library's classes there.
#[no_mangle]
#[cfg(not(windows))]
pub unsafe extern "system" fn CoGetClassObject(
    rclsid: REFCLSID,
    dwClsContext: DWORD,
    pvReserved: LPVOID,
    riid: REFIID,
    ppv: *mut LPVOID,
) -> WINAPI_HRESULT {
    contain(|| unsafe {
        let _ = pvReserved;
        // SAFETY: per this function's contract.
        with_out(ppv, || match runtime_checks(rclsid, riid, dwClsContext) {
            S_OK => get_class_object(rclsid, riid, ppv),
            e => e,
        })
    })
}

/// `CoCreateInstance` for the library's classes on every platform, without
/// the apartment and context checks: on Windows, where `CoCreateInstance`
/// is ole32's and the NAP classes of qutil.dll exist only on Windows Vista
/// to 8.1, this reaches the library's classes.
///
/// Answers: `E_POINTER` for a NULL `ppv`; `E_INVALIDARG` for a NULL
/// `rclsid` or `riid`; `REGDB_E_CLASSNOTREG`, `CLASS_E_NOAGGREGATION`,
/// `E_NOINTERFACE`, `E_OUTOFMEMORY` as `CoCreateInstance`; `*ppv` is NULL
/// after every failure.
#[no_mangle]
pub unsafe extern "C" fn naputil_create_instance(
    rclsid: REFCLSID,
    pUnkOuter: *mut IUnknown,
    riid: REFIID,
    ppv: *mut LPVOID,
) -> HRESULT {
    contain_traced(
        naputil_create_instance as *const (),
        #[inline(always)]
        move || unsafe {
            // SAFETY: per this function's contract.
            with_out(ppv, || create_instance(rclsid, pUnkOuter, riid, ppv))
        },
    )
}

/// `CoGetClassObject` for the library's classes on every platform, without
/// the apartment and context checks (see `naputil_create_instance`). On
/// Windows, registering the factory it gives with ole32's
/// `CoRegisterClassObject` (after `CoInitializeEx`, in each apartment) lets
/// a program's own `CoCreateInstance` calls create the library's objects.
#[no_mangle]
pub unsafe extern "C" fn naputil_get_class_object(rclsid: REFCLSID, riid: REFIID, ppv: *mut LPVOID) -> HRESULT {
    contain(|| unsafe {
        // SAFETY: per this function's contract.
        with_out(ppv, || get_class_object(rclsid, riid, ppv))
    })
}
