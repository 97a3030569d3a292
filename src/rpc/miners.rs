//! `listminers`: every address with global mine permission, whether it may mine the next
//! block, how many blocks mining diversity makes it wait, the block it last made, and, for
//! this wallet's addresses, what this node's miner is doing — in MultiChain's fields, states
//! and order (fewest blocks to wait first, then the latest to have mined).

use super::args::{lenient_bool, Args};
use super::dispatch::{Handler, RpcContext};
use super::errors::RpcResult;
use crate::chain::rules::RuleParams;
use crate::chain::state::{PermissionKey, PermissionRecord};
use crate::primitives::address::Address;
use crate::primitives::permission;
use foldhash::HashMap;
use serde_json::{json, Map, Value};
use std::sync::atomic::Ordering;

pub const METHODS: [(&str, Handler); 1] = [("listminers", listminers)];

/// One address with (or once with) mine permission.
#[derive(Clone, Debug, PartialEq)]
struct Miner {
    address: Address,
    /// The confirmed range of blocks it may mine, end excluded.
    start: u32,
    end: u32,
    /// A change waiting in the mempool: `Some(true)` a grant, `Some(false)` a revocation.
    pending: Option<bool>,
    /// The last block it made; 0 for none.
    last_mined: u32,
}

impl Miner {
    fn permits(&self, height: u32) -> bool {
        self.start <= height && height < self.end
    }
}

/// A miner with what the next block means for it.
#[derive(Clone, Debug, PartialEq)]
struct Standing {
    miner: Miner,
    permitted: bool,
    /// Blocks to wait before it may mine; `None` when it may not within its range.
    wait: Option<u32>,
}

impl Standing {
    fn chain_state(&self) -> &'static str {
        match (self.permitted, self.wait, self.miner.pending) {
            (true, Some(w), _) if w > 0 => "waiting-mining-diversity",
            (true, None, _) => "waiting-mining-diversity",
            (true, _, Some(false)) => "mining-permitted-pending-revoke",
            (true, _, _) => "mining-permitted",
            (false, _, Some(true)) => "pending-mine-permissions",
            (false, _, _) => "no-mine-permissions",
        }
    }
}

/// MultiChain's reckoning: a permitted miner waits while diversity bars it and it is still
/// in range (counting the miners permitted at each block); one whose range starts later
/// waits for the start.
fn standings(miners: Vec<Miner>, next: u32, rules: &RuleParams) -> Vec<Standing> {
    let permitted_at = |h: u32| miners.iter().filter(|m| m.permits(h)).count();
    let mut out: Vec<Standing> = miners
        .iter()
        .map(|m| {
            let permitted = m.permits(next);
            let wait = if permitted {
                let mut at = next;
                while m.permits(at) && rules.barred_by_diversity(at, m.last_mined, permitted_at(at))
                {
                    at += 1;
                }
                m.permits(at).then_some(at - next)
            } else if m.start < m.end && m.start > next {
                Some(m.start - next)
            } else {
                None
            };
            Standing {
                miner: m.clone(),
                permitted,
                wait,
            }
        })
        .collect();
    // Stable, so equals keep the permission database's order.
    out.sort_by(|a, b| {
        let wait = |s: &Standing| s.wait.unwrap_or(i32::MAX as u32);
        wait(a)
            .cmp(&wait(b))
            .then(b.miner.last_mined.cmp(&a.miner.last_mined))
    });
    out
}

/// Addresses with a global mine permission row, confirmed or waiting, in the order of
/// MultiChain's permission database (the address's hash), with their last blocks.
fn miners(
    chain: &HashMap<Address, Range>,
    waiting: &HashMap<Address, Range>,
    blocks_by: impl Iterator<Item = (u32, Option<Address>)>,
) -> Vec<Miner> {
    let mut addresses: Vec<Address> = chain.keys().chain(waiting.keys()).copied().collect();
    addresses.sort_by_key(|a| (*a.hash(), a.is_script()));
    addresses.dedup();
    let mut last: HashMap<Address, u32> = HashMap::default();
    for (height, miner) in blocks_by {
        if let Some(a) = miner.filter(|a| chain.contains_key(a) || waiting.contains_key(a)) {
            last.entry(a).or_insert(height);
        }
        if last.len() == addresses.len() {
            break;
        }
    }
    addresses
        .into_iter()
        .map(|a| {
            let (start, end) = chain.get(&a).copied().unwrap_or((0, 0));
            Miner {
                address: a,
                start,
                end,
                pending: waiting.get(&a).map(|(start, end)| start < end),
                last_mined: last.get(&a).copied().unwrap_or(0),
            }
        })
        .collect()
}

/// A permission's blocks: first, and end (excluded).
type Range = (u32, u32);

/// The global mine permission rows among `rows`: their ranges by address.
fn mine_rows<'a>(
    rows: impl Iterator<Item = (&'a PermissionKey, &'a PermissionRecord)>,
) -> HashMap<Address, Range> {
    rows.filter(|(k, _)| k.entity.is_none() && k.bit == permission::MINE)
        .map(|(k, r)| (k.address, (r.start, r.end)))
        .collect()
}

