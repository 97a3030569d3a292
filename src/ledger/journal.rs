//! The mempool journal: transactions accepted but not yet in a block, and the wallet history
//! records they made, appended to a plain file through a memory map, one copy per
//! transaction ([`MappedAppend`]).
//!
//! Acceptance must reach the operating system before the client hears the txid (a killed
//! node keeps what it acknowledged), but these rows are short-lived: a block makes the
//! transactions part of the ledger a few seconds later. Writing them through RocksDB cost a
//! WAL write plus three memtable inserts per transaction, and a flush and a compaction later;
//! here it is one append, with no system call. After each block the journal is rotated: a
//! new file gets the transactions still waiting, the wallet records move into RocksDB, and the
//! old file goes. The new file is synced then, so the journal, like the ledger, is on disk
//! once per block.
//!
//! A file is a run of records `tag u8, length u32 LE, check [u8; 4], payload`, where `check`
//! is the first four bytes of the payload's SHA-256:
//! - tag 3, a transaction: mempool sequence `u64 LE`, txid (32 bytes), the transaction;
//! - tag 4, a wallet history record: its sequence `u64 LE`, then as in `WalletTxs`.
//!
//! Files written before the check was added hold tags 1 and 2, the same without `check`;
//! they are still read.
//!
//! Reading stops at the first record that is cut short, fails its check or does not match its
//! txid (the tail of a copy the system never finished), or at the zeros past the last record.
//! The check matters since the file is preallocated: a torn record's missing bytes read as
//! zeros rather than as the end of the file, and a wallet record of zeros would decode.

use super::mapped_append::{MappedAppend, CHUNK};
use super::tables::{Reader, Table, WalletTxs};
use super::LedgerError;
use crate::wallet::history::WalletTx;
use bitcoin::consensus::encode::deserialize;
use bitcoin::hashes::Hash;
use bitcoin::{Transaction, Txid};
use foldhash::{HashMap, HashSet, HashSetExt};
use parking_lot::{Mutex, RwLock};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const TAG_TX_UNCHECKED: u8 = 1;
const TAG_WALLET_UNCHECKED: u8 = 2;
const TAG_TX: u8 = 3;
const TAG_WALLET: u8 = 4;
const PREFIX: &str = "mempool-";
const SUFFIX: &str = ".journal";

/// What earlier runs left in the journal.
#[derive(Default)]
pub struct Recovered {
    /// Transactions in acceptance order (by mempool sequence), without repeats.
    pub txs: Vec<Transaction>,
    /// Wallet history records by sequence.
    pub wallet: Vec<(u64, WalletTx)>,
}

/// Wallet history records by sequence and by transaction.
#[derive(Default, Clone)]
pub struct WalletRecords {
    pub by_seq: HashMap<u64, WalletTx>,
    by_txid: HashMap<Txid, u64>,
}

impl WalletRecords {
    fn insert(&mut self, seq: u64, rec: WalletTx) {
        self.by_txid.insert(rec.txid, seq);
        self.by_seq.insert(seq, rec);
    }
}

/// Wallet records appended since the last rotation, readable until they are in RocksDB.
#[derive(Default)]
struct PendingWallet {
    current: WalletRecords,
    /// Taken out of `current` by a rotation that is writing them to RocksDB; shared so the
    /// rotation reads them without holding up appends.
    flushing: Arc<WalletRecords>,
    /// Transactions whose wallet sequence a written block stored in its txid index: their
    /// records need no row of their own there.
    in_tx_index: HashSet<Txid>,
}

impl PendingWallet {
    fn seq_of(&self, txid: &Txid) -> Option<u64> {
        let found = self.current.by_txid.get(txid);
        found.or_else(|| self.flushing.by_txid.get(txid)).copied()
    }
}

struct CurrentFile {
    number: u64,
    file: MappedAppend,
}

pub struct Journal {
    dir: PathBuf,
    file: Mutex<CurrentFile>,
    wallet: RwLock<PendingWallet>,
}

/// A rotation under way: appends already go to the new file.
pub struct Rotation {
    number: u64,
    /// The wallet records to store before the rotation finishes.
    pub wallet: Arc<WalletRecords>,
    /// Those of them whose sequence a block's txid index holds already.
    in_tx_index: HashSet<Txid>,
}

