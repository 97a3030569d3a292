//! MultiChain's HTTP JSON-RPC wire, in front of the `jsonrpsee` method module.
//!
//! jsonrpsee's own server speaks JSON-RPC 2.0 (it needs `"jsonrpc":"2.0"`, answers errors with
//! HTTP 200, orders members `jsonrpc,result,id`, and has no Basic auth), so this layer owns the
//! HTTP side (hyper) and the 1.0 envelope:
//! allow-list (403), method (405), path (404), Basic auth (401), envelope checks (-32700/-32600
//! with id 0), batches, and the reply `{"result":…,"error":…,"id":…}` with MultiChain's HTTP
//! status per error code. Each call runs the module's method for its name directly.

use super::connections::ConnectionThreads;
use super::dispatch::ResultSlot;
use super::errors::{RpcError, RPC_INVALID_REQUEST, RPC_PARSE_ERROR};
use super::idle_close;
use crate::jsonfmt;
use base64::Engine;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, DATE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use jsonrpsee::types::{Id, Params};
use jsonrpsee::{ConnectionId, Extensions, MethodCallback, Methods, RpcModule};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub const SERVER_HEADER: &str = "multichain-json-rpc/2.3";
/// Largest request body accepted (libevent's limit in MultiChain is 32 MiB).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// An allowed client network: address and prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllowedNet {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl AllowedNet {
    /// `1.2.3.4`, `1.2.3.4/24` or `1.2.3.4/255.255.255.0`.
    pub fn parse(text: &str) -> Option<AllowedNet> {
        let (a, mask) = match text.split_once('/') {
            Some((a, m)) => (a, Some(m)),
            None => (text, None),
        };
        let addr: IpAddr = a.trim().parse().ok()?;
        let full = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match mask {
            None => full,
            Some(m) => match m.parse::<u8>() {
                Ok(p) if p <= full => p,
                Ok(_) => return None,
                Err(_) => {
                    let mask: IpAddr = m.parse().ok()?;
                    match mask {
                        IpAddr::V4(v) => u32::from(v).leading_ones() as u8,
                        IpAddr::V6(v) => u128::from(v).leading_ones() as u8,
                    }
                }
            },
        };
        Some(AllowedNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.prefix)
                };
                u32::from(a) & mask == u32::from(b) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.prefix)
                };
                u128::from(a) & mask == u128::from(b) & mask
            }
            _ => false,
        }
    }
}

pub struct ServerConfig {
    pub chain_name: String,
    /// `user:password`, compared whole.
    pub credentials: String,
    pub allowed: Vec<AllowedNet>,
    /// `-rpcallowmethod`: if not empty, only these (and help) may be called.
    pub allowed_methods: Vec<String>,
    /// `-rpcservertimeout`: a connection with no request for this long is closed.
    pub idle_limit: Duration,
}

/// `-rpcallowmethod`, given any number of times, each a comma list: the only methods (beside
/// `help`) clients may call; empty, all.
pub fn allowed_methods(options: &crate::params::runtime::Options) -> Vec<String> {
    options
        .all("rpcallowmethod")
        .iter()
        .flat_map(|m| m.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|m| !m.is_empty())
        .collect()
}

/// Refuses a method `-rpcallowmethod` leaves out, as MultiChain does (for a request, and for
/// each command of an `applycommands` batch).
pub fn check_method_allowed(allowed: &[String], method: &str) -> Result<(), RpcError> {
    if allowed.is_empty() || method == "help" || allowed.iter().any(|m| m == method) {
        return Ok(());
    }
    Err(RpcError::new(
        super::errors::RPC_NOT_ALLOWED,
        "Method not allowed with current setting of -rpcallowmethod runtime parameter",
    ))
}

pub struct RpcServer {
    config: ServerConfig,
    module: RpcModule<super::dispatch::RpcContext>,
    /// `Basic ` and the credentials in base64: what clients send, compared without decoding.
    basic_header: String,
}

type Reply = Response<Full<Bytes>>;

/// The `Date` header, formatted once per second per thread.
fn http_date() -> HeaderValue {
    thread_local! {
        static LAST: std::cell::RefCell<(u64, Option<HeaderValue>)> =
            const { std::cell::RefCell::new((0, None)) };
    }
    let now = std::time::SystemTime::now();
    let second = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &last.1 {
            Some(value) if last.0 == second => value.clone(),
            _ => {
                let value = HeaderValue::from_str(&httpdate::fmt_http_date(now))
                    .expect("HTTP dates are ASCII");
                *last = (second, Some(value.clone()));
                value
            }
        }
    })
}

