//! The `issue` and `issuemore` objects of a raw output (`createrawtransaction`,
//! `createrawsendfrom`, `appendrawdata`'s outputs), read as MultiChain 2.3's
//! `ParseRawOutputObject` reads them: field by field in the order given, the first field it
//! cannot take ending the reading with that field's error, and what is missing reported after
//! the last field.

use super::args::type_name;
use super::errors::*;
use serde_json::{Map, Value};

/// `{"raw": n}` of an `issue` output: the raw quantity.
pub fn issue_raw(fields: &Map<String, Value>) -> RpcResult<i64> {
    let mut raw = None;
    for (name, value) in fields {
        match name.as_str() {
            "raw" => raw = Some(raw_quantity(value, "issue")?),
            other => return Err(invalid_field("issue", other)),
        }
    }
    raw.ok_or_else(|| invalid("Issue raw qty not specified"))
}

/// `{"asset": …, "raw": n}` of an `issuemore` output: the asset, found by `find`, and the raw
/// quantity.
pub fn issuemore<A>(
    fields: &Map<String, Value>,
    find: impl Fn(&Value) -> RpcResult<A>,
) -> RpcResult<(A, i64)> {
    let mut raw = None;
    let mut asset = None;
    for (name, value) in fields {
        match name.as_str() {
            "raw" => raw = Some(raw_quantity(value, "issuemore")?),
            // A null or empty asset is not taken, so it is an invalid field.
            "asset" if !is_empty_text(value)? => asset = Some(find(value)?),
            other => return Err(invalid_field("issuemore", other)),
        }
    }
    let asset = asset.ok_or_else(|| invalid("Issuemore asset not specified"))?;
    let raw = raw.ok_or_else(|| invalid("Issuemore raw qty not specified"))?;
    Ok((asset, raw))
}

/// Whether `asset` is null or "" (any other non-text value fails as MultiChain's string
/// read does).
fn is_empty_text(v: &Value) -> RpcResult<bool> {
    match v {
        Value::Null => Ok(true),
        Value::String(s) => Ok(s.is_empty()),
        other => Err(RpcError::misc(format!(
            "value is type {}, expected str",
            type_name(other)
        ))),
    }
}

fn raw_quantity(v: &Value, object: &str) -> RpcResult<i64> {
    let raw = match v {
        Value::Null => return Err(invalid(&format!("Invalid value for {object} raw qty"))),
        Value::Number(n) if n.is_i64() => n.as_i64().unwrap_or(-1),
        // Read as a 64-bit signed number, a larger one wraps below zero.
        Value::Number(n) if n.is_u64() => -1,
        other => {
            return Err(RpcError::misc(format!(
                "value is type {}, expected int",
                type_name(other)
            )))
        }
    };
    if raw < 0 {
        return Err(invalid(&format!("Negative value for {object} raw qty")));
    }
    Ok(raw)
}

fn invalid_field(object: &str, field: &str) -> RpcError {
    invalid(&format!("Invalid field for object {object}: {field}"))
}

fn invalid(message: &str) -> RpcError {
    RpcError::invalid_parameter(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err<T: std::fmt::Debug>(r: RpcResult<T>) -> (i64, String) {
        let e = r.expect_err("an error");
        (e.code as i64, e.message)
    }

    fn fields(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(o) => o,
            _ => unreachable!("the tests pass objects"),
        }
    }

    fn find(v: &Value) -> RpcResult<String> {
        match v.as_str() {
            Some("gold") => Ok("gold".into()),
            Some(name) => Err(RpcError::new(
                RPC_ENTITY_NOT_FOUND,
                format!("Issue transaction with this name not found: {name}"),
            )),
            None => unreachable!("only text reaches the lookup"),
        }
    }

    #[test]
    fn issue_reads_raw_and_refuses_other_fields_in_order() {
        assert_eq!(issue_raw(&fields(json!({"raw": 5}))).unwrap(), 5);
        assert_eq!(issue_raw(&fields(json!({"raw": 0}))).unwrap(), 0);
        assert_eq!(
            err(issue_raw(&fields(json!({"qty": 5, "raw": -1})))),
            (-8, "Invalid field for object issue: qty".into())
        );
        assert_eq!(
            err(issue_raw(&fields(json!({"raw": -1, "qty": 5})))),
            (-8, "Negative value for issue raw qty".into())
        );
        assert_eq!(
            err(issue_raw(&fields(json!({})))),
            (-8, "Issue raw qty not specified".into())
        );
        assert_eq!(
            err(issue_raw(&fields(json!({"raw": null})))),
            (-8, "Invalid value for issue raw qty".into())
        );
        assert_eq!(
            err(issue_raw(&fields(json!({"raw": "5"})))),
            (-1, "value is type str, expected int".into())
        );
        assert_eq!(
            err(issue_raw(&fields(json!({"raw": 1.5})))),
            (-1, "value is type real, expected int".into())
        );
        assert_eq!(
            err(issue_raw(&fields(json!({"raw": u64::MAX})))),
            (-8, "Negative value for issue raw qty".into())
        );
    }

    #[test]
    fn issuemore_reports_the_first_bad_field_then_what_is_missing() {
        assert_eq!(
            issuemore(&fields(json!({"asset": "gold", "raw": 7})), find).unwrap(),
            ("gold".to_string(), 7)
        );
        assert_eq!(
            err(issuemore(
                &fields(json!({"asset": "lead", "raw": -7})),
                find
            )),
            (
                -708,
                "Issue transaction with this name not found: lead".into()
            )
        );
        assert_eq!(
            err(issuemore(
                &fields(json!({"raw": -7, "asset": "lead"})),
                find
            )),
            (-8, "Negative value for issuemore raw qty".into())
        );
        assert_eq!(
            err(issuemore(
                &fields(json!({"asset": "gold", "colour": 1})),
                find
            )),
            (-8, "Invalid field for object issuemore: colour".into())
        );
        assert_eq!(
            err(issuemore(&fields(json!({"asset": "", "raw": 7})), find)),
            (-8, "Invalid field for object issuemore: asset".into())
        );
        assert_eq!(
            err(issuemore(&fields(json!({"asset": 3, "raw": 7})), find)),
            (-1, "value is type int, expected str".into())
        );
        assert_eq!(
            err(issuemore(&fields(json!({"raw": 7})), find)),
            (-8, "Issuemore asset not specified".into())
        );
        assert_eq!(
            err(issuemore(&fields(json!({"asset": "gold"})), find)),
            (-8, "Issuemore raw qty not specified".into())
        );
        assert_eq!(
            err(issuemore(
                &fields(json!({"asset": "gold", "token": "t1", "raw": -7})),
                find
            )),
            (-8, "Invalid field for object issuemore: token".into())
        );
    }
}
