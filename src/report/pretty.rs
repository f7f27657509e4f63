//! The JSON reports' printer: what `serde_json::to_writer_pretty` prints (two-space indents,
//! `": "` after keys), byte for byte, from a serializer of its own.
//!
//! Two things made `serde_json`'s printer slow on large reports: it tests every byte of a string
//! against its escape table (half of the report's instructions), and it writes an indentation
//! one level at a time. Here a string is checked eight bytes at a time (a few arithmetic
//! operations on a 64-bit word), and a line break is written with its indentation at
//! once. Numbers are written as `serde_json` writes them (`itoa`, and `serde_json` itself for
//! floats); the tests compare the two printers on many values.

use serde::ser::{self, Serialize};
use std::io::Write;

type Error = serde_json::Error;
type Result<T> = std::result::Result<T, Error>;

/// A line break and the indentation of the deepest line written at once; deeper lines write
/// the rest a level at a time.
const BREAK: &[u8] = b"\n                                                                ";

/// Writes `value` as pretty-printed JSON, as `serde_json::to_writer_pretty` does.
pub fn to_writer<W: Write, T: Serialize + ?Sized>(writer: W, value: &T) -> Result<()> {
    to_writer_with(writer, value, &[])
}

/// Prints the value of one member of the top-level object, given its depth: see
/// [`to_writer_with`].
pub type Splice<'a> = &'a dyn Fn(&mut dyn Write, usize) -> std::io::Result<()>;

/// [`to_writer`], except that the values of the top-level object's members named in `splices`
/// are printed by their function, straight to `writer` (what a function prints must be what the
/// printer would print for the value: [`array_in_parallel`] is).
pub fn to_writer_with<W: Write, T: Serialize + ?Sized>(writer: W, value: &T, splices: &[(&str, Splice)]) -> Result<()> {
    let mut printer = Printer::new(Spliced { writer, splices }, 0);
    value.serialize(&mut printer)?;
    printer.flush()
}

/// Prints `items` as the JSON array [`to_writer`] prints for them at `depth`, their elements
/// printed side by side on the thread pool, a window of them at a time (so the memory held is
/// a window's print, whatever the length). The report's flows and findings are most of a large
/// report: on the 1 GiB dense bench log (43 MB of JSON) the report took 180 ms on one thread.
pub fn array_in_parallel<T: Serialize + Sync>(items: &[T], depth: usize, out: &mut dyn Write) -> std::io::Result<()> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    /// Elements printed by one thread at a time: long strings shared by many elements (a
    /// cause's fix) are escaped once per chunk.
    const CHUNK: usize = 256;
    /// Elements printed before any is written.
    const WINDOW: usize = 16 * CHUNK;
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    // The longest chunk's print so far: a chunk's buffer starts that large, so that it seldom
    // grows (a growing buffer is copied each time it doubles).
    let longest = AtomicUsize::new(0);
    for (w, window) in items.chunks(WINDOW).enumerate() {
        let printed: Vec<Result<Vec<u8>>> = window
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let room = (longest.load(Ordering::Relaxed) * 9 / 8).max(2 * FLUSH_AT);
                let mut printer = Printer::in_memory(depth + 1, room);
                for (k, item) in chunk.iter().enumerate() {
                    printer.item(w == 0 && c == 0 && k == 0)?;
                    item.serialize(&mut printer)?;
                }
                let bytes = printer.into_bytes();
                longest.fetch_max(bytes.len(), Ordering::Relaxed);
                Ok(bytes)
            })
            .collect();
        for bytes in printed {
            out.write_all(&bytes.map_err(std::io::Error::other)?)?;
        }
    }
    // The closing bracket on a line of its own, printed first so that a failed write to `out`
    // keeps its kind (a closed pipe is not an error to the caller).
    let mut end = Printer::in_memory(depth, 2 * depth + 2);
    end.new_line()
        .and_then(|()| end.write(b"]"))
        .map_err(std::io::Error::other)?;
    out.write_all(&end.into_bytes())
}

/// Where a printer writes, and the members it leaves to functions ([`to_writer_with`]).
struct Spliced<'s, W> {
    writer: W,
    splices: &'s [(&'s str, Splice<'s>)],
}