impl Journal {
    /// Opens the journal in `dir`: reads every file left there and starts a new one. The old
    /// files stay until the first rotation, which happens once their contents are safe.
    pub fn open(dir: &Path) -> Result<(Journal, Recovered), LedgerError> {
        let mut numbers = journal_files(dir)?;
        numbers.sort_unstable();
        let mut txs: Vec<(u64, Transaction)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut wallet = Vec::new();
        for n in &numbers {
            let bytes = std::fs::read(file_path(dir, *n))?;
            for record in parse(&bytes) {
                match record {
                    Record::Tx(seq, txid, tx) => {
                        if seen.insert(txid) {
                            txs.push((seq, tx));
                        }
                    }
                    Record::Wallet(seq, rec) => wallet.push((seq, rec)),
                }
            }
        }
        // A rotation writes the waiting transactions after newer arrivals: sequence order
        // puts every transaction after those it spends.
        txs.sort_by_key(|(seq, _)| *seq);
        let number = numbers.last().map_or(1, |n| n + 1);
        let journal = Journal {
            dir: dir.to_path_buf(),
            file: Mutex::new(CurrentFile {
                number,
                file: create(dir, number)?,
            }),
            wallet: RwLock::new(PendingWallet::default()),
        };
        let recovered = Recovered {
            txs: txs.into_iter().map(|(_, tx)| tx).collect(),
            wallet,
        };
        Ok((journal, recovered))
    }

    /// Appends an accepted transaction and its wallet record in one write.
    pub fn append(
        &self,
        tx: Option<(u64, &Txid, &[u8])>,
        wallet: Option<(u64, WalletTx)>,
    ) -> Result<(), LedgerError> {
        let mut buf = Vec::with_capacity(512);
        if let Some((seq, txid, tx)) = tx {
            encode_tx(&mut buf, seq, txid, tx);
        }
        if let Some((seq, rec)) = &wallet {
            encode_wallet(&mut buf, *seq, rec);
        }
        if buf.is_empty() {
            return Ok(());
        }
        let mut current = self.file.lock();
        current.file.append(&buf)?;
        if let Some((seq, rec)) = wallet {
            self.wallet.write().current.insert(seq, rec);
        }
        Ok(())
    }

    /// Starts a rotation: later appends go to a new file, and the wallet records so far are
    /// handed over in [`Rotation::wallet`].
    pub fn begin_rotation(&self) -> Result<Rotation, LedgerError> {
        let mut current = self.file.lock();
        let number = current.number + 1;
        current.file = create(&self.dir, number)?;
        current.number = number;
        let mut w = self.wallet.write();
        let taken = std::mem::take(&mut w.current);
        if w.flushing.by_seq.is_empty() {
            w.flushing = Arc::new(taken);
        } else {
            // An earlier rotation failed before storing its records: they go with these.
            let flushing = Arc::make_mut(&mut w.flushing);
            for (seq, rec) in taken.by_seq {
                flushing.insert(seq, rec);
            }
        }
        Ok(Rotation {
            number,
            wallet: w.flushing.clone(),
            // Marks for records a failed rotation took are gone with it: those records get a
            // row of their own, which is only redundant.
            in_tx_index: std::mem::take(&mut w.in_tx_index),
        })
    }

