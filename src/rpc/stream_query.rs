//! `liststreamqueryitems`: the items of a stream that carry every key and every publisher a
//! query names, in the stream's order. As MultiChain, it reads the shortest of the named
//! key and publisher indexes and checks each of its items against the rest of the query, so
//! the items read are bounded by `-maxqueryscanitems`.

use super::args::Args;
use super::dispatch::{RpcContext, TextHandler};
use super::errors::*;
use super::streams::{items_text, require_subscribed, stream_param, verbose_flag};
use crate::ledger::streams::IndexOf;
use crate::node::streams::Item;
use crate::primitives::address::{Address, AddressFormat};
use serde_json::Value;

pub const TEXT_METHODS: [(&str, TextHandler); 1] = [("liststreamqueryitems", liststreamqueryitems)];

/// MultiChain reads at most this many items of one index for a query, whatever
/// `-maxqueryscanitems` says.
const MAX_UNCHECKED_LIST: u64 = 1_048_576;

/// One condition of a query, as given.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Condition {
    Key(String),
    Publisher(String),
}

/// Reads a query object, in MultiChain's order and words: `key` or `keys`, `publisher` or
/// `publishers`, nothing else.
fn conditions(query: &Value) -> RpcResult<Vec<Condition>> {
    let Value::Object(fields) = query else {
        // MultiChain's message ends with a space.
        return Err(RpcError::invalid_parameter(
            "Invalid query, should be object ",
        ));
    };
    let mut out = Vec::new();
    let (mut key_found, mut publisher_found) = (false, false);
    for (name, value) in fields {
        let (found, one, what) = match name.as_str() {
            "key" | "keys" => (&mut key_found, name == "key", "key"),
            "publisher" | "publishers" => (&mut publisher_found, name == "publisher", "publisher"),
            _ => {
                return Err(RpcError::invalid_parameter(format!(
                    "Invalid field: {name}"
                )))
            }
        };
        if *found {
            return Err(RpcError::invalid_parameter(format!(
                "Only one of the {what} fields can appear in the object"
            )));
        }
        *found = true;
        let texts: Vec<&Value> = match value {
            _ if one => vec![value],
            Value::Array(values) => values.iter().collect(),
            _ => {
                return Err(RpcError::invalid_parameter(format!(
                    "Invalid {what}s, should be array"
                )))
            }
        };
        for text in texts {
            let Value::String(text) = text else {
                return Err(RpcError::invalid_parameter(format!(
                    "Invalid {what}, should be string"
                )));
            };
            out.push(if what == "key" {
                Condition::Key(text.clone())
            } else {
                Condition::Publisher(text.clone())
            });
        }
    }
    if out.is_empty() {
        return Err(RpcError::invalid_parameter(
            "Invalid query, cannot be empty",
        ));
    }
    Ok(out)
}

/// A condition as the indexes and the items see it. `*` names no index (MultiChain reads it
/// as "any"), so it picks no list, and it matches only an item with that very key.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Wanted {
    Key(Vec<u8>),
    Publisher(Address),
    /// A publisher `*`, which no item has.
    NoPublisher,
}

impl Wanted {
    fn index(&self) -> Option<IndexOf> {
        match self {
            Wanted::Key(k) if k == b"*" => None,
            Wanted::Key(k) => Some(IndexOf::Key(k.clone())),
            Wanted::Publisher(a) => Some(IndexOf::Publisher(*a)),
            Wanted::NoPublisher => None,
        }
    }

    fn matches(&self, item: &Item) -> bool {
        match self {
            Wanted::Key(k) => item.keys.contains(k),
            Wanted::Publisher(a) => item.publishers.contains(a),
            Wanted::NoPublisher => false,
        }
    }
}