/// A reply with MultiChain's header order: success `Content-Length, Content-Type, Server,
/// Date`; errors `Content-Type, Date, Content-Length`.
fn reply(status: StatusCode, body: Bytes, json: bool, success: bool) -> Reply {
    let len = HeaderValue::from(body.len());
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    if success {
        h.insert(CONTENT_LENGTH, len);
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h.insert("Server", HeaderValue::from_static(SERVER_HEADER));
        h.insert(DATE, http_date());
    } else {
        if json {
            h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        h.insert(DATE, http_date());
        h.insert(CONTENT_LENGTH, len);
    }
    r
}

fn plain(status: StatusCode, text: &'static str) -> Reply {
    reply(status, Bytes::from_static(text.as_bytes()), false, false)
}

fn unauthorized() -> Reply {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::UNAUTHORIZED;
    let h = r.headers_mut();
    h.insert(
        "WWW-Authenticate",
        HeaderValue::from_static("Basic realm=\"jsonrpc\""),
    );
    h.insert(DATE, http_date());
    h.insert(CONTENT_LENGTH, HeaderValue::from(0));
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=ISO-8859-1"),
    );
    r
}

/// `{"result":null,"error":{…},"id":…}` text.
fn error_text(e: &RpcError, id: &Value) -> String {
    let mut s = String::from("{\"result\":null,\"error\":{\"code\":");
    s.push_str(&e.code.to_string());
    s.push_str(",\"message\":");
    jsonfmt::write_string(&mut s, &e.message);
    s.push_str("},\"id\":");
    s.push_str(&jsonfmt::to_compact(id));
    s.push('}');
    s
}

fn success_text(result: &str, id: &Value) -> String {
    let mut s = String::with_capacity(result.len() + 40);
    s.push_str("{\"result\":");
    s.push_str(result);
    s.push_str(",\"error\":null,\"id\":");
    s.push_str(&jsonfmt::to_compact(id));
    s.push('}');
    s
}

#[derive(Deserialize)]
struct ModuleError {
    code: i32,
    message: String,
}

#[derive(Deserialize)]
struct ModuleResponse<'a> {
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(default)]
    error: Option<ModuleError>,
}

/// The outcome of one call: reply text, and the error (for the HTTP status) if any.
struct CallOutcome {
    text: String,
    error: Option<RpcError>,
}