/// What a printer writes into: [`Spliced`], whatever its writer.
trait Sink {
    /// Writes `bytes` to the writer.
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// The splice that prints the value of top-level member `key`, if any.
    fn splice_for(&self, key: &str) -> Option<usize>;
    /// Prints splice `i`, a value at `depth`, to the writer.
    fn splice(&mut self, i: usize, depth: usize) -> std::io::Result<()>;
}

impl<W: Write> Sink for Spliced<'_, W> {
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.writer.write_all(bytes)
    }

    fn splice_for(&self, key: &str) -> Option<usize> {
        self.splices.iter().position(|(k, _)| *k == key)
    }

    fn splice(&mut self, i: usize, depth: usize) -> std::io::Result<()> {
        (self.splices[i].1)(&mut self.writer, depth)
    }
}

/// How much printed JSON is held before it goes to the writer: the printer's many small writes
/// (a quote, a comma) are copies into a vector, not calls into a writer.
const FLUSH_AT: usize = 1 << 16;

/// The printer: where it writes, how deep it is, and whether the array or object being written
/// has a value yet (then its closing bracket goes on a line of its own).
struct Printer<W> {
    /// What is printed and not yet written to `sink`.
    out: Vec<u8>,
    /// How much of `out` is held before [`Printer::item`] hands it to `sink`.
    flush_at: usize,
    sink: W,
    depth: usize,
    has_value: bool,
    /// Long strings met more than once, by address and length, escaped: a cause's fix is one
    /// string that every finding of the cause quotes (a quarter of the dense bench log's
    /// report), and the value printed is borrowed unchanged while it is printed.
    escaped: Vec<(usize, usize, Vec<u8>)>,
    /// The splice that prints the value of the top-level member whose key was just written.
    splice: Option<usize>,
}

/// Strings at least this long are escaped once however often they are printed.
const SHARED_MIN: usize = 512;

/// The most strings kept escaped.
const SHARED_MAX: usize = 64;

impl Printer<Spliced<'_, Vec<u8>>> {
    /// A printer into memory at `depth`, with room for `room` bytes and nothing spliced: a part
    /// of a larger print, held in `out` (handing it to a writer in memory as it grew copied the
    /// dense bench log's whole report once more).
    fn in_memory(depth: usize, room: usize) -> Self {
        let sink = Spliced {
            writer: Vec::new(),
            splices: &[],
        };
        Printer::with_room(sink, depth, room, usize::MAX)
    }

    /// Everything printed: all of it is still held, as an in-memory printer never reaches its
    /// `flush_at` and splices nothing.
    fn into_bytes(self) -> Vec<u8> {
        debug_assert!(self.sink.writer.is_empty(), "an in-memory printer hands nothing on");
        self.out
    }
}

impl<W: Sink> Printer<W> {
    fn new(sink: W, depth: usize) -> Printer<W> {
        Printer::with_room(sink, depth, 2 * FLUSH_AT, FLUSH_AT)
    }

