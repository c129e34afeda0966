//! The vtables of the library's COM objects, `INapSoHConstructor` and
//! `INapSoHProcessor` (their state and behaviour: `soh::objects`; their
//! memory and reference count: `com::Object`), and of their class
//! factories.
//!
//! Every method first checks that `This` is a live object of its class
//! (`E_POINTER` and a misuse report otherwise; `AddRef`/`Release` answer 0),
//! then its pointer arguments, then does its work. The documented
//! behaviour is in the header, on the class ids (`CLSID_NapSoHConstructor`,
//! `CLSID_NapSoHProcessor`) and in `docs/SOH.md`.

use super::iids::{
    CLSID_NapSoHConstructor, CLSID_NapSoHProcessor, IID_IClassFactory, IID_INapSoHConstructor, IID_INapSoHProcessor,
};
use super::{contain, contain_traced, require_non_null, write_out};
use crate::com::{self, Class, Object};
use crate::misuse;
use crate::soh::objects::{self as soh, Constructor, Processor};
use crate::types::base::{
    BOOL, E_INVALIDARG, E_NOINTERFACE, E_POINTER, GUID, HRESULT, IID_IUNKNOWN_VALUE, LPVOID, REFIID, S_OK, UINT16,
    ULONG,
};
use crate::types::com::{IClassFactory, IClassFactoryVtbl, IUnknown, CLASS_E_NOAGGREGATION};
use crate::types::nap::{SoH, SoHAttributeType, SoHAttributeValue, SystemHealthEntityId, NAP_E_NOT_INITIALIZED};
use crate::types::nap_protocol::{INapSoHConstructor, INapSoHConstructorVtbl, INapSoHProcessor, INapSoHProcessorVtbl};
use core::ffi::c_void;
use core::ptr::null_mut;

/// What creating an object of one of the library's classes takes.
pub(super) trait Creatable {
    /// The class id.
    fn clsid() -> GUID;
    /// A new object with one reference, as its interface pointer.
    fn create() -> Result<*mut c_void, HRESULT>;
    /// The class's interface id (besides `IID_IUnknown`).
    fn iid() -> GUID;
    /// The class factory.
    fn factory() -> *mut IClassFactory;
}

/// Reads a GUID the caller passed by reference (NULL: `None`).
///
/// # Safety
/// A non-NULL `p` points to a readable GUID, as COM's contract requires.
pub(super) unsafe fn guid(p: *const GUID) -> Option<GUID> {
    // SAFETY: guaranteed by the caller; read unaligned, C may pass any.
    (!p.is_null()).then(|| unsafe { p.read_unaligned() })
}

/// A new object for `riid` (its interface or `IID_IUnknown`), written to
/// `*ppv`: the steps `CoCreateInstance` and `IClassFactory::CreateInstance`
/// share once the class is known.
///
/// # Safety
/// `ppv` is non-NULL and writable.
pub(super) unsafe fn create_into(
    create: fn() -> Result<*mut c_void, HRESULT>,
    iid: GUID,
    riid: GUID,
    ppv: *mut LPVOID,
) -> HRESULT {
    if riid != iid && riid != IID_IUNKNOWN_VALUE {
        return E_NOINTERFACE;
    }
    match create() {
        Ok(object) => {
            // SAFETY: guaranteed by the caller.
            unsafe { write_out(ppv, object) };
            S_OK
        }
        Err(e) => e,
    }
}

/// Runs `body` for a function whose out-pointer `ppv` must be NULL after
/// every failure: `E_POINTER` for a NULL `ppv`, else `body`'s answer, with
/// `*ppv = NULL` unless it succeeded.
///
/// # Safety
/// A non-NULL `ppv` is writable.
#[inline(always)]
pub(super) unsafe fn with_out(ppv: *mut LPVOID, body: impl FnOnce() -> HRESULT) -> HRESULT {
    require_non_null!(ppv, E_POINTER);
    let result = body();
    if result < 0 {
        // SAFETY: guaranteed by the caller.
        unsafe { write_out(ppv, null_mut()) };
    }
    result
}

// ---------------------------------------------------------------------------
// The class factories
// ---------------------------------------------------------------------------

/// What `AddRef` and `Release` of a static factory return.
const FACTORY_ADD_REF: ULONG = 2;
const FACTORY_RELEASE: ULONG = 1;

unsafe extern "system" fn factory_query_interface<C: Creatable>(
    this: *mut IClassFactory,
    riid: REFIID,
    out: *mut *mut c_void,
) -> HRESULT {
    let _ = this;
    contain(|| unsafe {
        // SAFETY: per COM's contract for QueryInterface.
        with_out(out, || {
            let Some(riid) = guid(riid) else { return E_INVALIDARG };
            if riid != IID_IClassFactory && riid != IID_IUNKNOWN_VALUE {
                return E_NOINTERFACE;
            }
            write_out(out, C::factory().cast());
            S_OK
        })
    })
}

