//! Confirmed transactions, one block's at a time, appended to numbered files in the ledger's
//! directory (`blk00000.dat`, …, a new one past 128 MB), as bitcoind and MultiChain keep
//! blocks. A block's rows in RocksDB say where its transactions are ([`TxPlaces`]); the bytes
//! are written and synced before those rows, so a row never points past what is on disk, and
//! bytes after the last recorded block (a block whose rows never landed) are cut at open.
//! Kept as RocksDB rows, a block's transactions were about a quarter of the block writer's
//! row work and of the flushes, for bytes that are only ever read back whole.

use super::tables::Reader;
use super::LedgerError;
use foldhash::{HashMap, HashMapExt};
use parking_lot::{Mutex, RwLock};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file is closed for appends once it holds this much (a block is never split).
const FILE_LIMIT: u64 = 128 << 20;

/// Where a block's transactions are: in file `file` from byte `start`, transaction `i`
/// ending `ends[i]` bytes after `start`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxPlaces {
    pub file: u32,
    pub start: u64,
    pub ends: Vec<u32>,
}

impl TxPlaces {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + 4 * self.ends.len());
        out.extend_from_slice(&self.file.to_le_bytes());
        out.extend_from_slice(&self.start.to_le_bytes());
        out.extend_from_slice(&(self.ends.len() as u32).to_le_bytes());
        for e in &self.ends {
            out.extend_from_slice(&e.to_le_bytes());
        }
        out
    }

    pub fn decode(bytes: &[u8], table: &'static str) -> Result<TxPlaces, LedgerError> {
        let (file, start, count, mut r) = Self::decode_head(bytes, table)?;
        let ends = (0..count).map(|_| r.u32()).collect::<Result<_, _>>()?;
        Ok(TxPlaces { file, start, ends })
    }

    /// File, offset and length of transaction `index` straight from a stored row, without
    /// decoding the other transactions' ends (a full block has tens of thousands).
    pub fn one_in(
        bytes: &[u8],
        index: u32,
        table: &'static str,
    ) -> Result<Option<(u32, u64, usize)>, LedgerError> {
        let (file, start, count, mut r) = Self::decode_head(bytes, table)?;
        if index >= count {
            return Ok(None);
        }
        let begin = if index == 0 {
            0
        } else {
            r.take(4 * (index as usize - 1))?;
            r.u32()?
        };
        let end = r.u32()?;
        let len = end.checked_sub(begin).ok_or(LedgerError::Corrupt(table))?;
        Ok(Some((file, start + begin as u64, len as usize)))
    }

    fn decode_head<'a>(
        bytes: &'a [u8],
        table: &'static str,
    ) -> Result<(u32, u64, u32, Reader<'a>), LedgerError> {
        let mut r = Reader::new(bytes, table);
        let file = r.u32()?;
        let start = r.u64()?;
        let count = r.u32()?;
        if bytes.len() != 16 + 4 * count as usize {
            return Err(LedgerError::Corrupt(table));
        }
        Ok((file, start, count, r))
    }

    /// Bytes the block's transactions take.
    pub fn len(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0) as u64
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

struct Appender {
    number: u32,
    file: Arc<File>,
    len: u64,
}

pub struct BlockFiles {
    dir: PathBuf,
    appender: Mutex<Appender>,
    /// Files opened for reading, by number (the one being appended to among them).
    open: RwLock<HashMap<u32, Arc<File>>>,
}

fn file_path(dir: &Path, number: u32) -> PathBuf {
    dir.join(format!("blk{number:05}.dat"))
}

/// Numbers of the block files in `dir`.
fn block_files(dir: &Path) -> std::io::Result<Vec<u32>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        if let Some(n) = name
            .strip_prefix("blk")
            .and_then(|n| n.strip_suffix(".dat"))
            .and_then(|n| n.parse::<u32>().ok())
        {
            out.push(n);
        }
    }
    out.sort_unstable();
    Ok(out)
}