    /// A printer whose buffer starts with `room` bytes and is handed to `sink` at `flush_at`.
    fn with_room(sink: W, depth: usize, room: usize, flush_at: usize) -> Printer<W> {
        Printer {
            out: Vec::with_capacity(room),
            flush_at,
            sink,
            depth,
            has_value: false,
            escaped: Vec::new(),
            splice: None,
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.extend_from_slice(bytes);
        Ok(())
    }

    /// Hands what is printed to the writer.
    fn flush(&mut self) -> Result<()> {
        self.sink.write_all(&self.out).map_err(Error::io)?;
        self.out.clear();
        Ok(())
    }

    /// A line break, then the indentation of the current depth.
    fn new_line(&mut self) -> Result<()> {
        let width = 2 * self.depth;
        let now = width.min(BREAK.len() - 1);
        self.write(&BREAK[..1 + now])?;
        for _ in now..width {
            self.write(b" ")?;
        }
        Ok(())
    }

    /// Opens an array or object with `bracket`.
    fn open(&mut self, bracket: &[u8]) -> Result<()> {
        self.depth += 1;
        self.has_value = false;
        self.write(bracket)
    }

    /// Closes an array or object with `bracket`, on a line of its own after any value.
    fn close(&mut self, bracket: &[u8]) -> Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.new_line()?;
        }
        self.write(bracket)
    }

    /// Starts an item of an array or a member of an object, on a line of its own.
    fn item(&mut self, first: bool) -> Result<()> {
        if self.out.len() >= self.flush_at {
            self.flush()?;
        }
        if !first {
            self.write(b",")?;
        }
        self.new_line()
    }

    /// Opens an array (`len` elements, if known), as a compound that closes it.
    fn array(&mut self, len: Option<usize>, wrapped: Wrapped) -> Result<Compound<'_, W>> {
        self.compound(len, b"[", b"]", wrapped)
    }

    /// Opens an object (`len` members, if known), as a compound that closes it.
    fn object(&mut self, len: Option<usize>, wrapped: Wrapped) -> Result<Compound<'_, W>> {
        self.compound(len, b"{", b"}", wrapped)
    }

    fn compound(
        &mut self,
        len: Option<usize>,
        open: &'static [u8],
        close: &'static [u8],
        wrapped: Wrapped,
    ) -> Result<Compound<'_, W>> {
        self.open(open)?;
        // Known to be empty: closed at once, as `serde_json` does.
        let empty = len == Some(0);
        if empty {
            self.close(close)?;
        }
        Ok(Compound {
            printer: self,
            first: true,
            empty,
            close,
            wrapped,
        })
    }

    /// Opens `{"variant": ` around an enum variant's value.
    fn variant(&mut self, variant: &str) -> Result<()> {
        self.open(b"{")?;
        self.item(true)?;
        self.string(variant)?;
        self.write(b": ")
    }

    /// Closes what [`Printer::variant`] opened.
    fn end_variant(&mut self) -> Result<()> {
        self.has_value = true;
        self.close(b"}")
    }

    fn integer(&mut self, value: impl itoa::Integer) -> Result<()> {
        self.write(itoa::Buffer::new().format(value).as_bytes())
    }

    fn float<F: Serialize>(&mut self, value: F) -> Result<()> {
        // Rare in reports: `serde_json` writes them, so that they read the same.
        serde_json::to_writer(&mut self.out, &value)
    }

    /// `s` as a JSON string.
    fn string(&mut self, s: &str) -> Result<()> {
        if s.len() < SHARED_MIN {
            escape(s.as_bytes(), &mut self.out);
            return Ok(());
        }
        let key = (s.as_ptr() as usize, s.len());
        if let Some((.., text)) = self.escaped.iter().find(|(at, len, _)| (*at, *len) == key) {
            self.out.extend_from_slice(text);
            return Ok(());
        }
        let mut text = Vec::with_capacity(s.len() + s.len() / 8 + 2);
        escape(s.as_bytes(), &mut text);
        self.write(&text)?;
        if self.escaped.len() < SHARED_MAX {
            self.escaped.push((key.0, key.1, text));
        }
        Ok(())
    }
}

/// Writes `bytes` (UTF-8) as a JSON string, escaped as `serde_json` escapes them.
fn escape(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    // Where the bytes not yet written start.
    let mut run = 0;
    let mut words = bytes.chunks_exact(WORD);
    let mut at = 0;
    for word in words.by_ref() {
        let mut flagged = may_need_escape(u64::from_le_bytes(word.try_into().expect("a word")));
        while flagged != 0 {
            let i = at + flagged.trailing_zeros() as usize / 8;
            if needs_escape(bytes[i]) {
                run = escape_at(bytes, i, run, out);
            }
            flagged &= flagged - 1;
        }
        at += WORD;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if needs_escape(b) {
            run = escape_at(bytes, at + i, run, out);
        }
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// Writes the bytes from `run` up to byte `i`, then the escape of byte `i`, as `serde_json`
/// writes it; returns where the bytes not yet written start.
fn escape_at(bytes: &[u8], i: usize, run: usize, out: &mut Vec<u8>) -> usize {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(&bytes[run..i]);
    let b = bytes[i];
    let escaped: &[u8] = match b {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        0x08 => b"\\b",
        0x0c => b"\\f",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        _ => &[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(b >> 4)],
            HEX[usize::from(b & 0xf)],
        ],
    };
    out.extend_from_slice(escaped);
    i + 1
}

/// How many bytes of a string are checked at once.
const WORD: usize = 8;

/// Whether JSON needs byte `b` of a string escaped: control characters, `"` and `\`.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The high bit of each byte of `word` that may need escaping: every byte that does, and
/// perhaps a byte just above one (the subtraction's borrow), which [`needs_escape`] then clears.
fn may_need_escape(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u64| x.wrapping_sub(n * ONES) & !x & HIGH;
    below(word, 0x20) | below(word ^ (u64::from(b'"') * ONES), 1) | below(word ^ (u64::from(b'\\') * ONES), 1)
}

/// Whether a compound is the value of an enum variant, inside `{"variant": ...}`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wrapped {
    No,
    InVariant,
}

