//! Positions in TOML files: every error about a config or baseline file names `path:line:col`.

pub(crate) use crate::rules::line_col;

/// `path:line:col: message` for byte `offset` of `text`.
pub fn at(path: &str, text: &str, offset: usize, message: &str) -> String {
    let (line, col) = line_col(text, offset);
    format!("{path}:{line}:{col}: {message}")
}

/// A TOML parse or type error as `path:line:col: message` (the position when the parser knows it).
pub fn toml_error(path: &str, text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => at(path, text, span.start, e.message().trim()),
        None => format!("{path}: {}", e.message().trim()),
    }
}