fn listminers(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(0, 1)?;
    let verbose = args.get(0).is_some_and(lenient_bool);
    let node = &ctx.node;
    let st = node.state.read();
    let next = st.next_height();
    let chain = mine_rows(st.chain.permissions.iter());
    let waiting = mine_rows(st.mempool.delta.permissions.iter());
    // Latest first; the genesis block counts as no block, as in MultiChain.
    let blocks = st
        .blocks
        .iter()
        .enumerate()
        .skip(1)
        .rev()
        .map(|(h, b)| (h as u32, b.miner));
    let standings = standings(miners(&chain, &waiting, blocks), next, &node.rules);
    let chosen = node.miner_address(&st);
    let local_state = |s: &Standing, chain_state: &str| -> String {
        if !(s.permitted && s.wait == Some(0)) {
            return chain_state.to_string();
        }
        let state = if chosen.is_none() {
            "selecting-local-address"
        } else if !node.generate.load(Ordering::SeqCst) {
            "disabled-by-gen-parameter"
        } else if node.mining_paused.load(Ordering::SeqCst) {
            "mining-paused"
        } else if node.waiting_for_transactions(&st) {
            "waiting-new-transactions"
        } else if chosen == Some(s.miner.address) {
            "waiting-block-time"
        } else {
            "other-local-address-preferred"
        };
        state.to_string()
    };
    let rows = standings.iter().map(|s| {
        let local = !s.miner.address.is_script() && st.wallet.is_mine(&s.miner.address);
        let chain_state = s.chain_state();
        let mut m = Map::new();
        m.insert(
            "address".into(),
            json!(node.format.encode_address(&s.miner.address)),
        );
        m.insert("islocal".into(), json!(local));
        m.insert("permitted".into(), json!(s.permitted));
        m.insert("diversitywaitblocks".into(), json!(s.wait));
        if verbose {
            m.insert("startblock".into(), json!(s.miner.start));
            m.insert("endblock".into(), json!(s.miner.end));
        }
        let last = s.miner.last_mined;
        m.insert("lastmined".into(), json!((last > 0).then_some(last)));
        m.insert("chainstate".into(), json!(chain_state));
        m.insert(
            "localstate".into(),
            json!(local.then(|| local_state(s, chain_state))),
        );
        Value::Object(m)
    });
    Ok(Value::Array(rows.collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ChainParams;

    fn rules(diversity: f64) -> RuleParams {
        let mut r = RuleParams::from_params(&ChainParams::create("miners", &[]).unwrap());
        r.setup_blocks = 0;
        r.mining_diversity = diversity;
        r
    }

    fn miner(n: u8, start: u32, end: u32, last_mined: u32) -> Miner {
        Miner {
            address: Address::PubKeyHash([n; 20]),
            start,
            end,
            pending: None,
            last_mined,
        }
    }

    #[test]
    fn diversity_makes_recent_miners_wait_and_sorts_them_last() {
        // Three miners, diversity 1: each may mine one block in three.
        let list = vec![
            miner(1, 0, u32::MAX, 99),
            miner(2, 0, u32::MAX, 98),
            miner(3, 0, u32::MAX, 97),
        ];
        let got = standings(list, 100, &rules(1.0));
        let waits: Vec<(u8, Option<u32>)> = got
            .iter()
            .map(|s| (*s.miner.address.hash().first().unwrap(), s.wait))
            .collect();
        assert_eq!(waits, [(3, Some(0)), (2, Some(1)), (1, Some(2))]);
        assert_eq!(got[0].chain_state(), "mining-permitted");
        assert_eq!(got[1].chain_state(), "waiting-mining-diversity");
    }

    #[test]
    fn ranges_decide_permitted_and_waiting_for_a_later_start() {
        let list = vec![
            miner(1, 0, 0, 0),
            miner(2, 105, 200, 0),
            miner(3, 0, u32::MAX, 50),
        ];
        let got = standings(list, 100, &rules(0.3));
        assert_eq!(got[0].miner.address, Address::PubKeyHash([3; 20]));
        assert!(got[0].permitted);
        assert_eq!(got[1].wait, Some(5));
        assert_eq!(got[1].chain_state(), "no-mine-permissions");
        assert_eq!(got[2].wait, None);
        let mut revoked = miner(4, 0, u32::MAX, 0);
        revoked.pending = Some(false);
        let mut granted = miner(5, 0, 0, 0);
        granted.pending = Some(true);
        let got = standings(vec![revoked, granted], 100, &rules(0.3));
        assert_eq!(got[0].chain_state(), "mining-permitted-pending-revoke");
        assert_eq!(got[1].chain_state(), "pending-mine-permissions");
    }

    #[test]
    fn the_last_block_of_each_miner_is_its_latest() {
        let a = Address::PubKeyHash([1; 20]);
        let b = Address::PubKeyHash([2; 20]);
        let chain: HashMap<Address, Range> = [(a, (0, u32::MAX)), (b, (0, u32::MAX))]
            .into_iter()
            .collect();
        let blocks = vec![(5, Some(a)), (4, Some(b)), (3, Some(a)), (2, None)];
        let got = miners(&chain, &HashMap::default(), blocks.into_iter());
        assert_eq!(got.iter().map(|m| m.last_mined).collect::<Vec<_>>(), [5, 4]);
    }
}
