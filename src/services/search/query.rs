//! Query documents: [`SearchQuery`] for `post_search` (filters, facets, boosts, sorting) and
//! [`SearchScrollQuery`] for `scroll`, with their parts [`Filter`], [`Range`], [`Facet`],
//! [`Boost`] and [`Sort`].
//!
//! Each builds exactly the JSON the Python SDK's builders build for the same inputs
//! (`SearchQueryV1`, the 3.x `SearchQuery` and `SearchScrollQuery`): only what was set is sent,
//! and a field set twice, or set through `extra`, keeps its last value.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::types;

/// Set `key` to `value` in a document.
fn set(map: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    map.insert(key.to_string(), value.into());
}

/// Append `value` to the array `key` of a document (made an array first if it is not one).
fn push(map: &mut Map<String, Value>, key: &str, value: Value) {
    match map.get_mut(key) {
        Some(Value::Array(items)) => items.push(value),
        _ => {
            map.insert(key.to_string(), Value::Array(vec![value]));
        }
    }
}

fn values<V: Into<Value>>(items: impl IntoIterator<Item = V>) -> Value {
    Value::Array(items.into_iter().map(Into::into).collect())
}

fn strings<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::Array(items.into_iter().map(|s| Value::String(s.into())).collect())
}

macro_rules! document {
    ($(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Map<String, Value>);

        impl $name {
            /// Set any field of the document (one this builder has no method for, or a new
            /// one); it replaces a value set before under the same name.
            pub fn extra(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
                self.0.insert(name.into(), value.into());
                self
            }

            /// The document as it is sent.
            pub fn as_json(&self) -> &Map<String, Value> {
                &self.0
            }

            /// The document as a JSON value.
            pub fn to_value(&self) -> Value {
                Value::Object(self.0.clone())
            }
        }
    };
}

document! {
    /// A query document for `post_search`: the query string, paging, filters, facets, boosts
    /// and sorting (Search's `POST /v1/index/<index_id>/search`).
    ///
    /// [`SearchQuery::new`] starts the current format (`"@version": "query#1.0.0"`, as the
    /// Python SDK's `SearchQueryV1`); [`SearchQuery::legacy`] the older one without a version
    /// (the Python 3.x `SearchQuery`), where filters take `post_filter`. Pass it to the
    /// generated request with `.body(query)`; [`into_stream`](super::builder::PostSearch::into_stream)
    /// then walks the results page by page (the query's `limit` is the page size, 100 when
    /// unset), stopping without an error at Search's 10,000-result ceiling.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// use globus_sdk::search::{Facet, Filter, Range, SearchQuery, Sort};
    ///
    /// # async fn demo(search: globus_sdk::search::Client) -> Result<(), globus_sdk::Error> {
    /// let query = SearchQuery::new()
    ///     .q("ocean temperature")
    ///     .limit(50)
    ///     .filter(Filter::match_any("project", ["argo", "saildrone"]))
    ///     .filter(Filter::range("date", [Range::at_least("2020-01-01")]))
    ///     .facet(Facet::terms("instrument").size(5))
    ///     .sort(Sort::desc("date"));
    ///
    /// // One page, with its facet results.
    /// let page = search.post_search().index_id("INDEX_ID").body(&query).send().await?;
    /// println!("{} of {:?} results", page.gmeta.len(), page.total);
    ///
    /// // Every result (at most the first 10,000), 50 a request.
    /// let all: Vec<_> = search.post_search().index_id("INDEX_ID").body(query).into_stream().items().try_collect().await?;
    /// # Ok(()) }
    /// ```
    SearchQuery
}

impl Default for SearchQuery {
    fn default() -> Self {
        Self::new()
    }
}

impl SearchQuery {
    /// The document version [`SearchQuery::new`] sends.
    pub const VERSION: &'static str = "query#1.0.0";

    /// An empty query document in the current format (`"@version": "query#1.0.0"`).
    pub fn new() -> Self {
        let mut map = Map::new();
        set(&mut map, "@version", Self::VERSION);
        SearchQuery(map)
    }

