//! getstreamkeysummary and getstreampublishersummary: the JSON items of one key or publisher
//! merged into one object, the way MultiChain merges them.
//!
//! MultiChain merges the items' data values one after another. Each value is `{"json": {…}}`
//! for a JSON item; the wrapper (level 0) and the object in it (level 1) always merge, deeper
//! objects only with `recursive`, and a value that cannot merge with an object is an error
//! unless `ignoreother` keeps the side that can. A merged object lists the first side's fields
//! in name order, then the second side's remaining fields in name order; values that are not
//! merged are copied as published. `noupdate` keeps the first value of a field, `omitnull`
//! drops fields whose value ends up null.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::*;
use crate::primitives::script::{FORMAT_JSON, FORMAT_TEXT};
use crate::primitives::ubjson;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

pub const METHODS: [(&str, Handler); 2] = [
    ("getstreamkeysummary", getstreamkeysummary),
    ("getstreampublishersummary", getstreampublishersummary),
];

fn getstreamkeysummary(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    summary(ctx, args, false)
}

fn getstreampublishersummary(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    summary(ctx, args, true)
}

#[derive(Default, Clone, Copy)]
struct MergeMode {
    recursive: bool,
    ignore_other: bool,
    /// `noupdate`: the first value of a field stays.
    take_first: bool,
    omit_null: bool,
}

/// Which items take part, by their publishers against the first item's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FirstPublishers {
    Everyone,
    /// `firstpublishersany`: at least one of the first item's publishers.
    Any,
    /// `firstpublishersall`: all of them.
    All,
}

/// Two values that cannot merge (an object against anything else without `ignoreother`).
struct WrongFormat;

fn wrong_format() -> RpcError {
    RpcError::new(
        RPC_NOT_ALLOWED,
        "Some items to be merged are in the wrong format (try using 'ignoreother')",
    )
}

fn mergeable(v: &Value, level: usize) -> bool {
    match v {
        Value::Object(o) if level == 0 => {
            o.len() == 1 && o.get("json").is_some_and(Value::is_object)
        }
        Value::Object(_) => true,
        _ => false,
    }
}

/// A field map in name order; within one object a later duplicate replaces an earlier one
/// unless the first value is to stay.
fn by_name(o: &Map<String, Value>, mode: MergeMode) -> BTreeMap<String, Value> {
    let mut m = BTreeMap::new();
    for (k, v) in o {
        if mode.take_first {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        } else {
            m.insert(k.clone(), v.clone());
        }
    }
    m
}

fn merge_values(
    first: &Value,
    second: &Value,
    mode: MergeMode,
    level: usize,
) -> Result<Value, WrongFormat> {
    if mode.omit_null && (if mode.take_first { first } else { second }).is_null() {
        return Ok(Value::Null);
    }
    if level > 1 && !mode.recursive {
        return Ok(if mode.take_first { first } else { second }.clone());
    }
    let (a, b) = match (first, second) {
        (a @ Value::Object(x), b @ Value::Object(y))
            if mergeable(a, level) && mergeable(b, level) =>
        {
            (x, y)
        }
        (a, b) if !mergeable(a, level) => {
            return if mode.ignore_other {
                Ok(b.clone())
            } else {
                Err(WrongFormat)
            }
        }
        (a, _) => {
            return if mode.ignore_other {
                Ok(a.clone())
            } else {
                Err(WrongFormat)
            }
        }
    };
    let keep = |v: &Value| !mode.omit_null || !v.is_null();
    let mut rest = by_name(b, mode);
    let mut out = Map::new();
    for (k, v) in by_name(a, mode) {
        let v = match rest.remove(&k) {
            Some(other) => merge_values(&v, &other, mode, level + 1)?,
            None => v,
        };
        if keep(&v) {
            out.insert(k, v);
        }
    }
    for (k, v) in rest {
        if keep(&v) {
            out.insert(k, v);
        }
    }
    Ok(Value::Object(out))
}

/// The data value MultiChain merges for an item.
fn item_value(format: u8, data: &[u8]) -> Value {
    match format {
        FORMAT_JSON => json!({"json": ubjson::decode(data).ok()}),
        FORMAT_TEXT => json!({"text": std::str::from_utf8(data).ok()}),
        _ => json!(crate::primitives::hex_text(data)),
    }
}

fn parse_mode(args: &Args, publisher: bool) -> RpcResult<(MergeMode, FirstPublishers)> {
    let invalid = RpcError::invalid_parameter;
    let mut mode = MergeMode::default();
    let mut merge_seen = false;
    let mut first = None;
    for t in super::args::string_list(&args.values[2])? {
        match t.as_str() {
            "jsonobjectmerge" => merge_seen = true,
            "recursive" => mode.recursive = true,
            "ignore" | "ignoreother" => mode.ignore_other = true,
            "ignoremissing" => {}
            "noupdate" => mode.take_first = true,
            "omitnull" => mode.omit_null = true,
            "firstpublishersany" | "firstpublishersall" if !publisher => {
                if first.is_some() {
                    return Err(invalid(
                        "firstpublishers* option can appear only once in them mode",
                    ));
                }
                first = Some(if t == "firstpublishersall" {
                    FirstPublishers::All
                } else {
                    FirstPublishers::Any
                });
            }
            other => {
                return Err(RpcError::invalid_parameter(format!(
                    "Unrecognized mode: {other}"
                )))
            }
        }
    }
    if !merge_seen {
        return Err(invalid("missing jsonobjectmerge"));
    }
    Ok((mode, first.unwrap_or(FirstPublishers::Everyone)))
}

