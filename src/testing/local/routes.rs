//! Routing by the spec: a service's routes are its generated operation table (operation id,
//! method, path template) and the few extra routes it declares; a request's path is matched
//! against the templates, and the path parameters are taken out by name.
//!
//! The request path is split on `/` first, then each segment is percent-decoded once: an
//! encoded slash (`%2F`) stays inside its parameter and never makes a segment, `%252F`
//! becomes `%2F` and nothing more. A segment that is not UTF-8 once decoded, or that holds a
//! control character, makes the path unusable (400).

use crate::transport::OperationMeta;

/// One route: an operation id (or, for an extra route, a name of its own), a method (upper
/// case) and a path template (`/v0.10/task/{task_id}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Route {
    pub id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
}

impl Route {
    /// A route beside the spec's (see `Service::EXTRA_ROUTES`).
    pub const fn extra(id: &'static str, method: &'static str, path: &'static str) -> Route {
        Route { id, method, path }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Segment {
    Literal(&'static str),
    Param(&'static str),
}

/// The segments of a template: `{name}` is a parameter, anything else a literal.
fn template_segments(template: &'static str) -> Vec<Segment> {
    template
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) if !name.is_empty() => Segment::Param(name),
            _ => Segment::Literal(s),
        })
        .collect()
}

/// The path parameters of a matched request, decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Params(Vec<(&'static str, String)>);

impl Params {
    /// The value of parameter `name`.
    #[allow(dead_code, reason = "Auth's handlers take no path parameter")]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// What a request's method and path find in a [`RouteTable`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// The route at this index of the table.
    Found { index: usize, params: Params },
    /// Routes have this path, not with this method; these are their methods.
    WrongMethod { allowed: Vec<&'static str> },
    /// No route has this path.
    NotFound,
    /// The path cannot be decoded (why).
    BadPath(String),
}

/// A service's routes, their templates split once.
#[derive(Debug)]
pub(crate) struct RouteTable {
    routes: Vec<(Route, Vec<Segment>)>,
}

impl RouteTable {
    /// The operation table's routes, then `extra`. Two routes with one id, or one method and
    /// template, are refused.
    pub fn new(operations: &'static [OperationMeta], extra: &'static [Route]) -> Result<RouteTable, String> {
        let spec = operations.iter().map(|m| Route { id: m.id, method: m.method, path: m.path });
        let mut routes: Vec<(Route, Vec<Segment>)> = Vec::new();
        for route in spec.chain(extra.iter().copied()) {
            let segments = template_segments(route.path);
            if let Some((other, _)) = routes.iter().find(|(r, _)| r.id == route.id) {
                return Err(format!("two routes are named {:?} ({} and {})", route.id, other.path, route.path));
            }
            if let Some((other, _)) = routes.iter().find(|(r, s)| r.method == route.method && same_shape(s, &segments))
            {
                return Err(format!("{} and {} are both {} {}", other.id, route.id, route.method, route.path));
            }
            routes.push((route, segments));
        }
        Ok(RouteTable { routes })
    }

    /// How many routes there are.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// The route at `index`.
    pub fn get(&self, index: usize) -> Option<&Route> {
        self.routes.get(index).map(|(r, _)| r)
    }

    /// The index of the route named `id`.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.routes.iter().position(|(r, _)| r.id == id)
    }

