//! The sentences reimage's blocking rules rest on, quoted from the API pages in
//! `shared/seeds/` (000–004) and the official SDK models (3.1.219). A rule that blocks
//! names one of these; `docs/rules.md` lists them, and `tests/suite/ops/pages_rules.rs` checks that
//! each page quote is in its page word for word.

use std::fmt;

/// Where a rule comes from: a seed page (`"000"`) or an SDK model, and the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cite {
    pub from: &'static str,
    pub quote: &'static str,
}

impl fmt::Display for Cite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: \"{}\"", self.from, self.quote)
    }
}

const fn cite(from: &'static str, quote: &'static str) -> Cite {
    Cite { from, quote }
}

// ---- server state ----------------------------------------------------------------------

pub const ECS_STOPPED: Cite = cite(
    "000",
    "Only a stopped ECS or an ECS on which reinstalling or changing the OS failed supports changing OS.",
);
pub const ECS_WITH_STOP: Cite = cite(
    "002",
    "If the parameter value is withStopServer, the ECS supports OS reinstallation when the ECS is running.",
);
pub const ECS_SYSTEM_DISK: Cite = cite(
    "000",
    "Only an ECS with a system disk supports changing OS.",
);
pub const ECS_SYSTEM_DISK_REINSTALL: Cite = cite(
    "002",
    "You are not allowed to reinstall the OS of an ECS that does not have the system disk.",
);
pub const NO_OTHER_OPERATIONS: Cite = cite(
    "000",
    "You are not allowed to perform other operations when changing the OS. Otherwise, changing the OS will fail.",
);
pub const BMS_STOPPED: Cite = cite(
    "003",
    "Only a stopped BMS or a BMS on which changing the OS failed supports changing OS.",
);
pub const BMS_NO_MODE: Cite = cite(
    "SDK bms OsChange/OsReinstall",
    "attributes adminpass, keyname, userid, imageid, metadata (no mode, no isAutoPay)",
);
pub const PATH_IDS: Cite = cite(
    "000",
    "POST /v2/{project_id}/cloudservers/{server_id}/changeos",
);

// ---- image -----------------------------------------------------------------------------

pub const IMAGE_UUID: Cite = cite("000", "Specifies the ID of the new image in UUID format.");
pub const IMAGE_ACTIVE: Cite = cite("SDK ims ImageInfo.status", "active：表示镜像可以正常使用");
pub const IMAGE_ENV: Cite = cite(
    "SDK ims ImageInfo.virtual_env_type",
    "如果弹性云服务器镜像，则取值为FusionCompute，如果是数据卷镜像则取DataImage，如果是裸金属服务器镜像，则取值是Ironic",
);
pub const NO_WINDOWS_ON_V2: Cite = cite(
    "001",
    "This API cannot be used to change an ECS OS to Windows.",
);
pub const CHARGED_IMAGE: Cite = cite("SDK ims ImageInfo.account_code", "收费镜像标识");

// ---- login -----------------------------------------------------------------------------

pub const NOT_BOTH: Cite = cite(
    "000",
    "Specify either adminpass or keyname, not both of them.",
);
pub const USER_DATA_IF_NEITHER: Cite = cite(
    "000",
    "If both adminpass and keyname are empty, user_data in metadata must be set.",
);
pub const V1_NOT_NEITHER: Cite = cite("004", "adminpass和keyname不能同时为空。");
pub const V1_NO_USER_DATA: Cite = cite(
    "SDK ecs ChangeSeversOsMetadataWithoutCloudInitOption",
    "attributes __system__encrypted, __system__cmkid, BYOL (no user_data)",
);
pub const LINUX_USER_DATA_PASSWORD: Cite = cite(
    "000",
    "Linux ECSs can use user_data to inject passwords. In such a case, adminpass is unavailable.",
);
pub const BMS_LINUX_USER_DATA_PASSWORD: Cite = cite(
    "003",
    "For Linux BMSs, user_data can be used to inject a password. In this case, adminpass is invalid.",
);
pub const BMS_WINDOWS_NO_PASSWORD: Cite =
    cite("003", "Windows images do not support password injection.");
pub const V1_WINDOWS_PASSWORD_ONLY: Cite = cite("004", "对于Windows弹性云服务器，仅支持密码方式");
pub const KEYPAIR_EXISTS: Cite = cite(
    "001",
    "Keys can be created using the key creation API (see Creating and Importing an SSH Key Pair) or obtained using the SSH key query API (see Querying the SSH Key Pair List).",
);
pub const USERID_FOR_KEY: Cite = cite(
    "000",
    "When the keyname parameter is being specified, the value of this parameter is used preferentially. If this parameter is left blank, the user ID in the token is used by default.",
);
pub const USERID_REQUIRED_CHANGE_V1: Cite = cite(
    "SDK ecs ChangeServerOsWithoutCloudInitOption.userid",
    "如果使用秘钥方式切换操作系统，则该字段为必选字段。",
);
pub const USERID_REQUIRED_REINSTALL: Cite = cite(
    "SDK ecs ReinstallServerWithCloudInitOption.userid",
    "当传入keyname参数时，此参数为必选。",
);
pub const USER_DATA_BASE64: Cite = cite(
    "000",
    "The content of user_data must be encoded with base64.",
);
pub const USER_DATA_32K: Cite = cite(
    "000",
    "The maximum size of the content to be injected (before encoding) is 32 KB.",
);