impl RpcServer {
    pub fn new(config: ServerConfig, module: RpcModule<super::dispatch::RpcContext>) -> Self {
        let basic_header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(&config.credentials)
        );
        RpcServer {
            config,
            module,
            basic_header,
        }
    }

    fn client_allowed(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        ip.is_loopback() || self.config.allowed.iter().any(|n| n.contains(ip))
    }

    /// `None` when there are no Basic credentials, else whether they are right.
    fn authorized(&self, req: &Request<Incoming>) -> Option<bool> {
        let h = req.headers().get(hyper::header::AUTHORIZATION)?;
        basic_auth_matches(
            h.to_str().ok()?,
            &self.basic_header,
            &self.config.credentials,
        )
    }

    /// Handles one HTTP request.
    pub async fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> Reply {
        if !self.client_allowed(peer.ip()) {
            tracing::warn!(
                "HTTP request from {} rejected: Client network is not allowed RPC access",
                peer.ip()
            );
            return reply(StatusCode::FORBIDDEN, Bytes::new(), false, false);
        }
        let known = [Method::GET, Method::POST, Method::HEAD, Method::PUT];
        if !known.contains(req.method()) {
            return reply(StatusCode::METHOD_NOT_ALLOWED, Bytes::new(), false, false);
        }
        if req.uri().path() != "/" || req.uri().query().is_some() {
            return reply(StatusCode::NOT_FOUND, Bytes::new(), false, false);
        }
        if req.method() != Method::POST {
            return plain(
                StatusCode::METHOD_NOT_ALLOWED,
                "JSONRPC server handles only POST requests",
            );
        }
        match self.authorized(&req) {
            Some(true) => {}
            Some(false) => {
                tracing::warn!("ThreadRPCServer incorrect password attempt from {peer}");
                tokio::time::sleep(Duration::from_millis(250)).await;
                return unauthorized();
            }
            None => return unauthorized(),
        }
        let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => {
                return plain(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
            }
        };
        let (status, text) = self.process(&body).await;
        let mut text = text;
        text.push('\n');
        reply(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Bytes::from(text),
            true,
            status == 200,
        )
    }

    /// Body → (HTTP status, reply JSON).
    pub async fn process(&self, body: &[u8]) -> (u16, String) {
        // The common case, one request object, is read without building a tree of its
        // params; anything unusual (duplicate members, say) takes the general path.
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') {
            if let Ok(envelope) = serde_json::from_slice::<Envelope>(body) {
                let out = self.call(Some(envelope.parts()), true).await;
                let status = out.error.as_ref().map_or(200, |e| e.http_status());
                return (status, out.text);
            }
        }
        let value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(_) => {
                let e = RpcError::new(RPC_PARSE_ERROR, "Parse error");
                return (e.http_status(), error_text(&e, &Value::from(0)));
            }
        };
        match &value {
            Value::Object(_) => {
                let out = self.call(RequestParts::of_value(&value), true).await;
                let status = out.error.as_ref().map_or(200, |e| e.http_status());
                (status, out.text)
            }
            Value::Array(items) => {
                let mut s = String::from("[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    s.push_str(&self.call(RequestParts::of_value(item), false).await.text);
                }
                s.push(']');
                (200, s)
            }
            _ => {
                let e = RpcError::new(RPC_PARSE_ERROR, "Top-level object parse error");
                (e.http_status(), error_text(&e, &Value::from(0)))
            }
        }
    }

    /// One request object. Envelope errors of a single request answer with id 0 (MultiChain's
    /// quirk); inside a batch they carry the element's id.
    async fn call(&self, request: Option<RequestParts<'_>>, single: bool) -> CallOutcome {
        let fail = |e: RpcError, id: &Value| CallOutcome {
            text: error_text(&e, id),
            error: Some(e),
        };
        let Some(request) = request else {
            return fail(
                RpcError::new(RPC_INVALID_REQUEST, "Invalid Request object"),
                &Value::Null,
            );
        };
        let id = request.id;
        let envelope_id = if single { Value::from(0) } else { id.clone() };
        let method = match &request.method {
            None | Some(Value::Null) => {
                return fail(
                    RpcError::new(RPC_INVALID_REQUEST, "Missing method"),
                    &envelope_id,
                )
            }
            Some(Value::String(m)) => m.as_str(),
            Some(_) => {
                return fail(
                    RpcError::new(RPC_INVALID_REQUEST, "Method must be a string"),
                    &envelope_id,
                )
            }
        };
        match &request.chain_name {
            None | Some(Value::Null) => {}
            Some(Value::String(c)) if *c == self.config.chain_name => {}
            Some(Value::String(_)) => {
                return fail(
                    RpcError::new(RPC_INVALID_REQUEST, "Wrong chain name"),
                    &envelope_id,
                )
            }
            Some(_) => {
                return fail(
                    RpcError::new(RPC_INVALID_REQUEST, "Chain name must be a string"),
                    &envelope_id,
                )
            }
        }
        let Some(params) = request.params else {
            return fail(
                RpcError::new(RPC_INVALID_REQUEST, "Params must be an array"),
                &envelope_id,
            );
        };
        if let Err(e) = check_method_allowed(&self.config.allowed_methods, method) {
            return fail(e, &id);
        }
        let slot = ResultSlot::default();
        let raw = match run_method(&self.module, method, &params, &slot).await {
            Ok(raw) => raw,
            Err(e) => return fail(e, &id),
        };
        // A handler that succeeded left its text in the slot (jsonrpsee carried `null`);
        // errors, and a method registered without the slot, are read from jsonrpsee's reply.
        if let Some(result) = slot.take() {
            return CallOutcome {
                text: success_text(&result, &id),
                error: None,
            };
        }
        match serde_json::from_str::<ModuleResponse>(raw.get()) {
            Ok(ModuleResponse {
                error: Some(err), ..
            }) => fail(RpcError::new(err.code, err.message), &id),
            Ok(ModuleResponse {
                result: Some(result),
                ..
            }) => CallOutcome {
                text: success_text(result.get(), &id),
                error: None,
            },
            Ok(_) => CallOutcome {
                text: success_text("null", &id),
                error: None,
            },
            Err(e) => fail(
                RpcError::new(super::errors::RPC_INTERNAL_ERROR, e.to_string()),
                &id,
            ),
        }
    }
}

