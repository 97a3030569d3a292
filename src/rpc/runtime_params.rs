//! `setruntimeparam name value`: changes a runtime option of the running node, as MultiChain's
//! does, for the options this node reads while it runs: `mineemptyrounds`, `maxshowndata` and
//! `maxqueryscanitems` (`getruntimeparams` shows the new values). MultiChain's other runtime
//! options are refused with -702 until this node acts on them; an unknown name gets
//! MultiChain's -8.

use super::args::Args;
use super::dispatch::{Handler, RpcContext};
use super::errors::{RpcError, RpcResult, RPC_NOT_SUPPORTED};
use serde_json::Value;

pub const METHODS: [(&str, Handler); 1] = [("setruntimeparam", setruntimeparam)];

/// Runtime options MultiChain 2.3 lets `setruntimeparam` change that this node does not act
/// on yet.
const NOT_YET: [&str; 15] = [
    "miningrequirespeers",
    "mineemptyblocks",
    "mineblocksondemand",
    "hideknownopdrops",
    "lockinlinemetadata",
    "miningturnover",
    "lockadminminerounds",
    "acceptfiltertimeout",
    "sendfiltertimeout",
    "dropmessagestest",
    "compatibility",
    "bantx",
    "lockblock",
    "handshakelocal",
    "autosubscribe",
];

fn wrong_type() -> RpcError {
    RpcError::invalid_parameter("Invalid parameter value type")
}

/// The leading number of `text`, as C's `atof` reads it (0 when there is none).
fn leading_number(text: &str) -> f64 {
    let text = text.trim_start();
    let end = text
        .char_indices()
        .take_while(|(i, c)| {
            c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '-' || *c == '+'))
        })
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    text[..end].parse().unwrap_or(0.0)
}

fn setruntimeparam(ctx: &RpcContext, args: &Args) -> RpcResult<Value> {
    args.arity(2, 2)?;
    let name = args.str(0)?;
    let value = &args.values[1];
    match name {
        // A real number or a string, as MultiChain takes it; kept as whole rounds.
        "mineemptyrounds" => {
            let rounds = match value {
                Value::Number(n) if n.is_f64() => n.as_f64().unwrap_or(0.0),
                Value::String(s) => leading_number(s),
                _ => return Err(wrong_type()),
            };
            ctx.node.set_setting(name, rounds.round() as i64);
        }
        "maxshowndata" | "maxqueryscanitems" => {
            let n = match value {
                Value::Number(n) if n.is_i64() || n.is_u64() => super::args::int_of(value)?,
                Value::String(s) => leading_number(s).trunc() as i64,
                _ => return Err(wrong_type()),
            };
            if n < 0 {
                return Err(RpcError::invalid_parameter("Should be non-negative"));
            }
            ctx.node.set_setting(name, n);
        }
        _ if NOT_YET.contains(&name) => {
            return Err(RpcError::new(
                RPC_NOT_SUPPORTED,
                format!("Changing {name} while the node runs is not supported by this node yet"),
            ))
        }
        _ => {
            return Err(RpcError::invalid_parameter(format!(
                "Unsupported runtime parameter: {name}"
            )))
        }
    }
    Ok(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::leading_number;

    #[test]
    fn numbers_are_read_as_atof_reads_them() {
        assert_eq!(leading_number("12"), 12.0);
        assert_eq!(leading_number(" 2.5x"), 2.5);
        assert_eq!(leading_number("-3"), -3.0);
        assert_eq!(leading_number("abc"), 0.0);
        assert_eq!(leading_number(""), 0.0);
    }
}
