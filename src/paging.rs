//! Paginated listings as `futures::Stream`s of pages and of items.
//!
//! Every operation a spec marks `x-globus-paging` gets `into_stream()` on its request: set the
//! operation's own parameters (filters, ids, a page size) on the request as usual, then walk
//! the pages. The stream sets the paging parameters itself, in the operation's style:
//!
//! | [`PagingStyle`] | request | response | stops when |
//! |---|---|---|---|
//! | `LimitOffset` | `offset`, `limit` | `total` | `offset + items >= total` |
//! | `HasNextOffset` | `offset`, `limit` | `has_next_page` | `has_next_page` is false |
//! | `MarkerHasNext` | `marker` | `marker`, `has_next_page` | `has_next_page` is false |
//! | `NullableMarker` | `marker` | a marker field | the marker is null |
//! | `NextToken` | `next_token` | `next_token` | the token is null |
//! | `LastKey` | `last_key` | `last_key`, `has_next_page` | `has_next_page` is false |
//! | `JsonApiLinks` | the `links.next` URL | `links.next` | no next link |
//!
//! Offset styles also stop at the service's result ceiling (Transfer's `task_list` serves the
//! first 1000 tasks; Search 10,000 results), shrinking the last page rather than failing.
//! A page size set on the request is kept for every page; one above the operation's maximum is
//! an error, never silently lowered. A service that sends the same cursor twice (or an empty
//! page that claims more follow, for offset styles) ends the stream with an error instead of
//! looping. On any error the stream yields what it fetched, then the error, then ends.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! # async fn demo(transfer: globus_sdk::transfer::Client) -> Result<(), globus_sdk::Error> {
//! let active: Vec<_> = transfer
//!     .task_list()
//!     .filter("type:TRANSFER/status:ACTIVE")
//!     .limit(100)
//!     .into_stream()
//!     .max_items(500)
//!     .items()
//!     .try_collect()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! Streams own their client, so they can be spawned:
//!
//! ```no_run
//! use futures::StreamExt;
//! # async fn demo(transfer: globus_sdk::transfer::Client) {
//! let mut events = transfer.task_event_list().task_id("TASK_ID").into_stream().items();
//! tokio::spawn(async move {
//!     while let Some(event) = events.next().await {
//!         println!("{:?}", event.map(|e| e.code));
//!     }
//! });
//! # }
//! ```

use std::collections::HashSet;
use std::future::Future;

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};
use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// How an operation pages (the Python SDK's paginators, one each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PagingStyle {
    /// `offset`/`limit` with a `total` count.
    LimitOffset,
    /// `offset`/`limit` with a `has_next_page` flag.
    HasNextOffset,
    /// A `marker` with a `has_next_page` flag (GCS, Flows, Search scroll).
    MarkerHasNext,
    /// A marker that is null on the last page.
    NullableMarker,
    /// A `next_token`.
    NextToken,
    /// A `last_key` with a `has_next_page` flag.
    LastKey,
    /// JSON:API `links.next` URLs.
    JsonApiLinks,
}

/// What the spec says about one paginated operation (`x-globus-paging`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PagingMeta {
    /// The operation id.
    pub operation: &'static str,
    /// The style.
    pub style: PagingStyle,
    /// The response field holding the items.
    pub items: &'static str,
    /// The request parameter (or body field) with the page size.
    pub size: Option<&'static str>,
    /// The request parameter (or body field) with the cursor.
    pub cursor: Option<&'static str>,
    /// The size and cursor go in the JSON request body, not the query.
    pub in_body: bool,
    /// The response field with the next cursor (dotted for a nested field: `links.next`).
    pub next: Option<&'static str>,
    /// The response field with the total count.
    pub total: Option<&'static str>,
    /// The response field saying whether another page follows.
    pub has_next: Option<&'static str>,
    /// A response field with the page's item count (else the items are counted).
    pub count: Option<&'static str>,
    /// The page size the stream asks for when the request sets none.
    pub default_size: Option<u64>,
    /// The largest page size the service accepts.
    pub max_size: Option<u64>,
    /// The service's result ceiling (offset styles): `offset + size` never passes it.
    pub max_total: Option<u64>,
    #[doc(hidden)]
    pub sample_page: &'static str,
    #[doc(hidden)]
    pub sample_item: &'static str,
}

