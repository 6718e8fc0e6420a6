//! The query string (`q`): parsed into a [`Query`], matched against an entry's content.
//!
//! Two syntaxes, as Globus Search has:
//!
//! - **simple** (the default): never an error. `*` alone matches everything; otherwise every
//!   word must appear in the entry (words are lower-cased runs of letters and digits, in any
//!   field), a `"quoted phrase"` must appear as consecutive words of one value, and a word
//!   ending in `*` matches as a prefix. A query without any word matches nothing.
//! - **advanced** (`advanced: true`), the subset of Lucene's syntax the local engine answers
//!   exactly: words, `"phrases"`, `*`/`?` wildcards in a word, `field:value`,
//!   `field:"phrase"`, `field:(a OR b)`, `field:*` and `_exists_:field`, ranges
//!   `field:[a TO b]` (`{}` exclusive, `*` open) and `field:>=a` (`>`, `<`, `<=`), `AND`/`&&`,
//!   `OR`/`||`, `NOT`/`!`, `+`/`-` prefixes and parentheses; two clauses side by side must
//!   both match (AND). A boost (`^2`) is accepted and ignored (the local engine does not rank
//!   by weight). Fuzzy and proximity (`~`), regular expressions (`/.../`) and anything
//!   unbalanced are refused with a 400 naming the construct, never guessed at.

use serde_json::Value;

use super::fields::{self, Key};

/// The longest query string accepted, in characters (Globus Search's limit).
pub(crate) const MAX_QUERY_LENGTH: usize = 256;
/// How deep parentheses may nest.
const MAX_NESTING: usize = 32;

/// A parsed query string.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Query {
    /// Every entry.
    All,
    /// No entry.
    Nothing,
    /// A word (or a wildcard pattern over words) in `field`, or in any field.
    Word { field: Option<String>, pattern: String, wildcard: bool },
    /// Consecutive words in one value of `field`, or of any field.
    Phrase { field: Option<String>, words: Vec<String> },
    /// A value of `field` within bounds.
    Range { field: String, low: Option<(String, bool)>, high: Option<(String, bool)> },
    /// `field` has a value.
    Exists { field: String },
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
}

/// Parse `q`: simple syntax, or advanced; an error is the message of a 400.
pub(crate) fn parse(q: &str, advanced: bool) -> Result<Query, String> {
    if q.chars().count() > MAX_QUERY_LENGTH {
        return Err(format!(
            "The query string is {} characters long, over Globus Search's limit of {MAX_QUERY_LENGTH}",
            q.chars().count()
        ));
    }
    if q.trim() == "*" {
        return Ok(Query::All);
    }
    if advanced { parse_advanced(q) } else { Ok(parse_simple(q)) }
}

fn parse_simple(q: &str) -> Query {
    let mut clauses = Vec::new();
    let mut rest = q;
    while let Some(start) = rest.find('"') {
        simple_words(&rest[..start], &mut clauses);
        let after = &rest[start + 1..];
        let (phrase, next) = after.split_once('"').unwrap_or((after, ""));
        let words = fields::words(phrase);
        match words.len() {
            0 => {}
            1 => clauses.extend(words.into_iter().map(|w| Query::Word { field: None, pattern: w, wildcard: false })),
            _ => clauses.push(Query::Phrase { field: None, words }),
        }
        rest = next;
    }
    simple_words(rest, &mut clauses);
    match clauses.len() {
        0 => Query::Nothing,
        1 => clauses.pop().unwrap_or(Query::Nothing),
        _ => Query::And(clauses),
    }
}

fn simple_words(text: &str, into: &mut Vec<Query>) {
    for raw in text.split_whitespace() {
        let raw = raw.trim_start_matches(['+', '-', '(']).trim_end_matches(')');
        if let Some(stem) = raw.strip_suffix('*')
            && !stem.is_empty()
            && stem.chars().all(char::is_alphanumeric)
        {
            into.push(Query::Word { field: None, pattern: format!("{}*", stem.to_lowercase()), wildcard: true });
            continue;
        }
        for w in fields::words(raw) {
            into.push(Query::Word { field: None, pattern: w, wildcard: false });
        }
    }
}

