//! The HTTP side: accept loop (so a fault can drop a connection without answering) and the
//! single dispatcher every request goes through: route, count, limit the body, verify the
//! signature, apply faults, answer with `X-Request-Id`.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use hyper_util::rt::TokioIo;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

use super::auth::{self, Keys};
use super::errors::{Body as ReplyBody, Reply};
use super::faults::{self, FaultAction, Faults};
use super::routes::{self, Ctx, Op};
use super::state::World;
use super::{Counters, MAX_BODY_BYTES, SandboxConfig, SandboxError, inventory};

/// Shared state of one sandbox.
pub struct App {
    config: SandboxConfig,
    world: Mutex<World>,
    faults: Mutex<Faults>,
    counters: Mutex<Counters>,
    in_flight: AtomicU64,
    rng: Mutex<StdRng>,
    keeper: Mutex<Option<super::StateKeeper>>,
}

/// A poisoned lock only means a handler panicked mid-update; keep serving.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl App {
    pub fn new(config: SandboxConfig, world: World) -> Self {
        App {
            faults: Mutex::new(config.faults.clone()),
            config,
            world: Mutex::new(world),
            counters: Mutex::new(Counters::default()),
            in_flight: AtomicU64::new(0),
            rng: Mutex::new(StdRng::seed_from_u64(0x5eed)),
            keeper: Mutex::new(None),
        }
    }

    pub fn snapshot(&self) -> super::Snapshot {
        lock(&self.world).snapshot()
    }

    pub fn keep_state(&self, keeper: super::StateKeeper) {
        *lock(&self.keeper) = Some(keeper);
    }

    /// The state to the keeper, if one was given.
    pub fn hand_over(&self) {
        let keeper = lock(&self.keeper).clone();
        if let Some(keep) = keeper {
            keep(&self.snapshot());
        }
    }

    pub fn counters(&self) -> Counters {
        lock(&self.counters).clone()
    }

    pub fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.faults) = faults;
    }

    /// Give a server another name; `false` when no server has that id.
    pub fn rename_server(&self, id: &str, name: &str) -> bool {
        match lock(&self.world).server_mut(id) {
            Some(s) => {
                s.name = name.to_string();
                true
            }
            None => false,
        }
    }

    /// What the service knows of a server beyond its API: status, image, and the login the
    /// last change/reinstall injected (`null` while none has finished).
    pub fn server_state(&self, id: &str) -> Option<serde_json::Value> {
        let mut world = lock(&self.world);
        world.advance_jobs();
        let s = world.server_mut(id)?;
        Some(serde_json::json!({
            "id": s.id, "name": s.name, "status": s.status, "image_id": s.image_id,
            "key_name": s.key_name, "injected": s.injected,
            "os_requests": s.os_requests, "last_os_body_sha256": s.last_os_body_sha256,
            "last_stop_type": s.last_stop_type,
        }))
    }

    /// Make every temporary credential handed out so far expire now.
    pub fn expire_temporary_credentials(&self) {
        let past = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
        for c in &mut lock(&self.world).temp_credentials {
            c.expires_at = past;
        }
    }

    /// Back to the starting inventory, no jobs, configured faults, zero counters.
    pub fn reset(&self) -> Result<(), SandboxError> {
        let world = inventory::build(&self.config)?;
        *lock(&self.world) = world;
        *lock(&self.faults) = self.config.faults.clone();
        *lock(&self.counters) = Counters::default();
        Ok(())
    }

    fn count(&self, f: impl FnOnce(&mut Counters)) {
        f(&mut lock(&self.counters));
    }
}

/// Per-connection handle a handler uses to close the connection without answering.
#[derive(Clone)]
struct DropHandle(Arc<Notify>);

/// Accept connections until `stop` turns true.
pub async fn run(listener: TcpListener, app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let router = Router::new().fallback(dispatch).with_state(app);
    loop {
        let accepted = tokio::select! {
            // A dropped handle (Err) keeps the server running; only `shutdown` stops it.
            Ok(()) = stop.changed() => break,
            a = listener.accept() => a,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "sandbox accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        let router = router.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let drop_now = Arc::new(Notify::new());
            let handle = DropHandle(drop_now.clone());
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(handle.clone());
                    router.clone().oneshot(req.map(Body::new))
                },
            );
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            // Dropping `conn` closes the socket without a reply.
            tokio::select! {
                r = conn => if let Err(e) = r { tracing::debug!(error = %e, "sandbox connection ended") },
                _ = drop_now.notified() => tracing::debug!("sandbox dropped a connection (fault)"),
                Ok(()) = stop.changed() => {}
            }
        });
    }
}

struct InFlight<'a>(&'a App);