/// Where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cursor {
    /// An offset.
    Offset(u64),
    /// A marker, token or key.
    Token(String),
    /// The URL of the next page (JSON:API `links.next`).
    Link(String),
}

/// What the stream asks of the next request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub struct PageRequest {
    /// None for the first page.
    pub cursor: Option<Cursor>,
    /// The page size to set (None: leave the request as it is).
    pub size: Option<u64>,
}

/// A page of a listing (implemented by the generated response types of paginated operations).
pub trait Page: Send + 'static {
    /// One item.
    type Item: Send + 'static;
    /// The JSON field holding the items.
    const ITEMS_FIELD: &'static str;
    /// How many items the page holds.
    fn item_count(&self) -> usize;
    /// Take the items out, leaving the rest of the page.
    fn take_items(&mut self) -> Vec<Self::Item>;
    /// The items.
    fn into_items(mut self) -> Vec<Self::Item>
    where
        Self: Sized,
    {
        self.take_items()
    }
    /// A top-level field by its JSON name (the paging fields; unknown fields from `extra`).
    fn field(&self, name: &str) -> Option<Value>;
}

/// A field holding items: `Vec<T>` or `Option<Vec<T>>`.
#[doc(hidden)]
pub trait ItemsField {
    type Item;
    fn count(&self) -> usize;
    fn take(&mut self) -> Vec<Self::Item>;
}

impl<T> ItemsField for Vec<T> {
    type Item = T;
    fn count(&self) -> usize {
        self.len()
    }
    fn take(&mut self) -> Vec<T> {
        std::mem::take(self)
    }
}

impl<T> ItemsField for Option<Vec<T>> {
    type Item = T;
    fn count(&self) -> usize {
        self.as_ref().map_or(0, Vec::len)
    }
    fn take(&mut self) -> Vec<T> {
        self.take().unwrap_or_default()
    }
}

/// A value a paging parameter can hold: a number or a string (or an optional one).
#[doc(hidden)]
pub trait CursorValue: Sized {
    fn from_u64(n: u64) -> Self;
    fn from_token(token: String) -> Self;
    fn to_u64(&self) -> Option<u64>;
}

macro_rules! integer_cursor {
    ($($t:ty),*) => {$(
        impl CursorValue for $t {
            fn from_u64(n: u64) -> Self {
                <$t>::try_from(n).unwrap_or(<$t>::MAX)
            }
            fn from_token(token: String) -> Self {
                token.parse().unwrap_or_default()
            }
            fn to_u64(&self) -> Option<u64> {
                u64::try_from(*self).ok()
            }
        }
    )*};
}
integer_cursor!(i32, i64, u32, u64, usize);

impl CursorValue for String {
    fn from_u64(n: u64) -> Self {
        n.to_string()
    }
    fn from_token(token: String) -> Self {
        token
    }
    fn to_u64(&self) -> Option<u64> {
        self.parse().ok()
    }
}

impl CursorValue for Value {
    fn from_u64(n: u64) -> Self {
        Value::from(n)
    }
    fn from_token(token: String) -> Self {
        Value::String(token)
    }
    fn to_u64(&self) -> Option<u64> {
        self.as_u64().or_else(|| self.as_str()?.parse().ok())
    }
}

impl<T: CursorValue> CursorValue for Option<T> {
    fn from_u64(n: u64) -> Self {
        Some(T::from_u64(n))
    }
    fn from_token(token: String) -> Self {
        Some(T::from_token(token))
    }
    fn to_u64(&self) -> Option<u64> {
        self.as_ref().and_then(T::to_u64)
    }
}