/// A lexical token of the advanced syntax.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Not,
    Plus,
    Minus,
    /// A quoted phrase (unescaped).
    Quoted(String),
    /// A bare term (unescaped), and whether it held an unescaped `*` or `?`.
    Bare(String, bool),
    /// `field:` (the field name, unescaped).
    Field(String),
    /// `[`/`{` a `TO` b `]`/`}`.
    Range(Option<(String, bool)>, Option<(String, bool)>),
}

fn unsupported(what: &str) -> String {
    format!("Invalid advanced query: {what} is not supported by the local Globus Search")
}

fn lex(q: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = q.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    // `+` and `-` start a clause anywhere but right after `field:` (inside a term they are
    // part of it).
    let at_clause_start = |toks: &Vec<Tok>| !matches!(toks.last(), Some(Tok::Field(_)));
    while let Some(&c) = chars.get(i) {
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                toks.push(Tok::Open);
                i += 1;
            }
            ')' => {
                toks.push(Tok::Close);
                i += 1;
            }
            '&' if chars.get(i + 1) == Some(&'&') => {
                toks.push(Tok::And);
                i += 2;
            }
            '|' if chars.get(i + 1) == Some(&'|') => {
                toks.push(Tok::Or);
                i += 2;
            }
            '!' => {
                toks.push(Tok::Not);
                i += 1;
            }
            '+' if at_clause_start(&toks) => {
                toks.push(Tok::Plus);
                i += 1;
            }
            '-' if at_clause_start(&toks) => {
                toks.push(Tok::Minus);
                i += 1;
            }
            '"' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("Invalid advanced query: a quoted phrase is not closed".into()),
                        Some('\\') => {
                            if let Some(&n) = chars.get(i + 1) {
                                text.push(n);
                            }
                            i += 2;
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            text.push(ch);
                            i += 1;
                        }
                    }
                }
                skip_boost(&chars, &mut i)?;
                toks.push(Tok::Quoted(text));
            }
            '[' | '{' => {
                let inclusive_low = c == '[';
                let close = chars[i + 1..].iter().position(|&ch| ch == ']' || ch == '}');
                let Some(close) = close.map(|p| p + i + 1) else {
                    return Err("Invalid advanced query: a range is not closed with ] or }".into());
                };
                let inclusive_high = chars.get(close) == Some(&']');
                let body: String = chars[i + 1..close].iter().collect();
                let parts: Vec<&str> = body.split_whitespace().collect();
                let [low, "TO", high] = parts.as_slice() else {
                    return Err(format!("Invalid advanced query: the range {body:?} is not of the form [low TO high]"));
                };
                let bound = |s: &str, inclusive: bool| {
                    (s != "*").then(|| (s.trim_matches('"').to_string(), inclusive))
                };
                toks.push(Tok::Range(bound(low, inclusive_low), bound(high, inclusive_high)));
                i = close + 1;
                skip_boost(&chars, &mut i)?;
            }
            '/' => return Err(unsupported("a regular expression (/.../)")),
            '~' => return Err(unsupported("a fuzzy or proximity search (~)")),
            ']' | '}' => return Err(format!("Invalid advanced query: unexpected {c:?}")),
            _ => {
                // A bare term, up to whitespace or a special character; a `field:` prefix.
                let mut text = String::new();
                let mut wildcard = false;
                while let Some(&ch) = chars.get(i) {
                    match ch {
                        '\\' => {
                            if let Some(&n) = chars.get(i + 1) {
                                text.push(n);
                            }
                            i += 2;
                        }
                        ':' => {
                            i += 1;
                            if text.is_empty() {
                                return Err("Invalid advanced query: ':' without a field name".into());
                            }
                            toks.push(Tok::Field(std::mem::take(&mut text)));
                            break;
                        }
                        '*' | '?' => {
                            wildcard = true;
                            text.push(ch);
                            i += 1;
                        }
                        '~' => return Err(unsupported("a fuzzy or proximity search (~)")),
                        '^' => {
                            skip_boost(&chars, &mut i)?;
                            break;
                        }
                        c if c.is_whitespace() || "()\"[]{}".contains(c) => break,
                        '/' => return Err(unsupported("a regular expression (/.../)")),
                        _ => {
                            text.push(ch);
                            i += 1;
                        }
                    }
                }
                if text.is_empty() {
                    continue;
                }
                match text.as_str() {
                    "AND" if !wildcard => toks.push(Tok::And),
                    "OR" if !wildcard => toks.push(Tok::Or),
                    "NOT" if !wildcard => toks.push(Tok::Not),
                    _ => toks.push(Tok::Bare(text, wildcard)),
                }
            }
        }
    }
    Ok(toks)
}

