//! Shell-style wildcards as Transfer uses them (filter rules, `ls` name filters, delete
//! globs): `*`, `?`, `[abc]`, `[a-z]`, `[!abc]`, and `\` to escape a wildcard.

/// Whether `name` matches `pattern` as a whole. A pattern that is not a valid glob (an
/// unclosed `[`) matches only itself.
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: false,
        require_literal_leading_dot: false,
    };
    match glob::Pattern::new(&unescape(pattern)) {
        Ok(p) => p.matches_with(name, options),
        Err(_) => pattern == name,
    }
}

/// `\*` (Transfer's escape) as `[*]` (the glob crate's).
fn unescape(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(next @ ('*' | '?' | '[' | ']' | '\\'))) => {
                chars.next();
                out.push('[');
                out.push(next);
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether `s` holds an unescaped wildcard.
pub(crate) fn has_wildcards(s: &str) -> bool {
    let mut escaped = false;
    for c in s.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '*' | '?' | '[' if !escaped => return true,
            _ => escaped = false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("*.txt", "a.txt"));
        assert!(matches("*.txt", ".txt"));
        assert!(!matches("*.txt", "a.txt.gz"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("[ab]*", "beta"));
        assert!(!matches("[!ab]*", "beta"));
        assert!(matches("file[0-9]", "file7"));
        assert!(!matches("file[0-9]", "filex"));
        assert!(matches("*a*b*", "xxaYYbzz"));
        assert!(matches(r"a\*", "a*"));
        assert!(!matches(r"a\*", "ab"));
        assert!(matches("[x", "[x"));
        assert!(matches("*", ""));
        assert!(has_wildcards("*.txt") && !has_wildcards(r"a\*b") && !has_wildcards("plain"));
    }
}
