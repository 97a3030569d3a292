//! UBJSON, the binary JSON MultiChain stores `{"json":…}` items and entity details in.
//!
//! The encoder makes MultiChain's choices (smallest integer type, `C` for one-character ASCII
//! strings, strongly typed `[$T#n` containers when MultiChain's size rule says they are
//! shorter) so the bytes match what MultiChain writes; the decoder reads any valid UBJSON.

use serde_json::{Map, Number, Value};

/// Nesting MultiChain allows.
pub const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum T {
    Null,
    True,
    False,
    Char,
    Str,
    I8,
    U8,
    I16,
    I32,
    I64,
    F64,
    Array,
    Object,
}

impl T {
    fn marker(self) -> u8 {
        match self {
            T::Null => b'Z',
            T::True => b'T',
            T::False => b'F',
            T::Char => b'C',
            T::Str => b'S',
            T::I8 => b'i',
            T::U8 => b'U',
            T::I16 => b'I',
            T::I32 => b'l',
            T::I64 => b'L',
            T::F64 => b'D',
            T::Array => b'[',
            T::Object => b'{',
        }
    }

    /// Payload size in bytes (-1 = variable), as MultiChain's size table.
    fn size(self) -> i64 {
        match self {
            T::Null | T::True | T::False => 0,
            T::Char | T::I8 | T::U8 => 1,
            T::I16 => 2,
            T::I32 => 4,
            T::I64 | T::F64 => 8,
            T::Str => -1,
            T::Array => -2,
            T::Object => -3,
        }
    }

    fn is_int(self) -> bool {
        matches!(self, T::I8 | T::U8 | T::I16 | T::I32 | T::I64)
    }
}

fn best_int(v: i64, not_u8: &mut bool) -> T {
    if v < 0 {
        *not_u8 = true;
        return if v >= -0x80 {
            T::I8
        } else if v >= -0x8000 {
            T::I16
        } else if v >= -0x8000_0000 {
            T::I32
        } else {
            T::I64
        };
    }
    if v < 0x80 {
        T::I8
    } else if v < 0x100 {
        T::U8
    } else {
        *not_u8 = true;
        if v < 0x8000 {
            T::I16
        } else if v < 0x8000_0000 {
            T::I32
        } else {
            T::I64
        }
    }
}

fn type_of(v: &Value, not_u8: &mut bool) -> T {
    match v {
        Value::Null => T::Null,
        Value::Bool(true) => T::True,
        Value::Bool(false) => T::False,
        Value::Number(n) => match n.as_i64() {
            Some(i) => best_int(i, not_u8),
            None => T::F64,
        },
        Value::String(s) if s.len() == 1 && s.as_bytes()[0] < 0x80 => T::Char,
        Value::String(_) => T::Str,
        Value::Array(_) => T::Array,
        Value::Object(_) => T::Object,
    }
}

fn write_int(out: &mut Vec<u8>, v: i64, t: T, with_marker: bool) {
    if with_marker {
        out.push(t.marker());
    }
    let n = t.size() as usize;
    out.extend_from_slice(&v.to_be_bytes()[8 - n..]);
}

fn write_len(out: &mut Vec<u8>, len: usize) {
    let t = best_int(len as i64, &mut false);
    write_int(out, len as i64, t, true);
}

/// The element type a strongly typed container would use, or None (MultiChain's rule).
fn container_type<'a>(values: impl Iterator<Item = &'a Value> + Clone, count: usize) -> Option<T> {
    let mut last: Option<T> = None;
    let mut not_u8 = false;
    let (mut usize_, mut ssize) = (0i64, 0i64);
    for v in values {
        let t = type_of(v, &mut not_u8);
        if t.size() >= 0 {
            usize_ += t.size();
            ssize += t.size() + (t == T::U8) as i64;
        }
        last = Some(match last {
            None => t,
            Some(l) if l == t => t,
            Some(l) if l.is_int() && t.is_int() => l.max(t),
            Some(_) => return None,
        });
    }
    let mut last = last?;
    if last == T::U8 {
        if not_u8 {
            last = T::I16;
        } else {
            ssize = usize_;
        }
    }
    let count_size = best_int(count as i64, &mut false).size();
    let n = count as i64;
    if ssize + n < n * last.size() + count_size + 4 {
        return None;
    }
    Some(last)
}