/// An array or object being written.
struct Compound<'a, W> {
    printer: &'a mut Printer<W>,
    /// No element or member written yet.
    first: bool,
    /// Closed already (it was known to be empty).
    empty: bool,
    close: &'static [u8],
    wrapped: Wrapped,
}

impl<W: Sink> Compound<'_, W> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.printer.item(std::mem::take(&mut self.first))?;
        value.serialize(&mut *self.printer)?;
        self.printer.has_value = true;
        Ok(())
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.printer.item(std::mem::take(&mut self.first))?;
        key.serialize(KeyPrinter(&mut *self.printer))
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.printer.write(b": ")?;
        if let Some(i) = self.printer.splice.take() {
            self.printer.flush()?;
            let depth = self.printer.depth;
            self.printer.sink.splice(i, depth).map_err(Error::io)?;
        } else {
            value.serialize(&mut *self.printer)?;
        }
        self.printer.has_value = true;
        Ok(())
    }

    fn end(self) -> Result<()> {
        if !self.empty {
            self.printer.close(self.close)?;
        }
        if self.wrapped == Wrapped::InVariant {
            self.printer.end_variant()?;
        }
        Ok(())
    }
}

/// A serializer's integer methods, each writing its integer through the serializer's `integer`.
macro_rules! integers {
    () => {
        integers!(
            serialize_i8(i8),
            serialize_i16(i16),
            serialize_i32(i32),
            serialize_i64(i64),
            serialize_i128(i128),
            serialize_u8(u8),
            serialize_u16(u16),
            serialize_u32(u32),
            serialize_u64(u64),
            serialize_u128(u128),
        );
    };
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method(self, v: $ty) -> Result<()> {
                self.integer(v)
            }
        )*
    };
}

/// The compounds written element after element: arrays, tuples, and tuple variants' arrays.
macro_rules! elements {
    ($($compound:ident::$method:ident),* $(,)?) => {
        $(
            impl<W: Sink> ser::$compound for Compound<'_, W> {
                type Ok = ();
                type Error = Error;

                fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                    self.element(value)
                }

                fn end(self) -> Result<()> {
                    Compound::end(self)
                }
            }
        )*
    };
}

/// The compounds written field after field: structs and struct variants' objects.
macro_rules! fields {
    ($($compound:ident),* $(,)?) => {
        $(
            impl<W: Sink> ser::$compound for Compound<'_, W> {
                type Ok = ();
                type Error = Error;

                fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
                    self.key(key)?;
                    self.value(value)
                }

                fn end(self) -> Result<()> {
                    Compound::end(self)
                }
            }
        )*
    };
}

