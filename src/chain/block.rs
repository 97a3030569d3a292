//! Blocks: the genesis block, coinbase and miner signature, proof of work, and the rules a
//! block must pass before it is connected.
//!
//! Block signature: the coinbase carries `OP_RETURN <"SPKb" len DER-signature hash-type
//! keylen pubkey>`. The miner signs the header hash computed with the nonce set to 0 and the
//! merkle root of the block whose coinbase lacks that signature output (MultiChain's
//! "no signature and nonce" block hash type, 2), so the nonce can be searched after signing.

use super::error::{BlockReject, TxReject};
use super::rules::{check_transaction_with_txid, RuleParams, TxContext};
use super::state::{has_global, Coin, Delta, Overlay, StateView, TxEffects};
use crate::primitives::address::Address;
use crate::primitives::keys::{address_of_pubkey, secp, PrivateKey};
use crate::primitives::permission;
use crate::primitives::script::{self, Destination, BLOCK_SIGNATURE};
use bitcoin::absolute::LockTime;
use bitcoin::block::{Header, Version};
use bitcoin::hashes::Hash;
use bitcoin::pow::{CompactTarget, Target};
use bitcoin::script::{Builder, PushBytesBuf};
use bitcoin::secp256k1::{ecdsa::Signature, Message, PublicKey};
use bitcoin::transaction::Version as TxVersion;
use bitcoin::{
    Amount, Block, BlockHash, OutPoint, Sequence, Transaction, TxIn, TxMerkleNode, TxOut, Txid,
    Witness,
};
use std::sync::Arc;

pub const GENESIS_VERSION: i32 = 1;
pub const BLOCK_VERSION: i32 = 3;
const SIG_HASH_NO_SIGNATURE_AND_NONCE: u8 = 2;

/// The easiest target allowed: `~0 >> pow-minimum-bits`, in compact form.
pub fn pow_limit(bits: u32) -> CompactTarget {
    let mut bytes = [0xffu8; 32];
    // Clear the top `bits` bits of the big-endian number.
    for (i, b) in bytes.iter_mut().enumerate() {
        let bit_start = i as u32 * 8;
        if bit_start + 8 <= bits {
            *b = 0;
        } else if bit_start < bits {
            *b = 0xff >> (bits - bit_start);
        }
    }
    Target::from_be_bytes(bytes).to_compact_lossy()
}

/// Work of one block at `bits` (`chainwork` increments).
pub fn block_work(bits: CompactTarget) -> bitcoin::pow::Work {
    Target::from_compact(bits).to_work()
}

fn push(data: Vec<u8>) -> PushBytesBuf {
    PushBytesBuf::try_from(data).expect("coinbase element fits a push")
}

/// Coinbase input script: the height (BIP34 style, as MultiChain does) and an extra tag.
fn coinbase_input(height: u32, extra: &[u8]) -> TxIn {
    // Height, an extra-nonce byte, and a tag: the layout MultiChain's coinbases show.
    let script_sig = Builder::new()
        .push_int(height as i64)
        .push_slice(push(vec![1]))
        .push_slice(push(extra.to_vec()))
        .into_script();
    TxIn {
        previous_output: OutPoint::null(),
        script_sig,
        sequence: Sequence::MAX,
        witness: Witness::new(),
    }
}

/// The coinbase of block `height` paying `reward` to the miner, before it is signed.
/// Like MultiChain, a zero-value miner output is kept only in block 1: later coinbases of a
/// chain without native currency hold nothing but the signature (and are not wallet
/// transactions).
pub fn unsigned_coinbase(height: u32, miner: &Address, reward: u64) -> Transaction {
    let mut output = Vec::new();
    if reward != 0 || height <= 1 {
        output.push(TxOut {
            value: Amount::from_sat(reward),
            script_pubkey: script::pay_to(miner, &[]),
        });
    }
    Transaction {
        version: TxVersion::ONE,
        lock_time: LockTime::ZERO,
        input: vec![coinbase_input(height, b"/P2SH/")],
        output,
    }
}

