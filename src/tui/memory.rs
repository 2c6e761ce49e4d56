//! Handing freed memory back to the system after a full reload.

/// A full reload decodes a reply of tens of megabytes and replaces every row. glibc keeps the
/// pages it freed inside its heap, where they count as the console's resident memory for as long
/// as it runs; `malloc_trim` returns them. Elsewhere (musl, macOS) there is nothing to do.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only releases memory the allocator holds free.
    unsafe {
        libc::malloc_trim(0);
    }
}