/// The page size a request builder's query parameter holds.
#[doc(hidden)]
pub fn query_size<T: CursorValue>(field: &Result<Option<T>, String>) -> Option<u64> {
    field.as_ref().ok()?.as_ref()?.to_u64()
}

/// The page size a request builder's JSON body holds.
#[doc(hidden)]
pub fn body_size<T, B>(body: &Result<B, String>, size: impl Fn(&T) -> Option<u64>) -> Option<u64>
where
    B: Clone,
    T: TryFrom<B>,
{
    let typed = T::try_from(body.as_ref().ok()?.clone()).ok()?;
    size(&typed)
}

/// A request builder's body as its typed document (to set the paging fields in it).
#[doc(hidden)]
pub fn typed_body<T, B>(body: Result<B, String>) -> Result<T, Error>
where
    T: TryFrom<B>,
    T::Error: std::fmt::Display,
{
    let builder = body.map_err(|e| Error::invalid_request(format!("the request body is invalid: {e}")))?;
    T::try_from(builder).map_err(|e| Error::invalid_request(format!("the request body is invalid: {e}")))
}

/// Fetch a JSON:API `links.next` page (only on the service's own origin).
#[doc(hidden)]
pub async fn follow_link<P, S>(client: &S, url: &str) -> Result<P, Error>
where
    P: serde::de::DeserializeOwned,
    S: crate::transport::Service,
{
    crate::transport::RawRequest::new(client, reqwest::Method::GET, url).send().await?.json()
}

/// A sample value for a required parameter (the paging test's probe requests).
#[doc(hidden)]
pub fn sample<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, Error> {
    serde_json::from_str(json)
        .map_err(|e| Error::invalid_request(format!("the spec's sample {json} does not fit the parameter: {e}")))
}

/// The item counts of each page of a stream (the paging test's view of any operation).
#[doc(hidden)]
pub type Probe = BoxStream<'static, Result<usize, Error>>;

#[doc(hidden)]
pub fn probe<P: Page>(paginator: Paginator<P>) -> Probe {
    paginator.pages().map(|page| page.map(|p| p.item_count())).boxed()
}

type FetchFn<P> = Box<dyn FnMut(PageRequest) -> BoxFuture<'static, Result<P, Error>> + Send>;

/// The pages of one listing; [`Paginator::items`] or [`Paginator::pages`] walks them.
#[must_use = "a paginator does nothing until its stream is polled"]
pub struct Paginator<P> {
    meta: &'static PagingMeta,
    size: Option<u64>,
    fetch: FetchFn<P>,
    max_items: Option<usize>,
}

impl<P> std::fmt::Debug for Paginator<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &self.meta.operation)
            .field("style", &self.meta.style)
            .field("page_size", &self.size)
            .field("max_items", &self.max_items)
            .finish_non_exhaustive()
    }
}

impl<P: Page> Paginator<P> {
    /// Pages of the operation `meta` describes, fetched by `fetch`; `size` is the page size the
    /// request already holds.
    #[doc(hidden)]
    pub fn new<F, Fut>(meta: &'static PagingMeta, size: Option<u64>, mut fetch: F) -> Self
    where
        F: FnMut(PageRequest) -> Fut + Send + 'static,
        Fut: Future<Output = Result<P, Error>> + Send + 'static,
    {
        Paginator { meta, size, fetch: Box::new(move |r| Box::pin(fetch(r))), max_items: None }
    }

    /// What the spec says about this operation's paging.
    pub fn meta(&self) -> &'static PagingMeta {
        self.meta
    }

    /// Stop after this many items (pages: after the page that reaches it).
    pub fn max_items(mut self, n: usize) -> Self {
        self.max_items = Some(n);
        self
    }