fn merkle_root(txs: &[Transaction]) -> TxMerkleNode {
    merkle_root_of(txs.iter().map(|t| t.compute_txid()))
}

fn merkle_root_of(txids: impl Iterator<Item = Txid>) -> TxMerkleNode {
    bitcoin::merkle_tree::calculate_root(txids.map(|t| t.to_raw_hash()))
        .map(TxMerkleNode::from_raw_hash)
        .unwrap_or_else(TxMerkleNode::all_zeros)
}

/// The hash the miner signs: header with nonce 0 and the merkle root without the signature.
fn signing_hash(header: &Header, unsigned_txs: &[Transaction]) -> Message {
    signing_hash_of(header, unsigned_txs.iter().map(|t| t.compute_txid()))
}

fn signing_hash_of(header: &Header, unsigned_txids: impl Iterator<Item = Txid>) -> Message {
    let mut h = *header;
    h.nonce = 0;
    h.merkle_root = merkle_root_of(unsigned_txids);
    Message::from_digest(h.block_hash().to_byte_array())
}

/// A block's header and its transactions by reference: a block held whole, or one this node
/// mines, whose transactions stay serialized in the mempool entries they came from. Copying
/// those into a `Block` kept a second, decoded copy of a block's worth of transactions (about
/// 20 MB for 35,000 publishes) in memory while the block was written.
pub struct BlockView<'a> {
    pub header: Header,
    /// The coinbase first.
    pub txdata: Vec<TxRef<'a>>,
}

/// One transaction of a [`BlockView`], decoded or serialized.
#[derive(Clone, Copy)]
pub enum TxRef<'a> {
    Decoded(&'a Transaction),
    Encoded(&'a [u8]),
}

impl TxRef<'_> {
    /// Serialized size.
    pub fn size(&self) -> usize {
        match self {
            TxRef::Decoded(tx) => tx.total_size(),
            TxRef::Encoded(bytes) => bytes.len(),
        }
    }

    pub fn encoded(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            TxRef::Decoded(tx) => std::borrow::Cow::Owned(bitcoin::consensus::serialize(*tx)),
            TxRef::Encoded(bytes) => std::borrow::Cow::Borrowed(bytes),
        }
    }

    /// The transaction, decoded if it is held serialized (whoever serialized it produced
    /// valid bytes).
    pub fn decoded(&self) -> std::borrow::Cow<'_, Transaction> {
        match self {
            TxRef::Decoded(tx) => std::borrow::Cow::Borrowed(*tx),
            TxRef::Encoded(bytes) => std::borrow::Cow::Owned(
                bitcoin::consensus::deserialize(bytes)
                    .expect("a block view holds transactions serialized by this node"),
            ),
        }
    }
}

impl<'a> BlockView<'a> {
    pub fn of(block: &'a Block) -> Self {
        BlockView {
            header: block.header,
            txdata: block.txdata.iter().map(TxRef::Decoded).collect(),
        }
    }

    pub fn block_hash(&self) -> BlockHash {
        self.header.block_hash()
    }

    /// Where the first transaction starts in the serialized block: after the header and the
    /// transaction count.
    pub fn first_tx_offset(&self) -> usize {
        80 + bitcoin::VarInt(self.txdata.len() as u64).size()
    }

    /// Serialized size, as `Block::total_size`.
    pub fn total_size(&self) -> usize {
        self.first_tx_offset() + self.txdata.iter().map(TxRef::size).sum::<usize>()
    }
}

/// A mined block's header and signed coinbase, and all its txids (the coinbase's first).
pub struct MinedHeader {
    pub header: Header,
    pub coinbase: Transaction,
    pub txids: Vec<Txid>,
}

