//! Bitcoin's wallet views that MultiChain 2.3's scalable wallet still answers:
//! - `gettransaction "txid" ( includeWatchonly )`: the native amount a transaction moved for
//!   the wallet, the fee, where it is, `details` in Bitcoin's send/receive entries, its hex;
//! - `listsinceblock ( "blockhash" target-confirmations includeWatchonly )`: those entries for
//!   every wallet transaction after a block.
//!
//! Which outputs are "change" and left out follows MultiChain's `GetAmounts`: a transaction
//! from the wallet lists what it paid to others, unless it paid only the wallet (then every
//! output).

use super::args::Args;
use super::control::native_signed as native;
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_TX_NOT_FOUND};
use crate::node::NodeState;
use crate::primitives::address::Address;
use crate::primitives::script;
use crate::wallet::history::WalletTx;
use bitcoin::blockdata::opcodes::all::OP_RETURN;
use bitcoin::{Transaction, TxOut, Txid};
use serde_json::{json, Map, Value};

pub const METHODS: [(&str, Handler); 2] = [
    ("gettransaction", gettransaction),
    ("listsinceblock", listsinceblock),
];

/// Whose an output is, for the wallet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Owner {
    Nobody,
    Mine,
    WatchOnly,
}

/// One output as `details` lists it.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    address: Option<Address>,
    amount: i64,
    vout: usize,
    watch_only: bool,
}

/// What the wallet makes of a transaction: MultiChain's `GetAmounts`, and the sums for the
/// top-level `amount` and `fee`.
#[derive(Debug, PartialEq)]
struct Amounts {
    sent: Vec<Entry>,
    received: Vec<Entry>,
    /// Inputs' value less outputs' when the wallet paid (`details`' fee, positive).
    fee: i64,
    from_me: bool,
    /// Outputs to the wallet less the wallet's inputs.
    net: i64,
    value_out: i64,
    debit: i64,
    /// An input is the wallet's watch-only address.
    watch_only_input: bool,
}

/// `spent[i]` is the output input `i` spends (`None` for a coinbase or one not found).
fn amounts(
    tx: &Transaction,
    spent: &[Option<TxOut>],
    owner: impl Fn(&TxOut) -> Owner,
    counted: impl Fn(Owner) -> bool,
) -> Amounts {
    let input_owners: Vec<Owner> = spent
        .iter()
        .map(|o| o.as_ref().map_or(Owner::Nobody, &owner))
        .collect();
    let debit: i64 = spent
        .iter()
        .zip(&input_owners)
        .filter(|(_, w)| counted(**w))
        .filter_map(|(o, _)| o.as_ref())
        .map(|o| o.value.to_sat() as i64)
        .sum();
    let from_me = input_owners.iter().any(|w| counted(*w));
    let exchange = from_me && input_owners.iter().any(|w| !counted(*w));
    let unspendable = |o: &TxOut| o.script_pubkey.as_bytes().first() == Some(&OP_RETURN.to_u8());
    let value_out: i64 = tx.output.iter().map(|o| o.value.to_sat() as i64).sum();
    let to_self = from_me
        && !exchange
        && tx
            .output
            .iter()
            .filter(|o| !unspendable(o))
            .all(|o| counted(owner(o)));
    let (mut sent, mut received) = (Vec::new(), Vec::new());
    let mut credit = 0;
    for (vout, o) in tx.output.iter().enumerate() {
        let who = owner(o);
        if counted(who) {
            credit += o.value.to_sat() as i64;
        }
        if unspendable(o) {
            continue;
        }
        let mine = counted(who);
        // Change: the wallet's own output of a payment to others.
        if (from_me && !to_self && mine) || (!from_me && !mine) {
            continue;
        }
        let entry = Entry {
            address: script::parse(&o.script_pubkey).and_then(|p| p.address()),
            amount: o.value.to_sat() as i64,
            vout,
            watch_only: who == Owner::WatchOnly,
        };
        if from_me {
            sent.push(entry.clone());
        }
        if mine {
            received.push(entry);
        }
    }
    Amounts {
        sent,
        received,
        fee: if debit > 0 { debit - value_out } else { 0 },
        from_me,
        net: credit - debit,
        value_out,
        debit,
        watch_only_input: input_owners.contains(&Owner::WatchOnly),
    }
}