/// Runs a method of the module on `params` (a JSON array's text) and gives jsonrpsee's 2.0
/// reply, as its own `raw_json_request` does but without writing a 2.0 request for it to
/// read back (and without the subscription channel it opens per call): a sixth of a
/// connection thread's time per publish went there. Our handlers leave a success's text in
/// `slot` instead of the reply.
async fn run_method(
    methods: &Methods,
    method: &str,
    params: &str,
    slot: &ResultSlot,
) -> Result<Box<RawValue>, RpcError> {
    let mut extensions = Extensions::new();
    extensions.insert(slot.clone());
    let response = match methods.method(method) {
        Some(MethodCallback::Async(run)) => {
            let params = Params::new(Some(params)).into_owned();
            run(MODULE_ID, params, ConnectionId(0), usize::MAX, extensions).await
        }
        Some(MethodCallback::Sync(run)) => {
            run(MODULE_ID, Params::new(Some(params)), usize::MAX, extensions)
        }
        // Only plain methods are registered.
        Some(_) | None => return Err(RpcError::method_not_found()),
    };
    Ok(response.into_json())
}

/// Whether an `Authorization` header value carries `credentials` (`None`: not Basic, or not
/// base64); `basic_header` is their usual spelling, which is compared without decoding.
fn basic_auth_matches(header: &str, basic_header: &str, credentials: &str) -> Option<bool> {
    if same_bytes(header.as_bytes(), basic_header.as_bytes()) {
        return Some(true);
    }
    // Other spellings of the same credentials (extra spaces, say) are decoded.
    let b64 = header.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    Some(same_bytes(&decoded, credentials.as_bytes()))
}

/// Whether `given` is `expected`, comparing every byte so timing does not reveal the password.
fn same_bytes(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = (given.len() != expected.len()) as u8;
    for (i, e) in expected.iter().enumerate() {
        diff |= e ^ given.get(i).copied().unwrap_or(0);
    }
    diff == 0
}

/// The id each call is handed to the module with; its reply carries it back.
const MODULE_ID: Id<'static> = Id::Number(0);

/// The members of a single request object, borrowed from the body (`null` reads as absent).
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    method: Option<&'a RawValue>,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    chain_name: Option<&'a RawValue>,
}

/// What `call` needs of a request object.
struct RequestParts<'a> {
    id: Value,
    method: Option<Value>,
    chain_name: Option<Value>,
    /// The params array's JSON text; `None` when params is not an array.
    params: Option<Cow<'a, str>>,
}

impl<'a> Envelope<'a> {
    fn parts(&self) -> RequestParts<'a> {
        // id, method and chain_name are small; params, the bulk, stays as text.
        let small = |raw: Option<&RawValue>| raw.and_then(|r| serde_json::from_str(r.get()).ok());
        let params = match self.params {
            None => Some(Cow::Borrowed("[]")),
            Some(p) if p.get().starts_with('[') => Some(Cow::Borrowed(p.get())),
            Some(_) => None,
        };
        RequestParts {
            id: small(self.id).unwrap_or(Value::Null),
            method: small(self.method),
            chain_name: small(self.chain_name),
            params,
        }
    }
}

impl RequestParts<'static> {
    /// `None` when the request is not an object.
    fn of_value(request: &Value) -> Option<Self> {
        let Value::Object(obj) = request else {
            return None;
        };
        let params = match obj.get("params") {
            None | Some(Value::Null) => Some(Cow::Borrowed("[]")),
            Some(p @ Value::Array(_)) => Some(Cow::Owned(
                serde_json::to_string(p).unwrap_or_else(|_| "[]".into()),
            )),
            Some(_) => None,
        };
        Some(RequestParts {
            id: obj.get("id").cloned().unwrap_or(Value::Null),
            method: obj.get("method").cloned(),
            chain_name: obj.get("chain_name").cloned(),
            params,
        })
    }
}

/// Accepts connections on `listeners` and hands them to `connections`, until `shutdown`
/// turns true.
pub async fn serve(
    listeners: Vec<TcpListener>,
    connections: &ConnectionThreads,
    mut shutdown: watch::Receiver<bool>,
) {
    // Whichever listener has a connection first (IPv4 and IPv6 ones, say).
    let accept_any = || {
        std::future::poll_fn(|cx| {
            for listener in &listeners {
                if let std::task::Poll::Ready(accepted) = listener.poll_accept(cx) {
                    return std::task::Poll::Ready(accepted);
                }
            }
            std::task::Poll::Pending
        })
    };
    loop {
        tokio::select! {
            accepted = accept_any() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    connections.take(stream, peer);
                }
                // Out of descriptors, say: try again shortly rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = shutdown.wait_for(|v| *v) => break,
        }
    }
}

