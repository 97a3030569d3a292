//! Positional parameters with MultiChain's checks: wrong count → -1 with the help text; wrong
//! JSON type → MultiChain's type messages.

use super::errors::{RpcError, RpcResult, RPC_INVALID_ADDRESS_OR_KEY, RPC_MISC_ERROR};
use crate::primitives::address::{Address, AddressFormat};
use serde_json::Value;

pub struct Args {
    pub method: &'static str,
    pub values: Vec<Value>,
}

/// json_spirit's type names, used in "value is type X, expected Y".
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "obj",
        Value::Array(_) => "array",
        Value::String(_) => "str",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "int",
        Value::Number(_) => "real",
        Value::Null => "null",
    }
}

/// json_spirit's type error: "value is type X, expected Y".
pub fn type_error(v: &Value, expected: &str) -> RpcError {
    RpcError::new(
        RPC_MISC_ERROR,
        format!("value is type {}, expected {expected}", type_name(v)),
    )
}

impl Args {
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Fails with the "show help" marker unless `min <= len <= max`.
    pub fn arity(&self, min: usize, max: usize) -> RpcResult<()> {
        if self.values.len() < min || self.values.len() > max {
            return Err(RpcError::new(RPC_MISC_ERROR, super::dispatch::SHOW_HELP));
        }
        Ok(())
    }

    pub fn get(&self, i: usize) -> Option<&Value> {
        self.values.get(i)
    }

    /// A present, non-null parameter.
    pub fn given(&self, i: usize) -> Option<&Value> {
        self.values.get(i).filter(|v| !v.is_null())
    }

    pub fn str(&self, i: usize) -> RpcResult<&str> {
        let v = self.values.get(i).unwrap_or(&Value::Null);
        v.as_str().ok_or_else(|| type_error(v, "str"))
    }

    pub fn opt_str(&self, i: usize) -> RpcResult<Option<&str>> {
        match self.values.get(i) {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or_else(|| type_error(v, "str")),
        }
    }

    /// json_spirit `get_bool`.
    pub fn opt_bool(&self, i: usize, default: bool) -> RpcResult<bool> {
        match self.values.get(i) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => Err(type_error(v, "bool")),
        }
    }

    /// MultiChain's lenient `paramtobool`: booleans, integers, "true"/numeric strings.
    pub fn opt_flag(&self, i: usize, default: bool) -> RpcResult<bool> {
        match self.values.get(i) {
            None => Ok(default),
            Some(v) => Ok(lenient_bool(v)),
        }
    }

    /// json_spirit `get_int` (32-bit, integer JSON only).
    /// The row of a command table (`(name, what the handler needs)`) for the method called,
    /// for one handler serving every command of the table.
    pub fn row_of<T: Copy>(&self, table: &[(&str, T)]) -> RpcResult<T> {
        table
            .iter()
            .find(|(name, _)| *name == self.method)
            .map(|(_, row)| *row)
            .ok_or_else(RpcError::method_not_found)
    }

    pub fn opt_int(&self, i: usize, default: i64) -> RpcResult<i64> {
        match self.values.get(i) {
            None => Ok(default),
            Some(v) => int_of(v),
        }
    }

    /// A JSON number as a real (`get_real` accepts integers too).
    pub fn opt_real(&self, i: usize, default: f64) -> RpcResult<f64> {
        match self.values.get(i) {
            None => Ok(default),
            Some(Value::Number(n)) => Ok(n.as_f64().unwrap_or(0.0)),
            Some(v) => Err(type_error(v, "real")),
        }
    }
}

pub fn lenient_bool(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().unwrap_or(0.0) != 0.0,
        Value::String(s) => s == "true" || s.trim().parse::<i64>().map(|x| x != 0).unwrap_or(false),
        _ => false,
    }
}

/// An integer parameter within i32 like json_spirit's `get_int`.
pub fn int_of(v: &Value) -> RpcResult<i64> {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(x) if x >= i32::MIN as i64 && x <= i32::MAX as i64 => Ok(x),
            Some(_) | None if n.is_u64() || n.is_i64() => {
                Err(RpcError::new(RPC_MISC_ERROR, "JSON integer out of range"))
            }
            _ => Err(type_error(v, "int")),
        },
        _ => Err(type_error(v, "int")),
    }
}

/// Parses a comma-separated (or JSON array of) address list, rejecting invalid and duplicate
/// entries with MultiChain's messages.
pub fn address_list(v: &Value, format: &AddressFormat) -> RpcResult<Vec<Address>> {
    let items: Vec<String> = match v {
        Value::String(s) => s.split(',').map(|t| t.to_string()).collect(),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| type_error(x, "str"))
            })
            .collect::<RpcResult<_>>()?,
        other => return Err(type_error(other, "str")),
    };
    let mut out: Vec<Address> = Vec::with_capacity(items.len());
    for tok in items {
        let a = format.decode_address(&tok).map_err(|_| {
            RpcError::new(
                RPC_INVALID_ADDRESS_OR_KEY,
                format!("Invalid address: {tok}"),
            )
        })?;
        if out.contains(&a) {
            return Err(RpcError::invalid_parameter(format!(
                "Invalid parameter, duplicated address: {tok}"
            )));
        }
        out.push(a);
    }
    Ok(out)
}

