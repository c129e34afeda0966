//! The interface and class identifiers the library exports, as Windows'
//! libraries (uuid.lib) do. Each value is written once, as the string
//! `GUID::parse` reads; `build.rs` reads the same string for the header's
//! `__uuidof` support, so the two cannot disagree.
//!
//! IIDs have the values of Windows' headers (the layout proof compares them
//! with mingw-w64's). CLSIDs have the values of Windows' uuid.lib; the library
//! implements the two SoH classes, the others name classes only Windows'
//! NAP system provides.

use crate::types::base::{CLSID, GUID, IID, IID_IMALLOCSPY_VALUE, IID_IMALLOC_VALUE, IID_IUNKNOWN_VALUE};

/// `IID_IMallocSpy`, the interface id `CoRegisterMallocSpy` asks a spy for:
/// {0000001D-0000-0000-C000-000000000046}.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub static IID_IMallocSpy: IID = IID_IMALLOCSPY_VALUE;

/// `IID_INapEnforcementClientConnection`:
/// {FB3A3505-DDB1-468A-B307-F328A57419D8}.
#[no_mangle]
pub static IID_INapEnforcementClientConnection: IID = GUID::parse("FB3A3505-DDB1-468A-B307-F328A57419D8");

/// `IID_IUnknown`, for `QueryInterface` calls.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub static IID_IUnknown: GUID = IID_IUNKNOWN_VALUE;

/// `IID_IMalloc`, for `QueryInterface` calls.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub static IID_IMalloc: GUID = IID_IMALLOC_VALUE;

/// `IID_IClassFactory`, the interface of class factories
/// (`CoGetClassObject`): {00000001-0000-0000-C000-000000000046}.
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub static IID_IClassFactory: IID = GUID::parse("00000001-0000-0000-C000-000000000046");

/// `GUID_NULL`, the all-zero GUID (`IID_NULL`, `CLSID_NULL`).
#[no_mangle]
#[cfg(not(naputil_header_win32))]
pub static GUID_NULL: GUID = GUID::parse("00000000-0000-0000-0000-000000000000");

/// `IID_INapSoHConstructor`: {35298344-96A6-45E7-9B6B-62ECC6E09920}.
#[no_mangle]
pub static IID_INapSoHConstructor: IID = GUID::parse("35298344-96A6-45E7-9B6B-62ECC6E09920");

/// `IID_INapSoHProcessor`: {FB2FA8B0-2CD5-457D-ABA8-4376F63EA1C0}.
#[no_mangle]
pub static IID_INapSoHProcessor: IID = GUID::parse("FB2FA8B0-2CD5-457D-ABA8-4376F63EA1C0");

/// `IID_INapEnforcementClientBinding`: {92B93223-7487-42D9-9A91-5B8507720384}.
#[no_mangle]
pub static IID_INapEnforcementClientBinding: IID = GUID::parse("92B93223-7487-42D9-9A91-5B8507720384");

/// `IID_INapEnforcementClientCallback`: {F5A0B90A-83A1-4F76-BA3F-025418682814}.
#[no_mangle]
pub static IID_INapEnforcementClientCallback: IID = GUID::parse("F5A0B90A-83A1-4F76-BA3F-025418682814");

/// `IID_INapEnforcementClientConnection2`: {BD244906-70DD-4690-BEEA-648653393500}.
#[no_mangle]
pub static IID_INapEnforcementClientConnection2: IID = GUID::parse("BD244906-70DD-4690-BEEA-648653393500");

/// `IID_INapSystemHealthAgentBinding`: {A6894F43-9CC7-44C9-A23F-19DBF36BAD28}.
#[no_mangle]
pub static IID_INapSystemHealthAgentBinding: IID = GUID::parse("A6894F43-9CC7-44C9-A23F-19DBF36BAD28");

/// `IID_INapSystemHealthAgentBinding2`: {1140C38E-5100-4EA1-8D43-87D326724028}.
#[no_mangle]
pub static IID_INapSystemHealthAgentBinding2: IID = GUID::parse("1140C38E-5100-4EA1-8D43-87D326724028");