fn wanted(format: &AddressFormat, conditions: &[Condition]) -> RpcResult<Vec<Wanted>> {
    conditions
        .iter()
        .map(|c| match c {
            Condition::Key(k) => Ok(Wanted::Key(k.as_bytes().to_vec())),
            Condition::Publisher(p) if p == "*" => Ok(Wanted::NoPublisher),
            Condition::Publisher(p) => format
                .decode_address(p)
                .map(Wanted::Publisher)
                .map_err(|_| RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address")),
        })
        .collect()
}

/// When no condition names an index: MultiChain's words for the index it found missing.
fn no_index(wanted: &[Wanted]) -> RpcError {
    let keys = wanted.iter().any(|w| matches!(w, Wanted::Key(_)));
    let publishers = wanted.iter().any(|w| matches!(w, Wanted::NoPublisher));
    let message = match (keys, publishers) {
        (true, true) => {
            "Both the keys and publishers indexes are not active for this subscription."
        }
        (true, false) => "The required keys index is not active for this subscription.",
        _ => "The required publishers index is not active for this subscription.",
    };
    RpcError::new(RPC_NOT_SUBSCRIBED, message)
}

/// The index to read: the shortest non-empty one, the last of equals (MultiChain's choice).
fn shortest(sizes: &[(IndexOf, u64, u64)]) -> Option<&(IndexOf, u64, u64)> {
    sizes
        .iter()
        .filter(|(_, confirmed, pending)| confirmed + pending > 0)
        .fold(None, |best: Option<&(IndexOf, u64, u64)>, s| match best {
            Some(b) if b.1 + b.2 < s.1 + s.2 => Some(b),
            _ => Some(s),
        })
}

fn liststreamqueryitems(ctx: &RpcContext, args: &Args) -> RpcResult<String> {
    args.arity(2, 3)?;
    let verbose = verbose_flag(args, 2)?;
    let conditions = conditions(&args.values[1])?;
    let st = ctx.node.state.read();
    let stream = stream_param(&st, &args.values[0])?;
    require_subscribed(&st, &stream)?;
    let wanted = wanted(&ctx.node.format, &conditions)?;
    let id = stream.short_id();
    let ledger = &ctx.node.ledger;
    let indexes: Vec<IndexOf> = wanted.iter().filter_map(Wanted::index).collect();
    if indexes.is_empty() {
        return Err(no_index(&wanted));
    }
    let mut sizes = Vec::with_capacity(indexes.len());
    for of in indexes {
        let (confirmed, pending) = st.streams.index_counts(ledger, &id, &of)?;
        sizes.push((of, confirmed, pending));
    }
    let Some((of, confirmed, pending)) = shortest(&sizes) else {
        return Ok("[]".into());
    };
    let listed = confirmed + pending;
    if listed > MAX_UNCHECKED_LIST {
        return Err(RpcError::new(
            RPC_NOT_SUPPORTED,
            "This query may take too much time",
        ));
    }
    let limit = ctx.node.setting("maxqueryscanitems").max(0) as u64;
    if wanted.len() > 1 && listed > limit {
        return Err(RpcError::new(
            RPC_NOT_SUPPORTED,
            format!("This query requires decoding {listed} items, which is above the maxqueryscanitems limit of {limit}."),
        ));
    }
    if listed > limit {
        return Err(RpcError::new(
            RPC_NOT_SUPPORTED,
            "Resulting list is too large",
        ));
    }
    let items: Vec<Item> = st
        .streams
        .index_items(ledger, &id, of, *confirmed, (0, listed))?
        .into_iter()
        .filter(|item| wanted.iter().all(|w| w.matches(item)))
        .collect();
    Ok(items_text(ctx, &st, &items, verbose))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(query: Value) -> String {
        conditions(&query).unwrap_err().message
    }

    #[test]
    fn a_query_names_keys_and_publishers_in_the_order_given() {
        let got = conditions(&json!({"keys": ["a", "b"], "publisher": "1P"})).unwrap();
        assert_eq!(
            got,
            [
                Condition::Key("a".into()),
                Condition::Key("b".into()),
                Condition::Publisher("1P".into())
            ]
        );
        assert_eq!(
            conditions(&json!({"key": "k"})).unwrap(),
            [Condition::Key("k".into())]
        );
    }

    #[test]
    fn bad_queries_get_multichains_words() {
        assert_eq!(message(json!("k")), "Invalid query, should be object ");
        assert_eq!(message(json!({})), "Invalid query, cannot be empty");
        assert_eq!(
            message(json!({"keys": []})),
            "Invalid query, cannot be empty"
        );
        assert_eq!(message(json!({"item": "x"})), "Invalid field: item");
        assert_eq!(
            message(json!({"key": "a", "keys": ["b"]})),
            "Only one of the key fields can appear in the object"
        );
        assert_eq!(
            message(json!({"publishers": [], "publisher": "p"})),
            "Only one of the publisher fields can appear in the object"
        );
        assert_eq!(message(json!({"key": 1})), "Invalid key, should be string");
        assert_eq!(
            message(json!({"keys": "a"})),
            "Invalid keys, should be array"
        );
        assert_eq!(
            message(json!({"keys": ["a", 2]})),
            "Invalid key, should be string"
        );
        assert_eq!(
            message(json!({"publishers": "p"})),
            "Invalid publishers, should be array"
        );
        assert_eq!(
            message(json!({"publisher": null})),
            "Invalid publisher, should be string"
        );
        // The first bad field decides.
        assert_eq!(
            message(json!({"key": 5, "other": 1})),
            "Invalid key, should be string"
        );
    }

    #[test]
    fn the_shortest_non_empty_index_is_read_the_last_of_equals() {
        let k = |s: &str| IndexOf::Key(s.as_bytes().to_vec());
        let sizes = vec![
            (k("a"), 3, 1),
            (k("b"), 0, 0),
            (k("c"), 2, 0),
            (k("d"), 1, 1),
        ];
        assert_eq!(shortest(&sizes).unwrap().0, k("d"));
        assert!(shortest(&[(k("a"), 0, 0)]).is_none());
    }

    #[test]
    fn star_names_no_index() {
        assert_eq!(Wanted::Key(b"*".to_vec()).index(), None);
        assert_eq!(Wanted::NoPublisher.index(), None);
        assert_eq!(
            no_index(&[Wanted::Key(b"*".to_vec()), Wanted::NoPublisher]).message,
            "Both the keys and publishers indexes are not active for this subscription."
        );
        assert_eq!(
            no_index(&[Wanted::NoPublisher]).message,
            "The required publishers index is not active for this subscription."
        );
    }
}
