//! Every paginated Transfer operation as a stream of pages or items, in its own style.

use super::{Client, builder, types};
use crate::error::Error;
use crate::paging::{Cursor, Page, Paginator, Style};

macro_rules! page {
    ($($ty:ty => $field:ident: $item:ty),* $(,)?) => {
        $(
            impl Page for $ty {
                type Item = $item;
                fn item_count(&self) -> usize {
                    self.$field.len()
                }
                fn into_items(self) -> Vec<$item> {
                    self.$field
                }
            }
        )*
    };
}

page! {
    types::TaskList => data: types::Task,
    types::EventList => data: types::Event,
    types::EndpointList => data: types::Endpoint,
    types::SuccessfulTransferList => data: types::SuccessfulTransfer,
    types::SkippedErrorList => data: types::SkippedError,
    types::SharedEndpointList => shared_endpoints: types::Endpoint,
    types::TunnelList => data: types::Tunnel,
    types::TunnelEventList => data: types::TunnelEvent,
    types::StreamAccessPointList => data: types::StreamAccessPoint,
    types::BookmarkV2List => data: types::BookmarkV2,
}

/// Transfer sends `next_marker` as a number or a string; the request wants a string.
fn marker_text(value: &Option<serde_json::Value>) -> Option<String> {
    match value.as_ref()? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn total(t: Option<i64>) -> Option<u64> {
    t.and_then(|t| u64::try_from(t).ok())
}

/// The paginated operations of a Transfer client ([`Client::paginated`]).
///
/// Each method takes a closure that sets the operation's other parameters (filters, ids)
/// on the generated request builder; the paginator sets the paging ones.
///
/// ```no_run
/// # async fn demo(transfer: globus_sdk::transfer::Client) -> Result<(), globus_sdk::Error> {
/// use futures::TryStreamExt;
/// let active: Vec<_> = transfer
///     .paginated()
///     .task_list(|req| req.filter("type:TRANSFER/status:ACTIVE"))
///     .max_total(500)
///     .items()
///     .try_collect()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Paginated<'a> {
    client: &'a Client,
    page_size: Option<i64>,
}

impl Client {
    /// Paginated versions of the listing operations.
    pub fn paginated(&self) -> Paginated<'_> {
        Paginated { client: self, page_size: None }
    }
}

/// Follow a JSON:API `links.next` URL on the same service.
async fn next_link<P: serde::de::DeserializeOwned>(client: &Client, link: &str) -> Result<P, Error> {
    client.raw_get(link).send().await?.json()
}

