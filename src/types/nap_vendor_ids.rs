//! The ids of Windows' `NapMicrosoftVendorIds.h`: the component ids assigned
//! to Microsoft's own NAP components, which a system health agent or
//! validator of another vendor must not use. They are `#define`s in the
//! header, so they can be used in constant expressions and `switch` cases.

#![allow(non_upper_case_globals)]

use super::base::UINT32;

/// Microsoft's vendor code: the first three bytes of each id below.
pub const MicrosoftVendorId: UINT32 = 0x137;
/// The NAP system itself.
pub const NapSystemId: UINT32 = 0x0001_3700;
/// Microsoft's DHCP enforcement client.
pub const NapDhcpEnforcementId: UINT32 = 0x0001_3701;
/// Microsoft's remote access (RAS) enforcement client.
pub const NapRasEnforcementId: UINT32 = 0x0001_3702;
/// Microsoft's IPsec enforcement client.
pub const NapIpsecEnforcementId: UINT32 = 0x0001_3703;
/// Microsoft's 802.1X enforcement client.
pub const Nap8021xEnforcementId: UINT32 = 0x0001_3704;
/// Microsoft's anywhere-access enforcement client.
pub const NapAnywhereAccessEnforcementId: UINT32 = 0x0001_3705;
/// Microsoft's ISA enforcement client.
pub const NapIsaEnforcementId: UINT32 = 0x0001_3706;
/// Microsoft's EAP enforcement client.
pub const NapEapEnforcementId: UINT32 = 0x0001_3707;
/// The Windows Security Health Agent and Validator (WSHA, WSHV).
pub const NapOutOfBoxSystemHealthId: UINT32 = 0x0001_3780;
/// Microsoft's SMS system health agent.
pub const NapSmsSystemHealthId: UINT32 = 0x0001_3781;
/// Microsoft's FCS system health agent, version 1.
pub const NapFCSv1SystemHealthId: UINT32 = 0x0001_3782;
/// Microsoft's FCS system health agent, version 2.
pub const NapFCSv2SystemHealthId: UINT32 = 0x0001_3783;
/// Microsoft's TPM system health agent.
pub const NapTpmSystemHealthId: UINT32 = 0x0001_3784;
