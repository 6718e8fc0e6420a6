//! One index's documents and the search over them.
//!
//! An index holds subjects; a subject holds at most ten entries, each with an `entry_id`
//! (`None` is the default entry), its content and its `visible_to` principals. A query is
//! matched entry by entry: a subject is a result when at least one of its entries the caller
//! may see passes the query and every filter, and it shows those entries. Results are
//! ordered by the sort keys (a subject's key is the least of its entries' values for `asc`,
//! the greatest for `desc`; subjects without the field last), or else by how many query
//! words they hold, then in the order they were first written. Facets count the entries that
//! pass the query and the filters applied before facets.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::fields::{self, Key};
use super::query::Text;
use super::request::{MAX_RESULT_WINDOW, Request, Shown};

/// The most entries one subject may hold.
pub(crate) const MAX_ENTRIES_PER_SUBJECT: usize = 10;
/// The most distinct fields one index may hold.
pub(crate) const MAX_FIELDS_PER_INDEX: usize = 1000;
/// The most content one index may hold, in MB (what `max_size_in_mb` reports).
pub(crate) const MAX_INDEX_MB: usize = 100;

/// One entry of a subject.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub entry_id: Option<String>,
    pub content: Value,
    pub visible_to: Vec<String>,
    pub principal_sets: Option<Value>,
    /// When it was first written (ingest order).
    seq: u64,
    /// The size of its content, serialized.
    bytes: usize,
}

/// An entry to write.
#[derive(Clone, Debug)]
pub(crate) struct NewEntry {
    pub subject: String,
    pub entry_id: Option<String>,
    pub content: Value,
    pub visible_to: Vec<String>,
    pub principal_sets: Option<Value>,
}

/// An index's documents.
#[derive(Debug, Default)]
pub(crate) struct Store {
    subjects: BTreeMap<String, Vec<Entry>>,
    fields: BTreeSet<String>,
    seq: u64,
    /// The size of every entry's content, serialized.
    bytes: usize,
    /// The most `bytes` may grow to (0: [`MAX_INDEX_MB`]).
    max_bytes: usize,
}

/// Who looks: the caller's principals (`public`, and with a token its identity, groups...).
pub(crate) struct Viewer<'a> {
    pub principals: &'a [String],
}

impl Viewer<'_> {
    /// Whether an entry's `visible_to` lets the caller see it.
    pub fn sees(&self, e: &Entry) -> bool {
        e.visible_to.iter().any(|v| self.principals.contains(v))
    }

    /// The named principal sets of an entry, among `names`, that hold one of the caller's
    /// principals (`matched_principal_sets`).
    fn matched_sets(&self, e: &Entry, names: &[String]) -> Vec<String> {
        let Some(Value::Object(sets)) = &e.principal_sets else { return Vec::new() };
        names
            .iter()
            .filter(|n| {
                sets.get(n.as_str()).and_then(Value::as_array).is_some_and(|members| {
                    members.iter().filter_map(Value::as_str).any(|m| self.principals.iter().any(|p| p == m))
                })
            })
            .cloned()
            .collect()
    }
}

/// A subject matched by a query, with its entries that matched.
struct Hit<'a> {
    subject: &'a str,
    entries: Vec<&'a Entry>,
    score: usize,
    seq: u64,
}