/// A wallet transaction with what the wallet makes of it.
struct Analysed {
    tx: Transaction,
    txid: Txid,
    place: Option<(u32, u32)>,
    depth: u32,
    /// When this node first saw it (its wallet history record's time).
    received: u32,
    amounts: Amounts,
}

/// The transaction of a wallet history record as the wallet sees it, counting watch-only
/// addresses as the wallet's or not.
fn analyse(
    ctx: &RpcContext,
    st: &NodeState,
    rec: &WalletTx,
    watch_only: bool,
) -> RpcResult<Option<Analysed>> {
    let Some((tx, place)) = super::raw::find_transaction_in(ctx, st, &rec.txid)? else {
        return Ok(None);
    };
    let mut spent = Vec::with_capacity(tx.input.len());
    for input in &tx.input {
        let prev = &input.previous_output;
        let found = match tx.is_coinbase() {
            true => None,
            false => super::raw::find_transaction_in(ctx, st, &prev.txid)?
                .and_then(|(t, _)| t.output.get(prev.vout as usize).cloned()),
        };
        spent.push(found);
    }
    let owner = |o: &TxOut| match script::parse(&o.script_pubkey).and_then(|p| p.address()) {
        Some(a) if st.wallet.is_mine(&a) => Owner::Mine,
        Some(a) if st.wallet.is_watch_only(&a) => Owner::WatchOnly,
        _ => Owner::Nobody,
    };
    let counted = |w: Owner| w == Owner::Mine || (watch_only && w == Owner::WatchOnly);
    let amounts = amounts(&tx, &spent, owner, counted);
    let depth = place.map_or(0, |(h, _)| st.tip_height().saturating_sub(h) + 1);
    Ok(Some(Analysed {
        tx,
        txid: rec.txid,
        place,
        depth,
        received: rec.time,
        amounts,
    }))
}

fn gettransaction(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(1, 2)?;
    let text = args.str(0)?;
    let watch_only = args.opt_bool(1, false)?;
    let rec = super::wallettx::wallet_record(ctx, text)?;
    let st = ctx.node.state.read();
    let t = analyse(ctx, &st, &rec, watch_only)?
        .ok_or_else(|| RpcError::new(RPC_TX_NOT_FOUND, "Invalid or non-wallet transaction id"))?;
    let a = &t.amounts;
    let mut m = Map::new();
    let top_fee = if a.from_me { a.value_out - a.debit } else { 0 };
    m.insert("amount".into(), native(ctx, a.net - top_fee));
    if a.from_me {
        m.insert("fee".into(), native(ctx, top_fee));
    }
    wallet_tx_fields(&st, &mut m, &t);
    let details = details(ctx, &t).into_iter().map(Value::Object).collect();
    m.insert("details".into(), Value::Array(details));
    m.insert(
        "hex".into(),
        json!(hex::encode(bitcoin::consensus::encode::serialize(&t.tx))),
    );
    Ok(Value::Object(m))
}

