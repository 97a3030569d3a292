//! Rule tests without I/O: permissions enforced at acceptance and again at block connection.

use super::block::{self, check_block, BlockContext};
use super::rules::{check_transaction, RuleParams, TxContext};
use super::state::{has_global, ChainState, Coin, Delta, Overlay, PermissionKey, PermissionRecord};
use super::verify::sign_input;
use super::{BlockReject, TxReject};
use crate::params::ChainParams;
use crate::primitives::address::Address;
use crate::primitives::keys::PrivateKey;
use crate::primitives::permission::*;
use crate::primitives::script::{self, PermissionGrant};
use bitcoin::absolute::LockTime;
use bitcoin::hashes::Hash;
use bitcoin::transaction::Version;
use bitcoin::{
    Amount, BlockHash, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness,
};

struct Fixture {
    state: ChainState,
    rules: RuleParams,
    admin: PrivateKey,
    next_coin: u8,
}

fn record(seq: u64) -> PermissionRecord {
    PermissionRecord {
        start: 0,
        end: u32::MAX,
        timestamp: 0,
        admins: vec![],
        seq,
    }
}

impl Fixture {
    fn new() -> Self {
        let params = ChainParams::create("rules", &[]).unwrap();
        let admin = PrivateKey::generate();
        let mut f = Fixture {
            state: ChainState::default(),
            rules: RuleParams::from_params(&params),
            admin,
            next_coin: 1,
        };
        for bit in [MINE, ADMIN, ACTIVATE, CONNECT, SEND, RECEIVE, ISSUE, CREATE] {
            f.set_permission(&admin.address(), bit, 0, u32::MAX);
        }
        f
    }

    fn set_permission(&mut self, a: &Address, bit: u32, start: u32, end: u32) {
        let seq = self.state.next_seq;
        self.state.next_seq += 1;
        self.state.permissions.insert(
            PermissionKey {
                entity: None,
                address: *a,
                bit,
            },
            PermissionRecord {
                start,
                end,
                ..record(seq)
            },
        );
    }

    /// A confirmed 0-value coin of `key`.
    fn coin_for(&mut self, key: &PrivateKey) -> (OutPoint, ScriptBuf) {
        let op = OutPoint {
            txid: Txid::from_byte_array([self.next_coin; 32]),
            vout: 0,
        };
        self.next_coin += 1;
        let spk = script::pay_to(&key.address(), &[]);
        self.state.coins.insert(
            op,
            Coin {
                output: TxOut {
                    value: Amount::ZERO,
                    script_pubkey: spk.clone(),
                },
                height: Some(0),
                coinbase: false,
            },
        );
        (op, spk)
    }

