//! The plug-in interface: an emulated service is one type implementing [`Service`] (its
//! name, its state, its handlers by operation id), registered as a [`Plugin`] in `mod.rs`.
//!
//! The dispatch is the same for every service: the request is matched against the
//! service's operation table (and its declared extra routes); an unknown path answers 404,
//! a known path with another method 405 (with `Allow`), an operation of the spec without a
//! handler 501, all in the service's own error shape. Then the service admits the caller
//! (token checks) and the operation's handler answers.

use std::any::Any;
use std::sync::Arc;

use super::core::Core;
use super::errors;
use super::http::{Reply, Request};
use super::routes::{Lookup, Params, Route, RouteTable};
use super::settings::Settings;
use crate::transport::OperationMeta;

/// A handler's answer: the error side is an answer too (in the service's error shape).
pub(crate) type Handled = Result<Reply, Reply>;

/// The handler of one operation.
pub(crate) type Handler<S> = fn(&S, &Call<'_, <S as Service>::Caller>) -> Handled;

/// One emulated Globus service.
pub(crate) trait Service: Sized + Send + Sync + 'static {
    /// The SDK's name for the service (`auth`, `transfer`): the key of the URL map, the
    /// `GLOBUS_SDK_SERVICE_URL_<NAME>` variable, `globus-local`'s `--<name>-port` flag.
    const NAME: &'static str;
    /// The name shown in messages (`Auth`, `Transfer`).
    const TITLE: &'static str;
    /// The generated operation table of the service's client.
    const OPERATIONS: &'static [OperationMeta];
    /// Routes served beside the spec's (pages, discovery documents the spec lacks), each
    /// with a name no operation has.
    const EXTRA_ROUTES: &'static [Route] = &[];
    /// The implemented operations: operation id (or extra route name) and handler.
    const HANDLERS: &'static [(&'static str, Handler<Self>)];

    /// What [`Self::admit`] learns of the caller, handed to every handler.
    type Caller;

    /// Build the service's state from its settings (the core is ready: Auth's accounts,
    /// the URLs of every service).
    fn start(core: &Arc<Core>, settings: &mut Settings) -> std::io::Result<Self>;

    /// Check a request to an implemented operation before its handler runs (e.g. its
    /// bearer token); an `Err` is the answer.
    fn admit(&self, req: &Request) -> Result<Self::Caller, Reply>;

    /// The service's error document for `status` with `message`: used for unknown paths,
    /// wrong methods, unimplemented operations, refused tokens and injected faults.
    fn error(status: u16, message: &str, req: &Request) -> Reply {
        errors::globus(status, message, req)
    }

    /// Environment variables this service adds to `LocalGlobus::env_vars`.
    fn env_vars(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// The scopes the service defines, each with its resource server: Auth grants these
    /// and refuses any other scope with `invalid_scope`.
    fn scopes(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Stop background work and clean up (the server is being dropped).
    fn stop(&self) {}
}

/// A request to an implemented operation, as its handler sees it.
#[allow(dead_code, reason = "Auth's handlers take no caller and no path parameter")]
pub(crate) struct Call<'a, C = ()> {
    /// The request.
    pub req: &'a Request,
    /// Who calls, as the service's `admit` found.
    pub caller: C,
    route: &'a Route,
    params: &'a Params,
    error: fn(u16, &str, &Request) -> Reply,
}

#[allow(dead_code, reason = "Auth's handlers take no path parameter")]
impl<C> Call<'_, C> {
    /// Path parameter `name` of the operation's template, percent-decoded.
    pub fn param(&self, name: &str) -> Result<&str, Reply> {
        self.params.get(name).ok_or_else(|| {
            let message = format!(
                "the local Globus's handler of {} asks for the path parameter {name:?}, which {} does not have",
                self.route.id, self.route.path
            );
            (self.error)(500, &message, self.req)
        })
    }
}

/// How a plug-in starts its service.
type Start = fn(&Arc<Core>, &mut Settings) -> std::io::Result<Arc<dyn Mounted>>;

/// A registered service: its name, and how to start it.
pub(crate) struct Plugin {
    /// [`Service::NAME`].
    pub name: &'static str,
    start: Start,
    check: fn() -> Result<(), String>,
}

impl Plugin {
    /// The plug-in of service `S`.
    pub const fn of<S: Service>() -> Plugin {
        Plugin { name: S::NAME, start: mount::<S>, check: check::<S> }
    }

    /// Whether the routes and handlers agree: every handler names an operation of the
    /// table or an extra route, once; every extra route has a handler.
    pub fn check(&self) -> Result<(), String> {
        (self.check)()
    }

    /// Start the service.
    pub fn start(&self, core: &Arc<Core>, settings: &mut Settings) -> std::io::Result<Arc<dyn Mounted>> {
        (self.start)(core, settings)
    }
}

fn check<S: Service>() -> Result<(), String> {
    Dispatch::<S>::new().map(|_| ())
}

fn mount<S: Service>(core: &Arc<Core>, settings: &mut Settings) -> std::io::Result<Arc<dyn Mounted>> {
    let dispatch = Dispatch::<S>::new().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    let service = S::start(core, settings)?;
    Ok(Arc::new(Running { service, dispatch }))
}

