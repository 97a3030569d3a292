//! MultiChain's binary cache: files in the chain directory's `cache/` that a client fills in
//! pieces (`appendbinarycache`) and then publishes as one item (`{"cache": id}`), so that a
//! large item need not travel as one hex string. Like MultiChain's, the files outlive the
//! node's restarts and are removed only by `deletebinarycache`.
//!
//! Unlike MultiChain, an identifier is checked before it becomes a file name: one that could
//! name anything outside `cache/` (a path separator, `.`, `..`) is simply not found.

use rand::RngCore;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("Binary cache item with this identifier not found")]
    NotFound,
    #[error("Binary cache item is not empty")]
    NotEmpty,
    #[error("Binary cache item too big")]
    TooBig,
    #[error("Cannot read binary cache item")]
    Read(#[source] std::io::Error),
    #[error("Cannot store binary cache item")]
    Write(#[source] std::io::Error),
}

/// The cache directory of one chain.
pub struct BinaryCache {
    dir: PathBuf,
}

/// Bytes of randomness in a new identifier (MultiChain's: 8, in base58, about 11 characters).
const ID_BYTES: usize = 8;

impl BinaryCache {
    pub fn new(chain_dir: &Path) -> BinaryCache {
        BinaryCache {
            dir: chain_dir.join("cache"),
        }
    }

    /// The file of `id`, or `None` for an identifier that cannot be a plain file name here.
    fn path(&self, id: &str) -> Option<PathBuf> {
        let plain = !id.is_empty()
            && id.len() <= 255
            && id != "."
            && id != ".."
            && !id.contains(['/', '\\', '\0']);
        plain.then(|| self.dir.join(id))
    }

    /// Opens an item: a plain file of `cache/` (a link or a directory there is not one).
    fn open(&self, id: &str, options: &OpenOptions) -> Result<File, CacheError> {
        let path = self.path(id).ok_or(CacheError::NotFound)?;
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => return Err(CacheError::NotFound),
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(CacheError::NotFound),
            Err(e) => return Err(CacheError::Read(e)),
        }
        // Not followed if it became a link since (the check above is for a clear answer).
        let mut options = options.clone();
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
        options.open(path).map_err(|e| match e.kind() {
            ErrorKind::NotFound => CacheError::NotFound,
            _ => CacheError::Read(e),
        })
    }

    /// Makes a new empty item under a fresh random identifier.
    pub fn create(&self) -> Result<String, CacheError> {
        std::fs::create_dir_all(&self.dir).map_err(CacheError::Write)?;
        loop {
            let mut raw = [0u8; ID_BYTES];
            rand::thread_rng().fill_bytes(&mut raw);
            let id = bs58::encode(raw).into_string();
            let path = self.path(&id).expect("base58 text is a plain file name");
            match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(_) => return Ok(id),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(CacheError::Write(e)),
            }
        }
    }

    /// Adds `bytes` at the end of the item; its size after.
    pub fn append(&self, id: &str, bytes: &[u8]) -> Result<u64, CacheError> {
        let mut file = self.open(id, OpenOptions::new().append(true))?;
        file.write_all(bytes).map_err(CacheError::Write)?;
        file.metadata().map(|m| m.len()).map_err(CacheError::Write)
    }

    /// Writes `bytes` into an item that must still be empty (`txouttobinarycache`).
    pub fn fill(&self, id: &str, bytes: &[u8]) -> Result<u64, CacheError> {
        let mut file = self.open(id, OpenOptions::new().append(true))?;
        let size = file.metadata().map_err(CacheError::Read)?.len();
        if size != 0 {
            return Err(CacheError::NotEmpty);
        }
        file.write_all(bytes).map_err(CacheError::Write)?;
        Ok(bytes.len() as u64)
    }

    /// Checks that the item exists and is still empty, before the work of filling it.
    pub fn check_empty(&self, id: &str) -> Result<(), CacheError> {
        let file = self.open(id, OpenOptions::new().append(true))?;
        match file.metadata().map_err(CacheError::Read)?.len() {
            0 => Ok(()),
            _ => Err(CacheError::NotEmpty),
        }
    }

    /// The item's bytes, refused when over `max` bytes.
    pub fn read(&self, id: &str, max: u64) -> Result<Vec<u8>, CacheError> {
        let file = self.open(id, OpenOptions::new().read(true))?;
        let size = file.metadata().map_err(CacheError::Read)?.len();
        if size > max {
            return Err(CacheError::TooBig);
        }
        let mut bytes = Vec::with_capacity(size as usize);
        // Bounded: the file may grow (another append) after its size was read.
        file.take(max + 1)
            .read_to_end(&mut bytes)
            .map_err(CacheError::Read)?;
        if bytes.len() as u64 > max {
            return Err(CacheError::TooBig);
        }
        Ok(bytes)
    }

    pub fn delete(&self, id: &str) -> Result<(), CacheError> {
        let path = self.path(id).ok_or(CacheError::NotFound)?;
        // Only a file: an identifier naming a directory someone made in `cache/` is not an item.
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => std::fs::remove_file(&path).map_err(CacheError::Write),
            Ok(_) => Err(CacheError::NotFound),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(CacheError::NotFound),
            Err(e) => Err(CacheError::Read(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> (tempfile::TempDir, BinaryCache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = BinaryCache::new(dir.path());
        (dir, cache)
    }

    #[test]
    fn items_are_made_filled_read_and_deleted() {
        let (_dir, cache) = cache();
        let id = cache.create().unwrap();
        assert!(bs58::decode(&id).into_vec().unwrap().len() == ID_BYTES);
        assert_eq!(cache.read(&id, 100).unwrap(), b"");
        assert_eq!(cache.append(&id, b"abc").unwrap(), 3);
        assert_eq!(cache.append(&id, b"").unwrap(), 3);
        assert_eq!(cache.append(&id, b"de").unwrap(), 5);
        assert_eq!(cache.read(&id, 5).unwrap(), b"abcde");
        assert!(matches!(cache.read(&id, 4), Err(CacheError::TooBig)));
        assert!(matches!(cache.fill(&id, b"x"), Err(CacheError::NotEmpty)));
        assert!(matches!(cache.check_empty(&id), Err(CacheError::NotEmpty)));
        cache.delete(&id).unwrap();
        assert!(matches!(cache.read(&id, 5), Err(CacheError::NotFound)));
        assert!(matches!(cache.delete(&id), Err(CacheError::NotFound)));
        assert!(matches!(cache.append(&id, b"a"), Err(CacheError::NotFound)));
    }

    #[test]
    fn fill_writes_an_empty_item_once() {
        let (_dir, cache) = cache();
        let id = cache.create().unwrap();
        cache.check_empty(&id).unwrap();
        assert_eq!(cache.fill(&id, b"hello").unwrap(), 5);
        assert_eq!(cache.read(&id, 10).unwrap(), b"hello");
        assert!(matches!(
            cache.fill(&id, b"again"),
            Err(CacheError::NotEmpty)
        ));
    }

    /// Identifiers that would name files outside `cache/`, or the directory itself, are not
    /// found, even where such files exist.
    #[test]
    fn identifiers_cannot_leave_the_cache_directory() {
        let (dir, cache) = cache();
        std::fs::write(dir.path().join("params.dat"), b"secret").unwrap();
        cache.create().unwrap();
        let not_found = |id: &str| {
            assert!(
                matches!(cache.read(id, 100), Err(CacheError::NotFound)),
                "{id:?}"
            );
            assert!(
                matches!(cache.append(id, b"x"), Err(CacheError::NotFound)),
                "{id:?}"
            );
            assert!(
                matches!(cache.delete(id), Err(CacheError::NotFound)),
                "{id:?}"
            );
        };
        for id in [
            "../params.dat",
            "..",
            ".",
            "",
            "a/b",
            "..\\params.dat",
            "x\0y",
        ] {
            not_found(id);
        }
        assert!(dir.path().join("cache").is_dir());
        // Nor through a link or a directory someone put into `cache/`.
        let link = dir.path().join("cache").join("link");
        std::os::unix::fs::symlink(dir.path().join("params.dat"), link).unwrap();
        std::fs::create_dir(dir.path().join("cache").join("sub")).unwrap();
        for id in ["link", "sub"] {
            not_found(id);
        }
        assert_eq!(
            std::fs::read(dir.path().join("params.dat")).unwrap(),
            b"secret"
        );
    }
}