    /// An empty query document in the older format, without `@version` (the Python 3.x
    /// `SearchQuery`): filters there take `post_filter` ([`Filter::post_filter`]).
    pub fn legacy() -> Self {
        SearchQuery(Map::new())
    }

    /// How many results to skip (offset and limit together stay within the first 10,000).
    pub fn offset(mut self, offset: u64) -> Self {
        set(&mut self.0, "offset", offset);
        self
    }

    /// The version of the result document to answer with (for example `2017-09-01`).
    pub fn result_format_version(mut self, version: impl Into<String>) -> Self {
        set(&mut self.0, "result_format_version", version.into());
        self
    }

    /// Set the filters, replacing those added before (an empty list is sent as `[]`).
    pub fn filters(mut self, filters: impl IntoIterator<Item = Filter>) -> Self {
        set(&mut self.0, "filters", Value::Array(filters.into_iter().map(Filter::into_value).collect()));
        self
    }

    /// Add a filter applied after the facets are computed (the current format's
    /// `post_facet_filters`): it narrows the results, not the facet counts.
    pub fn post_facet_filter(mut self, filter: Filter) -> Self {
        push(&mut self.0, "post_facet_filters", filter.into_value());
        self
    }

    /// Add a facet.
    pub fn facet(mut self, facet: Facet) -> Self {
        push(&mut self.0, "facets", facet.into_value());
        self
    }

    /// Add a boost.
    pub fn boost(mut self, boost: Boost) -> Self {
        push(&mut self.0, "boosts", boost.into_value());
        self
    }

    /// Add a sort key (the first added sorts first).
    pub fn sort(mut self, sort: Sort) -> Self {
        push(&mut self.0, "sort", sort.into_value());
        self
    }
}

document! {
    /// A scroll query document for `scroll`: a query string and filters; scrolling walks
    /// every result (past the 10,000 ceiling of `post_search`) but cannot facet, boost or sort.
    ///
    /// `into_stream()` on the generated request follows the `marker` of each page; set one
    /// with [`SearchScrollQuery::marker`] to resume a walk.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// use globus_sdk::search::{Filter, SearchScrollQuery};
    ///
    /// # async fn demo(search: globus_sdk::search::Client) -> Result<(), globus_sdk::Error> {
    /// let query = SearchScrollQuery::new().q("*").limit(500).filter(Filter::exists("doi"));
    /// let mut results = search.scroll().index_id("INDEX_ID").body(query).into_stream().items();
    /// while let Some(result) = results.try_next().await? {
    ///     println!("{}", result.subject);
    /// }
    /// # Ok(()) }
    /// ```
    SearchScrollQuery
}

impl Default for SearchScrollQuery {
    fn default() -> Self {
        Self::new()
    }
}

impl SearchScrollQuery {
    /// An empty scroll query document.
    pub fn new() -> Self {
        SearchScrollQuery(Map::new())
    }

    /// The `marker` of the previous page (leave it unset for the first page).
    pub fn marker(mut self, marker: impl Into<String>) -> Self {
        set(&mut self.0, "marker", marker.into());
        self
    }

}

document! {
    /// One filter of a query: `match_any`, `match_all`, `range`, `exists`, `like`, and the
    /// combinations `not`, `and`, `or`; [`Filter::custom`] with [`Filter::set`] builds any
    /// other (`geo_bounding_box`, `geo_shape`...).
    ///
    /// ```
    /// use globus_sdk::search::{Filter, Range};
    /// let recent_or_tagged = Filter::or([
    ///     Filter::range("year", [Range::at_least(2020)]),
    ///     Filter::match_any("tags", ["featured"]),
    /// ]);
    /// assert_eq!(recent_or_tagged.to_value()["filters"][0]["values"][0]["to"], "*");
    /// ```
    Filter
}

impl Filter {
    /// A filter of type `filter_type` on `field_name` matching `values` (the Python SDK's
    /// `add_filter`): prefer the named constructors.
    pub fn new<V: Into<Value>>(
        filter_type: impl Into<String>,
        field_name: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let mut map = Map::new();
        set(&mut map, "type", filter_type.into());
        set(&mut map, "field_name", field_name.into());
        set(&mut map, "values", self::values(values));
        Filter(map)
    }