    /// Ends a rotation: `waiting` (the mempool now, in order) joins the new file, which is
    /// synced; older files are removed. The rotation's wallet records of transactions still
    /// waiting join the new file too and stay here, so the block that mines them can keep
    /// their place in its txid index; `store` is given the others to keep in RocksDB before
    /// the files holding them go (with the txids whose place a written block's txid index
    /// holds already), and then they leave memory.
    pub fn finish_rotation<'a>(
        &self,
        rotation: Rotation,
        waiting: impl Iterator<Item = (u64, &'a Txid, &'a [u8])>,
        store: impl FnOnce(&[(u64, &WalletTx)], &HashSet<Txid>) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        let mut buf = Vec::new();
        let mut waiting_txids = HashSet::new();
        for (seq, txid, tx) in waiting {
            encode_tx(&mut buf, seq, txid, tx);
            waiting_txids.insert(*txid);
        }
        let (mut carried, mut to_store): (Vec<_>, Vec<_>) = rotation
            .wallet
            .by_seq
            .iter()
            .map(|(seq, rec)| (*seq, rec))
            .partition(|(_, rec)| waiting_txids.contains(&rec.txid));
        let written = {
            let mut current = self.file.lock();
            // A second rotation may have begun since; then its file holds the transactions
            // too, and the records are stored rather than carried into a file it removes.
            if current.number == rotation.number {
                for (seq, rec) in &carried {
                    encode_wallet(&mut buf, *seq, rec);
                }
                current.file.append(&buf)?;
                // Still under the file lock: no rotation can take `current` before they are
                // back in it.
                let mut w = self.wallet.write();
                for (seq, rec) in &carried {
                    w.current.insert(*seq, (*rec).clone());
                }
                Some(current.file.file_handle()?)
            } else {
                to_store.append(&mut carried);
                None
            }
        };
        to_store.sort_unstable_by_key(|(seq, _)| *seq);
        store(&to_store, &rotation.in_tx_index)?;
        // Synced without the lock: appends go on meanwhile.
        if let Some(file) = written {
            file.sync_data()?;
        }
        for n in journal_files(&self.dir)? {
            if n < rotation.number {
                std::fs::remove_file(file_path(&self.dir, n))?;
            }
        }
        drop(to_store);
        let stored = std::mem::take(&mut self.wallet.write().flushing);
        // Freed here, not under the lock.
        drop(rotation);
        drop(stored);
        Ok(())
    }

    /// The wallet sequences of these transactions, where a record not yet in RocksDB has one.
    pub fn wallet_seqs(&self, txids: &[Txid]) -> Vec<Option<u64>> {
        let w = self.wallet.read();
        txids.iter().map(|txid| w.seq_of(txid)).collect()
    }

    /// Notes that a written block's txid index holds these transactions' wallet sequences.
    pub fn note_wallet_seqs_in_tx_index(&self, txids: impl IntoIterator<Item = Txid>) {
        self.wallet.write().in_tx_index.extend(txids);
    }

    /// A wallet record not yet in RocksDB, by transaction.
    pub fn wallet_seq(&self, txid: &Txid) -> Option<u64> {
        self.wallet.read().seq_of(txid)
    }

    /// A wallet record not yet in RocksDB, by sequence.
    pub fn wallet_tx(&self, seq: u64) -> Option<WalletTx> {
        let w = self.wallet.read();
        let found = w.current.by_seq.get(&seq);
        found.or_else(|| w.flushing.by_seq.get(&seq)).cloned()
    }

    /// One past the highest wallet sequence held here (0 when none).
    pub fn wallet_end(&self) -> u64 {
        let w = self.wallet.read();
        w.current
            .by_seq
            .keys()
            .chain(w.flushing.by_seq.keys())
            .max()
            .map_or(0, |s| s + 1)
    }
}

enum Record {
    Tx(u64, Txid, Transaction),
    Wallet(u64, WalletTx),
}

/// `tx` is the transaction serialized.
fn encode_tx(buf: &mut Vec<u8>, seq: u64, txid: &Txid, tx: &[u8]) {
    encode_record(buf, TAG_TX, |payload| {
        payload.extend_from_slice(&seq.to_le_bytes());
        payload.extend_from_slice(&txid.to_byte_array());
        payload.extend_from_slice(tx);
    });
}

fn encode_wallet(buf: &mut Vec<u8>, seq: u64, rec: &WalletTx) {
    encode_record(buf, TAG_WALLET, |payload| {
        payload.extend_from_slice(&seq.to_le_bytes());
        payload.extend_from_slice(&WalletTxs::encode(rec));
    });
}

/// Writes a record's header and the payload `write` appends straight into `buf`, then fills
/// in the payload's length and check.
fn encode_record(buf: &mut Vec<u8>, tag: u8, write: impl FnOnce(&mut Vec<u8>)) {
    let header = buf.len();
    buf.push(tag);
    buf.extend_from_slice(&[0; 8]);
    write(buf);
    let payload = header + 9;
    let length = (buf.len() - payload) as u32;
    let check = check_of(&buf[payload..]);
    buf[header + 1..header + 5].copy_from_slice(&length.to_le_bytes());
    buf[header + 5..payload].copy_from_slice(&check);
}