/// Skip a boost (`^2`, `^0.5`) at `i`, if there is one.
fn skip_boost(chars: &[char], i: &mut usize) -> Result<(), String> {
    if chars.get(*i) != Some(&'^') {
        return Ok(());
    }
    *i += 1;
    let start = *i;
    while chars.get(*i).is_some_and(|c| c.is_ascii_digit() || *c == '.') {
        *i += 1;
    }
    if *i == start {
        return Err("Invalid advanced query: '^' must be followed by a number".into());
    }
    Ok(())
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

fn parse_advanced(q: &str) -> Result<Query, String> {
    let toks = lex(q)?;
    if toks.is_empty() {
        return Ok(Query::Nothing);
    }
    let mut p = Parser { toks, pos: 0, depth: 0 };
    let query = p.or_expr(None)?;
    if let Some(t) = p.toks.get(p.pos) {
        return Err(format!("Invalid advanced query: unexpected {}", describe(t)));
    }
    Ok(query)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Open => "'('".into(),
        Tok::Close => "')'".into(),
        Tok::And => "AND".into(),
        Tok::Or => "OR".into(),
        Tok::Not => "NOT".into(),
        Tok::Plus => "'+'".into(),
        Tok::Minus => "'-'".into(),
        Tok::Quoted(s) => format!("\"{s}\""),
        Tok::Bare(s, _) => format!("{s:?}"),
        Tok::Field(f) => format!("{f}:"),
        Tok::Range(..) => "a range".into(),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn or_expr(&mut self, field: Option<&str>) -> Result<Query, String> {
        let mut parts = vec![self.and_expr(field)?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            parts.push(self.and_expr(field)?);
        }
        Ok(if parts.len() == 1 { parts.pop().unwrap_or(Query::Nothing) } else { Query::Or(parts) })
    }

    fn and_expr(&mut self, field: Option<&str>) -> Result<Query, String> {
        let mut parts = vec![self.unary(field)?];
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    self.pos += 1;
                    parts.push(self.unary(field)?);
                }
                None | Some(Tok::Or | Tok::Close) => break,
                Some(_) => parts.push(self.unary(field)?),
            }
        }
        Ok(if parts.len() == 1 { parts.pop().unwrap_or(Query::Nothing) } else { Query::And(parts) })
    }

    fn unary(&mut self, field: Option<&str>) -> Result<Query, String> {
        match self.peek() {
            Some(Tok::Not | Tok::Minus) => {
                self.pos += 1;
                Ok(Query::Not(Box::new(self.unary(field)?)))
            }
            Some(Tok::Plus) => {
                self.pos += 1;
                self.unary(field)
            }
            _ => self.primary(field),
        }
    }

    fn primary(&mut self, field: Option<&str>) -> Result<Query, String> {
        let Some(tok) = self.peek().cloned() else {
            return Err("Invalid advanced query: the query ends where a term was expected".into());
        };
        self.pos += 1;
        match tok {
            Tok::Open => {
                self.depth += 1;
                if self.depth > MAX_NESTING {
                    return Err(format!("Invalid advanced query: parentheses nest deeper than {MAX_NESTING}"));
                }
                let inner = self.or_expr(field)?;
                if self.peek() != Some(&Tok::Close) {
                    return Err("Invalid advanced query: a '(' is not closed".into());
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Tok::Field(name) => {
                if field.is_some() {
                    return Err(format!("Invalid advanced query: field {name}: inside another field's group"));
                }
                let name = fields::field_path(&name);
                match self.peek() {
                    Some(Tok::Open | Tok::Quoted(_) | Tok::Range(..) | Tok::Bare(..)) => {}
                    _ => return Err(format!("Invalid advanced query: {name}: has no value")),
                }
                if name == "_exists_" {
                    return match self.peek().cloned() {
                        Some(Tok::Bare(f, false)) => {
                            self.pos += 1;
                            Ok(Query::Exists { field: fields::field_path(&f) })
                        }
                        _ => Err("Invalid advanced query: _exists_: needs a field name".into()),
                    };
                }
                self.primary(Some(&name))
            }
            Tok::Quoted(text) => Ok(phrase(field, &text)),
            Tok::Range(low, high) => match field {
                Some(f) => Ok(Query::Range { field: f.to_string(), low, high }),
                None => Err("Invalid advanced query: a range needs a field (field:[a TO b])".into()),
            },
            Tok::Bare(text, wildcard) => bare(field, &text, wildcard),
            other => Err(format!("Invalid advanced query: unexpected {}", describe(&other))),
        }
    }
}

fn phrase(field: Option<&str>, text: &str) -> Query {
    let words = fields::words(text);
    let field = field.map(str::to_string);
    match words.len() {
        0 => Query::Nothing,
        1 => Query::Word { field, pattern: words.into_iter().next().unwrap_or_default(), wildcard: false },
        _ => Query::Phrase { field, words },
    }
}

fn bare(field: Option<&str>, text: &str, wildcard: bool) -> Result<Query, String> {
    if let Some(f) = field {
        for (op, inclusive, low) in [(">=", true, true), ("<=", true, false), (">", false, true), ("<", false, false)] {
            if let Some(v) = text.strip_prefix(op) {
                let bound = Some((v.to_string(), inclusive));
                let (l, h) = if low { (bound, None) } else { (None, bound) };
                return Ok(Query::Range { field: f.to_string(), low: l, high: h });
            }
        }
        if text == "*" {
            return Ok(Query::Exists { field: f.to_string() });
        }
    }
    if wildcard {
        if text.chars().all(|c| c == '*' || c == '?') && field.is_none() {
            return Ok(if text.contains('?') { Query::Exists { field: String::new() } } else { Query::All });
        }
        return Ok(Query::Word { field: field.map(str::to_string), pattern: text.to_lowercase(), wildcard: true });
    }
    Ok(phrase(field, text))
}

/// Whether `pattern` (`*` any run, `?` one character) matches all of `text`.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        match p.get(pi) {
            Some('?') => {
                pi += 1;
                ti += 1;
            }
            Some('*') => {
                star = Some(pi);
                mark = ti;
                pi += 1;
            }
            Some(&c) if Some(&c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    mark += 1;
                    ti = mark;
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|&c| c == '*')
}