impl Store {
    /// How many subjects and entries it holds, and the size of their content in bytes.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.subjects.len(), self.subjects.values().map(Vec::len).sum(), self.bytes)
    }

    /// Write entries (each replaces the subject's entry with the same id): all or nothing;
    /// an error says which limit the batch breaks.
    pub fn write(&mut self, batch: Vec<NewEntry>) -> Result<usize, String> {
        let mut fields = self.fields.clone();
        for e in &batch {
            fields::field_names(&e.content, &mut fields);
        }
        if fields.len() > MAX_FIELDS_PER_INDEX {
            return Err(format!(
                "the index would hold {} distinct fields, over the limit of {MAX_FIELDS_PER_INDEX}",
                fields.len()
            ));
        }
        let mut per_subject: BTreeMap<&str, BTreeSet<Option<&str>>> = BTreeMap::new();
        for e in &batch {
            let ids = per_subject.entry(e.subject.as_str()).or_insert_with(|| {
                self.subjects
                    .get(&e.subject)
                    .map(|list| list.iter().map(|x| x.entry_id.as_deref()).collect())
                    .unwrap_or_default()
            });
            ids.insert(e.entry_id.as_deref());
            if ids.len() > MAX_ENTRIES_PER_SUBJECT {
                return Err(format!(
                    "subject {:?} would hold more than {MAX_ENTRIES_PER_SUBJECT} entries",
                    e.subject
                ));
            }
        }
        let sizes: Vec<usize> = batch.iter().map(|e| serde_json::to_vec(&e.content).map_or(0, |v| v.len())).collect();
        let replaced: usize = batch
            .iter()
            .filter_map(|e| self.subjects.get(&e.subject)?.iter().find(|x| x.entry_id == e.entry_id))
            .map(|x| x.bytes)
            .sum();
        let after = (self.bytes + sizes.iter().sum::<usize>()).saturating_sub(replaced);
        let max = if self.max_bytes == 0 { MAX_INDEX_MB * 1024 * 1024 } else { self.max_bytes };
        if after > max {
            return Err(format!("the index would hold {after} bytes of content, over its limit of {max} bytes"));
        }
        let written = batch.len();
        for (e, bytes) in batch.into_iter().zip(sizes) {
            self.seq += 1;
            let list = self.subjects.entry(e.subject).or_default();
            let entry = Entry {
                entry_id: e.entry_id,
                content: e.content,
                visible_to: e.visible_to,
                principal_sets: e.principal_sets,
                seq: self.seq,
                bytes,
            };
            self.bytes += bytes;
            match list.iter_mut().find(|x| x.entry_id == entry.entry_id) {
                Some(old) => {
                    self.bytes = self.bytes.saturating_sub(old.bytes);
                    *old = Entry { seq: old.seq, ..entry }
                }
                None => list.push(entry),
            }
        }
        self.fields = fields;
        Ok(written)
    }

    /// The entries of a subject the caller may see (all with `bypass`), or None without any.
    pub fn subject(&self, subject: &str, viewer: &Viewer<'_>, bypass: bool) -> Option<Vec<&Entry>> {
        let entries: Vec<&Entry> = self.subjects.get(subject)?.iter().filter(|e| bypass || viewer.sees(e)).collect();
        (!entries.is_empty()).then_some(entries)
    }

    /// Remove subjects; how many there were.
    pub fn delete_subjects(&mut self, subjects: &[String]) -> usize {
        let mut removed = 0;
        for s in subjects {
            if let Some(list) = self.subjects.remove(s.as_str()) {
                self.bytes = self.bytes.saturating_sub(list.iter().map(|e| e.bytes).sum());
                removed += 1;
            }
        }
        removed
    }

    /// Remove one entry; whether it was there.
    pub fn delete_entry(&mut self, subject: &str, entry_id: Option<&str>) -> bool {
        let Some(list) = self.subjects.get_mut(subject) else { return false };
        let Some(pos) = list.iter().position(|e| e.entry_id.as_deref() == entry_id) else { return false };
        let gone = list.remove(pos);
        self.bytes = self.bytes.saturating_sub(gone.bytes);
        let removed = true;
        if list.is_empty() {
            self.subjects.remove(subject);
        }
        removed
    }

    /// The entries a query (its query string and every filter) matches among those the
    /// caller may see: `(subject, entry_id)` pairs.
    pub fn matching(&self, req: &Request, viewer: &Viewer<'_>) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        for (subject, entries) in &self.subjects {
            for e in entries.iter().filter(|e| req.bypass_visible_to || viewer.sees(e)) {
                if req.admits(&e.content, &Text::of(&e.content), true) {
                    out.push((subject.clone(), e.entry_id.clone()));
                }
            }
        }
        out
    }

    /// The hits of a query (subjects in `BTreeMap` order), and the contents the facets count.
    fn hits<'a>(&'a self, req: &Request, viewer: &Viewer<'_>) -> (Vec<Hit<'a>>, Vec<&'a Value>) {
        let mut hits = Vec::new();
        let mut faceted = Vec::new();
        for (subject, entries) in &self.subjects {
            let mut hit = Hit { subject, entries: Vec::new(), score: 0, seq: u64::MAX };
            let in_sets =
                |e: &Entry| req.principal_sets.is_empty() || !viewer.matched_sets(e, &req.principal_sets).is_empty();
            for e in entries.iter().filter(|e| (req.bypass_visible_to || viewer.sees(e)) && in_sets(e)) {
                let text = Text::of(&e.content);
                if !req.admits(&e.content, &text, false) {
                    continue;
                }
                faceted.push(&e.content);
                if req.post_filters.iter().all(|f| f.matches(&e.content)) {
                    hit.score += req.query.score(&text);
                    hit.seq = hit.seq.min(e.seq);
                    hit.entries.push(e);
                }
            }
            if !hit.entries.is_empty() {
                hits.push(hit);
            }
        }
        (hits, faceted)
    }

    /// Run a search (GSearchResult); an error (a facet too large) is the message of a 400.
    pub fn search(&self, req: &Request, viewer: &Viewer<'_>) -> Result<Value, String> {
        let (mut hits, faceted) = self.hits(req, viewer);
        let facet_results =
            req.facets.iter().map(|f| f.compute(&faceted)).collect::<Result<Vec<Value>, String>>()?;
        if req.sort.is_empty() {
            hits.sort_by(|a, b| b.score.cmp(&a.score).then(a.seq.cmp(&b.seq)));
        } else {
            let keys: Vec<Vec<Option<Key>>> = hits.iter().map(|h| sort_keys(h, req)).collect();
            let mut order: Vec<usize> = (0..hits.len()).collect();
            order.sort_by(|&a, &b| {
                let (ka, kb) = (keys.get(a), keys.get(b));
                for (i, s) in req.sort.iter().enumerate() {
                    let x = ka.and_then(|k| k.get(i)).cloned().flatten();
                    let y = kb.and_then(|k| k.get(i)).cloned().flatten();
                    let o = match (x, y) {
                        (Some(x), Some(y)) if s.descending => y.cmp(&x),
                        (Some(x), Some(y)) => x.cmp(&y),
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (None, None) => std::cmp::Ordering::Equal,
                    };
                    if o != std::cmp::Ordering::Equal {
                        return o;
                    }
                }
                std::cmp::Ordering::Equal
            });
            let mut slots: Vec<Option<Hit<'_>>> = hits.into_iter().map(Some).collect();
            hits = order.into_iter().filter_map(|i| slots.get_mut(i).and_then(Option::take)).collect();
        }
        let total = hits.len() as u64;
        let offset = usize::try_from(req.offset).unwrap_or(usize::MAX);
        let limit = usize::try_from(req.limit).unwrap_or(usize::MAX);
        let page: Vec<Value> = hits.iter().skip(offset).take(limit).map(|h| render(h, req, viewer)).collect();
        let reached = req.offset + page.len() as u64;
        let mut doc = json!({
            "@datatype": "GSearchResult",
            "@version": "2017-09-01",
            "count": page.len(),
            "gmeta": page,
            "has_next_page": reached < total && reached < MAX_RESULT_WINDOW,
            "offset": req.offset,
            "total": total,
        });
        if !req.facets.is_empty()
            && let Some(obj) = doc.as_object_mut()
        {
            obj.insert("facet_results".into(), Value::Array(facet_results));
        }
        Ok(doc)
    }

    /// Run a scroll: subjects in order, after the marker's subject (GScrollResult).
    pub fn scroll(&self, req: &Request, viewer: &Viewer<'_>) -> Result<Value, String> {
        let after = req.marker.as_deref().map(decode_marker).transpose()?;
        let (hits, _) = self.hits(req, viewer);
        let total = hits.len();
        let limit = usize::try_from(req.limit).unwrap_or(usize::MAX);
        let rest: Vec<&Hit<'_>> =
            hits.iter().filter(|h| after.as_deref().is_none_or(|a| h.subject > a)).collect();
        let page: Vec<&Hit<'_>> = rest.iter().take(limit).copied().collect();
        let has_next = rest.len() > page.len();
        let marker = match page.last() {
            Some(last) if has_next => json!(encode_marker(last.subject)),
            _ => Value::Null,
        };
        Ok(json!({
            "@datatype": "GScrollResult",
            "@version": "2017-09-01",
            "count": page.len(),
            "gmeta": page.iter().map(|h| render(h, req, viewer)).collect::<Vec<_>>(),
            "has_next_page": has_next,
            "marker": marker,
            "total": total,
        }))
    }
}

