//! Ingest documents: [`GMetaEntry`] (one entry), [`GMetaList`] (several) and [`GIngest`] (the
//! body of `ingest`, naming which of the two it carries).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::query::convert;
use super::types;

/// One entry to write: its subject, who may see it, and its content (a JSON object). An entry
/// is named by its subject and its [`id`](GMetaEntry::id) (none: the subject's default entry);
/// writing an entry replaces the one with the same name.
///
/// ```
/// use globus_sdk::search::GMetaEntry;
/// let entry = GMetaEntry::new("https://example.org/data/1", ["public"], serde_json::json!({"title": "Ocean 1"}))
///     .id("metadata");
/// assert_eq!(entry.to_value(), serde_json::json!({
///     "subject": "https://example.org/data/1",
///     "visible_to": ["public"],
///     "content": {"title": "Ocean 1"},
///     "id": "metadata",
/// }));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GMetaEntry(Map<String, Value>);

impl GMetaEntry {
    /// An entry of `subject` with `content`, visible to `visible_to`: `public`,
    /// `all_authenticated_users`, or principal URNs (`urn:globus:auth:identity:<id>`,
    /// `urn:globus:groups:id:<id>`). `content` must be a JSON object: anything else is refused
    /// when the document is sent, before any request.
    pub fn new<S: Into<String>>(
        subject: impl Into<String>,
        visible_to: impl IntoIterator<Item = S>,
        content: impl Into<Value>,
    ) -> Self {
        let mut map = Map::new();
        map.insert("subject".into(), Value::String(subject.into()));
        map.insert("visible_to".into(), Value::Array(visible_to.into_iter().map(|s| Value::String(s.into())).collect()));
        map.insert("content".into(), content.into());
        GMetaEntry(map)
    }

    /// The entry's ID within its subject (unset: the subject's default entry, whose ID is null).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.0.insert("id".into(), Value::String(id.into()));
        self
    }

    /// A named principal set (a list of principal URNs), usable in `filter_principal_sets`.
    pub fn principal_set<S: Into<String>>(mut self, name: impl Into<String>, principals: impl IntoIterator<Item = S>) -> Self {
        let list = Value::Array(principals.into_iter().map(|s| Value::String(s.into())).collect());
        match self.0.get_mut("principal_sets") {
            Some(Value::Object(sets)) => {
                sets.insert(name.into(), list);
            }
            _ => {
                let mut sets = Map::new();
                sets.insert(name.into(), list);
                self.0.insert("principal_sets".into(), Value::Object(sets));
            }
        }
        self
    }

    /// Set any other field of the entry; it replaces a value set before under the same name.
    pub fn extra(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.0.insert(name.into(), value.into());
        self
    }

    /// The entry's subject.
    pub fn subject(&self) -> &str {
        self.0.get("subject").and_then(Value::as_str).unwrap_or_default()
    }

    /// The entry as it is sent.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The entry as a JSON value.
    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }

    /// Refuse what Search would refuse and the types cannot say: content that is not an
    /// object, visibility that is not a list of strings.
    fn check(&self, position: Option<usize>) -> Result<(), String> {
        let at = match position {
            Some(i) => format!("entry {i} (subject {:?})", self.subject()),
            None => format!("the entry (subject {:?})", self.subject()),
        };
        match self.0.get("content") {
            Some(Value::Object(_)) => {}
            Some(other) => {
                return Err(format!("{at}: `content` must be a JSON object, found {}", kind(other)));
            }
            None => return Err(format!("{at}: `content` is missing")),
        }
        match self.0.get("visible_to") {
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
            _ => Err(format!("{at}: `visible_to` must be a list of strings (`public` or principal URNs)")),
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Several entries to write in one ingest task (`{"gmeta": [entries]}`).
///
/// ```
/// use globus_sdk::search::{GMetaEntry, GMetaList};
/// let list: GMetaList = (1..=3)
///     .map(|i| GMetaEntry::new(format!("doc-{i}"), ["public"], serde_json::json!({"n": i})))
///     .collect();
/// assert_eq!(list.len(), 3);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GMetaList {
    gmeta: Vec<GMetaEntry>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl GMetaList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an entry.
    pub fn push(&mut self, entry: GMetaEntry) -> &mut Self {
        self.gmeta.push(entry);
        self
    }

    /// Add an entry (by value, for chaining).
    pub fn entry(mut self, entry: GMetaEntry) -> Self {
        self.gmeta.push(entry);
        self
    }

    /// Set any other field of the list document (next to `gmeta`).
    pub fn extra(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        let name = name.into();
        if name != "gmeta" {
            self.extra.insert(name, value.into());
        }
        self
    }

    /// How many entries the list holds.
    pub fn len(&self) -> usize {
        self.gmeta.len()
    }

    /// Whether the list holds no entry.
    pub fn is_empty(&self) -> bool {
        self.gmeta.is_empty()
    }

    /// The entries.
    pub fn entries(&self) -> &[GMetaEntry] {
        &self.gmeta
    }
}

impl FromIterator<GMetaEntry> for GMetaList {
    fn from_iter<I: IntoIterator<Item = GMetaEntry>>(iter: I) -> Self {
        GMetaList { gmeta: iter.into_iter().collect(), extra: Map::new() }
    }
}

impl Extend<GMetaEntry> for GMetaList {
    fn extend<I: IntoIterator<Item = GMetaEntry>>(&mut self, iter: I) {
        self.gmeta.extend(iter);
    }
}

/// The body of `ingest`: one entry (`"ingest_type": "GMetaEntry"`) or a list
/// (`"ingest_type": "GMetaList"`). Send it with `search.ingest().index_id(..).body(doc)`; the
/// answer's `task_id` goes to [`Client::wait_for_task`](super::Client::wait_for_task).
///
/// ```no_run
/// use globus_sdk::search::{GIngest, GMetaEntry, GMetaList};
///
/// # async fn demo(search: globus_sdk::search::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let list: GMetaList = ["a", "b"]
///     .into_iter()
///     .map(|s| GMetaEntry::new(s, ["public"], serde_json::json!({"name": s})))
///     .collect();
/// let submitted = search.ingest().index_id("INDEX_ID").body(GIngest::list(list)).send().await?;
/// let task = search.wait_for_task(&submitted.task_id).await?;
/// println!("ingested: {}", task.state);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GIngest {
    data: IngestData,
    extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq)]
