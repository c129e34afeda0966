//! The structure walking behind the `Alloc*` and `Free*` functions of
//! `NapUtil.h` (exported by `capi::nap`).
//!
//! Every block is allocated and freed through the spy layer, as
//! `CoTaskMemAlloc` and `CoTaskMemFree` do, so a registered `IMallocSpy`
//! sees these functions' allocations and frees, as it sees qutil's on
//! Windows.
//!
//! # How a `Free*` function frees
//!
//! Foreign code can run in the middle of a `Free*` call — a spy method, a
//! misuse handler, a connection's `Release` — and may free, reallocate or
//! re-enter. Members may also point at each other, at the structure, or at
//! the array that holds them. So every `Free*` call goes in three steps:
//!
//! 1. **Snapshot.** Everything the call needs is copied first: the
//!    structure (only if it is a live block big enough for it), then each
//!    array, no further than its block reaches. Nothing of the caller's is
//!    read after this step.
//! 2. **Claim.** Each distinct block to free (members first, the structure
//!    last; a block named twice is freed once) is taken out of the table,
//!    its memory still valid and its address still taken. A pointer that is
//!    not a live block is left alone.
//! 3. **Release.** Only now does foreign code that does not belong to the
//!    freeing itself run: `FreeConnections`' `Release` calls, then the
//!    misuse reports for the pointers step 2 left alone. Then the claimed
//!    blocks go back to libc. Whatever that code frees or allocates, it
//!    cannot free one of the claimed blocks (it is no longer live: that is
//!    reported as misuse) or be handed one of their addresses.

use crate::heap::block::NotLive;
use crate::misuse::{self, Classified};
use crate::spy::{self, Claimed};
use crate::support::small::SmallList;
use crate::types::base::{E_OUTOFMEMORY, HRESULT, UINT16, WCHAR};
use crate::types::nap::*;
use core::ffi::c_void;
use core::mem::size_of;
use core::ptr;

// ---------------------------------------------------------------------------
// Allocation
// ---------------------------------------------------------------------------

/// A task-memory block of `size` bytes, allocated as `CoTaskMemAlloc` does
/// (through a registered spy); NULL when memory runs out or the spy fails
/// the request. A spy that hands back a pointer with less room than asked
/// for gets it freed again and the call fails: nothing here writes past the
/// block it can see.
fn alloc_zeroed_block(size: usize) -> *mut c_void {
    let p = spy::alloc_with_room(size);
    if !p.is_null() {
        // SAFETY: `alloc_with_room` checked that `p` has `size` bytes of room.
        unsafe { ptr::write_bytes(p.cast::<u8>(), 0, size) };
    }
    p
}

/// Frees a block this module allocated a moment ago and never handed out.
fn discard(p: *mut c_void) {
    spy::free(p, |_| {});
}

/// A zero-filled task-memory array of `count` `T`s; NULL when `count` is 0.
fn alloc_zeroed_array<T>(count: UINT16) -> Result<*mut T, HRESULT> {
    if count == 0 {
        return Ok(ptr::null_mut());
    }
    let array = alloc_zeroed_block(usize::from(count) * size_of::<T>()).cast::<T>();
    if array.is_null() {
        Err(E_OUTOFMEMORY)
    } else {
        Ok(array)
    }
}

/// Moves `value` into a new task-memory block of exactly its size. On
/// failure `member`, the one block `value` already owns, is freed.
fn new_block<T>(value: T, member: *mut c_void) -> Result<*mut T, HRESULT> {
    let block = alloc_zeroed_block(size_of::<T>()).cast::<T>();
    if block.is_null() {
        discard(member);
        return Err(E_OUTOFMEMORY);
    }
    // SAFETY: `block` is a fresh block of `size_of::<T>()` bytes (written
    // unaligned: a spy may offset the pointers it hands out).
    unsafe { block.write_unaligned(value) };
    Ok(block)
}

