//! The screen's row budget, which the reducer needs (page sizes) as much as the renderer.

/// Overview line, hints line, status line.
pub const CHROME_ROWS: u16 = 3;
/// The list's borders and header row.
pub const LIST_CHROME_ROWS: u16 = 3;

/// Wallet rows visible in a terminal `height` rows tall.
pub fn list_rows(height: u16) -> u16 {
    height.saturating_sub(CHROME_ROWS + LIST_CHROME_ROWS).max(1)
}