enum IngestData {
    Entry(GMetaEntry),
    List(GMetaList),
}

impl GIngest {
    /// Write one entry.
    pub fn entry(entry: GMetaEntry) -> Self {
        GIngest { data: IngestData::Entry(entry), extra: Map::new() }
    }

    /// Write several entries in one task.
    pub fn list(list: GMetaList) -> Self {
        GIngest { data: IngestData::List(list), extra: Map::new() }
    }

    /// Give a field a special type for this ingest: `geo_point` or `geo_shape`.
    pub fn field_mapping(mut self, field_name: impl Into<String>, field_type: impl Into<String>) -> Self {
        let entry = self.extra.entry("field_mapping").or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        if let Value::Object(map) = entry {
            map.insert(field_name.into(), Value::String(field_type.into()));
        }
        self
    }

    /// Set any other field of the document; it replaces a value set before under the same
    /// name (`ingest_type` and `ingest_data` come from the entries).
    pub fn extra(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(name.into(), value.into());
        self
    }

    /// The document as it is sent.
    pub fn to_value(&self) -> Value {
        let mut map = self.extra.clone();
        let (kind, data) = match &self.data {
            IngestData::Entry(entry) => ("GMetaEntry", entry.to_value()),
            IngestData::List(list) => ("GMetaList", serde_json::to_value(list).unwrap_or(Value::Null)),
        };
        map.insert("ingest_type".into(), Value::String(kind.into()));
        map.insert("ingest_data".into(), data);
        Value::Object(map)
    }

    fn check(&self) -> Result<(), String> {
        match &self.data {
            IngestData::Entry(entry) => entry.check(None),
            IngestData::List(list) => {
                if list.is_empty() {
                    return Err("the GMetaList holds no entry: add entries before sending it".into());
                }
                list.gmeta.iter().enumerate().try_for_each(|(i, e)| e.check(Some(i)))
            }
        }
    }
}

impl Serialize for GIngest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl From<GMetaEntry> for GIngest {
    fn from(entry: GMetaEntry) -> Self {
        GIngest::entry(entry)
    }
}