pub(crate) fn alloc_connections(count: UINT16) -> Result<*mut Connections, HRESULT> {
    let array = alloc_zeroed_array::<*mut INapEnforcementClientConnection>(count)?;
    new_block(Connections { count, connections: array }, array.cast())
}

/// # Safety
/// `string` has `length + 1` readable code units.
pub(crate) unsafe fn alloc_counted_string(string: *const WCHAR, length: usize) -> Result<*mut CountedString, HRESULT> {
    let copy = spy::alloc_with_room((length + 1) * size_of::<WCHAR>()).cast::<WCHAR>();
    if copy.is_null() {
        return Err(E_OUTOFMEMORY);
    }
    // SAFETY: guaranteed by the caller; `copy` is a fresh block of as many.
    unsafe { ptr::copy_nonoverlapping(string, copy, length + 1) };
    // `length <= maxStringLength`, which fits in UINT16 (the caller checked).
    new_block(CountedString { length: length as UINT16, string: copy }, copy.cast())
}

pub(crate) fn alloc_fixup_info(count: UINT16) -> Result<*mut FixupInfo, HRESULT> {
    let results = alloc_zeroed_array::<HRESULT>(count)?;
    let made = FixupInfo { state: 0, percentage: 0, resultCodes: ResultCodes { count, results }, fixupMsgId: 0 };
    new_block(made, results.cast())
}

// ---------------------------------------------------------------------------
// Freeing
// ---------------------------------------------------------------------------

/// The structure `p` points to, copied, if `p` is a live task-memory block
/// (as a spy may have handed it out) big enough for one; otherwise `None`,
/// without reading anything.
pub(crate) fn snapshot<T: Copy>(p: *mut T) -> Option<T> {
    match spy::caller_block_size(p.cast()) {
        // SAFETY: `p` is a live block of at least `size_of::<T>()` bytes
        // (read unaligned: a spy may offset the pointers it hands out), and
        // every `T` used here is plain data for which any bit pattern is
        // valid.
        Some(size) if size >= size_of::<T>() => Some(unsafe { p.read_unaligned() }),
        _ => None,
    }
}

/// The first `count` elements of `array`, copied, as far as its live block
/// reaches; nothing for a NULL array or one that is not a live block.
pub(crate) fn snapshot_array<T: Copy>(array: *mut T, count: usize) -> SmallList<T, 8> {
    let available = spy::caller_block_size(array.cast()).map_or(0, |bytes| count.min(bytes / size_of::<T>()));
    let mut copy = SmallList::new();
    // SAFETY: `i < available` elements lie inside the live block `array`
    // (read unaligned, as in `snapshot`); every `T` used here is plain data.
    (0..available).for_each(|i| copy.push(unsafe { array.add(i).read_unaligned() }));
    copy
}

/// The blocks one `Free*` call frees, in order, each distinct one once.
pub(crate) struct Freeing {
    caller: &'static str,
    blocks: SmallList<*mut c_void, 8>,
}

impl Freeing {
    #[inline]
    pub(crate) fn new(caller: &'static str) -> Self {
        Freeing { caller, blocks: SmallList::new() }
    }

    /// Adds `p` (NULL is skipped).
    #[inline]
    pub(crate) fn add<T>(&mut self, p: *mut T) {
        if !p.is_null() {
            self.blocks.push(p.cast());
        }
    }

    /// Claims every block, runs `meanwhile` (told whether the block added
    /// last, the structure or array itself, was claimed), reports what
    /// could not be claimed, then releases the claimed blocks (see the
    /// module documentation).
    pub(crate) fn finish_with(self, meanwhile: impl FnOnce(bool)) {
        let blocks = self.blocks.as_slice();
        let top = blocks.last().copied();
        let repeats = Repeats::of(blocks);
        let mut claimed: SmallList<Claimed, 8> = SmallList::new();
        let mut misused: SmallList<(*mut c_void, Classified), 2> = SmallList::new();
        let mut top_claimed = false;
        for (i, &p) in blocks.iter().enumerate() {
            if repeats.at(blocks, i) {
                continue;
            }
            match spy::claim(p) {
                Ok(c) => {
                    claimed.push(c);
                    top_claimed |= Some(p) == top;
                }
                // Classified now, while the blocks it may lie inside are
                // still in the table; reported once no claim is pending.
                Err(NotLive) => misused.push((p, misuse::classify(p))),
            }
        }
        meanwhile(top_claimed);
        report_all(self.caller, &misused);
        for &c in claimed.as_slice() {
            c.release();
        }
    }