impl<'a, W: Sink> ser::Serializer for &'a mut Printer<W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, W>;
    type SerializeTuple = Compound<'a, W>;
    type SerializeTupleStruct = Compound<'a, W>;
    type SerializeTupleVariant = Compound<'a, W>;
    type SerializeMap = Compound<'a, W>;
    type SerializeStruct = Compound<'a, W>;
    type SerializeStructVariant = Compound<'a, W>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.write(if v { b"true" } else { b"false" })
    }

    integers!();

    fn serialize_f32(self, v: f32) -> Result<()> {
        self.float(v)
    }

    fn serialize_f64(self, v: f64) -> Result<()> {
        self.float(v)
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<()> {
        self.string(v)
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        // As `serde_json` writes them: an array of numbers, `[]` when empty.
        let mut array = self.array(None, Wrapped::No)?;
        for b in v {
            array.element(b)?;
        }
        array.end()
    }

    fn serialize_none(self) -> Result<()> {
        self.write(b"null")
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        self.write(b"null")
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.write(b"null")
    }

    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<()> {
        self.string(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        self.variant(variant)?;
        value.serialize(&mut *self)?;
        self.end_variant()
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a, W>> {
        self.array(len, Wrapped::No)
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, W>> {
        self.array(Some(len), Wrapped::No)
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, W>> {
        self.array(Some(len), Wrapped::No)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a, W>> {
        self.variant(variant)?;
        self.array(Some(len), Wrapped::InVariant)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a, W>> {
        self.object(len, Wrapped::No)
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, W>> {
        self.object(Some(len), Wrapped::No)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a, W>> {
        self.variant(variant)?;
        self.object(Some(len), Wrapped::InVariant)
    }
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
);

impl<W: Sink> ser::SerializeMap for Compound<'_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.value(value)
    }

    fn end(self) -> Result<()> {
        Compound::end(self)
    }
}

fields!(SerializeStruct, SerializeStructVariant);

/// An object's key: a string, or a number or boolean written as one, as `serde_json` allows.
struct KeyPrinter<'a, W>(&'a mut Printer<W>);

impl<W: Sink> KeyPrinter<'_, W> {
    /// `text` between quotes (it never needs escaping).
    fn quoted(self, text: &[u8]) -> Result<()> {
        self.0.write(b"\"")?;
        self.0.write(text)?;
        self.0.write(b"\"")
    }

    fn integer(self, value: impl itoa::Integer) -> Result<()> {
        self.quoted(itoa::Buffer::new().format(value).as_bytes())
    }

    fn float<F: Serialize>(self, value: F, finite: bool) -> Result<()> {
        if !finite {
            return Err(ser::Error::custom("float key must be finite (got NaN or +/-inf)"));
        }
        self.quoted(&serde_json::to_vec(&value)?)
    }
}

fn not_a_key() -> Error {
    ser::Error::custom("key must be a string")
}

impl<W: Sink> ser::Serializer for KeyPrinter<'_, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<()> {
        if self.0.depth == 1 {
            self.0.splice = self.0.sink.splice_for(v);
        }
        self.0.string(v)
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.0.string(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<()> {
        self.0.string(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.quoted(if v { b"true" } else { b"false" })
    }

    integers!();

    fn serialize_f32(self, v: f32) -> Result<()> {
        self.float(v, v.is_finite())
    }

    fn serialize_f64(self, v: f64) -> Result<()> {
        self.float(v, v.is_finite())
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<()> {
        Err(not_a_key())
    }

    fn serialize_none(self) -> Result<()> {
        Err(not_a_key())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<()> {
        Err(not_a_key())
    }

    fn serialize_unit(self) -> Result<()> {
        Err(not_a_key())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        Err(not_a_key())
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<()> {
        Err(not_a_key())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(not_a_key())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(not_a_key())
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct> {
        Err(not_a_key())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(not_a_key())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(not_a_key())
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(not_a_key())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(not_a_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn ours<T: Serialize + ?Sized>(value: &T) -> String {
        let mut out = Vec::new();
        to_writer(&mut out, value).unwrap();
        String::from_utf8(out).unwrap()
    }

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
            serde_json::json!([-1, 0, u64::MAX, i64::MIN, 1.5, -0.0, 1e300, 0.1, true, false]),
            deep,
        ];
        for v in values {
            assert_eq!(ours(&v), serde_json::to_string_pretty(&v).unwrap());
        }
    }

    #[test]
    fn escapes_strings_as_serde_json_does() {
        // Every byte that needs escaping, at every place of a block and across blocks, among
        // plain ASCII and multi-byte characters.
        let mut strings: Vec<String> = vec![String::new(), "é".into(), "\u{7f}".into(), "日本語".repeat(7)];
        for special in (0u8..0x20).chain([b'"', b'\\']) {
            for at in 0..40 {
                let mut s = "x".repeat(at);
                s.push(char::from(special));
                s.push_str(&"é".repeat(at % 5));
                s.push_str(&"y".repeat(37 - at % 37));
                strings.push(s);
            }
        }
        for s in &strings {
            assert_eq!(ours(s), serde_json::to_string_pretty(s).unwrap(), "{s:?}");
        }
        assert_eq!(ours(&strings), serde_json::to_string_pretty(&strings).unwrap());
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(u8, &'static str),
        EmptyTuple(),
        Struct { a: Vec<u8>, b: Option<bool> },
        EmptyStruct {},
    }

    #[derive(Serialize)]
    struct Record {
        shapes: Vec<Shape>,
        keyed: BTreeMap<u32, &'static str>,
        flags: BTreeMap<bool, char>,
        bytes: serde_bytes_like::Bytes,
        unit: (),
        nothing: Option<u8>,
        floats: (f32, f64, f64),
        #[serde(flatten)]
        more: BTreeMap<String, i128>,
    }

    /// `serialize_bytes` without a crate for it.
    mod serde_bytes_like {
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }

    #[test]
    fn prints_every_shape_of_value_as_serde_json_does() {
        let record = Record {
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(1, "two"),
                Shape::EmptyTuple(),
                Shape::Struct {
                    a: vec![],
                    b: Some(true),
                },
                Shape::Struct { a: vec![1, 2], b: None },
                Shape::EmptyStruct {},
            ],
            keyed: [(1, "one"), (20, "twenty")].into(),
            flags: [(false, 'n'), (true, '"')].into(),
            bytes: serde_bytes_like::Bytes(vec![0, 255]),
            unit: (),
            nothing: None,
            floats: (0.25, f64::NAN, -12.5e-7),
            more: [("big".to_string(), i128::MIN)].into(),
        };
        assert_eq!(ours(&record), serde_json::to_string_pretty(&record).unwrap());
        let empty = serde_bytes_like::Bytes(vec![]);
        assert_eq!(ours(&empty), serde_json::to_string_pretty(&empty).unwrap());
    }

    #[test]
    fn refuses_the_keys_serde_json_refuses() {
        let map: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        assert!(to_writer(Vec::new(), &map).is_err());
        assert!(serde_json::to_string_pretty(&map).is_err());
    }

    #[test]
    fn arrays_printed_in_parallel_read_as_printed_in_one_pass() {
        // Elements sharing a long string (escaped once per chunk), at every length around the
        // chunk and window sizes, at several depths.
        let fix = "step \"one\"\n".repeat(50);
        let item = |i: usize| serde_json::json!({"n": i, "fix": fix, "inner": {"list": [i, "x"], "empty": []}});
        for len in [0, 1, 256, 257, 4097] {
            let items: Vec<serde_json::Value> = (0..len).map(item).collect();
            for depth in 0..3 {
                let mut nested = serde_json::Value::Array(items.clone());
                for _ in 0..depth {
                    nested = serde_json::json!({ "k": nested });
                }
                let whole = ours(&nested);
                let mut parallel = Vec::new();
                array_in_parallel(&items, depth, &mut parallel).unwrap();
                let parallel = String::from_utf8(parallel).unwrap();
                let at = whole.find('[').unwrap();
                assert_eq!(
                    &whole[at..at + parallel.len()],
                    parallel,
                    "{len} items at depth {depth}"
                );
                assert!(whole[at + parallel.len()..]
                    .chars()
                    .all(|c| c == '}' || c.is_whitespace()));
            }
        }
    }

    #[test]
    fn only_the_top_level_members_named_are_spliced() {
        let doc = serde_json::json!({
            "before": {"flows": [1, 2]},
            "flows": [{"a": 1}, {"b": [2, 3]}],
            "after": "text",
        });
        let items = doc["flows"].as_array().unwrap().clone();
        let calls = std::cell::Cell::new(0);
        let splice = |out: &mut dyn Write, depth| {
            calls.set(calls.get() + 1);
            array_in_parallel(&items, depth, out)
        };
        let mut out = Vec::new();
        to_writer_with(&mut out, &doc, &[("flows", &splice)]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), ours(&doc));
        assert_eq!(calls.get(), 1, "the nested `flows` is printed from its value");
    }

    #[test]
    fn a_closed_pipe_stays_a_closed_pipe_wherever_the_print_stops() {
        /// Takes `left` bytes, then fails as a closed pipe does.
        struct Closing {
            left: usize,
        }
        impl Write for Closing {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.left == 0 {
                    return Err(std::io::ErrorKind::BrokenPipe.into());
                }
                let n = buf.len().min(self.left);
                self.left -= n;
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let items: Vec<serde_json::Value> = (0..300).map(|i| serde_json::json!({ "n": i })).collect();
        let doc = serde_json::json!({ "a": 1, "flows": items, "z": 2 });
        let whole = ours(&doc).len();
        let splice = |out: &mut dyn Write, depth| array_in_parallel(&items, depth, out);
        // The array closes 16 bytes before the end (`\n  ],\n  "z": 2\n}`).
        for left in [0, 1, 20, whole / 2, whole - 16, whole - 15, whole - 8, whole - 1] {
            let err = to_writer_with(Closing { left }, &doc, &[("flows", &splice)]).unwrap_err();
            assert_eq!(
                err.io_error_kind(),
                Some(std::io::ErrorKind::BrokenPipe),
                "after {left} bytes"
            );
        }
    }
}
