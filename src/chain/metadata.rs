//! What each output of a transaction means to MultiChain: a payment (with assets and
//! permission grants), a new entity, a stream item, an entity update, or plain data.

use super::error::TxReject;
use crate::primitives::address::Address;
use crate::primitives::entity::Details;
use crate::primitives::script::{self, Destination, Element, ParsedScript, PermissionGrant};
use bitcoin::{OutPoint, Script};

pub type AssetAmounts = Vec<([u8; 16], i64)>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputKind {
    Payment {
        address: Address,
        /// Transfers (`spkq`).
        assets: AssetAmounts,
        /// Raw quantity of the asset this transaction creates (`spkg`).
        genesis: Option<i64>,
        /// Follow-on issues (`spko`).
        follow_ons: AssetAmounts,
        /// Grants, global (None) or for an entity.
        grants: Vec<(Option<[u8; 16]>, PermissionGrant)>,
        /// A new token's units (`spkt`, with its details in `spkl`).
        token_issue: Option<TokenIssue>,
    },
    NewEntity {
        kind: u8,
        details: Details,
    },
    Item {
        stream: [u8; 16],
        keys: Vec<Vec<u8>>,
        format: u8,
        data: Vec<u8>,
    },
    Update {
        entity: [u8; 16],
        kind: u8,
        details: Details,
    },
    /// `OP_RETURN` without MultiChain elements (appendrawdata with a hex string).
    Data(Option<Vec<u8>>),
    /// `OP_RETURN` data with a format but no stream (`{"json":…}`/`{"text":…}` as raw data).
    Formatted {
        format: u8,
        data: Vec<u8>,
    },
    /// Anything else (bare multisig, arbitrary scripts).
    Other,
}

/// Units of a new token in one output: its reference, quantity, and details (its id, its
/// asset's issue txid, and JSON details if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenIssue {
    pub token: [u8; 16],
    pub qty: i64,
    pub details: Details,
    pub token_id: Vec<u8>,
    pub asset_txid: bitcoin::Txid,
}

fn bad_token(reason: &str) -> TxReject {
    TxReject::invalid(format!("Token issuance script rejected - {reason}"))
}

/// A token issue from an output's `spkt` rows and `spkl` details (MultiChain's checks of
/// their form, in its order); None without rows.
fn token_issue(
    rows: &[([u8; 16], i64)],
    inline: &[Vec<u8>],
) -> Result<Option<TokenIssue>, TxReject> {
    if inline.len() > 1 {
        return Err(bad_token("multiple inline details"));
    }
    let details = match inline.first() {
        Some(d) => Some(Details::decode(d).ok_or_else(|| bad_token("error in script"))?),
        None => None,
    };
    let Some((token, _)) = rows.first() else {
        return Ok(None);
    };
    let details = details.ok_or_else(|| bad_token("missing inline details"))?;
    if rows.iter().any(|(t, _)| t != token) {
        return Err(bad_token("multiple token scripts"));
    }
    let qty = rows
        .iter()
        .try_fold(0i64, |sum, (_, q)| sum.checked_add(*q).filter(|_| *q >= 0))
        .ok_or_else(|| bad_token("error in token script"))?;
    let token_id = details
        .get(crate::primitives::entity::FIELD_TOKEN_ID)
        .ok_or_else(|| bad_token("missing token identifier"))?
        .to_vec();
    if token_id.is_empty() {
        return Err(bad_token("empty token identifier"));
    }
    let parent = details
        .get(crate::primitives::entity::FIELD_PARENT_ENTITY)
        .ok_or_else(|| bad_token("missing asset txid"))?;
    let asset_txid: [u8; 32] = parent
        .try_into()
        .map_err(|_| bad_token("wrong asset txid size"))?;
    Ok(Some(TokenIssue {
        token: *token,
        qty,
        details,
        token_id,
        asset_txid: bitcoin::hashes::Hash::from_byte_array(asset_txid),
    }))
}

fn bad(reason: &str) -> TxReject {
    TxReject::invalid(format!("Metadata script rejected - {reason}"))
}

/// Interprets one output script.
pub fn classify(parsed: &ParsedScript) -> Result<OutputKind, TxReject> {
    let elements = parsed.decoded().ok_or_else(|| bad("error in script"))?;
    if elements.iter().any(|e| matches!(e, Element::Unknown(_))) {
        return Err(bad(
            "Unrecognized script, should be new entity or input script cache",
        ));
    }
    match &parsed.destination {
        Destination::NullData(data) => classify_null_data(&elements, data.as_deref()),
        Destination::PubKeyHash(_) | Destination::ScriptHash(_) => {
            let address = parsed.address().expect("destination has an address");
            let mut out = OutputKind::Payment {
                address,
                assets: Vec::new(),
                genesis: None,
                follow_ons: Vec::new(),
                grants: Vec::new(),
                token_issue: None,
            };
            let OutputKind::Payment {
                assets,
                genesis,
                follow_ons,
                grants,
                token_issue: issue,
                ..
            } = &mut out
            else {
                unreachable!()
            };
            let mut entity: Option<[u8; 16]> = None;
            let mut token_rows = Vec::new();
            let mut inline = Vec::new();
            for e in elements {
                match e {
                    Element::Entity(id) => {
                        if entity.is_some() {
                            return Err(TxReject::invalid(
                                "Script rejected - entity script should be followed by permission",
                            ));
                        }
                        entity = Some(id);
                    }
                    Element::Permission(g) => grants.push((entity.take(), g)),
                    Element::Quantities(q) => assets.extend(q),
                    Element::FollowOn(q) => follow_ons.extend(q),
                    Element::Genesis(n) => {
                        if genesis.replace(n).is_some() {
                            return Err(bad("too many new entities"));
                        }
                    }
                    Element::TokenIssue(rows) => token_rows.extend(rows),
                    Element::InlineDetails(d) => inline.push(d),
                    _ => return Err(bad("wrong element in output with destination")),
                }
            }
            if entity.is_some() {
                return Err(TxReject::invalid(
                    "Script rejected - incomplete entity script",
                ));
            }
            *issue = token_issue(&token_rows, &inline)?;
            Ok(out)
        }
        Destination::Other => {
            if elements.is_empty() {
                Ok(OutputKind::Other)
            } else {
                Err(TxReject::invalid("Script rejected - destination required "))
            }
        }
    }
}