fn check_of(payload: &[u8]) -> [u8; 4] {
    let digest = <sha2::Sha256 as sha2::Digest>::digest(payload);
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The whole records of one file, up to the first damaged one.
fn parse(bytes: &[u8]) -> Vec<Record> {
    let mut out = Vec::new();
    let mut r = Reader::new(bytes, "mempool journal");
    while let Ok(record) = next_record(&mut r) {
        match record {
            Some(rec) => out.push(rec),
            None => break,
        }
    }
    out
}

fn next_record(r: &mut Reader) -> Result<Option<Record>, LedgerError> {
    let Ok(tag) = r.u8() else {
        return Ok(None);
    };
    let (tag, payload) = match tag {
        TAG_TX | TAG_WALLET => {
            let length = r.u32()? as usize;
            let check: [u8; 4] = r.take(4)?.try_into().expect("four bytes");
            let payload = r.take(length)?;
            if check_of(payload) != check {
                return Err(LedgerError::Corrupt("mempool journal"));
            }
            (tag - 2, payload)
        }
        _ => (tag, r.bytes_with_len()?),
    };
    let mut body = Reader::new(payload, "mempool journal");
    let seq = body.u64()?;
    let record = match tag {
        TAG_TX_UNCHECKED => {
            let txid = Txid::from_slice(body.take(32)?)
                .map_err(|_| LedgerError::Corrupt("mempool journal"))?;
            let tx: Transaction =
                deserialize(body.rest()).map_err(|_| LedgerError::Corrupt("mempool journal"))?;
            if tx.compute_txid() != txid {
                return Err(LedgerError::Corrupt("mempool journal"));
            }
            Record::Tx(seq, txid, tx)
        }
        TAG_WALLET_UNCHECKED => Record::Wallet(seq, WalletTxs::decode(body.rest())?),
        _ => return Err(LedgerError::Corrupt("mempool journal")),
    };
    Ok(Some(record))
}

fn file_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{PREFIX}{number}{SUFFIX}"))
}

fn create(dir: &Path, number: u64) -> Result<MappedAppend, LedgerError> {
    Ok(MappedAppend::create(&file_path(dir, number), CHUNK)?)
}