impl<'a> InFlight<'a> {
    fn enter(app: &'a App) -> Self {
        let now = app.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        app.count(|c| c.in_flight_max = c.in_flight_max.max(now));
        InFlight(app)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn dispatch(State(app): State<Arc<App>>, req: Request) -> Response {
    let _guard = InFlight::enter(&app);
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    app.count(|c| c.requests_total += 1);
    let drop_handle = req.extensions().get::<DropHandle>().cloned();
    let (parts, body) = req.into_parts();
    let Some(op) = routes::route(&parts.method, parts.uri.path()) else {
        return finish(Reply::unknown_api(), &request_id, false);
    };
    let name = op.name();
    app.count(|c| *c.by_operation.entry(name.to_string()).or_default() += 1);
    let declared = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        Reply::gateway(
            413,
            "APIGW.0201",
            "Request entity too large: the body is over 12 MB.",
        )
    };
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return finish(too_large(), &request_id, false);
    }
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return finish(too_large(), &request_id, false),
    };
    if op.needs_signature() {
        let keys = Keys {
            ak: &app.config.ak,
            sk: &app.config.sk,
            clock_skew_seconds: app.config.clock_skew_seconds,
        };
        let checked = {
            let world = lock(&app.world);
            auth::authenticate(
                &keys,
                &world,
                &parts.method,
                &parts.uri,
                &parts.headers,
                &body,
            )
        };
        if let Err(reply) = checked {
            app.count(|c| c.auth_failures += 1);
            return finish(reply, &request_id, false);
        }
    }
    let mut malformed = false;
    let mut slow_body = 0;
    if !op.is_admin() {
        let spec = lock(&app.faults).for_operation(name).clone();
        slow_body = spec.slow_body_ms;
        if spec.latency_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(spec.latency_ms)).await;
        }
        let (action, mangle) = {
            let mut rng = lock(&app.rng);
            (spec.decide(&mut *rng), spec.roll_malformed(&mut *rng))
        };
        if action != FaultAction::None || mangle || spec.latency_ms > 0 || slow_body > 0 {
            app.count(|c| c.faults_injected += 1);
        }
        match action {
            FaultAction::None => malformed = mangle,
            FaultAction::Drop => {
                if let Some(DropHandle(n)) = drop_handle {
                    n.notify_one();
                    std::future::pending::<()>().await;
                }
                return finish(
                    Reply::service(500, "Common.0001", "System exception."),
                    &request_id,
                    false,
                );
            }
            FaultAction::Throttle { retry_after } => {
                let reply = Reply::gateway(
                    429,
                    "APIGW.0308",
                    "The throttling threshold has been reached: policy user over ratelimit, limit:100, time:1 minute",
                )
                .with_header("Retry-After", retry_after.to_string());
                return finish(reply, &request_id, false);
            }
            FaultAction::Error500 => {
                return finish(
                    Reply::service(500, "Common.0001", "System exception."),
                    &request_id,
                    false,
                );
            }
            FaultAction::Error503 => {
                let reply =
                    Reply::gateway(503, "APIGW.0103", "The backend service is unavailable.");
                return finish(reply, &request_id, false);
            }
        }
    }
    let changes = parts.method != axum::http::Method::GET;
    let reply = match &op {
        Op::Admin(admin) => admin.handle(&app, &body),
        _ => {
            let ctx = Ctx {
                config: &app.config,
                query: crate::cloud::signer::parse_query(parts.uri.query().unwrap_or_default()),
                headers: &parts.headers,
                body: &body,
            };
            let mut world = lock(&app.world);
            world.advance_jobs();
            routes::handle(&op, &mut world, &ctx)
        }
    };
    // Kept before the answer, as the client's journal is: an accepted job is never lost.
    if changes {
        app.hand_over();
    }
    let response = finish(reply, &request_id, malformed);
    if slow_body > 0 {
        faults::trickle(response, std::time::Duration::from_millis(slow_body)).await
    } else {
        response
    }
}

/// Serialise a reply, add `X-Request-Id` (and the request id of gateway errors).
fn finish(reply: Reply, request_id: &str, malformed: bool) -> Response {
    let (bytes, content_type) = match reply.body {
        ReplyBody::Json(mut v) => {
            if let Some(obj) = v.as_object_mut()
                && obj.contains_key("error_code")
            {
                obj.insert("request_id".into(), request_id.into());
            }
            let bytes = serde_json::to_vec(&v).unwrap_or_default();
            let bytes = if malformed {
                faults::mangle(&bytes)
            } else {
                bytes
            };
            (bytes, "application/json;charset=UTF-8")
        }
        ReplyBody::RawJson(t) => {
            let bytes = t.into_bytes();
            let bytes = if malformed {
                faults::mangle(&bytes)
            } else {
                bytes
            };
            (bytes, "application/json;charset=UTF-8")
        }
        ReplyBody::Text(t) => (t.into_bytes(), "text/plain;charset=UTF-8"),
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("X-Request-Id", v);
    }
    for (name, value) in reply.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    if reply.status == StatusCode::PAYLOAD_TOO_LARGE {
        headers.insert(
            axum::http::header::CONNECTION,
            HeaderValue::from_static("close"),
        );
    }
    response
}
