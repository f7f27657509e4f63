//! The JSON reports' printer: `serde_json`'s pretty layout (two-space indents, `": "` after
//! keys), byte for byte, with each line break and its indentation written at once.
//!
//! `serde_json`'s own pretty printer writes an indentation one level at a time: a line four
//! levels deep took five writes into the buffer, and the 43 MB dense bench report has 1.7
//! million lines.

use serde::Serialize;
use std::io::{self, Write};

/// A line break and the indentation of the deepest line written at once; deeper lines write
/// the rest a level at a time.
const BREAK: &[u8] = b"\n                                                                ";

/// Writes `value` as pretty-printed JSON, as `serde_json::to_writer_pretty` does.
pub fn to_writer<W: Write, T: Serialize + ?Sized>(writer: W, value: &T) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, Pretty::default());
    value.serialize(&mut ser)
}

/// `serde_json::ser::PrettyFormatter` with two-space indents.
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// A line break, then the indentation of the current depth.
    fn new_line<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        let width = 2 * self.depth;
        let now = width.min(BREAK.len() - 1);
        w.write_all(&BREAK[..1 + now])?;
        for _ in now..width {
            w.write_all(b" ")?;
        }
        Ok(())
    }

    /// Opens an array or object with `bracket`.
    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    /// Closes an array or object with `bracket`, on a line of its own after any value.
    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.new_line(w)?;
        }
        w.write_all(bracket)
    }

    /// Starts an item of an array or a member of an object, on a line of its own.
    fn item<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.new_line(w)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_what_serde_json_prints() {
        // Empty and nested containers, deeper than the indentation written at once.
        let mut deep = serde_json::json!("bottom");
        for i in 0..40 {
            deep = if i % 2 == 0 {
                serde_json::json!({ "k": deep, "e": {}, "a": [] })
            } else {
                serde_json::json!([deep, 1, "two", null, [], {}])
            };
        }
        let values = [
            serde_json::json!(null),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!({"a": [1, {"b": "c\"d\n"}], "e": {"f": []}}),
            deep,
        ];
        for v in values {
            let mut ours = Vec::new();
            to_writer(&mut ours, &v).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string_pretty(&v).unwrap()
            );
        }
    }
}