fn classify_null_data(elements: &[Element], data: Option<&[u8]>) -> Result<OutputKind, TxReject> {
    match elements {
        [] => Ok(OutputKind::Data(data.map(<[u8]>::to_vec))),
        [Element::Format(f)] => {
            let data = data.map(<[u8]>::to_vec).unwrap_or_default();
            check_item_data(*f, &data)?;
            Ok(OutputKind::Formatted { format: *f, data })
        }
        [Element::NewEntity { kind, details }] => Ok(OutputKind::NewEntity {
            kind: *kind,
            details: Details::decode(details).ok_or_else(|| {
                TxReject::invalid("Entity details script rejected - error in script")
            })?,
        }),
        [Element::Entity(id), Element::Update { kind, details }] => Ok(OutputKind::Update {
            entity: *id,
            kind: *kind,
            details: Details::decode(details).ok_or_else(|| {
                TxReject::invalid("Entity details script rejected - error in script")
            })?,
        }),
        [Element::Entity(id), rest @ ..] => {
            let mut keys = Vec::new();
            let mut format = script::FORMAT_RAW;
            for (i, e) in rest.iter().enumerate() {
                match e {
                    Element::Key(k) => {
                        if k.len() > MAX_KEY_LEN {
                            return Err(bad("item key too long"));
                        }
                        keys.push(k.clone());
                    }
                    Element::Format(f) if i + 1 == rest.len() => format = *f,
                    _ => return Err(bad("wrong element, should be item key")),
                }
            }
            let data = data.map(<[u8]>::to_vec).unwrap_or_default();
            check_item_data(format, &data)?;
            Ok(OutputKind::Item {
                stream: *id,
                keys,
                format,
                data,
            })
        }
        _ => Err(bad(
            "Unrecognized script, should be new entity or input script cache",
        )),
    }
}

/// Stream item keys are at most 256 bytes.
pub const MAX_KEY_LEN: usize = 256;

fn check_item_data(format: u8, data: &[u8]) -> Result<(), TxReject> {
    match format {
        script::FORMAT_RAW => Ok(()),
        script::FORMAT_TEXT => std::str::from_utf8(data)
            .map(|_| ())
            .map_err(|_| TxReject::invalid("Error in data format script")),
        script::FORMAT_JSON => crate::primitives::ubjson::decode(data)
            .map(|_| ())
            .map_err(|_| TxReject::invalid("Error in data format script")),
        _ => Err(TxReject::invalid("Error in data format script")),
    }
}

/// Asset quantities an unspent output holds (transfers, follow-ons, a new token's units, and
/// the genesis quantity of the asset its own transaction created).
pub fn coin_assets(outpoint: &OutPoint, script: &Script) -> AssetAmounts {
    let Some(parsed) = script::parse(script) else {
        return Vec::new();
    };
    let Ok(OutputKind::Payment {
        assets,
        genesis,
        follow_ons,
        token_issue,
        ..
    }) = classify(&parsed)
    else {
        return Vec::new();
    };
    let mut all = assets;
    all.extend(follow_ons);
    all.extend(token_issue.map(|t| (t.token, t.qty)));
    if let Some(g) = genesis {
        all.push((super::entities::short_id(&outpoint.txid), g));
    }
    all
}

/// What each output of `tx` means, leaving out any that cannot be read (an accepted or
/// confirmed transaction has none).
pub fn readable_output_kinds(tx: &bitcoin::Transaction) -> Vec<OutputKind> {
    tx.output
        .iter()
        .filter_map(|o| classify(&script::parse(&o.script_pubkey)?).ok())
        .collect()
}

/// The assets that outputs of kinds `kinds` (of transaction `txid`) carry, in order of
/// first appearance, each once: the asset a genesis output creates and assets sent or issued
/// more. As in MultiChain's wallet, a details update alone (an `issuemore` of 0 units writes
/// no quantity) does not count.
pub fn output_assets(txid: &bitcoin::Txid, kinds: &[OutputKind]) -> Vec<[u8; 16]> {
    let mut ids: Vec<[u8; 16]> = Vec::new();
    let mut add = |id: [u8; 16]| {
        if !ids.contains(&id) {
            ids.push(id);
        }
    };
    for kind in kinds {
        if let OutputKind::Payment {
            assets,
            genesis,
            follow_ons,
            ..
        } = kind
        {
            if genesis.is_some() {
                add(super::entities::short_id(txid));
            }
            for (id, _) in follow_ons.iter().chain(assets) {
                add(*id);
            }
        }
    }
    ids
}

/// Adds `(id, qty)` into a running total list.
pub fn add_amount(totals: &mut AssetAmounts, id: [u8; 16], qty: i64) -> Option<()> {
    match totals.iter_mut().find(|(i, _)| *i == id) {
        Some((_, q)) => *q = q.checked_add(qty)?,
        None => totals.push((id, qty)),
    }
    Some(())
}
