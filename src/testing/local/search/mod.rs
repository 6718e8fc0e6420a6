//! Globus Search v1: indexes of subjects and entries, searched in memory.

mod facets;
mod fields;
mod filters;
mod query;
mod request;
mod store;