/// `IID_INapSystemHealthAgentCallback`: {F1072A57-214F-4EE2-8377-14EF140CD9F3}.
#[no_mangle]
pub static IID_INapSystemHealthAgentCallback: IID = GUID::parse("F1072A57-214F-4EE2-8377-14EF140CD9F3");

/// `IID_AsyncINapSystemHealthAgentCallback`: {860D8FD9-0219-43EA-AE7F-59611F4CC16A}.
#[no_mangle]
pub static IID_AsyncINapSystemHealthAgentCallback: IID = GUID::parse("860D8FD9-0219-43EA-AE7F-59611F4CC16A");

/// `IID_INapSystemHealthAgentRequest`: {5B360A69-212D-440D-B398-7EEFD497853A}.
#[no_mangle]
pub static IID_INapSystemHealthAgentRequest: IID = GUID::parse("5B360A69-212D-440D-B398-7EEFD497853A");

/// `IID_INapSystemHealthValidator`: {EF43D87C-5B6D-4820-8620-868907FE07D3}.
#[no_mangle]
pub static IID_INapSystemHealthValidator: IID = GUID::parse("EF43D87C-5B6D-4820-8620-868907FE07D3");

/// `IID_AsyncINapSystemHealthValidator`: {2516031A-A391-454D-B53D-C5DC84C7F2DB}.
#[no_mangle]
pub static IID_AsyncINapSystemHealthValidator: IID = GUID::parse("2516031A-A391-454D-B53D-C5DC84C7F2DB");

/// `IID_INapServerCallback`: {09C20568-F30C-489B-AE9C-4930AD7F165F}.
#[no_mangle]
pub static IID_INapServerCallback: IID = GUID::parse("09C20568-F30C-489B-AE9C-4930AD7F165F");

/// `IID_INapSystemHealthValidationRequest`: {ADACB3A0-D4F4-4F17-8933-51D60FCCA606}.
#[no_mangle]
pub static IID_INapSystemHealthValidationRequest: IID = GUID::parse("ADACB3A0-D4F4-4F17-8933-51D60FCCA606");

/// `IID_INapSystemHealthValidationRequest2`: {91A5D706-0CB4-4A84-8315-9380D453E385}.
#[no_mangle]
pub static IID_INapSystemHealthValidationRequest2: IID = GUID::parse("91A5D706-0CB4-4A84-8315-9380D453E385");

/// `IID_INapClientManagement`: {432A1DA5-3888-4B9A-A734-CFF1E448C5B9}.
#[no_mangle]
pub static IID_INapClientManagement: IID = GUID::parse("432A1DA5-3888-4B9A-A734-CFF1E448C5B9");

/// `IID_INapClientManagement2`: {07A1127B-18CC-422A-B988-E892600FCC74}.
#[no_mangle]
pub static IID_INapClientManagement2: IID = GUID::parse("07A1127B-18CC-422A-B988-E892600FCC74");

/// `IID_INapServerManagement`: {9DE543E7-0F23-47E0-A8BC-971A894F86D4}.
#[no_mangle]
pub static IID_INapServerManagement: IID = GUID::parse("9DE543E7-0F23-47E0-A8BC-971A894F86D4");

/// `IID_INapServerInfo`: {599F9021-5643-4965-9949-E88975EFFF0E}.
#[no_mangle]
pub static IID_INapServerInfo: IID = GUID::parse("599F9021-5643-4965-9949-E88975EFFF0E");

/// `IID_INapComponentConfig`: {A9E0AF1A-3713-478E-AE03-8EDD272D21FA}.
#[no_mangle]
pub static IID_INapComponentConfig: IID = GUID::parse("A9E0AF1A-3713-478E-AE03-8EDD272D21FA");

/// `IID_INapComponentInfo`: {B475F925-E3F7-414C-8C72-1CEE64B9D8F6}.
#[no_mangle]
pub static IID_INapComponentInfo: IID = GUID::parse("B475F925-E3F7-414C-8C72-1CEE64B9D8F6");