unsafe extern "system" fn factory_add_ref(_this: *mut IClassFactory) -> ULONG {
    FACTORY_ADD_REF
}

unsafe extern "system" fn factory_release(_this: *mut IClassFactory) -> ULONG {
    FACTORY_RELEASE
}

unsafe extern "system" fn factory_create_instance<C: Creatable>(
    _this: *mut IClassFactory,
    outer: *mut IUnknown,
    riid: REFIID,
    out: *mut *mut c_void,
) -> HRESULT {
    contain_traced(
        factory_create_instance::<C> as *const (),
        #[inline(always)]
        move || unsafe {
            // SAFETY: per COM's contract for CreateInstance.
            with_out(out, || {
                let Some(riid) = guid(riid) else { return E_INVALIDARG };
                if !outer.is_null() {
                    return CLASS_E_NOAGGREGATION;
                }
                create_into(C::create, C::iid(), riid, out)
            })
        },
    )
}

unsafe extern "system" fn factory_lock_server(_this: *mut IClassFactory, _lock: BOOL) -> HRESULT {
    S_OK
}

/// The vtable of `C`'s factory.
const fn factory_vtbl<C: Creatable>() -> IClassFactoryVtbl {
    IClassFactoryVtbl {
        QueryInterface: Some(factory_query_interface::<C>),
        AddRef: Some(factory_add_ref),
        Release: Some(factory_release),
        CreateInstance: Some(factory_create_instance::<C>),
        LockServer: Some(factory_lock_server),
    }
}

/// A static class factory: only ever read; callers get a `*mut` only
/// because COM's signatures say so.
struct Factory(IClassFactory);
// SAFETY: the object is immutable and its vtable is static.
unsafe impl Sync for Factory {}

impl Factory {
    fn as_ptr(&'static self) -> *mut IClassFactory {
        &self.0 as *const IClassFactory as *mut IClassFactory
    }
}

/// One of the library's classes, as its vtable methods see it.
pub(super) trait ComClass: Creatable {
    type State: Default;
    type Interface;
    const CLASS: Class;
    const QUERY_INTERFACE: &'static str;
    const ADD_REF: &'static str;
    const RELEASE: &'static str;
    fn vtbl() -> *const c_void;
}

/// The object behind `this`, if it is a live object of `C`; otherwise the
/// misuse is reported on behalf of `function`.
fn live<'a, C: ComClass>(this: *mut C::Interface, function: &'static str) -> Option<&'a Object<C::State>> {
    let object = Object::<C::State>::from_interface(this.cast(), C::CLASS);
    if object.is_none() {
        // Classified by the block the object would have: "already freed"
        // for an object released (to 0) before.
        misuse::report_classified(function, this.cast(), misuse::classify(com::block_of(this.cast())));
    }
    object
}

fn create<C: ComClass>() -> Result<*mut c_void, HRESULT> {
    Object::create(C::CLASS, C::vtbl(), C::State::default())
}

unsafe extern "system" fn query_interface<C: ComClass>(
    this: *mut C::Interface,
    riid: REFIID,
    out: *mut *mut c_void,
) -> HRESULT {
    contain(|| {
        require_non_null!(out, E_POINTER);
        let answer = match live::<C>(this, C::QUERY_INTERFACE) {
            None => E_POINTER,
            Some(_) if riid.is_null() => E_INVALIDARG,
            Some(object) => {
                // SAFETY: a non-NULL `riid` points to a GUID per COM's contract.
                let wanted: GUID = unsafe { riid.read_unaligned() };
                if wanted == C::iid() || wanted == IID_IUNKNOWN_VALUE {
                    object.add_ref();
                    // SAFETY: `out` is non-NULL and writable per COM's contract.
                    unsafe { write_out(out, object.interface()) };
                    return S_OK;
                }
                E_NOINTERFACE
            }
        };
        // SAFETY: as above.
        unsafe { write_out(out, core::ptr::null_mut()) };
        answer
    })
}

unsafe extern "system" fn add_ref<C: ComClass>(this: *mut C::Interface) -> ULONG {
    contain(|| live::<C>(this, C::ADD_REF).map_or(0, |object| object.add_ref()))
}

unsafe extern "system" fn release<C: ComClass>(this: *mut C::Interface) -> ULONG {
    contain(|| live::<C>(this, C::RELEASE).map_or(0, |object| object.release()))
}