    /// [`Freeing::finish_with`] with nothing to run in between. With no
    /// spy registered no foreign code can run before the misuse reports,
    /// which come last, so each block is freed straight away: no other
    /// call can free one of them or be handed its address meanwhile.
    pub(crate) fn finish(self) {
        if spy::active() {
            return self.finish_with(|_| {});
        }
        let blocks = self.blocks.as_slice();
        let repeats = Repeats::of(blocks);
        let mut misused: SmallList<(*mut c_void, Classified), 2> = SmallList::new();
        for (i, &p) in blocks.iter().enumerate() {
            // Classified before the blocks listed after it (the ones it
            // may lie inside) are freed.
            if !repeats.at(blocks, i) && spy::free_unspied(p).is_err() {
                misused.push((p, misuse::classify(p)));
            }
        }
        report_all(self.caller, &misused);
    }
}

/// Reports, on behalf of `caller`, each pointer a `Free*` call could not
/// free, as it was classified when found.
fn report_all(caller: &'static str, misused: &SmallList<(*mut c_void, Classified), 2>) {
    for &(p, what) in misused.as_slice() {
        misuse::report_classified(caller, p, what);
    }
}

/// Which entries of a block list name a block an earlier entry named: a
/// short list is searched, a long one sorted once.
enum Repeats {
    Short,
    Marked(Vec<bool>),
}

impl Repeats {
    #[inline]
    fn of(blocks: &[*mut c_void]) -> Repeats {
        if blocks.len() <= 16 {
            return Repeats::Short;
        }
        let mut order: Vec<usize> = (0..blocks.len()).collect();
        order.sort_by_key(|&i| (blocks[i], i));
        let mut marks = vec![false; blocks.len()];
        for pair in order.windows(2) {
            marks[pair[1]] = blocks[pair[0]] == blocks[pair[1]];
        }
        Repeats::Marked(marks)
    }

    #[inline]
    fn at(&self, blocks: &[*mut c_void], i: usize) -> bool {
        match self {
            Repeats::Short => blocks[..i].contains(&blocks[i]),
            Repeats::Marked(marks) => marks[i],
        }
    }
}

/// Calls `Release` on `connection` if it and its `Release` slot are
/// non-NULL. Nothing is read after the call.
fn release_connection(connection: *mut INapEnforcementClientConnection) {
    if connection.is_null() {
        return;
    }
    // SAFETY: the caller of `FreeConnections` stored a referenced interface
    // pointer here, whose first member is its vtable pointer.
    let vtable = unsafe { (*connection).lpVtbl };
    if vtable.is_null() {
        return;
    }
    // SAFETY: a non-NULL vtable pointer of a COM interface points to its
    // vtable, whose third slot is `Release`.
    if let Some(release) = unsafe { (*vtable).Release } {
        // SAFETY: calling `Release` on the interface it belongs to.
        unsafe { release(connection) };
    }
}

pub(crate) fn free_connections(p: *mut Connections) {
    let mut freeing = Freeing::new("FreeConnections");
    let mut entries = SmallList::new();
    if let Some(made) = snapshot(p) {
        entries = snapshot_array(made.connections, usize::from(made.count));
        freeing.add(made.connections);
    }
    freeing.add(p);
    if entries.as_slice().iter().all(|c| c.is_null()) {
        // No `Release` to call: nothing foreign runs in between.
        return freeing.finish();
    }
    freeing.finish_with(|_| entries.as_slice().iter().for_each(|&c| release_connection(c)));
}

