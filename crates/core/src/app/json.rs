//! The raw JSON view (`J`): a wallet or a transaction exactly as the API returned it,
//! pretty-printed (key order and number digits kept) and scrollable.

use super::{Overlay, OverlayKind};
use serde_json::Value;

use super::{App, Effect, FlashKind};
use crate::keymap::Command;
use flexprice_wire::ApiError;

#[derive(Debug, Clone, PartialEq)]
pub struct JsonView {
    pub title: String,
    /// The pretty-printed lines; empty while loading.
    pub lines: Vec<String>,
    pub scroll: usize,
    pub loading: bool,
    pub error: Option<String>,
    /// The wallet this view waits for (a late answer for another wallet is dropped).
    pub wallet_id: Option<String>,
}

/// Pretty-prints an API body; a body that is not JSON is shown as it came, sanitised.
pub fn pretty(raw: &str) -> Vec<String> {
    match serde_json::from_str::<Value>(raw) {
        Ok(v) => pretty_value(&v),
        Err(_) => raw
            .lines()
            .map(|l| flexprice_wire::text::clean(l).into_owned())
            .collect(),
    }
}

pub fn pretty_value(v: &Value) -> Vec<String> {
    serde_json::to_string_pretty(v)
        .unwrap_or_else(|_| v.to_string())
        .lines()
        .map(str::to_string)
        .collect()
}

/// Rows of the JSON layer on screen in a terminal `height` rows tall: the layer keeps off the
/// overview, the hint line and the status bar, and its borders take two.
pub fn json_rows(height: u16) -> usize {
    height.saturating_sub(5).max(1) as usize
}

impl App {
    pub(super) fn open_json(&mut self, title: String, value: &Value) {
        self.overlays.push(Overlay::Json(JsonView {
            title,
            lines: pretty_value(value),
            scroll: 0,
            loading: false,
            error: None,
            wallet_id: None,
        }));
    }

    /// `J` on a wallet: fetched anew, so it is what the API says now.
    pub(super) fn open_wallet_json(&mut self) -> Vec<Effect> {
        let Some(id) = self.table.selected_id().map(str::to_string) else {
            self.flash(FlashKind::Info, "No wallet selected");
            return Vec::new();
        };
        self.overlays.push(Overlay::Json(JsonView {
            title: format!("wallet {id}"),
            lines: Vec::new(),
            scroll: 0,
            loading: true,
            error: None,
            wallet_id: Some(id.clone()),
        }));
        vec![Effect::LoadRawWallet { wallet_id: id }]
    }

    pub(super) fn on_raw_wallet(
        &mut self,
        wallet_id: String,
        result: Result<String, ApiError>,
    ) -> Vec<Effect> {
        let Some(view) = self
            .overlays
            .json_mut()
            .filter(|v| v.wallet_id.as_deref() == Some(wallet_id.as_str()))
        else {
            return Vec::new();
        };
        view.loading = false;
        match result {
            Ok(text) => view.lines = pretty(&text),
            Err(e) => {
                view.error = Some(e.to_string());
                self.log_error("get wallet", &e);
            }
        }
        Vec::new()
    }

    pub(super) fn run_json(&mut self, cmd: Command) -> Option<Vec<Effect>> {
        let page = json_rows(self.size.1);
        let view = self.overlays.json_mut()?;
        let last = view.lines.len().saturating_sub(page);
        match cmd {
            Command::Back | Command::RawJson => {
                self.overlays.close(OverlayKind::Json);
            }
            Command::Down => view.scroll = (view.scroll + 1).min(last),
            Command::Up => view.scroll = view.scroll.saturating_sub(1),
            Command::PageDown => view.scroll = (view.scroll + page).min(last),
            Command::PageUp => view.scroll = view.scroll.saturating_sub(page),
            Command::Top => view.scroll = 0,
            Command::Bottom => view.scroll = last,
            _ => return None,
        }
        Some(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_every_digit() {
        let raw = r#"{"id":"w1","balance":"100.000000001","credits":12345678901234567890.5,"a":1}"#;
        let lines = pretty(raw);
        let text = lines.join("\n");
        let id = text.find("\"id\"").unwrap();
        let a = text.find("\"a\"").unwrap();
        assert!(id < a, "key order kept: {text}");
        assert!(text.contains("\"100.000000001\""));
        assert!(text.contains("12345678901234567890.5"), "{text}");
        assert_eq!(lines.first().map(String::as_str), Some("{"));
    }

    #[test]
    fn a_body_that_is_not_json_is_shown_as_it_came() {
        assert_eq!(pretty("<html>\nbad gateway"), vec!["<html>", "bad gateway"]);
    }
}
