//! Expands the paths a user names into the list of inputs to read, in a deterministic order.

use super::Origin;
use globset::{Glob, GlobSet, GlobSetBuilder};
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

/// Globs that pick which files a directory walk reads. Files named on the command line are
/// always read: the globs apply only to files found inside a directory.
#[derive(Clone, Debug)]
pub struct Select {
    include: Option<GlobSet>,
    exclude: GlobSet,
}

/// Files a directory walk skips unless the config file's `exclude` says otherwise: documents,
/// label tables, configuration (`aadlint.toml`, rule files, baselines), reports (`*.sarif`, which
/// quote log lines), source code, pictures and archives that are not gzip logs.
pub const DEFAULT_EXCLUDE: &[&str] = &[
    "*.sarif",
    "*.md",
    "*.markdown",
    "*.rst",
    "*.tsv",
    "*.toml",
    "*.py",
    "*.rs",
    "*.go",
    "*.js",
    "*.ts",
    "*.java",
    "*.cs",
    "*.ps1",
    "*.sh",
    "*.png",
    "*.jpg",
    "*.jpeg",
    "*.gif",
    "*.svg",
    "*.pdf",
    "*.zip",
    "*.tar",
    "*.7z",
    "*.xz",
    "*.zst",
];

impl Default for Select {
    fn default() -> Self {
        let exclude: Vec<String> = DEFAULT_EXCLUDE.iter().map(|g| g.to_string()).collect();
        Select::new(None, &exclude).expect("the default globs are valid")
    }
}

impl Select {
    /// Reads files matching any of `include` (all files when `None`) and none of `exclude`. A
    /// glob is matched against the path relative to the directory named on the command line and
    /// against the path as reported; `*` also matches `/`.
    pub fn new(include: Option<&[String]>, exclude: &[String]) -> Result<Select, String> {
        Ok(Select {
            include: include.map(build).transpose()?,
            exclude: build(exclude)?,
        })
    }

    /// Whether a file found at `relative` under a walked directory (reported as `shown`) is read.
    pub fn admits(&self, relative: &Path, shown: &Path) -> bool {
        let shown = shown.strip_prefix(".").unwrap_or(shown);
        let hit = |set: &GlobSet| set.is_match(relative) || set.is_match(shown);
        self.include.as_ref().is_none_or(hit) && !hit(&self.exclude)
    }
}

/// One set of globs; an invalid glob is an error naming it.
fn build(globs: &[String]) -> Result<GlobSet, String> {
    let mut set = GlobSetBuilder::new();
    for g in globs {
        set.add(Glob::new(g).map_err(|e| format!("invalid glob {g:?}: {}", e.kind()))?);
    }
    set.build().map_err(|e| e.to_string())
}

/// Expands files, directories (recursively, sorted by name) and `-` into inputs. Paths that do
/// not exist, loops of symbolic links and unreadable directories become inputs with an error;
/// FIFOs, sockets and device files inside directories are skipped, and so are files the default
/// [`Select`] excludes.
pub fn expand(paths: &[String]) -> Vec<Planned> {
    expand_selected(paths, &Select::default())
}

/// [`expand`], reading only the files inside directories that `select` admits.
pub fn expand_selected(paths: &[String], select: &Select) -> Vec<Planned> {
    let mut out = Vec::new();
    let mut stdin = false;
    for p in paths {
        if p == "-" {
            // Standard input can be read once: `scan - -` lists it once.
            if std::mem::replace(&mut stdin, true) {
                continue;
            }
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
                walk_dir(&path, &path, select, &mut seen, &mut out);
            }
            // A named FIFO or device is read like a file: the user asked for it.
            Ok(_) => out.push(file(&path)),
            Err(e) => out.push(Planned {
                display: shown(&path),
                origin: Origin::File(path),
                error: Some(describe(&e)),
            }),
        }
    }
    out
}

/// A path as reports show it: with any secret in it hidden (a file saved by `wget` as
/// `app.log?sv=...&sig=...` carries a SAS signature in its name) and control characters (an
/// escape byte could drive the terminal a table is printed on) written as `\u{..}` escapes,
/// but for a line end or a tab, which each format escapes in its own way.
pub fn shown(path: &Path) -> String {
    let name = path.display().to_string();
    let redacted = crate::scan::secrets::redact_name(name.as_bytes());
    let redacted = String::from_utf8_lossy(&redacted);
    let escaped = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !redacted.chars().any(escaped) {
        return redacted.into_owned();
    }
    redacted
        .chars()
        .map(|c| {
            if escaped(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn file(path: &Path) -> Planned {
    Planned {
        display: shown(path),
        origin: Origin::File(path.to_path_buf()),
        error: None,
    }
}

// The id is a copy on Unix and a path elsewhere.
#[cfg_attr(unix, allow(clippy::clone_on_copy))]
fn walk_dir(root: &Path, dir: &Path, select: &Select, seen: &mut HashSet<DirId>, out: &mut Vec<Planned>) {
    let error = |msg: String| Planned {
        display: shown(dir),
        origin: Origin::File(dir.to_path_buf()),
        error: Some(msg),
    };
    let id = match dir_id(dir) {
        Ok(id) => id,
        Err(e) => return out.push(error(describe(&e))),
    };
    if !seen.insert(id.clone()) {
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
            Ok(kind) if kind.is_dir() => walk_dir(root, &path, select, seen, out),
            Ok(kind) if kind.is_file() => {
                if select.admits(path.strip_prefix(root).unwrap_or(&path), &path) {
                    out.push(file(&path));
                }
            }
            Ok(_) => {} // FIFO, socket or device: reading it could hang or never end.
            Err(e) => out.push(Planned {
                display: shown(&path),
                origin: Origin::File(path.clone()),
                error: Some(describe(&e)),
            }),
        }
    }
    seen.remove(&id);
}

/// What tells a directory from every other: its device and inode (one `stat`, where a
/// canonical path costs a `stat` per level of the path, which made deep trees cubic), or
/// elsewhere its canonical path.
#[cfg(unix)]
fn dir_id(dir: &Path) -> std::io::Result<DirId> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(dir)?;
    Ok((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn dir_id(dir: &Path) -> std::io::Result<DirId> {
    fs::canonicalize(dir)
}

/// See [`dir_id`].
#[cfg(unix)]
type DirId = (u64, u64);
#[cfg(not(unix))]
type DirId = PathBuf;

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