/// An entry's text, prepared once for matching: each scalar value's field and words.
pub(crate) struct Text {
    values: Vec<(String, Vec<String>)>,
}

impl Text {
    /// The text of `content`.
    pub fn of(content: &Value) -> Text {
        let values = fields::flatten(content)
            .into_iter()
            .map(|(path, v)| (path, fields::text_of(v).map(|t| fields::words(&t)).unwrap_or_default()))
            .collect();
        Text { values }
    }

    fn in_field<'a>(&'a self, field: &'a Option<String>) -> impl Iterator<Item = &'a Vec<String>> + 'a {
        self.values.iter().filter(move |(path, _)| field.as_ref().is_none_or(|f| path == f)).map(|(_, w)| w)
    }
}

impl Query {
    /// Whether the entry with `content` (and its prepared `text`) matches.
    pub fn matches(&self, content: &Value, text: &Text) -> bool {
        match self {
            Query::All => true,
            Query::Nothing => false,
            Query::Word { field, pattern, wildcard } => text.in_field(field).any(|words| {
                words.iter().any(|w| if *wildcard { wildcard_match(pattern, w) } else { w == pattern })
            }),
            Query::Phrase { field, words } => {
                text.in_field(field).any(|have| !words.is_empty() && have.windows(words.len()).any(|win| win == words))
            }
            Query::Range { field, low, high } => {
                fields::values_at(content, field).into_iter().any(|v| in_range(v, low.as_ref(), high.as_ref()))
            }
            Query::Exists { field } => field.is_empty() || fields::exists(content, field),
            Query::And(parts) => parts.iter().all(|p| p.matches(content, text)),
            Query::Or(parts) => parts.iter().any(|p| p.matches(content, text)),
            Query::Not(inner) => !inner.matches(content, text),
        }
    }