/// Frees a structure whose only embedded blocks are the pointers `members`
/// picks out of its snapshot.
pub(crate) fn free_with_members<T: Copy, const N: usize>(
    p: *mut T,
    caller: &'static str,
    members: impl FnOnce(&T) -> [*mut c_void; N],
) {
    let mut freeing = Freeing::new(caller);
    if let Some(made) = snapshot(p) {
        members(&made).into_iter().for_each(|m| freeing.add(m));
    }
    freeing.add(p);
    freeing.finish();
}

/// The pointer a `SoHAttributeValue` holds for `type`, read from its
/// snapshot; NULL for a type without one, an unknown type, or a value
/// block too small for the union (which is then not read).
fn attribute_member(r#type: SoHAttributeType, value: *mut SoHAttributeValue) -> *mut c_void {
    use tagSoHAttributeType::*;
    let Some(kind) = tagSoHAttributeType::from_raw(r#type) else { return ptr::null_mut() };
    let Some(member) = snapshot(value) else { return ptr::null_mut() };
    // SAFETY: reading the union member that `type` selects; every member is
    // plain data, and the pointer is only freed, never dereferenced.
    unsafe {
        match kind {
            sohAttributeTypeIpv4FixupServers => member.v4AddressesVal.addresses.cast(),
            sohAttributeTypeIpv6FixupServers => member.v6AddressesVal.addresses.cast(),
            sohAttributeTypeComplianceResultCodes | sohAttributeTypeErrorCodes => member.codesVal.results.cast(),
            sohAttributeTypeClientId
            | sohAttributeTypeSoftwareVersion
            | sohAttributeTypeProductName
            | sohAttributeTypeHealthClassStatus => member.octetStringVal.data.cast(),
            sohAttributeTypeVendorSpecific => member.vendorSpecificVal.vendorSpecificData.cast(),
            sohAttributeTypeSystemHealthId
            | sohAttributeTypeTimeOfLastUpdate
            | sohAttributeTypeSoHGenerationTime
            | sohAttributeTypeHealthClass
            | sohAttributeTypeFailureCategory
            | sohAttributeTypeExtendedIsolationState => ptr::null_mut(),
        }
    }
}

pub(crate) fn free_attribute_value(r#type: SoHAttributeType, value: *mut SoHAttributeValue) {
    let mut freeing = Freeing::new("FreeSoHAttributeValue");
    freeing.add(attribute_member(r#type, value));
    freeing.add(value);
    freeing.finish();
}

pub(crate) fn free_soh(p: *mut SoH) {
    let mut freeing = Freeing::new("FreeSoH");
    add_soh(&mut freeing, p);
    freeing.finish();
}

/// Adds the blocks `FreeSoH` frees for `p` to `freeing`: each attribute's
/// value and what it points to, the attribute array, then `p`.
pub(crate) fn add_soh(freeing: &mut Freeing, p: *mut SoH) {
    if let Some(made) = snapshot(p) {
        for &attribute in snapshot_array(made.attributes, usize::from(made.count)).as_slice() {
            let value = attribute.value.cast::<SoHAttributeValue>();
            freeing.add(attribute_member(u32::from(attribute.r#type), value));
            freeing.add(value);
        }
        freeing.add(made.attributes);
    }
    freeing.add(p);
}

/// Frees the array `array` of `count` registration infos; `freed` runs once
/// the array is claimed (its memory, and anything inside it, still valid).
pub(crate) fn free_registration_info_array(
    count: UINT16,
    array: *mut NapComponentRegistrationInfo,
    freed: impl FnOnce(),
) {
    let mut freeing = Freeing::new("FreeNapComponentRegistrationInfoArray");
    for element in snapshot_array(array, usize::from(count)).as_slice() {
        for string in
            [element.friendlyName.string, element.description.string, element.version.string, element.vendorName.string]
        {
            freeing.add(string);
        }
    }
    freeing.add(array);
    freeing.finish_with(|claimed| {
        if claimed {
            freed()
        }
    })
}