fn open_for_append(dir: &Path, number: u32) -> std::io::Result<File> {
    let path = file_path(dir, number);
    let created = !path.exists();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)?;
    if created {
        // The new name must survive a crash as well as the bytes written under it.
        File::open(dir)?.sync_all()?;
    }
    Ok(file)
}

impl BlockFiles {
    /// Opens the files in `dir`, `last` being where the last block the ledger records has its
    /// transactions: anything written after it is removed.
    pub fn open(dir: &Path, last: Option<&TxPlaces>) -> std::io::Result<BlockFiles> {
        let (number, len) = match last {
            Some(p) => (p.file, p.start + p.len()),
            None => (0, 0),
        };
        for n in block_files(dir)? {
            if n > number {
                std::fs::remove_file(file_path(dir, n))?;
            }
        }
        let file = open_for_append(dir, number)?;
        if file.metadata()?.len() > len {
            file.set_len(len)?;
            file.sync_all()?;
        }
        let file = Arc::new(file);
        let mut open = HashMap::new();
        open.insert(number, file.clone());
        Ok(BlockFiles {
            dir: dir.to_path_buf(),
            appender: Mutex::new(Appender { number, file, len }),
            open: RwLock::new(open),
        })
    }

    /// Appends one block's transactions and syncs them to disk.
    pub fn append(&self, txs: impl Iterator<Item = impl AsRef<[u8]>>) -> std::io::Result<TxPlaces> {
        let places = self.append_unsynced(txs)?;
        self.appender.lock().file.sync_data()?;
        Ok(places)
    }

    /// Appends one block's transactions; [`BlockFiles::sync`] makes them durable.
    pub fn append_unsynced(
        &self,
        txs: impl Iterator<Item = impl AsRef<[u8]>>,
    ) -> std::io::Result<TxPlaces> {
        let mut a = self.appender.lock();
        if a.len >= FILE_LIMIT {
            a.file.sync_data()?;
            let number = a.number + 1;
            let file = Arc::new(open_for_append(&self.dir, number)?);
            file.set_len(0)?;
            self.open.write().insert(number, file.clone());
            *a = Appender {
                number,
                file,
                len: 0,
            };
        }
        let start = a.len;
        let mut ends = Vec::with_capacity(txs.size_hint().0);
        let mut written: u64 = 0;
        {
            let mut out = BufWriter::with_capacity(1 << 20, WriteAt::new(&a.file, start));
            for tx in txs {
                let tx = tx.as_ref();
                out.write_all(tx)?;
                written += tx.len() as u64;
                let end = u32::try_from(written).map_err(|_| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "block over 4 GB")
                })?;
                ends.push(end);
            }
            out.flush()?;
        }
        a.len = start + written;
        Ok(TxPlaces {
            file: a.number,
            start,
            ends,
        })
    }

    /// Waits until everything appended is on disk.
    pub fn sync(&self) -> std::io::Result<()> {
        self.appender.lock().file.sync_data()
    }

    fn file(&self, number: u32) -> Result<Arc<File>, LedgerError> {
        if let Some(f) = self.open.read().get(&number) {
            return Ok(f.clone());
        }
        let file = Arc::new(File::open(file_path(&self.dir, number))?);
        Ok(self.open.write().entry(number).or_insert(file).clone())
    }

    /// `len` bytes at `offset` in file `number`.
    pub fn read(&self, number: u32, offset: u64, len: usize) -> Result<Vec<u8>, LedgerError> {
        let mut buf = vec![0; len];
        self.file(number)?.read_exact_at(&mut buf, offset)?;
        Ok(buf)
    }

    /// Every transaction of a block, each as `decode` makes it from its stored bytes (read
    /// in one piece, and not copied one by one).
    pub fn read_block<T>(
        &self,
        places: &TxPlaces,
        decode: impl Fn(&[u8]) -> Result<T, LedgerError>,
    ) -> Result<Vec<T>, LedgerError> {
        let all = self.read(places.file, places.start, places.len() as usize)?;
        let mut begin = 0usize;
        let mut out = Vec::with_capacity(places.ends.len());
        for &end in &places.ends {
            let end = end as usize;
            let tx = all
                .get(begin..end)
                .ok_or(LedgerError::Corrupt("block files"))?;
            out.push(decode(tx)?);
            begin = end;
        }
        Ok(out)
    }
}