    /// A filter with only its `type`: add its fields with [`Filter::set`].
    pub fn custom(filter_type: impl Into<String>) -> Self {
        let mut map = Map::new();
        set(&mut map, "type", filter_type.into());
        Filter(map)
    }

    /// Entries whose field holds at least one of `values`.
    pub fn match_any<V: Into<Value>>(field_name: impl Into<String>, values: impl IntoIterator<Item = V>) -> Self {
        Self::new("match_any", field_name, values)
    }

    /// Entries whose field holds every one of `values`.
    pub fn match_all<V: Into<Value>>(field_name: impl Into<String>, values: impl IntoIterator<Item = V>) -> Self {
        Self::new("match_all", field_name, values)
    }

    /// Entries whose field falls in at least one of the ranges (numbers or dates).
    pub fn range(field_name: impl Into<String>, ranges: impl IntoIterator<Item = Range>) -> Self {
        Self::new("range", field_name, ranges.into_iter().map(|r| Value::Object(r.0)))
    }

    /// Entries that have the field.
    pub fn exists(field_name: impl Into<String>) -> Self {
        Self::custom("exists").set("field_name", field_name.into())
    }

    /// Entries whose text field matches a pattern with `*` and `?` wildcards.
    pub fn like(field_name: impl Into<String>, pattern: impl Into<String>) -> Self {
        Self::custom("like").set("field_name", field_name.into()).set("value", pattern.into())
    }

    /// Entries the filter does not match (also `!filter`).
    #[allow(clippy::should_implement_trait)] // `not` is the filter's name in Search; `Not` is implemented too
    pub fn not(filter: Filter) -> Self {
        Self::custom("not").set("filter", filter.into_value())
    }

    /// Entries every filter matches.
    pub fn and(filters: impl IntoIterator<Item = Filter>) -> Self {
        Self::custom("and").set("filters", Value::Array(filters.into_iter().map(Filter::into_value).collect()))
    }

    /// Entries at least one filter matches.
    pub fn or(filters: impl IntoIterator<Item = Filter>) -> Self {
        Self::custom("or").set("filters", Value::Array(filters.into_iter().map(Filter::into_value).collect()))
    }

    /// Apply the filter after the facets are computed (`true`) or before (`false`): a field
    /// of the older query format ([`SearchQuery::legacy`]); the current one has
    /// [`SearchQuery::post_facet_filter`] instead.
    pub fn post_filter(self, post_filter: bool) -> Self {
        self.set("post_filter", post_filter)
    }

    /// Set a field of the filter (the same as [`Filter::extra`]).
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.0.insert(name.into(), value.into());
        self
    }

    fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

impl std::ops::Not for Filter {
    type Output = Filter;

    /// `!filter` is [`Filter::not(filter)`](Filter::not).
    fn not(self) -> Filter {
        Filter::not(self)
    }
}

document! {
    /// One range of a `range` filter. An end left open is sent as `"*"`, as Search expects.
    ///
    /// ```
    /// use globus_sdk::search::Range;
    /// assert_eq!(Range::between(1, 10).to_value(), serde_json::json!({"from": 1, "to": 10}));
    /// assert_eq!(Range::at_most("2014-11-07").to_value(), serde_json::json!({"from": "*", "to": "2014-11-07"}));
    /// assert_eq!(Range::new().gt(0).lte(5).to_value(), serde_json::json!({"gt": 0, "lte": 5}));
    /// ```
    Range
}

impl Default for Range {
    fn default() -> Self {
        Self::new()
    }
}

impl Range {
    /// A range with no bounds yet: add them with [`gt`](Range::gt), [`gte`](Range::gte),
    /// [`lt`](Range::lt), [`lte`](Range::lte).
    pub fn new() -> Self {
        Range(Map::new())
    }

    /// From `from` to `to` (`{"from": from, "to": to}`).
    pub fn between(from: impl Into<Value>, to: impl Into<Value>) -> Self {
        Self::new().set("from", from).set("to", to)
    }