/// A subject's sort keys, one per sort field.
fn sort_keys(hit: &Hit<'_>, req: &Request) -> Vec<Option<Key>> {
    req.sort
        .iter()
        .map(|s| {
            let keys = hit.entries.iter().flat_map(|e| fields::values_at(&e.content, &s.field)).filter_map(Key::of);
            if s.descending { keys.max_by(|a, b| a.cmp(b)) } else { keys.min_by(|a, b| a.cmp(b)) }
        })
        .collect()
}

/// A result (GMetaResult) of `subject` with `entries`; `matched_principal_sets` names the
/// sets among `sets` that hold one of the viewer's principals.
pub(crate) fn meta_result(subject: &str, entries: &[&Entry], shown: Shown, viewer: &Viewer<'_>, sets: &[String]) -> Value {
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut doc = Map::new();
            if shown.content {
                doc.insert("content".into(), e.content.clone());
            }
            doc.insert("entry_id".into(), json!(e.entry_id));
            doc.insert("matched_principal_sets".into(), json!(viewer.matched_sets(e, sets)));
            if shown.visible_to {
                doc.insert("visible_to".into(), json!(e.visible_to));
            }
            if shown.principal_sets {
                doc.insert("principal_sets".into(), e.principal_sets.clone().unwrap_or_else(|| json!({})));
            }
            Value::Object(doc)
        })
        .collect();
    json!({"@datatype": "GMetaResult", "@version": "2019-08-27", "entries": entries, "subject": subject})
}

