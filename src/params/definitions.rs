//! Every blockchain parameter MultiChain 2.3 knows, in MultiChain's own order — the order of
//! `getblockchainparams` and of the `chain-params-hash`. Layout and descriptions of
//! `params.dat` live in `params/params.dat.template`.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Bool,
    U32,
    I32,
    I64,
    Str,
    Hex,
}

/// Who sets the value: the user before genesis, `multichain-util`, or `multichaind` at genesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamSource {
    User,
    Generated,
    Calculated,
}

/// A real number 0..1 stored ×1,000,000.
pub const F_DECIMAL: u32 = 1;
/// Left out of `chain-params-hash` (node runtime defaults).
pub const F_NO_HASH: u32 = 2;
/// Not printed while it holds its default.
pub const F_HIDDEN: u32 = 4;
/// Part of the minimal set a joining node receives before it has permission.
pub const F_MINIMAL: u32 = 8;
/// Copied by `multichain-util clone`.
pub const F_CLONE: u32 = 16;
/// A time parameter (upgradable by timing upgrades).
pub const F_TIME: u32 = 32;

#[derive(Clone, Copy, Debug)]
pub struct ParamDef {
    /// Display name, as in params.dat (`target-block-time`).
    pub name: &'static str,
    pub kind: ParamKind,
    pub source: ParamSource,
    pub flags: u32,
    /// Integer default (decimals ×1,000,000; booleans 0/1).
    pub default: i64,
    pub min: i64,
    pub max: i64,
    /// Maximum length for strings (bytes).
    pub max_len: i32,
    /// First protocol version that knows the parameter.
    pub since: u32,
    /// Protocol version from which it is gone (0 = still used).
    pub removed: u32,
}

impl ParamDef {
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// The internal name: display name without dashes (`targetblocktime`).
    pub fn internal_name(&self) -> String {
        self.name.replace('-', "")
    }

    pub fn is_relevant(&self, protocol: u32) -> bool {
        self.since <= protocol && (self.removed == 0 || self.removed > protocol)
    }
}

use ParamKind::*;
use ParamSource::*;

#[allow(clippy::too_many_arguments)]
const fn p(
    name: &'static str,
    kind: ParamKind,
    source: ParamSource,
    flags: u32,
    default: i64,
    min: i64,
    max: i64,
    max_len: i32,
    since: u32,
    removed: u32,
) -> ParamDef {
    ParamDef {
        name,
        kind,
        source,
        flags,
        default,
        min,
        max,
        max_len,
        since,
        removed,
    }
}

