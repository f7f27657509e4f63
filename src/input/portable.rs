//! The portable input path: the interface of `unix.rs` by plain copies, for systems without
//! `pread` and `SIGBUS` (Windows) and for `--features portable`, which selects it on Unix so that
//! CI runs the test suite through it. Nothing is mapped; a positioned read seeks and reads under
//! a lock, since threads share each file's cursor.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Mutex;

/// Held while a read moves a file's cursor and reads.
static CURSOR: Mutex<()> = Mutex::new(());

/// Reads into `buf` at `offset`: a seek and a read, which no other thread's read can come between.
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let _held = CURSOR.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.read(buf)
}

/// Mapping is not available here: the flag is accepted and changes nothing.
pub fn set_enabled(_on: bool) {}

/// A mapped range, which this path never makes (the type has no values).
#[derive(Debug)]
pub enum Mapped {}

impl Mapped {
    /// Always `None`: the caller copies the bytes instead.
    pub fn new(_file: &File, _offset: u64, _len: usize) -> Option<Mapped> {
        None
    }

    /// The mapped bytes (never called: there is no `Mapped`).
    pub fn bytes(&self) -> &[u8] {
        match *self {}
    }

    /// Whether the mapping stayed intact (never called: there is no `Mapped`).
    pub fn intact(&self) -> bool {
        match *self {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_at_offsets_from_several_threads_see_their_own_bytes() {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        let bytes: Vec<u8> = (0..64 * 1024u32).map(|i| (i % 251) as u8).collect();
        tmp.write_all(&bytes).unwrap();
        tmp.flush().unwrap();
        let file = File::open(tmp.path()).unwrap();
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let (file, bytes) = (&file, &bytes);
                s.spawn(move || {
                    for round in 0..200u64 {
                        let offset = (t * 9973 + round * 131) % 60_000;
                        let mut buf = [0u8; 512];
                        let got = read_at(file, &mut buf, offset).unwrap();
                        assert_eq!(&buf[..got], &bytes[offset as usize..][..got]);
                    }
                });
            }
        });
        assert!(Mapped::new(&file, 0, 10).is_none());
    }
}
