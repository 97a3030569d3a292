//! JSON text exactly as MultiChain writes it: its own shortest form for doubles, every
//! non-ASCII character escaped as `\uXXXX`, and (for the CLI) `"key" : value` with 4-space
//! indentation and empty containers split over two lines.

use serde_json::{Number, Value};
use std::fmt::Write;

/// MultiChain's double formatting: at most 14 decimals of the mantissa, trailing zeros cut,
/// integral values without a point, exponent form below 1e-4 (unless an exact multiple of
/// 1e-9) or above 1e12.
pub fn format_double(value: f64) -> String {
    const MAX_P: i32 = 14;
    if !value.is_finite() {
        return "null".to_string();
    }
    let a = value.abs();
    let e = if a > 0.0 { a.log10() } else { 0.0 };
    let mut exact_nano = false;
    if e < -4.0 {
        let f = a * 1e9;
        let j = f as i64;
        if j != 0 && (f - j as f64) < 0.0001 {
            exact_nano = true;
        }
    }
    let mut k = e as i32;
    if e < k as f64 {
        k -= 1;
    }
    // C's pow, as MultiChain divides by: `powi` multiplies step by step, and its rounding
    // errors put 1e300's mantissa just under 1 (printed as 0).
    let v = value / 10f64.powf(k as f64);
    let p = decimals_needed(v, MAX_P);
    if p - k > MAX_P {
        exact_nano = false;
    }
    if !(-4.0..=12.0).contains(&e) && !exact_nano {
        let mantissa = if p > 0 {
            format!("{:.*}", p as usize, v)
        } else {
            format!("{}", v as i32)
        };
        let sign = if e >= 0.0 { "+" } else { "" };
        format!("{mantissa}e{sign}{k}")
    } else {
        let pfull = decimals_needed(value, MAX_P);
        let p = if pfull + k <= MAX_P { pfull } else { p - k };
        if p > 0 {
            format!("{:.*}", p as usize, value)
        } else {
            format!("{}", value as i64)
        }
    }
}

/// Decimals left once `x` printed with `max_p` decimals loses its trailing zeros.
fn decimals_needed(x: f64, max_p: i32) -> i32 {
    let s = format!("{:.*}", max_p.max(0) as usize, x);
    let bytes = s.as_bytes();
    let mut p = max_p;
    let mut i = bytes.len() - 1;
    while i > 0 && p >= 0 && bytes[i] == b'0' {
        p -= 1;
        i -= 1;
    }
    if i == 0 || bytes[i] == b'.' {
        0
    } else {
        p
    }
}

fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else {
        out.push_str(&format_double(n.as_f64().unwrap_or(0.0)));
    }
}

pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    // Runs of plain ASCII (txids, addresses, hex data) are copied whole.
    let plain = |b: u8| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\';
    let mut rest = s;
    while !rest.is_empty() {
        let run = rest.bytes().position(|b| !plain(b)).unwrap_or(rest.len());
        out.push_str(&rest[..run]);
        rest = &rest[run..];
        let Some(c) = rest.chars().next() else { break };
        rest = &rest[c.len_utf8()..];
        write_escaped(out, c);
    }
    out.push('"');
}

/// One character that is not plain ASCII, MultiChain's way.
fn write_escaped(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x20 => {
            let _ = write!(out, "\\u{:04X}", c as u32);
        }
        c if c.is_ascii() => out.push(c),
        c => {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                let _ = write!(out, "\\u{:04X}", unit);
            }
        }
    }
}

/// Compact form, as sent on the wire.
pub fn to_compact(value: &Value) -> String {
    let mut out = String::with_capacity(64);
    write_value(&mut out, value, None);
    out
}

/// Appends the compact form of `value` to `out`.
pub fn write_compact(out: &mut String, value: &Value) {
    write_value(out, value, None);
}

/// The CLI's pretty form.
pub fn to_pretty(value: &Value) -> String {
    let mut out = String::with_capacity(256);
    write_value(&mut out, value, Some(0));
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

fn write_value(out: &mut String, value: &Value, pretty: Option<usize>) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            write_members(out, pretty, items.len(), |out, i, inner| {
                write_value(out, &items[i], inner)
            });
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            let entries: Vec<_> = map.iter().collect();
            write_members(out, pretty, entries.len(), |out, i, inner| {
                let (k, v) = entries[i];
                write_string(out, k);
                out.push_str(if inner.is_some() { " : " } else { ":" });
                write_value(out, v, inner);
            });
            out.push('}');
        }
    }
}

fn write_members(
    out: &mut String,
    pretty: Option<usize>,
    count: usize,
    mut each: impl FnMut(&mut String, usize, Option<usize>),
) {
    let inner = pretty.map(|l| l + 1);
    if pretty.is_some() {
        out.push('\n');
    }
    for i in 0..count {
        if let Some(l) = inner {
            indent(out, l);
        }
        each(out, i, inner);
        if i + 1 < count {
            out.push(',');
        }
        if pretty.is_some() {
            out.push('\n');
        }
    }
    if let Some(l) = pretty {
        indent(out, l);
    }
}