/// Serves HTTP requests on one connection until the client closes it, or leaves it idle
/// for `-rpcservertimeout` (30 s by default) as MultiChain would (see [`idle_close`]).
pub async fn serve_connection(server: Arc<RpcServer>, stream: TcpStream, peer: SocketAddr) {
    let activity = Arc::new(idle_close::Activity::default());
    let idle_limit = server.config.idle_limit;
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |req| {
            let server = server.clone();
            let running = activity.begin();
            async move {
                let response = server.handle(req, peer).await;
                drop(running);
                Ok::<_, std::convert::Infallible>(response)
            }
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .title_case_headers(true)
        .keep_alive(true)
        .header_read_timeout(None)
        .serve_connection(
            TokioIo::new(idle_close::Watched::new(stream, activity.clone())),
            service,
        );
    idle_close::close_when_idle(connection, &activity, idle_limit).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts_of(body: &str) -> RequestParts<'_> {
        serde_json::from_str::<Envelope>(body).unwrap().parts()
    }

    #[test]
    fn envelope_members_read_as_the_general_path_does() {
        let p = parts_of(r#"{"method":"publish","params":["s", "k", {"json":[1,2]}],"id":7}"#);
        assert_eq!(p.method, Some(Value::from("publish")));
        assert_eq!(p.params.as_deref(), Some(r#"["s", "k", {"json":[1,2]}]"#));
        assert_eq!(p.id, Value::from(7));
        // null and absent params are both no params; other kinds are refused.
        assert_eq!(
            parts_of(r#"{"method":"x","params":null}"#)
                .params
                .as_deref(),
            Some("[]")
        );
        assert_eq!(parts_of(r#"{"method":"x"}"#).params.as_deref(), Some("[]"));
        assert_eq!(parts_of(r#"{"method":"x","params":{}}"#).params, None);
        assert_eq!(parts_of(r#"{"method":null,"id":null}"#).method, None);
        assert_eq!(parts_of(r#"{"method":"x","id":null}"#).id, Value::Null);
        // Duplicate members are left to the general path (the last one counts there).
        assert!(serde_json::from_str::<Envelope>(r#"{"method":"a","method":"b"}"#).is_err());
    }

    #[tokio::test]
    async fn a_method_without_the_slot_has_its_result_read_from_the_reply() {
        let mut module = RpcModule::new(());
        module
            .register_method("x", |_, _, _| {
                Ok::<_, jsonrpsee::types::ErrorObjectOwned>(
                    RawValue::from_string("{\"a\":[1]}".to_string()).unwrap(),
                )
            })
            .unwrap();
        let slot = ResultSlot::default();
        let raw = run_method(&module, "x", "[]", &slot).await.unwrap();
        assert_eq!(slot.take(), None, "the method left nothing in the slot");
        let reply: ModuleResponse = serde_json::from_str(raw.get()).unwrap();
        assert_eq!(reply.result.map(RawValue::get), Some("{\"a\":[1]}"));
        assert!(reply.error.is_none());
        let missing = run_method(&module, "y", "[]", &slot).await.unwrap_err();
        assert_eq!(missing.code, super::super::errors::RPC_METHOD_NOT_FOUND);
    }

    #[test]
    fn basic_auth_in_its_usual_and_other_spellings() {
        let usual = "Basic dTpw"; // u:p
        assert_eq!(basic_auth_matches(usual, usual, "u:p"), Some(true));
        assert_eq!(
            basic_auth_matches("Basic   dTpw ", usual, "u:p"),
            Some(true)
        );
        assert_eq!(basic_auth_matches("Basic dTpx", usual, "u:p"), Some(false));
        assert_eq!(
            basic_auth_matches("Basic dTp3cm9uZw==", usual, "u:p"),
            Some(false)
        );
        assert_eq!(basic_auth_matches("Basic !!", usual, "u:p"), None);
        assert_eq!(basic_auth_matches("Bearer dTpw", usual, "u:p"), None);
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abcd", b"abc") && !same_bytes(b"ab", b"abc"));
    }

    #[test]
    fn allow_list_forms() {
        let n = AllowedNet::parse("10.1.2.0/24").unwrap();
        assert!(n.contains("10.1.2.77".parse().unwrap()));
        assert!(!n.contains("10.1.3.1".parse().unwrap()));
        let m = AllowedNet::parse("10.1.2.0/255.255.0.0").unwrap();
        assert!(m.contains("10.1.9.9".parse().unwrap()));
        let single = AllowedNet::parse("192.168.1.5").unwrap();
        assert!(single.contains("192.168.1.5".parse().unwrap()));
        assert!(!single.contains("192.168.1.6".parse().unwrap()));
        assert!(AllowedNet::parse("nonsense").is_none());
        assert!(AllowedNet::parse("10.0.0.0/40").is_none());
    }
}
