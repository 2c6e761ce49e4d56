//! Form fields: text (tui-input), choices, toggles, and metadata rows, with per-field errors.

use crate::key::KeyEvent;
use crate::key::to_input_request;
use tui_input::Input;

use flexprice_wire::models::Metadata;

#[derive(Debug, Clone)]
pub enum Value {
    Text(Input),
    /// One of `options`; `labels` describe them for the operator.
    Choice {
        options: Vec<String>,
        selected: usize,
    },
    Toggle(bool),
}

#[derive(Debug, Clone)]
pub struct Field {
    /// The request field this edits (where a server error naming it is shown).
    pub id: String,
    pub label: String,
    pub value: Value,
    /// Shown under the field: what it means, or how it was resolved.
    pub hint: Option<String>,
    pub error: Option<String>,
}

impl Field {
    pub fn text(id: &str, label: &str, initial: &str) -> Field {
        Field {
            id: id.into(),
            label: label.into(),
            value: Value::Text(Input::new(initial.to_string())),
            hint: None,
            error: None,
        }
    }

    pub fn choice(id: &str, label: &str, options: Vec<String>, selected: usize) -> Field {
        Field {
            id: id.into(),
            label: label.into(),
            value: Value::Choice { options, selected },
            hint: None,
            error: None,
        }
    }

    pub fn toggle(id: &str, label: &str, on: bool) -> Field {
        Field {
            id: id.into(),
            label: label.into(),
            value: Value::Toggle(on),
            hint: None,
            error: None,
        }
    }

    pub fn is_text(&self) -> bool {
        matches!(self.value, Value::Text(_))
    }

    pub fn text_value(&self) -> &str {
        match &self.value {
            Value::Text(i) => i.value(),
            Value::Choice { options, selected } => options.get(*selected).map(String::as_str).unwrap_or(""),
            Value::Toggle(b) => {
                if *b {
                    "on"
                } else {
                    "off"
                }
            }
        }
    }

    pub fn on(&self) -> bool {
        matches!(self.value, Value::Toggle(true))
    }

    pub fn selected(&self) -> usize {
        match self.value {
            Value::Choice { selected, .. } => selected,
            _ => 0,
        }
    }

    /// Steps a choice or flips a toggle; text fields ignore it.
    pub fn step(&mut self, forward: bool) {
        match &mut self.value {
            Value::Choice { options, selected } if !options.is_empty() => {
                let n = options.len();
                *selected = if forward {
                    (*selected + 1) % n
                } else {
                    (*selected + n - 1) % n
                };
            }
            Value::Toggle(b) => *b = !*b,
            _ => {}
        }
    }

    /// Feeds a key to a text field. Returns true when the value changed.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        let Value::Text(input) = &mut self.value else {
            return false;
        };
        match to_input_request(&key) {
            Some(req) => input.handle(req).is_some_and(|c| c.value),
            None => false,
        }
    }

    /// Inserts pasted text at the cursor of a text field (cleaned: a field is one line, and
    /// nothing pasted can put an escape sequence on screen). Returns true when it changed.
    pub fn paste(&mut self, text: &str) -> bool {
        let Value::Text(input) = &mut self.value else {
            return false;
        };
        paste_into(input, text)
    }

    pub fn set_text(&mut self, text: &str) {
        if let Value::Text(input) = &mut self.value {
            *input = Input::new(text.to_string());
        }
    }

    /// Display text of the value and the cursor column within it (text fields only).
    pub fn display(&self) -> (String, Option<usize>) {
        match &self.value {
            Value::Text(i) => (i.value().to_string(), Some(i.visual_cursor())),
            Value::Choice { options, selected } => (
                format!("◀ {} ▶", options.get(*selected).map(String::as_str).unwrap_or("")),
                None,
            ),
            Value::Toggle(b) => (if *b { "[x] yes".into() } else { "[ ] no".into() }, None),
        }
    }
}

/// Puts each `(field id, message)` on its field; true when there was any (the form is not
/// sent, and says why where the operator looks).
pub fn show_errors(fields: &mut [Field], errors: Vec<(String, String)>) -> bool {
    let any = !errors.is_empty();
    for (id, msg) in errors {
        if let Some(f) = fields.iter_mut().find(|f| f.id == id) {
            f.error = Some(msg);
        }
    }
    any
}

