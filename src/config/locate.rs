//! Where things are in a config file: the line of a key, the key at an error's offset.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Every key of a parsed file with its place: `profiles.prod.read_only` → key and value spans.
pub(super) struct KeyIndex {
    entries: Vec<(String, Range<usize>, Range<usize>)>,
}

impl KeyIndex {
    /// `None` when the file is not valid TOML.
    pub(super) fn build(text: &str) -> Option<KeyIndex> {
        let doc = DeTable::parse(text).ok()?;
        let mut entries = Vec::new();
        Self::walk("", doc.get_ref(), &mut entries);
        Some(KeyIndex { entries })
    }

    fn walk(prefix: &str, table: &DeTable<'_>, out: &mut Vec<(String, Range<usize>, Range<usize>)>) {
        for (k, v) in table.iter() {
            let path = if prefix.is_empty() {
                k.get_ref().to_string()
            } else {
                format!("{prefix}.{}", k.get_ref())
            };
            out.push((path.clone(), k.span(), v.span()));
            if let DeValue::Table(t) = v.get_ref() {
                Self::walk(&path, t, out);
            }
        }
    }

    /// Where `dotted` is written (its key), as a byte offset.
    pub(super) fn offset_of(&self, dotted: &str) -> Option<usize> {
        self.entries
            .iter()
            .find(|(p, _, _)| p == dotted)
            .map(|(_, k, _)| k.start)
    }

    /// The most specific key whose key or value covers `offset`.
    pub(super) fn key_at(&self, offset: usize) -> Option<&str> {
        self.entries
            .iter()
            .filter(|(_, k, v)| k.contains(&offset) || v.contains(&offset))
            .min_by_key(|(_, k, v)| if k.contains(&offset) { k.len() } else { v.len() })
            .map(|(p, _, _)| p.as_str())
    }
}

/// For a file that does not parse: the key written on the line at `offset`, under its nearest
/// `[table]` header.
pub(super) fn key_on_line(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[offset..]
        .find('\n')
        .map(|i| offset + i)
        .unwrap_or(text.len());
    let line = text[line_start..line_end].trim();
    let header = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    if line.starts_with('[') {
        return line.trim_matches(|c| c == '[' || c == ']').trim().to_string();
    }
    let key = line
        .split('=')
        .next()
        .unwrap_or_default()
        .trim()
        .trim_matches('"')
        .to_string();
    match header {
        Some(h) if !key.is_empty() => format!("{h}.{key}"),
        _ => key,
    }
}

/// Edit distance, for "did you mean …" on a mistyped profile name.
pub(super) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_in_headers_dotted_keys_and_inline_tables() {
        let text = "a = 1\n[profiles.prod]\nread_only = true\nprofiles.dev.api_url = \"x\"\n[profiles.qa]\nx = { y = 2 }\n";
        let text = text.replace("profiles.dev.api_url", "nested.api_url");
        let i = KeyIndex::build(&text).unwrap();
        let line = |k: &str| i.offset_of(k).map(|o| line_of(&text, o));
        assert_eq!(line("a"), Some(1));
        assert_eq!(line("profiles.prod"), Some(2));
        assert_eq!(line("profiles.prod.read_only"), Some(3));
        assert_eq!(line("profiles.prod.nested.api_url"), Some(4));
        assert_eq!(line("profiles.qa.x.y"), Some(6));
        assert_eq!(line("profiles.nope"), None);
        let at = text.find("true").unwrap();
        assert_eq!(i.key_at(at), Some("profiles.prod.read_only"));
    }

    #[test]
    fn unparseable_lines_still_name_their_key() {
        let text = "[profiles.prod]\nenvironment_id = \"env\n";
        assert_eq!(
            key_on_line(text, text.find("env").unwrap()),
            "profiles.prod.environment_id"
        );
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("stagin", "staging"), 1);
        assert_eq!(distance("prod", "prd"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