/// A JSON number holding a double (for amounts and ratios), formatted MultiChain's way on output.
pub fn double(x: f64) -> Value {
    Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Writes one object member by member in the compact form, for results that are listed often
/// (stream items): the same text as building a `Value` and [`to_compact`], without the map.
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    pub fn begin(out: &'a mut String) -> Self {
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    /// Writes `"key":` and hands back the text for the member's value.
    pub fn member(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_string(self.out, key);
        self.out.push(':');
        self.out
    }

    pub fn string(&mut self, key: &str, value: &str) {
        write_string(self.member(key), value);
    }

    pub fn uint(&mut self, key: &str, value: u64) {
        let _ = write!(self.member(key), "{value}");
    }

    pub fn boolean(&mut self, key: &str, value: bool) {
        self.member(key)
            .push_str(if value { "true" } else { "false" });
    }

    /// `"key":["…",…]`.
    pub fn strings<S: AsRef<str>>(&mut self, key: &str, items: impl IntoIterator<Item = S>) {
        let out = self.member(key);
        out.push('[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(out, item.as_ref());
        }
        out.push(']');
    }

    pub fn value(&mut self, key: &str, value: &Value) {
        write_value(self.member(key), value, None);
    }

    pub fn end(self) {
        self.out.push('}');
    }
}

/// `bytes` as a JSON string of lower-case hex.
pub fn write_hex_string(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() * 2 + 2);
    out.push('"');
    // Through a small buffer a chunk at a time, rather than a character at a time.
    let mut buf = [0u8; 512];
    for chunk in bytes.chunks(buf.len() / 2) {
        let hex = &mut buf[..chunk.len() * 2];
        hex::encode_to_slice(chunk, hex).expect("the buffer is twice the chunk");
        out.push_str(std::str::from_utf8(hex).expect("hex digits are ASCII"));
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn doubles_as_multichain_prints_them() {
        assert_eq!(format_double(5.960464477539063e-8), "5.96046447753906e-8");
        assert_eq!(format_double(0.0), "0");
        assert_eq!(format_double(1000.0), "1000");
        assert_eq!(format_double(0.01), "0.01");
        assert_eq!(format_double(12.5), "12.5");
        assert_eq!(format_double(987.5), "987.5");
        assert_eq!(format_double(0.3), "0.3");
        assert_eq!(format_double(0.5), "0.5");
        assert_eq!(format_double(-1.0), "-1");
        assert_eq!(format_double(1.5e13), "1.5e+13");
        assert_eq!(format_double(0.00001), "0.00001");
        assert_eq!(format_double(1234.5678), "1234.5678");
        assert_eq!(format_double(1e300), "1e+300");
        assert_eq!(format_double(-2.5e200), "-2.5e+200");
        assert_eq!(format_double(1e-300), "1e-300");
        assert_eq!(
            format_double(1.7976931348623157e308),
            "1.79769313486232e+308"
        );
    }

    proptest::proptest! {
        /// Copying plain runs whole writes what escaping one character at a time writes.
        #[test]
        fn strings_are_written_as_one_character_at_a_time(s in "\\PC*|[ -~\"\\\\\n\u{1}é世😀]{0,40}") {
            let mut expected = String::from("\"");
            for c in s.chars() {
                if (' '..='~').contains(&c) && c != '"' && c != '\\' {
                    expected.push(c);
                } else {
                    write_escaped(&mut expected, c);
                }
            }
            expected.push('"');
            let mut written = String::new();
            write_string(&mut written, &s);
            proptest::prop_assert_eq!(written, expected);
        }
    }

    #[test]
    fn object_writer_writes_what_a_compact_value_writes() {
        let value = json!({"publishers": ["1Abc"], "key \"é\"": "x\n世", "n": 18446744073709551615u64,
            "ok": false, "data": "00ff7f", "json": {"a": [1.5, null]}});
        let mut text = String::new();
        let mut o = ObjectWriter::begin(&mut text);
        o.strings("publishers", ["1Abc"]);
        o.string("key \"é\"", "x\n世");
        o.uint("n", u64::MAX);
        o.boolean("ok", false);
        write_hex_string(o.member("data"), &[0, 255, 127]);
        o.value("json", &json!({"a": [1.5, null]}));
        o.end();
        assert_eq!(text, to_compact(&value));
        let long: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mut hex_text = String::new();
        write_hex_string(&mut hex_text, &long);
        assert_eq!(hex_text, format!("\"{}\"", hex::encode(&long)));
        let mut empty = String::new();
        ObjectWriter::begin(&mut empty).end();
        assert_eq!(empty, "{}");
    }

    #[test]
    fn strings_escape_non_ascii() {
        let mut s = String::new();
        write_string(&mut s, "hello 世界\n\u{1}\u{1F600}/");
        assert_eq!(s, "\"hello \\u4E16\\u754C\\n\\u0001\\uD83D\\uDE00/\"");
    }

    #[test]
    fn compact_and_pretty_forms() {
        let v = json!({"a": 1, "b": [], "c": {}, "d": [1.5, "x"], "e": null});
        assert_eq!(
            to_compact(&v),
            r#"{"a":1,"b":[],"c":{},"d":[1.5,"x"],"e":null}"#
        );
        assert_eq!(
            to_pretty(&v),
            "{\n    \"a\" : 1,\n    \"b\" : [\n    ],\n    \"c\" : {\n    },\n    \"d\" : [\n        1.5,\n        \"x\"\n    ],\n    \"e\" : null\n}"
        );
    }
}