/// `IID_INapComponentConfig2`: {47CBDB9E-1972-4F5E-BD3C-5EB6230614B5}.
#[no_mangle]
pub static IID_INapComponentConfig2: IID = GUID::parse("47CBDB9E-1972-4F5E-BD3C-5EB6230614B5");

/// `IID_INapComponentConfig3`: {9C4A8101-8CFE-4332-876E-C4A49D1D3F77}.
#[no_mangle]
pub static IID_INapComponentConfig3: IID = GUID::parse("9C4A8101-8CFE-4332-876E-C4A49D1D3F77");

/// `IID_INapCertRelyingParty`: {62C02FFC-4C77-4158-8754-782D5B4EE66E}.
#[no_mangle]
pub static IID_INapCertRelyingParty: IID = GUID::parse("62C02FFC-4C77-4158-8754-782D5B4EE66E");

/// `CLSID_NapSoHConstructor`: {E8140D53-6535-46A5-B8A1-DA6C571DA9B9},
/// the class of the `INapSoHConstructor` objects. The library implements it:
/// off Windows `CoCreateInstance` creates its objects, on Windows (where the
/// class is qutil.dll's, on Windows Vista to 8.1) `naputil_create_instance`.
#[no_mangle]
pub static CLSID_NapSoHConstructor: CLSID = GUID::parse("E8140D53-6535-46A5-B8A1-DA6C571DA9B9");

/// `CLSID_NapSoHProcessor`: {AA160628-8775-46E3-837C-F7A2AE66E2F5},
/// the class of the `INapSoHProcessor` objects, implemented by the library
/// as `CLSID_NapSoHConstructor` is.
#[no_mangle]
pub static CLSID_NapSoHProcessor: CLSID = GUID::parse("AA160628-8775-46E3-837C-F7A2AE66E2F5");

/// `CLSID_NapEnforcementClientBinding`: {9443B89B-6564-496A-B19C-6C6D22709045},
/// the class of Windows' `INapEnforcementClientBinding` object. No object of this class
/// exists outside Windows.
#[no_mangle]
pub static CLSID_NapEnforcementClientBinding: CLSID = GUID::parse("9443B89B-6564-496A-B19C-6C6D22709045");

/// `CLSID_NapSystemHealthAgentBinding`: {8E594310-16CA-4A00-932F-F70969F990C0},
/// the class of Windows' `INapSystemHealthAgentBinding` object. No object of this class
/// exists outside Windows.
#[no_mangle]
pub static CLSID_NapSystemHealthAgentBinding: CLSID = GUID::parse("8E594310-16CA-4A00-932F-F70969F990C0");

/// `CLSID_NapClientManagement`: {EB082BA1-DF8A-46BE-82F3-35BF9E9BE52F},
/// the class of Windows' `INapClientManagement` object. No object of this class
/// exists outside Windows.
#[no_mangle]
pub static CLSID_NapClientManagement: CLSID = GUID::parse("EB082BA1-DF8A-46BE-82F3-35BF9E9BE52F");

/// `CLSID_NapServerManagement`: {BFCB2C6D-04AA-4FB9-BC72-58E1AF64BE39},
/// the class of Windows' `INapServerManagement` object. No object of this class
/// exists outside Windows.
#[no_mangle]
pub static CLSID_NapServerManagement: CLSID = GUID::parse("BFCB2C6D-04AA-4FB9-BC72-58E1AF64BE39");

/// `CLSID_NapServerInfo`: {3B881B82-5BF4-4657-A3A2-CCE17E4FD39A},
/// the class of Windows' `INapServerInfo` object. No object of this class
/// exists outside Windows.
#[no_mangle]
pub static CLSID_NapServerInfo: CLSID = GUID::parse("3B881B82-5BF4-4657-A3A2-CCE17E4FD39A");

/// `CLSID_NapCertRelyingParty`: {E5FAE3B3-1AC8-4BD3-87E6-48EFF509DDAA},
/// the class of Windows' `INapCertRelyingParty` object. No object of this class
/// exists outside Windows.
#[no_mangle]
pub static CLSID_NapCertRelyingParty: CLSID = GUID::parse("E5FAE3B3-1AC8-4BD3-87E6-48EFF509DDAA");