macro_rules! offset_paged {
    ($(#[$doc:meta])* $name:ident, $builder:ident, $page:ty, $default_size:expr, $style:expr) => {
        $(#[$doc])*
        pub fn $name(
            self,
            configure: impl Fn(builder::$builder<'a>) -> builder::$builder<'a> + Send + Sync + 'a,
        ) -> Paginator<'a, $page> {
            let client = self.client;
            let limit = self.page_size.unwrap_or($default_size);
            Paginator::new(
                move |cursor: Option<Cursor>| {
                    let offset = cursor.and_then(|c| c.offset()).unwrap_or(0);
                    let request = configure(client.$name()).limit(limit).offset(offset as i64);
                    async move { Ok(request.send().await?.into_inner()) }
                },
                $style,
            )
        }
    };
}

macro_rules! marker_paged {
    ($(#[$doc:meta])* $name:ident, $builder:ident, $page:ty) => {
        $(#[$doc])*
        pub fn $name(
            self,
            configure: impl Fn(builder::$builder<'a>) -> builder::$builder<'a> + Send + Sync + 'a,
        ) -> Paginator<'a, $page> {
            let client = self.client;
            Paginator::new(
                move |cursor: Option<Cursor>| {
                    let mut request = configure(client.$name());
                    if let Some(marker) = cursor.as_ref().and_then(|c| c.token()) {
                        request = request.marker(marker.to_string());
                    }
                    async move { Ok(request.send().await?.into_inner()) }
                },
                Style::marker(|p: &$page| marker_text(&p.next_marker)),
            )
        }
    };
}

macro_rules! link_paged {
    ($(#[$doc:meta])* $name:ident, $builder:ident, $page:ty) => {
        $(#[$doc])*
        pub fn $name(
            self,
            configure: impl Fn(builder::$builder<'a>) -> builder::$builder<'a> + Send + Sync + 'a,
        ) -> Paginator<'a, $page> {
            let client = self.client;
            Paginator::new(
                move |cursor: Option<Cursor>| {
                    let first = configure(client.$name());
                    async move {
                        match cursor.as_ref().and_then(|c| c.token()) {
                            Some(link) => next_link::<$page>(client, link).await,
                            None => Ok(first.send().await?.into_inner()),
                        }
                    }
                },
                Style::links_next(|p: &$page| p.links.as_ref().and_then(|l| l.next.clone())),
            )
        }
    };
}

impl<'a> Paginated<'a> {
    /// Ask for pages of `n` items (each operation has its own default and maximum).
    pub fn page_size(mut self, n: i64) -> Self {
        self.page_size = Some(n);
        self
    }

    offset_paged!(
        /// `task_list`: limit/offset with a total (pages of 1000).
        task_list, TaskList, types::TaskList, 1000, Style::limit_offset(|p: &types::TaskList| total(p.total))
    );
    offset_paged!(
        /// `task_event_list`: limit/offset with a total (pages of 1000); set `task_id`.
        task_event_list, TaskEventList, types::EventList, 1000, Style::limit_offset(|p: &types::EventList| total(p.total))
    );
    offset_paged!(
        /// `endpoint_manager_task_event_list`: limit/offset with a total; set `task_id`.
        endpoint_manager_task_event_list, EndpointManagerTaskEventList, types::EventList, 1000,
        Style::limit_offset(|p: &types::EventList| total(p.total))
    );
    offset_paged!(
        /// `endpoint_search`: limit/offset with `has_next_page` (pages of 100).
        endpoint_search, EndpointSearch, types::EndpointList, 100,
        Style::has_next_page(|p: &types::EndpointList| p.has_next_page.unwrap_or(false))
    );
    marker_paged!(
        /// `task_successful_transfers`: nullable `next_marker`; set `task_id`.
        task_successful_transfers, TaskSuccessfulTransfers, types::SuccessfulTransferList
    );
    marker_paged!(
        /// `task_skipped_errors`: nullable `next_marker`; set `task_id`.
        task_skipped_errors, TaskSkippedErrors, types::SkippedErrorList
    );
    marker_paged!(
        /// `endpoint_manager_task_successful_transfers`: nullable `next_marker`; set `task_id`.
        endpoint_manager_task_successful_transfers, EndpointManagerTaskSuccessfulTransfers, types::SuccessfulTransferList
    );
    marker_paged!(
        /// `endpoint_manager_task_skipped_errors`: nullable `next_marker`; set `task_id`.
        endpoint_manager_task_skipped_errors, EndpointManagerTaskSkippedErrors, types::SkippedErrorList
    );

    /// `endpoint_manager_task_list`: `has_next_page` with `last_key` (pages of 1000).
    pub fn endpoint_manager_task_list(
        self,
        configure: impl Fn(builder::EndpointManagerTaskList<'a>) -> builder::EndpointManagerTaskList<'a> + Send + Sync + 'a,
    ) -> Paginator<'a, types::TaskList> {
        let client = self.client;
        let limit = self.page_size.unwrap_or(1000);
        Paginator::new(
            move |cursor: Option<Cursor>| {
                let mut request = configure(client.endpoint_manager_task_list()).limit(limit);
                if let Some(key) = cursor.as_ref().and_then(|c| c.token()) {
                    request = request.last_key(key.to_string());
                }
                async move { Ok(request.send().await?.into_inner()) }
            },
            Style::last_key(
                |p: &types::TaskList| p.has_next_page.unwrap_or(false),
                |p: &types::TaskList| p.last_key.clone(),
            ),
        )
    }

    /// `get_shared_endpoint_list`: `next_token`; set `endpoint_id`.
    pub fn get_shared_endpoint_list(
        self,
        configure: impl Fn(builder::GetSharedEndpointList<'a>) -> builder::GetSharedEndpointList<'a> + Send + Sync + 'a,
    ) -> Paginator<'a, types::SharedEndpointList> {
        let client = self.client;
        let size = self.page_size;
        Paginator::new(
            move |cursor: Option<Cursor>| {
                let mut request = configure(client.get_shared_endpoint_list());
                if let Some(n) = size {
                    request = request.max_results(n);
                }
                if let Some(token) = cursor.as_ref().and_then(|c| c.token()) {
                    request = request.next_token(token.to_string());
                }
                async move { Ok(request.send().await?.into_inner()) }
            },
            Style::next_token(|p: &types::SharedEndpointList| p.next_token.clone()),
        )
    }

    link_paged!(
        /// `list_tunnels` (v2): JSON:API `links.next`.
        list_tunnels, ListTunnels, types::TunnelList
    );
    link_paged!(
        /// `get_tunnel_events` (v2): JSON:API `links.next`; set `tunnel_id`.
        get_tunnel_events, GetTunnelEvents, types::TunnelEventList
    );
    link_paged!(
        /// `list_stream_access_points` (v2): JSON:API `links.next`.
        list_stream_access_points, ListStreamAccessPoints, types::StreamAccessPointList
    );
    link_paged!(
        /// `list_bookmarks` (v2): JSON:API `links.next`.
        list_bookmarks, ListBookmarks, types::BookmarkV2List
    );
}

/// The operations with a stream here (every operation the spec marks `x-globus-paging`).
pub const PAGINATED_OPERATIONS: &[&str] = &[
    "task_list",
    "task_event_list",
    "endpoint_manager_task_event_list",
    "endpoint_search",
    "task_successful_transfers",
    "task_skipped_errors",
    "endpoint_manager_task_successful_transfers",
    "endpoint_manager_task_skipped_errors",
    "endpoint_manager_task_list",
    "get_shared_endpoint_list",
    "list_tunnels",
    "get_tunnel_events",
    "list_stream_access_points",
    "list_bookmarks",
];
