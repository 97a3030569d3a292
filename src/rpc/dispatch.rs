//! The method table: every command name mapped to one small handler, registered in a
//! `jsonrpsee` [`RpcModule`] on the lane it runs in ([`Lane`]). Handlers return
//! `serde_json::Value`s which are rendered here, once, in MultiChain's JSON form.

use super::args::Args;
use super::errors::{RpcError, RpcResult, RPC_MISC_ERROR};
use super::help::HelpTexts;
use super::serial_lane::SerialLane;
use super::{
    accounts, address_groupings, addresses, apply_commands, asset_txs, assets, binary_cache,
    bitcoin_wallet, blockchain, chain_tip, combine_unspent, control, enterprise, explorer, filters,
    messages, miners, mining, multisig, network, permissions, raw, runtime_params, stream_query,
    stream_summary, streams, tokens, ubjson_hex, utxo_set, wallet_dump, wallet_lock, wallettx,
};
use crate::node::Node;
use jsonrpsee::types::{ErrorObjectOwned, Params};
use jsonrpsee::{Extensions, RpcModule};
use serde_json::value::RawValue;
use serde_json::Value;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::watch;

/// Marker message: "replace me with this command's help text" (wrong argument count).
pub const SHOW_HELP: &str = "\u{0}help";

pub type Handler = fn(&RpcContext, &Args) -> RpcResult<Value>;
/// A handler that writes its result's JSON text itself (in MultiChain's form).
pub type TextHandler = fn(&RpcContext, &Args) -> RpcResult<String>;

/// A command's handler, of either kind.
#[derive(Clone, Copy)]
pub enum Run {
    Value(Handler),
    Text(TextHandler),
}

/// What handlers can reach: the node and facts about this process.
pub struct RpcContext {
    pub node: Arc<Node>,
    pub help: HelpTexts,
    pub rpc_port: u16,
    pub p2p_port: u16,
    /// `chain@ip:port` for getinfo and the start-up message.
    pub node_address: String,
    pub local_addresses: Vec<std::net::IpAddr>,
    pub shutdown: watch::Sender<bool>,
    /// `-rpcallowmethod` (empty: every method).
    pub allowed_methods: Vec<String>,
}