/// Positioned writes through `std::io::Write`, so a `BufWriter` gathers a block's small
/// transactions into few system calls.
struct WriteAt<'a> {
    file: &'a File,
    offset: u64,
}

impl<'a> WriteAt<'a> {
    fn new(file: &'a File, offset: u64) -> Self {
        WriteAt { file, offset }
    }
}

impl Write for WriteAt<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write_at(buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_vec(tx: &[u8]) -> Result<Vec<u8>, LedgerError> {
        Ok(tx.to_vec())
    }

    fn txs(n: usize, seed: u8) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| vec![seed.wrapping_add(i as u8); 10 + i * 7])
            .collect()
    }

    #[test]
    fn blocks_read_back_whole_and_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let files = BlockFiles::open(dir.path(), None).unwrap();
        let a = txs(5, 1);
        let b = txs(3, 9);
        let pa = files.append(a.iter()).unwrap();
        let pb = files.append(b.iter()).unwrap();
        assert_eq!(pb.start, pa.len());
        assert_eq!(files.read_block(&pa, to_vec).unwrap(), a);
        assert_eq!(files.read_block(&pb, to_vec).unwrap(), b);
        let row = pb.encode();
        assert_eq!(TxPlaces::decode(&row, "t").unwrap(), pb);
        for (i, tx) in b.iter().enumerate() {
            let (f, off, len) = TxPlaces::one_in(&row, i as u32, "t").unwrap().unwrap();
            assert_eq!(&files.read(f, off, len).unwrap(), tx);
        }
        assert_eq!(TxPlaces::one_in(&row, 3, "t").unwrap(), None);
        assert!(TxPlaces::decode(&row[..row.len() - 1], "t").is_err());
    }

    #[test]
    fn bytes_after_the_last_recorded_block_are_cut_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let a = txs(4, 3);
        let pa = {
            let files = BlockFiles::open(dir.path(), None).unwrap();
            let pa = files.append(a.iter()).unwrap();
            // A block whose rows never reached the ledger.
            files.append(txs(6, 7).iter()).unwrap();
            pa
        };
        let files = BlockFiles::open(dir.path(), Some(&pa)).unwrap();
        let size = std::fs::metadata(file_path(dir.path(), 0)).unwrap().len();
        assert_eq!(size, pa.len());
        let b = txs(2, 5);
        let pb = files.append(b.iter()).unwrap();
        assert_eq!(pb.start, pa.len());
        assert_eq!(files.read_block(&pa, to_vec).unwrap(), a);
        assert_eq!(files.read_block(&pb, to_vec).unwrap(), b);
        // With no block recorded, nothing is kept.
        drop(files);
        BlockFiles::open(dir.path(), None).unwrap();
        assert_eq!(
            std::fs::metadata(file_path(dir.path(), 0)).unwrap().len(),
            0
        );
    }

    #[test]
    fn a_full_file_is_followed_by_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let files = BlockFiles::open(dir.path(), None).unwrap();
        files.appender.lock().len = FILE_LIMIT;
        let a = txs(3, 2);
        let pa = files.append(a.iter()).unwrap();
        assert_eq!((pa.file, pa.start), (1, 0));
        assert_eq!(files.read_block(&pa, to_vec).unwrap(), a);
        drop(files);
        // Reopened with the block of file 0 as the last one: file 1 goes.
        let p0 = TxPlaces {
            file: 0,
            start: 0,
            ends: vec![],
        };
        BlockFiles::open(dir.path(), Some(&p0)).unwrap();
        assert_eq!(block_files(dir.path()).unwrap(), vec![0]);
    }
}