    /// The pages, one by one.
    pub fn pages(self) -> BoxStream<'static, Result<P, Error>> {
        let meta = self.meta;
        let size = self.size.or(meta.default_size);
        let refused = match (size, meta.max_size) {
            (Some(0), _) => Some(format!("a page size of 0 cannot page `{}`", meta.operation)),
            (Some(s), Some(max)) if s > max => Some(format!(
                "the page size {s} is above the maximum of {max} that `{}` accepts: set at most {max} on the request",
                meta.operation
            )),
            _ => None,
        };
        let state = Walk {
            fetch: self.fetch,
            meta,
            size,
            offset: 0,
            cursor: None,
            seen: HashSet::new(),
            yielded: 0,
            max_items: self.max_items,
            state: match refused {
                Some(why) => Next::Fail(Error::invalid_request(why)),
                None => Next::Fetch,
            },
        };
        stream::unfold(state, Walk::step).boxed()
    }

    /// The items of every page, in order.
    pub fn items(self) -> BoxStream<'static, Result<P::Item, Error>> {
        let left = self.max_items;
        Items { pages: self.pages(), current: Vec::new().into_iter(), left, done: false }.boxed()
    }
}

/// The items of a stream of pages: each page's own vector, read in place (one layer per item,
/// not a stream per page flattened), stopping after `left` items when set.
struct Items<P: Page> {
    pages: BoxStream<'static, Result<P, Error>>,
    current: std::vec::IntoIter<P::Item>,
    left: Option<usize>,
    done: bool,
}

// No field is pinned in place: the page stream is boxed and the items are moved out.
impl<P: Page> Unpin for Items<P> {}

impl<P: Page> futures::Stream for Items<P> {
    type Item = Result<P::Item, Error>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        let this = self.get_mut();
        loop {
            if this.done || this.left == Some(0) {
                return Poll::Ready(None);
            }
            if let Some(item) = this.current.next() {
                if let Some(left) = &mut this.left {
                    *left -= 1;
                }
                return Poll::Ready(Some(Ok(item)));
            }
            match std::task::ready!(this.pages.poll_next_unpin(cx)) {
                Some(Ok(page)) => this.current = page.into_items().into_iter(),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => {
                    this.done = true;
                    return Poll::Ready(None);
                }
            }
        }
    }
}

enum Next {
    Fetch,
    Fail(Error),
    Done,
}

struct Walk<P> {
    fetch: FetchFn<P>,
    meta: &'static PagingMeta,
    size: Option<u64>,
    offset: u64,
    cursor: Option<Cursor>,
    seen: HashSet<Cursor>,
    yielded: usize,
    max_items: Option<usize>,
    state: Next,
}

fn flag(page: &impl Page, name: Option<&str>) -> bool {
    name.and_then(|n| page.field(n)).is_some_and(|v| v.as_bool().unwrap_or(false))
}