/// Every implemented command.
pub fn methods() -> Vec<(&'static str, Run)> {
    let mut m: Vec<(&'static str, Handler)> = Vec::new();
    m.extend(control::METHODS);
    m.extend(blockchain::METHODS);
    m.extend(network::METHODS);
    m.extend(mining::METHODS);
    m.extend(miners::METHODS);
    m.extend(addresses::METHODS);
    m.extend(messages::METHODS);
    m.extend(accounts::METHODS);
    m.extend(ubjson_hex::METHODS);
    m.extend(multisig::METHODS);
    m.extend(permissions::METHODS);
    m.extend(streams::METHODS);
    m.extend(binary_cache::METHODS);
    m.extend(stream_summary::METHODS);
    m.extend(assets::METHODS);
    m.extend(asset_txs::METHODS);
    m.extend(filters::methods());
    m.extend(raw::METHODS);
    m.extend(wallettx::METHODS);
    m.extend(bitcoin_wallet::METHODS);
    m.extend(combine_unspent::METHODS);
    m.extend(runtime_params::METHODS);
    m.extend(wallet_dump::METHODS);
    m.extend(wallet_lock::METHODS);
    m.extend(enterprise::methods());
    m.extend(explorer::methods());
    m.extend(utxo_set::METHODS);
    m.extend(tokens::METHODS);
    m.extend(apply_commands::METHODS);
    m.extend(chain_tip::METHODS);
    m.extend(address_groupings::METHODS);
    let mut all: Vec<(&'static str, Run)> =
        m.into_iter().map(|(n, h)| (n, Run::Value(h))).collect();
    all.extend(streams::TEXT_METHODS.map(|(n, h)| (n, Run::Text(h))));
    all.extend(stream_query::TEXT_METHODS.map(|(n, h)| (n, Run::Text(h))));
    all
}

/// Runs `method`'s handler with `values`, outside any lane (for commands that run other
/// commands: `applycommands`, which checks `-rpcallowmethod` itself): its result, or its
/// error as it goes on the wire (a wrong argument count's help text included).
pub fn run_command(ctx: &RpcContext, method: &str, values: Vec<Value>) -> Result<Value, RpcError> {
    static TABLE: std::sync::OnceLock<std::collections::HashMap<&'static str, Run>> =
        std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| methods().into_iter().collect());
    let Some((name, handler)) = table.get_key_value(method) else {
        return Err(RpcError::method_not_found());
    };
    let args = Args {
        method: name,
        values,
    };
    let result = match handler {
        Run::Value(handler) => handler(ctx, &args),
        Run::Text(handler) => handler(ctx, &args).and_then(|text| {
            serde_json::from_str(&text)
                .map_err(|e| RpcError::new(super::errors::RPC_INTERNAL_ERROR, e.to_string()))
        }),
    };
    result.map_err(|e| {
        let wire = to_error_object(ctx, name, e);
        RpcError::new(wire.code(), wire.message())
    })
}

/// Renders a result the way MultiChain writes it.
fn render(v: &Value) -> String {
    crate::jsonfmt::to_compact(v)
}

/// Where a handler leaves its result's text for the server, which puts it into the reply as
/// it is. Handed through jsonrpsee as a `RawValue`, the text was read through twice (to make
/// the value, and again as jsonrpsee checks its own reply): a tenth of the node's time per
/// ten-item stream query.
#[derive(Clone, Default)]
pub struct ResultSlot(Arc<parking_lot::Mutex<Option<String>>>);

impl ResultSlot {
    /// The text a handler left, if it succeeded.
    pub fn take(&self) -> Option<String> {
        self.0.lock().take()
    }
}

/// Gives a result to the server: through the call's [`ResultSlot`] when it has one (jsonrpsee
/// then carries only `null`), else as a checked `RawValue`.
fn deliver(text: String, extensions: &Extensions) -> Result<Box<RawValue>, ErrorObjectOwned> {
    match extensions.get::<ResultSlot>() {
        Some(slot) => {
            *slot.0.lock() = Some(text);
            Ok(RawValue::NULL.to_owned())
        }
        None => RawValue::from_string(text).map_err(|e| {
            ErrorObjectOwned::owned(super::errors::RPC_INTERNAL_ERROR, e.to_string(), None::<()>)
        }),
    }
}

/// Where a command runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lane {
    /// Commands whose argument-free result is computed from the node state alone: monitoring
    /// tools poll them in tight loops, so the rendered result is kept until the state changes.
    /// Answered on the connection thread from that cache; computed on the pool when it is
    /// stale (computing reads the state, which may wait for a block's commit).
    Cached,
    /// On the one publishing thread, in arrival order: frequent wallet transactions. They
    /// change the state under its one lock, so parallel threads would only queue on it; one
    /// thread runs them back to back while the connection thread reads and answers requests.
    /// A command here must only take the state's write lock, never a read (which waits at
    /// the gate while a block is written and would hold up every publish behind it).
    Serial,
    /// Reads whose work is bounded by their arguments (a short list of stream items):
    /// answered on the connection thread when the state can be read at once, sparing two
    /// thread hand-offs, which cost more than the read itself; on the pool otherwise (a long
    /// list, a block being written, a writer waiting). A command here must never write the
    /// state: it runs holding a read.
    InPlace {
        /// Which argument is the item count, and the count when it is left out.
        count_at: usize,
        default_count: u64,
    },
    /// On the pool of `-rpcthreads` call threads, so a long call never holds up the rest.
    Pool,
}

