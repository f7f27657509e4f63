//! Text that fits a width: word wrapping, excerpts cut around the part that matters, and
//! borderless column tables whose cells never split a code or a short word.

use std::io::{self, Write};

/// Words up to this many characters are never split across lines (longer ones may be, when a
/// column is narrower).
pub const UNSPLIT_WORD: usize = 20;

/// Columns a string takes (one per character: reports hold ASCII but for the ellipsis).
pub fn width_of(s: &str) -> usize {
    s.chars().count()
}

/// The first `n` characters of `s`.
fn take(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `text` wrapped at word boundaries into lines of at most `width` columns. A word longer than
/// `width` is split (only then), after punctuation when it can be. Runs of blanks count as one.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word;
        loop {
            let need = if line.is_empty() { 0 } else { width_of(&line) + 1 };
            if need + width_of(word) <= width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // The word alone is wider than a line: split it, after a `-`, `/`, `_`, `:` or `.`
            // when there is one in the second half of the line.
            let head = take(word, width);
            let head = match head.rfind(['-', '/', '_', ':', '.', ',']) {
                Some(i) if i + 1 > width / 2 && i + 1 < word.len() => &head[..=i],
                _ => head,
            };
            lines.push(head.to_string());
            word = &word[head.len()..];
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes `text` wrapped to `width`, the first line after `first`, the others after `rest`
/// (both prefixes count towards the width).
pub fn write_wrapped(out: &mut dyn Write, first: &str, rest: &str, text: &str, width: usize) -> io::Result<()> {
    let avail = width
        .saturating_sub(width_of(first).max(width_of(rest)))
        .max(UNSPLIT_WORD);
    for (i, line) in wrap(text, avail).iter().enumerate() {
        let prefix = if i == 0 { first } else { rest };
        writeln!(out, "{}", format!("{prefix}{line}").trim_end())?;
    }
    Ok(())
}

/// Writes a code line (which must keep its blanks) cut into pieces of at most `width` columns,
/// breaking at a blank where there is one; continuations line up four columns right of the
/// line's own indentation.
pub fn write_verbatim(out: &mut dyn Write, indent: &str, line: &str, width: usize) -> io::Result<()> {
    let line = line.trim_end();
    let body = line.trim_start();
    let own = &line[..line.len() - body.len()];
    let first = format!("{indent}{own}");
    let rest = format!("{first}    ");
    let mut text = body;
    let mut prefix = first.as_str();
    while !text.is_empty() {
        let room = width.saturating_sub(width_of(prefix)).max(UNSPLIT_WORD);
        if width_of(text) <= room {
            writeln!(out, "{prefix}{text}")?;
            break;
        }
        let head = take(text, room);
        let cut = match head.rfind(' ') {
            Some(i) if !head[..i].trim().is_empty() => i,
            _ => head.len(),
        };
        writeln!(out, "{prefix}{}", head[..cut].trim_end())?;
        text = text[cut..].trim_start();
        prefix = rest.as_str();
    }
    Ok(())
}

/// What a log line is quoted for, in order of preference: the code, the OAuth error, the request.
const MARKERS: [&str; 14] = [
    "AADSTS",
    "authorization_pending",
    "authorization_declined",
    "expired_token",
    "slow_down",
    "invalid_grant",
    "already been redeemed",
    "error",
    "Error",
    "ERROR",
    "device_code",
    "POST",
    "/token",
    "code",
];

/// `line` cut to at most `width` columns around the part that matters (the first AADSTS code,
/// OAuth error or token request), with `…` where text was left out. The start of the line (its
/// time) is kept when the part that matters fits after it.
pub fn excerpt(line: &str, width: usize) -> String {
    let line = line.trim_end();
    let width = width.max(8);
    let n = width_of(line);
    if n <= width {
        return line.to_string();
    }
    let short = shorten_words(line);
    let line = short.as_str();
    let n = width_of(line);
    if n <= width {
        return line.to_string();
    }
    let chars: Vec<char> = line.chars().collect();
    // Character index of the first marker, if any.
    let at = MARKERS
        .iter()
        .find_map(|m| line.find(m))
        .map_or(0, |byte| line[..byte].chars().count());
    let keep_head = width * 2 / 5;
    if at + width / 3 < width {
        // The marker fits after the start of the line: keep the start, end at a blank.
        let end = (width.saturating_sub(17)..width - 1)
            .rev()
            .find(|&i| i > at && chars[i].is_whitespace())
            .unwrap_or(width - 1);
        let s: String = chars[..end].iter().collect();
        return format!("{}…", s.trim_end());
    }
    // Keep a short head, the line's time when it has one near its start (else its first words),
    // then a window that starts at the marker.
    let (head, head_len) = match crate::scan::time::locate(line.as_bytes()) {
        Some((range, _)) if line[..range.start].chars().count() < 40 && range.end <= line.len() => {
            let end = line[..range.end].chars().count();
            (line[range].to_string(), end.min(at))
        }
        _ => {
            let len = keep_head.min(24).min(at);
            let head: String = chars[..len].iter().collect();
            // The head ends at a blank.
            let head = match head.rfind(char::is_whitespace) {
                Some(i) if i > 0 => head[..i].to_string(),
                _ => head,
            };
            let head = head.trim_end().to_string();
            let len = width_of(&head);
            (head, len)
        }
    };
    // A head that leaves less than half the width to the part that matters is left out.
    let (head, head_len) = if width_of(&head) * 2 > width {
        (String::new(), 0)
    } else {
        (head, head_len)
    };
    let head = head.as_str();
    // A blank and two ellipses at most besides the head.
    let room = width.saturating_sub(width_of(head) + 3).max(1);
    // Start at the word that holds the marker.
    let word = chars[..at]
        .iter()
        .rev()
        .take(16)
        .take_while(|c| !c.is_whitespace())
        .count();
    let start = (at - word).max(head_len);
    let end = (start + room).min(n);
    let start = if end == n {
        // The end of the line is in view: fill the room before the marker, from a word start.
        let fill = n.saturating_sub(room + 1).max(head_len);
        (fill..=(fill + 16).min(at))
            .find(|&i| i > 0 && chars[i - 1].is_whitespace())
            .unwrap_or(fill)
    } else {
        start
    };
    // Cut at a blank rather than inside a word (a code) when one is near the end.
    let end = if end < n {
        (end.saturating_sub(16)..end)
            .rev()
            .find(|&i| i > start && chars[i].is_whitespace())
            .unwrap_or(end)
    } else {
        end
    };
    let mid: String = chars[start..end].iter().collect();
    let tail = if end < n { "…" } else { "" };
    let joined = if head.is_empty() {
        format!("…{}{tail}", mid.trim())
    } else {
        format!("{head} …{}{tail}", mid.trim())
    };
    if width_of(&joined) > width {
        let cut: String = joined.chars().take(width - 1).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// Words longer than this are shortened in the middle in excerpts that do not fit.
const LONG_WORD: usize = 40;

/// `line` with every word over [`LONG_WORD`] characters (ids in URLs, base64, hashes) cut to its
/// head and tail, unless it holds an AADSTS code.
fn shorten_words(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        let blank = rest.find(|c: char| !c.is_whitespace()).unwrap_or(rest.len());
        out.push_str(&rest[..blank]);
        rest = &rest[blank..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        let n = width_of(word);
        if n > LONG_WORD && !word.contains("AADSTS") {
            let head: String = word.chars().take(9).collect();
            let tail: String = word.chars().skip(n - 18).collect();
            out.push_str(&format!("{head}…{tail}"));
        } else {
            out.push_str(word);
        }
        rest = &rest[end..];
    }
    out
}

/// One column of a [`Grid`].
#[derive(Clone, Copy, Debug)]
pub struct Column<'a> {
    /// The header.
    pub header: &'a str,
    /// The cell is one token (a code, a number, a path:line) and is never wrapped when it can
    /// be helped.
    pub whole: bool,
    /// Right-aligned (numbers).
    pub right: bool,
    /// Prose cut to one line (with `…`) instead of wrapped.
    pub clip: bool,
    /// Columns with a higher number are dropped first when the width cannot hold them all; 0 is
    /// never dropped.
    pub drop: u8,
}

impl<'a> Column<'a> {
    /// A column of prose that wraps.
    pub fn text(header: &'a str) -> Column<'a> {
        Column {
            header,
            whole: false,
            right: false,
            clip: false,
            drop: 0,
        }
    }

    /// A column of single tokens (codes, ids) that are never split.
    pub fn token(header: &'a str) -> Column<'a> {
        Column {
            whole: true,
            ..Column::text(header)
        }
    }

    /// A right-aligned column of numbers.
    pub fn number(header: &'a str) -> Column<'a> {
        Column {
            right: true,
            ..Column::token(header)
        }
    }

    /// The same column, its prose cut to one line when `clip`.
    pub fn clipped(self, clip: bool) -> Column<'a> {
        Column { clip, ..self }
    }

    /// The same column, dropped at narrow widths (higher `rank` first).
    pub fn optional(self, rank: u8) -> Column<'a> {
        Column { drop: rank, ..self }
    }
}

/// A borderless table, `gh`-style: a header line, then rows; columns two blanks apart; prose
/// cells wrap at word boundaries to fit the width.
pub struct Grid<'a> {
    columns: Vec<Column<'a>>,
    rows: Vec<Vec<String>>,
}

const GAP: usize = 2;

/// The width a prose column should have before an optional column is kept beside it.
const COMFORTABLE: usize = 40;

impl<'a> Grid<'a> {
    /// An empty table with these columns.
    pub fn new(columns: Vec<Column<'a>>) -> Grid<'a> {
        Grid {
            columns,
            rows: Vec::new(),
        }
    }

    /// Adds a row (one cell per column; a cell may hold several lines).
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.columns.len());
        self.rows.push(cells);
    }

    /// The widest line of column `c` (header included), and the widest word (capped at
    /// [`UNSPLIT_WORD`] for prose, whole for tokens).
    fn measure(&self, c: usize) -> (usize, usize) {
        let col = &self.columns[c];
        let mut natural = width_of(col.header);
        let mut least = if col.whole {
            natural
        } else {
            col.header.split_whitespace().map(width_of).max().unwrap_or(0)
        };
        for row in &self.rows {
            for line in row[c].lines() {
                natural = natural.max(width_of(line));
                if col.whole {
                    least = least.max(width_of(line));
                } else {
                    let word = line.split_whitespace().map(width_of).max().unwrap_or(0);
                    least = least.max(word.min(UNSPLIT_WORD));
                }
            }
        }
        (natural, least.max(1))
    }

    /// Column indexes kept and their widths, for `width` columns in all; `None` when even the
    /// columns that cannot be dropped do not fit side by side.
    fn layout(&self, width: usize) -> Option<(Vec<usize>, Vec<usize>)> {
        let sizes: Vec<(usize, usize)> = (0..self.columns.len()).map(|c| self.measure(c)).collect();
        let mut kept: Vec<usize> = (0..self.columns.len()).collect();
        let total = |kept: &[usize], pick: fn((usize, usize)) -> usize| -> usize {
            kept.iter().map(|&c| pick(sizes[c])).sum::<usize>() + GAP * kept.len().saturating_sub(1)
        };
        // Drop optional columns, highest rank first, until the others fit comfortably: tokens
        // whole, prose at least [`COMFORTABLE`] wide when it has that much.
        let comfortable: Vec<usize> = (0..self.columns.len())
            .map(|c| {
                let (natural, least) = sizes[c];
                if self.columns[c].whole {
                    natural
                } else {
                    natural.min(COMFORTABLE).max(least)
                }
            })
            .collect();
        let wanted = |kept: &[usize]| -> usize {
            kept.iter().map(|&c| comfortable[c]).sum::<usize>() + GAP * kept.len().saturating_sub(1)
        };
        while wanted(&kept) > width {
            let Some((pos, _)) = kept
                .iter()
                .enumerate()
                .filter(|(_, &c)| self.columns[c].drop > 0)
                .max_by_key(|(pos, &c)| (self.columns[c].drop, *pos))
            else {
                break;
            };
            kept.remove(pos);
        }
        if total(&kept, |s| s.1) > width {
            return None;
        }
        let mut widths: Vec<usize> = kept.iter().map(|&c| sizes[c].1).collect();
        let natural: Vec<usize> = kept.iter().map(|&c| sizes[c].0).collect();
        let mut spare = width.saturating_sub(total(&kept, |s| s.1));
        // Give the spare room to the columns that want more, one column at a time in order of
        // need (smallest want first, so short columns end up whole).
        let mut order: Vec<usize> = (0..kept.len()).collect();
        order.sort_by_key(|&i| natural[i] - widths[i]);
        let mut left = order.len();
        for i in order {
            let share = spare / left.max(1);
            let want = natural[i] - widths[i];
            let give = want.min(share.max(if left == 1 { spare } else { 0 }));
            widths[i] += give;
            spare -= give;
            left -= 1;
        }
        Some((kept, widths))
    }

    /// Writes the table in at most `width` columns (when every kept column's least width fits).
    /// When the columns cannot stand side by side, each row becomes a block: its first cell,
    /// then one `Header: value` line per other column.
    pub fn write(&self, out: &mut dyn Write, width: usize, bold: bool) -> io::Result<()> {
        let Some((kept, widths)) = self.layout(width) else {
            return self.write_stacked(out, width, bold);
        };
        let header: Vec<String> = kept.iter().map(|&c| self.columns[c].header.to_string()).collect();
        self.write_row(out, &kept, &widths, &header, bold)?;
        for row in &self.rows {
            self.write_row(out, &kept, &widths, row, false)?;
        }
        Ok(())
    }

    /// Rows as blocks, for widths too narrow for the columns.
    /// Optional columns are left out.
    fn write_stacked(&self, out: &mut dyn Write, width: usize, bold: bool) -> io::Result<()> {
        let label = self.columns[1..].iter().map(|c| width_of(c.header)).max().unwrap_or(0) + 4;
        for row in &self.rows {
            for line in row[0].lines().flat_map(|l| wrap(l, width)) {
                if bold {
                    writeln!(out, "\x1b[1m{line}\x1b[0m")?;
                } else {
                    writeln!(out, "{line}")?;
                }
            }
            for (c, cell) in self.columns.iter().zip(row).skip(1) {
                if cell.is_empty() || c.drop > 0 {
                    continue;
                }
                let first = format!("  {:<w$}", format!("{}:", c.header), w = label - 2);
                write_wrapped(out, &first, &" ".repeat(label), cell, width)?;
            }
        }
        Ok(())
    }

    fn write_row(
        &self,
        out: &mut dyn Write,
        kept: &[usize],
        widths: &[usize],
        cells: &[String],
        bold: bool,
    ) -> io::Result<()> {
        let wrapped: Vec<Vec<String>> = kept
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (&c, &w))| {
                let cell = if cells.len() == kept.len() {
                    &cells[i]
                } else {
                    &cells[c]
                };
                let col = &self.columns[c];
                let mut lines: Vec<String> = cell.lines().flat_map(|l| wrap(l, w)).collect();
                if col.clip && lines.len() > 1 {
                    lines.truncate(1);
                    let mut first = lines.pop().unwrap_or_default();
                    if width_of(&first) + 1 > w {
                        first = match first.rfind(' ') {
                            Some(i) => first[..i].to_string(),
                            None => take(&first, w.saturating_sub(1)).to_string(),
                        };
                    }
                    lines.push(format!("{}…", first.trim_end_matches([' ', ',', ';', ':'])));
                }
                lines
            })
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        for line in 0..height {
            let mut text = String::new();
            for (i, (&c, &w)) in kept.iter().zip(widths).enumerate() {
                let cell = wrapped[i].get(line).map_or("", String::as_str);
                if i > 0 {
                    text.push_str(&" ".repeat(GAP));
                }
                let pad = w.saturating_sub(width_of(cell));
                if self.columns[c].right {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    if i + 1 < kept.len() {
                        text.push_str(&" ".repeat(pad));
                    }
                }
            }
            let text = text.trim_end();
            if bold {
                writeln!(out, "\x1b[1m{text}\x1b[0m")?;
            } else {
                writeln!(out, "{text}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_whole_and_lines_short() {
        let lines = wrap("one two three four five six seven", 10);
        assert_eq!(lines, ["one two", "three four", "five six", "seven"]);
        assert_eq!(wrap("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
        assert_eq!(
            wrap("blocked-by-conditional-access", 20),
            ["blocked-by-", "conditional-access"]
        );
        assert_eq!(wrap("", 5), [""]);
    }

    #[test]
    fn excerpt_fits_any_width() {
        let line = format!(
            "{{\"timestamp\": \"2026-11-27T10:48:01.010000+00:00\", \"msg\": {}, \"error\": \"AADSTS90120\"}}",
            "y ".repeat(100)
        );
        for width in 1..120 {
            let cut = excerpt(&line, width);
            assert!(width_of(&cut) <= width.max(8), "{width}: {cut}");
        }
    }

    #[test]
    fn excerpt_keeps_the_code_in_view() {
        let line = format!(
            "2026-11-27 10:04:37,159 4242 MainThread {} ERROR invalid_grant: AADSTS90120: The request was already authorized",
            "x".repeat(200)
        );
        let cut = excerpt(&line, 70);
        assert!(width_of(&cut) <= 70, "{cut}");
        assert!(cut.contains("AADSTS90120"), "{cut}");
        assert!(cut.starts_with("2026-11-27"), "{cut}");
        assert_eq!(excerpt("short line", 70), "short line");
    }

    #[test]
    fn grid_never_splits_tokens_and_fits() {
        let mut g = Grid::new(vec![
            Column::token("Code"),
            Column::number("Failures"),
            Column::text("Meaning"),
            Column::text("Extra").optional(1),
        ]);
        g.row(vec![
            "AADSTS90120".into(),
            "12".into(),
            "The device code was already used: the sign-in was approved or declined before this poll".into(),
            "something optional".into(),
        ]);
        for width in [40, 60, 80, 120] {
            let mut out = Vec::new();
            g.write(&mut out, width, false).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("AADSTS90120"), "{text}");
            for line in text.lines() {
                assert!(width_of(line) <= width, "{width}: {line:?}");
            }
        }
    }
}