    /// How well the entry matches: occurrences of the query's (not negated) words.
    pub fn score(&self, text: &Text) -> usize {
        match self {
            Query::Word { field, pattern, wildcard } => text
                .in_field(field)
                .flat_map(|words| words.iter())
                .filter(|w| if *wildcard { wildcard_match(pattern, w) } else { *w == pattern })
                .count(),
            Query::Phrase { field, words } => text
                .in_field(field)
                .map(|have| if words.is_empty() { 0 } else { have.windows(words.len()).filter(|w| w == words).count() })
                .sum(),
            Query::And(parts) | Query::Or(parts) => parts.iter().map(|p| p.score(text)).sum(),
            _ => 0,
        }
    }
}

/// Whether a scalar lies within bounds given as text (`(bound, inclusive)`): numbers compare
/// as numbers, dates as dates, anything else as text.
pub(crate) fn in_range(v: &Value, low: Option<&(String, bool)>, high: Option<&(String, bool)>) -> bool {
    let Some(have) = Key::of(v) else { return false };
    let check = |bound: Option<&(String, bool)>, below: bool| {
        let Some((text, inclusive)) = bound else { return true };
        let Some(bound) = bound_key(&have, text) else { return false };
        match (have.cmp(&bound), below) {
            (std::cmp::Ordering::Equal, _) => *inclusive,
            (std::cmp::Ordering::Greater, true) | (std::cmp::Ordering::Less, false) => true,
            _ => false,
        }
    };
    check(low, true) && check(high, false)
}