/// Signs and solves a block on `prev` from a coinbase (unsigned) and the txids of the
/// transactions that follow it; the transactions themselves are not needed.
pub fn assemble_header(
    prev: BlockHash,
    time: u32,
    bits: CompactTarget,
    mut coinbase: Transaction,
    txids: Vec<Txid>,
    miner_key: &PrivateKey,
    skip_pow: bool,
) -> MinedHeader {
    let mut header = Header {
        version: Version::from_consensus(BLOCK_VERSION),
        prev_blockhash: prev,
        merkle_root: TxMerkleNode::all_zeros(),
        time,
        bits,
        nonce: 0,
    };
    let msg = signing_hash_of(
        &header,
        std::iter::once(coinbase.compute_txid()).chain(txids.iter().copied()),
    );
    let sig = secp()
        .sign_ecdsa(&msg, &miner_key.secret)
        .serialize_der()
        .to_vec();
    let pubkey = miner_key.public_key_bytes();
    let mut element = BLOCK_SIGNATURE.to_vec();
    element.push(sig.len() as u8);
    element.extend_from_slice(&sig);
    element.push(SIG_HASH_NO_SIGNATURE_AND_NONCE);
    element.push(pubkey.len() as u8);
    element.extend_from_slice(&pubkey);
    coinbase.output.push(TxOut {
        value: Amount::ZERO,
        script_pubkey: script::null_data(&[], Some(&element)),
    });
    let mut all_txids = Vec::with_capacity(txids.len() + 1);
    all_txids.push(coinbase.compute_txid());
    all_txids.extend(txids);
    header.merkle_root = merkle_root_of(all_txids.iter().copied());
    let target = Target::from_compact(bits);
    if !skip_pow {
        while !target.is_met_by(header.block_hash()) {
            header.nonce = header.nonce.wrapping_add(1);
        }
    }
    MinedHeader {
        header,
        coinbase,
        txids: all_txids,
    }
}

/// Builds, signs and solves a whole block on `prev` from a coinbase (unsigned) and
/// transactions with their txids; returns the block and all its txids, the coinbase's first.
/// Tests build whole blocks with it; the miner needs only [`assemble_header`].
#[cfg(test)]
pub fn assemble_block(
    prev: BlockHash,
    time: u32,
    bits: CompactTarget,
    coinbase: Transaction,
    transactions: Vec<(Txid, Transaction)>,
    miner_key: &PrivateKey,
    skip_pow: bool,
) -> (Block, Vec<Txid>) {
    let (txids, transactions): (Vec<Txid>, Vec<Transaction>) = transactions.into_iter().unzip();
    let mined = assemble_header(prev, time, bits, coinbase, txids, miner_key, skip_pow);
    let mut txdata = Vec::with_capacity(transactions.len() + 1);
    txdata.push(mined.coinbase);
    txdata.extend(transactions);
    (
        Block {
            header: mined.header,
            txdata,
        },
        mined.txids,
    )
}

/// The genesis block: one coinbase paying nothing to the genesis key, which thereby holds all
/// global permissions; the chain description rides in the coinbase input.
/// Deterministic: rebuilt from params.dat it gives the same block.
pub fn genesis_block(
    description: &str,
    genesis_pubkey: &[u8],
    time: u32,
    bits: CompactTarget,
    root_stream: Option<&RootStream>,
) -> Block {
    let admin = Address::PubKeyHash(crate::primitives::address::hash160(genesis_pubkey));
    let mut desc = description.as_bytes().to_vec();
    desc.truncate(90);
    let mut output = vec![TxOut {
        value: Amount::ZERO,
        script_pubkey: script::pay_to(&admin, &[]),
    }];
    if let Some(root) = root_stream {
        output.push(TxOut {
            value: Amount::ZERO,
            script_pubkey: script::null_data(&[root.element()], None),
        });
    }
    let coinbase = Transaction {
        version: TxVersion::ONE,
        lock_time: LockTime::ZERO,
        input: vec![coinbase_input(0, &desc)],
        output,
    };
    let txdata = vec![coinbase];
    let mut header = Header {
        version: Version::from_consensus(GENESIS_VERSION),
        prev_blockhash: BlockHash::all_zeros(),
        merkle_root: merkle_root(&txdata),
        time,
        bits,
        nonce: 0,
    };
    let target = Target::from_compact(bits);
    while !target.is_met_by(header.block_hash()) {
        header.nonce = header.nonce.wrapping_add(1);
    }
    Block { header, txdata }
}