fn journal_files(dir: &Path) -> Result<Vec<u64>, LedgerError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(n) = name
            .strip_prefix(PREFIX)
            .and_then(|s| s.strip_suffix(SUFFIX))
            .and_then(|s| s.parse::<u64>().ok())
        {
            out.push(n);
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use bitcoin::consensus::encode::serialize;
    use bitcoin::{absolute::LockTime, transaction::Version, Amount, ScriptBuf, TxOut};

    /// A distinct transaction for each `n`.
    pub(in crate::ledger) fn tx(n: u64) -> Transaction {
        Transaction {
            version: Version::ONE,
            lock_time: LockTime::ZERO,
            input: vec![],
            output: vec![TxOut {
                value: Amount::from_sat(n),
                script_pubkey: ScriptBuf::new(),
            }],
        }
    }

    /// A wallet record of `t`.
    pub(in crate::ledger) fn record(t: &Transaction) -> WalletTx {
        WalletTx {
            txid: t.compute_txid(),
            time: 7,
            native: 1,
            assets: Default::default(),
            mine: vec![],
            others: vec![],
            coinbase: false,
        }
    }

    #[test]
    fn appended_records_come_back_in_sequence_order_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let (j, rec) = Journal::open(dir.path()).unwrap();
        assert!(rec.txs.is_empty() && rec.wallet.is_empty());
        let (a, b) = (tx(1), tx(2));
        j.append(Some((2, &b.compute_txid(), &serialize(&b)[..])), None)
            .unwrap();
        j.append(
            Some((1, &a.compute_txid(), &serialize(&a)[..])),
            Some((0, record(&a))),
        )
        .unwrap();
        assert_eq!(j.wallet_seq(&a.compute_txid()), Some(0));
        assert_eq!(j.wallet_end(), 1);
        drop(j);
        let (_, rec) = Journal::open(dir.path()).unwrap();
        assert_eq!(rec.txs, vec![a.clone(), b]);
        assert_eq!(rec.wallet, vec![(0, record(&a))]);
    }

    #[test]
    fn rotation_keeps_waiting_transactions_and_drops_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let (j, _) = Journal::open(dir.path()).unwrap();
        let (mined, waiting, late) = (tx(1), tx(2), tx(3));
        for (s, t) in [(1, &mined), (2, &waiting)] {
            j.append(
                Some((s, &t.compute_txid(), &serialize(t)[..])),
                Some((s, record(t))),
            )
            .unwrap();
        }
        let rotation = j.begin_rotation().unwrap();
        // Arrives during the rotation: goes to the new file directly.
        j.append(Some((3, &late.compute_txid(), &serialize(&late)[..])), None)
            .unwrap();
        assert_eq!(rotation.wallet.by_seq.len(), 2);
        assert_eq!(j.wallet_tx(2), Some(record(&waiting)));
        let id = waiting.compute_txid();
        let mut stored = Vec::new();
        j.finish_rotation(
            rotation,
            [(2, &id, &serialize(&waiting)[..])].into_iter(),
            |records, _| {
                stored = records.iter().map(|(s, r)| (*s, (*r).clone())).collect();
                Ok(())
            },
        )
        .unwrap();
        // The mined transaction's record is handed over to be stored and leaves; the waiting
        // one's stays, here and in the new file.
        assert_eq!(stored, vec![(1, record(&mined))]);
        assert_eq!(j.wallet_seq(&mined.compute_txid()), None);
        assert_eq!(j.wallet_tx(1), None);
        assert_eq!(j.wallet_seq(&id), Some(2));
        assert_eq!(j.wallet_tx(2), Some(record(&waiting)));
        drop(j);
        let (_, rec) = Journal::open(dir.path()).unwrap();
        assert_eq!(rec.txs, vec![waiting.clone(), late]);
        assert_eq!(rec.wallet, vec![(2, record(&waiting))]);
    }

    #[test]
    fn a_torn_record_in_the_zero_tail_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let (j, _) = Journal::open(dir.path()).unwrap();
        let (a, b) = (tx(1), tx(2));
        j.append(Some((1, &a.compute_txid(), &serialize(&a)[..])), None)
            .unwrap();
        j.append(None, Some((0, record(&b)))).unwrap();
        drop(j);
        let path = file_path(dir.path(), 1);
        let mut bytes = std::fs::read(&path).unwrap();
        let record_len =
            |at: usize| 9 + u32::from_le_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
        let first = record_len(0);
        let end = first + record_len(first);
        assert!(
            bytes[end..].iter().all(|b| *b == 0),
            "zeros past the records"
        );
        // The second half of the wallet record (its txid among it) never reached the file:
        // it reads as zeros.
        let torn = &mut bytes[end - (end - first) / 2..end];
        assert!(torn.iter().any(|b| *b != 0));
        torn.fill(0);
        std::fs::write(&path, &bytes).unwrap();
        let (_, rec) = Journal::open(dir.path()).unwrap();
        assert_eq!(rec.txs, vec![a]);
        assert!(
            rec.wallet.is_empty(),
            "a torn wallet record is not recovered"
        );
    }

    #[test]
    fn files_of_the_unchecked_format_are_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (tx(1), tx(2));
        let mut bytes = Vec::new();
        let mut payload = 5u64.to_le_bytes().to_vec();
        payload.extend_from_slice(&a.compute_txid().to_byte_array());
        payload.extend_from_slice(&serialize(&a));
        bytes.push(TAG_TX_UNCHECKED);
        bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&payload);
        let mut payload = 0u64.to_le_bytes().to_vec();
        payload.extend_from_slice(&WalletTxs::encode(&record(&b)));
        bytes.push(TAG_WALLET_UNCHECKED);
        bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&payload);
        std::fs::write(file_path(dir.path(), 1), &bytes).unwrap();
        let (_, rec) = Journal::open(dir.path()).unwrap();
        assert_eq!(rec.txs, vec![a]);
        assert_eq!(rec.wallet, vec![(0, record(&b))]);
    }

    #[test]
    fn records_past_the_first_chunk_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let (j, _) = Journal::open(dir.path()).unwrap();
        // Enough records to fill more than one chunk of the file.
        let txs: Vec<Transaction> = (0..(CHUNK / 40 + 10)).map(tx).collect();
        for (seq, t) in txs.iter().enumerate() {
            j.append(
                Some((seq as u64, &t.compute_txid(), &serialize(t)[..])),
                None,
            )
            .unwrap();
        }
        assert!(std::fs::metadata(file_path(dir.path(), 1)).unwrap().len() > CHUNK);
        drop(j);
        let (_, rec) = Journal::open(dir.path()).unwrap();
        assert_eq!(rec.txs, txs);
    }
}
