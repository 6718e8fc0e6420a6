//! Globus paging styles as `futures::Stream`s of pages and of items.
//!
//! Globus services page in six ways; a [`Style`] reads the next cursor from a page:
//!
//! | style | request | response | stops when |
//! |---|---|---|---|
//! | [`Style::limit_offset`] | `offset`, `limit` | `total` | `offset + items >= total`, or a short page |
//! | [`Style::has_next_page`] | `offset`, `limit` | `has_next_page` | `has_next_page` is false |
//! | [`Style::marker`] | `marker` | `next_marker` (nullable) | the marker is null or missing |
//! | [`Style::next_token`] | `next_token` | `next_token` | the token is null or missing |
//! | [`Style::last_key`] | `last_key` | `has_next_page`, `last_key` | no next page |
//! | [`Style::links_next`] | the `links.next` URL | JSON:API `links.next` | no next link |
//!
//! Every style also stops when a cursor repeats (a service bug would otherwise loop
//! forever) and when a page is empty. On an error the stream yields what it fetched, then the
//! error, then ends. [`Paginator::max_total`] stops after that many items.
//!
//! ```
//! use futures::{StreamExt, TryStreamExt};
//! use globus_sdk::paging::{Cursor, JsonPage, Paginator, Style};
//! # tokio_test_block_on(async {
//! // Three pages of two items, served by a closure (a real client sends a request here).
//! let pages = Paginator::new(
//!     |cursor: Option<Cursor>| async move {
//!         let offset = cursor.and_then(|c| c.offset()).unwrap_or(0);
//!         let items: Vec<u64> = (offset..(offset + 2).min(6)).collect();
//!         Ok(JsonPage::new(serde_json::json!({"total": 6, "DATA": items}), "DATA"))
//!     },
//!     Style::limit_offset(|p: &JsonPage| p.value()["total"].as_u64()),
//! );
//! let all: Vec<serde_json::Value> = pages.items().try_collect().await.unwrap();
//! assert_eq!(all.len(), 6);
//! # });
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! ```

use std::collections::HashSet;
use std::future::Future;

use futures::Stream;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};
use serde_json::Value;

use crate::error::Error;

/// Where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cursor {
    /// An `offset` query parameter.
    Offset(u64),
    /// A `marker` query parameter.
    Marker(String),
    /// A `next_token` query parameter.
    NextToken(String),
    /// A `last_key` query parameter.
    LastKey(String),
    /// The URL of the next page (JSON:API `links.next`).
    Link(String),
}

impl Cursor {
    /// The offset, for offset cursors.
    pub fn offset(&self) -> Option<u64> {
        match self {
            Cursor::Offset(o) => Some(*o),
            _ => None,
        }
    }

    /// The opaque value of a marker, token, key or link cursor.
    pub fn token(&self) -> Option<&str> {
        match self {
            Cursor::Marker(s) | Cursor::NextToken(s) | Cursor::LastKey(s) | Cursor::Link(s) => Some(s),
            Cursor::Offset(_) => None,
        }
    }
}

/// A page of results.
pub trait Page: Send {
    /// One result.
    type Item: Send;
    /// How many items the page holds.
    fn item_count(&self) -> usize;
    /// The items.
    fn into_items(self) -> Vec<Self::Item>;
}

/// An untyped page: a JSON document whose items are in one array field.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonPage {
    value: Value,
    key: &'static str,
}

impl JsonPage {
    /// A page whose items are `value[key]`.
    pub fn new(value: Value, key: &'static str) -> Self {
        JsonPage { value, key }
    }

    /// The whole document.
    pub fn value(&self) -> &Value {
        &self.value
    }
}

impl Page for JsonPage {
    type Item = Value;
    fn item_count(&self) -> usize {
        self.value.get(self.key).and_then(Value::as_array).map_or(0, Vec::len)
    }
    fn into_items(mut self) -> Vec<Value> {
        match self.value.get_mut(self.key).map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        }
    }
}

/// What a style knows when it reads the next cursor.
#[derive(Clone, Debug)]
pub struct PageState<'c> {
    /// The offset the page started at (for offset styles; 0 otherwise).
    pub offset: u64,
    /// The cursor the page was fetched with (None for the first page).
    pub cursor: Option<&'c Cursor>,
}

type NextFn<P> = Box<dyn Fn(&P, &PageState<'_>) -> Option<Cursor> + Send + Sync>;

/// How to find the next page.
pub struct Style<P> {
    next: NextFn<P>,
}

impl<P: Page + 'static> Style<P> {
    /// Any rule: `next` returns the next cursor, or None to stop.
    pub fn custom(next: impl Fn(&P, &PageState<'_>) -> Option<Cursor> + Send + Sync + 'static) -> Self {
        Style { next: Box::new(next) }
    }

    /// `offset`/`limit` with a `total` count (Transfer `task_list`, `task_event_list`...).
    /// Without a total it goes on until an empty page.
    pub fn limit_offset(total: fn(&P) -> Option<u64>) -> Self {
        Self::custom(move |page, state| {
            let next = state.offset + page.item_count() as u64;
            match total(page) {
                Some(total) if next >= total => None,
                _ => Some(Cursor::Offset(next)),
            }
        })
    }

    /// `offset`/`limit` with a `has_next_page` flag (Transfer `endpoint_search`).
    pub fn has_next_page(has_next: fn(&P) -> bool) -> Self {
        Self::custom(move |page, state| has_next(page).then(|| Cursor::Offset(state.offset + page.item_count() as u64)))
    }

    /// A nullable `next_marker` (Transfer successful transfers and skipped errors).
    pub fn marker(next_marker: fn(&P) -> Option<String>) -> Self {
        Self::custom(move |page, _| next_marker(page).filter(|m| !m.is_empty()).map(Cursor::Marker))
    }

    /// A `next_token` (Transfer `get_shared_endpoint_list`).
    pub fn next_token(next_token: fn(&P) -> Option<String>) -> Self {
        Self::custom(move |page, _| next_token(page).filter(|t| !t.is_empty()).map(Cursor::NextToken))
    }

    /// `has_next_page` with a `last_key` (Transfer `endpoint_manager_task_list`).
    pub fn last_key(has_next: fn(&P) -> bool, last_key: fn(&P) -> Option<String>) -> Self {
        Self::custom(
            move |page, _| {
                if has_next(page) { last_key(page).filter(|k| !k.is_empty()).map(Cursor::LastKey) } else { None }
            },
        )
    }

    /// JSON:API `links.next` (Transfer v2 tunnels).
    pub fn links_next(next: fn(&P) -> Option<String>) -> Self {
        Self::custom(move |page, _| next(page).filter(|l| !l.is_empty()).map(Cursor::Link))
    }
}

type FetchFn<'a, P> = Box<dyn FnMut(Option<Cursor>) -> BoxFuture<'a, Result<P, Error>> + Send + 'a>;

/// Walks the pages of one listing.
#[must_use = "a paginator does nothing until its stream is polled"]
pub struct Paginator<'a, P> {
    fetch: FetchFn<'a, P>,
    style: Style<P>,
    max_total: Option<usize>,
}

impl<'a, P: Page + 'a> Paginator<'a, P> {
    /// Pages fetched by `fetch` (given the cursor, None for the first page), linked by `style`.
    pub fn new<F, Fut>(mut fetch: F, style: Style<P>) -> Self
    where
        F: FnMut(Option<Cursor>) -> Fut + Send + 'a,
        Fut: Future<Output = Result<P, Error>> + Send + 'a,
    {
        Paginator { fetch: Box::new(move |c| Box::pin(fetch(c))), style, max_total: None }
    }

    /// Stop after this many items (pages: after the page that reaches it).
    pub fn max_total(mut self, n: usize) -> Self {
        self.max_total = Some(n);
        self
    }

    /// The pages, one by one.
    pub fn pages(self) -> BoxStream<'a, Result<P, Error>> {
        struct State<'a, P> {
            fetch: FetchFn<'a, P>,
            style: Style<P>,
            next: Option<Option<Cursor>>,
            offset: u64,
            seen: HashSet<Cursor>,
            yielded: usize,
            max_total: Option<usize>,
        }
        let state = State {
            fetch: self.fetch,
            style: self.style,
            next: Some(None),
            offset: 0,
            seen: HashSet::new(),
            yielded: 0,
            max_total: self.max_total,
        };
        stream::unfold(state, |mut st| async move {
            let cursor = st.next.take()?;
            if st.max_total.is_some_and(|m| st.yielded >= m) {
                return None;
            }
            match (st.fetch)(cursor.clone()).await {
                Err(e) => Some((Err(e), st)),
                Ok(page) => {
                    let count = page.item_count();
                    st.yielded += count;
                    let ps = PageState { offset: st.offset, cursor: cursor.as_ref() };
                    let next = if count == 0 { None } else { (st.style.next)(&page, &ps) };
                    if let Some(next) = next {
                        if st.seen.insert(next.clone()) {
                            if let Cursor::Offset(o) = next {
                                st.offset = o;
                            }
                            st.next = Some(Some(next));
                        } else {
                            tracing::warn!(?next, "the service returned a cursor it returned before; stopping");
                        }
                    }
                    Some((Ok(page), st))
                }
            }
        })
        .boxed()
    }

    /// The items of every page, in order.
    pub fn items(self) -> BoxStream<'a, Result<P::Item, Error>> {
        let max = self.max_total;
        let items = items_of(self.pages());
        match max {
            Some(n) => items.take(n).boxed(),
            None => items,
        }
    }
}

impl<'a, P: Page + 'a> std::fmt::Debug for Paginator<'a, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator").field("max_total", &self.max_total).finish_non_exhaustive()
    }
}

/// Adapt any `Stream` of pages into a stream of items.
pub fn items_of<'a, P: Page + 'a>(
    pages: impl Stream<Item = Result<P, Error>> + Send + 'a,
) -> BoxStream<'a, Result<P::Item, Error>> {
    pages
        .flat_map(|page| match page {
            Ok(p) => stream::iter(p.into_items().into_iter().map(Ok).collect::<Vec<_>>()),
            Err(e) => stream::iter(vec![Err(e)]),
        })
        .boxed()
}