    /// Match a request: among the routes whose template fits the path and whose method is
    /// the request's, the most specific wins (a literal segment beats a parameter, leftmost
    /// first).
    pub fn find(&self, method: &str, path: &str) -> Lookup {
        let mut decoded = Vec::new();
        for raw in path.split('/').filter(|s| !s.is_empty()) {
            match decode_segment(raw) {
                Ok(s) => decoded.push(s),
                Err(why) => return Lookup::BadPath(why),
            }
        }
        let mut allowed: Vec<&'static str> = Vec::new();
        let mut best: Option<(usize, Vec<bool>)> = None;
        for (index, (route, segments)) in self.routes.iter().enumerate() {
            if !fits(segments, &decoded) {
                continue;
            }
            if !allowed.contains(&route.method) {
                allowed.push(route.method);
            }
            if route.method != method {
                continue;
            }
            let specificity: Vec<bool> = segments.iter().map(|s| matches!(s, Segment::Literal(_))).collect();
            if best.as_ref().is_none_or(|(_, b)| specificity > *b) {
                best = Some((index, specificity));
            }
        }
        match best {
            Some((index, _)) => {
                let params = self
                    .routes
                    .get(index)
                    .map(|(_, segments)| {
                        segments
                            .iter()
                            .zip(decoded)
                            .filter_map(|(s, value)| match s {
                                Segment::Param(name) => Some((*name, value)),
                                Segment::Literal(_) => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Lookup::Found { index, params: Params(params) }
            }
            None if allowed.is_empty() => Lookup::NotFound,
            None => {
                allowed.sort_unstable();
                Lookup::WrongMethod { allowed }
            }
        }
    }
}

/// Whether two templates match the same paths (parameter names aside).
fn same_shape(a: &[Segment], b: &[Segment]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|pair| match pair {
            (Segment::Literal(x), Segment::Literal(y)) => x == y,
            (Segment::Param(_), Segment::Param(_)) => true,
            _ => false,
        })
}

/// Whether a template's segments fit a path's decoded segments.
fn fits(template: &[Segment], path: &[String]) -> bool {
    template.len() == path.len()
        && template.iter().zip(path).all(|(t, p)| match t {
            Segment::Literal(l) => l == p,
            Segment::Param(_) => true,
        })
}

/// One path segment percent-decoded once; `%` not followed by two hex digits stays as is.
fn decode_segment(raw: &str) -> Result<String, String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%'
            && let [h, l, after @ ..] = tail
            && let (Some(h), Some(l)) = (hex(*h), hex(*l))
        {
            out.push(h << 4 | l);
            rest = after;
        } else {
            out.push(b);
            rest = tail;
        }
    }
    let text = String::from_utf8(out).map_err(|_| format!("the path segment {raw:?} is not UTF-8 once decoded"))?;
    if text.chars().any(char::is_control) {
        return Err(format!("the path segment {raw:?} holds a control character once decoded"));
    }
    Ok(text)
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPS: &[OperationMeta] = &[
        meta("get_task", "GET", "/v0.10/task/{task_id}"),
        meta("update_task", "PUT", "/v0.10/task/{task_id}"),
        meta("task_list", "GET", "/v0.10/task_list"),
        meta("cancel_task", "POST", "/v0.10/task/{task_id}/cancel"),
        meta("get_default", "GET", "/v0.10/task/default"),
    ];

    const fn meta(id: &'static str, method: &'static str, path: &'static str) -> OperationMeta {
        OperationMeta {
            id,
            method,
            path,
            retry_safe: true,
            sensitive_body: false,
            json_response: true,
            paging: None,
            envelope: None,
        }
    }

    fn found(table: &RouteTable, method: &str, path: &str) -> (&'static str, Params) {
        match table.find(method, path) {
            Lookup::Found { index, params } => (table.get(index).unwrap().id, params),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn requests_find_their_operation_and_parameters() {
        const PAGE: &[Route] = &[Route::extra("page", "GET", "/page")];
        let table = RouteTable::new(OPS, PAGE).unwrap();
        let (id, params) = found(&table, "GET", "/v0.10/task/abc");
        assert_eq!((id, params.get("task_id")), ("get_task", Some("abc")));
        assert_eq!(found(&table, "PUT", "/v0.10/task/abc").0, "update_task");
        assert_eq!(found(&table, "POST", "/v0.10/task/abc/cancel").0, "cancel_task");
        assert_eq!(found(&table, "GET", "/v0.10/task_list").0, "task_list");
        assert_eq!(found(&table, "GET", "/page").0, "page");
        // A literal segment beats a parameter.
        assert_eq!(found(&table, "GET", "/v0.10/task/default").0, "get_default");
        // ...but only with the right method: PUT goes to the template.
        assert_eq!(found(&table, "PUT", "/v0.10/task/default").0, "update_task");
        assert_eq!(table.find("GET", "/v0.10/nothing"), Lookup::NotFound);
        assert_eq!(table.find("GET", "/v0.10/task/a/b"), Lookup::NotFound);
        assert_eq!(table.find("DELETE", "/v0.10/task/abc"), Lookup::WrongMethod { allowed: vec!["GET", "PUT"] });
        assert_eq!(table.find("get", "/v0.10/task_list"), Lookup::WrongMethod { allowed: vec!["GET"] });
    }

    #[test]
    fn parameters_are_percent_decoded_once() {
        let table = RouteTable::new(OPS, &[]).unwrap();
        let param = |path: &str| found(&table, "GET", path).1.get("task_id").map(str::to_string);
        assert_eq!(param("/v0.10/task/a%20b").as_deref(), Some("a b"));
        assert_eq!(param("/v0.10/task/a%2Fb").as_deref(), Some("a/b"), "an encoded slash is not a separator");
        assert_eq!(param("/v0.10/task/a%252Fb").as_deref(), Some("a%2Fb"), "decoded once only");
        assert_eq!(param("/v0.10/task/%2E%2E").as_deref(), Some(".."));
        assert_eq!(param("/v0.10/task/100%").as_deref(), Some("100%"));
        assert_eq!(param("/v0.10/task/%zz%4").as_deref(), Some("%zz%4"));
        assert_eq!(param("/v0.10/task/caf%C3%A9").as_deref(), Some("café"));
        // Literal segments compare decoded too; an encoded slash never splits one.
        assert_eq!(found(&table, "GET", "/v0.10/task%5Flist").0, "task_list");
        assert_eq!(table.find("GET", "/v0.10%2Ftask_list"), Lookup::NotFound);
        assert!(matches!(table.find("GET", "/v0.10/task/%FF"), Lookup::BadPath(_)));
        assert!(matches!(table.find("GET", "/v0.10/task/a%00b"), Lookup::BadPath(_)));
        assert!(matches!(table.find("GET", "/v0.10/task/a%0Ab"), Lookup::BadPath(_)));
    }

    #[test]
    fn clashing_routes_are_refused() {
        const SAME_ID: &[Route] = &[Route::extra("get_task", "GET", "/x")];
        const SAME_ROUTE: &[Route] = &[Route::extra("other", "GET", "/v0.10/task/{id}")];
        let same_id = RouteTable::new(OPS, SAME_ID);
        assert!(same_id.unwrap_err().contains("two routes are named"));
        let same_route = RouteTable::new(OPS, SAME_ROUTE);
        assert!(same_route.unwrap_err().contains("are both GET"));
    }

    #[test]
    fn the_generated_tables_route_every_operation_to_itself() {
        #[allow(unused_mut)]
        let mut tables: Vec<&'static [OperationMeta]> = vec![crate::auth::operations::OPERATIONS];
        #[cfg(feature = "transfer")]
        tables.push(crate::transfer::operations::OPERATIONS);
        #[cfg(feature = "search")]
        tables.push(crate::search::operations::OPERATIONS);
        for ops in tables {
            let table = RouteTable::new(ops, &[]).unwrap();
            for op in ops {
                // Every parameter named after itself: the operation must find itself back.
                let path = op.path.replace(['{', '}'], "");
                match table.find(op.method, &path) {
                    Lookup::Found { index, .. } => assert_eq!(table.get(index).unwrap().id, op.id, "{path}"),
                    other => panic!("{} {path}: {other:?}", op.method),
                }
                for segment in op.path.split('/') {
                    let partial = segment.contains(['{', '}']) && !(segment.starts_with('{') && segment.ends_with('}'));
                    assert!(!partial, "{}: {segment:?} mixes a parameter and text", op.path);
                }
            }
        }
    }
}