// ---- password --------------------------------------------------------------------------

pub const PASSWORD_MUST: Cite = cite("000", "The password must meet the following requirements:");
pub const PASSWORD_LENGTH: Cite = cite("000", "8 to 26 characters");
pub const PASSWORD_KINDS: Cite = cite(
    "000",
    "The password must contain at least three of the following character types: uppercase letters, lowercase letters, digits, and special characters (!@$%^-_=+[{}]:,./?~#*).",
);
pub const WINDOWS_NAME_CHANGE: Cite = cite(
    "000",
    "The Windows ECS password cannot contain the username, the username in reverse, or more than two characters in the same sequence as they appear in the username.",
);
pub const WINDOWS_NAME_V1_REINSTALL: Cite = cite(
    "004",
    "密码不能包含用户名或用户名的逆序，不能包含用户名中超过两个连续字符的部分",
);
pub const WINDOWS_NAME_SDK: Cite = cite(
    "SDK ecs ChangeServerOsWithoutCloudInitOption/ReinstallServerWithCloudInitOption.adminpass",
    "对于Windows弹性云服务器，密码不能包含用户名或用户名的逆序，不能包含用户名中超过两个连续字符的部分。",
);
pub const BMS_WINDOWS_NAME: Cite = cite(
    "003",
    "For Windows BMSs, the password cannot contain more than two consecutive characters in the username.",
);
/// Recommendations, quoted in warnings (they never block).
pub const PASSWORD_RECOMMENDED_V1: Cite = cite("004", "建议密码复杂度如下：");
pub const PASSWORD_RECOMMENDED_BMS: Cite = cite(
    "003",
    "Recommended password complexity requirements are as follows:",
);
pub const PASSWORD_RECOMMENDED_SDK: Cite = cite(
    "SDK ecs ReinstallServerWithCloudInitOption.adminpass",
    "建议密码复杂度如下：",
);
pub const PASSWORD_REGION: Cite = cite(
    "000",
    "If you use this field to change the OS of an ECS with Cloud-Init installed, the region in which the ECS is deployed does not support password-authenticated OS changing. In such a case, use key pair authentication.",
);

// ---- metadata --------------------------------------------------------------------------

pub const CMKID_36: Cite = cite(
    "SDK ecs ChangeSeversOsMetadata.__system__cmkid",
    "cmkid长度固定为36个字节",
);
pub const CMKID_WITH_ENCRYPTED: Cite = cite(
    "001",
    "This parameter must be used with __system__encrypted.",
);
pub const ENCRYPTED_VALUES: Cite = cite(
    "000",
    "The value can be 0 (encryption disabled) or 1 (encryption enabled).",
);
pub const BYOL_OTHER_VALUES: Cite = cite(
    "002",
    "If this parameter is set to a value other than true, BYOL is not used, and the license file provided by the cloud platform must be used.",
);
pub const BMS_NO_BYOL: Cite = cite(
    "SDK bms MetadataInstall",
    "attributes user_data, __system__encrypted, __system__cmkid (no BYOL)",
);
pub const REINSTALL_NO_AUTO_PAY: Cite = cite(
    "SDK ecs ReinstallServerWithCloudInitOption/WithoutCloudInitOption",
    "attributes adminpass, keyname, userid, metadata, mode (no isAutoPay)",
);
pub const MODE_VALUE: Cite = cite(
    "001",
    "If the parameter value is withStopServer, the ECS supports this feature.",
);
pub const BMS_NO_INJECTION: Cite = cite(
    "003",
    "If an image without Cloud-Init or Cloudbase-Init is used, this API cannot inject a key pair or password.",
);
pub const ONLY_CLOUD_INIT: Cite = cite(
    "000",
    "You can only use an image with Cloud-Init or Cloudbase-Init installed.",
);

/// Every page quote, for the test that finds each one in its page.
pub const PAGE_QUOTES: &[Cite] = &[
    ECS_STOPPED,
    ECS_WITH_STOP,
    ECS_SYSTEM_DISK,
    ECS_SYSTEM_DISK_REINSTALL,
    NO_OTHER_OPERATIONS,
    BMS_STOPPED,
    PATH_IDS,
    IMAGE_UUID,
    NO_WINDOWS_ON_V2,
    NOT_BOTH,
    USER_DATA_IF_NEITHER,
    V1_NOT_NEITHER,
    LINUX_USER_DATA_PASSWORD,
    BMS_LINUX_USER_DATA_PASSWORD,
    BMS_WINDOWS_NO_PASSWORD,
    V1_WINDOWS_PASSWORD_ONLY,
    KEYPAIR_EXISTS,
    USERID_FOR_KEY,
    USER_DATA_BASE64,
    USER_DATA_32K,
    PASSWORD_MUST,
    PASSWORD_LENGTH,
    PASSWORD_KINDS,
    WINDOWS_NAME_CHANGE,
    WINDOWS_NAME_V1_REINSTALL,
    BMS_WINDOWS_NAME,
    PASSWORD_RECOMMENDED_V1,
    PASSWORD_RECOMMENDED_BMS,
    PASSWORD_REGION,
    CMKID_WITH_ENCRYPTED,
    ENCRYPTED_VALUES,
    BYOL_OTHER_VALUES,
    MODE_VALUE,
    BMS_NO_INJECTION,
    ONLY_CLOUD_INIT,
];
