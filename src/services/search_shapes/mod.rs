//! A Search-shaped service (`specs/testing/search_shapes.yaml`, feature `testing`): proves
//! paging whose cursor and page size travel in the JSON request body (`post_search`: offset
//! with `has_next_page`, the page size read from `count`, the 10,000-result ceiling; `scroll`:
//! a marker), before the Search spec lands.

crate::transport::service! {
    name: "search_shapes",
    feature: "testing",
    resource_server: Some("search.api.globus.org"),
    base_url: Environment,
    default_scopes: Vec::new,
    hooks: crate::transport::Hooks { retry_veto: None, error_format: None },
}