/// A running service, as the server and `LocalGlobus` see it.
pub(crate) trait Mounted: Send + Sync {
    /// [`Service::NAME`].
    fn name(&self) -> &'static str;
    /// Answer a request (routing, then the handler).
    fn respond(&self, req: &Request) -> Reply;
    /// [`Service::error`].
    fn error(&self, status: u16, message: &str, req: &Request) -> Reply;
    /// [`Service::env_vars`].
    fn env_vars(&self) -> Vec<(String, String)>;
    /// [`Service::scopes`].
    fn scopes(&self) -> Vec<(String, String)>;
    /// [`Service::stop`].
    fn stop(&self);
    /// For `LocalGlobus::service`, to reach a service's own state.
    fn as_any(&self) -> &dyn Any;
}

/// A service's routes and the handler of each (None: not implemented).
struct Dispatch<S: Service> {
    routes: RouteTable,
    handlers: Vec<Option<Handler<S>>>,
}

impl<S: Service> Dispatch<S> {
    fn new() -> Result<Self, String> {
        let routes = RouteTable::new(S::OPERATIONS, S::EXTRA_ROUTES).map_err(|e| format!("{}: {e}", S::NAME))?;
        let mut handlers: Vec<Option<Handler<S>>> = vec![None; routes.len()];
        for (id, handler) in S::HANDLERS {
            let slot = routes.position(id).and_then(|i| handlers.get_mut(i)).ok_or_else(|| {
                format!(
                    "{}: a handler is registered for {id:?}, which is neither an operation of its spec nor one of its \
                     extra routes",
                    S::NAME
                )
            })?;
            if slot.replace(*handler).is_some() {
                return Err(format!("{}: two handlers are registered for {id:?}", S::NAME));
            }
        }
        for extra in S::EXTRA_ROUTES {
            if !S::HANDLERS.iter().any(|(id, _)| *id == extra.id) {
                return Err(format!("{}: the extra route {:?} has no handler", S::NAME, extra.id));
            }
        }
        Ok(Dispatch { routes, handlers })
    }
}

/// A started service with its dispatch.
pub(crate) struct Running<S: Service> {
    pub(crate) service: S,
    dispatch: Dispatch<S>,
}

impl<S: Service> Mounted for Running<S> {
    fn name(&self) -> &'static str {
        S::NAME
    }

    fn respond(&self, req: &Request) -> Reply {
        let (index, params) = match self.dispatch.routes.find(req.method.as_str(), &req.path) {
            Lookup::Found { index, params } => (index, params),
            Lookup::NotFound => {
                return S::error(404, &format!("the local Globus {} does not serve {}", S::TITLE, req.path), req);
            }
            Lookup::WrongMethod { allowed } => {
                let message = format!("{} is not allowed on {}", req.method, req.path);
                return S::error(405, &message, req).header("allow", &allowed.join(", "));
            }
            Lookup::BadPath(why) => return S::error(400, &why, req),
        };
        let (Some(route), Some(Some(handler))) =
            (self.dispatch.routes.get(index), self.dispatch.handlers.get(index).copied())
        else {
            let name = self.dispatch.routes.get(index).map_or("this operation", |r| r.id);
            let message = format!("{name} is not implemented by the local Globus {}", S::TITLE);
            return S::error(501, &message, req);
        };
        let caller = match self.service.admit(req) {
            Ok(c) => c,
            Err(reply) => return reply,
        };
        let call = Call { req, caller, route, params: &params, error: S::error };
        handler(&self.service, &call).unwrap_or_else(|e| e)
    }

    fn error(&self, status: u16, message: &str, req: &Request) -> Reply {
        S::error(status, message, req)
    }

    fn env_vars(&self) -> Vec<(String, String)> {
        self.service.env_vars()
    }

    fn scopes(&self) -> Vec<(String, String)> {
        self.service.scopes()
    }

    fn stop(&self) {
        self.service.stop()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A service whose handlers name an operation its spec lacks.
    struct Stray;

    fn nothing(_: &Stray, _: &Call<'_>) -> Handled {
        Ok(Reply::ok(&()))
    }

    impl Service for Stray {
        const NAME: &'static str = "stray";
        const TITLE: &'static str = "Stray";
        const OPERATIONS: &'static [OperationMeta] = crate::auth::operations::OPERATIONS;
        const HANDLERS: &'static [(&'static str, Handler<Self>)] =
            &[("get_jwk", nothing), ("no_such_operation", nothing)];
        type Caller = ();

        fn start(_: &Arc<Core>, _: &mut Settings) -> std::io::Result<Self> {
            Ok(Stray)
        }

        fn admit(&self, _: &Request) -> Result<(), Reply> {
            Ok(())
        }
    }

    #[test]
    fn every_registered_handler_names_an_operation_of_its_spec() {
        for plugin in super::super::PLUGINS {
            assert_eq!(plugin.check(), Ok(()), "{}", plugin.name);
        }
        let stray = Plugin::of::<Stray>().check().unwrap_err();
        assert!(stray.contains("\"no_such_operation\", which is neither an operation of its spec"), "{stray}");
    }
}