/// A top-up's priority as typed: empty is none; a whole number from 0 up.
pub fn parse_priority(text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{t:?} is not a whole number: 0, 1, 2… (empty: none)"));
    }
    // Too large: the largest said so a person can read it.
    flexprice_wire::words::whole_number(t).map(Some)
}

/// Field id prefix of the metadata rows, in every form: each row is two fields,
/// `metadata.N.key` and `metadata.N.value`.
pub const METADATA: &str = "metadata";
/// Shown under a focused metadata field: what goes where, and the keys that add or remove rows.
pub const METADATA_KEY_HINT: &str = "a name, e.g. ticket · its value on the next line · ctrl-n adds a row";
pub const METADATA_VALUE_HINT: &str = "the key's value, e.g. INC-42 · ctrl-x removes this row";

pub fn metadata_key_id(row: usize) -> String {
    format!("{METADATA}.{row}.key")
}

pub fn metadata_value_id(row: usize) -> String {
    format!("{METADATA}.{row}.value")
}

/// Whether the field is half of a metadata row.
pub fn is_metadata(f: &Field) -> bool {
    f.id.starts_with(METADATA)
}

/// The two fields of one metadata row.
pub fn metadata_fields(row: usize, key: &str, value: &str) -> [Field; 2] {
    let mut k = Field::text(&metadata_key_id(row), "Metadata key", key);
    k.hint = Some(METADATA_KEY_HINT.into());
    let mut v = Field::text(&metadata_value_id(row), "  value", value);
    v.hint = Some(METADATA_VALUE_HINT.into());
    [k, v]
}

/// The metadata rows' (key, value) texts, in order.
pub fn metadata_pairs(fields: &[Field]) -> Vec<(&str, &str)> {
    let keys = fields.iter().filter(|f| f.id.ends_with(".key") && is_metadata(f));
    let values = fields
        .iter()
        .filter(|f| f.id.ends_with(".value") && is_metadata(f));
    keys.zip(values)
        .map(|(k, v)| (k.text_value(), v.text_value()))
        .collect()
}

/// Renumbers the metadata rows' ids after one was removed, so that an error for row N finds it.
fn renumber_metadata(fields: &mut [Field]) {
    let (mut keys, mut values) = (0, 0);
    for f in fields.iter_mut().filter(|f| is_metadata(f)) {
        if f.id.ends_with(".key") {
            f.id = metadata_key_id(keys);
            keys += 1;
        } else {
            f.id = metadata_value_id(values);
            values += 1;
        }
    }
}

/// Adds an empty metadata row after the last one; returns the field index of its key.
pub fn add_metadata_row(fields: &mut Vec<Field>) -> usize {
    let n = metadata_pairs(fields).len();
    let at = fields
        .iter()
        .rposition(is_metadata)
        .map(|i| i + 1)
        .unwrap_or(fields.len());
    let [k, v] = metadata_fields(n, "", "");
    fields.insert(at, v);
    fields.insert(at, k);
    at
}

/// Removes the metadata row with a field at `focus` (the last row left is emptied instead);
/// returns the new focus, or `None` when `focus` is not on a metadata row.
pub fn remove_metadata_row(fields: &mut Vec<Field>, focus: usize) -> Option<usize> {
    let f = fields.get(focus).filter(|f| is_metadata(f))?;
    let key_at = if f.id.ends_with(".value") {
        focus.checked_sub(1)?
    } else {
        focus
    };
    if metadata_pairs(fields).len() > 1 {
        fields.drain(key_at..(key_at + 2).min(fields.len()));
        renumber_metadata(fields);
        Some(key_at.min(fields.len().saturating_sub(1)))
    } else {
        for f in fields.iter_mut().skip(key_at).take(2) {
            f.set_text("");
        }
        Some(key_at)
    }
}

/// Which half of a metadata row an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Half {
    Key,
    Value,
}

/// The field id of an error on a metadata row.
pub fn metadata_error_id(row: usize, half: Half) -> String {
    match half {
        Half::Key => metadata_key_id(row),
        Half::Value => metadata_value_id(row),
    }
}

