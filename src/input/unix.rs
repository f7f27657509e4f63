//! The Unix input path: positioned reads (`pread`) and memory-mapped ranges of regular files,
//! safe against the file shrinking under them. Everything here is Unix-only; `portable.rs` is the
//! same interface by plain copies, for other systems and for `--features portable`.
//!
//! Mapping a range instead of copying it into a buffer saves the kernel's copy: a large log
//! scans 4-13% faster, depending on how its pages came into the page cache (README,
//! Performance). But once a mapped file is truncated (logrotate's `copytruncate`), reading a
//! page past its new end raises `SIGBUS`, which kills the process. So each thread maps at most
//! one range at a time and registers it; a `SIGBUS` handler puts a page of zeros over the
//! faulting page of a registered range and notes the fault, and the caller reads the range again
//! by copy ([`Mapped::intact`]). A `SIGBUS` anywhere else goes to the action that was there
//! before.
//!
//! This module holds the input layer's `unsafe` code.

use std::cell::Cell;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Reads into `buf` at `offset` without moving the file's cursor (one `pread`): several threads
/// read one file at once.
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.read_at(buf, offset)
}

/// Whether ranges may be mapped (`--no-mmap` turns it off).
static ENABLED: AtomicBool = AtomicBool::new(true);

/// Allows or forbids mapping for the whole process; with it off every range is copied.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

thread_local! {
    /// The bytes this thread has mapped: their start address and length (`(0, 0)` for none).
    static GUARDED: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// Whether a page of them faulted (and reads as zeros) since they were mapped.
    static FAULTED: Cell<bool> = const { Cell::new(false) };
}

/// Bytes of a file mapped into memory and guarded against `SIGBUS` while they live. They belong
/// to the thread that mapped them (the guard is per thread), so a `Mapped` never moves to
/// another one.
#[derive(Debug)]
pub struct Mapped {
    map: memmap2::Mmap,
    _this_thread: std::marker::PhantomData<*const ()>,
}

impl Mapped {
    /// Maps `len` bytes of `file` from `offset`. `None` when mapping is off or fails, or this
    /// thread already holds a mapping: the caller copies the bytes instead.
    pub fn new(file: &File, offset: u64, len: usize) -> Option<Mapped> {
        if len == 0 || !ENABLED.load(Ordering::Relaxed) || GUARDED.get() != (0, 0) || !handler_installed() {
            return None;
        }
        // SAFETY: the mapping is read-only and private to this process. The one way its bytes
        // change under us, the file shrinking, faults into `on_sigbus`, which the guard below
        // turns into zeros and a note that `intact` reports.
        let map = unsafe { memmap2::MmapOptions::new().offset(offset).len(len).map(file) }.ok()?;
        GUARDED.set((map.as_ptr() as usize, map.len()));
        FAULTED.set(false);
        Some(Mapped {
            map,
            _this_thread: std::marker::PhantomData,
        })
    }

    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Whether every byte read through the mapping so far was the file's: no page faulted
    /// because the file shrank.
    pub fn intact(&self) -> bool {
        !FAULTED.get()
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        GUARDED.set((0, 0));
    }
}

/// The memory page size, read once when the handler is installed.
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);

/// The `SIGBUS` action before ours, to hand other faults to.
static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();

/// Installs the `SIGBUS` handler once; whether it is in place.
fn handler_installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        // SAFETY: sysconf, sigemptyset and sigaction are called with valid, initialised
        // arguments; the handler only touches async-signal-safe state (see `on_sigbus`).
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE);
            if page <= 0 {
                return false;
            }
            PAGE_SIZE.store(page as usize, Ordering::Relaxed);
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction =
                on_sigbus as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) as libc::sighandler_t;
            action.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut action.sa_mask);
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, &action, &mut previous) != 0 {
                return false;
            }
            PREVIOUS.get_or_init(|| previous);
        }
        true
    })
}

/// The `SIGBUS` handler. A fault in this thread's guarded bytes gets a page of zeros mapped over
/// it, and the access that faulted runs again and reads zeros. Any other `SIGBUS` is handed to
/// the previous action, which for the default one ends the process as it would have.
extern "C" fn on_sigbus(signal: libc::c_int, info: *mut libc::siginfo_t, _context: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid `siginfo_t` to an `SA_SIGINFO` handler. The thread-locals
    // are const-initialised cells without destructors (plain thread-local memory); mmap,
    // sigaction and raise are system calls that take no locks.
    unsafe {
        // A fault has a positive code; `kill` and `sigqueue` give zero or less, and no address.
        let fault = (*info).si_code > 0;
        let addr = (*info).si_addr() as usize;
        let (start, len) = GUARDED.get();
        let page = PAGE_SIZE.load(Ordering::Relaxed);
        if fault && len > 0 && page > 0 && addr.wrapping_sub(start) < len {
            let zeros = libc::mmap(
                (addr & !(page - 1)) as *mut libc::c_void,
                page,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            );
            if zeros != libc::MAP_FAILED {
                FAULTED.set(true);
                return;
            }
        }
        if let Some(previous) = PREVIOUS.get() {
            libc::sigaction(signal, previous, std::ptr::null_mut());
        }
        libc::raise(signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(len: usize) -> (tempfile::NamedTempFile, File) {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(&vec![b'x'; len]).unwrap();
        tmp.flush().unwrap();
        let file = File::open(tmp.path()).unwrap();
        (tmp, file)
    }

    #[test]
    fn a_mapped_range_holds_the_files_bytes() {
        let (_tmp, file) = file_of(3 * 4096 + 100);
        let mapped = Mapped::new(&file, 4096 + 7, 2 * 4096).expect("a regular file maps");
        assert_eq!(mapped.bytes().len(), 2 * 4096);
        assert!(mapped.bytes().iter().all(|&b| b == b'x'));
        assert!(mapped.intact());
    }

    #[test]
    fn a_thread_holds_one_mapping_at_a_time() {
        let (_tmp, file) = file_of(3 * 4096);
        let first = Mapped::new(&file, 0, 4096).expect("maps");
        assert!(Mapped::new(&file, 4096, 4096).is_none());
        drop(first);
        assert!(Mapped::new(&file, 4096, 4096).is_some());
    }

    #[test]
    fn a_file_truncated_under_its_mapping_reads_as_zeros_and_says_so() {
        let (tmp, file) = file_of(8 * 4096);
        let mapped = Mapped::new(&file, 0, 8 * 4096).expect("maps");
        assert_eq!(mapped.bytes()[5 * 4096], b'x');
        tmp.as_file().set_len(4096).unwrap();
        // Pages past the new end fault: without the guard this read would end the process.
        let tail: usize = mapped.bytes()[2 * 4096..].iter().map(|&b| b as usize).sum();
        assert_eq!(tail, 0);
        assert!(!mapped.intact());
        assert!(mapped.bytes()[..4096].iter().all(|&b| b == b'x'));
    }
}