fn listsinceblock(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 3)?;
    let since = args.opt_str(0)?;
    let target = args.opt_int(1, 1)?;
    if target < 1 {
        return Err(RpcError::invalid_parameter("Invalid parameter"));
    }
    let watch_only = args.opt_bool(2, false)?;
    let st = ctx.node.state.read();
    // An unknown or unreadable hash lists every transaction, as MultiChain.
    let since: Option<usize> = since
        .and_then(|s| s.parse::<bitcoin::BlockHash>().ok())
        .and_then(|hash| st.blocks.iter().rposition(|b| b.hash == hash));
    let first_block = since.map_or(0, |h| h as u32 + 1);
    let ledger = &ctx.node.ledger;
    // Wallet records are in acceptance order, so in block order: the first one at or after
    // `first_block` is found by halving, as MultiChain finds it. A record's height is its
    // transaction's place in the index (past every block while in the mempool).
    let height_of = |seq: u64| -> RpcResult<Option<(u32, WalletTx)>> {
        let Some(rec) = ledger.wallet_tx(seq)? else {
            return Ok(None);
        };
        let height = match st.mempool.contains(&rec.txid) {
            true => u32::MAX,
            false => ledger.tx_location(&rec.txid)?.map_or(u32::MAX, |(h, _)| h),
        };
        Ok(Some((height, rec)))
    };
    let count = st.wallet_tx_count();
    let (mut low, mut high) = (0u64, count);
    while low < high {
        let mid = low + (high - low) / 2;
        match height_of(mid)? {
            Some((h, _)) if h >= first_block => high = mid,
            _ => low = mid + 1,
        }
    }
    let mut records = std::collections::BTreeMap::new();
    for seq in low..count {
        if let Some((h, rec)) = height_of(seq)? {
            let counted = watch_only || rec.mine.iter().any(|a| st.wallet.is_mine(a));
            if h >= first_block && counted {
                // MultiChain's set of hashes: ordered as 256-bit numbers, as their hex reads.
                records.insert(rec.txid.to_string(), rec);
            }
        }
    }
    let mut transactions = Vec::new();
    for rec in records.values() {
        let Some(t) = analyse(ctx, &st, rec, watch_only)? else {
            continue;
        };
        for mut entry in details(ctx, &t) {
            wallet_tx_fields(&st, &mut entry, &t);
            transactions.push(Value::Object(entry));
        }
    }
    let last = st.tip_height() as i64 + 1 - target;
    let last_block = usize::try_from(last)
        .ok()
        .and_then(|h| st.blocks.get(h))
        .map_or("0".repeat(64), |b| b.hash.to_string());
    Ok(json!({"transactions": transactions, "lastblock": last_block}))
}

/// MultiChain's `WalletTxToJSON` for its scalable wallet.
fn wallet_tx_fields(st: &NodeState, m: &mut Map<String, Value>, t: &Analysed) {
    m.insert("confirmations".into(), json!(t.depth));
    if t.tx.is_coinbase() {
        m.insert("generated".into(), json!(true));
    }
    let received = t.received;
    let mut time = received;
    if let Some((h, i)) = t.place {
        if let Some(b) = st.blocks.get(h as usize) {
            m.insert("blockhash".into(), json!(b.hash.to_string()));
            m.insert("blockheight".into(), json!(h));
            m.insert("blockindex".into(), json!(i));
            m.insert("blocktime".into(), json!(b.time));
            time = time.min(b.time);
        }
    }
    m.insert("txid".into(), json!(t.txid.to_string()));
    m.insert("walletconflicts".into(), json!([]));
    m.insert("valid".into(), json!(true));
    m.insert("time".into(), json!(time));
    m.insert("timereceived".into(), json!(received));
}