impl From<GMetaList> for GIngest {
    fn from(list: GMetaList) -> Self {
        GIngest::list(list)
    }
}

fn to_ingest(doc: &GIngest) -> Result<types::IngestDocument, String> {
    doc.check()?;
    match doc.to_value() {
        Value::Object(map) => convert("ingest document", &map),
        _ => Err("the ingest document is not a JSON object".into()),
    }
}

impl TryFrom<&GIngest> for types::IngestDocument {
    type Error = String;
    fn try_from(doc: &GIngest) -> Result<Self, String> {
        to_ingest(doc)
    }
}

impl TryFrom<GIngest> for types::IngestDocument {
    type Error = String;
    fn try_from(doc: GIngest) -> Result<Self, String> {
        to_ingest(&doc)
    }
}

impl TryFrom<&GMetaEntry> for types::GMetaEntry {
    type Error = String;
    fn try_from(entry: &GMetaEntry) -> Result<Self, String> {
        entry.check(None)?;
        convert("entry", &entry.0)
    }
}

impl TryFrom<GMetaEntry> for types::GMetaEntry {
    type Error = String;
    fn try_from(entry: GMetaEntry) -> Result<Self, String> {
        types::GMetaEntry::try_from(&entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(subject: &str) -> GMetaEntry {
        GMetaEntry::new(subject, ["public"], json!({"k": subject}))
    }

    #[test]
    fn an_entry_and_a_list_have_their_ingest_type() {
        assert_eq!(
            GIngest::entry(entry("a")).to_value(),
            json!({"ingest_type": "GMetaEntry", "ingest_data": {"subject": "a", "visible_to": ["public"], "content": {"k": "a"}}})
        );
        let list: GMetaList = [entry("a"), entry("b").id("x")].into_iter().collect();
        assert_eq!(
            GIngest::list(list).field_mapping("where", "geo_point").to_value(),
            json!({
                "ingest_type": "GMetaList",
                "field_mapping": {"where": "geo_point"},
                "ingest_data": {"gmeta": [
                    {"subject": "a", "visible_to": ["public"], "content": {"k": "a"}},
                    {"subject": "b", "visible_to": ["public"], "content": {"k": "b"}, "id": "x"}
                ]}
            })
        );
    }

    #[test]
    fn a_list_keeps_its_extra_fields_beside_the_entries() {
        let list = GMetaList::new().entry(entry("a")).extra("@version", "2017-09-01").extra("gmeta", 1);
        assert_eq!(
            serde_json::to_value(&list).unwrap(),
            json!({"gmeta": [{"subject": "a", "visible_to": ["public"], "content": {"k": "a"}}], "@version": "2017-09-01"})
        );
    }

    #[test]
    fn principal_sets_accumulate() {
        let e = entry("a").principal_set("admins", ["urn:globus:groups:id:1"]).principal_set("x", ["u"]);
        assert_eq!(e.to_value()["principal_sets"], json!({"admins": ["urn:globus:groups:id:1"], "x": ["u"]}));
    }

    #[test]
    fn bad_documents_are_refused_before_sending() {
        let err = types::IngestDocument::try_from(GIngest::entry(GMetaEntry::new("s", ["public"], "text"))).unwrap_err();
        assert!(err.contains("`content` must be a JSON object, found a string"), "{err}");
        let err = types::IngestDocument::try_from(GIngest::list(GMetaList::new())).unwrap_err();
        assert!(err.contains("no entry"), "{err}");
        let list: GMetaList = [entry("ok"), GMetaEntry::new("bad", ["public"], json!([1]))].into_iter().collect();
        let err = types::IngestDocument::try_from(&GIngest::list(list)).unwrap_err();
        assert!(err.contains("entry 1") && err.contains("\"bad\""), "{err}");
        let err = types::GMetaEntry::try_from(entry("a").extra("visible_to", "public")).unwrap_err();
        assert!(err.contains("visible_to"), "{err}");
        let doc = types::IngestDocument::try_from(GIngest::entry(entry("a"))).unwrap();
        assert_eq!(doc.ingest_type, "GMetaEntry");
        assert_eq!(serde_json::to_value(&doc).unwrap(), GIngest::entry(entry("a")).to_value());
    }
}
