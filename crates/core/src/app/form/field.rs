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

/// Field id prefix of the metadata rows (`metadata.0`, `metadata.1`…), in both forms.
pub const METADATA: &str = "metadata";

/// The texts of a form's metadata rows, in order.
pub fn metadata_texts(fields: &[Field]) -> Vec<&str> {
    fields
        .iter()
        .filter(|f| f.id.starts_with(METADATA))
        .map(Field::text_value)
        .collect()
}

/// Adds an empty metadata row after the last one; returns its field index.
pub fn add_metadata_row(fields: &mut Vec<Field>) -> usize {
    let n = fields.iter().filter(|f| f.id.starts_with(METADATA)).count();
    let at = fields
        .iter()
        .rposition(|f| f.id.starts_with(METADATA))
        .map(|i| i + 1)
        .unwrap_or(fields.len());
    fields.insert(at, Field::text(&format!("{METADATA}.{n}"), "", ""));
    at
}

/// Parses metadata rows `key = value`; blank rows are skipped. Errors name the row.
pub fn parse_metadata(rows: &[&str]) -> Result<Option<Metadata>, (usize, String)> {
    let mut map = Metadata::new();
    for (i, row) in rows.iter().enumerate() {
        let row = row.trim();
        if row.is_empty() {
            continue;
        }
        let Some((k, v)) = row.split_once('=') else {
            return Err((i, format!("row {}: write key = value", i + 1)));
        };
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() {
            return Err((i, format!("row {}: the key is empty", i + 1)));
        }
        if map.insert(k, v).is_some() {
            return Err((i, format!("row {}: key {k:?} appears twice", i + 1)));
        }
    }
    Ok((!map.is_empty()).then_some(map))
}

pub fn metadata_rows(m: Option<&Metadata>) -> Vec<String> {
    m.map(|m| m.iter().map(|(k, v)| format!("{k} = {v}")).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_rows_parse_with_row_errors() {
        let ok = parse_metadata(&["a = 1", "", " b=two words "]).unwrap().unwrap();
        assert_eq!(ok.get("b"), Some("two words"));
        assert_eq!(parse_metadata(&["", " "]).unwrap(), None);
        assert_eq!(parse_metadata(&["a = 1", "oops"]).unwrap_err().0, 1);
        assert!(parse_metadata(&["a=1", "a=2"]).unwrap_err().1.contains("twice"));
        assert!(parse_metadata(&[" = x"]).unwrap_err().1.contains("empty"));
    }
}