pub fn one_address(text: &str, format: &AddressFormat) -> RpcResult<Address> {
    format
        .decode_address(text)
        .map_err(|_| RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address"))
}

/// `count` at position `i` and `start` at `i + 1`, adjusted like MultiChain's
/// `mc_AdjustStartAndCount`: negative start counts from the end; default start is `-count`.
/// Returns (start, count) within `0..size`.
pub fn page(args: &Args, i: usize, size: usize, default_count: usize) -> RpcResult<(usize, usize)> {
    let count = match args.given(i) {
        None => default_count as i64,
        Some(v) => match v.as_i64() {
            Some(c) if c >= 0 && (v.is_i64() || v.is_u64()) => c,
            _ => return Err(RpcError::invalid_parameter("Invalid count")),
        },
    };
    let start = match args.given(i + 1) {
        None => -count,
        Some(v) => match v.as_i64() {
            Some(s) if v.is_i64() || v.is_u64() => s,
            _ => return Err(RpcError::invalid_parameter("Invalid start")),
        },
    };
    Ok(adjust_start_and_count(start, count, size as i64))
}

pub fn adjust_start_and_count(start: i64, count: i64, size: i64) -> (usize, usize) {
    let mut count = count.min(size);
    let mut start = start;
    if start < 0 {
        start = (start + size).max(0);
    }
    if start > 0 && start + count > size {
        count = size - start;
    }
    let start = start.min(size);
    let count = count.clamp(0, size - start);
    (start as usize, count as usize)
}

/// MultiChain's `ParseStringList`: a comma-separated string or an array of strings (numbers
/// become their text); duplicates are refused.
pub fn string_list(v: &Value) -> RpcResult<Vec<String>> {
    // (text, whether a repeat is an error): MultiChain lets numbers in an array repeat.
    let items: Vec<(String, bool)> = match v {
        Value::String(s) => s.split(',').map(|t| (t.to_string(), true)).collect(),
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => Ok((s.clone(), true)),
                Value::Number(n) if n.is_i64() || n.is_u64() => Ok((n.to_string(), false)),
                _ => Err(RpcError::invalid_parameter(
                    "Invalid value, expected array of strings",
                )),
            })
            .collect::<RpcResult<_>>()?,
        _ => {
            return Err(RpcError::invalid_parameter(
                "Invalid value, expected string or array",
            ))
        }
    };
    let mut seen = std::collections::HashSet::new();
    for (i, checked) in &items {
        if !seen.insert(i.as_str()) && *checked {
            return Err(RpcError::invalid_parameter(format!(
                "Invalid parameter, duplicate value: {i}"
            )));
        }
    }
    Ok(items.into_iter().map(|(i, _)| i).collect())
}

/// A comma list of pay-to-pubkeyhash addresses, each once (MultiChain's `ParseAddresses`
/// without script hashes).
pub fn pubkeyhash_list(format: &AddressFormat, text: &str) -> RpcResult<Vec<Address>> {
    let mut found: Vec<Address> = Vec::new();
    for tok in text.split(',') {
        let a = format.decode_address(tok).map_err(|_| {
            RpcError::new(
                RPC_INVALID_ADDRESS_OR_KEY,
                format!("Invalid address: {tok}"),
            )
        })?;
        if found.contains(&a) {
            return Err(RpcError::invalid_parameter(format!(
                "Invalid parameter, duplicated address: {tok}"
            )));
        }
        if a.is_script() {
            return Err(RpcError::new(
                RPC_INVALID_ADDRESS_OR_KEY,
                format!("Invalid address (only pubkeyhash addresses are supported) : {tok}"),
            ));
        }
        found.push(a);
    }
    Ok(found)
}

/// A from-address parameter: `"*"` (None: any wallet address) or exactly one pay-to-pubkeyhash
/// address.
pub fn from_address(
    ctx: &super::dispatch::RpcContext,
    v: Option<&Value>,
) -> RpcResult<Option<Address>> {
    let v = v.unwrap_or(&Value::Null);
    let text = v.as_str().ok_or_else(|| type_error(v, "str"))?;
    if text == "*" {
        return Ok(None);
    }
    let found = pubkeyhash_list(&ctx.node.format, text)?;
    if found.len() != 1 {
        return Err(RpcError::invalid_parameter(
            "Single from-address should be specified",
        ));
    }
    Ok(Some(found[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_like_multichain() {
        assert_eq!(adjust_start_and_count(-10, 10, 3), (0, 3));
        assert_eq!(adjust_start_and_count(-2, 2, 5), (3, 2));
        assert_eq!(adjust_start_and_count(1, 10, 5), (1, 4));
        assert_eq!(adjust_start_and_count(7, 2, 5), (5, 0));
        assert_eq!(adjust_start_and_count(0, 0, 5), (0, 0));
    }

    #[test]
    fn ints_are_32_bit_like_json_spirit() {
        assert!(int_of(&serde_json::json!(5)).is_ok());
        assert_eq!(
            int_of(&serde_json::json!(1e40)).unwrap_err().message,
            "value is type real, expected int"
        );
        assert_eq!(
            int_of(&serde_json::json!(4294967296u64))
                .unwrap_err()
                .message,
            "JSON integer out of range"
        );
        assert_eq!(
            int_of(&serde_json::json!("5")).unwrap_err().message,
            "value is type str, expected int"
        );
    }
}
