//! Marker paging: a marker carries the listing's query and the offset of the next page
//! (base64url of a small JSON document), so the next request needs only the marker.

use base64::Engine as _;
use serde_json::{Value, json};

/// The longest marker accepted.
const MAX_MARKER_LEN: usize = 8192;

/// The query of a listing (every parameter but `marker`) and where its page starts.
pub(super) struct Page {
    pub query: Vec<(String, String)>,
    pub offset: usize,
}

impl Page {
    /// The page a request asks for: its `marker`'s, or the first with its own query.
    pub fn of(query: &[(String, String)]) -> Result<Page, String> {
        let Some((_, marker)) = query.iter().find(|(k, _)| k == "marker") else {
            return Ok(Page { query: query.iter().filter(|(k, _)| k != "marker").cloned().collect(), offset: 0 });
        };
        let bad = || "invalid marker: pass the marker of the previous page unchanged".to_string();
        if marker.len() > MAX_MARKER_LEN {
            return Err(bad());
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(marker).map_err(|_| bad())?;
        let doc: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        let offset = doc.get("o").and_then(Value::as_u64).and_then(|o| usize::try_from(o).ok()).ok_or_else(bad)?;
        let query = doc
            .get("q")
            .and_then(Value::as_array)
            .ok_or_else(bad)?
            .iter()
            .map(|pair| match (pair.get(0).and_then(Value::as_str), pair.get(1).and_then(Value::as_str)) {
                (Some(k), Some(v)) if k != "marker" => Ok((k.to_string(), v.to_string())),
                _ => Err(bad()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page { query, offset })
    }

    /// A query parameter of the listing.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The marker of the page after this one, `size` long.
    pub fn next_marker(&self, size: usize) -> String {
        let doc = json!({"o": self.offset + size, "q": self.query.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>()});
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(doc.to_string())
    }

    /// The page size: `name`'s value within `1..=max`, or `default`.
    pub fn size(&self, name: &str, default: usize, max: usize) -> Result<usize, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(format!("{name} must be an integer from 1 to {max}")),
            },
        }
    }
}

/// One page of `items`: the items, and the marker of the next page if there is one.
pub(super) fn slice<T: Clone>(page: &Page, items: &[T], size: usize) -> (Vec<T>, Option<String>) {
    let rest = items.get(page.offset..).unwrap_or_default();
    let taken: Vec<T> = rest.iter().take(size).cloned().collect();
    let next = (rest.len() > size).then(|| page.next_marker(size));
    (taken, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_carry_the_query() {
        let q = vec![("filter_roles".to_string(), "flow_owner".to_string()), ("per_page".to_string(), "2".to_string())];
        let first = Page::of(&q).unwrap();
        let (items, next) = slice(&first, &[1, 2, 3, 4, 5], 2);
        assert_eq!(items, [1, 2]);
        let second = Page::of(&[("marker".to_string(), next.unwrap())]).unwrap();
        assert_eq!(second.get("filter_roles"), Some("flow_owner"));
        let (items, _) = slice(&second, &[1, 2, 3, 4, 5], 2);
        assert_eq!(items, [3, 4]);
        for bad in ["", "!!", "eyJ4IjoxfQ", &"A".repeat(10_000)] {
            assert!(Page::of(&[("marker".to_string(), bad.to_string())]).is_err(), "{bad}");
        }
    }
}