/// The root stream the genesis block creates (`root-stream-name`, `root-stream-open`).
pub struct RootStream {
    pub name: String,
    pub open: bool,
}

impl RootStream {
    pub fn details(&self) -> crate::primitives::entity::Details {
        use crate::primitives::entity as ent;
        let mut d = ent::Details::default();
        let restricted = if self.open {
            0
        } else {
            crate::primitives::permission::WRITE as u8
        };
        d.set(ent::FIELD_PERMISSIONS, vec![restricted]);
        d.set(ent::FIELD_NAME, self.name.as_bytes().to_vec());
        d
    }

    fn element(&self) -> Vec<u8> {
        script::Element::NewEntity {
            kind: crate::primitives::entity::KIND_STREAM,
            details: self.details().encode(),
        }
        .encode()
    }
}

/// The miner's signature element in a coinbase, if any: (signature, hash type, pubkey).
fn find_signature(coinbase: &Transaction) -> Option<(usize, Vec<u8>, u8, Vec<u8>)> {
    for (i, o) in coinbase.output.iter().enumerate() {
        let Some(parsed) = script::parse(&o.script_pubkey) else {
            continue;
        };
        let Destination::NullData(Some(data)) = parsed.destination else {
            continue;
        };
        if data.len() < 4 || &data[..4] != BLOCK_SIGNATURE {
            continue;
        }
        let rest = &data[4..];
        let sig_len = *rest.first()? as usize;
        let sig = rest.get(1..1 + sig_len)?.to_vec();
        let hash_type = *rest.get(1 + sig_len)?;
        let key_len = *rest.get(2 + sig_len)? as usize;
        let key = rest.get(3 + sig_len..3 + sig_len + key_len)?.to_vec();
        return Some((i, sig, hash_type, key));
    }
    None
}

/// The address that signed a (non-genesis) block, if its signature is valid.
pub fn block_miner(block: &Block) -> Result<Address, BlockReject> {
    let coinbase = block
        .txdata
        .first()
        .ok_or_else(|| BlockReject::BadCoinbase("no coinbase".into()))?;
    let (index, sig, hash_type, key) =
        find_signature(coinbase).ok_or_else(|| BlockReject::BadSignature("missing".into()))?;
    if hash_type != SIG_HASH_NO_SIGNATURE_AND_NONCE {
        return Err(BlockReject::BadSignature("unsupported hash type".into()));
    }
    let mut unsigned = block.txdata.clone();
    unsigned[0].output.remove(index);
    let msg = signing_hash(&block.header, &unsigned);
    let pk =
        PublicKey::from_slice(&key).map_err(|_| BlockReject::BadSignature("bad key".into()))?;
    let mut signature =
        Signature::from_der(&sig).map_err(|_| BlockReject::BadSignature("bad encoding".into()))?;
    signature.normalize_s();
    secp()
        .verify_ecdsa(&msg, &signature, &pk)
        .map_err(|_| BlockReject::BadSignature("does not verify".into()))?;
    address_of_pubkey(&key).ok_or_else(|| BlockReject::BadSignature("bad key".into()))
}

/// What connecting a block does: effects per transaction, coinbase first.
#[derive(Debug, Default)]
pub struct BlockEffects {
    pub miner: Option<Address>,
    /// The block's txids in order, the coinbase's first.
    pub txids: Vec<Txid>,
    /// Shared with the mempool entries a locally mined block was made from.
    pub txs: Vec<Arc<TxEffects>>,
    pub delta: Delta,
    /// When this node first saw each transaction (block time if it came with the block).
    pub times: Vec<u32>,
}

/// Where the block goes: its height, the tip it must extend, the time of that tip, and the
/// miners of the last blocks (newest last) for mining diversity.
pub struct BlockContext<'a> {
    pub rules: &'a RuleParams,
    pub height: u32,
    pub prev_hash: BlockHash,
    pub prev_time: u32,
    pub active_miners: usize,
    pub recent_miners: &'a [Address],
}