/// MultiChain's `ListTransactions` for one transaction, every account, short form.
fn details(ctx: &RpcContext, t: &Analysed) -> Vec<Map<String, Value>> {
    let a = &t.amounts;
    let entry = |e: &Entry, category: &str, amount: i64| {
        let mut m = Map::new();
        if a.watch_only_input || e.watch_only {
            m.insert("involvesWatchonly".into(), json!(true));
        }
        m.insert("account".into(), json!(""));
        if let Some(address) = &e.address {
            m.insert(
                "address".into(),
                json!(ctx.node.format.encode_address(address)),
            );
        }
        m.insert("category".into(), json!(category));
        m.insert("amount".into(), native(ctx, amount));
        m.insert("vout".into(), json!(e.vout));
        m
    };
    let mut out = Vec::new();
    if !a.sent.is_empty() || a.fee != 0 {
        for e in &a.sent {
            let mut m = entry(e, "send", -e.amount);
            m.insert("fee".into(), native(ctx, -a.fee));
            out.push(m);
        }
    }
    let category = if !t.tx.is_coinbase() {
        "receive"
    } else if t.depth < 1 {
        "orphan"
    } else if ctx.node.rules.spendable_delay as i64 + 1 - t.depth as i64 > 0 {
        "immature"
    } else {
        "generate"
    };
    for e in &a.received {
        out.push(entry(e, category, e.amount));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::{Amount, OutPoint, ScriptBuf, TxIn};

    fn pay(to: u8, value: u64) -> TxOut {
        TxOut {
            value: Amount::from_sat(value),
            script_pubkey: script::pay_to(&Address::PubKeyHash([to; 20]), &[]),
        }
    }

    fn tx(inputs: usize, outputs: Vec<TxOut>) -> Transaction {
        Transaction {
            version: bitcoin::transaction::Version::ONE,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: (0..inputs)
                .map(|i| TxIn {
                    previous_output: OutPoint::new(Txid::from_byte_array([i as u8 + 1; 32]), 0),
                    ..Default::default()
                })
                .collect(),
            output: outputs,
        }
    }

    /// Address byte 1 is the wallet's, 2 watch-only, anything else someone else's.
    fn owner(o: &TxOut) -> Owner {
        match script::parse(&o.script_pubkey).and_then(|p| p.address()) {
            Some(Address::PubKeyHash(h)) if h[0] == 1 => Owner::Mine,
            Some(Address::PubKeyHash(h)) if h[0] == 2 => Owner::WatchOnly,
            _ => Owner::Nobody,
        }
    }

    fn mine(w: Owner) -> bool {
        w == Owner::Mine
    }

    use bitcoin::hashes::Hash;

    #[test]
    fn a_payment_lists_what_went_to_others_not_the_change() {
        let t = tx(1, vec![pay(9, 300), pay(1, 690)]);
        let a = amounts(&t, &[Some(pay(1, 1000))], owner, mine);
        assert_eq!(a.sent.len(), 1);
        assert_eq!((a.sent[0].vout, a.sent[0].amount), (0, 300));
        assert!(a.received.is_empty());
        assert_eq!(a.fee, 10);
        assert_eq!(a.net, -310);
    }

    #[test]
    fn a_payment_to_the_wallet_alone_lists_every_output_both_ways() {
        let data = TxOut {
            value: Amount::ZERO,
            script_pubkey: ScriptBuf::from_bytes(vec![OP_RETURN.to_u8(), 1, 7]),
        };
        let t = tx(1, vec![pay(1, 0), data, pay(1, 0)]);
        let a = amounts(&t, &[Some(pay(1, 0))], owner, mine);
        assert_eq!(a.sent.iter().map(|e| e.vout).collect::<Vec<_>>(), [0, 2]);
        assert_eq!(
            a.received.iter().map(|e| e.vout).collect::<Vec<_>>(),
            [0, 2]
        );
    }

    #[test]
    fn a_receipt_lists_only_the_wallets_outputs() {
        let t = tx(1, vec![pay(9, 5), pay(1, 7), pay(2, 3)]);
        let a = amounts(&t, &[Some(pay(9, 20))], owner, mine);
        assert!(!a.from_me && a.sent.is_empty());
        assert_eq!(a.received.iter().map(|e| e.vout).collect::<Vec<_>>(), [1]);
        assert_eq!(a.net, 7);
        // With watch-only addresses counted, their output too.
        let a = amounts(&t, &[Some(pay(9, 20))], owner, |w| w != Owner::Nobody);
        assert_eq!(a.received.len(), 2);
        assert!(a.received[1].watch_only);
    }

    #[test]
    fn an_exchange_with_someone_elses_input_keeps_the_wallets_outputs_as_change() {
        let t = tx(2, vec![pay(1, 10), pay(9, 10)]);
        let a = amounts(&t, &[Some(pay(1, 10)), Some(pay(9, 10))], owner, mine);
        assert!(a.from_me);
        assert_eq!(a.sent.iter().map(|e| e.vout).collect::<Vec<_>>(), [1]);
        assert!(a.received.is_empty());
    }
}