/// The most items a call answered in place may list.
const IN_PLACE_MAX_COUNT: u64 = 64;

fn lane(method: &str) -> Lane {
    match method {
        "getinfo" => Lane::Cached,
        // publishmulti reads the state before its write (stream and permission checks): it
        // runs on the pool.
        "publish" | "publishfrom" => Lane::Serial,
        "liststreamitems" => Lane::InPlace {
            count_at: 2,
            default_count: 10,
        },
        "liststreamkeyitems" | "liststreampublisheritems" => Lane::InPlace {
            count_at: 3,
            default_count: 10,
        },
        _ => Lane::Pool,
    }
}

/// Whether an `InPlace` call asks for few enough items to be answered in place.
fn short_enough(values: &[Value], count_at: usize, default_count: u64) -> bool {
    match values.get(count_at) {
        None => default_count <= IN_PLACE_MAX_COUNT,
        Some(v) => v.as_u64().is_some_and(|c| c <= IN_PLACE_MAX_COUNT),
    }
}

/// A rendered result and the state generation it was computed at.
type CachedResult = parking_lot::Mutex<Option<(u64, String)>>;

/// One command: its handler, and its result cache if it has one.
#[derive(Clone)]
struct Command {
    name: &'static str,
    handler: Run,
    cache: Option<Arc<CachedResult>>,
}

impl Command {
    /// The kept result, if this call has one and the state has not changed since.
    fn cached(&self, values: &[Value], ctx: &RpcContext) -> Option<String> {
        let cache = self.cache.as_ref()?;
        if !values.is_empty() {
            return None;
        }
        let generation = ctx.node.state.generation();
        match cache.lock().as_ref() {
            Some((g, text)) if *g == generation => Some(text.clone()),
            _ => None,
        }
    }

    /// Runs the handler (the `Cached` lane has looked in the cache already) and keeps an
    /// argument-free result of a cached command.
    fn call(&self, values: Vec<Value>, ctx: &RpcContext) -> Result<String, ErrorObjectOwned> {
        let cache = self.cache.as_ref().filter(|_| values.is_empty());
        // Read before computing: a change during the call makes the entry stale.
        let generation = ctx.node.state.generation();
        let args = Args {
            method: self.name,
            values,
        };
        let result = match self.handler {
            Run::Value(handler) => handler(ctx, &args).map(|v| render(&v)),
            Run::Text(handler) => handler(ctx, &args),
        };
        match result {
            Ok(text) => {
                if let Some(cache) = cache {
                    *cache.lock() = Some((generation, text.clone()));
                }
                Ok(text)
            }
            Err(e) => Err(to_error_object(ctx, self.name, e)),
        }
    }
}

pub fn build_module(ctx: Arc<RpcContext>) -> RpcModule<RpcContext> {
    let ctx = Arc::try_unwrap(ctx).unwrap_or_else(|_| panic!("context is built for one module"));
    let mut module = RpcModule::new(ctx);
    let serial = SerialLane::spawn();
    for (name, handler) in methods() {
        let lane = lane(name);
        let command = Command {
            name,
            handler,
            cache: (lane == Lane::Cached).then(|| Arc::new(parking_lot::Mutex::new(None))),
        };
        let registered = match lane {
            Lane::Cached => {
                module.register_async_method(name, move |params, ctx: Arc<RpcContext>, ext| {
                    let command = command.clone();
                    async move {
                        let values = values_of(&params);
                        if let Some(text) = command.cached(&values, &ctx) {
                            return deliver(text, &ext);
                        }
                        deliver(on_pool(command, values, ctx).await?, &ext)
                    }
                })
            }
            Lane::Serial => {
                let serial = serial.clone();
                module.register_async_method(name, move |params, ctx: Arc<RpcContext>, ext| {
                    let command = command.clone();
                    // Read here: the publishing thread is the one every publish waits for.
                    let values = values_of(&params);
                    let result = serial.run(move || command.call(values, &ctx));
                    async move { deliver(result.await.unwrap_or_else(|| Err(no_result()))?, &ext) }
                })
            }
            Lane::InPlace {
                count_at,
                default_count,
            } => module.register_async_method(name, move |params, ctx: Arc<RpcContext>, ext| {
                let command = command.clone();
                async move {
                    let values = values_of(&params);
                    if short_enough(&values, count_at, default_count) {
                        // Held through the call, so the handler's own read cannot wait.
                        if let Some(_reading) = ctx.node.state.try_read() {
                            let call = AssertUnwindSafe(|| command.call(values, &ctx));
                            let text = std::panic::catch_unwind(call)
                                .unwrap_or_else(|_| Err(no_result()))?;
                            return deliver(text, &ext);
                        }
                    }
                    deliver(on_pool(command, values, ctx).await?, &ext)
                }
            }),
            Lane::Pool => {
                module.register_blocking_method(name, move |params, ctx: Arc<RpcContext>, ext| {
                    deliver(command.call(values_of(&params), &ctx)?, &ext)
                })
            }
        };
        registered.expect("each method is registered once");
    }
    module
}