/// Checks a block against the state at its parent and returns its effects.
pub fn check_block<V: StateView + ?Sized>(
    base: &V,
    ctx: &BlockContext,
    block: &Block,
) -> Result<BlockEffects, BlockReject> {
    let rules = ctx.rules;
    if block.header.prev_blockhash != ctx.prev_hash {
        return Err(BlockReject::NotOnTip);
    }
    if !rules.skip_pow {
        let target = Target::from_compact(block.header.bits);
        if block.header.bits != pow_limit(rules.pow_bits) || !target.is_met_by(block.block_hash()) {
            return Err(BlockReject::ProofOfWork);
        }
    }
    let txids: Vec<Txid> = block.txdata.iter().map(|t| t.compute_txid()).collect();
    if merkle_root_of(txids.iter().copied()) != block.header.merkle_root {
        return Err(BlockReject::BadMerkleRoot);
    }
    if bitcoin::consensus::encode::serialize(block).len() > rules.max_block_size {
        return Err(BlockReject::TooLarge);
    }
    if block.header.time < ctx.prev_time {
        return Err(BlockReject::TimeTooEarly);
    }
    let coinbase = block
        .txdata
        .first()
        .filter(|t| t.is_coinbase())
        .ok_or_else(|| BlockReject::BadCoinbase("first transaction is not a coinbase".into()))?;
    if block.txdata.iter().skip(1).any(|t| t.is_coinbase()) {
        return Err(BlockReject::BadCoinbase("more than one coinbase".into()));
    }
    let miner = block_miner(block)?;
    if !has_global(base, &rules.anyone, &miner, permission::MINE, ctx.height) {
        return Err(BlockReject::MinerNotPermitted);
    }
    let window = rules.diversity_spacing(ctx.height, ctx.active_miners) - 1;
    let recent = &ctx.recent_miners[ctx.recent_miners.len().saturating_sub(window)..];
    if recent.contains(&miner) {
        return Err(BlockReject::MiningDiversity);
    }

    let mut effects = BlockEffects {
        miner: Some(miner),
        txids,
        ..Default::default()
    };
    let tx_ctx = TxContext {
        rules,
        height: ctx.height,
        time: block.header.time,
        verify_signatures: true,
    };
    let mut fees: u64 = 0;
    for (index, tx) in block.txdata.iter().enumerate().skip(1) {
        let view = Overlay {
            base,
            delta: &effects.delta,
        };
        let mut checked = check_transaction_with_txid(&view, &tx_ctx, tx, effects.txids[index])
            .map_err(|reject| BlockReject::Transaction { index, reject })?;
        for (_, c) in checked.effects.created.iter_mut() {
            c.height = Some(ctx.height);
        }
        fees = fees.saturating_add(checked.fee);
        effects.delta.apply(&checked.effects);
        effects.txs.push(Arc::new(checked.effects));
    }
    // Each output, and their sum, within maximum-per-output (Bitcoin's MoneyRange; a block
    // from elsewhere may say anything).
    let paid = coinbase.output.iter().try_fold(0u64, |sum, o| {
        let value = o.value.to_sat();
        (value <= rules.max_per_output)
            .then_some(())
            .and_then(|_| sum.checked_add(value))
            .filter(|total| *total <= rules.max_per_output)
    });
    let Some(paid) = paid else {
        return Err(BlockReject::BadCoinbase("output value out of range".into()));
    };
    if paid > rules.block_reward(ctx.height).saturating_add(fees) {
        return Err(BlockReject::BadCoinbase(
            "pays more than reward and fees".into(),
        ));
    }
    let coinbase_effects = coinbase_effects(coinbase, ctx.height);
    effects.delta.apply(&coinbase_effects);
    effects.txs.insert(0, Arc::new(coinbase_effects));
    effects.times = vec![block.header.time; block.txdata.len()];
    Ok(effects)
}