fn token(page: &impl Page, name: Option<&str>) -> Option<String> {
    let name = name?;
    let (top, rest) = match name.split_once('.') {
        Some((top, rest)) => (top, Some(rest)),
        None => (name, None),
    };
    let mut value = page.field(top)?;
    if let Some(rest) = rest {
        value = value.pointer(&format!("/{}", rest.replace('.', "/")))?.clone();
    }
    match value {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn paging_error(meta: &PagingMeta, why: String) -> Error {
    Error::new(ErrorKind::Decode, format!("paging `{}` stopped: {why}", meta.operation))
}

impl<P: Page> Walk<P> {
    async fn step(mut self) -> Option<(Result<P, Error>, Self)> {
        match std::mem::replace(&mut self.state, Next::Done) {
            Next::Done => return None,
            Next::Fail(e) => return Some((Err(e), self)),
            Next::Fetch => {}
        }
        if self.max_items.is_some_and(|m| self.yielded >= m) {
            return None;
        }
        let meta = self.meta;
        let offset_style = matches!(meta.style, PagingStyle::LimitOffset | PagingStyle::HasNextOffset);
        let mut size = self.size;
        if offset_style && let Some(ceiling) = meta.max_total {
            if self.offset >= ceiling {
                return None;
            }
            size = size.map(|s| s.min(ceiling - self.offset));
        }
        let request = PageRequest { cursor: self.cursor.clone(), size };
        let page = match (self.fetch)(request).await {
            Ok(page) => page,
            Err(e) => return Some((Err(e), self)),
        };
        let count = meta.count.and_then(|c| page.field(c)).and_then(|v| v.as_u64()).unwrap_or(page.item_count() as u64);
        self.yielded += page.item_count();
        let next = match meta.style {
            PagingStyle::LimitOffset | PagingStyle::HasNextOffset => {
                // Saturating: the count may be a page's own (any number the service sends).
                let next = self.offset.saturating_add(count);
                let more = match meta.style {
                    PagingStyle::LimitOffset => match meta.total.and_then(|t| page.field(t)).and_then(|v| v.as_u64()) {
                        Some(total) => next < total,
                        None => count > 0,
                    },
                    _ => flag(&page, meta.has_next),
                };
                let under_ceiling = meta.max_total.is_none_or(|c| next < c);
                (more && under_ceiling).then_some(Cursor::Offset(next))
            }
            PagingStyle::MarkerHasNext | PagingStyle::LastKey => {
                if flag(&page, meta.has_next) {
                    match token(&page, meta.next) {
                        Some(t) => Some(Cursor::Token(t)),
                        None => {
                            let why = format!(
                                "the page says another follows but carries no `{}`",
                                meta.next.unwrap_or("cursor")
                            );
                            self.state = Next::Fail(paging_error(meta, why));
                            return Some((Ok(page), self));
                        }
                    }
                } else {
                    None
                }
            }
            PagingStyle::NullableMarker | PagingStyle::NextToken => token(&page, meta.next).map(Cursor::Token),
            PagingStyle::JsonApiLinks => token(&page, meta.next).map(Cursor::Link),
        };
        if let Some(next) = next {
            let repeated = Some(&next) == self.cursor.as_ref() || !self.seen.insert(next.clone());
            if repeated {
                let why = match next {
                    Cursor::Offset(_) => "the service sent an empty page but says more follow".to_string(),
                    _ => "the service sent a cursor it had sent before (it would loop forever)".to_string(),
                };
                self.state = Next::Fail(paging_error(meta, why));
                return Some((Ok(page), self));
            }
            if let Cursor::Offset(o) = next {
                self.offset = o;
            }
            self.cursor = Some(next);
            self.state = Next::Fetch;
        }
        Some((Ok(page), self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake(u64);

    impl Page for Fake {
        type Item = ();
        const ITEMS_FIELD: &'static str = "items";
        fn item_count(&self) -> usize {
            0
        }
        fn take_items(&mut self) -> Vec<()> {
            Vec::new()
        }
        fn field(&self, name: &str) -> Option<Value> {
            match name {
                "count" => Some(Value::from(self.0)),
                "has_next_page" => Some(Value::Bool(true)),
                _ => None,
            }
        }
    }

    static COUNTED: PagingMeta = PagingMeta {
        operation: "counted",
        style: PagingStyle::HasNextOffset,
        items: "items",
        size: Some("limit"),
        cursor: Some("offset"),
        in_body: false,
        next: None,
        total: None,
        has_next: Some("has_next_page"),
        count: Some("count"),
        default_size: None,
        max_size: None,
        max_total: None,
        sample_page: "{}",
        sample_item: "{}",
    };

    #[tokio::test]
    async fn a_page_count_past_u64_ends_the_stream_instead_of_overflowing() {
        let mut counts = vec![u64::MAX, u64::MAX, 5].into_iter();
        let paginator = Paginator::new(&COUNTED, None, move |_| {
            let next = counts.next();
            async move { next.map(Fake).ok_or_else(|| Error::invalid_request("no more pages")) }
        });
        let pages: Vec<bool> = paginator.pages().map(|p| p.is_ok()).collect().await;
        // The second page's offset saturates at u64::MAX; the third would repeat it: a loop.
        assert_eq!(pages, [true, true, false]);
    }
}