    /// A grant of `bits` to `to`, signed by `from`.
    fn grant_tx(
        &mut self,
        from: &PrivateKey,
        to: &Address,
        bits: u32,
        start: u32,
        end: u32,
    ) -> Transaction {
        let (op, spk) = self.coin_for(from);
        let g = PermissionGrant {
            bits,
            start,
            end,
            timestamp: 1,
        };
        let mut tx = Transaction {
            version: Version::ONE,
            lock_time: LockTime::ZERO,
            input: vec![TxIn {
                previous_output: op,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output: vec![
                TxOut {
                    value: Amount::ZERO,
                    script_pubkey: script::pay_to(to, &[g.encode()]),
                },
                TxOut {
                    value: Amount::ZERO,
                    script_pubkey: spk.clone(),
                },
            ],
        };
        sign_input(&mut tx, 0, &spk, from).unwrap();
        tx
    }

    fn check(&self, tx: &Transaction) -> Result<super::rules::CheckedTx, TxReject> {
        let ctx = TxContext {
            rules: &self.rules,
            height: 1,
            time: 0,
            verify_signatures: true,
        };
        check_transaction(&self.state, &ctx, tx)
    }
}

#[test]
fn admin_grant_is_accepted_and_sets_records() {
    let mut f = Fixture::new();
    let user = PrivateKey::generate().address();
    let admin = f.admin;
    let tx = f.grant_tx(&admin, &user, CONNECT | SEND | RECEIVE, 0, u32::MAX);
    let checked = f.check(&tx).unwrap();
    let granted: Vec<u32> = checked
        .effects
        .permissions
        .iter()
        .map(|(k, _, _)| k.bit)
        .collect();
    assert_eq!(granted, vec![CONNECT, SEND, RECEIVE]);
    assert!(checked
        .effects
        .permissions
        .iter()
        .all(|(_, prev, new)| prev.is_none() && new.admins == vec![admin.address()]));
}

#[test]
fn grant_signed_by_a_non_admin_is_rejected() {
    let mut f = Fixture::new();
    let user = PrivateKey::generate();
    f.set_permission(&user.address(), SEND, 0, u32::MAX);
    let tx = f.grant_tx(&user, &user.address(), ADMIN, 0, u32::MAX);
    assert_eq!(
        f.check(&tx).unwrap_err(),
        TxReject::invalid("Inputs don't belong to valid admin")
    );
}

#[test]
fn activate_may_grant_connect_but_not_mine() {
    let mut f = Fixture::new();
    let activator = PrivateKey::generate();
    f.set_permission(&activator.address(), SEND, 0, u32::MAX);
    f.set_permission(&activator.address(), ACTIVATE, 0, u32::MAX);
    let target = PrivateKey::generate().address();
    let ok = f.grant_tx(&activator, &target, CONNECT | SEND, 0, u32::MAX);
    assert!(f.check(&ok).is_ok());
    let bad = f.grant_tx(&activator, &target, MINE, 0, u32::MAX);
    assert!(f.check(&bad).is_err());
}

#[test]
fn spending_without_send_permission_is_rejected() {
    let mut f = Fixture::new();
    let user = PrivateKey::generate();
    let tx = f.grant_tx(&user, &user.address(), CONNECT, 0, u32::MAX);
    assert_eq!(
        f.check(&tx).unwrap_err(),
        TxReject::invalid("Input 0 doesn't have send permission")
    );
}

#[test]
fn timed_permissions_hold_only_inside_their_range() {
    let mut f = Fixture::new();
    let user = PrivateKey::generate().address();
    f.set_permission(&user, SEND, 5, 10);
    let anyone = f.rules.anyone;
    assert!(!has_global(&f.state, &anyone, &user, SEND, 4));
    assert!(has_global(&f.state, &anyone, &user, SEND, 5));
    assert!(has_global(&f.state, &anyone, &user, SEND, 9));
    assert!(!has_global(&f.state, &anyone, &user, SEND, 10));
}

#[test]
fn revocation_leaves_an_empty_range() {
    let mut f = Fixture::new();
    let user = PrivateKey::generate().address();
    let admin = f.admin;
    let tx = f.grant_tx(&admin, &user, SEND, 0, 0);
    let checked = f.check(&tx).unwrap();
    let (_, _, rec) = &checked.effects.permissions[0];
    assert!(!rec.is_listed());
    assert!(!rec.active_at(0));
}

#[test]
fn grant_outputs_need_no_receive_permission_but_value_does() {
    let mut f = Fixture::new();
    let stranger = PrivateKey::generate().address();
    let admin = f.admin;
    let mut tx = f.grant_tx(&admin, &stranger, CONNECT, 0, u32::MAX);
    assert!(f.check(&tx).is_ok());
    // A plain output carrying metadata other than grants would need receive; a plain
    // 0-value output is "empty" and allowed by anyone-can-receive-empty.
    tx.output.push(TxOut {
        value: Amount::ZERO,
        script_pubkey: script::pay_to(&stranger, &[]),
    });
    let spk = f.state.coins[&tx.input[0].previous_output]
        .output
        .script_pubkey
        .clone();
    sign_input(&mut tx, 0, &spk, &admin).unwrap();
    assert!(f.check(&tx).is_ok());
    f.rules.anyone.receive_empty = false;
    assert_eq!(
        f.check(&tx).unwrap_err(),
        TxReject::invalid("One of the outputs doesn't have receive permission")
    );
}

#[test]
fn tampered_signature_is_rejected() {
    let mut f = Fixture::new();
    let user = PrivateKey::generate().address();
    let admin = f.admin;
    let mut tx = f.grant_tx(&admin, &user, CONNECT, 0, u32::MAX);
    tx.output[0].script_pubkey = script::pay_to(&PrivateKey::generate().address(), &[]);
    assert!(matches!(f.check(&tx), Err(TxReject::Rejected { .. })));
}

fn block_ctx<'a>(rules: &'a RuleParams, recent: &'a [Address]) -> BlockContext<'a> {
    BlockContext {
        rules,
        height: 1,
        prev_hash: BlockHash::all_zeros(),
        prev_time: 0,
        active_miners: 1,
        recent_miners: recent,
    }
}

#[test]
fn blocks_recheck_every_rule() {
    let mut f = Fixture::new();
    let user = PrivateKey::generate();
    f.set_permission(&user.address(), SEND, 0, u32::MAX);
    let admin = f.admin;
    let good = f.grant_tx(&admin, &user.address(), CONNECT, 0, u32::MAX);
    let bad = f.grant_tx(&user, &user.address(), ADMIN, 0, u32::MAX);
    let bits = block::pow_limit(f.rules.pow_bits);
    let make = |txs: Vec<Transaction>, miner: &PrivateKey| {
        let cb = block::unsigned_coinbase(1, &miner.address(), 0);
        let txs = txs.into_iter().map(|t| (t.compute_txid(), t)).collect();
        block::assemble_block(BlockHash::all_zeros(), 10, bits, cb, txs, miner, false).0
    };
    let ok = check_block(
        &f.state,
        &block_ctx(&f.rules, &[]),
        &make(vec![good.clone()], &admin),
    )
    .unwrap();
    assert_eq!(ok.txs.len(), 2);
    let err = check_block(
        &f.state,
        &block_ctx(&f.rules, &[]),
        &make(vec![good, bad], &admin),
    )
    .unwrap_err();
    assert_eq!(
        err,
        BlockReject::Transaction {
            index: 2,
            reject: TxReject::invalid("Inputs don't belong to valid admin")
        }
    );
    // A miner without `mine` cannot make blocks.
    let err = check_block(&f.state, &block_ctx(&f.rules, &[]), &make(vec![], &user)).unwrap_err();
    assert_eq!(err, BlockReject::MinerNotPermitted);
}

#[test]
fn a_transaction_may_spend_an_output_of_an_earlier_one_in_the_same_block() {
    let mut f = Fixture::new();
    let admin = f.admin;
    let user = PrivateKey::generate().address();
    let first = f.grant_tx(&admin, &user, CONNECT, 0, u32::MAX);
    let checked = f.check(&first).unwrap();
    let mut delta = Delta::default();
    delta.apply(&checked.effects);
    let change = OutPoint {
        txid: first.compute_txid(),
        vout: 1,
    };
    let spk = first.output[1].script_pubkey.clone();
    let mut second = first.clone();
    second.input[0].previous_output = change;
    second.output[0].script_pubkey = script::pay_to(
        &user,
        &[PermissionGrant {
            bits: SEND,
            start: 0,
            end: u32::MAX,
            timestamp: 2,
        }
        .encode()],
    );
    sign_input(&mut second, 0, &spk, &admin).unwrap();
    let view = Overlay {
        base: &f.state,
        delta: &delta,
    };
    let ctx = TxContext {
        rules: &f.rules,
        height: 1,
        time: 0,
        verify_signatures: true,
    };
    assert!(check_transaction(&view, &ctx, &second).is_ok());
    // Spending it twice is not possible.
    let checked2 = check_transaction(&view, &ctx, &second).unwrap();
    delta.apply(&checked2.effects);
    let view = Overlay {
        base: &f.state,
        delta: &delta,
    };
    assert_eq!(
        check_transaction(&view, &ctx, &second).unwrap_err(),
        TxReject::MissingInputs
    );
}

#[test]
fn diversity_spacing_is_worked_in_millionths_as_multichain_does() {
    let mut rules = Fixture::new().rules;
    rules.setup_blocks = 60;
    rules.mining_diversity = 0.3;
    // ceil(10 × 0.3) is 3; a float product (3.0000000000000004) would make it 4.
    assert_eq!(rules.diversity_spacing(100, 10), 3);
    assert_eq!(rules.diversity_spacing(100, 3), 1);
    assert_eq!(rules.diversity_spacing(100, 4), 2);
    assert_eq!(
        rules.diversity_spacing(59, 10),
        1,
        "during the setup blocks"
    );
    rules.mining_diversity = 1.0;
    assert_eq!(rules.diversity_spacing(100, 7), 7);
    rules.mining_diversity = 0.0;
    assert_eq!(rules.diversity_spacing(100, 7), 1);
    rules.mining_diversity = 0.75;
    // Block 101 by a miner that made block 100, with 4 miners: spacing 3.
    assert!(rules.barred_by_diversity(101, 100, 4));
    assert!(rules.barred_by_diversity(102, 100, 4));
    assert!(!rules.barred_by_diversity(103, 100, 4));
}

/// A transaction spending `prev` (an output of `key`'s) into `outputs`, signed.
fn spending(key: &PrivateKey, prev: OutPoint, spk: &ScriptBuf, outputs: Vec<TxOut>) -> Transaction {
    let mut tx = Transaction {
        version: Version::ONE,
        lock_time: LockTime::ZERO,
        input: vec![TxIn {
            previous_output: prev,
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: outputs,
    };
    sign_input(&mut tx, 0, spk, key).unwrap();
    tx
}

fn paying(to: &Address, elements: &[Vec<u8>]) -> TxOut {
    TxOut {
        value: Amount::ZERO,
        script_pubkey: script::pay_to(to, elements),
    }
}

/// Tokens of a non-fungible asset: none at its issue, each new one under the reference its
/// id gives, once, by an issuer; then conserved one by one; no plain follow-ons.
#[test]
fn tokens_are_issued_once_under_their_reference_and_conserved() {
    use crate::primitives::entity::{self as ent, Details};
    use crate::primitives::script::Element;
    let mut f = Fixture::new();
    let admin = f.admin;
    let me = admin.address();
    let (op, spk) = f.coin_for(&admin);
    let (op2, spk2) = f.coin_for(&admin);
    let ctx = TxContext {
        rules: &f.rules,
        height: 1,
        time: 0,
        verify_signatures: true,
    };
    let mut details = Details::default();
    details.set(ent::FIELD_NAME, b"nft".to_vec());
    details.set(ent::FIELD_ASSET_MULTIPLE, 1i32.to_le_bytes().to_vec());
    let mode = ent::FOLLOW_ONS_ALLOWED | ent::FOLLOW_ONS_NON_FUNGIBLE;
    details.set(ent::FIELD_FOLLOW_ONS, vec![mode as u8]);
    // A token id written into the asset's own details makes no token (nor takes the id).
    details.set(ent::FIELD_TOKEN_ID, b"tok1".to_vec());
    let genesis = |raw: i64| {
        spending(
            &admin,
            op,
            &spk,
            vec![
                paying(&me, &[Element::Genesis(raw).encode()]),
                crate::node::actions::creation_output(ent::KIND_ASSET, &details),
            ],
        )
    };
    assert_eq!(
        check_transaction(&f.state, &ctx, &genesis(5)).unwrap_err(),
        TxReject::invalid(
            "Token issuance script rejected - not allowed in asset genesis transaction"
        )
    );
    let issue = genesis(0);
    // Before protocol 20013 there are no non-fungible assets.
    let older = RuleParams {
        tokens: false,
        ..f.rules.clone()
    };
    let older_ctx = TxContext {
        rules: &older,
        ..ctx
    };
    assert_eq!(
        check_transaction(&f.state, &older_ctx, &issue).unwrap_err(),
        TxReject::invalid(
            "Asset issue script rejected - non-fungible assets are not supported in this protocol version"
        )
    );
    let asset_txid = issue.compute_txid();
    let mut delta = Delta::default();
    delta.apply(&check_transaction(&f.state, &ctx, &issue).unwrap().effects);
    assert!(delta.tokens.is_empty());

    let token_output = |token: &[u8], reference: [u8; 16], qty: i64| {
        let mut d = Details::default();
        d.set(ent::FIELD_TOKEN_ID, token.to_vec());
        d.set(
            ent::FIELD_PARENT_ENTITY,
            asset_txid.to_byte_array().to_vec(),
        );
        paying(
            &me,
            &[
                Element::TokenIssue(vec![(reference, qty)]).encode(),
                Element::InlineDetails(d.encode()).encode(),
            ],
        )
    };
    let tok1 = super::entities::token_ref(&asset_txid, b"tok1");
    let genesis_out = OutPoint {
        txid: asset_txid,
        vout: 0,
    };
    let genesis_spk = issue.output[0].script_pubkey.clone();
    let issuing = |out: TxOut| spending(&admin, genesis_out, &genesis_spk, vec![out]);
    let check = |delta: &Delta, tx: &Transaction| {
        let view = Overlay {
            base: &f.state,
            delta,
        };
        check_transaction(&view, &ctx, tx)
    };
    assert_eq!(
        check(&delta, &issuing(token_output(b"tok1", [7; 16], 5))).unwrap_err(),
        TxReject::invalid("Token issuance script rejected - token hash mismatch")
    );
    let token_tx = issuing(token_output(b"tok1", tok1, 5));
    let checked = check(&delta, &token_tx).unwrap();
    delta.apply(&checked.effects);
    assert_eq!(
        delta.tokens.get(&tok1),
        Some(&super::entities::short_id(&asset_txid))
    );

    // The same id again, from another coin of the admin: refused.
    let again = spending(&admin, op2, &spk2, vec![token_output(b"tok1", tok1, 1)]);
    assert_eq!(
        check(&delta, &again).unwrap_err(),
        TxReject::invalid(
            "Token issue script rejected - entity with this name/asset-ref/txid already exists"
        )
    );
    // A plain follow-on of the asset: refused.
    let asset_id = super::entities::short_id(&asset_txid);
    let follow_on = spending(
        &admin,
        op2,
        &spk2,
        vec![paying(
            &me,
            &[Element::FollowOn(vec![(asset_id, 1)]).encode()],
        )],
    );
    assert_eq!(
        check(&delta, &follow_on).unwrap_err(),
        TxReject::invalid("Asset follow-on script rejected - not allowed for NFT assets")
    );

    // The token's units move as a whole, and only as many as there are.
    let held = OutPoint {
        txid: token_tx.compute_txid(),
        vout: 0,
    };
    let held_spk = token_tx.output[0].script_pubkey.clone();
    let moving = |qty: i64| {
        spending(
            &admin,
            held,
            &held_spk,
            vec![paying(
                &me,
                &[Element::Quantities(vec![(tok1, qty)]).encode()],
            )],
        )
    };
    assert!(check(&delta, &moving(5)).is_ok());
    assert_eq!(
        check(&delta, &moving(6)).unwrap_err(),
        TxReject::invalid("Asset transfer script rejected - mismatch in input/output quantities")
    );
}
