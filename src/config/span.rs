//! Positions in TOML files: every error about a config or baseline file names `path:line:col`.

/// The 1-based line and column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(before.len(), |i| before.len() - i - 1) + 1;
    (line, col)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 9), (2, 4));
    }
}