    /// From `from` on, open above (`{"from": from, "to": "*"}`).
    pub fn at_least(from: impl Into<Value>) -> Self {
        Self::between(from, "*")
    }

    /// Up to `to`, open below (`{"from": "*", "to": to}`).
    pub fn at_most(to: impl Into<Value>) -> Self {
        Self::between("*", to)
    }

    /// Greater than `value`.
    pub fn gt(self, value: impl Into<Value>) -> Self {
        self.set("gt", value)
    }

    /// Greater than or equal to `value`.
    pub fn gte(self, value: impl Into<Value>) -> Self {
        self.set("gte", value)
    }

    /// Less than `value`.
    pub fn lt(self, value: impl Into<Value>) -> Self {
        self.set("lt", value)
    }

    /// Less than or equal to `value`.
    pub fn lte(self, value: impl Into<Value>) -> Self {
        self.set("lte", value)
    }

    fn set(mut self, name: &str, value: impl Into<Value>) -> Self {
        set(&mut self.0, name, value);
        self
    }
}

document! {
    /// One facet of a query: `terms`, `date_histogram`, `numeric_histogram`, `sum`, `avg`,
    /// `distinct_count`. Its result comes back in `facet_results`, under its
    /// [`name`](Facet::name) (the field name when unnamed).
    ///
    /// ```
    /// use globus_sdk::search::Facet;
    /// let by_year = Facet::date_histogram("published", "year").name("Publication year");
    /// let sizes = Facet::numeric_histogram("size_mb", 10, 0, 1000);
    /// let total = Facet::sum("size_mb").missing(0);
    /// assert_eq!(sizes.to_value()["histogram_range"], serde_json::json!({"low": 0, "high": 1000}));
    /// # let _ = (by_year, total);
    /// ```
    Facet
}

impl Facet {
    /// A facet of type `facet_type` on `field_name` (the Python SDK's `add_facet`): prefer the
    /// named constructors.
    pub fn new(facet_type: impl Into<String>, field_name: impl Into<String>) -> Self {
        let mut map = Map::new();
        set(&mut map, "type", facet_type.into());
        set(&mut map, "field_name", field_name.into());
        Facet(map)
    }

    /// The most common values of a field; [`Facet::size`] says how many (the service's
    /// default is 10).
    pub fn terms(field_name: impl Into<String>) -> Self {
        Self::new("terms", field_name)
    }

    /// Counts per date interval: `year`, `quarter`, `month`, `week`, `day`, `hour`, `minute`
    /// or `second`; [`Facet::histogram_range`] bounds it.
    pub fn date_histogram(field_name: impl Into<String>, date_interval: impl Into<String>) -> Self {
        Self::new("date_histogram", field_name).set("date_interval", date_interval.into())
    }

    /// Counts in `size` equal buckets between `low` and `high`.
    pub fn numeric_histogram(
        field_name: impl Into<String>,
        size: u64,
        low: impl Into<Value>,
        high: impl Into<Value>,
    ) -> Self {
        Self::new("numeric_histogram", field_name).size(size).histogram_range(low, high)
    }

    /// The sum of a numeric field; [`Facet::missing`] counts entries without it.
    pub fn sum(field_name: impl Into<String>) -> Self {
        Self::new("sum", field_name)
    }

    /// The average of a numeric field; [`Facet::missing`] counts entries without it.
    pub fn avg(field_name: impl Into<String>) -> Self {
        Self::new("avg", field_name)
    }

    /// The approximate number of distinct values of a field.
    pub fn distinct_count(field_name: impl Into<String>) -> Self {
        Self::new("distinct_count", field_name)
    }

    /// The facet's name in the results (needed when two facets use the same field).
    pub fn name(self, name: impl Into<String>) -> Self {
        self.set("name", name.into())
    }

    /// How many buckets (`terms`, `numeric_histogram`).
    pub fn size(self, size: u64) -> Self {
        self.set("size", size)
    }

