//! The library's C types for the SoH wire format (`naputil_soh_*`): the
//! framings a complete SoH message travels in, and the message itself as
//! NAP structures.

use super::base::{BOOL, UINT16, UINT8};
use super::nap::{CorrelationId, SoH};

/// Framing of a complete SoH message: the message alone, starting with its
/// SoH header (outer type 7, Microsoft vendor id 311). This is what a
/// `NetworkSoH` holds and what [MS-RNAP] puts in a RADIUS `MS-Quarantine-SoH`
/// attribute.
pub const NAPUTIL_SOH_FRAMING_MESSAGE: u32 = 0;
/// Framing of a complete SoH message: inside a Microsoft vendor-specific
/// EAP TLV (type 7, vendor id 311) holding an SoH TLV (type 1), as a PEAP
/// peer sends its statement of health ([MS-PEAP] 2.2.8.2.2). FreeRADIUS's
/// `rlm_soh` expects this framing in `MS-Quarantine-SoH` too.
pub const NAPUTIL_SOH_FRAMING_PEAP_SOH: u32 = 1;
/// Framing of a complete SoH message: inside a Microsoft vendor-specific
/// EAP TLV (type 7, vendor id 311) holding an SoH Response TLV (type 3), as
/// a PEAP server returns a statement of health response ([MS-PEAP]
/// 2.2.8.1.3).
pub const NAPUTIL_SOH_FRAMING_PEAP_SOH_RESPONSE: u32 = 2;

/// A complete SoH or SoH response message as NAP structures: the mode
/// sub-header's fields and one `SoH` per system health entity.
///
/// On the wire each section is a run of attributes that begins with a
/// `sohAttributeTypeSystemHealthId` attribute and contains no other one.
/// (FreeRADIUS's `rlm_soh`, for example, reads a machine's name and OS
/// version from the vendor-specific attribute, vendor id 311, of the
/// section whose system health id is 0x00013700.)
///
/// `naputil_soh_message_decode` hands out this structure, the `sections`
/// array and every `SoH` as separate task-memory blocks; free them all with
/// `naputil_soh_message_free`, or take a section out (set its entry to
/// NULL) and free it later on its own with `FreeSoH`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NaputilSoHMessage {
    /// Non-zero when the message carries the SoH mode sub-header (inner
    /// type 2), which holds `correlation_id` and `intent`; zero for a
    /// message without it (inner type 1), whose `correlation_id` and
    /// `intent` are then all zero.
    pub has_mode_sub_header: BOOL,
    /// The correlation id of the mode sub-header. On the wire: `connId` as
    /// `Data1`, `Data2`, `Data3` big-endian and `Data4` as is, then
    /// `timeStamp` as a 64-bit big-endian count (`dwHighDateTime` first).
    pub correlation_id: CorrelationId,
    /// The intent byte of the mode sub-header, as carried.
    pub intent: UINT8,
    /// Number of entries in `sections`.
    pub count: UINT16,
    /// `count` pointers to the sections, in wire order (NULL when `count`
    /// is 0).
    pub sections: *mut *mut SoH,
}

#[cfg(all(test, target_pointer_width = "64"))]
mod layout {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn message_layout_has_no_surprises() {
        assert_eq!(offset_of!(NaputilSoHMessage, correlation_id), 4);
        assert_eq!(offset_of!(NaputilSoHMessage, intent), 28);
        assert_eq!(offset_of!(NaputilSoHMessage, count), 30);
        assert_eq!(offset_of!(NaputilSoHMessage, sections), 32);
        assert_eq!(size_of::<NaputilSoHMessage>(), 40);
    }
}