/// Runs `body` with the object behind `this`: `E_POINTER` (and a misuse
/// report) if there is none.
#[inline(always)]
fn with<C: ComClass>(
    this: *mut C::Interface,
    function: &'static str,
    body: impl FnOnce(&Object<C::State>) -> HRESULT,
) -> HRESULT {
    match live::<C>(this, function) {
        Some(object) => body(object),
        None => E_POINTER,
    }
}

/// `Ok(v)`: writes `v` to `out` and answers `S_OK`; `Err(e)`: answers `e`.
///
/// # Safety
/// `out` is non-NULL and writable.
unsafe fn answer<T>(result: Result<T, HRESULT>, out: *mut T) -> HRESULT {
    match result {
        Ok(v) => {
            // SAFETY: guaranteed by the caller.
            unsafe { write_out(out, v) };
            S_OK
        }
        Err(e) => e,
    }
}

/// Declares the class `$class`: its factory (a static `IClassFactory`)
/// and what `Creatable` and `ComClass` need, for objects with state
/// `$state` behind interface `$interface` (named `$name` in misuse
/// reports) whose vtable is `$vtbl`.
macro_rules! com_class {
    ($class:ident, $name:literal, $state:ty, $interface:ty, $vtbl:ident, $clsid:ident, $iid:ident, $kind:expr) => {
        pub(super) struct $class;

        impl Creatable for $class {
            fn clsid() -> GUID {
                $clsid
            }
            fn create() -> Result<*mut c_void, HRESULT> {
                create::<Self>()
            }
            fn iid() -> GUID {
                $iid
            }
            fn factory() -> *mut IClassFactory {
                static VTBL: IClassFactoryVtbl = factory_vtbl::<$class>();
                static FACTORY: Factory = Factory(IClassFactory { lpVtbl: &VTBL });
                FACTORY.as_ptr()
            }
        }

        impl ComClass for $class {
            type State = $state;
            type Interface = $interface;
            const CLASS: Class = $kind;
            const QUERY_INTERFACE: &'static str = concat!($name, "::QueryInterface");
            const ADD_REF: &'static str = concat!($name, "::AddRef");
            const RELEASE: &'static str = concat!($name, "::Release");
            fn vtbl() -> *const c_void {
                core::ptr::addr_of!($vtbl).cast()
            }
        }
    };
}

// ---------------------------------------------------------------------------
// INapSoHConstructor
// ---------------------------------------------------------------------------

com_class!(
    ConstructorClass,
    "INapSoHConstructor",
    Constructor,
    INapSoHConstructor,
    CONSTRUCTOR_VTBL,
    CLSID_NapSoHConstructor,
    IID_INapSoHConstructor,
    com::SOH_CONSTRUCTOR
);

unsafe extern "system" fn constructor_initialize(
    this: *mut INapSoHConstructor,
    id: SystemHealthEntityId,
    is_request: BOOL,
) -> HRESULT {
    contain(|| {
        with::<ConstructorClass>(this, "INapSoHConstructor::Initialize", |object| {
            object.state().initialize(id, is_request != 0);
            S_OK
        })
    })
}

