//! How large a plan and its parts may be: the CSV's size, rows, columns, lines and fields, and a
//! top-up's description and metadata. The CSV reader, the drafts and the console's forms all
//! check these, so an oversized value is refused before anything is sent or journaled.
//!
//! Flexprice documents no limit on a top-up's description or metadata (`TopUpWalletRequest` has
//! no `maxLength`; its server refuses only what its body limit refuses, with a 413 after the
//! job has started). The description and metadata limits are flexwallet's own, chosen well above
//! any use seen and as payment APIs commonly set them (50 keys, 40-character keys, 500-character
//! values).

/// Bytes of a CSV file: about ten times a 1,000,000-row plan with descriptions.
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// Data rows of one plan; a larger job is split into several files.
pub const MAX_ROWS: usize = 1_000_000;
/// Columns of the header: the nine known ones and up to [`MAX_METADATA_KEYS`] metadata ones.
pub const MAX_COLUMNS: usize = 64;
/// Bytes of one field (a description of [`MAX_DESCRIPTION_CHARS`] characters fits).
pub const MAX_FIELD_BYTES: usize = 4096;
/// Bytes of one CSV record (a row with every field full fits).
pub const MAX_LINE_BYTES: usize = 128 * 1024;
/// Characters of a top-up's description.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Keys of a top-up's metadata.
pub const MAX_METADATA_KEYS: usize = 50;
/// Characters of one metadata key.
pub const MAX_METADATA_KEY_CHARS: usize = 40;
/// Characters of one metadata value.
pub const MAX_METADATA_VALUE_CHARS: usize = 500;

// The header holds every known column and every metadata key; a field holds a description of
// four-byte characters.
const _: () = assert!(MAX_COLUMNS >= 9 + MAX_METADATA_KEYS);
const _: () = assert!(MAX_FIELD_BYTES >= 4 * MAX_DESCRIPTION_CHARS);

/// `1,000,000`: limits and sizes as the operator reads them.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A description longer than flexwallet sends.
pub fn check_description(text: &str) -> Result<(), String> {
    too_long(text, MAX_DESCRIPTION_CHARS)
}

/// A metadata key too long to send.
pub fn check_metadata_key(key: &str) -> Result<(), String> {
    too_long(key, MAX_METADATA_KEY_CHARS).map_err(|e| format!("the key {e}"))
}

/// A metadata value too long to send.
pub fn check_metadata_value(value: &str) -> Result<(), String> {
    too_long(value, MAX_METADATA_VALUE_CHARS)
}

/// More metadata keys than are sent.
pub fn check_metadata_count(keys: usize) -> Result<(), String> {
    if keys > MAX_METADATA_KEYS {
        Err(format!(
            "{} metadata keys: at most {MAX_METADATA_KEYS}",
            grouped(keys)
        ))
    } else {
        Ok(())
    }
}

fn too_long(text: &str, max: usize) -> Result<(), String> {
    // Bytes bound characters from above: most texts need no count.
    if text.len() <= max {
        return Ok(());
    }
    let chars = text.chars().count();
    if chars <= max {
        return Ok(());
    }
    Err(format!(
        "is {} characters long: at most {}",
        grouped(chars),
        grouped(max)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_characters_not_bytes() {
        assert!(check_description(&"é".repeat(MAX_DESCRIPTION_CHARS)).is_ok());
        let e = check_description(&"é".repeat(MAX_DESCRIPTION_CHARS + 1)).unwrap_err();
        assert_eq!(e, "is 1,001 characters long: at most 1,000");
        assert!(
            check_metadata_key(&"k".repeat(41))
                .unwrap_err()
                .starts_with("the key is 41")
        );
        assert!(check_metadata_value(&"v".repeat(500)).is_ok());
        assert!(check_metadata_count(51).is_err() && check_metadata_count(50).is_ok());
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(grouped(999), "999");
    }
}