/// A bound as a key of the same kind as the value it is compared with (None: they cannot
/// be compared).
pub(crate) fn bound_key(have: &Key, text: &str) -> Option<Key> {
    match have {
        Key::Number(_) => text.trim().parse::<f64>().ok().filter(|f| f.is_finite()).map(Key::Number),
        Key::Date(_) => fields::parse_date(text.trim()).map(Key::Date),
        Key::Text(_) => Some(Key::Text(text.to_string())),
        Key::Bool(_) => text.trim().parse::<bool>().ok().map(Key::Bool),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn hits(q: &str, advanced: bool, docs: &[Value]) -> Vec<usize> {
        let query = parse(q, advanced).unwrap_or_else(|e| panic!("{q}: {e}"));
        docs.iter().enumerate().filter(|(_, d)| query.matches(d, &Text::of(d))).map(|(i, _)| i).collect()
    }

    fn docs() -> Vec<Value> {
        vec![
            json!({"title": "The Quick Brown Fox", "year": 2014, "tags": ["animal", "fast"]}),
            json!({"title": "A lazy dog", "year": 2020, "author": {"name": "Ada Lovelace"}}),
            json!({"title": "Brown bears", "year": 2018, "date": "2018-06-01"}),
        ]
    }

    #[test]
    fn simple_queries_match_every_word_case_insensitively() {
        let d = docs();
        assert_eq!(hits("*", false, &d), [0, 1, 2]);
        assert_eq!(hits("brown", false, &d), [0, 2]);
        assert_eq!(hits("BROWN fox", false, &d), [0]);
        assert_eq!(hits("ada lovelace", false, &d), [1]);
        assert_eq!(hits("\"lovelace ada\"", false, &d), Vec::<usize>::new(), "a phrase keeps its order");
        assert_eq!(hits("\"ada lovelace\"", false, &d), [1]);
        assert_eq!(hits("bro*", false, &d), [0, 2]);
        assert_eq!(hits("2014", false, &d), [0]);
        assert_eq!(hits("animal", false, &d), [0]);
        assert_eq!(hits("nothing-here", false, &d), Vec::<usize>::new());
        assert_eq!(hits("!!!", false, &d), Vec::<usize>::new(), "no word, no match");
        assert_eq!(hits("year:2014 AND (", false, &d), Vec::<usize>::new(), "simple mode never fails");
    }

    #[test]
    fn advanced_queries_combine_fields_booleans_and_ranges() {
        let d = docs();
        assert_eq!(hits("title:brown", true, &d), [0, 2]);
        assert_eq!(hits("title:brown AND NOT year:2014", true, &d), [2]);
        assert_eq!(hits("title:brown -year:2014", true, &d), [2]);
        assert_eq!(hits("dog OR fox", true, &d), [0, 1]);
        assert_eq!(hits("dog || (fox && animal)", true, &d), [0, 1]);
        assert_eq!(hits("author.name:\"Ada Lovelace\"", true, &d), [1]);
        assert_eq!(hits("title:(dog OR bears)", true, &d), [1, 2]);
        assert_eq!(hits("year:[2015 TO 2020]", true, &d), [1, 2]);
        assert_eq!(hits("year:{2014 TO 2020}", true, &d), [2]);
        assert_eq!(hits("year:[* TO 2018]", true, &d), [0, 2]);
        assert_eq!(hits("year:>=2018", true, &d), [1, 2]);
        assert_eq!(hits("year:<2018", true, &d), [0]);
        assert_eq!(hits("date:[2018-01-01 TO 2018-12-31]", true, &d), [2]);
        assert_eq!(hits("author.name:*", true, &d), [1]);
        assert_eq!(hits("_exists_:date", true, &d), [2]);
        assert_eq!(hits("tit*:brown", true, &d), Vec::<usize>::new(), "a field name is not a pattern");
        assert_eq!(hits("b?own", true, &d), [0, 2]);
        assert_eq!(hits("brown^2 fox", true, &d), [0], "boosts are accepted");
        assert_eq!(hits("NOT brown", true, &d), [1]);
    }

    #[test]
    fn unsupported_or_broken_advanced_queries_are_refused() {
        for q in ["fox~2", "/br.wn/", "(fox", "fox)", "title:", "\"open", "year:[1 TO", "year:[1 2]", "AND", "a OR"] {
            let err = parse(q, true).expect_err(q);
            assert!(err.starts_with("Invalid advanced query"), "{q}: {err}");
        }
        assert!(parse(&"(".repeat(40), true).unwrap_err().contains("nest deeper than 32"));
        let long = "a ".repeat(200);
        assert!(parse(&long, false).unwrap_err().contains("limit of 256"));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("a*c", "abbbc"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "abbc"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("abc", "ab"));
        assert!(wildcard_match("*b*", "abc"));
        // No exponential blow-up on hostile patterns.
        assert!(!wildcard_match(&"*a".repeat(100), &"a".repeat(99)));
    }

    #[test]
    fn scores_count_the_words_found() {
        let doc = json!({"a": "fox fox dog", "b": "fox"});
        let text = Text::of(&doc);
        assert_eq!(parse("fox", false).unwrap().score(&text), 3);
        assert_eq!(parse("fox dog", false).unwrap().score(&text), 4);
    }
}