/// The metadata of the rows (empty rows skipped), held to the limits every top-up is held to
/// (`flexwallet_bulk::limits`). An error names the row and the half at fault.
pub fn parse_metadata(pairs: &[(&str, &str)]) -> Result<Option<Metadata>, (usize, Half, String)> {
    use flexwallet_bulk::limits;
    let mut map = Metadata::new();
    let mut last = 0;
    for (i, (k, v)) in pairs.iter().enumerate() {
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() && v.is_empty() {
            continue;
        }
        last = i;
        if k.is_empty() {
            return Err((
                i,
                Half::Key,
                "a value needs a key (the name it is stored under)".into(),
            ));
        }
        limits::check_metadata_key(k).map_err(|e| (i, Half::Key, e))?;
        limits::check_metadata_value(v).map_err(|e| (i, Half::Value, format!("the value {e}")))?;
        if map.insert(k, v).is_some() {
            return Err((i, Half::Key, format!("the key {k:?} is on an earlier row too")));
        }
    }
    limits::check_metadata_count(map.len()).map_err(|e| (last, Half::Key, e))?;
    Ok((!map.is_empty()).then_some(map))
}

/// A wallet's or a request's metadata as (key, value) rows.
pub fn metadata_rows(m: Option<&Metadata>) -> Vec<(String, String)> {
    m.map(|m| m.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
        .unwrap_or_default()
}

/// `ticket = INC-42`: one metadata entry as the confirm and the diff show it.
pub fn metadata_line(key: &str, value: &str) -> String {
    format!("{key} = {value}")
}

/// Puts `text`, cleaned, at the cursor of `input`. Returns true when anything was inserted.
pub fn paste_into(input: &mut Input, text: &str) -> bool {
    let clean = flexprice_wire::text::clean(text);
    let clean = clean.trim_matches(|c: char| c.is_whitespace());
    if clean.is_empty() {
        return false;
    }
    let mut value = input.value().to_string();
    let at = value
        .char_indices()
        .nth(input.cursor())
        .map(|(i, _)| i)
        .unwrap_or(value.len());
    value.insert_str(at, clean);
    let cursor = input.cursor() + clean.chars().count();
    *input = Input::new(value).with_cursor(cursor);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_rows_parse_with_errors_on_their_half() {
        let ok = parse_metadata(&[("a", "1"), ("", ""), (" b", "two words ")])
            .unwrap()
            .unwrap();
        assert_eq!(ok.get("b"), Some("two words"));
        assert_eq!(parse_metadata(&[("", ""), (" ", "")]).unwrap(), None);
        assert_eq!(parse_metadata(&[("a", "1"), ("", "x")]).unwrap_err().0, 1);
        let (row, half, msg) = parse_metadata(&[("a", "1"), ("a", "2")]).unwrap_err();
        assert_eq!((row, half), (1, Half::Key));
        assert!(msg.contains("earlier row"), "{msg}");
        // A key may have an empty value.
        assert!(parse_metadata(&[("flag", "")]).unwrap().is_some());
    }

    #[test]
    fn rows_are_added_and_removed_as_pairs() {
        let mut fields = vec![Field::text("x", "X", "")];
        fields.extend(metadata_fields(0, "a", "1"));
        fields.push(Field::text("k", "K", ""));
        let at = add_metadata_row(&mut fields);
        assert_eq!(at, 3);
        assert_eq!(fields[3].id, "metadata.1.key");
        assert_eq!(fields[4].id, "metadata.1.value");
        assert_eq!(fields[5].id, "k");
        fields[3].set_text("b");
        // Removing the first row (focus on its value) renumbers the second.
        assert_eq!(remove_metadata_row(&mut fields, 2), Some(1));
        assert_eq!(metadata_pairs(&fields), vec![("b", "")]);
        assert_eq!(fields[1].id, "metadata.0.key");
        // The last row left is emptied, not removed.
        assert_eq!(remove_metadata_row(&mut fields, 1), Some(1));
        assert_eq!(metadata_pairs(&fields), vec![("", "")]);
        assert_eq!(remove_metadata_row(&mut fields, 0), None);
    }
}