fn write_value(
    out: &mut Vec<u8>,
    v: &Value,
    known: Option<T>,
    depth: usize,
) -> Result<(), UbjsonError> {
    if depth == 0 {
        return Err(UbjsonError::TooDeep);
    }
    let t = match known {
        Some(t) => t,
        None => {
            let t = type_of(v, &mut false);
            out.push(t.marker());
            t
        }
    };
    match (t, v) {
        (t, Value::Number(n)) if t.is_int() => write_int(out, n.as_i64().unwrap_or(0), t, false),
        (T::Null | T::True | T::False, _) => {}
        (T::F64, Value::Number(n)) => {
            out.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_be_bytes())
        }
        (T::Char, Value::String(s)) => out.push(s.as_bytes()[0]),
        (T::Str, Value::String(s)) => {
            write_len(out, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        (T::Array, Value::Array(items)) => {
            if depth <= 1 {
                return Err(UbjsonError::TooDeep);
            }
            let strong = container_type(items.iter(), items.len());
            write_container_header(out, strong, items.len());
            for item in items {
                write_value(out, item, strong, depth - 1)?;
            }
            if strong.is_none() {
                out.push(b']');
            }
        }
        (T::Object, Value::Object(map)) => {
            if depth <= 1 {
                return Err(UbjsonError::TooDeep);
            }
            let strong = container_type(map.values(), map.len());
            write_container_header(out, strong, map.len());
            for (k, item) in map {
                write_len(out, k.len());
                out.extend_from_slice(k.as_bytes());
                write_value(out, item, strong, depth - 1)?;
            }
            if strong.is_none() {
                out.push(b'}');
            }
        }
        _ => return Err(UbjsonError::Unsupported),
    }
    Ok(())
}

fn write_container_header(out: &mut Vec<u8>, strong: Option<T>, count: usize) {
    if let Some(t) = strong {
        out.push(b'$');
        out.push(t.marker());
        out.push(b'#');
        write_len(out, count);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UbjsonError {
    #[error("JSON too deep")]
    TooDeep,
    #[error("unsupported value")]
    Unsupported,
    #[error("truncated UBJSON")]
    Truncated,
    #[error("invalid UBJSON")]
    Invalid,
}

pub fn encode(v: &Value) -> Result<Vec<u8>, UbjsonError> {
    let mut out = Vec::new();
    write_value(&mut out, v, None, MAX_DEPTH)?;
    Ok(out)
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    /// Values still allowed. Every value takes at least its marker byte, except the elements
    /// of an array typed null, true or false, which take none: without a bound, a few bytes
    /// of nested such arrays would ask for billions of values (memory enough to end the
    /// process). So a document may hold no more values than it has bytes.
    budget: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, UbjsonError> {
        let c = *self.b.get(self.pos).ok_or(UbjsonError::Truncated)?;
        self.pos += 1;
        Ok(c)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], UbjsonError> {
        let end = self.pos.checked_add(n).ok_or(UbjsonError::Truncated)?;
        let s = self.b.get(self.pos..end).ok_or(UbjsonError::Truncated)?;
        self.pos = end;
        Ok(s)
    }

    fn int(&mut self, marker: u8) -> Result<i64, UbjsonError> {
        Ok(match marker {
            b'i' => self.byte()? as i8 as i64,
            b'U' => self.byte()? as i64,
            b'I' => i16::from_be_bytes(self.take(2)?.try_into().unwrap()) as i64,
            b'l' => i32::from_be_bytes(self.take(4)?.try_into().unwrap()) as i64,
            b'L' => i64::from_be_bytes(self.take(8)?.try_into().unwrap()),
            _ => return Err(UbjsonError::Invalid),
        })
    }

    fn len(&mut self) -> Result<usize, UbjsonError> {
        let m = self.byte()?;
        let n = self.int(m)?;
        if n < 0 || n as usize > self.b.len() {
            return Err(UbjsonError::Invalid);
        }
        Ok(n as usize)
    }

    fn string(&mut self) -> Result<String, UbjsonError> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| UbjsonError::Invalid)
    }

    fn value(&mut self, marker: u8, depth: usize) -> Result<Value, UbjsonError> {
        if depth == 0 {
            return Err(UbjsonError::TooDeep);
        }
        self.budget = self.budget.checked_sub(1).ok_or(UbjsonError::Invalid)?;
        Ok(match marker {
            b'Z' => Value::Null,
            b'T' => Value::Bool(true),
            b'F' => Value::Bool(false),
            b'i' | b'U' | b'I' | b'l' | b'L' => Value::from(self.int(marker)?),
            b'd' => {
                let f = f32::from_be_bytes(self.take(4)?.try_into().unwrap()) as f64;
                Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
            b'D' => {
                let f = f64::from_be_bytes(self.take(8)?.try_into().unwrap());
                Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
            b'C' => Value::String((self.byte()? as char).to_string()),
            b'S' => Value::String(self.string()?),
            b'H' => {
                let s = self.string()?;
                serde_json::from_str::<Number>(&s)
                    .map(Value::Number)
                    .unwrap_or(Value::String(s))
            }
            b'[' => {
                let (strong, count) = self.container_header()?;
                let mut items = Vec::new();
                loop {
                    if let Some(n) = count {
                        if items.len() == n {
                            break;
                        }
                    }
                    let m = match strong {
                        Some(t) => t,
                        None => {
                            let m = self.next_marker()?;
                            if m == b']' && count.is_none() {
                                break;
                            }
                            m
                        }
                    };
                    items.push(self.value(m, depth - 1)?);
                }
                Value::Array(items)
            }
            b'{' => {
                let (strong, count) = self.container_header()?;
                let mut map = Map::new();
                let mut n = 0;
                loop {
                    if let Some(c) = count {
                        if n == c {
                            break;
                        }
                    } else if self.peek_marker()? == b'}' {
                        self.pos += 1;
                        break;
                    }
                    let key = self.string()?;
                    let m = match strong {
                        Some(t) => t,
                        None => self.next_marker()?,
                    };
                    map.insert(key, self.value(m, depth - 1)?);
                    n += 1;
                }
                Value::Object(map)
            }
            _ => return Err(UbjsonError::Invalid),
        })
    }

    /// Skips no-op markers.
    fn next_marker(&mut self) -> Result<u8, UbjsonError> {
        loop {
            let m = self.byte()?;
            if m != b'N' {
                return Ok(m);
            }
        }
    }

    fn peek_marker(&mut self) -> Result<u8, UbjsonError> {
        while self.b.get(self.pos) == Some(&b'N') {
            self.pos += 1;
        }
        self.b.get(self.pos).copied().ok_or(UbjsonError::Truncated)
    }

    /// `$T#n`, `#n`, or nothing.
    fn container_header(&mut self) -> Result<(Option<u8>, Option<usize>), UbjsonError> {
        let mut strong = None;
        if self.b.get(self.pos) == Some(&b'$') {
            self.pos += 1;
            strong = Some(self.byte()?);
            if self.byte()? != b'#' {
                return Err(UbjsonError::Invalid);
            }
            return Ok((strong, Some(self.len()?)));
        }
        if self.b.get(self.pos) == Some(&b'#') {
            self.pos += 1;
            return Ok((strong, Some(self.len()?)));
        }
        Ok((None, None))
    }
}

/// Decodes one UBJSON value that fills `bytes` exactly.
pub fn decode(bytes: &[u8]) -> Result<Value, UbjsonError> {
    let mut r = Reader {
        b: bytes,
        pos: 0,
        budget: bytes.len(),
    };
    let m = r.next_marker()?;
    let v = r.value(m, MAX_DEPTH)?;
    if r.pos != bytes.len() {
        return Err(UbjsonError::Invalid);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Arrays of typed nulls nested in an array of typed arrays, each count within the
    /// document's length: 7,000 bytes that would decode to a million values (and a few
    /// hundred kilobytes to more than memory holds). Refused; a short typed array still reads.
    #[test]
    fn documents_cannot_hold_more_values_than_bytes() {
        let (outer, inner) = (1000i32, 1000i32);
        let mut bomb = b"[$[#l".to_vec();
        bomb.extend_from_slice(&outer.to_be_bytes());
        for _ in 0..outer {
            bomb.extend_from_slice(b"$Z#l");
            bomb.extend_from_slice(&inner.to_be_bytes());
        }
        assert!(bomb.len() < 9000);
        assert!(decode(&bomb).is_err());
        assert_eq!(decode(b"[$Z#i\x02").unwrap(), json!([null, null]));
    }

    #[test]
    fn golden_item_and_details_bytes() {
        // {"a":1,"b":[1,2]} from the golden publish_json_multikey transaction.
        let v = json!({"a": 1, "b": [1, 2]});
        assert_eq!(
            hex::encode(encode(&v).unwrap()),
            "7b69016169016901625b690169025d7d"
        );
        assert_eq!(
            decode(&hex::decode("7b69016169016901625b690169025d7d").unwrap()).unwrap(),
            v
        );
        // {"origin":"golden"} and {"about":"golden"} details.
        assert_eq!(
            hex::encode(encode(&json!({"origin": "golden"})).unwrap()),
            "7b69066f726967696e536906676f6c64656e7d"
        );
        assert_eq!(
            hex::encode(encode(&json!({"about": "golden"})).unwrap()),
            "7b690561626f7574536906676f6c64656e7d"
        );
    }

    #[test]
    fn strong_types_when_multichain_would_use_them() {
        let v = json!([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        let e = encode(&v).unwrap();
        assert_eq!(&e[..5], b"[$i#i");
        assert_eq!(decode(&e).unwrap(), v);
        let s = json!(["aa", "bb", "cc"]);
        let e = encode(&s).unwrap();
        assert_eq!(&e[..5], b"[$S#i");
        assert_eq!(decode(&e).unwrap(), s);
    }

    #[test]
    fn round_trips() {
        for v in [
            json!(null),
            json!(true),
            json!(-129),
            json!(200),
            json!(70000),
            json!(-5000000000i64),
            json!(1.25),
            json!("x"),
            json!("hello 世界"),
            json!({"k": {"n": [null, false, 1.5, "s", {"z": []}]}}),
            json!([200, 1]),
            json!([200, 201, 202, 203]),
        ] {
            assert_eq!(decode(&encode(&v).unwrap()).unwrap(), v, "{v}");
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for b in [
            &b""[..],
            b"{",
            b"[$i#i\x05\x01",
            b"S\x7f",
            b"L\x00",
            b"{i\x01a",
            b"[#L\xff\xff\xff\xff\xff\xff\xff\xff",
            b"?",
        ] {
            assert!(decode(b).is_err());
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(decode(deep.as_bytes()).is_err());
    }
}