fn summary(ctx: &RpcContext, args: &Args, publisher: bool) -> RpcResult<Value> {
    args.arity(3, 3)?;
    let (mode, first_publishers) = parse_mode(args, publisher)?;
    let st = ctx.node.state.read();
    let stream = super::streams::stream_param(&st, &args.values[0])?;
    super::streams::require_subscribed(&st, &stream)?;
    let of = super::streams::index_of(ctx, publisher, args.str(1)?)?;
    let id = stream.short_id();
    let (confirmed, pending) = st.streams.index_counts(&ctx.node.ledger, &id, &of)?;
    let items = st.streams.index_items(
        &ctx.node.ledger,
        &id,
        &of,
        confirmed,
        (0, confirmed + pending),
    )?;
    let mut firsts = BTreeSet::new();
    let mut merged: Option<Value> = None;
    for (i, item) in items.iter().enumerate() {
        if first_publishers != FirstPublishers::Everyone {
            if i == 0 {
                firsts = item.publishers.iter().copied().collect();
            } else {
                let shared = item
                    .publishers
                    .iter()
                    .filter(|p| firsts.contains(p))
                    .count();
                let takes_part = match first_publishers {
                    FirstPublishers::All => shared == firsts.len(),
                    _ => shared > 0,
                };
                if !takes_part {
                    continue;
                }
            }
        }
        let value = item_value(item.format, &item.data);
        merged = Some(match merged {
            None => value,
            Some(acc) => merge_values(&acc, &value, mode, 0).map_err(|_| wrong_format())?,
        });
    }
    let json = match merged {
        Some(wrapper) if mergeable(&wrapper, 0) => {
            let inner = &wrapper["json"];
            // Merging with an empty object puts the fields in name order and drops nulls.
            let normalise = MergeMode {
                take_first: true,
                ..mode
            };
            merge_values(inner, &json!({}), normalise, 1).map_err(|_| wrong_format())?
        }
        Some(_) if !mode.ignore_other => return Err(wrong_format()),
        _ => json!({}),
    };
    Ok(json!({ "json": json }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(items: &[Value], mode: MergeMode) -> Result<String, ()> {
        let mut acc: Option<Value> = None;
        for v in items {
            let v = json!({ "json": v });
            acc = Some(match acc {
                None => v,
                Some(a) => merge_values(&a, &v, mode, 0).map_err(|_| ())?,
            });
        }
        let inner = acc.unwrap()["json"].clone();
        let mode = MergeMode {
            take_first: true,
            ..mode
        };
        let out = merge_values(&inner, &json!({}), mode, 1).map_err(|_| ())?;
        Ok(out.to_string())
    }

    #[test]
    fn later_fields_win_and_top_level_names_are_sorted() {
        let items = [
            json!({"z": 1, "b": {"z": 1, "a": 2}}),
            json!({"a": 7, "z": 2}),
        ];
        assert_eq!(
            merged(&items, MergeMode::default()),
            Ok(r#"{"a":7,"b":{"z":1,"a":2},"z":2}"#.into())
        );
        let first = MergeMode {
            take_first: true,
            ..Default::default()
        };
        assert_eq!(
            merged(&items, first),
            Ok(r#"{"a":7,"b":{"z":1,"a":2},"z":1}"#.into())
        );
    }

    #[test]
    fn nested_objects_merge_only_when_recursive() {
        let items = [json!({"o": {"x": 1, "n": null}}), json!({"o": {"y": 2}})];
        assert_eq!(
            merged(&items, MergeMode::default()),
            Ok(r#"{"o":{"y":2}}"#.into())
        );
        let recursive = MergeMode {
            recursive: true,
            omit_null: true,
            ..Default::default()
        };
        assert_eq!(
            merged(&items, recursive),
            Ok(r#"{"o":{"x":1,"y":2}}"#.into())
        );
        // omitnull without recursion leaves nulls inside a value copied whole.
        let omit = MergeMode {
            omit_null: true,
            ..Default::default()
        };
        assert_eq!(
            merged(&[json!({"o": {"n": null}, "t": null})], omit),
            Ok(r#"{"o":{"n":null}}"#.into())
        );
    }

    #[test]
    fn an_object_against_a_scalar_needs_ignoreother_when_recursive() {
        let items = [json!({"a": {"x": 1}}), json!({"a": 5})];
        let recursive = MergeMode {
            recursive: true,
            ..Default::default()
        };
        assert_eq!(merged(&items, recursive), Err(()));
        let ignoring = MergeMode {
            ignore_other: true,
            ..recursive
        };
        assert_eq!(merged(&items, ignoring), Ok(r#"{"a":{"x":1}}"#.into()));
        assert_eq!(
            merged(&items, MergeMode::default()),
            Ok(r#"{"a":5}"#.into())
        );
    }
}