pub const PARAMS: &[ParamDef] = &[
    p("chain-protocol", Str, User, F_CLONE, 0, 0, 0, 16, 10001, 0),
    p("chain-description", Str, User, F_CLONE, 0, 0, 0, 256, 10001, 0),
    p("root-stream-name", Str, User, F_CLONE, 0, 0, 0, 256, 10006, 0),
    p("root-stream-open", Bool, User, F_CLONE, 1, 0, 0, -1, 10006, 0),
    p("chain-is-testnet", Bool, User, F_CLONE, 0, 0, 0, -1, 10001, 0),
    p("target-block-time", U32, User, F_CLONE | F_TIME, 15, 2, 86400, -1, 10001, 0),
    p("maximum-block-size", U32, User, F_CLONE, 8388608, 5000, 1000000000, -1, 10001, 0),
    p("maximum-chunk-size", U32, User, F_CLONE, 1048576, 256, 16777216, -1, 20003, 0),
    p("maximum-chunk-count", U32, User, F_CLONE, 1024, 16, 2048, -1, 20003, 0),
    p("timing-upgrade-min-gap", U32, User, F_HIDDEN | F_CLONE, 100, 1, 31536000, -1, 20002, 0),
    p("default-network-port", U32, Generated, F_CLONE, 8571, 1024, 65535, -1, 10001, 0),
    p("default-rpc-port", U32, Generated, F_MINIMAL | F_CLONE, 8570, 1024, 65535, -1, 10001, 0),
    p("anyone-can-connect", Bool, User, F_CLONE, 0, 0, 0, -1, 10001, 0),
    p("anyone-can-send", Bool, User, F_CLONE, 0, 0, 0, -1, 10001, 0),
    p("anyone-can-receive", Bool, User, F_CLONE, 0, 0, 0, -1, 10001, 0),
    p("anyone-can-receive-empty", Bool, User, F_CLONE, 1, 0, 0, -1, 10007, 0),
    p("anyone-can-create", Bool, User, F_CLONE, 0, 0, 0, -1, 10006, 0),
    p("anyone-can-issue", Bool, User, F_CLONE, 0, 0, 0, -1, 10001, 0),
    p("anyone-can-mine", Bool, User, F_CLONE, 0, 0, 0, -1, 10001, 0),
    p("anyone-can-activate", Bool, User, F_CLONE, 0, 0, 0, -1, 10003, 0),
    p("anyone-can-admin", Bool, User, F_CLONE, 0, 0, 0, -1, 10001, 0),
    p("support-miner-precheck", Bool, User, F_CLONE, 1, 0, 0, -1, 10007, 0),
    p("allow-arbitrary-outputs", Bool, User, F_CLONE, 0, 0, 0, -1, 10009, 0),
    p("allow-p2sh-outputs", Bool, User, F_CLONE, 1, 0, 0, -1, 10001, 0),
    p("allow-multisig-outputs", Bool, User, F_CLONE, 1, 0, 0, -1, 10001, 0),
    p("setup-first-blocks", U32, User, F_CLONE, 60, 1, 31536000, -1, 10001, 0),
    p("mining-diversity", U32, User, F_DECIMAL | F_CLONE, 300000, 0, 1000000, -1, 10001, 0),
    p("admin-consensus-upgrade", U32, User, F_DECIMAL | F_CLONE, 500000, 0, 1000000, -1, 10008, 0),
    p("admin-consensus-txfilter", U32, User, F_DECIMAL | F_CLONE, 500000, 0, 1000000, -1, 20004, 0),
    p("admin-consensus-admin", U32, User, F_DECIMAL | F_CLONE, 500000, 0, 1000000, -1, 10001, 0),
    p("admin-consensus-activate", U32, User, F_DECIMAL | F_CLONE, 500000, 0, 1000000, -1, 10003, 0),
    p("admin-consensus-mine", U32, User, F_DECIMAL | F_CLONE, 500000, 0, 1000000, -1, 10001, 0),
    p("admin-consensus-create", U32, User, F_DECIMAL | F_CLONE, 0, 0, 1000000, -1, 10006, 0),
    p("admin-consensus-issue", U32, User, F_DECIMAL | F_CLONE, 0, 0, 1000000, -1, 10003, 0),
    p("lock-admin-mine-rounds", U32, User, F_NO_HASH | F_CLONE, 10, 0, 10000, -1, 10007, 0),
    p("mining-requires-peers", Bool, User, F_NO_HASH | F_CLONE, 1, 0, 0, -1, 10001, 0),
    p("mine-empty-rounds", I32, User, F_DECIMAL | F_NO_HASH | F_CLONE, 10000000, -1000000, 1000000000, -1, 10007, 0),
    p("mining-turnover", U32, User, F_DECIMAL | F_NO_HASH | F_CLONE, 500000, 0, 1000000, -1, 10007, 0),
    p("minimum-block-txs", U32, User, F_NO_HASH | F_CLONE, 0, 0, 1000, -1, 10007, 0),
    p("first-block-reward", I64, User, F_CLONE, -1, -1, 1000000000000000000, -1, 10002, 0),
    p("initial-block-reward", I64, User, F_CLONE, 0, 0, 1000000000000000000, -1, 10001, 0),
    p("reward-halving-interval", U32, User, F_CLONE, 52560000, 60, 1000000000, -1, 10001, 0),
    p("reward-spendable-delay", U32, User, F_CLONE, 1, 1, 100000, -1, 10001, 0),
    p("minimum-per-output", I64, User, F_CLONE, 0, -1, 1000000000, -1, 10001, 0),
    p("maximum-per-output", I64, User, F_CLONE, 100000000000000, 0, 1000000000000000000, -1, 10001, 0),
    p("minimum-offchain-fee", I64, User, F_CLONE, 0, 0, 1000000000, -1, 20003, 0),
    p("minimum-relay-fee", I64, User, F_CLONE, 0, 0, 1000000000, -1, 10001, 0),
    p("native-currency-multiple", I64, User, F_CLONE, 100000000, 0, 1000000000, -1, 10001, 0),
    p("skip-pow-check", Bool, User, F_CLONE, 0, 0, 0, -1, 10001, 0),
    p("pow-minimum-bits", U32, User, F_CLONE, 8, 1, 32, -1, 10001, 0),
    p("target-adjust-freq", I32, User, F_CLONE, -1, -1, 4294967295, -1, 10001, 0),
    p("allow-min-difficulty-blocks", Bool, User, F_CLONE, 0, 0, 0, -1, 10001, 0),
    p("only-accept-std-txs", Bool, User, F_CLONE, 1, 0, 0, -1, 10001, 0),
    p("max-std-tx-size", U32, User, F_CLONE, 4194304, 1024, 100000000, -1, 10001, 0),
    p("max-std-op-returns-count", U32, User, F_CLONE, 32, 0, 1024, -1, 10006, 0),
    p("max-std-op-return-size", U32, User, F_CLONE, 2097152, 0, 67108864, -1, 10001, 0),
    p("max-std-op-drops-count", I64, User, F_CLONE, 5, 0, 100, -1, 10001, 0),
    p("max-std-element-size", I64, User, F_CLONE, 40000, 128, 80000, -1, 10003, 0),
    p("max-std-op-drop-size", I64, User, F_CLONE, 64, 0, 32768, -1, 10001, 10003),
    p("chain-name", Str, Generated, F_MINIMAL, 0, 0, 0, 33, 10001, 0),
    p("protocol-version", U32, Generated, 0, 0, 0, 0, -1, 10001, 0),
    p("network-message-start", Hex, Generated, F_MINIMAL, 0, 0, 0, 4, 10001, 0),
    p("address-pubkeyhash-version", Hex, Generated, F_MINIMAL, 0, 0, 0, 4, 10001, 0),
    p("address-scripthash-version", Hex, Generated, 0, 0, 0, 0, 4, 10001, 0),
    p("private-key-version", Hex, Generated, 0, 0, 0, 0, 4, 10001, 0),
    p("address-checksum-value", Hex, Generated, F_MINIMAL, 0, 0, 0, 4, 10001, 0),
    p("genesis-pubkey", Hex, Calculated, 0, 0, 0, 0, 65, 10001, 0),
    p("genesis-version", U32, Calculated, 0, 1, 0, -1, -1, 10001, 0),
    p("genesis-timestamp", U32, Calculated, 0, 0, 0, 0, -1, 10001, 0),
    p("genesis-nbits", U32, Calculated, 0, 0, 0, 0, -1, 10001, 0),
    p("genesis-nonce", U32, Calculated, 0, 0, 0, 0, -1, 10001, 0),
    p("genesis-pubkey-hash", Hex, Calculated, 0, 0, 0, 0, 20, 10001, 0),
    p("genesis-op-return-script", Hex, Calculated, 0, 0, 0, 0, 300, 10001, 10006),
    p("genesis-hash", Hex, Calculated, 0, 0, 0, 0, 32, 10001, 0),
    p("chain-params-hash", Hex, Calculated, F_NO_HASH, 0, 0, 0, 32, 10001, 0),
];

pub fn find(name: &str) -> Option<&'static ParamDef> {
    let wanted = normalize(name);
    PARAMS.iter().find(|d| normalize(d.name) == wanted)
}

/// MultiChain ignores `-` and `_` in parameter names.
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