/// The positional arguments (a malformed list reads as none, as before this layer).
fn values_of(params: &Params) -> Vec<Value> {
    params.parse().unwrap_or_default()
}

async fn on_pool(
    command: Command,
    values: Vec<Value>,
    ctx: Arc<RpcContext>,
) -> Result<String, ErrorObjectOwned> {
    tokio::task::spawn_blocking(move || command.call(values, &ctx))
        .await
        .unwrap_or_else(|_| Err(no_result()))
}

/// The call ended without a result (it panicked).
fn no_result() -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        super::errors::RPC_INTERNAL_ERROR,
        "Internal error",
        None::<()>,
    )
}

fn to_error_object(ctx: &RpcContext, method: &str, e: RpcError) -> ErrorObjectOwned {
    let message = if e.code == RPC_MISC_ERROR && e.message == SHOW_HELP {
        ctx.help
            .for_command(method)
            .map(str::to_string)
            .unwrap_or_else(|| "Help message not found\n".to_string())
    } else {
        e.message
    };
    ErrorObjectOwned::owned(e.code, message, None::<()>)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn results_go_through_the_slot_when_the_call_has_one() {
        let slot = ResultSlot::default();
        let mut extensions = Extensions::new();
        extensions.insert(slot.clone());
        let carried = deliver("[1,{\"a\":2}]".to_string(), &extensions).unwrap();
        assert_eq!(carried.get(), "null");
        assert_eq!(slot.take().as_deref(), Some("[1,{\"a\":2}]"));
        assert_eq!(slot.take(), None, "taken once");
        // Without a slot the text is checked and carried itself.
        let none = Extensions::new();
        assert_eq!(deliver("[1]".to_string(), &none).unwrap().get(), "[1]");
        let bad = deliver("[1".to_string(), &none).unwrap_err();
        assert_eq!(bad.code(), super::super::errors::RPC_INTERNAL_ERROR);
    }

    #[test]
    fn only_short_listings_are_answered_in_place() {
        let Lane::InPlace {
            count_at,
            default_count,
        } = lane("liststreamkeyitems")
        else {
            panic!("liststreamkeyitems is answered in place");
        };
        let short =
            |values: Value| short_enough(values.as_array().unwrap(), count_at, default_count);
        assert!(short(json!(["s", "k"])));
        assert!(short(json!(["s", "k", false, 64])));
        assert!(!short(json!(["s", "k", false, 65])));
        // Counts the handler will refuse go to the pool, which words the error.
        assert!(!short(json!(["s", "k", false, -1])));
        assert!(!short(json!(["s", "k", false, "10"])));
        assert!(lane("getinfo") == Lane::Cached);
        assert!(lane("liststreams") == Lane::Pool);
    }
}
