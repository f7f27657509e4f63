//! Expands the paths a user names into the list of inputs to read, in a deterministic order.

use super::Origin;
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// One input to read, or one that cannot be read and why.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The path as shown in reports.
    pub display: String,
    /// Where to read it from.
    pub origin: Origin,
    /// Why it cannot be read, when the walk already knows.
    pub error: Option<String>,
}

/// Expands files, directories (recursively, sorted by name) and `-` into inputs. Paths that do
/// not exist, loops of symbolic links and unreadable directories become inputs with an error;
/// FIFOs, sockets and device files inside directories are skipped.
pub fn expand(paths: &[String]) -> Vec<Planned> {
    let mut out = Vec::new();
    for p in paths {
        if p == "-" {
            out.push(Planned {
                display: "-".into(),
                origin: Origin::Stdin,
                error: None,
            });
            continue;
        }
        let path = PathBuf::from(p);
        match fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                let mut seen = HashSet::new();
                walk_dir(&path, &mut seen, &mut out);
            }
            // A named FIFO or device is read like a file: the user asked for it.
            Ok(_) => out.push(file(&path)),
            Err(e) => out.push(Planned {
                display: p.clone(),
                origin: Origin::File(path),
                error: Some(describe(&e)),
            }),
        }
    }
    out
}

fn file(path: &Path) -> Planned {
    Planned {
        display: path.display().to_string(),
        origin: Origin::File(path.to_path_buf()),
        error: None,
    }
}

fn walk_dir(dir: &Path, seen: &mut HashSet<PathBuf>, out: &mut Vec<Planned>) {
    let error = |msg: String| Planned {
        display: dir.display().to_string(),
        origin: Origin::File(dir.to_path_buf()),
        error: Some(msg),
    };
    let canonical = match fs::canonicalize(dir) {
        Ok(c) => c,
        Err(e) => return out.push(error(describe(&e))),
    };
    if !seen.insert(canonical) {
        return out.push(error("symbolic link loop: directory already visited".into()));
    }
    let entries = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => return out.push(error(describe(&e))),
    };
    // Entries sorted by name; the kind a directory entry tells saves a `stat`, except for links.
    let mut entries: Vec<fs::DirEntry> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let kind = match entry.file_type() {
            Ok(kind) if !kind.is_symlink() => Ok(kind),
            _ => fs::metadata(&path).map(|meta| meta.file_type()),
        };
        match kind {
            Ok(kind) if kind.is_dir() => walk_dir(&path, seen, out),
            Ok(kind) if kind.is_file() => out.push(file(&path)),
            Ok(_) => {} // FIFO, socket or device: reading it could hang or never end.
            Err(e) => out.push(Planned {
                display: path.display().to_string(),
                origin: Origin::File(path.clone()),
                error: Some(describe(&e)),
            }),
        }
    }
    if let Ok(c) = fs::canonicalize(dir) {
        seen.remove(&c);
    }
}

/// A short, stable description of an I/O error.
pub fn describe(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "no such file or directory".into(),
        PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            // Drop the "(os error N)" suffix: it differs between systems.
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}