/// The outputs a coinbase creates (spendable after `reward-spendable-delay`).
pub fn coinbase_effects(coinbase: &Transaction, height: u32) -> TxEffects {
    let txid = coinbase.compute_txid();
    let mut e = TxEffects::default();
    for (vout, o) in coinbase.output.iter().enumerate() {
        let spendable = script::parse(&o.script_pubkey)
            .map(|p| !matches!(p.destination, Destination::NullData(_)))
            .unwrap_or(false);
        if spendable {
            e.created.push((
                OutPoint {
                    txid,
                    vout: vout as u32,
                },
                Coin {
                    output: o.clone(),
                    height: Some(height),
                    coinbase: true,
                },
            ));
        }
    }
    e
}

/// Maps a rejected transaction inside a block to the transaction error.
pub fn tx_reject_of(e: &BlockReject) -> Option<&TxReject> {
    match e {
        BlockReject::Transaction { reject, .. } => Some(reject),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pow_limit_is_multichains_bits() {
        assert_eq!(pow_limit(8).to_consensus(), 0x2000ffff);
        let diff = Target::from_compact(pow_limit(8)).difficulty_float();
        assert_eq!(crate::jsonfmt::format_double(diff), "5.96046447753906e-8");
        assert_eq!(block_work(pow_limit(8)).to_be_bytes()[30..], [1, 0]);
    }

    /// A block mined from txids alone is the block assembled from the transactions, and its
    /// view reports the same size and hash.
    #[test]
    fn mined_header_and_view_match_the_whole_block() {
        let key = PrivateKey::generate();
        let txs: Vec<(Txid, Transaction)> = (2..5)
            .map(|h| {
                let tx = unsigned_coinbase(h, &key.address(), 1000 * h as u64);
                (tx.compute_txid(), tx)
            })
            .collect();
        let cb = unsigned_coinbase(1, &key.address(), 0);
        let (block, txids) = assemble_block(
            BlockHash::all_zeros(),
            1000,
            pow_limit(8),
            cb.clone(),
            txs.clone(),
            &key,
            false,
        );
        let mined = assemble_header(
            BlockHash::all_zeros(),
            1000,
            pow_limit(8),
            cb,
            txs.iter().map(|(txid, _)| *txid).collect(),
            &key,
            false,
        );
        assert_eq!(mined.header, block.header);
        assert_eq!(mined.txids, txids);
        assert_eq!(mined.coinbase, block.txdata[0]);
        let encoded: Vec<Vec<u8>> = txs
            .iter()
            .map(|(_, tx)| bitcoin::consensus::serialize(tx))
            .collect();
        let view = BlockView {
            header: mined.header,
            txdata: std::iter::once(TxRef::Decoded(&mined.coinbase))
                .chain(encoded.iter().map(|raw| TxRef::Encoded(raw)))
                .collect(),
        };
        assert_eq!(view.total_size(), block.total_size());
        assert_eq!(view.block_hash(), block.block_hash());
        assert_eq!(BlockView::of(&block).total_size(), block.total_size());
        for (tx, in_block) in view.txdata.iter().zip(&block.txdata) {
            assert_eq!(*tx.decoded(), *in_block);
            assert_eq!(*tx.encoded(), bitcoin::consensus::serialize(in_block));
        }
    }

    #[test]
    fn signed_block_names_its_miner() {
        let key = PrivateKey::generate();
        let cb = unsigned_coinbase(1, &key.address(), 0);
        let (block, txids) = assemble_block(
            BlockHash::all_zeros(),
            1000,
            pow_limit(8),
            cb,
            vec![],
            &key,
            false,
        );
        assert_eq!(txids, vec![block.txdata[0].compute_txid()]);
        assert_eq!(block_miner(&block), Ok(key.address()));
        assert!(Target::from_compact(block.header.bits).is_met_by(block.block_hash()));
        let mut forged = block.clone();
        forged.header.time += 1;
        assert!(block_miner(&forged).is_err());
    }
}