    /// The bounds of a histogram (`{"low": low, "high": high}`).
    pub fn histogram_range(self, low: impl Into<Value>, high: impl Into<Value>) -> Self {
        let mut range = Map::new();
        set(&mut range, "low", low);
        set(&mut range, "high", high);
        self.set("histogram_range", Value::Object(range))
    }

    /// The value that counts for an entry without the field (`sum`, `avg`).
    pub fn missing(self, value: impl Into<Value>) -> Self {
        self.set("missing", value)
    }

    /// Add a filter applied to this facet only (the current format's `additional_filters`).
    pub fn additional_filter(mut self, filter: Filter) -> Self {
        push(&mut self.0, "additional_filters", filter.into_value());
        self
    }

    /// Set a field of the facet (the same as [`Facet::extra`]).
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.0.insert(name.into(), value.into());
        self
    }

    fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

document! {
    /// A field weight: results matching in `field_name` rank `factor` times higher (1.0 is
    /// the default weight).
    ///
    /// ```
    /// use globus_sdk::search::Boost;
    /// assert_eq!(Boost::new("title", 2.5).to_value(), serde_json::json!({"field_name": "title", "factor": 2.5}));
    /// ```
    Boost
}

impl Boost {
    /// Weigh `field_name` by `factor` (a number; the service also accepts a numeric string).
    pub fn new(field_name: impl Into<String>, factor: impl Into<Value>) -> Self {
        let mut map = Map::new();
        set(&mut map, "field_name", field_name.into());
        set(&mut map, "factor", factor);
        Boost(map)
    }

    fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// The order of a [`Sort`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortOrder {
    /// Smallest first (`asc`).
    Asc,
    /// Largest first (`desc`, the service's default).
    Desc,
}

impl SortOrder {
    /// The order as Search spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        }
    }
}

document! {
    /// A sort key: a field and an order.
    ///
    /// ```
    /// use globus_sdk::search::{Sort, SortOrder};
    /// assert_eq!(Sort::asc("date").to_value(), serde_json::json!({"field_name": "date", "order": "asc"}));
    /// assert_eq!(Sort::new("date").to_value(), serde_json::json!({"field_name": "date"}));
    /// assert_eq!(Sort::new("date").order(SortOrder::Desc), Sort::desc("date"));
    /// ```
    Sort
}

impl Sort {
    /// Sort on `field_name` in the service's default order (descending).
    pub fn new(field_name: impl Into<String>) -> Self {
        let mut map = Map::new();
        set(&mut map, "field_name", field_name.into());
        Sort(map)
    }

    /// Ascending on `field_name`.
    pub fn asc(field_name: impl Into<String>) -> Self {
        Self::new(field_name).order(SortOrder::Asc)
    }

    /// Descending on `field_name`.
    pub fn desc(field_name: impl Into<String>) -> Self {
        Self::new(field_name).order(SortOrder::Desc)
    }

    /// The order.
    pub fn order(mut self, order: SortOrder) -> Self {
        set(&mut self.0, "order", order.as_str());
        self
    }

    fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// Read a document into a generated request type (its `extra` map keeps every field the type
/// does not name); fails when a field set through `extra` has the wrong type.
pub(super) fn convert<T: serde::de::DeserializeOwned>(what: &str, map: &Map<String, Value>) -> Result<T, String> {
    serde_json::from_value(Value::Object(map.clone()))
        .map_err(|e| format!("the {what} has a field of the wrong type ({e}); check the values given to `extra`"))
}

macro_rules! into_request {
    ($doc:ty => $target:ty, $what:literal) => {
        impl TryFrom<&$doc> for $target {
            type Error = String;
            fn try_from(doc: &$doc) -> Result<Self, String> {
                convert($what, &doc.0)
            }
        }
        impl TryFrom<$doc> for $target {
            type Error = String;
            fn try_from(doc: $doc) -> Result<Self, String> {
                convert($what, &doc.0)
            }
        }
    };
}

into_request!(SearchQuery => types::GSearchRequest, "query document");
into_request!(SearchScrollQuery => types::GScrollRequest, "scroll query document");

/// The setters a query document and a scroll query document share (the same fields, sent
/// the same way).
macro_rules! query_setters {
    ($name:ident) => {
        impl $name {
            /// The query string (required unless filters are given). Its syntax is that of the
            /// Search documentation's "query syntax"; see [`Self::advanced`].
            pub fn q(mut self, q: impl Into<String>) -> Self {
                set(&mut self.0, "q", q.into());
                self
            }

            /// How many results a page holds (the service's default is 10).
            pub fn limit(mut self, limit: u64) -> Self {
                set(&mut self.0, "limit", limit);
                self
            }

            /// Use the advanced query syntax (field names, boolean operators); a malformed query is
            /// then a `BadRequest` error rather than a plain-text search.
            pub fn advanced(mut self, advanced: bool) -> Self {
                set(&mut self.0, "advanced", advanced);
                self
            }

            /// Return data whatever its `visible_to` (index admins and owners only).
            pub fn bypass_visible_to(mut self, bypass: bool) -> Self {
                set(&mut self.0, "bypass_visible_to", bypass);
                self
            }

            /// Match only entries visible through these principal sets.
            pub fn filter_principal_sets<S: Into<String>>(mut self, sets: impl IntoIterator<Item = S>) -> Self {
                set(&mut self.0, "filter_principal_sets", strings(sets));
                self
            }

            /// Which parts of each entry to return (`content`, `visible_to`, `principal_sets`).
            pub fn fields<S: Into<String>>(mut self, fields: impl IntoIterator<Item = S>) -> Self {
                set(&mut self.0, "fields", strings(fields));
                self
            }

            /// Add a filter (every filter must match).
            pub fn filter(mut self, filter: Filter) -> Self {
                push(&mut self.0, "filters", filter.into_value());
                self
            }
        }
    };
}

query_setters!(SearchQuery);
query_setters!(SearchScrollQuery);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_what_was_set_is_sent() {
        assert_eq!(SearchQuery::new().to_value(), json!({"@version": "query#1.0.0"}));
        assert_eq!(SearchQuery::legacy().to_value(), json!({}));
        assert_eq!(SearchScrollQuery::new().to_value(), json!({}));
        assert_eq!(SearchQuery::legacy().filters([]).to_value(), json!({"filters": []}));
        assert_eq!(
            SearchScrollQuery::new().fields(["content"]).filter_principal_sets(["a", "b"]).to_value(),
            json!({"fields": ["content"], "filter_principal_sets": ["a", "b"]})
        );
    }

    #[test]
    fn the_last_value_wins_as_in_a_python_dict() {
        let q = SearchQuery::new().q("a").extra("q", "b").limit(5).extra("limit", 7);
        assert_eq!(q.to_value(), json!({"@version": "query#1.0.0", "q": "b", "limit": 7}));
        let q = SearchQuery::legacy().extra("filters", "not a list").filter(Filter::exists("f"));
        assert_eq!(q.to_value(), json!({"filters": [{"type": "exists", "field_name": "f"}]}));
    }

    #[test]
    fn filters_nest() {
        assert_eq!(!Filter::exists("a"), Filter::not(Filter::exists("a")));
        let f = Filter::not(Filter::and([Filter::exists("a"), Filter::like("b", "x*")]));
        assert_eq!(
            f.to_value(),
            json!({"type": "not", "filter": {"type": "and", "filters": [
                {"type": "exists", "field_name": "a"},
                {"type": "like", "field_name": "b", "value": "x*"}
            ]}})
        );
    }

    #[test]
    fn a_document_converts_to_the_request_type_with_every_field() {
        let q = SearchQuery::new().q("x").limit(3).offset(6).facet(Facet::terms("t")).extra("custom", json!({"a": 1}));
        let request = types::GSearchRequest::try_from(&q).unwrap();
        assert_eq!(request.limit, Some(3));
        assert_eq!(request.offset, Some(6));
        assert_eq!(serde_json::to_value(&request).unwrap(), q.to_value());
        let bad = SearchQuery::new().extra("limit", "ten");
        let err = types::GSearchRequest::try_from(bad).unwrap_err();
        assert!(err.contains("wrong type") && err.contains("extra"), "{err}");
    }
}