unsafe extern "system" fn constructor_append_attribute(
    this: *mut INapSoHConstructor,
    r#type: SoHAttributeType,
    value: *const SoHAttributeValue,
) -> HRESULT {
    contain(|| {
        with::<ConstructorClass>(this, "INapSoHConstructor::AppendAttribute", |object| {
            require_non_null!(value, E_POINTER);
            if object.state().list().is_err() {
                return NAP_E_NOT_INITIALIZED;
            }
            // SAFETY: `value` is the caller's SoHAttributeValue, readable as
            // AppendAttribute's contract describes; read without the lock.
            match unsafe { soh::appended(r#type, value) } {
                Ok(encoded) => object.state().append(&encoded),
                Err(e) => e,
            }
        })
    })
}

unsafe extern "system" fn constructor_get_soh(this: *mut INapSoHConstructor, out: *mut *mut SoH) -> HRESULT {
    contain_traced(
        constructor_get_soh as *const (),
        #[inline(always)]
        move || {
            with::<ConstructorClass>(this, "INapSoHConstructor::GetSoH", |object| {
                require_non_null!(out, E_POINTER);
                let list = object.state().list();
                // Built without the lock: a spy's PreAlloc may call the object.
                let made = list.and_then(|list| soh::soh_from_list(&list));
                // SAFETY: `out` is non-NULL and writable per GetSoH's contract.
                unsafe { answer(made, out) }
            })
        },
    )
}

unsafe extern "system" fn constructor_validate(
    this: *mut INapSoHConstructor,
    soh_in: *const SoH,
    is_request: BOOL,
) -> HRESULT {
    contain(|| {
        with::<ConstructorClass>(this, "INapSoHConstructor::Validate", |_| {
            require_non_null!(soh_in, E_POINTER);
            // SAFETY: `soh_in` is the caller's SoH, readable as Validate's
            // contract describes.
            unsafe { soh::validate(soh_in, is_request != 0) }
        })
    })
}

static CONSTRUCTOR_VTBL: INapSoHConstructorVtbl = INapSoHConstructorVtbl {
    QueryInterface: Some(query_interface::<ConstructorClass>),
    AddRef: Some(add_ref::<ConstructorClass>),
    Release: Some(release::<ConstructorClass>),
    Initialize: Some(constructor_initialize),
    AppendAttribute: Some(constructor_append_attribute),
    GetSoH: Some(constructor_get_soh),
    Validate: Some(constructor_validate),
};

// ---------------------------------------------------------------------------
// INapSoHProcessor
// ---------------------------------------------------------------------------

com_class!(
    ProcessorClass,
    "INapSoHProcessor",
    Processor,
    INapSoHProcessor,
    PROCESSOR_VTBL,
    CLSID_NapSoHProcessor,
    IID_INapSoHProcessor,
    com::SOH_PROCESSOR
);

unsafe extern "system" fn processor_initialize(
    this: *mut INapSoHProcessor,
    soh_in: *const SoH,
    is_request: BOOL,
    id: *mut SystemHealthEntityId,
) -> HRESULT {
    contain(|| {
        with::<ProcessorClass>(this, "INapSoHProcessor::Initialize", |object| {
            require_non_null!(soh_in, E_POINTER);
            require_non_null!(id, E_POINTER);
            // SAFETY: `soh_in` is the caller's SoH, readable as Initialize's
            // contract describes; read and checked without the lock.
            let incoming = unsafe { soh::incoming(soh_in, is_request != 0) };
            let made = incoming.map(|incoming| {
                let entity = incoming.id;
                object.state().initialize(incoming);
                entity
            });
            // SAFETY: `id` is non-NULL and writable per Initialize's contract.
            unsafe { answer(made, id) }
        })
    })
}

unsafe extern "system" fn processor_find_next_attribute(
    this: *mut INapSoHProcessor,
    from: UINT16,
    r#type: SoHAttributeType,
    location: *mut UINT16,
) -> HRESULT {
    contain(|| {
        with::<ProcessorClass>(this, "INapSoHProcessor::FindNextAttribute", |object| {
            require_non_null!(location, E_POINTER);
            let found = object.state().find(from, r#type);
            // SAFETY: `location` is non-NULL and writable per the contract.
            unsafe { answer(found, location) }
        })
    })
}

unsafe extern "system" fn processor_get_attribute(
    this: *mut INapSoHProcessor,
    location: UINT16,
    r#type: *mut SoHAttributeType,
    value: *mut *mut SoHAttributeValue,
) -> HRESULT {
    contain_traced(
        processor_get_attribute as *const (),
        #[inline(always)]
        move || {
            with::<ProcessorClass>(this, "INapSoHProcessor::GetAttribute", |object| {
                require_non_null!(r#type, E_POINTER);
                require_non_null!(value, E_POINTER);
                let found = object.state().attribute(location);
                // Built without the lock: a spy's PreAlloc may call the object.
                let made = found.and_then(|(kind, bytes)| soh::value_from(kind, &bytes).map(|v| (kind, v)));
                match made {
                    Ok((kind, made)) => {
                        // SAFETY: both are non-NULL and writable per the contract.
                        unsafe {
                            write_out(r#type, SoHAttributeType::from(kind));
                            write_out(value, made);
                        }
                        S_OK
                    }
                    Err(e) => e,
                }
            })
        },
    )
}

unsafe extern "system" fn processor_get_number_of_attributes(
    this: *mut INapSoHProcessor,
    count: *mut UINT16,
) -> HRESULT {
    contain(|| {
        with::<ProcessorClass>(this, "INapSoHProcessor::GetNumberOfAttributes", |object| {
            require_non_null!(count, E_POINTER);
            let made = object.state().count();
            // SAFETY: `count` is non-NULL and writable per the contract.
            unsafe { answer(made, count) }
        })
    })
}

static PROCESSOR_VTBL: INapSoHProcessorVtbl = INapSoHProcessorVtbl {
    QueryInterface: Some(query_interface::<ProcessorClass>),
    AddRef: Some(add_ref::<ProcessorClass>),
    Release: Some(release::<ProcessorClass>),
    Initialize: Some(processor_initialize),
    FindNextAttribute: Some(processor_find_next_attribute),
    GetAttribute: Some(processor_get_attribute),
    GetNumberOfAttributes: Some(processor_get_number_of_attributes),
};