fn render(hit: &Hit<'_>, req: &Request, viewer: &Viewer<'_>) -> Value {
    meta_result(hit.subject, &hit.entries, req.shown, viewer, &req.principal_sets)
}

/// A scroll marker: where the next page starts, opaque to clients.
fn encode_marker(after: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json!({"after": after}).to_string())
}

fn decode_marker(marker: &str) -> Result<String, String> {
    let bad = || "'marker' is not a marker this index gave out".to_string();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(marker.trim()).map_err(|_| bad())?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    doc.get("after").and_then(Value::as_str).map(str::to_string).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::super::request::{Kind, parse};
    use super::*;

    fn entry(subject: &str, id: Option<&str>, content: Value, visible_to: &[&str]) -> NewEntry {
        NewEntry {
            subject: subject.into(),
            entry_id: id.map(str::to_string),
            content,
            visible_to: visible_to.iter().map(|s| s.to_string()).collect(),
            principal_sets: None,
        }
    }

    fn public() -> Viewer<'static> {
        static P: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        Viewer { principals: P.get_or_init(|| vec!["public".to_string()]) }
    }

    fn store() -> Store {
        let mut s = Store::default();
        s.write(vec![
            entry("s1", None, json!({"t": "red fox", "n": 3, "k": "a"}), &["public"]),
            entry("s2", None, json!({"t": "blue fox fox", "n": 1, "k": "b"}), &["public"]),
            entry("s3", None, json!({"t": "red hen", "n": 2, "k": "a"}), &["public"]),
            entry("s4", None, json!({"t": "secret fox", "n": 9}), &["urn:globus:auth:identity:x"]),
        ])
        .unwrap();
        s
    }

    fn subjects(result: &Value) -> Vec<String> {
        result["gmeta"].as_array().unwrap().iter().map(|g| g["subject"].as_str().unwrap().to_string()).collect()
    }

    fn search(s: &Store, doc: Value) -> Value {
        s.search(&parse(&doc, Kind::Search).unwrap(), &public()).unwrap()
    }

    #[test]
    fn results_respect_visibility_rank_and_sort() {
        let s = store();
        let r = search(&s, json!({"q": "fox"}));
        assert_eq!(subjects(&r), ["s2", "s1"], "more matches first; s4 is not visible");
        assert_eq!((r["total"].as_u64(), r["count"].as_u64(), r["has_next_page"].as_bool()), (Some(2), Some(2), Some(false)));
        let r = search(&s, json!({"q": "*", "sort": [{"field_name": "n", "order": "asc"}]}));
        assert_eq!(subjects(&r), ["s2", "s3", "s1"]);
        let r = search(&s, json!({"q": "*", "sort": [{"field_name": "k", "order": "asc"}, {"field_name": "n"}]}));
        assert_eq!(subjects(&r), ["s1", "s3", "s2"]);
        let r = search(&s, json!({"q": "*", "bypass_visible_to": true, "sort": [{"field_name": "n"}]}));
        assert_eq!(subjects(&r), ["s4", "s1", "s3", "s2"]);
        let entry = &r["gmeta"][1]["entries"][0];
        assert_eq!(entry, &json!({"content": {"t": "red fox", "n": 3, "k": "a"}, "entry_id": null, "matched_principal_sets": []}));
    }

    #[test]
    fn paging_and_facets() {
        let s = store();
        let r = search(&s, json!({"q": "*", "limit": 2, "offset": 1, "sort": [{"field_name": "n"}]}));
        assert_eq!(subjects(&r), ["s3", "s2"]);
        assert_eq!(r["has_next_page"], false);
        let r = search(&s, json!({"q": "*", "limit": 1, "sort": [{"field_name": "n"}]}));
        assert_eq!((r["has_next_page"].as_bool(), r["offset"].as_u64()), (Some(true), Some(0)));
        let r = search(&s, json!({"q": "*", "facets": [{"name": "k", "field_name": "k"}],
            "filters": [{"type": "match_any", "field_name": "k", "values": ["a"]}]}));
        assert_eq!(subjects(&r).len(), 2);
        assert_eq!(r["facet_results"][0]["buckets"].as_array().unwrap().len(), 2, "a post_filter leaves facets whole");
        let r = search(&s, json!({"q": "*", "@version": "query#1.0.0", "facets": [{"name": "k", "field_name": "k"}],
            "filters": [{"type": "match_any", "field_name": "k", "values": ["a"]}]}));
        assert_eq!(r["facet_results"][0]["buckets"], json!([{"@datatype": "GBucket", "@version": "2017-09-01", "value": "a", "count": 2}]));
        assert!(search(&s, json!({"q": "*"})).get("facet_results").is_none());
    }

    #[test]
    fn scrolling_reaches_every_subject_once() {
        let s = store();
        let mut seen = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut doc = json!({"q": "*", "limit": 2});
            if let Some(m) = &marker {
                doc["marker"] = json!(m);
            }
            let r = s.scroll(&parse(&doc, Kind::Scroll).unwrap(), &public()).unwrap();
            seen.extend(subjects(&r));
            assert_eq!(r["total"], 3);
            if !r["has_next_page"].as_bool().unwrap() {
                assert_eq!(r["marker"], Value::Null);
                break;
            }
            marker = r["marker"].as_str().map(str::to_string);
        }
        assert_eq!(seen, ["s1", "s2", "s3"]);
        let bad = parse(&json!({"q": "*", "marker": "garbage!"}), Kind::Scroll).unwrap();
        assert!(s.scroll(&bad, &public()).unwrap_err().contains("marker"));
    }

    #[test]
    fn principal_sets_filter_and_report_what_matched() {
        let mut s = Store::default();
        let mut doc1 = entry("doc1", None, json!({"v": 1}), &["public"]);
        doc1.principal_sets = Some(json!({"admin": ["urn:globus:auth:identity:i"], "monitor": ["urn:globus:groups:id:g"]}));
        let mut doc2 = entry("doc2", None, json!({"v": 2}), &["public"]);
        doc2.principal_sets = Some(json!({"monitor": ["urn:globus:groups:id:h"]}));
        s.write(vec![entry("doc0", None, json!({"v": 0}), &["public"]), doc1, doc2]).unwrap();
        let i = ["public".to_string(), "urn:globus:auth:identity:i".to_string()];
        let viewer = Viewer { principals: &i };
        let run = |doc: Value| s.search(&parse(&doc, Kind::Search).unwrap(), &viewer).unwrap();
        assert_eq!(subjects(&run(json!({"q": "*"}))), ["doc0", "doc1", "doc2"]);
        let r = run(json!({"q": "*", "filter_principal_sets": ["admin"]}));
        assert_eq!(subjects(&r), ["doc1"]);
        assert_eq!(r["gmeta"][0]["entries"][0]["matched_principal_sets"], json!(["admin"]));
        assert!(subjects(&run(json!({"q": "*", "filter_principal_sets": ["monitor"]}))).is_empty());
        let r = run(json!({"q": "*", "filter_principal_sets": ["monitor", "admin"]}));
        assert_eq!(subjects(&r), ["doc1"]);
    }

    #[test]
    fn writes_replace_entries_and_keep_limits() {
        let mut s = store();
        s.write(vec![entry("s1", None, json!({"t": "green"}), &["public"])]).unwrap();
        s.write(vec![entry("s1", Some("other"), json!({"t": "x"}), &["public"])]).unwrap();
        assert_eq!(s.counts().0, 4);
        assert_eq!(s.counts().1, 5);
        assert_eq!(s.subject("s1", &public(), false).unwrap()[0].content, json!({"t": "green"}));
        let many: Vec<NewEntry> =
            (0..11).map(|i| entry("big", Some(&i.to_string()), json!({"i": i}), &["public"])).collect();
        assert!(s.write(many).unwrap_err().contains("more than 10 entries"));
        assert!(s.subject("big", &public(), false).is_none(), "all or nothing");
        let mut small = Store { max_bytes: 40, ..Store::default() };
        small.write(vec![entry("a", None, json!({"t": "x".repeat(20)}), &["public"])]).unwrap();
        let err = small.write(vec![entry("b", None, json!({"t": "y".repeat(20)}), &["public"])]).unwrap_err();
        assert!(err.contains("over its limit of 40 bytes"), "{err}");
        small.write(vec![entry("a", None, json!({"t": "z".repeat(30)}), &["public"])]).expect("a replacement frees its old size");
        let wide: serde_json::Map<String, Value> = (0..1001).map(|i| (format!("f{i}"), json!(i))).collect();
        assert!(s.write(vec![entry("w", None, Value::Object(wide), &["public"])]).unwrap_err().contains("distinct fields"));
        let before = s.counts().2;
        assert!(before > 0);
        s.write(vec![entry("s1", None, json!({"t": "a much longer text than green"}), &["public"])]).unwrap();
        assert_eq!(s.counts().2, before + 24, "a replaced entry's size is given back");
        assert!(s.delete_entry("s1", Some("other")));
        assert!(!s.delete_entry("s1", Some("other")));
        assert_eq!(s.delete_subjects(&["s1".into(), "nope".into()]), 1);
        assert!(s.subject("s4", &public(), false).is_none(), "not visible");
    }
}
